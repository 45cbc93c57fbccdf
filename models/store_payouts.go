package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// PreparePayoutsInput asks for the payouts of one period to be computed.
type PreparePayoutsInput struct {
	Period string
	// Cutoff is where this run's windows end: the period end, or the run's time for
	// a month to date (what is earned later is paid by the next period's run).
	Cutoff        time.Time
	CommissionBPS int64
	RunID         string
	BatchSize     int
}

// PreparePayoutsResult says what the computation found.
type PreparePayoutsResult struct {
	Created  int64 // new payout rows
	Existing int64 // rows this period already had (a re-run)
	Open     int64 // rows still to pay or hold (pending or held)
	// BatchStarts are the provider IDs where each batch of open payouts begins,
	// in order; a batch ends where the next begins.
	BatchStarts []string
}

// openPayoutStates are the states a run still works on.
var openPayoutStates = []PayoutState{PayoutPending, PayoutHeld, PayoutTransferring}

type payoutAgg struct {
	ProviderID string
	Currency   string
	Gross      int64
	Refunds    int64
	Entries    int64
}

type paidMark struct {
	ProviderID string
	Currency   string
	CoveredTo  time.Time
}

// PreparePayouts computes one payout per provider and currency for the period:
// every charge minus refunds booked since the end of the provider's last paid
// payout, up to the cutoff, minus the commission. Windows are on booking time
// (created_at), not occurred_at, so an entry booked late (a retried write, a
// webhook) lands in the next window instead of behind one already paid. It inserts only rows the period lacks, so
// a re-run changes nothing already computed (UNIQUE(provider_id, period, currency)).
func (s *Store) PreparePayouts(ctx context.Context, in PreparePayoutsInput) (PreparePayoutsResult, error) {
	var res PreparePayoutsResult
	db := s.WithContext(ctx)
	paidTo, err := s.paidThrough(ctx, "", "")
	if err != nil {
		return res, err
	}
	var aggs []payoutAgg
	err = db.Raw(`SELECT l.provider_id AS provider_id, l.currency AS currency,
		SUM(CASE WHEN l.kind = ? THEN l.amount ELSE 0 END) AS gross,
		SUM(CASE WHEN l.kind = ? THEN l.amount ELSE 0 END) AS refunds,
		COUNT(*) AS entries
		FROM ledger_entries l
		LEFT JOIN (SELECT provider_id, currency, MAX(covered_to) AS paid_to FROM payouts WHERE state = ? GROUP BY provider_id, currency) p
		  ON p.provider_id = l.provider_id AND p.currency = l.currency
		WHERE l.kind IN (?, ?) AND l.provider_id <> '' AND l.created_at < ? AND (p.paid_to IS NULL OR l.created_at >= p.paid_to)
		GROUP BY l.provider_id, l.currency`,
		LedgerCharge, LedgerRefund, PayoutPaid, LedgerCharge, LedgerRefund, in.Cutoff).Scan(&aggs).Error
	if err != nil {
		return res, err
	}
	var existing []paidMark
	if err := db.Model(&Payout{}).Select("provider_id, currency").Where("period = ?", in.Period).Scan(&existing).Error; err != nil {
		return res, err
	}
	have := make(map[[2]string]bool, len(existing))
	for _, e := range existing {
		have[[2]string{e.ProviderID, e.Currency}] = true
	}
	res.Existing = int64(len(existing))
	now := Now()
	rows := make([]Payout, 0, len(aggs))
	for _, g := range aggs {
		if have[[2]string{g.ProviderID, g.Currency}] {
			continue
		}
		base := g.Gross - g.Refunds
		fee := Commission(base, in.CommissionBPS)
		p := Payout{
			ID: NewID("po"), ProviderID: g.ProviderID, Period: in.Period, Currency: g.Currency, State: PayoutPending,
			Gross: g.Gross, Refunds: g.Refunds, Fee: fee, Amount: base - fee, CommissionBPS: in.CommissionBPS,
			EntryCount: g.Entries, CoveredTo: in.Cutoff, RunID: in.RunID, CreatedAt: now, UpdatedAt: now,
		}
		if t, ok := paidTo[[2]string{g.ProviderID, g.Currency}]; ok {
			from := t
			p.CoveredFrom = &from
		}
		rows = append(rows, p)
	}
	if len(rows) > 0 {
		r := db.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, 500)
		if r.Error != nil {
			return res, r.Error
		}
		res.Created = r.RowsAffected
	}
	var open []string
	if err := db.Model(&Payout{}).Where("period = ? AND state IN ?", in.Period, openPayoutStates).
		Order("provider_id").Pluck("provider_id", &open).Error; err != nil {
		return res, err
	}
	res.Open = int64(len(open))
	size := in.BatchSize
	if size <= 0 {
		size = 500
	}
	last := ""
	for i, id := range open {
		if i%size == 0 && id != last {
			res.BatchStarts = append(res.BatchStarts, id)
		}
		last = id
	}
	return res, nil
}

