package activities_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/cmp-platform/cmp/activities"
	"github.com/cmp-platform/cmp/internal/app"
	"github.com/cmp-platform/cmp/internal/config"
	"github.com/cmp-platform/cmp/internal/payments"
	"github.com/cmp-platform/cmp/internal/seed"
	"github.com/cmp-platform/cmp/models"
)

// flakyTransfers fails the first n transfers with a network-style error.
type flakyTransfers struct {
	*payments.Sandbox
	fails atomic.Int64
}

func (f *flakyTransfers) Transfer(c context.Context, req payments.TransferRequest) (payments.Transfer, error) {
	if f.fails.Add(-1) >= 0 {
		return payments.Transfer{}, errors.New("connection reset by peer")
	}
	return f.Sandbox.Transfer(c, req)
}

func TestPayPayoutBatch_TransientTransferErrorsAreRetriedWithoutPayingTwice(t *testing.T) {
	store, err := app.OpenStore(ctx, config.Config{DatabaseURL: "sqlite://" + filepath.Join(t.TempDir(), "cmp.db")})
	require.NoError(t, err)
	_, err = seed.Run(ctx, store)
	require.NoError(t, err)
	var provs []models.Provider
	require.NoError(t, store.WithContext(ctx).Order("id").Find(&provs).Error)
	at := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	for i, p := range provs {
		require.NoError(t, store.SetPayoutAccount(ctx, p.ID, "acct_ok_"+p.Slug))
		require.NoError(t, store.RecordLedger(ctx, models.LedgerEntry{ID: models.NewID("led"), Kind: models.LedgerCharge,
			Amount: int64(1000 * (i + 1)), Currency: "usd", ProviderID: p.ID, ExternalRef: p.ID, DedupeKey: "charge:" + p.ID,
			OccurredAt: at, CreatedAt: at}))
	}
	flaky := &flakyTransfers{Sandbox: payments.NewSandbox()}
	flaky.fails.Store(1)
	acts := &activities.Activities{Store: store, Payments: flaky, CommissionBPS: 2000, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	prep, err := acts.PreparePayouts(ctx, activities.PreparePayoutsInput{Period: "2026-10", Cutoff: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), BatchSize: 500})
	require.NoError(t, err)
	require.EqualValues(t, len(provs), prep.Created)
	require.Len(t, prep.BatchStarts, 1)

	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	in := activities.PayoutBatchInput{Period: "2026-10", From: prep.BatchStarts[0]}
	_, err = env.ExecuteActivity(acts.PayPayoutBatch, in)
	require.Error(t, err, "a transient error fails the attempt so Temporal retries it")
	var paid int64
	store.WithContext(ctx).Model(&models.Payout{}).Where("state = ?", models.PayoutPaid).Count(&paid)
	require.EqualValues(t, len(provs)-1, paid, "the others are paid and recorded")
	v, err := env.ExecuteActivity(acts.PayPayoutBatch, in)
	require.NoError(t, err)
	var again activities.PayoutBatchResult
	require.NoError(t, v.Get(&again))
	require.EqualValues(t, 1, again.Paid, "the retry pays only the one left")
	require.Equal(t, len(provs), flaky.Transfers())

	// Everything is paid; a second computation of the period adds nothing.
	prep, err = acts.PreparePayouts(ctx, activities.PreparePayoutsInput{Period: "2026-10", Cutoff: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	require.Zero(t, prep.Created)
	require.Zero(t, prep.Open)
	tot, err := acts.SummarizePayouts(ctx, "2026-10")
	require.NoError(t, err)
	require.EqualValues(t, 6000-1200, tot.Amount, "1000+2000+3000 less 20%")
}

func TestCommission_RoundsHalfUpToTheMinorUnit(t *testing.T) {
	for _, c := range []struct{ base, bps, want int64 }{
		{1000, 2000, 200}, {1002, 2000, 200}, {1003, 2000, 201}, {1005, 2000, 201}, {7907, 2000, 1581},
		{9999, 2000, 2000}, {-1003, 2000, -201}, {0, 2000, 0}, {12345, 0, 0}, {12345, 10000, 12345},
	} {
		require.Equal(t, c.want, models.Commission(c.base, c.bps), "%d at %d bps", c.base, c.bps)
	}
}

func TestClaimPayouts_TwoPeriodsAtOnceNeverTransferTheSameMoneyTwice(t *testing.T) {
	store, err := app.OpenStore(ctx, config.Config{DatabaseURL: "sqlite://" + filepath.Join(t.TempDir(), "cmp.db")})
	require.NoError(t, err)
	_, err = seed.Run(ctx, store)
	require.NoError(t, err)
	var p models.Provider
	require.NoError(t, store.WithContext(ctx).Order("id").Take(&p).Error)
	require.NoError(t, store.SetPayoutAccount(ctx, p.ID, "acct_ok"))
	at := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	require.NoError(t, store.RecordLedger(ctx, models.LedgerEntry{ID: models.NewID("led"), Kind: models.LedgerCharge, Amount: 1000,
		Currency: "usd", ProviderID: p.ID, ExternalRef: "ch_1", DedupeKey: "charge:ch_1", OccurredAt: at, CreatedAt: at}))
	// An operator backfills October while November runs: both windows start at
	// the provider's (absent) last payout and hold the same charge.
	for _, per := range []string{"2026-10", "2026-11"} {
		_, end, _ := models.PeriodBounds(per)
		_, err := store.PreparePayouts(ctx, models.PreparePayoutsInput{Period: per, Cutoff: end, CommissionBPS: 2000})
		require.NoError(t, err)
	}
	oct, err := store.OpenPayouts(ctx, "2026-10", "", "")
	require.NoError(t, err)
	nov, err := store.OpenPayouts(ctx, "2026-11", "", "")
	require.NoError(t, err)
	require.Len(t, oct, 1)
	require.Len(t, nov, 1)
	first, err := store.ClaimPayouts(ctx, oct)
	require.NoError(t, err)
	require.True(t, first[oct[0].ID])
	second, err := store.ClaimPayouts(ctx, nov)
	require.NoError(t, err)
	require.False(t, second[nov[0].ID], "November must not transfer while October's overlapping payout is in flight")
	again, err := store.ClaimPayouts(ctx, oct)
	require.NoError(t, err)
	require.True(t, again[oct[0].ID], "the run that claimed it may retry it")
}
