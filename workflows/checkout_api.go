package workflows

import (
	"time"

	"github.com/cmp-platform/cmp/activities"
)

// CheckoutWorkflowName is the registered name of Checkout.
const CheckoutWorkflowName = "Checkout"

// UpdateConfirm is the Update a caller sends (with start) to wait until payment is
// settled; it returns the order, or a PaymentDeclined error.
const UpdateConfirm = "confirm"

// QueryCheckoutStatus returns the checkout's progress (CheckoutStatus).
const QueryCheckoutStatus = "status"

// CheckoutWorkflowID derives a checkout's workflow ID from the buyer and the
// request's Idempotency-Key, so a retried request reaches the same workflow.
func CheckoutWorkflowID(userID, idempotencyKey string) string {
	return "checkout-" + userID + "-" + idempotencyKey
}

// CheckoutInput is everything a checkout needs, resolved and validated by the API.
type CheckoutInput struct {
	UserID         string
	IdempotencyKey string
	RequestHash    string
	OrganizationID string // optional: buy into this organization
	ProjectID      string // optional: into this project
	OfferingID     string
	ProviderID     string
	PlanID         string
	BillingCycle   string
	Amount         int64
	Currency       string
	PaymentMethod  string
	CustomerEmail  string
	AgentName      string
	// ProvisionDeadline bounds how long a Site-Kit outage may delay the order.
	ProvisionDeadline time.Duration
}

// ConfirmRequest is the payload of UpdateConfirm; RequestHash must match the input's
// so an Idempotency-Key reused with a different body is refused.
type ConfirmRequest struct {
	RequestHash string
}

// CheckoutRefs names the rows a checkout created.
type CheckoutRefs = activities.PurchaseRefs

// CheckoutResult is the workflow's result (and the confirm update's answer).
type CheckoutResult struct {
	CheckoutRefs
	OrderState        string
	SubscriptionState string
	AgentStatus       string
	ErrorCode         string
	ErrorMessage      string
}

// CheckoutStatus is the answer of QueryCheckoutStatus.
type CheckoutStatus struct {
	Step   string
	Result CheckoutResult
}
