package stripe_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/payments-go/payments"
)

// The saved-method requests against stripe-mock: the customer search and
// creation, the setup-mode Checkout Session, the off-session
// PaymentIntent and the detach are each accepted by Stripe's OpenAPI
// specification and carry what they should.
func TestStripeMockSavedMethods(t *testing.T) {
	t.Parallel()
	g, rec := gwStripeMock(t)
	ctx := t.Context()
	cus, err := g.CreateCustomer(ctx, &payments.CustomerParams{IdempotencyKey: "pay-customer-mock-1", CustomerID: "cust-42"})
	if err != nil {
		t.Fatalf("CreateCustomer rejected by stripe-mock: %v", err)
	}
	if !strings.HasPrefix(cus.Reveal(), "cus_") {
		t.Errorf("customer = %q", cus.Reveal())
	}
	gwWantForm(t, rec.last(t, http.MethodGet, "/v1/customers/search").Form, map[string]string{"query": "metadata['customer_id']:'cust-42'"})

	sess, err := g.StartSave(ctx, &payments.StartSaveParams{IdempotencyKey: "pay-setup-mock-1",
		Setup:      payments.MethodSetup{ID: "setup_1", CustomerID: "cust-42"},
		Customer:   payments.GatewayCustomer{Reference: "cus_mock"},
		SuccessURL: "https://shop.example/saved?session_id={CHECKOUT_SESSION_ID}", CancelURL: "https://shop.example/cart"})
	if err != nil {
		t.Fatalf("StartSave rejected by stripe-mock: %v", err)
	}
	if !strings.HasPrefix(sess.Session, "cs_") {
		t.Errorf("session = %q", sess.Session)
	}
	req := rec.last(t, http.MethodPost, "/v1/checkout/sessions")
	gwWantForm(t, req.Form, map[string]string{
		"mode": "setup", "customer": "cus_mock", "payment_method_types[0]": "card",
		"metadata[setup_id]": "setup_1", "setup_intent_data[metadata][customer_id]": "cust-42",
	})
	if req.IdempotencyKey != "pay-setup-mock-1" {
		t.Errorf("Idempotency-Key = %q", req.IdempotencyKey)
	}

	m := &payments.PaymentMethod{ID: "meth_1", Gateway: "stripe", Token: "pm_card_visa", GatewayCustomer: "cus_mock"}
	o := payments.Order{Number: "SUB-MOCK-1", Name: "Monthly plan", Amount: 9900, Currency: payments.KRW}
	// stripe-mock answers its fixture, whatever was sent: what matters is
	// that the request is accepted and its shape.
	if _, err := g.ChargeMethod(ctx, &payments.MethodChargeParams{IdempotencyKey: "pay-charge-mock-1", Order: o, GatewayOrderID: o.Number, Method: m}); err != nil {
		t.Errorf("ChargeMethod rejected by stripe-mock: %v", err)
	}
	req = rec.last(t, http.MethodPost, "/v1/payment_intents")
	gwWantForm(t, req.Form, map[string]string{
		"amount": "9900", "currency": "krw", "customer": "cus_mock", "payment_method": "pm_card_visa",
		"off_session": "true", "confirm": "true", "payment_method_types[0]": "card", "metadata[order_number]": o.Number,
	})
	if req.IdempotencyKey != "pay-charge-mock-1" {
		t.Errorf("Idempotency-Key = %q", req.IdempotencyKey)
	}
	if err := g.RemoveMethod(ctx, &payments.RemoveMethodParams{Method: m}); err != nil {
		t.Errorf("RemoveMethod rejected by stripe-mock: %v", err)
	}
	rec.last(t, http.MethodPost, "/v1/payment_methods/pm_card_visa/detach")
}
