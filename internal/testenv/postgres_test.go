package testenv

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNewPostgresDSN_CreatesADatabaseAndDropsItWhenTheTestEnds(t *testing.T) {
	var dsn string
	var leftOpen *sql.DB
	ok := t.Run("UsesIt", func(t *testing.T) {
		dsn = NewPostgresDSN(t)
		if !strings.Contains(dsn, "/cmp_test_") {
			t.Fatalf("dsn %q does not name a cmp_test_ database", dsn)
		}
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`CREATE TABLE t (id int); INSERT INTO t VALUES (1)`); err != nil {
			t.Fatalf("use test database: %v", err)
		}
		leftOpen = db // still connected when the drop runs: WITH (FORCE) must cope
	})
	if !ok {
		return
	}
	defer leftOpen.Close()

	admin, err := sql.Open("pgx", adminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := dsn[strings.LastIndex(dsn, "/")+1:]
	name, _, _ = strings.Cut(name, "?")
	var n int
	if err := admin.QueryRowContext(context.Background(), `SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s still exists after its test ended", name)
	}
}

func TestSQLiteDSN_IsAFileInTheTestsTempDir(t *testing.T) {
	dsn := SQLiteDSN(t)
	if _, err := os.Stat(filepath.Dir(dsn)); err != nil {
		t.Fatalf("directory of %s: %v", dsn, err)
	}
}
