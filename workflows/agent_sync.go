package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cmp-platform/cmp/activities"
)

// AgentSync pushes the current state of one kind of an agent's configuration
// (keys, persona, branding, knowledge) to Site-Kit, retrying until it lands, and
// records the outcome on the read model.
func AgentSync(ctx workflow.Context, in AgentSyncInput) (AgentSyncResult, error) {
	ctx = workflow.WithActivityOptions(ctx, syncOptions)
	err := workflow.ExecuteActivity(ctx, a.PushAgentConfig, activities.PushAgentConfigInput{AgentID: in.AgentID, What: in.What, Version: in.Version}).Get(ctx, nil)
	lctx := workflow.WithLocalActivityOptions(ctx, bookkeepingOptions)
	res := activities.SyncOutcome{AgentID: in.AgentID, What: in.What, Version: in.Version}
	if err != nil {
		res.Error = syncFailure(err)
	}
	if rerr := workflow.ExecuteLocalActivity(lctx, a.RecordSyncOutcome, res).Get(ctx, nil); rerr != nil && err == nil {
		err = rerr
	}
	return AgentSyncResult{Version: in.Version}, err
}

// syncOptions retry a push for an hour (Site-Kit outages), then give up with the
// item marked failed; the next edit pushes the latest state anyway.
var syncOptions = workflow.ActivityOptions{
	StartToCloseTimeout:    15 * time.Second,
	ScheduleToCloseTimeout: time.Hour,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: 200 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: time.Minute,
		NonRetryableErrorTypes: []string{ErrTypeInvalid, ErrTypeNotFound},
	},
}

// syncFailure is the reason shown beside a failed item. Buyers read it, so it is
// Site-Kit's own refusal (an Invalid or NotFound application error) or a fixed
// sentence, never the Go or Temporal error text of a transport failure.
func syncFailure(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && (appErr.Type() == ErrTypeInvalid || appErr.Type() == ErrTypeNotFound) && appErr.Message() != "" {
		return appErr.Message()
	}
	return "Site-Kit did not confirm the change in time; it is pushed again with the next edit"
}
