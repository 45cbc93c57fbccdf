package api

import (
	_ "embed"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/auth"
	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

//go:embed static/widget.js
var widgetJS []byte

//go:embed static/preview.html
var previewHTML string

var previewPage = template.Must(template.New("preview").Parse(previewHTML))

// WidgetAppearance is how the embedded widget presents itself.
type WidgetAppearance struct {
	ButtonLabel string `json:"button_label"`
	Theme       string `json:"theme"`
	OpenOnLoad  bool   `json:"open_on_load"`
}

// WidgetKeyDTO is the widget's publishable key (scope widget only).
type WidgetKeyDTO struct {
	ID             string   `json:"id"`
	Key            string   `json:"key"`
	Prefix         string   `json:"prefix"`
	AllowedOrigins []string `json:"allowed_origins"`
	Active         bool     `json:"active"`
}

// WidgetDTO is the Widget page: embed code, key, appearance and preview link.
type WidgetDTO struct {
	Configured bool             `json:"configured"`
	EmbedCode  string           `json:"embed_code,omitempty"`
	ScriptURL  string           `json:"script_url"`
	PreviewURL string           `json:"preview_url,omitempty"`
	Key        *WidgetKeyDTO    `json:"key,omitempty"`
	Appearance WidgetAppearance `json:"appearance"`
	Branding   models.Branding  `json:"branding"`
	ChatURL    string           `json:"chat_url,omitempty"`
}

// WidgetRequest changes the widget's appearance and where it may be embedded.
type WidgetRequest struct {
	AllowedOrigins []string          `json:"allowed_origins"`
	Appearance     *WidgetAppearance `json:"appearance"`
}

// WidgetConfig is what widget.js loads to paint itself and reach the agent.
type WidgetConfig struct {
	AgentID     string           `json:"agent_id"`
	PersonaName string           `json:"persona_name"`
	Greeting    string           `json:"greeting"`
	Branding    models.Branding  `json:"branding"`
	Appearance  WidgetAppearance `json:"appearance"`
	ChatURL     string           `json:"chat_url"`
}

var widgetThemes = []string{"light", "dark"}

func (s *Server) routesWidget(r *gin.RouterGroup) {
	s.handle(s.engine, http.MethodGet, "/widget.js", doc{Summary: "The embeddable chat widget script", Tag: "widget", Produces: "application/javascript"}, s.widgetScript)
	s.handle(r, http.MethodGet, "/agents/:id/widget", doc{Summary: "Widget: embed code with a publishable key, appearance, preview link", Tag: "widget", Access: accessUser, Response: WidgetDTO{}}, s.getWidget)
	s.handle(r, http.MethodPut, "/agents/:id/widget", doc{Summary: "Change the widget's appearance and allowed origins", Tag: "widget", Access: accessUser, Body: WidgetRequest{}, Response: WidgetDTO{}}, s.putWidget)
	s.handle(r, http.MethodGet, "/agents/:id/widget/preview", doc{Summary: "A page with the widget embedded, chatting with the agent (needs ?key=<publishable key>)", Tag: "widget", Query: []string{"key"}, Produces: "text/html"}, s.widgetPreview)
	s.handle(r, http.MethodGet, "/widget/config", doc{Summary: "What widget.js paints itself with (publishable key; CORS for its allowed origins)", Tag: "widget", Query: []string{"agent", "key"}, Response: WidgetConfig{}}, s.widgetConfig)
}

func (s *Server) widgetScript(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "application/javascript; charset=utf-8", widgetJS)
}

