package workflows_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cmp-platform/cmp/activities"
	"github.com/cmp-platform/cmp/workflows"
)

// subActs names activities the way the workflows do: methods of a nil *Activities.
var subActs *activities.Activities

// billingRun is one run of the subscription workflow against mocked activities
// that record what billing did.
type billingRun struct {
	testsuite.WorkflowTestSuite
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment

	mu          sync.Mutex
	invoices    []activities.CreateInvoiceInput
	charges     []activities.ChargeInput
	chargeTimes []time.Time
	records     []activities.BillingProgress
	deployments []string
	planPushes  []activities.PushPlanInput
	pushTimes   []time.Time
	// decline says which payment methods the mocked provider declines.
	decline map[string]string
	// usage is the usage amount the mocked invoice adds (billed in arrears).
	usage int64
	// charge, when set, replaces the mocked provider's answer.
	charge func(calls int, in activities.ChargeInput) (activities.ChargeResult, error)
}

var subStart = time.Date(2026, 1, 31, 9, 30, 0, 0, time.UTC)

// subIn is a monthly subscription bought on Jan 31 (so month ends clamp).
func subIn() workflows.SubscriptionInput {
	return workflows.SubscriptionInput{
		SubscriptionID: "sub_1", OrganizationID: "org_1", ProviderID: "prv_1", OfferingID: "off_1", OrderID: "ord_1",
		AgentID: "agt_1", CustomerEmail: "tess@example.com", AgentName: "Support Agent",
		Plan: workflows.PlanTerms{PlanID: "pln_starter", Name: "Starter", Price: 2900}, BillingCycle: "monthly",
		Currency: "usd", PaymentMethod: "pm_card_visa", Anchor: subStart, Cycles: 1, Period: 1,
		PeriodStart: subStart, PeriodEnd: subStart.AddDate(0, 1, -3), State: "active", // Jan 31 → Feb 28
		Dunning: []time.Duration{24 * time.Hour, 72 * time.Hour, 120 * time.Hour},
	}
}

func newBillingRun(t *testing.T, start time.Time) *billingRun {
	r := &billingRun{t: t, decline: map[string]string{"pm_card_chargeDeclined": "card_declined"}}
	r.env = r.NewTestWorkflowEnvironment()
	r.env.SetStartTime(start)
	r.env.RegisterWorkflowWithOptions(workflows.Subscription, workflow.RegisterOptions{Name: workflows.SubscriptionWorkflowName})
	r.env.RegisterActivity(&activities.Activities{})
	r.env.OnActivity(subActs.CreateInvoice, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.CreateInvoiceInput) (activities.InvoiceRef, error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.invoices = append(r.invoices, in)
			amount := in.FixedAmount
			if in.UsagePeriodStart != nil {
				amount += r.usage
			}
			return activities.InvoiceRef{ID: "inv_" + in.DedupeKey, Amount: amount, Currency: in.Currency, UsageAmount: r.usage}, nil
		}).Maybe()
	r.env.OnActivity(subActs.Charge, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.ChargeInput) (activities.ChargeResult, error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.charges = append(r.charges, in)
			r.chargeTimes = append(r.chargeTimes, r.env.Now().UTC())
			if r.charge != nil {
				return r.charge(len(r.charges), in)
			}
			if code := r.decline[in.PaymentMethod]; code != "" {
				return activities.ChargeResult{}, temporal.NewNonRetryableApplicationError("Your card was declined.", workflows.ErrTypeDeclined, nil,
					activities.DeclineDetails{Code: code, Message: "Your card was declined."})
			}
			return activities.ChargeResult{ChargeID: "ch_" + in.IdempotencyKey, Status: "succeeded"}, nil
		}).Maybe()
	r.env.OnActivity(subActs.RecordBilling, mock.Anything, mock.Anything).Return(
		func(_ context.Context, p activities.BillingProgress) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.records = append(r.records, p)
			return nil
		}).Maybe()
	for name, fn := range map[string]any{"suspend": subActs.SuspendDeployment, "resume": subActs.ResumeDeployment, "delete": subActs.DeleteDeployment} {
		r.env.OnActivity(fn, mock.Anything, activities.DeploymentInput{AgentID: "agt_1"}).Return(func(_ context.Context, _ activities.DeploymentInput) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.deployments = append(r.deployments, name)
			return nil
		}).Maybe()
	}
	r.env.OnActivity(subActs.PushPlan, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.PushPlanInput) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.planPushes = append(r.planPushes, in)
		r.pushTimes = append(r.pushTimes, r.env.Now().UTC())
		return nil
	}).Maybe()
	return r
}

