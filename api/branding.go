package api

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

// BrandingRequest replaces the widget's look (send If-Match with the ETag from GET).
type BrandingRequest struct {
	PrimaryColor   string `json:"primary_color" binding:"required"`
	AccentColor    string `json:"accent_color"`
	LogoURL        string `json:"logo_url"`
	WelcomeMessage string `json:"welcome_message"`
	Position       string `json:"position"`
}

// BrandingDTO is the branding with its version (the ETag) and sync state.
type BrandingDTO struct {
	models.Branding
	Version   int64      `json:"version"`
	Sync      SyncDTO    `json:"sync"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

var hexColour = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// Widget positions on the page.
var widgetPositions = []string{"bottom-right", "bottom-left"}

func (s *Server) routesBranding(r *gin.RouterGroup) {
	s.handle(r, http.MethodGet, "/agents/:id/branding", doc{Summary: "The agent's branding (ETag: its version)", Tag: "configure", Access: accessUser, Response: BrandingDTO{}}, s.getBranding)
	s.handle(r, http.MethodPut, "/agents/:id/branding", doc{Summary: "Replace the branding; pushed to Site-Kit (If-Match required: 428 without, 412 when stale)", Tag: "configure", Access: accessUser,
		Body: BrandingRequest{}, Response: BrandingDTO{}, Headers: []string{"If-Match"}}, s.putBranding)
	s.routesBrandingLogo(r)
}

func (s *Server) getBranding(c *gin.Context) {
	agent, _, err := s.agentAccess(c, false)
	if err != nil {
		fail(c, err)
		return
	}
	s.answerBranding(c, agent)
}

// brandingOf is the agent's branding as the buyer set it, or the default.
func (s *Server) brandingOf(c *gin.Context, agentID string) (models.Branding, models.AgentConfig, bool, error) {
	b := models.DefaultBranding()
	row, found, err := s.configRow(c, agentID, models.ConfigBranding)
	if err == nil && found {
		err = row.Decode(&b)
	}
	return b, row, found, err
}

func (s *Server) answerBranding(c *gin.Context, agent models.Agent) {
	b, row, found, err := s.brandingOf(c, agent.ID)
	if err != nil {
		fail(c, err)
		return
	}
	out := BrandingDTO{Branding: b, Sync: toSyncDTO(row, found)}
	if found {
		out.Version, out.UpdatedAt = row.Version, &row.UpdatedAt
	}
	c.Header("ETag", etag(out.Version))
	c.JSON(http.StatusOK, out)
}

func (s *Server) putBranding(c *gin.Context) {
	agent, _, err := s.agentAccess(c, true)
	if err != nil {
		fail(c, err)
		return
	}
	ifVersion, err := ifMatch(c)
	if err != nil {
		fail(c, err)
		return
	}
	var req BrandingRequest
	if !bindJSON(c, &req) {
		return
	}
	b, err := validateBranding(req)
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.replaceConfig(c, agent.ID, models.ConfigBranding, b, ifVersion); err != nil {
		fail(c, err)
		return
	}
	_ = s.syncAgent(c, agent.ID, workflows.SyncBranding)
	s.answerBranding(c, agent)
}

func validateBranding(req BrandingRequest) (models.Branding, error) {
	def := models.DefaultBranding()
	b := models.Branding{PrimaryColor: strings.ToLower(strings.TrimSpace(req.PrimaryColor)), AccentColor: strings.ToLower(strings.TrimSpace(req.AccentColor)),
		LogoURL: strings.TrimSpace(req.LogoURL), WelcomeMessage: strings.TrimSpace(req.WelcomeMessage), Position: strings.TrimSpace(req.Position)}
	if !hexColour.MatchString(b.PrimaryColor) {
		return b, errs.Field("primary_color", "primary_color must be a hex colour like #1a2b3c")
	}
	if b.AccentColor == "" {
		b.AccentColor = def.AccentColor
	}
	if !hexColour.MatchString(b.AccentColor) {
		return b, errs.Field("accent_color", "accent_color must be a hex colour like #ffcc00")
	}
	if b.LogoURL != "" {
		u, err := url.Parse(b.LogoURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(b.LogoURL) > 2048 {
			return b, errs.Field("logo_url", "logo_url must be an absolute http(s) URL")
		}
	}
	if utf8.RuneCountInString(b.WelcomeMessage) > 500 {
		return b, errs.Field("welcome_message", "welcome_message must be at most 500 characters")
	}
	if b.Position == "" {
		b.Position = def.Position
	}
	if !contains(widgetPositions, b.Position) {
		return b, errs.Field("position", "position must be bottom-right or bottom-left")
	}
	return b, nil
}
