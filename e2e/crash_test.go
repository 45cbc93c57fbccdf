package e2e

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cmp-platform/cmp/internal/app"
	"github.com/cmp-platform/cmp/internal/apptest"
	"github.com/cmp-platform/cmp/internal/payments"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

// recordEnv, when set, rewrites workflows/testdata/checkout_*.json from this run:
// the recorded histories the workflows package replays as its determinism guard.
const recordEnv = "CMP_RECORD_HISTORY"

// TestCheckout_WorkerLostMidCheckoutFinishesOnANewWorkerWithOneCharge runs the
// API and the worker as separate stacks over one database, loses the worker
// while the order waits on a Site-Kit outage, and lets a fresh worker (new
// process state, new payment client, empty workflow cache) finish it: the order
// completes, the card is charged once, and the recorded history replays with the
// current code.
func TestCheckout_WorkerLostMidCheckoutFinishesOnANewWorkerWithOneCharge(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t, apptest.Options{})
	cfg := e.Config
	cfg.TaskQueue += "-split"
	cfg.HTTPAddr = "127.0.0.1:0"
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	start := func(roles app.Roles) *app.Stack {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		st, err := app.Start(sctx, cfg, roles, quiet)
		if err != nil {
			t.Fatalf("start %+v: %v", roles, err)
		}
		t.Cleanup(st.Close)
		return st
	}
	apiOnly := start(app.Roles{API: true})
	split := *e
	split.URL = apiOnly.APIURL
	split.T = t
	first := start(app.Roles{Worker: true})

	u := split.Register("Kit")
	e.Stack.SiteKit.SetAvailable(false)
	defer e.Stack.SiteKit.SetAvailable(true)
	var p apptest.Purchase
	split.Do(http.MethodPost, "/api/v1/checkout", map[string]any{
		"offering": "support-agent", "plan": "Starter", "billing_cycle": "monthly", "payment_method": "pm_card_visa", "accept_terms": true,
	}, u.Token, "Idempotency-Key: crash-1").Must(t, http.StatusCreated).JSON(t, &p)
	if got := first.Payments.(*payments.Sandbox).Charges(); got != 1 {
		t.Fatalf("the first worker made %d charges, want 1", got)
	}
	time.Sleep(700 * time.Millisecond) // a provisioning attempt fails against the outage

	first.Close() // the worker is gone mid-checkout
	second := start(app.Roles{Worker: true})
	e.Stack.SiteKit.SetAvailable(true)
	split.WaitAgent(u, p.Agent.ID, "running")

	var o models.Order
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err := e.Stack.Store.WithContext(ctx).Take(&o, "id = ?", p.Order.ID).Error; err != nil {
			t.Fatal(err)
		}
		if o.State == models.OrderDone {
			break
		}
	}
	if o.State != models.OrderDone {
		t.Fatalf("order is %s after the new worker took over, want done", o.State)
	}
	if got := second.Payments.(*payments.Sandbox).Charges(); got != 0 {
		t.Errorf("the second worker charged %d times: payment must not repeat after a worker loss", got)
	}
	var charges int64
	e.Stack.Store.WithContext(ctx).Model(&models.LedgerEntry{}).Where("order_id = ? AND kind = ?", p.Order.ID, models.LedgerCharge).Count(&charges)
	if charges != 1 {
		t.Errorf("ledger holds %d charges for the order, want 1", charges)
	}

	replayAndRecord(t, e, workflows.CheckoutWorkflowID(u.ID, "crash-1"), "checkout_outage_worker_restart")
}

// replayAndRecord replays a closed workflow's history with the current code and,
// under CMP_RECORD_HISTORY, saves it to workflows/testdata/<name>.json.
func replayAndRecord(t *testing.T, e *apptest.Env, workflowID, name string) {
	t.Helper()
	hist := history(t, e, workflowID)
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(workflows.Checkout, workflow.RegisterOptions{Name: workflows.CheckoutWorkflowName})
	if err := r.ReplayWorkflowHistory(nil, hist); err != nil {
		t.Fatalf("the recorded checkout %s does not replay with the current code: %v", name, err)
	}
	if os.Getenv(recordEnv) == "" {
		return
	}
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(hist)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "workflows", "testdata", name+".json")
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d events to %s", len(hist.Events), path)
}

// history reads a closed workflow's whole history from the server.
func history(t *testing.T, e *apptest.Env, workflowID string) *historypb.History {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var h historypb.History
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		h.Events = h.Events[:0]
		it := e.Stack.Temporal.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				t.Fatalf("history of %s: %v", workflowID, err)
			}
			h.Events = append(h.Events, ev)
		}
		if n := len(h.Events); n > 0 && h.Events[n-1].GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED {
			return &h
		}
		if time.Now().After(deadline) {
			t.Fatalf("workflow %s did not close: last of %d events is %v", workflowID, len(h.Events), h.Events[len(h.Events)-1].GetEventType())
		}
	}
}