// continued runs the workflow to its Continue-As-New and returns the state it carried.
func (r *billingRun) continued(in workflows.SubscriptionInput) workflows.SubscriptionInput {
	r.t.Helper()
	r.env.ExecuteWorkflow(workflows.SubscriptionWorkflowName, in)
	require.True(r.t, r.env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.True(r.t, errors.As(r.env.GetWorkflowError(), &can), "want continue-as-new, got %v", r.env.GetWorkflowError())
	var next workflows.SubscriptionInput
	require.NoError(r.t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	return next
}

// update sends an update after d and keeps its outcome.
type updateOutcome struct {
	rejected  error
	err       error
	value     any
	completed bool
}

func (r *billingRun) update(d time.Duration, name string, arg any) *updateOutcome {
	out := &updateOutcome{}
	r.env.RegisterDelayedCallback(func() {
		r.env.UpdateWorkflow(name, name+d.String(), &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { out.rejected = err },
			OnComplete: func(v any, err error) {
				out.completed, out.value, out.err = true, v, err
			},
		}, arg)
	}, d)
	return out
}

func (r *billingRun) lastRecord() activities.BillingProgress {
	r.t.Helper()
	require.NotEmpty(r.t, r.records)
	return r.records[len(r.records)-1]
}

func TestSubscription_AYearOfMonthlyRenewalsTakesTwelveChargesInSeconds(t *testing.T) {
	in := subIn()
	var invoiceKeys, chargeKeys []string
	var ledger int
	began := time.Now()
	for month := 0; month < 12; month++ {
		r := newBillingRun(t, in.PeriodStart)
		next := r.continued(in)
		require.Len(t, r.invoices, 1, "one invoice per period")
		require.Len(t, r.charges, 1)
		invoiceKeys = append(invoiceKeys, r.invoices[0].DedupeKey)
		chargeKeys = append(chargeKeys, r.charges[0].IdempotencyKey)
		require.Equal(t, in.PeriodEnd, r.chargeTimes[0], "the renewal is charged when the period ends")
		require.Equal(t, in.PeriodEnd, next.PeriodStart)
		require.Equal(t, in.Period+1, next.Period)
		for _, p := range r.records {
			if p.Charge != nil {
				ledger++
				require.Equal(t, int64(2900), p.Charge.Amount)
				require.Equal(t, "prv_1", p.Charge.ProviderID, "the ledger entry names the provider for payouts")
				require.Equal(t, "ord_1", p.Charge.OrderID)
			}
		}
		in = next
	}
	require.Less(t, time.Since(began), 20*time.Second)
	require.Equal(t, "renewal-2", invoiceKeys[0])
	require.Equal(t, "renewal-13", invoiceKeys[11])
	require.Equal(t, "invoice-inv_renewal-2", chargeKeys[0], "the charge's idempotency key is the invoice ID")
	require.Equal(t, 12, ledger, "every renewal charge is booked in the ledger")
	require.Equal(t, 12, in.InvoicesPaid)
	// Bought Jan 31: periods end on the last day of short months, the 31st otherwise.
	require.Equal(t, time.Date(2027, 1, 31, 9, 30, 0, 0, time.UTC), in.PeriodStart)
	require.Equal(t, time.Date(2027, 2, 28, 9, 30, 0, 0, time.UTC), in.PeriodEnd)
	require.Equal(t, 13, in.Period)
	require.Nil(t, in.Open)
}

func TestSubscription_DeclinedRenewalDunsThenSuspendsAndPayingReinstates(t *testing.T) {
	in := subIn()
	in.PaymentMethod = "pm_card_chargeDeclined"
	r := newBillingRun(t, in.PeriodStart)
	month := in.PeriodEnd.Sub(in.PeriodStart)
	var status workflows.SubscriptionStatus
	r.env.RegisterDelayedCallback(func() {
		v, err := r.env.QueryWorkflow(workflows.QuerySubscriptionStatus)
		require.NoError(t, err)
		require.NoError(t, v.Get(&status))
	}, month+6*24*time.Hour-time.Minute)
	pay := r.update(month+6*24*time.Hour, workflows.UpdatePaymentMethod, workflows.PaymentMethodRequest{PaymentMethod: "pm_card_visa"})
	next := r.continued(in)

	failedAt := in.PeriodEnd
	require.Len(t, r.charges, 5, "first try, three dunning retries, then the new card")
	require.Equal(t, []time.Time{failedAt, failedAt.Add(24 * time.Hour), failedAt.Add(72 * time.Hour), failedAt.Add(120 * time.Hour),
		failedAt.Add(6 * 24 * time.Hour)}, r.chargeTimes, "retries after 1, 3 and 5 days")
	keys := []string{}
	for _, c := range r.charges {
		keys = append(keys, c.IdempotencyKey)
	}
	require.Equal(t, []string{"invoice-inv_renewal-2", "invoice-inv_renewal-2-retry-1", "invoice-inv_renewal-2-retry-2",
		"invoice-inv_renewal-2-retry-3", "invoice-inv_renewal-2-retry-4"}, keys, "a declined key is never reused")
	require.Len(t, r.invoices, 1, "dunning retries the same invoice")

	require.Equal(t, "suspended", status.State, "after the last retry the subscription is suspended")
	require.Equal(t, "inv_renewal-2", status.OpenInvoiceID)
	require.Equal(t, "card_declined", status.LastDeclineCode)
	require.Equal(t, []string{"suspend", "resume"}, r.deployments, "the deployment is suspended, then resumed on payment")
	var states []string
	for _, p := range r.records {
		if p.State != "" {
			states = append(states, p.State)
		}
		if p.AgentStatus == "suspended" {
			require.Contains(t, *p.AgentReason, "payment overdue")
		}
	}
	require.Equal(t, []string{"past_due", "suspended", "active"}, states)

	require.True(t, pay.completed)
	require.NoError(t, pay.err)
	last := r.lastRecord()
	require.NotNil(t, last.Charge, "the reinstating payment is booked")
	require.Equal(t, "running", last.AgentStatus)
	require.Equal(t, "active", next.State)
	reinstated := failedAt.Add(6 * 24 * time.Hour)
	require.Equal(t, reinstated, next.PeriodStart, "a reinstated subscription gets a full period from payment")
	require.Equal(t, reinstated.AddDate(0, 1, 0), next.PeriodEnd)
	require.Nil(t, next.Open)
}

func TestSubscription_PaymentEventFromStripeSettlesTheOpenInvoice(t *testing.T) {
	in := subIn()
	in.PaymentMethod = "pm_card_chargeDeclined"
	r := newBillingRun(t, in.PeriodStart)
	month := in.PeriodEnd.Sub(in.PeriodStart)
	r.env.RegisterDelayedCallback(func() {
		r.env.SignalWorkflow(workflows.SignalPaymentEvent, workflows.PaymentEvent{EventID: "evt_other", Type: workflows.PaymentSucceeded,
			ObjectID: "pi_other", InvoiceID: "inv_someone_else"})
		r.env.SignalWorkflow(workflows.SignalPaymentEvent, workflows.PaymentEvent{EventID: "evt_1", Type: workflows.PaymentSucceeded,
			ObjectID: "pi_paid_out_of_band", Amount: 2900, Currency: "usd", InvoiceID: "inv_renewal-2"})
	}, month+2*time.Hour)
	next := r.continued(in)
	require.Len(t, r.charges, 1, "no dunning retry after the payment arrived")
	last := r.lastRecord()
	require.NotNil(t, last.Charge)
	require.Equal(t, "pi_paid_out_of_band", last.Charge.ChargeID)
	require.Equal(t, "active", next.State)
	require.Equal(t, in.PeriodEnd, next.PeriodStart, "paid during dunning: the period is the invoiced one")
}

func TestSubscription_CancelAtPeriodEndStopsBillingAndDeletesTheDeployment(t *testing.T) {
	in := subIn()
	r := newBillingRun(t, in.PeriodStart)
	undo := r.update(time.Hour, workflows.UpdateCancel, workflows.CancelRequest{})
	r.update(2*time.Hour, workflows.UpdateCancel, workflows.CancelRequest{Undo: true})
	cancel := r.update(3*time.Hour, workflows.UpdateCancel, workflows.CancelRequest{})
	var mid workflows.SubscriptionStatus
	r.env.RegisterDelayedCallback(func() {
		v, err := r.env.QueryWorkflow(workflows.QuerySubscriptionStatus)
		require.NoError(t, err)
		require.NoError(t, v.Get(&mid))
	}, 4*time.Hour)
	r.env.ExecuteWorkflow(workflows.SubscriptionWorkflowName, in)

	require.True(t, r.env.IsWorkflowCompleted())
	require.NoError(t, r.env.GetWorkflowError(), "a canceled subscription's workflow completes")
	var res workflows.SubscriptionResult
	require.NoError(t, r.env.GetWorkflowResult(&res))
	require.Equal(t, "canceled", res.State)
	require.True(t, undo.completed)
	require.NoError(t, cancel.err)
	require.True(t, mid.CancelAtPeriodEnd)
	require.Equal(t, "active", mid.State, "it stays active until the period ends")
	require.Empty(t, r.invoices, "nothing is invoiced after a cancel at period end")
	require.Empty(t, r.charges)
	require.Equal(t, []string{"delete"}, r.deployments)
	last := r.lastRecord()
	require.Equal(t, "canceled", last.State)
	require.True(t, last.Canceled)
	require.Equal(t, "deleted", last.AgentStatus)
	var flags []bool
	for _, p := range r.records {
		if p.CancelAtPeriodEnd != nil {
			flags = append(flags, *p.CancelAtPeriodEnd)
		}
	}
	require.Equal(t, []bool{true, false, true}, flags, "cancel, undo, cancel are each recorded")
}

func TestSubscription_UpgradeChargesTheProratedDifferenceNow(t *testing.T) {
	in := subIn()
	in.PeriodStart = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	in.Anchor, in.PeriodEnd = in.PeriodStart, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC) // 30 days
	r := newBillingRun(t, in.PeriodStart)
	up := r.update(10*24*time.Hour, workflows.UpdateChangePlan, workflows.ChangePlanRequest{
		PlanID: "pln_pro", PlanName: "Pro", OfferingID: "off_1", Currency: "usd", Price: 9900})
	next := r.continued(in)

	require.True(t, up.completed)
	require.NoError(t, up.err)
	res := up.value.(workflows.ChangePlanResult)
	require.Equal(t, workflows.ChangeUpgrade, res.Change)
	require.Equal(t, workflows.EffectiveNow, res.Effective)
	require.Equal(t, int64(4667), res.ProratedAmount, "(9900-2900) × 20/30 days, rounded")
	require.Len(t, r.invoices, 2)
	pro := r.invoices[0]
	require.Equal(t, "proration", pro.Kind)
	require.Equal(t, "change-1", pro.DedupeKey)
	require.Equal(t, "pln_pro", pro.PlanID)
	require.Equal(t, "invoice-inv_change-1", r.charges[0].IdempotencyKey)
	require.Equal(t, int64(4667), r.charges[0].Amount)
	require.Equal(t, in.PeriodStart.Add(10*24*time.Hour), r.chargeTimes[0], "charged at once, not at renewal")
	require.Equal(t, int64(9900), r.invoices[1].FixedAmount, "the renewal bills the new plan")
	require.Equal(t, "pln_pro", r.invoices[1].UsagePlanID, "usage is billed on the plan in effect when the period ends")
	require.Equal(t, "pln_pro", next.Plan.PlanID)
	require.Equal(t, 1, next.Changes)
	var booked bool
	for _, p := range r.records {
		if p.Charge != nil && p.Charge.Amount == 4667 {
			booked = true
			require.Equal(t, "pln_pro", p.Charge.PlanID)
		}
	}
	require.True(t, booked, "the proration charge is booked in the ledger")
}

