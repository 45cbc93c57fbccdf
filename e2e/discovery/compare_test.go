package discovery_test

import (
	"net/http"
	"testing"

	"github.com/cmp-platform/cmp/internal/apptest"
)

// TestDiscovery_CompareAndCache compares offerings side by side and checks that
// anonymous catalog answers carry ETag and Cache-Control and revalidate with 304.
func TestDiscovery_CompareAndCache(t *testing.T) {
	engines(t, func(t *testing.T, e *apptest.Env, fx fixture) {
		t.Run("CompareAlignsPlansFeaturesAndComponents", func(t *testing.T) {
			var cmp struct {
				Offerings []struct {
					Slug     string
					Provider struct{ Name string }
				}
				Plans []struct {
					Name  string
					Cells []*struct {
						Monthly        int64
						Annual         int64
						AnnualPerMonth int64 `json:"annual_per_month"`
						Components     []struct{ Type string }
					}
				}
				Features []struct {
					Name    string
					Present []bool
				}
				Components []struct {
					Name    string
					Present []bool
				}
			}
			e.Do(http.MethodGet, "/api/v1/compare?offerings=support-agent,website-chatbot,"+fx.ByField["name"], nil, "").
				Must(t, http.StatusOK).JSON(t, &cmp)
			if len(cmp.Offerings) != 3 || cmp.Offerings[0].Slug != "support-agent" || cmp.Offerings[0].Provider.Name != "Acme AI" {
				t.Fatalf("columns %+v", cmp.Offerings)
			}
			if len(cmp.Plans) != 3 || cmp.Plans[0].Name != "Starter" {
				t.Fatalf("plan rows %+v", cmp.Plans)
			}
			starter := cmp.Plans[0].Cells
			if starter[0].Monthly != 2900 || starter[0].Annual != 29000 || starter[0].AnnualPerMonth != 2416 || len(starter[0].Components) != 2 {
				t.Fatalf("support-agent Starter %+v", starter[0])
			}
			if pro := cmp.Plans[1].Cells; pro[0] == nil || pro[2] != nil {
				t.Fatalf("the fixture has no Pro plan: %+v", pro)
			}
			present := map[string][]bool{}
			for _, f := range cmp.Features {
				present[f.Name] = f.Present
			}
			if kb := present["Knowledge base answers"]; len(kb) != 3 || !kb[0] || !kb[1] || kb[2] {
				t.Fatalf("knowledge base answers presence %v (features %+v)", kb, cmp.Features)
			}
			if h := present["Human handoff"]; !h[0] || h[1] || h[2] {
				t.Fatalf("human handoff presence %v", h)
			}
			if len(cmp.Components) != 2 {
				t.Fatalf("components %+v", cmp.Components)
			}
		})
		t.Run("CompareNeedsTwoToFourVisibleOfferings", func(t *testing.T) {
			for _, q := range []string{"", "support-agent", "support-agent,support-agent", "a,b,c,d,e"} {
				e.Do(http.MethodGet, "/api/v1/compare?offerings="+q, nil, "").Must(t, http.StatusBadRequest)
			}
			e.Do(http.MethodGet, "/api/v1/compare?offerings=support-agent,no-such-thing", nil, "").Must(t, http.StatusNotFound)
		})
		t.Run("AnonymousCatalogRevalidatesWith304", func(t *testing.T) {
			for _, p := range []string{"/api/v1/offerings?q=support", "/api/v1/offerings/support-agent", "/api/v1/offerings/support-agent/reviews",
				"/api/v1/compare?offerings=support-agent,data-sync"} {
				r := e.Do(http.MethodGet, p, nil, "").Must(t, http.StatusOK)
				etag := r.Header.Get("ETag")
				if etag == "" || r.Header.Get("Cache-Control") == "" {
					t.Fatalf("%s: headers %v", p, r.Header)
				}
				nm := e.Do(http.MethodGet, p, nil, "", "If-None-Match: "+etag).Must(t, http.StatusNotModified)
				if len(nm.Body) != 0 || nm.Header.Get("ETag") != etag {
					t.Fatalf("%s: 304 with body %q or etag %q", p, nm.Body, nm.Header.Get("ETag"))
				}
				e.Do(http.MethodGet, p, nil, "", `If-None-Match: "stale"`).Must(t, http.StatusOK)
			}
			u := e.Register("Sid Signedin")
			r := e.Do(http.MethodGet, "/api/v1/offerings", nil, u.Token).Must(t, http.StatusOK)
			if r.Header.Get("ETag") != "" || r.Header.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("signed-in answer is shareable: %v", r.Header)
			}
		})
		t.Run("ChangedCatalogChangesTheETag", func(t *testing.T) {
			before := e.Do(http.MethodGet, "/api/v1/offerings?q=zephyr", nil, "").Must(t, http.StatusOK).Header.Get("ETag")
			fx.add(t, e, offeringSpec{name: "Zephyr Two", category: "apps", price: 100})
			r := e.Do(http.MethodGet, "/api/v1/offerings?q=zephyr", nil, "", "If-None-Match: "+before).Must(t, http.StatusOK)
			if r.Header.Get("ETag") == before {
				t.Fatal("ETag did not change with the catalog")
			}
		})
	})
}
