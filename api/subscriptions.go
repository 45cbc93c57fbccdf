package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cmp-platform/cmp/activities"
	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

// SubscriptionDTO is a subscription as its buyer sees it.
type SubscriptionDTO struct {
	ID                 string     `json:"id"`
	State              string     `json:"state"`
	OrganizationID     string     `json:"organization_id"`
	ProjectID          string     `json:"project_id"`
	OfferingID         string     `json:"offering_id"`
	OfferingName       string     `json:"offering_name"`
	PlanID             string     `json:"plan_id"`
	PlanName           string     `json:"plan_name"`
	PendingPlanID      string     `json:"pending_plan_id,omitempty"`
	AgentID            string     `json:"agent_id,omitempty"`
	BillingCycle       string     `json:"billing_cycle"`
	Price              Money      `json:"price"`
	CurrentPeriodStart *time.Time `json:"current_period_start,omitempty"`
	CurrentPeriodEnd   *time.Time `json:"current_period_end,omitempty"`
	CancelAtPeriodEnd  bool       `json:"cancel_at_period_end"`
	CanceledAt         *time.Time `json:"canceled_at,omitempty"`
	CreatedAt          time.Time  `json:"created_at"`
}

// SubscriptionList is the subscriptions of the caller's organizations, newest first.
type SubscriptionList struct {
	Items []SubscriptionDTO `json:"items"`
}

// InvoiceDTO is one invoice of a subscription.
type InvoiceDTO struct {
	ID          string               `json:"id"`
	Kind        string               `json:"kind"`
	State       string               `json:"state"`
	Amount      Money                `json:"amount"`
	PeriodStart time.Time            `json:"period_start"`
	PeriodEnd   time.Time            `json:"period_end"`
	Lines       []models.InvoiceLine `json:"lines"`
	Attempts    int                  `json:"attempts"`
	LastError   string               `json:"last_error,omitempty"`
	PaidAt      *time.Time           `json:"paid_at,omitempty"`
	CreatedAt   time.Time            `json:"created_at"`
}

// SubscriptionDetail is one subscription with its latest invoices.
type SubscriptionDetail struct {
	SubscriptionDTO
	Invoices []InvoiceDTO `json:"invoices"`
}

// ChangePlanBody picks the plan to move to, by ID or name.
type ChangePlanBody struct {
	Plan string `json:"plan" binding:"required"`
}

// ChangePlanResponse says what a plan change did: an upgrade takes effect now
// and charges the prorated difference; a downgrade waits for the renewal.
type ChangePlanResponse struct {
	Change         string          `json:"change"`
	Effective      string          `json:"effective"`
	ProratedAmount Money           `json:"prorated_amount"`
	InvoiceID      string          `json:"invoice_id,omitempty"`
	Subscription   SubscriptionDTO `json:"subscription"`
}

// PaymentMethodBody replaces a subscription's payment method.
type PaymentMethodBody struct {
	PaymentMethod string `json:"payment_method" binding:"required"`
}

func toSubscriptionDTO(v models.SubscriptionView) SubscriptionDTO {
	return SubscriptionDTO{ID: v.ID, State: string(v.State), OrganizationID: v.OrganizationID, ProjectID: v.ProjectID,
		OfferingID: v.OfferingID, OfferingName: v.OfferingName, PlanID: v.PlanID, PlanName: v.PlanName, PendingPlanID: v.PendingPlanID,
		AgentID: v.AgentID, BillingCycle: string(v.BillingCycle), Price: Money{Amount: v.Price, Currency: v.Currency},
		CurrentPeriodStart: v.CurrentPeriodStart, CurrentPeriodEnd: v.CurrentPeriodEnd, CancelAtPeriodEnd: v.CancelAtPeriodEnd,
		CanceledAt: v.CanceledAt, CreatedAt: v.CreatedAt}
}

func toInvoiceDTO(i models.Invoice) InvoiceDTO {
	lines := i.Lines.V
	if lines == nil {
		lines = []models.InvoiceLine{}
	}
	return InvoiceDTO{ID: i.ID, Kind: string(i.Kind), State: string(i.State), Amount: Money{Amount: i.Amount, Currency: i.Currency},
		PeriodStart: i.PeriodStart, PeriodEnd: i.PeriodEnd, Lines: lines, Attempts: i.Attempts, LastError: i.LastError,
		PaidAt: i.PaidAt, CreatedAt: i.CreatedAt}
}

