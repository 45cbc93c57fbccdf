package api

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

// SyncDTO says whether Site-Kit has an item: pending → synced | failed (with the reason).
type SyncDTO struct {
	State         string `json:"state"`
	Error         string `json:"error,omitempty"`
	SyncedVersion int64  `json:"synced_version,omitempty"`
}

// PersonaRequest replaces the agent's persona (send If-Match with the ETag from GET).
type PersonaRequest struct {
	Name     string   `json:"name" binding:"required"`
	Tone     string   `json:"tone"`
	Language string   `json:"language"`
	Greeting string   `json:"greeting"`
	Rules    []string `json:"rules"`
}

// PersonaDTO is the persona with its version (the ETag) and sync state.
type PersonaDTO struct {
	models.Persona
	Version   int64      `json:"version"`
	Sync      SyncDTO    `json:"sync"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// Persona tones the runtime knows how to speak in.
var personaTones = []string{"friendly", "professional", "casual", "formal", "playful", "concise"}

var languageTag = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

func (s *Server) routesPersona(r *gin.RouterGroup) {
	s.handle(r, http.MethodGet, "/agents/:id/persona", doc{Summary: "The agent's persona (ETag: its version)", Tag: "configure", Access: accessUser, Response: PersonaDTO{}}, s.getPersona)
	s.handle(r, http.MethodPut, "/agents/:id/persona", doc{Summary: "Replace the persona; pushed to Site-Kit (If-Match required: 428 without, 412 when stale)", Tag: "configure", Access: accessUser,
		Body: PersonaRequest{}, Response: PersonaDTO{}, Headers: []string{"If-Match"}}, s.putPersona)
}

func (s *Server) getPersona(c *gin.Context) {
	agent, _, err := s.agentAccess(c, false)
	if err != nil {
		fail(c, err)
		return
	}
	s.answerPersona(c, agent)
}

func (s *Server) answerPersona(c *gin.Context, agent models.Agent) {
	row, found, err := s.configRow(c, agent.ID, models.ConfigPersona)
	if err != nil {
		fail(c, err)
		return
	}
	out := PersonaDTO{Persona: models.DefaultPersona(agent.Name), Sync: toSyncDTO(row, found)}
	if found {
		if err := row.Decode(&out.Persona); err != nil {
			fail(c, err)
			return
		}
		out.Version, out.UpdatedAt = row.Version, &row.UpdatedAt
	}
	if out.Rules == nil {
		out.Rules = []string{}
	}
	c.Header("ETag", etag(out.Version))
	c.JSON(http.StatusOK, out)
}

func (s *Server) putPersona(c *gin.Context) {
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
	var req PersonaRequest
	if !bindJSON(c, &req) {
		return
	}
	p, err := validatePersona(req)
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.replaceConfig(c, agent.ID, models.ConfigPersona, p, ifVersion); err != nil {
		fail(c, err)
		return
	}
	_ = s.syncAgent(c, agent.ID, workflows.SyncPersona) // the sync state in the answer says how it went
	s.answerPersona(c, agent)
}

func validatePersona(req PersonaRequest) (models.Persona, error) {
	p := models.Persona{Name: strings.TrimSpace(req.Name), Tone: strings.ToLower(strings.TrimSpace(req.Tone)),
		Language: strings.TrimSpace(req.Language), Greeting: strings.TrimSpace(req.Greeting), Rules: []string{}}
	if p.Name == "" || utf8.RuneCountInString(p.Name) > 100 {
		return p, errs.Field("name", "name must be 1 to 100 characters")
	}
	if p.Tone == "" {
		p.Tone = "friendly"
	}
	if !contains(personaTones, p.Tone) {
		return p, errs.Field("tone", "tone must be one of %s", strings.Join(personaTones, ", "))
	}
	if p.Language == "" {
		p.Language = "en"
	}
	if !languageTag.MatchString(p.Language) {
		return p, errs.Field("language", "language must be a language tag like en or pt-BR")
	}
	if utf8.RuneCountInString(p.Greeting) > 500 {
		return p, errs.Field("greeting", "greeting must be at most 500 characters")
	}
	if len(req.Rules) > 50 {
		return p, errs.Field("rules", "at most 50 rules")
	}
	for _, r := range req.Rules {
		r = strings.TrimSpace(r)
		if r == "" || utf8.RuneCountInString(r) > 300 {
			return p, errs.Field("rules", "each rule must be 1 to 300 characters")
		}
		p.Rules = append(p.Rules, r)
	}
	return p, nil
}

// configRow loads a configuration document; found is false before the first edit.
func (s *Server) configRow(c *gin.Context, agentID, kind string) (models.AgentConfig, bool, error) {
	row, err := s.Store.AgentConfigOf(c, agentID, kind)
	if errs.Is(err, errs.NotFound) {
		return row, false, nil
	}
	return row, err == nil, err
}

// replaceConfig stores v as the next version of a document if it is still at ifVersion.
func (s *Server) replaceConfig(c *gin.Context, agentID, kind string, v any, ifVersion int64) error {
	data, err := models.EncodeConfig(v)
	if err != nil {
		return err
	}
	// Versions are clock-based so they order with the push versions syncAgent draws.
	row := models.AgentConfig{AgentID: agentID, Kind: kind, Version: time.Now().UnixNano(), Data: data, UpdatedBy: mustUser(c).ID}
	return s.Store.ReplaceAgentConfig(c, &row, ifVersion)
}

func toSyncDTO(row models.AgentConfig, found bool) SyncDTO {
	if !found {
		return SyncDTO{State: "default"}
	}
	return SyncDTO{State: string(row.SyncState), Error: row.SyncError, SyncedVersion: row.SyncedVersion}
}

func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// ifMatch reads the version an edit replaces from If-Match: required (428)
// so no edit silently overwrites another, and well-formed.
func ifMatch(c *gin.Context) (int64, error) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" {
		return 0, errs.New(errs.PreconditionNeeded, "send If-Match with the ETag from GET, so your edit cannot overwrite someone else's")
	}
	h = strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	v, err := strconv.ParseInt(h, 10, 64)
	if err != nil || v < 0 {
		return 0, errs.New(errs.PreconditionFailed, "If-Match does not name a version of this document: GET it for the current ETag")
	}
	return v, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
