package activities

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cmp-platform/cmp/internal/payments"
	"github.com/cmp-platform/cmp/models"
)

// transferConcurrency bounds the transfers one batch has in flight: enough to hide
// Stripe's latency, few enough to stay far below its rate limit.
const transferConcurrency = 8

// Reasons recorded on payouts that were not paid.
const (
	ReasonNoAccount  = "no payout account: set one with POST /api/v1/provider/payout-method; the amount is carried into the next payout"
	ReasonNegative   = "refunds exceed charges: the balance is carried into the next payout"
	ReasonSuperseded = "a later payout already covers part of this one; its money goes into the next payout"
	ReasonNothingDue = "nothing due"
)

// PreparePayoutsInput asks for a period's payouts to be computed.
type PreparePayoutsInput struct {
	Period    string
	Cutoff    time.Time
	RunID     string
	BatchSize int
}

// PreparePayoutsResult is what the computation found.
type PreparePayoutsResult = models.PreparePayoutsResult

// PreparePayouts computes the period's payouts (one SQL pass over the ledger) and
// stores those the period lacks. Safe to repeat: existing rows are left alone.
func (a *Activities) PreparePayouts(ctx context.Context, in PreparePayoutsInput) (PreparePayoutsResult, error) {
	if _, _, err := models.PeriodBounds(in.Period); err != nil {
		return PreparePayoutsResult{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeInvalid, err)
	}
	return a.Store.PreparePayouts(ctx, models.PreparePayoutsInput{
		Period: in.Period, Cutoff: in.Cutoff, CommissionBPS: a.CommissionBPS, RunID: in.RunID, BatchSize: in.BatchSize,
	})
}

// PayoutBatchInput names one batch of a period's open payouts: providers in [From, To).
type PayoutBatchInput struct {
	Period   string
	From, To string // To "" means the last batch
}

// PayoutBatchResult counts what one batch did.
type PayoutBatchResult struct {
	Paid, Held, Failed, Carried int64
	// Transferred is what this attempt paid out (minor units); a re-run adds nothing.
	Transferred int64
}

// PayPayoutBatch pays one batch: a transfer per payout with the payout ID as
// idempotency key, so a retry (or a second run of the period) never pays twice.
// A refused transfer fails only its payout. Transient errors leave the payout
// pending and fail the attempt after the others are recorded, so Temporal retries
// just those.
func (a *Activities) PayPayoutBatch(ctx context.Context, in PayoutBatchInput) (PayoutBatchResult, error) {
	var res PayoutBatchResult
	open, err := a.Store.OpenPayouts(ctx, in.Period, in.From, in.To)
	if err != nil {
		return res, err
	}
	outs := make([]models.PayoutOutcome, len(open))
	var toPay []int
	for i, p := range open {
		o := models.PayoutOutcome{PayoutID: p.ID, At: a.now(), Destination: p.Account}
		switch {
		case p.Superseded:
			o.State, o.Reason = models.PayoutCarried, ReasonSuperseded
		case p.Amount < 0:
			o.State, o.Reason = models.PayoutHeld, ReasonNegative
		case p.Amount == 0:
			o.State, o.Reason = models.PayoutPaid, ReasonNothingDue
		case p.Account == "":
			o.State, o.Reason = models.PayoutHeld, ReasonNoAccount
		default:
			toPay = append(toPay, i)
		}
		outs[i] = o
	}
	// Claim before paying: a run of another period for the same provider at the
	// same moment must not transfer an overlapping window too.
	cands := make([]models.PayoutToPay, 0, len(toPay))
	for _, i := range toPay {
		cands = append(cands, open[i])
	}
	claimed, err := a.Store.ClaimPayouts(ctx, cands)
	if err != nil {
		return res, err
	}
	var retry []error
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, transferConcurrency)
	for _, i := range toPay {
		p := open[i]
		if !claimed[p.ID] {
			outs[i].State, outs[i].Reason = models.PayoutCarried, ReasonSuperseded
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(i int, p models.PayoutToPay, o models.PayoutOutcome) {
			defer func() { <-sem; wg.Done() }()
			o = a.transfer(ctx, p, o)
			mu.Lock()
			defer mu.Unlock()
			if o.State == "" {
				retry = append(retry, fmt.Errorf("payout %s: %s", p.ID, o.Reason))
			}
			outs[i] = o
		}(i, p, outs[i])
	}
	wg.Wait()
	settled := outs[:0]
	for i, o := range outs {
		if o.State == "" {
			continue
		}
		settled = append(settled, o)
		switch o.State {
		case models.PayoutPaid:
			res.Paid++
			res.Transferred += open[i].Amount
		case models.PayoutHeld:
			res.Held++
		case models.PayoutFailed:
			res.Failed++
		case models.PayoutCarried:
			res.Carried++
		}
	}
	if err := a.Store.SettlePayouts(ctx, settled); err != nil {
		return res, err
	}
	activity.RecordHeartbeat(ctx, res)
	if len(retry) > 0 {
		return res, fmt.Errorf("%d transfers did not go through and will be retried; first: %w", len(retry), retry[0])
	}
	return res, nil
}

