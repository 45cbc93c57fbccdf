package api

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/auth"
	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

// CreateKeyRequest mints an API key for an agent.
type CreateKeyRequest struct {
	Name           string     `json:"name" binding:"required"`
	Scopes         []string   `json:"scopes,omitempty"`
	ExpiresAt      *time.Time `json:"expires_at,omitempty"`
	AllowedOrigins []string   `json:"allowed_origins,omitempty"`
}

// KeyDTO is a key as listed: its prefix, never the key.
type KeyDTO struct {
	ID             string     `json:"id"`
	Name           string     `json:"name"`
	Prefix         string     `json:"prefix"`
	Scopes         []string   `json:"scopes"`
	AllowedOrigins []string   `json:"allowed_origins"`
	Active         bool       `json:"active"`
	ExpiresAt      *time.Time `json:"expires_at,omitempty"`
	LastUsedAt     *time.Time `json:"last_used_at,omitempty"`
	RevokedAt      *time.Time `json:"revoked_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
}

// CreatedKey is a new key, shown this once.
type CreatedKey struct {
	KeyDTO
	Key    string `json:"key"`
	Synced bool   `json:"synced"`
}

// KeyList lists an agent's keys.
type KeyList struct {
	Items []KeyDTO `json:"items"`
}

// MCPConfig is how to connect an MCP client to an agent.
type MCPConfig struct {
	URL       string            `json:"url"`
	Transport string            `json:"transport"`
	Headers   map[string]string `json:"headers"`
	Config    map[string]any    `json:"config"`
}

func toKeyDTO(k models.APIKey, now time.Time) KeyDTO {
	return KeyDTO{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: nonNil(k.Scopes.V), AllowedOrigins: nonNil(k.AllowedOrigins.V),
		Active: k.Active(now), ExpiresAt: k.ExpiresAt, LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt, CreatedAt: k.CreatedAt}
}

func (s *Server) routesKeys(r *gin.RouterGroup) {
	s.handle(r, http.MethodPost, "/agents/:id/keys", doc{Summary: "Create an API key (shown once)", Tag: "keys", Access: accessUser, Body: CreateKeyRequest{}, Response: CreatedKey{}, Status: http.StatusCreated}, s.createKey)
	s.handle(r, http.MethodGet, "/agents/:id/keys", doc{Summary: "List an agent's keys by prefix", Tag: "keys", Access: accessUser, Response: KeyList{}}, s.listKeys)
	s.handle(r, http.MethodDelete, "/agents/:id/keys/:key_id", doc{Summary: "Revoke a key (reaches Site-Kit within a second)", Tag: "keys", Access: accessUser, Status: http.StatusNoContent}, s.revokeKey)
	s.handle(r, http.MethodPost, "/agents/:id/keys/:key_id/rotate", doc{Summary: "Rotate a key: a new key replaces it, the old one is revoked", Tag: "keys", Access: accessUser, Response: CreatedKey{}, Status: http.StatusCreated}, s.rotateKey)
	s.handle(r, http.MethodGet, "/agents/:id/mcp", doc{Summary: "MCP connection config for the agent", Tag: "keys", Access: accessUser, Response: MCPConfig{}}, s.mcpConfig)
}

var knownScopes = []string{"mcp", "widget"}

func (s *Server) createKey(c *gin.Context) {
	agent, _, err := s.agentAccess(c, true)
	if err != nil {
		fail(c, err)
		return
	}
	var req CreateKeyRequest
	if !bindJSON(c, &req) {
		return
	}
	k, full, err := newKeyFromRequest(agent, mustUser(c), req)
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.Store.CreateAPIKey(c, &k); err != nil {
		fail(c, err)
		return
	}
	synced := s.syncAgent(c, agent.ID, workflows.SyncKeys) == nil
	c.JSON(http.StatusCreated, CreatedKey{KeyDTO: toKeyDTO(k, time.Now()), Key: full, Synced: synced})
}

func newKeyFromRequest(agent models.Agent, u models.User, req CreateKeyRequest) (models.APIKey, string, error) {
	req.Name = strings.TrimSpace(req.Name)
	if req.Name == "" || len(req.Name) > 100 {
		return models.APIKey{}, "", errs.Field("name", "name must be 1 to 100 characters")
	}
	if len(req.Scopes) == 0 {
		req.Scopes = []string{"mcp"}
	}
	for _, sc := range req.Scopes {
		if !slices.Contains(knownScopes, sc) {
			return models.APIKey{}, "", errs.Field("scopes", "unknown scope %q: use mcp and/or widget", sc)
		}
	}
	if req.ExpiresAt != nil && !req.ExpiresAt.After(time.Now()) {
		return models.APIKey{}, "", errs.Field("expires_at", "expires_at must be in the future")
	}
	for _, o := range req.AllowedOrigins {
		if !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") {
			return models.APIKey{}, "", errs.Field("allowed_origins", "origin %q must start with http:// or https://", o)
		}
	}
	kind := "sk"
	if len(req.Scopes) == 1 && req.Scopes[0] == "widget" {
		kind = "pk" // publishable: safe to embed in a web page
	}
	minted := auth.NewAPIKey(kind)
	k := models.APIKey{ID: models.NewID("key"), AgentID: agent.ID, OrganizationID: agent.OrganizationID, Name: req.Name,
		Prefix: minted.Prefix, Hash: minted.Hash, Scopes: models.NewJSON(req.Scopes), AllowedOrigins: models.NewJSON(nonNil(req.AllowedOrigins)),
		ExpiresAt: req.ExpiresAt, CreatedBy: u.ID, CreatedAt: models.Now()}
	return k, minted.Full, nil
}

func (s *Server) listKeys(c *gin.Context) {
	agent, _, err := s.agentAccess(c, false)
	if err != nil {
		fail(c, err)
		return
	}
	keys, err := s.Store.ListAPIKeys(c, agent.ID)
	if err != nil {
		fail(c, err)
		return
	}
	out := KeyList{Items: []KeyDTO{}}
	now := time.Now()
	for _, k := range keys {
		out.Items = append(out.Items, toKeyDTO(k, now))
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) revokeKey(c *gin.Context) {
	agent, _, err := s.agentAccess(c, true)
	if err != nil {
		fail(c, err)
		return
	}
	if _, err := s.Store.RevokeAPIKey(c, agent.ID, c.Param("key_id")); err != nil {
		fail(c, err)
		return
	}
	if err := s.syncAgent(c, agent.ID, workflows.SyncKeys); err != nil {
		fail(c, errs.Wrap(errs.Unavailable, err, "the key is revoked in CMP but Site-Kit has not confirmed yet; it keeps retrying"))
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) rotateKey(c *gin.Context) {
	agent, _, err := s.agentAccess(c, true)
	if err != nil {
		fail(c, err)
		return
	}
	old, err := s.Store.APIKeyOf(c, agent.ID, c.Param("key_id"))
	if err != nil {
		fail(c, err)
		return
	}
	if old.RevokedAt != nil {
		fail(c, errs.New(errs.Conflict, "this key is already revoked"))
		return
	}
	k, full, err := newKeyFromRequest(agent, mustUser(c), CreateKeyRequest{Name: old.Name, Scopes: old.Scopes.V, ExpiresAt: old.ExpiresAt, AllowedOrigins: old.AllowedOrigins.V})
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.Store.RotateAPIKey(c, old, &k); err != nil {
		fail(c, err)
		return
	}
	synced := s.syncAgent(c, agent.ID, workflows.SyncKeys) == nil
	c.JSON(http.StatusCreated, CreatedKey{KeyDTO: toKeyDTO(k, time.Now()), Key: full, Synced: synced})
}

func (s *Server) mcpConfig(c *gin.Context) {
	agent, _, err := s.agentAccess(c, false)
	if err != nil {
		fail(c, err)
		return
	}
	if agent.MCPURL == "" {
		fail(c, errs.New(errs.Conflict, "the agent is %s: its MCP endpoint exists once it is running", agent.Status))
		return
	}
	headers := map[string]string{"Authorization": "Bearer <your key>"}
	name := models.Slugify(agent.Name)
	c.PureJSON(http.StatusOK, MCPConfig{
		URL: agent.MCPURL, Transport: "streamable-http", Headers: headers,
		Config: map[string]any{"mcpServers": map[string]any{name: map[string]any{"type": "http", "url": agent.MCPURL, "headers": headers}}},
	})
}