// paidThrough maps (provider, currency) to the end of its last paid payout,
// optionally only for providers in [from, to).
func (s *Store) paidThrough(ctx context.Context, from, to string) (map[[2]string]time.Time, error) {
	var marks []paidMark
	q := s.WithContext(ctx).Model(&Payout{}).Select("provider_id, currency, covered_to").Where("state = ?", PayoutPaid)
	q = providerRange(q, from, to)
	if err := q.Scan(&marks).Error; err != nil {
		return nil, err
	}
	out := make(map[[2]string]time.Time, len(marks))
	for _, m := range marks {
		k := [2]string{m.ProviderID, m.Currency}
		if t, ok := out[k]; !ok || m.CoveredTo.After(t) {
			out[k] = m.CoveredTo
		}
	}
	return out, nil
}

func providerRange(q *gorm.DB, from, to string) *gorm.DB {
	if from != "" {
		q = q.Where("provider_id >= ?", from)
	}
	if to != "" {
		q = q.Where("provider_id < ?", to)
	}
	return q
}

// PayoutToPay is an open payout with where its money goes.
type PayoutToPay struct {
	Payout
	Account string
	// Superseded is set when a later paid payout already covers part of this one's
	// window; its money is then carried into the provider's next payout instead.
	Superseded bool
}

// OpenPayouts loads a batch's pending and held payouts of a period with each
// provider's current payout account.
func (s *Store) OpenPayouts(ctx context.Context, period, from, to string) ([]PayoutToPay, error) {
	var rows []Payout
	q := s.WithContext(ctx).Where("period = ? AND state IN ?", period, openPayoutStates)
	if err := providerRange(q, from, to).Order("provider_id, currency").Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	type acct struct{ ID, PayoutAccountID string }
	var accts []acct
	aq := s.WithContext(ctx).Model(&Provider{}).Select("id, payout_account_id")
	if from != "" {
		aq = aq.Where("id >= ?", from)
	}
	if to != "" {
		aq = aq.Where("id < ?", to)
	}
	if err := aq.Scan(&accts).Error; err != nil {
		return nil, err
	}
	byID := make(map[string]string, len(accts))
	for _, a := range accts {
		byID[a.ID] = a.PayoutAccountID
	}
	paidTo, err := s.paidThrough(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]PayoutToPay, 0, len(rows))
	for _, p := range rows {
		t, paid := paidTo[[2]string{p.ProviderID, p.Currency}]
		sup := paid && (p.CoveredFrom == nil || t.After(*p.CoveredFrom))
		out = append(out, PayoutToPay{Payout: p, Account: byID[p.ProviderID], Superseded: sup})
	}
	return out, nil
}

// PayoutOutcome is what happened to one open payout.
type PayoutOutcome struct {
	PayoutID    string
	State       PayoutState // paid, held, failed or carried
	Destination string
	TransferID  string
	Reason      string
	At          time.Time
}

