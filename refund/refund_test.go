package refund_test

import (
	"context"
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
	h := mustHandler(refund.Config{Service: f.svc, Authorize: payments.BearerToken("admin-token"), Gateway: "toss"})
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
	if rec := post(mustHandler(refund.Config{Service: f.svc}), body); rec.Code != 403 || code(rec) != "forbidden" {
		t.Errorf("without an authorizer: %d %s", rec.Code, code(rec))
	}
	h := mustHandler(refund.Config{Service: f.svc, Authorize: payments.BearerToken("admin-token")})
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
	h := mustHandler(refund.Config{Service: f.svc, Authorize: payments.BearerToken("admin-token"), Gateway: "toss"})
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
	h := mustHandler(refund.Config{Service: f.svc, Authorize: payments.BearerToken("admin-token")})
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
	h2 := mustHandler(refund.Config{Service: f.svc, Authorize: payments.BearerToken("admin-token")})
	var r refund.Response
	rec := post(h2, body, "Idempotency-Key", "refund-1")
	_ = json.Unmarshal(rec.Body.Bytes(), &r)
	if rec.Code != 200 || r.RefundedAmount != 1000 {
		t.Errorf("replica repeat: %d refunded %d", rec.Code, r.RefundedAmount)
	}
}

func TestGatewayRestriction(t *testing.T) {
	f := newFixture(t)
	h := mustHandler(refund.Config{Service: f.svc, Authorize: payments.BearerToken("admin-token"), Gateway: "stripe"})
	if rec := post(h, `{"order_number":"ORD-1","reason":"x"}`); rec.Code != 409 || code(rec) != "invalid_state" {
		t.Errorf("refund of a toss payment on the stripe route: %d %s", rec.Code, code(rec))
	}
}

func TestMethodNotAllowed(t *testing.T) {
	f := newFixture(t)
	h := mustHandler(refund.Config{Service: f.svc, Authorize: payments.BearerToken("admin-token")})
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/cancel", nil)
	r.Header.Set("Authorization", "Bearer admin-token")
	h.ServeHTTP(rec, r)
	if rec.Code != 405 || rec.Header().Get("Allow") != "POST" {
		t.Errorf("GET: %d Allow=%q", rec.Code, rec.Header().Get("Allow"))
	}
}

func FuzzRequest(f *testing.F) {
	for _, s := range []string{`{"order_number":"ORD-1","amount":100,"reason":"x"}`, `{"order_number":"ORD-1","reason":"x","refund_receive_account":{"bank":"우리","account_number":"1002-123","holder_name":"김"}}`, `{}`, `{"amount":-1}`,
		`{"order_number":"ORD-1","reason":"x","stripe_reason":"duplicate"}`, `{"order_number":"ORD-1","reason":"x","stripe_reason":"fraud"}`} {
		f.Add([]byte(s))
	}
	gw := paymentstest.NewGateway("toss")
	svc, _ := payments.NewService(payments.Config{Store: memstore.New(), Orders: payments.NewOrderBook(payments.Order{Number: "ORD-1", Name: "x", Amount: 100, Currency: payments.KRW}), Gateways: []payments.Gateway{gw}})
	h := mustHandler(refund.Config{Service: svc, Authorize: payments.BearerToken("admin-token")})
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := post(h, string(body))
		if rec.Code >= 500 {
			t.Fatalf("%d for %q: %s", rec.Code, body, rec.Body)
		}
	})
}

func mustHandler(cfg refund.Config) http.Handler {
	h, err := refund.NewHandler(cfg)
	if err != nil {
		panic(err)
	}
	return h
}