// publicOrigin is CMP's own origin, always allowed so the preview page works.
func (s *Server) publicOrigin() string {
	u, err := url.Parse(s.Config.PublicURL)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func (s *Server) widgetOf(c *gin.Context, agentID string) (models.WidgetSettings, models.AgentConfig, bool, error) {
	var w models.WidgetSettings
	row, found, err := s.configRow(c, agentID, models.ConfigWidget)
	if err == nil && found {
		err = row.Decode(&w)
	}
	return w, row, found, err
}

func (s *Server) getWidget(c *gin.Context) {
	agent, role, err := s.agentAccess(c, false)
	if err != nil {
		fail(c, err)
		return
	}
	w, row, found, err := s.widgetOf(c, agent.ID)
	if err != nil {
		fail(c, err)
		return
	}
	usable := found && s.widgetKeyActive(c, agent.ID, w)
	if !usable && role.CanManage() {
		if w, err = s.mintWidgetKey(c, agent, w, row, found); err != nil {
			fail(c, err)
			return
		}
		usable = true
	}
	s.answerWidget(c, agent, w, usable)
}

func (s *Server) widgetKeyActive(c *gin.Context, agentID string, w models.WidgetSettings) bool {
	_, err := s.Store.ActiveKeyByHash(c, agentID, auth.HashToken(w.Key), time.Now())
	return w.Key != "" && err == nil
}

// mintWidgetKey creates the publishable key (first visit, or after it was
// revoked) and pushes the key set to Site-Kit.
func (s *Server) mintWidgetKey(c *gin.Context, agent models.Agent, w models.WidgetSettings, row models.AgentConfig, found bool) (models.WidgetSettings, error) {
	if !found {
		w = models.WidgetSettings{ButtonLabel: "Chat with us", Theme: "light", AllowedOrigins: []string{}}
	}
	origins := withOrigin(w.AllowedOrigins, s.publicOrigin())
	k, full, err := newKeyFromRequest(agent, mustUser(c), CreateKeyRequest{Name: "Website widget", Scopes: []string{"widget"}, AllowedOrigins: origins})
	if err != nil {
		return w, err
	}
	if err := s.Store.CreateAPIKey(c, &k); err != nil {
		return w, err
	}
	w.KeyID, w.Key = k.ID, full
	if err := s.replaceConfig(c, agent.ID, models.ConfigWidget, w, row.Version); err != nil {
		_, _ = s.Store.RevokeAPIKey(c, agent.ID, k.ID) // someone else minted one at the same time
		if errs.Is(err, errs.PreconditionFailed) {
			got, _, _, err2 := s.widgetOf(c, agent.ID)
			return got, err2
		}
		return w, err
	}
	if err := s.syncAgent(c, agent.ID, workflows.SyncKeys); err != nil {
		s.Logger.Warn("widget key not yet on Site-Kit; AgentSync keeps retrying", "agent", agent.ID, "err", err)
	}
	return w, nil
}

func withOrigin(origins []string, own string) []string {
	out := append([]string{}, origins...)
	if own != "" && !contains(out, own) {
		out = append(out, own)
	}
	return out
}

func (s *Server) answerWidget(c *gin.Context, agent models.Agent, w models.WidgetSettings, usable bool) {
	b, _, _, err := s.brandingOf(c, agent.ID)
	if err != nil {
		fail(c, err)
		return
	}
	base := strings.TrimRight(s.Config.PublicURL, "/")
	out := WidgetDTO{Configured: usable, ScriptURL: base + "/widget.js", Branding: b,
		Appearance: WidgetAppearance{ButtonLabel: w.ButtonLabel, Theme: w.Theme, OpenOnLoad: w.OpenOnLoad}, ChatURL: chatURL(agent)}
	if usable {
		out.EmbedCode = embedCode(base, agent.ID, w.Key)
		out.PreviewURL = base + "/api/v1/agents/" + agent.ID + "/widget/preview?key=" + url.QueryEscape(w.Key)
		out.Key = &WidgetKeyDTO{ID: w.KeyID, Key: w.Key, Prefix: keyPrefix(w.Key), AllowedOrigins: withOrigin(w.AllowedOrigins, s.publicOrigin()), Active: true}
	}
	c.JSON(http.StatusOK, out)
}

func embedCode(base, agentID, key string) string {
	return `<script src="` + template.HTMLEscapeString(base+"/widget.js") + `" data-agent="` + template.HTMLEscapeString(agentID) +
		`" data-key="` + template.HTMLEscapeString(key) + `" async></script>`
}

// keyPrefix is the listed part of a key: "cmp_pk_<id>".
func keyPrefix(key string) string {
	parts := strings.SplitN(key, "_", 4)
	if len(parts) < 3 {
		return ""
	}
	return strings.Join(parts[:3], "_")
}

// chatURL is the agent's widget chat endpoint on Site-Kit, beside its MCP URL.
func chatURL(agent models.Agent) string {
	base, ok := strings.CutSuffix(agent.MCPURL, "/mcp/"+agent.ID)
	if !ok {
		return ""
	}
	return base + "/v1/deployments/" + url.PathEscape(agent.ID) + "/chat"
}

func (s *Server) putWidget(c *gin.Context) {
	agent, _, err := s.agentAccess(c, true)
	if err != nil {
		fail(c, err)
		return
	}
	var req WidgetRequest
	if !bindJSON(c, &req) {
		return
	}
	// Validate everything before minting a key or storing anything.
	var origins []string
	if req.AllowedOrigins != nil {
		if origins, err = validateOrigins(req.AllowedOrigins); err != nil {
			fail(c, err)
			return
		}
	}
	if a := req.Appearance; a != nil {
		a.ButtonLabel, a.Theme = strings.TrimSpace(a.ButtonLabel), strings.TrimSpace(a.Theme)
		if a.ButtonLabel == "" || utf8.RuneCountInString(a.ButtonLabel) > 40 {
			fail(c, errs.Field("appearance.button_label", "button_label must be 1 to 40 characters"))
			return
		}
		if a.Theme == "" {
			a.Theme = "light"
		}
		if !contains(widgetThemes, a.Theme) {
			fail(c, errs.Field("appearance.theme", "theme must be light or dark"))
			return
		}
	}
	w, row, found, err := s.widgetOf(c, agent.ID)
	if err != nil {
		fail(c, err)
		return
	}
	if !found || !s.widgetKeyActive(c, agent.ID, w) {
		if w, err = s.mintWidgetKey(c, agent, w, row, found); err != nil {
			fail(c, err)
			return
		}
		if row, _, err = s.configRow(c, agent.ID, models.ConfigWidget); err != nil {
			fail(c, err)
			return
		}
	}
	if req.AllowedOrigins != nil {
		w.AllowedOrigins = origins
	}
	if a := req.Appearance; a != nil {
		w.ButtonLabel, w.Theme, w.OpenOnLoad = a.ButtonLabel, a.Theme, a.OpenOnLoad
	}
	if err := s.replaceConfig(c, agent.ID, models.ConfigWidget, w, row.Version); err != nil {
		fail(c, err)
		return
	}
	if req.AllowedOrigins != nil {
		if err := s.Store.SetKeyOrigins(c, w.KeyID, withOrigin(w.AllowedOrigins, s.publicOrigin())); err != nil {
			fail(c, err)
			return
		}
		if err := s.syncAgent(c, agent.ID, workflows.SyncKeys); err != nil {
			s.Logger.Warn("widget origins not yet on Site-Kit; AgentSync keeps retrying", "agent", agent.ID, "err", err)
		}
	}
	s.answerWidget(c, agent, w, true)
}

func validateOrigins(in []string) ([]string, error) {
	out := []string{}
	if len(in) > 20 {
		return nil, errs.Field("allowed_origins", "at most 20 origins")
	}
	for _, o := range in {
		u, err := url.Parse(strings.TrimSpace(o))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return nil, errs.Field("allowed_origins", "origin %q must look like https://shop.example (scheme and host only)", o)
		}
		if origin := strings.ToLower(u.Scheme + "://" + u.Host); !contains(out, origin) {
			out = append(out, origin)
		}
	}
	return out, nil
}

