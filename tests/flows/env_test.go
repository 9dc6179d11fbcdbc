package flows_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/httpapi"
	"github.com/payments-go/payments/internal/benchpair"
	"github.com/payments-go/payments/internal/counting"
	"github.com/payments-go/payments/internal/testenv"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/sqlstore"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/stripe/stripetest"
	"github.com/payments-go/payments/toss"
	"github.com/payments-go/payments/toss/tosstest"
)

// The sandbox credentials of the benchmarks. They open only the
// in-process fakes.
const (
	tossSecretKey   = "test_sk_flowBenchSecretKey000001"
	tossClientKey   = "test_ck_flowBenchClientKey000001"
	stripeSecretKey = "sk_test_flowBenchSecretKey000001"
	adminToken      = "flow-bench-admin-token-3b9e4c7d21"
	shopOrigin      = "https://shop.example"
)

// The orders: numbers starting with "K" are KRW orders paid with Toss,
// the others USD orders paid with Stripe.
const (
	krwName   = "Cool T-Shirt 외 1건"
	krwAmount = 58990
	usdName   = "Coffee Mug"
	usdAmount = 1999
)

// orders is an order source that knows every number it is asked for, so
// that a benchmark keeps no order book of its own.
type orders struct{}

func (orders) Order(_ context.Context, number string) (payments.Order, error) {
	if strings.HasPrefix(number, "K") {
		return payments.Order{Number: number, Name: krwName, Amount: krwAmount, Currency: payments.KRW}, nil
	}
	return payments.Order{Number: number, Name: usdName, Amount: usdAmount, Currency: payments.USD}, nil
}

// flowsPerFake is how many flows run against one pair of fakes. tosstest
// keeps every payment and visits them on each call, so fresh fakes every
// few hundred flows keep the time per flow independent of b.N.
const flowsPerFake = 256

// env is the library as an application mounts it (httpapi over one
// Service, with the real toss and stripe gateways) against tosstest and
// stripetest on loopback servers, over a counted store.
type env struct {
	b     *testing.B
	h     http.Handler
	svc   *payments.Service
	store *counting.Store
	raw   payments.Store      // the store itself, for uncounted checks
	sql   *counting.Connector // nil over memstore

	tossAPI, stripeAPI *httptest.Server
	toss               atomic.Pointer[tosstest.Server]
	stripe             atomic.Pointer[stripetest.Server]
	flows              int // since the fakes were made

	// fakeNS is the time spent inside the fakes' API handlers.
	fakeNS atomic.Int64
}

// newEnv builds an env over the named store, "memstore" or "sqlstore".
func newEnv(b *testing.B, store string) *env {
	b.Helper()
	e := &env{b: b}
	e.tossAPI = httptest.NewServer(e.timed(func() http.Handler { return e.toss.Load() }))
	b.Cleanup(e.tossAPI.Close)
	e.stripeAPI = httptest.NewServer(e.timed(func() http.Handler { return e.stripe.Load() }))
	b.Cleanup(e.stripeAPI.Close)
	e.newFakes()
	b.Cleanup(e.closeFakes)

	tc, err := toss.NewClient(toss.ClientConfig{SecretKey: tossSecretKey, BaseURL: e.tossAPI.URL, HTTPClient: e.tossAPI.Client()})
	if err != nil {
		b.Fatal(err)
	}
	tg, err := toss.NewGateway(toss.GatewayConfig{Client: tc})
	if err != nil {
		b.Fatal(err)
	}
	sg, err := stripe.New(stripe.Config{SecretKey: stripeSecretKey, BaseURL: e.stripeAPI.URL, HTTPClient: e.stripeAPI.Client(), MaxNetworkRetries: -1})
	if err != nil {
		b.Fatal(err)
	}
	switch store {
	case "memstore":
		e.raw = memstore.New()
	case "sqlstore":
		e.raw = e.openSQL()
	default:
		b.Fatalf("unknown store %q", store)
	}
	e.store = counting.NewStore(e.raw)
	e.svc, err = payments.NewService(payments.Config{Store: e.store, Orders: orders{}, Gateways: []payments.Gateway{tg, sg}})
	if err != nil {
		b.Fatal(err)
	}
	e.h, err = httpapi.New(httpapi.Config{
		Service:   e.svc,
		PublicURL: shopOrigin,
		Authorize: payments.BearerToken(adminToken),
		Toss:      &httpapi.TossConfig{ClientKey: tossClientKey},
		Stripe:    &httpapi.StripeConfig{WebhookSecret: "whsec_flowBenchWebhookSecret0001"},
	})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// timed serves the current fake's API, adding the time spent in it to
// fakeNS; the fakes' other pages are served untimed.
func (e *env) timed(fake func() http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := fake()
		if !strings.HasPrefix(r.URL.Path, "/v1/") {
			h.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		h.ServeHTTP(w, r)
		e.fakeNS.Add(int64(time.Since(start)))
	})
}

func (e *env) newFakes() {
	e.toss.Store(tosstest.New(tosstest.Config{
		SecretKeys: []string{tossSecretKey}, ClientKey: tossClientKey,
	}))
	e.stripe.Store(stripetest.New(stripetest.Config{APIKeys: []string{stripeSecretKey}, PublicURL: e.stripeAPI.URL}))
	e.flows = 0
}

func (e *env) closeFakes() {
	e.toss.Load().Close()
	e.stripe.Load().Close()
}

// openSQL opens a migrated sqlstore in a schema of its own, over a pool
// whose statements are counted; the schema is dropped when the benchmark
// ends.
func (e *env) openSQL() payments.Store {
	b := e.b
	c, err := counting.NewConnector(stdlib.GetDefaultDriver(), testenv.DatabaseURL(b))
	if err != nil {
		b.Fatal(err)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	rb := make([]byte, 6)
	_, _ = rand.Read(rb)
	schema := "flows_" + hex.EncodeToString(rb)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`); err != nil {
			b.Errorf("drop schema %s: %v", schema, err)
		}
		_ = db.Close()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := sqlstore.Open(ctx, db, &sqlstore.Options{Schema: schema, Migrate: true})
	if err != nil {
		b.Fatalf("sqlstore.Open: %v", err)
	}
	e.sql = c
	return st
}

// do sends one request to the mounted handler, as net/http's server
// hands it over, and checks the answer's status.
func (e *env) do(method, target, body string, want int, header ...string) *httptest.ResponseRecorder {
	r, err := benchpair.NewRequest(method, target, body)
	if err != nil {
		e.b.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	if w.Code != want {
		e.b.Fatalf("%s %s = %d, want %d: %s", method, target, w.Code, want, w.Body)
	}
	return w
}

// wantStatus checks, without counting, that the order's payment is stored
// with status want.
func (e *env) wantStatus(order string, want payments.Status) {
	p, err := e.raw.Get(context.Background(), order)
	if err != nil {
		e.b.Fatalf("payment %s: %v", order, err)
	}
	if p.Status != want {
		e.b.Fatalf("payment %s is %s, want %s", order, p.Status, want)
	}
}
