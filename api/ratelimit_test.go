package api_test

import (
	"net/http"
	"testing"

	"github.com/cmp-platform/cmp/internal/apptest"
)

func TestLogin_GuessingAPasswordIsSlowedTo429(t *testing.T) {
	e := apptest.Start(t, apptest.Options{NoSeed: true})
	u := e.Register("Gus")
	for i := 0; i < 10; i++ {
		e.Do(http.MethodPost, "/api/v1/auth/login", map[string]string{"email": u.Email, "password": "wrong-guess"}, "").Must(t, http.StatusUnauthorized)
	}
	r := e.Do(http.MethodPost, "/api/v1/auth/login", map[string]string{"email": u.Email, "password": "correct-horse-battery"}, "").Must(t, http.StatusTooManyRequests)
	if r.ErrorCode() != "rate_limited" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("want rate_limited with Retry-After, got %s %v", r, r.Header)
	}
	// Another account from the same client is not held back by Gus's guesses.
	v := e.Register("Val")
	e.Do(http.MethodPost, "/api/v1/auth/login", map[string]string{"email": v.Email, "password": "correct-horse-battery"}, "").Must(t, http.StatusOK)
}
