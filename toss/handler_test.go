package toss_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
	"github.com/payments-go/payments/internal/web"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
	"github.com/payments-go/payments/status"
	"github.com/payments-go/payments/toss"
	"github.com/payments-go/payments/toss/tosstest"
)

var updateHandlerGolden = flag.Bool("update-handler-golden", false, "rewrite toss/testdata/handler golden files")

// Fixtures of the handler tests.
const (
	hOrder      = "ORD-20260122-001"
	hOrderName  = "Cool T-Shirt 외 1건"
	hAmount     = 58990
	hOrderUSD   = "ORD-USD-000001"
	hOrderOther = "ORD-20260122-002"
	hClientKey  = "test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq"
	hBase       = "https://shop.example/payments/toss"
	hSuccessURL = "https://shop.example/checkout/done?from=toss"
	hFailURL    = "https://shop.example/checkout/failed"
	hAdminToken = "admin-token-for-tests"
)

// hEnv is one handler over a service with the scriptable fake gateway
// named "toss".
type hEnv struct {
	t     testing.TB
	gw    *paymentstest.Gateway
	store *memstore.Store
	svc   *payments.Service
	h     http.Handler
	logs  *syncBuffer
}

type hOptions struct {
	now       func() time.Time
	authorize payments.Authorizer
	gateway   payments.Gateway // default: the fake itself
}

func newHEnv(t testing.TB, opts ...func(*hOptions)) *hEnv {
	t.Helper()
	o := hOptions{authorize: payments.BearerToken(hAdminToken)}
	for _, f := range opts {
		f(&o)
	}
	e := &hEnv{t: t, gw: paymentstest.NewGateway("toss"), store: memstore.New(), logs: &syncBuffer{}}
	gw := o.gateway
	if gw == nil {
		gw = e.gw
	}
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc, err := payments.NewService(payments.Config{
		Store: e.store,
		Orders: payments.NewOrderBook(
			payments.Order{Number: hOrder, Name: hOrderName, Amount: hAmount, Currency: payments.KRW,
				Customer: payments.Customer{Name: "김토스", Email: "toss@example.com"}},
			payments.Order{Number: hOrderOther, Name: "Cap", Amount: 9900, Currency: payments.KRW},
			payments.Order{Number: hOrderUSD, Name: "Mug", Amount: 1200, Currency: payments.USD},
		),
		Gateways: []payments.Gateway{gw},
		Logger:   logger,
		Now:      o.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	h, err := toss.NewHandler(toss.HandlerConfig{
		Service:        svc,
		ClientKey:      hClientKey,
		CallbackBase:   hBase,
		AllowedOrigins: []string{"https://shop.example"},
		Authorize:      o.authorize,
		Logger:         logger,
		Now:            o.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	return e
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// hReq is one request to the handler.
type hReq struct {
	method, target, body string
	header               map[string]string
}

func (e *hEnv) serve(r hReq) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(r.method, "http://shop.example"+r.target, strings.NewReader(r.body))
	if r.method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func (e *hEnv) post(path string, body any, header ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	var s string
	switch b := body.(type) {
	case string:
		s = b
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		s = string(raw)
	}
	hdr := map[string]string{}
	for i := 0; i+1 < len(header); i += 2 {
		hdr[header[i]] = header[i+1]
	}
	return e.serve(hReq{method: http.MethodPost, target: path, body: s, header: hdr})
}

func (e *hEnv) get(target string, asJSON bool) *httptest.ResponseRecorder {
	e.t.Helper()
	hdr := map[string]string{"Accept": "text/html,application/xhtml+xml"}
	if asJSON {
		hdr["Accept"] = "application/json"
	}
	return e.serve(hReq{method: http.MethodGet, target: target, header: hdr})
}

func readyBody(order string, amount int64, method string) map[string]any {
	return map[string]any{
		"order_number": order, "amount": amount, "order_name": hOrderName, "method": method,
		"success_url": hSuccessURL, "fail_url": hFailURL,
	}
}

// ready prepares an attempt and returns the ready response.
func (e *hEnv) ready(order string, amount int64, method string) toss.ReadyResponse {
	e.t.Helper()
	rec := e.post("/ready", readyBody(order, amount, method))
	if rec.Code != http.StatusOK {
		e.t.Fatalf("POST /ready = %d %s", rec.Code, rec.Body)
	}
	var out toss.ReadyResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		e.t.Fatal(err)
	}
	return out
}

func (e *hEnv) payment(order string) *payments.Payment {
	e.t.Helper()
	p, err := e.svc.Payment(context.Background(), order)
	if err != nil {
		e.t.Fatalf("Payment(%s): %v", order, err)
	}
	return p
}

// reference returns the paymentKey of the attempt with the Toss order id:
// the fake gateway creates it when the attempt is prepared.
func (e *hEnv) reference(order, orderID string) string {
	e.t.Helper()
	for _, a := range e.payment(order).Attempts {
		if a.GatewayOrderID == orderID {
			return a.Reference
		}
	}
	e.t.Fatalf("no attempt %s", orderID)
	return ""
}

func (e *hEnv) confirmCalls() int {
	n := 0
	for _, c := range e.gw.Calls() {
		if c.Op == "confirm" {
			n++
		}
	}
	return n
}

func successQuery(paymentKey, orderID string, amount int64) string {
	return "/success?" + url.Values{"paymentKey": {paymentKey}, "orderId": {orderID},
		"amount": {fmt.Sprint(amount)}, "paymentType": {"NORMAL"}}.Encode()
}

func errorCode(t *testing.T, rec *httptest.ResponseRecorder) httpjson.ErrorDetail {
	t.Helper()
	var body httpjson.ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("error body %q: %v", rec.Body, err)
	}
	return body.Error
}

func statusView(t *testing.T, rec *httptest.ResponseRecorder) status.Payment {
	t.Helper()
	var v status.Payment
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("status body %q: %v", rec.Body, err)
	}
	return v
}

// location parses a 303's Location and returns it without its query,
// and its query.
func location(t *testing.T, rec *httptest.ResponseRecorder) (string, url.Values) {
	t.Helper()
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("status = %d, want 303; body %s", rec.Code, rec.Body)
	}
	u, err := url.Parse(rec.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	u.RawQuery = ""
	return u.String(), q
}

// golden compares got (JSON) with testdata/handler/name after
// normalising times and gateway references.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(got, &v); err != nil {
		t.Fatal(err)
	}
	v = normalise(v)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	norm := buf.Bytes()
	path := filepath.Join("testdata", "handler", name)
	if *updateHandlerGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, norm, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./toss -run %s -update-handler-golden)", err, t.Name())
	}
	if diff := cmp.Diff(string(want), string(norm)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func normalise(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			switch {
			case strings.HasSuffix(k, "_at") && val != nil:
				x[k] = "TIME"
			case k == "gateway_reference" && val != nil:
				x[k] = "PAYMENT_KEY"
			default:
				x[k] = normalise(val)
			}
		}
	case []any:
		for i := range x {
			x[i] = normalise(x[i])
		}
	}
	return v
}

// ---------------------------------------------------------------------------

