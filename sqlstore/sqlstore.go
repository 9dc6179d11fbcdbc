package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/payments-go/payments"
)

// Options configure [Open]. A nil *Options means the defaults.
type Options struct {
	// Schema is the PostgreSQL schema that holds the store's tables. Empty
	// means unqualified names, resolved through the connection's
	// search_path (normally "public"). Tests give each run a schema of
	// its own; applications may keep the payments apart from their other
	// tables.
	Schema string
	// Migrate makes [Open] run [Store.Migrate] before anything else.
	// Without it, Open refuses a database whose schema is older than this
	// package needs.
	Migrate bool
}

// Store is a [payments.Store] in PostgreSQL. It is safe for concurrent use
// by many goroutines, and by many processes sharing one database. It holds
// no resources of its own: the application opened the *sql.DB and closes
// it.
type Store struct {
	db     *sql.DB
	schema string

	// Qualified table names.
	paymentsTable, eventsTable, migrationsTable string

	// SQL text, built once for the schema.
	getSQL, createSQL, updateSQL, unsettledSQL, recordEventSQL, eventSeenSQL string
}

var _ payments.Store = (*Store)(nil)

// Open returns a Store over db, a PostgreSQL database the application
// opened with the driver of its choice (such as pgx's stdlib: sql.Open("pgx",
// dsn)). It checks that the database answers, runs [Store.Migrate] when
// opts.Migrate is set, and otherwise checks that the schema is up to date.
func Open(ctx context.Context, db *sql.DB, opts *Options) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlstore: open: the *sql.DB is nil")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Schema != "" && (len(o.Schema) > 63 || !utf8.ValidString(o.Schema) || strings.ContainsRune(o.Schema, 0)) {
		return nil, errors.New("sqlstore: open: Options.Schema must be valid UTF-8 of at most 63 bytes without NUL")
	}
	s := newStore(db, o.Schema)
	if err := db.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("sqlstore: open: %w", err)
	}
	if o.Migrate {
		if err := s.Migrate(ctx); err != nil {
			return nil, err
		}
		return s, nil
	}
	want, err := latestVersion()
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open: %w", err)
	}
	have, err := s.schemaVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open: read the schema version: %w", err)
	}
	if have < want {
		return nil, fmt.Errorf("sqlstore: open: the database schema is at version %d, this package needs %d: run Store.Migrate or set Options.Migrate", have, want)
	}
	return s, nil
}

// columns lists the payments table's columns in the order that scanPayment
// reads and paymentArgs writes them.
const columns = `order_number, id, amount, currency, status, gateway, method, gateway_reference,
refunded_amount, refunds, attempts, virtual_account, failure, unsettled, created_at, updated_at, paid_at, version`

func newStore(db *sql.DB, schema string) *Store {
	s := &Store{db: db, schema: schema}
	q := func(table string) string {
		if schema == "" {
			return table
		}
		return quoteIdent(schema) + "." + table
	}
	s.paymentsTable, s.eventsTable, s.migrationsTable = q("payments"), q("payment_events"), q("sqlstore_migrations")
	s.getSQL = `SELECT ` + columns + ` FROM ` + s.paymentsTable + ` WHERE order_number = $1`
	s.createSQL = `INSERT INTO ` + s.paymentsTable + ` (` + columns + `)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 1)
ON CONFLICT (order_number) DO NOTHING`
	// One statement: the compare-and-set, and whether the order exists at
	// all, so that a lost race and an unknown order are told apart without
	// a second round trip.
	s.updateSQL = `WITH upd AS (
    UPDATE ` + s.paymentsTable + ` SET id = $2, amount = $3, currency = $4, status = $5, gateway = $6,
        method = $7, gateway_reference = $8, refunded_amount = $9, refunds = $10, attempts = $11,
        virtual_account = $12, failure = $13, unsettled = $14, created_at = $15, updated_at = $16,
        paid_at = $17, version = version + 1
    WHERE order_number = $1 AND version = $18
    RETURNING version
)
SELECT (SELECT version FROM upd), EXISTS (SELECT 1 FROM ` + s.paymentsTable + ` WHERE order_number = $1)`
	s.unsettledSQL = `SELECT ` + columns + ` FROM ` + s.paymentsTable + `
WHERE unsettled AND updated_at < $1
ORDER BY updated_at, order_number
LIMIT $2`
	s.recordEventSQL = `INSERT INTO ` + s.eventsTable + ` (gateway, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`
	s.eventSeenSQL = `SELECT EXISTS (SELECT 1 FROM ` + s.eventsTable + ` WHERE gateway = $1 AND event_id = $2)`
	return s
}

