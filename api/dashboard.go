package api

import (
	"net/http"
	"sort"
	"time"

	"github.com/gin-gonic/gin"
)

// DashboardDTO is the Organization Dashboard summary.
type DashboardDTO struct {
	Organization        OrganizationDTO   `json:"organization"`
	Agents              AgentCountsDTO    `json:"agents"`
	ActiveSubscriptions int64             `json:"active_subscriptions"`
	SpendThisMonth      []Money           `json:"spend_this_month"`
	Members             int64             `json:"members"`
	RecentOrders        []OrderDTO        `json:"recent_orders"`
	Links               map[string]string `json:"links"`
}

// AgentCountsDTO counts an organization's agents by status.
type AgentCountsDTO struct {
	Total    int64            `json:"total"`
	ByStatus map[string]int64 `json:"by_status"`
}

func (s *Server) routesDashboard(r *gin.RouterGroup) {
	s.handle(r, http.MethodGet, "/organizations/:id/dashboard", doc{Summary: "Organization dashboard: agents by status, active subscriptions, spend this month, recent orders",
		Tag: "organizations", Access: accessUser, Response: DashboardDTO{}}, s.dashboard)
}

func (s *Server) dashboard(c *gin.Context) {
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
	now := time.Now().UTC()
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	d, err := s.Store.DashboardOf(c, org.ID, monthStart)
	if err != nil {
		fail(c, err)
		return
	}
	out := DashboardDTO{Organization: OrganizationDTO{ID: org.ID, Name: org.Name, Role: string(m.Role), CreatedAt: org.CreatedAt},
		Agents: AgentCountsDTO{ByStatus: map[string]int64{}}, ActiveSubscriptions: d.ActiveSubscriptions, SpendThisMonth: []Money{},
		Members: d.Members, RecentOrders: []OrderDTO{}, Links: map[string]string{
			"agents": "/api/v1/agents?organization=" + org.ID, "orders": "/api/v1/orders?organization=" + org.ID,
			"subscriptions": "/api/v1/subscriptions?organization=" + org.ID, "team": "/api/v1/organizations/" + org.ID + "/members",
			"settings": "/api/v1/organizations/" + org.ID,
		}}
	for status, n := range d.AgentsByStatus {
		out.Agents.ByStatus[string(status)] = n
		out.Agents.Total += n
	}
	for cur, amount := range d.Spend {
		out.SpendThisMonth = append(out.SpendThisMonth, Money{Amount: amount, Currency: cur})
	}
	sort.Slice(out.SpendThisMonth, func(i, j int) bool { return out.SpendThisMonth[i].Currency < out.SpendThisMonth[j].Currency })
	for _, o := range d.RecentOrders {
		out.RecentOrders = append(out.RecentOrders, toOrderDTO(o))
	}
	c.JSON(http.StatusOK, out)
}
