package models

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/cmp-platform/cmp/internal/errs"
)

// Invitation asks someone to join an organization with a role. The token is
// shown once to the inviter and stored only as its hash.
type Invitation struct {
	ID             string `gorm:"primaryKey"`
	OrganizationID string
	Email          string
	Role           Role
	TokenHash      string `json:"-"`
	InvitedBy      string
	ExpiresAt      time.Time
	AcceptedAt     *time.Time
	AcceptedBy     string
	RevokedAt      *time.Time
	CreatedAt      time.Time
}

// InvitationState is derived from the timestamps.
func (i Invitation) InvitationState(now time.Time) string {
	switch {
	case i.AcceptedAt != nil:
		return "accepted"
	case i.RevokedAt != nil:
		return "revoked"
	case !now.Before(i.ExpiresAt):
		return "expired"
	}
	return "pending"
}

// Member is a membership with the member's user.
type Member struct {
	UserID    string
	Email     string
	Name      string
	Role      Role
	CreatedAt time.Time
}

// CreateInvitation stores an invitation.
func (s *Store) CreateInvitation(ctx context.Context, inv *Invitation) error {
	inv.Email = strings.ToLower(strings.TrimSpace(inv.Email))
	return s.WithContext(ctx).Create(inv).Error
}

// ListInvitations lists an organization's invitations, newest first.
func (s *Store) ListInvitations(ctx context.Context, orgID string) ([]Invitation, error) {
	var out []Invitation
	err := s.WithContext(ctx).Where("organization_id = ?", orgID).Order("created_at DESC, id DESC").Find(&out).Error
	return out, err
}

// RevokeInvitation withdraws a pending invitation.
func (s *Store) RevokeInvitation(ctx context.Context, orgID, id string) error {
	res := s.WithContext(ctx).Model(&Invitation{}).
		Where("id = ? AND organization_id = ? AND accepted_at IS NULL AND revoked_at IS NULL", id, orgID).Update("revoked_at", Now())
	if res.Error == nil && res.RowsAffected == 0 {
		return notFound(gorm.ErrRecordNotFound, "pending invitation")
	}
	return res.Error
}

// AcceptInvitation turns a pending, unexpired invitation for user's email into a
// membership, once. A user already in the organization keeps the higher role.
func (s *Store) AcceptInvitation(ctx context.Context, tokenHash string, user User, now time.Time) (Invitation, error) {
	var inv Invitation
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Take(&inv, "token_hash = ?", tokenHash).Error; err != nil {
			return notFound(err, "invitation")
		}
		switch inv.InvitationState(now) {
		case "accepted":
			return errs.New(errs.Conflict, "this invitation was already accepted").WithReason("invitation_used")
		case "revoked":
			return errs.New(errs.Conflict, "this invitation was withdrawn").WithReason("invitation_revoked")
		case "expired":
			return errs.New(errs.Conflict, "this invitation has expired: ask for a new one").WithReason("invitation_expired")
		}
		if !strings.EqualFold(inv.Email, user.Email) {
			return errs.New(errs.Forbidden, "this invitation was sent to another email address").WithReason("invitation_email_mismatch")
		}
		res := tx.Model(&Invitation{}).Where("id = ? AND accepted_at IS NULL", inv.ID).
			Updates(map[string]any{"accepted_at": now, "accepted_by": user.ID})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errs.New(errs.Conflict, "this invitation was already accepted").WithReason("invitation_used")
		}
		var m Membership
		err := tx.Take(&m, "organization_id = ? AND user_id = ?", inv.OrganizationID, user.ID).Error
		if err == nil {
			if roleRank(inv.Role) < roleRank(m.Role) {
				return tx.Model(&Membership{}).Where("organization_id = ? AND user_id = ?", inv.OrganizationID, user.ID).Update("role", inv.Role).Error
			}
			return nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		return tx.Create(&Membership{OrganizationID: inv.OrganizationID, UserID: user.ID, Role: inv.Role, CreatedAt: Now()}).Error
	})
	return inv, err
}

// roleRank orders roles, most powerful first.
func roleRank(r Role) int {
	switch r {
	case RoleOwner:
		return 0
	case RoleAdmin:
		return 1
	}
	return 2
}

// Outranks reports whether r is more powerful than other.
func (r Role) Outranks(other Role) bool { return roleRank(r) < roleRank(other) }

// ListMembers lists an organization's members, owners first.
func (s *Store) ListMembers(ctx context.Context, orgID string) ([]Member, error) {
	var out []Member
	err := s.WithContext(ctx).Table("memberships").
		Select("memberships.user_id, users.email, users.name, memberships.role, memberships.created_at").
		Joins("JOIN users ON users.id = memberships.user_id").
		Where("memberships.organization_id = ?", orgID).Order("memberships.created_at, memberships.user_id").Scan(&out).Error
	return out, err
}

var errLastOwner = errs.New(errs.Conflict, "an organization needs an owner: make someone else owner first").WithReason("last_owner")

