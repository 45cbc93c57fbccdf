package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cmp-platform/cmp/api"
	"github.com/cmp-platform/cmp/internal/apptest"
	"github.com/cmp-platform/cmp/internal/db"
	"github.com/cmp-platform/cmp/internal/sitekit"
	"github.com/cmp-platform/cmp/models"
)

// keyCount is how many API keys an agent has, revoked ones included.
func keyCount(t *testing.T, e *apptest.Env, u apptest.User, agentID string) int {
	t.Helper()
	var l struct{ Items []json.RawMessage }
	e.Do(http.MethodGet, "/api/v1/agents/"+agentID+"/keys", nil, u.Token).Must(t, http.StatusOK).JSON(t, &l)
	return len(l.Items)
}

func TestSecurity_TenantsCannotReachEachOthersResources(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	alice, bob := e.Register("Alice"), e.Register("Bob")
	pa, pb := e.Checkout(alice, "support-agent", "Starter"), e.Checkout(bob, "support-agent", "Starter")
	var qa struct{ ID string }
	e.Do(http.MethodPost, "/api/v1/agents/"+pa.Agent.ID+"/training/qa", map[string]string{"question": "Opening hours?", "answer": "9 to 5."}, alice.Token).
		Must(t, http.StatusCreated).JSON(t, &qa)

	for _, c := range []struct{ method, path string }{
		{http.MethodGet, "/api/v1/agents/" + pa.Agent.ID},
		{http.MethodGet, "/api/v1/agents/" + pa.Agent.ID + "/training"},
		{http.MethodGet, "/api/v1/agents/" + pa.Agent.ID + "/widget"},
		{http.MethodGet, "/api/v1/orders/" + pa.Order.ID},
		{http.MethodGet, "/api/v1/subscriptions/" + pa.Subscription.ID},
		{http.MethodGet, "/api/v1/organizations/" + pa.Organization.ID + "/dashboard"},
		{http.MethodGet, "/api/v1/organizations/" + pa.Organization.ID + "/members"},
		// Bob's own agent in the URL, Alice's pair as the nested ID.
		{http.MethodPatch, "/api/v1/agents/" + pb.Agent.ID + "/training/qa/" + qa.ID},
		{http.MethodDelete, "/api/v1/agents/" + pb.Agent.ID + "/training/qa/" + qa.ID},
	} {
		r := e.Do(c.method, c.path, map[string]string{"answer": "hijacked"}, bob.Token)
		if r.Status != http.StatusNotFound {
			t.Errorf("%s %s as another tenant: %s, want 404", c.method, c.path, r)
		}
	}
	var tr struct{ QA []struct{ Answer string } }
	e.Do(http.MethodGet, "/api/v1/agents/"+pa.Agent.ID+"/training", nil, alice.Token).Must(t, http.StatusOK).JSON(t, &tr)
	if len(tr.QA) != 1 || tr.QA[0].Answer != "9 to 5." {
		t.Fatalf("Alice's pair changed: %+v", tr.QA)
	}
}

