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
	paymentsTable, outboxTable, webhooksTable, migrationsTable string

	// SQL text, built once for the schema.
	getSQL, createSQL, updateSQL, unsettledSQL               string
	claimSQL, ackSQL, nackSQL, deadSQL, requeueSQL, pruneSQL string
	recordWebhookSQL, webhookSeenSQL                         string

	// methods holds the SQL of the saved payment methods (methods.go).
	methods methodSQL
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
// reads and writeArgs writes them.
const columns = `order_number, id, amount, currency, status, gateway, method, gateway_reference,
refunded_amount, refunds, attempts, virtual_account, failure, unsettled, created_at, updated_at, paid_at, event_seq, version,
amount_capturable, disputes`

func newStore(db *sql.DB, schema string) *Store {
	s := &Store{db: db, schema: schema}
	q := func(table string) string {
		if schema == "" {
			return table
		}
		return quoteIdent(schema) + "." + table
	}
	s.paymentsTable, s.outboxTable, s.webhooksTable, s.migrationsTable = q("payments"), q("payment_outbox"), q("payment_events"), q("sqlstore_migrations")
	s.getSQL = `SELECT ` + columns + ` FROM ` + s.paymentsTable + ` WHERE order_number = $1`
	// insertEvents inserts the events of a write, given as a JSON array in
	// parameter $n, only when the CTE named written returned a row: the
	// events are stored in the same statement as the payment, or not at
	// all.
	insertEvents := func(n string) string {
		return `ev AS (
    INSERT INTO ` + s.outboxTable + ` (id, order_number, seq, type, event, created_at, due_at)
    SELECT e.id, $1, e.seq, e.type, e.event, e.at, e.at
    FROM jsonb_to_recordset(` + n + `::jsonb) AS e(id text, seq bigint, type text, at timestamptz, event jsonb)
    WHERE EXISTS (SELECT 1 FROM written)
)`
	}
	s.createSQL = `WITH written AS (
    INSERT INTO ` + s.paymentsTable + ` (` + columns + `)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 1, $20, $21)
    ON CONFLICT (order_number) DO NOTHING
    RETURNING version
), ` + insertEvents("$19") + `
SELECT count(*) FROM written`
	// One statement: the compare-and-set, the events, and whether the
	// order exists at all, so that a lost race and an unknown order are
	// told apart without a second round trip.
	s.updateSQL = `WITH written AS (
    UPDATE ` + s.paymentsTable + ` SET id = $2, amount = $3, currency = $4, status = $5, gateway = $6,
        method = $7, gateway_reference = $8, refunded_amount = $9, refunds = $10, attempts = $11,
        virtual_account = $12, failure = $13, unsettled = $14, created_at = $15, updated_at = $16,
        paid_at = $17, event_seq = $18, version = version + 1, amount_capturable = $21, disputes = $22
    WHERE order_number = $1 AND version = $19
    RETURNING version
), ` + insertEvents("$20") + `
SELECT (SELECT version FROM written), EXISTS (SELECT 1 FROM ` + s.paymentsTable + ` WHERE order_number = $1)`
	s.unsettledSQL = `SELECT ` + columns + ` FROM ` + s.paymentsTable + `
WHERE unsettled AND updated_at < $1
ORDER BY updated_at, order_number
LIMIT $2`
	const pending = `delivered_at IS NULL AND dead_at IS NULL`
	// The claim: due pending rows, not held, that no pending row of the
	// same payment precedes; rows another claim is taking are skipped,
	// not waited for. "No pending row precedes" is written as "the row is
	// its payment's first pending row", a lookup of one index entry per
	// candidate (ORDER BY … LIMIT 1 on the pending index), so that the
	// plan stays linear in the backlog even when the statistics still
	// describe a small table: an anti-join planned from such statistics
	// compared every pending row with every other one.
	s.claimSQL = `WITH due AS (
    SELECT o.id FROM ` + s.outboxTable + ` o
    WHERE o.` + pending + ` AND o.due_at <= $1 AND (o.lease_until IS NULL OR o.lease_until <= $1)
        AND o.seq = (SELECT b.seq FROM ` + s.outboxTable + ` b
            WHERE b.order_number = o.order_number AND b.` + pending + `
            ORDER BY b.order_number, b.seq LIMIT 1)
    ORDER BY o.due_at, o.order_number, o.seq
    LIMIT $3
    FOR UPDATE SKIP LOCKED
)
UPDATE ` + s.outboxTable + ` o SET lease_until = $2, claim_token = $4, tries = o.tries + 1
FROM due WHERE o.id = due.id
RETURNING o.event, o.tries, o.due_at`
	s.ackSQL = `WITH acked AS (
    UPDATE ` + s.outboxTable + ` SET delivered_at = $3, lease_until = NULL, claim_token = NULL, last_error = NULL
    WHERE id = $1 AND claim_token = $2 AND ` + pending + `
    RETURNING 1
)
SELECT count(*) FROM acked`
	// A failed try also makes the payment's later pending events due no
	// sooner than the retry: they wait for it anyway, and so the claim
	// does not walk past them while the retry waits, however large a
	// backlog a failing handler leaves.
	s.nackSQL = `WITH failed AS (
    UPDATE ` + s.outboxTable + ` SET lease_until = NULL, claim_token = NULL, last_error = $5,
        due_at = CASE WHEN $4 THEN due_at ELSE $3 END, dead_at = CASE WHEN $4 THEN $3 END
    WHERE id = $1 AND claim_token = $2 AND ` + pending + `
    RETURNING order_number, seq
), later AS (
    UPDATE ` + s.outboxTable + ` o SET due_at = $3 FROM failed
    WHERE NOT $4 AND o.order_number = failed.order_number AND o.seq > failed.seq AND o.` + pending + ` AND o.due_at < $3
)
SELECT count(*) FROM failed`
	s.deadSQL = `SELECT event, tries, coalesce(last_error, ''), dead_at FROM ` + s.outboxTable + `
WHERE dead_at IS NOT NULL ORDER BY dead_at, id LIMIT $1`
	s.requeueSQL = `WITH requeued AS (
    UPDATE ` + s.outboxTable + ` SET dead_at = NULL, tries = 0, due_at = $2, last_error = NULL, lease_until = NULL, claim_token = NULL
    WHERE id = $1 AND dead_at IS NOT NULL
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM requeued), EXISTS (SELECT 1 FROM ` + s.outboxTable + ` WHERE id = $1)`
	s.pruneSQL = `WITH events AS (
    DELETE FROM ` + s.outboxTable + ` WHERE delivered_at < $1 RETURNING 1
), webhooks AS (
    DELETE FROM ` + s.webhooksTable + ` WHERE recorded_at < $1 RETURNING 1
)
SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM webhooks)`
	s.recordWebhookSQL = `INSERT INTO ` + s.webhooksTable + ` (gateway, event_id, recorded_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`
	s.webhookSeenSQL = `SELECT EXISTS (SELECT 1 FROM ` + s.webhooksTable + ` WHERE gateway = $1 AND event_id = $2)`
	s.methods = newMethodSQL(q, s.outboxTable)
	return s
}

