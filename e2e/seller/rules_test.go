package seller_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cmp-platform/cmp/models"
)

// sellerRules are the authorization, validation and listing rules; TestSeller
// runs them on its stacks.
func sellerRules(t *testing.T, c *client) {
	t.Run("ProviderCannotReadOrEditAnotherProvidersOfferings", func(t *testing.T) { otherProvider(t, c) })
	t.Run("OnlyOperatorsDecideAndNeverOnTheirOwnOffering", func(t *testing.T) { onlyOperators(t, c) })
	t.Run("BadUploadsAreRefusedWithACodeAndStoreNothing", func(t *testing.T) { badUploads(t, c) })
	t.Run("BadOfferingInputIsRefusedWithACode", func(t *testing.T) { badInput(t, c) })
	t.Run("FailedChecksRejectWithTheReason", func(t *testing.T) { failedChecks(t, c) })
	t.Run("PrivateOfferingOnlyForSharedOrganizations", func(t *testing.T) { privateOffering(t, c) })
	t.Run("PriceChangeOnActiveOfferingIsAReviewedRevision", func(t *testing.T) { revision(t, c) })
	t.Run("FeaturedLeadsTheHomeListingAndPausedLeavesIt", func(t *testing.T) { featuredAndPaused(t, c) })
}

func otherProvider(t *testing.T, c *client) {
	x := c.provider("Xavi")
	y := c.provider("Yara")
	o := c.newOffering(y.Token, uniqueWord())
	for _, r := range []struct{ method, path string }{
		{http.MethodGet, "/api/v1/provider/offerings/" + o.ID},
		{http.MethodGet, "/api/v1/provider/offerings/" + o.Slug},
		{http.MethodPatch, "/api/v1/provider/offerings/" + o.ID},
		{http.MethodDelete, "/api/v1/provider/offerings/" + o.ID},
		{http.MethodPost, "/api/v1/provider/offerings/" + o.ID + "/plans"},
		{http.MethodPatch, "/api/v1/provider/offerings/" + o.ID + "/plans/" + o.Plans[0].ID},
		{http.MethodPost, "/api/v1/provider/offerings/" + o.ID + "/submit"},
		{http.MethodGet, "/api/v1/provider/offerings/" + o.ID + "/review"},
		{http.MethodGet, "/api/v1/provider/offerings/" + o.ID + "/shares"},
	} {
		var body any
		if r.method == http.MethodPatch || r.method == http.MethodPost {
			body = map[string]any{"name": "Hijacked"}
		}
		if got := c.do(r.method, r.path, body, x.Token); got.Status != http.StatusNotFound {
			t.Errorf("%s %s as another provider: %s, want 404", r.method, r.path, got)
		}
	}
	if got := c.upload("/api/v1/provider/offerings/"+o.ID+"/logo", x.Token, "l.png", pngBytes(t)); got.Status != http.StatusNotFound {
		t.Errorf("logo upload as another provider: %s", got)
	}
	var list struct {
		Items []offering `json:"items"`
	}
	c.do(http.MethodGet, "/api/v1/provider/offerings", nil, x.Token).Must(t, http.StatusOK).JSON(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("provider X lists Y's offerings: %+v", list.Items)
	}
	if got := c.get(y.Token, o.ID); got.State != "draft" {
		t.Errorf("Y's offering changed: %+v", got)
	}
	// Drafts are not public either, and a buyer without a provider is told so.
	c.do(http.MethodGet, "/api/v1/offerings/"+o.Slug, nil, "").Must(t, http.StatusNotFound)
	buyer := c.register("Nobody")
	if r := c.do(http.MethodGet, "/api/v1/provider/offerings", nil, buyer.Token); r.Status != http.StatusForbidden || r.ErrorCode() != "not_a_provider" {
		t.Errorf("non-provider: %s", r)
	}
	c.do(http.MethodPost, "/api/v1/providers", map[string]string{"name": "Again"}, y.Token).Must(t, http.StatusConflict)
}

