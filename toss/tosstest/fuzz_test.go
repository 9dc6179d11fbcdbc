package tosstest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func serve(s *Server, method, path, body string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", basic(testKey))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// checkAnswer: never a 5xx for bad input, always a JSON answer with a code
// or a payment.
func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder, body string) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("body %q: status %d %s", body, rec.Code, rec.Body)
	}
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q: answer is not JSON: %s", body, rec.Body)
	}
	if rec.Code >= 400 && (m["code"] == nil || m["message"] == nil) {
		t.Fatalf("body %q: error without code/message: %s", body, rec.Body)
	}
	if rec.Code == 200 && m["paymentKey"] == nil {
		t.Fatalf("body %q: 200 without a payment: %s", body, rec.Body)
	}
}

// addBodies adds the inputs every body fuzz target starts from.
func addBodies(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `"x"`, `1`, `{"paymentKey":`, `{"paymentKey":null,"orderId":null,"amount":null}`,
		`{"paymentKey":"K","orderId":"order-0001","amount":1000}`,
		`{"paymentKey":"K","orderId":"order-0001","amount":1e400}`,
		`{"paymentKey":"K","orderId":"order-0001","amount":-0.0}`,
		`{"paymentKey":"K","orderId":"order-0001","amount":9223372036854775808}`,
		`{"cancelReason":"x"}`, `{"cancelReason":"x","cancelAmount":1}`, `{"cancelReason":"x","cancelAmount":"1"}`,
		`{"cancelReason":"x","refundReceiveAccount":{"bank":"88","accountNumber":"1","holderName":"a"}}`,
		`{"cancelReason":"x","refundReceiveAccount":[]}`, `{"cancelReason":{"a":1}}`, "{\"cancelReason\":\"\xff\"}",
	} {
		f.Add(s)
	}
}

// Decoding confirm bodies never panics and never answers 5xx.
func FuzzConfirmBody(f *testing.F) {
	addBodies(f)
	s := New(Config{Now: func() time.Time { return start }})
	key, err := s.Authorize("order-0001", 1000, "주문", "CARD")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		body = strings.ReplaceAll(body, `"K"`, `"`+key+`"`)
		checkAnswer(t, serve(s, http.MethodPost, "/v1/payments/confirm", body, nil), body)
	})
}

// Decoding cancel bodies never panics and never answers 5xx.
func FuzzCancelBody(f *testing.F) {
	addBodies(f)
	s := New(Config{Now: func() time.Time { return start }})
	var keys []string
	for _, m := range []string{"CARD", "VIRTUAL_ACCOUNT"} {
		orderID := "order-" + strings.ToLower(m)
		key, err := s.Authorize(orderID, 1_000_000_000, "주문", m)
		if err != nil {
			f.Fatal(err)
		}
		rec := serve(s, http.MethodPost, "/v1/payments/confirm", `{"paymentKey":"`+key+`","orderId":"`+orderID+`","amount":1000000000}`, nil)
		if rec.Code != 200 {
			f.Fatalf("confirm: %d %s", rec.Code, rec.Body)
		}
		keys = append(keys, key)
	}
	if err := s.Deposit(f.Context(), keys[1]); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, key := range keys {
			checkAnswer(t, serve(s, http.MethodPost, "/v1/payments/"+key+"/cancel", body, nil), body)
		}
	})
}

// Decoding virtual-account issue bodies never panics and never
// answers 5xx.
func FuzzIssueBody(f *testing.F) {
	addBodies(f)
	f.Add(`{"amount":1000,"orderId":"order-0001","orderName":"a","customerName":"b","bank":"20","validHours":1e3}`)
	f.Add(`{"amount":1000,"orderId":"order-0001","orderName":"a","customerName":"b","bank":"우리","dueDate":"2024-02-14T00:00:00"}`)
	s := New(Config{Now: func() time.Time { return start }})
	f.Fuzz(func(t *testing.T, body string) {
		checkAnswer(t, serve(s, http.MethodPost, "/v1/virtual-accounts", body, nil), body)
	})
}

// Reading a page's payment request (the sandbox window's request
// parameter) never panics, and what it accepts the window can show.
func FuzzSandboxRequest(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `{"method":"CARD"}`, `{"method":"CARD","amount":{"currency":"KRW","value":1e400}}`,
		`{"method":"CARD","amount":{"currency":"KRW","value":-0.0},"orderId":"b3JkZXI=","orderName":"x"}`,
		`{"method":"CARD","amount":{"currency":"KRW","value":58990},"orderId":"ORD-0001","orderName":"x",` +
			`"successUrl":"https://a.example/s","failUrl":"https://a.example/f","card":{"flowMode":"DIRECT","easyPay":"TOSSPAY"}}`,
		`{"method":"VIRTUAL_ACCOUNT","amount":{"currency":"KRW","value":58990},"orderId":"ORD-0001","orderName":"x",` +
			`"successUrl":"https://a.example/s","failUrl":"https://a.example/f","virtualAccount":{"cashReceipt":{"type":"미발행"},"validHours":24}}`,
		`{"method":"MOBILE_PHONE","mobilePhone":{"mobileCarriers":["KT",1]}}`, `{"metadata":{"a[":"b"}}`, "{\"orderName\":\"\xff\"}",
	} {
		f.Add(s)
	}
	s := New(Config{Now: func() time.Time { return start }})
	f.Fuzz(func(t *testing.T, raw string) {
		w, err := windowFromRequest(raw)
		if err != nil {
			return
		}
		w.ClientKey = "test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq"
		req := httptest.NewRequest(http.MethodGet, s.PaymentWindowURL(PaymentWindow{ClientKey: w.ClientKey, Request: raw}), nil)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("request %q: window answered %d", raw, rec.Code)
		}
	})
}
