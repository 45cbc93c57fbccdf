package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// HealthBody answers /healthz and /readyz.
type HealthBody struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks,omitempty"`
}

func (s *Server) routesHealth(r gin.IRoutes) {
	s.handle(r, http.MethodGet, "/healthz", doc{Summary: "Liveness: the process answers", Tag: "health", Response: HealthBody{}}, s.healthz)
	s.handle(r, http.MethodGet, "/readyz", doc{Summary: "Readiness: database, Temporal and the worker are ready", Tag: "health", Response: HealthBody{}}, s.readyz)
}

func (s *Server) healthz(c *gin.Context) { c.JSON(http.StatusOK, HealthBody{Status: "ok"}) }

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c, 2*time.Second)
	defer cancel()
	checks := map[string]string{"database": "ok", "temporal": "ok", "worker": "ok"}
	ready := true
	// Anyone may ask, so the answer names what is down, never why: the cause
	// (addresses, driver errors) goes to the log.
	down := func(what string, err error) {
		s.Logger.Warn("not ready", "check", what, "request_id", requestID(c), "err", err)
		checks[what], ready = "unavailable", false
	}
	if err := s.Store.Ping(ctx); err != nil {
		down("database", err)
	}
	if s.Temporal == nil {
		checks["temporal"], ready = "not connected", false
	} else if _, err := s.Temporal.CheckHealth(ctx, nil); err != nil {
		down("temporal", err)
	}
	if s.Ready != nil {
		if err := s.Ready(ctx); err != nil {
			down("worker", err)
		}
	}
	if !ready {
		c.JSON(http.StatusServiceUnavailable, HealthBody{Status: "unavailable", Checks: checks})
		return
	}
	c.JSON(http.StatusOK, HealthBody{Status: "ready", Checks: checks})
}