func onlyOperators(t *testing.T, c *client) {
	seller := c.provider("Omar")
	o := c.newOffering(seller.Token, uniqueWord())
	c.do(http.MethodPost, "/api/v1/provider/offerings/"+o.ID+"/submit", nil, seller.Token).Must(t, http.StatusOK)
	for _, tok := range []string{seller.Token, c.register("Eve").Token} {
		if r := c.do(http.MethodPost, "/api/v1/admin/offerings/"+o.ID+"/approve", nil, tok); r.Status != http.StatusForbidden {
			t.Errorf("non-operator approve: %s, want 403", r)
		}
		c.do(http.MethodPost, "/api/v1/admin/offerings/"+o.ID+"/reject", map[string]string{"reason": "no"}, tok).Must(t, http.StatusForbidden)
		c.do(http.MethodGet, "/api/v1/admin/offerings", nil, tok).Must(t, http.StatusForbidden)
	}
	c.do(http.MethodPost, "/api/v1/admin/offerings/"+o.ID+"/approve", nil, "").Must(t, http.StatusUnauthorized)
	if s := c.get(seller.Token, o.ID).State; s != "pending_review" {
		t.Fatalf("state %s after refused approvals", s)
	}

	// An operator who is also a provider cannot approve their own listing.
	op := c.operator()
	c.do(http.MethodPost, "/api/v1/providers", map[string]string{"name": "Ops Own Shop " + uniqueWord()}, op.Token).Must(t, http.StatusCreated)
	own := c.newOffering(op.Token, uniqueWord())
	c.do(http.MethodPost, "/api/v1/provider/offerings/"+own.ID+"/submit", nil, op.Token).Must(t, http.StatusOK)
	if r := c.do(http.MethodPost, "/api/v1/admin/offerings/"+own.ID+"/approve", nil, op.Token); r.Status != http.StatusForbidden || r.ErrorCode() != "own_offering" {
		t.Fatalf("operator approving own offering: %s", r)
	}
	if s := c.get(op.Token, own.ID).State; s != "pending_review" {
		t.Fatalf("own offering state %s", s)
	}
	if r := c.do(http.MethodPost, "/api/v1/admin/offerings/"+o.ID+"/reject", map[string]string{"reason": " "}, op.Token); r.Status != http.StatusBadRequest {
		t.Fatalf("empty reason: %s", r)
	}
}