// widgetByKey checks a publishable key for an agent: anonymous widget
// endpoints answer 404 for anything else, so they reveal nothing.
func (s *Server) widgetByKey(c *gin.Context, agentID, key string) (models.Agent, models.WidgetSettings, models.APIKey, error) {
	nf := errs.New(errs.NotFound, "no widget for this agent and key")
	agent, err := s.Store.AgentByID(c, agentID)
	if err != nil || key == "" {
		return agent, models.WidgetSettings{}, models.APIKey{}, nf
	}
	k, err := s.Store.ActiveKeyByHash(c, agent.ID, auth.HashToken(key), time.Now())
	if err != nil || !contains(k.Scopes.V, "widget") {
		return agent, models.WidgetSettings{}, k, nf
	}
	w, _, _, err := s.widgetOf(c, agent.ID)
	return agent, w, k, err
}

func (s *Server) widgetPreview(c *gin.Context) {
	agent, _, _, err := s.widgetByKey(c, c.Param("id"), c.Query("key"))
	if err != nil {
		fail(c, err)
		return
	}
	base := strings.TrimRight(s.Config.PublicURL, "/")
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	_ = previewPage.Execute(c.Writer, map[string]string{"AgentName": agent.Name, "ScriptURL": base + "/widget.js", "AgentID": agent.ID, "Key": c.Query("key")})
}

func (s *Server) widgetConfig(c *gin.Context) {
	agent, w, k, err := s.widgetByKey(c, c.Query("agent"), c.Query("key"))
	if err != nil {
		fail(c, err)
		return
	}
	if origin := c.GetHeader("Origin"); origin != "" {
		if len(k.AllowedOrigins.V) > 0 && !contains(k.AllowedOrigins.V, strings.ToLower(strings.TrimRight(origin, "/"))) {
			fail(c, errs.New(errs.Forbidden, "this widget key is not allowed on %s", origin).WithReason("origin_not_allowed"))
			return
		}
		c.Header("Access-Control-Allow-Origin", origin)
		c.Header("Vary", "Origin")
	}
	b, _, _, err := s.brandingOf(c, agent.ID)
	if err != nil {
		fail(c, err)
		return
	}
	p := models.DefaultPersona(agent.Name)
	if row, found, err := s.configRow(c, agent.ID, models.ConfigPersona); err != nil {
		fail(c, err)
		return
	} else if found {
		_ = row.Decode(&p)
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, WidgetConfig{AgentID: agent.ID, PersonaName: p.Name, Greeting: p.Greeting, Branding: b,
		Appearance: WidgetAppearance{ButtonLabel: w.ButtonLabel, Theme: w.Theme, OpenOnLoad: w.OpenOnLoad}, ChatURL: chatURL(agent)})
}
