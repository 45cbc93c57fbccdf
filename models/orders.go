package models

import "time"

// OrderState is an order's lifecycle state.
type OrderState string

// Order states: pending → executing → done | erred | canceled.
const (
	OrderPending   OrderState = "pending"
	OrderExecuting OrderState = "executing"
	OrderDone      OrderState = "done"
	OrderErred     OrderState = "erred"
	OrderCanceled  OrderState = "canceled"
)

var orderTransitions = map[OrderState][]OrderState{
	OrderPending:   {OrderExecuting, OrderErred, OrderCanceled},
	OrderExecuting: {OrderDone, OrderErred},
}

// CanBecome reports whether an order may move from s to next.
func (s OrderState) CanBecome(next OrderState) bool {
	for _, n := range orderTransitions[s] {
		if n == next {
			return true
		}
	}
	return false
}

// Terminal reports whether no further transition is possible.
func (s OrderState) Terminal() bool { return len(orderTransitions[s]) == 0 }

// Order is one purchase, created by the checkout workflow.
type Order struct {
	ID             string `gorm:"primaryKey"`
	WorkflowID     string
	UserID         string
	OrganizationID string
	ProjectID      string
	OfferingID     string
	PlanID         string
	BillingCycle   BillingCycle
	Amount         int64
	Currency       string
	State          OrderState
	PaymentMethod  string
	ChargeID       string
	RefundID       string
	ErrorCode      string
	ErrorMessage   string
	IdempotencyKey string
	RequestHash    string
	CreatedAt      time.Time
	UpdatedAt      time.Time

	Steps []OrderStep `gorm:"foreignKey:OrderID"`
}

// Order step names, in the order checkout runs them.
const (
	StepOrganization = "organization"
	StepPayment      = "payment"
	StepProvisioning = "provisioning"
	StepActivation   = "activation"
	StepRefund       = "refund"
)

// OrderStep records when a checkout step started, finished or failed.
type OrderStep struct {
	ID      int64 `gorm:"primaryKey"`
	OrderID string
	Name    string
	State   string // started | completed | failed
	Detail  string
	At      time.Time
}

// SubscriptionState is a subscription's lifecycle state.
type SubscriptionState string

// Subscription states.
const (
	SubscriptionPending   SubscriptionState = "pending"
	SubscriptionActive    SubscriptionState = "active"
	SubscriptionPastDue   SubscriptionState = "past_due"
	SubscriptionSuspended SubscriptionState = "suspended"
	SubscriptionCanceled  SubscriptionState = "canceled"
	SubscriptionFailed    SubscriptionState = "failed"
)

// Subscription is an organization's running purchase of a plan.
type Subscription struct {
	ID                 string `gorm:"primaryKey"`
	OrganizationID     string
	ProjectID          string
	OfferingID         string
	PlanID             string
	OrderID            string
	BillingCycle       BillingCycle
	State              SubscriptionState
	Price              int64
	Currency           string
	PaymentMethod      string
	CurrentPeriodStart *time.Time
	CurrentPeriodEnd   *time.Time
	CancelAtPeriodEnd  bool
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// AgentStatus is a deployed agent's status as CMP sees it.
type AgentStatus string

// Agent statuses.
const (
	AgentProvisioning AgentStatus = "provisioning"
	AgentRunning      AgentStatus = "running"
	AgentDegraded     AgentStatus = "degraded"
	AgentSuspended    AgentStatus = "suspended"
	AgentFailed       AgentStatus = "failed"
	AgentDeleted      AgentStatus = "deleted"
)

// Agent is a bought offering deployed to Site-Kit ("My Agents").
type Agent struct {
	ID              string `gorm:"primaryKey"`
	OrganizationID  string
	ProjectID       string
	SubscriptionID  string
	OfferingID      string
	Name            string
	Status          AgentStatus
	StatusReason    string
	MCPURL          string `gorm:"column:mcp_url"`
	HeartbeatSecret string `json:"-"`
	LastHeartbeatAt *time.Time
	RunningSince    *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// APIKey is a buyer's credential for an agent, stored only as a hash.
type APIKey struct {
	ID             string `gorm:"primaryKey"`
	AgentID        string
	OrganizationID string
	Name           string
	Prefix         string
	Hash           string
	Scopes         JSON[[]string]
	AllowedOrigins JSON[[]string]
	ExpiresAt      *time.Time
	LastUsedAt     *time.Time
	RevokedAt      *time.Time
	CreatedBy      string
	CreatedAt      time.Time
}

// TableName pins the table name GORM would otherwise spell "api_keys" anyway.
func (APIKey) TableName() string { return "api_keys" }

// Active reports whether the key can be used at t.
func (k APIKey) Active(t time.Time) bool {
	return k.RevokedAt == nil && (k.ExpiresAt == nil || t.Before(*k.ExpiresAt))
}

// LedgerKind is the kind of a money movement.
type LedgerKind string

// Ledger kinds. Amounts are positive; the kind gives the direction.
const (
	LedgerCharge          LedgerKind = "charge"
	LedgerRefund          LedgerKind = "refund"
	LedgerPlatformFee     LedgerKind = "platform_fee"
	LedgerProviderEarning LedgerKind = "provider_earning"
	LedgerPayout          LedgerKind = "payout"
	LedgerAdjustment      LedgerKind = "adjustment"
)

// LedgerEntry is one immutable money movement in integer minor units.
type LedgerEntry struct {
	ID             string `gorm:"primaryKey"`
	Kind           LedgerKind
	Amount         int64
	Currency       string
	OrganizationID string
	ProviderID     string
	OfferingID     string
	PlanID         string
	OrderID        string
	SubscriptionID string
	InvoiceID      string
	PayoutID       string
	ExternalRef    string
	DedupeKey      string
	OccurredAt     time.Time
	CreatedAt      time.Time
}
