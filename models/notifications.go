package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// NotificationKind says what a notification reports; the provider's
// preferences switch some kinds off.
type NotificationKind string

// Notification kinds. Orders, reviews and payouts follow the provider's
// notify_* switches; listing decisions and the review reminder are always
// sent, because they ask the provider to act (or explain a delay).
const (
	NotifyOrder           NotificationKind = "order"
	NotifyReview          NotificationKind = "review"
	NotifyPayout          NotificationKind = "payout"
	NotifyListingApproved NotificationKind = "listing_approved"
	NotifyListingRejected NotificationKind = "listing_rejected"
	NotifyListingReminder NotificationKind = "listing_reminder"
)

// Notification is one row of the outbox: written in the transaction of the
// event it reports, delivered later by a Notifier, which sets SentAt.
type Notification struct {
	ID             string `gorm:"primaryKey"`
	ProviderID     string
	OrganizationID string
	Kind           NotificationKind
	Subject        string
	Body           string
	Email          string
	// DedupeKey ("order:<id>", ...) makes a retried write a no-op.
	DedupeKey string
	CreatedAt time.Time
	SentAt    *time.Time
}

// wanted reports whether the provider's settings let a kind through.
func (st ProviderSettings) wanted(k NotificationKind) bool {
	switch k {
	case NotifyOrder:
		return st.NotifyOrders
	case NotifyReview:
		return st.NotifyReviews
	case NotifyPayout:
		return st.NotifyPayouts
	}
	return true
}

// notify writes a provider notification in tx unless the provider switched
// its kind off. The address is the notification email, else the provider's
// support email; without either the row is still kept for the in-app view.
func (s *Store) notify(tx *gorm.DB, n Notification) error {
	if n.ProviderID == "" {
		return nil
	}
	st := ProviderSettings{ProviderID: n.ProviderID, NotifyOrders: true, NotifyReviews: true, NotifyPayouts: true}
	if err := tx.Take(&st, "provider_id = ?", n.ProviderID).Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return err
	}
	if !st.wanted(n.Kind) {
		return nil
	}
	n.Email = st.NotificationEmail
	if n.Email == "" {
		var p Provider
		if err := tx.Select("id, support_email").Take(&p, "id = ?", n.ProviderID).Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		n.Email = p.SupportEmail
	}
	n.ID = NewID("ntf")
	if n.CreatedAt.IsZero() {
		n.CreatedAt = Now()
	}
	n.CreatedAt = n.CreatedAt.UTC()
	return tx.Clauses(onConflictNothing).Create(&n).Error
}

