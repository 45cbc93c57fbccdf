package workflows

import (
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Subscription bills one subscription for as long as it lives. Each run covers
// one billing period: it waits on a durable timer for the period's end, then
// invoices the next period (plus the ended period's metered usage) and charges
// it with the invoice's idempotency key. A decline starts dunning (retries after
// 1, 3 and 5 days), then suspends the Site-Kit deployment; paying reinstates it.
// Cancel and plan changes arrive as updates. Every renewal continues as new.
func Subscription(ctx workflow.Context, in SubscriptionInput) (SubscriptionResult, error) {
	s := &subscription{st: in}
	if s.st.State == "" {
		s.st.State = subActive
	}
	if s.st.Dunning == nil {
		s.st.Dunning = DefaultDunning
	}
	if err := s.setup(ctx); err != nil {
		return SubscriptionResult{}, err
	}
	if s.st.Plan.Name == "" {
		var name string
		if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, bookkeepingOptions), a.BillingPlanName, s.st.Plan.PlanID).Get(ctx, &name); err == nil {
			s.st.Plan.Name = name
		}
	}
	s.publish(ctx)
	return s.run(ctx)
}

// Subscription states as the workflow and the read model spell them.
const (
	subActive    = "active"
	subPastDue   = "past_due"
	subSuspended = "suspended"
	subCanceled  = "canceled"
)

type subscription struct {
	st     SubscriptionInput
	queue  []*subCommand
	ended  bool // canceled: the run returns
	rolled bool // a renewal was paid: the run continues as new
	events workflow.ReceiveChannel
	// pushes are plan pushes to Site-Kit still running; the run waits for
	// them before it ends so none is lost at Continue-As-New.
	pushes []workflow.Future
}

// subCommand is an update or signal waiting for the main loop, which applies
// them one at a time so a renewal and a plan change can never interleave.
type subCommand struct {
	cancel *CancelRequest
	change *ChangePlanRequest
	method *PaymentMethodRequest
	event  *PaymentEvent

	done   bool
	result ChangePlanResult
	err    error
}

func (s *subscription) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QuerySubscriptionStatus, func() (SubscriptionStatus, error) {
		return s.status(), nil
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCancel,
		func(ctx workflow.Context, req CancelRequest) (SubscriptionStatus, error) {
			c, err := s.enqueue(ctx, &subCommand{cancel: &req})
			return c.result.Status, err
		}, workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req CancelRequest) error {
			return s.validateOpen()
		}}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateChangePlan,
		func(ctx workflow.Context, req ChangePlanRequest) (ChangePlanResult, error) {
			c, err := s.enqueue(ctx, &subCommand{change: &req})
			return c.result, err
		}, workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req ChangePlanRequest) error {
			return s.validateChange(req)
		}}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdatePaymentMethod,
		func(ctx workflow.Context, req PaymentMethodRequest) (SubscriptionStatus, error) {
			c, err := s.enqueue(ctx, &subCommand{method: &req})
			return c.result.Status, err
		}, workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req PaymentMethodRequest) error {
			if len(req.PaymentMethod) < 4 || req.PaymentMethod[:3] != "pm_" || len(req.PaymentMethod) > 255 {
				return temporal.NewApplicationError("payment_method must be a payment method ID (pm_...)", ErrTypeInvalid)
			}
			return s.validateOpen()
		}}); err != nil {
		return err
	}
	s.events = workflow.GetSignalChannel(ctx, SignalPaymentEvent)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var ev PaymentEvent
			s.events.Receive(ctx, &ev)
			s.queue = append(s.queue, &subCommand{event: &ev, done: true})
		}
	})
	return nil
}

// enqueue hands a command to the main loop and waits for its outcome.
func (s *subscription) enqueue(ctx workflow.Context, c *subCommand) (*subCommand, error) {
	s.queue = append(s.queue, c)
	if err := workflow.Await(ctx, func() bool { return c.done }); err != nil {
		return c, err
	}
	return c, c.err
}

func (s *subscription) validateOpen() error {
	if s.ended {
		return temporal.NewApplicationError("the subscription is canceled", ErrTypeConflict)
	}
	return nil
}

func (s *subscription) validateChange(req ChangePlanRequest) error {
	if err := s.validateOpen(); err != nil {
		return err
	}
	switch {
	case req.PlanID == "":
		return temporal.NewApplicationError("plan is required", ErrTypeInvalid)
	case req.OfferingID != s.st.OfferingID:
		return temporal.NewApplicationError("that plan belongs to another offering", ErrTypeInvalid)
	case req.Currency != s.st.Currency:
		return temporal.NewApplicationError("that plan is priced in another currency", ErrTypeInvalid)
	case req.Price <= 0:
		return temporal.NewApplicationError("that plan has no "+s.st.BillingCycle+" price", ErrTypeInvalid)
	case s.st.State != subActive:
		return temporal.NewApplicationError("the subscription is "+s.st.State+": pay the open invoice before changing plans", ErrTypeConflict)
	case s.st.CancelAtPeriodEnd:
		return temporal.NewApplicationError("the subscription ends at period end: undo the cancellation before changing plans", ErrTypeConflict)
	case req.PlanID == s.st.Plan.PlanID && s.st.Pending == nil:
		return temporal.NewApplicationError("the subscription is already on this plan", ErrTypeConflict)
	case s.st.Pending != nil && req.PlanID == s.st.Pending.PlanID:
		return temporal.NewApplicationError("this plan is already scheduled for the renewal", ErrTypeConflict)
	}
	return nil
}

