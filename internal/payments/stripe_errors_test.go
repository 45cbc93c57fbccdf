package payments

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v76"
)

func TestFromStripeError_SortsErrorsByWhetherARetryCanFixThem(t *testing.T) {
	cases := []struct {
		name      string
		in        error
		decline   string // want a DeclineError with this code
		invalid   string // want an InvalidRequestError with this code
		retryable bool   // want a plain error
	}{
		{name: "CardDeclineCodeWins", in: &stripe.Error{Type: stripe.ErrorTypeCard, HTTPStatusCode: 402,
			Code: stripe.ErrorCodeCardDeclined, DeclineCode: stripe.DeclineCodeInsufficientFunds}, decline: "insufficient_funds"},
		{name: "CardCodeWithoutDeclineCode", in: &stripe.Error{Type: stripe.ErrorTypeCard, HTTPStatusCode: 402,
			Code: stripe.ErrorCodeExpiredCard}, decline: "expired_card"},
		{name: "InvalidRequest", in: &stripe.Error{Type: stripe.ErrorTypeInvalidRequest, HTTPStatusCode: 400,
			Code: stripe.ErrorCodeResourceMissing}, invalid: "resource_missing"},
		{name: "InvalidRequestWithoutCode", in: &stripe.Error{Type: stripe.ErrorTypeInvalidRequest, HTTPStatusCode: 400},
			invalid: CodeParameterInvalid},
		{name: "IdempotencyKeyReused", in: &stripe.Error{Type: stripe.ErrorTypeIdempotency, HTTPStatusCode: 400},
			invalid: CodeIdempotencyMismatch},
		{name: "RateLimited", in: &stripe.Error{Type: stripe.ErrorTypeInvalidRequest, HTTPStatusCode: 429,
			Code: stripe.ErrorCodeRateLimit}, retryable: true},
		{name: "LockTimeout", in: &stripe.Error{Type: stripe.ErrorTypeInvalidRequest, HTTPStatusCode: 429,
			Code: stripe.ErrorCodeLockTimeout}, retryable: true},
		{name: "SameKeyInFlight", in: &stripe.Error{Type: stripe.ErrorTypeInvalidRequest, HTTPStatusCode: 409,
			Code: stripe.ErrorCodeIdempotencyKeyInUse}, retryable: true},
		{name: "ServerError", in: &stripe.Error{Type: stripe.ErrorTypeAPI, HTTPStatusCode: 500}, retryable: true},
		{name: "Network", in: errors.New("dial tcp: connection refused"), retryable: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := fromStripeError(tc.in)
			require.Error(t, err)
			d, isDecline := IsDecline(err)
			e, isInvalid := IsInvalid(err)
			switch {
			case tc.decline != "":
				require.True(t, isDecline, "want a DeclineError, got %v", err)
				assert.Equal(t, tc.decline, d.Code)
			case tc.invalid != "":
				require.True(t, isInvalid, "want an InvalidRequestError, got %v", err)
				assert.Equal(t, tc.invalid, e.Code)
			case tc.retryable:
				assert.False(t, isDecline || isInvalid, "want a plain error, got %v", err)
				assert.ErrorIs(t, err, tc.in, "the cause is kept for logs")
			}
		})
	}
}

// stripeErrorServer answers every request with one Stripe-shaped error, so the
// whole path through stripe-go's decoding is tested, not only our mapping.
func stripeErrorServer(t *testing.T, status int, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestStripe_DeclinedCardIsADeclineError(t *testing.T) {
	base := stripeErrorServer(t, http.StatusPaymentRequired, `{"error":{"type":"card_error","code":"card_declined",
		"decline_code":"insufficient_funds","message":"Your card has insufficient funds."}}`)
	s, _ := newStripeForTest(t, base)
	_, err := s.Charge(context.Background(), chargeReq("order-1", "pm_card_chargeDeclinedInsufficientFunds", 2500))
	d, ok := IsDecline(err)
	require.True(t, ok, "want a DeclineError, got %v", err)
	assert.Equal(t, DeclineError{Code: "insufficient_funds", Message: "Your card has insufficient funds."}, *d)
}

func TestStripe_RefusedTransferDestinationIsATransferError(t *testing.T) {
	base := stripeErrorServer(t, http.StatusBadRequest, `{"error":{"type":"invalid_request_error",
		"code":"resource_missing","param":"destination","message":"No such destination: 'acct_gone'"}}`)
	s, _ := newStripeForTest(t, base)
	_, err := s.Transfer(context.Background(), TransferRequest{IdempotencyKey: "payout-1", Destination: "acct_gone",
		AmountMinor: 100, Currency: "usd"})
	te, ok := IsTransferFailure(err)
	require.True(t, ok, "want a TransferError, got %v", err)
	assert.Equal(t, "resource_missing", te.Code)
}

func TestStripe_ServerErrorIsRetryable(t *testing.T) {
	base := stripeErrorServer(t, http.StatusInternalServerError, `{"error":{"type":"api_error","message":"boom"}}`)
	s, _ := newStripeForTest(t, base)
	_, err := s.Charge(context.Background(), chargeReq("order-1", "pm_card_visa", 2500))
	require.Error(t, err)
	_, isDecline := IsDecline(err)
	_, isInvalid := IsInvalid(err)
	assert.False(t, isDecline || isInvalid, "want a plain error, got %v", err)
}
