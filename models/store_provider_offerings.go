package models

import (
	"context"

	"github.com/cmp-platform/cmp/internal/errs"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

func plansInOrder(db *gorm.DB) *gorm.DB { return db.Order("position, price_monthly, id") }

// CreateOffering inserts a provider's draft offering with a slug derived from its
// name, unique across the marketplace and never changed afterwards.
func (s *Store) CreateOffering(ctx context.Context, o *Offering) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		slug, err := uniqueSlug(tx, "offerings", Slugify(o.Name))
		if err != nil {
			return err
		}
		o.Slug = slug
		if err := tx.Omit(clause.Associations).Create(o).Error; err != nil {
			if IsDuplicate(err) {
				return errs.New(errs.Conflict, "an offering with this name was just created; try again")
			}
			return err
		}
		return nil
	})
}

// ProviderOfferings lists a provider's offerings, newest first, optionally in one state.
func (s *Store) ProviderOfferings(ctx context.Context, providerID, state string) ([]Offering, error) {
	q := s.WithContext(ctx).Where("provider_id = ?", providerID).Preload("Plans", plansInOrder)
	if state != "" {
		q = q.Where("state = ?", state)
	}
	var out []Offering
	err := q.Order("created_at DESC, id DESC").Find(&out).Error
	return out, err
}

// ProviderOffering loads one of a provider's offerings (by ID or slug) with its
// plans. Another provider's offering is not found.
func (s *Store) ProviderOffering(ctx context.Context, providerID, idOrSlug string) (Offering, error) {
	var o Offering
	err := s.WithContext(ctx).Where("provider_id = ? AND (id = ? OR slug = ?)", providerID, idOrSlug, idOrSlug).
		Preload("Plans", plansInOrder).Preload("Provider").Take(&o).Error
	return o, notFound(err, "offering")
}

// OfferingByID loads any offering with plans and provider (operators, activities).
func (s *Store) OfferingByID(ctx context.Context, id string) (Offering, error) {
	var o Offering
	err := s.WithContext(ctx).Where("id = ?", id).Preload("Plans", plansInOrder).Preload("Provider").Take(&o).Error
	return o, notFound(err, "offering")
}

// UpdateOffering changes fields of an offering.
func (s *Store) UpdateOffering(ctx context.Context, id string, fields map[string]any) error {
	fields["updated_at"] = Now()
	return s.WithContext(ctx).Model(&Offering{}).Where("id = ?", id).Updates(fields).Error
}

// MoveOffering changes an offering's state if it is still in from (compare and
// set), so two racing requests cannot both move it. A lost race is a conflict.
func (s *Store) MoveOffering(ctx context.Context, id string, from, to OfferingState, fields map[string]any) error {
	if fields == nil {
		fields = map[string]any{}
	}
	fields["state"], fields["updated_at"] = to, Now()
	res := s.WithContext(ctx).Model(&Offering{}).Where("id = ? AND state = ?", id, from).Updates(fields)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errs.New(errs.Conflict, "the offering is no longer %s", from)
	}
	return nil
}

// DeleteDraftOffering deletes an offering that is still a draft.
func (s *Store) DeleteDraftOffering(ctx context.Context, id string) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("id = ? AND state = ?", id, OfferingDraft).Delete(&Offering{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errs.New(errs.Conflict, "only a draft offering can be deleted; archive it instead").WithReason("not_draft")
		}
		return nil
	})
}

// CreatePlan adds a plan; a second plan with the same name is a conflict.
func (s *Store) CreatePlan(ctx context.Context, p *Plan) error {
	if err := s.WithContext(ctx).Create(p).Error; err != nil {
		if IsDuplicate(err) {
			return errs.Field("name", "the offering already has a plan named %q", p.Name).WithReason("duplicate_plan")
		}
		return err
	}
	return s.RefreshStartingPrice(ctx, p.OfferingID)
}

// SavePlan writes a changed plan.
func (s *Store) SavePlan(ctx context.Context, p *Plan) error {
	p.UpdatedAt = Now()
	if err := s.WithContext(ctx).Save(p).Error; err != nil {
		if IsDuplicate(err) {
			return errs.Field("name", "the offering already has a plan named %q", p.Name).WithReason("duplicate_plan")
		}
		return err
	}
	return s.RefreshStartingPrice(ctx, p.OfferingID)
}

// PlanSold reports whether any order bought the plan (it must then stay, for its subscribers).
func (s *Store) PlanSold(ctx context.Context, planID string) (bool, error) {
	var n int64
	err := s.WithContext(ctx).Table("orders").Where("plan_id = ?", planID).Count(&n).Error
	return n > 0, err
}

// DeletePlan removes a plan of an offering that has never sold it.
func (s *Store) DeletePlan(ctx context.Context, offeringID, planID string) error {
	if sold, err := s.PlanSold(ctx, planID); err != nil || sold {
		if err != nil {
			return err
		}
		return errs.New(errs.Conflict, "this plan has subscribers and cannot be removed").WithReason("plan_sold")
	}
	res := s.WithContext(ctx).Where("id = ? AND offering_id = ?", planID, offeringID).Delete(&Plan{})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errs.New(errs.NotFound, "plan not found")
	}
	return s.RefreshStartingPrice(ctx, offeringID)
}

// OfferingShares lists the organizations a private offering is shared with.
func (s *Store) OfferingShares(ctx context.Context, offeringID string) ([]string, error) {
	var ids []string
	err := s.WithContext(ctx).Table("offering_shares").Where("offering_id = ?", offeringID).Order("organization_id").Pluck("organization_id", &ids).Error
	return ids, err
}

// ShareOffering shares an offering with organizations (existing shares stay).
func (s *Store) ShareOffering(ctx context.Context, offeringID string, orgIDs []string) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		var found int64
		if err := tx.Model(&Organization{}).Where("id IN ?", orgIDs).Count(&found).Error; err != nil {
			return err
		}
		if int(found) != len(orgIDs) {
			return errs.Field("organization_ids", "every organization_id must name an existing organization")
		}
		for _, id := range orgIDs {
			row := map[string]any{"offering_id": offeringID, "organization_id": id}
			if err := tx.Table("offering_shares").Clauses(onConflictNothing).Create(row).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// UnshareOffering removes one organization's access to a private offering.
func (s *Store) UnshareOffering(ctx context.Context, offeringID, orgID string) error {
	return s.WithContext(ctx).Exec("DELETE FROM offering_shares WHERE offering_id = ? AND organization_id = ?", offeringID, orgID).Error
}

// OpenRevision returns the offering's revision under edit or review, if any.
func (s *Store) OpenRevision(ctx context.Context, offeringID string) (OfferingRevision, error) {
	var r OfferingRevision
	err := s.WithContext(ctx).Where("offering_id = ? AND state <> ?", offeringID, RevisionApplied).Take(&r).Error
	return r, notFound(err, "revision")
}

// SaveRevision creates or replaces a revision.
func (s *Store) SaveRevision(ctx context.Context, r *OfferingRevision) error {
	r.UpdatedAt = Now()
	if r.CreatedAt.IsZero() {
		r.CreatedAt = r.UpdatedAt
	}
	if err := s.WithContext(ctx).Save(r).Error; err != nil {
		if IsDuplicate(err) {
			return errs.New(errs.Conflict, "the offering already has an open revision")
		}
		return err
	}
	return nil
}
