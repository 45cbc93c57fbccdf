package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cmp-platform/cmp/internal/apptest"
	"github.com/cmp-platform/cmp/internal/config"
	"github.com/cmp-platform/cmp/internal/payments"
	"github.com/cmp-platform/cmp/internal/testenv"
)

// TestCheckout_WithTheStripeProviderAgainstStripeMock runs the checkout with the
// stripe provider (stripe-go v76) pointed at stripe-mock: the same workflow, a
// real Stripe API surface, the charge's idempotency key on the wire.
func TestCheckout_WithTheStripeProviderAgainstStripeMock(t *testing.T) {
	t.Parallel()
	mock := testenv.StartStripeMock(t)
	e := apptest.Start(t, apptest.Options{Configure: func(c *config.Config) {
		c.StripeSecretKey, c.StripeAPIBase = "sk_test_cmp", mock
	}})
	if got := e.Stack.Payments.Name(); got != payments.ProviderStripe {
		t.Fatalf("payments provider %q, want stripe", got)
	}
	u := e.Register("Sam")
	p := e.Checkout(u, "website-chatbot", "Pro")
	var o struct {
		State string `json:"state"`
		Steps []struct {
			Name, State, Detail string
		} `json:"steps"`
	}
	for range 50 {
		e.Do(http.MethodGet, "/api/v1/orders/"+p.Order.ID, nil, u.Token).Must(t, http.StatusOK).JSON(t, &o)
		if o.State == "done" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if o.State != "done" {
		t.Fatalf("order %s is %s, want done", p.Order.ID, o.State)
	}
	paid := ""
	for _, s := range o.Steps {
		if s.Name == "payment" && s.State == "completed" {
			paid = s.Detail
		}
	}
	if !strings.HasPrefix(paid, "pi_") && !strings.HasPrefix(paid, "ch_") {
		t.Errorf("payment step detail %q is not a Stripe payment ID; steps %+v", paid, o.Steps)
	}
}
