package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/cmp-platform/cmp/internal/apptest"
	"github.com/cmp-platform/cmp/models"
)

// stripeEvent renders a Stripe event of typ whose data.object is obj (JSON).
func stripeEvent(id, typ, obj string) []byte {
	return []byte(fmt.Sprintf(`{"id":%q,"object":"event","api_version":"2023-10-16","created":%d,"type":%q,"data":{"object":%s}}`,
		id, time.Now().Unix(), typ, obj))
}

// signed posts body to the webhook with a Stripe-Signature made at ts.
func signed(e *apptest.Env, body []byte, secret string, ts time.Time) *apptest.Response {
	e.T.Helper()
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: ts})
	return e.Do(http.MethodPost, "/api/v1/webhooks/stripe", body, "", "Stripe-Signature: "+sp.Header)
}

func refundsOf(t *testing.T, e *apptest.Env, orderID string) (n, sum int64) {
	t.Helper()
	db := e.Stack.Store.WithContext(context.Background()).Model(&models.LedgerEntry{}).Where("kind = ? AND order_id = ?", models.LedgerRefund, orderID)
	db.Count(&n)
	e.Stack.Store.WithContext(context.Background()).Model(&models.LedgerEntry{}).Select("COALESCE(SUM(amount), 0)").
		Where("kind = ? AND order_id = ?", models.LedgerRefund, orderID).Scan(&sum)
	return n, sum
}

