package tosstest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// billingKeyShape: 44 characters of URL-safe base64 ending in "=", with
// "-" and "_" (the observed shape of real billing keys).
var billingKeyShape = regexp.MustCompile(`^[A-Za-z0-9_-]{43}=$`)

func (f *fixture) issueBilling(customerKey string, hdr map[string]string) (string, int, []byte) {
	f.t.Helper()
	auth, err := f.s.AuthorizeBilling(customerKey, "CARD")
	if err != nil {
		f.t.Fatal(err)
	}
	status, body := f.do(http.MethodPost, "/v1/billing/authorizations/issue", map[string]any{"authKey": auth, "customerKey": customerKey}, hdr)
	var b struct {
		BillingKey string `json:"billingKey"`
	}
	_ = json.Unmarshal(body, &b)
	return b.BillingKey, status, body
}

func chargeBody(customerKey, orderID string, amount int64) map[string]any {
	return map[string]any{"customerKey": customerKey, "amount": amount, "orderId": orderID, "orderName": "월간 구독",
		"customerIp": nil, "useCardPoint": nil}
}

func TestBillingIssueAndCharge(t *testing.T) {
	f := newFixture(t, Config{})
	const ck = "ck_Ab-_=.@x9"
	key, status, body := f.issueBilling(ck, nil)
	if status != 200 || !billingKeyShape.MatchString(key) || !strings.ContainsAny(key, "-") || !strings.ContainsAny(key, "_") {
		t.Fatalf("issue = %d %s; billing key %q", status, body, key)
	}
	var b map[string]any
	_ = json.Unmarshal(body, &b)
	if b["customerKey"] != ck || b["method"] != "카드" || b["card"] == nil {
		t.Errorf("Billing = %s", body)
	}
	// The key raw in the path, and percent-encoded.
	for i, path := range []string{"/v1/billing/" + key, "/v1/billing/" + strings.ReplaceAll(key, "=", "%3D")} {
		orderID := []string{"SUB-000001", "SUB-000002"}[i]
		status, body = f.do(http.MethodPost, path, chargeBody(ck, orderID, 9900), map[string]string{"Idempotency-Key": "k-" + orderID})
		p := decodePayment(t, body)
		if status != 200 || p.Type != "BILLING" || p.Status != StatusDone || p.TotalAmount != 9900 || p.Card == nil {
			t.Fatalf("charge %d = %d %s", i, status, body)
		}
	}
	for _, h := range f.s.Webhooks() {
		if h.EventType == EventPaymentStatusChanged {
			t.Error("a billing approval sent PAYMENT_STATUS_CHANGED")
		}
	}
	// The same Idempotency-Key replays the first answer; the charge runs once.
	status, _ = f.do(http.MethodPost, "/v1/billing/"+key, chargeBody(ck, "SUB-000001", 9900), map[string]string{"Idempotency-Key": "k-SUB-000001"})
	if status != 200 || f.s.Executions(OpChargeBillingKey, "SUB-000001") != 1 {
		t.Errorf("replay = %d, executions %d; want 200 and 1", status, f.s.Executions(OpChargeBillingKey, "SUB-000001"))
	}
	status, body = f.do(http.MethodGet, "/v1/payments/orders/SUB-000001", nil, nil)
	if p := decodePayment(t, body); status != 200 || p.Type != "BILLING" {
		t.Errorf("billing charge by orderId = %d %s", status, body)
	}
}

func TestBillingErrors(t *testing.T) {
	f := newFixture(t, Config{})
	const ck = "ck_customer_1"
	key, _, _ := f.issueBilling(ck, nil)
	auth, _ := f.s.AuthorizeBilling(ck, "CARD")
	usedAuth, _ := f.s.AuthorizeBilling(ck, "CARD")
	f.do(http.MethodPost, "/v1/billing/authorizations/issue", map[string]any{"authKey": usedAuth, "customerKey": ck}, nil)
	widget := map[string]string{"Authorization": basic("test_gsk_docsOaRpyqvaL1ZJ4B8m9z7GWqk0")}
	for _, tc := range []struct {
		name, path string
		body       any
		hdr        map[string]string
		status     int
		code       string
	}{
		{"wrong customerKey", "/v1/billing/" + key, chargeBody("ck_customer_2", "SUB-100001", 9900), nil, 400, "NOT_MATCHES_CUSTOMER_KEY"},
		{"unknown key", "/v1/billing/" + strings.Repeat("A", 43) + "=", chargeBody(ck, "SUB-100002", 9900), nil, 404, "NOT_FOUND_BILLING"},
		{"zero amount", "/v1/billing/" + key, chargeBody(ck, "SUB-100003", 0), nil, 400, "BELOW_ZERO_AMOUNT"},
		{"bad orderId", "/v1/billing/" + key, chargeBody(ck, "x", 9900), nil, 400, "INVALID_ORDER_ID"},
		{"widget key", "/v1/billing/" + key, chargeBody(ck, "SUB-100004", 9900), widget, 400, "INVALID_API_KEY"},
		{"used authKey", "/v1/billing/authorizations/issue", map[string]any{"authKey": usedAuth, "customerKey": ck}, nil, 400, "INVALID_BILLING_AUTH"},
		{"authKey of another customer", "/v1/billing/authorizations/issue", map[string]any{"authKey": auth, "customerKey": "ck_someone"}, nil, 400, "NOT_MATCHES_CUSTOMER_KEY"},
		{"anonymous customerKey", "/v1/billing/authorizations/issue", map[string]any{"authKey": auth, "customerKey": "@@ANONYMOUS"}, nil, 400, "INVALID_CUSTOMER_KEY"},
		{"customerKey too long", "/v1/billing/authorizations/issue", map[string]any{"authKey": auth, "customerKey": strings.Repeat("a", 51)}, nil, 400, "INVALID_CUSTOMER_KEY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.do(http.MethodPost, tc.path, tc.body, tc.hdr)
			wantError(t, status, body, tc.status, tc.code)
		})
	}
	if status, body := f.do(http.MethodPost, "/v1/billing/"+key, chargeBody(ck, "SUB-200001", 9900), nil); status != 200 {
		t.Fatalf("charge = %d %s", status, body)
	}
	status, body := f.do(http.MethodPost, "/v1/billing/"+key, chargeBody(ck, "SUB-200001", 9900), nil)
	wantError(t, status, body, 400, "DUPLICATED_ORDER_ID")
	if err := f.s.DeclineBilling(key, "REJECT_CARD_PAYMENT"); err != nil {
		t.Fatal(err)
	}
	status, body = f.do(http.MethodPost, "/v1/billing/"+key, chargeBody(ck, "SUB-200002", 9900), nil)
	wantError(t, status, body, 403, "REJECT_CARD_PAYMENT")
}

