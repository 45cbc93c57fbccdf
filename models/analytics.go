package models

import (
	"context"
	"sort"
	"time"

	"gorm.io/gorm/clause"
)

// Funnel event kinds recorded by the API; paid and activated come from orders and agents.
const (
	FunnelView            = "view"
	FunnelCheckoutStarted = "checkout_started"
)

// FunnelEvent is one step a buyer took before paying.
type FunnelEvent struct {
	ID         string `gorm:"primaryKey"`
	Kind       string
	OfferingID string
	ProviderID string
	UserID     string
	DedupeKey  string
	OccurredAt time.Time
}

// CheckoutStartKey is the dedupe key of a checkout start: a retried request
// (same buyer, same Idempotency-Key) is one start.
func CheckoutStartKey(userID, idempotencyKey string) string {
	return "checkout:" + userID + ":" + idempotencyKey
}

// RecordFunnel stores a funnel event; one with a known dedupe key is ignored.
func (s *Store) RecordFunnel(ctx context.Context, e FunnelEvent) error {
	if e.ID == "" {
		e.ID = NewID("fev")
	}
	if e.DedupeKey == "" {
		e.DedupeKey = e.ID
	}
	if e.OccurredAt.IsZero() {
		e.OccurredAt = Now()
	}
	return s.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&e).Error
}

// FunnelRow is one offering's funnel: views → checkout started → paid → activated.
type FunnelRow struct {
	OfferingID string
	Name       string
	Views      int64
	Started    int64
	Paid       int64
	Activated  int64
}

// ProviderFunnel counts each of a provider's offerings' funnel steps in [from, to).
func (s *Store) ProviderFunnel(ctx context.Context, providerID string, from, to time.Time) ([]FunnelRow, error) {
	db := s.WithContext(ctx)
	var offs []struct{ ID, Name string }
	if err := db.Model(&Offering{}).Select("id, name").Where("provider_id = ?", providerID).Order("name").Scan(&offs).Error; err != nil {
		return nil, err
	}
	type count struct {
		OfferingID string
		N          int64
	}
	collect := func(q string, args ...any) (map[string]int64, error) {
		var cs []count
		if err := db.Raw(q, args...).Scan(&cs).Error; err != nil {
			return nil, err
		}
		m := map[string]int64{}
		for _, c := range cs {
			m[c.OfferingID] = c.N
		}
		return m, nil
	}
	views, err := collect(`SELECT offering_id, COUNT(*) AS n FROM funnel_events WHERE provider_id = ? AND kind = ? AND occurred_at >= ? AND occurred_at < ? GROUP BY offering_id`,
		providerID, FunnelView, from, to)
	if err != nil {
		return nil, err
	}
	started, err := collect(`SELECT offering_id, COUNT(*) AS n FROM funnel_events WHERE provider_id = ? AND kind = ? AND occurred_at >= ? AND occurred_at < ? GROUP BY offering_id`,
		providerID, FunnelCheckoutStarted, from, to)
	if err != nil {
		return nil, err
	}
	paid, err := collect(`SELECT o.offering_id, COUNT(*) AS n FROM orders o JOIN offerings f ON f.id = o.offering_id
		WHERE f.provider_id = ? AND o.charge_id <> '' AND o.created_at >= ? AND o.created_at < ? GROUP BY o.offering_id`, providerID, from, to)
	if err != nil {
		return nil, err
	}
	active, err := collect(`SELECT a.offering_id, COUNT(*) AS n FROM agents a JOIN offerings f ON f.id = a.offering_id
		WHERE f.provider_id = ? AND a.running_since IS NOT NULL AND a.last_heartbeat_at IS NOT NULL AND a.last_heartbeat_at >= a.running_since
		AND a.created_at >= ? AND a.created_at < ? GROUP BY a.offering_id`, providerID, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]FunnelRow, 0, len(offs))
	for _, o := range offs {
		out = append(out, FunnelRow{OfferingID: o.ID, Name: o.Name, Views: views[o.ID], Started: started[o.ID], Paid: paid[o.ID], Activated: active[o.ID]})
	}
	return out, nil
}

