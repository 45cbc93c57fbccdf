package models

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cmp-platform/cmp/internal/errs"
	"gorm.io/gorm"
)

// CreateProvider makes an organization a provider. With orgID empty it first
// creates an organization named after the provider, owned by userID. An
// organization that already is a provider is a conflict.
func (s *Store) CreateProvider(ctx context.Context, userID, orgID string, p *Provider) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		now := Now()
		if orgID == "" {
			org := Organization{ID: NewID("org"), Name: p.Name, OwnerUserID: userID, CreatedAt: now}
			if err := tx.Create(&org).Error; err != nil {
				return err
			}
			if err := tx.Create(&Membership{OrganizationID: org.ID, UserID: userID, Role: RoleOwner, CreatedAt: now}).Error; err != nil {
				return err
			}
			orgID = org.ID
		}
		var n int64
		if err := tx.Model(&Provider{}).Where("organization_id = ?", orgID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return errs.New(errs.Conflict, "this organization is already a provider").WithReason("already_a_provider")
		}
		slug, err := uniqueSlug(tx, "providers", Slugify(p.Name))
		if err != nil {
			return err
		}
		p.ID, p.OrganizationID, p.Slug, p.CreatedAt, p.UpdatedAt = NewID("prv"), orgID, slug, now, now
		if err := tx.Create(p).Error; err != nil {
			if IsDuplicate(err) {
				return errs.New(errs.Conflict, "a provider with this name was just registered; try again")
			}
			return err
		}
		return tx.Create(&ProviderSettings{ProviderID: p.ID, NotifyOrders: true, NotifyReviews: true, NotifyPayouts: true, UpdatedAt: now}).Error
	})
}

// UpdateProvider changes a provider's profile fields.
func (s *Store) UpdateProvider(ctx context.Context, id string, fields map[string]any) error {
	fields["updated_at"] = Now()
	return s.WithContext(ctx).Model(&Provider{}).Where("id = ?", id).Updates(fields).Error
}

// ProviderByID loads a provider.
func (s *Store) ProviderByID(ctx context.Context, id string) (Provider, error) {
	var p Provider
	err := s.WithContext(ctx).Take(&p, "id = ?", id).Error
	return p, notFound(err, "provider")
}

// ProviderSettingsOf loads a provider's settings (defaults when never saved).
func (s *Store) ProviderSettingsOf(ctx context.Context, providerID string) (ProviderSettings, error) {
	st := ProviderSettings{ProviderID: providerID, NotifyOrders: true, NotifyReviews: true, NotifyPayouts: true}
	err := s.WithContext(ctx).Take(&st, "provider_id = ?", providerID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return st, nil
	}
	return st, err
}

// SaveProviderSettings replaces a provider's settings.
func (s *Store) SaveProviderSettings(ctx context.Context, st ProviderSettings) error {
	st.UpdatedAt = Now()
	return s.WithContext(ctx).Save(&st).Error
}

// Slugify makes a lower-case, dash-separated URL name ("item" when nothing is left).
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	out := strings.TrimSuffix(b.String(), "-")
	if out == "" {
		return "item"
	}
	return out
}

// uniqueSlug returns base, or base-2, base-3, ... whichever is free in table.
// The unique index still decides a race; callers report it as a conflict.
func uniqueSlug(tx *gorm.DB, table, base string) (string, error) {
	var taken []string
	if err := tx.Table(table).Where("slug = ? OR slug LIKE ?", base, base+"-%").Pluck("slug", &taken).Error; err != nil {
		return "", err
	}
	used := map[string]bool{}
	for _, t := range taken {
		used[t] = true
	}
	if !used[base] {
		return base, nil
	}
	for i := 2; ; i++ {
		if c := fmt.Sprintf("%s-%d", base, i); !used[c] {
			return c, nil
		}
	}
}
