package workflows_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cmp-platform/cmp/activities"
	"github.com/cmp-platform/cmp/workflows"
)

func TestAgentHealth_SweepsEveryIntervalAndContinuesAsNew(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.AgentHealth, workflow.RegisterOptions{Name: workflows.AgentHealthWorkflowName})
	in := workflows.NewAgentHealthInput(15 * time.Second)
	require.Equal(t, 15*time.Second, in.Every)
	require.Equal(t, 45*time.Second, in.StaleAfter)
	var sweeps int
	start := env.Now()
	env.OnActivity(a.MarkSilentAgentsDegraded, mock.Anything, activities.MarkSilentAgentsInput{StaleAfter: 45 * time.Second}).
		Return(func(context.Context, activities.MarkSilentAgentsInput) (int64, error) {
			sweeps++
			if sweeps == 3 {
				return 0, errors.New("database briefly down") // a failed sweep must not end the sweeper
			}
			return 1, nil
		})
	env.ExecuteWorkflow(workflows.AgentHealthWorkflowName, in)
	require.True(t, env.IsWorkflowCompleted())
	var cont *workflow.ContinueAsNewError
	require.ErrorAs(t, env.GetWorkflowError(), &cont)
	require.GreaterOrEqual(t, sweeps, 500, "one sweep per interval, the failed one retried")
	require.GreaterOrEqual(t, env.Now().Sub(start), 500*15*time.Second, "sweeps are an interval apart")
}

func TestAgentHealth_SweepsAtMostEverySecondWithShortHeartbeats(t *testing.T) {
	in := workflows.NewAgentHealthInput(200 * time.Millisecond)
	require.Equal(t, time.Second, in.Every)
	require.Equal(t, 3*time.Second, in.StaleAfter, "never less than 3 s: jitter is not an outage")
}
