package stripe_test

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
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/stripe/stripetest"
)

// The -update flag rewrites the golden files in testdata/handler. It is
// registered in init, and only if no other test file of the package
// registered one, so that both can use the same flag.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files in testdata")
	}
}

func hUpdate() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

const (
	hOrigin     = "https://shop.example"
	hSecret     = "whsec_handler_test_0123456789abcdef"
	hAdminToken = "admin-token-0123456789"
	hStripeKey  = "sk_test_handler0123456789"
	hPublicURL  = "https://stripetest.example"

	hKRW    = "ORD-20260122-001"
	hUSD    = "ORD-USD-0001"
	hNoPay  = "ORD-NOPAY-0001" // an order nobody paid for
	hOrder3 = "ORD-USD-0003"
)

// hT0 is the fixed clock of the tests that pin times.
var hT0 = time.Date(2026, 1, 22, 9, 30, 0, 0, time.UTC)

func hOrders() *payments.OrderBook {
	return payments.NewOrderBook(
		payments.Order{Number: hKRW, Name: "Cool T-Shirt 외 1건", Amount: 58990, Currency: payments.KRW, Items: []payments.Item{
			{Name: "Cool T-Shirt", Quantity: 1, UnitAmount: 39000},
			{Name: "Socks", Quantity: 2, UnitAmount: 9995},
		}},
		payments.Order{Number: hUSD, Name: "Coffee Mug", Amount: 1999, Currency: payments.USD},
		payments.Order{Number: hNoPay, Name: "Nothing yet", Amount: 5000, Currency: payments.USD},
		payments.Order{Number: hOrder3, Name: "Tea", Amount: 2500, Currency: payments.USD},
	)
}

// hEnv is a handler with its Service and gateway: either the scriptable
// fake (fake set) or stripe.Gateway against stripetest (srv set).
type hEnv struct {
	t      testing.TB
	h      http.Handler
	svc    *payments.Service
	orders *payments.OrderBook
	fake   *paymentstest.Gateway
	srv    *stripetest.Server
	secret string
	logs   *hLogs
}

type hOpts struct {
	gateway   payments.Gateway // default: the fake (or stripe.Gateway for hStripeEnv)
	now       func() time.Time // the Service's and the handler's clock
	noSecret  bool
	noAuth    bool
	tolerance time.Duration
	live      bool // the Service's Config.Live
	// handleEvent is the Service's Config.HandleEvent.
	handleEvent payments.EventHandler
}

