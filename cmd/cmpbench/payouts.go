package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/cmp-platform/cmp/activities"
	"github.com/cmp-platform/cmp/internal/app"
	"github.com/cmp-platform/cmp/internal/config"
	"github.com/cmp-platform/cmp/internal/payments"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

func init() { register("payouts", runPayouts) }

// Payout benchmark sizes; each can be overridden by its environment variable.
var (
	payoutProviders = payoutsEnvInt("CMP_BENCH_PAYOUT_PROVIDERS", 10_000)
	payoutCharges   = payoutsEnvInt("CMP_BENCH_PAYOUT_CHARGES", 1_000_000)
)

// Goals on the reference machine (2 cores): the whole run, and peak RSS of this
// process (API-less worker plus the data it reads).
const (
	payoutGoalWall = 60 * time.Second
	payoutGoalRSS  = 512 << 20
)

// runPayouts loads a temporary SQLite database with providers and a month of
// paid charges (5% refunded, 10% of providers without a payout account, 1% whose
// transfers fail), runs the real MonthlyPayout workflow on a Temporal dev server
// with an in-process worker and sandbox transfers, and prints wall time and peak
// RSS against a floor: one SQL pass summing the month's ledger per provider.
// It then runs the period again to show that nothing is paid twice.
func runPayouts(ctx context.Context) error {
	env, err := newBenchEnv(ctx, "payouts")
	if err != nil {
		return err
	}
	defer env.Close()
	dev, dir, quiet := env.dev, env.dir, env.quiet
	cfg := config.Config{DatabaseURL: "sqlite://" + filepath.Join(dir, "cmp.db")}
	store, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Printf("machine: %s/%s, %d CPUs; Temporal dev server (SQLite file), SQLite read models, sandbox transfers\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU())

	now := time.Now().UTC()
	period := models.PreviousPeriod(now)
	start, end, _ := models.PeriodBounds(period)
	t0 := time.Now()
	if err := payoutsLoad(ctx, store, start, end); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	fmt.Printf("load: %d providers, %d ledger entries for %s in %s (not timed below)\n", payoutProviders, payoutCharges, period, time.Since(t0).Round(time.Millisecond))

	// Floor: the least any payout run must do, one pass over the month's ledger.
	t0 = time.Now()
	var floorRows []struct {
		ProviderID     string
		Gross, Refunds int64
	}
	if err := store.WithContext(ctx).Raw(`SELECT provider_id, SUM(CASE WHEN kind = 'charge' THEN amount ELSE 0 END) AS gross,
		SUM(CASE WHEN kind = 'refund' THEN amount ELSE 0 END) AS refunds FROM ledger_entries
		WHERE kind IN ('charge', 'refund') AND occurred_at >= ? AND occurred_at < ? GROUP BY provider_id`, start, end).Scan(&floorRows).Error; err != nil {
		return fmt.Errorf("floor: %w", err)
	}
	floor := time.Since(t0)
	var want int64
	for _, r := range floorRows {
		b := r.Gross - r.Refunds
		want += b - models.Commission(b, 2000)
	}
	fmt.Printf("floor: one SQL pass summing the month per provider: %s (%d providers, %s owed before holds)\n",
		floor.Round(time.Millisecond), len(floorRows), payoutsMoney(want))

	tc, err := app.DialTemporal(ctx, dev.HostPort(), "default", quiet)
	if err != nil {
		return err
	}
	defer tc.Close()
	sandbox := payments.NewSandbox()
	acts := &activities.Activities{Store: store, Payments: sandbox, CommissionBPS: 2000, Logger: quiet}
	const queue = "cmp-bench-payouts"
	w := worker.New(tc, queue, app.WorkerOptions())
	workflows.Register(w, acts)
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Stop()

	loadRSS := payoutsPeakRSS("self")
	runtime.GC()
	payoutsResetPeakRSS()
	first, wall, err := payoutsRun(ctx, tc, queue, period)
	if err != nil {
		return err
	}
	rss := payoutsPeakRSS("self")
	t := first.Totals
	fmt.Printf("run: MonthlyPayout %s over %d providers in %d batches: %s wall (%.1fx the floor), peak RSS %d MiB\n",
		period, t.Providers, first.Batches, wall.Round(time.Millisecond), wall.Seconds()/floor.Seconds(), rss>>20)
	fmt.Printf("     (this process peaked at %d MiB during the load; the Temporal dev server process at %d MiB)\n",
		loadRSS>>20, payoutsChildrenRSS()>>20)
	fmt.Printf("     paid %d (%s in %d transfers), held %d (no payout account), failed %d (refused transfers)\n",
		t.Paid, payoutsMoney(t.Amount), sandbox.Transfers(), t.Held, t.Failed)
	again, wall2, err := payoutsRun(ctx, tc, queue, period)
	if err != nil {
		return err
	}
	fmt.Printf("re-run of %s: %s wall, %d new payouts, %s transferred, sandbox transfers still %d\n",
		period, wall2.Round(time.Millisecond), again.Created, payoutsMoney(again.TransferredThisRun), sandbox.Transfers())

	var problems []string
	if wall > payoutGoalWall {
		problems = append(problems, fmt.Sprintf("wall %s over the %s goal", wall.Round(time.Millisecond), payoutGoalWall))
	}
	if rss > payoutGoalRSS {
		problems = append(problems, fmt.Sprintf("peak RSS %d MiB over the %d MiB goal", rss>>20, payoutGoalRSS>>20))
	}
	if t.Providers != int64(payoutProviders) || int64(sandbox.Transfers()) != t.Paid || again.TransferredThisRun != 0 {
		problems = append(problems, "payout counts do not add up")
	}
	if t.Amount+t.HeldAmt != want {
		problems = append(problems, fmt.Sprintf("paid %d + held %d != floor's %d", t.Amount, t.HeldAmt, want))
	}
	if len(problems) > 0 {
		return fmt.Errorf("payouts: %s", strings.Join(problems, "; "))
	}
	fmt.Printf("goals met: wall <= %s, peak RSS <= %d MiB; every cent of the floor is paid or held\n", payoutGoalWall, payoutGoalRSS>>20)
	return nil
}

func payoutsRun(ctx context.Context, tc client.Client, queue, period string) (workflows.PayoutSummary, time.Duration, error) {
	var sum workflows.PayoutSummary
	t0 := time.Now()
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.PayoutWorkflowID(period), TaskQueue: queue},
		workflows.MonthlyPayoutWorkflowName, workflows.MonthlyPayoutInput{Period: period})
	if err != nil {
		return sum, 0, err
	}
	err = run.Get(ctx, &sum)
	return sum, time.Since(t0), err
}

