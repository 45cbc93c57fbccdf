package api_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cmp-platform/cmp/internal/apptest"
	"github.com/cmp-platform/cmp/internal/config"
	"github.com/cmp-platform/cmp/models"
)

type notificationView struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	Subject   string     `json:"subject"`
	Body      string     `json:"body"`
	Email     string     `json:"email"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at"`
}

type notificationPage struct {
	Items      []notificationView `json:"items"`
	NextCursor string             `json:"next_cursor"`
}

// seller is a provider registered through the API with one approved offering.
type seller struct {
	user     apptest.User
	provider models.Provider
	slug     string
}

var sellerSeq int

// newSeller registers a provider, sets its preferences and gets one offering
// approved and a second one rejected.
func newSeller(t *testing.T, e *apptest.Env, op apptest.User, prefs map[string]any) seller {
	t.Helper()
	sellerSeq++
	u := e.Register(fmt.Sprintf("Seller %d", sellerSeq))
	var p struct {
		ID string `json:"id"`
	}
	e.Do(http.MethodPost, "/api/v1/providers", map[string]string{"name": fmt.Sprintf("Notify Labs %d %d", sellerSeq, time.Now().UnixNano()%1e6),
		"support_email": "support@notify.example"}, u.Token).Must(t, http.StatusCreated).JSON(t, &p)
	e.Do(http.MethodPut, "/api/v1/provider/settings", prefs, u.Token).Must(t, http.StatusOK)
	prov, err := e.Stack.Store.ProviderByID(context.Background(), p.ID)
	if err != nil {
		t.Fatalf("provider: %v", err)
	}
	s := seller{user: u, provider: prov}
	for i, approve := range []bool{true, false} {
		var o struct {
			ID   string `json:"id"`
			Slug string `json:"slug"`
		}
		e.Do(http.MethodPost, "/api/v1/provider/offerings", map[string]any{
			"category": "agents", "name": fmt.Sprintf("Notifier %d-%d", sellerSeq, i), "summary": "Answers tickets",
			"description": "# Helpdesk\nAnswers your customers' tickets.", "terms_of_service": "Use it kindly.",
			"visibility": "public", "package_ref": "sitekit://helpdesk@1.0.0",
		}, u.Token).Must(t, http.StatusCreated).JSON(t, &o)
		e.Do(http.MethodPost, "/api/v1/provider/offerings/"+o.ID+"/plans", map[string]any{
			"name": "Starter", "prices": map[string]int64{"monthly": 2900, "annual": 29000}, "currency": "usd",
			"limits": map[string]int64{"messages": 1000}, "components": []map[string]any{{"type": "fixed", "name": "Base", "unit": "month", "unit_price": 2900}},
		}, u.Token).Must(t, http.StatusCreated)
		e.Do(http.MethodPost, "/api/v1/provider/offerings/"+o.ID+"/submit", nil, u.Token).Must(t, http.StatusOK)
		if approve {
			e.Do(http.MethodPost, "/api/v1/admin/offerings/"+o.ID+"/approve", nil, op.Token).Must(t, http.StatusOK)
			s.slug = o.Slug
		} else {
			e.Do(http.MethodPost, "/api/v1/admin/offerings/"+o.ID+"/reject", map[string]string{"reason": "add screenshots"}, op.Token).Must(t, http.StatusOK)
		}
	}
	return s
}

func notificationsOf(t *testing.T, e *apptest.Env, u apptest.User, query string) notificationPage {
	t.Helper()
	var page notificationPage
	e.Do(http.MethodGet, "/api/v1/provider/notifications"+query, nil, u.Token).Must(t, http.StatusOK).JSON(t, &page)
	return page
}

func kindsOf(items []notificationView) []string {
	var out []string
	for _, n := range items {
		out = append(out, n.Kind)
	}
	sort.Strings(out)
	return out
}

