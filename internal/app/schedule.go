package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cmp-platform/cmp/workflows"
)

// payoutCatchupWindow is how late a missed monthly run may still start (a
// Temporal outage over the 1st): a week, so a long weekend cannot skip a payout.
const payoutCatchupWindow = 7 * 24 * time.Hour

// PayoutScheduleID is the schedule of a task queue: the plain ID on the default
// queue, suffixed on others so test stacks sharing a namespace keep their own.
func PayoutScheduleID(taskQueue string) string {
	if taskQueue == "" || taskQueue == workflows.TaskQueue {
		return workflows.PayoutScheduleID
	}
	return workflows.PayoutScheduleID + "-" + taskQueue
}

// EnsurePayoutSchedule creates the monthly payout schedule unless it exists:
// 02:00 UTC on the 1st, overlapping runs skipped, missed runs caught up within a
// week. Every worker calls it at start; the first one creates it.
func EnsurePayoutSchedule(ctx context.Context, c client.Client, taskQueue string) error {
	id := PayoutScheduleID(taskQueue)
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: id,
		Spec: client.ScheduleSpec{
			CronExpressions: []string{workflows.PayoutScheduleCron},
			TimeZoneName:    "UTC",
		},
		Action: &client.ScheduleWorkflowAction{
			ID:        "payout-scheduled",
			Workflow:  workflows.MonthlyPayoutWorkflowName,
			Args:      []any{workflows.MonthlyPayoutInput{}},
			TaskQueue: taskQueue,
			Memo:      map[string]any{"summary": "Monthly payout run for the previous month"},
		},
		Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		CatchupWindow: payoutCatchupWindow,
		Memo:          map[string]any{"summary": "Pays providers their previous month's earnings at 02:00 UTC on the 1st"},
	})
	if err == nil || errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return nil
	}
	return fmt.Errorf("create payout schedule %s: %w", id, err)
}
