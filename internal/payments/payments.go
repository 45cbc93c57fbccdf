// Package payments moves money for CMP: charging buyers, refunding them, paying
// agent providers out to their connected accounts, and setting those accounts up.
//
// Provider is the one contract; Sandbox implements it deterministically for
// development and tests, Stripe implements it against the Stripe API. Every call
// carries an idempotency key derived from durable state (an order, invoice or
// payout ID), so a Temporal activity that is retried after a crash repeats the
// same request instead of moving money twice.
package payments

import "context"

// Provider names, as returned by Provider.Name.
const (
	ProviderSandbox = "sandbox"
	ProviderStripe  = "stripe"
)

// Provider moves money. Every call carries an idempotency key derived from durable state.
type Provider interface {
	// Name identifies the implementation: ProviderSandbox or ProviderStripe.
	Name() string
	// Charge takes a payment from a buyer's payment method.
	Charge(ctx context.Context, req ChargeRequest) (Charge, error)
	// Refund returns all or part of an earlier charge.
	Refund(ctx context.Context, req RefundRequest) (Refund, error)
	// Transfer pays out to a provider's connected account.
	Transfer(ctx context.Context, req TransferRequest) (Transfer, error)
	// CreateConnectAccount sets up a payout method: it returns the account ID
	// and a URL where its owner completes onboarding.
	CreateConnectAccount(ctx context.Context, req ConnectAccountRequest) (ConnectAccount, error)
}

// ChargeRequest asks for a payment of AmountMinor (cents or the currency's
// smallest unit) in Currency, a lower-case ISO code such as "usd".
type ChargeRequest struct {
	IdempotencyKey string
	AmountMinor    int64
	Currency       string
	// PaymentMethod is a provider payment method ID, e.g. Stripe's "pm_card_visa".
	PaymentMethod string
	CustomerEmail string
	Description   string
	Metadata      map[string]string
}

// Charge is the outcome of a ChargeRequest. Status is the provider's own word
// ("succeeded", "requires_action", ...), passed through so callers decide.
type Charge struct {
	ID          string
	Status      string
	AmountMinor int64
	Currency    string
}

// RefundRequest returns AmountMinor of the charge ChargeID (the Charge.ID that
// Charge returned).
type RefundRequest struct {
	IdempotencyKey string
	ChargeID       string
	AmountMinor    int64
	// Reason is free text. Stripe's own reasons ("duplicate", "fraudulent",
	// "requested_by_customer") are passed as such; anything else travels in
	// metadata["reason"], because Stripe rejects other values.
	Reason   string
	Metadata map[string]string
}

// Refund is the outcome of a RefundRequest.
type Refund struct {
	ID          string
	ChargeID    string
	AmountMinor int64
	Status      string
}

// TransferRequest pays AmountMinor in Currency to the connected account Destination.
type TransferRequest struct {
	IdempotencyKey string
	Destination    string
	AmountMinor    int64
	Currency       string
	Description    string
	Metadata       map[string]string
}

// Transfer is the outcome of a TransferRequest. Stripe transfers have no status
// of their own, so Status is TransferStatusPaid or TransferStatusReversed.
type Transfer struct {
	ID          string
	Destination string
	AmountMinor int64
	Currency    string
	Status      string
}

// Transfer statuses.
const (
	TransferStatusPaid     = "paid"
	TransferStatusReversed = "reversed"
)

// ConnectAccountRequest sets up a payout account. The owner is sent to
// ReturnURL when onboarding ends and to RefreshURL when the link has expired.
type ConnectAccountRequest struct {
	IdempotencyKey string
	Email          string
	// Country is a two-letter ISO code such as "US".
	Country    string
	ReturnURL  string
	RefreshURL string
}

// ConnectAccount is a payout account and the URL where its owner onboards.
type ConnectAccount struct {
	ID            string
	OnboardingURL string
}
