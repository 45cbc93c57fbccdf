package devserver

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

// Supervision timings: a server that keeps dying is restarted ever more
// slowly, and one that stayed up for stableAfter starts over from minBackoff.
const (
	minBackoff  = time.Second
	maxBackoff  = 30 * time.Second
	stableAfter = time.Minute
	stopGrace   = 10 * time.Second
	probeEvery  = 200 * time.Millisecond
)

// Server is a running, supervised dev server.
type Server struct {
	cfg    Config
	log    *slog.Logger
	args   []string
	cancel context.CancelFunc
	done   chan struct{}
	// current is the live process, for tests that kill it.
	current atomic.Pointer[run]
}

// Start launches the dev server, waits until its frontend answers, and keeps
// it running — restarting it with backoff if it dies — until ctx is cancelled
// or Stop is called. ctx is the server's lifetime, not a start timeout (that is
// Config.StartTimeout); call Stop to wait for the process to be gone.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if _, err := parseSearchAttributes(cfg.SearchAttributes); err != nil {
		return nil, err
	}
	if _, err := os.Stat(cfg.Binary); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s not found: run `make tools` (or set %s to a Temporal CLI)", cfg.Binary, BinaryEnv)
		}
		return nil, fmt.Errorf("temporal CLI: %w", err)
	}
	ports := []int{cfg.Port}
	if !cfg.Headless {
		ports = append(ports, cfg.UIPort)
	}
	for _, p := range ports {
		if err := checkPortFree(cfg.IP, p); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(filepath.Dir(cfg.DBFile), 0o755); err != nil {
		return nil, fmt.Errorf("temporal dev server state directory: %w", err)
	}

	runCtx, cancel := context.WithCancel(ctx)
	s := &Server{
		cfg:    cfg,
		log:    cfg.Logger.With("component", "temporal"),
		args:   cfg.args(),
		cancel: cancel,
		done:   make(chan struct{}),
	}
	r, err := s.startReady(runCtx)
	if err != nil {
		cancel()
		return nil, err
	}
	s.log.Info("temporal dev server ready", "address", s.HostPort(), "ui", s.UIURL(), "db", cfg.DBFile)
	go s.supervise(runCtx, r)
	return s, nil
}

// HostPort is the frontend address for client.Options.HostPort.
func (s *Server) HostPort() string {
	return net.JoinHostPort(s.cfg.IP, strconv.Itoa(s.cfg.Port))
}

// UIURL is the Web UI's address, or "" when the server is headless.
func (s *Server) UIURL() string {
	if s.cfg.Headless {
		return ""
	}
	host := s.cfg.IP
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(s.cfg.UIPort))
}

// Stop ends supervision and the server's whole process group, and waits for
// both. It is safe to call more than once.
func (s *Server) Stop() {
	s.cancel()
	<-s.done
}

// args is the start-dev command line.
func (c Config) args() []string {
	args := []string{
		"server", "start-dev",
		"--ip", c.IP,
		"--port", strconv.Itoa(c.Port),
		"--db-filename", c.DBFile,
		"--namespace", c.Namespace,
		"--log-level", "warn",
		"--log-format", "json", // decoded into slog records by lineWriter
	}
	if c.Headless {
		args = append(args, "--headless")
	} else {
		args = append(args, "--ui-port", strconv.Itoa(c.UIPort))
	}
	args = append(args, SearchAttributeArgs(c.SearchAttributes)...)
	return append(args, TuningArgs()...)
}

// supervise restarts the server whenever it exits, until ctx is done.
func (s *Server) supervise(ctx context.Context, r *run) {
	defer close(s.done)
	delay := minBackoff
	for {
		select {
		case <-ctx.Done():
			s.terminate(r)
			return
		case <-r.exited:
		}
		if ctx.Err() != nil {
			return
		}
		if time.Since(r.started) > stableAfter {
			delay = minBackoff
		}
		s.log.Error("temporal dev server exited; restarting", "err", r.err, "in", delay, "output", r.tail.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, maxBackoff)
		next, err := s.startReady(ctx)
		r = next
		if ctx.Err() != nil {
			s.terminate(r)
			return
		}
		if err != nil {
			s.log.Error("temporal dev server restart failed", "err", err)
			continue
		}
		s.log.Info("temporal dev server restarted", "address", s.HostPort())
	}
}

