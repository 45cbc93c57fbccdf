// Command cmpd is CMP in one binary: `dev` runs the whole platform on one
// machine; `api` and `worker` are the production split; `migrate` applies the
// database migrations; `sitekit` serves the reference Site-Kit runtime alone.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/cmp-platform/cmp/internal/app"
	"github.com/cmp-platform/cmp/internal/config"
)

const usage = `usage: cmpd <command>

commands:
  dev       the whole platform on one machine: Temporal dev server with Web UI,
            SQLite, sandbox payments, embedded Site-Kit, seeded catalog
  api       the REST API (stateless; scale out behind a load balancer)
  worker    the Temporal worker running CMP's workflows and activities
  migrate   apply database migrations and exit
  sitekit   the reference Site-Kit runtime alone

Configuration comes from CMP_* environment variables; see README.md.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cmpd: configuration:", err)
		os.Exit(2)
	}
	log := newLogger(cfg.LogLevel)
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1], cfg, log); err != nil {
		log.Error("cmpd "+os.Args[1]+" failed", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cmd string, cfg config.Config, log *slog.Logger) error {
	switch cmd {
	case "migrate":
		st, err := app.OpenStore(ctx, cfg)
		if err != nil {
			return err
		}
		log.Info("migrations applied", "database", redact(cfg.DatabaseURL))
		_ = st
		return nil
	case "dev":
		return serve(ctx, cfg, app.Roles{API: true, Worker: true, SiteKit: true, TemporalDevServer: true}, log, true)
	case "api":
		return serve(ctx, cfg, app.Roles{API: true}, log, false)
	case "worker":
		return serve(ctx, cfg, app.Roles{Worker: true}, log, false)
	case "sitekit":
		return serve(ctx, cfg, app.Roles{SiteKit: true}, log, false)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func serve(ctx context.Context, cfg config.Config, roles app.Roles, log *slog.Logger, banner bool) error {
	st, err := app.Start(ctx, cfg, roles, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if banner {
		printBanner(st)
	} else {
		log.Info("cmpd started", "api", st.APIURL, "sitekit", st.SiteKitURL, "temporal", st.TemporalHostPort())
	}
	<-ctx.Done()
	log.Info("shutting down")
	return nil
}

func printBanner(st *app.Stack) {
	c := st.Config
	fmt.Printf(`
CMP is running.
  API           %s   (GET /readyz, /api/v1/openapi.json)
  Temporal UI   %s
  Temporal gRPC %s
  Site-Kit      %s
  Database      %s
  Payments      %s
  Operator      %s / %s   (dev defaults: set CMP_OPERATOR_EMAIL / CMP_OPERATOR_PASSWORD)
Press Ctrl-C to stop.
`, st.APIURL, orDash(st.TemporalUI()), st.TemporalHostPort(), st.SiteKitURL, redact(c.DatabaseURL), paymentsName(st), c.OperatorEmail, c.OperatorPassword)
}

func paymentsName(st *app.Stack) string {
	if st.Payments == nil {
		return "-"
	}
	return st.Payments.Name()
}

func orDash(s string) string {
	if s == "" {
		return "(external cluster)"
	}
	return s
}

// redact hides a database password in logs.
func redact(url string) string {
	if i := strings.Index(url, "://"); i >= 0 {
		rest := url[i+3:]
		if at := strings.Index(rest, "@"); at >= 0 {
			if colon := strings.Index(rest[:at], ":"); colon >= 0 {
				return url[:i+3] + rest[:colon] + ":***" + rest[at:]
			}
		}
	}
	return url
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}
