package workflows

import (
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// startSubscription hands a paid, active subscription to its long-lived billing
// workflow as an abandoned child (it outlives the checkout) and waits only until
// it has started. A failed start is logged, not fatal: the order is done and
// paid either way, and "already started" means the billing runs already.
func startSubscription(ctx workflow.Context, in SubscriptionInput) error {
	ctx = workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            SubscriptionWorkflowID(in.SubscriptionID),
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(orgKey.ValueSet(in.OrganizationID), offeringKey.ValueSet(in.OfferingID),
			providerKey.ValueSet(in.ProviderID), stateKey.ValueSet(subActive)),
	})
	var started workflow.Execution
	err := workflow.ExecuteChildWorkflow(ctx, SubscriptionWorkflowName, in).GetChildWorkflowExecution().Get(ctx, &started)
	if err != nil {
		workflow.GetLogger(ctx).Warn("subscription billing workflow not started", "subscription", in.SubscriptionID, "err", err)
	}
	return err
}

// subscriptionFromCheckout is the first billing state of a checkout's
// subscription: active, its first period paid by the checkout's charge.
func subscriptionFromCheckout(in CheckoutInput, r CheckoutResult, start, end time.Time) SubscriptionInput {
	return SubscriptionInput{
		SubscriptionID: r.SubscriptionID, OrganizationID: r.OrganizationID, ProviderID: in.ProviderID, OfferingID: in.OfferingID,
		OrderID: r.OrderID, AgentID: r.AgentID, CustomerEmail: in.CustomerEmail, AgentName: in.AgentName,
		Plan: PlanTerms{PlanID: in.PlanID, Price: in.Amount}, BillingCycle: in.BillingCycle,
		Currency: in.Currency, PaymentMethod: in.PaymentMethod,
		Anchor: start, Cycles: 1, Period: 1, PeriodStart: start, PeriodEnd: end, State: subActive,
	}
}