func TestSubscription_DeclinedUpgradeKeepsThePlan(t *testing.T) {
	in := subIn()
	r := newBillingRun(t, in.PeriodStart)
	r.update(time.Hour, workflows.UpdatePaymentMethod, workflows.PaymentMethodRequest{PaymentMethod: "pm_card_chargeDeclined"})
	up := r.update(2*time.Hour, workflows.UpdateChangePlan, workflows.ChangePlanRequest{
		PlanID: "pln_pro", PlanName: "Pro", OfferingID: "off_1", Currency: "usd", Price: 9900})
	r.update(3*time.Hour, workflows.UpdatePaymentMethod, workflows.PaymentMethodRequest{PaymentMethod: "pm_card_visa"})
	next := r.continued(in)
	require.True(t, up.completed)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(up.err, &appErr), "got %v", up.err)
	require.Equal(t, workflows.ErrTypeDeclined, appErr.Type())
	require.Equal(t, "pln_starter", next.Plan.PlanID)
	require.Equal(t, int64(2900), r.invoices[len(r.invoices)-1].FixedAmount)
}

func TestSubscription_DowngradeTakesEffectAtRenewal(t *testing.T) {
	in := subIn()
	in.Plan = workflows.PlanTerms{PlanID: "pln_pro", Name: "Pro", Price: 9900}
	r := newBillingRun(t, in.PeriodStart)
	down := r.update(5*24*time.Hour, workflows.UpdateChangePlan, workflows.ChangePlanRequest{
		PlanID: "pln_starter", PlanName: "Starter", OfferingID: "off_1", Currency: "usd", Price: 2900})
	next := r.continued(in)
	require.NoError(t, down.err)
	res := down.value.(workflows.ChangePlanResult)
	require.Equal(t, workflows.ChangeDowngrade, res.Change)
	require.Equal(t, workflows.EffectiveAtRenewal, res.Effective)
	require.Equal(t, "pln_starter", res.Status.PendingPlanID)
	require.Len(t, r.charges, 1, "nothing is charged at the downgrade")
	require.Equal(t, in.PeriodEnd, r.chargeTimes[0])
	require.Equal(t, int64(2900), r.charges[0].Amount, "the renewal bills the lower plan")
	require.Equal(t, "pln_starter", r.invoices[0].PlanID)
	require.Equal(t, "pln_starter", next.Plan.PlanID)
	require.Nil(t, next.Pending)
}

