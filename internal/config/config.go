// Package config reads CMP's configuration from CMP_* environment variables.
// Every variable has a default so `cmpd dev` runs with nothing set; the README
// lists them all (the table there is generated from Vars by a test).
package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Development secrets: public defaults that must never guard real money.
const (
	devWebhookSecret    = "whsec_dev"
	devOperatorPassword = "operator-dev-password"
)

// Config is the whole configuration of one cmpd process.
type Config struct {
	HTTPAddr          string
	PublicURL         string
	DataDir           string
	DatabaseURL       string
	TemporalAddress   string
	TemporalNamespace string
	TemporalUIPort    int
	TaskQueue         string
	SiteKitURL        string
	SiteKitAddr       string
	SiteKitToken      string
	SiteKitHeartbeat  time.Duration
	StripeSecretKey   string
	StripeAPIBase     string
	StripeWebhookKey  string
	OperatorEmail     string
	OperatorPassword  string
	ProvisionDeadline time.Duration
	ApprovalSLA       time.Duration
	CommissionBPS     int64
	SessionTTL        time.Duration
	Seed              bool
	BlobDir           string
	LogLevel          string
}

// Var documents one environment variable.
type Var struct {
	Name, Default, Help string
}

// Vars lists every variable CMP reads, with its default and meaning.
var Vars = []Var{
	{"CMP_HTTP_ADDR", "127.0.0.1:8080", "address the REST API listens on"},
	{"CMP_PUBLIC_URL", "http://<CMP_HTTP_ADDR>", "public base URL of the API (used in links, widget code, heartbeat URLs)"},
	{"CMP_DATA_DIR", "./data", "where `cmpd dev` keeps the SQLite file, the Temporal dev server file, blobs and Site-Kit state"},
	{"CMP_DATABASE_URL", "sqlite://<CMP_DATA_DIR>/cmp.db", "read-model database: a postgres:// URL selects PostgreSQL"},
	{"TEMPORAL_ADDRESS", "(dev: embedded server on 127.0.0.1:7233)", "Temporal frontend host:port; when set, `cmpd dev` connects to it instead of starting a dev server"},
	{"TEMPORAL_NAMESPACE", "default", "Temporal namespace"},
	{"CMP_TEMPORAL_UI_PORT", "8233", "port of the embedded dev server's Web UI"},
	{"CMP_TASK_QUEUE", "cmp", "Temporal task queue of the worker"},
	{"CMP_SITEKIT_URL", "http://127.0.0.1:8090", "Site-Kit runtime base URL"},
	{"CMP_SITEKIT_ADDR", "127.0.0.1:8090", "address the embedded Site-Kit runtime listens on (`cmpd dev`, `cmpd sitekit`)"},
	{"CMP_SITEKIT_TOKEN", "dev-sitekit-token", "bearer token CMP uses to call Site-Kit"},
	{"CMP_SITEKIT_HEARTBEAT_INTERVAL", "15s", "how often the embedded Site-Kit runtime reports heartbeats"},
	{"CMP_STRIPE_SECRET_KEY", "", "Stripe secret key; empty selects the sandbox payment provider"},
	{"CMP_STRIPE_API_BASE", "", "Stripe API base URL override (e.g. stripe-mock)"},
	{"CMP_STRIPE_WEBHOOK_SECRET", "whsec_dev", "Stripe webhook signing secret"},
	{"CMP_OPERATOR_EMAIL", "operator@cmp.local", "platform operator account created at start"},
	{"CMP_OPERATOR_PASSWORD", "operator-dev-password", "its password (change it in production)"},
	{"CMP_PROVISION_DEADLINE", "10m", "how long a Site-Kit outage may delay an order before it fails and is refunded"},
	{"CMP_APPROVAL_SLA", "48h", "listing review SLA before the reminder fires"},
	{"CMP_COMMISSION_BPS", "2000", "platform commission in basis points (2000 = 20%)"},
	{"CMP_SESSION_TTL", "720h", "lifetime of a sign-in token"},
	{"CMP_SEED", "true", "seed the demo catalog on an empty database"},
	{"CMP_BLOB_DIR", "<CMP_DATA_DIR>/blobs", "local blob store directory"},
	{"CMP_LOG_LEVEL", "info", "one of debug, info, warn, error"},
}

