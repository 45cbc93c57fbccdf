package sitekit

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// maxBodyBytes bounds request bodies; knowledge uploads are the largest.
const maxBodyBytes = 8 << 20

// decodeJSON reads one JSON value from the request body. Unknown fields are
// accepted so a newer CMP can talk to an older runtime.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return newError(CodeBadRequest, "request body is empty")
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return newError(CodeBadRequest, "request body exceeds %d bytes", tooBig.Limit)
		}
		return newError(CodeBadRequest, "request body is not valid JSON")
	}
	return nil
}

// writeJSON encodes v with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers err. Contract errors keep their code; anything else is
// logged with its cause and shown only as "internal error" with a request ID
// the operator can grep for.
func (rt *Runtime) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		reqID := rand.Text()[:12]
		rt.log.Error("sitekit: internal error", "request_id", reqID, "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("X-Request-ID", reqID)
		e = newError(CodeInternal, "internal error (request %s)", reqID)
	}
	if e.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sitekit"`)
	}
	writeJSON(w, e.Status, errorBody{Error: errorDetail{Code: e.Code, Message: e.Message}})
}

// bearerToken returns the token of an `Authorization: Bearer` header, or "".
func bearerToken(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}
