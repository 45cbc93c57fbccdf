package workflows

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cmp-platform/cmp/activities"
)

// billingBookkeeping retries read-model writes for a day: billing must not stop
// because the database blinked, and every write is idempotent.
var billingBookkeeping = func() workflow.LocalActivityOptions {
	o := bookkeepingOptions
	o.ScheduleToCloseTimeout = 24 * time.Hour
	o.RetryPolicy = &temporal.RetryPolicy{InitialInterval: 100 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute,
		NonRetryableErrorTypes: bookkeepingOptions.RetryPolicy.NonRetryableErrorTypes}
	return o
}()

// deploymentOptions retry Site-Kit suspend/resume/delete through outages for a day.
var deploymentOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second, ScheduleToCloseTimeout: 24 * time.Hour,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute,
		NonRetryableErrorTypes: []string{ErrTypeInvalid}},
}

// renew invoices the next period (and the ended period's usage) and charges it.
func (s *subscription) renew(ctx workflow.Context) {
	next := s.st.Plan
	if s.st.Pending != nil {
		next = *s.st.Pending
	}
	usageStart := s.st.PeriodStart
	start, end := s.st.PeriodEnd, addCycles(s.st.Anchor, s.st.Cycles+1, s.st.BillingCycle)
	var inv activities.InvoiceRef
	err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, billingBookkeeping), a.CreateInvoice, activities.CreateInvoiceInput{
		SubscriptionID: s.st.SubscriptionID, OrganizationID: s.st.OrganizationID, ProviderID: s.st.ProviderID,
		OfferingID: s.st.OfferingID, PlanID: next.PlanID, Kind: "renewal", DedupeKey: fmt.Sprintf("renewal-%d", s.st.Period+1),
		PeriodStart: start, PeriodEnd: end, Currency: s.st.Currency, FixedAmount: next.Price,
		FixedDescription: fmt.Sprintf("%s plan, %s %s to %s", next.Name, s.st.BillingCycle, start.Format(time.DateOnly), end.Format(time.DateOnly)),
		UsagePlanID:      s.st.Plan.PlanID, UsagePeriodStart: &usageStart,
	}).Get(ctx, &inv)
	if err != nil {
		// The database refused for a day: try again in an hour rather than stop billing.
		workflow.GetLogger(ctx).Error("renewal invoice not created", "subscription", s.st.SubscriptionID, "err", err)
		_ = workflow.Sleep(ctx, time.Hour)
		return
	}
	changed := s.st.Pending != nil && next.PlanID != s.st.Plan.PlanID
	s.st.Plan, s.st.Pending = next, nil
	if changed { // a downgrade takes effect with the period it starts
		s.pushPlan(ctx)
	}
	s.st.Open = &OpenInvoice{ID: inv.ID, Amount: inv.Amount, PeriodStart: start, PeriodEnd: end}
	s.attempt(ctx)
}

// attempt charges the open invoice once.
func (s *subscription) attempt(ctx workflow.Context) {
	o := s.st.Open
	ch, decline, err := s.charge(ctx, o.ID, o.Amount, o.KeySeq)
	if err == nil {
		s.settle(ctx, ch.ChargeID)
		return
	}
	s.declined(ctx, decline)
}

// charge pays an invoice. The idempotency key is the invoice's ("invoice-<id>");
// after a definite decline the next attempt adds "-retry-<n>", because Stripe
// replays a key's first outcome, decline included.
func (s *subscription) charge(ctx workflow.Context, invoiceID string, amount int64, seq int) (activities.ChargeResult, activities.DeclineDetails, error) {
	if amount <= 0 {
		return activities.ChargeResult{}, activities.DeclineDetails{}, nil
	}
	key := "invoice-" + invoiceID
	if seq > 0 {
		key = fmt.Sprintf("invoice-%s-retry-%d", invoiceID, seq)
	}
	var ch activities.ChargeResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, paymentOptions), a.Charge, activities.ChargeInput{
		IdempotencyKey: key, Amount: amount, Currency: s.st.Currency, PaymentMethod: s.st.PaymentMethod,
		CustomerEmail: s.st.CustomerEmail, Description: s.st.AgentName + " subscription",
		Metadata: map[string]string{"invoice_id": invoiceID, "subscription_id": s.st.SubscriptionID, "offering_id": s.st.OfferingID},
	}).Get(ctx, &ch)
	if err == nil {
		return ch, activities.DeclineDetails{}, nil
	}
	d := activities.DeclineDetails{Message: "the payment provider could not be reached"}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && (appErr.Type() == ErrTypeDeclined || appErr.Type() == ErrTypeInvalid) {
		if !appErr.HasDetails() || appErr.Details(&d) != nil || d.Code == "" {
			d = activities.DeclineDetails{Code: "card_declined", Message: appErr.Message()}
		}
	}
	return ch, d, err
}

