package models

import (
	"context"
	"maps"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/cmp-platform/cmp/internal/errs"
)

// AgentHeartbeat is the last accepted Site-Kit heartbeat of an agent: the
// replay guard (LastSentAt) and the cumulative baselines deltas are taken from.
type AgentHeartbeat struct {
	AgentID          string `gorm:"primaryKey"`
	LastSentAt       time.Time
	RuntimeStatus    string
	UptimeSeconds    int64
	RequestsTotal    int64
	UsageTotals      JSON[map[string]int64]
	P95LatencyMS     float64 `gorm:"column:p95_latency_ms"`
	KeyUsagePulledAt *time.Time
	UpdatedAt        time.Time
}

// AgentMetricsDaily is one agent's traffic on one UTC day (YYYY-MM-DD).
type AgentMetricsDaily struct {
	AgentID      string `gorm:"primaryKey"`
	Day          string `gorm:"primaryKey"`
	Requests     int64
	Errors       int64
	P95LatencyMS float64 `gorm:"column:p95_latency_ms"`
}

// TableName pins the table name.
func (AgentMetricsDaily) TableName() string { return "agent_metrics_daily" }

// AgentUsage is the usage one heartbeat added for one unit.
type AgentUsage struct {
	ID             int64 `gorm:"primaryKey"`
	AgentID        string
	SubscriptionID string
	Unit           string
	Quantity       int64
	At             time.Time
}

// TableName pins the table name.
func (AgentUsage) TableName() string { return "agent_usage" }

// HeartbeatReport is a verified heartbeat to record.
type HeartbeatReport struct {
	AgentID, SubscriptionID string
	SentAt                  time.Time
	RuntimeStatus           string
	UptimeSeconds           int64
	RequestsTotal           int64
	ErrorsSinceLast         int64
	P95LatencyMS            float64
	Usage                   map[string]int64
}

// HeartbeatOutcome says what recording a heartbeat changed.
type HeartbeatOutcome struct {
	// Recovered is true when the heartbeat brought a degraded agent back to running.
	Recovered bool
	// First is true for the agent's first heartbeat.
	First bool
	// KeyUsagePulledAt is when key usage was last pulled from Site-Kit (nil: never).
	KeyUsagePulledAt *time.Time
	// Requests is the number of requests since the previous heartbeat.
	Requests int64
}

// ErrHeartbeatReplayed refuses a heartbeat not newer than the last accepted one.
var ErrHeartbeatReplayed = errs.New(errs.Conflict, "heartbeat is not newer than the last accepted one").WithReason("heartbeat_replayed")

// RecordHeartbeat applies a heartbeat in one transaction: the replay guard first
// (an UPDATE that only moves last_sent_at forward, which also locks the row),
// then usage deltas against the cumulative baseline, the day's metrics, and the
// agent's last_heartbeat_at. A degraded agent becomes running again.
func (s *Store) RecordHeartbeat(ctx context.Context, r HeartbeatReport) (HeartbeatOutcome, error) {
	var out HeartbeatOutcome
	sent := r.SentAt.UTC().Truncate(time.Microsecond)
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		seed := AgentHeartbeat{AgentID: r.AgentID, LastSentAt: time.Unix(0, 0).UTC(), UsageTotals: NewJSON(map[string]int64{}), UpdatedAt: Now()}
		ins := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&seed)
		if ins.Error != nil {
			return ins.Error
		}
		out.First = ins.RowsAffected == 1
		guard := tx.Model(&AgentHeartbeat{}).Where("agent_id = ? AND last_sent_at < ?", r.AgentID, sent).Update("last_sent_at", sent)
		if guard.Error != nil {
			return guard.Error
		}
		if guard.RowsAffected == 0 {
			return ErrHeartbeatReplayed
		}
		// Read the baseline under the row lock the guard took, so a concurrent
		// heartbeat cannot take its delta from the same baseline.
		var prev AgentHeartbeat
		if err := tx.Take(&prev, "agent_id = ?", r.AgentID).Error; err != nil {
			return err
		}
		out.KeyUsagePulledAt = prev.KeyUsagePulledAt
		out.Requests = delta(r.RequestsTotal, prev.RequestsTotal)
		day := sent.Format("2006-01-02")
		m := AgentMetricsDaily{AgentID: r.AgentID, Day: day, Requests: out.Requests, Errors: r.ErrorsSinceLast, P95LatencyMS: r.P95LatencyMS}
		if err := tx.Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "agent_id"}, {Name: "day"}},
			DoUpdates: clause.Assignments(map[string]any{
				"requests":       gorm.Expr("agent_metrics_daily.requests + ?", m.Requests),
				"errors":         gorm.Expr("agent_metrics_daily.errors + ?", m.Errors),
				"p95_latency_ms": gorm.Expr("CASE WHEN agent_metrics_daily.p95_latency_ms > ? THEN agent_metrics_daily.p95_latency_ms ELSE ? END", m.P95LatencyMS, m.P95LatencyMS),
			}),
		}).Create(&m).Error; err != nil {
			return err
		}
		for _, unit := range slices.Sorted(maps.Keys(r.Usage)) {
			q := delta(r.Usage[unit], prev.UsageTotals.V[unit])
			if q == 0 {
				continue
			}
			u := AgentUsage{AgentID: r.AgentID, SubscriptionID: r.SubscriptionID, Unit: unit, Quantity: q, At: sent}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&u).Error; err != nil {
				return err
			}
		}
		if err := tx.Model(&AgentHeartbeat{}).Where("agent_id = ?", r.AgentID).Updates(map[string]any{
			"runtime_status": r.RuntimeStatus, "uptime_seconds": r.UptimeSeconds, "requests_total": r.RequestsTotal,
			"usage_totals": NewJSON(r.Usage), "p95_latency_ms": r.P95LatencyMS, "updated_at": Now(),
		}).Error; err != nil {
			return err
		}
		if err := tx.Model(&Agent{}).Where("id = ?", r.AgentID).Update("last_heartbeat_at", sent).Error; err != nil {
			return err
		}
		rec := tx.Model(&Agent{}).Where("id = ? AND status = ?", r.AgentID, AgentDegraded).
			Updates(map[string]any{"status": AgentRunning, "status_reason": "", "updated_at": Now()})
		out.Recovered = rec.RowsAffected == 1
		return rec.Error
	})
	return out, err
}

