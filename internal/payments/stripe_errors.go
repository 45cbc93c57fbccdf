package payments

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/stripe/stripe-go/v76"
)

// fromStripeError sorts a stripe-go error into the three kinds callers act on:
// DeclineError and InvalidRequestError, which a retry cannot fix, and a plain
// wrapped error for everything else, which it may.
func fromStripeError(err error) error {
	var se *stripe.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("payments: stripe: %w", err)
	}
	switch {
	case retryableStripeError(se):
		return fmt.Errorf("payments: stripe %s (HTTP %d, request %s): %w", se.Type, se.HTTPStatusCode, se.RequestID, err)
	case se.Type == stripe.ErrorTypeCard:
		code := string(se.DeclineCode)
		if code == "" {
			code = string(se.Code)
		}
		return &DeclineError{Code: code, Message: se.Msg}
	case se.Type == stripe.ErrorTypeIdempotency:
		// Stripe's word for a key reused with other parameters.
		return &InvalidRequestError{Code: CodeIdempotencyMismatch, Message: se.Msg}
	case se.Type == stripe.ErrorTypeInvalidRequest:
		code := string(se.Code)
		if code == "" {
			code = CodeParameterInvalid
		}
		return &InvalidRequestError{Code: code, Message: se.Msg}
	default:
		return fmt.Errorf("payments: stripe %s (HTTP %d, request %s): %w", se.Type, se.HTTPStatusCode, se.RequestID, err)
	}
}

// retryableStripeError finds the errors Stripe types as invalid requests that
// are really transient: rate limits and lock timeouts (429) and a concurrent
// request holding the same idempotency key (409). Failing them for good would
// fail an order over a busy minute.
func retryableStripeError(se *stripe.Error) bool {
	switch se.HTTPStatusCode {
	case http.StatusTooManyRequests, http.StatusConflict:
		return true
	}
	switch se.Code {
	case stripe.ErrorCodeRateLimit, stripe.ErrorCodeLockTimeout, stripe.ErrorCodeIdempotencyKeyInUse:
		return true
	}
	return false
}

// transferDestinationCodes are Stripe's codes for a destination that cannot be paid.
var transferDestinationCodes = map[stripe.ErrorCode]bool{
	stripe.ErrorCodeAccountInvalid:           true,
	"insufficient_capabilities_for_transfer": true, // not among stripe-go v76 constants
}

// fromStripeTransferError reports a refused destination as a TransferError, so a
// payout run fails that provider's payout alone, as it does with the sandbox.
func fromStripeTransferError(err error) error {
	var se *stripe.Error
	if errors.As(err, &se) && se.Type == stripe.ErrorTypeInvalidRequest && !retryableStripeError(se) &&
		(se.Param == "destination" || transferDestinationCodes[se.Code]) {
		code := string(se.Code)
		if code == "" {
			code = CodeAccountInvalid
		}
		return &TransferError{Code: code, Message: se.Msg}
	}
	return fromStripeError(err)
}