func blobFiles(t *testing.T, c *client) int {
	t.Helper()
	n := 0
	_ = filepath.Walk(filepath.Join(c.Config.BlobDir, "objects"), func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func badUploads(t *testing.T, c *client) {
	seller := c.provider("Uma")
	o := c.newOffering(seller.Token, uniqueWord())
	before := blobFiles(t, c)
	big := append(pngBytes(t), bytes.Repeat([]byte{0}, 1<<20)...)
	for _, tc := range []struct {
		name   string
		data   []byte
		status int
		code   string
	}{
		{"wrong type", []byte("#!/bin/sh\necho not an image\n"), http.StatusUnsupportedMediaType, "unsupported_file_type"},
		{"svg with script", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), http.StatusUnsupportedMediaType, "unsupported_file_type"},
		{"too large", big, http.StatusRequestEntityTooLarge, "file_too_large"},
		{"empty", nil, http.StatusBadRequest, "file_empty"},
	} {
		r := c.upload("/api/v1/provider/offerings/"+o.ID+"/logo", seller.Token, "logo.png", tc.data)
		if r.Status != tc.status || r.ErrorCode() != tc.code {
			t.Errorf("%s: %s, want %d %s", tc.name, r, tc.status, tc.code)
		}
	}
	r := c.do(http.MethodPost, "/api/v1/provider/offerings/"+o.ID+"/screenshots", map[string]string{"file": "x"}, seller.Token)
	if r.Status != http.StatusUnsupportedMediaType || r.ErrorCode() != "not_multipart" {
		t.Errorf("JSON instead of multipart: %s", r)
	}
	if got := c.get(seller.Token, o.ID); got.LogoURL != "" || len(got.Screenshots) != 0 {
		t.Errorf("a refused upload changed the offering: %+v", got)
	}
	if after := blobFiles(t, c); after != before {
		t.Errorf("refused uploads stored %d files", after-before)
	}
	c.do(http.MethodGet, "/api/v1/blobs/private/anything", nil, "").Must(t, http.StatusNotFound)
	c.do(http.MethodGet, "/api/v1/blobs/public/../../etc/passwd", nil, "").Must(t, http.StatusNotFound)
}

func badInput(t *testing.T, c *client) {
	seller := c.provider("Ian")
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"name": "X"}, ""},
		{map[string]any{"name": "X", "category": "gadgets"}, "category"},
		{map[string]any{"name": "X", "category": "apps", "visibility": "secret"}, "visibility"},
		{map[string]any{"name": "X", "category": "apps", "demo_url": "javascript:alert(1)"}, "demo_url"},
		{map[string]any{"name": strings.Repeat("x", 101), "category": "apps"}, "name"},
	} {
		r := c.do(http.MethodPost, "/api/v1/provider/offerings", tc.body, seller.Token)
		if r.Status != http.StatusBadRequest {
			t.Errorf("%v: %s, want 400", tc.body, r)
		}
	}
	var list struct {
		Items []offering `json:"items"`
	}
	c.do(http.MethodGet, "/api/v1/provider/offerings", nil, seller.Token).Must(t, http.StatusOK).JSON(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("bad input stored offerings: %d", len(list.Items))
	}
	o := c.newOffering(seller.Token, uniqueWord())
	for _, plan := range []map[string]any{
		{"name": "Neg", "prices": map[string]int64{"monthly": -1}},
		{"name": "Free", "prices": map[string]int64{"monthly": 0, "annual": 0}},
		{"name": "Huge", "prices": map[string]int64{"monthly": 1 << 40}},
		{"name": "Odd", "prices": map[string]int64{"monthly": 100, "annual": 100000}},
		{"name": "Cur", "prices": map[string]int64{"monthly": 100}, "currency": "dollars"},
		{"name": "Comp", "prices": map[string]int64{"monthly": 100}, "components": []map[string]any{{"type": "usage", "name": "Calls"}}},
		{"name": "Starter", "prices": map[string]int64{"monthly": 100}},
	} {
		if r := c.do(http.MethodPost, "/api/v1/provider/offerings/"+o.ID+"/plans", plan, seller.Token); r.Status != http.StatusBadRequest {
			t.Errorf("plan %v: %s, want 400", plan, r)
		}
	}
	if got := c.get(seller.Token, o.ID); len(got.Plans) != 1 {
		t.Fatalf("bad plans stored: %+v", got.Plans)
	}
	// Slugs are unique and stable: a second offering of the same name gets its
	// own slug, and renaming keeps it.
	var first, second offering
	c.do(http.MethodPost, "/api/v1/provider/offerings", map[string]any{"name": "Same Name", "category": "apps"}, seller.Token).Must(t, http.StatusCreated).JSON(t, &first)
	c.do(http.MethodPost, "/api/v1/provider/offerings", map[string]any{"name": "Same Name", "category": "apps"}, seller.Token).Must(t, http.StatusCreated).JSON(t, &second)
	if first.Slug == second.Slug {
		t.Fatalf("duplicate slug %s", first.Slug)
	}
	var renamed offering
	c.do(http.MethodPatch, "/api/v1/provider/offerings/"+first.ID, map[string]any{"name": "Another Name"}, seller.Token).Must(t, http.StatusOK).JSON(t, &renamed)
	if renamed.Slug != first.Slug {
		t.Fatalf("rename changed the slug: %s → %s", first.Slug, renamed.Slug)
	}
	c.do(http.MethodDelete, "/api/v1/provider/offerings/"+second.ID, nil, seller.Token).Must(t, http.StatusNoContent)
	c.do(http.MethodGet, "/api/v1/provider/offerings/"+second.ID, nil, seller.Token).Must(t, http.StatusNotFound)
}

func failedChecks(t *testing.T, c *client) {
	seller := c.provider("Finn")
	var o offering
	c.do(http.MethodPost, "/api/v1/provider/offerings", map[string]any{"name": "Half Done " + uniqueWord(), "category": "apps",
		"package_ref": "docker://nope:latest"}, seller.Token).Must(t, http.StatusCreated).JSON(t, &o)
	var got offering
	c.do(http.MethodPost, "/api/v1/provider/offerings/"+o.ID+"/submit", nil, seller.Token).Must(t, http.StatusOK).JSON(t, &got)
	if got.State != "rejected" || got.Review.Status != "checks_failed" {
		t.Fatalf("incomplete offering: %+v", got)
	}
	for _, want := range []string{"summary", "at least one plan", "Site-Kit refused the package"} {
		if !strings.Contains(got.RejectionReason, want) {
			t.Errorf("reason %q lacks %q", got.RejectionReason, want)
		}
	}
	failed := 0
	for _, ch := range got.Review.Checks {
		if !ch.Passed {
			failed++
		}
	}
	if failed != 3 {
		t.Errorf("%d failed checks, want 3 (fields, plans, package): %+v", failed, got.Review.Checks)
	}
	op := c.operator()
	var q struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	c.do(http.MethodGet, "/api/v1/admin/offerings?state=checks_failed", nil, op.Token).Must(t, http.StatusOK).JSON(t, &q)
	found := false
	for _, it := range q.Items {
		found = found || it.ID == o.ID
	}
	if !found {
		t.Error("offering missing from the checks_failed queue")
	}
}

