package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cmp-platform/cmp/activities"
	"github.com/cmp-platform/cmp/models"
)

// MonthlyPayout pays every provider what it earned up to the end of a month:
// charges minus refunds minus the platform commission, since its last paid
// payout. One activity computes all payouts in one pass over the ledger; batches
// of providers are then paid by activities a few at a time, so 10,000 providers
// take 20 batches and the history stays a few hundred events. A provider whose
// transfer fails is recorded as failed and the run goes on.
func MonthlyPayout(ctx workflow.Context, in MonthlyPayoutInput) (PayoutSummary, error) {
	r := &payoutRun{in: in}
	if err := workflow.SetQueryHandler(ctx, QueryPayoutSummary, func() (PayoutSummary, error) { return r.sum, nil }); err != nil {
		return PayoutSummary{}, err
	}
	return r.run(ctx)
}

type payoutRun struct {
	in  MonthlyPayoutInput
	sum PayoutSummary
}

var scheduledStartKey = temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime")

func (r *payoutRun) run(ctx workflow.Context) (PayoutSummary, error) {
	now := workflow.Now(ctx).UTC()
	period := r.in.Period
	if period == "" {
		// A scheduled run pays the month before the time it was scheduled for,
		// even when it starts late (catch-up after an outage).
		at := now
		if t, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(scheduledStartKey); ok && !t.IsZero() {
			at = t
		}
		period = models.PreviousPeriod(at)
	}
	start, end, err := models.PeriodBounds(period)
	if err != nil {
		return r.sum, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeInvalid, nil)
	}
	if now.Before(start) {
		return r.sum, temporal.NewNonRetryableApplicationError("period "+period+" has not started yet", ErrTypeInvalid, nil)
	}
	cutoff := end
	if settled := now.Add(-settleMargin); settled.Before(end) {
		// A month to date: what is booked from here on goes into the next run. The
		// margin leaves bookings that are committing right now to that run too.
		cutoff = settled
	}
	r.sum = PayoutSummary{Period: period, State: PayoutRunRunning, Cutoff: cutoff}
	_ = workflow.UpsertTypedSearchAttributes(ctx, periodKey.ValueSet(period), stateKey.ValueSet(PayoutRunRunning))
	_ = workflow.UpsertMemo(ctx, map[string]any{"summary": "Payout run for " + period + ": computing"})

	actx := workflow.WithActivityOptions(ctx, preparePayoutOptions)
	var prep activities.PreparePayoutsResult
	if err := workflow.ExecuteActivity(actx, a.PreparePayouts, activities.PreparePayoutsInput{
		Period: period, Cutoff: cutoff, RunID: workflow.GetInfo(ctx).WorkflowExecution.ID, BatchSize: r.in.BatchSize,
	}).Get(ctx, &prep); err != nil {
		return r.sum, err
	}
	r.sum.Created, r.sum.Existing, r.sum.Batches = prep.Created, prep.Existing, len(prep.BatchStarts)
	r.payBatches(ctx, period, prep.BatchStarts)

	lctx := workflow.WithLocalActivityOptions(ctx, bookkeepingOptions)
	if err := workflow.ExecuteLocalActivity(lctx, a.SummarizePayouts, period).Get(ctx, &r.sum.Totals); err != nil {
		return r.sum, err
	}
	t := r.sum.Totals
	r.sum.State = PayoutRunCompleted
	if t.Held+t.Failed+t.Pending > 0 {
		r.sum.State = PayoutRunCompletedWithHolds
	}
	_ = workflow.UpsertTypedSearchAttributes(ctx, stateKey.ValueSet(r.sum.State),
		amountKey.ValueSet(t.Amount), providerCountKey.ValueSet(t.Providers))
	_ = workflow.UpsertMemo(ctx, map[string]any{
		"summary": fmt.Sprintf("Payout run for %s: %d providers, %d paid (%s), %d held, %d failed, %d carried; this run transferred %s",
			period, t.Providers, t.Paid, money(t.Amount, t.Currency), t.Held, t.Failed, t.Carried, money(r.sum.TransferredThisRun, t.Currency)),
		"totals": t,
	})
	return r.sum, nil
}

// payBatches runs the batch activities, at most Parallelism at a time, in order.
// A batch whose retries run out has its open payouts marked failed; the run goes on.
func (r *payoutRun) payBatches(ctx workflow.Context, period string, starts []string) {
	par := r.in.Parallelism
	if par <= 0 {
		par = 4
	}
	type inflight struct {
		in activities.PayoutBatchInput
		f  workflow.Future
	}
	var queue []inflight
	wait := func() {
		b := queue[0]
		queue = queue[1:]
		var res activities.PayoutBatchResult
		if err := b.f.Get(ctx, &res); err != nil {
			lctx := workflow.WithLocalActivityOptions(ctx, bookkeepingOptions)
			var n int64
			_ = workflow.ExecuteLocalActivity(lctx, a.FailPayoutBatch, activities.FailPayoutBatchInput{
				Period: period, From: b.in.From, To: b.in.To, At: workflow.Now(ctx).UTC(),
				Reason: "transfers kept failing; the amount goes into the next payout",
			}).Get(ctx, &n)
			res.Failed += n
		}
		r.sum.BatchesDone++
		r.sum.PaidThisRun += res.Paid
		r.sum.TransferredThisRun += res.Transferred
		r.sum.HeldThisRun += res.Held
		r.sum.FailedThisRun += res.Failed
	}
	actx := workflow.WithActivityOptions(ctx, payoutBatchOptions)
	for i, from := range starts {
		to := ""
		if i+1 < len(starts) {
			to = starts[i+1]
		}
		if len(queue) >= par {
			wait()
		}
		in := activities.PayoutBatchInput{Period: period, From: from, To: to}
		queue = append(queue, inflight{in: in, f: workflow.ExecuteActivity(actx, a.PayPayoutBatch, in)})
	}
	for len(queue) > 0 {
		wait()
	}
}

// PayoutAccount sets up one provider's payout account through the payment
// provider and stores it on the provider.
func PayoutAccount(ctx workflow.Context, in PayoutAccountInput) (PayoutAccountResult, error) {
	ctx = workflow.WithActivityOptions(ctx, paymentOptions)
	var res activities.PayoutAccountResult
	err := workflow.ExecuteActivity(ctx, a.SetUpPayoutAccount, activities.SetUpPayoutAccountInput{
		ProviderID: in.ProviderID, Country: in.Country, ReturnURL: in.ReturnURL, RefreshURL: in.RefreshURL, SandboxAccount: in.SandboxAccount,
	}).Get(ctx, &res)
	return PayoutAccountResult{AccountID: res.AccountID, OnboardingURL: res.OnboardingURL}, err
}

// money renders minor units for the memo, e.g. "1234.50 USD".
func money(minor int64, currency string) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, minor/100, minor%100, currency)
}

// settleMargin keeps a month-to-date cutoff behind bookings still committing.
const settleMargin = time.Second

var providerCountKey = temporal.NewSearchAttributeKeyInt64(SAProviderCount)

// preparePayoutOptions give the one-pass computation time for a large ledger.
var preparePayoutOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 10 * time.Minute,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 10,
		NonRetryableErrorTypes: []string{ErrTypeInvalid},
	},
}

// payoutBatchOptions retry a batch's transient transfer errors for a while; its
// paid payouts are skipped on retry and the transfer keys make repeats harmless.
var payoutBatchOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 10 * time.Minute,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: 2 * time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 6,
		NonRetryableErrorTypes: []string{ErrTypeInvalid},
	},
}
