package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// OrganizationDTO is an organization seen by a member.
type OrganizationDTO struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// OrganizationList lists the caller's organizations.
type OrganizationList struct {
	Items []OrganizationDTO `json:"items"`
}

func (s *Server) routesOrganizations(r *gin.RouterGroup) {
	s.handle(r, http.MethodGet, "/organizations", doc{Summary: "Your organizations and your role in each", Tag: "organizations", Access: accessUser, Response: OrganizationList{}}, s.listOrganizations)
}

func (s *Server) listOrganizations(c *gin.Context) {
	orgs, err := s.Store.OrganizationsOf(c, mustUser(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	out := OrganizationList{Items: []OrganizationDTO{}}
	for _, o := range orgs {
		out.Items = append(out.Items, OrganizationDTO{ID: o.ID, Name: o.Name, Role: string(o.Role), CreatedAt: o.CreatedAt})
	}
	c.JSON(http.StatusOK, out)
}
