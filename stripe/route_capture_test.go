package stripe_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/stripe/stripetest"
)

const hBearer = "Bearer " + hAdminToken

// hAuthorized authorises hUSD through /intent with capture manual and
// /confirm, and returns the PaymentIntent id.
func hAuthorized(t *testing.T, e *hEnv, pm string) string {
	t.Helper()
	in := e.postOK("/intent", hJSON(stripe.IntentRequest{OrderNumber: hUSD, PaymentMethodID: pm, Capture: "manual"}))
	out := e.postOK("/confirm", `{"order_number":"`+hUSD+`"}`)
	if out["status"] != "authorized" || out["amount_capturable"] != float64(1999) || out["gateway_status"] != "requires_capture" {
		t.Fatalf("confirm of a manual-capture intent = %v / %v / %v", out["status"], out["amount_capturable"], out["gateway_status"])
	}
	return in["payment_intent_id"].(string)
}

func TestCaptureRoute(t *testing.T) {
	e := hStripeEnv(t, stripetest.Config{}, hOpts{})
	hAuthorized(t, e, stripetest.PMVisa)
	hWantError(t, e.post("/capture", `{"order_number":"`+hUSD+`"}`), http.StatusUnauthorized, payments.CodeUnauthorized)
	hWantError(t, e.post("/capture", `{"order_number":"`+hUSD+`","amount":2000}`, "Authorization", hBearer),
		http.StatusConflict, payments.CodeCaptureExceedsAuthorized)
	if n := e.srv.Executed(stripetest.OpCapturePaymentIntent); n != 0 {
		t.Fatalf("%d captures reached Stripe", n)
	}
	out := e.postOK("/capture", `{"order_number":"`+hUSD+`","amount":1500}`, "Authorization", hBearer)
	if out["status"] != "paid" || out["amount"] != float64(1500) || out["amount_capturable"] != float64(0) || out["refundable_amount"] != float64(1500) {
		t.Errorf("capture = %v", out)
	}
	again := e.postOK("/capture", `{"order_number":"`+hUSD+`"}`, "Authorization", hBearer)
	if again["status"] != "paid" || e.srv.Executed(stripetest.OpCapturePaymentIntent) != 1 {
		t.Errorf("capture again = %v, %d captures", again["status"], e.srv.Executed(stripetest.OpCapturePaymentIntent))
	}
	hWantError(t, e.post("/void", `{"order_number":"`+hUSD+`"}`, "Authorization", hBearer), http.StatusConflict, payments.CodeInvalidState)
}

func TestVoidRoute(t *testing.T) {
	e := hStripeEnv(t, stripetest.Config{}, hOpts{})
	hAuthorized(t, e, stripetest.PMVisa)
	out := e.postOK("/void", `{"order_number":"`+hUSD+`","reason":"out of stock"}`, "Authorization", hBearer)
	if out["status"] != "canceled" || out["amount_capturable"] != float64(0) {
		t.Errorf("void = %v", out)
	}
	hWantError(t, e.post("/capture", `{"order_number":"`+hUSD+`"}`, "Authorization", hBearer), http.StatusConflict, payments.CodeInvalidState)
}

// Admin routes are refused until the application plugs in an authorizer.
func TestCaptureRoutesDenyByDefault(t *testing.T) {
	e := hFakeEnv(t, hOpts{noAuth: true})
	for _, tc := range []struct{ path, body string }{
		{"/capture", `{"order_number":"` + hUSD + `"}`},
		{"/void", `{"order_number":"` + hUSD + `"}`},
		{"/dispute/close", `{"order_number":"` + hUSD + `","dispute_id":"dp_1"}`},
	} {
		hWantError(t, e.post(tc.path, tc.body, "Authorization", hBearer), http.StatusForbidden, payments.CodeForbidden)
		if calls := e.fake.Calls(); len(calls) != 0 {
			t.Errorf("%s without an authorizer reached the gateway: %+v", tc.path, calls)
		}
	}
}

