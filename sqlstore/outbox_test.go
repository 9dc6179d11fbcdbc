package sqlstore_test

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestOutboxUsesIndexes: the claim and the prune read the outbox's
// partial indexes, not the table, in a database holding many delivered
// events and a few pending ones.
func TestOutboxUsesIndexes(t *testing.T) {
	st, db, schema := newStore(t)
	ctx := t.Context()
	table := `"` + schema + `".payment_outbox`
	if _, err := db.ExecContext(ctx, `INSERT INTO `+table+` (id, order_number, seq, type, event, created_at, due_at, delivered_at)
SELECT 'evt_' || i, 'IDX-' || (i / 4), i % 4, 'payment.status_changed', '{}', now() - i * interval '1 second',
       now() - i * interval '1 second', CASE WHEN i % 1000 = 0 THEN NULL ELSE now() - i * interval '1 second' END
FROM generate_series(1, 40000) AS i`); err != nil {
		t.Fatal(err)
	}
	// A backlog a failing handler left: many pending events, waiting for
	// retries.
	if _, err := db.ExecContext(ctx, `INSERT INTO `+table+` (id, order_number, seq, type, event, created_at, due_at)
SELECT 'evt_b' || i, 'BACKLOG-' || (i / 4), i % 4, 'payment.status_changed', '{}', now() - interval '1 hour',
       now() + interval '1 hour'
FROM generate_series(1, 40000) AS i`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO "`+schema+`".payment_events (gateway, event_id, recorded_at)
SELECT 'toss', 'wh_' || i, now() - i * interval '1 second' FROM generate_series(1, 20000) AS i`); err != nil {
		t.Fatal(err)
	}
	for _, tb := range []string{table, `"` + schema + `".payment_events`} {
		if _, err := db.ExecContext(ctx, `ANALYZE `+tb); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	plan := explain(t, db, st.ClaimSQL(), now, now.Add(time.Minute), 16, "tok")
	if strings.Contains(plan, "Seq Scan") || !strings.Contains(plan, "payment_outbox_due_idx") && !strings.Contains(plan, "payment_outbox_pending_idx") {
		t.Errorf("the claim does not use the pending indexes:\n%s", plan)
	}
	plan = explain(t, db, st.PruneSQL(), now.Add(-24*time.Hour))
	if strings.Contains(plan, "Seq Scan") || !strings.Contains(plan, "payment_outbox_delivered_idx") || !strings.Contains(plan, "payment_events_recorded_idx") {
		t.Errorf("the prune does not use its indexes:\n%s", plan)
	}
}

// TestClaimChecksEachPaymentByIndex: the claim's check that no earlier
// event of the same payment is pending is an index lookup of that
// payment's pending events, whatever the planner's statistics say. Here
// the outbox filled faster than autovacuum analyses it (a backlog left by
// a replica restarting again and again), the case in which a join
// planned for a tiny table compared every pending event with every
// other one: 2,400 pending events took 0.7 s to claim.
func TestClaimChecksEachPaymentByIndex(t *testing.T) {
	st, db, schema := newStore(t)
	ctx := t.Context()
	table := `"` + schema + `".payment_outbox`
	// No ANALYZE: the statistics still describe an empty table.
	if _, err := db.ExecContext(ctx, `INSERT INTO `+table+` (id, order_number, seq, type, event, created_at, due_at)
SELECT 'evt_' || i, 'STALE-' || (i / 4), 1 + i % 4, 'payment.status_changed',
       json_build_object('id', 'evt_' || i, 'seq', 1 + i % 4, 'order_number', 'STALE-' || (i / 4), 'type', 'payment.status_changed'),
       now() - interval '1 minute',
       now() - interval '1 minute'
FROM generate_series(0, 2399) AS i`); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	plan := explain(t, db, st.ClaimSQL(), now, now.Add(time.Minute), 100, "tok")
	if p := plan; !regexp.MustCompile(`Index (Only )?Scan using payment_outbox_pending_idx on payment_outbox b.*\n\s*Index Cond: \(+order_number = o`).MatchString(p) || strings.Contains(p, "Join Filter") {
		t.Errorf("the claim does not look up each payment's pending events by index:\n%s", p)
	}
	// And it still claims one event per payment, the first.
	got, err := st.ClaimEvents(ctx, now, time.Minute, 1000, "tok")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 600 {
		t.Fatalf("claimed %d events, want 600 (one per payment)", len(got))
	}
	for _, c := range got {
		if c.Event.Seq != 1 {
			t.Errorf("claimed %s seq %d, want the payment's first", c.Event.OrderNumber, c.Event.Seq)
		}
	}
}