// Create implements [payments.Store]: it stores p with Version 1 and sets
// p.Version. A payment for the same order number already stored makes it
// return an error satisfying errors.Is(err, payments.ErrConflict).
func (s *Store) Create(ctx context.Context, p *payments.Payment) error {
	if err := checkPayment("create", p); err != nil {
		return err
	}
	args, err := paymentArgs(p)
	if err != nil {
		return opError("create", p.OrderNumber, err)
	}
	res, err := s.db.ExecContext(ctx, s.createSQL, args...)
	if err != nil {
		return opError("create", p.OrderNumber, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return opError("create", p.OrderNumber, err)
	}
	if n == 0 {
		return opError("create", p.OrderNumber, payments.ErrConflict)
	}
	p.Version = 1
	return nil
}

// Get implements [payments.Store]. For an unknown order it returns an
// error for which [payments.Code] reports payment_not_found.
func (s *Store) Get(ctx context.Context, orderNumber string) (*payments.Payment, error) {
	p, err := scanPayment(s.db.QueryRowContext(ctx, s.getSQL, orderNumber))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("get", orderNumber)
	}
	if err != nil {
		return nil, opError("get", orderNumber, err)
	}
	return p, nil
}

// Update implements [payments.Store] with one compare-and-set statement:
// it stores p only if the stored version equals p.Version, then sets
// p.Version to the new version. A stale version returns an error
// satisfying errors.Is(err, payments.ErrConflict); an unknown order, one
// for which [payments.Code] reports payment_not_found.
func (s *Store) Update(ctx context.Context, p *payments.Payment) error {
	if err := checkPayment("update", p); err != nil {
		return err
	}
	args, err := paymentArgs(p)
	if err != nil {
		return opError("update", p.OrderNumber, err)
	}
	args = append(args[:17], p.Version)
	var version sql.NullInt64
	var exists bool
	if err := s.db.QueryRowContext(ctx, s.updateSQL, args...).Scan(&version, &exists); err != nil {
		return opError("update", p.OrderNumber, err)
	}
	switch {
	case version.Valid:
		p.Version = version.Int64
		return nil
	case !exists:
		return notFound("update", p.OrderNumber)
	default:
		return opError("update", p.OrderNumber, payments.ErrConflict)
	}
}

// Unsettled implements [payments.Store] through the partial index
// payments_unsettled_idx. A limit of zero or less means no limit.
func (s *Store) Unsettled(ctx context.Context, before time.Time, limit int) ([]*payments.Payment, error) {
	var lim any // NULL: LIMIT ALL
	if limit > 0 {
		lim = int64(limit)
	}
	rows, err := s.db.QueryContext(ctx, s.unsettledSQL, ceilMicro(before), lim)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list unsettled payments: %w", err)
	}
	defer rows.Close()
	var out []*payments.Payment
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: list unsettled payments: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: list unsettled payments: %w", err)
	}
	return out, nil
}

