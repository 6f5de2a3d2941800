// Package storetest gives tests a fresh database: a SQLite file under
// t.TempDir(), or a PostgreSQL schema of its own on the server named by
// REDCLOUD_TEST_POSTGRES_URL, so tests can run in parallel.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// EnvPostgres names the PostgreSQL server tests use; CI always sets it.
const EnvPostgres = "REDCLOUD_TEST_POSTGRES_URL"

// SQLite returns the path of a new SQLite file under t.TempDir().
func SQLite(t testing.TB) string {
	return filepath.Join(t.TempDir(), "redcloud.db")
}

// Postgres creates a schema of its own for the test, drops it when the test
// ends, and returns a DSN whose search_path is that schema. It skips the
// test when REDCLOUD_TEST_POSTGRES_URL is not set.
func Postgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skip(EnvPostgres + " is not set; .ci/run sets it")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("storetest: open postgres: %v", err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("storetest: create schema (is PostgreSQL running at %s?): %v", base, err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: %s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
