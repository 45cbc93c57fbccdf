package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
)

// OrderStepDTO is one step of a checkout with its time.
type OrderStepDTO struct {
	Name   string    `json:"name"`
	State  string    `json:"state"`
	Detail string    `json:"detail,omitempty"`
	At     time.Time `json:"at"`
}

// OrderDTO is an order as its buyer sees it.
type OrderDTO struct {
	ID             string         `json:"id"`
	State          string         `json:"state"`
	OrganizationID string         `json:"organization_id"`
	ProjectID      string         `json:"project_id"`
	OfferingID     string         `json:"offering_id"`
	PlanID         string         `json:"plan_id"`
	BillingCycle   string         `json:"billing_cycle"`
	Amount         Money          `json:"amount"`
	ErrorCode      string         `json:"error_code,omitempty"`
	ErrorMessage   string         `json:"error_message,omitempty"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
	Steps          []OrderStepDTO `json:"steps,omitempty"`
}

// OrderList is a page of orders, newest first.
type OrderList struct {
	Items      []OrderDTO `json:"items"`
	NextCursor string     `json:"next_cursor"`
}

func toOrderDTO(o models.Order) OrderDTO {
	d := OrderDTO{ID: o.ID, State: string(o.State), OrganizationID: o.OrganizationID, ProjectID: o.ProjectID,
		OfferingID: o.OfferingID, PlanID: o.PlanID, BillingCycle: string(o.BillingCycle),
		Amount: Money{Amount: o.Amount, Currency: o.Currency}, ErrorCode: o.ErrorCode, ErrorMessage: o.ErrorMessage,
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
	for _, s := range o.Steps {
		d.Steps = append(d.Steps, OrderStepDTO{Name: s.Name, State: s.State, Detail: s.Detail, At: s.At})
	}
	return d
}

func (s *Server) routesOrders(r *gin.RouterGroup) {
	s.handle(r, http.MethodGet, "/orders", doc{Summary: "Purchase history of your organizations", Tag: "orders", Access: accessUser,
		Query: []string{"organization", "state", "offering", "from", "to", "limit", "cursor"}, Response: OrderList{}}, s.listOrders)
	s.handle(r, http.MethodGet, "/orders/:id", doc{Summary: "One order with each step and its time", Tag: "orders", Access: accessUser, Response: OrderDTO{}}, s.getOrder)
}

func (s *Server) listOrders(c *gin.Context) {
	orgs, err := s.scopeOrgs(c)
	if err != nil {
		fail(c, err)
		return
	}
	limit, err := queryLimit(c, 50, 100)
	if err != nil {
		fail(c, err)
		return
	}
	f := models.OrdersFilter{OrganizationIDs: orgs, State: c.Query("state"), OfferingID: c.Query("offering"), Limit: limit + 1, Before: c.Query("cursor")}
	if f.State != "" && !validOrderState(f.State) {
		fail(c, errs.Field("state", "state must be one of pending, executing, done, erred, canceled"))
		return
	}
	if f.From, err = queryTime(c, "from"); err != nil {
		fail(c, err)
		return
	}
	if f.To, err = queryTime(c, "to"); err != nil {
		fail(c, err)
		return
	}
	rows, err := s.Store.ListOrders(c, f)
	if err != nil {
		fail(c, err)
		return
	}
	out := OrderList{Items: []OrderDTO{}}
	if len(rows) > limit {
		rows = rows[:limit]
		out.NextCursor = rows[limit-1].ID
	}
	for _, o := range rows {
		out.Items = append(out.Items, toOrderDTO(o))
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) getOrder(c *gin.Context) {
	orgs, err := s.Store.OrganizationIDsOf(c, mustUser(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	o, err := s.Store.OrderForOrgs(c, orgs, c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toOrderDTO(o))
}

func validOrderState(v string) bool {
	switch models.OrderState(v) {
	case models.OrderPending, models.OrderExecuting, models.OrderDone, models.OrderErred, models.OrderCanceled:
		return true
	}
	return false
}

// scopeOrgs returns the caller's organizations, or just ?organization= when given
// (404 when the caller is not a member).
func (s *Server) scopeOrgs(c *gin.Context) ([]string, error) {
	u := mustUser(c)
	if org := c.Query("organization"); org != "" {
		if _, err := s.Store.MembershipOf(c, org, u.ID); err != nil {
			return nil, err
		}
		return []string{org}, nil
	}
	return s.Store.OrganizationIDsOf(c, u.ID)
}

// queryTime reads an RFC 3339 timestamp or YYYY-MM-DD date from the query.
func queryTime(c *gin.Context, name string) (*time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return nil, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			t = t.UTC()
			return &t, nil
		}
	}
	return nil, errs.Field(name, "%s must be an RFC 3339 time or a YYYY-MM-DD date", name)
}
