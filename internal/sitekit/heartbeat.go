package sitekit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"slices"
	"sync"
	"time"
)

// maxLatencySamples bounds memory when CMP stops acknowledging heartbeats.
const maxLatencySamples = 4096

// windowMetrics covers the requests since the last heartbeat CMP
// acknowledged. A failed POST leaves the window open, so the next tick
// reports it again instead of losing it.
type windowMetrics struct {
	requests  int64
	errors    int64
	latencies []float64 // milliseconds, oldest first
	dropped   int64     // samples discarded at the cap, ever
}

func (m *windowMetrics) observe(failed bool, elapsed time.Duration) {
	m.requests++
	if failed {
		m.errors++
	}
	if len(m.latencies) == maxLatencySamples {
		m.latencies = m.latencies[1:]
		m.dropped++
	}
	m.latencies = append(m.latencies, float64(elapsed.Microseconds())/1000)
}

// pendingBeat is a heartbeat in flight plus what to close on success.
type pendingBeat struct {
	url, secret string
	beat        Heartbeat
	samples     int   // latency samples included
	dropped     int64 // windowMetrics.dropped when the beat was taken
}

// heartbeatLoop ticks until Close. Each tick waits for its POSTs, so ticks
// never pile up behind a slow receiver.
func (rt *Runtime) heartbeatLoop(ctx context.Context) {
	defer close(rt.loopDone)
	ticker := time.NewTicker(rt.cfg.HeartbeatInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			rt.sendHeartbeats(ctx)
		}
	}
}

func (rt *Runtime) sendHeartbeats(ctx context.Context) {
	var wg sync.WaitGroup
	for _, p := range rt.takeBeats(time.Now()) {
		wg.Go(func() {
			if err := rt.post(ctx, p); err != nil {
				rt.log.Warn("sitekit: heartbeat not delivered; retrying next tick",
					"deployment_id", p.beat.DeploymentID, "err", err)
				return
			}
			rt.ackBeat(p)
		})
	}
	wg.Wait()

	// Counters and key usage change on every request; flushing them once a
	// tick bounds what a crash can lose without a write per request.
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.usageDirty {
		rt.dirty = true
		if err := rt.saveLocked(); err != nil {
			rt.log.Warn("sitekit: state snapshot failed", "err", err)
		}
	}
}

// takeBeats builds one heartbeat per deployment that has a heartbeat URL.
func (rt *Runtime) takeBeats(now time.Time) []pendingBeat {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	var out []pendingBeat
	for _, d := range rt.deployments {
		if d.HeartbeatURL == "" {
			continue
		}
		up := now.Sub(rt.started)
		if since := now.Sub(d.CreatedAt); since < up {
			up = since
		}
		out = append(out, pendingBeat{
			url:     d.HeartbeatURL,
			secret:  d.HeartbeatSecret,
			samples: len(d.metrics.latencies),
			dropped: d.metrics.dropped,
			beat: Heartbeat{
				DeploymentID:      d.ID,
				Status:            d.Status,
				SentAt:            now.UTC(),
				UptimeSeconds:     int64(up.Seconds()),
				RequestsTotal:     d.RequestsTotal,
				RequestsSinceLast: d.metrics.requests,
				ErrorsSinceLast:   d.metrics.errors,
				P95LatencyMS:      p95(d.metrics.latencies),
				Usage:             maps.Clone(d.Usage),
			},
		})
	}
	return out
}

// post sends one signed heartbeat; any non-2xx counts as not delivered.
func (rt *Runtime) post(ctx context.Context, p pendingBeat) error {
	body, err := json.Marshal(p.beat)
	if err != nil {
		return err
	}
	timeout := min(max(rt.cfg.HeartbeatInterval, time.Second), 10*time.Second)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	ts := time.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderTimestamp, fmt.Sprint(ts))
	req.Header.Set(HeaderSignature, SignHeartbeat(p.secret, ts, body))
	resp, err := rt.cfg.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("heartbeat answered %s", resp.Status)
	}
	return nil
}

// ackBeat closes the window the delivered heartbeat reported, keeping any
// requests that arrived while it was in flight.
func (rt *Runtime) ackBeat(p pendingBeat) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	d, ok := rt.deployments[p.beat.DeploymentID]
	if !ok {
		return
	}
	m := &d.metrics
	m.requests = max(0, m.requests-p.beat.RequestsSinceLast)
	m.errors = max(0, m.errors-p.beat.ErrorsSinceLast)
	// Samples dropped at the cap since the beat was taken were among the
	// reported ones; only the rest are still at the front.
	reported := p.samples - int(m.dropped-p.dropped)
	if reported = min(max(reported, 0), len(m.latencies)); reported > 0 {
		m.latencies = slices.Clone(m.latencies[reported:])
	}
}

// p95 is the nearest-rank 95th percentile, 0 for no samples.
func p95(samples []float64) float64 {
	if len(samples) == 0 {
		return 0
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	rank := int(math.Ceil(0.95*float64(len(s)))) - 1
	return s[rank]
}
