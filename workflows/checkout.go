package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cmp-platform/cmp/activities"
)

// Checkout buys one plan for a buyer: organization and project when missing, order,
// payment, provisioning on Site-Kit, then an active subscription and running agent.
// A decline fails the order and provisions nothing; provisioning that fails for good
// refunds the payment. The confirm update answers as soon as payment is settled.
func Checkout(ctx workflow.Context, in CheckoutInput) (CheckoutResult, error) {
	c := &checkout{in: in, step: "starting"}
	if err := c.setup(ctx); err != nil {
		return CheckoutResult{}, err
	}
	res, err := c.run(ctx)
	// An update that arrived late must get its answer before the run closes.
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	return res, err
}

// a is the nil receiver workflows use to name activities.
var a *activities.Activities

type checkout struct {
	in      CheckoutInput
	step    string
	result  CheckoutResult
	settled bool  // payment outcome known
	payErr  error // set when payment failed; returned by the confirm update
}

func (c *checkout) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryCheckoutStatus, func() (CheckoutStatus, error) {
		return CheckoutStatus{Step: c.step, Result: c.result}, nil
	}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateConfirm,
		func(ctx workflow.Context, req ConfirmRequest) (CheckoutResult, error) {
			if err := workflow.Await(ctx, func() bool { return c.settled }); err != nil {
				return CheckoutResult{}, err
			}
			return c.result, c.payErr
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req ConfirmRequest) error {
			if req.RequestHash != c.in.RequestHash {
				return temporal.NewApplicationError("this Idempotency-Key was used with a different request", ErrTypeConflict)
			}
			return nil
		}})
}

func (c *checkout) run(ctx workflow.Context) (CheckoutResult, error) {
	lctx := workflow.WithLocalActivityOptions(ctx, bookkeepingOptions)
	var org activities.EnsureOrganizationResult
	c.step = "organization"
	if err := workflow.ExecuteLocalActivity(lctx, a.EnsureOrganization, activities.EnsureOrganizationInput{
		UserID: c.in.UserID, OrganizationID: c.in.OrganizationID, ProjectID: c.in.ProjectID,
	}).Get(ctx, &org); err != nil {
		return c.fail(ctx, err, "organization_failed")
	}
	var refs CheckoutRefs
	info := workflow.GetInfo(ctx)
	if err := workflow.ExecuteLocalActivity(lctx, a.CreatePurchase, activities.CreatePurchaseInput{
		WorkflowID: info.WorkflowExecution.ID, UserID: c.in.UserID, IdempotencyKey: c.in.IdempotencyKey,
		RequestHash: c.in.RequestHash, OfferingID: c.in.OfferingID, PlanID: c.in.PlanID, BillingCycle: c.in.BillingCycle,
		Amount: c.in.Amount, Currency: c.in.Currency, PaymentMethod: c.in.PaymentMethod, AgentName: c.in.AgentName, Org: org,
		At: workflow.Now(ctx).UTC(),
	}).Get(ctx, &refs); err != nil {
		return c.fail(ctx, err, "order_failed")
	}
	c.result.CheckoutRefs = refs
	c.setState(ctx, "executing", "pending", "provisioning")
	_ = workflow.UpsertTypedSearchAttributes(ctx,
		orgKey.ValueSet(refs.OrganizationID), orderKey.ValueSet(refs.OrderID), stateKey.ValueSet("executing"))

	// Payment.
	c.step = "payment"
	if err := c.record(ctx, activities.CheckoutProgress{Step: "payment", StepState: "started", OrderState: "executing"}); err != nil {
		return c.fail(ctx, err, "order_failed")
	}
	var charge activities.ChargeResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, paymentOptions), a.Charge, activities.ChargeInput{
		IdempotencyKey: "charge-" + refs.OrderID, Amount: c.in.Amount, Currency: c.in.Currency,
		PaymentMethod: c.in.PaymentMethod, CustomerEmail: c.in.CustomerEmail,
		Description: c.in.AgentName, Metadata: map[string]string{"order_id": refs.OrderID, "offering_id": c.in.OfferingID},
	}).Get(ctx, &charge)
	if err != nil {
		return c.declined(ctx, err)
	}
	c.result.ChargeID = charge.ChargeID
	if err := c.record(ctx, activities.CheckoutProgress{Step: "payment", StepState: "completed", Detail: charge.ChargeID,
		ChargeID: charge.ChargeID, LedgerKind: "charge", LedgerAmount: c.in.Amount}); err != nil {
		return c.fail(ctx, err, "order_failed")
	}
	c.settled = true

	// Provisioning: retried through Site-Kit outages until the deadline.
	c.step = "provisioning"
	_ = c.record(ctx, activities.CheckoutProgress{Step: "provisioning", StepState: "started"})
	var prov activities.ProvisionResult
	popts := provisionOptions
	popts.ScheduleToCloseTimeout = c.deadline()
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, popts), a.Provision,
		activities.ProvisionInput{AgentID: refs.AgentID}).Get(ctx, &prov); err != nil {
		return c.refund(ctx, charge.ChargeID, provisioningReason(err))
	}

	// Activation.
	c.step = "activation"
	start := workflow.Now(ctx).UTC()
	end := start.AddDate(0, 1, 0)
	if c.in.BillingCycle == "annual" {
		end = start.AddDate(1, 0, 0)
	}
	if err := c.record(ctx, activities.CheckoutProgress{Step: "provisioning", StepState: "completed", Detail: prov.MCPURL,
		MCPURL: prov.MCPURL, OrderState: "done", SubscriptionState: "active", AgentStatus: "running",
		PeriodStart: &start, PeriodEnd: &end}); err != nil {
		return c.fail(ctx, err, "order_failed")
	}
	c.setState(ctx, "done", "active", "running")
	// Hand the subscription to its long-lived billing workflow (waits for its start only).
	c.step = "billing"
	_ = startSubscription(ctx, subscriptionFromCheckout(c.in, c.result, start, end))
	c.step = "done"
	_ = workflow.UpsertTypedSearchAttributes(ctx, stateKey.ValueSet("done"))
	return c.result, nil
}

