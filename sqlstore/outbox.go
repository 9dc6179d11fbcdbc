package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/payments-go/payments"
)

// ClaimEvents implements [payments.Store] with one statement that locks
// the rows it takes with FOR UPDATE SKIP LOCKED, so that concurrent claims,
// on any number of replicas, take different events without waiting for
// each other. The events come oldest due first.
func (s *Store) ClaimEvents(ctx context.Context, now time.Time, lease time.Duration, limit int, token string) ([]payments.ClaimedEvent, error) {
	if limit <= 0 {
		limit = 100
	}
	// Times are stored truncated to PostgreSQL's microseconds; so are
	// the times compared with them.
	now = now.Truncate(time.Microsecond)
	rows, err := s.db.QueryContext(ctx, s.claimSQL, now, now.Add(lease), int64(limit), token)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: claim events: %w", err)
	}
	defer rows.Close()
	type claimed struct {
		ce  payments.ClaimedEvent
		due time.Time
	}
	var got []claimed
	for rows.Next() {
		var (
			doc []byte
			c   claimed
		)
		if err := rows.Scan(&doc, &c.ce.Tries, &c.due); err != nil {
			return nil, fmt.Errorf("sqlstore: claim events: %w", err)
		}
		if c.ce.Event, err = decodeEvent(doc); err != nil {
			return nil, fmt.Errorf("sqlstore: claim events: %w", err)
		}
		got = append(got, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: claim events: %w", err)
	}
	// RETURNING keeps no order.
	sort.Slice(got, func(i, j int) bool {
		a, b := got[i], got[j]
		if !a.due.Equal(b.due) {
			return a.due.Before(b.due)
		}
		if a.ce.Event.OrderNumber != b.ce.Event.OrderNumber {
			return a.ce.Event.OrderNumber < b.ce.Event.OrderNumber
		}
		return a.ce.Event.Seq < b.ce.Event.Seq
	})
	out := make([]payments.ClaimedEvent, len(got))
	for i, c := range got {
		out[i] = c.ce
	}
	return out, nil
}

// AckEvent implements [payments.Store].
func (s *Store) AckEvent(ctx context.Context, id, token string, at time.Time) error {
	return s.release(ctx, "acknowledge", id, s.ackSQL, id, token, at.Truncate(time.Microsecond))
}

// NackEvent implements [payments.Store].
func (s *Store) NackEvent(ctx context.Context, id, token string, at time.Time, dead bool, reason string) error {
	return s.release(ctx, "record the failure of", id, s.nackSQL, id, token, at.Truncate(time.Microsecond), dead, clean(reason))
}

// release runs the statement that ends a claim, which returns how many
// rows it released: ErrConflict when none was held under the token.
func (s *Store) release(ctx context.Context, op, id, query string, args ...any) error {
	var n int64
	if err := s.db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return eventError(op, id, err)
	}
	if n == 0 {
		return eventError(op, id, payments.ErrConflict)
	}
	return nil
}

// DeadEvents implements [payments.Store] through the partial index
// payment_outbox_dead_idx.
func (s *Store) DeadEvents(ctx context.Context, limit int) ([]payments.DeadEvent, error) {
	var lim any // NULL: LIMIT ALL
	if limit > 0 {
		lim = int64(limit)
	}
	rows, err := s.db.QueryContext(ctx, s.deadSQL, lim)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list dead events: %w", err)
	}
	defer rows.Close()
	var out []payments.DeadEvent
	for rows.Next() {
		var (
			doc []byte
			d   payments.DeadEvent
		)
		if err := rows.Scan(&doc, &d.Tries, &d.LastError, &d.DiedAt); err != nil {
			return nil, fmt.Errorf("sqlstore: list dead events: %w", err)
		}
		if d.Event, err = decodeEvent(doc); err != nil {
			return nil, fmt.Errorf("sqlstore: list dead events: %w", err)
		}
		d.DiedAt = d.DiedAt.UTC()
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: list dead events: %w", err)
	}
	return out, nil
}

// RequeueEvent implements [payments.Store].
func (s *Store) RequeueEvent(ctx context.Context, id string, at time.Time) error {
	var requeued, exists bool
	if err := s.db.QueryRowContext(ctx, s.requeueSQL, id, at.Truncate(time.Microsecond)).Scan(&requeued, &exists); err != nil {
		return eventError("requeue", id, err)
	}
	switch {
	case requeued:
		return nil
	case !exists:
		return &payments.Error{Code: payments.CodeEventNotFound, Message: "sqlstore: requeue event " + strconv.Quote(id) + ": no such event"}
	default:
		return &payments.Error{Code: payments.CodeInvalidState, Message: "sqlstore: requeue event " + strconv.Quote(id) + ": the event is not dead"}
	}
}

// PruneEvents implements [payments.Store] with one statement, through the
// indexes payment_outbox_delivered_idx and payment_events_recorded_idx.
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int, error) {
	var n sql.NullInt64
	if err := s.db.QueryRowContext(ctx, s.pruneSQL, ceilMicro(before)).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlstore: prune events: %w", err)
	}
	return int(n.Int64), nil
}

func eventError(op, id string, err error) error {
	return fmt.Errorf("sqlstore: %s event %q: %w", op, id, err)
}
