package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CreateInvoice inserts inv unless the subscription already has an invoice with
// its DedupeKey, and returns the stored one either way (idempotent on retry).
func (s *Store) CreateInvoice(ctx context.Context, inv Invoice) (Invoice, error) {
	if err := s.WithContext(ctx).Clauses(onConflictNothing).Create(&inv).Error; err != nil {
		return inv, err
	}
	var got Invoice
	err := s.WithContext(ctx).Take(&got, "subscription_id = ? AND dedupe_key = ?", inv.SubscriptionID, inv.DedupeKey).Error
	return got, notFound(err, "invoice")
}

// InvoiceByID loads an invoice (for activities; no tenant check).
func (s *Store) InvoiceByID(ctx context.Context, id string) (Invoice, error) {
	var inv Invoice
	err := s.WithContext(ctx).Take(&inv, "id = ?", id).Error
	return inv, notFound(err, "invoice")
}

// SubscriptionInvoices lists a subscription's invoices, newest first.
func (s *Store) SubscriptionInvoices(ctx context.Context, subscriptionID string, limit int) ([]Invoice, error) {
	var out []Invoice
	if limit <= 0 || limit > 100 {
		limit = 24
	}
	err := s.WithContext(ctx).Where("subscription_id = ?", subscriptionID).Order("created_at DESC, id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// BillingPlan loads a plan by ID (for billing; no visibility check).
func (s *Store) BillingPlan(ctx context.Context, id string) (Plan, error) {
	var p Plan
	err := s.WithContext(ctx).Take(&p, "id = ?", id).Error
	return p, notFound(err, "plan")
}

// BillingChange is one step of a subscription's billing, applied in one
// transaction; nil and empty fields are unchanged.
type BillingChange struct {
	SubscriptionID string
	AgentID        string
	At             time.Time

	InvoiceID    string
	InvoiceState InvoiceState
	ChargeID     string
	Attempts     *int
	LastError    *string

	State             SubscriptionState
	PlanID            string
	Price             *int64
	PaymentMethod     string
	PendingPlanID     *string
	CancelAtPeriodEnd *bool
	PeriodStart       *time.Time
	PeriodEnd         *time.Time
	Canceled          bool

	AgentStatus AgentStatus
	AgentReason *string

	// Ledger, when set, is recorded once (its DedupeKey makes a retry a no-op).
	Ledger *LedgerEntry
}

// ApplyBillingChange applies c in one transaction. Every write is idempotent,
// so a retried local activity changes nothing twice.
func (s *Store) ApplyBillingChange(ctx context.Context, c BillingChange) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		if err := applyInvoiceChange(tx, c); err != nil {
			return err
		}
		sub := map[string]any{}
		set(sub, "state", string(c.State))
		set(sub, "plan_id", c.PlanID)
		set(sub, "payment_method", c.PaymentMethod)
		if c.Price != nil {
			sub["price"] = *c.Price
		}
		if c.PendingPlanID != nil {
			sub["pending_plan_id"] = *c.PendingPlanID
		}
		if c.CancelAtPeriodEnd != nil {
			sub["cancel_at_period_end"] = *c.CancelAtPeriodEnd
		}
		if c.PeriodStart != nil {
			sub["current_period_start"] = *c.PeriodStart
		}
		if c.PeriodEnd != nil {
			sub["current_period_end"] = *c.PeriodEnd
		}
		if c.Canceled {
			sub["canceled_at"] = c.At
		}
		if len(sub) > 0 {
			sub["updated_at"] = c.At
			if err := tx.Model(&Subscription{}).Where("id = ?", c.SubscriptionID).Updates(sub).Error; err != nil {
				return err
			}
			if c.State != "" {
				var offeringID string
				if err := tx.Model(&Subscription{}).Where("id = ?", c.SubscriptionID).Pluck("offering_id", &offeringID).Error; err != nil {
					return err
				}
				if err := refreshActiveSubscriptions(tx, offeringID); err != nil {
					return err
				}
			}
		}
		if c.AgentID != "" && (c.AgentStatus != "" || c.AgentReason != nil) {
			agent := map[string]any{"updated_at": c.At}
			set(agent, "status", string(c.AgentStatus))
			if c.AgentReason != nil {
				agent["status_reason"] = *c.AgentReason
			}
			if err := tx.Model(&Agent{}).Where("id = ?", c.AgentID).Updates(agent).Error; err != nil {
				return err
			}
		}
		if c.Ledger != nil {
			e := *c.Ledger
			if e.ID == "" {
				e.ID = NewID("led")
			}
			e.CreatedAt = Now()
			if err := tx.Clauses(onConflictNothing).Create(&e).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

func applyInvoiceChange(tx *gorm.DB, c BillingChange) error {
	if c.InvoiceID == "" {
		return nil
	}
	inv := map[string]any{"updated_at": c.At}
	set(inv, "state", string(c.InvoiceState))
	set(inv, "charge_id", c.ChargeID)
	if c.Attempts != nil {
		inv["attempts"] = *c.Attempts
	}
	if c.LastError != nil {
		inv["last_error"] = *c.LastError
	}
	if c.InvoiceState == InvoicePaid {
		inv["paid_at"] = c.At
	}
	q := tx.Model(&Invoice{}).Where("id = ?", c.InvoiceID)
	if c.InvoiceState != InvoicePaid {
		// A paid invoice stays paid: a late failure report must not reopen it.
		q = q.Where("state <> ?", InvoicePaid)
	}
	return q.Updates(inv).Error
}

// UpsertUsage stores the quantity of one usage component for one billing
// period of a subscription (period: UsagePeriodKey of the period's start). A
// repeated report overwrites the quantity, never adds to it.
func (s *Store) UpsertUsage(ctx context.Context, subscriptionID, component, period string, quantity int64) error {
	if quantity < 0 {
		quantity = 0
	}
	r := UsageRecord{SubscriptionID: subscriptionID, Component: component, Period: period, Quantity: quantity, UpdatedAt: Now()}
	return s.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "subscription_id"}, {Name: "component"}, {Name: "period"}},
		DoUpdates: clause.AssignmentColumns([]string{"quantity", "updated_at"}),
	}).Create(&r).Error
}

