package models

import (
	"fmt"
	"time"
)

// PayoutState is a payout's lifecycle state.
type PayoutState string

// Payout states. pending → transferring → paid | failed; pending → held | paid (nothing due);
// held → transferring | carried; failed → carried.
// A held or failed payout's money is carried into the provider's next payout, which
// covers every unpaid earning since the provider's last paid payout.
const (
	PayoutPending PayoutState = "pending" // computed, transfer not yet attempted
	// PayoutTransferring is claimed by a run that is sending the transfer; a retry
	// of that run finishes it with the same idempotency key.
	PayoutTransferring PayoutState = "transferring"
	PayoutPaid         PayoutState = "paid"    // transferred (or nothing was due); covers its window for good
	PayoutHeld         PayoutState = "held"    // no payout account or a negative balance; retried on a re-run
	PayoutFailed       PayoutState = "failed"  // the transfer was refused; the money goes into the next payout
	PayoutCarried      PayoutState = "carried" // superseded by a later paid payout that included its money
)

// Payout is what CMP owes (or paid) one provider for one period in one currency.
// It covers the charges and refunds booked (ledger created_at) from CoveredFrom (the
// end of the provider's last paid payout; nil for the first) up to CoveredTo.
type Payout struct {
	ID            string `gorm:"primaryKey"`
	ProviderID    string
	Period        string // YYYY-MM
	Currency      string
	State         PayoutState
	Gross         int64 // charges in the window
	Refunds       int64 // refunds in the window
	Fee           int64 // platform commission
	Amount        int64 // net to the provider: Gross - Refunds - Fee
	CommissionBPS int64
	EntryCount    int64
	CoveredFrom   *time.Time
	CoveredTo     time.Time
	Destination   string
	TransferID    string
	Reason        string
	CarriedInto   string
	RunID         string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	PaidAt        *time.Time
}

// Commission is the platform's cut of base (minor units) at bps basis points,
// rounded half away from zero to a whole minor unit, so 20% of 1,005 cents is
// 201 and 20% of 1,002 is 200. The provider gets base minus this.
func Commission(base, bps int64) int64 {
	if base < 0 {
		return -Commission(-base, bps)
	}
	return (base*bps + 5000) / 10000
}

// PeriodBounds parses a YYYY-MM period into its UTC month [start, end).
func PeriodBounds(period string) (start, end time.Time, err error) {
	t, err := time.Parse("2006-01", period)
	if err != nil || t.Format("2006-01") != period {
		return start, end, fmt.Errorf("period %q is not a YYYY-MM month", period)
	}
	start = t.UTC()
	return start, start.AddDate(0, 1, 0), nil
}

// PeriodOf is the YYYY-MM month t falls in (UTC).
func PeriodOf(t time.Time) string { return t.UTC().Format("2006-01") }

// PreviousPeriod is the month before the one t falls in: what a run on the 1st pays.
func PreviousPeriod(t time.Time) string {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0).Format("2006-01")
}

// PayoutTotals sums a period's payouts for operators, finance and the Temporal UI.
type PayoutTotals struct {
	Period    string
	Providers int64 // providers with a payout row in the period
	Paid      int64 // payouts paid
	Held      int64
	Failed    int64
	Carried   int64
	Pending   int64
	Gross     int64
	Refunds   int64
	Fees      int64
	Amount    int64 // paid to providers
	HeldAmt   int64 // computed but not paid (held or failed)
	Currency  string
}
