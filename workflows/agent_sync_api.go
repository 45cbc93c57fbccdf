package workflows

import "strconv"

// AgentSyncWorkflowName is the registered name of AgentSync.
const AgentSyncWorkflowName = "AgentSync"

// What an AgentSync pushes to Site-Kit.
const (
	SyncKeys      = "keys"
	SyncPersona   = "persona"
	SyncBranding  = "branding"
	SyncKnowledge = "knowledge"
)

// AgentSyncWorkflowID names one push of one kind of configuration at one version,
// so a retried API call reuses the push instead of starting a second one.
func AgentSyncWorkflowID(agentID, what string, version int64) string {
	return "agent-sync-" + agentID + "-" + what + "-" + strconv.FormatInt(version, 10)
}

// AgentSyncInput says which configuration of which agent to push.
type AgentSyncInput struct {
	AgentID string
	What    string
	// Version orders pushes: Site-Kit ignores one older than what it holds, so a
	// late retry never rolls the agent back.
	Version int64
}

// AgentSyncResult reports the pushed version.
type AgentSyncResult struct {
	Version int64
}
