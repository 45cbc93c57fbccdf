package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cmp-platform/cmp/internal/apptest"
)

// testKeysAreShownOnceValidatedAndRevocable runs in checkoutJourneys' stack.
func testKeysAreShownOnceValidatedAndRevocable(t *testing.T, e *apptest.Env) {
	u := e.Register("Kai")
	p := e.Checkout(u, "hr-assistant", "Starter")
	path := "/api/v1/agents/" + p.Agent.ID + "/keys"
	for _, c := range []struct {
		name string
		body any
	}{
		{"ErrNameMissing", map[string]any{"name": " "}},
		{"ErrUnknownScope", map[string]any{"name": "k", "scopes": []string{"admin"}}},
		{"ErrExpiresInThePast", map[string]any{"name": "k", "expires_at": time.Now().Add(-time.Hour)}},
		{"ErrOriginNotAURL", map[string]any{"name": "k", "scopes": []string{"widget"}, "allowed_origins": []string{"example.com"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := on(e, t).Do(http.MethodPost, path, c.body, u.Token).Must(t, http.StatusBadRequest)
			if r.ErrorCode() != "invalid" {
				t.Errorf("code %q, want invalid", r.ErrorCode())
			}
		})
	}
	keyID, key := e.CreateKey(u, p.Agent.ID)
	var list struct {
		Items []struct {
			ID     string   `json:"id"`
			Prefix string   `json:"prefix"`
			Scopes []string `json:"scopes"`
			Active bool     `json:"active"`
		} `json:"items"`
	}
	r := e.Do(http.MethodGet, path, nil, u.Token).Must(t, http.StatusOK)
	r.JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != keyID || !strings.HasPrefix(key, list.Items[0].Prefix) || !list.Items[0].Active {
		t.Fatalf("keys %+v, want the one active key listed by its prefix", list.Items)
	}
	if strings.Contains(string(r.Body), key) {
		t.Fatalf("the key list shows the key itself")
	}
	var stored int64
	e.Stack.Store.WithContext(t.Context()).Table("api_keys").Where("hash = ?", key).Count(&stored)
	if stored != 0 {
		t.Fatalf("the key is stored in clear")
	}

	t.Run("RotateReplacesTheKey", func(t *testing.T) {
		e := on(e, t)
		var rotated struct {
			ID  string `json:"id"`
			Key string `json:"key"`
		}
		e.Do(http.MethodPost, path+"/"+keyID+"/rotate", nil, u.Token).Must(t, http.StatusCreated).JSON(t, &rotated)
		if rotated.Key == "" || rotated.Key == key || rotated.ID == keyID {
			t.Fatalf("rotate answered %+v", rotated)
		}
		e.Do(http.MethodGet, path, nil, u.Token).Must(t, http.StatusOK).JSON(t, &list)
		active := 0
		for _, k := range list.Items {
			if k.Active {
				active++
				if k.ID != rotated.ID {
					t.Errorf("key %s is still active after rotation", k.ID)
				}
			}
		}
		if active != 1 {
			t.Errorf("%d active keys after rotation, want 1", active)
		}
		e.Do(http.MethodPost, path+"/"+keyID+"/rotate", nil, u.Token).Must(t, http.StatusConflict)
		e.Do(http.MethodDelete, path+"/"+rotated.ID, nil, u.Token).Must(t, http.StatusNoContent)
	})
	t.Run("ErrUnknownKey", func(t *testing.T) {
		on(e, t).Do(http.MethodDelete, path+"/key_nope", nil, u.Token).Must(t, http.StatusNotFound)
	})
	t.Run("ErrAnonymous", func(t *testing.T) {
		on(e, t).Do(http.MethodGet, path, nil, "").Must(t, http.StatusUnauthorized)
	})
}

// testAccountsAndReadiness runs in checkoutJourneys' stack.
func testAccountsAndReadiness(t *testing.T, e *apptest.Env) {
	e.Do(http.MethodGet, "/healthz", nil, "").Must(t, http.StatusOK)
	e.Do(http.MethodGet, "/readyz", nil, "").Must(t, http.StatusOK)
	u := e.Register("Lou")
	for _, c := range []struct {
		name   string
		body   map[string]string
		status int
		code   string
	}{
		{"ErrEmailTaken", map[string]string{"email": u.Email, "password": "correct-horse-battery", "name": "Lou"}, http.StatusConflict, "conflict"},
		{"ErrEmailInvalid", map[string]string{"email": "not-an-email", "password": "correct-horse-battery", "name": "Lou"}, http.StatusBadRequest, "invalid"},
		{"ErrPasswordShort", map[string]string{"email": "short-" + u.Email, "password": "short", "name": "Lou"}, http.StatusBadRequest, "invalid"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := on(e, t).Do(http.MethodPost, "/api/v1/auth/register", c.body, "").Must(t, c.status)
			if r.ErrorCode() != c.code {
				t.Errorf("code %q, want %q", r.ErrorCode(), c.code)
			}
		})
	}
	var tok struct {
		Token string `json:"token"`
	}
	e.Do(http.MethodPost, "/api/v1/auth/login", map[string]string{"email": u.Email, "password": "correct-horse-battery"}, "").Must(t, http.StatusOK).JSON(t, &tok)
	e.Do(http.MethodGet, "/api/v1/me", nil, tok.Token).Must(t, http.StatusOK)
	r := e.Do(http.MethodPost, "/api/v1/auth/login", map[string]string{"email": u.Email, "password": "wrong-password"}, "").Must(t, http.StatusUnauthorized)
	if r.ErrorCode() != "unauthorized" {
		t.Errorf("wrong password: code %q", r.ErrorCode())
	}
	e.Do(http.MethodPost, "/api/v1/auth/logout", nil, tok.Token).Must(t, http.StatusNoContent)
	e.Do(http.MethodGet, "/api/v1/me", nil, tok.Token).Must(t, http.StatusUnauthorized)
}