// RecordEvent implements [payments.Store]: of any number of calls for one
// (gateway, event id) pair, on any number of replicas, exactly one
// reports first.
func (s *Store) RecordEvent(ctx context.Context, gateway, eventID string) (bool, error) {
	if err := checkEvent("record", gateway, eventID); err != nil {
		return false, err
	}
	res, err := s.db.ExecContext(ctx, s.recordEventSQL, gateway, eventID)
	if err != nil {
		return false, eventError("record", gateway, eventID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, eventError("record", gateway, eventID, err)
	}
	return n == 1, nil
}

// EventSeen implements [payments.Store].
func (s *Store) EventSeen(ctx context.Context, gateway, eventID string) (bool, error) {
	if err := checkEvent("look up", gateway, eventID); err != nil {
		return false, err
	}
	var seen bool
	if err := s.db.QueryRowContext(ctx, s.eventSeenSQL, gateway, eventID).Scan(&seen); err != nil {
		return false, eventError("look up", gateway, eventID, err)
	}
	return seen, nil
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanPayment(row scanner) (*payments.Payment, error) {
	var (
		p                           payments.Payment
		amount, refunded            int64
		currency, status, method    string
		refunds, attempts, va, fail []byte
		unsettled                   bool
		createdAt, updatedAt        time.Time
		paidAt                      sql.NullTime
	)
	err := row.Scan(&p.OrderNumber, &p.ID, &amount, &currency, &status, &p.Gateway, &method, &p.GatewayReference,
		&refunded, &refunds, &attempts, &va, &fail, &unsettled, &createdAt, &updatedAt, &paidAt, &p.Version)
	if err != nil {
		return nil, err
	}
	p.Amount, p.RefundedAmount = payments.Amount(amount), payments.Amount(refunded)
	p.Currency, p.Status, p.Method = payments.Currency(currency), payments.Status(status), payments.Method(method)
	p.CreatedAt, p.UpdatedAt = createdAt.UTC(), updatedAt.UTC()
	if paidAt.Valid {
		p.PaidAt = paidAt.Time.UTC()
	}
	if err := decodePayment(&p, refunds, attempts, va, fail); err != nil {
		return nil, err
	}
	return &p, nil
}

// paymentArgs returns the values of columns, in order, but for version.
func paymentArgs(p *payments.Payment) ([]any, error) {
	refunds, attempts, va, fail, err := encodePayment(p)
	if err != nil {
		return nil, err
	}
	var paidAt any
	if !p.PaidAt.IsZero() {
		paidAt = p.PaidAt
	}
	return []any{
		p.OrderNumber, clean(p.ID), int64(p.Amount), clean(string(p.Currency)), clean(string(p.Status)), clean(p.Gateway),
		clean(string(p.Method)), clean(p.GatewayReference), int64(p.RefundedAmount), refunds, attempts, va, fail, p.Unsettled(),
		p.CreatedAt, p.UpdatedAt, paidAt,
	}, nil
}

// ceilMicro rounds t up to PostgreSQL's microsecond resolution, so that
// "stored updated_at < before" means the same as it does in Go.
func ceilMicro(t time.Time) time.Time {
	r := t.Truncate(time.Microsecond)
	if r.Before(t) {
		r = r.Add(time.Microsecond)
	}
	return r
}

func checkPayment(op string, p *payments.Payment) error {
	if p == nil {
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: "sqlstore: " + op + " payment: the payment is nil"}
	}
	if err := checkText(p.OrderNumber); err != "" {
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: fmt.Sprintf("sqlstore: %s payment %q: the order number %s", op, p.OrderNumber, err)}
	}
	return nil
}

func checkEvent(op, gateway, eventID string) error {
	if err := checkText(gateway); err != "" {
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: fmt.Sprintf("sqlstore: %s event: the gateway name %s", op, err)}
	}
	if err := checkText(eventID); err != "" {
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: fmt.Sprintf("sqlstore: %s event: the event id %s", op, err)}
	}
	return nil
}

// checkText reports what keeps s from being a key in a text column.
func checkText(s string) string {
	switch {
	case s == "":
		return "is empty"
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.ContainsRune(s, 0):
		return "contains a NUL byte"
	}
	return ""
}

func notFound(op, orderNumber string) error {
	return &payments.Error{Code: payments.CodePaymentNotFound,
		Message: fmt.Sprintf("sqlstore: %s payment %q: no payment for this order", op, orderNumber)}
}

// opError names the operation and the order; err stays reachable with
// errors.Is and errors.As. Nothing here knows the DSN, so no error can
// carry it.
func opError(op, orderNumber string, err error) error {
	return fmt.Errorf("sqlstore: %s payment %q: %w", op, orderNumber, err)
}

func eventError(op, gateway, eventID string, err error) error {
	return fmt.Errorf("sqlstore: %s event %q of %q: %w", op, eventID, gateway, err)
}
