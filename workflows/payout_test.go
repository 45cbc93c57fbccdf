package workflows_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/cmp-platform/cmp/activities"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

func newPayoutEnv(t *testing.T, start time.Time) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(a)
	env.SetStartTime(start)
	return env
}

func TestMonthlyPayout_ScheduledRunPaysThePreviousMonthInBatchesAndSurvivesAFailedBatch(t *testing.T) {
	env := newPayoutEnv(t, time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
	env.OnActivity(a.PreparePayouts, mock.Anything, mock.MatchedBy(func(in activities.PreparePayoutsInput) bool {
		return in.Period == "2026-11" && in.Cutoff.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	})).Return(activities.PreparePayoutsResult{Created: 5, BatchStarts: []string{"prv_a", "prv_b", "prv_c", "prv_d", "prv_e"}}, nil).Once()
	var mu sync.Mutex
	var batches []activities.PayoutBatchInput
	env.OnActivity(a.PayPayoutBatch, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.PayoutBatchInput) (activities.PayoutBatchResult, error) {
			mu.Lock()
			batches = append(batches, in)
			mu.Unlock()
			if in.From == "prv_c" {
				return activities.PayoutBatchResult{}, errors.New("stripe is down")
			}
			return activities.PayoutBatchResult{Paid: 1, Transferred: 100}, nil
		})
	env.OnActivity(a.FailPayoutBatch, mock.Anything, mock.MatchedBy(func(in activities.FailPayoutBatchInput) bool {
		return in.Period == "2026-11" && in.From == "prv_c" && in.To == "prv_d"
	})).Return(int64(1), nil).Once()
	env.OnActivity(a.SummarizePayouts, mock.Anything, "2026-11").Return(models.PayoutTotals{Period: "2026-11", Providers: 5, Paid: 4, Failed: 1, Amount: 400}, nil).Once()

	env.ExecuteWorkflow(workflows.MonthlyPayout, workflows.MonthlyPayoutInput{Parallelism: 2})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError(), "one batch's failure must not fail the run")
	var sum workflows.PayoutSummary
	require.NoError(t, env.GetWorkflowResult(&sum))
	require.Equal(t, "2026-11", sum.Period)
	require.Equal(t, workflows.PayoutRunCompletedWithHolds, sum.State)
	require.Equal(t, 5, sum.Batches)
	require.Equal(t, 5, sum.BatchesDone)
	require.EqualValues(t, 4, sum.PaidThisRun)
	require.EqualValues(t, 400, sum.TransferredThisRun)
	require.EqualValues(t, 1, sum.FailedThisRun)
	// The last batch is open-ended; each batch ends where the next begins.
	seen := map[string]string{}
	for _, b := range batches {
		seen[b.From] = b.To
	}
	require.Equal(t, map[string]string{"prv_a": "prv_b", "prv_b": "prv_c", "prv_c": "prv_d", "prv_d": "prv_e", "prv_e": ""}, seen)
	v, err := env.QueryWorkflow(workflows.QueryPayoutSummary)
	require.NoError(t, err)
	var q workflows.PayoutSummary
	require.NoError(t, v.Get(&q))
	require.EqualValues(t, 400, q.Totals.Amount)
}

func TestMonthlyPayout_MonthToDateEndsAtTheRunTime(t *testing.T) {
	now := time.Date(2026, 12, 15, 9, 30, 0, 0, time.UTC)
	env := newPayoutEnv(t, now)
	env.OnActivity(a.PreparePayouts, mock.Anything, mock.MatchedBy(func(in activities.PreparePayoutsInput) bool {
		return in.Period == "2026-12" && in.Cutoff.Equal(now.Add(-time.Second))
	})).Return(activities.PreparePayoutsResult{}, nil).Once()
	env.OnActivity(a.SummarizePayouts, mock.Anything, "2026-12").Return(models.PayoutTotals{Period: "2026-12"}, nil).Once()
	env.ExecuteWorkflow(workflows.MonthlyPayout, workflows.MonthlyPayoutInput{Period: "2026-12"})
	require.NoError(t, env.GetWorkflowError())
	var sum workflows.PayoutSummary
	require.NoError(t, env.GetWorkflowResult(&sum))
	require.Equal(t, workflows.PayoutRunCompleted, sum.State)
	env.AssertExpectations(t)
}

func TestMonthlyPayout_ErrFuturePeriod(t *testing.T) {
	env := newPayoutEnv(t, time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC))
	env.ExecuteWorkflow(workflows.MonthlyPayout, workflows.MonthlyPayoutInput{Period: "2027-01"})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, env.GetWorkflowError(), &appErr)
	require.Equal(t, workflows.ErrTypeInvalid, appErr.Type())
}
