package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/cmp-platform/cmp/activities"
	"github.com/cmp-platform/cmp/api"
	"github.com/cmp-platform/cmp/internal/config"
	"github.com/cmp-platform/cmp/internal/devserver"
	"github.com/cmp-platform/cmp/internal/notify"
	"github.com/cmp-platform/cmp/internal/payments"
	"github.com/cmp-platform/cmp/internal/sitekit"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

// Roles selects what a Stack runs in this process.
type Roles struct {
	API, Worker, SiteKit, TemporalDevServer bool
}

// Stack is a running CMP process: any mix of API, worker, embedded Site-Kit and
// embedded Temporal dev server. `cmpd dev` runs them all; tests do too.
type Stack struct {
	Config   config.Config
	Log      *slog.Logger
	Store    *models.Store
	Temporal client.Client
	Payments payments.Provider
	SiteKit  *sitekit.Runtime
	API      *api.Server

	// APIURL and SiteKitURL are where the servers listen (resolved ports).
	APIURL, SiteKitURL string

	dev         *devserver.Server
	worker      worker.Worker
	workerReady atomic.Bool
	servers     []*http.Server
	// stopNotify ends the notification delivery loop; notifyDone closes after it.
	stopNotify context.CancelFunc
	notifyDone chan struct{}
}

// Start brings up the roles in dependency order: database, Site-Kit, Temporal,
// worker, API. Listeners bind before anything uses their URLs, so ":0" works.
func Start(ctx context.Context, cfg config.Config, roles Roles, log *slog.Logger) (st *Stack, err error) {
	st = &Stack{Config: cfg, Log: log}
	defer func() {
		if err != nil {
			st.Close()
		}
	}()
	apiLn, skLn, err := st.listen(roles)
	if err != nil {
		return st, err
	}
	if st.Store, err = OpenStore(ctx, st.Config); err != nil {
		return st, err
	}
	if roles.API || roles.Worker {
		if err := Bootstrap(ctx, st.Config, st.Store, log); err != nil {
			return st, err
		}
	}
	if roles.SiteKit {
		if err := st.startSiteKit(skLn); err != nil {
			return st, err
		}
	}
	if err := st.connectTemporal(ctx, roles); err != nil {
		return st, err
	}
	if roles.Worker {
		if err := st.startWorker(ctx); err != nil {
			return st, err
		}
	}
	if roles.API {
		st.startAPI(apiLn, roles.Worker)
	}
	return st, nil
}

func (st *Stack) listen(roles Roles) (apiLn, skLn net.Listener, err error) {
	cfg := &st.Config
	if roles.SiteKit {
		if skLn, err = net.Listen("tcp", cfg.SiteKitAddr); err != nil {
			return nil, nil, fmt.Errorf("Site-Kit listen on %s: %w", cfg.SiteKitAddr, err)
		}
		st.SiteKitURL = "http://" + skLn.Addr().String()
		cfg.SiteKitURL = st.SiteKitURL
	}
	if roles.API {
		if apiLn, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
			return nil, skLn, fmt.Errorf("API listen on %s: %w", cfg.HTTPAddr, err)
		}
		st.APIURL = "http://" + apiLn.Addr().String()
		if cfg.PublicURL == "" || cfg.PublicURL == "http://"+cfg.HTTPAddr {
			cfg.PublicURL = st.APIURL
		}
	}
	return apiLn, skLn, nil
}

func (st *Stack) startSiteKit(ln net.Listener) error {
	rt, err := sitekit.NewRuntime(sitekit.RuntimeConfig{
		Token: st.Config.SiteKitToken, BaseURL: st.SiteKitURL,
		StatePath: filepath.Join(st.Config.DataDir, "sitekit.json"), HeartbeatInterval: st.Config.SiteKitHeartbeat,
		Logger: st.Log.With("component", "sitekit"),
	})
	if err != nil {
		return fmt.Errorf("Site-Kit runtime: %w", err)
	}
	st.SiteKit = rt
	st.serve(ln, rt.Handler())
	return nil
}

func (st *Stack) connectTemporal(ctx context.Context, roles Roles) error {
	addr := st.Config.TemporalAddress
	if addr == "" && roles.TemporalDevServer {
		srv, err := devserver.Start(ctx, devserver.Config{
			DBFile: filepath.Join(st.Config.DataDir, "temporal.db"), IP: "127.0.0.1", Port: 7233,
			UIPort: st.Config.TemporalUIPort, Namespace: st.Config.TemporalNamespace, Logger: st.Log.With("component", "temporal"),
		})
		if err != nil {
			return err
		}
		st.dev = srv
		addr = srv.HostPort()
	}
	if addr == "" {
		addr = "127.0.0.1:7233"
	}
	c, err := DialTemporal(ctx, addr, st.Config.TemporalNamespace, st.Log)
	if err != nil {
		return err
	}
	st.Temporal = c
	if st.dev == nil && roles.Worker {
		// A real cluster: register the search attributes the workflows set.
		if err := devserver.EnsureSearchAttributes(ctx, c, st.Config.TemporalNamespace, devserver.SearchAttributes); err != nil {
			return fmt.Errorf("register search attributes: %w", err)
		}
	}
	return nil
}