// RemoveMember deletes a membership; the last owner cannot be removed.
func (s *Store) RemoveMember(ctx context.Context, orgID, userID string) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		var m Membership
		if err := tx.Take(&m, "organization_id = ? AND user_id = ?", orgID, userID).Error; err != nil {
			return notFound(err, "member")
		}
		if m.Role == RoleOwner {
			if err := ensureAnotherOwner(tx, orgID, userID); err != nil {
				return err
			}
		}
		return tx.Where("organization_id = ? AND user_id = ?", orgID, userID).Delete(&Membership{}).Error
	})
}

// ChangeMemberRole sets a member's role; the last owner cannot be demoted.
func (s *Store) ChangeMemberRole(ctx context.Context, orgID, userID string, role Role) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		var m Membership
		if err := tx.Take(&m, "organization_id = ? AND user_id = ?", orgID, userID).Error; err != nil {
			return notFound(err, "member")
		}
		if m.Role == RoleOwner && role != RoleOwner {
			if err := ensureAnotherOwner(tx, orgID, userID); err != nil {
				return err
			}
		}
		return tx.Model(&Membership{}).Where("organization_id = ? AND user_id = ?", orgID, userID).Update("role", role).Error
	})
}

func ensureAnotherOwner(tx *gorm.DB, orgID, userID string) error {
	var n int64
	if err := tx.Model(&Membership{}).Where("organization_id = ? AND role = ? AND user_id <> ?", orgID, RoleOwner, userID).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return errLastOwner
	}
	return nil
}

// OrganizationByID loads an organization.
func (s *Store) OrganizationByID(ctx context.Context, id string) (Organization, error) {
	var o Organization
	err := s.WithContext(ctx).Take(&o, "id = ?", id).Error
	return o, notFound(err, "organization")
}

// RenameOrganization sets an organization's name.
func (s *Store) RenameOrganization(ctx context.Context, id, name string) error {
	return s.WithContext(ctx).Model(&Organization{}).Where("id = ?", id).Update("name", name).Error
}

// UpdateUserProfile sets a user's name.
func (s *Store) UpdateUserProfile(ctx context.Context, id, name string) error {
	return s.WithContext(ctx).Model(&User{}).Where("id = ?", id).Update("name", name).Error
}

// ChangePassword stores a new password hash and ends every other session.
func (s *Store) ChangePassword(ctx context.Context, id, hash, keepSessionHash string) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&User{}).Where("id = ?", id).Update("password_hash", hash).Error; err != nil {
			return err
		}
		return tx.Where("user_id = ? AND token_hash <> ?", id, keepSessionHash).Delete(&Session{}).Error
	})
}

// Dashboard is an organization's summary for its dashboard page.
type Dashboard struct {
	AgentsByStatus      map[AgentStatus]int64
	ActiveSubscriptions int64
	Spend               map[string]int64 // currency → minor units charged minus refunded this month
	Members             int64
	RecentOrders        []Order
}

// DashboardOf summarises an organization; spend counts ledger charges and
// refunds from monthStart on.
func (s *Store) DashboardOf(ctx context.Context, orgID string, monthStart time.Time) (Dashboard, error) {
	d := Dashboard{AgentsByStatus: map[AgentStatus]int64{}, Spend: map[string]int64{}}
	db := s.WithContext(ctx)
	var byStatus []struct {
		Status AgentStatus
		N      int64
	}
	if err := db.Model(&Agent{}).Select("status, COUNT(*) AS n").Where("organization_id = ? AND status <> ?", orgID, AgentDeleted).
		Group("status").Scan(&byStatus).Error; err != nil {
		return d, err
	}
	for _, r := range byStatus {
		d.AgentsByStatus[r.Status] = r.N
	}
	if err := db.Model(&Subscription{}).Where("organization_id = ? AND state = ?", orgID, SubscriptionActive).Count(&d.ActiveSubscriptions).Error; err != nil {
		return d, err
	}
	var spend []struct {
		Currency string
		Kind     LedgerKind
		Total    int64
	}
	if err := db.Model(&LedgerEntry{}).Select("currency, kind, SUM(amount) AS total").
		Where("organization_id = ? AND kind IN ? AND occurred_at >= ?", orgID, []LedgerKind{LedgerCharge, LedgerRefund}, monthStart).
		Group("currency, kind").Scan(&spend).Error; err != nil {
		return d, err
	}
	for _, r := range spend {
		if r.Kind == LedgerRefund {
			d.Spend[r.Currency] -= r.Total
		} else {
			d.Spend[r.Currency] += r.Total
		}
	}
	if err := db.Model(&Membership{}).Where("organization_id = ?", orgID).Count(&d.Members).Error; err != nil {
		return d, err
	}
	err := db.Where("organization_id = ?", orgID).Order("id DESC").Limit(5).Find(&d.RecentOrders).Error
	return d, err
}