// A manual-capture Checkout Session completes authorized.
func TestCheckoutManualCapture(t *testing.T) {
	e := hStripeEnv(t, stripetest.Config{}, hOpts{})
	out := e.postOK("/checkout", hJSON(stripe.CheckoutRequest{OrderNumber: hUSD, SuccessURL: hOrigin + "/ok", CancelURL: hOrigin + "/cart", Capture: "manual"}))
	if err := e.srv.CompleteSession(out["session_id"].(string), stripetest.PMVisa); err != nil {
		t.Fatal(err)
	}
	v := e.postOK("/verify", `{"order_number":"`+hUSD+`"}`)
	if v["status"] != "authorized" || v["amount_capturable"] != float64(1999) {
		t.Fatalf("verify = %v / %v", v["status"], v["amount_capturable"])
	}
	if c := e.postOK("/capture", `{"order_number":"`+hUSD+`"}`, "Authorization", hBearer); c["status"] != "paid" || c["amount"] != float64(1999) {
		t.Errorf("capture = %v", c)
	}
}

// A dispute opened by pm_card_createDispute reaches the service through a
// signed charge.dispute.created event, re-read from Stripe; the status
// view lists it, a refund is refused, and closing it at Stripe records it
// lost.
func TestDisputeWebhookAndClose(t *testing.T) {
	e := hStripeEnv(t, stripetest.Config{}, hOpts{})
	e.postOK("/intent", hJSON(stripe.IntentRequest{OrderNumber: hUSD, PaymentMethodID: stripetest.PMCreateDispute}))
	e.postOK("/confirm", `{"order_number":"`+hUSD+`"}`)
	var created []byte
	for _, ev := range e.srv.Events() {
		if ev.Type == "charge.dispute.created" {
			created = ev.Payload
		}
	}
	if created == nil {
		t.Fatal("stripetest sent no charge.dispute.created")
	}
	hWantAnswer(t, e.deliver(created, e.srv.Sign(created)), "processed")
	p, err := e.svc.Payment(t.Context(), hUSD)
	if err != nil || len(p.Disputes) != 1 {
		t.Fatalf("payment after the dispute event = %+v, %v", p, err)
	}
	d := p.Disputes[0]
	if d.Status != payments.DisputeNeedsResponse || d.Amount != 1999 || p.Refundable() != 0 {
		t.Errorf("dispute = %+v, refundable %d", d, p.Refundable())
	}
	hWantError(t, e.post("/refund", `{"order_number":"`+hUSD+`","amount":100,"reason":"x"}`, "Authorization", hBearer),
		http.StatusConflict, payments.CodePaymentDisputed)
	hWantError(t, e.post("/dispute/close", `{"order_number":"`+hUSD+`","dispute_id":"dp_unknown1"}`, "Authorization", hBearer),
		http.StatusBadRequest, payments.CodeInvalidRequest)
	out := e.postOK("/dispute/close", `{"order_number":"`+hUSD+`","dispute_id":"`+d.ID+`"}`, "Authorization", hBearer)
	ds, _ := out["disputes"].([]any)
	if len(ds) != 1 || ds[0].(map[string]any)["status"] != "lost" || ds[0].(map[string]any)["dispute_id"] != d.ID {
		t.Errorf("close = %v", out["disputes"])
	}
	// The closed event re-reads the dispute and changes nothing more.
	var closed []byte
	for _, ev := range e.srv.Events() {
		if ev.Type == "charge.dispute.closed" {
			closed = ev.Payload
		}
	}
	before, _ := e.svc.Payment(t.Context(), hUSD)
	hWantAnswer(t, e.deliver(closed, e.srv.Sign(closed)), "processed")
	after, _ := e.svc.Payment(t.Context(), hUSD)
	if after.Version != before.Version {
		t.Error("a redundant dispute event changed the payment")
	}
}

