package sitekit

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// maxChatRunes bounds one widget message.
const maxChatRunes = 4000

// chat answers a widget message with the same engine as the ask tool. A
// browser request (one with an Origin) must come from an origin the key
// allows; requests without an Origin are server-side, where the header would
// be trivially forged anyway.
func (rt *Runtime) chat(w http.ResponseWriter, r *http.Request) error {
	id, now := r.PathValue("id"), time.Now()
	var req ChatRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	msg := strings.TrimSpace(req.Message)
	if msg == "" || utf8.RuneCountInString(msg) > maxChatRunes {
		return newError(CodeInvalid, "message must be 1-%d characters", maxChatRunes)
	}

	rt.mu.Lock()
	d, err := rt.lookupLocked(id)
	if err != nil {
		rt.mu.Unlock()
		return err
	}
	key, ok := d.authorizeLocked(r.Header.Get(HeaderWidgetKey), ScopeWidget, now)
	if !ok {
		rt.mu.Unlock()
		return newError(CodeUnauthorized, "a valid widget key is required")
	}
	origin := r.Header.Get("Origin")
	if origin != "" && !key.allowsOrigin(origin) {
		rt.mu.Unlock()
		return newError(CodeOriginNotAllowed, "this widget key is not allowed on %s", origin)
	}
	suspended := d.Status == StatusSuspended
	d.KeyUsage[key.id] = now.UTC()
	rt.usageDirty = true
	rt.mu.Unlock()

	if origin != "" {
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Add("Vary", "Origin")
	}
	if suspended {
		return newError(CodeSuspended, "this agent is suspended")
	}
	rep, err := rt.respond(id, msg, UsageWidgetMessages)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ChatReply{Reply: rep.text, PersonaName: rep.personaName})
	rt.recordRequest(id, http.StatusOK, time.Since(now))
	return nil
}

// chatPreflight lets a browser send the widget's POST. A preflight carries
// no key, so it cannot be checked here; the POST itself enforces the key's
// allowed origins.
func chatPreflight(w http.ResponseWriter, r *http.Request) {
	if origin := r.Header.Get("Origin"); origin != "" {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Methods", "POST")
		h.Set("Access-Control-Allow-Headers", "Content-Type, "+HeaderWidgetKey)
		h.Set("Access-Control-Max-Age", "600")
		h.Add("Vary", "Origin")
	}
	w.WriteHeader(http.StatusNoContent)
}
