package refund_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
	"github.com/payments-go/payments/refund"
)

type fixture struct {
	svc *payments.Service
	gw  *paymentstest.Gateway
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	gw := paymentstest.NewGateway("toss")
	svc, err := payments.NewService(payments.Config{
		Store: memstore.New(),
		Orders: payments.NewOrderBook(
			payments.Order{Number: "ORD-1", Name: "Cool T-Shirt 외 1건", Amount: 58990, Currency: payments.KRW},
			payments.Order{Number: "ORD-UNPAID", Name: "Cap", Amount: 9900, Currency: payments.KRW},
		),
		Gateways: []payments.Gateway{gw, paymentstest.NewGateway("stripe")},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	_, _ = svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-1", Gateway: "toss"})
	if _, err := svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-1"}); err != nil {
		t.Fatal(err)
	}
	_, _ = svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-UNPAID", Gateway: "toss"})
	return &fixture{svc: svc, gw: gw}
}

func post(h http.Handler, body string, headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/cancel", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer admin-token")
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			r.Header.Del(headers[i])
		} else {
			r.Header.Set(headers[i], headers[i+1])
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func code(rec *httptest.ResponseRecorder) string {
	var b struct{ Error struct{ Code string } }
	_ = json.Unmarshal(rec.Body.Bytes(), &b)
	return b.Error.Code
}

func TestBadRequests(t *testing.T) {
	f := newFixture(t)
	h := refund.NewHandler(refund.Config{Service: f.svc, Authorize: refund.BearerToken("admin-token"), Gateway: "toss"})
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"empty", ``, 400, "invalid_request"},
		{"not json", `order_number=ORD-1`, 400, "invalid_request"},
		{"unknown field", `{"order_number":"ORD-1","reason":"x","amonut":5}`, 400, "invalid_request"},
		{"string amount", `{"order_number":"ORD-1","reason":"x","amount":"5"}`, 400, "invalid_request"},
		{"float amount", `{"order_number":"ORD-1","reason":"x","amount":5.5}`, 400, "invalid_request"},
		{"zero amount", `{"order_number":"ORD-1","reason":"x","amount":0}`, 400, "invalid_request"},
		{"negative amount", `{"order_number":"ORD-1","reason":"x","amount":-5}`, 400, "invalid_request"},
		{"no order", `{"reason":"x"}`, 400, "invalid_request"},
		{"no reason", `{"order_number":"ORD-1"}`, 400, "invalid_request"},
		{"long reason", `{"order_number":"ORD-1","reason":"` + strings.Repeat("가", 201) + `"}`, 400, "invalid_request"},
		{"bad bank", `{"order_number":"ORD-1","reason":"x","refund_receive_account":{"bank":"NOBANK","account_number":"123","holder_name":"김"}}`, 400, "invalid_request"},
		{"bad account", `{"order_number":"ORD-1","reason":"x","refund_receive_account":{"bank":"20","account_number":"12a","holder_name":"김"}}`, 400, "invalid_request"},
		{"no holder", `{"order_number":"ORD-1","reason":"x","refund_receive_account":{"bank":"20","account_number":"123","holder_name":""}}`, 400, "invalid_request"},
		{"unknown order", `{"order_number":"NOPE","reason":"x"}`, 404, "order_not_found"},
		{"unpaid", `{"order_number":"ORD-UNPAID","reason":"x"}`, 409, "invalid_state"},
		{"above balance", `{"order_number":"ORD-1","reason":"x","amount":58991}`, 409, "refund_exceeds_balance"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := post(h, tt.body)
			if rec.Code != tt.status || code(rec) != tt.code {
				t.Errorf("%d %s, want %d %s (%s)", rec.Code, code(rec), tt.status, tt.code, rec.Body)
			}
		})
	}
	if rec := post(h, `{}`, "Content-Type", "text/plain"); rec.Code != 415 {
		t.Errorf("text/plain: %d", rec.Code)
	}
	if rec := post(h, `{"order_number":"`+strings.Repeat("a", 1<<20)+`"}`); rec.Code != 413 {
		t.Errorf("2 MiB body: %d", rec.Code)
	}
	for _, c := range f.gw.Calls() {
		if c.Op == "refund" {
			t.Fatalf("a bad request reached the gateway: %+v", c)
		}
	}
}

func TestAuthorization(t *testing.T) {
	f := newFixture(t)
	body := `{"order_number":"ORD-1","reason":"x","amount":100}`
	if rec := post(refund.NewHandler(refund.Config{Service: f.svc}), body); rec.Code != 403 || code(rec) != "forbidden" {
		t.Errorf("without an authorizer: %d %s", rec.Code, code(rec))
	}
	h := refund.NewHandler(refund.Config{Service: f.svc, Authorize: refund.BearerToken("admin-token")})
	if rec := post(h, body, "Authorization", ""); rec.Code != 401 || code(rec) != "unauthorized" {
		t.Errorf("without credentials: %d %s", rec.Code, code(rec))
	}
	if rec := post(h, body, "Authorization", "Bearer wrong"); rec.Code != 401 {
		t.Errorf("wrong token: %d", rec.Code)
	}
	if rec := post(h, body); rec.Code != 200 {
		t.Errorf("right token: %d %s", rec.Code, rec.Body)
	}
}

