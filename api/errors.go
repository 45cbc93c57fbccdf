package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"unicode"

	"github.com/gin-gonic/gin"
	"github.com/go-playground/validator/v10"

	"github.com/cmp-platform/cmp/internal/errs"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[errs.Code]int{
	errs.Invalid:             http.StatusBadRequest,
	errs.Unauthorized:        http.StatusUnauthorized,
	errs.Forbidden:           http.StatusForbidden,
	errs.NotFound:            http.StatusNotFound,
	errs.Conflict:            http.StatusConflict,
	errs.IdempotencyMismatch: http.StatusConflict,
	errs.PreconditionFailed:  http.StatusPreconditionFailed,
	errs.PreconditionNeeded:  http.StatusPreconditionRequired,
	errs.PaymentDeclined:     http.StatusPaymentRequired,
	errs.TooLarge:            http.StatusRequestEntityTooLarge,
	errs.UnsupportedType:     http.StatusUnsupportedMediaType,
	errs.RateLimited:         http.StatusTooManyRequests,
	errs.Unavailable:         http.StatusServiceUnavailable,
	errs.Internal:            http.StatusInternalServerError,
}

// ErrorBody is the JSON envelope of every error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong: a stable code, a readable message, details.
type ErrorDetail struct {
	Code      string         `json:"code"`
	Message   string         `json:"message"`
	Details   map[string]any `json:"details,omitempty"`
	RequestID string         `json:"request_id,omitempty"`
}

// fail writes err as the error envelope and aborts the request. Errors without a
// code are internal: logged with their cause, shown as "internal error".
func fail(c *gin.Context, err error) {
	e, ok := errs.As(err)
	if !ok {
		e = &errs.Error{Code: errs.Internal, Message: "internal error"}
		slog.Error("internal error", "request_id", requestID(c), "method", c.Request.Method, "path", c.FullPath(), "err", err)
	} else if e.Code == errs.Internal {
		slog.Error("internal error", "request_id", requestID(c), "path", c.FullPath(), "err", err)
		e = &errs.Error{Code: errs.Internal, Message: "internal error"}
	}
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	c.AbortWithStatusJSON(status, ErrorBody{Error: ErrorDetail{Code: e.ClientCode(), Message: e.Message, Details: e.Details, RequestID: requestID(c)}})
}

// maxJSONBody bounds a JSON request body: the largest valid one (an offering
// with every text at its limit) is a few hundred KiB.
const maxJSONBody = 2 << 20

// bindJSON decodes the body into v, turning malformed JSON into a coded 400 and
// a body over maxJSONBody into a 413 before it is read whole.
func bindJSON(c *gin.Context, v any) bool {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody)
	if err := c.ShouldBindJSON(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(c, errs.New(errs.TooLarge, "request body larger than %d MiB", maxJSONBody>>20).WithReason("body_too_large"))
			return false
		}
		fail(c, bindError(err))
		return false
	}
	return true
}

// bindError words a decoding failure for clients by JSON field name, never by
// the Go struct names the validator and decoder speak in.
func bindError(err error) *errs.Error {
	var ve validator.ValidationErrors
	if errors.As(err, &ve) && len(ve) > 0 {
		field := snakeCase(ve[0].Field())
		return errs.Field(field, "%s is required", field)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return errs.Field(te.Field, "%s must be a JSON %s", te.Field, jsonKind(te.Type.Kind()))
	}
	return errs.New(errs.Invalid, "request body is not valid JSON for this endpoint")
}

// snakeCase turns a Go field name (PaymentMethod) into its JSON name (payment_method);
// the request types tag every field that way.
func snakeCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 && !unicode.IsUpper(rune(s[i-1])) {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	default:
		return "number"
	}
}

func requestID(c *gin.Context) string { return c.GetString("request_id") }