func TestHandlerConfig(t *testing.T) {
	gw := paymentstest.NewGateway("toss")
	svc, err := payments.NewService(payments.Config{Store: memstore.New(), Orders: payments.NewOrderBook(), Gateways: []payments.Gateway{gw}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := payments.NewService(payments.Config{Store: memstore.New(), Orders: payments.NewOrderBook(), Gateways: []payments.Gateway{paymentstest.NewGateway("stripe")}})
	if err != nil {
		t.Fatal(err)
	}
	good := toss.HandlerConfig{Service: svc, ClientKey: hClientKey, CallbackBase: hBase, AllowedOrigins: []string{"https://shop.example"}}
	tests := []struct {
		name   string
		change func(*toss.HandlerConfig)
		ok     bool
	}{
		{"valid", func(*toss.HandlerConfig) {}, true},
		{"trailing slash", func(c *toss.HandlerConfig) { c.CallbackBase = hBase + "/" }, true},
		{"no service", func(c *toss.HandlerConfig) { c.Service = nil }, false},
		{"no toss gateway", func(c *toss.HandlerConfig) { c.Service = other }, false},
		{"no client key", func(c *toss.HandlerConfig) { c.ClientKey = " " }, false},
		{"no callback base", func(c *toss.HandlerConfig) { c.CallbackBase = "" }, false},
		{"relative callback base", func(c *toss.HandlerConfig) { c.CallbackBase = "/payments/toss" }, false},
		{"callback base with query", func(c *toss.HandlerConfig) { c.CallbackBase = hBase + "?x=1" }, false},
		{"callback base with userinfo", func(c *toss.HandlerConfig) { c.CallbackBase = "https://u@shop.example/p" }, false},
		{"ftp callback base", func(c *toss.HandlerConfig) { c.CallbackBase = "ftp://shop.example/p" }, false},
		{"no origins", func(c *toss.HandlerConfig) { c.AllowedOrigins = nil }, false},
		{"bad origin", func(c *toss.HandlerConfig) { c.AllowedOrigins = []string{"https://shop.example/path"} }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.change(&cfg)
			h, err := toss.NewHandler(cfg)
			if (err == nil) != tt.ok || (h != nil) != tt.ok {
				t.Fatalf("NewHandler = %v, %v; want ok=%v", h, err, tt.ok)
			}
		})
	}
}

func TestHandlerReadyGolden(t *testing.T) {
	e := newHEnv(t)
	rec := e.post("/ready", readyBody(hOrder, hAmount, "CARD"))
	if rec.Code != http.StatusOK {
		t.Fatalf("POST /ready = %d %s", rec.Code, rec.Body)
	}
	golden(t, "ready_card.json", rec.Body.Bytes())
	if got := e.payment(hOrder).Status; got != payments.StatusReady {
		t.Errorf("status = %s, want ready", got)
	}
}

func TestHandlerReadyMethods(t *testing.T) {
	tests := []struct {
		method, provider string
		want             toss.ReadyWindow
	}{
		{"CARD", "", toss.ReadyWindow{Method: "CARD"}},
		{"VIRTUAL_ACCOUNT", "", toss.ReadyWindow{Method: "VIRTUAL_ACCOUNT"}},
		{"TRANSFER", "", toss.ReadyWindow{Method: "TRANSFER"}},
		{"MOBILE", "", toss.ReadyWindow{Method: "MOBILE_PHONE"}},
		{"EASY_PAY", "", toss.ReadyWindow{Method: "CARD"}},
		{"EASY_PAY", "TOSSPAY", toss.ReadyWindow{Method: "CARD", EasyPayProvider: "TOSSPAY"}},
		{"EASY_PAY", "kakaopay", toss.ReadyWindow{Method: "CARD", EasyPayProvider: "KAKAOPAY"}},
	}
	for _, tt := range tests {
		t.Run(tt.method+"_"+tt.provider, func(t *testing.T) {
			e := newHEnv(t)
			body := readyBody(hOrderOther, 9900, tt.method)
			body["customer_name"], body["customer_email"] = "홍길동", "hong@example.com"
			if tt.provider != "" {
				body["easy_pay_provider"] = tt.provider
			}
			rec := e.post("/ready", body)
			if rec.Code != http.StatusOK {
				t.Fatalf("POST /ready = %d %s", rec.Code, rec.Body)
			}
			var got toss.ReadyResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			want := toss.ReadyResponse{OrderNumber: hOrderOther, Status: payments.StatusReady, Amount: 9900, Currency: payments.KRW, Toss: tt.want}
			want.Toss.ClientKey, want.Toss.OrderID, want.Toss.OrderName, want.Toss.Amount = hClientKey, hOrderOther, hOrderName, 9900
			want.Toss.CustomerName, want.Toss.CustomerEmail = "홍길동", "hong@example.com"
			want.Toss.SuccessURL, want.Toss.FailURL = hBase+"/success", hBase+"/fail"
			want.Toss.Request = toss.PaymentRequest{Method: tt.want.Method, Amount: toss.RequestAmount{Currency: "KRW", Value: 9900},
				OrderID: hOrderOther, OrderName: hOrderName, SuccessURL: hBase + "/success", FailURL: hBase + "/fail",
				CustomerName: "홍길동", CustomerEmail: "hong@example.com"}
			if tt.want.EasyPayProvider != "" {
				want.Toss.Request.Card = &toss.CardOptions{FlowMode: "DIRECT", EasyPay: tt.want.EasyPayProvider}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ready response (-want +got):\n%s", diff)
			}
			if m := e.payment(hOrderOther).Method; m != payments.Method(tt.method) {
				t.Errorf("recorded method = %s, want %s", m, tt.method)
			}
		})
	}
}

func TestHandlerReadyBadInput(t *testing.T) {
	with := func(change func(map[string]any)) string {
		b := readyBody(hOrder, hAmount, "CARD")
		change(b)
		raw, _ := json.Marshal(b)
		return string(raw)
	}
	big := `{"order_number":"` + strings.Repeat("A", web.MaxBody) + `"}`
	tests := []struct {
		name   string
		body   string
		header map[string]string
		status int
		code   payments.ErrorCode
	}{
		{"empty body", "", nil, 400, payments.CodeInvalidRequest},
		{"not JSON", "order_number=x", nil, 400, payments.CodeInvalidRequest},
		{"array", "[]", nil, 400, payments.CodeInvalidRequest},
		{"trailing data", with(func(map[string]any) {}) + "{}", nil, 400, payments.CodeInvalidRequest},
		{"unknown field", with(func(b map[string]any) { b["coupon"] = "FREE" }), nil, 400, payments.CodeInvalidRequest},
		{"missing order_number", with(func(b map[string]any) { delete(b, "order_number") }), nil, 400, payments.CodeInvalidRequest},
		{"order_number with bad characters", with(func(b map[string]any) { b["order_number"] = "ORD/2026/1" }), nil, 400, payments.CodeInvalidRequest},
		{"order_number too short", with(func(b map[string]any) { b["order_number"] = "ORD1" }), nil, 400, payments.CodeInvalidRequest},
		{"missing amount", with(func(b map[string]any) { delete(b, "amount") }), nil, 400, payments.CodeInvalidRequest},
		{"zero amount", with(func(b map[string]any) { b["amount"] = 0 }), nil, 400, payments.CodeInvalidRequest},
		{"negative amount", with(func(b map[string]any) { b["amount"] = -58990 }), nil, 400, payments.CodeInvalidRequest},
		{"fractional amount", with(func(b map[string]any) { b["amount"] = 589.9 }), nil, 400, payments.CodeInvalidRequest},
		{"string amount", with(func(b map[string]any) { b["amount"] = "58990" }), nil, 400, payments.CodeInvalidRequest},
		{"amount differs from the order", with(func(b map[string]any) { b["amount"] = 100 }), nil, 409, payments.CodeAmountMismatch},
		{"missing order_name", with(func(b map[string]any) { delete(b, "order_name") }), nil, 400, payments.CodeInvalidRequest},
		{"order_name too long", with(func(b map[string]any) { b["order_name"] = strings.Repeat("가", 101) }), nil, 400, payments.CodeInvalidRequest},
		{"order_name wrong type", with(func(b map[string]any) { b["order_name"] = 7 }), nil, 400, payments.CodeInvalidRequest},
		{"missing method", with(func(b map[string]any) { delete(b, "method") }), nil, 400, payments.CodeInvalidRequest},
		{"unknown method", with(func(b map[string]any) { b["method"] = "BITCOIN" }), nil, 400, payments.CodeInvalidRequest},
		{"lower-case method", with(func(b map[string]any) { b["method"] = "card" }), nil, 400, payments.CodeInvalidRequest},
		{"SDK method name", with(func(b map[string]any) { b["method"] = "MOBILE_PHONE" }), nil, 400, payments.CodeInvalidRequest},
		{"unknown easy pay provider", with(func(b map[string]any) { b["method"], b["easy_pay_provider"] = "EASY_PAY", "PAYPAL" }), nil, 400, payments.CodeInvalidRequest},
		{"provider without EASY_PAY", with(func(b map[string]any) { b["easy_pay_provider"] = "TOSSPAY" }), nil, 400, payments.CodeInvalidRequest},
		{"bad customer_email", with(func(b map[string]any) { b["customer_email"] = "not-an-email" }), nil, 400, payments.CodeInvalidRequest},
		{"customer_name too long", with(func(b map[string]any) { b["customer_name"] = strings.Repeat("x", 101) }), nil, 400, payments.CodeInvalidRequest},
		{"missing success_url", with(func(b map[string]any) { delete(b, "success_url") }), nil, 400, payments.CodeInvalidRequest},
		{"missing fail_url", with(func(b map[string]any) { delete(b, "fail_url") }), nil, 400, payments.CodeInvalidRequest},
		{"success_url on another origin", with(func(b map[string]any) { b["success_url"] = "https://evil.example/done" }), nil, 400, payments.CodeRedirectNotAllowed},
		{"scheme-relative success_url", with(func(b map[string]any) { b["success_url"] = "//evil.example/done" }), nil, 400, payments.CodeRedirectNotAllowed},
		{"javascript success_url", with(func(b map[string]any) { b["success_url"] = "javascript:alert(1)" }), nil, 400, payments.CodeRedirectNotAllowed},
		{"userinfo fail_url", with(func(b map[string]any) { b["fail_url"] = "https://shop.example@evil.example/x" }), nil, 400, payments.CodeRedirectNotAllowed},
		{"relative fail_url", with(func(b map[string]any) { b["fail_url"] = "/checkout/failed" }), nil, 400, payments.CodeRedirectNotAllowed},
		{"http instead of https", with(func(b map[string]any) { b["fail_url"] = "http://shop.example/failed" }), nil, 400, payments.CodeRedirectNotAllowed},
		{"backslash trick", with(func(b map[string]any) { b["fail_url"] = "https://shop.example\\@evil.example/" }), nil, 400, payments.CodeRedirectNotAllowed},
		{"unknown order", with(func(b map[string]any) { b["order_number"] = "ORD-NOPE-000" }), nil, 404, payments.CodeOrderNotFound},
		{"non-KRW order", with(func(b map[string]any) { b["order_number"], b["amount"] = hOrderUSD, 1200 }), nil, 400, payments.CodeInvalidRequest},
		{"wrong Content-Type", with(func(map[string]any) {}), map[string]string{"Content-Type": "text/plain"}, 415, payments.CodeUnsupportedMediaType},
		{"form Content-Type", with(func(map[string]any) {}), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, payments.CodeUnsupportedMediaType},
		{"no Content-Type", with(func(map[string]any) {}), map[string]string{"Content-Type": ""}, 415, payments.CodeUnsupportedMediaType},
		{"body over 1 MiB", big, nil, 413, payments.CodeBodyTooLarge},
		{"body over 1 MiB with Idempotency-Key", big, map[string]string{"Idempotency-Key": "k-big"}, 413, payments.CodeBodyTooLarge},
	}
	e := newHEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.serve(hReq{method: http.MethodPost, target: "/ready", body: tt.body, header: tt.header})
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if got := errorCode(t, rec); got.Code != tt.code {
				t.Errorf("code = %s, want %s (%s)", got.Code, tt.code, got.Message)
			}
		})
	}
	// Bad input changes nothing.
	for _, order := range []string{hOrder, hOrderUSD} {
		if _, err := e.svc.Payment(context.Background(), order); payments.Code(err) != payments.CodePaymentNotFound {
			t.Errorf("Payment(%s) after bad requests: %v, want payment_not_found", order, err)
		}
	}
	if calls := e.gw.Calls(); len(calls) != 0 {
		t.Errorf("gateway calls after bad requests: %+v", calls)
	}
}

