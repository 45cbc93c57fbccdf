package discovery_test

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"testing"

	"github.com/cmp-platform/cmp/internal/apptest"
	"github.com/cmp-platform/cmp/models"
)

func TestDiscovery_Search(t *testing.T) {
	engines(t, func(t *testing.T, e *apptest.Env, fx fixture) {
		t.Run("FeatureWordRanksNameThenSummaryThenFeaturesThenDescription", func(t *testing.T) {
			want := []string{fx.ByField["name"], fx.ByField["summary"], fx.ByField["features"], fx.ByField["description"]}
			for _, q := range []string{"zephyr", "ZEPH", "zephyr quasar"} {
				l := search(t, e, url.Values{"q": {q}})
				if got := l.slugs(); !slices.Equal(got, want) {
					t.Fatalf("q=%q: got %v, want %v", q, got, want)
				}
				if l.Sort != "relevance" {
					t.Fatalf("q=%q: sort %q, want relevance by default", q, l.Sort)
				}
			}
		})
		t.Run("SeededFeatureWordFindsEveryOfferingMentioningIt", func(t *testing.T) {
			got := search(t, e, url.Values{"q": {"multilingual"}}).slugs()
			sort.Strings(got)
			if want := []string{"hr-assistant", "support-agent", "voice-concierge"}; !slices.Equal(got, want) {
				t.Fatalf("multilingual: %v, want %v", got, want)
			}
		})
		t.Run("ProviderNameIsSearchable", func(t *testing.T) {
			if n := len(search(t, e, url.Values{"q": {"quasar"}}).Items); n != 4 {
				t.Fatalf("q=quasar found %d offerings, want the provider's 4", n)
			}
			if got := search(t, e, url.Values{"q": {"northwind"}, "category": {"apps"}}).slugs(); !slices.Equal(got, []string{"analytics-dashboard"}) {
				t.Fatalf("northwind apps: %v", got)
			}
		})
		t.Run("TypoIsCorrectedWhenNothingMatches", func(t *testing.T) {
			l := search(t, e, url.Values{"q": {"zephir"}})
			if l.CorrectedQuery != "zephyr" || len(l.Items) != 4 {
				t.Fatalf("zephir: corrected %q, %d items", l.CorrectedQuery, len(l.Items))
			}
			if l := search(t, e, url.Values{"q": {"xqzvbnm"}}); len(l.Items) != 0 || l.CorrectedQuery != "" {
				t.Fatalf("gibberish matched %v", l.slugs())
			}
		})
		t.Run("FacetsCountCategoriesIgnoringTheCategoryFilter", func(t *testing.T) {
			l := search(t, e, url.Values{"q": {"zephyr"}, "category": {"agents"}})
			if len(l.Items) != 2 {
				t.Fatalf("zephyr agents: %v", l.slugs())
			}
			want := map[string]int64{"agents": 2, "apps": 1, "assistants": 0, "automations": 1}
			for k, n := range want {
				if l.Facets.Category[k] != n {
					t.Fatalf("facets %v, want %v", l.Facets.Category, want)
				}
			}
		})
		t.Run("IndexFollowsWritesAtOnce", func(t *testing.T) {
			slug := fx.add(t, e, offeringSpec{name: "Nebulon Draft", summary: "Draft", category: models.CategoryApps, price: 700, state: models.OfferingPendingReview})
			if n := len(search(t, e, url.Values{"q": {"nebulon"}}).Items); n != 0 {
				t.Fatalf("a pending offering is listed")
			}
			db := e.Stack.Store.WithContext(t.Context())
			if err := db.Exec("UPDATE offerings SET state = ? WHERE slug = ?", models.OfferingActive, slug).Error; err != nil {
				t.Fatal(err)
			}
			if got := search(t, e, url.Values{"q": {"nebulon"}}).slugs(); !slices.Equal(got, []string{slug}) {
				t.Fatalf("approved offering not found at once: %v", got)
			}
			if err := db.Exec("UPDATE offerings SET name = ? WHERE slug = ?", "Orbitron Tool", slug).Error; err != nil {
				t.Fatal(err)
			}
			if n := len(search(t, e, url.Values{"q": {"nebulon"}}).Items); n != 0 {
				t.Fatalf("old name still matches")
			}
			if got := search(t, e, url.Values{"q": {"orbitron"}}).slugs(); !slices.Equal(got, []string{slug}) {
				t.Fatalf("renamed offering: %v", got)
			}
			if err := db.Exec("UPDATE providers SET name = ? WHERE id = ?", "Quasar Pulsar Works", fx.Provider.ID).Error; err != nil {
				t.Fatal(err)
			}
			if n := len(search(t, e, url.Values{"q": {"pulsar"}}).Items); n != 5 {
				t.Fatalf("renamed provider: found %d, want 5", n)
			}
			if err := db.Exec("UPDATE offerings SET state = ? WHERE slug = ?", models.OfferingArchived, slug).Error; err != nil {
				t.Fatal(err)
			}
		})
		t.Run("PrivateOfferingIsFoundOnlyByTheOrganizationsItIsSharedWith", func(t *testing.T) {
			slug := fx.add(t, e, offeringSpec{name: "Vortexa Private", category: models.CategoryApps, price: 100, private: true})
			member, outsider := e.Register("Mia Member"), e.Register("Oscar Outsider")
			org, err := e.Stack.Store.CreateOrganization(t.Context(), member.ID, "Mia's Team")
			if err != nil {
				t.Fatal(err)
			}
			db := e.Stack.Store.WithContext(t.Context())
			if err := db.Exec("INSERT INTO offering_shares (offering_id, organization_id) SELECT id, ? FROM offerings WHERE slug = ?", org.ID, slug).Error; err != nil {
				t.Fatal(err)
			}
			found := func(token string) int {
				var l list
				e.Do(http.MethodGet, "/api/v1/offerings?q=vortexa", nil, token).Must(t, http.StatusOK).JSON(t, &l)
				return len(l.Items)
			}
			if found("") != 0 || found(outsider.Token) != 0 || found(member.Token) != 1 {
				t.Fatalf("private offering: anonymous %d, outsider %d, member %d", found(""), found(outsider.Token), found(member.Token))
			}
			e.Do(http.MethodGet, "/api/v1/offerings/"+slug, nil, "").Must(t, http.StatusNotFound)
			e.Do(http.MethodGet, "/api/v1/offerings/"+slug, nil, outsider.Token).Must(t, http.StatusNotFound)
			e.Do(http.MethodGet, "/api/v1/offerings/"+slug, nil, member.Token).Must(t, http.StatusOK)
			e.Do(http.MethodGet, "/api/v1/compare?offerings=support-agent,"+slug, nil, outsider.Token).Must(t, http.StatusNotFound)
		})
		t.Run("FiltersCombineWithSorts", func(t *testing.T) {
			l := search(t, e, url.Values{"category": {"apps"}, "sort": {"price_asc"}, "limit": {"100"}})
			var last int64 = -1
			for _, it := range l.Items {
				if it.Category != "apps" || it.StartingPrice.Amount < last {
					t.Fatalf("apps by price: %+v", l.Items)
				}
				last = it.StartingPrice.Amount
			}
			if len(l.Items) != 4 { // 3 seeded apps + Zephyr Router
				t.Fatalf("apps: %v", l.slugs())
			}
			l = search(t, e, url.Values{"price_min": {"1000"}, "price_max": {"2000"}, "sort": {"price_desc"}, "limit": {"100"}})
			last = 1 << 62
			for _, it := range l.Items {
				if it.StartingPrice.Amount < 1000 || it.StartingPrice.Amount > 2000 || it.StartingPrice.Amount > last {
					t.Fatalf("price 1000-2000 desc: %+v", l.Items)
				}
				last = it.StartingPrice.Amount
			}
			if got := search(t, e, url.Values{"q": {"zephyr"}, "pricing_model": {"usage"}}).slugs(); !slices.Equal(got, []string{fx.ByField["description"]}) {
				t.Fatalf("usage-priced zephyr: %v", got)
			}
			if got := search(t, e, url.Values{"q": {"zephyr"}, "pricing_model": {"fixed"}}).slugs(); slices.Contains(got, fx.ByField["description"]) || len(got) != 3 {
				t.Fatalf("fixed-priced zephyr: %v", got)
			}
			got := search(t, e, url.Values{"q": {"zephyr"}, "has_demo": {"true"}, "sort": {"price_asc"}}).slugs()
			if !slices.Equal(got, []string{fx.ByField["name"], fx.ByField["summary"]}) {
				t.Fatalf("zephyr with demo by price: %v", got)
			}
			if got := search(t, e, url.Values{"provider": {"helio-studio"}, "category": {"assistants"}}).slugs(); len(got) != 2 {
				t.Fatalf("helio assistants: %v", got)
			}
			if got := search(t, e, url.Values{"q": {"zephyr"}, "sort": {"newest"}}).slugs(); !slices.Equal(got,
				[]string{fx.ByField["name"], fx.ByField["summary"], fx.ByField["features"], fx.ByField["description"]}) {
				t.Fatalf("zephyr newest: %v", got)
			}
			l = search(t, e, url.Values{"limit": {"100"}})
			if l.Sort != "featured" || !l.Items[0].Featured {
				t.Fatalf("default order does not start with featured: %+v", l.Items[0])
			}
			seenPlain := false
			for _, it := range l.Items {
				if !it.Featured {
					seenPlain = true
				} else if seenPlain {
					t.Fatalf("a featured offering after a plain one: %v", l.slugs())
				}
			}
		})
		t.Run("BadParametersAre400WithTheField", func(t *testing.T) {
			for _, q := range []string{"category=toys", "sort=cheapest", "price_min=-1", "price_min=9&price_max=1", "min_rating=6",
				"has_demo=maybe", "pricing_model=barter", "limit=0", "cursor=garbage"} {
				r := e.Do(http.MethodGet, "/api/v1/offerings?"+q, nil, "")
				if r.Status != http.StatusBadRequest || r.ErrorCode() != "invalid" {
					t.Fatalf("%s: %s", q, r)
				}
			}
			first := search(t, e, url.Values{"sort": {"price_asc"}, "limit": {"2"}})
			r := e.Do(http.MethodGet, "/api/v1/offerings?sort=rating&limit=2&cursor="+first.NextCursor, nil, "")
			if r.Status != http.StatusBadRequest {
				t.Fatalf("a price cursor replayed on a rating search: %s", r)
			}
		})
	})
}

