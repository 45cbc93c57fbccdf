package models

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/cmp-platform/cmp/internal/errs"
)

// Kinds of versioned agent configuration documents.
const (
	ConfigPersona   = "persona"
	ConfigBranding  = "branding"
	ConfigKnowledge = "knowledge"
	ConfigWidget    = "widget"
)

// SyncState says whether Site-Kit has a configuration item: pending → synced | failed.
type SyncState string

// Sync states.
const (
	SyncPending SyncState = "pending"
	SyncSynced  SyncState = "synced"
	SyncFailed  SyncState = "failed"
)

// AgentConfig is one versioned configuration document of an agent. Version is
// its ETag: an edit must name the version it replaces.
type AgentConfig struct {
	AgentID       string `gorm:"primaryKey"`
	Kind          string `gorm:"primaryKey"`
	Version       int64
	Data          JSON[json.RawMessage]
	SyncState     SyncState
	SyncError     string
	SyncedVersion int64
	UpdatedBy     string
	UpdatedAt     time.Time
}

// AgentConfigOf loads one configuration document (not_found when never set).
func (s *Store) AgentConfigOf(ctx context.Context, agentID, kind string) (AgentConfig, error) {
	var c AgentConfig
	err := s.WithContext(ctx).Take(&c, "agent_id = ? AND kind = ?", agentID, kind).Error
	return c, notFound(err, kind)
}

// ReplaceAgentConfig stores data as the new version of a document if the
// stored version is still ifVersion (0: never set). Anything else is a
// precondition failure, so two concurrent editors never overwrite each other.
func (s *Store) ReplaceAgentConfig(ctx context.Context, c *AgentConfig, ifVersion int64) error {
	c.SyncState, c.SyncError, c.UpdatedAt = SyncPending, "", Now()
	if c.Version <= ifVersion {
		c.Version = ifVersion + 1
	}
	db := s.WithContext(ctx)
	var res *gorm.DB
	if ifVersion == 0 {
		res = db.Clauses(clause.OnConflict{DoNothing: true}).Create(c)
	} else {
		res = db.Model(&AgentConfig{}).Where("agent_id = ? AND kind = ? AND version = ?", c.AgentID, c.Kind, ifVersion).
			Updates(map[string]any{"version": c.Version, "data": c.Data, "sync_state": c.SyncState, "sync_error": "",
				"updated_by": c.UpdatedBy, "updated_at": c.UpdatedAt})
	}
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errs.New(errs.PreconditionFailed, "the %s was changed since you read it: GET it again and reapply your edit", c.Kind)
	}
	return nil
}

// TouchKnowledge bumps the knowledge document's version to version and marks
// it pending: called after every training edit, before the push.
func (s *Store) TouchKnowledge(ctx context.Context, agentID, userID string, version int64) error {
	c := AgentConfig{AgentID: agentID, Kind: ConfigKnowledge, Version: version, Data: NewJSON(json.RawMessage(`{}`)),
		SyncState: SyncPending, UpdatedBy: userID, UpdatedAt: Now()}
	return s.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "agent_id"}, {Name: "kind"}},
		DoUpdates: clause.Assignments(map[string]any{"version": version, "sync_state": SyncPending, "sync_error": "", "updated_by": userID, "updated_at": c.UpdatedAt}),
	}).Create(&c).Error
}

// MarkConfigSynced records that Site-Kit applied the document read at version.
func (s *Store) MarkConfigSynced(ctx context.Context, agentID, kind string, version, pushed int64) error {
	return s.WithContext(ctx).Model(&AgentConfig{}).Where("agent_id = ? AND kind = ? AND version <= ?", agentID, kind, version).
		Updates(map[string]any{"sync_state": SyncSynced, "sync_error": "", "synced_version": pushed}).Error
}

// MarkConfigFailed records that a push at pushed (or earlier edits) gave up.
func (s *Store) MarkConfigFailed(ctx context.Context, agentID, kind string, pushed int64, reason string) error {
	return s.WithContext(ctx).Model(&AgentConfig{}).
		Where("agent_id = ? AND kind = ? AND version <= ? AND sync_state = ?", agentID, kind, pushed, SyncPending).
		Updates(map[string]any{"sync_state": SyncFailed, "sync_error": reason}).Error
}

// Persona is the agent's personality as the buyer set it.
type Persona struct {
	Name     string   `json:"name"`
	Tone     string   `json:"tone"`
	Language string   `json:"language"`
	Greeting string   `json:"greeting"`
	Rules    []string `json:"rules"`
}

// Branding is the widget's look as the buyer set it.
type Branding struct {
	PrimaryColor   string `json:"primary_color"`
	AccentColor    string `json:"accent_color"`
	LogoURL        string `json:"logo_url"`
	WelcomeMessage string `json:"welcome_message"`
	Position       string `json:"position"`
}

// WidgetSettings are the embed's publishable key and appearance. The key is
// publishable: it is printed into every page that embeds the widget, grants
// only widget chat from the allowed origins, and so is kept readable.
type WidgetSettings struct {
	KeyID          string   `json:"key_id"`
	Key            string   `json:"key"`
	AllowedOrigins []string `json:"allowed_origins"`
	ButtonLabel    string   `json:"button_label"`
	Theme          string   `json:"theme"`
	OpenOnLoad     bool     `json:"open_on_load"`
}

// DefaultPersona is what an agent says before its buyer sets a persona.
func DefaultPersona(agentName string) Persona {
	return Persona{Name: agentName, Tone: "friendly", Language: "en", Rules: []string{}}
}

// DefaultBranding is the widget's look before its buyer sets one.
func DefaultBranding() Branding {
	return Branding{PrimaryColor: "#4f46e5", AccentColor: "#f59e0b", WelcomeMessage: "Hi! How can I help you today?", Position: "bottom-right"}
}

// Decode reads the document into v.
func (c AgentConfig) Decode(v any) error {
	if len(c.Data.V) == 0 {
		return nil
	}
	return json.Unmarshal(c.Data.V, v)
}

// EncodeConfig turns a typed document into a row's data.
func EncodeConfig(v any) (JSON[json.RawMessage], error) {
	b, err := json.Marshal(v)
	return NewJSON(json.RawMessage(b)), err
}

// ActiveKeyByHash finds an agent's usable key by the hash of its full value.
func (s *Store) ActiveKeyByHash(ctx context.Context, agentID, hash string, now time.Time) (APIKey, error) {
	var k APIKey
	err := s.WithContext(ctx).Take(&k, "agent_id = ? AND hash = ? AND revoked_at IS NULL", agentID, hash).Error
	if err == nil && !k.Active(now) {
		err = gorm.ErrRecordNotFound
	}
	return k, notFound(err, "key")
}

// SetKeyOrigins replaces the origins a key may be used from.
func (s *Store) SetKeyOrigins(ctx context.Context, keyID string, origins []string) error {
	return s.WithContext(ctx).Model(&APIKey{}).Where("id = ?", keyID).Update("allowed_origins", NewJSON(origins)).Error
}
