package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/testenv"
	"github.com/payments-go/payments/status"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/stripe/stripetest"
	"github.com/payments-go/payments/toss"
	"github.com/payments-go/payments/toss/tosstest"
)

// TestAPIMode: with keys set, the shop talks to the API at TOSS_API_BASE
// and STRIPE_API_BASE (here the fakes on their own test servers, standing
// in for the real APIs) and mounts no sandbox.
func TestAPIMode(t *testing.T) {
	tossFake, tossTS := tosstest.NewTestServer(t, tosstest.Config{SecretKeys: []string{"test_sk_apiMode01"}, ClientKey: "test_ck_apiMode01"})
	stripeFake, stripeTS := stripetest.NewTestServer(t, stripetest.Config{APIKeys: []string{"sk_test_apiMode01"}})
	s := startShop(t, map[string]string{
		"TOSS_SECRET_KEY": "test_sk_apiMode01", "TOSS_CLIENT_KEY": "test_ck_apiMode01", "TOSS_API_BASE": tossTS.URL,
		"STRIPE_SECRET_KEY": "sk_test_apiMode01", "STRIPE_API_BASE": stripeTS.URL,
	})

	var pc pageConfig
	s.call("GET", "/config", nil, nil, http.StatusOK, &pc)
	if pc.Toss.Mode != "api" || pc.Stripe.Mode != "api" || pc.Toss.SandboxURL != "" {
		t.Errorf("config = %+v, want both in api mode", pc)
	}
	for _, p := range []string{"/sandbox/toss/sandbox/pay", "/sandbox/stripe/sandbox/checkout/cs_1"} {
		if code, _, _ := s.do("GET", p, nil, nil); code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404 (no sandbox in api mode)", p, code)
		}
	}
	for _, want := range []string{"API at " + tossTS.URL, "API at " + stripeTS.URL, "STRIPE_WEBHOOK_SECRET is unset"} {
		if !strings.Contains(s.out.String(), want) {
			t.Errorf("the output does not say %q", want)
		}
	}

	// Toss: the ready response hands the browser the configured client
	// key; the customer authenticates at "Toss"; the callback confirms.
	var ready toss.ReadyResponse
	s.call("POST", "/payments/toss/ready", map[string]any{
		"order_number": "ORD-20260122-001", "amount": 58990, "order_name": "Cool T-Shirt 외 1건", "method": "CARD",
		"success_url": s.url + "/", "fail_url": s.url + "/",
	}, nil, http.StatusOK, &ready)
	if ready.Toss.ClientKey != "test_ck_apiMode01" {
		t.Errorf("client key %q, want TOSS_CLIENT_KEY", ready.Toss.ClientKey)
	}
	key, err := tossFake.Authorize(ready.Toss.OrderID, 58990, ready.Toss.OrderName, "CARD")
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"paymentKey": {key}, "orderId": {ready.Toss.OrderID}, "amount": {"58990"}, "paymentType": {"NORMAL"}}
	if code, _, h := s.do("GET", "/payments/toss/success?"+q.Encode(), nil, nil); code != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "status=paid") {
		t.Fatalf("success callback: %d %q", code, h.Get("Location"))
	}
	if p := s.payment("ORD-20260122-001"); p.Status != payments.StatusPaid || p.GatewayReference == nil || *p.GatewayReference != key {
		t.Errorf("Toss payment: %s %v", p.Status, p.GatewayReference)
	}

	// Stripe: the Checkout Session lives at STRIPE_API_BASE.
	order := s.newOrder("Hoodie", 2500, "USD")
	var co stripe.CheckoutResponse
	s.call("POST", "/payments/stripe/checkout", map[string]any{
		"order_number": order, "success_url": s.url + "/?session_id={CHECKOUT_SESSION_ID}", "cancel_url": s.url + "/",
	}, nil, http.StatusOK, &co)
	if !strings.HasPrefix(co.URL, stripeTS.URL+"/") {
		t.Errorf("checkout URL %q is not on STRIPE_API_BASE", co.URL)
	}
	if err := stripeFake.CompleteSession(co.SessionID, stripetest.PMVisa); err != nil {
		t.Fatal(err)
	}
	var v status.Payment
	s.call("POST", "/payments/stripe/verify", map[string]any{"order_number": order, "session_id": co.SessionID}, nil, http.StatusOK, &v)
	if v.Status != payments.StatusPaid {
		t.Errorf("Stripe payment: %s, want paid", v.Status)
	}
}

