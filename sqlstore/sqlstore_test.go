package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/testenv"
	"github.com/payments-go/payments/paymentstest"
	"github.com/payments-go/payments/sqlstore"
)

var cmpPayment = cmp.Options{
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b payments.Secret) bool { return a.Reveal() == b.Reveal() }),
}

// TestStoreConformance runs the Store contract suite, each subtest on a
// schema of its own.
func TestStoreConformance(t *testing.T) {
	paymentstest.RunStoreTests(t, func(t *testing.T) payments.Store {
		st, _, _ := newStore(t)
		return st
	})
}

// samplePayment fills every field, with nanoseconds in the times kept in
// the JSONB documents.
func samplePayment(order string) *payments.Payment {
	t0 := time.Date(2026, 1, 22, 10, 0, 0, 123_456_000, time.UTC)
	nano := t0.Add(789 * time.Nanosecond)
	va := &payments.VirtualAccount{Bank: "20", AccountNumber: "X6505636518308", Holder: "박토스", DueDate: nano.Add(72 * time.Hour)}
	return &payments.Payment{
		ID: "pay_" + order, OrderNumber: order, Amount: 58990, Currency: payments.KRW,
		Status: payments.StatusWaitingForDeposit, Gateway: "toss", Method: payments.MethodVirtualAccount,
		GatewayReference: "tviva2024", Failure: &payments.Failure{Code: "C", Message: "m"},
		Refunds: []payments.Refund{{ID: "rf_1", Amount: 1, Reason: "r", Status: payments.RefundFailed, Attempt: 1,
			ReceiveAccount: &payments.BankAccount{Bank: "88", AccountNumber: "1", HolderName: "김"},
			Failure:        &payments.Failure{}, CreatedAt: nano, UpdatedAt: nano}},
		Attempts: []payments.Attempt{{
			Number: 1, Gateway: "toss", Method: payments.MethodVirtualAccount, Status: payments.StatusWaitingForDeposit,
			GatewayStatus: "WAITING_FOR_DEPOSIT", GatewayOrderID: order, Reference: "tviva2024", Session: "s",
			RedirectURL: "https://r", SuccessURL: "https://ok", FailURL: "https://fail", PaymentMethod: "pm", SavedMethod: "meth_1",
			VirtualAccount: va, DepositSecret: "ps_secret", Failure: &payments.Failure{Code: "x", Message: "y"},
			CreatedAt: nano, UpdatedAt: nano, PaidAt: nano,
		}},
		VirtualAccount: va, CreatedAt: t0, UpdatedAt: t0, PaidAt: t0,
	}
}

// TestRoundTrip checks what the suite does not: an empty payment comes
// back with nil slices and pointers, an empty Failure stays non-nil, times
// inside attempts and refunds keep their nanoseconds, and the deposit
// secret is stored as itself, not as "REDACTED".
func TestRoundTrip(t *testing.T) {
	st, db, schema := newStore(t)
	ctx := t.Context()

	empty := &payments.Payment{ID: "pay_e", OrderNumber: "RT-EMPTY", Amount: 1, Currency: payments.USD,
		Status: payments.StatusReady, CreatedAt: time.Unix(1, 0).UTC(), UpdatedAt: time.Unix(2, 0).UTC()}
	if err := st.Create(ctx, empty, nil); err != nil {
		t.Fatal(err)
	}
	got, err := st.Get(ctx, empty.OrderNumber)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(empty, got, cmpPayment); diff != "" {
		t.Errorf("empty payment (-want +got):\n%s", diff)
	}

	full := samplePayment("RT-FULL")
	if err := st.Create(ctx, full, nil); err != nil {
		t.Fatal(err)
	}
	got, err = st.Get(ctx, full.OrderNumber)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(full, got, cmpPayment); diff != "" {
		t.Errorf("full payment (-want +got):\n%s", diff)
	}
	if got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt location = %v, want UTC", got.CreatedAt.Location())
	}
	var stored string
	if err := db.QueryRowContext(ctx, `SELECT attempts->0->>'deposit_secret' FROM "`+schema+`".payments WHERE order_number = $1`, full.OrderNumber).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != "ps_secret" {
		t.Errorf("stored deposit secret = %q, want the value itself", stored)
	}
	var unsettled bool
	if err := db.QueryRowContext(ctx, `SELECT unsettled FROM "`+schema+`".payments WHERE order_number = $1`, full.OrderNumber).Scan(&unsettled); err != nil || !unsettled {
		t.Errorf("unsettled column = %v, %v; want true for a payment waiting for a deposit", unsettled, err)
	}

	// Text PostgreSQL cannot hold is stored as U+FFFD instead of
	// making the payment impossible to save.
	odd := samplePayment("RT-ODD")
	odd.Attempts[0].Failure.Message = "bad\x00byte and \xff"
	if err := st.Create(ctx, odd, nil); err != nil {
		t.Fatalf("Create with a NUL in a failure message: %v", err)
	}
	got, err = st.Get(ctx, odd.OrderNumber)
	if err != nil {
		t.Fatal(err)
	}
	if m := got.Attempts[0].Failure.Message; m != "bad\uFFFDbyte and \uFFFD" {
		t.Errorf("stored message = %q", m)
	}
}

