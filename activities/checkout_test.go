package activities_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/cmp-platform/cmp/activities"
	"github.com/cmp-platform/cmp/internal/app"
	"github.com/cmp-platform/cmp/internal/config"
	"github.com/cmp-platform/cmp/internal/payments"
	"github.com/cmp-platform/cmp/internal/seed"
	"github.com/cmp-platform/cmp/internal/sitekit"
	"github.com/cmp-platform/cmp/models"
)

var ctx = context.Background()

func chargeIn(key, pm string) activities.ChargeInput {
	return activities.ChargeInput{IdempotencyKey: key, Amount: 2900, Currency: "usd", PaymentMethod: pm, CustomerEmail: "tess@example.com"}
}

func TestCharge_RetriedWithTheSameKeyChargesOnce(t *testing.T) {
	sb := payments.NewSandbox()
	acts := &activities.Activities{Payments: sb}
	first, err := acts.Charge(ctx, chargeIn("charge-ord_1", "pm_card_visa"))
	require.NoError(t, err)
	again, err := acts.Charge(ctx, chargeIn("charge-ord_1", "pm_card_visa"))
	require.NoError(t, err)
	require.Equal(t, first, again, "a retry sees the charge it made")
	require.Equal(t, 1, sb.Charges())

	// A worker that crashed and restarted has a fresh provider; the key still names the same charge.
	restarted := &activities.Activities{Payments: payments.NewSandbox()}
	after, err := restarted.Charge(ctx, chargeIn("charge-ord_1", "pm_card_visa"))
	require.NoError(t, err)
	require.Equal(t, first.ChargeID, after.ChargeID)
}

func TestCharge_DeclinesAreFinalWithTheirReason(t *testing.T) {
	acts := &activities.Activities{Payments: payments.NewSandbox()}
	for pm, code := range map[string]string{
		"pm_card_chargeDeclined":                  "card_declined",
		"pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
	} {
		t.Run(code, func(t *testing.T) {
			_, err := acts.Charge(ctx, chargeIn("charge-"+code, pm))
			var appErr *temporal.ApplicationError
			require.True(t, errors.As(err, &appErr), "got %v", err)
			require.True(t, appErr.NonRetryable())
			require.Equal(t, activities.ErrTypeDeclined, appErr.Type())
			var d activities.DeclineDetails
			require.NoError(t, appErr.Details(&d))
			require.Equal(t, code, d.Code)
			require.NotEmpty(t, d.Message)
		})
	}
	t.Run("ErrUnknownPaymentMethod", func(t *testing.T) {
		_, err := acts.Charge(ctx, chargeIn("charge-x", "pm_nope"))
		var appErr *temporal.ApplicationError
		require.True(t, errors.As(err, &appErr), "got %v", err)
		require.True(t, appErr.NonRetryable())
		require.Equal(t, activities.ErrTypeInvalid, appErr.Type())
	})
}

func TestRefund_RetriedWithTheSameKeyRefundsOnce(t *testing.T) {
	sb := payments.NewSandbox()
	acts := &activities.Activities{Payments: sb}
	ch, err := acts.Charge(ctx, chargeIn("charge-ord_2", "pm_card_visa"))
	require.NoError(t, err)
	in := activities.RefundInput{IdempotencyKey: "refund-ord_2", ChargeID: ch.ChargeID, Amount: 2900, Reason: "provisioning_failed"}
	first, err := acts.Refund(ctx, in)
	require.NoError(t, err)
	again, err := acts.Refund(ctx, in)
	require.NoError(t, err)
	require.Equal(t, first, again)
	require.Equal(t, 1, sb.Refunds())
}

// purchaseFixture is a migrated, seeded SQLite store, a Site-Kit runtime and a
// recorded purchase of support-agent ready to provision.
type purchaseFixture struct {
	acts    *activities.Activities
	rt      *sitekit.Runtime
	in      activities.CreatePurchaseInput
	refs    activities.PurchaseRefs
	offerID string
}

