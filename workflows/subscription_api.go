package workflows

import "time"

// SubscriptionWorkflowName is the registered name of Subscription.
const SubscriptionWorkflowName = "Subscription"

// SubscriptionWorkflowID names the one billing workflow of a subscription.
func SubscriptionWorkflowID(subscriptionID string) string { return "subscription-" + subscriptionID }

// Handlers of the subscription workflow.
const (
	// QuerySubscriptionStatus answers SubscriptionStatus.
	QuerySubscriptionStatus = "status"
	// UpdateCancel (CancelRequest) cancels at period end, or undoes that. A
	// past-due or suspended subscription (no paid period left) ends at once.
	UpdateCancel = "cancel"
	// UpdateChangePlan (ChangePlanRequest → ChangePlanResult) upgrades now with
	// proration or downgrades at renewal.
	UpdateChangePlan = "change-plan"
	// UpdatePaymentMethod (PaymentMethodRequest) replaces the payment method and,
	// when an invoice is unpaid, retries its charge right away.
	UpdatePaymentMethod = "payment-method"
)

// ErrTypeUnavailable marks a charge that could not reach the payment provider;
// the subscription keeps its schedule and the API answers 503.
const ErrTypeUnavailable = "Unavailable"

// Plan changes ChangePlanResult.Change reports.
const (
	ChangeUpgrade       = "upgrade"
	ChangeDowngrade     = "downgrade"
	ChangeKeepCurrent   = "keep_current"
	EffectiveNow        = "now"
	EffectiveAtRenewal  = "at_renewal"
	defaultDunningRetry = 24 * time.Hour
)

// DefaultSuspendedGrace is how long a suspended subscription may stay unpaid
// before it is canceled, when the input sets no SuspendedGrace.
const DefaultSuspendedGrace = 30 * 24 * time.Hour

// DefaultDunning retries a declined renewal 1, 3 and 5 days after the first
// failure, then suspends the subscription.
var DefaultDunning = []time.Duration{defaultDunningRetry, 3 * defaultDunningRetry, 5 * defaultDunningRetry}

// SubscriptionInput is a subscription's whole billing state. The checkout starts
// the first run with it; every Continue-As-New carries it (small and bounded)
// to the next run, so a subscription that lives for years keeps a short history.
type SubscriptionInput struct {
	SubscriptionID string
	OrganizationID string
	ProviderID     string
	OfferingID     string
	OrderID        string
	AgentID        string
	CustomerEmail  string
	AgentName      string

	Plan          PlanTerms
	BillingCycle  string // monthly | annual
	Currency      string
	PaymentMethod string

	// Periods end at Anchor + Cycles billing cycles (day of month clamped).
	Anchor      time.Time
	Cycles      int
	Period      int // number of the current period; 1 is the one checkout paid
	PeriodStart time.Time
	PeriodEnd   time.Time

	State             string // active | past_due | suspended
	CancelAtPeriodEnd bool
	Pending           *PlanTerms   // a downgrade waiting for the renewal
	Open              *OpenInvoice // an unpaid renewal (dunning)

	// Dunning lists when to retry a declined renewal, counted from the first
	// decline; nil means DefaultDunning. Tests shorten it.
	Dunning []time.Duration
	// SuspendedGrace is how long a suspended subscription may stay unpaid
	// before it is canceled (deployment deleted, orders and invoices kept);
	// zero means DefaultSuspendedGrace.
	SuspendedGrace time.Duration
	// SuspendedAt is when dunning suspended the subscription (zero otherwise);
	// carried across Continue-As-New so the grace period never restarts.
	SuspendedAt time.Time

	Changes      int // plan changes so far (names proration invoices)
	InvoicesPaid int
}

// PlanTerms is a plan as the subscription bills it: its price for the
// subscription's billing cycle is fixed when chosen.
type PlanTerms struct {
	PlanID string
	Name   string
	Price  int64
	// Limits are the plan's limits as chosen, pushed to Site-Kit when the
	// plan takes effect; nil means "read them from the plan".
	Limits map[string]int64 `json:",omitempty"`
}

// OpenInvoice is an unpaid renewal invoice and its dunning progress.
type OpenInvoice struct {
	ID          string
	Amount      int64
	PeriodStart time.Time
	PeriodEnd   time.Time
	FailedAt    time.Time // first decline
	Attempts    int       // charges tried
	Retries     int       // scheduled retries done
	// KeySeq moves on only after a definite decline: the next attempt needs a
	// new idempotency key, while a transient failure retries under the same one.
	KeySeq   int
	LastCode string
}

// SubscriptionResult is how a subscription's billing ended (or a run's state at
// Continue-As-New).
type SubscriptionResult struct {
	State        string
	InvoicesPaid int
}

// SubscriptionStatus is the answer of QuerySubscriptionStatus and of the updates.
type SubscriptionStatus struct {
	SubscriptionID    string
	State             string
	PlanID            string
	Price             int64
	Currency          string
	BillingCycle      string
	Period            int
	PeriodStart       time.Time
	PeriodEnd         time.Time
	CancelAtPeriodEnd bool
	PendingPlanID     string
	OpenInvoiceID     string
	NextRetryAt       *time.Time
	LastDeclineCode   string
	InvoicesPaid      int
}

// CancelRequest is the payload of UpdateCancel.
type CancelRequest struct {
	// Undo keeps a subscription whose cancellation at period end was requested.
	Undo bool
}

// ChangePlanRequest is the payload of UpdateChangePlan. The API resolves the
// plan from the catalog; the validator checks it against the subscription.
type ChangePlanRequest struct {
	PlanID     string
	PlanName   string
	OfferingID string
	Currency   string
	// Price is the plan's price for the subscription's billing cycle.
	Price int64
	// Limits are the plan's limits, sent to Site-Kit when the change takes effect.
	Limits map[string]int64
}

// ChangePlanResult says what a plan change did.
type ChangePlanResult struct {
	Change         string // upgrade | downgrade | keep_current
	Effective      string // now | at_renewal
	ProratedAmount int64
	InvoiceID      string
	Status         SubscriptionStatus
}

// PaymentMethodRequest is the payload of UpdatePaymentMethod.
type PaymentMethodRequest struct {
	PaymentMethod string
}
