package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/cmp-platform/cmp/internal/sitekit"
	"github.com/cmp-platform/cmp/models"
)

// CreateInvoiceInput describes an invoice of a subscription. DedupeKey
// ("renewal-<period>", "change-<n>") makes the activity idempotent: a retry
// returns the invoice (and ID) the first attempt created.
type CreateInvoiceInput struct {
	SubscriptionID string
	OrganizationID string
	ProviderID     string
	OfferingID     string
	PlanID         string
	Kind           string
	DedupeKey      string
	PeriodStart    time.Time
	PeriodEnd      time.Time
	Currency       string
	// FixedAmount is the plan price (or prorated difference) billed by this invoice.
	FixedAmount      int64
	FixedDescription string
	// UsagePlanID and UsagePeriodStart, when set, add the usage components of
	// that plan above their included amounts, as metered in the period that
	// started then (billed in arrears).
	UsagePlanID      string
	UsagePeriodStart *time.Time
}

// InvoiceRef is a created invoice as the workflow needs it.
type InvoiceRef struct {
	ID          string
	Amount      int64
	Currency    string
	UsageAmount int64
}

// CreateInvoice (local) draws the invoice ID and stores the invoice with its lines.
func (a *Activities) CreateInvoice(ctx context.Context, in CreateInvoiceInput) (InvoiceRef, error) {
	lines := []models.InvoiceLine{}
	if in.FixedAmount > 0 {
		lines = append(lines, models.InvoiceLine{Description: in.FixedDescription, Quantity: 1, UnitPrice: in.FixedAmount, Amount: in.FixedAmount})
	}
	usage, err := a.usageLines(ctx, in)
	if err != nil {
		return InvoiceRef{}, err
	}
	lines = append(lines, usage...)
	var total, usageTotal int64
	for _, l := range lines {
		total += l.Amount
		if l.Component != "" {
			usageTotal += l.Amount
		}
	}
	now := a.now()
	inv, err := a.Store.CreateInvoice(ctx, models.Invoice{
		ID: models.NewID("inv"), SubscriptionID: in.SubscriptionID, OrganizationID: in.OrganizationID,
		ProviderID: in.ProviderID, OfferingID: in.OfferingID, PlanID: in.PlanID, Kind: models.InvoiceKind(in.Kind),
		DedupeKey: in.DedupeKey, PeriodStart: in.PeriodStart.UTC(), PeriodEnd: in.PeriodEnd.UTC(), Amount: total,
		Currency: in.Currency, Lines: models.NewJSON(lines), State: models.InvoiceOpen, CreatedAt: now, UpdatedAt: now,
	})
	if err != nil {
		return InvoiceRef{}, err
	}
	var stored int64
	for _, l := range inv.Lines.V {
		if l.Component != "" {
			stored += l.Amount
		}
	}
	return InvoiceRef{ID: inv.ID, Amount: inv.Amount, Currency: inv.Currency, UsageAmount: stored}, nil
}

// usageLines bills each usage component of the plan above its included amount.
// Components are matched to usage records by their unit (Site-Kit's usage names).
func (a *Activities) usageLines(ctx context.Context, in CreateInvoiceInput) ([]models.InvoiceLine, error) {
	if in.UsagePlanID == "" || in.UsagePeriodStart == nil {
		return nil, nil
	}
	plan, err := a.Store.BillingPlan(ctx, in.UsagePlanID)
	if err != nil {
		return nil, domainError(err)
	}
	// The ended period runs up to this invoice's start: fold its heartbeats into usage records first.
	if err := a.Store.AggregateUsage(ctx, in.SubscriptionID, *in.UsagePeriodStart, in.PeriodStart); err != nil {
		return nil, err
	}
	used, err := a.Store.UsageOfPeriod(ctx, in.SubscriptionID, models.UsagePeriodKey(*in.UsagePeriodStart))
	if err != nil {
		return nil, err
	}
	var out []models.InvoiceLine
	for _, c := range plan.Components.V {
		if c.Type != models.ComponentUsage {
			continue
		}
		over := used[c.Unit] - c.IncludedAmount
		if over <= 0 || c.UnitPrice <= 0 {
			continue
		}
		out = append(out, models.InvoiceLine{
			Description: fmt.Sprintf("%s: %d %s above the %d included", c.Name, over, c.Unit, c.IncludedAmount),
			Component:   c.Unit, Quantity: over, UnitPrice: c.UnitPrice, Amount: over * c.UnitPrice,
		})
	}
	return out, nil
}

// BillingPlanName (local) names a plan for invoices and the Temporal UI memo
// (the checkout hands over only the plan's ID).
func (a *Activities) BillingPlanName(ctx context.Context, planID string) (string, error) {
	p, err := a.Store.BillingPlan(ctx, planID)
	if err != nil {
		return "", domainError(err)
	}
	return p.Name, nil
}