// TestAllowedOrigins: PAYMENTS_ALLOWED_ORIGINS replaces the default (the
// shop's own origin) for return URLs.
func TestAllowedOrigins(t *testing.T) {
	s := startShop(t, map[string]string{"PAYMENTS_ALLOWED_ORIGINS": "https://front.example, https://m.front.example"})
	body := func(success string) map[string]any {
		return map[string]any{"order_number": "ORD-20260122-001", "amount": 58990, "order_name": "x", "method": "CARD", "success_url": success, "fail_url": "https://front.example/fail"}
	}
	s.call("POST", "/payments/toss/ready", body("https://m.front.example/ok"), nil, http.StatusOK, nil)
	s.wantError("POST", "/payments/toss/ready", body(s.url+"/ok"), nil, http.StatusBadRequest, payments.CodeRedirectNotAllowed)
}

// TestPublicURL: PAYMENTS_PUBLIC_URL, not the listener's address, is what
// the callbacks and sandbox links are built on.
func TestPublicURL(t *testing.T) {
	s := startShop(t, map[string]string{"PAYMENTS_PUBLIC_URL": "https://shop.example/"})
	if !strings.Contains(s.out.String(), "listening:") {
		t.Errorf("the banner does not show the listen address when it differs from the public URL")
	}
	// The banner's shop line is the public URL; talk to the listener.
	ln := strings.Fields(s.out.String()[strings.Index(s.out.String(), "listening:"):])[1]
	s.url = "http://" + ln
	var ready toss.ReadyResponse
	s.call("POST", "/payments/toss/ready", map[string]any{
		"order_number": "ORD-20260122-001", "amount": 58990, "order_name": "x", "method": "CARD",
		"success_url": "https://shop.example/?ok", "fail_url": "https://shop.example/?fail",
	}, nil, http.StatusOK, &ready)
	if ready.Toss.SuccessURL != "https://shop.example/payments/toss/success" {
		t.Errorf("success callback %q, want it on PAYMENTS_PUBLIC_URL", ready.Toss.SuccessURL)
	}
	order := s.newOrder("Hoodie", 2500, "USD")
	var co stripe.CheckoutResponse
	s.call("POST", "/payments/stripe/checkout", map[string]any{
		"order_number": order, "success_url": "https://shop.example/?s={CHECKOUT_SESSION_ID}", "cancel_url": "https://shop.example/",
	}, nil, http.StatusOK, &co)
	if !strings.HasPrefix(co.URL, "https://shop.example/sandbox/stripe/sandbox/checkout/") {
		t.Errorf("sandbox checkout URL %q, want it on PAYMENTS_PUBLIC_URL", co.URL)
	}
}

