package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"github.com/cmp-platform/cmp/internal/app"
	"github.com/cmp-platform/cmp/internal/config"
	"github.com/cmp-platform/cmp/internal/devserver"
)

// benchEnv is one benchmark's scratch directory with its own Temporal dev
// server (a file database, as `cmpd dev` runs it), so benchmarks never share
// state with each other or with a running `make run`.
type benchEnv struct {
	dir   string
	dev   *devserver.Server
	quiet *slog.Logger
}

// newBenchEnv makes the directory and starts the dev server on free ports.
func newBenchEnv(ctx context.Context, name string) (*benchEnv, error) {
	dir, err := os.MkdirTemp("", "cmpbench-"+name+"-")
	if err != nil {
		return nil, err
	}
	e := &benchEnv{dir: dir, quiet: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ports, err := freePorts(2)
	if err != nil {
		e.Close()
		return nil, err
	}
	e.dev, err = devserver.Start(ctx, devserver.Config{DBFile: filepath.Join(dir, "temporal.db"), IP: "127.0.0.1",
		Port: ports[0], UIPort: ports[1], Headless: true, Logger: e.quiet})
	if err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// startStack runs API, worker and Site-Kit on SQLite in the env, seeded, with
// sandbox payments, polling taskQueue.
func (e *benchEnv) startStack(ctx context.Context, taskQueue string) (*app.Stack, error) {
	cfg, err := config.Load()
	if err != nil {
		return nil, err
	}
	cfg.HTTPAddr, cfg.SiteKitAddr, cfg.PublicURL = "127.0.0.1:0", "127.0.0.1:0", ""
	cfg.DataDir, cfg.BlobDir = e.dir, filepath.Join(e.dir, "blobs")
	cfg.DatabaseURL = "sqlite://" + filepath.Join(e.dir, "cmp.db")
	cfg.TemporalAddress, cfg.TemporalNamespace, cfg.TaskQueue = e.dev.HostPort(), "default", taskQueue
	cfg.StripeSecretKey, cfg.Seed = "", true
	return app.Start(ctx, cfg, app.Roles{API: true, Worker: true, SiteKit: true}, e.quiet)
}

// Close stops the dev server and removes the directory.
func (e *benchEnv) Close() {
	if e.dev != nil {
		e.dev.Stop()
	}
	_ = os.RemoveAll(e.dir)
}

// freePorts asks the kernel for n free loopback ports.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