// A key given twice or spelled in another case is refused before anything
// happens: a proxy or audit log that reads the first value can never
// disagree with the library about how much was refunded.
func TestAmbiguousKeysAreRefused(t *testing.T) {
	f := newFixture(t)
	h := mustHandler(refund.Config{Service: f.svc, Authorize: payments.BearerToken("admin-token"), Gateway: "toss"})
	tests := []struct {
		name, body, key string
	}{
		{"duplicate amount", `{"order_number":"ORD-1","reason":"x","amount":1000,"amount":9000}`, `"amount"`},
		{"duplicate order", `{"order_number":"ORD-UNPAID","order_number":"ORD-1","reason":"x"}`, `"order_number"`},
		{"case-variant amount", `{"order_number":"ORD-1","reason":"x","Amount":1000}`, `"Amount"`},
		{"case-variant order", `{"ORDER_NUMBER":"ORD-1","reason":"x"}`, `"ORDER_NUMBER"`},
		{"two spellings", `{"order_number":"ORD-1","reason":"x","amount":1000,"AMOUNT":9000}`, `"AMOUNT"`},
		{"nested duplicate", `{"order_number":"ORD-1","reason":"x","refund_receive_account":{"bank":"20","bank":"88","account_number":"1","holder_name":"김"}}`, `"refund_receive_account.bank"`},
		{"nested case variant", `{"order_number":"ORD-1","reason":"x","refund_receive_account":{"Bank":"20","account_number":"1","holder_name":"김"}}`, `"refund_receive_account.Bank"`},
		{"unknown key", `{"order_number":"ORD-1","reason":"x","amount_krw":1000}`, `"amount_krw"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := post(h, tt.body)
			if rec.Code != 400 || code(rec) != "invalid_request" || !strings.Contains(rec.Body.String(), strings.ReplaceAll(tt.key, `"`, `\"`)) {
				t.Errorf("%d %s, want 400 invalid_request naming %s", rec.Code, rec.Body, tt.key)
			}
		})
	}
	for _, c := range f.gw.Calls() {
		if c.Op == "refund" {
			t.Fatalf("an ambiguous request reached the gateway: %+v", c)
		}
	}
	if p, _ := f.svc.Payment(t.Context(), "ORD-1"); len(p.Refunds) != 0 || p.RefundedAmount != 0 {
		t.Errorf("an ambiguous request changed the payment: %+v", p.Refunds)
	}
}

// reasonGateway records the Stripe reason each refund reaches the gateway
// with.
type reasonGateway struct {
	*paymentstest.Gateway
	mu      sync.Mutex
	reasons []string
}

func (g *reasonGateway) Refund(ctx context.Context, p *payments.RefundParams) (*payments.RefundResult, error) {
	g.mu.Lock()
	g.reasons = append(g.reasons, p.StripeReason)
	g.mu.Unlock()
	return g.Gateway.Refund(ctx, p)
}