// SettlePayouts records a batch's outcomes in one transaction. A payout becomes
// paid only from pending or held, and only then are its platform_fee,
// provider_earning and payout ledger entries written (keyed by the payout ID),
// and the provider's older held or failed payouts marked carried into it.
func (s *Store) SettlePayouts(ctx context.Context, outs []PayoutOutcome) error {
	if len(outs) == 0 {
		return nil
	}
	return s.Tx(ctx, func(tx *gorm.DB) error {
		for _, o := range outs {
			fields := map[string]any{"state": o.State, "reason": o.Reason, "updated_at": o.At}
			if o.Destination != "" {
				fields["destination"] = o.Destination
			}
			if o.State == PayoutPaid {
				fields["transfer_id"] = o.TransferID
				fields["paid_at"] = o.At
			}
			r := tx.Model(&Payout{}).Where("id = ? AND state IN ?", o.PayoutID, openPayoutStates).Updates(fields)
			if r.Error != nil {
				return r.Error
			}
			if r.RowsAffected == 0 || o.State != PayoutPaid {
				continue
			}
			var p Payout
			if err := tx.Take(&p, "id = ?", o.PayoutID).Error; err != nil {
				return err
			}
			if err := s.notifyPayoutPaid(tx, p, o.At); err != nil {
				return err
			}
			if entries := payoutLedger(p, o); len(entries) > 0 {
				if err := tx.Clauses(onConflictNothing).Create(&entries).Error; err != nil {
					return err
				}
			}
			if err := tx.Model(&Payout{}).
				Where("provider_id = ? AND currency = ? AND id <> ? AND state IN ? AND covered_to <= ?",
					p.ProviderID, p.Currency, p.ID, []PayoutState{PayoutHeld, PayoutFailed}, p.CoveredTo).
				Updates(map[string]any{"state": PayoutCarried, "carried_into": p.ID, "updated_at": o.At}).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// payoutLedger is the bookkeeping of a paid payout: the commission kept, the
// provider's earning and the money sent. Amounts of zero are not entries.
func payoutLedger(p Payout, o PayoutOutcome) []LedgerEntry {
	var out []LedgerEntry
	add := func(kind LedgerKind, amount int64, ref string) {
		if amount <= 0 {
			return
		}
		out = append(out, LedgerEntry{
			ID: NewID("led"), Kind: kind, Amount: amount, Currency: p.Currency, ProviderID: p.ProviderID,
			PayoutID: p.ID, ExternalRef: ref, DedupeKey: string(kind) + ":" + p.ID, OccurredAt: o.At, CreatedAt: Now(),
		})
	}
	add(LedgerPlatformFee, p.Fee, "")
	add(LedgerProviderEarning, p.Amount, "")
	add(LedgerPayout, p.Amount, o.TransferID)
	return out
}

// FailOpenPayouts marks a batch's still-pending payouts failed (its transfers kept
// erroring past their retries), so the run can finish and report them.
func (s *Store) FailOpenPayouts(ctx context.Context, period, from, to, reason string, at time.Time) (int64, error) {
	q := s.WithContext(ctx).Model(&Payout{}).Where("period = ? AND state IN ?", period, []PayoutState{PayoutPending, PayoutTransferring})
	r := providerRange(q, from, to).Updates(map[string]any{"state": PayoutFailed, "reason": reason, "updated_at": at})
	return r.RowsAffected, r.Error
}

// PeriodPayoutTotals sums the payouts of a period.
func (s *Store) PeriodPayoutTotals(ctx context.Context, period string) (PayoutTotals, error) {
	t := PayoutTotals{Period: period}
	var rows []struct {
		State    PayoutState
		Currency string
		N        int64
		Gross    int64
		Refunds  int64
		Fees     int64
		Amount   int64
	}
	err := s.WithContext(ctx).Model(&Payout{}).
		Select("state, currency, COUNT(*) AS n, SUM(gross) AS gross, SUM(refunds) AS refunds, SUM(fee) AS fees, SUM(amount) AS amount").
		Where("period = ?", period).Group("state, currency").Scan(&rows).Error
	if err != nil {
		return t, err
	}
	for _, r := range rows {
		t.Providers += r.N
		switch r.State {
		case PayoutPaid:
			t.Paid += r.N
			t.Amount += r.Amount
			t.Gross += r.Gross
			t.Refunds += r.Refunds
			t.Fees += r.Fees
		case PayoutHeld:
			t.Held += r.N
			t.HeldAmt += r.Amount
		case PayoutFailed:
			t.Failed += r.N
			t.HeldAmt += r.Amount
		case PayoutCarried:
			t.Carried += r.N
		case PayoutPending, PayoutTransferring:
			t.Pending += r.N
		}
		switch {
		case t.Currency == "":
			t.Currency = r.Currency
		case t.Currency != r.Currency:
			t.Currency = "mixed"
		}
	}
	return t, nil
}

// PayoutFilter narrows a payout listing.
type PayoutFilter struct {
	Period     string
	ProviderID string
	State      string
	Limit      int
	Before     string // payout ID cursor (IDs sort by creation time)
}

// ListPayouts lists payouts, newest first.
func (s *Store) ListPayouts(ctx context.Context, f PayoutFilter) ([]Payout, error) {
	q := s.WithContext(ctx).Model(&Payout{})
	if f.Period != "" {
		q = q.Where("period = ?", f.Period)
	}
	if f.ProviderID != "" {
		q = q.Where("provider_id = ?", f.ProviderID)
	}
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if f.Before != "" {
		q = q.Where("id < ?", f.Before)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	var out []Payout
	err := q.Order("period DESC, id DESC").Limit(f.Limit).Find(&out).Error
	return out, err
}

// SetPayoutAccount stores where a provider's payouts go.
func (s *Store) SetPayoutAccount(ctx context.Context, providerID, accountID string) error {
	r := s.WithContext(ctx).Model(&Provider{}).Where("id = ?", providerID).
		Updates(map[string]any{"payout_account_id": accountID, "updated_at": Now()})
	if r.Error != nil {
		return r.Error
	}
	if r.RowsAffected == 0 {
		return notFound(gorm.ErrRecordNotFound, "provider")
	}
	return nil
}

// PayoutAccountOf returns a provider's payout account ("" when it has none).
func (s *Store) PayoutAccountOf(ctx context.Context, providerID string) (string, error) {
	var ids []string
	if err := s.WithContext(ctx).Model(&Provider{}).Where("id = ?", providerID).Pluck("payout_account_id", &ids).Error; err != nil {
		return "", err
	}
	if len(ids) == 0 {
		return "", notFound(gorm.ErrRecordNotFound, "provider")
	}
	return ids[0], nil
}

// ClaimPayouts marks payouts about to be transferred as transferring, in one
// transaction that locks their providers' rows, unless another payout of the same
// provider and currency is already paid over part of the window or is being
// transferred (a run of another period at the same time). It returns the IDs
// claimed; the others must not be transferred: their money goes into the next payout.
func (s *Store) ClaimPayouts(ctx context.Context, ps []PayoutToPay) (map[string]bool, error) {
	claimed := map[string]bool{}
	if len(ps) == 0 {
		return claimed, nil
	}
	ids := make([]string, 0, len(ps))
	for _, p := range ps {
		ids = append(ids, p.ProviderID)
	}
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		if tx.Dialector.Name() == "postgres" {
			var locked []string
			if err := tx.Raw("SELECT id FROM providers WHERE id IN ? ORDER BY id FOR UPDATE", ids).Scan(&locked).Error; err != nil {
				return err
			}
		}
		var busy []struct {
			ID, ProviderID, Currency string
			CoveredTo                time.Time
		}
		if err := tx.Model(&Payout{}).Select("id, provider_id, currency, covered_to").
			Where("provider_id IN ? AND state IN ?", ids, []PayoutState{PayoutPaid, PayoutTransferring}).Scan(&busy).Error; err != nil {
			return err
		}
		var ok []string
		for _, p := range ps {
			free := true
			for _, b := range busy {
				if b.ID != p.ID && b.ProviderID == p.ProviderID && b.Currency == p.Currency &&
					(p.CoveredFrom == nil || b.CoveredTo.After(*p.CoveredFrom)) {
					free = false
					break
				}
			}
			if free {
				ok = append(ok, p.ID)
			}
		}
		if len(ok) == 0 {
			return nil
		}
		var got []string
		if err := tx.Model(&Payout{}).Where("id IN ? AND state IN ?", ok, openPayoutStates).
			Updates(map[string]any{"state": PayoutTransferring, "updated_at": Now()}).Error; err != nil {
			return err
		}
		if err := tx.Model(&Payout{}).Where("id IN ? AND state = ?", ok, PayoutTransferring).Pluck("id", &got).Error; err != nil {
			return err
		}
		for _, id := range got {
			claimed[id] = true
		}
		return nil
	})
	return claimed, err
}
