package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/payments-go/payments"
)

// sqlSchema is the shop's own part of the database: its orders, and the
// ids of the payment events its handler has handled. The library's
// tables (sqlstore) sit beside them in the same database, so that a
// restart or a kill of the shop loses neither.
const sqlSchema = `
CREATE TABLE IF NOT EXISTS shop_orders (
	number       text PRIMARY KEY,
	name         text NOT NULL,
	amount       bigint NOT NULL,
	currency     text NOT NULL,
	created_at   timestamptz NOT NULL DEFAULT now(),
	fulfilled_at timestamptz,
	fulfillments integer NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS shop_handled_events (
	event_id     text PRIMARY KEY,
	order_number text NOT NULL,
	event_type   text NOT NULL,
	seq          bigint NOT NULL,
	handled_at   timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS shop_handled_events_order ON shop_handled_events (order_number);
`

// sqlDB is the PostgreSQL [shopDB], used with PAYMENTS_DATABASE_URL.
type sqlDB struct {
	db  *sql.DB
	now func() time.Time
}

// openSQLDB creates the shop's tables if they are missing and adds the
// orders that are not there yet.
func openSQLDB(ctx context.Context, db *sql.DB, now func() time.Time, orders ...payments.Order) (*sqlDB, error) {
	if _, err := db.ExecContext(ctx, sqlSchema); err != nil {
		return nil, fmt.Errorf("create the shop's tables: %w", err)
	}
	s := &sqlDB{db: db, now: now}
	for _, o := range orders {
		if err := o.Validate(); err != nil {
			return nil, err
		}
		if _, err := s.insert(ctx, o); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *sqlDB) insert(ctx context.Context, o payments.Order) (bool, error) {
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO shop_orders (number, name, amount, currency) VALUES ($1, $2, $3, $4) ON CONFLICT (number) DO NOTHING`,
		o.Number, o.Name, int64(o.Amount), string(o.Currency))
	if err != nil {
		return false, fmt.Errorf("insert order: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (s *sqlDB) Add(ctx context.Context, o payments.Order) error {
	if err := o.Validate(); err != nil {
		return err
	}
	added, err := s.insert(ctx, o)
	if err != nil {
		return err
	}
	if !added {
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: fmt.Sprintf("order %q already exists", o.Number)}
	}
	return nil
}

// Order implements [payments.Orders].
func (s *sqlDB) Order(ctx context.Context, number string) (payments.Order, error) {
	rec, err := s.View(ctx, number)
	return rec.Order, err
}

func (s *sqlDB) View(ctx context.Context, number string) (orderRecord, error) {
	var (
		rec      orderRecord
		amount   int64
		currency string
		at       sql.NullTime
	)
	err := s.db.QueryRowContext(ctx, `
		SELECT o.number, o.name, o.amount, o.currency, o.fulfilled_at, o.fulfillments,
		       (SELECT count(*) FROM shop_handled_events h WHERE h.order_number = o.number)
		FROM shop_orders o WHERE o.number = $1`, number).
		Scan(&rec.Order.Number, &rec.Order.Name, &amount, &currency, &at, &rec.Fulfillments, &rec.EventsHandled)
	if errors.Is(err, sql.ErrNoRows) {
		return orderRecord{}, &payments.Error{Code: payments.CodeOrderNotFound, Message: fmt.Sprintf("order %q not found", number)}
	}
	if err != nil {
		return orderRecord{}, fmt.Errorf("read order: %w", err)
	}
	rec.Order.Amount, rec.Order.Currency = payments.Amount(amount), payments.Currency(currency)
	if at.Valid {
		t := at.Time.UTC()
		rec.FulfilledAt = &t
	}
	return rec, nil
}

// Handle records e's id and, if the id is new and e took the money,
// fulfils the order, in one transaction. Of two deliveries of one event
// at once, the second waits on the first's row and then finds the id
// taken.
func (s *sqlDB) Handle(ctx context.Context, e payments.Event) (h handled, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return h, err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	now := s.now().UTC()
	res, err := tx.ExecContext(ctx, `
		INSERT INTO shop_handled_events (event_id, order_number, event_type, seq, handled_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING`,
		e.ID, e.OrderNumber, string(e.Type), e.Seq, now)
	if err != nil {
		return h, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return h, err
	} else if n == 0 {
		return handled{Repeat: true}, tx.Commit()
	}
	if fulfils(e) {
		res, err := tx.ExecContext(ctx, `
			UPDATE shop_orders SET fulfilled_at = $2, fulfillments = fulfillments + 1
			WHERE number = $1 AND fulfilled_at IS NULL`, e.OrderNumber, now)
		if err != nil {
			return h, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return h, err
		}
		h.Fulfilled = n == 1
	}
	return h, tx.Commit()
}
