package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Purchase is the set of rows one checkout creates: order, subscription and agent.
type Purchase struct {
	Order        Order
	Subscription Subscription
	Agent        Agent
}

// CreatePurchase inserts the order, its subscription and agent in one transaction.
// It is keyed by the order's workflow ID: a repeated call returns the rows made first.
func (s *Store) CreatePurchase(ctx context.Context, p Purchase) (Purchase, error) {
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&p.Order)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil
		}
		if err := tx.Create(&p.Subscription).Error; err != nil {
			return err
		}
		return tx.Create(&p.Agent).Error
	})
	if err != nil {
		return p, err
	}
	return s.PurchaseByWorkflow(ctx, p.Order.WorkflowID)
}

// PurchaseByWorkflow loads the rows of a checkout by its workflow ID.
func (s *Store) PurchaseByWorkflow(ctx context.Context, workflowID string) (Purchase, error) {
	var p Purchase
	db := s.WithContext(ctx)
	if err := db.Take(&p.Order, "workflow_id = ?", workflowID).Error; err != nil {
		return p, notFound(err, "order")
	}
	if err := db.Take(&p.Subscription, "order_id = ?", p.Order.ID).Error; err != nil {
		return p, notFound(err, "subscription")
	}
	err := db.Take(&p.Agent, "subscription_id = ?", p.Subscription.ID).Error
	return p, notFound(err, "agent")
}

// OrderByIdempotencyKey finds a user's order by the checkout's Idempotency-Key.
func (s *Store) OrderByIdempotencyKey(ctx context.Context, userID, key string) (Order, error) {
	var o Order
	err := s.WithContext(ctx).Take(&o, "user_id = ? AND idempotency_key = ?", userID, key).Error
	return o, notFound(err, "order")
}

// AddOrderStep records a step transition once (repeats are ignored).
func (s *Store) AddOrderStep(ctx context.Context, orderID, name, state, detail string, at time.Time) error {
	return s.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&OrderStep{OrderID: orderID, Name: name, State: state, Detail: detail, At: at}).Error
}

// UpdateOrder sets fields of an order.
func (s *Store) UpdateOrder(ctx context.Context, orderID string, fields map[string]any) error {
	fields["updated_at"] = Now()
	return s.WithContext(ctx).Model(&Order{}).Where("id = ?", orderID).Updates(fields).Error
}

// OrdersFilter narrows an order listing.
type OrdersFilter struct {
	OrganizationIDs []string
	State           string
	OfferingID      string
	From, To        *time.Time
	Limit           int
	Before          string // order ID cursor (IDs sort by creation time)
}

// ListOrders lists orders of the given organizations, newest first.
func (s *Store) ListOrders(ctx context.Context, f OrdersFilter) ([]Order, error) {
	var out []Order
	if len(f.OrganizationIDs) == 0 {
		return out, nil
	}
	q := s.WithContext(ctx).Where("organization_id IN ?", f.OrganizationIDs)
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if f.OfferingID != "" {
		q = q.Where("offering_id = ?", f.OfferingID)
	}
	if f.From != nil {
		q = q.Where("created_at >= ?", *f.From)
	}
	if f.To != nil {
		q = q.Where("created_at < ?", *f.To)
	}
	if f.Before != "" {
		q = q.Where("id < ?", f.Before)
	}
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 50
	}
	err := q.Order("id DESC").Limit(f.Limit).Find(&out).Error
	return out, err
}

// OrderForOrgs loads an order with its steps if it belongs to one of orgIDs.
func (s *Store) OrderForOrgs(ctx context.Context, orgIDs []string, id string) (Order, error) {
	var o Order
	if len(orgIDs) == 0 {
		return o, notFound(gorm.ErrRecordNotFound, "order")
	}
	err := s.WithContext(ctx).Preload("Steps", func(db *gorm.DB) *gorm.DB { return db.Order("at, id") }).
		Where("id = ? AND organization_id IN ?", id, orgIDs).Take(&o).Error
	return o, notFound(err, "order")
}
