package workflows

import (
	"time"

	"github.com/cmp-platform/cmp/models"
)

// MonthlyPayoutWorkflowName is the registered name of MonthlyPayout.
const MonthlyPayoutWorkflowName = "MonthlyPayout"

// PayoutAccountWorkflowName is the registered name of PayoutAccount.
const PayoutAccountWorkflowName = "PayoutAccount"

// PayoutScheduleID is the Temporal Schedule that starts MonthlyPayout at 02:00 UTC
// on the 1st of every month for the month before.
const PayoutScheduleID = "monthly-payouts"

// PayoutScheduleCron is the schedule's calendar (UTC).
const PayoutScheduleCron = "0 2 1 * *"

// QueryPayoutSummary returns a run's PayoutSummary (Temporal UI: Queries tab).
const QueryPayoutSummary = "summary"

// Payout run states, also the run's CmpState search attribute.
const (
	PayoutRunRunning            = "running"
	PayoutRunCompleted          = "completed"
	PayoutRunCompletedWithHolds = "completed_with_holds"
)

// PayoutWorkflowID names a manual run of one period. Runs reuse the ID (the
// database, not the ID, guarantees that a period never pays twice).
func PayoutWorkflowID(period string) string { return "payout-" + period }

// PayoutAccountWorkflowID names the setup of one provider's payout account.
func PayoutAccountWorkflowID(providerID string) string { return "payout-account-" + providerID }

// MonthlyPayoutInput says which month to pay. An empty Period, as the schedule
// sends, means the month before the run's scheduled time.
type MonthlyPayoutInput struct {
	Period string
	// BatchSize is how many providers one activity pays (default 500).
	BatchSize int
	// Parallelism is how many batches run at once (default 4).
	Parallelism int
}

// PayoutSummary is the run's progress and outcome: the summary query's answer and
// the workflow's result. Totals come from the database after the batches.
type PayoutSummary struct {
	Period      string
	State       string
	Cutoff      time.Time
	Created     int64 // payouts computed by this run
	Existing    int64 // payouts the period already had
	Batches     int
	BatchesDone int
	// This run's own effect: a re-run of a paid period shows zeros here.
	PaidThisRun        int64
	TransferredThisRun int64
	HeldThisRun        int64
	FailedThisRun      int64
	Totals             models.PayoutTotals
}

// PayoutAccountInput asks for a provider's payout account.
type PayoutAccountInput struct {
	ProviderID     string
	Country        string
	ReturnURL      string
	RefreshURL     string
	SandboxAccount string
}

// PayoutAccountResult is the stored account and its onboarding link.
type PayoutAccountResult struct {
	AccountID     string
	OnboardingURL string
}