func TestSecurity_BadInputIsRefusedBeforeAnythingIsStored(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	u := e.Register("Vera")
	p := e.Checkout(u, "support-agent", "Starter")
	base := "/api/v1/agents/" + p.Agent.ID

	t.Run("WidgetWithBadOriginsMintsNoKey", func(t *testing.T) {
		before := keyCount(t, e, u, p.Agent.ID)
		r := e.Do(http.MethodPut, base+"/widget", map[string]any{"allowed_origins": []string{"javascript:alert(1)"}}, u.Token)
		if r.Status != http.StatusBadRequest || r.ErrorCode() != "invalid" {
			t.Fatalf("bad origins: %s, want 400 invalid", r)
		}
		r = e.Do(http.MethodPut, base+"/widget", map[string]any{"appearance": map[string]any{"button_label": "", "theme": "neon"}}, u.Token)
		if r.Status != http.StatusBadRequest {
			t.Fatalf("bad appearance: %s, want 400", r)
		}
		if after := keyCount(t, e, u, p.Agent.ID); after != before {
			t.Fatalf("a refused widget edit minted a key: %d keys before, %d after", before, after)
		}
	})

	t.Run("RegisterTakesABareEmailAddressOnly", func(t *testing.T) {
		for _, email := range []string{"Eve <eve@example.com>", "eve", strings.Repeat("e", 250) + "@example.com"} {
			r := e.Do(http.MethodPost, "/api/v1/auth/register", map[string]string{"email": email, "password": "correct-horse-battery", "name": "Eve"}, "")
			if r.Status != http.StatusBadRequest || r.ErrorCode() != "invalid" {
				t.Errorf("register %q: %d, want 400 invalid", email, r.Status)
			}
		}
	})

	t.Run("OversizedJSONBodyIs413", func(t *testing.T) {
		huge := `{"question":"q","answer":"` + strings.Repeat("a", 3<<20) + `"}`
		r := e.Do(http.MethodPost, base+"/training/qa", huge, u.Token)
		if r.Status != http.StatusRequestEntityTooLarge || r.ErrorCode() != "body_too_large" {
			t.Fatalf("3 MiB body: %d %.200s, want 413 body_too_large", r.Status, r.Body)
		}
		var tr struct{ QA []json.RawMessage }
		e.Do(http.MethodGet, base+"/training", nil, u.Token).Must(t, http.StatusOK).JSON(t, &tr)
		if len(tr.QA) != 0 {
			t.Fatalf("an oversized request stored %d pairs", len(tr.QA))
		}
	})

	t.Run("TooManyTopicsAreRefusedAtOnce", func(t *testing.T) {
		topics := make([]string, 150_000) // ~1.3 MiB of distinct topics: quadratic de-duplication would take many seconds
		for i := range topics {
			topics[i] = "t" + strconv.Itoa(i)
		}
		start := time.Now()
		r := e.Do(http.MethodPut, base+"/training/topics", map[string]any{"topics": topics}, u.Token)
		if r.Status != http.StatusBadRequest || time.Since(start) > 5*time.Second {
			t.Fatalf("150000 topics: %d after %s, want a quick 400", r.Status, time.Since(start))
		}
	})

	t.Run("NegativeHeartbeatCountersAreRefused", func(t *testing.T) {
		agent, err := e.Stack.Store.AgentByID(context.Background(), p.Agent.ID)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		body, _ := json.Marshal(sitekit.Heartbeat{DeploymentID: agent.ID, Status: "running", SentAt: now.Add(time.Minute),
			RequestsTotal: 1, Usage: map[string]int64{sitekit.UsageMCPToolCalls: -1_000_000}})
		r := e.Do(http.MethodPost, "/api/v1/sitekit/heartbeats", body, "",
			sitekit.HeaderTimestamp+": "+strconv.FormatInt(now.Unix(), 10),
			sitekit.HeaderSignature+": "+sitekit.SignHeartbeat(agent.HeartbeatSecret, now.Unix(), body))
		if r.Status != http.StatusBadRequest || r.ErrorCode() != "invalid_heartbeat" {
			t.Fatalf("negative usage: %s, want 400 invalid_heartbeat", r)
		}
		used, err := e.Stack.Store.UsageForPeriod(context.Background(), agent.SubscriptionID, sitekit.UsageMCPToolCalls, now.Add(-time.Hour), now.Add(time.Hour))
		if err != nil || used < 0 {
			t.Fatalf("usage after a refused heartbeat: %d, %v", used, err)
		}
	})
}

func TestSecurity_LiveOfferingPackageCannotChangeWithoutReview(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	u := e.Register("Paula")
	ctx := context.Background()
	var o models.Offering
	if err := e.Stack.Store.WithContext(ctx).Preload("Provider").Take(&o, "slug = ?", "support-agent").Error; err != nil {
		t.Fatal(err)
	}
	if o.State != models.OfferingActive || o.Provider == nil {
		t.Fatalf("seeded offering %s is %s", o.Slug, o.State)
	}
	// Make Paula an admin of the seeded provider's organization.
	if err := e.Stack.Store.WithContext(ctx).Create(&models.Membership{OrganizationID: o.Provider.OrganizationID, UserID: u.ID,
		Role: models.RoleAdmin, CreatedAt: models.Now()}).Error; err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/provider/offerings/" + o.ID + "?provider=" + o.ProviderID
	r := e.Do(http.MethodPatch, path, map[string]string{"package_ref": "sitekit://something-else@6.6.6"}, u.Token)
	if r.Status != http.StatusConflict || r.ErrorCode() != "package_locked" {
		t.Fatalf("swap the package of a live offering: %s, want 409 package_locked", r)
	}
	// Text edits and an unchanged package still go through.
	e.Do(http.MethodPatch, path, map[string]string{"summary": "Answers questions, day and night.", "package_ref": o.PackageRef}, u.Token).Must(t, http.StatusOK)
	got, err := e.Stack.Store.OfferingByID(ctx, o.ID)
	if err != nil || got.PackageRef != o.PackageRef {
		t.Fatalf("package after the refused edit: %q (%v), want %q", got.PackageRef, err, o.PackageRef)
	}
}

func TestSecurity_ReadyzNamesWhatIsDownButNotWhy(t *testing.T) {
	g, err := db.Open("sqlite://" + t.TempDir() + "/cmp.db")
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := g.DB()
	_ = sqlDB.Close() // the database check now fails with the driver's error text
	srv := api.New(api.Deps{Store: models.NewStore(g), Ready: func(context.Context) error {
		return errors.New("worker: dial tcp 10.9.8.7:7233: connect: connection refused")
	}})
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database closed: %d %s", rec.Code, rec.Body)
	}
	var body struct{ Checks map[string]string }
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if body.Checks["database"] != "unavailable" || body.Checks["worker"] != "unavailable" {
		t.Fatalf("checks %v", body.Checks)
	}
	for _, leak := range []string{"10.9.8.7", "dial tcp", "sql:", "closed"} {
		if strings.Contains(rec.Body.String(), leak) {
			t.Fatalf("anonymous /readyz shows %q: %s", leak, rec.Body)
		}
	}
}
