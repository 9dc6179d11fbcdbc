// Package sqlstore is a [payments.Store] in PostgreSQL, for applications
// that run several replicas on one database.
//
// The application opens the database with the driver of its choice and
// hands the *sql.DB to [Open]; this package imports no driver (its tests
// use github.com/jackc/pgx/v5/stdlib). The application also closes the
// *sql.DB: a [Store] holds nothing else.
//
//	db, err := sql.Open("pgx", os.Getenv("PAYMENTS_DATABASE_URL"))
//	…
//	store, err := sqlstore.Open(ctx, db, &sqlstore.Options{Migrate: true})
//	…
//	svc, err := payments.NewService(payments.Config{Store: store, Orders: orders, Gateways: gateways})
//
// # Schema
//
// Four tables, in [Options.Schema] (or the connection's search_path when
// that is empty):
//
//   - payments: one row per order, keyed by order_number. Every scalar field
//     of [payments.Payment] is a column (amount, currency, status, gateway,
//     method, gateway_reference, refunded_amount, created_at, updated_at,
//     paid_at, event_seq, version …); the attempt history and the refunds
//     are JSONB arrays in the same row (virtual_account and failure are
//     JSONB objects), so a payment is read and written whole, in one
//     statement. A boolean column unsettled mirrors
//     [payments.Payment.Unsettled] and is rewritten by every write.
//   - payment_outbox: the events ([payments.Event]), one row each, keyed by
//     id, with order_number, seq and type, the whole event as JSONB in
//     event (the payment after the change included), and the delivery
//     state: due_at, tries, lease_until and claim_token while a replica
//     holds it, last_error, and delivered_at or dead_at once it is no
//     longer pending.
//   - payment_events: the webhook deliveries already processed, keyed by
//     (gateway, event_id), with recorded_at for pruning.
//   - sqlstore_migrations: the applied migrations.
//
// Indexes: the primary keys serve Get, Update, RecordWebhook, WebhookSeen
// and the acknowledgement of events; the partial index
// payments_unsettled_idx on (updated_at, order_number) WHERE unsettled
// serves Unsettled (and holds only unsettled rows, so it stays small
// however many payments settle). The claim of events reads two partial
// indexes of the pending rows only, payment_outbox_due_idx (due_at) and
// payment_outbox_pending_idx (order_number, seq); PruneEvents reads
// payment_outbox_delivered_idx and payment_events_recorded_idx, and
// DeadEvents payment_outbox_dead_idx. No method scans a table.
//
// Column timestamps keep PostgreSQL's microsecond resolution; times inside
// the JSONB documents are RFC 3339 with nanoseconds. Times are returned in
// UTC. NUL bytes and invalid UTF-8, which PostgreSQL text cannot hold, are
// stored as U+FFFD (order numbers and event ids with them are refused).
// The documents hold the virtual-account deposit secret in clear, since
// deposit callbacks are checked against it: protect the database as you
// protect the gateways' keys.
//
// # Migrations
//
// The schema is embedded in the package as numbered SQL files.
// [Store.Migrate] (or [Options.Migrate] at Open) creates the schema if
// needed and applies the missing migrations in one transaction under the
// advisory lock pg_advisory_xact_lock(hashtext('payments-go/sqlstore'),
// hashtext(schema)): it is idempotent, replicas may all run it at start-up,
// and a run interrupted midway (a dropped connection, a canceled context)
// rolls back completely. Migrations only ever add, so replicas of an older
// release keep working on a newer schema during a rolling deploy; an Open
// without Migrate refuses a schema older than the package needs.
//
// # Replicas
//
// Any number of processes may share the database, each with its own
// *sql.DB pool. [Store.Update] is a single compare-and-set statement
// (UPDATE … WHERE order_number = $1 AND version = $2), so of concurrent
// updates from one version exactly one wins and the others get
// [payments.ErrConflict], on which [payments.Service] reloads and retries;
// no row lock or transaction is held between statements, and none ever
// across a gateway call. The events of a write are inserted by the same
// statement (a data-modifying WITH whose INSERT runs only when the
// compare-and-set matched), so a flow makes no more statements for them.
// [Store.ClaimEvents] takes due events with FOR UPDATE SKIP LOCKED and
// marks them held until a lease ends, so replicas delivering at once take
// different events without waiting for each other. [Store.RecordWebhook]
// is INSERT … ON CONFLICT DO NOTHING, so exactly one replica sees a
// webhook delivery first. Together with the
// service's idempotency keys this gives, across replicas, one gateway
// confirm per attempt and refunds that never exceed the paid amount.
// Size each replica's pool (sql.DB.SetMaxOpenConns) so that the replicas
// together stay below the server's max_connections.
//
// # Errors
//
// Errors name the operation and the order ("sqlstore: update payment
// "ORD-1": …") and wrap the driver's error with %w, so errors.Is and
// errors.As reach it (and context.Canceled or context.DeadlineExceeded when
// ctx ended). An unknown order is a *[payments.Error] with code
// payment_not_found; a lost compare-and-set or a duplicate Create matches
// errors.Is(err, payments.ErrConflict); a missing order number is
// invalid_request. The package never sees the DSN, so its errors cannot
// contain the password.
//
// A statement is atomic, but when ctx ends or the connection drops while
// one runs, the error cannot say whether the server completed it: a
// canceled Update may have been stored. The version tells: the next
// compare-and-set from the old version gets [payments.ErrConflict], and
// the service reloads.
package sqlstore