func TestHandlerSuccessBadQuery(t *testing.T) {
	e := newHEnv(t)
	r := e.ready(hOrder, hAmount, "CARD")
	key := e.reference(hOrder, r.Toss.OrderID)
	q := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return "/success?" + v.Encode()
	}
	tests := []struct {
		name   string
		target string
		status int
		code   payments.ErrorCode
	}{
		{"no query", "/success", 400, payments.CodeInvalidRequest},
		{"missing paymentKey", q("orderId", hOrder, "amount", "58990"), 400, payments.CodeInvalidRequest},
		{"paymentKey too long", q("paymentKey", strings.Repeat("k", 201), "orderId", hOrder, "amount", "58990"), 400, payments.CodeInvalidRequest},
		{"paymentKey with a quote", q("paymentKey", `k"<x>`, "orderId", hOrder, "amount", "58990"), 400, payments.CodeInvalidRequest},
		{"missing orderId", q("paymentKey", key, "amount", "58990"), 400, payments.CodeInvalidRequest},
		{"orderId too short", q("paymentKey", key, "orderId", "ORD1", "amount", "58990"), 400, payments.CodeInvalidRequest},
		{"orderId too long", q("paymentKey", key, "orderId", strings.Repeat("A", 65), "amount", "58990"), 400, payments.CodeInvalidRequest},
		{"orderId with bad characters", q("paymentKey", key, "orderId", "ORD 2026/01", "amount", "58990"), 400, payments.CodeInvalidRequest},
		{"missing amount", q("paymentKey", key, "orderId", hOrder), 400, payments.CodeInvalidRequest},
		{"zero amount", q("paymentKey", key, "orderId", hOrder, "amount", "0"), 400, payments.CodeInvalidRequest},
		{"negative amount", q("paymentKey", key, "orderId", hOrder, "amount", "-58990"), 400, payments.CodeInvalidRequest},
		{"plus sign", q("paymentKey", key, "orderId", hOrder, "amount", "+58990"), 400, payments.CodeInvalidRequest},
		{"fractional amount", q("paymentKey", key, "orderId", hOrder, "amount", "58990.0"), 400, payments.CodeInvalidRequest},
		{"amount with leading zero", q("paymentKey", key, "orderId", hOrder, "amount", "058990"), 400, payments.CodeInvalidRequest},
		{"amount overflow", q("paymentKey", key, "orderId", hOrder, "amount", "99999999999999999999"), 400, payments.CodeInvalidRequest},
		{"text amount", q("paymentKey", key, "orderId", hOrder, "amount", "lots"), 400, payments.CodeInvalidRequest},
		{"repeated amount", q("paymentKey", key, "orderId", hOrder, "amount", "58990", "amount", "1"), 400, payments.CodeInvalidRequest},
		{"bad paymentType", q("paymentKey", key, "orderId", hOrder, "amount", "58990", "paymentType", "<script>"), 400, payments.CodeInvalidRequest},
		{"malformed escape", "/success?paymentKey=%zz&orderId=" + hOrder + "&amount=58990", 400, payments.CodeInvalidRequest},
		{"semicolon separator", "/success?paymentKey=" + key + ";orderId=" + hOrder + "&amount=58990", 400, payments.CodeInvalidRequest},
		{"unknown orderId", q("paymentKey", key, "orderId", "ORD-NOPE-0001", "amount", "58990"), 404, payments.CodePaymentNotFound},
		{"unknown attempt of a known order", q("paymentKey", key, "orderId", hOrder+"-7", "amount", "58990"), 404, payments.CodePaymentNotFound},
		{"order without attempt", q("paymentKey", key, "orderId", hOrderOther, "amount", "9900"), 404, payments.CodePaymentNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.get(tt.target, false)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if got := errorCode(t, rec); got.Code != tt.code {
				t.Errorf("code = %s, want %s (%s)", got.Code, tt.code, got.Message)
			}
		})
	}
	if n := e.confirmCalls(); n != 0 {
		t.Errorf("confirm calls = %d, want 0", n)
	}
	if s := e.payment(hOrder).Status; s != payments.StatusReady {
		t.Errorf("status = %s, want ready", s)
	}
}

func TestHandlerSuccessPaid(t *testing.T) {
	clock := time.Date(2026, 1, 22, 10, 30, 0, 0, time.UTC)
	e := newHEnv(t, func(o *hOptions) { o.now = func() time.Time { return clock } })
	r := e.ready(hOrder, hAmount, "CARD")
	key := e.reference(hOrder, r.Toss.OrderID)

	// The browser comes back from Toss.
	rec := e.get(successQuery(key, r.Toss.OrderID, hAmount), false)
	page, q := location(t, rec)
	if page != "https://shop.example/checkout/done" {
		t.Errorf("redirect to %s, want the shop's success page", page)
	}
	want := url.Values{"from": {"toss"}, "order_number": {hOrder}, "status": {"paid"}}
	if diff := cmp.Diff(want, q); diff != "" {
		t.Errorf("redirect query (-want +got):\n%s", diff)
	}

	// A duplicate callback (reload, double delivery) gets the same answer
	// without a second confirm; a JSON client gets the status view.
	if _, q2 := location(t, e.get(successQuery(key, r.Toss.OrderID, hAmount), false)); q2.Encode() != q.Encode() {
		t.Errorf("duplicate callback redirected with %v, want %v", q2, q)
	}
	rec = e.get(successQuery(key, r.Toss.OrderID, hAmount), true)
	if rec.Code != http.StatusOK {
		t.Fatalf("JSON success = %d %s", rec.Code, rec.Body)
	}
	golden(t, "status_after_success.json", rec.Body.Bytes())
	if n := e.confirmCalls(); n != 1 {
		t.Errorf("confirm calls = %d, want 1", n)
	}
	if n := e.gw.Confirmations(key); n != 1 {
		t.Errorf("confirmations = %d, want 1", n)
	}
}

func TestHandlerSuccessTamperedAmount(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		t.Run(fmt.Sprintf("json=%v", asJSON), func(t *testing.T) {
			e := newHEnv(t)
			r := e.ready(hOrder, hAmount, "CARD")
			key := e.reference(hOrder, r.Toss.OrderID)
			rec := e.get(successQuery(key, r.Toss.OrderID, 100), asJSON)
			if asJSON {
				if rec.Code != http.StatusConflict || errorCode(t, rec).Code != payments.CodeAmountMismatch {
					t.Fatalf("JSON tampered success = %d %s, want 409 amount_mismatch", rec.Code, rec.Body)
				}
			} else {
				page, q := location(t, rec)
				if page != hFailURL || q.Get("code") != "amount_mismatch" || q.Get("order_number") != hOrder || q.Get("message") == "" {
					t.Errorf("redirect = %s", rec.Header().Get("Location"))
				}
			}
			if n := e.confirmCalls(); n != 0 {
				t.Errorf("a tampered amount reached the gateway: %d confirm calls", n)
			}
			if s := e.payment(hOrder).Status; s != payments.StatusReady {
				t.Errorf("status = %s, want ready", s)
			}
		})
	}
}

func TestHandlerSuccessConcurrentCallbacks(t *testing.T) {
	e := newHEnv(t)
	e.gw.Delay(20 * time.Millisecond) // keep the first confirm in flight
	r := e.ready(hOrder, hAmount, "CARD")
	key := e.reference(hOrder, r.Toss.OrderID)
	const n = 50
	locs := make([]string, n)
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := httptest.NewRequest(http.MethodGet, "http://shop.example"+successQuery(key, r.Toss.OrderID, hAmount), nil)
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			codes[i], locs[i] = rec.Code, rec.Header().Get("Location")
		}()
	}
	wg.Wait()
	want := hSuccessURL[:strings.IndexByte(hSuccessURL, '?')] + "?" + url.Values{"from": {"toss"}, "order_number": {hOrder}, "status": {"paid"}}.Encode()
	for i := range n {
		if codes[i] != http.StatusSeeOther || locs[i] != want {
			t.Errorf("callback %d: %d %s, want 303 %s", i, codes[i], locs[i], want)
		}
	}
	if got := e.confirmCalls(); got != 1 {
		t.Errorf("confirm calls = %d, want 1", got)
	}
	if got := e.gw.Confirmations(key); got != 1 {
		t.Errorf("confirmations = %d, want 1", got)
	}
}

func TestHandlerDeclineThenNewAttempt(t *testing.T) {
	e := newHEnv(t)
	r := e.ready(hOrder, hAmount, "CARD")
	if r.Toss.OrderID != hOrder {
		t.Fatalf("first order_id = %s, want %s", r.Toss.OrderID, hOrder)
	}
	key := e.reference(hOrder, r.Toss.OrderID)
	e.gw.Decline("REJECT_CARD_COMPANY")
	rec := e.post("/confirm", toss.ConfirmBody{PaymentKey: key, OrderNumber: hOrder, Amount: hAmount})
	if rec.Code != http.StatusPaymentRequired {
		t.Fatalf("POST /confirm = %d %s, want 402", rec.Code, rec.Body)
	}
	if got := errorCode(t, rec); got.Code != payments.CodePaymentDeclined || got.GatewayCode != "REJECT_CARD_COMPANY" {
		t.Errorf("error = %+v, want payment_declined with gateway_code REJECT_CARD_COMPANY", got)
	}
	// The browser callback for the same attempt now lands on fail_url.
	page, q := location(t, e.get(successQuery(key, r.Toss.OrderID, hAmount), false))
	if page != hFailURL || q.Get("code") != "REJECT_CARD_COMPANY" || q.Get("order_number") != hOrder {
		t.Errorf("declined callback redirect = %s %v", page, q)
	}
	if s := e.payment(hOrder).Status; s != payments.StatusFailed {
		t.Errorf("status = %s, want failed", s)
	}

	// The customer tries again.
	e.gw.Approve()
	r2 := e.ready(hOrder, hAmount, "CARD")
	if r2.Toss.OrderID != hOrder+"-2" || r2.Status != payments.StatusReady {
		t.Fatalf("second ready = %+v, want order_id %s-2", r2, hOrder)
	}
	key2 := e.reference(hOrder, r2.Toss.OrderID)
	_, q = location(t, e.get(successQuery(key2, r2.Toss.OrderID, hAmount), false))
	if q.Get("status") != "paid" {
		t.Errorf("second attempt redirect %v, want status=paid", q)
	}
	p := e.payment(hOrder)
	if p.Status != payments.StatusPaid || len(p.Attempts) != 2 || p.Attempts[0].Status != payments.StatusFailed {
		t.Errorf("payment = %s with %d attempts, want paid after a failed first attempt", p.Status, len(p.Attempts))
	}
}

