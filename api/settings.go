package api

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/auth"
	"github.com/cmp-platform/cmp/internal/errs"
)

// OrganizationPatch renames an organization.
type OrganizationPatch struct {
	Name string `json:"name" binding:"required"`
}

// ProfilePatch changes the signed-in user's profile and, with the current
// password, the password (other sessions are signed out).
type ProfilePatch struct {
	Name            *string `json:"name"`
	CurrentPassword string  `json:"current_password"`
	NewPassword     string  `json:"new_password"`
}

func (s *Server) routesSettings(r *gin.RouterGroup) {
	s.handle(r, http.MethodGet, "/organizations/:id", doc{Summary: "Organization settings", Tag: "settings", Access: accessUser, Response: OrganizationDTO{}}, s.getOrganization)
	s.handle(r, http.MethodPatch, "/organizations/:id", doc{Summary: "Rename the organization", Tag: "settings", Access: accessUser, Body: OrganizationPatch{}, Response: OrganizationDTO{}}, s.patchOrganization)
	s.handle(r, http.MethodPatch, "/me", doc{Summary: "Change your name or password (the password needs current_password)", Tag: "settings", Access: accessUser, Body: ProfilePatch{}, Response: UserDTO{}}, s.patchMe)
}

func (s *Server) getOrganization(c *gin.Context) {
	m, err := s.orgAccess(c, false)
	if err != nil {
		fail(c, err)
		return
	}
	org, err := s.Store.OrganizationByID(c, m.OrganizationID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, OrganizationDTO{ID: org.ID, Name: org.Name, Role: string(m.Role), CreatedAt: org.CreatedAt})
}

func (s *Server) patchOrganization(c *gin.Context) {
	m, err := s.orgAccess(c, true)
	if err != nil {
		fail(c, err)
		return
	}
	var req OrganizationPatch
	if !bindJSON(c, &req) {
		return
	}
	name := strings.TrimSpace(req.Name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		fail(c, errs.Field("name", "name must be 1 to 100 characters"))
		return
	}
	if err := s.Store.RenameOrganization(c, m.OrganizationID, name); err != nil {
		fail(c, err)
		return
	}
	s.getOrganization(c)
}

func (s *Server) patchMe(c *gin.Context) {
	u := mustUser(c)
	var req ProfilePatch
	if !bindJSON(c, &req) {
		return
	}
	if req.Name != nil {
		name := strings.TrimSpace(*req.Name)
		if name == "" || utf8.RuneCountInString(name) > 100 {
			fail(c, errs.Field("name", "name must be 1 to 100 characters"))
			return
		}
		u.Name = name
	}
	if req.NewPassword != "" {
		if !auth.CheckPassword(u.PasswordHash, req.CurrentPassword) {
			fail(c, errs.New(errs.Forbidden, "current_password is wrong").WithDetails(map[string]any{"field": "current_password"}))
			return
		}
		if len(req.NewPassword) < auth.MinPasswordLength || len(req.NewPassword) > 72 {
			fail(c, errs.Field("new_password", "new_password must be 8 to 72 characters"))
			return
		}
		hash, err := auth.HashPassword(req.NewPassword)
		if err != nil {
			fail(c, err)
			return
		}
		tok, _ := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if err := s.Store.ChangePassword(c, u.ID, hash, auth.HashToken(tok)); err != nil {
			fail(c, err)
			return
		}
	}
	if req.Name != nil {
		if err := s.Store.UpdateUserProfile(c, u.ID, u.Name); err != nil {
			fail(c, err)
			return
		}
	}
	c.JSON(http.StatusOK, toUserDTO(u))
}

// routesConfigure registers the Configure & Use pages and the team/settings pages.
func (s *Server) routesConfigure(r *gin.RouterGroup) {
	s.routesOverview(r)
	s.routesHeartbeats(r)
	s.routesTraining(r)
	s.routesPersona(r)
	s.routesBranding(r)
	s.routesWidget(r)
	s.routesTeam(r)
	s.routesDashboard(r)
	s.routesSettings(r)
}