// startReady launches one server process and waits for its frontend. On error
// the process is gone and the returned run has exited.
func (s *Server) startReady(ctx context.Context) (*run, error) {
	r := s.launch()
	if r.err != nil {
		return r, r.err
	}
	waitCtx, cancel := context.WithTimeout(ctx, s.cfg.StartTimeout)
	defer cancel()
	if err := s.waitReady(waitCtx, r); err != nil {
		s.terminate(r)
		return r, err
	}
	return r, nil
}

// waitReady polls the frontend until it answers a health check and knows the
// namespace, failing early if the process exits.
func (s *Server) waitReady(ctx context.Context, r *run) error {
	var last error
	for {
		select {
		case <-r.exited:
			return fmt.Errorf("temporal dev server exited during start (%v):\n%s", r.err, r.tail.String())
		default:
		}
		if last = s.probe(ctx); last == nil {
			return nil
		}
		select {
		case <-r.exited:
		case <-ctx.Done():
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return ctx.Err()
			}
			return fmt.Errorf("temporal dev server at %s not ready after %s: %w", s.HostPort(), s.cfg.StartTimeout, last)
		case <-time.After(probeEvery):
		}
	}
}

// probe dials the frontend once; Dial itself runs the gRPC health check.
func (s *Server) probe(ctx context.Context) error {
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  s.HostPort(),
		Namespace: s.cfg.Namespace,
		Logger:    sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		return err
	}
	_, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: s.cfg.Namespace})
	return err
}

// checkPortFree fails clearly when something (often another `cmpd dev`)
// already listens where the server would; the readiness probe would otherwise
// mistake that listener for our server.
func checkPortFree(ip string, port int) error {
	addr := net.JoinHostPort(ip, strconv.Itoa(port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("temporal dev server: %s is already in use (is another `cmpd dev` running?): %w", addr, err)
	}
	return l.Close()
}

// run is one process of the server.
type run struct {
	cmd     *exec.Cmd
	started time.Time
	tail    *tailBuffer
	exited  chan struct{} // closed once the process has been waited for
	err     error         // why it exited (or failed to start); read after exited
	// stopping is set once we asked it to stop: the warnings it then prints
	// about its own connections closing are expected, so they drop to debug.
	stopping atomic.Bool
}

// launch starts a process in its own process group, with its output going to
// the logger.
func (s *Server) launch() *run {
	r := &run{started: time.Now(), tail: newTailBuffer(40), exited: make(chan struct{})}
	cmd := exec.Command(s.cfg.Binary, s.args...)
	cmd.SysProcAttr = sysProcAttr()
	cmd.Stdout = &lineWriter{log: s.log, level: slog.LevelInfo, tail: r.tail, quiet: &r.stopping}
	cmd.Stderr = &lineWriter{log: s.log, level: slog.LevelWarn, tail: r.tail, quiet: &r.stopping}
	r.cmd = cmd
	s.current.Store(r)
	if err := cmd.Start(); err != nil {
		r.err = fmt.Errorf("start %s: %w", s.cfg.Binary, err)
		close(r.exited)
		return r
	}
	go func() {
		r.err = cmd.Wait()
		close(r.exited)
	}()
	return r
}

// terminate asks the process group to shut down, and kills it if it has not
// within stopGrace.
func (s *Server) terminate(r *run) {
	select {
	case <-r.exited:
		return
	default:
	}
	r.stopping.Store(true)
	if err := signalGroup(r.cmd.Process, false); err != nil {
		s.log.Warn("temporal dev server: signal", "err", err)
	}
	select {
	case <-r.exited:
		return
	case <-time.After(stopGrace):
	}
	s.log.Warn("temporal dev server did not stop in time; killing it")
	_ = signalGroup(r.cmd.Process, true)
	<-r.exited
}