// TestCaptureRoutesRefuseAmbiguousJSON: the new admin bodies are decoded
// strictly like every other, and bad input changes nothing.
func TestCaptureRoutesRefuseAmbiguousJSON(t *testing.T) {
	e := hStripeEnv(t, stripetest.Config{}, hOpts{})
	hAuthorized(t, e, stripetest.PMVisa)
	q := func(s string) string { return `"` + s + `"` }
	for _, tc := range []struct {
		name, path, body string
		key              string // the key the message must name; "" for a field check
	}{
		{"capture: amount twice", "/capture", `{"order_number":` + q(hUSD) + `,"amount":100,"amount":1999}`, "amount"},
		{"capture: Amount", "/capture", `{"order_number":` + q(hUSD) + `,"Amount":100}`, "Amount"},
		{"capture: unknown key", "/capture", `{"order_number":` + q(hUSD) + `,"final_capture":false}`, "final_capture"},
		{"capture: negative amount", "/capture", `{"order_number":` + q(hUSD) + `,"amount":-1}`, ""},
		{"capture: amount as a string", "/capture", `{"order_number":` + q(hUSD) + `,"amount":"100"}`, ""},
		{"capture: no order", "/capture", `{"amount":100}`, ""},
		{"void: ORDER_NUMBER and order_number", "/void", `{"ORDER_NUMBER":` + q(hKRW) + `,"order_number":` + q(hUSD) + `}`, "ORDER_NUMBER"},
		{"void: unknown key", "/void", `{"order_number":` + q(hUSD) + `,"cancellation_reason":"fraudulent"}`, "cancellation_reason"},
		{"void: reason too long", "/void", `{"order_number":` + q(hUSD) + `,"reason":"` + strings.Repeat("x", 201) + `"}`, ""},
		{"close: dispute_id twice", "/dispute/close", `{"order_number":` + q(hUSD) + `,"dispute_id":"dp_1","dispute_id":"dp_2"}`, "dispute_id"},
		{"close: not a dispute id", "/dispute/close", `{"order_number":` + q(hUSD) + `,"dispute_id":"pi_1"}`, ""},
		{"close: no dispute id", "/dispute/close", `{"order_number":` + q(hUSD) + `}`, ""},
		{"intent: capture unknown", "/intent", `{"order_number":` + q(hKRW) + `,"payment_method_id":"pm_card_visa","capture":"later"}`, ""},
		{"intent: capture twice", "/intent", `{"order_number":` + q(hKRW) + `,"payment_method_id":"pm_card_visa","capture":"automatic","capture":"manual"}`, "capture"},
		{"checkout: Capture", "/checkout", `{"order_number":` + q(hKRW) + `,"success_url":"https://shop.example/ok","cancel_url":"https://shop.example/c","Capture":"manual"}`, "Capture"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := len(e.srv.Calls())
			before, err := e.svc.Payment(t.Context(), hUSD)
			if err != nil {
				t.Fatal(err)
			}
			w := e.post(tc.path, tc.body, "Authorization", hBearer)
			body := hWantError(t, w, http.StatusBadRequest, payments.CodeInvalidRequest)
			if msg, _ := body["message"].(string); tc.key != "" && !strings.Contains(msg, `"`+tc.key+`"`) {
				t.Errorf("message %q does not name the key %q", msg, tc.key)
			}
			if got := e.srv.Calls()[calls:]; len(got) != 0 {
				t.Errorf("the request reached stripetest: %+v", got)
			}
			after, err := e.svc.Payment(t.Context(), hUSD)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("the payment changed (-before +after):\n%s", diff)
			}
			if _, err := e.svc.Payment(t.Context(), hKRW); payments.Code(err) != payments.CodePaymentNotFound {
				t.Errorf("a payment was recorded for %s: %v", hKRW, err)
			}
		})
	}
}