// TestBadInput: refused input gives errors that say what and where.
func TestBadInput(t *testing.T) {
	st, _, _ := newStore(t)
	ctx := t.Context()
	check := func(name string, err error, code payments.ErrorCode, text string) {
		t.Helper()
		if payments.Code(err) != code {
			t.Errorf("%s: %v, want code %s", name, err, code)
		}
		if err != nil && !strings.Contains(err.Error(), text) {
			t.Errorf("%s: %q does not contain %q", name, err, text)
		}
	}
	err := st.Update(ctx, samplePayment("NOPE-1"), nil)
	check("Update of an unknown order", err, payments.CodePaymentNotFound, `sqlstore: update payment "NOPE-1"`)
	_, err = st.Get(ctx, "NOPE-2")
	check("Get of an unknown order", err, payments.CodePaymentNotFound, `sqlstore: get payment "NOPE-2"`)
	err = st.Create(ctx, samplePayment(""), nil)
	check("Create without order number", err, payments.CodeInvalidRequest, "sqlstore: create payment")
	err = st.Create(ctx, samplePayment("A\x00B"), nil)
	check("Create with a NUL in the order number", err, payments.CodeInvalidRequest, "NUL")
	err = st.Create(ctx, nil, nil)
	check("Create(nil)", err, payments.CodeInvalidRequest, "sqlstore: create payment")
	err = st.Update(ctx, nil, nil)
	check("Update(nil)", err, payments.CodeInvalidRequest, "sqlstore: update payment")
	_, err = st.RecordWebhook(ctx, "toss", "", time.Now())
	check("RecordWebhook without id", err, payments.CodeInvalidRequest, "sqlstore: record webhook")
	_, err = st.WebhookSeen(ctx, "", "evt")
	check("WebhookSeen without gateway", err, payments.CodeInvalidRequest, "sqlstore: look up webhook")

	p := samplePayment("BAD-1")
	if err := st.Create(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	err = st.Create(ctx, samplePayment("BAD-1"), nil)
	if !errors.Is(err, payments.ErrConflict) || !strings.Contains(err.Error(), `sqlstore: create payment "BAD-1"`) {
		t.Errorf("duplicate Create: %v, want a named ErrConflict", err)
	}
	p.Version = 7
	err = st.Update(ctx, p, nil)
	if !errors.Is(err, payments.ErrConflict) || !strings.Contains(err.Error(), `sqlstore: update payment "BAD-1"`) {
		t.Errorf("stale Update: %v, want a named ErrConflict", err)
	}
	if p.Version != 7 {
		t.Errorf("a refused Update changed p.Version to %d", p.Version)
	}
}

func TestOpen(t *testing.T) {
	ctx := t.Context()
	db := openDB(t, 2)
	if _, err := sqlstore.Open(ctx, nil, nil); err == nil {
		t.Error("Open(nil db) succeeded")
	}
	if _, err := sqlstore.Open(ctx, db, &sqlstore.Options{Schema: strings.Repeat("s", 64)}); err == nil {
		t.Error("Open with a 64-byte schema name succeeded")
	}
	schema := newSchema(t)
	_, err := sqlstore.Open(ctx, db, &sqlstore.Options{Schema: schema})
	if err == nil || !strings.Contains(err.Error(), "Migrate") {
		t.Errorf("Open of an unmigrated schema: %v, want an error that says to migrate", err)
	}
	openStore(t, db, schema)
	if _, err := sqlstore.Open(ctx, db, &sqlstore.Options{Schema: schema}); err != nil {
		t.Errorf("Open of a migrated schema without Migrate: %v", err)
	}
	// A schema name that needs quoting works like any other.
	odd := newSchema(t) + `-"Odd"`
	admin := openDB(t, 1)
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA IF EXISTS "` + strings.ReplaceAll(odd, `"`, `""`) + `" CASCADE`)
	})
	st := openStore(t, db, odd)
	if err := st.Create(ctx, samplePayment("ODD-1"), nil); err != nil {
		t.Errorf("Create in schema %q: %v", odd, err)
	}
}