// hLogs collects log output, to check that no secret reaches it.
type hLogs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *hLogs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *hLogs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func hBuild(t testing.TB, gw payments.Gateway, o hOpts) *hEnv {
	t.Helper()
	e := &hEnv{t: t, orders: hOrders(), secret: hSecret, logs: &hLogs{}}
	if o.noSecret {
		e.secret = ""
	}
	svc, err := payments.NewService(payments.Config{
		Store: memstore.New(), Orders: e.orders, Gateways: []payments.Gateway{gw}, Now: o.now, Live: o.live,
		HandleEvent: o.handleEvent,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	cfg := stripe.HandlerConfig{
		Service:          svc,
		WebhookSecret:    payments.Secret(e.secret),
		WebhookTolerance: o.tolerance,
		AllowedOrigins:   []string{hOrigin, "http://127.0.0.1:8080"},
		Authorize:        payments.BearerToken(hAdminToken),
		Logger:           slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:              o.now,
	}
	if o.noAuth {
		cfg.Authorize = nil
	}
	e.h, err = stripe.NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// hFakeEnv builds the handler over paymentstest's fake gateway, named
// "stripe".
func hFakeEnv(t testing.TB, o hOpts) *hEnv {
	t.Helper()
	fake := paymentstest.NewGateway("stripe")
	gw := o.gateway
	if gw == nil {
		gw = fake
	}
	e := hBuild(t, gw, o)
	e.fake = fake
	return e
}

// hStripeEnv builds the handler over stripe.Gateway pointed at a
// stripetest server (webhook secret shared with it).
func hStripeEnv(t testing.TB, cfg stripetest.Config, o hOpts) *hEnv {
	t.Helper()
	if cfg.PublicURL == "" {
		cfg.PublicURL = hPublicURL
	}
	if cfg.WebhookSecret == "" && !o.noSecret {
		cfg.WebhookSecret = hSecret
	}
	srv, ts := stripetest.NewTestServer(t, cfg)
	g, err := stripe.New(stripe.Config{SecretKey: hStripeKey, BaseURL: ts.URL, HTTPClient: ts.Client(), MaxNetworkRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	e := hBuild(t, g, o)
	e.srv = srv
	return e
}

// do sends a request to the handler. hdr holds header name/value pairs;
// Content-Type defaults to application/json (an empty value removes it).
func (e *hEnv) do(method, path string, body io.Reader, hdr ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(method, path, body)
	r.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			r.Header.Del(hdr[i])
		} else {
			r.Header.Set(hdr[i], hdr[i+1])
		}
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func (e *hEnv) post(path, body string, hdr ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.do(http.MethodPost, path, strings.NewReader(body), hdr...)
}

// postOK posts and requires 200, decoding the answer into a map.
func (e *hEnv) postOK(path, body string, hdr ...string) map[string]any {
	e.t.Helper()
	w := e.post(path, body, hdr...)
	if w.Code != http.StatusOK {
		e.t.Fatalf("POST %s %s: status %d, body %s", path, body, w.Code, w.Body)
	}
	return hMap(e.t, w)
}

func hMap(t testing.TB, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("answer is not a JSON object: %v: %s", err, w.Body)
	}
	return m
}

// hWantError checks an error answer's status, envelope and code.
func hWantError(t testing.TB, w *httptest.ResponseRecorder, status int, code payments.ErrorCode) map[string]any {
	t.Helper()
	if w.Code != status {
		t.Errorf("status = %d, want %d; body %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want JSON", ct)
	}
	var env struct {
		Error map[string]any `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || env.Error == nil {
		t.Fatalf("answer is not an error envelope: %s", w.Body)
	}
	if got := env.Error["code"]; got != string(code) {
		t.Errorf("error code = %v, want %s; body %s", got, code, w.Body)
	}
	if msg, _ := env.Error["message"].(string); msg == "" {
		t.Errorf("error has no message: %s", w.Body)
	}
	return env.Error
}

func hJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// hIDs replaces the random parts of Stripe ids for golden files.
var hIDs = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`cs_test_[A-Za-z0-9]{20,}`), "cs_test_SESSION"},
	{regexp.MustCompile(`pi_[A-Za-z0-9]{24}(_secret_[A-Za-z0-9]+)?`), "pi_INTENT$1"},
	{regexp.MustCompile(`_secret_[A-Za-z0-9]+`), "_secret_SECRET"},
	{regexp.MustCompile(`rf_[0-9a-f]{24}`), "rf_REFUND"},
	{regexp.MustCompile(`re_[A-Za-z0-9]{24}`), "re_REFUND"},
}

// hGolden compares a JSON answer, indented and with ids normalised, with
// testdata/handler/name; -update rewrites it.
func hGolden(t *testing.T, name string, body []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, body, "", "  "); err != nil {
		t.Fatalf("not JSON: %v: %s", err, body)
	}
	got := buf.String()
	for _, r := range hIDs {
		got = r.re.ReplaceAllString(got, r.repl)
	}
	path := filepath.Join("testdata", "handler", name)
	if hUpdate() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func hFixedClock() func() time.Time { return func() time.Time { return hT0 } }

func TestNewHandlerValidatesConfig(t *testing.T) {
	fake := paymentstest.NewGateway("stripe")
	svc, err := payments.NewService(payments.Config{Store: memstore.New(), Orders: hOrders(), Gateways: []payments.Gateway{fake}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := payments.NewService(payments.Config{Store: memstore.New(), Orders: hOrders(), Gateways: []payments.Gateway{paymentstest.NewGateway("toss")}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  stripe.HandlerConfig
	}{
		{"no service", stripe.HandlerConfig{}},
		{"no stripe gateway", stripe.HandlerConfig{Service: other}},
		{"origin with a path", stripe.HandlerConfig{Service: svc, AllowedOrigins: []string{"https://shop.example/pay"}}},
		{"origin not http", stripe.HandlerConfig{Service: svc, AllowedOrigins: []string{"javascript:alert(1)"}}},
		{"negative tolerance", stripe.HandlerConfig{Service: svc, WebhookTolerance: -time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if h, err := stripe.NewHandler(tc.cfg); err == nil || h != nil {
				t.Fatalf("NewHandler = %v, %v; want an error", h, err)
			}
		})
	}
	if _, err := stripe.NewHandler(stripe.HandlerConfig{Service: svc}); err != nil {
		t.Fatalf("minimal config: %v", err)
	}
}

func TestHandlerRoutes(t *testing.T) {
	e := hFakeEnv(t, hOpts{})
	for _, path := range []string{"/checkout", "/intent", "/confirm", "/verify", "/refund", "/webhook"} {
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
			w := e.do(m, path, nil)
			hWantError(t, w, http.StatusMethodNotAllowed, payments.CodeMethodNotAllowed)
			if allow := w.Header().Get("Allow"); !strings.Contains(allow, "POST") {
				t.Errorf("%s %s: Allow = %q", m, path, allow)
			}
		}
	}
	w := e.post("/nope", `{}`)
	if w.Code != http.StatusNotFound {
		t.Errorf("unknown path: status %d", w.Code)
	}
}

func TestHandlerBadInput(t *testing.T) {
	e := hFakeEnv(t, hOpts{})
	// hUSD has an attempt (ready, with a PaymentIntent) for the confirm
	// and verify cases; hNoPay has none.
	e.postOK("/intent", `{"order_number":"`+hUSD+`","payment_method_id":"pm_card_visa"}`)

	big := `{"order_number":"` + strings.Repeat("x", 1<<20) + `"}`
	type tc struct {
		name   string
		path   string
		body   string
		hdr    []string
		status int
		code   payments.ErrorCode
	}
	var cases []tc
	for _, path := range []string{"/checkout", "/intent", "/confirm", "/verify"} {
		cases = append(cases,
			tc{"no content type", path, `{}`, []string{"Content-Type", ""}, 415, payments.CodeUnsupportedMediaType},
			tc{"text/plain", path, `{}`, []string{"Content-Type", "text/plain"}, 415, payments.CodeUnsupportedMediaType},
			tc{"form", path, `order_number=x`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, payments.CodeUnsupportedMediaType},
			tc{"empty body", path, ``, nil, 400, payments.CodeInvalidRequest},
			tc{"malformed", path, `{"order_number":`, nil, 400, payments.CodeInvalidRequest},
			tc{"not an object", path, `["x"]`, nil, 400, payments.CodeInvalidRequest},
			tc{"unknown field", path, `{"order_number":"` + hUSD + `","amount":1999}`, nil, 400, payments.CodeInvalidRequest},
			tc{"wrong type", path, `{"order_number":12345}`, nil, 400, payments.CodeInvalidRequest},
			tc{"trailing data", path, `{"order_number":"` + hUSD + `"} {}`, nil, 400, payments.CodeInvalidRequest},
			tc{"too large", path, big, nil, 413, payments.CodeBodyTooLarge},
			tc{"too large with idempotency key", path, big, []string{"Idempotency-Key", "k-big"}, 413, payments.CodeBodyTooLarge},
			tc{"missing order", path, `{}`, nil, 400, payments.CodeInvalidRequest},
			tc{"order too long", path, `{"order_number":"` + strings.Repeat("9", 65) + `"}`, nil, 400, payments.CodeInvalidRequest},
			tc{"idempotency key too long", path, `{}`, []string{"Idempotency-Key", strings.Repeat("k", 256)}, 400, payments.CodeInvalidRequest},
		)
	}
	checkout := func(success, cancel string) string {
		return hJSON(map[string]string{"order_number": hKRW, "success_url": success, "cancel_url": cancel})
	}
	ok := hOrigin + "/ok?session_id={CHECKOUT_SESSION_ID}"
	cases = append(cases,
		tc{"checkout: unknown order", "/checkout", hJSON(map[string]string{"order_number": "ORD-NOPE", "success_url": ok, "cancel_url": hOrigin + "/cancel"}), nil, 404, payments.CodeOrderNotFound},
		tc{"checkout: no success_url", "/checkout", checkout("", hOrigin+"/cancel"), nil, 400, payments.CodeInvalidRequest},
		tc{"checkout: no cancel_url", "/checkout", checkout(ok, ""), nil, 400, payments.CodeInvalidRequest},
		tc{"checkout: success_url number", "/checkout", `{"order_number":"` + hKRW + `","success_url":1,"cancel_url":"x"}`, nil, 400, payments.CodeInvalidRequest},
	)
	for _, bad := range []string{
		"https://evil.example/ok",
		"//evil.example/ok",
		"javascript:alert(1)",
		"JavaScript:alert(document.cookie)",
		"https://shop.example@evil.example/ok",
		"https://shop.example.evil.example/ok",
		"http://shop.example/ok", // other scheme, other origin
		"https://shop.example:8443/ok",
		"/relative/ok",
		"shop.example/ok",
		"https:\\\\evil.example",
		"https://shop.example/ok\r\nSet-Cookie: x=1",
		"data:text/html,<script>alert(1)</script>",
		"ftp://shop.example/ok",
	} {
		cases = append(cases,
			tc{"checkout: success_url " + bad, "/checkout", checkout(bad, hOrigin+"/cancel"), nil, 400, payments.CodeRedirectNotAllowed},
			tc{"checkout: cancel_url " + bad, "/checkout", checkout(ok, bad), nil, 400, payments.CodeRedirectNotAllowed},
			tc{"confirm: return_url " + bad, "/confirm", hJSON(map[string]string{"order_number": hUSD, "return_url": bad}), nil, 400, payments.CodeRedirectNotAllowed},
		)
	}
	for _, pm := range []string{"", "card_123", "pm_", "pm", "PM_123", "pm_12 3", "pm_../../x", "pm_1\x00", "pm_" + strings.Repeat("a", 253), "tok_visa", "pm_ü"} {
		code := payments.CodeInvalidRequest
		cases = append(cases, tc{"intent: payment_method_id " + pm, "/intent", hJSON(map[string]string{"order_number": hUSD, "payment_method_id": pm}), nil, 400, code})
		if pm != "" {
			cases = append(cases, tc{"confirm: payment_method_id " + pm, "/confirm", hJSON(map[string]string{"order_number": hUSD, "payment_method_id": pm}), nil, 400, code})
		}
	}
	cases = append(cases,
		tc{"intent: no payment_method_id", "/intent", `{"order_number":"` + hUSD + `"}`, nil, 400, payments.CodeInvalidRequest},
		tc{"intent: unknown order", "/intent", `{"order_number":"ORD-NOPE","payment_method_id":"pm_card_visa"}`, nil, 404, payments.CodeOrderNotFound},
		tc{"confirm: bad payment_intent_id", "/confirm", `{"order_number":"` + hUSD + `","payment_intent_id":"cs_test_1"}`, nil, 400, payments.CodeInvalidRequest},
		tc{"confirm: foreign payment_intent_id", "/confirm", `{"order_number":"` + hUSD + `","payment_intent_id":"pi_someoneelse"}`, nil, 400, payments.CodeInvalidRequest},
		tc{"confirm: unknown order", "/confirm", `{"order_number":"ORD-NOPE"}`, nil, 404, payments.CodeOrderNotFound},
		tc{"confirm: no attempt", "/confirm", `{"order_number":"` + hNoPay + `"}`, nil, 404, payments.CodePaymentNotFound},
		tc{"verify: both ids", "/verify", `{"order_number":"` + hUSD + `","session_id":"cs_test_a","payment_intent_id":"pi_a"}`, nil, 400, payments.CodeInvalidRequest},
		tc{"verify: bad session_id", "/verify", `{"order_number":"` + hUSD + `","session_id":"pi_a"}`, nil, 400, payments.CodeInvalidRequest},
		tc{"verify: bad payment_intent_id", "/verify", `{"order_number":"` + hUSD + `","payment_intent_id":"pi_a/../b"}`, nil, 400, payments.CodeInvalidRequest},
		tc{"verify: session of nobody", "/verify", `{"order_number":"` + hUSD + `","session_id":"cs_test_unknown"}`, nil, 404, payments.CodePaymentNotFound},
		tc{"verify: unknown order", "/verify", `{"order_number":"ORD-NOPE"}`, nil, 404, payments.CodeOrderNotFound},
		tc{"verify: no attempt", "/verify", `{"order_number":"` + hNoPay + `"}`, nil, 404, payments.CodePaymentNotFound},
		tc{"webhook: too large", "/webhook", strings.Repeat(" ", 1<<20+1), []string{"Stripe-Signature", "t=1,v1=00"}, 413, payments.CodeBodyTooLarge},
	)
	before := len(e.fake.Calls())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := e.post(c.path, c.body, c.hdr...)
			hWantError(t, w, c.status, c.code)
		})
	}
	if calls := e.fake.Calls()[before:]; len(calls) != 0 {
		t.Errorf("bad input reached the gateway: %+v", calls)
	}
	if p, err := e.svc.Payment(t.Context(), hKRW); payments.Code(err) != payments.CodePaymentNotFound {
		t.Errorf("bad checkout input created a payment: %+v, %v", p, err)
	}
	if logs := e.logs.String(); strings.Contains(logs, "_secret") {
		t.Errorf("logs contain a client secret:\n%s", logs)
	}
}

func TestHandlerCheckout(t *testing.T) {
	for _, tc := range []struct {
		order    string
		currency string
		amount   string
		items    int
	}{
		{hKRW, "krw", "58990", 2},
		{hUSD, "usd", "1999", 1},
	} {
		t.Run(tc.currency, func(t *testing.T) {
			e := hStripeEnv(t, stripetest.Config{Now: hFixedClock()}, hOpts{now: hFixedClock()})
			body := hJSON(stripe.CheckoutRequest{
				OrderNumber: tc.order,
				SuccessURL:  hOrigin + "/orders/" + tc.order + "/done?session_id={CHECKOUT_SESSION_ID}",
				CancelURL:   hOrigin + "/orders/" + tc.order,
			})
			w := e.post("/checkout", body)
			if w.Code != http.StatusOK {
				t.Fatalf("checkout: %d %s", w.Code, w.Body)
			}
			hGolden(t, "checkout_"+tc.currency+".golden.json", w.Body.Bytes())
			var got stripe.CheckoutResponse
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(got.SessionID, "cs_test_") || got.URL != hPublicURL+"/sandbox/checkout/"+got.SessionID || got.Status != payments.StatusReady {
				t.Fatalf("checkout answer = %+v", got)
			}

			// What Stripe received: the order's amount and currency,
			// never the browser's.
			var create *stripetest.Call
			for _, c := range e.srv.Calls() {
				if c.Op == stripetest.OpCreateCheckoutSession {
					create = &c
				}
			}
			if create == nil {
				t.Fatal("no session was created")
			}
			f := create.Form
			if f.Get("line_items[0][price_data][currency]") != tc.currency || f.Get("client_reference_id") != tc.order ||
				f.Get("metadata[order_number]") != tc.order || f.Get("success_url") != hOrigin+"/orders/"+tc.order+"/done?session_id={CHECKOUT_SESSION_ID}" {
				t.Errorf("session params = %v", f)
			}
			if f.Get("line_items[1][price_data][unit_amount]") == "" && tc.items == 2 {
				t.Errorf("line items not sent: %v", f)
			}

			// A repeat of the same request returns the open session.
			again := e.postOK("/checkout", body)
			if again["session_id"] != got.SessionID || again["url"] != got.URL {
				t.Errorf("repeat = %v, want session %s", again, got.SessionID)
			}
			if n := e.srv.Executed(stripetest.OpCreateCheckoutSession); n != 1 {
				t.Errorf("sessions created = %d, want 1", n)
			}

			// The customer pays on the hosted page; /verify records it.
			if err := e.srv.CompleteSession(got.SessionID, stripetest.PMVisa); err != nil {
				t.Fatal(err)
			}
			w = e.post("/verify", hJSON(stripe.VerifyRequest{OrderNumber: tc.order, SessionID: got.SessionID}))
			if w.Code != http.StatusOK {
				t.Fatalf("verify: %d %s", w.Code, w.Body)
			}
			hGolden(t, "verify_paid_"+tc.currency+".golden.json", w.Body.Bytes())
			v := hMap(t, w)
			if v["status"] != "paid" || fmt.Sprint(v["amount"]) != tc.amount {
				t.Errorf("verify = %v", v)
			}

			// Paid: another checkout is refused.
			hWantError(t, e.post("/checkout", body), http.StatusConflict, payments.CodeAlreadyPaid)
		})
	}
}

// A repeated checkout whose session ended at Stripe without the service
// hearing of it (no webhook) gets a new session, or already_paid.
func TestHandlerCheckoutSessionEndedAtStripe(t *testing.T) {
	e := hStripeEnv(t, stripetest.Config{}, hOpts{})
	body := hJSON(stripe.CheckoutRequest{OrderNumber: hUSD, SuccessURL: hOrigin + "/ok", CancelURL: hOrigin + "/no"})
	first := e.postOK("/checkout", body)
	if err := e.srv.ExpireSession(first["session_id"].(string)); err != nil {
		t.Fatal(err)
	}
	second := e.postOK("/checkout", body)
	if second["session_id"] == first["session_id"] || second["status"] != "ready" || second["url"] == "" {
		t.Fatalf("after expiry: %v (first %v)", second, first["session_id"])
	}
	p, err := e.svc.Payment(t.Context(), hUSD)
	if err != nil || len(p.Attempts) != 2 || p.Attempts[0].Status != payments.StatusExpired {
		t.Fatalf("payment = %+v, %v", p, err)
	}

	// Paid on the hosted page, never verified: a repeat records it.
	if err := e.srv.CompleteSession(second["session_id"].(string), stripetest.PMVisa); err != nil {
		t.Fatal(err)
	}
	hWantError(t, e.post("/checkout", body), http.StatusConflict, payments.CodeAlreadyPaid)
	if s := e.status(hUSD); s != payments.StatusPaid {
		t.Fatalf("status = %s, want paid", s)
	}
	if n := e.srv.Executed(stripetest.OpCreateCheckoutSession); n != 2 {
		t.Errorf("sessions created = %d, want 2", n)
	}
}

// An intent confirmed by Stripe.js (with the client secret) is not handed
// out again as ready.
func TestHandlerIntentConfirmedElsewhere(t *testing.T) {
	e := hFakeEnv(t, hOpts{})
	body := hJSON(stripe.IntentRequest{OrderNumber: hUSD, PaymentMethodID: "pm_card_visa"})
	in := e.postOK("/intent", body)
	if again := e.postOK("/intent", body); again["payment_intent_id"] != in["payment_intent_id"] || again["client_secret"] != in["client_secret"] {
		t.Fatalf("repeat = %v, want the same intent %v", again, in)
	}
	if err := e.fake.SetStatus(in["payment_intent_id"].(string), payments.StatusPaid); err != nil {
		t.Fatal(err)
	}
	hWantError(t, e.post("/intent", body), http.StatusConflict, payments.CodeAlreadyPaid)
	if s := e.status(hUSD); s != payments.StatusPaid {
		t.Fatalf("status = %s, want paid", s)
	}

	// Waiting for 3-D Secure: the same intent, reported as it is.
	body = hJSON(stripe.IntentRequest{OrderNumber: hOrder3, PaymentMethodID: "pm_card_visa"})
	ref := e.postOK("/intent", body)["payment_intent_id"].(string)
	if err := e.fake.SetStatus(ref, payments.StatusRequiresAction); err != nil {
		t.Fatal(err)
	}
	if again := e.postOK("/intent", body); again["payment_intent_id"] != ref || again["status"] != "requires_action" {
		t.Fatalf("after a client-side confirm: %v", again)
	}
}

func TestHandlerCheckoutConfirmRefused(t *testing.T) {
	e := hStripeEnv(t, stripetest.Config{}, hOpts{})
	e.postOK("/checkout", hJSON(stripe.CheckoutRequest{OrderNumber: hUSD, SuccessURL: hOrigin + "/ok", CancelURL: hOrigin + "/no"}))
	hWantError(t, e.post("/confirm", `{"order_number":"`+hUSD+`"}`), http.StatusConflict, payments.CodeInvalidState)
	// A client-supplied PaymentIntent never becomes the attempt's.
	hWantError(t, e.post("/confirm", `{"order_number":"`+hUSD+`","payment_intent_id":"pi_`+strings.Repeat("A", 24)+`"}`), http.StatusConflict, payments.CodeInvalidState)
	if n := e.srv.Executed(stripetest.OpConfirmPaymentIntent); n != 0 {
		t.Errorf("confirms = %d", n)
	}
}

func TestHandlerIntentConfirm(t *testing.T) {
	e := hFakeEnv(t, hOpts{})
	in := e.postOK("/intent", hJSON(stripe.IntentRequest{OrderNumber: hUSD, PaymentMethodID: "pm_card_visa"}))
	ref, _ := in["payment_intent_id"].(string)
	if in["status"] != "ready" || ref == "" || in["client_secret"] != ref+"_secret" || in["order_number"] != hUSD {
		t.Fatalf("intent = %v", in)
	}
	out := e.postOK("/confirm", hJSON(stripe.ConfirmRequest{OrderNumber: hUSD}))
	if out["status"] != "paid" || out["gateway_reference"] != ref || out["next_action"] != nil {
		t.Fatalf("confirm = %v", out)
	}
	// A second confirm reports the same and takes nothing.
	again := e.postOK("/confirm", hJSON(stripe.ConfirmRequest{OrderNumber: hUSD}))
	if again["status"] != "paid" || e.fake.Confirmations(ref) != 1 {
		t.Fatalf("second confirm = %v, confirmations %d", again, e.fake.Confirmations(ref))
	}
	if logs := e.logs.String(); strings.Contains(logs, ref+"_secret") {
		t.Errorf("logs contain the client secret:\n%s", logs)
	}
}

func TestHandler3DSecureFake(t *testing.T) {
	e := hFakeEnv(t, hOpts{})
	const challenge = "https://hooks.stripe.test/3ds/challenge_123"
	e.fake.RequireAction(challenge)
	in := e.postOK("/intent", hJSON(stripe.IntentRequest{OrderNumber: hUSD, PaymentMethodID: "pm_card_threeDSecure2Required"}))
	ref := in["payment_intent_id"].(string)

	w := e.post("/confirm", hJSON(stripe.ConfirmRequest{OrderNumber: hUSD, ReturnURL: hOrigin + "/orders/" + hUSD + "/3ds"}))
	if w.Code != http.StatusOK {
		t.Fatalf("confirm: %d %s", w.Code, w.Body)
	}
	var got stripe.ConfirmResponse
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := &stripe.NextAction{Type: "redirect_to_url", RedirectToURL: challenge}
	if got.Status != payments.StatusRequiresAction || !cmp.Equal(got.NextAction, want) {
		t.Fatalf("confirm = %+v, next_action %+v", got.Payment, got.NextAction)
	}

	// Before the customer completes it, verify still says requires_action.
	if v := e.postOK("/verify", `{"order_number":"`+hUSD+`"}`); v["status"] != "requires_action" {
		t.Fatalf("verify before completion = %v", v["status"])
	}
	if err := e.fake.CompleteAction(ref); err != nil {
		t.Fatal(err)
	}
	v := e.postOK("/verify", `{"order_number":"`+hUSD+`"}`)
	if v["status"] != "paid" || v["paid_at"] == nil {
		t.Fatalf("verify after completion = %v", v)
	}
}

func TestHandler3DSecureStripetest(t *testing.T) {
	e := hStripeEnv(t, stripetest.Config{}, hOpts{})
	in := e.postOK("/intent", hJSON(stripe.IntentRequest{OrderNumber: hUSD, PaymentMethodID: stripetest.PMThreeDSecure}))
	pi := in["payment_intent_id"].(string)
	if !strings.HasPrefix(pi, "pi_") || !strings.HasPrefix(in["client_secret"].(string), pi+"_secret_") {
		t.Fatalf("intent = %v", in)
	}
	var got stripe.ConfirmResponse
	w := e.post("/confirm", hJSON(stripe.ConfirmRequest{OrderNumber: hUSD, PaymentIntentID: pi, ReturnURL: hOrigin + "/3ds-done"}))
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != http.StatusOK {
		t.Fatalf("confirm: %d %s", w.Code, w.Body)
	}
	if got.Status != payments.StatusRequiresAction || got.NextAction == nil || got.NextAction.Type != "redirect_to_url" ||
		!strings.HasPrefix(got.NextAction.RedirectToURL, hPublicURL+"/sandbox/3ds/") {
		t.Fatalf("confirm = %s", w.Body)
	}
	if err := e.srv.Authenticate(pi, true); err != nil {
		t.Fatal(err)
	}
	v := e.postOK("/verify", hJSON(stripe.VerifyRequest{OrderNumber: hUSD, PaymentIntentID: pi}))
	if v["status"] != "paid" || v["gateway_reference"] != pi {
		t.Fatalf("verify = %v", v)
	}
	if n := e.srv.Executed(stripetest.OpConfirmPaymentIntent); n != 1 {
		t.Errorf("confirms at Stripe = %d, want 1", n)
	}
}

func TestHandlerDeclineThenRetry(t *testing.T) {
	e := hStripeEnv(t, stripetest.Config{}, hOpts{})
	first := e.postOK("/intent", hJSON(stripe.IntentRequest{OrderNumber: hUSD, PaymentMethodID: stripetest.PMInsufficientFunds}))
	env := hWantError(t, e.post("/confirm", `{"order_number":"`+hUSD+`"}`), http.StatusPaymentRequired, payments.CodePaymentDeclined)
	if env["gateway_code"] != "insufficient_funds" {
		t.Errorf("gateway_code = %v", env["gateway_code"])
	}
	st := e.postOK("/verify", `{"order_number":"`+hUSD+`"}`)
	if st["status"] != "failed" {
		t.Fatalf("after decline: %v", st["status"])
	}

	second := e.postOK("/intent", hJSON(stripe.IntentRequest{OrderNumber: hUSD, PaymentMethodID: stripetest.PMVisa}))
	if second["payment_intent_id"] == first["payment_intent_id"] {
		t.Fatal("the retry reused the declined PaymentIntent")
	}
	out := e.postOK("/confirm", hJSON(stripe.ConfirmRequest{OrderNumber: hUSD, PaymentIntentID: second["payment_intent_id"].(string)}))
	if out["status"] != "paid" || out["gateway_reference"] != second["payment_intent_id"] {
		t.Fatalf("retry = %v", out)
	}
	atts := out["attempts"].([]any)
	if len(atts) != 2 || atts[0].(map[string]any)["status"] != "failed" {
		t.Errorf("attempts = %v", atts)
	}
	// The declined one cannot be confirmed any more.
	hWantError(t, e.post("/confirm", hJSON(stripe.ConfirmRequest{OrderNumber: hUSD, PaymentIntentID: first["payment_intent_id"].(string)})),
		http.StatusBadRequest, payments.CodeInvalidRequest)
}

func TestHandlerDeclineFake(t *testing.T) {
	e := hFakeEnv(t, hOpts{})
	e.fake.Decline("card_declined")
	e.postOK("/intent", hJSON(stripe.IntentRequest{OrderNumber: hUSD, PaymentMethodID: "pm_card_chargeDeclined"}))
	env := hWantError(t, e.post("/confirm", `{"order_number":"`+hUSD+`"}`), http.StatusPaymentRequired, payments.CodePaymentDeclined)
	if env["gateway_code"] != "card_declined" {
		t.Errorf("gateway_code = %v", env["gateway_code"])
	}
	e.fake.Approve()
	e.postOK("/intent", hJSON(stripe.IntentRequest{OrderNumber: hUSD, PaymentMethodID: "pm_card_visa"}))
	if out := e.postOK("/confirm", `{"order_number":"`+hUSD+`"}`); out["status"] != "paid" {
		t.Fatalf("retry = %v", out["status"])
	}
}

func TestHandlerGatewayUnavailable(t *testing.T) {
	e := hFakeEnv(t, hOpts{})
	e.fake.FailNext(1, payments.CodeGatewayUnavailable)
	hWantError(t, e.post("/intent", hJSON(stripe.IntentRequest{OrderNumber: hUSD, PaymentMethodID: "pm_card_visa"})),
		http.StatusServiceUnavailable, payments.CodeGatewayUnavailable)
}

// amountGateway reports every charge with a wrong amount, as a tampered
// or misconfigured Stripe object would.
type amountGateway struct{ *paymentstest.Gateway }

func (g amountGateway) Lookup(ctx context.Context, p *payments.LookupParams) (*payments.Charge, error) {
	ch, err := g.Gateway.Lookup(ctx, p)
	if ch != nil {
		ch.Amount++
	}
	return ch, err
}

func TestHandlerVerifyAmountMismatch(t *testing.T) {
	fake := paymentstest.NewGateway("stripe")
	e := hFakeEnv(t, hOpts{gateway: amountGateway{fake}})
	fake.RequireAction("https://hooks.stripe.test/3ds")
	in := e.postOK("/intent", hJSON(stripe.IntentRequest{OrderNumber: hUSD, PaymentMethodID: "pm_card_visa"}))
	if out := e.postOK("/confirm", `{"order_number":"`+hUSD+`"}`); out["status"] != "requires_action" {
		t.Fatalf("confirm = %v", out["status"])
	}
	if err := fake.CompleteAction(in["payment_intent_id"].(string)); err != nil {
		t.Fatal(err)
	}
	hWantError(t, e.post("/verify", `{"order_number":"`+hUSD+`"}`), http.StatusConflict, payments.CodeAmountMismatch)
	p, err := e.svc.Payment(t.Context(), hUSD)
	if err != nil || p.Status.Paid() {
		t.Fatalf("payment = %+v, %v; want not paid", p, err)
	}
}

func TestHandlerRefund(t *testing.T) {
	body := `{"order_number":"` + hUSD + `","amount":500,"reason":"Customer request"}`
	t.Run("no authorizer", func(t *testing.T) {
		e := hFakeEnv(t, hOpts{noAuth: true})
		hWantError(t, e.post("/refund", body, "Authorization", "Bearer "+hAdminToken), http.StatusForbidden, payments.CodeForbidden)
	})
	t.Run("stripetest", func(t *testing.T) {
		e := hStripeEnv(t, stripetest.Config{}, hOpts{})
		e.postOK("/intent", hJSON(stripe.IntentRequest{OrderNumber: hUSD, PaymentMethodID: stripetest.PMVisa}))
		e.postOK("/confirm", `{"order_number":"`+hUSD+`"}`)

		hWantError(t, e.post("/refund", body), http.StatusUnauthorized, payments.CodeUnauthorized)
		hWantError(t, e.post("/refund", body, "Authorization", "Bearer wrong-token"), http.StatusUnauthorized, payments.CodeUnauthorized)
		hWantError(t, e.post("/refund", body, "Authorization", "Basic "+hAdminToken), http.StatusUnauthorized, payments.CodeUnauthorized)
		if n := e.srv.Executed(stripetest.OpCreateRefund); n != 0 {
			t.Fatalf("refunds before authorization = %d", n)
		}

		auth := []string{"Authorization", "Bearer " + hAdminToken, "Idempotency-Key", "refund-1"}
		out := e.postOK("/refund", body, auth...)
		rf := out["refund"].(map[string]any)
		if out["status"] != "partially_refunded" || fmt.Sprint(out["refunded_amount"]) != "500" ||
			fmt.Sprint(out["refundable_amount"]) != "1499" || rf["status"] != "succeeded" || fmt.Sprint(rf["amount"]) != "500" {
			t.Fatalf("refund = %v", out)
		}
		// The same key and body: the first answer, nothing refunded again.
		again := e.post("/refund", body, auth...)
		if again.Code != http.StatusOK || again.Header().Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %d %v", again.Code, again.Header())
		}
		// The same key, another body: 409.
		hWantError(t, e.post("/refund", strings.Replace(body, "500", "600", 1), auth...), http.StatusConflict, payments.CodeIdempotencyKeyReused)
		if n := e.srv.Executed(stripetest.OpCreateRefund); n != 1 {
			t.Errorf("refunds at Stripe = %d, want 1", n)
		}
		// Bad refund requests, with the right token.
		admin := []string{"Authorization", "Bearer " + hAdminToken}
		for _, tc := range []struct {
			body   string
			status int
			code   payments.ErrorCode
		}{
			{`{"order_number":"ORD-NOPE","reason":"x"}`, 404, payments.CodeOrderNotFound},
			{`{"order_number":"` + hNoPay + `","reason":"x"}`, 404, payments.CodePaymentNotFound},
			{`{"order_number":"` + hUSD + `"}`, 400, payments.CodeInvalidRequest},
			{`{"order_number":"` + hUSD + `","amount":-1,"reason":"x"}`, 400, payments.CodeInvalidRequest},
			{`{"order_number":"` + hUSD + `","amount":"1","reason":"x"}`, 400, payments.CodeInvalidRequest},
			{`{"order_number":"` + hUSD + `","reason":"x","extra":1}`, 400, payments.CodeInvalidRequest},
		} {
			hWantError(t, e.post("/refund", tc.body, admin...), tc.status, tc.code)
		}
		hWantError(t, e.post("/refund", body, "Authorization", "Bearer "+hAdminToken, "Content-Type", "text/plain"),
			http.StatusUnsupportedMediaType, payments.CodeUnsupportedMediaType)
		// More than the balance.
		hWantError(t, e.post("/refund", `{"order_number":"`+hUSD+`","amount":5000,"reason":"x"}`, "Authorization", "Bearer "+hAdminToken),
			http.StatusConflict, payments.CodeRefundExceedsBalance)
	})
}

func TestHandlerIdempotencyKey(t *testing.T) {
	e := hFakeEnv(t, hOpts{})
	body := hJSON(stripe.IntentRequest{OrderNumber: hUSD, PaymentMethodID: "pm_card_visa"})
	first := e.post("/intent", body, "Idempotency-Key", "intent-1")
	second := e.post("/intent", body, "Idempotency-Key", "intent-1")
	if first.Code != 200 || second.Code != 200 || first.Body.String() != second.Body.String() {
		t.Fatalf("replay differs:\n%d %s\n%d %s", first.Code, first.Body, second.Code, second.Body)
	}
	if second.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay not marked: %v", second.Header())
	}
	prepares := 0
	for _, c := range e.fake.Calls() {
		if c.Op == "prepare" {
			prepares++
		}
	}
	if prepares != 1 {
		t.Errorf("prepares = %d, want 1", prepares)
	}
	other := hJSON(stripe.IntentRequest{OrderNumber: hUSD, PaymentMethodID: "pm_card_mastercard"})
	hWantError(t, e.post("/intent", other, "Idempotency-Key", "intent-1"), http.StatusConflict, payments.CodeIdempotencyKeyReused)

	// Keys are per route: the same key on /confirm is a new request.
	c1 := e.post("/confirm", `{"order_number":"`+hUSD+`"}`, "Idempotency-Key", "intent-1")
	if c1.Code != 200 || hMap(t, c1)["status"] != "paid" {
		t.Fatalf("confirm with the key: %d %s", c1.Code, c1.Body)
	}
	// Errors are replayed too (4xx), so a retry sees the same answer.
	bad := `{"order_number":"ORD-NOPE","payment_method_id":"pm_card_visa"}`
	hWantError(t, e.post("/intent", bad, "Idempotency-Key", "bad-1"), http.StatusNotFound, payments.CodeOrderNotFound)
	hWantError(t, e.post("/intent", bad, "Idempotency-Key", "bad-1"), http.StatusNotFound, payments.CodeOrderNotFound)
}

// The Stripe routes mounted under /payments/stripe/, as the example shop
// does, here against the in-process stripetest sandbox.
func ExampleNewHandler() {
	sandbox := stripetest.New(stripetest.Config{PublicURL: "https://sandbox.example", WebhookSecret: "whsec_example"})
	api := httptest.NewServer(sandbox)
	defer api.Close()

	gw, err := stripe.New(stripe.Config{SecretKey: "sk_test_example", BaseURL: api.URL})
	if err != nil {
		panic(err)
	}
	svc, err := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-20260122-001", Name: "Cool T-Shirt", Amount: 58990, Currency: payments.KRW}),
		Gateways: []payments.Gateway{gw},
	})
	if err != nil {
		panic(err)
	}
	h, err := stripe.NewHandler(stripe.HandlerConfig{
		Service:        svc,
		WebhookSecret:  payments.Secret(sandbox.WebhookSecret()), // STRIPE_WEBHOOK_SECRET in production
		AllowedOrigins: []string{"https://shop.example"},
		Authorize:      payments.BearerToken("admin-token"),
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/payments/stripe/", http.StripPrefix("/payments/stripe", h))
	shop := httptest.NewServer(mux)
	defer shop.Close()

	res, err := http.Post(shop.URL+"/payments/stripe/checkout", "application/json", strings.NewReader(`{
		"order_number": "ORD-20260122-001",
		"success_url": "https://shop.example/done?session_id={CHECKOUT_SESSION_ID}",
		"cancel_url": "https://shop.example/cart"}`))
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	var out stripe.CheckoutResponse
	_ = json.NewDecoder(res.Body).Decode(&out)
	fmt.Println(res.StatusCode, out.Status, strings.HasPrefix(out.URL, "https://sandbox.example/sandbox/checkout/cs_test_"))
	// Output: 200 ready true
}
