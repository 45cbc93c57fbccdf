package workflows

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cmp-platform/cmp/activities"
)

// Register adds every workflow, by its contract name, and the activities to w.
func Register(w worker.Registry, acts *activities.Activities) {
	for name, fn := range map[string]any{
		CheckoutWorkflowName:         Checkout,
		AgentSyncWorkflowName:        AgentSync,
		OfferingApprovalWorkflowName: OfferingApproval,
		AgentHealthWorkflowName:      AgentHealth,
		MonthlyPayoutWorkflowName:    MonthlyPayout,
		PayoutAccountWorkflowName:    PayoutAccount,
		SubscriptionWorkflowName:     Subscription,
	} {
		w.RegisterWorkflowWithOptions(fn, workflow.RegisterOptions{Name: name})
	}
	w.RegisterActivityWithOptions(acts, activity.RegisterOptions{})
}
