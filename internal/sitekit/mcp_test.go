package sitekit

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/require"
)

func TestMCP_ListsToolsAndAnswersWithValidKey(t *testing.T) {
	h := newHarness(t, RuntimeConfig{})
	h.deploy("agt_1")
	cs := mustConnectMCP(t, h.mcpURL("agt_1"), testKey)

	tools, err := cs.ListTools(context.Background(), &mcp.ListToolsParams{})
	require.NoError(t, err)
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	require.Equal(t, []string{ToolAsk, ToolGetProfile}, names)

	p := getProfile(t, cs)
	require.Equal(t, Profile{
		PersonaName: "Sam", Greeting: "Hi, I'm Sam!", Tone: "friendly", Language: "en",
		AgentName: "Support Agent", Offering: "support-agent", Plan: "pro", Package: testPackage,
	}, p)

	text, out := ask(t, cs, "hello")
	require.Equal(t, "Sam: Hi, I'm Sam!", text)
	require.Equal(t, SourceGreeting, out.Source)

	// Untrained: a polite fallback, still in the persona's name.
	text, out = ask(t, cs, "What is the airspeed of an unladen swallow?")
	require.Equal(t, SourceFallback, out.Source)
	require.Contains(t, text, "Sam: I'm sorry")
}

func TestMCP_RejectsMissingWrongExpiredAndUnscopedKeys(t *testing.T) {
	h := newHarness(t, RuntimeConfig{})
	h.deploy("agt_1")
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	h.putKeys("agt_1", 2,
		Key{ID: "expired", Hash: HashKey("expired-key"), Scopes: []string{ScopeMCP}, ExpiresAt: past},
		Key{ID: "widget-only", Hash: HashKey("widget-key"), Scopes: []string{ScopeWidget}},
		Key{ID: "live", Hash: HashKey(testKey), Scopes: []string{ScopeMCP},
			ExpiresAt: time.Now().Add(time.Hour).UTC().Format(time.RFC3339)},
	)
	for name, key := range map[string]string{
		"NoKey": "", "WrongKey": "cmp_live_guess", "ExpiredKey": "expired-key", "KeyWithoutMCPScope": "widget-key",
	} {
		t.Run(name, func(t *testing.T) {
			status, body := rawMCP(t, h.mcpURL("agt_1"), key)
			require.Equal(t, http.StatusUnauthorized, status)
			require.Equal(t, map[string]any{"code": CodeUnauthorized, "message": "a valid API key with scope mcp is required"}, body["error"])

			_, err := connectMCP(t, h.mcpURL("agt_1"), key)
			require.Error(t, err)
		})
	}
	t.Run("OK", func(t *testing.T) {
		status, _ := rawMCP(t, h.mcpURL("agt_1"), testKey)
		require.Equal(t, http.StatusOK, status)
	})
	// A key for one deployment opens no other.
	h.deploy("agt_2", func(r *CreateDeploymentRequest) { r.ID = "agt_2" })
	h.putKeys("agt_2", 2, Key{ID: "other", Hash: HashKey("other-key"), Scopes: []string{ScopeMCP}})
	status, _ := rawMCP(t, h.mcpURL("agt_2"), testKey)
	require.Equal(t, http.StatusUnauthorized, status)
}

