package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cmp-platform/cmp/activities"
	"github.com/cmp-platform/cmp/workflows"
)

func TestCheckout_PaidOrderHandsItsSubscriptionToBilling(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.Checkout, workflow.RegisterOptions{Name: workflows.CheckoutWorkflowName})
	env.RegisterWorkflowWithOptions(workflows.Subscription, workflow.RegisterOptions{Name: workflows.SubscriptionWorkflowName})
	env.RegisterActivity(&activities.Activities{})
	purchase := activities.PurchaseRefs{OrderID: "ord_9", OrganizationID: "org_9", ProjectID: "prj_9", SubscriptionID: "sub_9", AgentID: "agt_9"}
	env.OnActivity(subActs.EnsureOrganization, mock.Anything, mock.Anything).Return(activities.EnsureOrganizationResult{OrganizationID: "org_9", ProjectID: "prj_9"}, nil)
	env.OnActivity(subActs.CreatePurchase, mock.Anything, mock.Anything).Return(purchase, nil)
	env.OnActivity(subActs.RecordCheckoutProgress, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(subActs.Charge, mock.Anything, mock.Anything).Return(activities.ChargeResult{ChargeID: "ch_9"}, nil)
	env.OnActivity(subActs.Provision, mock.Anything, mock.Anything).Return(activities.ProvisionResult{MCPURL: "http://sk/mcp/agt_9"}, nil)

	var childID string
	var started workflows.SubscriptionInput
	env.SetOnChildWorkflowStartedListener(func(info *workflow.Info, _ workflow.Context, args converter.EncodedValues) {
		childID = info.WorkflowExecution.ID
		require.NoError(t, args.Get(&started))
	})
	// The billing workflow runs for months; here it only has to be started.
	env.OnWorkflow(workflows.SubscriptionWorkflowName, mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, _ workflows.SubscriptionInput) (workflows.SubscriptionResult, error) {
			return workflows.SubscriptionResult{State: "active"}, nil
		})

	env.ExecuteWorkflow(workflows.CheckoutWorkflowName, workflows.CheckoutInput{
		UserID: "usr_9", IdempotencyKey: "k9", RequestHash: "h9", OfferingID: "off_9", ProviderID: "prv_9", PlanID: "pln_9",
		BillingCycle: "annual", Amount: 29000, Currency: "usd", PaymentMethod: "pm_card_visa", CustomerEmail: "b@example.com",
		AgentName: "Helper", ProvisionDeadline: time.Minute,
	})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.CheckoutResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, "done", res.OrderState)

	require.Equal(t, workflows.SubscriptionWorkflowID("sub_9"), childID)
	require.Equal(t, "subscription-sub_9", childID)
	require.Equal(t, "sub_9", started.SubscriptionID)
	require.Equal(t, "agt_9", started.AgentID)
	require.Equal(t, "prv_9", started.ProviderID, "renewal charges name the provider for payouts")
	require.Equal(t, workflows.PlanTerms{PlanID: "pln_9", Price: 29000}, started.Plan)
	require.Equal(t, "annual", started.BillingCycle)
	require.Equal(t, 1, started.Period)
	require.Equal(t, started.PeriodStart.AddDate(1, 0, 0), started.PeriodEnd, "the first period is the one checkout charged")
	require.Equal(t, "active", started.State)
}
