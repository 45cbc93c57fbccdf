package apptest

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"time"
)

var userSeq atomic.Int64

// User is a registered account and its token.
type User struct {
	ID, Email, Name, Token string
}

// Register creates a fresh account named name (the email is made unique).
func (e *Env) Register(name string) User {
	e.T.Helper()
	email := fmt.Sprintf("user%d-%d@example.com", time.Now().UnixNano()%1e9, userSeq.Add(1))
	var out struct {
		Token string `json:"token"`
		User  struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	e.Do(http.MethodPost, "/api/v1/auth/register", map[string]string{"email": email, "password": "correct-horse-battery", "name": name}, "").
		Must(e.T, http.StatusCreated).JSON(e.T, &out)
	return User{ID: out.User.ID, Email: email, Name: name, Token: out.Token}
}

// Operator signs in as the platform operator.
func (e *Env) Operator() User {
	e.T.Helper()
	var out struct {
		Token string `json:"token"`
		User  struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	e.Do(http.MethodPost, "/api/v1/auth/login", map[string]string{"email": e.Config.OperatorEmail, "password": e.Config.OperatorPassword}, "").
		Must(e.T, http.StatusOK).JSON(e.T, &out)
	return User{ID: out.User.ID, Email: e.Config.OperatorEmail, Token: out.Token}
}

// Purchase is what a checkout answered.
type Purchase struct {
	Order        struct{ ID, State string }  `json:"order"`
	Organization struct{ ID, Name string }   `json:"organization"`
	Project      struct{ ID, Name string }   `json:"project"`
	Subscription struct{ ID, State string }  `json:"subscription"`
	Agent        struct{ ID, Status string } `json:"agent"`
}

var keySeq atomic.Int64

// Checkout buys offering/plan monthly with pm_card_visa and waits until the agent runs.
func (e *Env) Checkout(u User, offering, plan string) Purchase {
	e.T.Helper()
	var p Purchase
	e.Do(http.MethodPost, "/api/v1/checkout", map[string]any{
		"offering": offering, "plan": plan, "billing_cycle": "monthly", "payment_method": "pm_card_visa", "accept_terms": true,
	}, u.Token, fmt.Sprintf("Idempotency-Key: test-%d", keySeq.Add(1))).Must(e.T, http.StatusCreated).JSON(e.T, &p)
	e.WaitAgent(u, p.Agent.ID, "running")
	return p
}

// WaitAgent polls GET /agents/{id} until its status is want (10 s at most).
func (e *Env) WaitAgent(u User, agentID, want string) {
	e.T.Helper()
	deadline := time.Now().Add(10 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		var a struct {
			Status string `json:"status"`
		}
		r := e.Do(http.MethodGet, "/api/v1/agents/"+agentID, nil, u.Token)
		if r.Status == http.StatusOK {
			r.JSON(e.T, &a)
			if a.Status == want {
				return
			}
			last = a.Status
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.T.Fatalf("agent %s: status %q, want %q", agentID, last, want)
}

// CreateKey mints an API key for an agent and returns the full key.
func (e *Env) CreateKey(u User, agentID string, scopes ...string) (id, key string) {
	e.T.Helper()
	body := map[string]any{"name": "test key"}
	if len(scopes) > 0 {
		body["scopes"] = scopes
	}
	var out struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	e.Do(http.MethodPost, "/api/v1/agents/"+agentID+"/keys", body, u.Token).Must(e.T, http.StatusCreated).JSON(e.T, &out)
	return out.ID, out.Key
}