// Metrics are the seed's success metrics, computed from the read models.
type Metrics struct {
	// TimeToFirstPurchaseP50 is the median of register → first completed order.
	TimeToFirstPurchaseP50 time.Duration
	Buyers                 int64
	CheckoutsStarted       int64
	CheckoutsCompleted     int64
	AgentsRunning          int64 // agents that ever ran
	AgentsActivated        int64 // of those, reported in by heartbeat after running (within 24 h)
	AgentsConfigured       int64 // of those, with a persona or training configured
	// TimeToFirstListingP50 is the median of provider created → first listing live.
	TimeToFirstListingP50 time.Duration
	Providers             int64
	ListingsApproved      int64
	ListingsRejected      int64
}

type timePair struct {
	Key   string    `gorm:"column:k"`
	Start time.Time `gorm:"column:ts"`
	End   time.Time `gorm:"column:te"`
}

// medianFirst takes (key, start, end) rows and returns the median of each key's
// earliest end minus its start, and how many keys there were.
func medianFirst(rows []timePair) (time.Duration, int64) {
	first := map[string]timePair{}
	for _, r := range rows {
		if f, ok := first[r.Key]; !ok || r.End.Before(f.End) {
			first[r.Key] = r
		}
	}
	ds := make([]time.Duration, 0, len(first))
	for _, f := range first {
		ds = append(ds, f.End.Sub(f.Start))
	}
	if len(ds) == 0 {
		return 0, 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	n := len(ds)
	if n%2 == 1 {
		return ds[n/2], int64(n)
	}
	return (ds[n/2-1] + ds[n/2]) / 2, int64(n)
}

// PlatformMetrics computes Metrics. Tables other journeys own (reviews, agent
// configuration, training) are read only if they exist.
func (s *Store) PlatformMetrics(ctx context.Context) (Metrics, error) {
	var m Metrics
	db := s.WithContext(ctx)
	var buys []timePair
	if err := db.Raw(`SELECT u.id AS k, u.created_at AS ts, o.updated_at AS te FROM orders o JOIN users u ON u.id = o.user_id WHERE o.state = ?`,
		OrderDone).Scan(&buys).Error; err != nil {
		return m, err
	}
	m.TimeToFirstPurchaseP50, m.Buyers = medianFirst(buys)
	if err := db.Model(&FunnelEvent{}).Where("kind = ?", FunnelCheckoutStarted).Count(&m.CheckoutsStarted).Error; err != nil {
		return m, err
	}
	if err := db.Raw(`SELECT COUNT(*) FROM funnel_events f JOIN orders o ON o.user_id = f.user_id AND f.dedupe_key = 'checkout:' || o.user_id || ':' || o.idempotency_key
		WHERE f.kind = ? AND o.state = ?`, FunnelCheckoutStarted, OrderDone).Scan(&m.CheckoutsCompleted).Error; err != nil {
		return m, err
	}
	if err := db.Model(&Agent{}).Where("running_since IS NOT NULL").Count(&m.AgentsRunning).Error; err != nil {
		return m, err
	}
	if err := db.Model(&Agent{}).Where("running_since IS NOT NULL AND last_heartbeat_at IS NOT NULL AND last_heartbeat_at >= running_since").
		Count(&m.AgentsActivated).Error; err != nil {
		return m, err
	}
	if err := s.configuredAgents(ctx, &m); err != nil {
		return m, err
	}
	var lists []timePair
	if err := db.Raw(`SELECT p.id AS k, p.created_at AS ts, o.published_at AS te FROM offerings o JOIN providers p ON p.id = o.provider_id WHERE o.published_at IS NOT NULL`).
		Scan(&lists).Error; err != nil {
		return m, err
	}
	m.TimeToFirstListingP50, _ = medianFirst(lists)
	if err := db.Model(&Provider{}).Count(&m.Providers).Error; err != nil {
		return m, err
	}
	return m, s.listingDecisions(ctx, &m)
}

func (s *Store) configuredAgents(ctx context.Context, m *Metrics) error {
	db := s.WithContext(ctx)
	var parts []string
	var args []any
	if db.Migrator().HasTable("agent_configs") {
		parts = append(parts, "SELECT agent_id FROM agent_configs WHERE kind IN (?, ?)")
		args = append(args, "persona", "knowledge")
	}
	for _, t := range []string{"training_qa", "training_documents"} {
		if db.Migrator().HasTable(t) {
			parts = append(parts, "SELECT agent_id FROM "+t)
		}
	}
	if len(parts) == 0 {
		return nil
	}
	q := "SELECT COUNT(*) FROM agents WHERE running_since IS NOT NULL AND id IN (" + parts[0]
	for _, p := range parts[1:] {
		q += " UNION " + p
	}
	q += ")"
	return db.Raw(q, args...).Scan(&m.AgentsConfigured).Error
}

func (s *Store) listingDecisions(ctx context.Context, m *Metrics) error {
	db := s.WithContext(ctx)
	if db.Migrator().HasTable("offering_review_events") {
		var rows []struct {
			Kind string
			N    int64
		}
		if err := db.Raw(`SELECT kind, COUNT(*) AS n FROM offering_review_events WHERE kind IN (?, ?) GROUP BY kind`, "approved", "rejected").
			Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			if r.Kind == "approved" {
				m.ListingsApproved = r.N
			} else {
				m.ListingsRejected = r.N
			}
		}
		return nil
	}
	if err := db.Model(&Offering{}).Where("published_at IS NOT NULL").Count(&m.ListingsApproved).Error; err != nil {
		return err
	}
	return db.Model(&Offering{}).Where("state = ?", OfferingRejected).Count(&m.ListingsRejected).Error
}

