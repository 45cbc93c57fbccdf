package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// PostgresURLEnv names the server tests create their databases on.
const PostgresURLEnv = "CMP_TEST_POSTGRES_URL"

// DefaultPostgresURL is the local server CI and `.ci/run` provide.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// NewPostgresDSN creates an empty database for this test, named cmp_test_<random>,
// on $CMP_TEST_POSTGRES_URL (default DefaultPostgresURL), and returns its DSN.
// The database is dropped, with any connections still open to it, when the
// test ends.
func NewPostgresDSN(t testing.TB) string {
	t.Helper()
	admin := adminURL()
	u, err := url.Parse(admin)
	if err != nil || u.Scheme == "" {
		t.Fatalf("testenv: %s must be a postgres:// URL, got %q", PostgresURLEnv, admin)
	}
	name := "cmp_test_" + randomHex(8)
	if err := execAdmin(admin, `CREATE DATABASE "`+name+`"`); err != nil {
		if errors.Is(err, errUnreachable) {
			t.Fatalf("testenv: PostgreSQL not reachable at %s: start it (see README): %v", u.Redacted(), err)
		}
		t.Fatalf("testenv: create test database %s on %s: %v", name, u.Redacted(), err)
	}
	t.Cleanup(func() {
		if err := execAdmin(admin, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
			t.Errorf("testenv: drop test database %s: %v", name, err)
		}
	})
	dsn := *u
	dsn.Path = "/" + name
	return dsn.String()
}

// SQLiteDSN is a database file in the test's temporary directory.
func SQLiteDSN(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "cmp.db")
}

// adminURL is the server's URL from the environment, or the default.
func adminURL() string {
	if u := os.Getenv(PostgresURLEnv); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// errUnreachable marks a failure to connect, as opposed to a refused statement.
var errUnreachable = errors.New("cannot connect")

// execAdmin runs one statement on the admin database over a short-lived
// connection, so no pool outlives the test.
func execAdmin(dsn, stmt string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("%w: %w", errUnreachable, err)
	}
	_, err = db.ExecContext(ctx, stmt)
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
