package sitekit

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/require"
)

const (
	testToken   = "operator-token"
	testPackage = "sitekit://support-agent@1.2.0"
	testKey     = "cmp_live_buyerkey_0001"
	widgetKey   = "cmp_widget_key_0001"
)

// harness is a runtime served over real HTTP with a client pointed at it.
type harness struct {
	t      *testing.T
	rt     *Runtime
	srv    *httptest.Server
	client *Client
}

// newHarness starts a runtime; cfg.Token and cfg.BaseURL are filled in.
func newHarness(t *testing.T, cfg RuntimeConfig) *harness {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	cfg.Token = testToken
	cfg.BaseURL = "http://" + srv.Listener.Addr().String()
	rt, err := NewRuntime(cfg)
	require.NoError(t, err)
	srv.Config.Handler = rt.Handler()
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		require.NoError(t, rt.Close())
	})
	return &harness{t: t, rt: rt, srv: srv, client: NewClient(srv.URL, testToken, srv.Client())}
}

// deploy creates a deployment with one MCP+widget key (testKey).
func (h *harness) deploy(id string, mutate ...func(*CreateDeploymentRequest)) Deployment {
	h.t.Helper()
	req := CreateDeploymentRequest{
		ID: id, AgentName: "Support Agent", Package: testPackage,
		OfferingSlug: "support-agent", Plan: "pro", Limits: map[string]int64{"messages": 1000},
		Persona: Persona{Version: 1, Name: "Sam", Tone: "friendly", Language: "en", Greeting: "Hi, I'm Sam!"},
	}
	for _, m := range mutate {
		m(&req)
	}
	d, err := h.client.CreateDeployment(context.Background(), req)
	require.NoError(h.t, err)
	h.putKeys(id, 1, Key{ID: "key_1", Prefix: testKey[:8], Hash: HashKey(testKey), Scopes: []string{ScopeMCP, ScopeWidget}})
	return d
}

func (h *harness) putKeys(id string, version int64, keys ...Key) {
	h.t.Helper()
	_, err := h.client.PutKeys(context.Background(), id, KeySet{Version: version, Keys: keys})
	require.NoError(h.t, err)
}

func (h *harness) mcpURL(id string) string { return h.srv.URL + "/mcp/" + id }

// bearer adds a buyer key to every MCP request, as an MCP host would.
type bearer struct {
	key  string
	next http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if b.key != "" {
		r.Header.Set("Authorization", "Bearer "+b.key)
	}
	return b.next.RoundTrip(r)
}

// connectMCP opens a go-sdk client session over streamable HTTP.
func connectMCP(t *testing.T, url, key string) (*mcp.ClientSession, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	transport := &mcp.StreamableClientTransport{
		Endpoint:   url,
		HTTPClient: &http.Client{Transport: bearer{key: key, next: http.DefaultTransport}},
		MaxRetries: -1, // fail fast: tests assert on the first answer
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "cmp-test", Version: "v0.0.1"}, nil)
	cs, err := client.Connect(ctx, transport, nil)
	if err == nil {
		t.Cleanup(func() { cs.Close() })
	}
	return cs, err
}

func mustConnectMCP(t *testing.T, url, key string) *mcp.ClientSession {
	t.Helper()
	cs, err := connectMCP(t, url, key)
	require.NoError(t, err)
	return cs
}

// callTool calls a tool and decodes its structured output into out,
// returning the first text content.
func callTool(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any, out any) string {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	require.NoError(t, err)
	require.False(t, res.IsError, "tool %s failed: %+v", name, res.Content)
	require.NotEmpty(t, res.Content)
	raw, err := json.Marshal(res.StructuredContent)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, out))
	text, ok := res.Content[0].(*mcp.TextContent)
	require.True(t, ok, "first content is %T", res.Content[0])
	return text.Text
}

func ask(t *testing.T, cs *mcp.ClientSession, question string) (string, AskOutput) {
	t.Helper()
	var out AskOutput
	text := callTool(t, cs, ToolAsk, map[string]any{"question": question}, &out)
	return text, out
}

func getProfile(t *testing.T, cs *mcp.ClientSession) Profile {
	t.Helper()
	var p Profile
	callTool(t, cs, ToolGetProfile, map[string]any{}, &p)
	return p
}

// rawMCP posts a tools/list by hand, to assert on statuses and bodies the
// SDK client would hide.
func rawMCP(t *testing.T, url, key string) (int, map[string]any) {
	t.Helper()
	body := `{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{}}`
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewBufferString(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var decoded map[string]any
	_ = json.Unmarshal(data, &decoded)
	return resp.StatusCode, decoded
}

// requireStatus asserts err is a contract *Error with the given status.
func requireStatus(t *testing.T, err error, status int, code string) *Error {
	t.Helper()
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, status, e.Status)
	if code != "" {
		require.Equal(t, code, e.Code)
	}
	return e
}
