package workflows

import (
	"time"

	"github.com/cmp-platform/cmp/activities"
)

// AgentHealthWorkflowName is the registered name of AgentHealth.
const AgentHealthWorkflowName = "AgentHealth"

// SyncKeyUsage is the AgentSync kind that pulls key last-used times from Site-Kit.
const SyncKeyUsage = activities.SyncKeyUsage

// AgentHealthWorkflowID names the one sweeper per task queue (each CMP
// installation, and each test stack, has its own).
func AgentHealthWorkflowID(taskQueue string) string { return "agent-health-" + taskQueue }

// AgentHealthInput configures the sweep.
type AgentHealthInput struct {
	// Every is how often the sweep runs (the heartbeat interval, at least 1 s).
	Every time.Duration
	// StaleAfter is how long a running agent may go without a heartbeat
	// before it is degraded (3× the heartbeat interval).
	StaleAfter time.Duration
}

// HealthStaleFactor is how many heartbeat intervals an agent may miss.
const HealthStaleFactor = 3

// minStaleAfter keeps sub-second test intervals from degrading agents over
// scheduling jitter on a loaded machine.
const minStaleAfter = 3 * time.Second

// NewAgentHealthInput derives the sweep from the heartbeat interval.
func NewAgentHealthInput(heartbeat time.Duration) AgentHealthInput {
	return AgentHealthInput{Every: max(heartbeat, time.Second), StaleAfter: max(HealthStaleFactor*heartbeat, minStaleAfter)}
}