func TestHandlerSuccessUnknownOutcome(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		t.Run(fmt.Sprintf("json=%v", asJSON), func(t *testing.T) {
			e := newHEnv(t)
			r := e.ready(hOrder, hAmount, "CARD")
			key := e.reference(hOrder, r.Toss.OrderID)
			// The confirm and the service's follow-up lookup both fail.
			e.gw.FailNext(2, payments.CodeGatewayUnavailable)
			rec := e.get(successQuery(key, r.Toss.OrderID, hAmount), asJSON)
			if asJSON {
				if rec.Code != http.StatusAccepted {
					t.Fatalf("status = %d %s, want 202", rec.Code, rec.Body)
				}
				if v := statusView(t, rec); v.Status != payments.StatusProcessing {
					t.Errorf("status view = %s, want processing", v.Status)
				}
				return
			}
			page, q := location(t, rec)
			if page != "https://shop.example/checkout/done" || q.Get("status") != "processing" || q.Get("order_number") != hOrder {
				t.Errorf("redirect = %s %v, want success page with status=processing", page, q)
			}
		})
	}
}

func TestHandlerFail(t *testing.T) {
	tests := []struct {
		name    string
		code    string
		message string
		want    payments.Status
	}{
		{"customer canceled", "PAY_PROCESS_CANCELED", "사용자에 의해 결제가 취소되었습니다.", payments.StatusCanceled},
		{"aborted", "PAY_PROCESS_ABORTED", "결제가 실패했습니다", payments.StatusFailed},
		{"card company", "REJECT_CARD_COMPANY", "", payments.StatusFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newHEnv(t)
			r := e.ready(hOrder, hAmount, "CARD")
			target := "/fail?" + url.Values{"code": {tt.code}, "message": {tt.message}, "orderId": {r.Toss.OrderID}}.Encode()
			page, q := location(t, e.get(target, false))
			want := url.Values{"code": {tt.code}, "message": {tt.message}, "order_number": {hOrder}}
			if page != hFailURL {
				t.Errorf("redirect to %s, want %s", page, hFailURL)
			}
			if diff := cmp.Diff(want, q); diff != "" {
				t.Errorf("redirect query (-want +got):\n%s", diff)
			}
			p := e.payment(hOrder)
			if p.Status != tt.want || p.Failure == nil || p.Failure.Code != tt.code {
				t.Errorf("payment = %s %+v, want %s with failure %s", p.Status, p.Failure, tt.want, tt.code)
			}
			// A JSON client gets the status view; a repeat changes nothing.
			rec := e.get(target, true)
			if rec.Code != http.StatusOK || statusView(t, rec).Status != tt.want {
				t.Errorf("JSON fail = %d %s", rec.Code, rec.Body)
			}
			// A new attempt may follow.
			if r2 := e.ready(hOrder, hAmount, "CARD"); r2.Toss.OrderID != hOrder+"-2" {
				t.Errorf("next order_id = %s", r2.Toss.OrderID)
			}
		})
	}
}

func TestHandlerFailBadInput(t *testing.T) {
	e := newHEnv(t)
	r := e.ready(hOrder, hAmount, "CARD")
	long := strings.Repeat("가", 400) // 1200 bytes
	tests := []struct {
		name   string
		query  url.Values
		raw    string
		status int
		code   payments.ErrorCode
	}{
		{"missing code", url.Values{"message": {"x"}, "orderId": {r.Toss.OrderID}}, "", 400, payments.CodeInvalidRequest},
		{"code with markup", url.Values{"code": {"<b>"}, "orderId": {r.Toss.OrderID}}, "", 400, payments.CodeInvalidRequest},
		{"code too long", url.Values{"code": {strings.Repeat("X", 65)}, "orderId": {r.Toss.OrderID}}, "", 400, payments.CodeInvalidRequest},
		{"missing orderId", url.Values{"code": {"PAY_PROCESS_CANCELED"}}, "", 400, payments.CodeInvalidRequest},
		{"bad orderId", url.Values{"code": {"PAY_PROCESS_CANCELED"}, "orderId": {"../../x"}}, "", 400, payments.CodeInvalidRequest},
		{"repeated orderId", url.Values{"code": {"X"}, "orderId": {r.Toss.OrderID, hOrderOther}}, "", 400, payments.CodeInvalidRequest},
		{"malformed query", nil, "code=%&orderId=" + hOrder, 400, payments.CodeInvalidRequest},
		{"unknown orderId", url.Values{"code": {"PAY_PROCESS_CANCELED"}, "orderId": {"ORD-NOPE-0001"}}, "", 404, payments.CodePaymentNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := tt.raw
			if tt.query != nil {
				raw = tt.query.Encode()
			}
			rec := e.get("/fail?"+raw, false)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if got := errorCode(t, rec); got.Code != tt.code {
				t.Errorf("code = %s, want %s", got.Code, tt.code)
			}
		})
	}
	if s := e.payment(hOrder).Status; s != payments.StatusReady {
		t.Fatalf("status after bad fail callbacks = %s, want ready", s)
	}
	// A long message is cut on a character boundary, in the redirect and
	// in the record.
	_, q := location(t, e.get("/fail?"+url.Values{"code": {"X_Y"}, "message": {long}, "orderId": {r.Toss.OrderID}}.Encode(), false))
	if m := q.Get("message"); utf8.RuneCountInString(m) != 160 || !strings.HasPrefix(long, m) {
		t.Errorf("message in redirect: %d characters, prefix of the original: %v", utf8.RuneCountInString(m), strings.HasPrefix(long, m))
	}
	if f := e.payment(hOrder).Failure; f == nil || utf8.RuneCountInString(f.Message) != 160 || !strings.HasPrefix(long, f.Message) {
		t.Errorf("recorded failure = %+v", f)
	}
}

func TestHandlerFailAfterPaidChangesNothing(t *testing.T) {
	e := newHEnv(t)
	r := e.ready(hOrder, hAmount, "CARD")
	key := e.reference(hOrder, r.Toss.OrderID)
	location(t, e.get(successQuery(key, r.Toss.OrderID, hAmount), false))
	page, q := location(t, e.get("/fail?"+url.Values{"code": {"PAY_PROCESS_CANCELED"}, "orderId": {r.Toss.OrderID}}.Encode(), false))
	if page != "https://shop.example/checkout/done" || q.Get("status") != "paid" {
		t.Errorf("forged fail callback redirect = %s %v, want the success page with status=paid", page, q)
	}
	if s := e.payment(hOrder).Status; s != payments.StatusPaid {
		t.Errorf("status = %s, want paid", s)
	}
}

func TestHandlerConfirm(t *testing.T) {
	e := newHEnv(t)
	r := e.ready(hOrder, hAmount, "CARD")
	key := e.reference(hOrder, r.Toss.OrderID)
	tests := []struct {
		name   string
		body   string
		status int
		code   payments.ErrorCode
	}{
		{"empty", "{}", 400, payments.CodeInvalidRequest},
		{"missing payment_key", `{"order_number":"` + hOrder + `","amount":58990}`, 400, payments.CodeInvalidRequest},
		{"missing order_number", `{"payment_key":"` + key + `","amount":58990}`, 400, payments.CodeInvalidRequest},
		{"missing amount", `{"payment_key":"` + key + `","order_number":"` + hOrder + `"}`, 400, payments.CodeInvalidRequest},
		{"negative amount", `{"payment_key":"` + key + `","order_number":"` + hOrder + `","amount":-1}`, 400, payments.CodeInvalidRequest},
		{"string amount", `{"payment_key":"` + key + `","order_number":"` + hOrder + `","amount":"58990"}`, 400, payments.CodeInvalidRequest},
		{"unknown field", `{"payment_key":"` + key + `","order_number":"` + hOrder + `","amount":58990,"orderId":"x"}`, 400, payments.CodeInvalidRequest},
		{"unknown order", `{"payment_key":"` + key + `","order_number":"ORD-NOPE-0001","amount":58990}`, 404, payments.CodeOrderNotFound},
		{"order without payment", `{"payment_key":"` + key + `","order_number":"` + hOrderOther + `","amount":9900}`, 404, payments.CodePaymentNotFound},
		{"amount mismatch", `{"payment_key":"` + key + `","order_number":"` + hOrder + `","amount":58000}`, 409, payments.CodeAmountMismatch},
		{"another payment key", `{"payment_key":"fake_other","order_number":"` + hOrder + `","amount":58990}`, 400, payments.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.post("/confirm", tt.body)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if got := errorCode(t, rec); got.Code != tt.code {
				t.Errorf("code = %s, want %s (%s)", got.Code, tt.code, got.Message)
			}
		})
	}
	if n := e.confirmCalls(); n != 0 {
		t.Fatalf("confirm calls after bad requests = %d", n)
	}
	rec := e.post("/confirm", toss.ConfirmBody{PaymentKey: key, OrderNumber: hOrder, Amount: hAmount})
	if rec.Code != http.StatusOK {
		t.Fatalf("POST /confirm = %d %s", rec.Code, rec.Body)
	}
	v := statusView(t, rec)
	if v.Status != payments.StatusPaid || v.GatewayReference == nil || *v.GatewayReference != key || v.Gateway != "toss" || v.RefundableAmount != hAmount {
		t.Errorf("status view = %+v", v)
	}
}

