package workflows

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cmp-platform/cmp/activities"
	"github.com/cmp-platform/cmp/models"
)

// DefaultApprovalSLA is how long a listing may wait for a decision before the
// reminder fires, when the input sets none.
const DefaultApprovalSLA = 48 * time.Hour

// OfferingApproval reviews a listing: for each (re)submission it runs the
// automated checks, then waits for an operator's approve or reject signal,
// reminding (then escalating) every SLA on a durable timer. Approval makes the
// listing live and ends the run; a rejection or failed checks wait for the next
// submission, keeping the history. Malformed signals are logged and ignored.
func OfferingApproval(ctx workflow.Context, in OfferingApprovalInput) (OfferingApprovalResult, error) {
	r := &approval{in: in, approveCh: workflow.GetSignalChannel(ctx, SignalApprove), rejectCh: workflow.GetSignalChannel(ctx, SignalReject)}
	r.status = OfferingApprovalStatus{OfferingID: in.OfferingID, State: ReviewIdle, Round: in.FirstRound,
		Checks: []activities.Check{}, History: append([]ReviewEvent{}, in.History...)}
	r.checked = in.FirstRound
	if err := r.setup(ctx); err != nil {
		return OfferingApprovalResult{}, err
	}
	res, err := r.run(ctx)
	// A submit update that arrived late must get its answer before the run closes.
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	return res, err
}

type approval struct {
	in                  OfferingApprovalInput
	status              OfferingApprovalStatus
	approveCh, rejectCh workflow.ReceiveChannel
	queued              *SubmitRequest // a submission waiting to start its round
	checked             int            // the last round whose checks have run
	last                SubmitResult   // the answer for round `checked`
}

// decision is a well-formed approve or reject.
type decision struct {
	approve          bool
	operator, reason string
}

func (r *approval) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryOfferingApprovalStatus, func() (OfferingApprovalStatus, error) {
		return r.status, nil
	}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateSubmit,
		func(ctx workflow.Context, req SubmitRequest) (SubmitResult, error) {
			round := r.status.Round + 1
			r.queued = &req
			if err := workflow.Await(ctx, func() bool { return r.checked >= round }); err != nil {
				return SubmitResult{}, err
			}
			return r.last, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req SubmitRequest) error {
			if r.queued != nil || r.status.State == ReviewChecking || r.status.State == ReviewPending {
				return temporal.NewApplicationError("the offering is already under review", ErrTypeConflict)
			}
			if r.status.State == ReviewApproved {
				return temporal.NewApplicationError("this review is closed: the offering was approved", ErrTypeConflict)
			}
			return nil
		}})
}

func (r *approval) run(ctx workflow.Context) (OfferingApprovalResult, error) {
	for {
		if err := r.awaitSubmission(ctx); err != nil {
			return OfferingApprovalResult{}, err
		}
		req := *r.queued
		r.queued = nil
		r.status.Round++
		round := r.status.Round
		r.status.RevisionID, r.status.State, r.status.Checks = req.RevisionID, ReviewChecking, []activities.Check{}
		r.setState(ctx, ReviewChecking)
		if err := r.record(ctx, models.ListingEventSubmitted, req.SubmittedBy, "", nil); err != nil {
			return OfferingApprovalResult{}, err
		}
		var res activities.CheckOfferingResult
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, checkOptions), a.CheckOffering,
			activities.CheckOfferingInput{OfferingID: r.in.OfferingID, RevisionID: req.RevisionID}).Get(ctx, &res)
		if err != nil {
			res = activities.CheckOfferingResult{Summary: "automated checks could not run: " + err.Error(),
				Checks: []activities.Check{{Name: "checks", Message: "automated checks could not run; submit again"}}}
		}
		r.status.Checks = res.Checks
		if !res.Passed {
			if err := r.record(ctx, models.ListingEventChecksFailed, "automated checks", res.Summary, res.Checks); err != nil {
				return OfferingApprovalResult{}, err
			}
			r.finishChecks(ctx, round, ReviewChecksFailed)
			continue
		}
		if err := r.record(ctx, models.ListingEventChecksPassed, "automated checks", "", res.Checks); err != nil {
			return OfferingApprovalResult{}, err
		}
		r.finishChecks(ctx, round, ReviewPending)
		d, err := r.awaitDecision(ctx)
		if err != nil {
			return OfferingApprovalResult{}, err
		}
		if d.approve {
			if err := r.record(ctx, models.ListingEventApproved, d.operator, d.reason, nil); err != nil {
				return OfferingApprovalResult{}, err
			}
			r.setState(ctx, ReviewApproved)
			return OfferingApprovalResult{Round: round, Operator: d.operator, Note: d.reason}, nil
		}
		if err := r.record(ctx, models.ListingEventRejected, d.operator, d.reason, nil); err != nil {
			return OfferingApprovalResult{}, err
		}
		r.setState(ctx, ReviewRejected)
	}
}

func (r *approval) finishChecks(ctx workflow.Context, round int, state string) {
	r.last = SubmitResult{Round: round, State: state, Checks: r.status.Checks}
	r.checked = round
	r.setState(ctx, state)
}