func TestSubscription_UsageAboveTheIncludedAmountIsBilledAtRenewal(t *testing.T) {
	in := subIn()
	r := newBillingRun(t, in.PeriodStart)
	r.usage = 250 // the activity's usage lines (tested against a real database in api)
	r.continued(in)
	require.Len(t, r.invoices, 1)
	require.NotNil(t, r.invoices[0].UsagePeriodStart)
	require.Equal(t, in.PeriodStart, *r.invoices[0].UsagePeriodStart, "usage of the period that just ended")
	require.Equal(t, "pln_starter", r.invoices[0].UsagePlanID)
	require.Equal(t, int64(2900+250), r.charges[0].Amount)
}

func TestSubscription_ChangePlanValidatorRejectsBadRequests(t *testing.T) {
	in := subIn()
	r := newBillingRun(t, in.PeriodStart)
	cases := map[string]workflows.ChangePlanRequest{
		"already on this plan": {PlanID: "pln_starter", OfferingID: "off_1", Currency: "usd", Price: 2900},
		"another offering":     {PlanID: "pln_x", OfferingID: "off_2", Currency: "usd", Price: 9900},
		"plan is required":     {OfferingID: "off_1", Currency: "usd", Price: 9900},
		"no monthly price":     {PlanID: "pln_free", OfferingID: "off_1", Currency: "usd"},
	}
	outs := map[string]*updateOutcome{}
	i := 0
	for want, req := range cases {
		i++
		outs[want] = r.update(time.Duration(i)*time.Hour, workflows.UpdateChangePlan, req)
	}
	r.update(10*time.Hour, workflows.UpdateCancel, workflows.CancelRequest{})
	afterCancel := r.update(11*time.Hour, workflows.UpdateChangePlan, workflows.ChangePlanRequest{
		PlanID: "pln_pro", OfferingID: "off_1", Currency: "usd", Price: 9900})
	r.env.ExecuteWorkflow(workflows.SubscriptionWorkflowName, in)
	for want, o := range outs {
		require.Error(t, o.rejected, want)
		require.Contains(t, o.rejected.Error(), want)
		require.False(t, o.completed, "a rejected update never runs: %s", want)
	}
	require.Error(t, afterCancel.rejected)
	require.Contains(t, afterCancel.rejected.Error(), "undo the cancellation")
	require.Empty(t, r.charges)
	require.True(t, strings.HasPrefix(r.lastRecord().State, "canceled"))
}