// newVAEnv is an env whose clocks stand at 2026-01-22 12:00 UTC, for
// virtual accounts and their due dates.
func newVAEnv(t *testing.T) *hEnv {
	now := func() time.Time { return time.Date(2026, 1, 22, 12, 0, 0, 0, time.UTC) }
	e := newHEnv(t, func(o *hOptions) { o.now = now })
	e.gw.SetClock(now)
	return e
}

func vaBody(change func(map[string]any)) map[string]any {
	b := map[string]any{"order_number": hOrder, "amount": hAmount, "order_name": hOrderName, "customer_name": "김토스", "bank": "우리"}
	if change != nil {
		change(b)
	}
	return b
}

func TestHandlerVirtualAccount(t *testing.T) {
	e := newVAEnv(t)
	rec := e.post("/virtual-account", vaBody(func(b map[string]any) {
		b["valid_hours"], b["customer_email"] = 168, "toss@example.com"
		b["cash_receipt"] = map[string]any{"type": "소득공제", "registration_number": "010-1234-5678"}
	}))
	if rec.Code != http.StatusOK {
		t.Fatalf("POST /virtual-account = %d %s", rec.Code, rec.Body)
	}
	var got toss.VirtualAccountResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := toss.VirtualAccountResponse{
		OrderNumber: hOrder, Status: payments.StatusWaitingForDeposit, Amount: hAmount, Currency: payments.KRW,
		Bank: "20", AccountNumber: got.AccountNumber, Holder: "김토스", DueDate: "2026-01-29T21:00:00+09:00",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
	if got.AccountNumber == "" {
		t.Error("no account number")
	}
	if strings.Contains(rec.Body.String(), "ps_") {
		t.Errorf("the deposit secret leaked into the response: %s", rec.Body)
	}
}

func TestHandlerVirtualAccountBadInput(t *testing.T) {
	e := newVAEnv(t)
	tests := []struct {
		name   string
		body   any
		status int
		code   payments.ErrorCode
	}{
		{"unknown field", vaBody(func(b map[string]any) { b["account"] = "x" }), 400, payments.CodeInvalidRequest},
		{"missing customer_name", vaBody(func(b map[string]any) { delete(b, "customer_name") }), 400, payments.CodeInvalidRequest},
		{"missing bank", vaBody(func(b map[string]any) { delete(b, "bank") }), 400, payments.CodeInvalidRequest},
		{"unknown bank", vaBody(func(b map[string]any) { b["bank"] = "Bank of Nowhere" }), 400, payments.CodeInvalidRequest},
		{"bank wrong type", vaBody(func(b map[string]any) { b["bank"] = 20 }), 400, payments.CodeInvalidRequest},
		{"missing order_name", vaBody(func(b map[string]any) { delete(b, "order_name") }), 400, payments.CodeInvalidRequest},
		{"zero amount", vaBody(func(b map[string]any) { b["amount"] = 0 }), 400, payments.CodeInvalidRequest},
		{"amount mismatch", vaBody(func(b map[string]any) { b["amount"] = 100 }), 409, payments.CodeAmountMismatch},
		{"valid_hours 0", vaBody(func(b map[string]any) { b["valid_hours"] = 0 }), 400, payments.CodeInvalidRequest},
		{"valid_hours over 2160", vaBody(func(b map[string]any) { b["valid_hours"] = 2161 }), 400, payments.CodeInvalidRequest},
		{"valid_hours and due_date", vaBody(func(b map[string]any) { b["valid_hours"], b["due_date"] = 24, "2026-01-25T00:00:00" }), 400, payments.CodeInvalidRequest},
		{"due_date malformed", vaBody(func(b map[string]any) { b["due_date"] = "25/01/2026" }), 400, payments.CodeInvalidRequest},
		{"due_date in the past", vaBody(func(b map[string]any) { b["due_date"] = "2026-01-20T00:00:00" }), 400, payments.CodeInvalidRequest},
		{"due_date too far", vaBody(func(b map[string]any) { b["due_date"] = "2027-01-20T00:00:00+09:00" }), 400, payments.CodeInvalidRequest},
		{"cash receipt type", vaBody(func(b map[string]any) {
			b["cash_receipt"] = map[string]any{"type": "NONE", "registration_number": "01012345678"}
		}), 400, payments.CodeInvalidRequest},
		{"cash receipt number", vaBody(func(b map[string]any) {
			b["cash_receipt"] = map[string]any{"type": "지출증빙", "registration_number": "abc"}
		}), 400, payments.CodeInvalidRequest},
		{"unknown order", vaBody(func(b map[string]any) { b["order_number"] = "ORD-NOPE-0001" }), 404, payments.CodeOrderNotFound},
		{"non-KRW order", vaBody(func(b map[string]any) { b["order_number"], b["amount"] = hOrderUSD, 1200 }), 400, payments.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.post("/virtual-account", tt.body)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if got := errorCode(t, rec); got.Code != tt.code {
				t.Errorf("code = %s, want %s (%s)", got.Code, tt.code, got.Message)
			}
		})
	}
	if _, err := e.svc.Payment(context.Background(), hOrder); payments.Code(err) != payments.CodePaymentNotFound {
		t.Errorf("bad requests created a payment: %v", err)
	}
	// Accepted date forms.
	for _, due := range []string{"2026-01-25T23:59:59", "2026-01-25T23:59:59+09:00", "2026-01-25T14:59:59Z"} {
		e2 := newVAEnv(t)
		rec := e2.post("/virtual-account", vaBody(func(b map[string]any) { b["due_date"] = due }))
		if rec.Code != http.StatusOK {
			t.Errorf("due_date %s: %d %s", due, rec.Code, rec.Body)
			continue
		}
		var got toss.VirtualAccountResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.DueDate != "2026-01-25T23:59:59+09:00" {
			t.Errorf("due_date %s: answered %q, %v", due, got.DueDate, err)
		}
	}
}

