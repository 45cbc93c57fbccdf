package payments

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"strings"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
)

// StripeConfig configures the Stripe provider.
type StripeConfig struct {
	// SecretKey is the account's secret API key (sk_live_..., sk_test_...).
	SecretKey string
	// APIBase overrides Stripe's API URL, e.g. http://127.0.0.1:12111 for
	// stripe-mock; "" means Stripe itself.
	APIBase string
	// HTTPClient carries the requests; nil means stripe-go's default client.
	HTTPClient *http.Client
}

// Stripe is a Provider backed by the Stripe API: charges are PaymentIntents
// confirmed at once, payouts are Connect transfers to Express accounts.
type Stripe struct {
	api *client.API
}

var _ Provider = (*Stripe)(nil)

// NewStripe returns a Stripe provider. It fails on a missing key here, at
// wiring time, because at charge time a 401 looks like any retryable outage.
func NewStripe(cfg StripeConfig) (*Stripe, error) {
	if cfg.SecretKey == "" {
		return nil, errors.New("payments: stripe secret key is required")
	}
	backend := func(kind stripe.SupportedBackend, base string) stripe.Backend {
		c := &stripe.BackendConfig{
			HTTPClient: cfg.HTTPClient,
			// Errors are returned to the caller, who logs them with the order
			// or payout they belong to; stripe-go's own log would say it twice.
			LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
		}
		if base != "" {
			c.URL = stripe.String(base)
		}
		return stripe.GetBackendWithConfig(kind, c)
	}
	api := client.New(cfg.SecretKey, &stripe.Backends{
		API:     backend(stripe.APIBackend, cfg.APIBase),
		Uploads: backend(stripe.UploadsBackend, cfg.APIBase),
		Connect: backend(stripe.ConnectBackend, ""),
	})
	return &Stripe{api: api}, nil
}

// Name returns ProviderStripe.
func (s *Stripe) Name() string { return ProviderStripe }

// Charge creates and confirms a card PaymentIntent in one call. The returned
// Status is the PaymentIntent's, unchanged: "succeeded", or e.g.
// "requires_action" when the card needs 3-D Secure.
func (s *Stripe) Charge(ctx context.Context, req ChargeRequest) (Charge, error) {
	if err := req.validate(); err != nil {
		return Charge{}, err
	}
	p := &stripe.PaymentIntentParams{
		Amount:             stripe.Int64(req.AmountMinor),
		Currency:           stripe.String(req.Currency),
		PaymentMethod:      stripe.String(req.PaymentMethod),
		PaymentMethodTypes: stripe.StringSlice([]string{"card"}),
		Confirm:            stripe.Bool(true),
		ReceiptEmail:       optional(req.CustomerEmail),
		Description:        optional(req.Description),
	}
	p.Metadata = req.Metadata
	p.Context = ctx
	p.SetIdempotencyKey(req.IdempotencyKey)
	pi, err := s.api.PaymentIntents.New(p)
	if err != nil {
		return Charge{}, fromStripeError(err)
	}
	return Charge{ID: pi.ID, Status: string(pi.Status), AmountMinor: pi.Amount, Currency: string(pi.Currency)}, nil
}

// Refund refunds a PaymentIntent (the ID Charge returned) or, for IDs starting
// "ch_", a Stripe charge.
func (s *Stripe) Refund(ctx context.Context, req RefundRequest) (Refund, error) {
	if err := req.validate(); err != nil {
		return Refund{}, err
	}
	p := &stripe.RefundParams{Amount: stripe.Int64(req.AmountMinor)}
	if strings.HasPrefix(req.ChargeID, "ch_") {
		p.Charge = stripe.String(req.ChargeID)
	} else {
		p.PaymentIntent = stripe.String(req.ChargeID)
	}
	p.Reason, p.Metadata = refundReason(req.Reason, req.Metadata)
	p.Context = ctx
	p.SetIdempotencyKey(req.IdempotencyKey)
	r, err := s.api.Refunds.New(p)
	if err != nil {
		return Refund{}, fromStripeError(err)
	}
	return Refund{ID: r.ID, ChargeID: req.ChargeID, AmountMinor: r.Amount, Status: string(r.Status)}, nil
}

