package models

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// WebhookState is what became of a verified payment-provider event.
type WebhookState string

// Webhook states.
const (
	WebhookProcessed WebhookState = "processed" // acted on (a signal sent, a ledger entry booked)
	WebhookUnmatched WebhookState = "unmatched" // no known workflow, order or charge: kept and reported
	WebhookIgnored   WebhookState = "ignored"   // a type CMP does not act on
	WebhookFailed    WebhookState = "failed"    // processing failed; answered non-2xx so the sender retries
)

// WebhookEvent is one verified event, stored once by its ID.
type WebhookEvent struct {
	ID          string `gorm:"primaryKey"`
	Type        string
	State       WebhookState
	ObjectID    string
	Target      string // the workflow signalled, or the order/charge booked against
	Detail      string
	Payload     string `json:"-"`
	Attempts    int64
	ReceivedAt  time.Time
	ProcessedAt *time.Time
}

// ClaimWebhook stores a newly received event. It returns the stored event and
// whether it still needs processing: false for an event already processed,
// unmatched or ignored (a replay), true for a new one or one whose processing
// failed before (the sender's retry).
func (s *Store) ClaimWebhook(ctx context.Context, e WebhookEvent) (WebhookEvent, bool, error) {
	db := s.WithContext(ctx)
	r := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&e)
	if r.Error != nil {
		return e, false, r.Error
	}
	if r.RowsAffected == 1 {
		return e, true, nil
	}
	var got WebhookEvent
	if err := db.Take(&got, "id = ?", e.ID).Error; err != nil {
		return got, false, err
	}
	if got.State != WebhookFailed {
		return got, false, nil
	}
	err := db.Model(&WebhookEvent{}).Where("id = ?", e.ID).Update("attempts", got.Attempts+1).Error
	return got, true, err
}

// FinishWebhook records what processing did.
func (s *Store) FinishWebhook(ctx context.Context, id string, state WebhookState, target, detail string) error {
	now := Now()
	return s.WithContext(ctx).Model(&WebhookEvent{}).Where("id = ?", id).
		Updates(map[string]any{"state": state, "target": target, "detail": detail, "processed_at": now}).Error
}

// ListWebhooks lists received events, newest first, optionally in one state.
func (s *Store) ListWebhooks(ctx context.Context, state string, limit int) ([]WebhookEvent, error) {
	q := s.WithContext(ctx).Model(&WebhookEvent{})
	if state != "" {
		q = q.Where("state = ?", state)
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var out []WebhookEvent
	err := q.Order("received_at DESC, id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// OrderByChargeID finds the order a payment belongs to.
func (s *Store) OrderByChargeID(ctx context.Context, chargeID string) (Order, error) {
	var o Order
	err := s.WithContext(ctx).Take(&o, "charge_id = ?", chargeID).Error
	return o, notFound(err, "order")
}