func (s *Server) routesSubscriptions(r *gin.RouterGroup) {
	s.handle(r, http.MethodGet, "/subscriptions", doc{Summary: "Subscriptions of your organizations", Tag: "subscriptions", Access: accessUser,
		Query: []string{"organization", "state"}, Response: SubscriptionList{}}, s.listSubscriptions)
	s.handle(r, http.MethodGet, "/subscriptions/:id", doc{Summary: "One subscription with its latest invoices", Tag: "subscriptions",
		Access: accessUser, Response: SubscriptionDetail{}}, s.getSubscription)
	s.handle(r, http.MethodPost, "/subscriptions/:id/cancel", doc{Summary: "Cancel at period end (a past-due or suspended subscription ends now)",
		Tag: "subscriptions", Access: accessUser, Response: SubscriptionDTO{}}, s.cancelSubscription(false))
	s.handle(r, http.MethodDelete, "/subscriptions/:id/cancel", doc{Summary: "Undo a cancellation at period end", Tag: "subscriptions",
		Access: accessUser, Response: SubscriptionDTO{}}, s.cancelSubscription(true))
	s.handle(r, http.MethodPost, "/subscriptions/:id/plan", doc{Summary: "Change plan: upgrade now with proration, downgrade at renewal",
		Tag: "subscriptions", Access: accessUser, Body: ChangePlanBody{}, Response: ChangePlanResponse{}}, s.changePlan)
	s.handle(r, http.MethodPost, "/subscriptions/:id/payment-method", doc{Summary: "Replace the payment method; an unpaid invoice is charged again at once",
		Tag: "subscriptions", Access: accessUser, Body: PaymentMethodBody{}, Response: SubscriptionDTO{}}, s.setPaymentMethod)
}

var subscriptionStates = []models.SubscriptionState{models.SubscriptionPending, models.SubscriptionActive, models.SubscriptionPastDue,
	models.SubscriptionSuspended, models.SubscriptionCanceled, models.SubscriptionFailed}

func (s *Server) listSubscriptions(c *gin.Context) {
	orgs, err := s.scopeOrgs(c)
	if err != nil {
		fail(c, err)
		return
	}
	state := c.Query("state")
	if state != "" && !validSubscriptionState(state) {
		fail(c, errs.Field("state", "state must be one of pending, active, past_due, suspended, canceled, failed"))
		return
	}
	rows, err := s.Store.BuyerSubscriptions(c, orgs, state)
	if err != nil {
		fail(c, err)
		return
	}
	out := SubscriptionList{Items: []SubscriptionDTO{}}
	for _, v := range rows {
		out.Items = append(out.Items, toSubscriptionDTO(v))
	}
	c.JSON(http.StatusOK, out)
}

func validSubscriptionState(v string) bool {
	for _, s := range subscriptionStates {
		if string(s) == v {
			return true
		}
	}
	return false
}

func (s *Server) getSubscription(c *gin.Context) {
	v, err := s.subscriptionAccess(c, false)
	if err != nil {
		fail(c, err)
		return
	}
	invs, err := s.Store.SubscriptionInvoices(c, v.ID, 24)
	if err != nil {
		fail(c, err)
		return
	}
	out := SubscriptionDetail{SubscriptionDTO: toSubscriptionDTO(v), Invoices: []InvoiceDTO{}}
	for _, i := range invs {
		out.Invoices = append(out.Invoices, toInvoiceDTO(i))
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) cancelSubscription(undo bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		v, err := s.billableSubscription(c)
		if err != nil {
			fail(c, err)
			return
		}
		if err := s.updateSubscription(c, v.ID, workflows.UpdateCancel, workflows.CancelRequest{Undo: undo}, nil); err != nil {
			fail(c, err)
			return
		}
		s.answerSubscription(c)
	}
}

func (s *Server) changePlan(c *gin.Context) {
	v, err := s.billableSubscription(c)
	if err != nil {
		fail(c, err)
		return
	}
	var body ChangePlanBody
	if !bindJSON(c, &body) {
		return
	}
	p, err := s.planForChange(c, v, strings.TrimSpace(body.Plan))
	if err != nil {
		fail(c, err)
		return
	}
	req := workflows.ChangePlanRequest{PlanID: p.ID, PlanName: p.Name, OfferingID: p.OfferingID, Currency: p.Currency,
		Price: p.Price(v.BillingCycle), Limits: p.Limits.V}
	var res workflows.ChangePlanResult
	if err := s.updateSubscription(c, v.ID, workflows.UpdateChangePlan, req, &res); err != nil {
		fail(c, err)
		return
	}
	fresh, err := s.subscriptionAccess(c, false)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, ChangePlanResponse{Change: res.Change, Effective: res.Effective,
		ProratedAmount: Money{Amount: res.ProratedAmount, Currency: v.Currency}, InvoiceID: res.InvoiceID, Subscription: toSubscriptionDTO(fresh)})
}

