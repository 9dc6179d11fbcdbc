package toss_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/methods"
	"github.com/payments-go/payments/toss"
	"github.com/payments-go/payments/toss/tosstest"
)

// billingEnv is the handler over the real Toss gateway and tosstest.
func billingEnv(t *testing.T, cfg tosstest.Config) (*hEnv, *tosstest.Server) {
	t.Helper()
	fake, api := tosstest.NewTestServer(t, cfg)
	c, err := toss.NewClient(toss.ClientConfig{SecretKey: "test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R", BaseURL: api.URL, HTTPClient: api.Client(),
		RetryBackoff: time.Millisecond, RetryMaxBackoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	g, err := toss.NewGateway(toss.GatewayConfig{Client: c})
	if err != nil {
		t.Fatal(err)
	}
	return newHEnv(t, func(o *hOptions) { o.gateway = g }), fake
}

func (e *hEnv) billingReady(customer string) toss.BillingReadyResponse {
	e.t.Helper()
	rec := e.post("/billing/ready", map[string]any{"customer_id": customer, "success_url": hSuccessURL, "fail_url": hFailURL},
		"Authorization", "Bearer "+hAdminToken)
	if rec.Code != http.StatusOK {
		e.t.Fatalf("POST /billing/ready = %d %s", rec.Code, rec.Body)
	}
	var out toss.BillingReadyResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// callback turns one of the handler's absolute callback URLs, plus the
// query Toss appends, into a request path.
func callback(t *testing.T, abs string, add url.Values) string {
	t.Helper()
	u, err := url.Parse(abs)
	if err != nil || !strings.HasPrefix(abs, hBase) {
		t.Fatalf("callback URL %q is not under %s", abs, hBase)
	}
	q := u.Query()
	for k, vs := range add {
		q[k] = vs
	}
	return strings.TrimPrefix(u.Path, "/payments/toss") + "?" + q.Encode()
}

func TestBillingSaveChargeRemove(t *testing.T) {
	e, fake := billingEnv(t, tosstest.Config{})
	ready := e.billingReady("cust-42")
	w := ready.Toss
	if w.ClientKey != hClientKey || len(w.CustomerKey) < 20 || w.Request.Method != "CARD" ||
		w.Request.SuccessURL != w.SuccessURL || w.Request.FailURL != w.FailURL {
		t.Fatalf("billing window = %+v", w)
	}
	if again := e.billingReady("cust-42"); again.Toss.CustomerKey != w.CustomerKey {
		t.Error("a second save of the customer got another customerKey")
	}
	if other := e.billingReady("cust-43"); other.Toss.CustomerKey == w.CustomerKey {
		t.Error("two customers share a customerKey")
	}
	auth, err := fake.AuthorizeBilling(w.CustomerKey, "CARD")
	if err != nil {
		t.Fatal(err)
	}
	rec := e.get(callback(t, w.SuccessURL, url.Values{"customerKey": {w.CustomerKey}, "authKey": {auth}}), false)
	loc, q := location(t, rec)
	if !strings.HasPrefix(loc, "https://shop.example/checkout/done") || !strings.HasPrefix(q.Get("method_id"), "meth_") {
		t.Fatalf("billing success = %d to %s, want 303 to success_url with method_id", rec.Code, loc)
	}
	id := q.Get("method_id")
	// A repeated redirect (a reload) saves nothing more and issues no
	// second billing key.
	rec = e.get(callback(t, w.SuccessURL, url.Values{"customerKey": {w.CustomerKey}, "authKey": {auth}}), true)
	var view methods.View
	if err := json.Unmarshal(rec.Body.Bytes(), &view); err != nil || view.MethodID != id || view.Status != payments.MethodActive {
		t.Fatalf("repeated billing success = %d %s", rec.Code, rec.Body)
	}
	if n := len(fake.BillingKeys()); n != 1 {
		t.Errorf("billing keys at Toss = %d, want 1", n)
	}
	p, err := e.svc.Charge(t.Context(), payments.ChargeRequest{OrderNumber: hOrder, MethodID: id})
	if err != nil || p.Status != payments.StatusPaid {
		t.Fatalf("Charge = %v, %v", p, err)
	}
	if tp, ok := fake.Payment(hOrder); !ok || tp.Type != "BILLING" || tp.TotalAmount != hAmount {
		t.Errorf("Toss payment = %+v, want a BILLING payment of the order's amount", tp)
	}
	for _, hook := range fake.Webhooks() {
		if hook.EventType == tosstest.EventPaymentStatusChanged {
			t.Error("the fake sent PAYMENT_STATUS_CHANGED for a billing charge")
		}
	}
	m, err := e.svc.RemoveMethod(t.Context(), id)
	if err != nil || m.Status != payments.MethodRemoved || len(fake.BillingKeys()) != 0 {
		t.Fatalf("RemoveMethod = %+v, %v; keys left at Toss %d", m, err, len(fake.BillingKeys()))
	}
	if _, err := e.svc.Charge(t.Context(), payments.ChargeRequest{OrderNumber: hOrderOther, MethodID: id}); payments.Code(err) != payments.CodeMethodNotActive {
		t.Errorf("charge of a removed method = %v, want method_not_active", err)
	}
}

func TestBillingSuccessRefusesAnotherCustomerKey(t *testing.T) {
	e, fake := billingEnv(t, tosstest.Config{})
	victim := e.billingReady("victim").Toss
	attacker := e.billingReady("attacker").Toss
	auth, err := fake.AuthorizeBilling(attacker.CustomerKey, "CARD")
	if err != nil {
		t.Fatal(err)
	}
	// The attacker's own key and authKey on the victim's save.
	rec := e.get(callback(t, victim.SuccessURL, url.Values{"customerKey": {attacker.CustomerKey}, "authKey": {auth}}), false)
	loc, q := location(t, rec)
	if !strings.HasPrefix(loc, "https://shop.example/checkout/failed") || q.Get("code") != "invalid_request" {
		t.Fatalf("mismatched customerKey = %d to %s, want 303 to fail_url with invalid_request", rec.Code, loc)
	}
	if list, _ := e.svc.Methods(t.Context(), "victim"); len(list) != 0 {
		t.Errorf("a refused save stored %d methods", len(list))
	}
	if n := len(fake.BillingKeys()); n != 0 {
		t.Errorf("a refused save issued %d billing keys", n)
	}
}

func TestBillingDeletedWebhookRemovesTheMethod(t *testing.T) {
	e, fake := billingEnv(t, tosstest.Config{})
	w := e.billingReady("cust-1").Toss
	auth, _ := fake.AuthorizeBilling(w.CustomerKey, "CARD")
	_, q := location(t, e.get(callback(t, w.SuccessURL, url.Values{"customerKey": {w.CustomerKey}, "authKey": {auth}}), false))
	id := q.Get("method_id")
	keys := fake.BillingKeys()
	if len(keys) != 1 {
		t.Fatalf("billing keys = %d", len(keys))
	}
	if err := fake.DeleteBillingKeyAtToss(keys[0], "카드 해지"); err != nil {
		t.Fatal(err)
	}
	hooks := fake.Webhooks()
	body := hooks[len(hooks)-1].Body
	rec := e.serve(hReq{method: http.MethodPost, target: "/webhook", body: string(body),
		header: map[string]string{"tosspayments-webhook-transmission-id": "wh-1"}})
	if rec.Code != http.StatusOK {
		t.Fatalf("BILLING_DELETED = %d %s", rec.Code, rec.Body)
	}
	m, err := e.svc.Method(t.Context(), id)
	if err != nil || m.Status != payments.MethodRemoved || m.RemovedBy != "gateway" {
		t.Fatalf("method after BILLING_DELETED = %+v, %v; want removed by the gateway", m, err)
	}
	// An event naming a key that is not ours is acknowledged.
	rec = e.serve(hReq{method: http.MethodPost, target: "/webhook",
		body: `{"eventType":"BILLING_DELETED","createdAt":"2026-01-22T10:00:00.000000","data":{"billingKey":"unknown=","reason":null}}`})
	if rec.Code != http.StatusOK {
		t.Errorf("BILLING_DELETED of an unknown key = %d, want 200", rec.Code)
	}
}

func TestBillingChargeWithoutDeleteEndpoint(t *testing.T) {
	// Where Toss serves no DELETE /v1/billing/{billingKey}, the library
	// forgets the key and never charges it again.
	e, fake := billingEnv(t, tosstest.Config{NoBillingDelete: true})
	w := e.billingReady("cust-1").Toss
	auth, _ := fake.AuthorizeBilling(w.CustomerKey, "CARD")
	_, q := location(t, e.get(callback(t, w.SuccessURL, url.Values{"customerKey": {w.CustomerKey}, "authKey": {auth}}), false))
	m, err := e.svc.RemoveMethod(t.Context(), q.Get("method_id"))
	if err != nil || m.Status != payments.MethodRemoved {
		t.Fatalf("RemoveMethod without the endpoint = %+v, %v", m, err)
	}
}

func TestBillingRoutesRefuseBadInput(t *testing.T) {
	e, _ := billingEnv(t, tosstest.Config{})
	admin := []string{"Authorization", "Bearer " + hAdminToken}
	for _, tc := range []struct {
		name string
		body string
		hdr  []string
		code int
		want payments.ErrorCode
	}{
		{"no authorizer credentials", `{"customer_id":"c","success_url":"` + hSuccessURL + `","fail_url":"` + hFailURL + `"}`, nil, 401, payments.CodeUnauthorized},
		{"unknown field", `{"customer_id":"c","success_url":"` + hSuccessURL + `","fail_url":"` + hFailURL + `","x":1}`, admin, 400, payments.CodeInvalidRequest},
		{"duplicate key", `{"customer_id":"c","customer_id":"d","success_url":"` + hSuccessURL + `","fail_url":"` + hFailURL + `"}`, admin, 400, payments.CodeInvalidRequest},
		{"case variant", `{"Customer_ID":"c","success_url":"` + hSuccessURL + `","fail_url":"` + hFailURL + `"}`, admin, 400, payments.CodeInvalidRequest},
		{"no customer", `{"success_url":"` + hSuccessURL + `","fail_url":"` + hFailURL + `"}`, admin, 400, payments.CodeInvalidRequest},
		{"foreign success_url", `{"customer_id":"c","success_url":"https://evil.example/","fail_url":"` + hFailURL + `"}`, admin, 400, payments.CodeRedirectNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := e.post("/billing/ready", tc.body, tc.hdr...)
			if got := errorCode(t, rec); rec.Code != tc.code || got.Code != tc.want {
				t.Errorf("= %d %s, want %d %s", rec.Code, got.Code, tc.code, tc.want)
			}
		})
	}
	if rec := e.get("/billing/success?setup=setup_x&customerKey=a&customerKey=b&authKey=c", true); rec.Code != 400 {
		t.Errorf("repeated customerKey = %d, want 400", rec.Code)
	}
	if rec := e.get("/billing/success?setup=setup_unknown&customerKey=ck_x&authKey=c", true); rec.Code != 404 {
		t.Errorf("unknown setup = %d, want 404 method_not_found", rec.Code)
	}
	if rec := e.get("/billing/fail?setup=setup_unknown&code=PAY_PROCESS_CANCELED", false); rec.Code != 404 {
		t.Errorf("fail of an unknown setup = %d, want 404", rec.Code)
	}
}

func TestBillingReadyDeniedByDefault(t *testing.T) {
	e := newHEnv(t, func(o *hOptions) { o.authorize = nil })
	rec := e.post("/billing/ready", map[string]any{"customer_id": "c", "success_url": hSuccessURL, "fail_url": hFailURL})
	if rec.Code != http.StatusForbidden {
		t.Fatalf("billing ready without any authorizer = %d, want 403", rec.Code)
	}
}

func TestBillingChargeAnswerLost(t *testing.T) {
	// Toss charged, the answer never arrived: the retry with the same
	// Idempotency-Key gets the first answer, and the money is taken once.
	e, fake := billingEnv(t, tosstest.Config{})
	w := e.billingReady("cust-1").Toss
	auth, _ := fake.AuthorizeBilling(w.CustomerKey, "CARD")
	_, q := location(t, e.get(callback(t, w.SuccessURL, url.Values{"customerKey": {w.CustomerKey}, "authKey": {auth}}), false))
	fake.DropAfterProcessing(1)
	p, err := e.svc.Charge(t.Context(), payments.ChargeRequest{OrderNumber: hOrder, MethodID: q.Get("method_id")})
	if err != nil || p.Status != payments.StatusPaid {
		t.Fatalf("Charge after a lost answer = %v, %v; want paid", p, err)
	}
	if n := fake.Executions(tosstest.OpChargeBillingKey, hOrder); n != 1 {
		t.Errorf("billing charges executed at Toss = %d, want 1", n)
	}
	keys := map[string]bool{}
	for _, c := range fake.Calls() {
		if c.Op == tosstest.OpChargeBillingKey {
			keys[c.IdempotencyKey] = true
		}
	}
	if len(keys) != 1 {
		t.Errorf("the charge was sent under %d idempotency keys, want 1", len(keys))
	}
}
