package api

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/auth"
	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
)

// withRequestID tags each request with an ID echoed in X-Request-ID and in errors.
func withRequestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if id == "" || len(id) > 64 {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set("request_id", id)
	c.Header("X-Request-ID", id)
	c.Next()
}

// accessLog logs each request at debug level (errors at warn).
func accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	lvl := slog.LevelDebug
	if c.Writer.Status() >= 500 {
		lvl = slog.LevelWarn
	}
	slog.Log(c, lvl, "http", "method", c.Request.Method, "path", c.FullPath(), "status", c.Writer.Status(), "ms", time.Since(start).Milliseconds(), "request_id", requestID(c))
}

// recoverJSON answers panics with the error envelope instead of an empty 500.
func recoverJSON(c *gin.Context, err any) {
	slog.Error("panic", "request_id", requestID(c), "err", err)
	c.AbortWithStatusJSON(http.StatusInternalServerError, ErrorBody{Error: ErrorDetail{Code: "internal", Message: "internal error", RequestID: requestID(c)}})
}

const ctxUser = "user"

// identify resolves a Bearer token to the signed-in user, if any.
func (s *Server) identify(c *gin.Context) {
	h := c.GetHeader("Authorization")
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok && tok != "" {
		u, err := s.Store.UserBySessionHash(c, auth.HashToken(tok), time.Now().UTC())
		if err == nil {
			c.Set(ctxUser, u)
		} else if !errs.Is(err, errs.NotFound) {
			fail(c, err)
			return
		}
	}
	c.Next()
}

// requireUser refuses anonymous requests with 401.
func requireUser(c *gin.Context) {
	if _, ok := currentUser(c); !ok {
		c.Header("WWW-Authenticate", `Bearer realm="cmp"`)
		fail(c, errs.New(errs.Unauthorized, "sign in first: send Authorization: Bearer <token>"))
		return
	}
	c.Next()
}

// requireOperator refuses everyone but platform operators with 403.
func requireOperator(c *gin.Context) {
	u, ok := currentUser(c)
	if !ok {
		fail(c, errs.New(errs.Unauthorized, "sign in first: send Authorization: Bearer <token>"))
		return
	}
	if !u.IsOperator {
		fail(c, errs.New(errs.Forbidden, "only platform operators may do this"))
		return
	}
	c.Next()
}

func currentUser(c *gin.Context) (models.User, bool) {
	v, ok := c.Get(ctxUser)
	if !ok {
		return models.User{}, false
	}
	u, ok := v.(models.User)
	return u, ok
}

// mustUser returns the signed-in user; only call behind requireUser.
func mustUser(c *gin.Context) models.User {
	u, _ := currentUser(c)
	return u
}
