// Package sitekit is CMP's side of Site-Kit, the runtime bought agents are
// provisioned to: the HTTP contract's wire types, a Client that CMP's
// activities use, heartbeat signing shared by both ends, and Runtime, an
// embedded reference runtime that `cmpd dev` serves so the whole journey
// (buy, configure, use) works on one machine. The contract is written down in
// docs/sitekit.md; the types in this file are its single source of truth.
package sitekit

import "time"

// Defaults for a local runtime, shared by `cmpd dev` and the client config.
const (
	DefaultAddr              = "127.0.0.1:8090"
	DefaultBaseURL           = "http://" + DefaultAddr
	DefaultHeartbeatInterval = 15 * time.Second
)

// Deployment statuses. A suspended deployment keeps its configuration but
// refuses MCP and widget traffic until it is resumed.
const (
	StatusRunning   = "running"
	StatusSuspended = "suspended"
)

// Key scopes: a buyer key may open the MCP endpoint, the widget chat, or both.
const (
	ScopeMCP    = "mcp"
	ScopeWidget = "widget"
)

// HTTP headers of the contract, named once so both ends agree.
const (
	HeaderTimestamp = "X-SiteKit-Timestamp"
	HeaderSignature = "X-SiteKit-Signature"
	HeaderWidgetKey = "X-Widget-Key"
)

// Usage units reported in heartbeats; CMP maps them to plan components.
const (
	UsageMCPToolCalls   = "mcp_tool_calls"
	UsageWidgetMessages = "widget_messages"
)

// CreateDeploymentRequest provisions one bought agent. ID is CMP's agent ID
// and makes the call idempotent: repeating it returns the existing deployment.
type CreateDeploymentRequest struct {
	ID              string           `json:"id"`
	AgentName       string           `json:"agent_name"`
	Package         string           `json:"package"`
	OfferingSlug    string           `json:"offering_slug"`
	Plan            string           `json:"plan"`
	Limits          map[string]int64 `json:"limits,omitempty"`
	Persona         Persona          `json:"persona"`
	Branding        Branding         `json:"branding"`
	HeartbeatURL    string           `json:"heartbeat_url,omitempty"`
	HeartbeatSecret string           `json:"heartbeat_secret,omitempty"`
}

// Deployment is the runtime's view of a provisioned agent.
type Deployment struct {
	ID           string    `json:"id"`
	Status       string    `json:"status"`
	MCPURL       string    `json:"mcp_url"`
	CreatedAt    time.Time `json:"created_at"`
	AgentName    string    `json:"agent_name,omitempty"`
	Package      string    `json:"package,omitempty"`
	OfferingSlug string    `json:"offering_slug,omitempty"`
	Plan         string    `json:"plan,omitempty"`
	// Limits are the plan's limits as last set (at creation or by PUT plan).
	Limits   map[string]int64 `json:"limits,omitempty"`
	Versions Versions         `json:"versions"`
}

// Versions reports which version of each configuration document is applied,
// so CMP can tell whether its latest edit has landed.
type Versions struct {
	Persona   int64 `json:"persona"`
	Branding  int64 `json:"branding"`
	Knowledge int64 `json:"knowledge"`
	Keys      int64 `json:"keys"`
	// Plan is the version of the last applied PUT plan (0: as created).
	Plan int64 `json:"plan"`
}

// Persona is the agent's personality. Like every PUT document it is a full
// replacement, and a lower Version than the stored one is ignored.
type Persona struct {
	Version  int64    `json:"version"`
	Name     string   `json:"name"`
	Tone     string   `json:"tone"`
	Language string   `json:"language"`
	Greeting string   `json:"greeting"`
	Rules    []string `json:"rules"`
}

// Branding is the widget's look.
type Branding struct {
	Version        int64  `json:"version"`
	PrimaryColor   string `json:"primary_color"`
	AccentColor    string `json:"accent_color"`
	LogoURL        string `json:"logo_url"`
	WelcomeMessage string `json:"welcome_message"`
	Position       string `json:"position"`
}

// Plan is the subscribed plan's name and limits, sent when a plan change takes
// effect (an upgrade at once, a downgrade at renewal). Limits replace the
// stored ones in full.
type Plan struct {
	Version int64            `json:"version"`
	Plan    string           `json:"plan"`
	Limits  map[string]int64 `json:"limits"`
}

// Knowledge is what the buyer trained the agent with.
type Knowledge struct {
	Version   int64      `json:"version"`
	QA        []QAPair   `json:"qa"`
	Documents []Document `json:"documents"`
	Topics    []string   `json:"topics"`
}

// QAPair is one trained question and its answer.
type QAPair struct {
	ID       string `json:"id"`
	Question string `json:"question"`
	Answer   string `json:"answer"`
	Topic    string `json:"topic"`
}

// Document is an uploaded document, already reduced to text by CMP.
type Document struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Text        string `json:"text"`
}

// KeySet is the full set of buyer API keys a deployment accepts. The runtime
// never sees a key itself, only its hash.
type KeySet struct {
	Version int64 `json:"version"`
	Keys    []Key `json:"keys"`
}

// Key describes one buyer API key. Hash is the hex SHA-256 of the full key
// (see HashKey); ExpiresAt is RFC 3339 or empty for no expiry; an empty
// AllowedOrigins lets the widget run on any site.
type Key struct {
	ID             string   `json:"id"`
	Prefix         string   `json:"prefix"`
	Hash           string   `json:"hash"`
	Scopes         []string `json:"scopes"`
	ExpiresAt      string   `json:"expires_at"`
	AllowedOrigins []string `json:"allowed_origins,omitempty"`
}

// PutResult answers every configuration PUT. Applied is false when the sent
// version was older than the stored one, which then stays in place.
type PutResult struct {
	Version int64 `json:"version"`
	Applied bool  `json:"applied"`
}

// ValidatePackageRequest asks whether a package reference is deployable.
type ValidatePackageRequest struct {
	Package string `json:"package"`
}

// Validation answers ValidatePackageRequest; Reason explains a refusal.
type Validation struct {
	Valid  bool   `json:"valid"`
	Reason string `json:"reason"`
}

// KeyUsage maps a key ID to when the runtime last accepted that key.
type KeyUsage map[string]time.Time

// ChatRequest is one widget message.
type ChatRequest struct {
	Message string `json:"message"`
}

// ChatReply is the agent's answer to a widget message.
type ChatReply struct {
	Reply       string `json:"reply"`
	PersonaName string `json:"persona_name"`
}

// Heartbeat is what the runtime POSTs to a deployment's heartbeat URL.
// Usage quantities are cumulative since the deployment was created, so a lost
// or repeated heartbeat never loses or double-counts usage; the *SinceLast
// fields cover the time since the last heartbeat CMP acknowledged with a 2xx.
type Heartbeat struct {
	DeploymentID      string           `json:"deployment_id"`
	Status            string           `json:"status"`
	SentAt            time.Time        `json:"sent_at"`
	UptimeSeconds     int64            `json:"uptime_seconds"`
	RequestsTotal     int64            `json:"requests_total"`
	RequestsSinceLast int64            `json:"requests_since_last"`
	ErrorsSinceLast   int64            `json:"errors_since_last"`
	P95LatencyMS      float64          `json:"p95_latency_ms"`
	Usage             map[string]int64 `json:"usage"`
}
