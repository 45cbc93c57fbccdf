package models_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/cmp-platform/cmp/internal/db"
	"github.com/cmp-platform/cmp/internal/testenv"
	"github.com/cmp-platform/cmp/models"
)

// TestSearch_BothEnginesAnswerPagesFacetsAndCursorsAlike runs the same searches on
// SQLite (separate page, provider and facet queries) and PostgreSQL (one
// statement): the pages walked with cursors, the facets of a page with no rows
// and the providers attached must be the same.
func TestSearch_BothEnginesAnswerPagesFacetsAndCursorsAlike(t *testing.T) {
	ctx := context.Background()
	results := map[string][]string{}
	for _, eng := range []struct {
		name string
		dsn  func(testing.TB) string
	}{{"sqlite", testenv.SQLiteDSN}, {"postgres", testenv.NewPostgresDSN}} {
		t.Run(eng.name, func(t *testing.T) {
			g, err := db.Open(eng.dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { sqlDB, _ := g.DB(); _ = sqlDB.Close() })
			if err := db.Migrate(ctx, g); err != nil {
				t.Fatal(err)
			}
			s := models.NewStore(g)
			seedSearchCatalog(t, s)
			var got []string
			record := func(label string, page models.SearchPage) {
				got = append(got, fmt.Sprintf("%s facets=%v corrected=%q", label, page.Facets, page.Corrected))
				for _, o := range page.Items {
					prov := "<nil>"
					if o.Provider != nil {
						prov = o.Provider.Slug
					}
					got = append(got, fmt.Sprintf("  %s %s %d by %s", o.ID, o.Category, o.StartingPrice, prov))
				}
			}
			for _, q := range []models.SearchQuery{
				{Text: "alpha"},
				{Text: "alpha", Sort: models.SortPriceDesc},
				{Text: "alpha", Category: models.CategoryAutomations}, // no row, facets still counted
				{Category: models.CategoryApps, Sort: models.SortPriceAsc},
				{Sort: models.SortRating},
				{HasDemo: ptr(true)},
			} {
				q.Limit = 2
				label := fmt.Sprintf("%q %s %s demo=%v", q.Text, q.Category, q.Sort, q.HasDemo != nil)
				for n := 0; ; n++ {
					page, err := s.Search(ctx, models.Viewer{}, q)
					if err != nil {
						t.Fatalf("%s: %v", label, err)
					}
					record(fmt.Sprintf("%s page %d", label, n), page)
					if page.Next == nil {
						break
					}
					if n > 10 {
						t.Fatalf("%s: cursor does not advance", label)
					}
					// A cursor survives its round trip through the client.
					if q.After, err = models.DecodeCursor(page.Next.Encode()); err != nil {
						t.Fatal(err)
					}
				}
			}
			empty, err := s.Search(ctx, models.Viewer{}, models.SearchQuery{Text: "alpha", Category: models.CategoryAutomations})
			if err != nil || len(empty.Items) != 0 || empty.Facets[models.CategoryAgents] != 3 || empty.Facets[models.CategoryApps] != 2 {
				t.Fatalf("empty page: %+v, %v; want no items and facets agents=3 apps=2", empty, err)
			}
			results[eng.name] = got
		})
	}
	if a, b := results["sqlite"], results["postgres"]; len(a) == 0 || !reflect.DeepEqual(a, b) {
		t.Fatalf("engines differ:\nsqlite:\n%v\npostgres:\n%v", a, b)
	}
}

// seedSearchCatalog writes one provider and seven offerings: "alpha" in the names
// of two, in the summary of one, in the description of two; prices, ratings and
// demos vary so every sort has ties broken by ID.
func seedSearchCatalog(t *testing.T, s *models.Store) {
	t.Helper()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rows := []any{
		&models.User{ID: "usr_s1", Email: "s1@example.com", Name: "Seller", CreatedAt: now},
		&models.Organization{ID: "org_s1", Name: "Seller Org", OwnerUserID: "usr_s1", CreatedAt: now},
		&models.Provider{ID: "prv_s1", OrganizationID: "org_s1", Slug: "seller", Name: "Seller Labs", CreatedAt: now, UpdatedAt: now},
	}
	offers := []struct {
		name, summary, desc string
		cat                 models.Category
		price               int64
		rating              float64
		demo                string
	}{
		{"Alpha Desk", "Help desk", "Answers", models.CategoryAgents, 1000, 4.5, "https://demo.example/1"},
		{"Beta Helper", "Alpha grade helper", "Answers", models.CategoryAgents, 2000, 4.5, ""},
		{"Gamma Sync", "Sync", "Built on alpha tech", models.CategoryApps, 1000, 3, "https://demo.example/3"},
		{"Alpha Books", "Ledger", "Books", models.CategoryApps, 3000, 5, ""},
		{"Delta Voice", "Calls", "An alphabet of voices", models.CategoryAgents, 1500, 3, ""},
		{"Omega Flow", "Automates", "Flows", models.CategoryAutomations, 1000, 0, "https://demo.example/6"},
		{"Sigma Plan", "Plans", "Planner", models.CategoryAssistants, 2500, 4.5, ""},
	}
	for i, o := range offers {
		rows = append(rows, &models.Offering{ID: fmt.Sprintf("off_s%d", i+1), ProviderID: "prv_s1", Slug: fmt.Sprintf("s-%d", i+1),
			Name: o.name, Category: o.cat, Summary: o.summary, Description: o.desc, DemoURL: o.demo,
			Features: models.NewJSON([]string{}), Tags: models.NewJSON([]string{}), FAQ: models.NewJSON([]models.FAQ{}), Screenshots: models.NewJSON([]string{}),
			Visibility: models.VisibilityPublic, State: models.OfferingActive, RatingAvg: o.rating, RatingCount: int64(i),
			StartingPrice: o.price, Currency: "usd", CreatedAt: now, UpdatedAt: now})
	}
	for _, r := range rows {
		if err := s.DB.Create(r).Error; err != nil {
			t.Fatalf("seed %T: %v", r, err)
		}
	}
}

func ptr[T any](v T) *T { return &v }