// Customer is one subscription to a provider's offering, as the provider sees it.
type Customer struct {
	SubscriptionID   string
	OrganizationID   string
	OrganizationName string
	OfferingID       string
	OfferingName     string
	PlanID           string
	PlanName         string
	State            SubscriptionState
	BillingCycle     BillingCycle
	Since            time.Time
	Currency         string
	Spent            int64 // charges minus refunds, minor units
	LastActiveAt     *time.Time
	Usage            map[string]int64 // metered usage of the current period by component
}

// ProviderCustomers lists the subscriptions to a provider's offerings, newest first.
func (s *Store) ProviderCustomers(ctx context.Context, providerID string, limit int) ([]Customer, error) {
	db := s.WithContext(ctx)
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var out []Customer
	err := db.Table("subscriptions s").
		Select(`s.id AS subscription_id, s.organization_id, g.name AS organization_name, s.offering_id, f.name AS offering_name,
			s.plan_id, p.name AS plan_name, s.state, s.billing_cycle, s.created_at AS since, s.currency, a.last_heartbeat_at AS last_active_at`).
		Joins("JOIN offerings f ON f.id = s.offering_id").
		Joins("JOIN organizations g ON g.id = s.organization_id").
		Joins("JOIN plans p ON p.id = s.plan_id").
		Joins("LEFT JOIN agents a ON a.subscription_id = s.id").
		Where("f.provider_id = ? AND s.state <> ?", providerID, SubscriptionFailed).
		Order("s.created_at DESC, s.id DESC").Limit(limit).Scan(&out).Error
	if err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]string, len(out))
	idx := map[string]int{}
	for i, c := range out {
		ids[i], idx[c.SubscriptionID] = c.SubscriptionID, i
		out[i].Usage = map[string]int64{}
	}
	var spent []struct {
		SubscriptionID string
		Net            int64
	}
	if err := db.Model(&LedgerEntry{}).
		Select("subscription_id, SUM(CASE WHEN kind = ? THEN amount ELSE -amount END) AS net", LedgerCharge).
		Where("subscription_id IN ? AND kind IN ?", ids, []LedgerKind{LedgerCharge, LedgerRefund}).
		Group("subscription_id").Scan(&spent).Error; err != nil {
		return out, err
	}
	for _, r := range spent {
		out[idx[r.SubscriptionID]].Spent = r.Net
	}
	if !db.Migrator().HasTable("usage_records") {
		return out, nil
	}
	var usage []struct {
		SubscriptionID string
		Component      string
		Period         string
		Quantity       int64
	}
	if err := db.Table("usage_records").Select("subscription_id, component, period, quantity").
		Where("subscription_id IN ?", ids).Order("period").Scan(&usage).Error; err != nil {
		return out, err
	}
	latest := map[string]string{}
	for _, u := range usage {
		latest[u.SubscriptionID] = u.Period // ordered by period: the last one wins
	}
	for _, u := range usage {
		if u.Period == latest[u.SubscriptionID] {
			out[idx[u.SubscriptionID]].Usage[u.Component] = u.Quantity
		}
	}
	return out, nil
}