func TestMCP_AnswersFromTrainedKnowledge(t *testing.T) {
	h := newHarness(t, RuntimeConfig{})
	h.deploy("agt_1")
	_, err := h.client.PutKnowledge(context.Background(), "agt_1", Knowledge{
		Version: 1,
		QA: []QAPair{
			{ID: "qa_refund", Question: "What is your refund policy?", Answer: "Refunds are accepted within 30 days.", Topic: "billing"},
			{ID: "qa_hours", Question: "When are you open?", Answer: "Weekdays 9 to 5 CET.", Topic: "support"},
		},
		Documents: []Document{{ID: "doc_ship", Name: "Shipping", ContentType: "text/plain",
			Text: "About us\n\nWe ship worldwide. International shipping takes 5-7 business days.\n\nReturns go to our Berlin warehouse."}},
		Topics: []string{"billing", "shipping"},
	})
	require.NoError(t, err)
	cs := mustConnectMCP(t, h.mcpURL("agt_1"), testKey)

	text, out := ask(t, cs, "How do refunds work?")
	require.Equal(t, "Sam: Refunds are accepted within 30 days.", text)
	require.Equal(t, AskOutput{Answer: "Refunds are accepted within 30 days.", PersonaName: "Sam", Source: SourceQA, MatchID: "qa_refund"}, out)

	_, out = ask(t, cs, "how long does international shipping take")
	require.Equal(t, SourceDocument, out.Source)
	require.Equal(t, "doc_ship", out.MatchID)
	require.Equal(t, "We ship worldwide. International shipping takes 5-7 business days.", out.Answer)

	_, out = ask(t, cs, "Do you sell gift cards?")
	require.Equal(t, SourceFallback, out.Source)
	require.Contains(t, out.Answer, "I can help with: billing, shipping.")

	require.Equal(t, int64(1), getProfile(t, cs).KnowledgeVersion)
}

func TestMCP_PersonaChangeChangesProfileAndGreeting(t *testing.T) {
	h := newHarness(t, RuntimeConfig{})
	h.deploy("agt_1")
	cs := mustConnectMCP(t, h.mcpURL("agt_1"), testKey)
	require.Equal(t, "Sam", getProfile(t, cs).PersonaName)

	_, err := h.client.PutPersona(context.Background(), "agt_1", Persona{
		Version: 2, Name: "Ava", Tone: "formal", Language: "de", Greeting: "Guten Tag, ich bin Ava.",
		Rules: []string{"never promise discounts"},
	})
	require.NoError(t, err)

	// The same session sees the change: every request reads current state.
	p := getProfile(t, cs)
	require.Equal(t, "Ava", p.PersonaName)
	require.Equal(t, "formal", p.Tone)
	require.Equal(t, []string{"never promise discounts"}, p.Rules)
	text, _ := ask(t, cs, "Hi there!")
	require.Equal(t, "Ava: Guten Tag, ich bin Ava.", text)
}

func TestMCP_SuspendedDeploymentIsRefusedUntilResumed(t *testing.T) {
	h := newHarness(t, RuntimeConfig{})
	h.deploy("agt_1")
	ctx := context.Background()
	_, err := h.client.Suspend(ctx, "agt_1")
	require.NoError(t, err)

	status, body := rawMCP(t, h.mcpURL("agt_1"), testKey)
	require.Equal(t, http.StatusForbidden, status)
	require.Equal(t, "2.0", body["jsonrpc"])
	require.Equal(t, float64(7), body["id"])
	require.Equal(t, "this agent is suspended", body["error"].(map[string]any)["message"])

	_, err = connectMCP(t, h.mcpURL("agt_1"), testKey)
	require.ErrorContains(t, err, "suspended")

	_, err = h.client.Resume(ctx, "agt_1")
	require.NoError(t, err)
	cs := mustConnectMCP(t, h.mcpURL("agt_1"), testKey)
	require.Equal(t, "Sam", getProfile(t, cs).PersonaName)
}

func TestMCP_RecordsKeyLastUsed(t *testing.T) {
	h := newHarness(t, RuntimeConfig{})
	h.deploy("agt_1")
	before := time.Now().Add(-time.Second)

	usage, err := h.client.KeyUsage(context.Background(), "agt_1")
	require.NoError(t, err)
	require.Empty(t, usage)

	mustConnectMCP(t, h.mcpURL("agt_1"), testKey)
	usage, err = h.client.KeyUsage(context.Background(), "agt_1")
	require.NoError(t, err)
	require.Contains(t, usage, "key_1")
	require.True(t, usage["key_1"].After(before))
}

func TestMCP_UnknownDeploymentIs404(t *testing.T) {
	h := newHarness(t, RuntimeConfig{})
	status, body := rawMCP(t, h.mcpURL("nope"), testKey)
	require.Equal(t, http.StatusNotFound, status)
	require.Equal(t, CodeNotFound, body["error"].(map[string]any)["code"])
}
