package counting_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/counting"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
)

// The wrapper is a Store like the one it wraps.
func TestStoreConformance(t *testing.T) {
	paymentstest.RunStoreTests(t, func(*testing.T) payments.Store { return counting.NewStore(memstore.New()) })
}

func TestStoreCounts(t *testing.T) {
	ctx := context.Background()
	s := counting.NewStore(memstore.New())
	p := &payments.Payment{ID: "pay_1", OrderNumber: "ORD-1", Amount: 1000, Currency: payments.KRW, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := s.Create(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "ORD-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, got, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "ORD-2"); payments.Code(err) != payments.CodePaymentNotFound {
		t.Fatalf("Get of an unknown order: %v", err)
	}
	mid := s.Counts()
	if _, err := s.Unsettled(ctx, time.Now(), 10); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WebhookSeen(ctx, "fake", "ev_1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordWebhook(ctx, "fake", "ev_1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimEvents(ctx, time.Now(), time.Minute, 10, "tok"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeadEvents(ctx, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PruneEvents(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	_ = s.AckEvent(ctx, "ev_x", "tok", time.Now())
	_ = s.NackEvent(ctx, "ev_x", "tok", time.Now(), false, "retry")
	_ = s.RequeueEvent(ctx, "ev_x", time.Now())
	want := counting.StoreCounts{Create: 1, Get: 2, Update: 1, Unsettled: 1, RecordWebhook: 1, WebhookSeen: 1,
		ClaimEvents: 1, AckEvent: 1, NackEvent: 1, DeadEvents: 1, RequeueEvent: 1, PruneEvents: 1}
	end := s.Counts()
	if diff := cmp.Diff(want, end); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if r, w, n := end.Reads(), end.Writes(), end.Total(); r != 5 || w != 8 || n != 13 {
		t.Errorf("reads, writes, total = %d, %d, %d; want 5, 8, 13", r, w, n)
	}
	sub := end.Sub(mid)
	if diff := cmp.Diff(counting.StoreCounts{Unsettled: 1, RecordWebhook: 1, WebhookSeen: 1,
		ClaimEvents: 1, AckEvent: 1, NackEvent: 1, DeadEvents: 1, RequeueEvent: 1, PruneEvents: 1}, sub); diff != "" {
		t.Errorf("Sub (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(end, mid.Add(sub)); diff != "" {
		t.Errorf("Add (-want +got):\n%s", diff)
	}
}

// fakeDriver is a database/sql driver that answers every statement with
// an empty result and tallies what reached it, by kind. With modern
// false its connections implement only the required interfaces, so that
// database/sql prepares every statement.
type fakeDriver struct {
	modern bool

	mu   sync.Mutex
	seen counting.SQLCounts
}

func (d *fakeDriver) tally(f func(c *counting.SQLCounts)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f(&d.seen)
}

func (d *fakeDriver) Open(string) (driver.Conn, error) {
	if d.modern {
		return &modernConn{fakeConn{d}}, nil
	}
	return &fakeConn{d}, nil
}

type fakeConn struct{ d *fakeDriver }

func (c *fakeConn) Prepare(string) (driver.Stmt, error) {
	c.d.tally(func(s *counting.SQLCounts) { s.Prepare++ })
	return &fakeStmt{c.d}, nil
}
func (c *fakeConn) Close() error { return nil }
func (c *fakeConn) Begin() (driver.Tx, error) {
	c.d.tally(func(s *counting.SQLCounts) { s.Begin++ })
	return &fakeTx{c.d}, nil
}

type modernConn struct{ fakeConn }

func (c *modernConn) ExecContext(context.Context, string, []driver.NamedValue) (driver.Result, error) {
	c.d.tally(func(s *counting.SQLCounts) { s.Exec++ })
	return driver.RowsAffected(1), nil
}

func (c *modernConn) QueryContext(context.Context, string, []driver.NamedValue) (driver.Rows, error) {
	c.d.tally(func(s *counting.SQLCounts) { s.Query++ })
	return emptyRows{}, nil
}

type fakeStmt struct{ d *fakeDriver }

func (s *fakeStmt) Close() error  { return nil }
func (s *fakeStmt) NumInput() int { return -1 }
func (s *fakeStmt) Exec([]driver.Value) (driver.Result, error) {
	s.d.tally(func(c *counting.SQLCounts) { c.Exec++ })
	return driver.RowsAffected(1), nil
}
func (s *fakeStmt) Query([]driver.Value) (driver.Rows, error) {
	s.d.tally(func(c *counting.SQLCounts) { c.Query++ })
	return emptyRows{}, nil
}

type fakeTx struct{ d *fakeDriver }

func (t *fakeTx) Commit() error {
	t.d.tally(func(c *counting.SQLCounts) { c.Commit++ })
	return nil
}
func (t *fakeTx) Rollback() error {
	t.d.tally(func(c *counting.SQLCounts) { c.Rollback++ })
	return nil
}

type emptyRows struct{}

func (emptyRows) Columns() []string         { return []string{"x"} }
func (emptyRows) Close() error              { return nil }
func (emptyRows) Next([]driver.Value) error { return io.EOF }

// The Connector counts what reaches the driver, whichever way
// database/sql takes to it.
func TestConnectorCounts(t *testing.T) {
	for _, modern := range []bool{true, false} {
		name := map[bool]string{true: "ExecerContext", false: "prepared"}[modern]
		t.Run(name, func(t *testing.T) {
			d := &fakeDriver{modern: modern}
			c, err := counting.NewConnector(d, "fake")
			if err != nil {
				t.Fatal(err)
			}
			db := sql.OpenDB(c)
			defer db.Close()
			ctx := context.Background()
			if _, err := db.ExecContext(ctx, "UPDATE t SET x = $1", 1); err != nil {
				t.Fatal(err)
			}
			var x int
			if err := db.QueryRowContext(ctx, "SELECT x FROM t WHERE id = $1", 1).Scan(&x); err != sql.ErrNoRows {
				t.Fatalf("QueryRow: %v, want sql.ErrNoRows", err)
			}
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO t VALUES ($1)", 2); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			tx, err = db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			st, err := db.PrepareContext(ctx, "UPDATE t SET x = $1")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.ExecContext(ctx, 3); err != nil {
				t.Fatal(err)
			}
			_ = st.Close()

			got := c.Counts()
			if diff := cmp.Diff(d.seen, got); diff != "" {
				t.Errorf("counted (-driver saw +Connector counted):\n%s", diff)
			}
			if got.Exec != 3 || got.Query != 1 || got.Begin != 2 || got.Commit != 1 || got.Rollback != 1 {
				t.Errorf("counted %+v; want 3 Exec, 1 Query, 2 Begin, 1 Commit, 1 Rollback", got)
			}
			if n := got.Statements(); n != 8 {
				t.Errorf("Statements() = %d, want 8", n)
			}
			if diff := cmp.Diff(counting.SQLCounts{Exec: 1, Prepare: got.Prepare}, got.Sub(counting.SQLCounts{Exec: 2, Query: 1, Begin: 2, Commit: 1, Rollback: 1})); diff != "" {
				t.Errorf("Sub (-want +got):\n%s", diff)
			}
		})
	}
}
