package testenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/cmp-platform/cmp/internal/devserver"
)

// TemporalServer is an in-memory Temporal dev server for tests, with CMP's
// search attributes registered. Tests share one by using their own workflow
// IDs and task queues; there is one namespace, "default".
type TemporalServer struct {
	// HostPort is the frontend address, for workers or clients of their own.
	HostPort string
	// Namespace is the namespace Client talks to.
	Namespace string
	// Client is connected to the server and closed when it stops.
	Client client.Client

	dev *testsuite.DevServer
}

// StartTemporal starts a dev server for one test and stops it when the test
// ends. A package whose tests all need Temporal should use SharedTemporal.
func StartTemporal(t testing.TB) *TemporalServer {
	t.Helper()
	s, err := startTemporal()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Logf("testenv: stopping Temporal dev server: %v", err)
		}
	})
	return s
}

// SharedTemporal starts one dev server for a whole test package, from TestMain:
//
//	func TestMain(m *testing.M) {
//		srv, stop, err := testenv.SharedTemporal()
//		if err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1)
//		}
//		temporalServer = srv
//		code := m.Run()
//		stop()
//		os.Exit(code)
//	}
func SharedTemporal() (*TemporalServer, func(), error) {
	s, err := startTemporal()
	if err != nil {
		return nil, nil, fmt.Errorf("testenv: %w", err)
	}
	return s, func() {
		if err := s.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "testenv: stopping Temporal dev server: %v\n", err)
		}
	}, nil
}

// startTemporal runs the CLI that `make tools` built, on a free port.
func startTemporal() (*TemporalServer, error) {
	bin := devserver.DefaultBinary()
	if _, err := os.Stat(bin); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s not found: run `make tools` (or set %s to a Temporal CLI)", bin, devserver.BinaryEnv)
		}
		return nil, fmt.Errorf("temporal CLI: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	warnOnly := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	dev, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath: bin,
		ClientOptions: &client.Options{
			Namespace: "default",
			Logger:    sdklog.NewStructuredLogger(warnOnly),
		},
		LogLevel:  "error",
		ExtraArgs: append(devserver.SearchAttributeArgs(devserver.SearchAttributes), devserver.TuningArgs()...),
		Stdout:    io.Discard,
		Stderr:    os.Stderr,
	})
	if err != nil {
		return nil, fmt.Errorf("start Temporal dev server (%s): %w", bin, err)
	}
	return &TemporalServer{
		HostPort:  dev.FrontendHostPort(),
		Namespace: "default",
		Client:    dev.Client(),
		dev:       dev,
	}, nil
}

// stop closes the client and shuts the server down.
func (s *TemporalServer) stop() error {
	s.Client.Close()
	return s.dev.Stop()
}
