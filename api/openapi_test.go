package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/api"
)

// openAPIDoc is the part of the document the contract test reads.
type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z_]+)`)

// TestOpenAPI_DescribesExactlyTheRegisteredRoutes holds the published contract
// against the router: every route is documented with its method, nothing
// documented is missing, and every schema under components is used.
func TestOpenAPI_DescribesExactlyTheRegisteredRoutes(t *testing.T) {
	s := api.New(api.Deps{})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/v1/openapi.json: %d %s", rec.Code, rec.Body)
	}
	raw := rec.Body.Bytes()
	var d openAPIDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("the document is not valid JSON: %v", err)
	}
	if !strings.HasPrefix(d.OpenAPI, "3.") {
		t.Fatalf("openapi = %q, want 3.x", d.OpenAPI)
	}

	documented := map[string]bool{}
	for path, ops := range d.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	routed := map[string]bool{}
	for _, r := range s.Handler().(*gin.Engine).Routes() {
		routed[r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	t.Run("EveryRouteIsDocumented", func(t *testing.T) {
		for _, k := range keys(routed) {
			if !documented[k] {
				t.Errorf("route %s is not in the OpenAPI document: register it with s.handle", k)
			}
		}
	})
	t.Run("EveryDocumentedOperationIsRouted", func(t *testing.T) {
		for _, k := range keys(documented) {
			if !routed[k] {
				t.Errorf("the OpenAPI document describes %s, which no route serves", k)
			}
		}
	})
	t.Run("EveryOperationHasASuccessAndAnErrorResponse", func(t *testing.T) {
		for path, ops := range d.Paths {
			for method, op := range ops {
				var o struct {
					Responses map[string]json.RawMessage `json:"responses"`
				}
				if err := json.Unmarshal(op, &o); err != nil {
					t.Fatalf("%s %s: %v", method, path, err)
				}
				if _, ok := o.Responses["default"]; !ok || len(o.Responses) < 2 {
					t.Errorf("%s %s: responses %v lack a success or the default error", method, path, keys(o.Responses))
				}
			}
		}
	})
	t.Run("EverySchemaIsReferenced", func(t *testing.T) {
		refs := map[string]bool{}
		for _, m := range regexp.MustCompile(`"#/components/schemas/([^"]+)"`).FindAllSubmatch(raw, -1) {
			refs[string(m[1])] = true
		}
		for name := range d.Components.Schemas {
			if !refs[name] {
				t.Errorf("components.schemas.%s is never referenced", name)
			}
		}
		for name := range refs {
			if _, ok := d.Components.Schemas[name]; !ok {
				t.Errorf("$ref to components.schemas.%s, which is not defined", name)
			}
		}
	})
}

// keys lists a map's keys in order, for stable failure messages.
func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