func privateOffering(t *testing.T, c *client) {
	seller := c.provider("Pia")
	word := uniqueWord()
	o := c.newOffering(seller.Token, word)
	c.do(http.MethodPatch, "/api/v1/provider/offerings/"+o.ID, map[string]any{"visibility": "private"}, seller.Token).Must(t, http.StatusOK)
	c.do(http.MethodPost, "/api/v1/provider/offerings/"+o.ID+"/submit", nil, seller.Token).Must(t, http.StatusOK)
	c.do(http.MethodPost, "/api/v1/admin/offerings/"+o.ID+"/approve", nil, c.operator().Token).Must(t, http.StatusOK)

	insider, outsider := c.register("Ines"), c.register("Otto")
	var orgs struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	c.do(http.MethodPost, "/api/v1/providers", map[string]string{"name": "Ines Org " + word}, insider.Token).Must(t, http.StatusCreated)
	c.do(http.MethodGet, "/api/v1/organizations", nil, insider.Token).Must(t, http.StatusOK).JSON(t, &orgs)
	c.do(http.MethodPost, "/api/v1/provider/offerings/"+o.ID+"/shares", map[string]any{"organization_ids": []string{orgs.Items[0].ID}}, seller.Token).Must(t, http.StatusOK)
	c.do(http.MethodPost, "/api/v1/provider/offerings/"+o.ID+"/shares", map[string]any{"organization_ids": []string{"org_missing"}}, seller.Token).Must(t, http.StatusBadRequest)

	c.do(http.MethodGet, "/api/v1/offerings/"+o.Slug, nil, "").Must(t, http.StatusNotFound)
	c.do(http.MethodGet, "/api/v1/offerings/"+o.Slug, nil, outsider.Token).Must(t, http.StatusNotFound)
	c.do(http.MethodGet, "/api/v1/offerings/"+o.Slug, nil, insider.Token).Must(t, http.StatusOK)
	if c.listed(word, o.Slug) {
		t.Error("a private offering is listed anonymously")
	}
	c.checkout(insider, o.Slug, "Starter")
	r := c.do(http.MethodPost, "/api/v1/checkout", map[string]any{"offering": o.Slug, "plan": "Starter", "billing_cycle": "monthly",
		"payment_method": "pm_card_visa", "accept_terms": true}, outsider.Token, "Idempotency-Key: outsider-"+word)
	if r.Status != http.StatusNotFound {
		t.Errorf("outsider bought a private offering: %s", r)
	}
}

func approve(t *testing.T, c *client, token, id string) {
	t.Helper()
	c.do(http.MethodPost, "/api/v1/provider/offerings/"+id+"/submit", nil, token).Must(t, http.StatusOK)
	c.do(http.MethodPost, "/api/v1/admin/offerings/"+id+"/approve", nil, c.operator().Token).Must(t, http.StatusOK)
}

