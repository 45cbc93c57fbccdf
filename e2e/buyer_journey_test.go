// Package e2e walks CMP's journeys end to end over HTTP against the whole stack
// in-process: a real Temporal dev server, SQLite, the embedded Site-Kit runtime
// and sandbox payments (internal/apptest).
package e2e

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cmp-platform/cmp/internal/apptest"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// TestBuyer_FromAnonymousBrowseToMCPToolsList is the buyer journey of issue 2:
// browse anonymously, register, buy, wait for the agent, mint a key, read the MCP
// config, list the agent's tools with the official MCP client, and lose access
// when the key is revoked.
func TestBuyer_FromAnonymousBrowseToMCPToolsList(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t, apptest.Options{})

	// Discover, anonymously.
	var cats struct {
		Items []struct {
			Slug string `json:"slug"`
		} `json:"items"`
	}
	e.Do(http.MethodGet, "/api/v1/categories", nil, "").Must(t, http.StatusOK).JSON(t, &cats)
	if len(cats.Items) != 4 {
		t.Fatalf("GET /categories: %+v, want the four categories", cats.Items)
	}
	type listing struct {
		Slug          string `json:"slug"`
		Category      string `json:"category"`
		StartingPrice any    `json:"starting_price"`
		Provider      any    `json:"provider"`
	}
	var list struct {
		Items []listing `json:"items"`
	}
	e.Do(http.MethodGet, "/api/v1/offerings?category=agents", nil, "").Must(t, http.StatusOK).JSON(t, &list)
	i := slices.IndexFunc(list.Items, func(o listing) bool { return o.Slug == "support-agent" })
	if i < 0 {
		t.Fatalf("support-agent is not listed under agents: %+v", list.Items)
	}
	if o := list.Items[i]; o.Category != "agents" || o.StartingPrice == nil || o.Provider == nil {
		t.Errorf("listing %+v lacks category, provider or starting price", o)
	}

	// Select a plan on the offering page.
	var detail struct {
		Plans []struct {
			ID     string `json:"id"`
			Name   string `json:"name"`
			Prices struct {
				Monthly any `json:"monthly"`
				Annual  any `json:"annual"`
			} `json:"prices"`
		} `json:"plans"`
	}
	e.Do(http.MethodGet, "/api/v1/offerings/support-agent", nil, "").Must(t, http.StatusOK).JSON(t, &detail)
	var planID string
	for _, p := range detail.Plans {
		if p.Prices.Monthly == nil || p.Prices.Annual == nil {
			t.Errorf("plan %s lacks a monthly or annual price", p.Name)
		}
		if p.Name == "Pro" {
			planID = p.ID
		}
	}
	if planID == "" {
		t.Fatalf("support-agent has no Pro plan: %+v", detail.Plans)
	}

	// Check out.
	u := e.Register("Jules")
	var p apptest.Purchase
	e.Do(http.MethodPost, "/api/v1/checkout", map[string]any{
		"offering": "support-agent", "plan": planID, "billing_cycle": "annual", "payment_method": "pm_card_visa", "accept_terms": true,
	}, u.Token, "Idempotency-Key: journey-1").Must(t, http.StatusCreated).JSON(t, &p)
	if p.Organization.Name != "Jules's Organization" || p.Project.Name != "Default" {
		t.Errorf("checkout made %q / %q", p.Organization.Name, p.Project.Name)
	}
	e.WaitAgent(u, p.Agent.ID, "running")

	// Use: a key, shown once and listed by prefix only.
	keyID, key := e.CreateKey(u, p.Agent.ID)
	if !strings.HasPrefix(key, "cmp_sk_") {
		t.Errorf("key %q is not a secret key", key)
	}
	r := e.Do(http.MethodGet, "/api/v1/agents/"+p.Agent.ID+"/keys", nil, u.Token).Must(t, http.StatusOK)
	if strings.Contains(string(r.Body), key) {
		t.Fatalf("GET keys shows the full key: %s", r.Body)
	}
	var cfg struct {
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers"`
		Config  struct {
			MCPServers map[string]struct {
				URL string `json:"url"`
			} `json:"mcpServers"`
		} `json:"config"`
	}
	e.Do(http.MethodGet, "/api/v1/agents/"+p.Agent.ID+"/mcp", nil, u.Token).Must(t, http.StatusOK).JSON(t, &cfg)
	if cfg.URL == "" || cfg.Headers["Authorization"] != "Bearer <your key>" || len(cfg.Config.MCPServers) != 1 {
		t.Fatalf("MCP config %+v is not ready to paste", cfg)
	}
	for _, s := range cfg.Config.MCPServers {
		if s.URL != cfg.URL {
			t.Errorf("config url %q, want %q", s.URL, cfg.URL)
		}
	}

	// The official MCP client lists the agent's tools with the key.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs, err := connectMCP(ctx, cfg.URL, key)
	if err != nil {
		t.Fatalf("MCP connect with the agent's key: %v", err)
	}
	defer cs.Close()
	tools, err := cs.ListTools(ctx, &mcp.ListToolsParams{})
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	var names []string
	for _, tl := range tools.Tools {
		names = append(names, tl.Name)
	}
	if !slices.Contains(names, "ask") || !slices.Contains(names, "get_profile") {
		t.Fatalf("tools/list = %v, want ask and get_profile", names)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "ask", Arguments: map[string]any{"question": "Hello?"}})
	if err != nil || res.IsError || len(res.Content) == 0 {
		t.Fatalf("ask: %v %+v", err, res)
	}

	// Without the key, and after revoking it, Site-Kit refuses.
	if got := mcpStatus(t, cfg.URL, ""); got != http.StatusUnauthorized {
		t.Errorf("MCP without a key: %d, want 401", got)
	}
	if got := mcpStatus(t, cfg.URL, key); got != http.StatusOK {
		t.Fatalf("MCP with the key: %d, want 200", got)
	}
	e.Do(http.MethodDelete, "/api/v1/agents/"+p.Agent.ID+"/keys/"+keyID, nil, u.Token).Must(t, http.StatusNoContent)
	revoked := time.Now()
	for mcpStatus(t, cfg.URL, key) != http.StatusUnauthorized {
		if time.Since(revoked) > time.Second {
			t.Fatalf("the revoked key still works %s after DELETE", time.Since(revoked))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := connectMCP(ctx, cfg.URL, key); err == nil {
		t.Errorf("the MCP client still connects with a revoked key")
	}
}

// httpc bounds raw requests, so a hung server fails the test instead of stalling it.
var httpc = &http.Client{Timeout: 30 * time.Second}

// bearer adds the agent's API key to every MCP request.
type bearer struct {
	key  string
	next http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.key)
	return b.next.RoundTrip(r)
}

func connectMCP(ctx context.Context, url, key string) (*mcp.ClientSession, error) {
	transport := &mcp.StreamableClientTransport{
		Endpoint:   url,
		HTTPClient: &http.Client{Transport: bearer{key: key, next: http.DefaultTransport}, Timeout: 10 * time.Second},
		MaxRetries: -1,
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "cmp-e2e", Version: "v1.0.0"}, nil)
	return client.Connect(ctx, transport, nil)
}

// mcpStatus sends a bare MCP initialize and returns the HTTP status.
func mcpStatus(t *testing.T, url, key string) int {
	t.Helper()
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}`
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := httpc.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
