// Package db opens the read-model database (SQLite by default, PostgreSQL when the
// URL says so) and applies the versioned migrations embedded in this package.
package db

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/pressly/goose/v3"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

//go:embed migrations
var migrations embed.FS

// Dialect names the database engine behind a URL.
type Dialect string

// The engines CMP supports.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DialectOf tells the engine from a database URL.
func DialectOf(url string) Dialect {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return Postgres
	}
	return SQLite
}

// Open connects to url ("sqlite://path" or "postgres://...") with pool settings
// suited to each engine.
func Open(url string) (*gorm.DB, error) {
	cfg := &gorm.Config{Logger: logger.Default.LogMode(logger.Silent), TranslateError: true, NowFunc: func() time.Time { return time.Now().UTC() }}
	switch DialectOf(url) {
	case Postgres:
		g, err := gorm.Open(postgres.Open(url), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, _ := g.DB()
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(20)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		return g, nil
	default:
		path := strings.TrimPrefix(url, "sqlite://")
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("create database dir: %w", err)
			}
		}
		// WAL lets readers run beside the single writer; busy_timeout queues writers
		// instead of failing them with SQLITE_BUSY under concurrent checkouts.
		dsn := path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		g, err := gorm.Open(sqlite.Open(dsn), cfg)
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		sqlDB, _ := g.DB()
		sqlDB.SetMaxOpenConns(8)
		return g, nil
	}
}

// Migrate applies every pending migration for the database's dialect.
func Migrate(ctx context.Context, g *gorm.DB) error {
	sqlDB, err := g.DB()
	if err != nil {
		return err
	}
	d := SQLite
	if g.Dialector.Name() == "postgres" {
		d = Postgres
	}
	return migrate(ctx, sqlDB, d)
}

func migrate(ctx context.Context, sqlDB *sql.DB, d Dialect) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(d))
	if err != nil {
		return err
	}
	gd := goose.DialectSQLite3
	if d == Postgres {
		gd = goose.DialectPostgres
	}
	p, err := goose.NewProvider(gd, sqlDB, sub, goose.WithAllowOutofOrder(true))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate up: %w", err)
	}
	return nil
}
