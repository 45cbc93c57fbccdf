package sitekit

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// hexColor accepts the #RGB and #RRGGBB forms a colour picker produces.
var hexColor = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// Size limits keep one deployment from exhausting the runtime's memory.
const (
	maxQAPairs   = 5000
	maxDocuments = 500
	maxRules     = 50
	maxLimits    = 50
)

// putVersioned applies a full-replacement document unless CMP already sent
// a newer one: version < stored is ignored (200, stored version kept), so an
// out-of-order retry never rolls a buyer's edit back.
func (rt *Runtime) putVersioned(w http.ResponseWriter, r *http.Request, version int64,
	stored func(*deployment) int64, apply func(*deployment)) error {
	if version < 0 {
		return newError(CodeInvalid, "version must not be negative")
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	d, err := rt.lookupLocked(r.PathValue("id"))
	if err != nil {
		return err
	}
	res := PutResult{Version: stored(d)}
	if version >= res.Version {
		apply(d)
		rt.dirty = true
		res = PutResult{Version: version, Applied: true}
	}
	if err := rt.saveLocked(); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (rt *Runtime) putPersona(w http.ResponseWriter, r *http.Request) error {
	var p Persona
	if err := decodeJSON(w, r, &p); err != nil {
		return err
	}
	if err := validatePersona(p); err != nil {
		return err
	}
	return rt.putVersioned(w, r, p.Version,
		func(d *deployment) int64 { return d.Persona.Version },
		func(d *deployment) {
			d.Persona = p
			// The MCP server's instructions quote the persona; rebuild it.
			delete(rt.servers, d.ID)
		})
}

func (rt *Runtime) putBranding(w http.ResponseWriter, r *http.Request) error {
	var b Branding
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	if err := validateBranding(b); err != nil {
		return err
	}
	return rt.putVersioned(w, r, b.Version,
		func(d *deployment) int64 { return d.Branding.Version },
		func(d *deployment) { d.Branding = b })
}

func (rt *Runtime) putKnowledge(w http.ResponseWriter, r *http.Request) error {
	var k Knowledge
	if err := decodeJSON(w, r, &k); err != nil {
		return err
	}
	if err := validateKnowledge(k); err != nil {
		return err
	}
	// Index outside the lock: it is the expensive part and depends only on k.
	index := buildIndex(k)
	return rt.putVersioned(w, r, k.Version,
		func(d *deployment) int64 { return d.Knowledge.Version },
		func(d *deployment) { d.Knowledge, d.index = k, index })
}

func (rt *Runtime) putKeys(w http.ResponseWriter, r *http.Request) error {
	var ks KeySet
	if err := decodeJSON(w, r, &ks); err != nil {
		return err
	}
	active, err := parseKeySet(ks)
	if err != nil {
		return err
	}
	return rt.putVersioned(w, r, ks.Version,
		func(d *deployment) int64 { return d.Keys.Version },
		func(d *deployment) { d.Keys, d.keys = ks, active })
}

// putPlan records a plan change: the name the MCP profile reports and the
// limits, under the same "lower version ignored" rule as the documents.
func (rt *Runtime) putPlan(w http.ResponseWriter, r *http.Request) error {
	var p Plan
	if err := decodeJSON(w, r, &p); err != nil {
		return err
	}
	if err := validatePlan(p); err != nil {
		return err
	}
	limits := make(map[string]int64, len(p.Limits))
	for k, v := range p.Limits {
		limits[k] = v
	}
	return rt.putVersioned(w, r, p.Version,
		func(d *deployment) int64 { return d.PlanVersion },
		func(d *deployment) {
			d.Plan, d.Limits, d.PlanVersion = p.Plan, limits, p.Version
			// get_profile quotes the plan; rebuild the MCP server.
			delete(rt.servers, d.ID)
		})
}

func validatePlan(p Plan) error {
	if strings.TrimSpace(p.Plan) == "" || len(p.Plan) > 100 {
		return newError(CodeInvalid, "plan must be 1 to 100 characters")
	}
	if len(p.Limits) > maxLimits {
		return newError(CodeInvalid, "a plan may have at most %d limits", maxLimits)
	}
	for k, v := range p.Limits {
		if k == "" || v < 0 {
			return newError(CodeInvalid, "limits must be named and not negative")
		}
	}
	return nil
}

func validatePersona(p Persona) error {
	if len(p.Name) > 100 {
		return newError(CodeInvalid, "persona name must be at most 100 characters")
	}
	if len(p.Rules) > maxRules {
		return newError(CodeInvalid, "persona may have at most %d rules", maxRules)
	}
	return nil
}

func validateBranding(b Branding) error {
	for _, c := range []struct{ field, value string }{
		{"primary_color", b.PrimaryColor}, {"accent_color", b.AccentColor},
	} {
		if c.value != "" && !hexColor.MatchString(c.value) {
			return newError(CodeInvalid, "%s must be a hex colour like #1a2b3c", c.field)
		}
	}
	if b.LogoURL != "" {
		u, err := url.Parse(b.LogoURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return newError(CodeInvalid, "logo_url must be an absolute http(s) URL")
		}
	}
	return nil
}

func validateKnowledge(k Knowledge) error {
	if len(k.QA) > maxQAPairs {
		return newError(CodeInvalid, "knowledge may have at most %d Q&A pairs", maxQAPairs)
	}
	if len(k.Documents) > maxDocuments {
		return newError(CodeInvalid, "knowledge may have at most %d documents", maxDocuments)
	}
	for i, qa := range k.QA {
		if strings.TrimSpace(qa.Question) == "" || strings.TrimSpace(qa.Answer) == "" {
			return newError(CodeInvalid, "qa[%d] needs both a question and an answer", i)
		}
	}
	return nil
}
