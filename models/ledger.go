package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Revenue groupings a provider can ask for.
const (
	GroupByMonth    = "month"
	GroupByPlan     = "plan"
	GroupByOffering = "offering"
)

// RevenueRow is one group of a provider's revenue. Fees are the commission at
// the configured rate (the settled figure is on each payout).
type RevenueRow struct {
	Key      string `gorm:"column:grp"`
	Label    string
	Currency string
	Charges  int64 // how many charges
	Gross    int64
	Refunds  int64
	Fees     int64
	Net      int64
}

// monthExpr is the SQL for an entry's YYYY-MM month on each engine (SQLite keeps
// timestamps as UTC text, so the month is its first seven characters).
func (s *Store) monthExpr(col string) string {
	if s.DB.Dialector.Name() == "postgres" {
		return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM')"
	}
	return "substr(" + col + ", 1, 7)"
}

// ProviderRevenue groups a provider's charges and refunds in [from, to) by month,
// plan or offering.
func (s *Store) ProviderRevenue(ctx context.Context, providerID, group string, from, to time.Time, bps int64) ([]RevenueRow, error) {
	key := s.monthExpr("occurred_at")
	switch group {
	case GroupByPlan:
		key = "plan_id"
	case GroupByOffering:
		key = "offering_id"
	}
	var rows []RevenueRow
	err := s.WithContext(ctx).Model(&LedgerEntry{}).
		Select("("+key+") AS grp, currency, SUM(CASE WHEN kind = ? THEN 1 ELSE 0 END) AS charges, "+
			"SUM(CASE WHEN kind = ? THEN amount ELSE 0 END) AS gross, SUM(CASE WHEN kind = ? THEN amount ELSE 0 END) AS refunds",
			LedgerCharge, LedgerCharge, LedgerRefund).
		Where("provider_id = ? AND kind IN ? AND occurred_at >= ? AND occurred_at < ?", providerID, []LedgerKind{LedgerCharge, LedgerRefund}, from, to).
		Group("(" + key + "), currency").Order("grp, currency").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	labels, err := s.revenueLabels(ctx, group, rows)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		r := &rows[i]
		r.Fees = Commission(r.Gross-r.Refunds, bps)
		r.Net = r.Gross - r.Refunds - r.Fees
		r.Label = r.Key
		if l, ok := labels[r.Key]; ok {
			r.Label = l
		}
	}
	return rows, nil
}

func (s *Store) revenueLabels(ctx context.Context, group string, rows []RevenueRow) (map[string]string, error) {
	out := map[string]string{}
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.Key)
	}
	if len(ids) == 0 || group == GroupByMonth {
		return out, nil
	}
	type named struct{ ID, Name string }
	var ns []named
	q := s.WithContext(ctx)
	var err error
	if group == GroupByPlan {
		err = q.Table("plans").Select("plans.id AS id, offerings.name || ' / ' || plans.name AS name").
			Joins("JOIN offerings ON offerings.id = plans.offering_id").Where("plans.id IN ?", ids).Scan(&ns).Error
	} else {
		err = q.Table("offerings").Select("id, name").Where("id IN ?", ids).Scan(&ns).Error
	}
	for _, n := range ns {
		out[n.ID] = n.Name
	}
	return out, err
}

// ProviderStatement is every ledger entry behind a provider's month: the month's
// charges and refunds, and the fee, earning and payout entries of the month's payouts.
func (s *Store) ProviderStatement(ctx context.Context, providerID, period string) ([]LedgerEntry, error) {
	start, end, err := PeriodBounds(period)
	if err != nil {
		return nil, err
	}
	db := s.WithContext(ctx)
	var out []LedgerEntry
	err = db.Where("provider_id = ? AND ((kind IN ? AND occurred_at >= ? AND occurred_at < ?) OR payout_id IN (?))",
		providerID, []LedgerKind{LedgerCharge, LedgerRefund}, start, end,
		db.Session(&gorm.Session{NewDB: true}).Model(&Payout{}).Select("id").Where("provider_id = ? AND period = ?", providerID, period)).
		Order("occurred_at, id").Find(&out).Error
	return out, err
}

// ChargeEntryByRef finds the charge a payment provider's object (PaymentIntent or
// charge ID) belongs to, so a refund reported by webhook is booked against it.
func (s *Store) ChargeEntryByRef(ctx context.Context, refs ...string) (LedgerEntry, error) {
	var e LedgerEntry
	err := s.WithContext(ctx).Where("kind = ? AND external_ref IN ?", LedgerCharge, refs).Order("occurred_at").Take(&e).Error
	return e, notFound(err, "charge")
}

