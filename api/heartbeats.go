package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/internal/sitekit"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

// heartbeatTolerance is how far a heartbeat's signed timestamp may be from now.
const heartbeatTolerance = 5 * time.Minute

// keyUsageEvery bounds how often a busy agent's key last-used times are pulled.
const keyUsageEvery = 30 * time.Second

func (s *Server) routesHeartbeats(r *gin.RouterGroup) {
	s.handle(r, http.MethodPost, "/sitekit/heartbeats", doc{Summary: "Site-Kit heartbeat (HMAC-signed per deployment; stale or replayed ones are refused)",
		Tag: "sitekit", Access: accessSigned, Body: sitekit.Heartbeat{}, Status: http.StatusNoContent,
		Headers: []string{sitekit.HeaderTimestamp, sitekit.HeaderSignature}}, s.heartbeat)
}

var errBadHeartbeat = errs.New(errs.Unauthorized, "heartbeat signature is missing, stale or wrong").WithReason("invalid_signature")

func (s *Server) heartbeat(c *gin.Context) {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, 64<<10))
	if err != nil {
		fail(c, errs.New(errs.Invalid, "could not read the heartbeat"))
		return
	}
	var hb sitekit.Heartbeat
	if err := json.Unmarshal(body, &hb); err != nil || hb.DeploymentID == "" || hb.SentAt.IsZero() {
		fail(c, errs.New(errs.Invalid, "a heartbeat is JSON with deployment_id and sent_at"))
		return
	}
	agent, err := s.Store.AgentByID(c, hb.DeploymentID)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			err = errBadHeartbeat // an unknown deployment looks like a bad signature: IDs are not revealed
		}
		fail(c, err)
		return
	}
	now := time.Now()
	if err := sitekit.VerifyHeartbeat(agent.HeartbeatSecret, c.Request.Header, body, now, heartbeatTolerance); err != nil {
		s.Logger.Warn("heartbeat refused", "agent", agent.ID, "err", err)
		fail(c, errBadHeartbeat)
		return
	}
	if d := hb.SentAt.Sub(now); d > heartbeatTolerance || d < -heartbeatTolerance {
		fail(c, errBadHeartbeat)
		return
	}
	if err := validHeartbeat(hb); err != nil {
		fail(c, err)
		return
	}
	out, err := s.Store.RecordHeartbeat(c, models.HeartbeatReport{
		AgentID: agent.ID, SubscriptionID: agent.SubscriptionID, SentAt: hb.SentAt, RuntimeStatus: hb.Status,
		UptimeSeconds: hb.UptimeSeconds, RequestsTotal: hb.RequestsTotal, ErrorsSinceLast: hb.ErrorsSinceLast,
		P95LatencyMS: hb.P95LatencyMS, Usage: hb.Usage,
	})
	if err != nil {
		fail(c, err)
		return
	}
	if out.First || out.Recovered {
		s.ensureHealthSweep(c)
	}
	if out.Requests > 0 && (out.KeyUsagePulledAt == nil || now.Sub(*out.KeyUsagePulledAt) > keyUsageEvery) {
		s.pullKeyUsage(c, agent.ID, hb.SentAt.UnixNano())
	}
	c.Status(http.StatusNoContent)
}

// ensureHealthSweep starts the AgentHealth sweeper if it is not running. It is
// called on an agent's first heartbeat (and on recoveries), which is rare, and
// the workflow ID makes repeats converge on the one sweeper.
func (s *Server) ensureHealthSweep(ctx context.Context) {
	q := s.taskQueue()
	_, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.AgentHealthWorkflowID(q), TaskQueue: q,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		Memo:                     map[string]any{"summary": "Degrade agents whose Site-Kit heartbeats stopped"},
	}, workflows.AgentHealthWorkflowName, workflows.NewAgentHealthInput(s.heartbeatInterval()))
	if err != nil {
		s.Logger.Warn("could not start the agent health sweep", "err", err)
	}
}

// pullKeyUsage refreshes the keys' last-used times through AgentSync without
// waiting; the heartbeat's send time names the pull, so a redelivery reuses it.
func (s *Server) pullKeyUsage(ctx context.Context, agentID string, version int64) {
	_, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.AgentSyncWorkflowID(agentID, workflows.SyncKeyUsage, version), TaskQueue: s.taskQueue(),
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		Memo:                     map[string]any{"summary": "Pull key last-used times of agent " + agentID + " from Site-Kit"},
	}, workflows.AgentSyncWorkflowName, workflows.AgentSyncInput{AgentID: agentID, What: workflows.SyncKeyUsage, Version: version})
	if err != nil {
		s.Logger.Warn("could not pull key usage", "agent", agentID, "err", err)
	}
}

// maxHeartbeatUnits bounds the usage units one heartbeat may report.
const maxHeartbeatUnits = 32

// validHeartbeat refuses counters that cannot be true: a negative cumulative
// counter would be booked as negative usage and lower the buyer's bill.
func validHeartbeat(hb sitekit.Heartbeat) error {
	if hb.UptimeSeconds < 0 || hb.RequestsTotal < 0 || hb.RequestsSinceLast < 0 || hb.ErrorsSinceLast < 0 || hb.P95LatencyMS < 0 {
		return errs.New(errs.Invalid, "heartbeat counters cannot be negative").WithReason("invalid_heartbeat")
	}
	if len(hb.Usage) > maxHeartbeatUnits {
		return errs.New(errs.Invalid, "a heartbeat reports at most %d usage units", maxHeartbeatUnits).WithReason("invalid_heartbeat")
	}
	for unit, n := range hb.Usage {
		if unit == "" || len(unit) > 64 || n < 0 {
			return errs.New(errs.Invalid, "usage units need a name of at most 64 bytes and a non-negative total").WithReason("invalid_heartbeat")
		}
	}
	return nil
}

func (s *Server) heartbeatInterval() time.Duration {
	if s.Config.SiteKitHeartbeat > 0 {
		return s.Config.SiteKitHeartbeat
	}
	return sitekit.DefaultHeartbeatInterval
}
