package models

import (
	"context"
	"time"

	"github.com/cmp-platform/cmp/internal/errs"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Review is an organization's verified rating of an offering it bought. There is
// one per organization per offering; the provider may answer it once, and an
// operator may hide it (hidden reviews leave the aggregates and public lists).
type Review struct {
	ID             string `gorm:"primaryKey"`
	OfferingID     string
	OrganizationID string
	UserID         string
	Rating         int
	Title          string
	Body           string
	ReplyBody      string
	ReplyUserID    string
	RepliedAt      *time.Time
	Hidden         bool
	HiddenReason   string
	HiddenBy       string
	HiddenAt       *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time

	// AuthorName is the reviewer's display name (read with the review, not stored).
	AuthorName string `gorm:"->;-:migration"`
}

// RatingSummary is an offering's rating: the average, the count and how many
// reviews gave each of 1 to 5 stars (index 0 is one star).
type RatingSummary struct {
	Average   float64
	Count     int64
	Histogram [5]int64
}

// PurchasingOrganization returns the organization through which userID may review
// offeringID: one the user belongs to that has or had a subscription to it (any
// state but failed). orgID, when set, must be such an organization.
func (s *Store) PurchasingOrganization(ctx context.Context, userID, offeringID, orgID string) (string, error) {
	q := s.WithContext(ctx).Table("memberships").Select("memberships.organization_id").
		Where("memberships.user_id = ?", userID).
		Where("EXISTS (SELECT 1 FROM subscriptions WHERE subscriptions.organization_id = memberships.organization_id AND subscriptions.offering_id = ? AND subscriptions.state <> ?)", offeringID, SubscriptionFailed)
	if orgID != "" {
		q = q.Where("memberships.organization_id = ?", orgID)
	}
	var ids []string
	if err := q.Order("memberships.organization_id").Limit(1).Pluck("memberships.organization_id", &ids).Error; err != nil {
		return "", err
	}
	if len(ids) == 0 {
		return "", errs.New(errs.Forbidden, "only members of an organization that bought this offering may review it").WithReason("verified_purchase_required")
	}
	return ids[0], nil
}

// CreateReview stores a review and updates the offering's and provider's ratings
// in the same transaction. A second review by the same organization is a conflict.
func (s *Store) CreateReview(ctx context.Context, r *Review) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		if err := lockRatings(tx, r.OfferingID); err != nil {
			return err
		}
		if err := tx.Omit("AuthorName").Create(r).Error; err != nil {
			if IsDuplicate(err) {
				var got Review
				_ = tx.Take(&got, "offering_id = ? AND organization_id = ?", r.OfferingID, r.OrganizationID).Error
				return errs.New(errs.Conflict, "your organization already reviewed this offering: edit that review instead").
					WithReason("review_exists").WithDetails(map[string]any{"review_id": got.ID})
			}
			return err
		}
		if err := refreshRatings(tx, r.OfferingID); err != nil {
			return err
		}
		return s.notifyReview(tx, *r)
	})
}

// UpdateReview changes fields of a review and refreshes the ratings.
func (s *Store) UpdateReview(ctx context.Context, r Review, fields map[string]any) (Review, error) {
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		if err := lockRatings(tx, r.OfferingID); err != nil {
			return err
		}
		fields["updated_at"] = Now()
		if err := tx.Model(&Review{}).Where("id = ?", r.ID).Updates(fields).Error; err != nil {
			return err
		}
		return refreshRatings(tx, r.OfferingID)
	})
	if err != nil {
		return r, err
	}
	return s.BuyerReviewOf(ctx, r.OfferingID, r.ID)
}

// ReplyToReview records the provider's one public reply; a second is a conflict.
func (s *Store) ReplyToReview(ctx context.Context, r Review, userID, body string) (Review, error) {
	now := Now()
	res := s.WithContext(ctx).Model(&Review{}).Where("id = ? AND reply_body = ''", r.ID).
		Updates(map[string]any{"reply_body": body, "reply_user_id": userID, "replied_at": now})
	if res.Error != nil {
		return r, res.Error
	}
	if res.RowsAffected == 0 {
		return r, errs.New(errs.Conflict, "this review already has the provider's reply").WithReason("reply_exists")
	}
	return s.BuyerReviewOf(ctx, r.OfferingID, r.ID)
}

