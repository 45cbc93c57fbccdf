// Package errs holds CMP's one error type. Every error a user can see carries a
// code; the API maps codes to HTTP statuses in exactly one table (api/errors.go).
package errs

import (
	"errors"
	"fmt"
)

// Code classifies an error for clients and for the HTTP status table.
type Code string

// The codes CMP uses. Add a code here before using it anywhere else.
const (
	Invalid             Code = "invalid"
	Unauthorized        Code = "unauthorized"
	Forbidden           Code = "forbidden"
	NotFound            Code = "not_found"
	Conflict            Code = "conflict"
	IdempotencyMismatch Code = "idempotency_key_reused"
	PreconditionFailed  Code = "precondition_failed"
	PreconditionNeeded  Code = "precondition_required"
	PaymentDeclined     Code = "payment_declined"
	TooLarge            Code = "too_large"
	UnsupportedType     Code = "unsupported_media_type"
	RateLimited         Code = "rate_limited"
	Unavailable         Code = "unavailable"
	Internal            Code = "internal"
)

// Error is a domain error with a code, a message safe to show, and optional details.
type Error struct {
	Code    Code
	Message string
	Details map[string]any
	// Reason refines Code for clients (e.g. a decline's "card_declined"); empty means Code.
	Reason string
	cause  error
}

// Error implements error.
func (e *Error) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.cause)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap exposes the cause to errors.Is/As.
func (e *Error) Unwrap() error { return e.cause }

// ClientCode is the code shown to clients: the reason when set, else the code.
func (e *Error) ClientCode() string {
	if e.Reason != "" {
		return e.Reason
	}
	return string(e.Code)
}

// New returns an Error with a code and a formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an Error with a code that keeps cause for logs.
func Wrap(code Code, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), cause: cause}
}

// WithDetails attaches details and returns e for chaining.
func (e *Error) WithDetails(d map[string]any) *Error { e.Details = d; return e }

// WithReason sets the client-facing reason and returns e for chaining.
func (e *Error) WithReason(r string) *Error { e.Reason = r; return e }

// Field is shorthand for an Invalid error about one input field.
func Field(field, format string, args ...any) *Error {
	return New(Invalid, format, args...).WithDetails(map[string]any{"field": field})
}

// CodeOf returns the code of err, or Internal when err carries none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// As returns err as *Error when it is one.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
