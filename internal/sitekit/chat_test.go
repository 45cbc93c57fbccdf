package sitekit

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestChat_AnswersLikeAskWithWidgetKey(t *testing.T) {
	h := newHarness(t, RuntimeConfig{})
	h.deploy("agt_1")
	h.putKeys("agt_1", 2,
		Key{ID: "widget", Hash: HashKey(widgetKey), Scopes: []string{ScopeWidget}},
		Key{ID: "mcp-only", Hash: HashKey(testKey), Scopes: []string{ScopeMCP}},
	)
	_, err := h.client.PutKnowledge(context.Background(), "agt_1", Knowledge{Version: 1, QA: []QAPair{
		{ID: "qa_hours", Question: "What are your opening hours?", Answer: "Weekdays 9 to 5."},
	}})
	require.NoError(t, err)

	rep, err := h.client.Chat(context.Background(), "agt_1", widgetKey, "opening hours?")
	require.NoError(t, err)
	require.Equal(t, ChatReply{Reply: "Weekdays 9 to 5.", PersonaName: "Sam"}, rep)

	_, err = h.client.Chat(context.Background(), "agt_1", testKey, "opening hours?")
	requireStatus(t, err, http.StatusUnauthorized, CodeUnauthorized)

	_, err = h.client.Suspend(context.Background(), "agt_1")
	require.NoError(t, err)
	_, err = h.client.Chat(context.Background(), "agt_1", widgetKey, "opening hours?")
	requireStatus(t, err, http.StatusForbidden, CodeSuspended)
}

func TestChat_EchoesOnlyAllowedOrigins(t *testing.T) {
	h := newHarness(t, RuntimeConfig{})
	h.deploy("agt_1")
	h.putKeys("agt_1", 2,
		Key{ID: "shop", Hash: HashKey(widgetKey), Scopes: []string{ScopeWidget}, AllowedOrigins: []string{"https://Shop.example/"}},
		Key{ID: "anywhere", Hash: HashKey("any-site-key"), Scopes: []string{ScopeWidget}},
	)
	post := func(key, origin string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/v1/deployments/agt_1/chat", bytes.NewBufferString(`{"message":"hello"}`))
		require.NoError(t, err)
		req.Header.Set(HeaderWidgetKey, key)
		req.Header.Set("Origin", origin)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}

	resp := post(widgetKey, "https://shop.example")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "https://shop.example", resp.Header.Get("Access-Control-Allow-Origin"))

	resp = post(widgetKey, "https://evil.example")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))

	resp = post("any-site-key", "https://blog.example")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "https://blog.example", resp.Header.Get("Access-Control-Allow-Origin"))
}