// Load reads the environment.
func Load() (Config, error) {
	c := Config{
		HTTPAddr:          env("CMP_HTTP_ADDR", "127.0.0.1:8080"),
		DataDir:           env("CMP_DATA_DIR", "./data"),
		TemporalAddress:   os.Getenv("TEMPORAL_ADDRESS"),
		TemporalNamespace: env("TEMPORAL_NAMESPACE", "default"),
		TaskQueue:         env("CMP_TASK_QUEUE", "cmp"),
		SiteKitURL:        env("CMP_SITEKIT_URL", "http://127.0.0.1:8090"),
		SiteKitAddr:       env("CMP_SITEKIT_ADDR", "127.0.0.1:8090"),
		SiteKitToken:      env("CMP_SITEKIT_TOKEN", "dev-sitekit-token"),
		StripeSecretKey:   os.Getenv("CMP_STRIPE_SECRET_KEY"),
		StripeAPIBase:     os.Getenv("CMP_STRIPE_API_BASE"),
		StripeWebhookKey:  env("CMP_STRIPE_WEBHOOK_SECRET", devWebhookSecret),
		OperatorEmail:     env("CMP_OPERATOR_EMAIL", "operator@cmp.local"),
		OperatorPassword:  env("CMP_OPERATOR_PASSWORD", devOperatorPassword),
		LogLevel:          env("CMP_LOG_LEVEL", "info"),
	}
	c.PublicURL = env("CMP_PUBLIC_URL", "http://"+c.HTTPAddr)
	c.DatabaseURL = env("CMP_DATABASE_URL", "sqlite://"+c.DataDir+"/cmp.db")
	c.BlobDir = env("CMP_BLOB_DIR", c.DataDir+"/blobs")
	var err error
	if c.TemporalUIPort, err = intEnv("CMP_TEMPORAL_UI_PORT", 8233); err != nil {
		return c, err
	}
	if c.ProvisionDeadline, err = durEnv("CMP_PROVISION_DEADLINE", 10*time.Minute); err != nil {
		return c, err
	}
	if c.ApprovalSLA, err = durEnv("CMP_APPROVAL_SLA", 48*time.Hour); err != nil {
		return c, err
	}
	if c.SiteKitHeartbeat, err = durEnv("CMP_SITEKIT_HEARTBEAT_INTERVAL", 15*time.Second); err != nil {
		return c, err
	}
	if c.SessionTTL, err = durEnv("CMP_SESSION_TTL", 720*time.Hour); err != nil {
		return c, err
	}
	bps, err := intEnv("CMP_COMMISSION_BPS", 2000)
	if err != nil {
		return c, err
	}
	if bps < 0 || bps > 10000 {
		return c, fmt.Errorf("CMP_COMMISSION_BPS must be 0..10000, got %d", bps)
	}
	c.CommissionBPS = int64(bps)
	if c.Seed, err = strconv.ParseBool(env("CMP_SEED", "true")); err != nil {
		return c, fmt.Errorf("CMP_SEED: %w", err)
	}
	if live := strings.Contains(c.StripeSecretKey, "_live_"); live && c.StripeWebhookKey == devWebhookSecret {
		return c, fmt.Errorf("CMP_STRIPE_WEBHOOK_SECRET must be set with a live Stripe key: the default lets anyone forge payment events")
	} else if live && c.OperatorPassword == devOperatorPassword {
		return c, fmt.Errorf("CMP_OPERATOR_PASSWORD must be set with a live Stripe key: the default is public")
	}
	return c, nil
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func intEnv(name string, def int) (int, error) {
	v := env(name, "")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return n, nil
}

func durEnv(name string, def time.Duration) (time.Duration, error) {
	v := env(name, "")
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return d, nil
}
