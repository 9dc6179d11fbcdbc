package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one embedded schema change.
type migration struct {
	version    int
	name       string
	statements []string
}

// migrations returns the embedded migrations in version order. The files
// are part of the binary, so an error here is a bug caught by any test.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: the name does not start with a version number", base)
		}
		body, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		stmts, err := splitStatements(string(body))
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", base, err)
		}
		out = append(out, migration{version: v, name: strings.TrimSuffix(base, ".sql"), statements: stmts})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share a version", out[i-1].name, out[i].name)
		}
	}
	return out, nil
}

// latestVersion is the schema version this package needs.
func latestVersion() (int, error) {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0, err
	}
	return ms[len(ms)-1].version, nil
}

// splitStatements cuts a migration into statements so that they run one
// by one with any driver: lines starting with "--" are comments, and a
// statement ends with a line ending in a semicolon.
func splitStatements(body string) ([]string, error) {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(body, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		return nil, fmt.Errorf("the last statement does not end with a semicolon")
	}
	return out, nil
}

// lockNamespace is the first key of the advisory lock that serializes
// migrations; the second is hashtext(schema).
const lockNamespace = "payments-go/sqlstore"

// Migrate brings the store's schema up to date: it creates the schema
// named by [Options.Schema] if it does not exist, then applies, in one
// transaction, every embedded migration not yet recorded in the
// sqlstore_migrations table. It is idempotent and safe to run from many
// replicas at once: the transaction first takes the advisory lock
// pg_advisory_xact_lock(hashtext('payments-go/sqlstore'), hashtext(schema)),
// so runs queue up and each later run finds nothing left to do. If the
// connection drops or ctx ends midway, the transaction rolls back and
// nothing is half-applied.
func (s *Store) Migrate(ctx context.Context) error {
	if err := s.migrate(ctx); err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) (err error) {
	ms, err := migrations()
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))`, lockNamespace, s.schema); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	if s.schema != "" {
		// Create the schema only when missing: CREATE SCHEMA IF NOT EXISTS
		// needs the CREATE privilege on the database even when the schema
		// exists.
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)`, s.schema).Scan(&exists); err != nil {
			return fmt.Errorf("look up schema: %w", err)
		}
		if !exists {
			if _, err := tx.ExecContext(ctx, `CREATE SCHEMA `+quoteIdent(s.schema)); err != nil {
				return fmt.Errorf("create schema: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `SET LOCAL search_path TO `+quoteIdent(s.schema)); err != nil {
			return fmt.Errorf("set search_path: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+s.migrationsTable+` (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)`); err != nil {
		return fmt.Errorf("create the migrations table: %w", err)
	}
	applied, err := appliedVersions(ctx, tx, s.migrationsTable)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		for i, stmt := range m.statements {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("apply %s (statement %d): %w", m.name, i+1, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+s.migrationsTable+` (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
			return fmt.Errorf("record %s: %w", m.name, err)
		}
	}
	return tx.Commit()
}

func appliedVersions(ctx context.Context, tx *sql.Tx, table string) (map[int]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version FROM `+table)
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	defer rows.Close()
	applied := make(map[int]bool)
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("read applied migrations: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	return applied, nil
}

// schemaVersion returns the highest applied migration, or 0 when the
// store's tables have not been created.
func (s *Store) schemaVersion(ctx context.Context) (int, error) {
	var reg sql.NullString
	if err := s.db.QueryRowContext(ctx, `SELECT pg_catalog.to_regclass($1)::text`, s.migrationsTable).Scan(&reg); err != nil {
		return 0, err
	}
	if !reg.Valid {
		return 0, nil
	}
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(version) FROM `+s.migrationsTable).Scan(&v); err != nil {
		return 0, err
	}
	return int(v.Int64), nil
}

// quoteIdent quotes a PostgreSQL identifier.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
