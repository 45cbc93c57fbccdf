package models

import (
	"context"
	"slices"
	"time"

	"github.com/cmp-platform/cmp/internal/errs"
	"gorm.io/gorm"
)

// ListingReviewStep is one step of a listing review as the approval workflow records it.
// DedupeKey (derived from the workflow run and round) makes a retried record a no-op.
type ListingReviewStep struct {
	OfferingID string
	RevisionID string
	Round      int
	Kind       string
	Actor      string
	Note       string
	Checks     []ListingCheck
	DedupeKey  string
	At         time.Time
}

// RecordListingReviewStep appends the step to the history and applies it, in one
// transaction: the review row, the offering's state (or the revision's), and on
// approval the live listing. Recording the same DedupeKey twice changes nothing.
func (s *Store) RecordListingReviewStep(ctx context.Context, st ListingReviewStep) error {
	at := st.At.UTC().Truncate(time.Microsecond)
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		ev := ListingReviewEvent{ID: NewID("rev"), OfferingID: st.OfferingID, RevisionID: st.RevisionID, Round: st.Round, Kind: st.Kind,
			Actor: st.Actor, Note: st.Note, Checks: NewJSON(nonNilChecks(st.Checks)), DedupeKey: st.DedupeKey, At: at}
		res := tx.Clauses(onConflictNothing).Create(&ev)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil // recorded by an earlier attempt
		}
		if err := applyListingReviewStep(tx, st, at); err != nil {
			return err
		}
		return s.notifyListingStep(tx, st, at)
	})
	if err != nil || (st.Kind != ListingEventApproved) {
		return err
	}
	return s.RefreshStartingPrice(ctx, st.OfferingID)
}

func applyListingReviewStep(tx *gorm.DB, st ListingReviewStep, at time.Time) error {
	review := tx.Model(&ListingReview{}).Where("offering_id = ?", st.OfferingID)
	switch st.Kind {
	case ListingEventSubmitted:
		row := ListingReview{OfferingID: st.OfferingID, RevisionID: st.RevisionID, Round: st.Round, Status: ListingChecking,
			Checks: NewJSON([]ListingCheck{}), SubmittedAt: &at, UpdatedAt: at}
		if err := tx.Save(&row).Error; err != nil {
			return err
		}
		if st.RevisionID != "" {
			return moveRevision(tx, st.RevisionID, RevisionPending, "")
		}
		return tx.Model(&Offering{}).Where("id = ? AND state IN ?", st.OfferingID, []OfferingState{OfferingDraft, OfferingRejected, OfferingPendingReview}).
			Updates(map[string]any{"state": OfferingPendingReview, "updated_at": at}).Error
	case ListingEventChecksPassed:
		return review.Updates(map[string]any{"status": ListingPending, "checks": NewJSON(nonNilChecks(st.Checks)), "updated_at": at}).Error
	case ListingEventChecksFailed, ListingEventRejected:
		status := ListingRejected
		fields := map[string]any{"rejection_reason": st.Note, "decided_by": st.Actor, "decided_at": at, "updated_at": at}
		if st.Kind == ListingEventChecksFailed {
			status = ListingChecksFailed
			fields["checks"] = NewJSON(nonNilChecks(st.Checks))
		}
		fields["status"] = status
		if err := review.Updates(fields).Error; err != nil {
			return err
		}
		if st.RevisionID != "" {
			return moveRevision(tx, st.RevisionID, RevisionRejected, st.Note)
		}
		return tx.Model(&Offering{}).Where("id = ? AND state = ?", st.OfferingID, OfferingPendingReview).
			Updates(map[string]any{"state": OfferingRejected, "updated_at": at}).Error
	case ListingEventReminder:
		return review.Updates(map[string]any{"reminders": gorm.Expr("reminders + 1"), "updated_at": at}).Error
	case ListingEventApproved:
		if err := review.Updates(map[string]any{"status": ListingApproved, "decided_by": st.Actor, "note": st.Note,
			"rejection_reason": "", "decided_at": at, "updated_at": at}).Error; err != nil {
			return err
		}
		if st.RevisionID != "" {
			return applyRevision(tx, st.RevisionID, at)
		}
		return tx.Model(&Offering{}).Where("id = ? AND state = ?", st.OfferingID, OfferingPendingReview).
			Updates(map[string]any{"state": OfferingActive, "published_at": gorm.Expr("COALESCE(published_at, ?)", at), "updated_at": at}).Error
	}
	return errs.New(errs.Invalid, "unknown review step %q", st.Kind)
}

func moveRevision(tx *gorm.DB, id string, to RevisionState, reason string) error {
	return tx.Model(&OfferingRevision{}).Where("id = ? AND state <> ?", id, RevisionApplied).
		Updates(map[string]any{"state": to, "rejection_reason": reason, "updated_at": Now()}).Error
}

