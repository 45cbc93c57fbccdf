package sitekit

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// RuntimeConfig configures the embedded reference runtime.
type RuntimeConfig struct {
	// Token is the operator token CMP presents on every /v1 call.
	Token string
	// BaseURL is the public URL the runtime is reached at; mcp_url is built
	// from it. Defaults to DefaultBaseURL.
	BaseURL string
	// StatePath, if set, is a JSON snapshot rewritten on every change so a
	// restarted `cmpd dev` keeps its deployments.
	StatePath string
	// HeartbeatInterval defaults to DefaultHeartbeatInterval.
	HeartbeatInterval time.Duration
	// HTTPClient sends heartbeats; defaults to a client with a 10 s timeout.
	HTTPClient *http.Client
	// Logger defaults to discarding.
	Logger *slog.Logger
}

// Runtime is a Site-Kit runtime that keeps deployments in memory and serves
// each one over MCP. It is an http.Handler via Handler; Close stops its
// heartbeats.
type Runtime struct {
	cfg      RuntimeConfig
	baseURL  string
	log      *slog.Logger
	started  time.Time
	handler  http.Handler
	mcp      *mcp.StreamableHTTPHandler
	schemas  *mcp.SchemaCache
	down     atomic.Bool // true while SetAvailable(false) simulates an outage
	stop     context.CancelFunc
	loopDone chan struct{}
	closeOne sync.Once

	mu          sync.Mutex
	deployments map[string]*deployment
	servers     map[string]*mcp.Server // per deployment, built lazily
	dirty       bool                   // config changed since the last snapshot
	usageDirty  bool                   // only counters changed since the last snapshot
}

// NewRuntime loads any saved state and starts the heartbeat loop.
func NewRuntime(cfg RuntimeConfig) (*Runtime, error) {
	if cfg.Token == "" {
		return nil, errors.New("sitekit: RuntimeConfig.Token is required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.HeartbeatInterval <= 0 {
		cfg.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	deployments, err := loadSnapshot(cfg.StatePath)
	if err != nil {
		return nil, err
	}
	rt := &Runtime{
		cfg:         cfg,
		baseURL:     strings.TrimRight(cfg.BaseURL, "/"),
		log:         cfg.Logger,
		started:     time.Now(),
		schemas:     mcp.NewSchemaCache(),
		deployments: deployments,
		servers:     make(map[string]*mcp.Server),
		loopDone:    make(chan struct{}),
	}
	rt.mcp = mcp.NewStreamableHTTPHandler(rt.mcpServerFor, &mcp.StreamableHTTPOptions{
		// Stateless: every POST is self-contained, so no session outlives its
		// request (nothing to leak on Close) and the SDK can negotiate the
		// newest protocol, which it serves only in this mode.
		Stateless:    true,
		JSONResponse: true,
		Logger:       cfg.Logger,
	})
	rt.handler = rt.routes()
	ctx, cancel := context.WithCancel(context.Background())
	rt.stop = cancel
	go rt.heartbeatLoop(ctx)
	return rt, nil
}

// Handler serves the /v1 operator API, the widget chat and /mcp/{id}.
func (rt *Runtime) Handler() http.Handler { return rt.handler }

// SetAvailable(false) makes every /v1 call answer 503 until
// SetAvailable(true): a test hook for "a Site-Kit outage delays, never
// fails, the order".
func (rt *Runtime) SetAvailable(available bool) { rt.down.Store(!available) }

// Close stops the heartbeat loop, waits for in-flight heartbeats, and writes
// a final snapshot so usage counters survive a restart. It is safe to call
// more than once.
func (rt *Runtime) Close() error {
	var err error
	rt.closeOne.Do(func() {
		rt.stop()
		<-rt.loopDone
		rt.mu.Lock()
		defer rt.mu.Unlock()
		rt.dirty = rt.dirty || rt.usageDirty
		err = rt.saveLocked()
	})
	return err
}

// routes is the runtime's whole HTTP surface.
func (rt *Runtime) routes() http.Handler {
	mux := http.NewServeMux()
	op := func(h func(http.ResponseWriter, *http.Request) error) http.Handler {
		return rt.available(rt.operator(rt.handle(h)))
	}
	mux.Handle("POST /v1/deployments", op(rt.createDeployment))
	mux.Handle("GET /v1/deployments/{id}", op(rt.getDeployment))
	mux.Handle("DELETE /v1/deployments/{id}", op(rt.deleteDeployment))
	mux.Handle("POST /v1/deployments/{id}/suspend", op(rt.suspendDeployment))
	mux.Handle("POST /v1/deployments/{id}/resume", op(rt.resumeDeployment))
	mux.Handle("PUT /v1/deployments/{id}/persona", op(rt.putPersona))
	mux.Handle("PUT /v1/deployments/{id}/branding", op(rt.putBranding))
	mux.Handle("PUT /v1/deployments/{id}/knowledge", op(rt.putKnowledge))
	mux.Handle("PUT /v1/deployments/{id}/keys", op(rt.putKeys))
	mux.Handle("PUT /v1/deployments/{id}/plan", op(rt.putPlan))
	mux.Handle("GET /v1/deployments/{id}/keys/usage", op(rt.getKeyUsage))
	mux.Handle("POST /v1/packages/validate", op(rt.validatePackage))
	mux.Handle("/v1/", op(func(http.ResponseWriter, *http.Request) error {
		return newError(CodeNotFound, "no such endpoint")
	}))
	// The widget authenticates with its own key, not the operator token.
	mux.Handle("POST /v1/deployments/{id}/chat", rt.available(rt.handle(rt.chat)))
	mux.Handle("OPTIONS /v1/deployments/{id}/chat", rt.available(http.HandlerFunc(chatPreflight)))
	mux.Handle("/mcp/{id}", http.HandlerFunc(rt.serveMCP))
	return mux
}

// handle adapts an error-returning handler so every failure is answered by
// writeError, in one place.
func (rt *Runtime) handle(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			rt.writeError(w, r, err)
		}
	})
}

// available answers 503 while an outage is simulated. It runs before
// authentication because a down service answers nobody.
func (rt *Runtime) available(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.down.Load() {
			rt.writeError(w, r, newError(CodeUnavailable, "site-kit is unavailable"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// operator admits only CMP, by the shared operator token.
func (rt *Runtime) operator(next http.Handler) http.Handler {
	want := []byte(rt.cfg.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(bearerToken(r))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			rt.writeError(w, r, newError(CodeUnauthorized, "operator token required"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// lookupLocked returns the deployment or a not_found error.
func (rt *Runtime) lookupLocked(id string) (*deployment, error) {
	d, ok := rt.deployments[id]
	if !ok {
		return nil, newError(CodeNotFound, "deployment %q not found", id)
	}
	return d, nil
}
