package seller_test

import (
	"context"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cmp-platform/cmp/internal/apptest"
	"github.com/cmp-platform/cmp/internal/devserver"
	"github.com/cmp-platform/cmp/workflows"
)

// engines runs the seller journeys once on SQLite and once on PostgreSQL, each
// with one stack its subtests share (stacks are the slow part).
func engines(t *testing.T, fn func(t *testing.T, c *client)) {
	for _, eng := range []struct {
		name string
		pg   bool
	}{{"SQLite", false}, {"PostgreSQL", true}} {
		t.Run(eng.name, func(t *testing.T) {
			t.Parallel()
			e := apptest.Start(t, apptest.Options{Postgres: eng.pg, NoSeed: true})
			fn(t, &client{Env: e})
		})
	}
}

func TestSeller(t *testing.T) {
	engines(t, func(t *testing.T, c *client) {
		t.Run("TimeToFirstListing_ApprovedThroughAPIAppearsAnonymouslyAndSells", func(t *testing.T) { timeToFirstListing(t, c) })
		t.Run("OperatorApprovesWithTemporalCLI_ListedWithinASecond", func(t *testing.T) { approveWithCLI(t, c) })
		t.Run("RejectedListingShowsReasonAndResubmissionKeepsHistory", func(t *testing.T) { rejectAndResubmit(t, c) })
		sellerRules(t, c)
	})
}

// timeToFirstListing is the end-to-end: register → provider → offering →
// plans → logo → submit → operator approves through a real Temporal signal →
// anonymous listing → a buyer checks out. It reports calls and time.
func timeToFirstListing(t *testing.T, c *client) {
	begin := time.Now()
	c.calls.Store(0) // every call of the journey goes through c.do
	seller := c.provider("Quinn")
	word := uniqueWord()
	o := c.newOffering(seller.Token, word)
	c.do(http.MethodPost, "/api/v1/provider/offerings/"+o.ID+"/plans", map[string]any{
		"name": "Pro", "prices": map[string]int64{"monthly": 9900, "annual": 99000}, "currency": "usd",
		"components": []map[string]any{{"type": "usage", "name": "Messages", "unit": "message", "unit_price": 1, "included_amount": 10000}},
	}, seller.Token).Must(t, http.StatusCreated)
	var withLogo offering
	c.upload("/api/v1/provider/offerings/"+o.ID+"/logo", seller.Token, "logo.png", pngBytes(t)).Must(t, http.StatusOK).JSON(t, &withLogo)
	if !strings.Contains(withLogo.LogoURL, "/api/v1/blobs/public/offerings/"+o.ID+"/logo-") {
		t.Fatalf("logo_url %q", withLogo.LogoURL)
	}
	var submitted offering
	c.do(http.MethodPost, "/api/v1/provider/offerings/"+o.ID+"/submit", nil, seller.Token).Must(t, http.StatusOK).JSON(t, &submitted)
	if submitted.State != "pending_review" || submitted.Review == nil || len(submitted.Review.Checks) != 4 {
		t.Fatalf("after submit: %+v", submitted)
	}
	for _, ch := range submitted.Review.Checks {
		if !ch.Passed {
			t.Fatalf("check %s failed: %s", ch.Name, ch.Message)
		}
	}
	if c.listed(word, o.Slug) {
		t.Fatal("a pending offering is listed")
	}
	op := c.operator()
	var queue struct {
		Items []struct {
			ID     string `json:"id"`
			Review struct {
				Checks []any `json:"checks"`
			} `json:"review"`
		} `json:"items"`
	}
	c.do(http.MethodGet, "/api/v1/admin/offerings?state=pending_review", nil, op.Token).Must(t, http.StatusOK).JSON(t, &queue)
	found := false
	for _, it := range queue.Items {
		found = found || (it.ID == o.ID && len(it.Review.Checks) == 4)
	}
	if !found {
		t.Fatalf("offering not in the review queue with its checks: %+v", queue)
	}
	approveAt := time.Now()
	c.do(http.MethodPost, "/api/v1/admin/offerings/"+o.ID+"/approve", map[string]string{"note": "LGTM"}, op.Token).Must(t, http.StatusOK)
	lag := c.waitListed(t, word, o.Slug, time.Second)
	sinceApprove := time.Since(approveAt)
	if sinceApprove > time.Second {
		t.Fatalf("listed %v after the approve call began, want within 1s", sinceApprove)
	}
	got := c.get(seller.Token, o.ID)
	if got.State != "active" || got.Review.Status != "approved" {
		t.Fatalf("after approval: state %s review %+v", got.State, got.Review)
	}
	// The logo is served publicly with caching headers, and revalidates to 304.
	logo := c.do(http.MethodGet, strings.TrimPrefix(got.LogoURL, c.URL), nil, "").Must(t, http.StatusOK)
	if logo.Header.Get("Content-Type") != "image/png" || logo.Header.Get("ETag") == "" || !strings.Contains(logo.Header.Get("Cache-Control"), "max-age") {
		t.Fatalf("logo headers: %v", logo.Header)
	}
	c.do(http.MethodGet, strings.TrimPrefix(got.LogoURL, c.URL), nil, "", "If-None-Match: "+logo.Header.Get("ETag")).Must(t, http.StatusNotModified)

	buyer := c.register("Bea")
	c.checkout(buyer, o.Slug, "Starter")
	t.Logf("time to first listing: %d HTTP calls, %v system time from registration to a buyer's running agent (listed %v after approve returned, %v after it began)",
		c.calls.Load(), time.Since(begin).Round(time.Millisecond), lag.Round(time.Millisecond), sinceApprove.Round(time.Millisecond))

	var stats struct {
		Stats struct {
			Approved     int     `json:"approved"`
			ApprovalRate float64 `json:"approval_rate"`
			AvgSeconds   float64 `json:"avg_time_to_approve_seconds"`
		} `json:"stats"`
	}
	c.do(http.MethodGet, "/api/v1/admin/offerings?state=approved", nil, op.Token).Must(t, http.StatusOK).JSON(t, &stats)
	if stats.Stats.Approved < 1 || stats.Stats.ApprovalRate <= 0 || stats.Stats.AvgSeconds <= 0 {
		t.Fatalf("review stats: %+v", stats.Stats)
	}
}