func TestHandlerWebhookDeposit(t *testing.T) {
	e := newVAEnv(t)
	if rec := e.post("/virtual-account", vaBody(nil)); rec.Code != http.StatusOK {
		t.Fatalf("POST /virtual-account = %d %s", rec.Code, rec.Body)
	}
	before := e.payment(hOrder)
	// shape 0: flat, as documented; 1: flat with an eventType; 2: wrapped
	// in data.
	deposit := func(secret string, shape int) string {
		m := map[string]any{"createdAt": "2026-01-22T21:00:00.000000", "secret": secret, "status": "DONE",
			"transactionKey": "9FF15E1A29D0E77C218F57262BFA4986", "orderId": hOrder}
		switch shape {
		case 1:
			m["eventType"] = "DEPOSIT_CALLBACK"
		case 2:
			m = map[string]any{"eventType": "DEPOSIT_CALLBACK", "createdAt": "2026-01-22T21:00:00.000000", "data": m}
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	// The money arrives at Toss.
	secret, err := e.gw.Deposit(before.GatewayReference)
	if err != nil {
		t.Fatal(err)
	}

	for shape := range 3 {
		rec := e.post("/webhook", deposit("ps_wrongSecret0123456789abcdef", shape), "tosspayments-webhook-transmission-id", fmt.Sprintf("whtrans_wrong_%d", shape))
		if rec.Code != http.StatusBadRequest || errorCode(t, rec).Code != payments.CodeInvalidSignature {
			t.Fatalf("wrong secret (shape %d) = %d %s, want 400 invalid_signature", shape, rec.Code, rec.Body)
		}
	}
	if rec := e.post("/webhook", `{"createdAt":"2026-01-22T21:00:00.000000","secret":"","status":"DONE","transactionKey":"9FF1","orderId":"`+hOrder+`"}`); rec.Code != http.StatusBadRequest {
		t.Fatalf("empty secret = %d %s, want 400", rec.Code, rec.Body)
	}
	after := e.payment(hOrder)
	if after.Version != before.Version || after.Status != payments.StatusWaitingForDeposit {
		t.Fatalf("a refused deposit callback changed the payment: %s v%d → %s v%d", before.Status, before.Version, after.Status, after.Version)
	}

	rec := e.post("/webhook", deposit(secret.Reveal(), 0), "tosspayments-webhook-transmission-id", "whtrans_a01j70335nkqqeg0zwzz2r4py9z")
	if rec.Code != http.StatusOK {
		t.Fatalf("right secret = %d %s", rec.Code, rec.Body)
	}
	if s := e.payment(hOrder).Status; s != payments.StatusPaid {
		t.Errorf("status after deposit = %s, want paid", s)
	}
	if logs := e.logs.String(); strings.Contains(logs, secret.Reveal()) || strings.Contains(logs, "ps_wrongSecret") {
		t.Errorf("a deposit secret reached the logs:\n%s", logs)
	}
}

func TestHandlerWebhook(t *testing.T) {
	e := newHEnv(t)
	r := e.ready(hOrder, hAmount, "CARD")
	key := e.reference(hOrder, r.Toss.OrderID)
	location(t, e.get(successQuery(key, r.Toss.OrderID, hAmount), false))

	statusChanged := func(orderID, paymentKey string) string {
		return `{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":"2026-01-22T10:00:00.000000","data":{"mId":"tosspayments","version":"2022-11-16",` +
			`"paymentKey":"` + paymentKey + `","orderId":"` + orderID + `","status":"DONE","totalAmount":58990,"method":"카드","card":{"number":"4330****"},"newField":[1,2]}}`
	}
	lookups := func() int {
		n := 0
		for _, c := range e.gw.Calls() {
			if c.Op == "lookup" {
				n++
			}
		}
		return n
	}
	big := `{"eventType":"PAYMENT_STATUS_CHANGED","pad":"` + strings.Repeat("x", web.MaxBody) + `"}`
	tests := []struct {
		name    string
		body    string
		header  map[string]string
		status  int
		code    payments.ErrorCode
		lookups int // gateway re-reads the event causes
	}{
		{"status changed", statusChanged(hOrder, key), map[string]string{"tosspayments-webhook-transmission-id": "whtrans_1"}, 200, "", 1},
		{"same delivery again", statusChanged(hOrder, key), map[string]string{"tosspayments-webhook-transmission-id": "whtrans_1"}, 200, "", 0},
		{"no transmission id", statusChanged(hOrder, key), nil, 200, "", 1},
		{"same body again", statusChanged(hOrder, key), nil, 200, "", 0},
		{"unknown order", statusChanged("ORD-NOPE-0001", "tk_x"), nil, 200, "", 0},
		{"unknown attempt", statusChanged(hOrder+"-9", "tk_x"), nil, 200, "", 0},
		{"unknown paymentKey", statusChanged(hOrder, "tk_unknown"), nil, 200, "", 0},
		{"cancel status changed", `{"eventType":"CANCEL_STATUS_CHANGED","createdAt":"2026-01-22T10:00:00.000000","data":{"transactionKey":"x","cancelStatus":"DONE"}}`, nil, 200, "", 0},
		{"other event type", `{"eventType":"BILLING_DELETED","createdAt":"2026-01-22T10:00:00.000000","data":{"billingKey":"b","reason":null}}`, nil, 200, "", 0},
		{"text/json", statusChanged(hOrder, key) + " ", map[string]string{"Content-Type": "text/json"}, 200, "", 1},
		{"no Content-Type", statusChanged(hOrder, key) + "  ", map[string]string{"Content-Type": ""}, 200, "", 1},
		{"malformed JSON", `{"eventType":"PAYMENT_STATUS_CHANGED",`, nil, 400, payments.CodeInvalidRequest, 0},
		{"empty", ``, nil, 400, payments.CodeInvalidRequest, 0},
		{"array", `[{"eventType":"PAYMENT_STATUS_CHANGED"}]`, nil, 400, payments.CodeInvalidRequest, 0},
		{"trailing data", statusChanged(hOrder, key) + `{}`, nil, 400, payments.CodeInvalidRequest, 0},
		{"eventType wrong type", `{"eventType":7,"data":{}}`, nil, 400, payments.CodeInvalidRequest, 0},
		{"orderId wrong type", `{"eventType":"PAYMENT_STATUS_CHANGED","data":{"orderId":123456,"paymentKey":"k"}}`, nil, 400, payments.CodeInvalidRequest, 0},
		{"data wrong type", `{"eventType":"PAYMENT_STATUS_CHANGED","data":"DONE"}`, nil, 400, payments.CodeInvalidRequest, 0},
		{"data missing", `{"eventType":"PAYMENT_STATUS_CHANGED"}`, nil, 400, payments.CodeInvalidRequest, 0},
		// Events about orders the library cannot have made answer 200, so
		// that Toss stops delivering them, whatever their orderId.
		{"orderId the library never sends", statusChanged("x/../y", key), nil, 200, "", 0},
		{"no eventType", `{"createdAt":"2026-01-22T10:00:00.000000","data":{}}`, nil, 400, payments.CodeInvalidRequest, 0},
		{"wrong Content-Type", statusChanged(hOrder, key), map[string]string{"Content-Type": "text/plain"}, 415, payments.CodeUnsupportedMediaType, 0},
		{"body over 1 MiB", big, nil, 413, payments.CodeBodyTooLarge, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := lookups()
			rec := e.serve(hReq{method: http.MethodPost, target: "/webhook", body: tt.body, header: tt.header})
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if tt.code != "" {
				if got := errorCode(t, rec); got.Code != tt.code {
					t.Errorf("code = %s, want %s (%s)", got.Code, tt.code, got.Message)
				}
			}
			if got := lookups() - before; got != tt.lookups {
				t.Errorf("gateway lookups = %d, want %d", got, tt.lookups)
			}
		})
	}
	if s := e.payment(hOrder).Status; s != payments.StatusPaid {
		t.Errorf("status = %s, want paid", s)
	}
	// Toss is told to retry while the gateway cannot be reached.
	e.gw.FailNext(1, payments.CodeGatewayUnavailable)
	rec := e.post("/webhook", statusChanged(hOrder, key), "tosspayments-webhook-transmission-id", "whtrans_retry")
	if rec.Code != http.StatusServiceUnavailable || errorCode(t, rec).Code != payments.CodeGatewayUnavailable {
		t.Fatalf("unavailable gateway = %d %s, want 503", rec.Code, rec.Body)
	}
	if rec := e.post("/webhook", statusChanged(hOrder, key), "tosspayments-webhook-transmission-id", "whtrans_retry"); rec.Code != http.StatusOK {
		t.Fatalf("retried delivery = %d %s, want 200", rec.Code, rec.Body)
	}
}

func TestHandlerCancel(t *testing.T) {
	paid := func(t *testing.T, e *hEnv) {
		r := e.ready(hOrder, hAmount, "CARD")
		location(t, e.get(successQuery(e.reference(hOrder, r.Toss.OrderID), r.Toss.OrderID, hAmount), false))
	}
	bearer := map[string]string{"Authorization": "Bearer " + hAdminToken}
	cancel := func(e *hEnv, body string, header map[string]string) *httptest.ResponseRecorder {
		return e.serve(hReq{method: http.MethodPost, target: "/cancel", body: body, header: header})
	}

	t.Run("no authorizer", func(t *testing.T) {
		e := newHEnv(t, func(o *hOptions) { o.authorize = nil })
		paid(t, e)
		rec := cancel(e, `{"order_number":"`+hOrder+`","reason":"x"}`, bearer)
		if rec.Code != http.StatusForbidden || errorCode(t, rec).Code != payments.CodeForbidden {
			t.Errorf("= %d %s, want 403 forbidden", rec.Code, rec.Body)
		}
	})
	e := newHEnv(t)
	paid(t, e)
	for name, hdr := range map[string]map[string]string{
		"no credentials": nil,
		"wrong token":    {"Authorization": "Bearer nope"},
		"basic auth":     {"Authorization": "Basic YWRtaW46"},
	} {
		t.Run(name, func(t *testing.T) {
			rec := cancel(e, `{"order_number":"`+hOrder+`","reason":"x"}`, hdr)
			if rec.Code != http.StatusUnauthorized || errorCode(t, rec).Code != payments.CodeUnauthorized {
				t.Errorf("= %d %s, want 401 unauthorized", rec.Code, rec.Body)
			}
		})
	}
	if e.payment(hOrder).Status != payments.StatusPaid {
		t.Fatal("a refused cancel changed the payment")
	}
	rec := cancel(e, `{"order_number":"`+hOrder+`","amount":8990,"reason":"사이즈 교환"}`, bearer)
	if rec.Code != http.StatusOK {
		t.Fatalf("partial cancel = %d %s", rec.Code, rec.Body)
	}
	if v := statusView(t, rec); v.Status != payments.StatusPartiallyRefunded || v.RefundedAmount != 8990 || v.RefundableAmount != 50000 {
		t.Errorf("after partial cancel: %s refunded %d refundable %d", v.Status, v.RefundedAmount, v.RefundableAmount)
	}
	rec = cancel(e, `{"order_number":"`+hOrder+`","amount":50001,"reason":"too much"}`, bearer)
	if rec.Code != http.StatusConflict || errorCode(t, rec).Code != payments.CodeRefundExceedsBalance {
		t.Errorf("over-refund = %d %s, want 409 refund_exceeds_balance", rec.Code, rec.Body)
	}
	rec = cancel(e, `{"order_number":"`+hOrder+`","reason":"고객 요청"}`, bearer)
	if rec.Code != http.StatusOK {
		t.Fatalf("full cancel = %d %s", rec.Code, rec.Body)
	}
	if v := statusView(t, rec); v.Status != payments.StatusRefunded || v.RefundedAmount != hAmount || v.RefundableAmount != 0 {
		t.Errorf("after full cancel: %s refunded %d refundable %d", v.Status, v.RefundedAmount, v.RefundableAmount)
	}
	if got := e.gw.Refunded(e.payment(hOrder).GatewayReference); got != hAmount {
		t.Errorf("gateway refunded %d, want %d", got, hAmount)
	}
}

func TestHandlerIdempotencyKey(t *testing.T) {
	e := newHEnv(t)
	first := e.post("/ready", readyBody(hOrder, hAmount, "CARD"), "Idempotency-Key", "ready-1")
	if first.Code != http.StatusOK {
		t.Fatalf("first = %d %s", first.Code, first.Body)
	}
	again := e.post("/ready", readyBody(hOrder, hAmount, "CARD"), "Idempotency-Key", "ready-1")
	if again.Code != http.StatusOK || again.Body.String() != first.Body.String() || again.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay = %d %s (replayed %q), want the first answer", again.Code, again.Body, again.Header().Get("Idempotent-Replayed"))
	}
	other := e.post("/ready", readyBody(hOrder, hAmount, "TRANSFER"), "Idempotency-Key", "ready-1")
	if other.Code != http.StatusConflict || errorCode(t, other).Code != payments.CodeIdempotencyKeyReused {
		t.Errorf("other body = %d %s, want 409 idempotency_key_reused", other.Code, other.Body)
	}
	if p := e.payment(hOrder); len(p.Attempts) != 1 || p.Method != payments.MethodCard {
		t.Errorf("attempts = %d, method %s; want one CARD attempt", len(p.Attempts), p.Method)
	}

	// /confirm: the first answer is replayed, and the gateway confirms once.
	key := e.reference(hOrder, hOrder)
	body := toss.ConfirmBody{PaymentKey: key, OrderNumber: hOrder, Amount: hAmount}
	c1 := e.post("/confirm", body, "Idempotency-Key", "confirm-1")
	c2 := e.post("/confirm", body, "Idempotency-Key", "confirm-1")
	if c1.Code != http.StatusOK || c2.Body.String() != c1.Body.String() {
		t.Errorf("confirm replay: %d %s / %d %s", c1.Code, c1.Body, c2.Code, c2.Body)
	}
	body.Amount = 1
	if c3 := e.post("/confirm", body, "Idempotency-Key", "confirm-1"); c3.Code != http.StatusConflict || errorCode(t, c3).Code != payments.CodeIdempotencyKeyReused {
		t.Errorf("confirm with another body = %d %s", c3.Code, c3.Body)
	}
	if n := e.confirmCalls(); n != 1 {
		t.Errorf("confirm calls = %d, want 1", n)
	}
	// /virtual-account honours the header too.
	e2 := newVAEnv(t)
	v1 := e2.post("/virtual-account", vaBody(nil), "Idempotency-Key", "va-1")
	v2 := e2.post("/virtual-account", vaBody(func(b map[string]any) { b["bank"] = "88" }), "Idempotency-Key", "va-1")
	if v1.Code != http.StatusOK || v2.Code != http.StatusConflict {
		t.Errorf("virtual-account with reused key: %d then %d, want 200 then 409", v1.Code, v2.Code)
	}
}

