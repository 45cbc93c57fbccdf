// Package discovery_test drives the Discover-and-Select journey (issue 4) against
// the whole stack: search, filters, sorts, cursor pages, offering pages, verified
// reviews, compare and conditional GETs, on SQLite and on PostgreSQL.
package discovery_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cmp-platform/cmp/internal/apptest"
	"github.com/cmp-platform/cmp/models"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// engines runs fn once on SQLite and once on PostgreSQL, each with one stack that
// its subtests share (stacks are the slow part; subtests use their own data).
func engines(t *testing.T, fn func(t *testing.T, e *apptest.Env, fx fixture)) {
	for _, eng := range []struct {
		name string
		pg   bool
	}{{"SQLite", false}, {"PostgreSQL", true}} {
		t.Run(eng.name, func(t *testing.T) {
			t.Parallel()
			e := apptest.Start(t, apptest.Options{Postgres: eng.pg})
			fn(t, e, newFixture(t, e))
		})
	}
}

// fixture is a provider whose offerings use the made-up word "zephyr" in exactly
// one field each, so ranking can be checked apart from the seeded catalog.
type fixture struct {
	Owner    apptest.User
	Provider models.Provider
	// ByField maps the field holding "zephyr" to the offering's slug.
	ByField map[string]string
}

var slugSeq atomic.Int64

func newFixture(t *testing.T, e *apptest.Env) fixture {
	t.Helper()
	owner := e.Register("Quasar Owner")
	org, err := e.Stack.Store.CreateOrganization(t.Context(), owner.ID, "Quasar Works")
	if err != nil {
		t.Fatalf("fixture organization: %v", err)
	}
	now := models.Now()
	prov := models.Provider{ID: models.NewID("prv"), OrganizationID: org.ID, Slug: "quasar-works", Name: "Quasar Works",
		Description: "Test provider", CreatedAt: now, UpdatedAt: now}
	if err := e.Stack.Store.WithContext(t.Context()).Create(&prov).Error; err != nil {
		t.Fatalf("fixture provider: %v", err)
	}
	fx := fixture{Owner: owner, Provider: prov, ByField: map[string]string{}}
	fx.ByField["description"] = fx.add(t, e, offeringSpec{name: "Ledger Lens", category: models.CategoryAgents, description: "Built on the zephyr engine.", price: 500, usageOnly: true})
	fx.ByField["features"] = fx.add(t, e, offeringSpec{name: "Pipeline Pilot", category: models.CategoryAutomations, features: []string{"Zephyr sync", "Retries"}, price: 3000})
	fx.ByField["summary"] = fx.add(t, e, offeringSpec{name: "Desk Buddy", category: models.CategoryAgents, summary: "A zephyr-fast helpdesk agent.", price: 2000, demo: true})
	fx.ByField["name"] = fx.add(t, e, offeringSpec{name: "Zephyr Router", category: models.CategoryApps, price: 1000, demo: true})
	return fx
}

type offeringSpec struct {
	name, summary, description string
	category                   models.Category
	features                   []string
	price                      int64
	demo, usageOnly, private   bool
	state                      models.OfferingState
}

// add inserts an offering of the fixture's provider straight into the database,
// as the seller's approval would, and returns its slug.
func (fx fixture) add(t *testing.T, e *apptest.Env, s offeringSpec) string {
	t.Helper()
	now := models.Now()
	slug := fmt.Sprintf("fx-%d", slugSeq.Add(1))
	if s.summary == "" {
		s.summary = "Plain summary of " + s.name
	}
	if s.description == "" {
		s.description = "Plain description."
	}
	if s.features == nil {
		s.features = []string{"Plain feature"}
	}
	if s.state == "" {
		s.state = models.OfferingActive
	}
	o := models.Offering{ID: models.NewID("off"), ProviderID: fx.Provider.ID, Slug: slug, Name: s.name, Category: s.category,
		Summary: s.summary, Description: s.description, Features: models.NewJSON(s.features), Tags: models.NewJSON([]string{"fixture"}),
		FAQ: models.NewJSON([]models.FAQ{}), Screenshots: models.NewJSON([]string{}), Visibility: models.VisibilityPublic,
		State: s.state, Currency: "usd", StartingPrice: s.price, PackageRef: "sitekit://support-agent@1.0.0", CreatedAt: now, UpdatedAt: now, PublishedAt: &now}
	if s.demo {
		o.DemoURL = "https://demo.example/" + slug
	}
	if s.private {
		o.Visibility = models.VisibilityPrivate
	}
	comps := []models.Component{{Type: models.ComponentFixed, Name: "Subscription", Unit: "month", UnitPrice: s.price}}
	if s.usageOnly {
		comps = []models.Component{{Type: models.ComponentUsage, Name: "Requests", Unit: "mcp_tool_calls", UnitPrice: 1}}
	}
	o.Plans = []models.Plan{{ID: models.NewID("pln"), OfferingID: o.ID, Name: "Starter", PriceMonthly: s.price, PriceAnnual: s.price * 10,
		Currency: "usd", Components: models.NewJSON(comps), Features: models.NewJSON([]string{"1 agent"}),
		Limits: models.NewJSON(map[string]int64{}), CreatedAt: now, UpdatedAt: now}}
	if err := e.Stack.Store.WithContext(t.Context()).Create(&o).Error; err != nil {
		t.Fatalf("fixture offering: %v", err)
	}
	// IDs are ULIDs ordered by millisecond: keep "newest" unambiguous.
	time.Sleep(2 * time.Millisecond)
	return slug
}

// list is a page of GET /offerings as a client sees it.
type list struct {
	Items []struct {
		ID, Slug, Name, Category string
		Summary                  string
		Featured                 bool
		Rating                   float64
		StartingPrice            struct{ Amount int64 } `json:"starting_price"`
		Provider                 struct{ Slug, Name string }
	} `json:"items"`
	NextCursor     string `json:"next_cursor"`
	Sort           string `json:"sort"`
	CorrectedQuery string `json:"corrected_query"`
	Facets         struct {
		Category map[string]int64 `json:"category"`
	} `json:"facets"`
}

func (l list) slugs() []string {
	out := []string{}
	for _, it := range l.Items {
		out = append(out, it.Slug)
	}
	return out
}

// search GETs /offerings with params (anonymous) and wants 200.
func search(t *testing.T, e *apptest.Env, params url.Values) list {
	t.Helper()
	var l list
	e.Do(http.MethodGet, "/api/v1/offerings?"+params.Encode(), nil, "").Must(t, http.StatusOK).JSON(t, &l)
	return l
}