// planForChange finds the target plan by ID (any offering: the workflow's
// validator refuses another offering's plan) or by name on the subscription's offering.
func (s *Server) planForChange(c *gin.Context, v models.SubscriptionView, idOrName string) (models.Plan, error) {
	if p, err := s.Store.BillingPlan(c, idOrName); err == nil {
		return p, nil
	} else if !errs.Is(err, errs.NotFound) {
		return p, err
	}
	var p models.Plan
	err := s.Store.WithContext(c).Where("offering_id = ? AND LOWER(name) = LOWER(?)", v.OfferingID, idOrName).Take(&p).Error
	if err != nil {
		return p, errs.New(errs.NotFound, "plan %q not found on this subscription's offering", idOrName).WithDetails(map[string]any{"field": "plan"})
	}
	return p, nil
}

func (s *Server) setPaymentMethod(c *gin.Context) {
	v, err := s.billableSubscription(c)
	if err != nil {
		fail(c, err)
		return
	}
	var body PaymentMethodBody
	if !bindJSON(c, &body) {
		return
	}
	if !strings.HasPrefix(body.PaymentMethod, "pm_") || len(body.PaymentMethod) > 255 {
		fail(c, errs.Field("payment_method", "payment_method must be a payment method ID (pm_...)"))
		return
	}
	if err := s.updateSubscription(c, v.ID, workflows.UpdatePaymentMethod, workflows.PaymentMethodRequest{PaymentMethod: body.PaymentMethod}, nil); err != nil {
		fail(c, err)
		return
	}
	s.answerSubscription(c)
}

// subscriptionAccess loads the :id subscription for the caller: not found outside
// the caller's organizations; manage=true also requires owner or admin.
func (s *Server) subscriptionAccess(c *gin.Context, manage bool) (models.SubscriptionView, error) {
	u := mustUser(c)
	orgs, err := s.Store.OrganizationIDsOf(c, u.ID)
	if err != nil {
		return models.SubscriptionView{}, err
	}
	v, err := s.Store.BuyerSubscription(c, orgs, c.Param("id"))
	if err != nil || !manage {
		return v, err
	}
	m, err := s.Store.MembershipOf(c, v.OrganizationID, u.ID)
	if err != nil {
		return v, err
	}
	if !m.Role.CanManage() {
		return v, errs.New(errs.Forbidden, "only an owner or admin of the organization may change its subscriptions")
	}
	return v, nil
}

// billableSubscription is a subscription the caller may change and whose billing still runs.
func (s *Server) billableSubscription(c *gin.Context) (models.SubscriptionView, error) {
	v, err := s.subscriptionAccess(c, true)
	if err != nil {
		return v, err
	}
	switch v.State {
	case models.SubscriptionCanceled, models.SubscriptionFailed:
		return v, errs.New(errs.Conflict, "the subscription is %s", v.State)
	case models.SubscriptionPending:
		return v, errs.New(errs.Conflict, "the subscription is not active yet: its order is still being provisioned")
	}
	return v, nil
}

// updateSubscription sends an update to the subscription's workflow and waits for its outcome.
func (s *Server) updateSubscription(c *gin.Context, id, name string, arg, out any) error {
	h, err := s.Temporal.UpdateWorkflow(c, client.UpdateWorkflowOptions{
		WorkflowID: workflows.SubscriptionWorkflowID(id), UpdateName: name, Args: []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(c, out)
	}
	return subscriptionError(err)
}

// subscriptionError maps the workflow's answer to a coded API error.
func subscriptionError(err error) error {
	if err == nil {
		return nil
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return errs.Wrap(errs.Conflict, err, "this subscription's billing is not running")
	}
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return err
	}
	switch appErr.Type() {
	case workflows.ErrTypeInvalid:
		return errs.New(errs.Invalid, "%s", appErr.Message())
	case workflows.ErrTypeConflict:
		return errs.New(errs.Conflict, "%s", appErr.Message())
	case workflows.ErrTypeDeclined:
		var d activities.DeclineDetails
		_ = appErr.Details(&d)
		if d.Code == "" {
			d.Code = "card_declined"
		}
		return errs.New(errs.PaymentDeclined, "%s", appErr.Message()).WithReason(d.Code).WithDetails(map[string]any{"decline_code": d.Code})
	case workflows.ErrTypeUnavailable:
		return errs.New(errs.Unavailable, "%s", appErr.Message())
	}
	return err
}

func (s *Server) answerSubscription(c *gin.Context) {
	v, err := s.subscriptionAccess(c, false)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toSubscriptionDTO(v))
}