// Transfer moves funds from the platform balance to a connected account.
func (s *Stripe) Transfer(ctx context.Context, req TransferRequest) (Transfer, error) {
	if err := req.validate(); err != nil {
		return Transfer{}, err
	}
	p := &stripe.TransferParams{
		Amount:      stripe.Int64(req.AmountMinor),
		Currency:    stripe.String(req.Currency),
		Destination: stripe.String(req.Destination),
		Description: optional(req.Description),
	}
	p.Metadata = req.Metadata
	p.Context = ctx
	p.SetIdempotencyKey(req.IdempotencyKey)
	t, err := s.api.Transfers.New(p)
	if err != nil {
		return Transfer{}, fromStripeTransferError(err)
	}
	out := Transfer{ID: t.ID, Destination: req.Destination, AmountMinor: t.Amount,
		Currency: string(t.Currency), Status: TransferStatusPaid}
	if t.Destination != nil && t.Destination.ID != "" {
		out.Destination = t.Destination.ID
	}
	if t.Reversed {
		out.Status = TransferStatusReversed
	}
	return out, nil
}

// CreateConnectAccount creates an Express account that can receive transfers
// and an onboarding link for it. Only the account creation uses the request's
// idempotency key: links expire within minutes, and replaying one under a fixed
// key would hand an expired link back to the owner who returns via RefreshURL.
// Creating a fresh link each call is harmless, and stripe-go gives it a random
// key that still covers its own network retries.
func (s *Stripe) CreateConnectAccount(ctx context.Context, req ConnectAccountRequest) (ConnectAccount, error) {
	if err := req.validate(); err != nil {
		return ConnectAccount{}, err
	}
	ap := &stripe.AccountParams{
		Type:    stripe.String(string(stripe.AccountTypeExpress)),
		Email:   optional(req.Email),
		Country: optional(req.Country),
		// Buyers pay the platform; connected accounts only receive payouts.
		Capabilities: &stripe.AccountCapabilitiesParams{
			Transfers: &stripe.AccountCapabilitiesTransfersParams{Requested: stripe.Bool(true)},
		},
	}
	ap.Context = ctx
	ap.SetIdempotencyKey(req.IdempotencyKey)
	acct, err := s.api.Accounts.New(ap)
	if err != nil {
		return ConnectAccount{}, fromStripeError(err)
	}
	lp := &stripe.AccountLinkParams{
		Account:    stripe.String(acct.ID),
		RefreshURL: stripe.String(req.RefreshURL),
		ReturnURL:  stripe.String(req.ReturnURL),
		Type:       stripe.String(string(stripe.AccountLinkTypeAccountOnboarding)),
	}
	lp.Context = ctx
	link, err := s.api.AccountLinks.New(lp)
	if err != nil {
		return ConnectAccount{}, fromStripeError(err)
	}
	return ConnectAccount{ID: acct.ID, OnboardingURL: link.URL}, nil
}

// stripeRefundReasons are the reasons Stripe accepts on a refund.
var stripeRefundReasons = map[string]bool{
	string(stripe.RefundReasonDuplicate):           true,
	string(stripe.RefundReasonFraudulent):          true,
	string(stripe.RefundReasonRequestedByCustomer): true,
}

// refundReason passes Stripe's own reasons through and keeps any other text in
// metadata, copying the caller's map rather than writing into it.
func refundReason(reason string, md map[string]string) (*string, map[string]string) {
	if reason == "" || stripeRefundReasons[reason] {
		return optional(reason), md
	}
	out := maps.Clone(md)
	if out == nil {
		out = map[string]string{}
	}
	out["reason"] = reason
	return nil, out
}

// optional leaves empty strings unsent, since Stripe rejects some empty values.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return stripe.String(s)
}