// applyRevision makes a revision's plans live. Existing subscriptions keep the
// price stored on them until renewal; new checkouts see the new prices.
func applyRevision(tx *gorm.DB, id string, at time.Time) error {
	var r OfferingRevision
	if err := tx.Take(&r, "id = ?", id).Error; err != nil {
		return notFound(err, "revision")
	}
	if r.State == RevisionApplied {
		return nil
	}
	for _, p := range r.Plans.V {
		plan := Plan{ID: p.ID, OfferingID: r.OfferingID, Name: p.Name, Description: p.Description, PriceMonthly: p.PriceMonthly,
			PriceAnnual: p.PriceAnnual, Currency: p.Currency, Components: NewJSON(p.Components), Features: NewJSON(p.Features),
			Limits: NewJSON(p.Limits), Position: p.Position, UpdatedAt: at}
		switch {
		case p.Removed && p.ID != "":
			if err := tx.Where("id = ? AND offering_id = ?", p.ID, r.OfferingID).Delete(&Plan{}).Error; err != nil {
				return err
			}
		case p.Removed:
		case p.ID == "":
			plan.ID, plan.CreatedAt = NewID("pln"), at
			if err := tx.Create(&plan).Error; err != nil {
				return err
			}
		default:
			if err := tx.Model(&Plan{}).Where("id = ? AND offering_id = ?", p.ID, r.OfferingID).Select("*").Omit("id", "offering_id", "created_at").Updates(&plan).Error; err != nil {
				return err
			}
		}
	}
	return tx.Model(&OfferingRevision{}).Where("id = ?", id).Updates(map[string]any{"state": RevisionApplied, "applied_at": at, "updated_at": at}).Error
}

func nonNilChecks(c []ListingCheck) []ListingCheck {
	if c == nil {
		return []ListingCheck{}
	}
	return c
}

// ListingReviewOf loads an offering's current review; never reviewed is not found.
func (s *Store) ListingReviewOf(ctx context.Context, offeringID string) (ListingReview, error) {
	var r ListingReview
	err := s.WithContext(ctx).Take(&r, "offering_id = ?", offeringID).Error
	return r, notFound(err, "review")
}

// ListingReviewEvents is an offering's review history, oldest first.
func (s *Store) ListingReviewEvents(ctx context.Context, offeringID string) ([]ListingReviewEvent, error) {
	var out []ListingReviewEvent
	err := s.WithContext(ctx).Where("offering_id = ?", offeringID).Order("at, id").Find(&out).Error
	return out, err
}

// ListingReviewQueueItem is an offering with its current review.
type ListingReviewQueueItem struct {
	Offering Offering
	Review   ListingReview
}

// ListingReviewQueue lists reviews in a status (all when empty), oldest submission
// first, with their offerings and providers.
func (s *Store) ListingReviewQueue(ctx context.Context, status string, limit int) ([]ListingReviewQueueItem, error) {
	q := s.WithContext(ctx).Order("submitted_at, offering_id").Limit(limit)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var reviews []ListingReview
	if err := q.Find(&reviews).Error; err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(reviews))
	for _, r := range reviews {
		ids = append(ids, r.OfferingID)
	}
	var offs []Offering
	if err := s.WithContext(ctx).Where("id IN ?", ids).Preload("Provider").Preload("Plans", plansInOrder).Find(&offs).Error; err != nil {
		return nil, err
	}
	byID := map[string]Offering{}
	for _, o := range offs {
		byID[o.ID] = o
	}
	out := make([]ListingReviewQueueItem, 0, len(reviews))
	for _, r := range reviews {
		out = append(out, ListingReviewQueueItem{Offering: byID[r.OfferingID], Review: r})
	}
	return out, nil
}

// ListingReviewStats summarises operator decisions: approval rate and time to approve.
type ListingReviewStats struct {
	Pending      int64
	Approved     int
	Rejected     int
	ChecksFailed int
	// ApprovalRate is approved / (approved + rejected) operator decisions; 0 with none.
	ApprovalRate     float64
	AvgTimeToApprove time.Duration
	P50TimeToApprove time.Duration
	MaxTimeToApprove time.Duration
	RemindersOverSLA int
}

// ListingReviewStatistics computes ListingReviewStats from the review history.
func (s *Store) ListingReviewStatistics(ctx context.Context) (ListingReviewStats, error) {
	var st ListingReviewStats
	if err := s.WithContext(ctx).Model(&ListingReview{}).Where("status IN ?", []ListingReviewStatus{ListingPending, ListingChecking}).Count(&st.Pending).Error; err != nil {
		return st, err
	}
	var evs []ListingReviewEvent
	if err := s.WithContext(ctx).Select("offering_id, revision_id, round, kind, at").Order("at, id").Find(&evs).Error; err != nil {
		return st, err
	}
	type roundKey struct {
		off, rev string
		round    int
	}
	submitted := map[roundKey]time.Time{}
	var waits []time.Duration
	for _, e := range evs {
		k := roundKey{e.OfferingID, e.RevisionID, e.Round}
		switch e.Kind {
		case ListingEventSubmitted:
			submitted[k] = e.At
		case ListingEventApproved:
			st.Approved++
			if t, ok := submitted[k]; ok {
				waits = append(waits, e.At.Sub(t))
			}
		case ListingEventRejected:
			st.Rejected++
		case ListingEventChecksFailed:
			st.ChecksFailed++
		case ListingEventReminder:
			st.RemindersOverSLA++
		}
	}
	if n := st.Approved + st.Rejected; n > 0 {
		st.ApprovalRate = float64(st.Approved) / float64(n)
	}
	if len(waits) > 0 {
		slices.Sort(waits)
		var sum time.Duration
		for _, w := range waits {
			sum += w
		}
		st.AvgTimeToApprove = sum / time.Duration(len(waits))
		st.P50TimeToApprove = waits[len(waits)/2]
		st.MaxTimeToApprove = waits[len(waits)-1]
	}
	return st, nil
}