// chargeError is what an update answers when its charge did not go through.
func chargeError(d activities.DeclineDetails) error {
	if d.Code == "" {
		return temporal.NewApplicationError(d.Message+"; the charge is retried on schedule", ErrTypeUnavailable)
	}
	return temporal.NewNonRetryableApplicationError(d.Message, ErrTypeDeclined, nil, d)
}

// settle books the open invoice as paid and starts the period it pays for. A
// suspended subscription is reinstated with a fresh full period from now.
func (s *subscription) settle(ctx workflow.Context, chargeID string) {
	o := s.st.Open
	now := workflow.Now(ctx).UTC()
	reinstate := s.st.State == subSuspended
	start, end := o.PeriodStart, o.PeriodEnd
	if reinstate {
		s.st.Anchor, s.st.Cycles, s.st.SuspendedAt = now, 1, time.Time{}
		start, end = now, addCycles(now, 1, s.st.BillingCycle)
		s.deployment(ctx, a.ResumeDeployment)
	} else {
		s.st.Cycles++
	}
	o.Attempts++
	s.st.Period++
	s.st.PeriodStart, s.st.PeriodEnd, s.st.State, s.st.Open = start, end, subActive, nil
	s.st.InvoicesPaid++
	p := activities.BillingProgress{InvoiceID: o.ID, InvoiceState: "paid", Attempts: &o.Attempts, State: subActive,
		PlanID: s.st.Plan.PlanID, Price: &s.st.Plan.Price, PendingPlanID: subPtr(""), PeriodStart: &start, PeriodEnd: &end}
	if chargeID != "" {
		p.Charge = s.ledgerCharge(chargeID, o.Amount, s.st.Plan.PlanID)
	}
	if reinstate {
		p.AgentStatus, p.AgentReason = "running", subPtr("")
	}
	s.record(ctx, p)
	s.rolled = true
	s.publish(ctx)
}

// declined records a failed charge: the first one starts dunning, the last
// scheduled retry suspends the subscription.
func (s *subscription) declined(ctx workflow.Context, d activities.DeclineDetails) {
	o := s.st.Open
	o.Attempts++
	if d.Code != "" {
		o.KeySeq++ // a definite outcome: the key is spent
		o.LastCode = d.Code
	} else {
		o.LastCode = "payment_failed"
	}
	p := activities.BillingProgress{InvoiceID: o.ID, Attempts: &o.Attempts, LastError: subPtr(o.LastCode + ": " + d.Message),
		PlanID: s.st.Plan.PlanID, Price: &s.st.Plan.Price, PendingPlanID: subPtr("")}
	switch {
	case s.st.State == subActive:
		o.FailedAt = workflow.Now(ctx).UTC()
		s.st.State, p.State = subPastDue, subPastDue
		if len(s.st.Dunning) == 0 {
			s.suspend(ctx, &p)
		}
	case s.st.State == subPastDue && o.Retries >= len(s.st.Dunning):
		s.suspend(ctx, &p)
	}
	s.record(ctx, p)
	s.publish(ctx)
}

// suspend stops the agent on Site-Kit until the open invoice is paid.
func (s *subscription) suspend(ctx workflow.Context, p *activities.BillingProgress) {
	s.deployment(ctx, a.SuspendDeployment)
	s.st.State, p.State, s.st.SuspendedAt = subSuspended, subSuspended, workflow.Now(ctx).UTC()
	p.AgentStatus, p.AgentReason = "suspended", subPtr("payment overdue: update the payment method to reinstate")
}

// end cancels the subscription: its deployment is deleted and billing stops.
func (s *subscription) end(ctx workflow.Context, reason string) {
	p := activities.BillingProgress{State: subCanceled, Canceled: true, AgentStatus: "deleted", AgentReason: subPtr(reason)}
	if o := s.st.Open; o != nil {
		p.InvoiceID, p.InvoiceState = o.ID, "void"
		s.st.Open = nil
	}
	s.deployment(ctx, a.DeleteDeployment)
	s.st.State, s.ended = subCanceled, true
	s.record(ctx, p)
	s.publish(ctx)
}

func (s *subscription) applyCancel(ctx workflow.Context, req CancelRequest) {
	switch {
	case req.Undo:
		if s.st.CancelAtPeriodEnd {
			s.st.CancelAtPeriodEnd = false
			s.record(ctx, activities.BillingProgress{CancelAtPeriodEnd: subPtr(false)})
			s.publish(ctx)
		}
	case s.st.State == subActive:
		if !s.st.CancelAtPeriodEnd {
			s.st.CancelAtPeriodEnd = true
			s.record(ctx, activities.BillingProgress{CancelAtPeriodEnd: subPtr(true)})
			s.publish(ctx)
		}
	default: // no paid period is left to run out
		s.record(ctx, activities.BillingProgress{CancelAtPeriodEnd: subPtr(true)})
		s.end(ctx, "canceled with an unpaid invoice")
	}
}

