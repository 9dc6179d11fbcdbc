package otel_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/httpapi"
	"github.com/payments-go/payments/memstore"
	paymentsotel "github.com/payments-go/payments/otel"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/stripe/stripetest"
	"github.com/payments-go/payments/toss"
	"github.com/payments-go/payments/toss/tosstest"
)

const (
	tossSecret   = "test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R"
	tossClient   = "test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq"
	stripeSecret = "sk_test_otelSecretKey123"
	adminToken   = "admin-token-for-otel"
)

// env is the library over both fakes, observed by the otel Trace with
// the SDK's in-memory exporters.
type env struct {
	t      *testing.T
	spans  *tracetest.InMemoryExporter
	reader *sdkmetric.ManualReader
	svc    *payments.Service
	api    http.Handler
	toss   *tosstest.Server
	stripe *stripetest.Server
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, spans: tracetest.NewInMemoryExporter(), reader: sdkmetric.NewManualReader()}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(e.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader))
	tr, err := paymentsotel.New(paymentsotel.Config{TracerProvider: tp, MeterProvider: mp})
	if err != nil {
		t.Fatal(err)
	}

	e.toss = tosstest.New(tosstest.Config{})
	tossAPI := httptest.NewServer(e.toss)
	t.Cleanup(tossAPI.Close)
	tc, err := toss.NewClient(toss.ClientConfig{SecretKey: tossSecret, BaseURL: tossAPI.URL})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := toss.NewGateway(toss.GatewayConfig{Client: tc})
	if err != nil {
		t.Fatal(err)
	}
	stripeFake := stripetest.New(stripetest.Config{})
	e.stripe = stripeFake
	t.Cleanup(func() { stripeFake.Close() })
	stripeAPI := httptest.NewServer(stripeFake)
	t.Cleanup(stripeAPI.Close)
	sg, err := stripe.New(stripe.Config{SecretKey: stripeSecret, BaseURL: stripeAPI.URL})
	if err != nil {
		t.Fatal(err)
	}
	e.svc, err = payments.NewService(payments.Config{
		Store: memstore.New(),
		Orders: payments.NewOrderBook(
			payments.Order{Number: "ORD-20260122-001", Name: "Cool T-Shirt 외 1건", Amount: 58990, Currency: payments.KRW},
			payments.Order{Number: "ORD-USD-0001", Name: "Hoodie", Amount: 2500, Currency: payments.USD},
			payments.Order{Number: "ORD-USD-0002", Name: "Cap", Amount: 1500, Currency: payments.USD},
			payments.Order{Number: "ORD-USD-0003", Name: "Socks", Amount: 900, Currency: payments.USD},
		),
		Gateways: []payments.Gateway{tg, sg},
		Trace:    tr,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.api, err = httpapi.New(httpapi.Config{
		Service: e.svc, PublicURL: "https://shop.example",
		Authorize: payments.BearerToken(adminToken),
		Toss:      &httpapi.TossConfig{ClientKey: tossClient},
		Stripe:    &httpapi.StripeConfig{WebhookSecret: payments.Secret(stripeFake.WebhookSecret())},
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) do(method, target, body string, header ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, target, nil)
	} else {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	e.api.ServeHTTP(w, r)
	return w
}

// span returns the one ended span named name.
func (e *env) span(name string) tracetest.SpanStub {
	e.t.Helper()
	var found []tracetest.SpanStub
	for _, s := range e.spans.GetSpans() {
		if s.Name == name {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		var names []string
		for _, s := range e.spans.GetSpans() {
			names = append(names, s.Name)
		}
		e.t.Fatalf("%d spans named %q; spans: %q", len(found), name, names)
	}
	return found[0]
}

func attr(kvs []attribute.KeyValue, key string) (attribute.Value, bool) {
	for _, kv := range kvs {
		if string(kv.Key) == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

func wantAttrs(t *testing.T, what string, kvs []attribute.KeyValue, want map[string]any) {
	t.Helper()
	for k, v := range want {
		got, ok := attr(kvs, k)
		if !ok {
			t.Errorf("%s: no attribute %s", what, k)
			continue
		}
		if got.AsInterface() != v {
			t.Errorf("%s: %s = %v, want %v", what, k, got.AsInterface(), v)
		}
	}
}

// sum returns the value of counter name at the point with exactly the
// given attribute values among its attributes.
func (e *env) sum(name string, match map[string]string) int64 {
	e.t.Helper()
	var rm metricdata.ResourceMetrics
	if err := e.reader.Collect(context.Background(), &rm); err != nil {
		e.t.Fatal(err)
	}
	var total int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					if matches(p.Attributes, match) {
						total += p.Value
					}
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					if matches(p.Attributes, match) {
						total += int64(p.Count)
					}
				}
			}
		}
	}
	return total
}

func matches(set attribute.Set, match map[string]string) bool {
	for k, v := range match {
		got, ok := set.Value(attribute.Key(k))
		if !ok || got.Emit() != v {
			return false
		}
	}
	return true
}

// A Toss card payment through the mounted routes: a span per route, the
// gateway's confirm as a child of the success callback's span, and the
// metric points of the call and of the status change.
func TestTossCardFlow(t *testing.T) {
	e := newEnv(t)
	ready := e.do("POST", "/payments/toss/ready", `{"order_number":"ORD-20260122-001","amount":58990,"order_name":"Cool T-Shirt 외 1건",
		"method":"CARD","success_url":"https://shop.example/ok","fail_url":"https://shop.example/fail"}`)
	if ready.Code != 200 {
		t.Fatalf("ready: %d %s", ready.Code, ready.Body)
	}
	var rr struct {
		Toss struct {
			OrderID string `json:"order_id"`
		} `json:"toss"`
	}
	if err := json.Unmarshal(ready.Body.Bytes(), &rr); err != nil {
		t.Fatal(err)
	}
	key, err := e.toss.Authorize(rr.Toss.OrderID, 58990, "Cool T-Shirt 외 1건", "CARD")
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"paymentKey": {key}, "orderId": {rr.Toss.OrderID}, "amount": {"58990"}}
	if w := e.do("GET", "/payments/toss/success?"+q.Encode(), ""); w.Code != http.StatusSeeOther {
		t.Fatalf("success: %d %s", w.Code, w.Body)
	}

	readySpan := e.span("payments POST toss/ready")
	wantAttrs(t, "ready span", readySpan.Attributes, map[string]any{"payments.gateway": "toss", "http.response.status_code": int64(200)})
	if readySpan.SpanKind != trace.SpanKindServer {
		t.Errorf("ready span kind %v", readySpan.SpanKind)
	}
	success := e.span("payments GET toss/success")
	confirm := e.span("payments toss confirm")
	if confirm.Parent.SpanID() != success.SpanContext.SpanID() || confirm.SpanKind != trace.SpanKindClient {
		t.Errorf("the confirm span's parent is %v, want the success callback's span %v", confirm.Parent.SpanID(), success.SpanContext.SpanID())
	}
	wantAttrs(t, "confirm span", confirm.Attributes, map[string]any{"payments.gateway": "toss", "payments.operation": "confirm",
		"payments.order_number": "ORD-20260122-001", "payments.attempt": int64(1), "payments.retries": int64(0), "payments.replayed": false})
	if _, ok := attr(confirm.Attributes, "payments.code"); ok {
		t.Errorf("a successful confirm has a payments.code")
	}

	if n := e.sum("payments.gateway.call.duration", map[string]string{"payments.gateway": "toss", "payments.operation": "confirm", "payments.code": ""}); n != 1 {
		t.Errorf("confirm duration points: %d, want 1", n)
	}
	if n := e.sum("payments.status_changes", map[string]string{"payments.gateway": "toss", "payments.to": "paid"}); n != 1 {
		t.Errorf("status changes to paid: %d, want 1", n)
	}
	checkNoSecrets(t, e)
}

