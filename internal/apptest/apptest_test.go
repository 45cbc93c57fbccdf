package apptest

import (
	"net/http"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

func TestStart_ServesAReadyStackWithTheSeededCatalog(t *testing.T) {
	e := Start(t, Options{})
	e.Do(http.MethodGet, "/readyz", nil, "").Must(t, http.StatusOK)
	u := e.Register("Tess")
	p := e.Checkout(u, "support-agent", "Starter")
	if p.Organization.Name != "Tess's Organization" || p.Project.Name != "Default" {
		t.Fatalf("checkout created %+v", p)
	}
}
