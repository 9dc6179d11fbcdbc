package toss_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// The fuzz targets feed outside input (the callbacks' query strings and
// webhook bodies) through the whole handler: it must never panic, never
// answer 5xx, and only ever redirect to the shop's allowed origin.

func fuzzCheck(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("status %d for bad input: %s", rec.Code, rec.Body)
	}
	if rec.Code == http.StatusSeeOther {
		loc := rec.Header().Get("Location")
		if !strings.HasPrefix(loc, "https://shop.example/") {
			t.Fatalf("redirect to %q", loc)
		}
	}
}

func FuzzHandlerSuccessQuery(f *testing.F) {
	e := newHEnv(f)
	r := e.ready(hOrder, hAmount, "CARD")
	key := e.reference(hOrder, r.Toss.OrderID)
	for _, s := range []string{
		url.Values{"paymentKey": {key}, "orderId": {hOrder}, "amount": {"58990"}, "paymentType": {"NORMAL"}}.Encode(),
		url.Values{"paymentKey": {key}, "orderId": {hOrder}, "amount": {"100"}}.Encode(),
		url.Values{"paymentKey": {"tk_other"}, "orderId": {hOrder + "-2"}, "amount": {"58990"}}.Encode(),
		"paymentKey=a&orderId=" + hOrder + "&amount=58990&amount=1",
		"paymentKey=%zz&orderId=x&amount=-1",
		"paymentKey=k;orderId=ORD-20260122-001",
		"orderId=" + strings.Repeat("A", 65) + "&amount=99999999999999999999",
		"",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, rawQuery string, asJSON bool) {
		req := httptest.NewRequest(http.MethodGet, "http://shop.example/success", nil)
		req.URL.RawQuery = rawQuery
		if asJSON {
			req.Header.Set("Accept", "application/json")
		}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		fuzzCheck(t, rec)
	})
}

func FuzzHandlerFailQuery(f *testing.F) {
	e := newHEnv(f)
	e.ready(hOrder, hAmount, "CARD")
	for _, s := range []string{
		url.Values{"code": {"PAY_PROCESS_CANCELED"}, "message": {"사용자에 의해 결제가 취소되었습니다."}, "orderId": {hOrder}}.Encode(),
		url.Values{"code": {"REJECT_CARD_COMPANY"}, "message": {strings.Repeat("가", 300)}, "orderId": {hOrder}}.Encode(),
		"code=X&message=%ff%fe%00&orderId=" + hOrder,
		"code=<script>&orderId=" + hOrder,
		"code=X&orderId=" + hOrder + "-9",
		"code=%&orderId=",
		"",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, rawQuery string, asJSON bool) {
		req := httptest.NewRequest(http.MethodGet, "http://shop.example/fail", nil)
		req.URL.RawQuery = rawQuery
		if asJSON {
			req.Header.Set("Accept", "application/json")
		}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		fuzzCheck(t, rec)
	})
}

func FuzzHandlerWebhook(f *testing.F) {
	e := newHEnv(f)
	r := e.ready(hOrder, hAmount, "CARD")
	key := e.reference(hOrder, r.Toss.OrderID)
	for _, s := range []string{
		`{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":"2026-01-22T10:00:00.000000","data":{"paymentKey":"` + key + `","orderId":"` + hOrder + `","status":"DONE"}}`,
		`{"eventType":"PAYMENT_STATUS_CHANGED","data":{"orderId":123456}}`,
		`{"eventType":"PAYMENT_STATUS_CHANGED","data":null}`,
		`{"createdAt":"2026-01-22T10:00:00.000000","secret":"ps_x","status":"DONE","transactionKey":"T","orderId":"` + hOrder + `"}`,
		`{"eventType":"DEPOSIT_CALLBACK","secret":"","orderId":"` + hOrder + `"}`,
		`{"eventType":"CANCEL_STATUS_CHANGED","data":{"cancelStatus":"DONE"}}`,
		`{"eventType":"BILLING_DELETED","data":{}}`,
		`{"eventType":7}`,
		`[]`, `"x"`, `null`, `{}`, `{"a":1}{}`, `{"eventType":"PAYMENT_STATUS_CHANGED",`, ``,
	} {
		f.Add([]byte(s), "")
		f.Add([]byte(s), "whtrans_a01j70335nkqqeg0zwzz2r4py9z")
	}
	f.Fuzz(func(t *testing.T, body []byte, transmissionID string) {
		req := httptest.NewRequest(http.MethodPost, "http://shop.example/webhook", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		if transmissionID != "" && !strings.ContainsAny(transmissionID, "\r\n\x00") {
			req.Header.Set("tosspayments-webhook-transmission-id", transmissionID)
		}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		fuzzCheck(t, rec)
	})
}