// delta is the growth of a cumulative counter; a counter that went down means
// the runtime lost its state and counts from zero again.
func delta(now, before int64) int64 {
	if now >= before {
		return now - before
	}
	return now
}

// MarkKeyUsagePulled records when key last-used times were fetched from Site-Kit.
func (s *Store) MarkKeyUsagePulled(ctx context.Context, agentID string, at time.Time) error {
	return s.WithContext(ctx).Model(&AgentHeartbeat{}).Where("agent_id = ?", agentID).Update("key_usage_pulled_at", at).Error
}

// SetKeyLastUsed records when Site-Kit last accepted each key (only moving forward).
func (s *Store) SetKeyLastUsed(ctx context.Context, agentID string, usage map[string]time.Time) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		for _, id := range slices.Sorted(maps.Keys(usage)) {
			at := usage[id].UTC().Truncate(time.Microsecond)
			if err := tx.Model(&APIKey{}).Where("id = ? AND agent_id = ? AND (last_used_at IS NULL OR last_used_at < ?)", id, agentID, at).
				Update("last_used_at", at).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// MarkSilentAgentsDegraded turns running agents whose last heartbeat (or, before
// the first, their start) is older than cutoff degraded, and returns how many.
func (s *Store) MarkSilentAgentsDegraded(ctx context.Context, cutoff time.Time) (int64, error) {
	res := s.WithContext(ctx).Model(&Agent{}).
		Where("status = ? AND COALESCE(last_heartbeat_at, running_since, updated_at) < ?", AgentRunning, cutoff).
		Updates(map[string]any{"status": AgentDegraded, "status_reason": "Site-Kit missed its heartbeats", "updated_at": Now()})
	return res.RowsAffected, res.Error
}

// HeartbeatOf loads an agent's last accepted heartbeat (not_found before the first).
func (s *Store) HeartbeatOf(ctx context.Context, agentID string) (AgentHeartbeat, error) {
	var h AgentHeartbeat
	err := s.WithContext(ctx).Take(&h, "agent_id = ?", agentID).Error
	return h, notFound(err, "heartbeat")
}

// DailyMetrics lists an agent's days from fromDay (YYYY-MM-DD) on, oldest first.
func (s *Store) DailyMetrics(ctx context.Context, agentID, fromDay string) ([]AgentMetricsDaily, error) {
	var out []AgentMetricsDaily
	err := s.WithContext(ctx).Where("agent_id = ? AND day >= ?", agentID, fromDay).Order("day").Find(&out).Error
	return out, err
}

// UsageForPeriod sums the usage of one unit (a plan component's Unit, e.g.
// "mcp_tool_calls") that a subscription's agent reported in [from, to). Site-Kit
// counters are cumulative and each heartbeat's delta is stored once, so a lost or
// repeated heartbeat never loses or double-counts usage. For billing.
func (s *Store) UsageForPeriod(ctx context.Context, subscriptionID, component string, from, to time.Time) (int64, error) {
	var total int64
	err := s.WithContext(ctx).Model(&AgentUsage{}).Select("COALESCE(SUM(quantity), 0)").
		Where("subscription_id = ? AND unit = ? AND at >= ? AND at < ?", subscriptionID, component, from.UTC(), to.UTC()).
		Scan(&total).Error
	return total, err
}