func TestSubscription_ProviderOutageRetriesUnderTheSameIdempotencyKey(t *testing.T) {
	in := subIn()
	r := newBillingRun(t, in.PeriodStart)
	r.charge = func(calls int, _ activities.ChargeInput) (activities.ChargeResult, error) {
		if calls <= 8 { // every attempt of the first activity: the provider is down
			return activities.ChargeResult{}, errors.New("connection refused")
		}
		return activities.ChargeResult{ChargeID: "ch_after_outage"}, nil
	}
	next := r.continued(in)
	require.Len(t, r.charges, 9, "8 activity attempts, then the first dunning retry")
	for _, c := range r.charges {
		require.Equal(t, "invoice-inv_renewal-2", c.IdempotencyKey, "an outage may have charged: the key must not change")
	}
	require.Equal(t, "active", next.State)
	require.Equal(t, in.PeriodEnd, next.PeriodStart)
}

func TestSubscription_CancelingASuspendedSubscriptionEndsItNow(t *testing.T) {
	in := subIn()
	in.PaymentMethod = "pm_card_chargeDeclined"
	in.Dunning = []time.Duration{}
	r := newBillingRun(t, in.PeriodStart)
	month := in.PeriodEnd.Sub(in.PeriodStart)
	cancel := r.update(month+time.Hour, workflows.UpdateCancel, workflows.CancelRequest{})
	r.env.ExecuteWorkflow(workflows.SubscriptionWorkflowName, in)
	require.True(t, r.env.IsWorkflowCompleted())
	require.NoError(t, r.env.GetWorkflowError())
	require.NoError(t, cancel.err)
	require.Equal(t, []string{"suspend", "delete"}, r.deployments, "no dunning retries configured: suspended at once, then deleted")
	last := r.lastRecord()
	require.Equal(t, "canceled", last.State)
	require.Equal(t, "void", last.InvoiceState, "the unpaid invoice is voided, never charged again")
	require.Len(t, r.charges, 1)
}