// transfer pays one payout; an empty State in the outcome means "retry later".
func (a *Activities) transfer(ctx context.Context, p models.PayoutToPay, o models.PayoutOutcome) models.PayoutOutcome {
	tr, err := a.Payments.Transfer(ctx, payments.TransferRequest{
		IdempotencyKey: p.ID, Destination: p.Account, AmountMinor: p.Amount, Currency: p.Currency,
		Description: "CMP payout " + p.Period, Metadata: map[string]string{"payout_id": p.ID, "provider_id": p.ProviderID, "period": p.Period},
	})
	if err == nil {
		o.State, o.TransferID = models.PayoutPaid, tr.ID
		return o
	}
	if te, ok := payments.IsTransferFailure(err); ok {
		o.State, o.Reason = models.PayoutFailed, "transfer refused ("+te.Code+"): "+te.Message+"; the amount goes into the next payout"
		return o
	}
	if ie, ok := payments.IsInvalid(err); ok {
		o.State, o.Reason = models.PayoutFailed, "transfer rejected ("+ie.Code+"): "+ie.Message+"; the amount goes into the next payout"
		return o
	}
	a.log().Warn("payout transfer error, will retry", "payout", p.ID, "provider", p.ProviderID, "err", err)
	o.Reason = err.Error()
	return o
}

// FailPayoutBatchInput closes a batch whose transfers kept erroring.
type FailPayoutBatchInput struct {
	Period, From, To, Reason string
	At                       time.Time
}

// FailPayoutBatch (local) marks a batch's still-pending payouts failed so one
// provider's outage cannot keep the whole run open; the next run carries them.
func (a *Activities) FailPayoutBatch(ctx context.Context, in FailPayoutBatchInput) (int64, error) {
	return a.Store.FailOpenPayouts(ctx, in.Period, in.From, in.To, in.Reason, in.At)
}

// SummarizePayouts (local) totals a period's payouts from the database, the
// source of truth, for the run's search attributes, memo and summary query.
func (a *Activities) SummarizePayouts(ctx context.Context, period string) (models.PayoutTotals, error) {
	return a.Store.PeriodPayoutTotals(ctx, period)
}

// SetUpPayoutAccountInput asks for a provider's payout account.
type SetUpPayoutAccountInput struct {
	ProviderID string
	Country    string
	ReturnURL  string
	RefreshURL string
	// SandboxAccount, only honoured by the sandbox provider, is stored as is: it
	// lets development and tests pick a destination (acct_fail... fails transfers).
	SandboxAccount string
}

// PayoutAccountResult is the account and where its owner completes onboarding.
type PayoutAccountResult struct {
	AccountID     string
	OnboardingURL string
}

// SetUpPayoutAccount creates the provider's Connect account (idempotency key
// from the provider and country, so a retry returns the same account) and stores
// it on the provider.
func (a *Activities) SetUpPayoutAccount(ctx context.Context, in SetUpPayoutAccountInput) (PayoutAccountResult, error) {
	var out PayoutAccountResult
	if in.SandboxAccount != "" {
		if a.Payments.Name() != payments.ProviderSandbox {
			return out, temporal.NewNonRetryableApplicationError("account_id can only be chosen with the sandbox payment provider", ErrTypeInvalid, nil)
		}
		out.AccountID = in.SandboxAccount
	} else {
		acct, err := a.Payments.CreateConnectAccount(ctx, payments.ConnectAccountRequest{
			IdempotencyKey: "payout-account-" + in.ProviderID + "-" + in.Country, Country: in.Country,
			ReturnURL: in.ReturnURL, RefreshURL: in.RefreshURL,
		})
		if err != nil {
			if ie, ok := payments.IsInvalid(err); ok {
				return out, temporal.NewNonRetryableApplicationError(ie.Message, ErrTypeInvalid, err)
			}
			return out, err
		}
		out = PayoutAccountResult{AccountID: acct.ID, OnboardingURL: acct.OnboardingURL}
	}
	if err := a.Store.SetPayoutAccount(ctx, in.ProviderID, out.AccountID); err != nil {
		return out, domainError(err)
	}
	return out, nil
}