// notifyOrderDone tells the offering's provider about a completed order.
func (s *Store) notifyOrderDone(tx *gorm.DB, orderID string, at time.Time) error {
	var row struct {
		OfferingID, OfferingName, ProviderID, PlanName, OrgName, OrganizationID string
		BillingCycle, Currency                                                  string
		Amount                                                                  int64
	}
	err := tx.Table("orders AS o").
		Select("o.offering_id, f.name AS offering_name, f.provider_id, p.name AS plan_name, g.name AS org_name, o.organization_id, o.billing_cycle, o.currency, o.amount").
		Joins("JOIN offerings f ON f.id = o.offering_id").
		Joins("LEFT JOIN plans p ON p.id = o.plan_id").
		Joins("LEFT JOIN organizations g ON g.id = o.organization_id").
		Where("o.id = ?", orderID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.notify(tx, Notification{ProviderID: row.ProviderID, OrganizationID: row.OrganizationID, Kind: NotifyOrder,
		Subject: fmt.Sprintf("New order: %s (%s)", row.OfferingName, row.PlanName),
		Body: fmt.Sprintf("%s bought %s on the %s plan (%s) for %s. Order %s.", row.OrgName, row.OfferingName, row.PlanName,
			row.BillingCycle, moneyText(row.Amount, row.Currency), orderID),
		DedupeKey: "order:" + orderID, CreatedAt: at})
}

// notifyReview tells the offering's provider about a new review.
func (s *Store) notifyReview(tx *gorm.DB, r Review) error {
	var o Offering
	if err := tx.Select("id, name, provider_id").Take(&o, "id = ?", r.OfferingID).Error; err != nil {
		return err
	}
	body := fmt.Sprintf("%d of 5 stars", r.Rating)
	if r.Title != "" {
		body += ": " + r.Title
	}
	return s.notify(tx, Notification{ProviderID: o.ProviderID, Kind: NotifyReview,
		Subject: fmt.Sprintf("New review of %s: %d/5", o.Name, r.Rating), Body: body + ". Reply from the offering's reviews page.",
		DedupeKey: "review:" + r.ID, CreatedAt: r.CreatedAt})
}

// notifyPayoutPaid tells the provider money is on its way.
func (s *Store) notifyPayoutPaid(tx *gorm.DB, p Payout, at time.Time) error {
	if p.Amount <= 0 {
		return nil // nothing was transferred
	}
	return s.notify(tx, Notification{ProviderID: p.ProviderID, Kind: NotifyPayout,
		Subject: fmt.Sprintf("Payout of %s sent", moneyText(p.Amount, p.Currency)),
		Body: fmt.Sprintf("Your %s earnings of %s (after a %s platform fee) were transferred (%s). Payout %s.",
			p.Period, moneyText(p.Amount, p.Currency), moneyText(p.Fee, p.Currency), p.TransferID, p.ID),
		DedupeKey: "payout:" + p.ID, CreatedAt: at})
}

// notifyListingStep tells the provider a listing decision (or that its review
// is overdue); other steps say nothing.
func (s *Store) notifyListingStep(tx *gorm.DB, st ListingReviewStep, at time.Time) error {
	var kind NotificationKind
	switch st.Kind {
	case ListingEventApproved:
		kind = NotifyListingApproved
	case ListingEventRejected, ListingEventChecksFailed:
		kind = NotifyListingRejected
	case ListingEventReminder:
		kind = NotifyListingReminder
	default:
		return nil
	}
	var o Offering
	if err := tx.Select("id, name, provider_id").Take(&o, "id = ?", st.OfferingID).Error; err != nil {
		return err
	}
	what := o.Name
	if st.RevisionID != "" {
		what = "the plan changes of " + o.Name
	}
	var subject, body string
	switch kind {
	case NotifyListingApproved:
		subject, body = "Approved: "+what, what+" is live in the marketplace."
	case NotifyListingRejected:
		subject, body = "Changes needed: "+what, "The review of "+what+" found: "+strings.TrimRight(strings.TrimSpace(st.Note), ".")+". Edit and submit again."
	default:
		subject, body = "Review taking longer: "+what, "The review of "+what+" is past its target time; the operators have been reminded."
	}
	return s.notify(tx, Notification{ProviderID: o.ProviderID, Kind: kind, Subject: subject, Body: strings.TrimSpace(body),
		DedupeKey: "listing:" + st.DedupeKey, CreatedAt: at})
}

// NotificationsOf lists a provider's notifications, newest first: at most
// limit, older than the before ID when set (cursor pagination).
func (s *Store) NotificationsOf(ctx context.Context, providerID, before string, limit int) ([]Notification, error) {
	q := s.WithContext(ctx).Where("provider_id = ?", providerID)
	if before != "" {
		q = q.Where("id < ?", before)
	}
	var out []Notification
	err := q.Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// UnsentNotifications returns up to limit rows not delivered yet, oldest first.
func (s *Store) UnsentNotifications(ctx context.Context, limit int) ([]Notification, error) {
	var out []Notification
	err := s.WithContext(ctx).Where("sent_at IS NULL").Order("id").Limit(limit).Find(&out).Error
	return out, err
}

// MarkNotificationSent records a delivery; false when another sender already did.
func (s *Store) MarkNotificationSent(ctx context.Context, id string, at time.Time) (bool, error) {
	r := s.WithContext(ctx).Model(&Notification{}).Where("id = ? AND sent_at IS NULL", id).Update("sent_at", at.UTC())
	return r.RowsAffected > 0, r.Error
}

// moneyText renders minor units for a message ("29.00 USD").
func moneyText(minor int64, currency string) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, minor/100, minor%100, strings.ToUpper(currency))
}
