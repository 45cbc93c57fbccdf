package api

import (
	"context"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/cmp-platform/cmp/workflows"
)

// syncWait bounds how long an edit waits for Site-Kit to confirm; past it the
// push goes on in its workflow and the edit still stands.
const syncWait = 3 * time.Second

// syncAgent pushes one kind of an agent's configuration to Site-Kit through the
// AgentSync workflow and waits briefly for it to land.
func (s *Server) syncAgent(ctx context.Context, agentID, what string) error {
	version := time.Now().UnixNano()
	run, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.AgentSyncWorkflowID(agentID, what, version), TaskQueue: s.taskQueue(),
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		Memo:                  map[string]any{"summary": "Push " + what + " of agent " + agentID + " to Site-Kit"},
	}, workflows.AgentSyncWorkflowName, workflows.AgentSyncInput{AgentID: agentID, What: what, Version: version})
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, syncWait)
	defer cancel()
	return run.Get(wctx, nil)
}
