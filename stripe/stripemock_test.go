package stripe_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/testenv"
	"github.com/payments-go/payments/stripe"
)

// The tests in this file send the gateway's requests to stripe-mock,
// which validates them against Stripe's OpenAPI specification. It is
// stateless (every read answers a fixture, whatever was created), so
// they check only that each request is accepted, and, through a
// recording transport, that it carried what it should.

// gwRecorder records the requests that pass through it.
type gwRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []gwRequest
}

func (r *gwRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := gwRequest{Method: req.Method, Path: req.URL.Path, IdempotencyKey: req.Header.Get("Idempotency-Key"), Form: req.URL.Query()}
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(b))
		if len(b) > 0 {
			if rec.Form, err = url.ParseQuery(string(b)); err != nil {
				return nil, err
			}
		}
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, rec)
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

// last returns the last request to method path.
func (r *gwRecorder) last(t *testing.T, method, path string) gwRequest {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.reqs) - 1; i >= 0; i-- {
		if q := r.reqs[i]; q.Method == method && q.Path == path {
			return q
		}
	}
	t.Fatalf("no request %s %s", method, path)
	return gwRequest{}
}

func gwStripeMock(t *testing.T) (*stripe.Gateway, *gwRecorder) {
	t.Helper()
	base := testenv.StripeMockURL(t)
	rec := &gwRecorder{next: http.DefaultTransport}
	g, err := stripe.New(stripe.Config{SecretKey: "sk_test_123", BaseURL: base, HTTPClient: &http.Client{Transport: rec}, MaxNetworkRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return g, rec
}

// gwWantForm fails unless every key of want has exactly its values in got.
func gwWantForm(t *testing.T, got url.Values, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if g := got[k]; len(g) != 1 || g[0] != v {
			t.Errorf("%s = %q, want %q", k, g, v)
		}
	}
}

func TestStripeMockCheckout(t *testing.T) {
	t.Parallel()
	g, rec := gwStripeMock(t)
	o := payments.Order{Number: "ORD-20260122-001", Name: "Cool T-Shirt 외 1건", Amount: 58990, Currency: payments.KRW,
		Items:    []payments.Item{{Name: "Cool T-Shirt", Quantity: 1, UnitAmount: 39000}, {Name: "Socks", Quantity: 2, UnitAmount: 9995}},
		Customer: payments.Customer{Email: "kim@example.com"}}
	ch, err := g.Prepare(t.Context(), &payments.PrepareParams{IdempotencyKey: "pay-prepare-mock-1", Order: o, GatewayOrderID: o.Number,
		SuccessURL: "https://shop.example/paid?session_id={CHECKOUT_SESSION_ID}", CancelURL: "https://shop.example/cart"})
	if err != nil {
		t.Fatalf("Prepare (checkout) rejected by stripe-mock: %v", err)
	}
	if !strings.HasPrefix(ch.Session, "cs_") {
		t.Errorf("Session = %q", ch.Session)
	}
	req := rec.last(t, http.MethodPost, "/v1/checkout/sessions")
	gwWantForm(t, req.Form, map[string]string{
		"mode":                   "payment",
		"success_url":            "https://shop.example/paid?session_id={CHECKOUT_SESSION_ID}",
		"cancel_url":             "https://shop.example/cart",
		"client_reference_id":    o.Number,
		"customer_email":         "kim@example.com",
		"metadata[order_number]": o.Number,
		"payment_intent_data[metadata][order_number]": o.Number,
		"line_items[1][price_data][unit_amount]":      "9995",
		"line_items[1][price_data][currency]":         "krw",
		"line_items[1][quantity]":                     "2",
	})
	if req.Form.Has("ui_mode") {
		t.Error("ui_mode was sent")
	}
	if req.IdempotencyKey != "pay-prepare-mock-1" {
		t.Errorf("Idempotency-Key = %q", req.IdempotencyKey)
	}

	if _, err := g.Lookup(t.Context(), &payments.LookupParams{Session: ch.Session}); err != nil {
		t.Errorf("Lookup (session, expanded) rejected by stripe-mock: %v", err)
	}
}

func TestStripeMockIntentConfirmRefund(t *testing.T) {
	t.Parallel()
	g, rec := gwStripeMock(t)
	o := payments.Order{Number: "ORD-MOCK-2", Name: "Mug", Amount: 1234, Currency: payments.USD}
	ch, err := g.Prepare(t.Context(), &payments.PrepareParams{IdempotencyKey: "pay-prepare-mock-2", Order: o, GatewayOrderID: "ORD-MOCK-2-2",
		PaymentMethod: "pm_card_visa"})
	if err != nil {
		t.Fatalf("Prepare (PaymentIntent) rejected by stripe-mock: %v", err)
	}
	gwWantForm(t, rec.last(t, http.MethodPost, "/v1/payment_intents").Form, map[string]string{
		"amount": "1234", "currency": "usd", "payment_method": "pm_card_visa", "payment_method_types[0]": "card",
		"metadata[order_number]": o.Number, "metadata[attempt_order_id]": "ORD-MOCK-2-2",
	})

	// stripe-mock reads back a fixture, not what was created: confirm
	// with the fixture's amount so that the gateway's check passes.
	got, err := g.Lookup(t.Context(), &payments.LookupParams{Reference: ch.Reference})
	if err != nil {
		t.Fatalf("Lookup rejected by stripe-mock: %v", err)
	}
	_, err = g.Confirm(t.Context(), &payments.ConfirmParams{IdempotencyKey: "pay-confirm-mock-2", Reference: ch.Reference,
		Amount: got.Amount, Currency: got.Currency, PaymentMethod: "pm_card_threeDSecure2Required", ReturnURL: "https://shop.example/return"})
	if err != nil {
		t.Fatalf("Confirm rejected by stripe-mock: %v", err)
	}
	confirm := rec.last(t, http.MethodPost, "/v1/payment_intents/"+ch.Reference+"/confirm")
	gwWantForm(t, confirm.Form, map[string]string{"payment_method": "pm_card_threeDSecure2Required", "return_url": "https://shop.example/return"})
	if confirm.IdempotencyKey != "pay-confirm-mock-2" {
		t.Errorf("confirm Idempotency-Key = %q", confirm.IdempotencyKey)
	}

	res, err := g.Refund(t.Context(), &payments.RefundParams{IdempotencyKey: "rf_mock_1", OrderNumber: o.Number, Reference: ch.Reference,
		Amount: 500, Currency: payments.USD, Reason: "Duplicate order", StripeReason: "duplicate"})
	if err != nil {
		t.Fatalf("Refund rejected by stripe-mock: %v", err)
	}
	if !strings.HasPrefix(res.Reference, "re_") {
		t.Errorf("Refund = %+v", res)
	}
	if list := rec.last(t, http.MethodGet, "/v1/refunds"); list.Form.Get("payment_intent") != ch.Reference {
		t.Errorf("refund list query = %v", list.Form)
	}
	gwWantForm(t, rec.last(t, http.MethodPost, "/v1/refunds").Form, map[string]string{
		"payment_intent": ch.Reference, "amount": "500", "reason": "duplicate",
		"metadata[reason]": "Duplicate order", "metadata[refund_id]": "rf_mock_1",
	})
}
