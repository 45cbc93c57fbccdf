package sitekit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// MCP tool names every deployment serves.
const (
	ToolAsk        = "ask"
	ToolGetProfile = "get_profile"
)

// codeSuspendedRPC is the JSON-RPC error code of a suspended deployment, in
// the implementation-defined server error range.
const codeSuspendedRPC = -32003

// AskInput is the ask tool's argument.
type AskInput struct {
	Question string `json:"question" jsonschema:"the buyer's question, in their own words"`
}

// AskOutput is the ask tool's structured output; the text content carries
// the same answer prefixed with the persona's name.
type AskOutput struct {
	Answer      string `json:"answer"`
	PersonaName string `json:"persona_name"`
	Source      string `json:"source" jsonschema:"qa, document, greeting or fallback"`
	MatchID     string `json:"match_id,omitempty" jsonschema:"ID of the Q&A pair or document answered from"`
}

// ProfileInput is get_profile's (empty) argument.
type ProfileInput struct{}

// deploymentKey carries the deployment ID from serveMCP to mcpServerFor.
type deploymentKey struct{}

// serveMCP authenticates a buyer key, refuses a suspended deployment, and
// hands the request to the SDK's streamable handler. Every POST carries the
// key, so a revoked key or a suspension takes effect on the next request.
func (rt *Runtime) serveMCP(w http.ResponseWriter, r *http.Request) {
	id, now := r.PathValue("id"), time.Now()
	rt.mu.Lock()
	d, err := rt.lookupLocked(id)
	if err != nil {
		rt.mu.Unlock()
		rt.writeError(w, r, err)
		return
	}
	key, ok := d.authorizeLocked(bearerToken(r), ScopeMCP, now)
	if !ok {
		rt.mu.Unlock()
		rt.writeError(w, r, newError(CodeUnauthorized, "a valid API key with scope mcp is required"))
		return
	}
	suspended := d.Status == StatusSuspended
	d.KeyUsage[key.id] = now.UTC()
	rt.usageDirty = true
	rt.mu.Unlock()

	if suspended {
		writeSuspendedRPC(w, r)
		return
	}
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	rt.mcp.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), deploymentKey{}, id)))
	rt.recordRequest(id, sw.status, time.Since(now))
}

// writeSuspendedRPC answers 403 with a JSON-RPC error echoing the request's
// id, so MCP clients (the go-sdk among them) surface the reason to the user.
func writeSuspendedRPC(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID json.RawMessage `json:"id"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if json.Unmarshal(body, &req) != nil || len(req.ID) == 0 {
		req.ID = json.RawMessage("null")
	}
	writeJSON(w, http.StatusForbidden, map[string]any{
		"jsonrpc": "2.0",
		"id":      req.ID,
		"error": map[string]any{
			"code":    codeSuspendedRPC,
			"message": "this agent is suspended",
			"data":    map[string]string{"code": CodeSuspended},
		},
	})
}

// mcpServerFor is the SDK's getServer hook. Servers are cached per
// deployment and dropped when the persona changes or the deployment goes.
func (rt *Runtime) mcpServerFor(r *http.Request) *mcp.Server {
	id, _ := r.Context().Value(deploymentKey{}).(string)
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if s, ok := rt.servers[id]; ok {
		return s
	}
	d, ok := rt.deployments[id]
	if !ok {
		return nil // the SDK answers 400
	}
	s := rt.newMCPServer(d)
	rt.servers[id] = s
	return s
}

// newMCPServer builds one deployment's server. Tool handlers read the
// deployment on every call, so knowledge edits apply without a rebuild.
func (rt *Runtime) newMCPServer(d *deployment) *mcp.Server {
	id, name := d.ID, d.personaName()
	ref, _ := ParsePackageRef(d.Package)
	s := mcp.NewServer(&mcp.Implementation{Name: "sitekit-" + ref.Name, Title: name, Version: ref.Version},
		&mcp.ServerOptions{
			Instructions: fmt.Sprintf("You are talking to %s. Use %s for questions and %s to learn who %s is.",
				name, ToolAsk, ToolGetProfile, name),
			// An empty set stops the SDK advertising logging; tools are inferred.
			Capabilities: &mcp.ServerCapabilities{},
			SchemaCache:  rt.schemas,
			Logger:       rt.log,
		})
	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolAsk,
		Description: fmt.Sprintf("Ask %s a question; answers come from the knowledge this agent was trained with.", name),
	}, func(_ context.Context, _ *mcp.CallToolRequest, in AskInput) (*mcp.CallToolResult, AskOutput, error) {
		rep, err := rt.respond(id, in.Question, UsageMCPToolCalls)
		if err != nil {
			return nil, AskOutput{}, err
		}
		out := AskOutput{Answer: rep.text, PersonaName: rep.personaName, Source: rep.source, MatchID: rep.matchID}
		return textResult(rep.personaName + ": " + rep.text), out, nil
	})
	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolGetProfile,
		Description: "Who this agent is: persona, greeting, tone, language, offering, plan and knowledge version.",
	}, func(_ context.Context, _ *mcp.CallToolRequest, _ ProfileInput) (*mcp.CallToolResult, Profile, error) {
		p, err := rt.profile(id, UsageMCPToolCalls)
		if err != nil {
			return nil, Profile{}, err
		}
		text := fmt.Sprintf("I'm %s (tone: %s, language: %s), serving %s on the %s plan; knowledge version %d.",
			p.PersonaName, orDash(p.Tone), orDash(p.Language), orDash(p.Offering), orDash(p.Plan), p.KnowledgeVersion)
		if p.Greeting != "" {
			text += " Greeting: " + p.Greeting
		}
		return textResult(text), p, nil
	})
	return s
}

func textResult(text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// statusWriter records the status for metrics. Unwrap keeps
// http.ResponseController (which the SDK uses) working through it.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