// declined fails the order after a payment error; nothing was provisioned.
func (c *checkout) declined(ctx workflow.Context, err error) (CheckoutResult, error) {
	code, msg := "payment_failed", "the payment could not be completed"
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		var d activities.DeclineDetails
		if appErr.HasDetails() && appErr.Details(&d) == nil && d.Code != "" {
			code, msg = d.Code, d.Message
		}
	}
	c.result.ErrorCode, c.result.ErrorMessage = code, msg
	_ = c.record(ctx, activities.CheckoutProgress{Step: "payment", StepState: "failed", Detail: code,
		OrderState: "erred", SubscriptionState: "failed", AgentStatus: "failed", ErrorCode: code, ErrorMessage: msg})
	c.setState(ctx, "erred", "failed", "failed")
	c.payErr = temporal.NewNonRetryableApplicationError(msg, ErrTypeDeclined, nil, activities.DeclineDetails{Code: code, Message: msg})
	c.settled = true
	c.step = "done"
	_ = workflow.UpsertTypedSearchAttributes(ctx, stateKey.ValueSet("erred"))
	return c.result, nil
}

// refund compensates a payment whose agent could not be provisioned.
func (c *checkout) refund(ctx workflow.Context, chargeID, reason string) (CheckoutResult, error) {
	c.step = "refund"
	_ = c.record(ctx, activities.CheckoutProgress{Step: "provisioning", StepState: "failed", Detail: reason})
	var refundID string
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, refundOptions), a.Refund, activities.RefundInput{
		IdempotencyKey: "refund-" + c.result.OrderID, ChargeID: chargeID, Amount: c.in.Amount, Reason: "provisioning_failed",
	}).Get(ctx, &refundID); err != nil {
		// The refund itself could not land within its window: keep the order visible as erred
		// with the reason; the ledger shows the charge without a refund for operators.
		reason += "; refund pending operator action"
	}
	c.result.ErrorCode, c.result.ErrorMessage = "provisioning_failed", reason
	p := activities.CheckoutProgress{Step: "refund", StepState: "completed", Detail: refundID, RefundID: refundID,
		OrderState: "erred", SubscriptionState: "failed", AgentStatus: "failed", ErrorCode: "provisioning_failed", ErrorMessage: reason}
	if refundID != "" {
		p.LedgerKind, p.LedgerAmount = "refund", c.in.Amount
	} else {
		p.StepState = "failed"
	}
	_ = c.record(ctx, p)
	c.setState(ctx, "erred", "failed", "failed")
	c.step = "done"
	_ = workflow.UpsertTypedSearchAttributes(ctx, stateKey.ValueSet("erred"))
	return c.result, nil
}

// fail ends a checkout whose bookkeeping could not proceed (before any payment).
func (c *checkout) fail(ctx workflow.Context, err error, code string) (CheckoutResult, error) {
	msg := "the order could not be created"
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		msg = appErr.Message()
		if t := appErr.Type(); t == ErrTypeForbidden || t == ErrTypeNotFound || t == ErrTypeInvalid {
			code = map[string]string{ErrTypeForbidden: "forbidden", ErrTypeNotFound: "not_found", ErrTypeInvalid: "invalid"}[t]
		}
	}
	c.result.ErrorCode, c.result.ErrorMessage = code, msg
	if c.result.OrderID != "" {
		_ = c.record(ctx, activities.CheckoutProgress{OrderState: "erred", SubscriptionState: "failed", AgentStatus: "failed", ErrorCode: code, ErrorMessage: msg})
	}
	c.setState(ctx, "erred", "failed", "failed")
	if !c.settled {
		c.payErr = temporal.NewNonRetryableApplicationError(msg, ErrTypeInvalid, nil, activities.DeclineDetails{Code: code, Message: msg})
		c.settled = true
	}
	c.step = "done"
	return c.result, nil
}

func (c *checkout) record(ctx workflow.Context, p activities.CheckoutProgress) error {
	p.Refs = c.result.CheckoutRefs
	p.At = workflow.Now(ctx).UTC()
	p.Currency, p.ProviderID, p.OfferingID, p.PlanID = c.in.Currency, c.in.ProviderID, c.in.OfferingID, c.in.PlanID
	lctx := workflow.WithLocalActivityOptions(ctx, bookkeepingOptions)
	return workflow.ExecuteLocalActivity(lctx, a.RecordCheckoutProgress, p).Get(ctx, nil)
}

func (c *checkout) setState(_ workflow.Context, order, sub, agent string) {
	c.result.OrderState, c.result.SubscriptionState, c.result.AgentStatus = order, sub, agent
}

func (c *checkout) deadline() time.Duration {
	if c.in.ProvisionDeadline > 0 {
		return c.in.ProvisionDeadline
	}
	return 10 * time.Minute
}

func provisioningReason(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.Type() == ErrTypeProvisioning {
		return appErr.Message()
	}
	// Anything else is retryable (Site-Kit down, 5xx, timeouts): it only ends once the
	// deadline leaves no room for another attempt, and the server then reports the
	// last attempt's error rather than a timeout.
	return "Site-Kit was unreachable until the provisioning deadline"
}
