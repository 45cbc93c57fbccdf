package api_test

import (
	"testing"

	"github.com/cmp-platform/cmp/internal/apptest"
)

// TestMain is the one TestMain of package api's tests (internal and external
// files share it): it stops apptest's shared Temporal dev server at the end.
func TestMain(m *testing.M) { apptest.Main(m) }