// AggregateUsage sums the usage Site-Kit heartbeats reported for a subscription
// in [start, end) (agent_usage holds each heartbeat's delta against the
// cumulative counter) into the period's usage records, one per unit. Running
// it again overwrites the records with the same sums, so it never double-bills.
func (s *Store) AggregateUsage(ctx context.Context, subscriptionID string, start, end time.Time) error {
	var sums []struct {
		Unit     string
		Quantity int64
	}
	if err := s.WithContext(ctx).Model(&AgentUsage{}).Select("unit, SUM(quantity) AS quantity").
		Where("subscription_id = ? AND at >= ? AND at < ?", subscriptionID, start.UTC(), end.UTC()).
		Group("unit").Order("unit").Scan(&sums).Error; err != nil {
		return err
	}
	period := UsagePeriodKey(start)
	for _, u := range sums {
		if err := s.UpsertUsage(ctx, subscriptionID, u.Unit, period, u.Quantity); err != nil {
			return err
		}
	}
	return nil
}

// UsageOfPeriod returns a subscription's usage per component for one period.
func (s *Store) UsageOfPeriod(ctx context.Context, subscriptionID, period string) (map[string]int64, error) {
	var rows []UsageRecord
	if err := s.WithContext(ctx).Where("subscription_id = ? AND period = ?", subscriptionID, period).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Component] = r.Quantity
	}
	return out, nil
}

func (s *Store) subscriptionViews(ctx context.Context) *gorm.DB {
	return s.WithContext(ctx).Table("subscriptions").
		Select("subscriptions.*, agents.id AS agent_id, offerings.name AS offering_name, offerings.provider_id AS provider_id, plans.name AS plan_name").
		Joins("LEFT JOIN agents ON agents.subscription_id = subscriptions.id").
		Joins("LEFT JOIN offerings ON offerings.id = subscriptions.offering_id").
		Joins("LEFT JOIN plans ON plans.id = subscriptions.plan_id")
}

// BuyerSubscriptions lists the subscriptions of the given organizations, newest
// first, optionally in one state.
func (s *Store) BuyerSubscriptions(ctx context.Context, orgIDs []string, state string) ([]SubscriptionView, error) {
	var out []SubscriptionView
	if len(orgIDs) == 0 {
		return out, nil
	}
	// A subscription whose checkout was declined was never bought (its order shows
	// the decline); like My Agents, the list leaves it out.
	q := s.subscriptionViews(ctx).Where("subscriptions.organization_id IN ?", orgIDs).
		Where("subscriptions.order_id NOT IN (?)", s.WithContext(ctx).Table("orders").Select("id").
			Where("organization_id IN ? AND state = ? AND charge_id = ''", orgIDs, OrderErred))
	if state != "" {
		q = q.Where("subscriptions.state = ?", state)
	}
	err := q.Order("subscriptions.id DESC").Limit(500).Scan(&out).Error
	return out, err
}

// BuyerSubscription loads one subscription if it belongs to one of orgIDs
// (not_found otherwise, so one tenant cannot learn another's exists).
func (s *Store) BuyerSubscription(ctx context.Context, orgIDs []string, id string) (SubscriptionView, error) {
	var out []SubscriptionView
	if len(orgIDs) == 0 {
		return SubscriptionView{}, notFound(gorm.ErrRecordNotFound, "subscription")
	}
	err := s.subscriptionViews(ctx).Where("subscriptions.id = ? AND subscriptions.organization_id IN ?", id, orgIDs).Limit(1).Scan(&out).Error
	if err != nil {
		return SubscriptionView{}, err
	}
	if len(out) == 0 {
		return SubscriptionView{}, notFound(gorm.ErrRecordNotFound, "subscription")
	}
	return out[0], nil
}
