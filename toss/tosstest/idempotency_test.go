package tosstest

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func idem(key string) map[string]string { return map[string]string{"Idempotency-Key": key} }

// A repeat with the same key is not executed again; the first response
// is replayed byte for byte, even for a different body.
func TestIdempotencyReplay(t *testing.T) {
	f := newFixture(t, Config{})
	key := f.authorize("order-0001", 1000, "CARD")
	other := f.authorize("order-0002", 2000, "CARD")
	body := map[string]any{"paymentKey": key, "orderId": "order-0001", "amount": 1000}
	s1, b1 := f.do("POST", "/v1/payments/confirm", body, idem("k-1"))
	s2, b2 := f.do("POST", "/v1/payments/confirm", body, idem("k-1"))
	// The body is not part of the identity: confirming another
	// payment with the same key returns the first payment untouched.
	s3, b3 := f.do("POST", "/v1/payments/confirm", map[string]any{"paymentKey": other, "orderId": "order-0002", "amount": 2000}, idem("k-1"))
	if s1 != 200 || s2 != 200 || s3 != 200 || string(b1) != string(b2) || string(b1) != string(b3) {
		t.Fatalf("responses differ:\n%d %s\n%d %s\n%d %s", s1, b1, s2, b2, s3, b3)
	}
	if n := f.s.Executions(OpConfirm, key); n != 1 {
		t.Errorf("Executions(confirm, key) = %d, want 1", n)
	}
	if p, _ := f.s.Payment(other); p.Status != StatusInProgress {
		t.Errorf("other payment %s", p.Status)
	}
	calls := f.s.Calls()
	if len(calls) != 3 || !calls[1].Replayed || !calls[2].Replayed || calls[1].Executed || calls[1].PaymentKey != key {
		t.Errorf("calls %+v", calls)
	}
	if got := len(f.s.Webhooks()); got != 1 {
		t.Errorf("%d webhooks, want 1", got)
	}
}

// The identity is (key, API key, path, method); another API key or path
// runs again.
func TestIdempotencyIdentity(t *testing.T) {
	const second = "test_sk_second_merchant"
	f := newFixture(t, Config{})
	p := f.approved("order-0001", 10000, "CARD")
	cancel := map[string]any{"cancelReason": "x", "cancelAmount": 1000}
	s1, b1 := f.cancel(p.PaymentKey, cancel, idem("same"))
	s2, b2 := f.cancel(p.PaymentKey, cancel, idem("same"))
	if s1 != 200 || s2 != 200 || string(b1) != string(b2) || decodePayment(t, b2).BalanceAmount != 9000 {
		t.Fatalf("replay: %d %s / %s", s1, b1, b2)
	}
	// Same key on another path: a new operation.
	if status, b := f.do("POST", "/v1/virtual-accounts", issueBody("order-0002", 5000), idem("same")); status != 200 {
		t.Fatalf("same key, other path: %d %s", status, b)
	}
	// Same key and path with another API key: not replayed; that merchant
	// cannot see the payment.
	status, body := f.do("POST", "/v1/payments/"+p.PaymentKey+"/cancel", cancel,
		map[string]string{"Idempotency-Key": "same", "Authorization": basic(second)})
	wantError(t, status, body, 404, "NOT_FOUND_PAYMENT")
	if n := f.s.Executions(OpCancel, p.PaymentKey); n != 2 {
		t.Errorf("Executions(cancel) = %d, want 2", n)
	}
	// A new key runs again.
	if status, body := f.cancel(p.PaymentKey, cancel, idem("new")); status != 200 || decodePayment(t, body).BalanceAmount != 8000 {
		t.Errorf("new key: %d %s", status, body)
	}
}

// A key over 300 characters is 400 INVALID_IDEMPOTENCY_KEY; 300 is fine.
func TestIdempotencyKeyTooLong(t *testing.T) {
	f := newFixture(t, Config{})
	key := f.authorize("order-0001", 1000, "CARD")
	body := map[string]any{"paymentKey": key, "orderId": "order-0001", "amount": 1000}
	status, b := f.do("POST", "/v1/payments/confirm", body, idem(strings.Repeat("k", 301)))
	wantError(t, status, b, 400, "INVALID_IDEMPOTENCY_KEY")
	if n := f.s.Executions(OpConfirm, ""); n != 0 {
		t.Errorf("executed %d times", n)
	}
	if status, b := f.do("POST", "/v1/payments/confirm", body, idem(strings.Repeat("가", 300))); status != 200 {
		t.Errorf("300 characters: %d %s", status, b)
	}
}

