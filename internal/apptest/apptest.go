// Package apptest runs the whole CMP stack in-process for integration and
// end-to-end tests: a real Temporal dev server (one per test binary), a fresh
// SQLite or PostgreSQL database per Env, the embedded Site-Kit runtime, sandbox
// payments, the worker and the API on loopback ports.
package apptest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cmp-platform/cmp/internal/app"
	"github.com/cmp-platform/cmp/internal/config"
	"github.com/cmp-platform/cmp/internal/testenv"
)

var (
	shared    *testenv.TemporalServer
	sharedErr error
	once      sync.Once
	stopFn    func()
)

// Main is TestMain for packages that use Start: it stops the shared Temporal
// dev server after the tests so no server outlives the test binary.
//
//	func TestMain(m *testing.M) { apptest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	if stopFn != nil {
		stopFn()
	}
	os.Exit(code)
}

func temporalServer(t testing.TB) *testenv.TemporalServer {
	t.Helper()
	once.Do(func() { shared, stopFn, sharedErr = testenv.SharedTemporal() })
	if sharedErr != nil {
		t.Fatalf("apptest: %v", sharedErr)
	}
	return shared
}

// Options tune an Env.
type Options struct {
	// Postgres selects a fresh PostgreSQL database instead of SQLite.
	Postgres bool
	// NoSeed starts with an empty catalog (the operator account still exists).
	NoSeed bool
	// Configure may change the configuration before the stack starts.
	Configure func(*config.Config)
}

// Env is one running stack.
type Env struct {
	T     testing.TB
	Stack *app.Stack
	// URL is the API base (http://127.0.0.1:port); paths start with /api/v1.
	URL string
	// SiteKitURL is the embedded runtime's base URL.
	SiteKitURL string
	Config     config.Config
}

// Start runs a stack for one test and stops it at cleanup.
func Start(t testing.TB, opts Options) *Env {
	t.Helper()
	srv := temporalServer(t)
	dir := t.TempDir()
	cfg, err := config.Load()
	if err != nil {
		t.Fatalf("apptest: config: %v", err)
	}
	cfg.HTTPAddr, cfg.SiteKitAddr, cfg.PublicURL = "127.0.0.1:0", "127.0.0.1:0", ""
	cfg.DataDir, cfg.BlobDir = dir, filepath.Join(dir, "blobs")
	cfg.TemporalAddress, cfg.TemporalNamespace = srv.HostPort, srv.Namespace
	cfg.TaskQueue = "cmp-test-" + strings.ToLower(strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())) + "-" + fmt.Sprint(time.Now().UnixNano()%1e9)
	cfg.SiteKitHeartbeat = 200 * time.Millisecond
	cfg.Seed = !opts.NoSeed
	cfg.StripeSecretKey = ""
	if opts.Postgres {
		cfg.DatabaseURL = testenv.NewPostgresDSN(t)
	} else {
		cfg.DatabaseURL = "sqlite://" + filepath.Join(dir, "cmp.db")
	}
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("CMP_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := app.Start(ctx, cfg, app.Roles{API: true, Worker: true, SiteKit: true}, log)
	if err != nil {
		t.Fatalf("apptest: start stack: %v", err)
	}
	t.Cleanup(st.Close)
	return &Env{T: t, Stack: st, URL: st.APIURL, SiteKitURL: st.SiteKitURL, Config: st.Config}
}
