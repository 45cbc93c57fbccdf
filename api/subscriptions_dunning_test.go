package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/cmp-platform/cmp/internal/app"
	"github.com/cmp-platform/cmp/internal/apptest"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

// TestSubscriptions_UnpaidRenewalSuspendsTheAgentAndANewCardReinstatesIt runs
// dunning for real (Temporal, database, Site-Kit, sandbox payments) on a
// subscription restarted with a period that ends in two seconds and retries a
// few hundred milliseconds apart.
func TestSubscriptions_UnpaidRenewalSuspendsTheAgentAndANewCardReinstatesIt(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	ctx := context.Background()
	u := e.Register("Tess")
	p := e.Checkout(u, "support-agent", "Starter")
	sub, path := p.Subscription.ID, "/api/v1/subscriptions/"+p.Subscription.ID
	billingStatus(t, e, sub) // the checkout's hand-off started billing

	var row models.Subscription
	var off models.Offering
	db := e.Stack.Store.WithContext(ctx)
	if err := db.Take(&row, "id = ?", sub).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Take(&off, "id = ?", row.OfferingID).Error; err != nil {
		t.Fatal(err)
	}
	id := workflows.SubscriptionWorkflowID(sub)
	if err := e.Stack.Temporal.TerminateWorkflow(ctx, id, "", "test: restart with a short period"); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	anchor := now.AddDate(0, -1, 0).Add(2 * time.Second)
	in := workflows.SubscriptionInput{
		SubscriptionID: sub, OrganizationID: row.OrganizationID, ProviderID: off.ProviderID, OfferingID: row.OfferingID,
		OrderID: row.OrderID, AgentID: p.Agent.ID, CustomerEmail: u.Email, AgentName: "Support Agent",
		Plan: workflows.PlanTerms{PlanID: row.PlanID, Name: "Starter", Price: row.Price}, BillingCycle: "monthly",
		Currency: row.Currency, PaymentMethod: "pm_card_chargeDeclined", Anchor: anchor, Cycles: 1, Period: 1,
		PeriodStart: anchor, PeriodEnd: now.Add(2 * time.Second), State: "active",
		Dunning: []time.Duration{300 * time.Millisecond, 600 * time.Millisecond, 900 * time.Millisecond},
	}
	if _, err := e.Stack.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: e.Config.TaskQueue},
		workflows.SubscriptionWorkflowName, in); err != nil {
		t.Fatal(err)
	}

	waitSubscription(t, e, u, path, "past_due")
	got := waitSubscription(t, e, u, path, "suspended")
	if len(got.Invoices) != 1 || got.Invoices[0].State != "open" || got.Invoices[0].Kind != "renewal" {
		t.Fatalf("invoices while suspended: %+v", got.Invoices)
	}
	e.WaitAgent(u, p.Agent.ID, "suspended")
	sk := app.NewSiteKitClient(e.Config)
	if d, err := sk.GetDeployment(ctx, p.Agent.ID); err != nil || d.Status != "suspended" {
		t.Fatalf("Site-Kit deployment while unpaid: %+v, %v", d, err)
	}

	r := e.Do(http.MethodPost, path+"/payment-method", map[string]string{"payment_method": "pm_card_chargeDeclinedInsufficientFunds"}, u.Token)
	if r.Status != http.StatusPaymentRequired || r.ErrorCode() != "insufficient_funds" {
		t.Fatalf("another declined card: %s", r)
	}
	e.Do(http.MethodPost, path+"/payment-method", map[string]string{"payment_method": "pm_card_visa"}, u.Token).Must(t, http.StatusOK)

	got = waitSubscription(t, e, u, path, "active")
	if got.Invoices[0].State != "paid" {
		t.Fatalf("invoice after paying: %+v", got.Invoices[0])
	}
	e.WaitAgent(u, p.Agent.ID, "running")
	if d, err := sk.GetDeployment(ctx, p.Agent.ID); err != nil || d.Status != "running" {
		t.Fatalf("Site-Kit deployment after paying: %+v, %v", d, err)
	}
	var led models.LedgerEntry
	if err := db.Take(&led, "invoice_id = ? AND kind = ?", got.Invoices[0].ID, models.LedgerCharge).Error; err != nil {
		t.Fatalf("the renewal charge is not in the ledger: %v", err)
	}
	if led.Amount != row.Price || led.ProviderID != off.ProviderID || led.OrderID != row.OrderID || led.SubscriptionID != sub {
		t.Fatalf("ledger entry %+v", led)
	}
	if got.CurrentPeriodEnd == nil || got.CurrentPeriodEnd.Before(time.Now().AddDate(0, 1, -1)) {
		t.Fatalf("a reinstated subscription gets a full period from payment: ends %v", got.CurrentPeriodEnd)
	}
}

// waitSubscription polls GET /subscriptions/{id} until its state is want (15 s at most).
func waitSubscription(t *testing.T, e *apptest.Env, u apptest.User, path, want string) subView {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var v subView
	for time.Now().Before(deadline) {
		v = subView{}
		e.Do(http.MethodGet, path, nil, u.Token).Must(t, http.StatusOK).JSON(t, &v)
		if v.State == want {
			return v
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("subscription state %q, want %q", v.State, want)
	return v
}
