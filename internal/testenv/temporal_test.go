package testenv

import (
	"context"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cmp-platform/cmp/internal/devserver"
)

func TestStartTemporal_RunsAWorkflowWithAnActivity(t *testing.T) {
	srv := StartTemporal(t)
	assertRoundTrip(t, srv, "testenv-start")
}

func TestStartTemporal_RegistersCMPSearchAttributes(t *testing.T) {
	srv := StartTemporal(t)
	resp, err := srv.Client.OperatorService().ListSearchAttributes(context.Background(),
		&operatorservice.ListSearchAttributesRequest{Namespace: srv.Namespace})
	if err != nil {
		t.Fatalf("list search attributes: %v", err)
	}
	for name, typ := range devserver.SearchAttributes {
		want, _ := enumspb.IndexedValueTypeFromString(typ)
		if got := resp.GetCustomAttributes()[name]; got != want {
			t.Errorf("search attribute %s = %v, want %v", name, got, want)
		}
	}
}

func TestSharedTemporal_ServesTestsUntilStopped(t *testing.T) {
	srv, stop, err := SharedTemporal()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	assertRoundTrip(t, srv, "testenv-shared-a")
	assertRoundTrip(t, srv, "testenv-shared-b")
}

// assertRoundTrip runs greet on its own task queue, as tests sharing a server do.
func assertRoundTrip(t *testing.T, srv *TemporalServer, queue string) {
	t.Helper()
	w := worker.New(srv.Client, queue, worker.Options{})
	w.RegisterWorkflow(greet)
	w.RegisterActivity(greeting)
	if err := w.Start(); err != nil {
		t.Fatalf("start worker: %v", err)
	}
	defer w.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := srv.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: queue + "-greet", TaskQueue: queue}, greet, "CMP")
	if err != nil {
		t.Fatalf("start workflow: %v", err)
	}
	var got string
	if err := run.Get(ctx, &got); err != nil {
		t.Fatalf("workflow result: %v", err)
	}
	if got != "hello, CMP" {
		t.Errorf("result = %q, want %q", got, "hello, CMP")
	}
}

func greet(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var out string
	err := workflow.ExecuteActivity(ctx, greeting, name).Get(ctx, &out)
	return out, err
}

func greeting(_ context.Context, name string) (string, error) { return "hello, " + name, nil }
