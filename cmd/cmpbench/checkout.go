package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cmp-platform/cmp/internal/app"
	"github.com/cmp-platform/cmp/models"
)

func init() { register("checkout", runCheckout) }

// Checkout benchmark sizes; each can be overridden by its environment variable.
var (
	checkoutBuyers     = checkoutEnvInt("CMP_BENCH_BUYERS", 10)     // concurrent buyers
	checkoutPerBuyer   = checkoutEnvInt("CMP_BENCH_CHECKOUTS", 10)  // checkouts each concurrent buyer makes
	checkoutSequential = checkoutEnvInt("CMP_BENCH_SEQUENTIAL", 50) // checkouts of the one uncontended buyer
	checkoutFloorRuns  = checkoutEnvInt("CMP_BENCH_FLOOR_RUNS", 200)
)

const checkoutFloorQueue = "cmp-bench-floor"

// runCheckout starts its own stack (Temporal dev server, SQLite, Site-Kit,
// worker, API) in a temp dir, measures the floor — a bare workflow round trip
// on the same server — then timed checkouts over HTTP: uncontended, then by
// concurrent buyers. Each p50 is printed as a ratio to the floor.
func runCheckout(ctx context.Context) error {
	env, err := newBenchEnv(ctx, "checkout")
	if err != nil {
		return err
	}
	defer env.Close()
	st, err := env.startStack(ctx, "cmp-bench")
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Printf("machine: %s/%s, %d CPUs, %s, load average %s; Temporal dev server (SQLite file), SQLite read models, sandbox payments, embedded Site-Kit\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), checkoutCPU(), checkoutLoad())

	w := worker.New(st.Temporal, checkoutFloorQueue, app.WorkerOptions())
	w.RegisterWorkflowWithOptions(checkoutFloorWorkflow, workflow.RegisterOptions{Name: "BenchFloor"})
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Stop()
	if _, err := checkoutFloor(ctx, st.Temporal, 1, 20); err != nil { // warm-up
		return fmt.Errorf("floor: %w", err)
	}
	floor, err := checkoutFloor(ctx, st.Temporal, 1, checkoutFloorRuns)
	if err != nil {
		return fmt.Errorf("floor: %w", err)
	}
	floorLoaded, err := checkoutFloor(ctx, st.Temporal, checkoutBuyers, checkoutFloorRuns)
	if err != nil {
		return fmt.Errorf("floor under load: %w", err)
	}
	fp50, lp50 := checkoutPct(floor, 50), checkoutPct(floorLoaded, 50)
	for _, f := range []struct {
		name string
		d    []time.Duration
	}{{"1 client", floor}, {fmt.Sprintf("%d parallel clients", checkoutBuyers), floorLoaded}} {
		fmt.Printf("floor: bare workflow round trip (ExecuteWorkflow + Get), %s, %d runs: p50 %s  p95 %s  p99 %s\n",
			f.name, len(f.d), checkoutMS(checkoutPct(f.d, 50)), checkoutMS(checkoutPct(f.d, 95)), checkoutMS(checkoutPct(f.d, 99)))
	}

	b := &checkoutBench{base: st.APIURL, store: st.Store, http: &http.Client{Timeout: time.Minute,
		Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
	if _, err := b.run(ctx, 1, 5); err != nil { // warm-up: connections, caches, first-use paths
		return fmt.Errorf("warm-up: %w", err)
	}
	seq, err := b.run(ctx, 1, checkoutSequential)
	if err != nil {
		return fmt.Errorf("sequential: %w", err)
	}
	seq.print(fmt.Sprintf("sequential: 1 buyer, %d checkouts", checkoutSequential), fp50)
	if path := os.Getenv("CMP_BENCH_CPUPROFILE"); path != "" { // profile the concurrent run
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	conc, err := b.run(ctx, checkoutBuyers, checkoutPerBuyer)
	if err != nil {
		return fmt.Errorf("concurrent: %w", err)
	}
	conc.print(fmt.Sprintf("concurrent: %d buyers x %d checkouts, against the floor at %d parallel clients", checkoutBuyers, checkoutPerBuyer, checkoutBuyers), lp50)
	fmt.Printf("concurrent against the 1-client floor: payment confirmed p50 = %.1fx, agent running p50 = %.1fx\n",
		checkoutRatio(checkoutPct(conc.paid, 50), fp50), checkoutRatio(checkoutPct(conc.running, 50), fp50))
	for _, g := range []struct {
		name       string
		got, limit float64
	}{
		{"sequential payment confirmed", checkoutRatio(checkoutPct(seq.paid, 50), fp50), 3},
		{"sequential agent running", checkoutRatio(checkoutPct(seq.running, 50), fp50), 8},
		{"concurrent payment confirmed", checkoutRatio(checkoutPct(conc.paid, 50), lp50), 3},
		{"concurrent agent running", checkoutRatio(checkoutPct(conc.running, 50), lp50), 8},
	} {
		verdict := "met"
		if g.got > g.limit {
			verdict = "MISSED"
		}
		fmt.Printf("goal %-30s p50 <= %.0fx floor: %.1fx, %s\n", g.name, g.limit, g.got, verdict)
	}
	return nil
}

// checkoutFloorWorkflow does nothing: its round trip is the least any workflow costs.
func checkoutFloorWorkflow(workflow.Context) error { return nil }

// checkoutFloor times bare workflow round trips from parallel clients, each
// starting the next as soon as its last one returned.
func checkoutFloor(ctx context.Context, c client.Client, parallel, runs int) ([]time.Duration, error) {
	var (
		mu       sync.Mutex
		out      []time.Duration
		firstErr error
		wg       sync.WaitGroup
		seq      atomic.Int64
	)
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range runs / parallel {
				t0 := time.Now()
				id := fmt.Sprintf("bench-floor-%d-%d", time.Now().UnixNano(), seq.Add(1))
				run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: checkoutFloorQueue}, "BenchFloor")
				if err == nil {
					err = run.Get(ctx, nil)
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				out = append(out, time.Since(t0))
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	return out, firstErr
}

type checkoutBench struct {
	base  string
	store *models.Store
	http  *http.Client
	seq   int
	mu    sync.Mutex
}

// checkoutRun is one batch: per-checkout latencies and the batch's wall time.
type checkoutRun struct {
	paid, running []time.Duration
	wall          time.Duration
}

func (r checkoutRun) print(title string, floor time.Duration) {
	fmt.Printf("%s (%d checkouts, %.1f checkouts/s)\n", title, len(r.paid), float64(len(r.paid))/r.wall.Seconds())
	for _, row := range []struct {
		name string
		d    []time.Duration
	}{{"checkout -> payment confirmed (201)", r.paid}, {"checkout -> agent running", r.running}} {
		p50 := checkoutPct(row.d, 50)
		fmt.Printf("  %-36s p50 %8s  p95 %8s  p99 %8s  p50 = %.1fx floor\n", row.name, checkoutMS(p50), checkoutMS(checkoutPct(row.d, 95)), checkoutMS(checkoutPct(row.d, 99)), checkoutRatio(p50, floor))
	}
}

// run has buyers register concurrently and make perBuyer checkouts each, in turn.
func (b *checkoutBench) run(ctx context.Context, buyers, perBuyer int) (checkoutRun, error) {
	tokens := make([]string, buyers)
	for i := range tokens {
		tok, err := b.register(ctx)
		if err != nil {
			return checkoutRun{}, err
		}
		tokens[i] = tok
	}
	var out checkoutRun
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	t0 := time.Now()
	for _, tok := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perBuyer {
				paid, running, err := b.checkout(ctx, tok)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if err == nil {
					out.paid, out.running = append(out.paid, paid), append(out.running, running)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	out.wall = time.Since(t0)
	return out, firstErr
}

func (b *checkoutBench) next() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	return b.seq
}

func (b *checkoutBench) register(ctx context.Context) (string, error) {
	n := b.next()
	var out struct {
		Token string `json:"token"`
	}
	err := b.post(ctx, "/api/v1/auth/register", "", "", map[string]string{
		"email": fmt.Sprintf("bench-%d-%d@example.com", time.Now().UnixNano(), n), "password": "correct-horse-battery", "name": fmt.Sprintf("Buyer %d", n),
	}, http.StatusCreated, &out)
	return out.Token, err
}

var checkoutOfferings = []string{"support-agent", "website-chatbot", "data-sync", "meeting-notes"}

// checkout times one purchase until payment is confirmed (the 201) and until the
// agent runs (polled in the read model every millisecond, which the API reads).
func (b *checkoutBench) checkout(ctx context.Context, token string) (paid, running time.Duration, err error) {
	n := b.next()
	var res struct {
		Agent struct {
			ID string `json:"id"`
		} `json:"agent"`
	}
	t0 := time.Now()
	err = b.post(ctx, "/api/v1/checkout", token, fmt.Sprintf("bench-%d", n), map[string]any{
		"offering": checkoutOfferings[n%len(checkoutOfferings)], "plan": "Starter", "billing_cycle": "monthly",
		"payment_method": "pm_card_visa", "accept_terms": true,
	}, http.StatusCreated, &res)
	if err != nil {
		return 0, 0, err
	}
	paid = time.Since(t0)
	for deadline := t0.Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		a, err := b.store.AgentByID(ctx, res.Agent.ID)
		if err != nil {
			return 0, 0, err
		}
		if a.Status == models.AgentRunning {
			return paid, time.Since(t0), nil
		}
		if a.Status == models.AgentFailed {
			return 0, 0, fmt.Errorf("agent %s failed: %s", a.ID, a.StatusReason)
		}
	}
	return 0, 0, fmt.Errorf("agent %s not running after 30 s", res.Agent.ID)
}

func (b *checkoutBench) post(ctx context.Context, path, token, key string, body any, want int, out any) error {
	buf, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.base+path, bytes.NewReader(buf))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("POST %s: %d %s", path, resp.StatusCode, data)
	}
	return json.Unmarshal(data, out)
}

func checkoutPct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func checkoutRatio(d, floor time.Duration) float64 {
	if floor <= 0 {
		return 0
	}
	return float64(d) / float64(floor)
}

func checkoutMS(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}

func checkoutEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// checkoutCPU reads the CPU's name on Linux, for the benchmark record.
func checkoutCPU() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.Equal(bytes.TrimSpace(k), []byte("model name")) {
			return string(bytes.TrimSpace(v))
		}
	}
	return "unknown CPU"
}

// checkoutLoad is the 1-minute load average: other work on the machine skews the figures.
func checkoutLoad() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := bytes.Fields(b)
	if len(f) == 0 {
		return "unknown"
	}
	return string(f[0])
}
