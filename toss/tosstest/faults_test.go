package tosstest

import (
	"bytes"
	"net/http"
	"testing"
)

// TossPayments-Test-Code answers the code with its status, with
// test keys only; an unknown code is 400 INVALID_TEST_CODE.
func TestTestCode(t *testing.T) {
	tests := []struct {
		code       string
		wantStatus int
		wantCode   string
	}{
		{"REJECT_CARD_COMPANY", 403, "REJECT_CARD_COMPANY"},
		{"PROVIDER_ERROR", 400, "PROVIDER_ERROR"},
		{"INVALID_STOPPED_CARD", 400, "INVALID_STOPPED_CARD"},
		{"NOT_FOUND_PAYMENT_SESSION", 404, "NOT_FOUND_PAYMENT_SESSION"},
		{"FAILED_INTERNAL_SYSTEM_PROCESSING", 500, "FAILED_INTERNAL_SYSTEM_PROCESSING"},
		{"UNKNOWN_PAYMENT_ERROR", 500, "UNKNOWN_PAYMENT_ERROR"},
		{"NOT_A_CODE", 400, "INVALID_TEST_CODE"},
	}
	f := newFixture(t, Config{})
	key := f.authorize("order-0001", 1000, "CARD")
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			status, body := f.do("POST", "/v1/payments/confirm", map[string]any{"paymentKey": key, "orderId": "order-0001", "amount": 1000},
				map[string]string{"TossPayments-Test-Code": tt.code})
			wantError(t, status, body, tt.wantStatus, tt.wantCode)
		})
	}
	if p, _ := f.s.Payment(key); p.Status != StatusInProgress || f.s.Executions(OpConfirm, "") != 0 {
		t.Errorf("test codes changed state: %s", p.Status)
	}
	t.Run("ignored with a live key", func(t *testing.T) {
		f := newFixture(t, Config{SecretKeys: []string{"live_sk_x"}})
		status, body := f.do("GET", "/v1/payments/nothing", nil,
			map[string]string{"Authorization": basic("live_sk_x"), "TossPayments-Test-Code": "REJECT_CARD_COMPANY"})
		wantError(t, status, body, 404, "NOT_FOUND_PAYMENT")
	})
}

// FailNext answers the next calls with the code, changes nothing and
// stores nothing under the Idempotency-Key.
func TestFailNext(t *testing.T) {
	f := newFixture(t, Config{})
	key := f.authorize("order-0001", 1000, "CARD")
	f.s.FailNext(2, "FAILED_INTERNAL_SYSTEM_PROCESSING")
	for range 2 {
		status, body := f.do("POST", "/v1/payments/confirm", map[string]any{"paymentKey": key, "orderId": "order-0001", "amount": 1000}, idem("f"))
		wantError(t, status, body, 500, "FAILED_INTERNAL_SYSTEM_PROCESSING")
	}
	status, body := f.do("POST", "/v1/payments/confirm", map[string]any{"paymentKey": key, "orderId": "order-0001", "amount": 1000}, idem("f"))
	if status != 200 {
		t.Fatalf("third call: %d %s", status, body)
	}
	calls := f.s.Calls()
	if len(calls) != 3 || !calls[0].Injected || calls[0].Executed || calls[0].Code != "FAILED_INTERNAL_SYSTEM_PROCESSING" || !calls[2].Executed {
		t.Errorf("calls %+v", calls)
	}
	defer func() {
		if recover() == nil {
			t.Error("FailNext accepted an unknown code")
		}
	}()
	f.s.FailNext(1, "NOT_A_CODE")
}

// DropAfterProcessing applies the change, then the client sees a network
// error (as after the codes for which Toss says to check the payment); a
// retry with the same key gets the stored success, and the payment was
// approved once.
func TestDropAfterProcessing(t *testing.T) {
	f := newFixture(t, Config{})
	key := f.authorize("order-0001", 1000, "CARD")
	f.s.DropAfterProcessing(1)
	body := []byte(`{"paymentKey":"` + key + `","orderId":"order-0001","amount":1000}`)
	send := func() (*http.Response, error) {
		req, _ := http.NewRequest("POST", f.ts.URL+"/v1/payments/confirm", bytes.NewReader(body))
		req.Header.Set("Authorization", basic(testKey))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "d")
		return f.ts.Client().Do(req)
	}
	if resp, err := send(); err == nil {
		resp.Body.Close()
		t.Fatalf("got an answer: %d", resp.StatusCode)
	}
	if p, _ := f.s.Payment(key); p.Status != StatusDone {
		t.Fatalf("status %s, want DONE", p.Status)
	}
	resp, err := send()
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("retry: %d", resp.StatusCode)
	}
	calls := f.s.Calls()
	if len(calls) != 2 || !calls[0].Dropped || !calls[0].Executed || calls[0].Status != 200 || !calls[1].Replayed {
		t.Errorf("calls %+v", calls)
	}
	if n := f.s.Executions(OpConfirm, key); n != 1 {
		t.Errorf("Executions = %d", n)
	}
}

// DropNext closes the connection before anything happens.
func TestDropNext(t *testing.T) {
	f := newFixture(t, Config{})
	key := f.authorize("order-0001", 1000, "CARD")
	f.s.DropNext(1)
	req, _ := http.NewRequest("POST", f.ts.URL+"/v1/payments/confirm",
		bytes.NewReader([]byte(`{"paymentKey":"`+key+`","orderId":"order-0001","amount":1000}`)))
	req.Header.Set("Authorization", basic(testKey))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := f.ts.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("got an answer: %d", resp.StatusCode)
	}
	if p, _ := f.s.Payment(key); p.Status != StatusInProgress {
		t.Errorf("status %s", p.Status)
	}
	if status, body := f.confirm(key, "order-0001", 1000); status != 200 {
		t.Errorf("next call: %d %s", status, body)
	}
}
