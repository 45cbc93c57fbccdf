package sitekit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// snapshotVersion is bumped whenever the snapshot layout changes.
const snapshotVersion = 1

// deployment is one provisioned agent. Exported fields are persisted in the
// snapshot; the rest are rebuilt on load or live only in memory. Every access
// happens under Runtime.mu.
type deployment struct {
	ID              string               `json:"id"`
	AgentName       string               `json:"agent_name"`
	Package         string               `json:"package"`
	OfferingSlug    string               `json:"offering_slug"`
	Plan            string               `json:"plan"`
	Limits          map[string]int64     `json:"limits,omitempty"`
	PlanVersion     int64                `json:"plan_version,omitempty"`
	HeartbeatURL    string               `json:"heartbeat_url,omitempty"`
	HeartbeatSecret string               `json:"heartbeat_secret,omitempty"`
	Status          string               `json:"status"`
	CreatedAt       time.Time            `json:"created_at"`
	Persona         Persona              `json:"persona"`
	Branding        Branding             `json:"branding"`
	Knowledge       Knowledge            `json:"knowledge"`
	Keys            KeySet               `json:"keys"`
	KeyUsage        map[string]time.Time `json:"key_usage,omitempty"`
	RequestsTotal   int64                `json:"requests_total"`
	Usage           map[string]int64     `json:"usage,omitempty"`

	index   *knowledgeIndex      // built from Knowledge; immutable once built
	keys    map[string]activeKey // by hash, built from Keys
	metrics windowMetrics        // since the last acknowledged heartbeat
}

// newDeployment turns a validated create request into a running deployment.
func newDeployment(req CreateDeploymentRequest, now time.Time) *deployment {
	d := &deployment{
		ID:              req.ID,
		AgentName:       req.AgentName,
		Package:         req.Package,
		OfferingSlug:    req.OfferingSlug,
		Plan:            req.Plan,
		Limits:          req.Limits,
		HeartbeatURL:    req.HeartbeatURL,
		HeartbeatSecret: req.HeartbeatSecret,
		Status:          StatusRunning,
		CreatedAt:       now.UTC(),
		Persona:         req.Persona,
		Branding:        req.Branding,
	}
	d.rebuild()
	return d
}

// rebuild derives the in-memory indexes from the persisted fields. Keys were
// validated before they were stored, so a parse failure here means a
// hand-edited snapshot; such keys are dropped rather than trusted.
func (d *deployment) rebuild() {
	d.index = buildIndex(d.Knowledge)
	d.keys, _ = parseKeySet(d.Keys)
	if d.KeyUsage == nil {
		d.KeyUsage = make(map[string]time.Time)
	}
	if d.Usage == nil {
		d.Usage = make(map[string]int64)
	}
}

// personaName is the name the agent introduces itself with.
func (d *deployment) personaName() string {
	switch {
	case strings.TrimSpace(d.Persona.Name) != "":
		return strings.TrimSpace(d.Persona.Name)
	case strings.TrimSpace(d.AgentName) != "":
		return strings.TrimSpace(d.AgentName)
	}
	return "Assistant"
}

// toAPIDeployment converts stored state to the contract's Deployment.
func (rt *Runtime) toAPIDeployment(d *deployment) Deployment {
	return Deployment{
		ID:           d.ID,
		Status:       d.Status,
		MCPURL:       rt.baseURL + "/mcp/" + d.ID,
		CreatedAt:    d.CreatedAt,
		AgentName:    d.AgentName,
		Package:      d.Package,
		OfferingSlug: d.OfferingSlug,
		Plan:         d.Plan,
		Limits:       d.Limits,
		Versions: Versions{
			Persona:   d.Persona.Version,
			Branding:  d.Branding.Version,
			Knowledge: d.Knowledge.Version,
			Keys:      d.Keys.Version,
			Plan:      d.PlanVersion,
		},
	}
}

// snapshot is the on-disk form of the runtime's state.
type snapshot struct {
	Version     int           `json:"version"`
	Deployments []*deployment `json:"deployments"`
}

// loadSnapshot reads the state file; a missing file is an empty runtime.
func loadSnapshot(path string) (map[string]*deployment, error) {
	out := make(map[string]*deployment)
	if path == "" {
		return out, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sitekit: read state: %w", err)
	}
	var snap snapshot
	if err := json.Unmarshal(data, &snap); err != nil {
		return nil, fmt.Errorf("sitekit: parse state %s: %w", path, err)
	}
	if snap.Version != snapshotVersion {
		return nil, fmt.Errorf("sitekit: state %s has version %d, want %d", path, snap.Version, snapshotVersion)
	}
	for _, d := range snap.Deployments {
		d.rebuild()
		out[d.ID] = d
	}
	return out, nil
}

// saveLocked writes the state file if anything changed since the last write.
// It runs under Runtime.mu so snapshots land in the order changes happened.
// A failed write leaves the runtime dirty, so the next call (typically CMP's
// retry) tries again.
func (rt *Runtime) saveLocked() error {
	if rt.cfg.StatePath == "" || !rt.dirty {
		return nil
	}
	snap := snapshot{Version: snapshotVersion}
	for _, d := range rt.deployments {
		snap.Deployments = append(snap.Deployments, d)
	}
	slices.SortFunc(snap.Deployments, func(a, b *deployment) int { return strings.Compare(a.ID, b.ID) })
	data, err := json.MarshalIndent(snap, "", "  ")
	if err != nil {
		return fmt.Errorf("sitekit: encode state: %w", err)
	}
	if err := writeFileAtomic(rt.cfg.StatePath, data); err != nil {
		return err
	}
	rt.dirty, rt.usageDirty = false, false
	return nil
}

// writeFileAtomic replaces path with data via a synced temp file and a
// rename, so a crash leaves either the old snapshot or the new one. The file
// holds heartbeat secrets, hence 0600.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("sitekit: state dir: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".sitekit-state-*")
	if err != nil {
		return fmt.Errorf("sitekit: state temp file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("sitekit: write state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sitekit: sync state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("sitekit: close state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("sitekit: replace state: %w", err)
	}
	return nil
}
