package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
)

// AgentDTO is one of My Agents.
type AgentDTO struct {
	ID              string     `json:"id"`
	Name            string     `json:"name"`
	Status          string     `json:"status"`
	StatusReason    string     `json:"status_reason,omitempty"`
	OrganizationID  string     `json:"organization_id"`
	ProjectID       string     `json:"project_id"`
	SubscriptionID  string     `json:"subscription_id"`
	OfferingID      string     `json:"offering_id"`
	MCPURL          string     `json:"mcp_url,omitempty"`
	LastHeartbeatAt *time.Time `json:"last_heartbeat_at,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
}

// AgentList is My Agents.
type AgentList struct {
	Items []AgentDTO `json:"items"`
}

func toAgentDTO(a models.Agent) AgentDTO {
	return AgentDTO{ID: a.ID, Name: a.Name, Status: string(a.Status), StatusReason: a.StatusReason,
		OrganizationID: a.OrganizationID, ProjectID: a.ProjectID, SubscriptionID: a.SubscriptionID, OfferingID: a.OfferingID,
		MCPURL: a.MCPURL, LastHeartbeatAt: a.LastHeartbeatAt, CreatedAt: a.CreatedAt}
}

func (s *Server) routesAgents(r *gin.RouterGroup) {
	s.handle(r, http.MethodGet, "/agents", doc{Summary: "My Agents", Tag: "agents", Access: accessUser, Query: []string{"organization"}, Response: AgentList{}}, s.listAgents)
	s.handle(r, http.MethodGet, "/agents/:id", doc{Summary: "One agent and its status", Tag: "agents", Access: accessUser, Response: AgentDTO{}}, s.getAgent)
}

func (s *Server) listAgents(c *gin.Context) {
	orgs, err := s.scopeOrgs(c)
	if err != nil {
		fail(c, err)
		return
	}
	rows, err := s.Store.ListAgents(c, orgs)
	if err != nil {
		fail(c, err)
		return
	}
	out := AgentList{Items: []AgentDTO{}}
	for _, a := range rows {
		out.Items = append(out.Items, toAgentDTO(a))
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) getAgent(c *gin.Context) {
	a, _, err := s.agentAccess(c, false)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toAgentDTO(a))
}

// agentAccess loads the :id agent for the caller. Outside the caller's
// organizations it is not found; manage=true also requires owner or admin.
func (s *Server) agentAccess(c *gin.Context, manage bool) (models.Agent, models.Role, error) {
	u := mustUser(c)
	orgs, err := s.Store.OrganizationIDsOf(c, u.ID)
	if err != nil {
		return models.Agent{}, "", err
	}
	a, err := s.Store.AgentForOrgs(c, orgs, c.Param("id"))
	if err != nil {
		return a, "", err
	}
	m, err := s.Store.MembershipOf(c, a.OrganizationID, u.ID)
	if err != nil {
		return a, "", err
	}
	if manage && !m.Role.CanManage() {
		return a, m.Role, errs.New(errs.Forbidden, "only an owner or admin of the organization may change this agent")
	}
	return a, m.Role, nil
}
