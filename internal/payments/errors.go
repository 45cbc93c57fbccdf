package payments

import (
	"errors"
	"fmt"
)

// Decline codes, as Stripe reports them in decline_code (or code).
const (
	DeclineCardDeclined      = "card_declined"
	DeclineInsufficientFunds = "insufficient_funds"
	DeclineExpiredCard       = "expired_card"
	DeclineIncorrectCVC      = "incorrect_cvc"
	DeclineProcessingError   = "processing_error"
	DeclineLostCard          = "lost_card"
	DeclineStolenCard        = "stolen_card"
)

// Invalid-request codes. Where Stripe has a code for the same mistake we use it,
// so callers see one vocabulary whichever provider is configured.
const (
	CodeIdempotencyKeyMissing = "idempotency_key_missing"
	CodeIdempotencyMismatch   = "idempotency_mismatch"
	CodeAmountInvalid         = "amount_invalid"
	CodeAmountTooLarge        = "amount_too_large"
	CodeParameterMissing      = "parameter_missing"
	CodeParameterInvalid      = "parameter_invalid"
	CodeUnknownPaymentMethod  = "resource_missing"
)

// CodeAccountInvalid is the TransferError code for a destination that cannot
// receive transfers.
const CodeAccountInvalid = "account_invalid"

// DeclineError means the card issuer refused the charge. Retrying the same
// request cannot fix it; the buyer has to use another payment method.
type DeclineError struct {
	Code    string
	Message string
}

// Error implements error.
func (e *DeclineError) Error() string {
	return fmt.Sprintf("payment declined (%s): %s", e.Code, e.Message)
}

// InvalidRequestError means the request itself is wrong (bad input, reused
// idempotency key). Retrying it unchanged cannot succeed.
type InvalidRequestError struct {
	Code    string
	Message string
}

// Error implements error.
func (e *InvalidRequestError) Error() string {
	return fmt.Sprintf("invalid payment request (%s): %s", e.Code, e.Message)
}

// TransferError means a payout's destination cannot receive it. It fails that
// one payout, not the run paying many providers, and a retry cannot fix it.
type TransferError struct {
	Code    string
	Message string
}

// Error implements error.
func (e *TransferError) Error() string {
	return fmt.Sprintf("transfer failed (%s): %s", e.Code, e.Message)
}

// IsDecline reports whether err is, or wraps, a DeclineError.
func IsDecline(err error) (*DeclineError, bool) {
	var d *DeclineError
	ok := errors.As(err, &d)
	return d, ok
}

// IsInvalid reports whether err is, or wraps, an InvalidRequestError.
func IsInvalid(err error) (*InvalidRequestError, bool) {
	var e *InvalidRequestError
	ok := errors.As(err, &e)
	return e, ok
}

// IsTransferFailure reports whether err is, or wraps, a TransferError.
func IsTransferFailure(err error) (*TransferError, bool) {
	var e *TransferError
	ok := errors.As(err, &e)
	return e, ok
}

// invalid builds an InvalidRequestError; it keeps validation code short.
func invalid(code, format string, args ...any) error {
	return &InvalidRequestError{Code: code, Message: fmt.Sprintf(format, args...)}
}