// A Stripe refund through the admin route: its span, the gateway's refund
// as its child, and the refund counted pending then succeeded.
func TestStripeRefund(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-USD-0001", Gateway: "stripe", PaymentMethod: stripetest.PMVisa}); err != nil {
		t.Fatal(err)
	}
	if p, err := e.svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-USD-0001", Gateway: "stripe"}); err != nil || p.Status != payments.StatusPaid {
		t.Fatalf("confirm: %v %v", p, err)
	}
	w := e.do("POST", "/payments/stripe/refund", `{"order_number":"ORD-USD-0001","amount":1000,"reason":"damaged"}`, "Authorization", "Bearer "+adminToken)
	if w.Code != 200 {
		t.Fatalf("refund: %d %s", w.Code, w.Body)
	}
	route := e.span("payments POST stripe/refund")
	refund := e.span("payments stripe refund")
	if refund.Parent.SpanID() != route.SpanContext.SpanID() {
		t.Errorf("the refund span's parent is not the route's span")
	}
	wantAttrs(t, "refund span", refund.Attributes, map[string]any{"payments.gateway": "stripe", "payments.operation": "refund",
		"payments.order_number": "ORD-USD-0001"})
	wantAttrs(t, "route span", route.Attributes, map[string]any{"http.response.status_code": int64(200)})
	for _, status := range []string{"pending", "succeeded"} {
		if n := e.sum("payments.refunds", map[string]string{"payments.gateway": "stripe", "payments.status": status}); n != 1 {
			t.Errorf("refunds %s: %d, want 1", status, n)
		}
	}
	if n := e.sum("payments.gateway.call.duration", map[string]string{"payments.gateway": "stripe", "payments.operation": "refund"}); n != 1 {
		t.Errorf("refund duration points: %d, want 1", n)
	}
	// A refused admin request is a route span with its status, and no
	// gateway call.
	if w := e.do("POST", "/payments/stripe/refund", `{"order_number":"ORD-USD-0001","reason":"x"}`); w.Code != 401 {
		t.Fatalf("unauthorised refund: %d", w.Code)
	}
	var statuses []int64
	for _, s := range e.spans.GetSpans() {
		if s.Name == "payments POST stripe/refund" {
			v, _ := attr(s.Attributes, "http.response.status_code")
			statuses = append(statuses, v.AsInt64())
		}
	}
	if !slices.Equal(statuses, []int64{200, 401}) {
		t.Errorf("refund route statuses %v, want [200 401]", statuses)
	}
	checkNoSecrets(t, e)
}