func TestSubscription_AnnualPlanRenewsAYearLater(t *testing.T) {
	in := subIn()
	in.BillingCycle, in.Plan.Price = "annual", 29000
	in.PeriodEnd = time.Date(2027, 1, 31, 9, 30, 0, 0, time.UTC)
	r := newBillingRun(t, in.PeriodStart)
	next := r.continued(in)
	require.Equal(t, in.PeriodEnd, r.chargeTimes[0])
	require.Equal(t, int64(29000), r.charges[0].Amount)
	require.Equal(t, time.Date(2028, 1, 31, 9, 30, 0, 0, time.UTC), next.PeriodEnd)
}

func TestSubscription_UpgradePushesTheNewPlansLimitsToSiteKitAtOnce(t *testing.T) {
	in := subIn()
	r := newBillingRun(t, in.PeriodStart)
	limits := map[string]int64{"mcp_tool_calls": 50000, "seats": 10}
	up := r.update(10*24*time.Hour, workflows.UpdateChangePlan, workflows.ChangePlanRequest{
		PlanID: "pln_pro", PlanName: "Pro", OfferingID: "off_1", Currency: "usd", Price: 9900, Limits: limits})
	next := r.continued(in)
	require.NoError(t, up.err)
	require.Len(t, r.planPushes, 1, "one push for the one change; the renewal on the same plan pushes nothing")
	push := r.planPushes[0]
	require.Equal(t, "agt_1", push.AgentID)
	require.Equal(t, "pln_pro", push.PlanID)
	require.Equal(t, "Pro", push.Plan)
	require.Equal(t, limits, push.Limits)
	at := in.PeriodStart.Add(10 * 24 * time.Hour)
	require.Equal(t, at, r.pushTimes[0], "pushed when the upgrade is charged, not at renewal")
	require.Equal(t, at.UnixNano(), push.Version, "the version is the change's workflow time")
	require.Equal(t, limits, next.Plan.Limits, "the limits are carried to the next run")
}

