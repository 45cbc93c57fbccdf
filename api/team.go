package api

import (
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/auth"
	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
)

// invitationTTL is how long an invitation can be accepted.
const invitationTTL = 7 * 24 * time.Hour

// InviteRequest invites someone by email with a role.
type InviteRequest struct {
	Email string `json:"email" binding:"required"`
	Role  string `json:"role" binding:"required"`
}

// InvitationDTO is an invitation as its organization's managers see it.
type InvitationDTO struct {
	ID             string     `json:"id"`
	OrganizationID string     `json:"organization_id"`
	Email          string     `json:"email"`
	Role           string     `json:"role"`
	State          string     `json:"state"`
	ExpiresAt      time.Time  `json:"expires_at"`
	AcceptedAt     *time.Time `json:"accepted_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
}

// CreatedInvitation carries the invitation token, shown this once: send it to the invitee.
type CreatedInvitation struct {
	InvitationDTO
	Token string `json:"token"`
}

// InvitationList lists an organization's invitations.
type InvitationList struct {
	Items []InvitationDTO `json:"items"`
}

// AcceptRequest accepts an invitation by its token.
type AcceptRequest struct {
	Token string `json:"token" binding:"required"`
}

// MemberDTO is one member of an organization.
type MemberDTO struct {
	UserID   string    `json:"user_id"`
	Email    string    `json:"email"`
	Name     string    `json:"name"`
	Role     string    `json:"role"`
	JoinedAt time.Time `json:"joined_at"`
}

// MemberList lists an organization's members.
type MemberList struct {
	Items []MemberDTO `json:"items"`
}

// RoleRequest changes a member's role.
type RoleRequest struct {
	Role string `json:"role" binding:"required"`
}

func (s *Server) routesTeam(r *gin.RouterGroup) {
	t := "team"
	s.handle(r, http.MethodPost, "/organizations/:id/invitations", doc{Summary: "Invite someone (owner | admin | member); the token is shown once and expires in 7 days", Tag: t, Access: accessUser, Body: InviteRequest{}, Response: CreatedInvitation{}, Status: http.StatusCreated}, s.invite)
	s.handle(r, http.MethodGet, "/organizations/:id/invitations", doc{Summary: "Invitations of the organization", Tag: t, Access: accessUser, Response: InvitationList{}}, s.listInvitations)
	s.handle(r, http.MethodDelete, "/organizations/:id/invitations/:inv_id", doc{Summary: "Withdraw a pending invitation", Tag: t, Access: accessUser, Status: http.StatusNoContent}, s.revokeInvitation)
	s.handle(r, http.MethodPost, "/invitations/accept", doc{Summary: "Accept an invitation sent to your email", Tag: t, Access: accessUser, Body: AcceptRequest{}, Response: OrganizationDTO{}}, s.acceptInvitation)
	s.handle(r, http.MethodGet, "/organizations/:id/members", doc{Summary: "Members and their roles", Tag: t, Access: accessUser, Response: MemberList{}}, s.listMembers)
	s.handle(r, http.MethodPatch, "/organizations/:id/members/:user_id", doc{Summary: "Change a member's role", Tag: t, Access: accessUser, Body: RoleRequest{}, Response: MemberList{}}, s.changeRole)
	s.handle(r, http.MethodDelete, "/organizations/:id/members/:user_id", doc{Summary: "Remove a member (or leave); the last owner stays", Tag: t, Access: accessUser, Status: http.StatusNoContent}, s.removeMember)
}

// orgAccess returns the caller's membership of :id: 404 for non-members (an
// organization's existence is not revealed), 403 when manage needs owner or admin.
func (s *Server) orgAccess(c *gin.Context, manage bool) (models.Membership, error) {
	m, err := s.Store.MembershipOf(c, c.Param("id"), mustUser(c).ID)
	if err != nil {
		return m, err
	}
	if manage && !m.Role.CanManage() {
		return m, errs.New(errs.Forbidden, "only an owner or admin of the organization may do this")
	}
	return m, nil
}

func toInvitationDTO(i models.Invitation, now time.Time) InvitationDTO {
	return InvitationDTO{ID: i.ID, OrganizationID: i.OrganizationID, Email: i.Email, Role: string(i.Role), State: i.InvitationState(now),
		ExpiresAt: i.ExpiresAt, AcceptedAt: i.AcceptedAt, CreatedAt: i.CreatedAt}
}

func parseRole(v string) (models.Role, error) {
	r := models.Role(strings.ToLower(strings.TrimSpace(v)))
	if !r.Valid() {
		return r, errs.Field("role", "role must be owner, admin or member")
	}
	return r, nil
}

func (s *Server) invite(c *gin.Context) {
	m, err := s.orgAccess(c, true)
	if err != nil {
		fail(c, err)
		return
	}
	var req InviteRequest
	if !bindJSON(c, &req) {
		return
	}
	addr, err := mail.ParseAddress(strings.TrimSpace(req.Email))
	if err != nil || addr.Address != strings.TrimSpace(req.Email) {
		fail(c, errs.Field("email", "email is not a valid address"))
		return
	}
	role, err := parseRole(req.Role)
	if err != nil {
		fail(c, err)
		return
	}
	if role.Outranks(m.Role) {
		fail(c, errs.New(errs.Forbidden, "only an owner may invite an owner"))
		return
	}
	token := "cmp_inv_" + auth.NewSecret()
	now := models.Now()
	inv := models.Invitation{ID: models.NewID("inv"), OrganizationID: m.OrganizationID, Email: addr.Address, Role: role,
		TokenHash: auth.HashToken(token), InvitedBy: m.UserID, ExpiresAt: now.Add(invitationTTL), CreatedAt: now}
	if err := s.Store.CreateInvitation(c, &inv); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, CreatedInvitation{InvitationDTO: toInvitationDTO(inv, now), Token: token})
}

func (s *Server) listInvitations(c *gin.Context) {
	m, err := s.orgAccess(c, true)
	if err != nil {
		fail(c, err)
		return
	}
	rows, err := s.Store.ListInvitations(c, m.OrganizationID)
	if err != nil {
		fail(c, err)
		return
	}
	out := InvitationList{Items: []InvitationDTO{}}
	now := time.Now()
	for _, i := range rows {
		out.Items = append(out.Items, toInvitationDTO(i, now))
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) revokeInvitation(c *gin.Context) {
	m, err := s.orgAccess(c, true)
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.Store.RevokeInvitation(c, m.OrganizationID, c.Param("inv_id")); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) acceptInvitation(c *gin.Context) {
	var req AcceptRequest
	if !bindJSON(c, &req) {
		return
	}
	inv, err := s.Store.AcceptInvitation(c, auth.HashToken(strings.TrimSpace(req.Token)), mustUser(c), models.Now())
	if err != nil {
		fail(c, err)
		return
	}
	org, err := s.Store.OrganizationByID(c, inv.OrganizationID)
	if err != nil {
		fail(c, err)
		return
	}
	m, err := s.Store.MembershipOf(c, org.ID, mustUser(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, OrganizationDTO{ID: org.ID, Name: org.Name, Role: string(m.Role), CreatedAt: org.CreatedAt})
}

func (s *Server) listMembers(c *gin.Context) {
	m, err := s.orgAccess(c, false)
	if err != nil {
		fail(c, err)
		return
	}
	s.answerMembers(c, m.OrganizationID)
}

func (s *Server) answerMembers(c *gin.Context, orgID string) {
	rows, err := s.Store.ListMembers(c, orgID)
	if err != nil {
		fail(c, err)
		return
	}
	out := MemberList{Items: []MemberDTO{}}
	for _, r := range rows {
		out.Items = append(out.Items, MemberDTO{UserID: r.UserID, Email: r.Email, Name: r.Name, Role: string(r.Role), JoinedAt: r.CreatedAt})
	}
	c.JSON(http.StatusOK, out)
}

// mayManageMember says whether the caller (a manager) may change target:
// admins manage admins and members, only owners touch owners.
func mayManageMember(caller, target models.Role) bool {
	return !target.Outranks(caller)
}

func (s *Server) changeRole(c *gin.Context) {
	m, err := s.orgAccess(c, true)
	if err != nil {
		fail(c, err)
		return
	}
	var req RoleRequest
	if !bindJSON(c, &req) {
		return
	}
	role, err := parseRole(req.Role)
	if err != nil {
		fail(c, err)
		return
	}
	target, err := s.Store.MembershipOf(c, m.OrganizationID, c.Param("user_id"))
	if err != nil {
		fail(c, errs.New(errs.NotFound, "member not found"))
		return
	}
	if !mayManageMember(m.Role, target.Role) || role.Outranks(m.Role) {
		fail(c, errs.New(errs.Forbidden, "only an owner may change an owner or make someone owner"))
		return
	}
	if err := s.Store.ChangeMemberRole(c, m.OrganizationID, target.UserID, role); err != nil {
		fail(c, err)
		return
	}
	s.answerMembers(c, m.OrganizationID)
}

func (s *Server) removeMember(c *gin.Context) {
	self := c.Param("user_id") == mustUser(c).ID
	m, err := s.orgAccess(c, !self) // anyone may leave; removing others needs owner or admin
	if err != nil {
		fail(c, err)
		return
	}
	target, err := s.Store.MembershipOf(c, m.OrganizationID, c.Param("user_id"))
	if err != nil {
		fail(c, errs.New(errs.NotFound, "member not found"))
		return
	}
	if !self && !mayManageMember(m.Role, target.Role) {
		fail(c, errs.New(errs.Forbidden, "only an owner may remove an owner"))
		return
	}
	if err := s.Store.RemoveMember(c, m.OrganizationID, target.UserID); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