// awaitSubmission waits for a (re)submission. Decisions arriving meanwhile have
// nothing to decide: they are logged and dropped, so a stale approve can never
// approve a later submission unseen.
func (r *approval) awaitSubmission(ctx workflow.Context) error {
	for r.queued == nil {
		if err := workflow.Await(ctx, func() bool {
			return r.queued != nil || r.approveCh.Len() > 0 || r.rejectCh.Len() > 0
		}); err != nil {
			return err
		}
		for _, ch := range []workflow.ReceiveChannel{r.approveCh, r.rejectCh} {
			var raw json.RawMessage
			for ch.ReceiveAsync(&raw) {
				r.ignore(ctx, ch.Name(), "no submission is waiting for a decision (state "+r.status.State+")")
			}
		}
	}
	return nil
}

// awaitDecision waits for a well-formed approve or reject. Every SLA without one
// records a reminder (the first) or an escalation (the rest) on a durable timer.
func (r *approval) awaitDecision(ctx workflow.Context) (decision, error) {
	sla := r.in.SLA
	if sla <= 0 {
		sla = DefaultApprovalSLA
	}
	for {
		ok, err := workflow.AwaitWithTimeout(ctx, sla, func() bool { return r.approveCh.Len() > 0 || r.rejectCh.Len() > 0 })
		if err != nil {
			return decision{}, err
		}
		if !ok {
			r.status.Reminders++
			note := "no decision after " + sla.String() + ": reminder"
			if r.status.Reminders > 1 {
				note = "no decision after " + (sla * time.Duration(r.status.Reminders)).String() + ": escalation " + strconv.Itoa(r.status.Reminders-1)
			}
			if err := r.record(ctx, models.ListingEventReminder, "sla timer", note, nil); err != nil {
				return decision{}, err
			}
			continue
		}
		var raw json.RawMessage
		if r.approveCh.ReceiveAsync(&raw) {
			var s ApproveSignal
			if why := decodeSignal(raw, &s); why != "" {
				r.ignore(ctx, SignalApprove, why)
			} else if s.Operator = strings.TrimSpace(s.Operator); s.Operator == "" {
				r.ignore(ctx, SignalApprove, `"operator" is required`)
			} else {
				return decision{approve: true, operator: s.Operator, reason: s.Note}, nil
			}
			continue
		}
		if r.rejectCh.ReceiveAsync(&raw) {
			var s RejectSignal
			if why := decodeSignal(raw, &s); why != "" {
				r.ignore(ctx, SignalReject, why)
			} else if s.Operator, s.Reason = strings.TrimSpace(s.Operator), strings.TrimSpace(s.Reason); s.Operator == "" || s.Reason == "" {
				r.ignore(ctx, SignalReject, `"operator" and "reason" are required`)
			} else {
				return decision{operator: s.Operator, reason: s.Reason}, nil
			}
		}
	}
}

// decodeSignal decodes a JSON object payload, returning why it is malformed.
// Decoding bytes already in the history is pure; workflowcheck cannot tell the
// reflection inside encoding/json from real non-determinism, hence the ignore.
//
//workflowcheck:ignore
func decodeSignal(raw json.RawMessage, v any) string {
	if len(raw) == 0 || raw[0] != '{' {
		return "payload is not a JSON object"
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return "payload does not decode: " + err.Error()
	}
	return ""
}

func (r *approval) ignore(ctx workflow.Context, signal, why string) {
	r.status.Ignored++
	workflow.GetLogger(ctx).Warn("ignored malformed or untimely signal", "signal", signal, "reason", why, "offering", r.in.OfferingID)
}

// record writes a review step to the read model and appends it to the history.
func (r *approval) record(ctx workflow.Context, kind, actor, note string, checks []activities.Check) error {
	at := workflow.Now(ctx).UTC()
	info := workflow.GetInfo(ctx)
	n := len(r.status.History)
	rec := activities.ReviewRecord{OfferingID: r.in.OfferingID, RevisionID: r.status.RevisionID, Round: r.status.Round, Kind: kind,
		Actor: actor, Note: note, Checks: checks, At: at,
		DedupeKey: info.WorkflowExecution.RunID + "/" + strconv.Itoa(r.status.Round) + "/" + strconv.Itoa(n) + "/" + kind}
	lctx := workflow.WithLocalActivityOptions(ctx, bookkeepingOptions)
	if err := workflow.ExecuteLocalActivity(lctx, a.RecordReview, rec).Get(ctx, nil); err != nil {
		return err
	}
	r.status.History = append(r.status.History, ReviewEvent{Round: r.status.Round, Kind: kind, Actor: actor, Note: note, RevisionID: r.status.RevisionID, At: at})
	return nil
}

func (r *approval) setState(ctx workflow.Context, state string) {
	r.status.State = state
	_ = workflow.UpsertTypedSearchAttributes(ctx, stateKey.ValueSet(state))
}

// checkOptions retry the checks through Site-Kit outages for up to an hour.
var checkOptions = workflow.ActivityOptions{
	StartToCloseTimeout:    30 * time.Second,
	ScheduleToCloseTimeout: time.Hour,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: 200 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: time.Minute,
		NonRetryableErrorTypes: []string{ErrTypeInvalid, ErrTypeNotFound},
	},
}
