// Package seller_test drives the seller journey (issue 3) over HTTP against the
// whole stack: provider registration, offerings with plans and assets, review by
// an operator through a real Temporal signal (from the API and from the Temporal
// CLI), anonymous listing, and a buyer's checkout.
package seller_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cmp-platform/cmp/internal/apptest"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// client wraps an Env and counts the HTTP calls a journey makes.
type client struct {
	*apptest.Env
	calls atomic.Int64
}

func (c *client) do(method, path string, body any, token string, headers ...string) *apptest.Response {
	c.T.Helper()
	c.calls.Add(1)
	return c.Do(method, path, body, token, headers...)
}

// offering is the part of a provider's offering view the tests read.
type offering struct {
	ID              string `json:"id"`
	Slug            string `json:"slug"`
	State           string `json:"state"`
	LogoURL         string `json:"logo_url"`
	Screenshots     []string
	RejectionReason string `json:"rejection_reason"`
	Plans           []struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Prices struct {
			Monthly int64 `json:"monthly"`
		} `json:"prices"`
	} `json:"plans"`
	Review *struct {
		Status string `json:"status"`
		Round  int    `json:"round"`
		Checks []struct {
			Name    string `json:"name"`
			Passed  bool   `json:"passed"`
			Message string `json:"message"`
		} `json:"checks"`
	} `json:"review"`
	Revision *struct {
		ID    string `json:"id"`
		State string `json:"state"`
	} `json:"revision"`
}

var nameSeq atomic.Int64

// uniqueWord is a made-up word that no seeded text contains, for search checks.
func uniqueWord() string {
	return fmt.Sprintf("zorblax%d%d", time.Now().UnixNano()%1e6, nameSeq.Add(1))
}

// newOffering creates a complete draft offering with one plan.
func (c *client) newOffering(token, word string) offering {
	c.T.Helper()
	var o offering
	c.do(http.MethodPost, "/api/v1/provider/offerings", map[string]any{
		"category": "agents", "name": "Helpdesk " + word, "summary": "Answers tickets " + word,
		"description": "# Helpdesk\nAnswers your customers' tickets.", "features": []string{"24/7", "Multilingual"},
		"tags": []string{"support"}, "documentation_url": "https://docs.example.com/helpdesk",
		"faq":              []map[string]string{{"question": "Does it speak German?", "answer": "Yes."}},
		"terms_of_service": "Use it kindly.", "privacy_policy_url": "https://example.com/privacy",
		"demo_url": "https://example.com/demo", "visibility": "public", "package_ref": "sitekit://helpdesk@1.0.0",
	}, token).Must(c.T, http.StatusCreated).JSON(c.T, &o)
	c.do(http.MethodPost, "/api/v1/provider/offerings/"+o.ID+"/plans", map[string]any{
		"name": "Starter", "description": "For small teams", "prices": map[string]int64{"monthly": 2900, "annual": 29000},
		"currency": "usd", "features": []string{"1,000 messages"}, "limits": map[string]int64{"messages": 1000},
		"components": []map[string]any{{"type": "fixed", "name": "Base", "unit": "month", "unit_price": 2900}},
	}, token).Must(c.T, http.StatusCreated).JSON(c.T, &o)
	return o
}

// upload posts a multipart file in field "file".
func (c *client) upload(path, token, filename string, data []byte) *apptest.Response {
	c.T.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, err := w.CreateFormFile("file", filename)
	if err != nil {
		c.T.Fatal(err)
	}
	_, _ = part.Write(data)
	_ = w.Close()
	req, err := http.NewRequest(http.MethodPost, c.URL+path, &buf)
	if err != nil {
		c.T.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	c.calls.Add(1)
	return c.Send(req)
}

// pngBytes is a small valid PNG image.
func pngBytes(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// listed reports whether the anonymous marketplace listing shows slug.
func (c *client) listed(word, slug string) bool {
	c.T.Helper()
	var page struct {
		Items []struct {
			Slug     string `json:"slug"`
			Featured bool   `json:"featured"`
		} `json:"items"`
	}
	c.do(http.MethodGet, "/api/v1/offerings?q="+url.QueryEscape(word), nil, "").Must(c.T, http.StatusOK).JSON(c.T, &page)
	for _, it := range page.Items {
		if it.Slug == slug {
			return true
		}
	}
	return false
}

// waitListed polls the anonymous listing until slug appears and returns how long it took.
func (c *client) waitListed(t testing.TB, word, slug string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if c.listed(word, slug) {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("offering %s not listed anonymously %v after approval", slug, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (c *client) get(token, id string) offering {
	c.T.Helper()
	var o offering
	c.do(http.MethodGet, "/api/v1/provider/offerings/"+id, nil, token).Must(c.T, http.StatusOK).JSON(c.T, &o)
	return o
}

// provider registers a user who then registers a provider.
func (c *client) provider(name string) apptest.User {
	c.T.Helper()
	u := c.register(name)
	c.do(http.MethodPost, "/api/v1/providers", map[string]string{"name": name + " AI", "description": "We build agents",
		"website": "https://example.com", "support_email": "support@example.com"}, u.Token).Must(c.T, http.StatusCreated)
	return u
}

// register creates an account through the API, counting the call.
func (c *client) register(name string) apptest.User {
	c.T.Helper()
	email := fmt.Sprintf("seller%d-%d@example.com", time.Now().UnixNano()%1e9, nameSeq.Add(1))
	var out struct {
		Token string `json:"token"`
		User  struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	c.do(http.MethodPost, "/api/v1/auth/register", map[string]string{"email": email, "password": "correct-horse-battery", "name": name}, "").
		Must(c.T, http.StatusCreated).JSON(c.T, &out)
	return apptest.User{ID: out.User.ID, Email: email, Name: name, Token: out.Token}
}

// operator signs in as the platform operator, counting the call.
func (c *client) operator() apptest.User {
	c.T.Helper()
	var out struct {
		Token string `json:"token"`
	}
	c.do(http.MethodPost, "/api/v1/auth/login", map[string]string{"email": c.Config.OperatorEmail, "password": c.Config.OperatorPassword}, "").
		Must(c.T, http.StatusOK).JSON(c.T, &out)
	return apptest.User{Email: c.Config.OperatorEmail, Token: out.Token}
}

// checkout buys slug/plan monthly and polls until the agent runs, counting every call.
func (c *client) checkout(u apptest.User, slug, plan string) string {
	c.T.Helper()
	var p struct {
		Agent struct {
			ID string `json:"id"`
		} `json:"agent"`
	}
	c.do(http.MethodPost, "/api/v1/checkout", map[string]any{"offering": slug, "plan": plan, "billing_cycle": "monthly",
		"payment_method": "pm_card_visa", "accept_terms": true}, u.Token, fmt.Sprintf("Idempotency-Key: seller-%d", nameSeq.Add(1))).
		Must(c.T, http.StatusCreated).JSON(c.T, &p)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var a struct {
			Status string `json:"status"`
		}
		c.do(http.MethodGet, "/api/v1/agents/"+p.Agent.ID, nil, u.Token).Must(c.T, http.StatusOK).JSON(c.T, &a)
		if a.Status == "running" {
			return p.Agent.ID
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.T.Fatalf("agent %s never ran", p.Agent.ID)
	return ""
}
