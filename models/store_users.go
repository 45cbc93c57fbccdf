package models

import (
	"context"
	"strings"
	"time"

	"github.com/cmp-platform/cmp/internal/errs"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CreateUser inserts a user; a taken email is a conflict.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if err := s.WithContext(ctx).Create(u).Error; err != nil {
		if IsDuplicate(err) {
			return errs.New(errs.Conflict, "an account with this email already exists")
		}
		return err
	}
	return nil
}

// UserByEmail finds a user by email (case-insensitive).
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	err := s.WithContext(ctx).Where("email = ?", strings.ToLower(strings.TrimSpace(email))).Take(&u).Error
	return u, notFound(err, "user")
}

// UserByID finds a user by ID.
func (s *Store) UserByID(ctx context.Context, id string) (User, error) {
	var u User
	err := s.WithContext(ctx).Take(&u, "id = ?", id).Error
	return u, notFound(err, "user")
}

// CreateSession stores a session token hash.
func (s *Store) CreateSession(ctx context.Context, sess *Session) error {
	return s.WithContext(ctx).Create(sess).Error
}

// UserBySessionHash returns the user owning an unexpired session.
func (s *Store) UserBySessionHash(ctx context.Context, hash string, now time.Time) (User, error) {
	var u User
	err := s.WithContext(ctx).Joins("JOIN sessions ON sessions.user_id = users.id").
		Where("sessions.token_hash = ? AND sessions.expires_at > ?", hash, now).Take(&u).Error
	return u, notFound(err, "session")
}

// DeleteSession removes a session (sign out).
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	return s.WithContext(ctx).Where("token_hash = ?", hash).Delete(&Session{}).Error
}

// EnsureOperator creates or updates the platform operator account.
func (s *Store) EnsureOperator(ctx context.Context, email, name, passwordHash string) (User, error) {
	u := User{ID: NewID("usr"), Email: strings.ToLower(email), Name: name, PasswordHash: passwordHash, IsOperator: true, CreatedAt: Now()}
	err := s.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "email"}},
		DoUpdates: clause.AssignmentColumns([]string{"password_hash", "is_operator"}),
	}).Create(&u).Error
	if err != nil {
		return u, err
	}
	return s.UserByEmail(ctx, email)
}

// MembershipOf returns the user's membership in an organization (not_found when none).
func (s *Store) MembershipOf(ctx context.Context, orgID, userID string) (Membership, error) {
	var m Membership
	err := s.WithContext(ctx).Take(&m, "organization_id = ? AND user_id = ?", orgID, userID).Error
	return m, notFound(err, "organization")
}

// OrganizationIDsOf lists the organizations a user belongs to.
func (s *Store) OrganizationIDsOf(ctx context.Context, userID string) ([]string, error) {
	var ids []string
	err := s.WithContext(ctx).Model(&Membership{}).Where("user_id = ?", userID).Pluck("organization_id", &ids).Error
	return ids, err
}

// OrganizationsOf lists the organizations a user belongs to with the user's role.
func (s *Store) OrganizationsOf(ctx context.Context, userID string) ([]OrganizationWithRole, error) {
	var out []OrganizationWithRole
	err := s.WithContext(ctx).Table("organizations").
		Select("organizations.*, memberships.role AS role").
		Joins("JOIN memberships ON memberships.organization_id = organizations.id").
		Where("memberships.user_id = ?", userID).Order("organizations.created_at, organizations.id").
		Scan(&out).Error
	return out, err
}

// OrganizationWithRole is an organization seen by one member.
type OrganizationWithRole struct {
	Organization
	Role Role
}

// EnsureBuyerOrganization returns the organization and project a checkout buys into.
// With orgID set it checks the user may buy there; otherwise it takes the user's first
// organization they manage, creating "{Name}'s Organization" when there is none. The
// project is projectID when set, else the organization's "Default", created if missing.
// Safe to repeat and to race: unique indexes make concurrent callers converge.
func (s *Store) EnsureBuyerOrganization(ctx context.Context, userID, orgID, projectID string) (Organization, Project, bool, error) {
	var org Organization
	var proj Project
	created := false
	user, err := s.UserByID(ctx, userID)
	if err != nil {
		return org, proj, false, err
	}
	db := s.WithContext(ctx)
	if orgID != "" {
		m, err := s.MembershipOf(ctx, orgID, userID)
		if err != nil {
			return org, proj, false, err
		}
		if !m.Role.CanManage() {
			return org, proj, false, errs.New(errs.Forbidden, "your role in this organization may not buy")
		}
		if err := db.Take(&org, "id = ?", orgID).Error; err != nil {
			return org, proj, false, notFound(err, "organization")
		}
	} else {
		orgs, err := s.OrganizationsOf(ctx, userID)
		if err != nil {
			return org, proj, false, err
		}
		for _, o := range orgs {
			if o.Role.CanManage() {
				org = o.Organization
				break
			}
		}
		if org.ID == "" {
			org, created, err = s.ensurePersonalOrganization(ctx, user)
			if err != nil {
				return org, proj, false, err
			}
		}
	}
	if projectID != "" {
		err := db.Take(&proj, "id = ? AND organization_id = ?", projectID, org.ID).Error
		return org, proj, created, notFound(err, "project")
	}
	proj = Project{ID: NewID("prj"), OrganizationID: org.ID, Name: DefaultProjectName, CreatedAt: Now()}
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&proj).Error; err != nil {
		return org, proj, created, err
	}
	var got Project // a fresh value: Take would also filter on proj's unsaved ID
	err = db.Take(&got, "organization_id = ? AND name = ?", org.ID, DefaultProjectName).Error
	return org, got, created, err
}

func (s *Store) ensurePersonalOrganization(ctx context.Context, user User) (Organization, bool, error) {
	org := Organization{ID: NewID("org"), Name: PersonalOrganizationName(user.Name), OwnerUserID: user.ID, Personal: true, CreatedAt: Now()}
	created := false
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&org)
		if res.Error != nil {
			return res.Error
		}
		created = res.RowsAffected == 1
		if !created {
			var got Organization // fresh: Take would also filter on org's unsaved ID
			if err := tx.Take(&got, "owner_user_id = ? AND personal = ?", user.ID, true).Error; err != nil {
				return err
			}
			org = got
			return nil
		}
		return tx.Create(&Membership{OrganizationID: org.ID, UserID: user.ID, Role: RoleOwner, CreatedAt: Now()}).Error
	})
	return org, created, err
}

// CreateOrganization makes a new organization with the user as owner.
func (s *Store) CreateOrganization(ctx context.Context, userID, name string) (Organization, error) {
	org := Organization{ID: NewID("org"), Name: name, OwnerUserID: userID, CreatedAt: Now()}
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&org).Error; err != nil {
			return err
		}
		return tx.Create(&Membership{OrganizationID: org.ID, UserID: userID, Role: RoleOwner, CreatedAt: Now()}).Error
	})
	return org, err
}

// OrgAndProject loads an organization and one of its projects.
func (s *Store) OrgAndProject(ctx context.Context, orgID, projectID string) (Organization, Project, error) {
	var o Organization
	var p Project
	if err := s.WithContext(ctx).Take(&o, "id = ?", orgID).Error; err != nil {
		return o, p, notFound(err, "organization")
	}
	err := s.WithContext(ctx).Take(&p, "id = ? AND organization_id = ?", projectID, orgID).Error
	return o, p, notFound(err, "project")
}
