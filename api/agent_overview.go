package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/internal/sitekit"
	"github.com/cmp-platform/cmp/models"
)

// DayMetricsDTO is one UTC day of an agent's traffic.
type DayMetricsDTO struct {
	Day          string  `json:"day"`
	Requests     int64   `json:"requests"`
	Errors       int64   `json:"errors"`
	P95LatencyMS float64 `json:"p95_latency_ms"`
}

// UsageDTO is one usage component of the plan against its included amount.
type UsageDTO struct {
	Name     string `json:"name"`
	Unit     string `json:"unit"`
	Used     int64  `json:"used"`
	Included int64  `json:"included"`
}

// OverviewDTO is the Overview tab: status, heartbeat, traffic and usage.
type OverviewDTO struct {
	Agent                    AgentDTO            `json:"agent"`
	Status                   string              `json:"status"`
	StatusReason             string              `json:"status_reason,omitempty"`
	LastHeartbeatAt          *time.Time          `json:"last_heartbeat_at,omitempty"`
	HeartbeatIntervalSeconds float64             `json:"heartbeat_interval_seconds"`
	RuntimeStatus            string              `json:"runtime_status,omitempty"`
	UptimeSeconds            int64               `json:"uptime_seconds"`
	RequestsToday            int64               `json:"requests_today"`
	P95LatencyMS             float64             `json:"p95_latency_ms"`
	RequestsPerDay           []DayMetricsDTO     `json:"requests_per_day"`
	PeriodStart              *time.Time          `json:"period_start,omitempty"`
	PeriodEnd                *time.Time          `json:"period_end,omitempty"`
	Usage                    []UsageDTO          `json:"usage"`
	Limits                   map[string]LimitDTO `json:"limits"`
	Configuration            map[string]SyncDTO  `json:"configuration"`
}

// overviewDays is how many days of traffic the Overview charts.
const overviewDays = 7

func (s *Server) routesOverview(r *gin.RouterGroup) {
	s.handle(r, http.MethodGet, "/agents/:id/overview", doc{Summary: "Overview: status, last heartbeat, uptime, requests per day, p95 latency, usage against the plan",
		Tag: "configure", Access: accessUser, Response: OverviewDTO{}}, s.overview)
}

func (s *Server) overview(c *gin.Context) {
	agent, _, err := s.agentAccess(c, false)
	if err != nil {
		fail(c, err)
		return
	}
	now := time.Now().UTC()
	out := OverviewDTO{Agent: toAgentDTO(agent), Status: string(agent.Status), StatusReason: agent.StatusReason,
		LastHeartbeatAt: agent.LastHeartbeatAt, HeartbeatIntervalSeconds: s.heartbeatInterval().Seconds(),
		Usage: []UsageDTO{}, Limits: map[string]LimitDTO{}, Configuration: map[string]SyncDTO{}}
	if hb, err := s.Store.HeartbeatOf(c, agent.ID); err == nil {
		out.RuntimeStatus, out.UptimeSeconds = hb.RuntimeStatus, hb.UptimeSeconds
	} else if !errs.Is(err, errs.NotFound) {
		fail(c, err)
		return
	}
	if err := s.fillTraffic(c, &out, agent.ID, now); err != nil {
		fail(c, err)
		return
	}
	if err := s.fillUsage(c, &out, agent, now); err != nil {
		fail(c, err)
		return
	}
	for _, kind := range []string{models.ConfigPersona, models.ConfigBranding, models.ConfigKnowledge} {
		row, found, err := s.configRow(c, agent.ID, kind)
		if err != nil {
			fail(c, err)
			return
		}
		out.Configuration[kind] = toSyncDTO(row, found)
	}
	c.JSON(http.StatusOK, out)
}

// fillTraffic charts the last days, zero-filled, from the daily metrics.
func (s *Server) fillTraffic(c *gin.Context, out *OverviewDTO, agentID string, now time.Time) error {
	first := now.AddDate(0, 0, -(overviewDays - 1)).Format("2006-01-02")
	rows, err := s.Store.DailyMetrics(c, agentID, first)
	if err != nil {
		return err
	}
	byDay := map[string]models.AgentMetricsDaily{}
	for _, r := range rows {
		byDay[r.Day] = r
	}
	for i := overviewDays - 1; i >= 0; i-- {
		day := now.AddDate(0, 0, -i).Format("2006-01-02")
		r := byDay[day]
		out.RequestsPerDay = append(out.RequestsPerDay, DayMetricsDTO{Day: day, Requests: r.Requests, Errors: r.Errors, P95LatencyMS: r.P95LatencyMS})
	}
	today := out.RequestsPerDay[len(out.RequestsPerDay)-1]
	out.RequestsToday, out.P95LatencyMS = today.Requests, today.P95LatencyMS
	return nil
}

// fillUsage sets the plan's usage components for the current period and its limits.
func (s *Server) fillUsage(c *gin.Context, out *OverviewDTO, agent models.Agent, now time.Time) error {
	spec, err := s.Store.DeploymentSpec(c, agent.ID)
	if err != nil {
		return err
	}
	var sub models.Subscription
	if err := s.Store.WithContext(c).Take(&sub, "id = ?", agent.SubscriptionID).Error; err != nil {
		return err
	}
	from, to := agent.CreatedAt, now.Add(time.Second)
	if sub.CurrentPeriodStart != nil {
		from = *sub.CurrentPeriodStart
	}
	if sub.CurrentPeriodEnd != nil && sub.CurrentPeriodEnd.After(now) {
		to = *sub.CurrentPeriodEnd
	}
	out.PeriodStart, out.PeriodEnd = sub.CurrentPeriodStart, sub.CurrentPeriodEnd
	var requests int64
	for _, comp := range spec.Plan.Components.V {
		if comp.Type != models.ComponentUsage {
			continue
		}
		used, err := s.Store.UsageForPeriod(c, sub.ID, comp.Unit, from, to)
		if err != nil {
			return err
		}
		out.Usage = append(out.Usage, UsageDTO{Name: comp.Name, Unit: comp.Unit, Used: used, Included: comp.IncludedAmount})
	}
	for _, unit := range []string{sitekit.UsageMCPToolCalls, sitekit.UsageWidgetMessages} {
		n, err := s.Store.UsageForPeriod(c, sub.ID, unit, from, to)
		if err != nil {
			return err
		}
		requests += n
	}
	if limit, ok := spec.Plan.Limits.V["requests_per_month"]; ok {
		out.Limits["requests_per_month"] = LimitDTO{Used: requests, Limit: limit}
	}
	if limit, ok := spec.Plan.Limits.V["documents"]; ok {
		n, _, err := s.Store.DocumentStats(c, agent.ID)
		if err != nil {
			return err
		}
		out.Limits["documents"] = LimitDTO{Used: n, Limit: limit}
	}
	return nil
}