// temporalCLI runs the real Temporal CLI against the test's dev server.
func temporalCLI(t *testing.T, c *client, args ...string) string {
	t.Helper()
	full := append([]string{"workflow"}, args...)
	full = append(full, "--address", c.Config.TemporalAddress, "--namespace", c.Config.TemporalNamespace)
	out, err := exec.Command(devserver.DefaultBinary(), full...).CombinedOutput()
	if err != nil {
		t.Fatalf("temporal %s: %v\n%s", strings.Join(full, " "), err, out)
	}
	return string(out)
}

func approvalStatus(t *testing.T, c *client, offeringID string) workflows.OfferingApprovalStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := c.Stack.Temporal.QueryWorkflow(ctx, workflows.OfferingApprovalWorkflowID(offeringID), "", workflows.QueryOfferingApprovalStatus)
	if err != nil {
		t.Fatalf("query status: %v", err)
	}
	var st workflows.OfferingApprovalStatus
	if err := v.Get(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// approveWithCLI approves with `temporal workflow signal`, after malformed
// payloads (also sent with the CLI) were logged and ignored.
func approveWithCLI(t *testing.T, c *client) {
	seller := c.provider("Cleo")
	word := uniqueWord()
	o := c.newOffering(seller.Token, word)
	c.do(http.MethodPost, "/api/v1/provider/offerings/"+o.ID+"/submit", nil, seller.Token).Must(t, http.StatusOK)
	id := workflows.OfferingApprovalWorkflowID(o.ID)

	temporalCLI(t, c, "signal", "--workflow-id", id, "--name", workflows.SignalApprove, "--input", `"garbage"`)
	temporalCLI(t, c, "signal", "--workflow-id", id, "--name", workflows.SignalApprove, "--input", `{"operator":""}`)
	temporalCLI(t, c, "signal", "--workflow-id", id, "--name", workflows.SignalReject, "--input", `{"operator":"ops@cmp.local"}`)
	deadline := time.Now().Add(5 * time.Second)
	for approvalStatus(t, c, o.ID).Ignored < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("malformed signals not processed: %+v", approvalStatus(t, c, o.ID))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st := approvalStatus(t, c, o.ID); st.State != workflows.ReviewPending {
		t.Fatalf("malformed signals changed the review: %+v", st)
	}
	if c.get(seller.Token, o.ID).State != "pending_review" {
		t.Fatal("malformed signals changed the offering")
	}

	temporalCLI(t, c, "signal", "--workflow-id", id, "--name", workflows.SignalApprove, "--input", `{"operator":"ops@cmp.local","note":"LGTM"}`)
	lag := c.waitListed(t, word, o.Slug, time.Second)
	t.Logf("listed %v after `temporal workflow signal` returned", lag.Round(time.Millisecond))
	desc := temporalCLI(t, c, "describe", "--workflow-id", id)
	if !strings.Contains(desc, "Completed") && !strings.Contains(desc, "COMPLETED") {
		t.Fatalf("workflow not completed after approval:\n%s", desc)
	}
}

// rejectAndResubmit: the provider sees the operator's reason, edits (rejected →
// draft), resubmits; the second review is approved and the history keeps both.
func rejectAndResubmit(t *testing.T, c *client) {
	seller := c.provider("Rio")
	word := uniqueWord()
	o := c.newOffering(seller.Token, word)
	c.do(http.MethodPost, "/api/v1/provider/offerings/"+o.ID+"/submit", nil, seller.Token).Must(t, http.StatusOK)
	op := c.Operator()
	c.do(http.MethodPost, "/api/v1/admin/offerings/"+o.ID+"/reject", map[string]string{"reason": "Add screenshots, please."}, op.Token).Must(t, http.StatusOK)
	got := c.get(seller.Token, o.ID)
	if got.State != "rejected" || got.RejectionReason != "Add screenshots, please." {
		t.Fatalf("after reject: %+v", got)
	}
	// Deciding again without a submission is refused.
	c.do(http.MethodPost, "/api/v1/admin/offerings/"+o.ID+"/approve", nil, op.Token).Must(t, http.StatusConflict)

	c.upload("/api/v1/provider/offerings/"+o.ID+"/screenshots", seller.Token, "shot.png", pngBytes(t)).Must(t, http.StatusCreated)
	if s := c.get(seller.Token, o.ID).State; s != "draft" {
		t.Fatalf("editing a rejected offering: state %s, want draft", s)
	}
	var again offering
	c.do(http.MethodPost, "/api/v1/provider/offerings/"+o.ID+"/submit", nil, seller.Token).Must(t, http.StatusOK).JSON(t, &again)
	if again.State != "pending_review" || again.Review.Round != 2 {
		t.Fatalf("resubmitted: %+v", again)
	}
	c.do(http.MethodPost, "/api/v1/admin/offerings/"+o.ID+"/approve", nil, op.Token).Must(t, http.StatusOK)
	c.waitListed(t, word, o.Slug, time.Second)
	var h struct {
		History []struct {
			Round int    `json:"round"`
			Kind  string `json:"kind"`
			Note  string `json:"note"`
		} `json:"history"`
	}
	c.do(http.MethodGet, "/api/v1/provider/offerings/"+o.ID+"/review", nil, seller.Token).Must(t, http.StatusOK).JSON(t, &h)
	var kinds []string
	for _, e := range h.History {
		kinds = append(kinds, e.Kind)
	}
	want := "submitted checks_passed rejected submitted checks_passed approved"
	if strings.Join(kinds, " ") != want {
		t.Fatalf("history %v, want %s", kinds, want)
	}
}
