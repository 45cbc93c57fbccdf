package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/cmp-platform/cmp/activities"
)

// healthSweepsPerRun bounds the history; the sweeper then continues as new.
const healthSweepsPerRun = 500

// AgentHealth sweeps the fleet forever: every interval, running agents whose
// heartbeats stopped become degraded. One sweeper (one UPDATE per interval)
// instead of a timer per agent keeps the cost flat as the fleet grows; the
// heartbeat endpoint brings a degraded agent back to running.
func AgentHealth(ctx workflow.Context, in AgentHealthInput) error {
	lctx := workflow.WithLocalActivityOptions(ctx, bookkeepingOptions)
	for range healthSweepsPerRun {
		if err := workflow.Sleep(ctx, in.Every); err != nil {
			return err
		}
		var n int64
		if err := workflow.ExecuteLocalActivity(lctx, a.MarkSilentAgentsDegraded,
			activities.MarkSilentAgentsInput{StaleAfter: in.StaleAfter}).Get(ctx, &n); err != nil {
			workflow.GetLogger(ctx).Warn("health sweep failed; next sweep retries", "err", err)
		}
	}
	return workflow.NewContinueAsNewError(ctx, AgentHealthWorkflowName, in)
}
