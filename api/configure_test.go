package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cmp-platform/cmp/internal/apptest"
	"github.com/cmp-platform/cmp/internal/config"
	"github.com/cmp-platform/cmp/internal/sitekit"
	"github.com/cmp-platform/cmp/models"
)

// bearerKey adds a buyer key to every MCP request, as an MCP host would.
type bearerKey struct{ key string }

func (b bearerKey) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.key)
	return http.DefaultTransport.RoundTrip(r)
}

// mcpCall calls one tool over MCP with the go-sdk client and decodes its structured output.
func mcpCall(t *testing.T, url, key, tool string, args map[string]any, out any) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "cmp-configure-test", Version: "v0.0.1"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: bearerKey{key}}, MaxRetries: -1}, nil)
	if err != nil {
		t.Fatalf("connect MCP: %v", err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil || res.IsError {
		t.Fatalf("call %s: %v %+v", tool, err, res)
	}
	raw, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("decode %s output %s: %v", tool, raw, err)
	}
	return res.Content[0].(*mcp.TextContent).Text
}

func ask(t *testing.T, url, key, question string) sitekit.AskOutput {
	t.Helper()
	var out sitekit.AskOutput
	mcpCall(t, url, key, sitekit.ToolAsk, map[string]any{"question": question}, &out)
	return out
}

// rawMCPStatus posts a JSON-RPC tools/call by hand (as the README's curl does).
func rawMCPStatus(t *testing.T, url, key string) int {
	t.Helper()
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ask","arguments":{"question":"hello"}}}`
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("MCP POST: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// upload sends a training document as multipart/form-data.
func upload(t *testing.T, e *apptest.Env, u apptest.User, agentID, name string, content []byte) *apptest.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(content)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/api/v1/agents/"+agentID+"/training/documents", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+u.Token)
	return e.Send(req)
}

// eventually retries check until it returns "" (success) or the deadline passes.
func eventually(t *testing.T, within time.Duration, check func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	last := ""
	for time.Now().Before(deadline) {
		if last = check(); last == "" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("not within %s: %s", within, last)
}

type persona struct {
	Name     string   `json:"name"`
	Tone     string   `json:"tone"`
	Language string   `json:"language"`
	Greeting string   `json:"greeting"`
	Rules    []string `json:"rules"`
	Version  int64    `json:"version"`
	Sync     struct {
		State, Error string
	} `json:"sync"`
}

// TestBuyer_TrainsPersonalisesAndUsesTheAgentOverMCP runs the Configure & Use
// journey on both databases: its SQL (upserts, time comparisons) differs most.
func TestBuyer_TrainsPersonalisesAndUsesTheAgentOverMCP(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) { configureJourney(t, false) })
	t.Run("PostgreSQL", func(t *testing.T) { configureJourney(t, true) })
}

