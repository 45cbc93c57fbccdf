package models

import "time"

// User is a person who signs in: a buyer, a provider's staff, or an operator.
type User struct {
	ID           string `gorm:"primaryKey"`
	Email        string
	Name         string
	PasswordHash string
	IsOperator   bool
	CreatedAt    time.Time
}

// Session is a sign-in token, stored only as its SHA-256 hash.
type Session struct {
	ID        string `gorm:"primaryKey"`
	UserID    string
	TokenHash string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Role is a member's role in an organization.
type Role string

// Roles, most powerful first.
const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleOwner || r == RoleAdmin || r == RoleMember }

// CanManage reports whether the role may buy, configure agents and manage keys and team.
func (r Role) CanManage() bool { return r == RoleOwner || r == RoleAdmin }

// Organization is a buying (and possibly selling) tenant.
type Organization struct {
	ID          string `gorm:"primaryKey"`
	Name        string
	OwnerUserID string
	// Personal marks the "{Name}'s Organization" created at first checkout.
	Personal  bool
	CreatedAt time.Time
}

// Membership ties a user to an organization with a role.
type Membership struct {
	OrganizationID string `gorm:"primaryKey"`
	UserID         string `gorm:"primaryKey"`
	Role           Role
	CreatedAt      time.Time
}

// Project groups an organization's agents; checkout uses "Default".
type Project struct {
	ID             string `gorm:"primaryKey"`
	OrganizationID string
	Name           string
	CreatedAt      time.Time
}

// DefaultProjectName is the project checkout creates when an organization has none.
const DefaultProjectName = "Default"

// PersonalOrganizationName is the name checkout gives a buyer's first organization.
func PersonalOrganizationName(userName string) string { return userName + "'s Organization" }
