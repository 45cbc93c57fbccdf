package payments

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/cmp-platform/cmp/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sentRequest is what stripe-go put on the wire for one call.
type sentRequest struct {
	Method, Path, IdempotencyKey string
	Form                         url.Values
}

// recorder is an http.RoundTripper that notes each request before sending it,
// so tests can check what we asked Stripe for, not only what came back.
type recorder struct {
	mu   sync.Mutex
	sent []sentRequest
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		body = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	form, _ := url.ParseQuery(string(body))
	r.mu.Lock()
	r.sent = append(r.sent, sentRequest{req.Method, req.URL.Path, req.Header.Get("Idempotency-Key"), form})
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// last returns the most recent request to path.
func (r *recorder) last(t *testing.T, path string) sentRequest {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.sent) - 1; i >= 0; i-- {
		if r.sent[i].Path == path {
			return r.sent[i]
		}
	}
	t.Fatalf("no request to %s; sent %+v", path, r.sent)
	return sentRequest{}
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sent)
}

// newStripeForTest returns a Stripe provider talking to base through a recorder.
func newStripeForTest(t *testing.T, base string) (*Stripe, *recorder) {
	t.Helper()
	rec := &recorder{}
	s, err := NewStripe(StripeConfig{SecretKey: "sk_test_cmp", APIBase: base, HTTPClient: &http.Client{Transport: rec}})
	require.NoError(t, err)
	return s, rec
}

func TestStripe_ChargeRefundTransferAndConnectAreAcceptedByStripeMock(t *testing.T) {
	s, rec := newStripeForTest(t, testenv.StartStripeMock(t))
	ctx := context.Background()
	assert.Equal(t, "stripe", s.Name())

	ch, err := s.Charge(ctx, ChargeRequest{IdempotencyKey: "order-1-charge", AmountMinor: 2500, Currency: "usd",
		PaymentMethod: "pm_card_visa", CustomerEmail: "buyer@example.com", Description: "agent purchase",
		Metadata: map[string]string{"order_id": "ord_1"}})
	require.NoError(t, err)
	assert.NotEmpty(t, ch.ID)
	assert.NotEmpty(t, ch.Status, "the PaymentIntent status is passed through")
	sent := rec.last(t, "/v1/payment_intents")
	assert.Equal(t, "order-1-charge", sent.IdempotencyKey)
	assert.Equal(t, "true", sent.Form.Get("confirm"))
	assert.Equal(t, "pm_card_visa", sent.Form.Get("payment_method"))
	assert.Equal(t, "card", sent.Form.Get("payment_method_types[0]"))
	assert.Equal(t, "2500", sent.Form.Get("amount"))
	assert.Equal(t, "ord_1", sent.Form.Get("metadata[order_id]"))
	assert.Equal(t, "buyer@example.com", sent.Form.Get("receipt_email"))

	rf, err := s.Refund(ctx, RefundRequest{IdempotencyKey: "order-1-refund", ChargeID: ch.ID, AmountMinor: 500,
		Reason: "agent failed to deliver", Metadata: map[string]string{"order_id": "ord_1"}})
	require.NoError(t, err)
	assert.NotEmpty(t, rf.ID)
	assert.Equal(t, ch.ID, rf.ChargeID)
	sent = rec.last(t, "/v1/refunds")
	assert.Equal(t, "order-1-refund", sent.IdempotencyKey)
	assert.Equal(t, ch.ID, sent.Form.Get("payment_intent"))
	assert.Empty(t, sent.Form.Get("reason"), "free-text reasons are not Stripe reasons")
	assert.Equal(t, "agent failed to deliver", sent.Form.Get("metadata[reason]"))

	tr, err := s.Transfer(ctx, TransferRequest{IdempotencyKey: "payout-3", Destination: "acct_1032D82eZvKYlo2C",
		AmountMinor: 2000, Currency: "usd", Description: "June payout", Metadata: map[string]string{"payout_id": "po_3"}})
	require.NoError(t, err)
	assert.NotEmpty(t, tr.ID)
	assert.NotEmpty(t, tr.Destination)
	sent = rec.last(t, "/v1/transfers")
	assert.Equal(t, "payout-3", sent.IdempotencyKey)
	assert.Equal(t, "acct_1032D82eZvKYlo2C", sent.Form.Get("destination"))

	acct, err := s.CreateConnectAccount(ctx, ConnectAccountRequest{IdempotencyKey: "provider-9-account",
		Email: "dev@example.com", Country: "US", ReturnURL: "https://cmp.example/payouts/done",
		RefreshURL: "https://cmp.example/payouts/refresh"})
	require.NoError(t, err)
	assert.NotEmpty(t, acct.ID)
	assert.NotEmpty(t, acct.OnboardingURL)
	sent = rec.last(t, "/v1/accounts")
	assert.Equal(t, "provider-9-account", sent.IdempotencyKey)
	assert.Equal(t, "express", sent.Form.Get("type"))
	assert.Equal(t, "true", sent.Form.Get("capabilities[transfers][requested]"))
	link := rec.last(t, "/v1/account_links")
	assert.NotEqual(t, "provider-9-account", link.IdempotencyKey, "links expire; a replayed one would be stale")
	assert.Equal(t, "account_onboarding", link.Form.Get("type"))
	assert.Equal(t, "https://cmp.example/payouts/done", link.Form.Get("return_url"))

	// stripe-mock answers with fixtures, not our values; logged for whoever debugs this.
	t.Logf("stripe-mock returned charge %+v, refund %+v, transfer %+v, account %+v", ch, rf, tr, acct)
}

func TestStripe_BadInputFailsBeforeTheNetwork(t *testing.T) {
	// Nothing listens here; a request that got this far would fail as retryable.
	s, rec := newStripeForTest(t, "http://127.0.0.1:1")
	_, err := s.Charge(context.Background(), ChargeRequest{AmountMinor: 100, Currency: "usd", PaymentMethod: "pm_card_visa"})
	e, ok := IsInvalid(err)
	require.True(t, ok, "want an InvalidRequestError, got %v", err)
	assert.Equal(t, CodeIdempotencyKeyMissing, e.Code)
	_, err = s.Transfer(context.Background(), TransferRequest{IdempotencyKey: "k", Destination: "acct_1", Currency: "usd"})
	_, ok = IsInvalid(err)
	assert.True(t, ok, "want an InvalidRequestError, got %v", err)
	assert.Zero(t, rec.count())
}

func TestNewStripe_ErrSecretKeyRequired(t *testing.T) {
	_, err := NewStripe(StripeConfig{})
	assert.Error(t, err)
}