func TestBillingDelete(t *testing.T) {
	f := newFixture(t, Config{})
	const ck = "ck_customer_1"
	key, _, _ := f.issueBilling(ck, nil)
	if status, body := f.do(http.MethodDelete, "/v1/billing/"+key, nil, nil); status != 200 || string(body) != "{}" {
		t.Fatalf("DELETE = %d %s, want 200 {}", status, body)
	}
	status, body := f.do(http.MethodPost, "/v1/billing/"+key, chargeBody(ck, "SUB-300001", 9900), nil)
	wantError(t, status, body, 404, "NOT_FOUND_BILLING")

	key2, _, _ := f.issueBilling(ck, nil)
	if err := f.s.DeleteBillingKeyAtToss(key2, "고객 해지"); err != nil {
		t.Fatal(err)
	}
	hooks := f.s.Webhooks()
	last := hooks[len(hooks)-1]
	var ev struct {
		EventType string `json:"eventType"`
		Data      struct {
			BillingKey string `json:"billingKey"`
			Reason     string `json:"reason"`
		} `json:"data"`
	}
	if err := json.Unmarshal(last.Body, &ev); err != nil || ev.EventType != EventBillingDeleted || ev.Data.BillingKey != key2 {
		t.Fatalf("webhook = %s", last.Body)
	}

	g := newFixture(t, Config{NoBillingDelete: true})
	key3, _, _ := g.issueBilling(ck, nil)
	status, body = g.do(http.MethodDelete, "/v1/billing/"+key3, nil, nil)
	wantError(t, status, body, 404, "NOT_FOUND")
}

func TestBillingSandboxPage(t *testing.T) {
	f := newFixture(t, Config{})
	u := f.s.BillingAuthURL("test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq", "ck_customer_1", "https://shop.example/ok?x=1", "https://shop.example/fail")
	req := httptest.NewRequest(http.MethodGet, u, nil)
	rec := httptest.NewRecorder()
	f.s.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `id="billing-approve"`) {
		t.Fatalf("billing page = %d %s", rec.Code, rec.Body)
	}
	form := url.Values{"clientKey": {"test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq"}, "customerKey": {"ck_customer_1"},
		"successUrl": {"https://shop.example/ok?x=1"}, "failUrl": {"https://shop.example/fail"}, "action": {"approve"}}
	req = httptest.NewRequest(http.MethodPost, "/sandbox/billing", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec = httptest.NewRecorder()
	f.s.ServeHTTP(rec, req)
	loc, _ := url.Parse(rec.Header().Get("Location"))
	if rec.Code != http.StatusSeeOther || loc.Query().Get("x") != "1" || loc.Query().Get("customerKey") != "ck_customer_1" || loc.Query().Get("authKey") == "" {
		t.Fatalf("approve = %d to %s", rec.Code, loc)
	}
	form.Set("action", "cancel")
	req = httptest.NewRequest(http.MethodPost, "/sandbox/billing", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec = httptest.NewRecorder()
	f.s.ServeHTTP(rec, req)
	if loc, _ := url.Parse(rec.Header().Get("Location")); rec.Code != http.StatusSeeOther || loc.Query().Get("code") != "PAY_PROCESS_CANCELED" {
		t.Fatalf("cancel = %d to %s", rec.Code, rec.Header().Get("Location"))
	}
}

// Decoding billing issue and charge bodies never panics and never
// answers 5xx.
func FuzzBillingBodies(f *testing.F) {
	addBodies(f)
	f.Add(`{"authKey":"A","customerKey":"ck_customer_1"}`)
	f.Add(`{"customerKey":"ck_customer_1","amount":9900,"orderId":"SUB-000001","orderName":"월간","customerIp":null,"taxFreeAmount":1e3}`)
	s := New(Config{Now: func() time.Time { return start }})
	auth, err := s.AuthorizeBilling("ck_customer_1", "CARD")
	if err != nil {
		f.Fatal(err)
	}
	rec := serve(s, http.MethodPost, "/v1/billing/authorizations/issue", `{"authKey":"`+auth+`","customerKey":"ck_customer_1"}`, nil)
	var b struct {
		BillingKey string `json:"billingKey"`
	}
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &b) != nil {
		f.Fatalf("issue: %d %s", rec.Code, rec.Body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		body = strings.ReplaceAll(body, `"A"`, `"`+auth+`"`)
		checkAnswer(t, serve(s, http.MethodPost, "/v1/billing/authorizations/issue", body, nil), body)
		checkAnswer(t, serve(s, http.MethodPost, "/v1/billing/"+b.BillingKey, body, nil), body)
	})
}