func newPurchaseFixture(t *testing.T) *purchaseFixture {
	t.Helper()
	store, err := app.OpenStore(ctx, config.Config{DatabaseURL: "sqlite://" + filepath.Join(t.TempDir(), "cmp.db")})
	require.NoError(t, err)
	t.Cleanup(func() {
		if db, err := store.DB.DB(); err == nil {
			_ = db.Close()
		}
	})
	_, err = seed.Run(ctx, store)
	require.NoError(t, err)
	rt, err := sitekit.NewRuntime(sitekit.RuntimeConfig{Token: "op-token", HeartbeatInterval: time.Hour})
	require.NoError(t, err)
	srv := httptest.NewServer(rt.Handler())
	t.Cleanup(func() { srv.Close(); _ = rt.Close() })
	acts := &activities.Activities{Store: store, Payments: payments.NewSandbox(),
		SiteKit: sitekit.NewClient(srv.URL, "op-token", &http.Client{Timeout: 5 * time.Second}), PublicURL: "http://cmp.test"}

	u := models.User{ID: models.NewID("usr"), Email: models.NewID("u") + "@example.com", Name: "Tess", PasswordHash: "x", CreatedAt: models.Now()}
	require.NoError(t, store.CreateUser(ctx, &u))
	org, err := acts.EnsureOrganization(ctx, activities.EnsureOrganizationInput{UserID: u.ID})
	require.NoError(t, err)
	require.Equal(t, "Tess's Organization", org.OrganizationName)
	require.Equal(t, "Default", org.ProjectName)
	var o models.Offering
	require.NoError(t, store.WithContext(ctx).Preload("Plans").Take(&o, "slug = ?", "support-agent").Error)
	in := activities.CreatePurchaseInput{WorkflowID: "checkout-" + u.ID + "-k1", UserID: u.ID, IdempotencyKey: "k1", RequestHash: "h",
		OfferingID: o.ID, PlanID: o.Plans[0].ID, BillingCycle: "monthly", Amount: o.Plans[0].PriceMonthly, Currency: "usd",
		PaymentMethod: "pm_card_visa", AgentName: "Support Agent", Org: org}
	refs, err := acts.CreatePurchase(ctx, in)
	require.NoError(t, err)
	return &purchaseFixture{acts: acts, rt: rt, in: in, refs: refs, offerID: o.ID}
}

func TestCreatePurchase_RepeatedReturnsTheRowsMadeFirst(t *testing.T) {
	f := newPurchaseFixture(t)
	again, err := f.acts.CreatePurchase(ctx, f.in)
	require.NoError(t, err)
	require.Equal(t, f.refs, again)
	org, err := f.acts.EnsureOrganization(ctx, activities.EnsureOrganizationInput{UserID: f.in.UserID})
	require.NoError(t, err)
	require.Equal(t, f.in.Org.OrganizationID, org.OrganizationID, "a second checkout reuses the buyer's organization")
	require.False(t, org.Created)
}

func TestRecordCheckoutProgress_RepeatedBooksMoneyOnce(t *testing.T) {
	f := newPurchaseFixture(t)
	p := activities.CheckoutProgress{Refs: f.refs, At: models.Now(), Step: "payment", StepState: "completed", ChargeID: "ch_1",
		LedgerKind: "charge", LedgerAmount: f.in.Amount, Currency: "usd", OfferingID: f.offerID, PlanID: f.in.PlanID}
	require.NoError(t, f.acts.RecordCheckoutProgress(ctx, p))
	require.NoError(t, f.acts.RecordCheckoutProgress(ctx, p), "a retried local activity must not fail")
	var n int64
	require.NoError(t, f.acts.Store.WithContext(ctx).Model(&models.LedgerEntry{}).Where("order_id = ?", f.refs.OrderID).Count(&n).Error)
	require.EqualValues(t, 1, n)
}

func TestProvision_DeploysIdempotentlyAndTellsOutagesFromRefusals(t *testing.T) {
	f := newPurchaseFixture(t)
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(f.acts)
	provision := func() (activities.ProvisionResult, error) {
		v, err := env.ExecuteActivity(f.acts.Provision, activities.ProvisionInput{AgentID: f.refs.AgentID})
		var r activities.ProvisionResult
		if err == nil {
			require.NoError(t, v.Get(&r))
		}
		return r, err
	}

	t.Run("OutageIsRetryable", func(t *testing.T) {
		f.rt.SetAvailable(false)
		defer f.rt.SetAvailable(true)
		_, err := provision()
		require.Error(t, err)
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) {
			require.False(t, appErr.NonRetryable(), "an outage must be retried, not fail the order: %v", err)
		}
	})
	t.Run("OK", func(t *testing.T) {
		first, err := provision()
		require.NoError(t, err)
		require.True(t, strings.HasSuffix(first.MCPURL, "/mcp/"+f.refs.AgentID), first.MCPURL)
		again, err := provision()
		require.NoError(t, err)
		require.Equal(t, first, again, "a retried Provision converges on the same deployment")
	})
	t.Run("ErrPackageRefused", func(t *testing.T) {
		g := newPurchaseFixture(t) // a fresh agent: Site-Kit's create is idempotent on the agent ID
		require.NoError(t, g.acts.Store.WithContext(ctx).Model(&models.Offering{}).Where("id = ?", g.offerID).
			Update("package_ref", "sitekit://broken@1.0").Error)
		genv := s.NewTestActivityEnvironment()
		genv.RegisterActivity(g.acts)
		_, err := genv.ExecuteActivity(g.acts.Provision, activities.ProvisionInput{AgentID: g.refs.AgentID})
		var appErr *temporal.ApplicationError
		require.True(t, errors.As(err, &appErr), "got %v", err)
		require.True(t, appErr.NonRetryable())
		require.Equal(t, activities.ErrTypeProvisioning, appErr.Type())
		require.Contains(t, appErr.Message(), "Site-Kit refused the deployment")
	})
}
