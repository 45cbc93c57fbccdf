// Package app wires CMP's parts into running roles: the API, the worker, and the
// one-machine dev stack. cmd/cmpd only parses the command line and calls it.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/cmp-platform/cmp/internal/auth"
	"github.com/cmp-platform/cmp/internal/config"
	"github.com/cmp-platform/cmp/internal/db"
	"github.com/cmp-platform/cmp/internal/payments"
	"github.com/cmp-platform/cmp/internal/seed"
	"github.com/cmp-platform/cmp/internal/sitekit"
	"github.com/cmp-platform/cmp/models"
)

// OpenStore opens the read-model database and applies migrations.
func OpenStore(ctx context.Context, cfg config.Config) (*models.Store, error) {
	g, err := db.Open(cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, g); err != nil {
		return nil, err
	}
	return models.NewStore(g), nil
}

// Bootstrap creates the operator account and, on an empty database, the demo catalog.
func Bootstrap(ctx context.Context, cfg config.Config, store *models.Store, log *slog.Logger) error {
	hash, err := auth.HashPassword(cfg.OperatorPassword)
	if err != nil {
		return fmt.Errorf("operator password: %w", err)
	}
	if _, err := store.EnsureOperator(ctx, cfg.OperatorEmail, "Platform Operator", hash); err != nil {
		return fmt.Errorf("operator account: %w", err)
	}
	if cfg.Seed {
		seeded, err := seed.Run(ctx, store)
		if err != nil {
			return fmt.Errorf("seed catalog: %w", err)
		}
		if seeded {
			log.Info("seeded the demo catalog")
		}
	}
	return nil
}

// NewPayments picks the payment provider: Stripe when a secret key is set, else the sandbox.
func NewPayments(cfg config.Config) (payments.Provider, error) {
	if cfg.StripeSecretKey == "" {
		return payments.NewSandbox(), nil
	}
	return payments.NewStripe(payments.StripeConfig{SecretKey: cfg.StripeSecretKey, APIBase: cfg.StripeAPIBase})
}

// NewSiteKitClient connects to the configured Site-Kit runtime.
func NewSiteKitClient(cfg config.Config) *sitekit.Client {
	return sitekit.NewClient(cfg.SiteKitURL, cfg.SiteKitToken, &http.Client{Timeout: 20 * time.Second})
}

// DialTemporal connects to Temporal, retrying while the server starts.
func DialTemporal(ctx context.Context, hostPort, namespace string, log *slog.Logger) (client.Client, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := client.DialContext(ctx, client.Options{HostPort: hostPort, Namespace: namespace, Logger: newTemporalLogger(log)})
		if err == nil {
			return c, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("connect to Temporal at %s: %w", hostPort, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// sqlDB exposes the pool for shutdown.
func closeStore(s *models.Store) {
	if s == nil {
		return
	}
	if sqlDB, err := s.DB.DB(); err == nil {
		_ = sqlDB.Close()
	}
}