func configureJourney(t *testing.T, postgres bool) {
	e := apptest.Start(t, apptest.Options{Postgres: postgres, Configure: func(c *config.Config) { c.SiteKitHeartbeat = 400 * time.Millisecond }})
	u := e.Register("Bea")
	p := e.Checkout(u, "support-agent", "Starter")
	agentID := p.Agent.ID
	base := "/api/v1/agents/" + agentID
	var agent struct {
		MCPURL string `json:"mcp_url"`
	}
	e.Do(http.MethodGet, base, nil, u.Token).Must(t, http.StatusOK).JSON(t, &agent)
	keyID, key := e.CreateKey(u, agentID)

	t.Run("AQAPairIsAnsweredOverMCPRightAfterThePost", func(t *testing.T) {
		var qa struct {
			ID   string                 `json:"id"`
			Sync struct{ State string } `json:"sync"`
		}
		e.Do(http.MethodPost, base+"/training/qa", map[string]string{"question": "What is your refund policy?", "answer": "Refunds within 30 days, no questions asked."}, u.Token).
			Must(t, http.StatusCreated).JSON(t, &qa)
		if qa.Sync.State != "synced" {
			t.Fatalf("pair sync state %q, want synced", qa.Sync.State)
		}
		got := ask(t, agent.MCPURL, key, "how do refunds work?")
		if got.Answer != "Refunds within 30 days, no questions asked." || got.Source != "qa" || got.MatchID != qa.ID {
			t.Fatalf("ask answered %+v", got)
		}
		e.Do(http.MethodPatch, base+"/training/qa/"+qa.ID, map[string]string{"answer": "Refunds within 60 days."}, u.Token).Must(t, http.StatusOK)
		if got := ask(t, agent.MCPURL, key, "what is the refund policy"); got.Answer != "Refunds within 60 days." {
			t.Fatalf("after edit ask answered %+v", got)
		}
		e.Do(http.MethodPost, base+"/training/qa", map[string]string{"question": "", "answer": "x"}, u.Token).Must(t, http.StatusBadRequest)
		e.Do(http.MethodPatch, base+"/training/qa/qa_nope", map[string]string{"answer": "x"}, u.Token).Must(t, http.StatusNotFound)
		e.Do(http.MethodPut, base+"/training/topics", map[string]any{"topics": []string{"Refunds", "Shipping"}}, u.Token).Must(t, http.StatusOK)
		var prof sitekit.Profile
		mcpCall(t, agent.MCPURL, key, sitekit.ToolGetProfile, map[string]any{}, &prof)
		if strings.Join(prof.Topics, ",") != "Refunds,Shipping" || prof.KnowledgeVersion == 0 {
			t.Fatalf("profile %+v", prof)
		}
	})

	t.Run("PersonaChangesTheGreetingAndConcurrentEditsConflict", func(t *testing.T) {
		r := e.Do(http.MethodGet, base+"/persona", nil, u.Token).Must(t, http.StatusOK)
		tag := r.Header.Get("ETag")
		body := map[string]any{"name": "Sam", "tone": "friendly", "language": "en", "greeting": "Hi, I'm Sam from Acme!", "rules": []string{"Be brief"}}
		if code := e.Do(http.MethodPut, base+"/persona", body, u.Token).Must(t, http.StatusPreconditionRequired).ErrorCode(); code != "precondition_required" {
			t.Fatalf("code %q", code)
		}
		var got persona
		r = e.Do(http.MethodPut, base+"/persona", body, u.Token, "If-Match: "+tag).Must(t, http.StatusOK)
		r.JSON(t, &got)
		if got.Name != "Sam" || got.Sync.State != "synced" || r.Header.Get("ETag") == tag {
			t.Fatalf("persona %+v etag %s", got, r.Header.Get("ETag"))
		}
		if code := e.Do(http.MethodPut, base+"/persona", body, u.Token, "If-Match: "+tag).Must(t, http.StatusPreconditionFailed).ErrorCode(); code != "precondition_failed" {
			t.Fatalf("stale edit code %q", code)
		}
		e.Do(http.MethodPut, base+"/persona", map[string]any{"name": "Sam", "tone": "grumpy"}, u.Token, "If-Match: "+r.Header.Get("ETag")).Must(t, http.StatusBadRequest)
		greet := ask(t, agent.MCPURL, key, "hello")
		if greet.Answer != "Hi, I'm Sam from Acme!" || greet.PersonaName != "Sam" || greet.Source != "greeting" {
			t.Fatalf("greeting %+v", greet)
		}
	})

	t.Run("BrandingIsValidatedVersionedAndPushed", func(t *testing.T) {
		tag := e.Do(http.MethodGet, base+"/branding", nil, u.Token).Must(t, http.StatusOK).Header.Get("ETag")
		bad := e.Do(http.MethodPut, base+"/branding", map[string]any{"primary_color": "red"}, u.Token, "If-Match: "+tag).Must(t, http.StatusBadRequest)
		if !strings.Contains(string(bad.Body), "primary_color") {
			t.Fatalf("bad colour: %s", bad.Body)
		}
		var b struct {
			PrimaryColor string `json:"primary_color"`
			Sync         struct{ State string }
		}
		e.Do(http.MethodPut, base+"/branding", map[string]any{"primary_color": "#FF0066", "welcome_message": "Welcome!", "position": "bottom-left"}, u.Token, "If-Match: "+tag).
			Must(t, http.StatusOK).JSON(t, &b)
		if b.PrimaryColor != "#ff0066" || b.Sync.State != "synced" {
			t.Fatalf("branding %+v", b)
		}
	})

	t.Run("DocumentsTeachTheAgent", func(t *testing.T) {
		md := "# Shipping\n\nWe ship parcels to Norway and Iceland within five working days.\n\nGift wrapping costs two euros."
		var doc struct {
			ID   string `json:"id"`
			Sync struct{ State string }
		}
		upload(t, e, u, agentID, "shipping.md", []byte(md)).Must(t, http.StatusCreated).JSON(t, &doc)
		if doc.Sync.State != "synced" {
			t.Fatalf("document sync %q", doc.Sync.State)
		}
		if got := ask(t, agent.MCPURL, key, "do you ship parcels to Iceland?"); got.Source != "document" || !strings.Contains(got.Answer, "Norway and Iceland") {
			t.Fatalf("ask from markdown: %+v", got)
		}
		page := `<html><head><title>x</title><style>.a{color:red}</style><script>var secret="hidden";</script></head>
			<body><h1>Opening hours</h1><p>Our support desk opens at nine &amp; closes at five on weekdays.</p></body></html>`
		upload(t, e, u, agentID, "hours.html", []byte(page)).Must(t, http.StatusCreated)
		got := ask(t, agent.MCPURL, key, "when does the support desk open?")
		if got.Source != "document" || got.Answer != "Our support desk opens at nine & closes at five on weekdays." {
			t.Fatalf("ask from html: %+v", got)
		}
		if ask(t, agent.MCPURL, key, "var secret hidden").Source == "document" {
			t.Fatal("script text leaked into the knowledge")
		}
	})

	t.Run("BadDocumentsAreRefusedWithACodeAndNothingIsStored", func(t *testing.T) {
		count := func() int {
			var tr struct {
				Documents []struct{ ID string } `json:"documents"`
			}
			e.Do(http.MethodGet, base+"/training", nil, u.Token).Must(t, http.StatusOK).JSON(t, &tr)
			return len(tr.Documents)
		}
		before := count()
		for _, c := range []struct {
			name    string
			content []byte
			status  int
			code    string
		}{
			{"report.pdf", []byte("%PDF-1.4 ..."), http.StatusUnsupportedMediaType, "unsupported_media_type"},
			{"image.txt", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...), http.StatusUnsupportedMediaType, "unsupported_media_type"},
			{"big.txt", bytes.Repeat([]byte("a"), 2<<20+1), http.StatusRequestEntityTooLarge, "too_large"},
			{"empty.txt", []byte{}, http.StatusBadRequest, "empty_document"},
			{"blank.html", []byte("<html><body>  <script>x()</script></body></html>"), http.StatusBadRequest, "empty_document"},
		} {
			r := upload(t, e, u, agentID, c.name, c.content)
			if r.Status != c.status || r.ErrorCode() != c.code {
				t.Errorf("%s: %d %s, want %d %s", c.name, r.Status, r.ErrorCode(), c.status, c.code)
			}
		}
		if after := count(); after != before {
			t.Fatalf("documents %d → %d: a refused upload was stored", before, after)
		}
	})

	t.Run("OverviewShowsHeartbeatsTrafficAndUsage", func(t *testing.T) {
		eventually(t, 10*time.Second, func() string {
			var o struct {
				Status          string                 `json:"status"`
				LastHeartbeatAt *time.Time             `json:"last_heartbeat_at"`
				RequestsToday   int64                  `json:"requests_today"`
				RequestsPerDay  []struct{ Day string } `json:"requests_per_day"`
				Usage           []struct {
					Unit     string
					Used     int64
					Included int64
				} `json:"usage"`
				Limits map[string]struct{ Used, Limit int64 } `json:"limits"`
			}
			e.Do(http.MethodGet, base+"/overview", nil, u.Token).Must(t, http.StatusOK).JSON(t, &o)
			if o.Status != "running" || o.LastHeartbeatAt == nil || o.RequestsToday == 0 || len(o.RequestsPerDay) != 7 ||
				len(o.Usage) != 1 || o.Usage[0].Unit != "mcp_tool_calls" || o.Usage[0].Used == 0 || o.Usage[0].Included != 1000 ||
				o.Limits["documents"].Used != 2 || o.Limits["documents"].Limit != 20 {
				return fmt.Sprintf("overview %+v", o)
			}
			return ""
		})
		eventually(t, 10*time.Second, func() string {
			var keys struct {
				Items []struct {
					ID         string     `json:"id"`
					LastUsedAt *time.Time `json:"last_used_at"`
				} `json:"items"`
			}
			e.Do(http.MethodGet, base+"/keys", nil, u.Token).Must(t, http.StatusOK).JSON(t, &keys)
			for _, k := range keys.Items {
				if k.ID == keyID && k.LastUsedAt != nil {
					return ""
				}
			}
			return fmt.Sprintf("key last-used not recorded: %+v", keys)
		})
		used, err := e.Stack.Store.UsageForPeriod(context.Background(), p.Subscription.ID, sitekit.UsageMCPToolCalls, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		if err != nil || used == 0 {
			t.Fatalf("UsageForPeriod = %d, %v", used, err)
		}
	})

	t.Run("RemovedTrainingIsForgotten", func(t *testing.T) {
		var tr struct {
			QA []struct {
				ID string `json:"id"`
			} `json:"qa"`
			Documents []struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"documents"`
		}
		e.Do(http.MethodGet, base+"/training", nil, u.Token).Must(t, http.StatusOK).JSON(t, &tr)
		for _, qa := range tr.QA {
			e.Do(http.MethodDelete, base+"/training/qa/"+qa.ID, nil, u.Token).Must(t, http.StatusNoContent)
		}
		if got := ask(t, agent.MCPURL, key, "how do refunds work?"); got.Source != "fallback" {
			t.Fatalf("a deleted pair still answers: %+v", got)
		}
		doc := tr.Documents[len(tr.Documents)-1]
		blobKey := "training/" + agentID + "/" + doc.ID
		rc, _, err := e.Stack.API.Blobs.Get(context.Background(), blobKey)
		if err != nil {
			t.Fatalf("the uploaded original is not in the blob store: %v", err)
		}
		rc.Close()
		e.Do(http.MethodDelete, base+"/training/documents/"+doc.ID, nil, u.Token).Must(t, http.StatusNoContent)
		if rc, _, err := e.Stack.API.Blobs.Get(context.Background(), blobKey); err == nil {
			rc.Close()
			t.Fatal("the deleted document's original is still stored")
		}
		e.Do(http.MethodDelete, base+"/training/documents/"+doc.ID, nil, u.Token).Must(t, http.StatusNotFound)
	})

	t.Run("HeartbeatsMustBeSignedFreshAndNew", func(t *testing.T) {
		a, err := e.Stack.Store.AgentByID(context.Background(), agentID)
		if err != nil {
			t.Fatal(err)
		}
		last, err := e.Stack.Store.HeartbeatOf(context.Background(), agentID)
		if err != nil {
			t.Fatal(err)
		}
		// A copy of the last delivered heartbeat: same sent_at, so a replay.
		hb, _ := json.Marshal(sitekit.Heartbeat{DeploymentID: agentID, Status: "running", SentAt: last.LastSentAt})
		post := func(secret string, ts int64) *apptest.Response {
			return e.Do(http.MethodPost, "/api/v1/sitekit/heartbeats", hb, "",
				sitekit.HeaderTimestamp+": "+fmt.Sprint(ts), sitekit.HeaderSignature+": "+sitekit.SignHeartbeat(secret, ts, hb))
		}
		now := time.Now().Unix()
		if r := post("not-the-secret", now); r.Status != http.StatusUnauthorized {
			t.Fatalf("forged heartbeat: %s", r)
		}
		if r := post(a.HeartbeatSecret, now-600); r.Status != http.StatusUnauthorized {
			t.Fatalf("stale heartbeat: %s", r)
		}
		// Signed and fresh, but not newer than what the runtime already delivered.
		if r := post(a.HeartbeatSecret, now); r.Status != http.StatusConflict || r.ErrorCode() != "heartbeat_replayed" {
			t.Fatalf("replayed heartbeat: %s", r)
		}
	})

	t.Run("MissedHeartbeatsDegradeTheAgentAndANewOneRecoversIt", func(t *testing.T) {
		db := e.Stack.Store.DB.Model(&models.Agent{}).Where("id = ?", agentID)
		a, _ := e.Stack.Store.AgentByID(context.Background(), agentID)
		if err := db.Update("heartbeat_secret", "rotated-away").Error; err != nil {
			t.Fatal(err)
		}
		waitStatus(t, e, u, agentID, "degraded")
		if err := e.Stack.Store.DB.Model(&models.Agent{}).Where("id = ?", agentID).Update("heartbeat_secret", a.HeartbeatSecret).Error; err != nil {
			t.Fatal(err)
		}
		waitStatus(t, e, u, agentID, "running")
	})

	t.Run("NavigationPagesAnswer", func(t *testing.T) {
		org := "/api/v1/organizations/" + p.Organization.ID
		var d struct {
			Agents              struct{ Total int64 } `json:"agents"`
			ActiveSubscriptions int64                 `json:"active_subscriptions"`
			SpendThisMonth      []struct {
				Amount   int64
				Currency string
			} `json:"spend_this_month"`
			RecentOrders []struct{ ID string } `json:"recent_orders"`
		}
		e.Do(http.MethodGet, org+"/dashboard", nil, u.Token).Must(t, http.StatusOK).JSON(t, &d)
		if d.Agents.Total != 1 || d.ActiveSubscriptions != 1 || len(d.SpendThisMonth) != 1 || d.SpendThisMonth[0].Amount <= 0 || len(d.RecentOrders) != 1 {
			t.Fatalf("dashboard %+v", d)
		}
		e.Do(http.MethodPatch, org, map[string]string{"name": "Bea & Co"}, u.Token).Must(t, http.StatusOK)
		var o struct{ Name string }
		e.Do(http.MethodGet, org, nil, u.Token).Must(t, http.StatusOK).JSON(t, &o)
		if o.Name != "Bea & Co" {
			t.Fatalf("renamed organization is %q", o.Name)
		}
		e.Do(http.MethodPatch, "/api/v1/me", map[string]string{"new_password": "another-long-pass", "current_password": "wrong"}, u.Token).Must(t, http.StatusForbidden)
		e.Do(http.MethodPatch, "/api/v1/me", map[string]string{"name": "Beatrice", "new_password": "another-long-pass", "current_password": "correct-horse-battery"}, u.Token).Must(t, http.StatusOK)
		e.Do(http.MethodPost, "/api/v1/auth/login", map[string]string{"email": u.Email, "password": "another-long-pass"}, "").Must(t, http.StatusOK)
		e.Do(http.MethodGet, "/api/v1/orders?organization="+p.Organization.ID+"&state=done", nil, u.Token).Must(t, http.StatusOK)
		outsider := e.Register("Otto")
		e.Do(http.MethodGet, org+"/dashboard", nil, outsider.Token).Must(t, http.StatusNotFound)
		e.Do(http.MethodGet, base+"/overview", nil, outsider.Token).Must(t, http.StatusNotFound)
		e.Do(http.MethodGet, base+"/training", nil, outsider.Token).Must(t, http.StatusNotFound)
	})

	t.Run("ARevokedKeyGets401WithinASecond", func(t *testing.T) {
		if s := rawMCPStatus(t, agent.MCPURL, key); s != http.StatusOK {
			t.Fatalf("MCP with a live key: %d", s)
		}
		start := time.Now()
		e.Do(http.MethodDelete, base+"/keys/"+keyID, nil, u.Token).Must(t, http.StatusNoContent)
		if s := rawMCPStatus(t, agent.MCPURL, key); s != http.StatusUnauthorized {
			t.Fatalf("MCP with a revoked key: %d", s)
		}
		if took := time.Since(start); took > time.Second {
			t.Fatalf("revocation took %s", took)
		}
	})
}

// waitStatus polls the agent until its status is want (15 s at most: a sweep
// needs three missed heartbeat intervals plus one sweep interval).
func waitStatus(t *testing.T, e *apptest.Env, u apptest.User, agentID, want string) {
	t.Helper()
	eventually(t, 15*time.Second, func() string {
		var a struct{ Status string }
		e.Do(http.MethodGet, "/api/v1/agents/"+agentID, nil, u.Token).Must(t, http.StatusOK).JSON(t, &a)
		if a.Status != want {
			return "status " + a.Status + ", want " + want
		}
		return ""
	})
}
