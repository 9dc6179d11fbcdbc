package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/httpapi"
)

// FuzzRoutes sends arbitrary bodies, queries and headers to every
// route of the mount: no input may panic, answer 5xx, redirect outside
// the allowed origin, or answer an error without its stable code.
func FuzzRoutes(f *testing.F) {
	h, err := httpapi.New(httpapi.Config{
		Service: newService(f, "toss", "stripe"), PublicURL: "https://shop.example",
		Toss: &httpapi.TossConfig{ClientKey: "test_ck_x"}, Stripe: &httpapi.StripeConfig{WebhookSecret: "whsec_x"},
		Authorize: payments.BearerToken("admin"),
	})
	if err != nil {
		f.Fatal(err)
	}
	const order = `"order_number":"ORD-20260122-001"`
	seeds := []struct {
		route       int
		body, query string
	}{
		{0, `{` + order + `,"amount":58990,"order_name":"T","method":"CARD","success_url":"https://shop.example/ok","fail_url":"https://shop.example/fail"}`, ""},
		{0, `{` + order + `,"amount":"58990","method":"EASY_PAY","easy_pay_provider":"토스페이"}`, ""},
		{1, `{"paymentKey":"tk_1","orderId":"ORD-20260122-001","amount":58990}`, ""},
		{2, `{` + order + `,"amount":1000,"reason":"size","refund_receive_account":{"bank":"88","account_number":"1","holder_name":"김"}}`, ""},
		{3, `{` + order + `,"bank":"20","customer_name":"김토스","valid_hours":-1}`, ""},
		{4, "", "paymentKey=tk_1&orderId=ORD-20260122-001&amount=58990"},
		{5, "", "code=PAY_PROCESS_CANCELED&message=x&orderId=ORD-20260122-001"},
		{6, `{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":"2026-01-22T10:00:00.000000","data":{"orderId":"ORD-20260122-001","status":"DONE"}}`, ""},
		{6, `{"secret":"s","status":"DONE","orderId":"ORD-20260122-001","createdAt":"2026-01-22T10:00:00"}`, ""},
		{7, `{` + order + `,"success_url":"https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}","cancel_url":"//evil.example"}`, ""},
		{8, `{` + order + `,"payment_method":"pm_card_visa"}`, ""},
		{9, `{` + order + `,"payment_method":"pm_card_visa","return_url":"javascript:alert(1)"}`, ""},
		{10, `{"session_id":"cs_test_1"}`, ""},
		{11, `{` + order + `,"amount":-1,"reason":""}`, ""},
		{12, `{"id":"evt_1","type":"checkout.session.completed","data":{"object":{"id":"cs_test_1"}}}`, ""},
		{13, "", "order_number=ORD-20260122-001&refresh=true"},
		{13, "", "order_number=%zz"},
		{2, `{` + order + `,"amount":1e400,"reason":"` + strings.Repeat("가", 300) + `"}`, ""},
		{0, `[]`, ""},
		{0, `{"order_number":null,"x":1}`, ""},
		{14, `{"customer_id":"cust-1","success_url":"https://shop.example/ok","fail_url":"https://shop.example/fail"}`, ""},
		{15, "", "setup=setup_1&customerKey=ck_1&authKey=bln_1"},
		{16, "", "setup=setup_1&code=PAY_PROCESS_CANCELED&message=x"},
		{17, `{"customer_id":"cust-1","success_url":"https://shop.example/ok","cancel_url":"https://shop.example/no"}`, ""},
		{18, `{"session_id":"cs_test_1"}`, ""},
		{19, "", "customer_id=cust-1"},
		{21, `{` + order + `,"method_id":"meth_0123456789","return_url":"https://shop.example/back"}`, ""},
	}
	for _, s := range seeds {
		f.Add(uint8(s.route), s.body, s.query, "application/json", true)
		f.Add(uint8(s.route), s.body, s.query, "text/plain", false)
	}
	f.Fuzz(func(t *testing.T, route uint8, body, query, contentType string, admin bool) {
		rt := allRoutes[int(route)%len(allRoutes)]
		req := httptest.NewRequest(rt.method, "https://shop.example/payments/"+rt.path, strings.NewReader(body))
		req.URL.RawQuery = query
		if strings.ContainsAny(contentType, "\r\n\x00") {
			contentType = "application/json"
		}
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Accept", "application/json")
		if admin {
			req.Header.Set("Authorization", "Bearer admin")
		}
		req.Header.Set("Stripe-Signature", "t=1,v1=00")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s: status %d for outside input: %s", rt.method, rt.path, rec.Code, rec.Body)
		}
		if loc := rec.Header().Get("Location"); loc != "" && !strings.HasPrefix(loc, "https://shop.example/") {
			t.Fatalf("%s %s: redirect to %q", rt.method, rt.path, loc)
		}
		if rec.Code >= 400 && strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			var e struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" {
				t.Fatalf("%s %s: error %d without a code: %s", rt.method, rt.path, rec.Code, rec.Body)
			}
		}
		if rec.Code == http.StatusOK && strings.Contains(rec.Body.String(), "whsec_x") {
			t.Fatalf("%s %s: response carries the webhook secret", rt.method, rt.path)
		}
	})
}