// BuyerReviewOf loads a buyer review of an offering (hidden ones too: callers decide who sees them).
func (s *Store) BuyerReviewOf(ctx context.Context, offeringID, id string) (Review, error) {
	var r Review
	err := s.WithContext(ctx).Table("reviews").Select("reviews.*, users.name AS author_name").
		Joins("JOIN users ON users.id = reviews.user_id").
		Where("reviews.id = ? AND reviews.offering_id = ?", id, offeringID).Take(&r).Error
	return r, notFound(err, "review")
}

// ListReviews lists an offering's visible reviews, newest first, after the
// review ID before ("" for the first page).
func (s *Store) ListReviews(ctx context.Context, offeringID, before string, limit int) ([]Review, error) {
	var out []Review
	q := s.WithContext(ctx).Table("reviews").Select("reviews.*, users.name AS author_name").
		Joins("JOIN users ON users.id = reviews.user_id").
		Where("reviews.offering_id = ? AND reviews.hidden = ?", offeringID, false)
	if before != "" {
		q = q.Where("reviews.id < ?", before)
	}
	err := q.Order("reviews.id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// RatingSummaryOf aggregates an offering's visible reviews.
func (s *Store) RatingSummaryOf(ctx context.Context, offeringID string) (RatingSummary, error) {
	var rows []struct {
		Rating int
		N      int64
	}
	var sum RatingSummary
	err := s.WithContext(ctx).Model(&Review{}).Select("rating, COUNT(*) AS n").
		Where("offering_id = ? AND hidden = ?", offeringID, false).Group("rating").Scan(&rows).Error
	if err != nil {
		return sum, err
	}
	var total int64
	for _, r := range rows {
		if r.Rating >= 1 && r.Rating <= 5 {
			sum.Histogram[r.Rating-1] = r.N
			sum.Count += r.N
			total += int64(r.Rating) * r.N
		}
	}
	if sum.Count > 0 {
		sum.Average = float64(total) / float64(sum.Count)
	}
	return sum, nil
}

// lockRatings takes the offering's and its provider's rows for update, always in
// that order, so concurrent reviews recompute aggregates one after another
// (SQLite transactions are already serialised by _txlock=immediate).
func lockRatings(tx *gorm.DB, offeringID string) error {
	var o Offering
	q := tx.Select("id, provider_id").Where("id = ?", offeringID)
	if tx.Dialector.Name() == "postgres" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Take(&o).Error; err != nil {
		return notFound(err, "offering")
	}
	if tx.Dialector.Name() == "postgres" {
		return tx.Exec("SELECT id FROM providers WHERE id = ? FOR UPDATE", o.ProviderID).Error
	}
	return nil
}

// refreshRatings recomputes the offering's rating from its visible reviews and the
// provider's from the visible reviews of all its offerings.
func refreshRatings(tx *gorm.DB, offeringID string) error {
	err := tx.Exec(`UPDATE offerings SET
		rating_avg = COALESCE((SELECT AVG(rating) FROM reviews WHERE offering_id = ? AND hidden = ?), 0),
		rating_count = (SELECT COUNT(*) FROM reviews WHERE offering_id = ? AND hidden = ?)
		WHERE id = ?`, offeringID, false, offeringID, false, offeringID).Error
	if err != nil {
		return err
	}
	return tx.Exec(`UPDATE providers SET
		rating_avg = COALESCE((SELECT AVG(r.rating) FROM reviews r JOIN offerings o ON o.id = r.offering_id WHERE o.provider_id = providers.id AND r.hidden = ?), 0),
		rating_count = (SELECT COUNT(*) FROM reviews r JOIN offerings o ON o.id = r.offering_id WHERE o.provider_id = providers.id AND r.hidden = ?)
		WHERE id = (SELECT provider_id FROM offerings WHERE id = ?)`, false, false, offeringID).Error
}
