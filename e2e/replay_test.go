package e2e

import (
	"context"
	"net/http"
	"testing"

	"github.com/cmp-platform/cmp/internal/apptest"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

// TestCheckout_EveryEndingReplaysWithTheCurrentCode runs a checkout to each of
// its endings on a real server — done, declined, refunded — and replays each
// history with the current workflow code. Under CMP_RECORD_HISTORY the histories
// become workflows/testdata, which the workflows package replays on every run.
func TestCheckout_EveryEndingReplaysWithTheCurrentCode(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t, apptest.Options{})
	u := e.Register("Rex")
	body := func(offering, pm string) map[string]any {
		return map[string]any{"offering": offering, "plan": "Starter", "billing_cycle": "monthly", "payment_method": pm, "accept_terms": true}
	}

	e.Do(http.MethodPost, "/api/v1/checkout", body("support-agent", "pm_card_visa"), u.Token, "Idempotency-Key: replay-done").Must(t, http.StatusCreated)
	replayAndRecord(t, e, workflows.CheckoutWorkflowID(u.ID, "replay-done"), "checkout_done")

	e.Do(http.MethodPost, "/api/v1/checkout", body("support-agent", "pm_card_chargeDeclined"), u.Token, "Idempotency-Key: replay-declined").Must(t, http.StatusPaymentRequired)
	replayAndRecord(t, e, workflows.CheckoutWorkflowID(u.ID, "replay-declined"), "checkout_declined")

	e.Do(http.MethodPost, "/api/v1/checkout", body(rejectedOffering(t, e), "pm_card_visa"), u.Token, "Idempotency-Key: replay-refunded").Must(t, http.StatusCreated)
	replayAndRecord(t, e, workflows.CheckoutWorkflowID(u.ID, "replay-refunded"), "checkout_refunded")
}

// rejectedOffering lists a copy of support-agent whose package Site-Kit refuses.
func rejectedOffering(t *testing.T, e *apptest.Env) string {
	t.Helper()
	ctx := context.Background()
	var o models.Offering
	if err := e.Stack.Store.WithContext(ctx).Preload("Plans").Take(&o, "slug = ?", "support-agent").Error; err != nil {
		t.Fatalf("load support-agent: %v", err)
	}
	o.ID, o.Slug, o.Name, o.PackageRef = models.NewID("off"), "rejected-package", "Rejected Package Agent", "sitekit://rejected@1.0"
	for i := range o.Plans {
		o.Plans[i].ID, o.Plans[i].OfferingID = models.NewID("pln"), o.ID
	}
	if err := e.Stack.Store.WithContext(ctx).Create(&o).Error; err != nil {
		t.Fatalf("insert the rejected offering: %v", err)
	}
	return o.Slug
}
