package workflows_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/cmp-platform/cmp/activities"
	"github.com/cmp-platform/cmp/workflows"
)

// runSyncFailing runs AgentSync with a push that fails with pushErr and returns
// the outcome it records for the buyer to read.
func runSyncFailing(t *testing.T, pushErr error) activities.SyncOutcome {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(a)
	env.OnActivity(a.PushAgentConfig, mock.Anything, mock.Anything).Return(pushErr)
	var got activities.SyncOutcome
	env.OnActivity(a.RecordSyncOutcome, mock.Anything, mock.Anything).Return(func(_ context.Context, o activities.SyncOutcome) error {
		got = o
		return nil
	})
	env.ExecuteWorkflow(workflows.AgentSync, workflows.AgentSyncInput{AgentID: "agt_1", What: workflows.SyncPersona, Version: 7})
	require.True(t, env.IsWorkflowCompleted())
	require.Error(t, env.GetWorkflowError())
	return got
}

func TestAgentSync_FailureReasonNeverShowsTransportErrorText(t *testing.T) {
	t.Run("TransportFailureIsAFixedSentence", func(t *testing.T) {
		got := runSyncFailing(t, temporal.NewNonRetryableApplicationError(
			`Put "http://10.0.0.5:8090/v1/deployments/agt_1/persona": dial tcp 10.0.0.5:8090: connect: connection refused`, "wrapError", nil))
		require.NotEmpty(t, got.Error)
		for _, leak := range []string{"10.0.0.5", "dial tcp", "activity error", "scheduledEventID", "wrapError"} {
			require.NotContains(t, got.Error, leak)
		}
	})
	t.Run("SiteKitRefusalKeepsItsMessage", func(t *testing.T) {
		got := runSyncFailing(t, temporal.NewNonRetryableApplicationError("Site-Kit refused the deployment: greeting too long", workflows.ErrTypeInvalid, nil))
		require.Equal(t, "Site-Kit refused the deployment: greeting too long", got.Error)
		require.False(t, strings.Contains(got.Error, "activity error"))
	})
}
