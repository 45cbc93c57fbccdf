package activities

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/internal/payments"
	"github.com/cmp-platform/cmp/internal/sitekit"
	"github.com/cmp-platform/cmp/models"
)

// EnsureOrganizationResult names the organization and project a checkout buys into.
type EnsureOrganizationResult struct {
	OrganizationID, OrganizationName string
	ProjectID, ProjectName           string
	Created                          bool
}

// EnsureOrganizationInput says who buys and, optionally, into which organization and project.
type EnsureOrganizationInput struct {
	UserID, OrganizationID, ProjectID string
}

// EnsureOrganization (local) finds or creates the buyer's organization and project.
func (a *Activities) EnsureOrganization(ctx context.Context, in EnsureOrganizationInput) (EnsureOrganizationResult, error) {
	org, proj, created, err := a.Store.EnsureBuyerOrganization(ctx, in.UserID, in.OrganizationID, in.ProjectID)
	if err != nil {
		return EnsureOrganizationResult{}, domainError(err)
	}
	return EnsureOrganizationResult{OrganizationID: org.ID, OrganizationName: org.Name, ProjectID: proj.ID, ProjectName: proj.Name, Created: created}, nil
}

// CreatePurchaseInput is the order to record.
type CreatePurchaseInput struct {
	WorkflowID                       string
	UserID, IdempotencyKey           string
	RequestHash                      string
	OfferingID, PlanID, BillingCycle string
	Amount                           int64
	Currency, PaymentMethod          string
	AgentName                        string
	Org                              EnsureOrganizationResult
	// At is the workflow's clock when the order was made: steps carry workflow
	// time, so the organization step sorts before the steps recorded after it.
	At time.Time
}

// PurchaseRefs names the rows a checkout created.
type PurchaseRefs struct {
	OrderID          string
	OrganizationID   string
	OrganizationName string
	ProjectID        string
	ProjectName      string
	SubscriptionID   string
	AgentID          string
	ChargeID         string
}

// CreatePurchase (local) records the order, a pending subscription and the agent to
// provision. Keyed by workflow ID, so a retry returns the rows made first.
func (a *Activities) CreatePurchase(ctx context.Context, in CreatePurchaseInput) (PurchaseRefs, error) {
	c, now := in, a.now()
	p := models.Purchase{
		Order: models.Order{
			ID: models.NewID("ord"), WorkflowID: in.WorkflowID, UserID: c.UserID,
			OrganizationID: in.Org.OrganizationID, ProjectID: in.Org.ProjectID,
			OfferingID: c.OfferingID, PlanID: c.PlanID, BillingCycle: models.BillingCycle(c.BillingCycle),
			Amount: c.Amount, Currency: c.Currency, State: models.OrderPending, PaymentMethod: c.PaymentMethod,
			IdempotencyKey: c.IdempotencyKey, RequestHash: c.RequestHash, CreatedAt: now, UpdatedAt: now,
		},
	}
	p.Subscription = models.Subscription{
		ID: models.NewID("sub"), OrganizationID: p.Order.OrganizationID, ProjectID: p.Order.ProjectID,
		OfferingID: c.OfferingID, PlanID: c.PlanID, OrderID: p.Order.ID, BillingCycle: p.Order.BillingCycle,
		State: models.SubscriptionPending, Price: c.Amount, Currency: c.Currency, PaymentMethod: c.PaymentMethod,
		CreatedAt: now, UpdatedAt: now,
	}
	p.Agent = models.Agent{
		ID: models.NewID("agt"), OrganizationID: p.Order.OrganizationID, ProjectID: p.Order.ProjectID,
		SubscriptionID: p.Subscription.ID, OfferingID: c.OfferingID, Name: c.AgentName,
		Status: models.AgentProvisioning, HeartbeatSecret: newSecret(), CreatedAt: now, UpdatedAt: now,
	}
	got, err := a.Store.CreatePurchase(ctx, p)
	if err != nil {
		return PurchaseRefs{}, err
	}
	at := now
	if !in.At.IsZero() {
		at = in.At
	}
	if err := a.Store.AddOrderStep(ctx, got.Order.ID, models.StepOrganization, "completed", in.Org.OrganizationName, at); err != nil {
		return PurchaseRefs{}, err
	}
	return PurchaseRefs{
		OrderID: got.Order.ID, OrganizationID: in.Org.OrganizationID, OrganizationName: in.Org.OrganizationName,
		ProjectID: in.Org.ProjectID, ProjectName: in.Org.ProjectName,
		SubscriptionID: got.Subscription.ID, AgentID: got.Agent.ID,
	}, nil
}

// CheckoutProgress is one bookkeeping step of a checkout; empty fields are unchanged.
type CheckoutProgress struct {
	Refs              PurchaseRefs
	At                time.Time
	Step, StepState   string
	Detail            string
	OrderState        string
	SubscriptionState string
	AgentStatus       string
	ChargeID          string
	RefundID          string
	ErrorCode         string
	ErrorMessage      string
	MCPURL            string
	PeriodStart       *time.Time
	PeriodEnd         *time.Time
	// Ledger, when set, records a money movement of the order (charge or refund).
	LedgerKind   string
	LedgerAmount int64
	Currency     string
	ProviderID   string
	OfferingID   string
	PlanID       string
}

// RecordCheckoutProgress (local) applies one step to the read models in a transaction.
func (a *Activities) RecordCheckoutProgress(ctx context.Context, p CheckoutProgress) error {
	return a.Store.RecordCheckoutProgress(ctx, toStoreProgress(p))
}