// authorized prepares and confirms order at Stripe with manual capture,
// paying with the test method pm.
func (e *env) authorized(order, pm string) {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: order, Gateway: "stripe", PaymentMethod: pm, Capture: payments.CaptureManual}); err != nil {
		e.t.Fatal(err)
	}
	if p, err := e.svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: order, Gateway: "stripe"}); err != nil || p.Status != payments.StatusAuthorized {
		e.t.Fatalf("confirm with manual capture: %v %v", p, err)
	}
}

// wantChild checks that the one span named child is a client span, a
// child of the one span named parent, for operation op of order.
func (e *env) wantChild(parent, child, op, order string) {
	e.t.Helper()
	p, c := e.span(parent), e.span(child)
	if c.Parent.SpanID() != p.SpanContext.SpanID() || c.SpanKind != trace.SpanKindClient {
		e.t.Errorf("span %q: parent %v kind %v, want a client span under %q", child, c.Parent.SpanID(), c.SpanKind, parent)
	}
	wantAttrs(e.t, child, c.Attributes, map[string]any{"payments.gateway": "stripe", "payments.operation": op, "payments.order_number": order})
}

// Manual capture, void and a dispute through the admin routes: each
// gateway call is a span under its route's span, and the captures, voids,
// status changes and disputes are counted.
func TestStripeCaptureVoidDispute(t *testing.T) {
	e := newEnv(t)
	e.authorized("ORD-USD-0001", stripetest.PMCreateDispute)
	if w := e.do("POST", "/payments/stripe/capture", `{"order_number":"ORD-USD-0001"}`, "Authorization", "Bearer "+adminToken); w.Code != 200 {
		t.Fatalf("capture: %d %s", w.Code, w.Body)
	}
	e.wantChild("payments POST stripe/capture", "payments stripe capture", "capture", "ORD-USD-0001")
	for _, status := range []string{"pending", "succeeded"} {
		if n := e.sum("payments.captures", map[string]string{"payments.gateway": "stripe", "payments.status": status}); n != 1 {
			t.Errorf("captures %s: %d, want 1", status, n)
		}
	}
	if n := e.sum("payments.status_changes", map[string]string{"payments.gateway": "stripe", "payments.from": "authorized", "payments.to": "paid"}); n != 1 {
		t.Errorf("status changes authorized → paid: %d, want 1", n)
	}
	if n := e.sum("payments.gateway.call.duration", map[string]string{"payments.gateway": "stripe", "payments.operation": "capture", "payments.code": ""}); n != 1 {
		t.Errorf("capture duration points: %d, want 1", n)
	}

	e.authorized("ORD-USD-0002", stripetest.PMVisa)
	if w := e.do("POST", "/payments/stripe/void", `{"order_number":"ORD-USD-0002","reason":"out of stock"}`, "Authorization", "Bearer "+adminToken); w.Code != 200 {
		t.Fatalf("void: %d %s", w.Code, w.Body)
	}
	e.wantChild("payments POST stripe/void", "payments stripe void", "void", "ORD-USD-0002")
	for _, status := range []string{"pending", "succeeded"} {
		if n := e.sum("payments.voids", map[string]string{"payments.gateway": "stripe", "payments.status": status}); n != 1 {
			t.Errorf("voids %s: %d, want 1", status, n)
		}
	}
	if n := e.sum("payments.captures", nil); n != 2 {
		t.Errorf("capture points after a void: %d, want the 2 of the capture", n)
	}
	if n := e.sum("payments.status_changes", map[string]string{"payments.gateway": "stripe", "payments.from": "authorized", "payments.to": "canceled"}); n != 1 {
		t.Errorf("status changes authorized → canceled: %d, want 1", n)
	}
	// A capture of the voided order is refused before any gateway call.
	if w := e.do("POST", "/payments/stripe/capture", `{"order_number":"ORD-USD-0002"}`, "Authorization", "Bearer "+adminToken); w.Code != 409 {
		t.Fatalf("capture after void: %d %s", w.Code, w.Body)
	}
	e.span("payments stripe capture") // still the one

	// The test card disputes the captured payment; a refresh reads it,
	// and accepting it closes it.
	p, err := e.svc.Refresh(context.Background(), payments.RefreshRequest{OrderNumber: "ORD-USD-0001", Disputes: true})
	if err != nil || len(p.Disputes) != 1 {
		t.Fatalf("refresh: %v %v", p, err)
	}
	if n := e.sum("payments.disputes", map[string]string{"payments.gateway": "stripe", "payments.event": "opened", "payments.status": "needs_response"}); n != 1 {
		t.Errorf("disputes opened: %d, want 1", n)
	}
	body := `{"order_number":"ORD-USD-0001","dispute_id":"` + p.Disputes[0].ID + `"}`
	if w := e.do("POST", "/payments/stripe/dispute/close", body, "Authorization", "Bearer "+adminToken); w.Code != 200 {
		t.Fatalf("close dispute: %d %s", w.Code, w.Body)
	}
	e.wantChild("payments POST stripe/dispute/close", "payments stripe close_dispute", "close_dispute", "ORD-USD-0001")
	if n := e.sum("payments.disputes", map[string]string{"payments.gateway": "stripe", "payments.event": "closed", "payments.status": "lost"}); n != 1 {
		t.Errorf("disputes closed lost: %d, want 1", n)
	}
	checkNoSecrets(t, e)
}