// RefundedOf sums the refunds booked against a charge (by order or invoice).
func (s *Store) RefundedOf(ctx context.Context, charge LedgerEntry) (int64, error) {
	var n int64
	q := s.WithContext(ctx).Model(&LedgerEntry{}).Select("COALESCE(SUM(amount), 0)").Where("kind = ?", LedgerRefund)
	switch {
	case charge.InvoiceID != "":
		q = q.Where("invoice_id = ?", charge.InvoiceID)
	case charge.OrderID != "":
		q = q.Where("order_id = ? AND invoice_id = ''", charge.OrderID)
	default:
		q = q.Where("external_ref LIKE ?", charge.ExternalRef+"%")
	}
	err := q.Scan(&n).Error
	return n, err
}

// LedgerBalance is what the ledger says about money in one currency.
type LedgerBalance struct {
	Currency        string
	Charges         int64
	Refunds         int64
	PlatformFees    int64
	ProviderEarning int64
	Payouts         int64
	Adjustments     int64
}

// LedgerBalances derives balances from the ledger for reconciliation: provider
// earnings minus payouts is what is owed to providers and must equal the
// amount of their unpaid payouts; payouts must equal the transfers made.
func (s *Store) LedgerBalances(ctx context.Context, providerID string) ([]LedgerBalance, error) {
	var rows []struct {
		Kind     LedgerKind
		Currency string
		Total    int64
	}
	q := s.WithContext(ctx).Model(&LedgerEntry{}).Select("kind, currency, SUM(amount) AS total")
	if providerID != "" {
		q = q.Where("provider_id = ?", providerID)
	}
	if err := q.Group("kind, currency").Order("currency").Scan(&rows).Error; err != nil {
		return nil, err
	}
	var out []LedgerBalance
	idx := map[string]int{}
	for _, r := range rows {
		i, ok := idx[r.Currency]
		if !ok {
			i = len(out)
			idx[r.Currency] = i
			out = append(out, LedgerBalance{Currency: r.Currency})
		}
		b := &out[i]
		switch r.Kind {
		case LedgerCharge:
			b.Charges = r.Total
		case LedgerRefund:
			b.Refunds = r.Total
		case LedgerPlatformFee:
			b.PlatformFees = r.Total
		case LedgerProviderEarning:
			b.ProviderEarning = r.Total
		case LedgerPayout:
			b.Payouts = r.Total
		case LedgerAdjustment:
			b.Adjustments = r.Total
		}
	}
	return out, nil
}

// Reconciliation compares a period's paid payouts with what the ledger booked
// for them: they must agree, and every paid amount must carry a transfer ID (the
// reference to look up at the payment provider).
type Reconciliation struct {
	PaidPayouts         int64 // sum of paid payouts' amounts
	LedgerPayouts       int64 // sum of payout ledger entries of those payouts
	LedgerEarnings      int64 // sum of provider_earning entries of those payouts
	PaidWithoutTransfer int64 // paid payouts with an amount but no transfer ID
}

// Balanced reports whether payouts, earnings and transfers agree.
func (r Reconciliation) Balanced() bool {
	return r.PaidPayouts == r.LedgerPayouts && r.LedgerPayouts == r.LedgerEarnings && r.PaidWithoutTransfer == 0
}

// ReconcilePeriod derives a period's Reconciliation from the payouts and the ledger.
func (s *Store) ReconcilePeriod(ctx context.Context, period string) (Reconciliation, error) {
	var r Reconciliation
	db := s.WithContext(ctx)
	paid := db.Session(&gorm.Session{NewDB: true}).Model(&Payout{}).Select("id").Where("period = ? AND state = ?", period, PayoutPaid)
	if err := db.Model(&Payout{}).Select("COALESCE(SUM(amount), 0)").Where("period = ? AND state = ?", period, PayoutPaid).Scan(&r.PaidPayouts).Error; err != nil {
		return r, err
	}
	if err := db.Model(&Payout{}).Where("period = ? AND state = ? AND amount > 0 AND transfer_id = ''", period, PayoutPaid).Count(&r.PaidWithoutTransfer).Error; err != nil {
		return r, err
	}
	if err := db.Model(&LedgerEntry{}).Select("COALESCE(SUM(amount), 0)").Where("kind = ? AND payout_id IN (?)", LedgerPayout, paid).Scan(&r.LedgerPayouts).Error; err != nil {
		return r, err
	}
	err := db.Model(&LedgerEntry{}).Select("COALESCE(SUM(amount), 0)").Where("kind = ? AND payout_id IN (?)", LedgerProviderEarning, paid).Scan(&r.LedgerEarnings).Error
	return r, err
}