func TestPartialThenFull(t *testing.T) {
	f := newFixture(t)
	h := refund.NewHandler(refund.Config{Service: f.svc, Authorize: refund.BearerToken("admin-token"), Gateway: "toss"})
	rec := post(h, `{"order_number":"ORD-1","amount":8990,"reason":"Customer request"}`)
	var r refund.Response
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if r.Status != payments.StatusPartiallyRefunded || r.RefundableAmount != 50000 || r.Refund.Amount != 8990 || r.Refund.Reason != "Customer request" || r.Refund.Status != payments.RefundSucceeded {
		t.Errorf("partial refund response: %+v", r)
	}
	rec = post(h, `{"order_number":"ORD-1","reason":"the rest"}`)
	_ = json.Unmarshal(rec.Body.Bytes(), &r)
	if r.Status != payments.StatusRefunded || r.RefundedAmount != 58990 || r.Refund.Amount != 50000 || len(r.Refunds) != 2 {
		t.Errorf("full refund response: %+v", r)
	}
}

func TestIdempotencyKey(t *testing.T) {
	f := newFixture(t)
	h := refund.NewHandler(refund.Config{Service: f.svc, Authorize: refund.BearerToken("admin-token")})
	body := `{"order_number":"ORD-1","amount":1000,"reason":"x"}`
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if rec := post(h, body, "Idempotency-Key", "refund-1"); rec.Code != 200 {
				t.Errorf("%d %s", rec.Code, rec.Body)
			}
		}()
	}
	wg.Wait()
	if rec := post(h, `{"order_number":"ORD-1","amount":2000,"reason":"x"}`, "Idempotency-Key", "refund-1"); rec.Code != 409 || code(rec) != "idempotency_key_reused" {
		t.Errorf("same key, other body: %d %s", rec.Code, code(rec))
	}
	n := 0
	for _, c := range f.gw.Calls() {
		if c.Op == "refund" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d refund calls reached the gateway, want 1", n)
	}
	// Another replica (another handler, so another replay cache) with the
	// same key still refunds once: the key is the refund's id.
	h2 := refund.NewHandler(refund.Config{Service: f.svc, Authorize: refund.BearerToken("admin-token")})
	var r refund.Response
	rec := post(h2, body, "Idempotency-Key", "refund-1")
	_ = json.Unmarshal(rec.Body.Bytes(), &r)
	if rec.Code != 200 || r.RefundedAmount != 1000 {
		t.Errorf("replica repeat: %d refunded %d", rec.Code, r.RefundedAmount)
	}
}

func TestGatewayRestriction(t *testing.T) {
	f := newFixture(t)
	h := refund.NewHandler(refund.Config{Service: f.svc, Authorize: refund.BearerToken("admin-token"), Gateway: "stripe"})
	if rec := post(h, `{"order_number":"ORD-1","reason":"x"}`); rec.Code != 409 || code(rec) != "invalid_state" {
		t.Errorf("refund of a toss payment on the stripe route: %d %s", rec.Code, code(rec))
	}
}

func TestMethodNotAllowed(t *testing.T) {
	f := newFixture(t)
	h := refund.NewHandler(refund.Config{Service: f.svc, Authorize: refund.BearerToken("admin-token")})
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/cancel", nil)
	r.Header.Set("Authorization", "Bearer admin-token")
	h.ServeHTTP(rec, r)
	if rec.Code != 405 || rec.Header().Get("Allow") != "POST" {
		t.Errorf("GET: %d Allow=%q", rec.Code, rec.Header().Get("Allow"))
	}
}

func FuzzRequest(f *testing.F) {
	for _, s := range []string{`{"order_number":"ORD-1","amount":100,"reason":"x"}`, `{"order_number":"ORD-1","reason":"x","refund_receive_account":{"bank":"우리","account_number":"1002-123","holder_name":"김"}}`, `{}`, `{"amount":-1}`} {
		f.Add([]byte(s))
	}
	gw := paymentstest.NewGateway("toss")
	svc, _ := payments.NewService(payments.Config{Store: memstore.New(), Orders: payments.NewOrderBook(payments.Order{Number: "ORD-1", Name: "x", Amount: 100, Currency: payments.KRW}), Gateways: []payments.Gateway{gw}})
	h := refund.NewHandler(refund.Config{Service: svc, Authorize: refund.BearerToken("admin-token")})
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := post(h, string(body))
		if rec.Code >= 500 {
			t.Fatalf("%d for %q: %s", rec.Code, body, rec.Body)
		}
	})
}
