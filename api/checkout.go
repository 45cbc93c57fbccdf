package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cmp-platform/cmp/activities"
	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

// CheckoutRequest buys a plan. Offering by slug or ID; plan by ID or name.
type CheckoutRequest struct {
	Offering      string `json:"offering" binding:"required"`
	Plan          string `json:"plan" binding:"required"`
	BillingCycle  string `json:"billing_cycle" binding:"required"`
	PaymentMethod string `json:"payment_method" binding:"required"`
	AcceptTerms   bool   `json:"accept_terms"`
	Organization  string `json:"organization,omitempty"`
	Project       string `json:"project,omitempty"`
	AgentName     string `json:"agent_name,omitempty"`
}

// Ref names a row with its state.
type Ref struct {
	ID     string `json:"id"`
	Name   string `json:"name,omitempty"`
	State  string `json:"state,omitempty"`
	Status string `json:"status,omitempty"`
}

// CheckoutResponse is what a checkout created, answered as soon as payment settles.
type CheckoutResponse struct {
	Order        Ref `json:"order"`
	Organization Ref `json:"organization"`
	Project      Ref `json:"project"`
	Subscription Ref `json:"subscription"`
	Agent        Ref `json:"agent"`
}

var idempotencyKeyPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,100}$`)

func (s *Server) routesCheckout(r *gin.RouterGroup) {
	s.handle(r, http.MethodPost, "/checkout", doc{Summary: "Buy a plan: organization, project, payment and provisioning in one durable workflow",
		Tag: "checkout", Access: accessUser, Body: CheckoutRequest{}, Response: CheckoutResponse{}, Status: http.StatusCreated,
		Headers: []string{"Idempotency-Key"}}, s.checkout)
}

func (s *Server) checkout(c *gin.Context) {
	user := mustUser(c)
	key := c.GetHeader("Idempotency-Key")
	if !idempotencyKeyPattern.MatchString(key) {
		fail(c, errs.Field("Idempotency-Key", "header Idempotency-Key is required: 1-100 characters of A-Z a-z 0-9 . _ : -"))
		return
	}
	var req CheckoutRequest
	if !bindJSON(c, &req) {
		return
	}
	if err := validateCheckout(&req); err != nil {
		fail(c, err)
		return
	}
	hash := requestHash(req)
	// A repeat of a settled checkout is answered from the read model: the workflow
	// may have closed already, and the answer must be the same order either way.
	if o, err := s.Store.OrderByIdempotencyKey(c, user.ID, key); err == nil {
		if o.RequestHash != hash {
			fail(c, errIdempotencyReuse)
			return
		}
		if o.State.Terminal() || o.ChargeID != "" {
			s.answerFromOrder(c, o)
			return
		}
	} else if !errs.Is(err, errs.NotFound) {
		fail(c, err)
		return
	}
	in, err := s.resolveCheckout(c, user, key, hash, req)
	if err != nil {
		fail(c, err)
		return
	}
	s.recordCheckoutStart(c, in)
	res, err := s.startCheckout(c, in)
	if err != nil {
		var already *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &already) {
			if o, err2 := s.Store.OrderByIdempotencyKey(c, user.ID, key); err2 == nil {
				s.answerFromOrder(c, o)
				return
			}
			// Closed without an order: it was refused before one existed; refuse again alike.
			err = s.refusalOf(c, workflows.CheckoutWorkflowID(user.ID, key))
		}
		fail(c, checkoutError(err))
		return
	}
	c.JSON(http.StatusCreated, toCheckoutResponse(res))
}

var errIdempotencyReuse = errs.New(errs.IdempotencyMismatch, "this Idempotency-Key was already used with a different request")

func validateCheckout(req *CheckoutRequest) error {
	req.BillingCycle = strings.ToLower(strings.TrimSpace(req.BillingCycle))
	if !models.BillingCycle(req.BillingCycle).Valid() {
		return errs.Field("billing_cycle", "billing_cycle must be monthly or annual")
	}
	if !req.AcceptTerms {
		return errs.Field("accept_terms", "accept the offering's terms of service to buy it (accept_terms: true)")
	}
	if !strings.HasPrefix(req.PaymentMethod, "pm_") || len(req.PaymentMethod) > 255 {
		return errs.Field("payment_method", "payment_method must be a payment method ID (pm_...)")
	}
	if len(req.AgentName) > 100 {
		return errs.Field("agent_name", "agent_name must be at most 100 characters")
	}
	return nil
}

// requestHash fingerprints what a checkout asks for, to detect a reused key.
func requestHash(req CheckoutRequest) string {
	b, _ := json.Marshal(req)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func (s *Server) resolveCheckout(c *gin.Context, user models.User, key, hash string, req CheckoutRequest) (workflows.CheckoutInput, error) {
	o, err := s.Store.OfferingForViewer(c, s.viewer(c), req.Offering)
	if err != nil {
		if e, ok := errs.As(err); ok && e.Code == errs.NotFound {
			e.Details = map[string]any{"field": "offering"}
		}
		return workflows.CheckoutInput{}, err
	}
	p, err := models.PlanOf(o, req.Plan)
	if err != nil {
		return workflows.CheckoutInput{}, err
	}
	amount := p.Price(models.BillingCycle(req.BillingCycle))
	if amount <= 0 {
		return workflows.CheckoutInput{}, errs.Field("billing_cycle", "plan %s has no %s price", p.Name, req.BillingCycle)
	}
	name := req.AgentName
	if name == "" {
		name = o.Name
	}
	return workflows.CheckoutInput{
		UserID: user.ID, IdempotencyKey: key, RequestHash: hash, OrganizationID: req.Organization, ProjectID: req.Project,
		OfferingID: o.ID, ProviderID: o.ProviderID, PlanID: p.ID, BillingCycle: req.BillingCycle, Amount: amount,
		Currency: p.Currency, PaymentMethod: req.PaymentMethod, CustomerEmail: user.Email, AgentName: name,
		ProvisionDeadline: s.Config.ProvisionDeadline,
	}, nil
}

// startCheckout starts the workflow and waits on its confirm update in one round trip.
func (s *Server) startCheckout(c *gin.Context, in workflows.CheckoutInput) (workflows.CheckoutResult, error) {
	id := workflows.CheckoutWorkflowID(in.UserID, in.IdempotencyKey)
	keys := workflows.SearchAttributeKeys
	start := s.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: id, TaskQueue: s.taskQueue(),
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			keys.Offering.ValueSet(in.OfferingID), keys.Provider.ValueSet(in.ProviderID),
			keys.State.ValueSet("pending"), keys.Amount.ValueSet(in.Amount)),
		Memo: map[string]any{"summary": "Checkout of " + in.AgentName + " (" + in.BillingCycle + ", " + formatMoney(in.Amount, in.Currency) + ")"},
	}, workflows.CheckoutWorkflowName, in)
	h, err := s.Temporal.UpdateWithStartWorkflow(c, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			WorkflowID: id, UpdateName: workflows.UpdateConfirm, WaitForStage: client.WorkflowUpdateStageCompleted,
			Args: []any{workflows.ConfirmRequest{RequestHash: in.RequestHash}},
		},
	})
	if err != nil {
		return workflows.CheckoutResult{}, err
	}
	var res workflows.CheckoutResult
	err = h.Get(c, &res)
	return res, err
}

// checkoutError maps a workflow's application error to a coded API error.
func checkoutError(err error) error {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return err
	}
	switch appErr.Type() {
	case workflows.ErrTypeDeclined:
		var d activities.DeclineDetails
		_ = appErr.Details(&d)
		if d.Code == "" {
			d.Code = "card_declined"
		}
		return errs.New(errs.PaymentDeclined, "%s", appErr.Message()).WithReason(d.Code).WithDetails(map[string]any{"decline_code": d.Code})
	case workflows.ErrTypeConflict:
		return errIdempotencyReuse
	case workflows.ErrTypeInvalid:
		var d activities.DeclineDetails
		_ = appErr.Details(&d)
		code := errs.Invalid
		switch d.Code {
		case "forbidden":
			code = errs.Forbidden
		case "not_found":
			code = errs.NotFound
		}
		return errs.New(code, "%s", appErr.Message())
	}
	return err
}

// refusalOf reads why a closed checkout that stored no order was refused.
func (s *Server) refusalOf(c *gin.Context, workflowID string) error {
	var res workflows.CheckoutResult
	if err := s.Temporal.GetWorkflow(c, workflowID, "").Get(c, &res); err != nil {
		return err
	}
	code := errs.Invalid
	switch res.ErrorCode {
	case "not_found":
		code = errs.NotFound
	case "forbidden":
		code = errs.Forbidden
	}
	return errs.New(code, "%s", res.ErrorMessage)
}

// answerFromOrder replays a settled checkout's answer from the read model.
func (s *Server) answerFromOrder(c *gin.Context, o models.Order) {
	wf := o.WorkflowID
	p, err := s.Store.PurchaseByWorkflow(c, wf)
	if err != nil {
		fail(c, err)
		return
	}
	if o.State == models.OrderErred && o.ChargeID == "" {
		code := o.ErrorCode
		if code == "" {
			code = "card_declined"
		}
		fail(c, errs.New(errs.PaymentDeclined, "%s", o.ErrorMessage).WithReason(code).WithDetails(map[string]any{"decline_code": code, "order_id": o.ID}))
		return
	}
	org, proj, err := s.Store.OrgAndProject(c, o.OrganizationID, o.ProjectID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, CheckoutResponse{
		Order:        Ref{ID: o.ID, State: string(o.State)},
		Organization: Ref{ID: org.ID, Name: org.Name},
		Project:      Ref{ID: proj.ID, Name: proj.Name},
		Subscription: Ref{ID: p.Subscription.ID, State: string(p.Subscription.State)},
		Agent:        Ref{ID: p.Agent.ID, Status: string(p.Agent.Status)},
	})
}

func toCheckoutResponse(r workflows.CheckoutResult) CheckoutResponse {
	return CheckoutResponse{
		Order:        Ref{ID: r.OrderID, State: r.OrderState},
		Organization: Ref{ID: r.OrganizationID, Name: r.OrganizationName},
		Project:      Ref{ID: r.ProjectID, Name: r.ProjectName},
		Subscription: Ref{ID: r.SubscriptionID, State: r.SubscriptionState},
		Agent:        Ref{ID: r.AgentID, Status: r.AgentStatus},
	}
}

func (s *Server) taskQueue() string {
	if s.Config.TaskQueue != "" {
		return s.Config.TaskQueue
	}
	return workflows.TaskQueue
}