// TestSeller_NotificationsFollowThePreferences runs the whole matrix on one
// stack: a provider with every switch on hears of its listing decisions, its
// order, its review and its payout; one with every switch off hears only of
// the listing decisions (they need action); neither sees the other's.
func TestSeller_NotificationsFollowThePreferences(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) { notificationMatrix(t, false) })
	t.Run("PostgreSQL", func(t *testing.T) { notificationMatrix(t, true) })
}

func notificationMatrix(t *testing.T, postgres bool) {
	e := apptest.Start(t, apptest.Options{Postgres: postgres})
	op := e.Operator()
	on := newSeller(t, e, op, map[string]any{"notification_email": "sales@on.example", "notify_orders": true, "notify_reviews": true, "notify_payouts": true})
	off := newSeller(t, e, op, map[string]any{"notify_orders": false, "notify_reviews": false, "notify_payouts": false})

	buyer := e.Register("Bianca")
	for _, s := range []seller{on, off} {
		e.Checkout(buyer, s.slug, "Starter")
		e.Do(http.MethodPost, "/api/v1/offerings/"+s.slug+"/reviews", map[string]any{"rating": 4, "title": "Solid helper"}, buyer.Token).Must(t, http.StatusCreated)
	}
	prevStart := time.Date(time.Now().UTC().Year(), time.Now().UTC().Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	for _, s := range []seller{on, off} {
		book(t, e, s.provider, models.LedgerCharge, 10000, prevStart.Add(24*time.Hour))
		setAccount(t, e, s.provider, "acct_"+s.provider.ID)
	}
	if r := runPeriod(e, op, models.PeriodOf(prevStart)); r.PaidThisRun < 2 {
		t.Fatalf("payout run %+v", r)
	}

	t.Run("EverySwitchOnHearsOfEverything", func(t *testing.T) {
		var page notificationPage
		eventually(t, 5*time.Second, func() string {
			page = notificationsOf(t, e, on.user, "")
			if got := strings.Join(kindsOf(page.Items), ","); got != "listing_approved,listing_rejected,order,payout,review" {
				return "kinds " + got
			}
			return ""
		})
		byKind := map[string]notificationView{}
		for _, n := range page.Items {
			byKind[n.Kind] = n
			if n.Email != "sales@on.example" {
				t.Fatalf("%s went to %q, want the notification email", n.Kind, n.Email)
			}
		}
		if o := byKind["order"]; !strings.Contains(o.Subject, "New order") || !strings.Contains(o.Body, "Bianca's Organization") || !strings.Contains(o.Body, "29.00 USD") {
			t.Fatalf("order notification %+v", o)
		}
		if r := byKind["review"]; !strings.Contains(r.Subject, "4/5") || !strings.Contains(r.Body, "Solid helper") {
			t.Fatalf("review notification %+v", r)
		}
		if p := byKind["payout"]; !strings.Contains(p.Subject, "Payout of") {
			t.Fatalf("payout notification %+v", p)
		}
		if r := byKind["listing_rejected"]; !strings.Contains(r.Body, "add screenshots") {
			t.Fatalf("rejection notification %+v", r)
		}
		for i := 1; i < len(page.Items); i++ {
			if page.Items[i-1].ID < page.Items[i].ID {
				t.Fatalf("not newest first: %v", page.Items)
			}
		}
	})

	t.Run("EverySwitchOffHearsOnlyOfListingDecisions", func(t *testing.T) {
		page := notificationsOf(t, e, off.user, "")
		if got := strings.Join(kindsOf(page.Items), ","); got != "listing_approved,listing_rejected" {
			t.Fatalf("kinds %s", got)
		}
		if page.Items[0].Email != "support@notify.example" {
			t.Fatalf("without a notification email the support email is used, got %q", page.Items[0].Email)
		}
	})

	t.Run("PagesAreNewestFirstWithACursor", func(t *testing.T) {
		all := notificationsOf(t, e, on.user, "")
		var seen []string
		cursor := ""
		for i := 0; i < 10; i++ {
			q := "?limit=2"
			if cursor != "" {
				q += "&cursor=" + cursor
			}
			page := notificationsOf(t, e, on.user, q)
			for _, n := range page.Items {
				seen = append(seen, n.ID)
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if len(seen) != len(all.Items) || seen[0] != all.Items[0].ID || seen[len(seen)-1] != all.Items[len(all.Items)-1].ID {
			t.Fatalf("paged %v, all %d", seen, len(all.Items))
		}
		if r := e.Do(http.MethodGet, "/api/v1/provider/notifications?limit=0", nil, on.user.Token); r.Status != http.StatusBadRequest {
			t.Fatalf("limit=0: %s", r)
		}
	})

	t.Run("TheOutboxIsDeliveredAndMarkedSent", func(t *testing.T) {
		eventually(t, 5*time.Second, func() string {
			for _, n := range notificationsOf(t, e, on.user, "").Items {
				if n.SentAt == nil {
					return n.Kind + " not sent yet"
				}
			}
			return ""
		})
	})

	t.Run("OnlyTheProvidersOwnAndOnlyForProviders", func(t *testing.T) {
		for _, n := range notificationsOf(t, e, off.user, "").Items {
			for _, m := range notificationsOf(t, e, on.user, "").Items {
				if n.ID == m.ID {
					t.Fatalf("notification %s shown to both providers", n.ID)
				}
			}
		}
		if r := e.Do(http.MethodGet, "/api/v1/provider/notifications", nil, buyer.Token); r.Status != http.StatusForbidden || r.ErrorCode() != "not_a_provider" {
			t.Fatalf("a buyer: %s", r)
		}
		if r := e.Do(http.MethodGet, "/api/v1/provider/notifications", nil, ""); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous: %s", r)
		}
	})
}

// TestSeller_AnOverdueListingReviewTellsTheProvider runs with a 300 ms
// approval SLA: the reminder the durable timer records reaches the provider.
func TestSeller_AnOverdueListingReviewTellsTheProvider(t *testing.T) {
	e := apptest.Start(t, apptest.Options{NoSeed: true, Configure: func(c *config.Config) { c.ApprovalSLA = 300 * time.Millisecond }})
	u := e.Register("Sia")
	e.Do(http.MethodPost, "/api/v1/providers", map[string]string{"name": "Slow Review Labs", "support_email": "support@slow.example"}, u.Token).Must(t, http.StatusCreated)
	var o struct {
		ID string `json:"id"`
	}
	e.Do(http.MethodPost, "/api/v1/provider/offerings", map[string]any{
		"category": "agents", "name": "Waiting Agent", "summary": "Waits", "description": "Waits for review.",
		"terms_of_service": "Use it kindly.", "visibility": "public", "package_ref": "sitekit://helpdesk@1.0.0",
	}, u.Token).Must(t, http.StatusCreated).JSON(t, &o)
	e.Do(http.MethodPost, "/api/v1/provider/offerings/"+o.ID+"/plans", map[string]any{
		"name": "Starter", "prices": map[string]int64{"monthly": 2900}, "currency": "usd",
		"components": []map[string]any{{"type": "fixed", "name": "Base", "unit": "month", "unit_price": 2900}},
	}, u.Token).Must(t, http.StatusCreated)
	e.Do(http.MethodPost, "/api/v1/provider/offerings/"+o.ID+"/submit", nil, u.Token).Must(t, http.StatusOK)
	eventually(t, 5*time.Second, func() string {
		for _, n := range notificationsOf(t, e, u, "").Items {
			if n.Kind == "listing_reminder" && strings.Contains(n.Subject, "Waiting Agent") && n.Email == "support@slow.example" {
				return ""
			}
		}
		return "no listing_reminder yet"
	})
	e.Do(http.MethodPost, "/api/v1/admin/offerings/"+o.ID+"/approve", nil, e.Operator().Token).Must(t, http.StatusOK)
}
