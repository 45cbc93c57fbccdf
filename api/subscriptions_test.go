package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/cmp-platform/cmp/activities"
	"github.com/cmp-platform/cmp/internal/apptest"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

// subView is a subscription as GET /subscriptions answers it.
type subView struct {
	ID                string     `json:"id"`
	State             string     `json:"state"`
	PlanID            string     `json:"plan_id"`
	PlanName          string     `json:"plan_name"`
	OfferingName      string     `json:"offering_name"`
	AgentID           string     `json:"agent_id"`
	CancelAtPeriodEnd bool       `json:"cancel_at_period_end"`
	CurrentPeriodEnd  *time.Time `json:"current_period_end"`
	Price             struct {
		Amount   int64  `json:"amount"`
		Currency string `json:"currency"`
	} `json:"price"`
	Invoices []struct {
		ID    string `json:"id"`
		Kind  string `json:"kind"`
		State string `json:"state"`
	} `json:"invoices"`
}

func mySubscriptions(t *testing.T, e *apptest.Env, u apptest.User) []subView {
	t.Helper()
	var out struct {
		Items []subView `json:"items"`
	}
	e.Do(http.MethodGet, "/api/v1/subscriptions", nil, u.Token).Must(t, http.StatusOK).JSON(t, &out)
	return out.Items
}