func TestHandlerRoutes(t *testing.T) {
	e := newHEnv(t)
	tests := []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodGet, "/ready", 405, "POST"},
		{http.MethodPut, "/ready", 405, "POST"},
		{http.MethodPost, "/success", 405, "GET"},
		{http.MethodDelete, "/fail", 405, "GET"},
		{http.MethodGet, "/confirm", 405, "POST"},
		{http.MethodGet, "/cancel", 405, "POST"},
		{http.MethodPatch, "/virtual-account", 405, "POST"},
		{http.MethodGet, "/webhook", 405, "POST"},
		{http.MethodGet, "/nope", 404, ""},
		{http.MethodGet, "/", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+tt.path, func(t *testing.T) {
			rec := e.serve(hReq{method: tt.method, target: tt.path})
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want JSON", ct)
			}
			if tt.status == 405 {
				if got := errorCode(t, rec).Code; got != payments.CodeMethodNotAllowed {
					t.Errorf("code = %s", got)
				}
				if got := rec.Header().Get("Allow"); !strings.Contains(got, tt.allow) {
					t.Errorf("Allow = %q, want %s", got, tt.allow)
				}
			}
		})
	}
}

// The handler is mounted under a prefix with http.StripPrefix; Toss is
// told to come back to the callback URLs under that prefix.
func ExampleNewHandler() {
	gw := paymentstest.NewGateway("toss") // toss.NewGateway(…) in production
	svc, _ := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-20260122-001", Name: "Cool T-Shirt 외 1건", Amount: 58990, Currency: payments.KRW}),
		Gateways: []payments.Gateway{gw},
	})
	h, err := toss.NewHandler(toss.HandlerConfig{
		Service:        svc,
		ClientKey:      "test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq",
		CallbackBase:   "https://shop.example/payments/toss",
		AllowedOrigins: []string{"https://shop.example"},
		Authorize:      payments.BearerToken("admin-token"),
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/payments/toss/", http.StripPrefix("/payments/toss", h))

	// The shop's page asks for the payment window's parameters.
	body := `{"order_number":"ORD-20260122-001","amount":58990,"order_name":"Cool T-Shirt 외 1건","method":"CARD",
	 "success_url":"https://shop.example/orders/done","fail_url":"https://shop.example/orders/failed"}`
	req := httptest.NewRequest(http.MethodPost, "https://shop.example/payments/toss/ready", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)

	var ready toss.ReadyResponse
	_ = json.NewDecoder(rec.Body).Decode(&ready)
	fmt.Println(rec.Code, ready.Status, ready.Toss.OrderID, ready.Toss.Method, ready.Toss.Amount)
	fmt.Println(ready.Toss.SuccessURL)
	fmt.Println(ready.Toss.FailURL)

	// Toss sends the customer back with the paymentKey; the handler
	// confirms and sends the customer on to the shop's page.
	p, _ := svc.Payment(context.Background(), "ORD-20260122-001")
	q := url.Values{"paymentKey": {p.GatewayReference}, "orderId": {ready.Toss.OrderID}, "amount": {"58990"}}
	req = httptest.NewRequest(http.MethodGet, "https://shop.example/payments/toss/success?"+q.Encode(), nil)
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	// Output:
	// 200 ready ORD-20260122-001 CARD 58990
	// https://shop.example/payments/toss/success
	// https://shop.example/payments/toss/fail
	// 303 https://shop.example/orders/done?order_number=ORD-20260122-001&status=paid
}

// ---------------------------------------------------------------------------
// End to end: the handler, toss.Gateway and the tosstest fake over HTTP.

const e2eSecretKey = "test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R"

// e2eEnv is a shop (an httptest.Server with the handler mounted under
// /payments/toss/) whose service talks to tosstest through toss.Gateway;
// tosstest sends its webhooks to the shop.
type e2eEnv struct {
	t       *testing.T
	fake    *tosstest.Server
	api     *httptest.Server
	shop    *httptest.Server
	svc     *payments.Service
	browser *http.Client
}

func newE2E(t *testing.T) *e2eEnv {
	t.Helper()
	var mux atomic.Value // http.Handler, set once the service exists
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.Load().(http.Handler).ServeHTTP(w, r)
	}))
	t.Cleanup(shop.Close)
	fake, api := tosstest.NewTestServer(t, tosstest.Config{WebhookURL: shop.URL + "/payments/toss/webhook"})
	client, err := toss.NewClient(toss.ClientConfig{SecretKey: e2eSecretKey, BaseURL: api.URL, RetryBackoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := toss.NewGateway(toss.GatewayConfig{Client: client})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := payments.NewService(payments.Config{
		Store: memstore.New(),
		Orders: payments.NewOrderBook(
			payments.Order{Number: hOrder, Name: hOrderName, Amount: hAmount, Currency: payments.KRW},
			payments.Order{Number: hOrderOther, Name: "Cap", Amount: 9900, Currency: payments.KRW},
		),
		Gateways: []payments.Gateway{gw},
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := toss.NewHandler(toss.HandlerConfig{
		Service: svc, ClientKey: hClientKey, CallbackBase: shop.URL + "/payments/toss",
		AllowedOrigins: []string{"https://shop.example"}, Authorize: payments.BearerToken(hAdminToken),
	})
	if err != nil {
		t.Fatal(err)
	}
	m := http.NewServeMux()
	m.Handle("/payments/toss/", http.StripPrefix("/payments/toss", h))
	mux.Store(http.Handler(m))
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &e2eEnv{t: t, fake: fake, api: api, shop: shop, svc: svc, browser: browser}
}

func (e *e2eEnv) do(req *http.Request) (*http.Response, []byte) {
	e.t.Helper()
	resp, err := e.browser.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, body
}

func (e *e2eEnv) post(path string, body any, header ...string) (*http.Response, []byte) {
	e.t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, e.shop.URL+"/payments/toss"+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.do(req)
}

func (e *e2eEnv) ready(order string, amount int64, method string) toss.ReadyResponse {
	e.t.Helper()
	resp, body := e.post("/ready", readyBody(order, amount, method))
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("POST /ready = %d %s", resp.StatusCode, body)
	}
	var r toss.ReadyResponse
	if err := json.Unmarshal(body, &r); err != nil {
		e.t.Fatal(err)
	}
	return r
}

// window plays the customer in tosstest's sandbox payment window, opened
// as a page opens the v2 SDK's: TossPayments(client_key).payment(…) and
// requestPayment(toss.request) as it is. It opens the page, presses
// action (approve, decline or cancel) and returns where the window
// redirects (one of the handler's callbacks).
func (e *e2eEnv) window(r toss.ReadyResponse, action string) *url.URL {
	e.t.Helper()
	request, err := json.Marshal(r.Toss.Request)
	if err != nil {
		e.t.Fatal(err)
	}
	win := tosstest.PaymentWindow{ClientKey: r.Toss.ClientKey, Request: string(request)}
	req, _ := http.NewRequest(http.MethodGet, e.fake.PaymentWindowURL(win), nil)
	if resp, body := e.do(req); resp.StatusCode != http.StatusOK {
		e.t.Fatalf("payment window = %d %s", resp.StatusCode, body)
	}
	form := win.Query()
	form.Set("action", action)
	req, _ = http.NewRequest(http.MethodPost, e.api.URL+"/sandbox/pay", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body := e.do(req)
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("window %s = %d %s", action, resp.StatusCode, body)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(u.String(), e.shop.URL+"/payments/toss/") {
		e.t.Fatalf("the window redirected to %q, not to the handler", resp.Header.Get("Location"))
	}
	return u
}

// follow makes the browser's GET of a callback and returns the answer.
func (e *e2eEnv) follow(u *url.URL) (*http.Response, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	req.Header.Set("Accept", "text/html")
	return e.do(req)
}

func (e *e2eEnv) status(order string) payments.Status {
	e.t.Helper()
	p, err := e.svc.Payment(context.Background(), order)
	if err != nil {
		e.t.Fatal(err)
	}
	return p.Status
}

func TestHandlerEndToEndCard(t *testing.T) {
	e := newE2E(t)
	r := e.ready(hOrder, hAmount, "CARD")
	cb := e.window(r, "approve")
	paymentKey := cb.Query().Get("paymentKey")

	resp, body := e.follow(cb)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("success callback = %d %s", resp.StatusCode, body)
	}
	want := "https://shop.example/checkout/done?" + url.Values{"from": {"toss"}, "order_number": {hOrder}, "status": {"paid"}}.Encode()
	if got := resp.Header.Get("Location"); got != want {
		t.Errorf("redirect = %s, want %s", got, want)
	}
	// A reload of the callback: the same answer, no second confirm.
	if resp, _ := e.follow(cb); resp.Header.Get("Location") != want {
		t.Errorf("duplicate callback redirect = %s", resp.Header.Get("Location"))
	}
	if n := e.fake.Executions(tosstest.OpConfirm, paymentKey); n != 1 {
		t.Errorf("confirms executed at Toss = %d, want 1", n)
	}
	if s := e.status(hOrder); s != payments.StatusPaid {
		t.Errorf("status = %s, want paid", s)
	}
	if tp, _ := e.fake.Payment(paymentKey); tp.Status != tosstest.StatusDone {
		t.Errorf("Toss status = %s, want DONE", tp.Status)
	}
	// Toss's PAYMENT_STATUS_CHANGED reaches the webhook and is accepted.
	e.fake.FlushWebhooks()
	for _, wh := range e.fake.Webhooks() {
		if wh.StatusCode != http.StatusOK {
			t.Errorf("webhook %s answered %d (%v)", wh.EventType, wh.StatusCode, wh.Err)
		}
	}
	if s := e.status(hOrder); s != payments.StatusPaid {
		t.Errorf("status after webhook = %s, want paid", s)
	}
}

func TestHandlerEndToEndLostResponse(t *testing.T) {
	e := newE2E(t)
	r := e.ready(hOrder, hAmount, "CARD")
	cb := e.window(r, "approve")
	paymentKey := cb.Query().Get("paymentKey")
	// Toss approves, then the connection drops before the answer: the
	// client retries with the same Idempotency-Key and gets the stored
	// answer.
	e.fake.DropAfterProcessing(1)
	resp, body := e.follow(cb)
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "status=paid") {
		t.Fatalf("success callback = %d %s %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if n := e.fake.Executions(tosstest.OpConfirm, paymentKey); n != 1 {
		t.Errorf("confirms executed at Toss = %d, want 1", n)
	}
	var keys []string
	for _, c := range e.fake.Calls() {
		if c.Op == tosstest.OpConfirm {
			keys = append(keys, c.IdempotencyKey)
		}
	}
	if len(keys) < 2 || keys[0] == "" || keys[len(keys)-1] != keys[0] {
		t.Errorf("confirm idempotency keys = %q, want a retry with the same key", keys)
	}
	if s := e.status(hOrder); s != payments.StatusPaid {
		t.Errorf("status = %s, want paid", s)
	}
}

func TestHandlerEndToEndDeclineAndRetry(t *testing.T) {
	e := newE2E(t)
	// The customer cancels in the window.
	r := e.ready(hOrder, hAmount, "CARD")
	resp, _ := e.follow(e.window(r, "cancel"))
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc.Path != "/checkout/failed" || loc.Query().Get("code") != "PAY_PROCESS_CANCELED" {
		t.Fatalf("cancel = %d %s", resp.StatusCode, loc)
	}
	if s := e.status(hOrder); s != payments.StatusCanceled {
		t.Errorf("status = %s, want canceled", s)
	}
	// Then the card company refuses the confirm.
	r = e.ready(hOrder, hAmount, "CARD")
	if r.Toss.OrderID != hOrder+"-2" {
		t.Fatalf("order_id = %s, want %s-2", r.Toss.OrderID, hOrder)
	}
	cb := e.window(r, "approve")
	if err := e.fake.FailConfirm(cb.Query().Get("paymentKey"), "REJECT_CARD_COMPANY"); err != nil {
		t.Fatal(err)
	}
	resp, _ = e.follow(cb)
	loc, _ = url.Parse(resp.Header.Get("Location"))
	if loc.Path != "/checkout/failed" || loc.Query().Get("code") != "REJECT_CARD_COMPANY" || loc.Query().Get("message") == "" {
		t.Errorf("declined callback redirect = %s", loc)
	}
	if s := e.status(hOrder); s != payments.StatusFailed {
		t.Errorf("status = %s, want failed", s)
	}
	// Third time lucky, through POST /confirm as a single-page app does.
	r = e.ready(hOrder, hAmount, "EASY_PAY")
	cb = e.window(r, "approve")
	resp, body := e.post("/confirm", toss.ConfirmBody{PaymentKey: cb.Query().Get("paymentKey"), OrderNumber: hOrder, Amount: hAmount})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /confirm = %d %s", resp.StatusCode, body)
	}
	var v status.Payment
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	if v.Status != payments.StatusPaid || len(v.Attempts) != 3 || v.Attempts[2].GatewayOrderID != hOrder+"-3" {
		t.Errorf("status view: %s with %d attempts", v.Status, len(v.Attempts))
	}
}

func TestHandlerEndToEndVirtualAccount(t *testing.T) {
	e := newE2E(t)
	resp, body := e.post("/virtual-account", vaBody(func(b map[string]any) { b["valid_hours"] = 72 }))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /virtual-account = %d %s", resp.StatusCode, body)
	}
	var va toss.VirtualAccountResponse
	if err := json.Unmarshal(body, &va); err != nil {
		t.Fatal(err)
	}
	if va.Status != payments.StatusWaitingForDeposit || va.Bank != "20" || va.AccountNumber == "" || va.Holder == "" || va.DueDate == "" {
		t.Fatalf("virtual account = %+v", va)
	}
	e.fake.FlushWebhooks() // the issue's DEPOSIT_CALLBACK
	before := len(e.fake.Webhooks())

	// The customer pays; Toss calls the webhook with the deposit secret.
	if err := e.fake.Deposit(context.Background(), hOrder); err != nil {
		t.Fatal(err)
	}
	hooks := e.fake.Webhooks()[before:]
	if len(hooks) == 0 {
		t.Fatal("no webhook after the deposit")
	}
	for _, wh := range hooks {
		if wh.StatusCode != http.StatusOK {
			t.Errorf("webhook %s answered %d", wh.EventType, wh.StatusCode)
		}
	}
	if s := e.status(hOrder); s != payments.StatusPaid {
		t.Fatalf("status after deposit = %s, want paid", s)
	}

	bearer := []string{"Authorization", "Bearer " + hAdminToken}
	resp, body = e.post("/cancel", map[string]any{"order_number": hOrder, "reason": "고객 변심"}, bearer...)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("cancel without refund account = %d %s, want 400", resp.StatusCode, body)
	}
	var eb httpjson.ErrorBody
	_ = json.Unmarshal(body, &eb)
	if eb.Error.Code != payments.CodeInvalidRequest || !strings.Contains(eb.Error.Message, "refund account") {
		t.Errorf("error = %+v, want invalid_request naming the refund account", eb.Error)
	}
	resp, body = e.post("/cancel", map[string]any{"order_number": hOrder, "reason": "고객 변심",
		"refund_receive_account": map[string]any{"bank": "신한", "account_number": "110-123-456789", "holder_name": "김토스"}}, bearer...)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("cancel with refund account = %d %s", resp.StatusCode, body)
	}
	// The refund lands by bank transfer about two business days later:
	// pending until then, settled by the reconciliation.
	if p, _ := e.svc.Payment(context.Background(), hOrder); p.Status != payments.StatusPaid || p.Refunds[len(p.Refunds)-1].Status != payments.RefundPending {
		t.Fatalf("after the cancel: %s %+v, want paid with a pending refund", p.Status, p.Refunds)
	}
	e.fake.Advance(48 * time.Hour)
	if _, err := e.svc.Reconcile(context.Background(), &payments.ReconcileOptions{SettleAfter: time.Nanosecond}); err != nil {
		t.Fatal(err)
	}
	if s := e.status(hOrder); s != payments.StatusRefunded {
		t.Errorf("status after the transfer = %s, want refunded", s)
	}
}