func TestStripeWebhook_VerifiedDeduplicatedAndRouted(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t, apptest.Options{})
	secret := e.Config.StripeWebhookKey
	buyer := e.Register("Wendy")
	// The buyer's visit and purchase also feed the funnel and the metrics below.
	e.Do(http.MethodGet, "/api/v1/offerings/support-agent", nil, buyer.Token).Must(t, http.StatusOK)
	p := e.Checkout(buyer, "support-agent", "Starter")
	var order models.Order
	if err := e.Stack.Store.WithContext(context.Background()).Take(&order, "id = ?", p.Order.ID).Error; err != nil {
		t.Fatal(err)
	}
	refund := stripeEvent("evt_refund_1", "charge.refunded", fmt.Sprintf(
		`{"id":"ch_1","object":"charge","payment_intent":%q,"amount":%d,"amount_refunded":500,"currency":"usd",
		  "refunds":{"object":"list","data":[{"id":"re_webhook_1","amount":500,"status":"succeeded"}]}}`, order.ChargeID, order.Amount))

	t.Run("ValidRefundIsBookedOnceAgainstTheCharge", func(t *testing.T) {
		e := moneyT(e, t)
		var ack struct {
			State     string `json:"state"`
			Duplicate bool   `json:"duplicate"`
		}
		signed(e, refund, secret, time.Now()).Must(t, http.StatusOK).JSON(t, &ack)
		if ack.State != "processed" || ack.Duplicate {
			t.Fatalf("ack = %+v", ack)
		}
		if n, sum := refundsOf(t, e, order.ID); n != 1 || sum != 500 {
			t.Fatalf("%d refunds totalling %d, want one of 500", n, sum)
		}
	})

	t.Run("ReplayedEventIsAcknowledgedAndNotReprocessed", func(t *testing.T) {
		e := moneyT(e, t)
		var ack struct {
			State     string `json:"state"`
			Duplicate bool   `json:"duplicate"`
		}
		signed(e, refund, secret, time.Now()).Must(t, http.StatusOK).JSON(t, &ack)
		if !ack.Duplicate || ack.State != "processed" {
			t.Fatalf("replay ack = %+v", ack)
		}
		if n, _ := refundsOf(t, e, order.ID); n != 1 {
			t.Fatalf("%d refunds after a replay, want 1", n)
		}
	})

	t.Run("TamperedBodyIsRefused", func(t *testing.T) {
		e := moneyT(e, t)
		sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: refund, Secret: secret, Timestamp: time.Now()})
		tampered := []byte(strings.Replace(string(refund), `"amount_refunded":500`, `"amount_refunded":5000`, 1))
		tampered = []byte(strings.Replace(string(tampered), "evt_refund_1", "evt_refund_2", 1))
		r := e.Do(http.MethodPost, "/api/v1/webhooks/stripe", tampered, "", "Stripe-Signature: "+sp.Header)
		if r.Status != http.StatusBadRequest || r.ErrorCode() != "invalid_signature" {
			t.Fatalf("tampered: %s", r)
		}
		if r := signed(e, refund, "whsec_wrong", time.Now()); r.ErrorCode() != "invalid_signature" {
			t.Fatalf("wrong secret: %s", r)
		}
		if r := e.Do(http.MethodPost, "/api/v1/webhooks/stripe", refund, ""); r.Status != http.StatusBadRequest {
			t.Fatalf("unsigned: %s", r)
		}
		var n int64
		e.Stack.Store.WithContext(context.Background()).Model(&models.WebhookEvent{}).Where("id = ?", "evt_refund_2").Count(&n)
		if n != 0 {
			t.Fatal("a refused event was stored")
		}
	})

	t.Run("ExpiredSignatureIsRefused", func(t *testing.T) {
		e := moneyT(e, t)
		old := stripeEvent("evt_old", "charge.refunded", `{"id":"ch_old","object":"charge"}`)
		r := signed(e, old, secret, time.Now().Add(-10*time.Minute))
		if r.Status != http.StatusBadRequest || r.ErrorCode() != "signature_expired" {
			t.Fatalf("expired: %s", r)
		}
	})

	t.Run("EventForNoKnownWorkflowIsStoredAndReported", func(t *testing.T) {
		e := moneyT(e, t)
		ev := stripeEvent("evt_orphan", "payment_intent.succeeded",
			`{"id":"pi_orphan","object":"payment_intent","amount":100,"currency":"usd","metadata":{"subscription_id":"sub_nobody","invoice_id":"inv_x"}}`)
		var ack struct {
			State string `json:"state"`
		}
		signed(e, ev, secret, time.Now()).Must(t, http.StatusOK).JSON(t, &ack)
		if ack.State != "unmatched" {
			t.Fatalf("ack = %+v", ack)
		}
		signed(e, stripeEvent("evt_other", "customer.created", `{"id":"cus_1"}`), secret, time.Now()).Must(t, http.StatusOK)
		var list struct {
			Items []struct{ ID, State, Target string } `json:"items"`
		}
		op := e.Operator()
		e.Do(http.MethodGet, "/api/v1/admin/webhooks?state=unmatched", nil, op.Token).Must(t, http.StatusOK).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != "evt_orphan" || list.Items[0].Target != "subscription-sub_nobody" {
			t.Fatalf("unmatched = %+v", list)
		}
		e.Do(http.MethodGet, "/api/v1/admin/webhooks", nil, buyer.Token).Must(t, http.StatusForbidden)
	})

	t.Run("PaymentEventIsSignalledToTheSubscriptionWorkflow", func(t *testing.T) {
		e := moneyT(e, t)
		ev := stripeEvent("evt_sub_paid", "payment_intent.succeeded", fmt.Sprintf(
			`{"id":"pi_renewal","object":"payment_intent","amount":%d,"currency":"usd","metadata":{"subscription_id":%q,"invoice_id":"inv_unknown"}}`,
			order.Amount, p.Subscription.ID))
		var ack struct {
			State string `json:"state"`
		}
		signed(e, ev, secret, time.Now()).Must(t, http.StatusOK).JSON(t, &ack)
		if ack.State != "processed" {
			t.Fatalf("ack = %+v (is subscription-%s running?)", ack, p.Subscription.ID)
		}
	})

	t.Run("ProcessingFailureAnswersNon2xxAndTheRetryIsProcessed", func(t *testing.T) {
		e := moneyT(e, t)
		db := e.Stack.Store.WithContext(context.Background())
		ev := stripeEvent("evt_refund_retry", "charge.refunded", fmt.Sprintf(
			`{"id":"ch_1","object":"charge","payment_intent":%q,"amount":%d,"amount_refunded":700,"currency":"usd",
			  "refunds":{"object":"list","data":[{"id":"re_webhook_1","amount":500,"status":"succeeded"},{"id":"re_webhook_2","amount":200,"status":"succeeded"}]}}`,
			order.ChargeID, order.Amount))
		if err := db.Exec("ALTER TABLE ledger_entries RENAME TO ledger_entries_away").Error; err != nil {
			t.Fatal(err)
		}
		r := signed(e, ev, secret, time.Now())
		if err := db.Exec("ALTER TABLE ledger_entries_away RENAME TO ledger_entries").Error; err != nil {
			t.Fatal(err)
		}
		if r.Status < 500 {
			t.Fatalf("processing failure answered %s", r)
		}
		var ack struct {
			State     string `json:"state"`
			Duplicate bool   `json:"duplicate"`
		}
		signed(e, ev, secret, time.Now()).Must(t, http.StatusOK).JSON(t, &ack)
		if ack.State != "processed" || ack.Duplicate {
			t.Fatalf("retry ack = %+v", ack)
		}
		if n, sum := refundsOf(t, e, order.ID); n != 2 || sum != 700 {
			t.Fatalf("%d refunds totalling %d, want 2 totalling 700", n, sum)
		}
	})

	t.Run("FunnelAndMetricsCountTheVisitAndThePurchase", func(t *testing.T) {
		e := moneyT(e, t)
		var acme models.Provider
		e.Stack.Store.WithContext(context.Background()).Take(&acme, "slug = ?", "acme-ai")
		staff := providerStaff(t, e, acme)
		// A second checkout started and never paid: a declined card.
		e.Do(http.MethodPost, "/api/v1/checkout", map[string]any{"offering": "support-agent", "plan": "Starter", "billing_cycle": "monthly",
			"payment_method": "pm_card_chargeDeclined", "accept_terms": true}, buyer.Token, "Idempotency-Key: abandon-1").Must(t, http.StatusPaymentRequired)
		var fun struct {
			Items []struct {
				Name            string  `json:"name"`
				Views           int64   `json:"views"`
				CheckoutStarted int64   `json:"checkout_started"`
				Paid            int64   `json:"paid"`
				Abandonment     float64 `json:"abandonment"`
			} `json:"items"`
		}
		e.Do(http.MethodGet, "/api/v1/provider/analytics", nil, staff.Token).Must(t, http.StatusOK).JSON(t, &fun)
		found := false
		for _, i := range fun.Items {
			if i.Name == "Support Agent" {
				found = true
				if i.Views != 1 || i.CheckoutStarted != 2 || i.Paid != 1 || i.Abandonment != 0.5 {
					t.Fatalf("funnel = %+v", i)
				}
			}
		}
		if !found {
			t.Fatalf("no Support Agent in %+v", fun)
		}
		var m struct {
			Buyers             int64   `json:"buyers"`
			CheckoutsStarted   int64   `json:"checkouts_started"`
			CheckoutsCompleted int64   `json:"checkouts_completed"`
			Abandonment        float64 `json:"checkout_abandonment"`
			P50                float64 `json:"time_to_first_purchase_p50_seconds"`
			AgentsRunning      int64   `json:"agents_running"`
		}
		e.Do(http.MethodGet, "/api/v1/admin/metrics", nil, e.Operator().Token).Must(t, http.StatusOK).JSON(t, &m)
		if m.Buyers != 1 || m.CheckoutsStarted != 2 || m.CheckoutsCompleted != 1 || m.Abandonment != 0.5 || m.P50 <= 0 || m.P50 > 60 || m.AgentsRunning != 1 {
			t.Fatalf("metrics = %+v", m)
		}
		var cust struct {
			Items []struct {
				Spent int64 `json:"spent"`
				Plan  struct{ Name string }
			} `json:"items"`
		}
		e.Do(http.MethodGet, "/api/v1/provider/customers", nil, staff.Token).Must(t, http.StatusOK).JSON(t, &cust)
		if len(cust.Items) != 1 || cust.Items[0].Spent != order.Amount-700 || cust.Items[0].Plan.Name != "Starter" {
			t.Fatalf("customers = %+v", cust)
		}
		e.Do(http.MethodGet, "/api/v1/admin/metrics", nil, buyer.Token).Must(t, http.StatusForbidden)
	})

	t.Run("SandboxPayoutMethodThroughTheWorkflow", func(t *testing.T) {
		e := moneyT(e, t)
		var helio models.Provider
		e.Stack.Store.WithContext(context.Background()).Take(&helio, "slug = ?", "helio-studio")
		staff := providerStaff(t, e, helio)
		var pm struct {
			Configured    bool   `json:"configured"`
			AccountID     string `json:"account_id"`
			OnboardingURL string `json:"onboarding_url"`
		}
		e.Do(http.MethodPost, "/api/v1/provider/payout-method", map[string]string{}, staff.Token).Must(t, http.StatusCreated).JSON(t, &pm)
		if !pm.Configured || !strings.HasPrefix(pm.AccountID, "acct_sandbox_") || !strings.Contains(pm.OnboardingURL, "sandbox_account=") {
			t.Fatalf("payout method = %+v", pm)
		}
		e.Do(http.MethodPost, "/api/v1/provider/payout-method", map[string]string{"account_id": "acct_fail_demo"}, staff.Token).Must(t, http.StatusCreated)
		e.Do(http.MethodGet, "/api/v1/provider/payout-method", nil, staff.Token).Must(t, http.StatusOK).JSON(t, &pm)
		if pm.AccountID != "acct_fail_demo" {
			t.Fatalf("payout method = %+v", pm)
		}
		e.Do(http.MethodPost, "/api/v1/provider/payout-method", map[string]string{"country": "USA"}, staff.Token).Must(t, http.StatusBadRequest)
		e.Do(http.MethodPost, "/api/v1/provider/payout-method", map[string]string{}, buyer.Token).Must(t, http.StatusForbidden)
	})
}