func TestSubscription_DowngradePushesTheLowerPlansLimitsAtRenewal(t *testing.T) {
	in := subIn()
	in.Plan = workflows.PlanTerms{PlanID: "pln_pro", Name: "Pro", Price: 9900, Limits: map[string]int64{"mcp_tool_calls": 50000}}
	r := newBillingRun(t, in.PeriodStart)
	down := r.update(5*24*time.Hour, workflows.UpdateChangePlan, workflows.ChangePlanRequest{
		PlanID: "pln_starter", PlanName: "Starter", OfferingID: "off_1", Currency: "usd", Price: 2900, Limits: map[string]int64{"mcp_tool_calls": 1000}})
	r.continued(in)
	require.NoError(t, down.err)
	require.Len(t, r.planPushes, 1)
	require.Equal(t, in.PeriodEnd, r.pushTimes[0], "the downgrade reaches Site-Kit when the period it starts begins")
	require.Equal(t, "Starter", r.planPushes[0].Plan)
	require.Equal(t, map[string]int64{"mcp_tool_calls": 1000}, r.planPushes[0].Limits)
	require.Equal(t, in.PeriodEnd.UnixNano(), r.planPushes[0].Version)
}

func TestSubscription_SuspendedPastTheGracePeriodIsCanceledAndTheDeploymentDeleted(t *testing.T) {
	in := subIn()
	in.PaymentMethod = "pm_card_chargeDeclined"
	in.Dunning = []time.Duration{}
	r := newBillingRun(t, in.PeriodStart)
	month := in.PeriodEnd.Sub(in.PeriodStart)
	var mid workflows.SubscriptionStatus
	r.env.RegisterDelayedCallback(func() {
		v, err := r.env.QueryWorkflow(workflows.QuerySubscriptionStatus)
		require.NoError(t, err)
		require.NoError(t, v.Get(&mid))
	}, month+29*24*time.Hour)
	began := time.Now()
	r.env.ExecuteWorkflow(workflows.SubscriptionWorkflowName, in)
	require.Less(t, time.Since(began), 10*time.Second, "30 days pass on the test clock")
	require.True(t, r.env.IsWorkflowCompleted())
	require.NoError(t, r.env.GetWorkflowError())
	var res workflows.SubscriptionResult
	require.NoError(t, r.env.GetWorkflowResult(&res))
	require.Equal(t, "canceled", res.State)
	require.Equal(t, "suspended", mid.State, "still suspended one day before the grace period ends")
	require.Equal(t, []string{"suspend", "delete"}, r.deployments)
	last := r.lastRecord()
	require.Equal(t, "canceled", last.State)
	require.True(t, last.Canceled)
	require.Equal(t, "deleted", last.AgentStatus)
	require.Contains(t, *last.AgentReason, "unpaid for 30 days")
	require.Equal(t, "void", last.InvoiceState, "the invoice is kept, voided")
	require.Len(t, r.charges, 1, "nothing is charged during the grace period")
}

func TestSubscription_GracePeriodIsConfigurableAndPayingInTimeKeepsTheSubscription(t *testing.T) {
	in := subIn()
	in.PaymentMethod = "pm_card_chargeDeclined"
	in.Dunning = []time.Duration{}
	in.SuspendedGrace = 3 * 24 * time.Hour
	r := newBillingRun(t, in.PeriodStart)
	month := in.PeriodEnd.Sub(in.PeriodStart)
	pay := r.update(month+2*24*time.Hour, workflows.UpdatePaymentMethod, workflows.PaymentMethodRequest{PaymentMethod: "pm_card_visa"})
	next := r.continued(in)
	require.NoError(t, pay.err)
	require.Equal(t, "active", next.State)
	require.True(t, next.SuspendedAt.IsZero(), "reinstating clears the suspension")
	require.Equal(t, []string{"suspend", "resume"}, r.deployments)

	in = subIn()
	in.PaymentMethod = "pm_card_chargeDeclined"
	in.Dunning = []time.Duration{}
	in.SuspendedGrace = 3 * 24 * time.Hour
	r = newBillingRun(t, in.PeriodStart)
	r.env.ExecuteWorkflow(workflows.SubscriptionWorkflowName, in)
	require.NoError(t, r.env.GetWorkflowError())
	require.Equal(t, in.PeriodEnd.Add(3*24*time.Hour), r.env.Now().UTC(), "canceled when the shorter grace period ends")
	require.Contains(t, *r.lastRecord().AgentReason, "unpaid for 3 days")
}