// TestDatabase runs the shop on PostgreSQL (PAYMENTS_DATABASE_URL, in a
// schema of its own) and restarts it: the payment, the orders and their
// fulfilment survive.
// It needs PAYMENTS_TEST_DATABASE_URL, which scripts/test sets.
func TestDatabase(t *testing.T) {
	dsn, admin, schema := testSchema(t)
	env := map[string]string{"PAYMENTS_DATABASE_URL": dsn, "PAYMENTS_ADMIN_TOKEN": "db-test-admin-token", "PAYMENTS_SWEEP_INTERVAL": "100ms"}

	t.Run("pay", func(t *testing.T) {
		s := startShop(t, env)
		if !strings.Contains(s.out.String(), "store:       PostgreSQL") {
			t.Errorf("the banner does not name PostgreSQL:\n%s", s.out.String())
		}
		s.payTossCard("ORD-20260122-001", 58990, "Cool T-Shirt 외 1건")
		s.wantStatus("ORD-20260122-001", payments.StatusPaid)
		s.wantFulfilled("ORD-20260122-001")
		s.call("POST", "/orders", map[string]any{"order_number": "KEPT-ORDER-1", "order_name": "Mug", "amount": 12000, "currency": "KRW"}, nil, http.StatusCreated, nil)
	})
	t.Run("after a restart", func(t *testing.T) {
		s := startShop(t, env)
		s.wantStatus("ORD-20260122-001", payments.StatusPaid)
		// The shop's orders and what its handler did are in the database
		// too: the fulfilment is not done again.
		o := s.wantFulfilled("ORD-20260122-001")
		var again orderJSON
		s.call("GET", "/orders/ORD-20260122-001", nil, nil, http.StatusOK, &again)
		if again.Fulfillments != 1 || !again.FulfilledAt.Equal(*o.FulfilledAt) {
			t.Errorf("after a restart the order shows %+v, want the fulfilment of %v once", again, o.FulfilledAt)
		}
		var kept orderJSON
		s.call("GET", "/orders/KEPT-ORDER-1", nil, nil, http.StatusOK, &kept)
		if kept.OrderName != "Mug" || kept.Amount != 12000 || kept.FulfilledAt != nil || kept.EventsHandled != 0 {
			t.Errorf("order created before the restart: %+v", kept)
		}
		// The sandbox forgot the old payment (it lives in memory), so only
		// a new one can be refunded here; against a real API the old one
		// could be too.
		order := s.newOrder("Socks", 15000, "KRW")
		s.payTossCard(order, 15000, "Socks")
		s.wantFulfilled(order) // delivered by the shop's background loop, not by the request
		var r status.Payment
		s.call("POST", "/payments/toss/cancel", map[string]any{"order_number": order, "amount": 990, "reason": "r"}, bearer("db-test-admin-token"), http.StatusOK, &r)
		if r.Status != payments.StatusPartiallyRefunded {
			t.Errorf("refund after restart: %s", r.Status)
		}
	})
	var n int
	if err := admin.QueryRowContext(t.Context(), `SELECT count(*) FROM "`+schema+`".payments`).Scan(&n); err != nil || n != 2 {
		t.Errorf("payments in the schema: %d, %v; want 2", n, err)
	}
	if err := admin.QueryRowContext(t.Context(), `SELECT count(*) FROM "`+schema+`".shop_orders WHERE fulfillments = 1`).Scan(&n); err != nil || n != 2 {
		t.Errorf("fulfilled orders in the schema: %d, %v; want 2", n, err)
	}
}

// testSchema makes a PostgreSQL schema of its own for the test, dropped
// at its end, and returns a URL whose connections use it, a connection
// to the database and the schema's name. It needs
// PAYMENTS_TEST_DATABASE_URL, which scripts/test sets.
func testSchema(t *testing.T) (dsn string, admin *sql.DB, schema string) {
	t.Helper()
	base := testenv.DatabaseURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema = "shop_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(t.Context(), `CREATE SCHEMA "`+schema+`"`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = admin.ExecContext(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`)
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema, admin, schema
}

func TestDatabaseUnreachable(t *testing.T) {
	out := &outputBuffer{ready: make(chan struct{})}
	err := run(t.Context(), func(k string) string {
		return map[string]string{"PAYMENTS_ADDR": "127.0.0.1:0", "PAYMENTS_DATABASE_URL": "postgres://u:dbSECRETpw@127.0.0.1:1/x?connect_timeout=2"}[k]
	}, out)
	if err == nil || !strings.Contains(err.Error(), "PAYMENTS_DATABASE_URL") {
		t.Fatalf("run = %v, want an error naming PAYMENTS_DATABASE_URL", err)
	}
	if strings.Contains(err.Error()+out.String(), "dbSECRETpw") {
		t.Errorf("the database password leaked: %v\n%s", err, out.String())
	}
}

// TestInProcess checks the sandbox transport: it serves through the
// handler whatever the host, passes bodies and headers, turns an aborted
// response into an error, and honours the request's context.
func TestInProcess(t *testing.T) {
	h := http.NewServeMux()
	h.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Got", r.Header.Get("X-Send")+" "+r.URL.RawQuery)
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(b)
	})
	h.HandleFunc("GET /abort", func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) })
	h.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	c := inProcess{h}.client(5 * time.Second)

	req, _ := http.NewRequest("POST", "http://anything.invalid/echo?a=1", strings.NewReader("hello"))
	req.Header.Set("X-Send", "hi")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || string(body) != "hello" || resp.Header.Get("X-Got") != "hi a=1" {
		t.Errorf("echo: %d %q %q", resp.StatusCode, body, resp.Header.Get("X-Got"))
	}

	if _, err := c.Get("http://x.invalid/abort"); err == nil || !strings.Contains(err.Error(), "aborted") {
		t.Errorf("aborted response: err = %v", err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, "GET", "http://x.invalid/slow", nil)
	if _, err := c.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow handler with a deadline: err = %v, want DeadlineExceeded", err)
	}

}

// openTestDB opens dsn for the test's duration.
func openTestDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
