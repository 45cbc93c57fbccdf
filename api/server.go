// Package api is CMP's REST API (Gin, JSON, /api/v1): authentication,
// authorization, validation, error mapping and DTOs. It starts, updates, signals
// and queries workflows and reads the read models; it never charges a card or
// calls Site-Kit itself.
package api

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"

	"github.com/cmp-platform/cmp/internal/blob"
	"github.com/cmp-platform/cmp/internal/config"
	"github.com/cmp-platform/cmp/models"
)

// Deps are what the API needs.
type Deps struct {
	Store    *models.Store
	Temporal client.Client
	Config   config.Config
	// Ready reports whether the worker is polling (for /readyz); nil means ready.
	Ready  func(ctx context.Context) error
	Logger *slog.Logger
	// Blobs stores uploaded files; nil means the local store at Config.BlobDir.
	Blobs blob.Store
}

// Server is the HTTP API.
type Server struct {
	Deps
	engine *gin.Engine
	docs   []routeDoc
	specCache
	logins loginLimits
}

// New builds the API with every route registered.
func New(d Deps) *Server {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Blobs == nil {
		d.Blobs = blob.NewLocal(d.Config.BlobDir)
	}
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	s := &Server{Deps: d, engine: e, logins: newLoginLimits()}
	e.Use(withRequestID, gin.CustomRecovery(recoverJSON), accessLog)
	e.NoRoute(func(c *gin.Context) { fail(c, errNoRoute) })
	e.NoMethod(func(c *gin.Context) { fail(c, errNoMethod) })
	s.routes()
	return s
}

// Handler returns the http.Handler serving the API.
func (s *Server) Handler() http.Handler { return s.engine }

// routes registers every endpoint. Each area keeps its routes beside its handlers.
func (s *Server) routes() {
	s.routesHealth(s.engine)
	v1 := s.engine.Group("/api/v1", s.identify)
	s.routesOpenAPI(v1)
	s.routesAuth(v1)
	s.routesCatalog(v1)
	s.routesCheckout(v1)
	s.routesOrders(v1)
	s.routesSubscriptions(v1)
	s.routesAgents(v1)
	s.routesKeys(v1)
	s.routesOrganizations(v1)
	s.routesConfigure(v1)
	s.routesBlobs(v1)
	s.routesProvider(v1)
	s.routesAdminOfferings(v1)
	s.routesWebhooks(v1)
	s.routesAdminPayouts(v1)
	s.routesAdminMetrics(v1)
	s.routesRevenue(v1)
}
