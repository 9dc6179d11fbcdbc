package latency_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/counting"
	"github.com/payments-go/payments/internal/testenv"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
	"github.com/payments-go/payments/sqlstore"
)

// sqlPool is the size of the *sql.DB over sqlstore.
const sqlPool = 16

// orderAmount is every order's amount.
const orderAmount = 58990

// orders is an order source that knows every number it is asked for, so
// that a run keeps no order book of its own.
type orders struct{}

func (orders) Order(_ context.Context, number string) (payments.Order, error) {
	return payments.Order{Number: number, Name: "Cool T-Shirt 외 1건", Amount: orderAmount, Currency: payments.KRW}, nil
}

// delayed is the gateway of a run: paymentstest's fake behind a confirm
// that answers after the injected latency. It offers the payments.Gateway
// methods only, so Prepare records the attempt without a gateway call, as
// with Toss, and a flow makes one gateway call, the confirm.
type delayed struct {
	next  *paymentstest.Gateway
	delay atomic.Int64 // time.Duration
	calls atomic.Int64
}

var _ payments.Gateway = (*delayed)(nil)

func (g *delayed) Name() string { return g.next.Name() }

func (g *delayed) Confirm(ctx context.Context, p *payments.ConfirmParams) (*payments.Charge, error) {
	g.calls.Add(1)
	if d := time.Duration(g.delay.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	return g.next.Confirm(ctx, p)
}

func (g *delayed) Refund(ctx context.Context, p *payments.RefundParams) (*payments.RefundResult, error) {
	g.calls.Add(1)
	return g.next.Refund(ctx, p)
}

func (g *delayed) Lookup(ctx context.Context, p *payments.LookupParams) (*payments.Charge, error) {
	g.calls.Add(1)
	return g.next.Lookup(ctx, p)
}

// env is one Service with its store and gateway, for one run.
type env struct {
	svc   *payments.Service
	fake  *paymentstest.Gateway
	gw    *delayed
	store *counting.Store
	sql   *counting.Connector // nil over memstore
	// events counts the events the handler was given.
	events atomic.Int64
	close  func()
}

// newEnv builds an env over the named store ("memstore" or "sqlstore").
func newEnv(b *testing.B, store string) *env {
	b.Helper()
	e := &env{fake: paymentstest.NewGateway("fake"), close: func() {}}
	e.gw = &delayed{next: e.fake}
	var st payments.Store
	switch store {
	case "memstore":
		st = memstore.New()
	case "sqlstore":
		st = e.openSQL(b)
	default:
		b.Fatalf("unknown store %q", store)
	}
	e.store = counting.NewStore(st)
	// As an application runs it: a handler for the events, and Run
	// delivering them in the background.
	svc, err := payments.NewService(payments.Config{
		Store: e.store, Orders: orders{}, Gateways: []payments.Gateway{e.gw},
		HandleEvent: func(context.Context, payments.Event) error {
			e.events.Add(1)
			return nil
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	e.svc = svc
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = svc.Run(ctx)
	}()
	closeStore := e.close
	e.close = func() {
		stop()
		<-done
		closeStore()
	}
	return e
}

// openSQL opens a migrated sqlstore in a schema of its own, over a pool
// whose statements are counted; close drops the schema.
func (e *env) openSQL(b *testing.B) payments.Store {
	url := testenv.DatabaseURL(b)
	c, err := counting.NewConnector(stdlib.GetDefaultDriver(), url)
	if err != nil {
		b.Fatal(err)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(sqlPool)
	db.SetMaxIdleConns(sqlPool)
	rb := make([]byte, 6)
	_, _ = rand.Read(rb)
	schema := "latency_" + hex.EncodeToString(rb)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := sqlstore.Open(ctx, db, &sqlstore.Options{Schema: schema, Migrate: true})
	if err != nil {
		_ = db.Close()
		b.Fatalf("sqlstore.Open: %v", err)
	}
	e.sql = c
	e.close = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`); err != nil {
			b.Errorf("drop schema %s: %v", schema, err)
		}
		_ = db.Close()
	}
	return st
}

// flow is one customer paying order n: Prepare, the authorisation at the
// fake's payment page, Confirm.
func (e *env) flow(ctx context.Context, prefix string, n int) error {
	number := prefix + strconv.Itoa(n)
	prep, err := e.svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: number, Gateway: e.gw.Name()})
	if err != nil {
		return fmt.Errorf("prepare %s: %w", number, err)
	}
	ref := e.fake.Authorize(prep.Attempt.GatewayOrderID, prep.Order.Amount, prep.Order.Currency)
	p, err := e.svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: number, Reference: ref, Amount: prep.Order.Amount})
	if err != nil {
		return fmt.Errorf("confirm %s: %w", number, err)
	}
	if p.Status != payments.StatusPaid {
		return fmt.Errorf("confirm %s: status %s, want paid", number, p.Status)
	}
	return nil
}

// warm runs n flows at once without injected latency, so that one-time
// costs (the pool's connections, statements the driver prepares on them,
// encoding caches) fall before the run's baseline.
func (e *env) warm(b *testing.B, n int) {
	b.Helper()
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- e.flow(context.Background(), "WARM-", i) }()
	}
	var failed []string
	for range n {
		if err := <-errs; err != nil {
			failed = append(failed, err.Error())
		}
	}
	if len(failed) > 0 {
		b.Fatalf("warm-up: %d of %d flows failed: %s", len(failed), n, strings.Join(failed[:min(len(failed), 3)], "; "))
	}
}