// TestStripeReason: stripe_reason is one of Stripe's three values or
// absent, only for Stripe payments, and reaches the gateway as given; the
// free text never becomes one.
func TestStripeReason(t *testing.T) {
	stripeGW := &reasonGateway{Gateway: paymentstest.NewGateway("stripe")}
	svc, err := payments.NewService(payments.Config{
		Store: memstore.New(),
		Orders: payments.NewOrderBook(
			payments.Order{Number: "ORD-S", Name: "Mug", Amount: 10000, Currency: payments.USD},
			payments.Order{Number: "ORD-T", Name: "Cap", Amount: 9900, Currency: payments.KRW},
		),
		Gateways: []payments.Gateway{stripeGW, paymentstest.NewGateway("toss")},
	})
	if err != nil {
		t.Fatal(err)
	}
	for order, gw := range map[string]string{"ORD-S": "stripe", "ORD-T": "toss"} {
		if _, err := svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: order, Gateway: gw}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: order}); err != nil {
			t.Fatal(err)
		}
	}
	h := mustHandler(refund.Config{Service: svc, Authorize: payments.BearerToken("admin-token")})
	for _, tc := range []struct {
		name, body string
		status     int
		want       string // the Stripe reason the gateway got
	}{
		{"free text only", `{"order_number":"ORD-S","amount":100,"reason":"customer asked"}`, 200, ""},
		{"not fraud", `{"order_number":"ORD-S","amount":100,"reason":"not fraud"}`, 200, ""},
		{"fraud", `{"order_number":"ORD-S","amount":100,"reason":"fraud"}`, 200, ""},
		{"duplicate text", `{"order_number":"ORD-S","amount":100,"reason":"duplicate charge"}`, 200, ""},
		{"empty stripe_reason", `{"order_number":"ORD-S","amount":100,"reason":"x","stripe_reason":""}`, 200, ""},
		{"duplicate", `{"order_number":"ORD-S","amount":100,"reason":"x","stripe_reason":"duplicate"}`, 200, "duplicate"},
		{"fraudulent", `{"order_number":"ORD-S","amount":100,"reason":"x","stripe_reason":"fraudulent"}`, 200, "fraudulent"},
		{"requested_by_customer", `{"order_number":"ORD-S","amount":100,"reason":"x","stripe_reason":"requested_by_customer"}`, 200, "requested_by_customer"},
		{"unknown value", `{"order_number":"ORD-S","amount":100,"reason":"x","stripe_reason":"fraud"}`, 400, "-"},
		{"output-only value", `{"order_number":"ORD-S","amount":100,"reason":"x","stripe_reason":"expired_uncaptured_charge"}`, 400, "-"},
		{"wrong case", `{"order_number":"ORD-S","amount":100,"reason":"x","stripe_reason":"Duplicate"}`, 400, "-"},
		{"not a string", `{"order_number":"ORD-S","amount":100,"reason":"x","stripe_reason":1}`, 400, "-"},
		{"on a Toss payment", `{"order_number":"ORD-T","amount":100,"reason":"x","stripe_reason":"duplicate"}`, 400, "-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stripeGW.mu.Lock()
			before := len(stripeGW.reasons)
			stripeGW.mu.Unlock()
			rec := post(h, tc.body)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.status != 200 && code(rec) != "invalid_request" {
				t.Errorf("code %s, want invalid_request", code(rec))
			}
			stripeGW.mu.Lock()
			got := stripeGW.reasons[before:]
			stripeGW.mu.Unlock()
			switch {
			case tc.want == "-" && len(got) != 0:
				t.Errorf("a refused request reached the gateway: %q", got)
			case tc.want != "-" && (len(got) != 1 || got[0] != tc.want):
				t.Errorf("the gateway got stripe reasons %q, want [%q]", got, tc.want)
			}
		})
	}

	// stripe_reason is part of the request an Idempotency-Key names.
	body := `{"order_number":"ORD-S","amount":100,"reason":"x","stripe_reason":"duplicate"}`
	if rec := post(h, body, "Idempotency-Key", "rf-reason"); rec.Code != 200 {
		t.Fatalf("first: %d %s", rec.Code, rec.Body)
	}
	other := strings.Replace(body, "duplicate", "requested_by_customer", 1)
	if rec := post(h, other, "Idempotency-Key", "rf-reason"); rec.Code != 409 || code(rec) != "idempotency_key_reused" {
		t.Errorf("same key, other stripe_reason: %d %s", rec.Code, code(rec))
	}
	// The Service's own check, which holds across handlers and replicas.
	req := payments.RefundRequest{OrderNumber: "ORD-S", Amount: 100, Reason: "x", IdempotencyKey: "svc-reason", StripeReason: "duplicate"}
	if _, _, err := svc.Refund(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	req.StripeReason = ""
	if _, _, err := svc.Refund(t.Context(), req); payments.Code(err) != payments.CodeIdempotencyKeyReused {
		t.Errorf("Service.Refund with the same key and no stripe_reason: %v, want idempotency_key_reused", err)
	}
}

// A deposited virtual-account payment may be refunded to a securities-firm
// account (Toss's codes S0–ST), given by code or by name.
func TestRefundToSecuritiesFirmAccount(t *testing.T) {
	for _, bank := range []string{"S3", "삼성증권"} {
		req := refund.Request{OrderNumber: "ORD-1", Reason: "x",
			RefundReceiveAccount: &refund.Account{Bank: bank, AccountNumber: "1002123456789", HolderName: "김토스"}}
		got, err := req.Validate()
		if err != nil {
			t.Fatalf("%s: %v", bank, err)
		}
		if got.ReceiveAccount == nil || got.ReceiveAccount.Bank != "S3" {
			t.Errorf("%s: account %+v, want bank S3", bank, got.ReceiveAccount)
		}
	}
}