// billingStatus asks the running subscription workflow for its state,
// waiting until the checkout's hand-off has started it.
func billingStatus(t *testing.T, e *apptest.Env, subID string) workflows.SubscriptionStatus {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		v, err := e.Stack.Temporal.QueryWorkflow(ctx, workflows.SubscriptionWorkflowID(subID), "", workflows.QuerySubscriptionStatus)
		cancel()
		if err == nil {
			var st workflows.SubscriptionStatus
			if err := v.Get(&st); err != nil {
				t.Fatalf("decode status: %v", err)
			}
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("subscription workflow %s not running: %v", workflows.SubscriptionWorkflowID(subID), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSubscriptions_BuyerCancelsUpgradesAndSeesItInTheList(t *testing.T) {
	subscriptionJourney(t, apptest.Start(t, apptest.Options{}))
}

func TestSubscriptions_BuyerCancelsUpgradesAndSeesItInTheList_Postgres(t *testing.T) {
	subscriptionJourney(t, apptest.Start(t, apptest.Options{Postgres: true}))
}

// subscriptionJourney is checkout → billing workflow running → list, refuse
// bad changes, upgrade, cancel at period end and undo, usage billing.
func subscriptionJourney(t *testing.T, e *apptest.Env) {
	u := e.Register("Tess")
	p := e.Checkout(u, "support-agent", "Starter")
	sub := p.Subscription.ID
	path := "/api/v1/subscriptions/" + sub

	st := billingStatus(t, e, sub)
	if st.State != "active" || st.Period != 1 || st.PlanID == "" {
		t.Fatalf("billing workflow status after checkout: %+v", st)
	}

	t.Run("ListedActiveWithItsPlan", func(t *testing.T) {
		items := mySubscriptions(t, e, u)
		if len(items) != 1 || items[0].ID != sub || items[0].State != "active" || items[0].PlanName != "Starter" ||
			items[0].OfferingName != "Support Agent" || items[0].AgentID != p.Agent.ID || items[0].CurrentPeriodEnd == nil ||
			items[0].CancelAtPeriodEnd {
			t.Fatalf("GET /subscriptions = %+v", items)
		}
		e.Do(http.MethodGet, "/api/v1/subscriptions?state=bogus", nil, u.Token).Must(t, http.StatusBadRequest)
	})

	t.Run("AnotherTenantSeesNothing", func(t *testing.T) {
		eve := e.Register("Eve")
		if got := mySubscriptions(t, e, eve); len(got) != 0 {
			t.Fatalf("Eve lists %+v", got)
		}
		e.Do(http.MethodGet, path, nil, eve.Token).Must(t, http.StatusNotFound)
		e.Do(http.MethodPost, path+"/cancel", nil, eve.Token).Must(t, http.StatusNotFound)
		e.Do(http.MethodPost, path+"/plan", map[string]string{"plan": "Pro"}, eve.Token).Must(t, http.StatusNotFound)
		e.Do(http.MethodGet, "/api/v1/subscriptions", nil, "").Must(t, http.StatusUnauthorized)
	})

	t.Run("BadPlanChangesAreRefused", func(t *testing.T) {
		if r := e.Do(http.MethodPost, path+"/plan", map[string]string{"plan": "Starter"}, u.Token); r.Status != http.StatusConflict {
			t.Fatalf("same plan: %s", r)
		}
		if r := e.Do(http.MethodPost, path+"/plan", map[string]string{"plan": "Platinum"}, u.Token); r.Status != http.StatusNotFound {
			t.Fatalf("unknown plan: %s", r)
		}
		var other models.Plan
		if err := e.Stack.Store.WithContext(context.Background()).Joins("JOIN offerings ON offerings.id = plans.offering_id").
			Where("offerings.slug = ?", "sales-sdr").Take(&other).Error; err != nil {
			t.Fatal(err)
		}
		if r := e.Do(http.MethodPost, path+"/plan", map[string]string{"plan": other.ID}, u.Token); r.Status != http.StatusBadRequest {
			t.Fatalf("another offering's plan: %s", r)
		}
		e.Do(http.MethodPost, path+"/plan", "{", u.Token).Must(t, http.StatusBadRequest)
		e.Do(http.MethodPost, path+"/payment-method", map[string]string{"payment_method": "visa"}, u.Token).Must(t, http.StatusBadRequest)
	})

	t.Run("UpgradeChargesTheProratedDifferenceNow", func(t *testing.T) {
		var res struct {
			Change         string `json:"change"`
			Effective      string `json:"effective"`
			InvoiceID      string `json:"invoice_id"`
			ProratedAmount struct {
				Amount int64 `json:"amount"`
			} `json:"prorated_amount"`
			Subscription subView `json:"subscription"`
		}
		starter := mySubscriptions(t, e, u)[0].Price.Amount
		e.Do(http.MethodPost, path+"/plan", map[string]string{"plan": "pro"}, u.Token).Must(t, http.StatusOK).JSON(t, &res)
		pro := res.Subscription.Price.Amount
		if res.Change != "upgrade" || res.Effective != "now" || res.InvoiceID == "" || res.Subscription.PlanName != "Pro" {
			t.Fatalf("upgrade answered %+v", res)
		}
		// Bought seconds ago: nearly the whole difference is due.
		if diff := pro - starter; res.ProratedAmount.Amount <= diff*99/100 || res.ProratedAmount.Amount > diff {
			t.Fatalf("prorated %d of a %d difference", res.ProratedAmount.Amount, diff)
		}
		var detail subView
		e.Do(http.MethodGet, path, nil, u.Token).Must(t, http.StatusOK).JSON(t, &detail)
		if len(detail.Invoices) != 1 || detail.Invoices[0].Kind != "proration" || detail.Invoices[0].State != "paid" {
			t.Fatalf("invoices after upgrade: %+v", detail.Invoices)
		}
		var led models.LedgerEntry
		if err := e.Stack.Store.WithContext(context.Background()).Take(&led, "invoice_id = ? AND kind = ?", res.InvoiceID, models.LedgerCharge).Error; err != nil {
			t.Fatalf("no ledger charge for the proration invoice: %v", err)
		}
		if led.Amount != res.ProratedAmount.Amount || led.SubscriptionID != sub || led.ProviderID == "" || led.OrderID != p.Order.ID {
			t.Fatalf("ledger entry %+v", led)
		}
	})

	t.Run("CancelAtPeriodEndAndUndo", func(t *testing.T) {
		var got subView
		e.Do(http.MethodPost, path+"/cancel", nil, u.Token).Must(t, http.StatusOK).JSON(t, &got)
		if !got.CancelAtPeriodEnd || got.State != "active" {
			t.Fatalf("after cancel: %+v", got)
		}
		if items := mySubscriptions(t, e, u); !items[0].CancelAtPeriodEnd {
			t.Fatalf("the list does not show the cancellation: %+v", items)
		}
		if st := billingStatus(t, e, sub); !st.CancelAtPeriodEnd {
			t.Fatalf("the workflow does not know: %+v", st)
		}
		if r := e.Do(http.MethodPost, path+"/plan", map[string]string{"plan": "Enterprise"}, u.Token); r.Status != http.StatusConflict {
			t.Fatalf("plan change of a canceling subscription: %s", r)
		}
		e.Do(http.MethodDelete, path+"/cancel", nil, u.Token).Must(t, http.StatusOK).JSON(t, &got)
		if got.CancelAtPeriodEnd {
			t.Fatalf("after undo: %+v", got)
		}
		e.Do(http.MethodPost, path+"/cancel", nil, u.Token).Must(t, http.StatusOK)
		if items := mySubscriptions(t, e, u); !items[0].CancelAtPeriodEnd || items[0].State != "active" {
			t.Fatalf("GET /subscriptions after cancel: %+v", items)
		}
	})

	t.Run("UsageIsAggregatedAndAReReportOverwrites", func(t *testing.T) {
		ctx := context.Background()
		store := e.Stack.Store
		acts := &activities.Activities{Store: store}
		var row models.Subscription
		if err := store.WithContext(ctx).Take(&row, "id = ?", sub).Error; err != nil {
			t.Fatal(err)
		}
		// A period of its own, in the future, so live heartbeats cannot touch it.
		start := row.CurrentPeriodStart.AddDate(1, 0, 0)
		end := start.AddDate(0, 1, 0)
		for i, q := range []int64{7000, 3200, 100} { // Pro includes 10000 tool calls
			u := models.AgentUsage{AgentID: p.Agent.ID, SubscriptionID: sub, Unit: "mcp_tool_calls", Quantity: q, At: start.Add(time.Duration(i+1) * time.Hour)}
			if err := store.WithContext(ctx).Create(&u).Error; err != nil {
				t.Fatal(err)
			}
		}
		invoice := func(key string) activities.InvoiceRef {
			ref, err := acts.CreateInvoice(ctx, activities.CreateInvoiceInput{SubscriptionID: sub, OrganizationID: row.OrganizationID,
				OfferingID: row.OfferingID, PlanID: row.PlanID, Kind: "renewal", DedupeKey: key, PeriodStart: end, PeriodEnd: end.AddDate(0, 1, 0),
				Currency: "usd", FixedAmount: 100, FixedDescription: "test", UsagePlanID: row.PlanID, UsagePeriodStart: &start})
			if err != nil {
				t.Fatal(err)
			}
			return ref
		}
		first := invoice("test-usage-1")
		if first.UsageAmount != 300 || first.Amount != 400 {
			t.Fatalf("usage 10300 of 10000 included at 1 each: invoice %+v", first)
		}
		if again := invoice("test-usage-1"); again.ID != first.ID {
			t.Fatalf("the same invoice key made a second invoice: %s vs %s", again.ID, first.ID)
		}
		second := invoice("test-usage-2") // re-aggregating the same heartbeats overwrites, never adds
		if second.UsageAmount != 300 {
			t.Fatalf("re-aggregation billed %d", second.UsageAmount)
		}
		period := models.UsagePeriodKey(start)
		if err := store.UpsertUsage(ctx, sub, "widget_messages", period, 5); err != nil {
			t.Fatal(err)
		}
		if err := store.UpsertUsage(ctx, sub, "widget_messages", period, 8); err != nil {
			t.Fatal(err)
		}
		used, err := store.UsageOfPeriod(ctx, sub, period)
		if err != nil {
			t.Fatal(err)
		}
		if used["widget_messages"] != 8 || used["mcp_tool_calls"] != 10300 {
			t.Fatalf("usage records %v", used)
		}
	})
}
