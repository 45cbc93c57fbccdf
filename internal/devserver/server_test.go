package devserver

import (
	"context"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
)

func TestStart_RegistersSearchAttributesAndKeepsStateAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	extra := maps.Clone(SearchAttributes)
	extra["CmpDevserverTest"] = "Keyword"

	srv := startServer(t, cfg)
	c := dial(t, srv)
	for range 2 {
		if err := EnsureSearchAttributes(ctx, c, "default", extra); err != nil {
			t.Fatalf("EnsureSearchAttributes: %v", err)
		}
	}
	assertSearchAttributes(t, c, extra)
	if err := EnsureSearchAttributes(ctx, c, "default", map[string]string{"CmpAmount": "Keyword"}); err == nil || !strings.Contains(err.Error(), "has type") {
		t.Errorf("EnsureSearchAttributes with a conflicting type: err = %v, want a type conflict", err)
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "devserver-persistence", TaskQueue: "devserver-test-no-worker"}, "NeverRuns")
	if err != nil {
		t.Fatalf("start workflow: %v", err)
	}
	c.Close()
	srv.Stop()
	srv.Stop() // idempotent

	srv = startServer(t, cfg)
	c = dial(t, srv)
	defer c.Close()
	if _, err := c.DescribeWorkflowExecution(ctx, "devserver-persistence", run.GetRunID()); err != nil {
		t.Errorf("workflow started before the restart is gone: %v", err)
	}
	assertSearchAttributes(t, c, extra)
}

func TestStart_RestartsAServerThatDies(t *testing.T) {
	cfg := testConfig(t)
	srv := startServer(t, cfg)
	first := srv.current.Load()
	if err := syscall.Kill(-first.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill dev server: %v", err)
	}
	<-first.exited

	deadline := time.Now().Add(time.Minute)
	for {
		if r := srv.current.Load(); r != first && srv.probe(context.Background()) == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("dev server was not restarted within a minute")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestStart_StopsWhenContextIsCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := Start(ctx, testConfig(t))
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	r := srv.current.Load()
	cancel()
	select {
	case <-srv.done:
	case <-time.After(30 * time.Second):
		t.Fatal("supervisor still running 30s after its context was cancelled")
	}
	select {
	case <-r.exited:
	default:
		t.Error("dev server process outlived its supervisor")
	}
}

func TestStart_ErrBinaryMissing(t *testing.T) {
	cfg := testConfig(t)
	cfg.Binary = filepath.Join(t.TempDir(), "temporal")
	_, err := Start(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "run `make tools`") {
		t.Fatalf("err = %v, want one telling to run `make tools`", err)
	}
}

func TestStart_ErrPortInUse(t *testing.T) {
	cfg := testConfig(t)
	l, err := net.Listen("tcp", net.JoinHostPort(cfg.IP, strconv.Itoa(cfg.Port)))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = Start(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("err = %v, want the port reported in use", err)
	}
}

func TestEnsureSearchAttributes_ErrUnknownType(t *testing.T) {
	err := EnsureSearchAttributes(context.Background(), nil, "default", map[string]string{"CmpX": "Integer"})
	if err == nil || !strings.Contains(err.Error(), "unknown type") {
		t.Fatalf("err = %v, want unknown type", err)
	}
}

func TestSearchAttributeArgs_SortedFlags(t *testing.T) {
	got := strings.Join(SearchAttributeArgs(map[string]string{"B": "Int", "A": "Keyword"}), " ")
	if want := "--search-attribute A=Keyword --search-attribute B=Int"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// testConfig runs the real CLI on free ports with its state in a temp dir.
func testConfig(t *testing.T) Config {
	t.Helper()
	bin := DefaultBinary()
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s not found: run `make tools`", bin)
	}
	ports := freePorts(t, 2)
	return Config{
		Binary: bin,
		DBFile: filepath.Join(t.TempDir(), "temporal.db"),
		Port:   ports[0],
		UIPort: ports[1],
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil)),
	}
}

// startServer starts a server that is stopped when the test ends.
func startServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	start := time.Now()
	srv, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("dev server ready in %s at %s (UI %s)", time.Since(start).Round(time.Millisecond), srv.HostPort(), srv.UIURL())
	t.Cleanup(srv.Stop)
	return srv
}

func dial(t *testing.T, srv *Server) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: srv.HostPort(), Namespace: "default"})
	if err != nil {
		t.Fatalf("dial %s: %v", srv.HostPort(), err)
	}
	return c
}

func assertSearchAttributes(t *testing.T, c client.Client, want map[string]string) {
	t.Helper()
	resp, err := c.OperatorService().ListSearchAttributes(context.Background(), &operatorservice.ListSearchAttributesRequest{Namespace: "default"})
	if err != nil {
		t.Fatalf("list search attributes: %v", err)
	}
	for name, typ := range want {
		wantType, _ := enumspb.IndexedValueTypeFromString(typ)
		if got, ok := resp.GetCustomAttributes()[name]; !ok || got != wantType {
			t.Errorf("search attribute %s = %v (registered %v), want %v", name, got, ok, wantType)
		}
	}
}

// freePorts holds n listeners open at once so the ports differ.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// testWriter sends the server's log to the test's log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func TestSearchAttributes_FitSQLVisibilitySlots(t *testing.T) {
	slots := map[string]int{"Int": 3, "Keyword": 10, "Text": 3, "Double": 3, "Bool": 3, "Datetime": 3, "KeywordList": 3}
	used := map[string]int{}
	for _, typ := range SearchAttributes {
		used[typ]++
	}
	for typ, n := range used {
		if n > slots[typ] {
			t.Errorf("%d %s search attributes; SQL visibility has %d slots", n, typ, slots[typ])
		}
	}
}