func (s *subscription) run(ctx workflow.Context) (SubscriptionResult, error) {
	for {
		s.drain(ctx)
		if s.ended {
			return s.finish(ctx, nil)
		}
		if s.rolled || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return s.finish(ctx, workflow.NewContinueAsNewError(ctx, SubscriptionWorkflowName, s.st))
		}
		switch s.st.State {
		case subActive:
			if !s.waitUntil(ctx, s.st.PeriodEnd) {
				continue
			}
			if s.st.CancelAtPeriodEnd {
				s.end(ctx, "canceled at period end")
				continue
			}
			s.renew(ctx)
		case subPastDue:
			next := s.nextRetry()
			if !s.waitUntil(ctx, next) {
				continue
			}
			s.st.Open.Retries++
			s.attempt(ctx)
		default: // suspended: a payment or a cancel moves it on; past the grace period it ends
			if s.st.SuspendedAt.IsZero() {
				s.st.SuspendedAt = workflow.Now(ctx).UTC()
			}
			left := s.st.SuspendedAt.Add(s.grace()).Sub(workflow.Now(ctx))
			if left > 0 {
				woke, _ := workflow.AwaitWithTimeout(ctx, left, func() bool {
					return len(s.queue) > 0 || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
				})
				if woke {
					continue
				}
			}
			s.end(ctx, "unpaid for "+graceText(s.grace())+" after suspension")
		}
	}
}

// finish lets every update still in flight get its answer, then ends the run.
func (s *subscription) finish(ctx workflow.Context, next error) (SubscriptionResult, error) {
	for {
		var ev PaymentEvent
		for s.events.ReceiveAsync(&ev) { // signals not yet picked up must not be lost
			e := ev
			s.queue = append(s.queue, &subCommand{event: &e, done: true})
		}
		s.drain(ctx)
		if len(s.pushes) > 0 {
			s.awaitPushes(ctx)
			continue
		}
		if len(s.queue) == 0 && workflow.AllHandlersFinished(ctx) {
			break
		}
		_ = workflow.Await(ctx, func() bool { return len(s.queue) > 0 || workflow.AllHandlersFinished(ctx) })
	}
	return SubscriptionResult{State: s.st.State, InvoicesPaid: s.st.InvoicesPaid}, next
}

// waitUntil sleeps until t; it returns false early when a command arrives.
func (s *subscription) waitUntil(ctx workflow.Context, t time.Time) bool {
	d := t.Sub(workflow.Now(ctx))
	if d <= 0 {
		return true
	}
	woke, _ := workflow.AwaitWithTimeout(ctx, d, func() bool { return len(s.queue) > 0 })
	return !woke
}

// drain applies queued commands in arrival order.
func (s *subscription) drain(ctx workflow.Context) {
	for len(s.queue) > 0 {
		c := s.queue[0]
		s.queue = s.queue[1:]
		switch {
		case s.ended && !c.done:
			c.err = temporal.NewApplicationError("the subscription is canceled", ErrTypeConflict)
		case c.cancel != nil:
			s.applyCancel(ctx, *c.cancel)
		case c.change != nil:
			c.result, c.err = s.applyChange(ctx, *c.change)
		case c.method != nil:
			c.err = s.applyPaymentMethod(ctx, c.method.PaymentMethod)
		case c.event != nil:
			s.applyPaymentEvent(ctx, *c.event)
		}
		if c.result.Status.SubscriptionID == "" {
			c.result.Status = s.status()
		}
		c.done = true
	}
}

func (s *subscription) status() SubscriptionStatus {
	st := SubscriptionStatus{
		SubscriptionID: s.st.SubscriptionID, State: s.st.State, PlanID: s.st.Plan.PlanID, Price: s.st.Plan.Price,
		Currency: s.st.Currency, BillingCycle: s.st.BillingCycle, Period: s.st.Period, PeriodStart: s.st.PeriodStart,
		PeriodEnd: s.st.PeriodEnd, CancelAtPeriodEnd: s.st.CancelAtPeriodEnd, InvoicesPaid: s.st.InvoicesPaid,
	}
	if s.ended {
		st.State = subCanceled
	}
	if s.st.Pending != nil {
		st.PendingPlanID = s.st.Pending.PlanID
	}
	if o := s.st.Open; o != nil {
		st.OpenInvoiceID, st.LastDeclineCode = o.ID, o.LastCode
		if s.st.State == subPastDue {
			next := s.nextRetry()
			st.NextRetryAt = &next
		}
	}
	return st
}

// publish shows the subscription in the Temporal UI: search attributes for
// finding it, a memo that reads as a sentence.
func (s *subscription) publish(ctx workflow.Context) {
	state := s.st.State
	if s.ended {
		state = subCanceled
	}
	_ = workflow.UpsertTypedSearchAttributes(ctx, orgKey.ValueSet(s.st.OrganizationID), offeringKey.ValueSet(s.st.OfferingID),
		providerKey.ValueSet(s.st.ProviderID), stateKey.ValueSet(state))
	_ = workflow.UpsertMemo(ctx, map[string]any{"summary": s.summary(state)})
}

// grace is how long a suspended subscription may stay unpaid.
func (s *subscription) grace() time.Duration {
	if s.st.SuspendedGrace > 0 {
		return s.st.SuspendedGrace
	}
	return DefaultSuspendedGrace
}

// graceText words a grace period for the agent's status reason.
func graceText(d time.Duration) string {
	n := int(d / (24 * time.Hour))
	if n == 1 {
		return "1 day"
	}
	if n < 1 {
		return d.String()
	}
	return strconv.Itoa(n) + " days"
}