// TestMigrate: Migrate is idempotent and safe when replicas run it at
// once, each with its own pool, on a schema that does not exist yet.
func TestMigrate(t *testing.T) {
	schema := newSchema(t)
	ctx := t.Context()
	const replicas = 4
	var wg sync.WaitGroup
	stores := make([]*sqlstore.Store, replicas)
	for i := range replicas {
		db := openDB(t, 2)
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := sqlstore.Open(ctx, db, &sqlstore.Options{Schema: schema, Migrate: true})
			if err != nil {
				t.Errorf("replica %d: Open: %v", i, err)
				return
			}
			if err := st.Migrate(ctx); err != nil {
				t.Errorf("replica %d: Migrate again: %v", i, err)
			}
			stores[i] = st
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for range 2 {
		if err := stores[0].Migrate(ctx); err != nil {
			t.Fatalf("Migrate once more: %v", err)
		}
	}
	var n, maxVersion int
	if err := openDB(t, 1).QueryRowContext(ctx, `SELECT count(*), max(version) FROM "`+schema+`".sqlstore_migrations`).Scan(&n, &maxVersion); err != nil {
		t.Fatal(err)
	}
	if wantN, wantMax := sqlstore.EmbeddedMigrations(); n != wantN || maxVersion != wantMax || n == 0 {
		t.Errorf("sqlstore_migrations holds %d rows up to version %d; each migration should be recorded once", n, maxVersion)
	}
	if err := stores[1].Create(ctx, samplePayment("MIG-1"), nil); err != nil {
		t.Errorf("Create after concurrent migrations: %v", err)
	}
}

// TestMigrateKilledMidway: a migration whose connection dies midway
// leaves nothing behind, and the next run applies it whole.
func TestMigrateKilledMidway(t *testing.T) {
	schema := newSchema(t)
	ctx := t.Context()
	admin := openDB(t, 4)
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA "`+schema+`"`); err != nil {
		t.Fatal(err)
	}
	// An uncommitted table with the name of the migration's last table
	// makes the migration wait there, after it created everything else.
	blocker, err := admin.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = blocker.Rollback() }()
	if _, err := blocker.ExecContext(ctx, `CREATE TABLE "`+schema+`".payment_events (x int)`); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, 2)
	done := make(chan error, 1)
	go func() {
		_, err := sqlstore.Open(ctx, db, &sqlstore.Options{Schema: schema, Migrate: true})
		done <- err
	}()
	pid := waitForBackend(t, admin, "CREATE TABLE payment_events")
	if _, err := admin.ExecContext(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	err = <-done
	if err == nil || !strings.Contains(err.Error(), "sqlstore: migrate") {
		t.Fatalf("Open whose migration was killed: %v, want a migrate error", err)
	}
	if err := blocker.Rollback(); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"sqlstore_migrations", "payments", "payment_events"} {
		var reg sql.NullString
		if err := admin.QueryRowContext(ctx, `SELECT to_regclass($1)::text`, `"`+schema+`".`+table).Scan(&reg); err != nil {
			t.Fatal(err)
		}
		if reg.Valid {
			t.Errorf("after the killed migration, table %s exists", table)
		}
	}
	st := openStore(t, db, schema)
	if err := st.Create(ctx, samplePayment("MK-1"), nil); err != nil {
		t.Errorf("Create after migrating again: %v", err)
	}
}

// TestUpdateInterrupted: an Update whose connection is killed, or whose
// context ends, while it waits leaves the stored payment either wholly as
// it was or wholly as written, never a mix.
func TestUpdateInterrupted(t *testing.T) {
	for _, how := range []string{"terminate", "cancel"} {
		t.Run(how, func(t *testing.T) {
			st, _, schema := newStore(t)
			ctx := t.Context()
			admin := openDB(t, 4)
			old := samplePayment("INT-1")
			if err := st.Create(ctx, old, nil); err != nil {
				t.Fatal(err)
			}
			next := old.Clone()
			next.Status, next.Attempts[0].Status = payments.StatusPaid, payments.StatusPaid
			next.Refunds = append(next.Refunds, payments.Refund{ID: "rf_2", Amount: 5, Status: payments.RefundPending, Attempt: 1})
			next.RefundedAmount, next.UpdatedAt = 99, old.UpdatedAt.Add(time.Hour)

			// Another session holds the row, so the Update waits.
			locker, err := admin.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = locker.Rollback() }()
			if _, err := locker.ExecContext(ctx, `SELECT 1 FROM "`+schema+`".payments WHERE order_number = $1 FOR UPDATE`, old.OrderNumber); err != nil {
				t.Fatal(err)
			}
			uctx, cancel := context.WithCancel(ctx)
			defer cancel()
			done := make(chan error, 1)
			attempt := next.Clone()
			go func() { done <- st.Update(uctx, attempt, nil) }()
			pid := waitForBackend(t, admin, schema+`".payments SET`)
			if how == "terminate" {
				if _, err := admin.ExecContext(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
					t.Fatal(err)
				}
			} else {
				cancel()
			}
			updErr := <-done
			if err := updErr; err == nil || !strings.Contains(err.Error(), `sqlstore: update payment "INT-1"`) {
				t.Fatalf("interrupted Update: %v, want a named error", err)
			}
			if how == "cancel" && payments.Code(updErr) != payments.CodeCanceled {
				t.Errorf("Update with a canceled context: code %s (%v), want canceled", payments.Code(updErr), updErr)
			}
			if err := locker.Rollback(); err != nil {
				t.Fatal(err)
			}
			// A statement the server already received may still complete
			// after the client gave up: wait until no backend runs it.
			deadline := time.Now().Add(10 * time.Second)
			for {
				var n int
				if err := admin.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND state = 'active'`, pid).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n == 0 || time.Now().After(deadline) {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			got, err := st.Get(ctx, old.OrderNumber)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("Update error: %v; stored version afterwards: %d", updErr, got.Version)
			switch got.Version {
			case 1:
				if diff := cmp.Diff(old, got, cmpPayment); diff != "" {
					t.Errorf("version 1 but not the old payment (-old +got):\n%s", diff)
				}
			case 2:
				want := next.Clone()
				want.Version = 2
				if diff := cmp.Diff(want, got, cmpPayment); diff != "" {
					t.Errorf("version 2 but not the new payment (-new +got):\n%s", diff)
				}
			default:
				t.Fatalf("stored version %d", got.Version)
			}
			if how == "terminate" && got.Version != 1 {
				t.Error("the update of a killed session was committed")
			}
			// The store keeps working on a fresh connection.
			got.RefundedAmount = 7
			if err := st.Update(ctx, got, nil); err != nil {
				t.Fatalf("Update after the interruption: %v", err)
			}
		})
	}
}

// TestErrorsHideThePassword: connection errors name the operation and do
// not contain the DSN's password.
func TestErrorsHideThePassword(t *testing.T) {
	testenv.DatabaseURL(t)
	const password = "hunter2-very-secret"
	db, err := sql.Open("pgx", "postgres://payments:"+password+"@127.0.0.1:1/payments_test?sslmode=disable&connect_timeout=5")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = sqlstore.Open(t.Context(), db, &sqlstore.Options{Migrate: true})
	if err == nil {
		t.Fatal("Open on a closed port succeeded")
	}
	if strings.Contains(err.Error(), password) || strings.Contains(fmt.Sprintf("%+v", err), password) {
		t.Errorf("the error reveals the password: %v", err)
	}
	t.Logf("error: %v", err)
	if !strings.HasPrefix(err.Error(), "sqlstore: open: ") {
		t.Errorf("error %q does not name the operation", err)
	}
}

// TestContext: calls honour their context.
func TestContext(t *testing.T) {
	st, _, _ := newStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := st.Get(ctx, "CTX-1"); !errors.Is(err, context.Canceled) || payments.Code(err) != payments.CodeCanceled {
		t.Errorf("Get with a canceled context: %v", err)
	}
	if _, err := st.Unsettled(ctx, time.Now(), 10); !errors.Is(err, context.Canceled) {
		t.Errorf("Unsettled with a canceled context: %v", err)
	}
	if _, err := st.RecordWebhook(ctx, "toss", "evt", time.Now()); !errors.Is(err, context.Canceled) {
		t.Errorf("RecordWebhook with a canceled context: %v", err)
	}
	dctx, dcancel := context.WithTimeout(t.Context(), time.Nanosecond)
	defer dcancel()
	<-dctx.Done()
	if err := st.Migrate(dctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Migrate past its deadline: %v", err)
	}
}

// TestUnsettledUsesIndex: the reconciliation query reads the partial
// index, not the table.
func TestUnsettledUsesIndex(t *testing.T) {
	st, db, schema := newStore(t)
	ctx := t.Context()
	// Many settled payments, a few unsettled, as in a live database.
	if _, err := db.ExecContext(ctx, `INSERT INTO "`+schema+`".payments
SELECT 'IDX-' || i, 'pay_' || i, 100, 'KRW', CASE WHEN i % 500 = 0 THEN 'processing' ELSE 'paid' END, 'fake', 'CARD', '',
       0, '[]', '[]', NULL, NULL, i % 500 = 0, now() - i * interval '1 second', now() - i * interval '1 second', NULL, 1
FROM generate_series(1, 20000) AS i`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `ANALYZE "`+schema+`".payments`); err != nil {
		t.Fatal(err)
	}
	plan := explain(t, db, st.UnsettledSQL(), time.Now(), 100)
	if !strings.Contains(plan, "payments_unsettled_idx") || strings.Contains(plan, "Seq Scan") {
		t.Errorf("Unsettled does not use payments_unsettled_idx:\n%s", plan)
	}
	got, err := st.Unsettled(ctx, time.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 40 {
		t.Errorf("Unsettled without limit returned %d payments, want 40", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i].UpdatedAt.Before(got[i-1].UpdatedAt) {
			t.Fatalf("Unsettled is not oldest first at %d", i)
		}
	}
}

// TestSearchPath: with no Options.Schema, the store uses unqualified
// names, so the connection's search_path (here set in the DSN) decides
// where the tables live.
func TestSearchPath(t *testing.T) {
	schema := newSchema(t)
	ctx := t.Context()
	admin := openDB(t, 1)
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA "`+schema+`"`); err != nil {
		t.Fatal(err)
	}
	dsn := testenv.DatabaseURL(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	db, err := sql.Open("pgx", dsn+sep+"search_path="+schema)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := sqlstore.Open(ctx, db, &sqlstore.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Create(ctx, samplePayment("SP-1"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, "SP-1"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := admin.QueryRowContext(ctx, `SELECT count(*) FROM "`+schema+`".payments`).Scan(&n); err != nil || n != 1 {
		t.Errorf("payments in schema %s: %d, %v; want 1", schema, n, err)
	}
}
