package sitekit

import (
	"errors"
	"fmt"
	"net/http"
)

// Error codes of the contract's `{"error":{"code","message"}}` body.
const (
	CodeBadRequest       = "bad_request"
	CodeInvalid          = "invalid"
	CodeInvalidPackage   = "invalid_package"
	CodeUnauthorized     = "unauthorized"
	CodeSuspended        = "suspended"
	CodeOriginNotAllowed = "origin_not_allowed"
	CodeNotFound         = "not_found"
	CodeUnavailable      = "unavailable"
	CodeInternal         = "internal"
)

// statusByCode is the one table mapping error codes to HTTP statuses.
var statusByCode = map[string]int{
	CodeBadRequest:       http.StatusBadRequest,
	CodeInvalid:          http.StatusUnprocessableEntity,
	CodeInvalidPackage:   http.StatusUnprocessableEntity,
	CodeUnauthorized:     http.StatusUnauthorized,
	CodeSuspended:        http.StatusForbidden,
	CodeOriginNotAllowed: http.StatusForbidden,
	CodeNotFound:         http.StatusNotFound,
	CodeUnavailable:      http.StatusServiceUnavailable,
	CodeInternal:         http.StatusInternalServerError,
}

// Error is a contract error: what the runtime answers, and what the Client
// returns for any non-2xx response.
type Error struct {
	Status  int
	Code    string
	Message string
}

// Error implements error.
func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("sitekit: %d %s", e.Status, e.Code)
	}
	return fmt.Sprintf("sitekit: %d %s: %s", e.Status, e.Code, e.Message)
}

// IsPermanent reports whether retrying err cannot help: a 4xx other than
// 408, 409 and 429. Network errors and 5xx (an outage) are not permanent, so
// activities keep retrying and an outage delays an order instead of failing it.
func IsPermanent(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Status {
	case http.StatusRequestTimeout, http.StatusConflict, http.StatusTooManyRequests:
		return false
	}
	return e.Status >= 400 && e.Status < 500
}

// newError builds a runtime-side error whose status comes from statusByCode.
func newError(code, format string, args ...any) *Error {
	status, ok := statusByCode[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// errorBody is the wire shape of every error answer.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message,omitempty"`
}