// BillingProgress is one bookkeeping step of a subscription's billing; empty
// fields are unchanged.
type BillingProgress struct {
	SubscriptionID string
	AgentID        string
	At             time.Time

	InvoiceID    string
	InvoiceState string
	Attempts     *int
	LastError    *string

	State             string
	PlanID            string
	Price             *int64
	PaymentMethod     string
	PendingPlanID     *string
	CancelAtPeriodEnd *bool
	PeriodStart       *time.Time
	PeriodEnd         *time.Time
	Canceled          bool

	AgentStatus string
	AgentReason *string

	// Charge, when set, is a settled payment of the invoice: it marks the
	// invoice paid and books a ledger charge entry for part B's payouts.
	Charge *BillingCharge
}

// BillingCharge is a paid invoice's payment with what the ledger needs.
type BillingCharge struct {
	ChargeID       string
	Amount         int64
	Currency       string
	OrganizationID string
	ProviderID     string
	OfferingID     string
	PlanID         string
	OrderID        string
}

// RecordBilling (local) applies one billing step to the read models in one transaction.
func (a *Activities) RecordBilling(ctx context.Context, p BillingProgress) error {
	return a.Store.ApplyBillingChange(ctx, toBillingChange(p))
}

func toBillingChange(p BillingProgress) models.BillingChange {
	c := models.BillingChange{
		SubscriptionID: p.SubscriptionID, AgentID: p.AgentID, At: p.At.UTC(),
		InvoiceID: p.InvoiceID, InvoiceState: models.InvoiceState(p.InvoiceState), Attempts: p.Attempts, LastError: p.LastError,
		State: models.SubscriptionState(p.State), PlanID: p.PlanID, Price: p.Price, PaymentMethod: p.PaymentMethod,
		PendingPlanID: p.PendingPlanID, CancelAtPeriodEnd: p.CancelAtPeriodEnd, PeriodStart: p.PeriodStart, PeriodEnd: p.PeriodEnd,
		Canceled: p.Canceled, AgentStatus: models.AgentStatus(p.AgentStatus), AgentReason: p.AgentReason,
	}
	if ch := p.Charge; ch != nil {
		c.InvoiceState, c.ChargeID = models.InvoicePaid, ch.ChargeID
		c.Ledger = &models.LedgerEntry{
			Kind: models.LedgerCharge, Amount: ch.Amount, Currency: ch.Currency, OrganizationID: ch.OrganizationID,
			ProviderID: ch.ProviderID, OfferingID: ch.OfferingID, PlanID: ch.PlanID, OrderID: ch.OrderID,
			SubscriptionID: p.SubscriptionID, InvoiceID: p.InvoiceID, ExternalRef: ch.ChargeID,
			DedupeKey: string(models.LedgerCharge) + ":" + ch.ChargeID, OccurredAt: p.At.UTC(),
		}
	}
	return c
}

// DeploymentInput names the agent whose Site-Kit deployment to change.
type DeploymentInput struct {
	AgentID string
}

// SuspendDeployment stops an unpaid agent's MCP and widget traffic on Site-Kit,
// keeping its configuration (repeating it is harmless).
func (a *Activities) SuspendDeployment(ctx context.Context, in DeploymentInput) error {
	_, err := a.SiteKit.Suspend(ctx, in.AgentID)
	return deploymentError(err)
}

// ResumeDeployment lets a reinstated agent serve again (repeating it is harmless).
func (a *Activities) ResumeDeployment(ctx context.Context, in DeploymentInput) error {
	_, err := a.SiteKit.Resume(ctx, in.AgentID)
	return deploymentError(err)
}

// DeleteDeployment removes a canceled subscription's deployment (204 even when gone).
func (a *Activities) DeleteDeployment(ctx context.Context, in DeploymentInput) error {
	return deploymentError(a.SiteKit.DeleteDeployment(ctx, in.AgentID))
}

// deploymentError makes a refusal final (a missing deployment has nothing to
// change) and leaves outages to the retry policy.
func deploymentError(err error) error {
	if err == nil || !sitekit.IsPermanent(err) {
		return err
	}
	if isNotFound(err) {
		return nil
	}
	return temporal.NewNonRetryableApplicationError(sitekitMessage(err), ErrTypeInvalid, err)
}

// PushPlanInput is a plan change taking effect on an agent's deployment.
// Version comes from the workflow (the change's workflow time), so a retry
// repeats it and Site-Kit ignores it once a later change landed.
type PushPlanInput struct {
	AgentID string
	PlanID  string
	Plan    string
	Limits  map[string]int64
	Version int64
}

// PushPlan tells Site-Kit the deployment's new plan name and limits. Limits
// the workflow does not carry are read from the plan.
func (a *Activities) PushPlan(ctx context.Context, in PushPlanInput) error {
	name, limits := in.Plan, in.Limits
	if (name == "" || limits == nil) && in.PlanID != "" {
		p, err := a.Store.BillingPlan(ctx, in.PlanID)
		if err != nil {
			return domainError(err)
		}
		if name == "" {
			name = p.Name
		}
		if limits == nil {
			limits = p.Limits.V
		}
	}
	if limits == nil {
		limits = map[string]int64{}
	}
	_, err := a.SiteKit.PutPlan(ctx, in.AgentID, sitekit.Plan{Version: in.Version, Plan: name, Limits: limits})
	return deploymentError(err)
}