// TestHandlerCancelVirtualAccountBeforeDeposit: /cancel of a payment
// still waiting for its deposit cancels the account at Toss (in full:
// Toss cancels nothing partially before the deposit), so that a later
// transfer is refused; nothing is refunded.
func TestHandlerCancelVirtualAccountBeforeDeposit(t *testing.T) {
	e := newE2E(t)
	resp, body := e.post("/virtual-account", vaBody(func(b map[string]any) { b["valid_hours"] = 72 }))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /virtual-account = %d %s", resp.StatusCode, body)
	}
	bearer := []string{"Authorization", "Bearer " + hAdminToken}
	resp, body = e.post("/cancel", map[string]any{"order_number": hOrder, "amount": 1000, "reason": "주문 취소"}, bearer...)
	var eb httpjson.ErrorBody
	if _ = json.Unmarshal(body, &eb); resp.StatusCode != http.StatusBadRequest || eb.Error.Code != payments.CodeInvalidRequest {
		t.Fatalf("partial cancel before the deposit = %d %s, want 400 invalid_request", resp.StatusCode, body)
	}
	if s := e.status(hOrder); s != payments.StatusWaitingForDeposit {
		t.Fatalf("status after the refused partial cancel = %s, want waiting_for_deposit", s)
	}
	resp, body = e.post("/cancel", map[string]any{"order_number": hOrder, "reason": "주문 취소"}, bearer...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("cancel before the deposit = %d %s", resp.StatusCode, body)
	}
	var v struct {
		Status         payments.Status `json:"status"`
		RefundedAmount int64           `json:"refunded_amount"`
		Refunds        []any           `json:"refunds"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	if v.Status != payments.StatusCanceled || v.RefundedAmount != 0 || len(v.Refunds) != 0 {
		t.Errorf("after the cancel: %+v, want canceled with nothing refunded", v)
	}
	p, ok := e.fake.Payment(hOrder)
	if !ok {
		t.Fatal("Toss does not know the payment")
	}
	if p.Status != "CANCELED" {
		t.Errorf("Toss status = %s, want CANCELED", p.Status)
	}
	if err := e.fake.Deposit(context.Background(), hOrder); err == nil {
		t.Error("a deposit into the canceled account was accepted")
	}
	// Repeating the request changes nothing and calls Toss no more.
	before := len(e.fake.Calls())
	resp, body = e.post("/cancel", map[string]any{"order_number": hOrder, "reason": "주문 취소"}, bearer...)
	if resp.StatusCode != http.StatusConflict && resp.StatusCode != http.StatusOK {
		t.Errorf("repeated cancel = %d %s", resp.StatusCode, body)
	}
	for _, c := range e.fake.Calls()[before:] {
		if c.Op == tosstest.OpCancel {
			t.Errorf("repeated cancel called Toss: %s %s", c.Method, c.Path)
		}
	}
}