func revision(t *testing.T, c *client) {
	seller := c.provider("Remy")
	word := uniqueWord()
	o := c.newOffering(seller.Token, word)
	approve(t, c, seller.Token, o.ID)
	buyer := c.register("Early Bird")
	c.checkout(buyer, o.Slug, "Starter")

	var edited offering
	c.do(http.MethodPatch, "/api/v1/provider/offerings/"+o.ID+"/plans/"+o.Plans[0].ID, map[string]any{"prices": map[string]int64{"monthly": 3900, "annual": 39000}},
		seller.Token).Must(t, http.StatusOK).JSON(t, &edited)
	if edited.Revision == nil || edited.Revision.State != "draft" || edited.Plans[0].Prices.Monthly != 2900 {
		t.Fatalf("price edit on a live offering: %+v", edited)
	}
	var page struct {
		Plans []struct {
			Prices struct {
				Monthly int64 `json:"monthly"`
			} `json:"prices"`
		} `json:"plans"`
	}
	c.do(http.MethodGet, "/api/v1/offerings/"+o.Slug, nil, "").Must(t, http.StatusOK).JSON(t, &page)
	if page.Plans[0].Prices.Monthly != 2900 {
		t.Fatalf("unreviewed price is live: %+v", page)
	}
	var sub offering
	c.do(http.MethodPost, "/api/v1/provider/offerings/"+o.ID+"/submit", nil, seller.Token).Must(t, http.StatusOK).JSON(t, &sub)
	if sub.State != "active" || sub.Revision.State != "pending_review" {
		t.Fatalf("revision submitted: %+v", sub)
	}
	c.do(http.MethodPatch, "/api/v1/provider/offerings/"+o.ID+"/plans/"+o.Plans[0].ID, map[string]any{"prices": map[string]int64{"monthly": 1}},
		seller.Token).Must(t, http.StatusConflict)
	if !c.listed(word, o.Slug) {
		t.Fatal("the live version stopped selling during review")
	}
	c.do(http.MethodPost, "/api/v1/admin/offerings/"+o.ID+"/approve", nil, c.operator().Token).Must(t, http.StatusOK)
	deadline := time.Now().Add(time.Second)
	for {
		c.do(http.MethodGet, "/api/v1/offerings/"+o.Slug, nil, "").Must(t, http.StatusOK).JSON(t, &page)
		if page.Plans[0].Prices.Monthly == 3900 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("approved revision not live: %+v", page)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := c.get(seller.Token, o.ID); got.Revision != nil || got.Review.Round != 2 {
		t.Fatalf("after revision approval: %+v", got)
	}
	// The early subscriber keeps the price they bought at until renewal.
	var prices []int64
	if err := c.Stack.Store.WithContext(context.Background()).Model(&models.Subscription{}).Where("offering_id = ?", o.ID).Pluck("price", &prices).Error; err != nil {
		t.Fatal(err)
	}
	if len(prices) != 1 || prices[0] != 2900 {
		t.Fatalf("early subscriber's price: %v, want [2900]", prices)
	}
}

func featuredAndPaused(t *testing.T, c *client) {
	seller := c.provider("Fay")
	word := uniqueWord()
	a := c.newOffering(seller.Token, word+" alpha")
	b := c.newOffering(seller.Token, word+" beta")
	approve(t, c, seller.Token, a.ID)
	approve(t, c, seller.Token, b.ID)
	op := c.operator()
	c.do(http.MethodPatch, "/api/v1/admin/offerings/"+b.ID, map[string]any{"featured": true}, op.Token).Must(t, http.StatusOK)
	c.do(http.MethodPatch, "/api/v1/admin/offerings/"+b.ID, map[string]any{"featured": true}, seller.Token).Must(t, http.StatusForbidden)
	var home struct {
		Items []struct {
			Slug     string `json:"slug"`
			Featured bool   `json:"featured"`
		} `json:"items"`
	}
	c.do(http.MethodGet, "/api/v1/offerings?limit=100", nil, "").Must(t, http.StatusOK).JSON(t, &home)
	if len(home.Items) == 0 || !home.Items[0].Featured {
		t.Fatalf("home listing does not lead with a featured offering: %+v", home.Items)
	}
	seenPlain := false
	for _, it := range home.Items {
		if !it.Featured {
			seenPlain = true
		} else if seenPlain {
			t.Fatalf("featured offering after a plain one: %+v", home.Items)
		}
	}
	c.do(http.MethodPost, "/api/v1/provider/offerings/"+a.ID+"/pause", nil, seller.Token).Must(t, http.StatusOK)
	if c.listed(word, a.Slug) {
		t.Fatal("a paused offering is listed")
	}
	c.do(http.MethodPost, "/api/v1/provider/offerings/"+a.ID+"/resume", nil, seller.Token).Must(t, http.StatusOK)
	if !c.listed(word, a.Slug) {
		t.Fatal("a resumed offering is not listed")
	}
	c.do(http.MethodDelete, "/api/v1/provider/offerings/"+a.ID, nil, seller.Token).Must(t, http.StatusConflict)
	c.do(http.MethodPost, "/api/v1/provider/offerings/"+a.ID+"/archive", nil, seller.Token).Must(t, http.StatusOK)
	if c.listed(word, a.Slug) {
		t.Fatal("an archived offering is listed")
	}
}