// GET ignores Idempotency-Key.
func TestIdempotencyIgnoredOnGET(t *testing.T) {
	f := newFixture(t, Config{})
	key := f.authorize("order-0001", 1000, "CARD")
	_, b1 := f.do("GET", "/v1/payments/"+key, nil, idem("g"))
	f.confirm(key, "order-0001", 1000)
	_, b2 := f.do("GET", "/v1/payments/"+key, nil, idem("g"))
	if decodePayment(t, b1).Status != StatusInProgress || decodePayment(t, b2).Status != StatusDone {
		t.Errorf("GET was replayed: %s", b2)
	}
	if _, b := f.do("GET", "/v1/payments/"+key, nil, idem(strings.Repeat("k", 400))); decodePayment(t, b).Status != StatusDone {
		t.Errorf("long key on GET: %s", b)
	}
}

// The docs leave open whether errors are replayed: they are by default; with
// Config.NoErrorReplay a retry after an error runs again.
func TestIdempotencyErrorReplay(t *testing.T) {
	for _, tt := range []struct {
		noReplay   bool
		wantStatus int
		wantRuns   int
	}{{false, 403, 1}, {true, 200, 2}} {
		f := newFixture(t, Config{NoErrorReplay: tt.noReplay})
		p := f.approved("order-0001", 1000, "CARD")
		over := map[string]any{"cancelReason": "x", "cancelAmount": 2000}
		status, body := f.cancel(p.PaymentKey, over, idem("c"))
		wantError(t, status, body, 403, "NOT_CANCELABLE_AMOUNT")
		status, _ = f.cancel(p.PaymentKey, map[string]any{"cancelReason": "x", "cancelAmount": 500}, idem("c"))
		if status != tt.wantStatus || f.s.Executions(OpCancel, p.PaymentKey) != tt.wantRuns {
			t.Errorf("NoErrorReplay=%v: retry %d, runs %d", tt.noReplay, status, f.s.Executions(OpCancel, p.PaymentKey))
		}
	}
}

// A repeat while the first is still running gets 409
// IDEMPOTENT_REQUEST_PROCESSING; after it finishes, the stored answer.
func TestIdempotencyProcessing(t *testing.T) {
	f := newFixture(t, Config{})
	key := f.authorize("order-0001", 1000, "CARD")
	f.s.Delay(time.Second)
	var wg sync.WaitGroup
	var first []byte
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, first = f.do("POST", "/v1/payments/confirm", map[string]any{"paymentKey": key, "orderId": "order-0001", "amount": 1000}, idem("p"))
	}()
	// Wait until the first request holds the key.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		f.s.mu.Lock()
		n := len(f.s.idem)
		f.s.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("first request never reserved its key")
		}
	}
	status, body := f.do("POST", "/v1/payments/confirm", map[string]any{"paymentKey": key, "orderId": "order-0001", "amount": 1000}, idem("p"))
	wantError(t, status, body, 409, "IDEMPOTENT_REQUEST_PROCESSING")
	wg.Wait()
	f.s.Delay(0)
	status, body = f.do("POST", "/v1/payments/confirm", map[string]any{"paymentKey": key, "orderId": "order-0001", "amount": 1000}, idem("p"))
	if status != 200 || string(body) != string(first) {
		t.Errorf("after: %d %s", status, body)
	}
	if n := f.s.Executions(OpConfirm, key); n != 1 {
		t.Errorf("Executions = %d", n)
	}
}

// A request abandoned by its client while delayed releases its key.
func TestIdempotencyAbandonedRequest(t *testing.T) {
	f := newFixture(t, Config{})
	key := f.authorize("order-0001", 1000, "CARD")
	f.s.Delay(time.Minute)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", f.ts.URL+"/v1/payments/confirm",
		strings.NewReader(`{"paymentKey":"`+key+`","orderId":"order-0001","amount":1000}`))
	req.Header.Set("Authorization", basic(testKey))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "a")
	if _, err := f.ts.Client().Do(req); err == nil {
		t.Fatal("request was not abandoned")
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		f.s.mu.Lock()
		n := len(f.s.idem)
		f.s.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("key still reserved")
		}
	}
	f.s.Delay(0)
	status, body := f.do("POST", "/v1/payments/confirm", map[string]any{"paymentKey": key, "orderId": "order-0001", "amount": 1000}, idem("a"))
	if status != 200 {
		t.Errorf("retry: %d %s", status, body)
	}
}

// Keys are kept 15 days; after that the same key is a new request.
func TestIdempotencyRetention(t *testing.T) {
	f := newFixture(t, Config{})
	p := f.approved("order-0001", 10000, "CARD")
	cancel := map[string]any{"cancelReason": "x", "cancelAmount": 1000}
	f.cancel(p.PaymentKey, cancel, idem("r"))
	f.s.Advance(15*24*time.Hour - time.Second)
	if _, b := f.cancel(p.PaymentKey, cancel, idem("r")); decodePayment(t, b).BalanceAmount != 9000 {
		t.Errorf("within 15 days: %s", b)
	}
	f.s.Advance(time.Second)
	if _, b := f.cancel(p.PaymentKey, cancel, idem("r")); decodePayment(t, b).BalanceAmount != 8000 {
		t.Errorf("after 15 days: %s", b)
	}
}