// Create implements [payments.Store] with one statement: it stores p
// with Version 1 and its events, and sets p.Version. A payment for the
// same order number already stored makes it return an error satisfying
// errors.Is(err, payments.ErrConflict), and store nothing.
func (s *Store) Create(ctx context.Context, p *payments.Payment, events []payments.Event) error {
	if err := checkPayment("create", p); err != nil {
		return err
	}
	args, err := writeArgs(p, events)
	if err != nil {
		return opError("create", p.OrderNumber, err)
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, s.createSQL, args...).Scan(&n); err != nil {
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
// it stores p and its events only if the stored version equals
// p.Version, then sets p.Version to the new version. A stale version
// returns an error satisfying errors.Is(err, payments.ErrConflict); an
// unknown order, one for which [payments.Code] reports payment_not_found.
func (s *Store) Update(ctx context.Context, p *payments.Payment, events []payments.Event) error {
	if err := checkPayment("update", p); err != nil {
		return err
	}
	args, err := writeArgs(p, events)
	if err != nil {
		return opError("update", p.OrderNumber, err)
	}
	ev, extra := args[18], args[19:]
	args = append(append(args[:18:18], p.Version, ev), extra...)
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

// RecordWebhook implements [payments.Store]: of any number of calls for
// one (gateway, event id) pair, on any number of replicas, exactly one
// reports first.
func (s *Store) RecordWebhook(ctx context.Context, gateway, eventID string, at time.Time) (bool, error) {
	if err := checkWebhook("record", gateway, eventID); err != nil {
		return false, err
	}
	res, err := s.db.ExecContext(ctx, s.recordWebhookSQL, gateway, eventID, at.Truncate(time.Microsecond))
	if err != nil {
		return false, webhookError("record", gateway, eventID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, webhookError("record", gateway, eventID, err)
	}
	return n == 1, nil
}

// WebhookSeen implements [payments.Store].
func (s *Store) WebhookSeen(ctx context.Context, gateway, eventID string) (bool, error) {
	if err := checkWebhook("look up", gateway, eventID); err != nil {
		return false, err
	}
	var seen bool
	if err := s.db.QueryRowContext(ctx, s.webhookSeenSQL, gateway, eventID).Scan(&seen); err != nil {
		return false, webhookError("look up", gateway, eventID, err)
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
		capturable                  int64
		disputes                    []byte
	)
	err := row.Scan(&p.OrderNumber, &p.ID, &amount, &currency, &status, &p.Gateway, &method, &p.GatewayReference,
		&refunded, &refunds, &attempts, &va, &fail, &unsettled, &createdAt, &updatedAt, &paidAt, &p.EventSeq, &p.Version,
		&capturable, &disputes)
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
	p.AmountCapturable = payments.Amount(capturable)
	if err := decodeDisputes(&p, disputes); err != nil {
		return nil, err
	}
	return &p, nil
}

// writeArgs returns the values of columns, in order, up to event_seq,
// then the JSON array of the events' rows, then the columns after
// version.
func writeArgs(p *payments.Payment, events []payments.Event) ([]any, error) {
	refunds, attempts, va, fail, err := encodePayment(p)
	if err != nil {
		return nil, err
	}
	evs, err := encodeEvents(p.OrderNumber, events)
	if err != nil {
		return nil, err
	}
	var paidAt any
	if !p.PaidAt.IsZero() {
		paidAt = p.PaidAt
	}
	disputes, err := encodeDisputes(p)
	if err != nil {
		return nil, err
	}
	return []any{
		p.OrderNumber, clean(p.ID), int64(p.Amount), clean(string(p.Currency)), clean(string(p.Status)), clean(p.Gateway),
		clean(string(p.Method)), clean(p.GatewayReference), int64(p.RefundedAmount), refunds, attempts, va, fail, p.Unsettled(),
		p.CreatedAt, p.UpdatedAt, paidAt, p.EventSeq, evs,
		int64(p.AmountCapturable), disputes,
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

func checkWebhook(op, gateway, eventID string) error {
	if err := checkText(gateway); err != "" {
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: fmt.Sprintf("sqlstore: %s webhook: the gateway name %s", op, err)}
	}
	if err := checkText(eventID); err != "" {
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: fmt.Sprintf("sqlstore: %s webhook: the event id %s", op, err)}
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

func webhookError(op, gateway, eventID string, err error) error {
	return fmt.Errorf("sqlstore: %s webhook %q of %q: %w", op, eventID, gateway, err)
}