// A saved method saved, then charged without the customer: the save's
// and the charge's gateway calls are spans, the payment's status change and the saved method are
// counted, and no customer or method handle reaches the telemetry.
func TestStripeSavedMethodCharge(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	started, err := e.svc.StartSave(ctx, payments.StartSaveRequest{Gateway: "stripe", CustomerID: "cust-otel",
		SuccessURL: "https://shop.example/saved", FailURL: "https://shop.example/cart",
		CallbackSuccessURL: "https://shop.example/payments/stripe/setup/done", CallbackCancelURL: "https://shop.example/cart"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.stripe.CompleteSetup(started.Session, stripetest.PMVisa); err != nil {
		t.Fatal(err)
	}
	saved, err := e.svc.FinishSave(ctx, payments.FinishSaveRequest{Gateway: "stripe", Session: started.Session})
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"create_customer", "start_save", "finish_save"} {
		sp := e.span("payments stripe " + op)
		wantAttrs(t, op+" span", sp.Attributes, map[string]any{"payments.gateway": "stripe", "payments.operation": op})
		if _, ok := attr(sp.Attributes, "payments.order_number"); ok || sp.SpanKind != trace.SpanKindClient {
			t.Errorf("%s span: kind %v, order attribute present %v; want a client span about no order", op, sp.SpanKind, ok)
		}
	}
	p, err := e.svc.Charge(ctx, payments.ChargeRequest{OrderNumber: "ORD-USD-0003", MethodID: saved.Method.ID})
	if err != nil || p.Status != payments.StatusPaid {
		t.Fatalf("charge: %v %v", p, err)
	}
	charge := e.span("payments stripe charge")
	wantAttrs(t, "charge span", charge.Attributes, map[string]any{"payments.gateway": "stripe", "payments.operation": "charge",
		"payments.order_number": "ORD-USD-0003", "payments.attempt": int64(1)})
	if n := e.sum("payments.gateway.call.duration", map[string]string{"payments.gateway": "stripe", "payments.operation": "charge", "payments.code": ""}); n != 1 {
		t.Errorf("charge duration points: %d, want 1", n)
	}
	if n := e.sum("payments.status_changes", map[string]string{"payments.gateway": "stripe", "payments.to": "paid"}); n != 1 {
		t.Errorf("status changes to paid: %d, want 1", n)
	}
	if n := e.sum("payments.methods", map[string]string{"payments.gateway": "stripe", "payments.event": "saved"}); n != 1 {
		t.Errorf("methods saved: %d, want 1", n)
	}
	checkNoSecrets(t, e)
	m, err := e.svc.Method(ctx, saved.Method.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range e.spans.GetSpans() {
		for _, kv := range s.Attributes {
			if v := kv.Value.Emit(); strings.Contains(v, m.GatewayCustomer.Reveal()) || strings.Contains(v, "pm_") {
				t.Errorf("span %q attribute %s carries a gateway handle: %s", s.Name, kv.Key, v)
			}
		}
	}
}

// No attribute of any span or metric carries a secret.
func checkNoSecrets(t *testing.T, e *env) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := e.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, s := range e.spans.GetSpans() {
		all = append(all, s.Name)
		for _, kv := range s.Attributes {
			all = append(all, kv.Value.Emit())
		}
	}
	b, _ := json.Marshal(rm)
	all = append(all, string(b))
	for _, secret := range []string{tossSecret, stripeSecret, adminToken, "whsec_", "_secret_", "ps_"} {
		for _, s := range all {
			if strings.Contains(s, secret) {
				t.Errorf("telemetry contains %q: %s", secret, s)
			}
		}
	}
}