// payoutsLoad generates the data inside SQLite (recursive CTEs), which loads a
// million rows in seconds and keeps the data generation out of the repository.
func payoutsLoad(ctx context.Context, store *models.Store, start, end time.Time) error {
	db := store.WithContext(ctx)
	ts := models.Now().Format("2006-01-02 15:04:05") + "+00:00"
	span := int64(end.Sub(start).Seconds()) - 1
	stmts := []string{
		`INSERT INTO users (id, email, name, password_hash, is_operator, created_at) VALUES ('usr_bench', 'bench@cmp.local', 'Bench', '-', FALSE, '` + ts + `')`,
		fmt.Sprintf(`INSERT INTO organizations (id, name, owner_user_id, personal, created_at)
			WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
			SELECT printf('org_b%%06d', i), printf('Provider %%d', i), 'usr_bench', FALSE, '%s' FROM n`, payoutProviders-1, ts),
		// 10% of providers have no payout account (held); 1% have one that refuses transfers.
		fmt.Sprintf(`INSERT INTO providers (id, organization_id, slug, name, created_at, updated_at, payout_account_id)
			WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
			SELECT printf('prv_b%%06d', i), printf('org_b%%06d', i), printf('bench-%%d', i), printf('Provider %%d', i), '%s', '%s',
			  CASE WHEN i %% 10 = 9 THEN '' WHEN i %% 100 = 42 THEN printf('acct_fail_%%d', i) ELSE printf('acct_b%%06d', i) END FROM n`,
			payoutProviders-1, ts, ts),
		// Charges spread over the month; every 20th entry is a refund.
		fmt.Sprintf(`INSERT INTO ledger_entries (id, kind, amount, currency, provider_id, external_ref, dedupe_key, occurred_at, created_at)
			WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
			SELECT printf('led_b%%08d', i), CASE WHEN i %% 20 = 19 THEN 'refund' ELSE 'charge' END, 500 + (i %% 97) * 25, 'usd',
			  printf('prv_b%%06d', i %% %d), printf('ch_b%%08d', i), printf('bench:%%08d', i),
			  t, t FROM (SELECT i, strftime('%%Y-%%m-%%d %%H:%%M:%%S', '%s', '+' || ((i * 7919) %% %d) || ' seconds') || '+00:00' AS t FROM n)`,
			payoutCharges-1, payoutProviders, start.Format("2006-01-02 15:04:05"), span),
		`ANALYZE`,
	}
	for _, s := range stmts {
		if err := db.Exec(s).Error; err != nil {
			return err
		}
	}
	return nil
}

// payoutsResetPeakRSS resets VmHWM so the figure covers the run, not the load.
func payoutsResetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// payoutsPeakRSS reads a process's peak resident set (VmHWM) in bytes.
func payoutsPeakRSS(pid string) int64 {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// payoutsChildrenRSS sums the peak resident sets of this process's children
// (the Temporal dev server).
func payoutsChildrenRSS() int64 {
	var sum int64
	tasks, _ := filepath.Glob("/proc/self/task/*/children")
	for _, t := range tasks {
		b, _ := os.ReadFile(t)
		for _, pid := range strings.Fields(string(b)) {
			sum += payoutsPeakRSS(pid)
		}
	}
	return sum
}

func payoutsMoney(minor int64) string { return fmt.Sprintf("%d.%02d USD", minor/100, minor%100) }

func payoutsEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
