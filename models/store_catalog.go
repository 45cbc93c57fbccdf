package models

import (
	"context"
	"strings"

	"github.com/cmp-platform/cmp/internal/errs"
	"gorm.io/gorm"
)

// Viewer is who is looking at the catalog: anonymous (zero value), a buyer with
// organizations, or an operator. It decides which offerings are visible.
type Viewer struct {
	UserID          string
	OrganizationIDs []string
	ProviderIDs     []string
	Operator        bool
}

// VisibleOfferings scopes a query on offerings to what v may see and buy: active
// public offerings for everyone, private ones only for the organizations they are
// shared with. Providers see their own listings through the provider API instead.
func (s *Store) VisibleOfferings(db *gorm.DB, v Viewer) *gorm.DB {
	q := db.Where("offerings.state = ?", OfferingActive)
	if len(v.OrganizationIDs) == 0 {
		return q.Where("offerings.visibility = ?", VisibilityPublic)
	}
	return q.Where("offerings.visibility = ? OR offerings.id IN (?)", VisibilityPublic,
		db.Session(&gorm.Session{NewDB: true}).Table("offering_shares").Select("offering_id").Where("organization_id IN ?", v.OrganizationIDs))
}

// OfferingForViewer loads an offering by slug or ID, with provider and plans, if v may see it.
func (s *Store) OfferingForViewer(ctx context.Context, v Viewer, slugOrID string) (Offering, error) {
	var o Offering
	q := s.VisibleOfferings(s.WithContext(ctx).Model(&Offering{}), v).
		Where("offerings.slug = ? OR offerings.id = ?", slugOrID, slugOrID).
		Preload("Provider").Preload("Plans", func(db *gorm.DB) *gorm.DB { return db.Order("position, price_monthly, id") })
	err := q.Take(&o).Error
	return o, notFound(err, "offering")
}

// PlanOf finds a plan of an offering by ID or (case-insensitive) name.
func PlanOf(o Offering, idOrName string) (Plan, error) {
	for _, p := range o.Plans {
		if p.ID == idOrName || strings.EqualFold(p.Name, idOrName) {
			return p, nil
		}
	}
	return Plan{}, errs.New(errs.NotFound, "plan %q not found on offering %s", idOrName, o.Slug).WithDetails(map[string]any{"field": "plan"})
}

// RefreshStartingPrice recomputes an offering's cached lowest monthly-normalised price.
func (s *Store) RefreshStartingPrice(ctx context.Context, offeringID string) error {
	var plans []Plan
	if err := s.WithContext(ctx).Where("offering_id = ?", offeringID).Find(&plans).Error; err != nil {
		return err
	}
	var low int64 = -1
	cur := "usd"
	for _, p := range plans {
		m := MonthlyNormalised(p)
		if low < 0 || m < low {
			low, cur = m, p.Currency
		}
	}
	if low < 0 {
		low = 0
	}
	return s.WithContext(ctx).Model(&Offering{}).Where("id = ?", offeringID).
		Updates(map[string]any{"starting_price": low, "currency": cur}).Error
}

// MonthlyNormalised is a plan's cheapest price per month across its cycles.
func MonthlyNormalised(p Plan) int64 {
	m := p.PriceMonthly
	if p.PriceAnnual > 0 && (m == 0 || p.PriceAnnual/12 < m) {
		m = p.PriceAnnual / 12
	}
	return m
}