func toStoreProgress(p CheckoutProgress) models.CheckoutProgress {
	return models.CheckoutProgress{
		OrderID: p.Refs.OrderID, SubscriptionID: p.Refs.SubscriptionID, AgentID: p.Refs.AgentID,
		OrganizationID: p.Refs.OrganizationID, At: p.At, Step: p.Step, StepState: p.StepState, Detail: p.Detail,
		OrderState: models.OrderState(p.OrderState), SubscriptionState: models.SubscriptionState(p.SubscriptionState),
		AgentStatus: models.AgentStatus(p.AgentStatus), ChargeID: p.ChargeID, RefundID: p.RefundID,
		ErrorCode: p.ErrorCode, ErrorMessage: p.ErrorMessage, MCPURL: p.MCPURL,
		PeriodStart: p.PeriodStart, PeriodEnd: p.PeriodEnd,
		LedgerKind: models.LedgerKind(p.LedgerKind), LedgerAmount: p.LedgerAmount, Currency: p.Currency,
		ProviderID: p.ProviderID, OfferingID: p.OfferingID, PlanID: p.PlanID,
	}
}

// ChargeInput is one payment to take.
type ChargeInput struct {
	IdempotencyKey string
	Amount         int64
	Currency       string
	PaymentMethod  string
	CustomerEmail  string
	Description    string
	Metadata       map[string]string
}

// ChargeResult is the settled payment.
type ChargeResult struct {
	ChargeID string
	Status   string
}

// DeclineDetails travel with a PaymentDeclined application error.
type DeclineDetails struct {
	Code, Message string
}

// Charge takes a payment. A decline is final (non-retryable PaymentDeclined); a
// network or provider error is retried with the same idempotency key, so a retry
// after a crash never charges twice.
func (a *Activities) Charge(ctx context.Context, in ChargeInput) (ChargeResult, error) {
	ch, err := a.Payments.Charge(ctx, payments.ChargeRequest{
		IdempotencyKey: in.IdempotencyKey, AmountMinor: in.Amount, Currency: in.Currency,
		PaymentMethod: in.PaymentMethod, CustomerEmail: in.CustomerEmail, Description: in.Description, Metadata: in.Metadata,
	})
	if err != nil {
		if d, ok := payments.IsDecline(err); ok {
			return ChargeResult{}, temporal.NewNonRetryableApplicationError(d.Message, ErrTypeDeclined, err, DeclineDetails{Code: d.Code, Message: d.Message})
		}
		if inv, ok := payments.IsInvalid(err); ok {
			// The provider's own message ("no such payment method ..."), not a Go error chain.
			return ChargeResult{}, temporal.NewNonRetryableApplicationError(inv.Message, ErrTypeInvalid, err, DeclineDetails{Code: "invalid_payment", Message: inv.Message})
		}
		return ChargeResult{}, err
	}
	return ChargeResult{ChargeID: ch.ID, Status: ch.Status}, nil
}

// RefundInput is a refund of a charge.
type RefundInput struct {
	IdempotencyKey string
	ChargeID       string
	Amount         int64
	Reason         string
}

// Refund returns money to the buyer; retried with the same key until it lands.
func (a *Activities) Refund(ctx context.Context, in RefundInput) (string, error) {
	r, err := a.Payments.Refund(ctx, payments.RefundRequest{IdempotencyKey: in.IdempotencyKey, ChargeID: in.ChargeID, AmountMinor: in.Amount, Reason: in.Reason})
	if err != nil {
		return "", err
	}
	return r.ID, nil
}

// ProvisionInput names the agent to deploy.
type ProvisionInput struct {
	AgentID string
}

// ProvisionResult is where the deployed agent answers.
type ProvisionResult struct {
	MCPURL string
}

// Provision deploys an agent to Site-Kit. Site-Kit's create is idempotent on the
// agent ID, so retries converge; an outage is retried until the workflow's deadline,
// and a permanent refusal (bad package) fails at once as ProvisioningFailed.
func (a *Activities) Provision(ctx context.Context, in ProvisionInput) (ProvisionResult, error) {
	d, err := a.Store.DeploymentSpec(ctx, in.AgentID)
	if err != nil {
		return ProvisionResult{}, err
	}
	activity.RecordHeartbeat(ctx, "creating deployment")
	dep, err := a.SiteKit.CreateDeployment(ctx, sitekit.CreateDeploymentRequest{
		ID: d.Agent.ID, AgentName: d.Agent.Name, Package: d.Offering.PackageRef, OfferingSlug: d.Offering.Slug,
		Plan: d.Plan.Name, Limits: d.Plan.Limits.V,
		HeartbeatURL: a.PublicURL + "/api/v1/sitekit/heartbeats", HeartbeatSecret: d.Agent.HeartbeatSecret,
	})
	if err != nil {
		if sitekit.IsPermanent(err) {
			return ProvisionResult{}, temporal.NewNonRetryableApplicationError(sitekitMessage(err), ErrTypeProvisioning, err)
		}
		return ProvisionResult{}, err
	}
	return ProvisionResult{MCPURL: dep.MCPURL}, nil
}

func sitekitMessage(err error) string {
	var se *sitekit.Error
	if errors.As(err, &se) && se.Message != "" {
		return "Site-Kit refused the deployment: " + se.Message
	}
	return "Site-Kit refused the deployment"
}

// domainError makes coded domain errors non-retryable so a workflow can report them.
func domainError(err error) error {
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	typ := ErrTypeInvalid
	switch e.Code {
	case errs.NotFound:
		typ = ErrTypeNotFound
	case errs.Forbidden:
		typ = ErrTypeForbidden
	case errs.Conflict:
		typ = ErrTypeConflict
	}
	return temporal.NewNonRetryableApplicationError(e.Message, typ, err)
}