func (st *Stack) startWorker(ctx context.Context) error {
	pay, err := NewPayments(st.Config)
	if err != nil {
		return err
	}
	st.Payments = pay
	acts := &activities.Activities{
		Store: st.Store, Payments: pay, SiteKit: NewSiteKitClient(st.Config), PublicURL: st.Config.PublicURL,
		CommissionBPS: st.Config.CommissionBPS, Logger: st.Log.With("component", "activities"),
	}
	w := worker.New(st.Temporal, st.taskQueue(), WorkerOptions())
	workflows.Register(w, acts)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	st.worker = w
	st.startNotifications()
	if err := EnsurePayoutSchedule(ctx, st.Temporal, st.taskQueue()); err != nil {
		return err
	}
	st.workerReady.Store(true)
	return nil
}

func (st *Stack) startAPI(ln net.Listener, localWorker bool) {
	ready := st.remoteWorkerReady
	if localWorker {
		ready = func(context.Context) error {
			if !st.workerReady.Load() {
				return errors.New("worker not started")
			}
			return nil
		}
	}
	st.API = api.New(api.Deps{Store: st.Store, Temporal: st.Temporal, Config: st.Config, Ready: ready, Logger: st.Log})
	st.serve(ln, st.API.Handler())
}

// remoteWorkerReady asks Temporal whether any worker polls the task queue.
func (st *Stack) remoteWorkerReady(ctx context.Context) error {
	resp, err := st.Temporal.DescribeTaskQueue(ctx, st.taskQueue(), 1 /* workflow */)
	if err != nil {
		return err
	}
	if len(resp.GetPollers()) == 0 {
		return errors.New("no worker polls task queue " + st.taskQueue())
	}
	return nil
}

func (st *Stack) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	st.servers = append(st.servers, srv)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			st.Log.Error("http server stopped", "addr", ln.Addr().String(), "err", err)
		}
	}()
}

func (st *Stack) taskQueue() string {
	if st.Config.TaskQueue != "" {
		return st.Config.TaskQueue
	}
	return workflows.TaskQueue
}

// TemporalUI is the Web UI URL of the embedded dev server, or "".
func (st *Stack) TemporalUI() string {
	if st.dev == nil {
		return ""
	}
	return st.dev.UIURL()
}

// TemporalHostPort is where Temporal answers.
func (st *Stack) TemporalHostPort() string {
	if st.dev != nil {
		return st.dev.HostPort()
	}
	if st.Config.TemporalAddress != "" {
		return st.Config.TemporalAddress
	}
	return "127.0.0.1:" + strconv.Itoa(7233)
}

// Close stops everything in reverse order.
func (st *Stack) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range st.servers {
		_ = s.Shutdown(ctx)
	}
	if st.worker != nil {
		st.worker.Stop()
	}
	if st.stopNotify != nil {
		st.stopNotify()
		<-st.notifyDone
	}
	if st.Temporal != nil {
		st.Temporal.Close()
	}
	if st.SiteKit != nil {
		_ = st.SiteKit.Close()
	}
	if st.dev != nil {
		st.dev.Stop()
	}
	closeStore(st.Store)
}

// WorkerOptions are the options of CMP's worker. More pollers than the SDK's
// default of 2: with several buyers checking out at once, two workflow-task
// pollers queue tasks behind each other (seen as ~2 s p95 stalls in the checkout
// benchmark). Benchmarks use the same options for their floor workers.
func WorkerOptions() worker.Options {
	return worker.Options{MaxConcurrentWorkflowTaskPollers: 8, MaxConcurrentActivityTaskPollers: 8}
}

// notifyInterval is how often the worker delivers the notifications outbox.
const notifyInterval = time.Second

// startNotifications delivers the outbox with the log Notifier (the dev
// delivery; a mail Notifier plugs in here).
func (st *Stack) startNotifications() {
	ctx, cancel := context.WithCancel(context.Background())
	st.stopNotify, st.notifyDone = cancel, make(chan struct{})
	log := st.Log.With("component", "notify")
	go func() {
		defer close(st.notifyDone)
		notify.Run(ctx, st.Store, notify.Log{Logger: log}, notifyInterval, log)
	}()
}