func (s *subscription) applyChange(ctx workflow.Context, req ChangePlanRequest) (ChangePlanResult, error) {
	if err := s.validateChange(req); err != nil { // the state may have moved since validation
		return ChangePlanResult{}, err
	}
	terms := PlanTerms{PlanID: req.PlanID, Name: req.PlanName, Price: req.Price, Limits: req.Limits}
	if s.st.Pending != nil && req.PlanID == s.st.Plan.PlanID {
		s.st.Pending = nil
		s.record(ctx, activities.BillingProgress{PendingPlanID: subPtr("")})
		s.publish(ctx)
		return ChangePlanResult{Change: ChangeKeepCurrent, Effective: EffectiveNow}, nil
	}
	if req.Price < s.st.Plan.Price {
		s.st.Pending = &terms
		s.record(ctx, activities.BillingProgress{PendingPlanID: &terms.PlanID})
		s.publish(ctx)
		return ChangePlanResult{Change: ChangeDowngrade, Effective: EffectiveAtRenewal}, nil
	}
	now := workflow.Now(ctx).UTC()
	res := ChangePlanResult{Change: ChangeUpgrade, Effective: EffectiveNow,
		ProratedAmount: prorate(req.Price-s.st.Plan.Price, now, s.st.PeriodStart, s.st.PeriodEnd)}
	p := activities.BillingProgress{PlanID: terms.PlanID, Price: &terms.Price, PendingPlanID: subPtr("")}
	if res.ProratedAmount > 0 {
		s.st.Changes++
		var inv activities.InvoiceRef
		if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, bookkeepingOptions), a.CreateInvoice, activities.CreateInvoiceInput{
			SubscriptionID: s.st.SubscriptionID, OrganizationID: s.st.OrganizationID, ProviderID: s.st.ProviderID,
			OfferingID: s.st.OfferingID, PlanID: terms.PlanID, Kind: "proration", DedupeKey: fmt.Sprintf("change-%d", s.st.Changes),
			PeriodStart: now, PeriodEnd: s.st.PeriodEnd, Currency: s.st.Currency, FixedAmount: res.ProratedAmount,
			FixedDescription: fmt.Sprintf("Upgrade from %s to %s, prorated to %s", s.st.Plan.Name, terms.Name, s.st.PeriodEnd.Format(time.DateOnly)),
		}).Get(ctx, &inv); err != nil {
			return ChangePlanResult{}, temporal.NewApplicationError("the upgrade could not be invoiced; try again", ErrTypeUnavailable)
		}
		res.InvoiceID = inv.ID
		ch, d, err := s.charge(ctx, inv.ID, inv.Amount, 0)
		if err != nil {
			s.record(ctx, activities.BillingProgress{InvoiceID: inv.ID, InvoiceState: "void", Attempts: subPtr(1), LastError: subPtr(d.Code + ": " + d.Message)})
			return res, chargeError(d)
		}
		p.InvoiceID, p.Attempts, p.Charge = inv.ID, subPtr(1), s.ledgerCharge(ch.ChargeID, inv.Amount, terms.PlanID)
	}
	s.st.Plan, s.st.Pending = terms, nil
	s.pushPlan(ctx) // an upgrade takes effect at once
	s.record(ctx, p)
	s.publish(ctx)
	return res, nil
}

func (s *subscription) applyPaymentMethod(ctx workflow.Context, pm string) error {
	s.st.PaymentMethod = pm
	s.record(ctx, activities.BillingProgress{PaymentMethod: pm})
	if s.st.Open == nil {
		return nil
	}
	o := s.st.Open
	ch, d, err := s.charge(ctx, o.ID, o.Amount, o.KeySeq)
	if err == nil {
		s.settle(ctx, ch.ChargeID)
		return nil
	}
	s.declined(ctx, d)
	return chargeError(d)
}

// applyPaymentEvent takes an out-of-band outcome (a Stripe webhook) for the open invoice.
func (s *subscription) applyPaymentEvent(ctx workflow.Context, ev PaymentEvent) {
	o := s.st.Open
	if o == nil || ev.InvoiceID != o.ID {
		return // not this subscription's open invoice: already settled or unrelated
	}
	switch ev.Type {
	case PaymentSucceeded:
		s.settle(ctx, ev.ObjectID)
	case PaymentFailed:
		o.LastCode = ev.Code
	}
}