// TestDiscovery_Pagination walks every page of several searches while offerings
// are added between pages: each item that existed at the start appears exactly
// once and no item appears twice.
func TestDiscovery_Pagination(t *testing.T) {
	engines(t, func(t *testing.T, e *apptest.Env, fx fixture) {
		cases := []url.Values{
			{"sort": {"featured"}}, {"sort": {"price_asc"}}, {"sort": {"price_desc"}}, {"sort": {"rating"}},
			{"sort": {"newest"}}, {"sort": {"popularity"}}, {"q": {"plain"}}, {"category": {"agents"}, "sort": {"price_asc"}},
		}
		prices := []int64{1500, 900, 2900, 100, 4500, 1900, 1200, 3900}
		for i, params := range cases {
			t.Run(params.Encode(), func(t *testing.T) {
				all := url.Values{"limit": {"100"}}
				for k, v := range params {
					all[k] = v
				}
				before := search(t, e, all).slugs()
				seen := map[string]int{}
				p := url.Values{"limit": {"3"}}
				for k, v := range params {
					p[k] = v
				}
				for pages := 0; ; pages++ {
					if pages > 500 {
						t.Fatal("pagination does not end")
					}
					l := search(t, e, p)
					for _, s := range l.slugs() {
						seen[s]++
						if seen[s] > 1 {
							t.Fatalf("%s appears twice", s)
						}
					}
					if l.NextCursor == "" {
						break
					}
					// Offerings land anywhere in the order: cheap and dear, plain-matching.
					fx.add(t, e, offeringSpec{name: "Inserted", summary: "plain inserted", category: models.CategoryAgents, price: prices[(pages+i)%len(prices)]})
					p.Set("cursor", l.NextCursor)
				}
				for _, s := range before {
					if seen[s] != 1 {
						t.Fatalf("%s seen %d times; pages saw %v", s, seen[s], seen)
					}
				}
			})
		}
	})
}
