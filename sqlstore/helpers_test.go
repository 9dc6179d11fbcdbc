package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for tests only

	"github.com/payments-go/payments/internal/testenv"
	"github.com/payments-go/payments/sqlstore"
)

// openDB opens a pool of at most maxConns connections on the test
// database, closed when the test ends. Each call is a separate pool, as a
// separate replica would have.
func openDB(t testing.TB, maxConns int) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", testenv.DatabaseURL(t))
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// newSchema returns the name of a schema no other test uses; the schema,
// which Migrate creates, is dropped when the test ends.
func newSchema(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "sqlstore_test_" + hex.EncodeToString(b)
	admin := openDB(t, 2)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// openStore opens a migrated Store in schema over db.
func openStore(t testing.TB, db *sql.DB, schema string) *sqlstore.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := sqlstore.Open(ctx, db, &sqlstore.Options{Schema: schema, Migrate: true})
	if err != nil {
		t.Fatalf("sqlstore.Open: %v", err)
	}
	return st
}

// newStore is a fresh store in a fresh schema.
func newStore(t testing.TB) (*sqlstore.Store, *sql.DB, string) {
	t.Helper()
	schema := newSchema(t)
	db := openDB(t, 8)
	return openStore(t, db, schema), db, schema
}

// waitForBackend waits until a backend of the test database runs a
// statement containing fragment and waits on a lock, and returns its pid.
func waitForBackend(t *testing.T, admin *sql.DB, fragment string) int {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		var pid int
		err := admin.QueryRowContext(t.Context(), `SELECT pid FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'
  AND position($1 in query) > 0 LIMIT 1`, fragment).Scan(&pid)
		if err == nil {
			return pid
		}
		if err != sql.ErrNoRows {
			t.Fatalf("pg_stat_activity: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no backend waits on a lock while running %q", fragment)
	return 0
}

// explain returns PostgreSQL's plan of query with args, one line of the
// plan per line.
func explain(t testing.TB, db *sql.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `EXPLAIN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan.String()
}