func (s *subscription) nextRetry() time.Time {
	o := s.st.Open
	if o == nil || o.Retries >= len(s.st.Dunning) {
		return time.Time{}
	}
	return o.FailedAt.Add(s.st.Dunning[o.Retries])
}

func (s *subscription) deployment(ctx workflow.Context, act func(context.Context, activities.DeploymentInput) error) {
	if s.st.AgentID == "" {
		return
	}
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, deploymentOptions), act, activities.DeploymentInput{AgentID: s.st.AgentID}).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Error("Site-Kit deployment change failed for a day", "agent", s.st.AgentID, "err", err)
	}
}

// pushPlan starts telling Site-Kit the plan now in effect (name and limits).
// It runs beside billing, so an update is answered without waiting for
// Site-Kit; the run waits for it before it ends. The version is the change's
// workflow time: a retry repeats it, a later change supersedes it.
func (s *subscription) pushPlan(ctx workflow.Context) {
	if s.st.AgentID == "" {
		return
	}
	f := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, deploymentOptions), a.PushPlan, activities.PushPlanInput{
		AgentID: s.st.AgentID, PlanID: s.st.Plan.PlanID, Plan: s.st.Plan.Name, Limits: s.st.Plan.Limits,
		Version: workflow.Now(ctx).UnixNano(),
	})
	s.pushes = append(s.pushes, f)
}

// awaitPushes waits for the plan pushes in flight; a push that gave up after
// its day of retries is logged, never fatal to billing.
func (s *subscription) awaitPushes(ctx workflow.Context) {
	for _, f := range s.pushes {
		if err := f.Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Error("plan push to Site-Kit failed for a day", "agent", s.st.AgentID, "err", err)
		}
	}
	s.pushes = nil
}

func (s *subscription) record(ctx workflow.Context, p activities.BillingProgress) {
	p.SubscriptionID, p.AgentID, p.At = s.st.SubscriptionID, s.st.AgentID, workflow.Now(ctx).UTC()
	err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, billingBookkeeping), a.RecordBilling, p).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Error("billing bookkeeping failed", "subscription", s.st.SubscriptionID, "err", err)
	}
}

func (s *subscription) ledgerCharge(chargeID string, amount int64, planID string) *activities.BillingCharge {
	return &activities.BillingCharge{ChargeID: chargeID, Amount: amount, Currency: s.st.Currency, OrganizationID: s.st.OrganizationID,
		ProviderID: s.st.ProviderID, OfferingID: s.st.OfferingID, PlanID: planID, OrderID: s.st.OrderID}
}

func (s *subscription) summary(state string) string {
	cur := strings.ToUpper(s.st.Currency)
	plan := s.st.Plan.Name
	if plan == "" {
		plan = s.st.Plan.PlanID
	}
	m := fmt.Sprintf("%s: plan %s (%s, %d.%02d %s), %s", s.st.AgentName, plan, s.st.BillingCycle,
		s.st.Plan.Price/100, s.st.Plan.Price%100, cur, state)
	switch {
	case state == subCanceled:
	case s.st.Open != nil:
		m += fmt.Sprintf("; invoice %s unpaid (%s)", s.st.Open.ID, s.st.Open.LastCode)
	case s.st.CancelAtPeriodEnd:
		m += "; ends " + s.st.PeriodEnd.Format(time.DateOnly)
	default:
		m += fmt.Sprintf("; period %d renews %s", s.st.Period, s.st.PeriodEnd.Format(time.DateOnly))
	}
	return m + fmt.Sprintf("; %d invoices paid", s.st.InvoicesPaid)
}

// addCycles is anchor plus n billing cycles, the day of month clamped to the
// target month's last day (Jan 31 + 1 month = Feb 28), as Stripe does.
func addCycles(anchor time.Time, n int, cycle string) time.Time {
	months := n
	if cycle == "annual" {
		months = 12 * n
	}
	anchor = anchor.UTC()
	y, m, d := anchor.Date()
	total := int(m) - 1 + months
	ty, tm := y+total/12, time.Month(total%12+1)
	if last := time.Date(ty, tm+1, 0, 0, 0, 0, 0, time.UTC).Day(); d > last {
		d = last
	}
	return time.Date(ty, tm, d, anchor.Hour(), anchor.Minute(), anchor.Second(), anchor.Nanosecond(), time.UTC)
}

// prorate is diff for the part of [start, end) still ahead of now, rounded to
// the nearest minor unit.
func prorate(diff int64, now, start, end time.Time) int64 {
	total, left := int64(end.Sub(start)/time.Second), int64(end.Sub(now)/time.Second)
	if diff <= 0 || total <= 0 || left <= 0 {
		return 0
	}
	if left > total {
		left = total
	}
	return (diff*left + total/2) / total
}

func subPtr[T any](v T) *T { return &v }
