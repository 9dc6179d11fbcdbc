package stripe_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/stripe/stripetest"
)

var hAdmin = []string{"Authorization", "Bearer " + hAdminToken}

// hSave saves the test card pm for customer through /setup, the hosted
// page and /setup/verify, and returns the method id.
func (e *hEnv) hSave(customer, pm string) string {
	e.t.Helper()
	out := e.postOK("/setup", hJSON(map[string]any{"customer_id": customer, "success_url": hOrigin + "/saved", "cancel_url": hOrigin + "/cart"}), hAdmin...)
	sid, _ := out["session_id"].(string)
	if u, _ := out["url"].(string); !strings.HasPrefix(sid, "cs_") || !strings.Contains(u, "/sandbox/setup/") {
		e.t.Fatalf("/setup = %v", out)
	}
	if err := e.srv.CompleteSetup(sid, pm); err != nil {
		e.t.Fatal(err)
	}
	m := e.postOK("/setup/verify", hJSON(map[string]any{"session_id": sid}))
	if m["status"] != "active" || m["customer_id"] != customer || m["gateway"] != "stripe" {
		e.t.Fatalf("/setup/verify = %v", m)
	}
	return m["method_id"].(string)
}

func TestSetupSaveChargeDetach(t *testing.T) {
	e := hStripeEnv(t, stripetest.Config{}, hOpts{})
	id := e.hSave("cust-1", stripetest.PMVisa)
	m, err := e.svc.Method(t.Context(), id)
	if err != nil || m.Brand != "visa" || m.Last4 != "4242" || !strings.HasPrefix(m.GatewayCustomer.Reveal(), "cus_") {
		t.Fatalf("method = %+v, %v", m, err)
	}
	// The same customer saves again: the same Stripe Customer.
	id2 := e.hSave("cust-1", stripetest.PMMastercard)
	m2, _ := e.svc.Method(t.Context(), id2)
	if m2.GatewayCustomer != m.GatewayCustomer {
		t.Error("a second save made a second Stripe Customer")
	}
	p, err := e.svc.Charge(t.Context(), payments.ChargeRequest{OrderNumber: hUSD, MethodID: id})
	if err != nil || p.Status != payments.StatusPaid {
		t.Fatalf("off-session charge = %v, %v", p, err)
	}
	for _, c := range e.srv.Calls() {
		if c.Op == stripetest.OpCreatePaymentIntent && (c.Form.Get("off_session") != "true" || c.Form.Get("confirm") != "true" ||
			c.Form.Get("customer") != m.GatewayCustomer.Reveal() || c.IdempotencyKey == "") {
			t.Errorf("off-session PaymentIntent sent %v (key %q)", c.Form, c.IdempotencyKey)
		}
	}
	if _, err := e.svc.RemoveMethod(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if left := e.srv.SavedPaymentMethods(m.GatewayCustomer.Reveal()); len(left) != 1 {
		t.Errorf("after detaching one of two cards, %d stay attached", len(left))
	}
}

func TestChargeAuthenticationRequired(t *testing.T) {
	e := hStripeEnv(t, stripetest.Config{}, hOpts{})
	id := e.hSave("cust-1", stripetest.PMAuthenticationRequired)
	p, err := e.svc.Charge(t.Context(), payments.ChargeRequest{OrderNumber: hUSD, MethodID: id, ReturnURL: hOrigin + "/back"})
	if err != nil || p.Status != payments.StatusRequiresAction {
		t.Fatalf("charge = %v, %v; want requires_action", p, err)
	}
	a := p.Latest()
	if !strings.Contains(a.RedirectURL, "/sandbox/3ds/") || !strings.HasPrefix(a.Reference, "pi_") {
		t.Fatalf("attempt = %+v, want the authentication page and the PaymentIntent", a)
	}
	// Charging again while the customer is asked makes no new charge.
	if _, err := e.svc.Charge(t.Context(), payments.ChargeRequest{OrderNumber: hUSD, MethodID: id}); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Executed(stripetest.OpCreatePaymentIntent); n != 1 {
		t.Errorf("PaymentIntents created = %d, want 1", n)
	}
	if err := e.srv.Authenticate(a.Reference, true); err != nil {
		t.Fatal(err)
	}
	p, err = e.svc.Refresh(t.Context(), payments.RefreshRequest{OrderNumber: hUSD})
	if err != nil || p.Status != payments.StatusPaid {
		t.Fatalf("after the customer authenticated: %v, %v; want paid", p, err)
	}
}

func TestChargeDeclinedOffSession(t *testing.T) {
	e := hStripeEnv(t, stripetest.Config{}, hOpts{})
	id := e.hSave("cust-1", stripetest.PMInsufficientFunds)
	p, err := e.svc.Charge(t.Context(), payments.ChargeRequest{OrderNumber: hUSD, MethodID: id})
	var pe *payments.Error
	if payments.Code(err) != payments.CodePaymentDeclined || p.Status != payments.StatusFailed || !asErr(err, &pe) || pe.GatewayCode != "insufficient_funds" {
		t.Fatalf("charge = %v, %v; want failed, payment_declined insufficient_funds", p, err)
	}
}

func TestSetupRoutesRefuseBadInput(t *testing.T) {
	e := hStripeEnv(t, stripetest.Config{}, hOpts{})
	good := map[string]any{"customer_id": "c", "success_url": hOrigin + "/ok", "cancel_url": hOrigin + "/no"}
	for _, tc := range []struct {
		name   string
		path   string
		body   string
		hdr    []string
		status int
		code   payments.ErrorCode
	}{
		{"no credentials", "/setup", hJSON(good), nil, 401, payments.CodeUnauthorized},
		{"unknown field", "/setup", `{"customer_id":"c","success_url":"` + hOrigin + `/ok","cancel_url":"` + hOrigin + `/no","x":1}`, hAdmin, 400, payments.CodeInvalidRequest},
		{"duplicate key", "/setup", `{"customer_id":"c","customer_id":"d","success_url":"` + hOrigin + `/ok","cancel_url":"` + hOrigin + `/no"}`, hAdmin, 400, payments.CodeInvalidRequest},
		{"case variant", "/setup", `{"CUSTOMER_ID":"c","success_url":"` + hOrigin + `/ok","cancel_url":"` + hOrigin + `/no"}`, hAdmin, 400, payments.CodeInvalidRequest},
		{"foreign success_url", "/setup", `{"customer_id":"c","success_url":"https://evil.example/","cancel_url":"` + hOrigin + `/no"}`, hAdmin, 400, payments.CodeRedirectNotAllowed},
		{"verify without session", "/setup/verify", `{}`, nil, 400, payments.CodeInvalidRequest},
		{"verify a non-session id", "/setup/verify", `{"session_id":"pi_123"}`, nil, 400, payments.CodeInvalidRequest},
		{"verify an unknown session", "/setup/verify", `{"session_id":"cs_test_unknown"}`, nil, 404, payments.CodePaymentNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hWantError(t, e.post(tc.path, tc.body, tc.hdr...), tc.status, tc.code)
		})
	}
	noAuth := hStripeEnv(t, stripetest.Config{}, hOpts{noAuth: true})
	hWantError(t, noAuth.post("/setup", hJSON(good)), http.StatusForbidden, payments.CodeForbidden)
}

func asErr(err error, target **payments.Error) bool { return errors.As(err, target) }

func TestChargeOfCardAuthenticatedAtSetup(t *testing.T) {
	e := hStripeEnv(t, stripetest.Config{}, hOpts{})
	id := e.hSave("cust-1", stripetest.PMAuthenticationRequiredOnSetup)
	p, err := e.svc.Charge(t.Context(), payments.ChargeRequest{OrderNumber: hUSD, MethodID: id})
	if err != nil || p.Status != payments.StatusPaid {
		t.Fatalf("off-session charge of a card authenticated at setup = %v, %v; want paid", p, err)
	}
	// On session, the same card asks for authentication.
	if _, err := e.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: hOrder3, Gateway: "stripe", PaymentMethod: stripetest.PMAuthenticationRequiredOnSetup}); err != nil {
		t.Fatal(err)
	}
	p, err = e.svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: hOrder3, ReturnURL: hOrigin + "/back"})
	if err != nil || p.Status != payments.StatusRequiresAction {
		t.Fatalf("on-session confirm = %v, %v; want requires_action", p, err)
	}
}
