package stripe_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/stripe/stripetest"
)

// TestRoutesRefuseAmbiguousJSON sends every JSON route of the Stripe
// family a key given twice, a key that matches a field only when case is
// ignored, and an unknown key. Each is 400 invalid_request with a message
// naming the key, and nothing reaches Stripe or the store: a proxy or log
// that reads the first of two values can never disagree with the handler
// about which order is paid or how much is refunded.
func TestRoutesRefuseAmbiguousJSON(t *testing.T) {
	e := hStripeEnv(t, stripetest.Config{}, hOpts{})
	// hUSD is paid through a PaymentIntent, so that /confirm, /verify and
	// /refund have a payment they could act on; hKRW has no payment.
	in := e.postOK("/intent", hJSON(stripe.IntentRequest{OrderNumber: hUSD, PaymentMethodID: stripetest.PMVisa}))
	e.postOK("/confirm", `{"order_number":"`+hUSD+`"}`)
	pi := in["payment_intent_id"].(string)

	q := func(s string) string { return `"` + s + `"` }
	ok, cancel, evil := q(hOrigin+"/ok"), q(hOrigin+"/cart"), q("https://evil.example/ok")
	for _, tc := range []struct {
		name, path, body string
		key              string // the key the message must name
	}{
		{"checkout: success_url twice", "/checkout",
			`{"order_number":` + q(hKRW) + `,"success_url":` + ok + `,"success_url":` + evil + `,"cancel_url":` + cancel + `}`, "success_url"},
		{"checkout: Success_URL", "/checkout",
			`{"order_number":` + q(hKRW) + `,"Success_URL":` + ok + `,"cancel_url":` + cancel + `}`, "Success_URL"},
		{"checkout: ORDER_NUMBER and order_number", "/checkout",
			`{"ORDER_NUMBER":` + q(hUSD) + `,"order_number":` + q(hKRW) + `,"success_url":` + ok + `,"cancel_url":` + cancel + `}`, "ORDER_NUMBER"},
		{"checkout: unknown key", "/checkout",
			`{"order_number":` + q(hKRW) + `,"success_url":` + ok + `,"cancel_url":` + cancel + `,"amount":1}`, "amount"},

		{"intent: order_number twice", "/intent",
			`{"order_number":` + q(hKRW) + `,"order_number":` + q(hUSD) + `,"payment_method_id":"pm_card_visa"}`, "order_number"},
		{"intent: ORDER_NUMBER", "/intent",
			`{"ORDER_NUMBER":` + q(hKRW) + `,"payment_method_id":"pm_card_visa"}`, "ORDER_NUMBER"},
		{"intent: unknown key", "/intent",
			`{"order_number":` + q(hKRW) + `,"payment_method_id":"pm_card_visa","currency":"usd"}`, "currency"},

		{"confirm: payment_intent_id twice", "/confirm",
			`{"order_number":` + q(hUSD) + `,"payment_intent_id":` + q(pi) + `,"payment_intent_id":"pi_other"}`, "payment_intent_id"},
		{"confirm: Return_URL", "/confirm",
			`{"order_number":` + q(hUSD) + `,"Return_URL":` + ok + `}`, "Return_URL"},
		{"confirm: unknown key", "/confirm",
			`{"order_number":` + q(hUSD) + `,"amount":1999}`, "amount"},

		{"verify: session_id twice", "/verify",
			`{"order_number":` + q(hUSD) + `,"session_id":"cs_test_a","session_id":"cs_test_b"}`, "session_id"},
		{"verify: Payment_Intent_ID", "/verify",
			`{"order_number":` + q(hUSD) + `,"Payment_Intent_ID":` + q(pi) + `}`, "Payment_Intent_ID"},
		{"verify: unknown key", "/verify",
			`{"order_number":` + q(hUSD) + `,"status":"paid"}`, "status"},

		{"refund: amount twice", "/refund",
			`{"order_number":` + q(hUSD) + `,"amount":1000,"amount":1999,"reason":"size"}`, "amount"},
		{"refund: Amount", "/refund",
			`{"order_number":` + q(hUSD) + `,"Amount":1999,"reason":"size"}`, "Amount"},
		{"refund: ORDER_NUMBER and order_number", "/refund",
			`{"ORDER_NUMBER":` + q(hKRW) + `,"order_number":` + q(hUSD) + `,"reason":"size"}`, "ORDER_NUMBER"},
		{"refund: unknown key", "/refund",
			`{"order_number":` + q(hUSD) + `,"reason":"size","currency":"usd"}`, "currency"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := len(e.srv.Calls())
			before, err := e.svc.Payment(t.Context(), hUSD)
			if err != nil {
				t.Fatal(err)
			}
			w := e.post(tc.path, tc.body, "Authorization", "Bearer "+hAdminToken)
			body := hWantError(t, w, http.StatusBadRequest, payments.CodeInvalidRequest)
			if msg, _ := body["message"].(string); !strings.Contains(msg, `"`+tc.key+`"`) {
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
			if p, err := e.svc.Payment(t.Context(), hKRW); payments.Code(err) != payments.CodePaymentNotFound {
				t.Errorf("a payment was recorded for %s: %+v, %v", hKRW, p, err)
			}
		})
	}
}

// TestWebhookRefusesAmbiguousJSON: a correctly signed event in which a key
// is given twice, or in two spellings that differ only in case, is
// refused (400 invalid_request naming the key) before anything is read
// from it, and it does not mark the event as seen.
func TestWebhookRefusesAmbiguousJSON(t *testing.T) {
	e, ref := hWebhookEnv(t, hOpts{})
	object := `{"id":"` + ref + `","object":"payment_intent","metadata":{"order_number":"` + hUSD + `"}}`
	for _, tc := range []struct {
		name, payload, key string
	}{
		{"type twice", `{"id":"evt_amb_1","type":"customer.created","type":"payment_intent.succeeded","data":{"object":` + object + `}}`, "type"},
		{"ID and id", `{"ID":"evt_other","id":"evt_amb_1","type":"payment_intent.succeeded","data":{"object":` + object + `}}`, "ID"},
		{"Data", `{"id":"evt_amb_1","type":"payment_intent.succeeded","Data":{"object":` + object + `}}`, "Data"},
		{"order_number twice in metadata", `{"id":"evt_amb_1","type":"payment_intent.succeeded","data":{"object":{"id":"` + ref +
			`","metadata":{"order_number":"` + hNoPay + `","order_number":"` + hUSD + `"}}}}`, "order_number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.lookups()
			payload := []byte(tc.payload)
			w := e.deliver(payload, hSign(payload, hSecret, hT0))
			body := hWantError(t, w, http.StatusBadRequest, payments.CodeInvalidRequest)
			if msg, _ := body["message"].(string); !strings.Contains(msg, tc.key) {
				t.Errorf("message %q does not name the key %q", msg, tc.key)
			}
			if e.lookups() != before {
				t.Error("a refused delivery reached the gateway")
			}
			_, err := stripe.VerifyWebhook(payload, hSign(payload, hSecret, hT0), hSecret, hT0.Add(time.Second), 0)
			var pe *payments.Error
			if !errors.As(err, &pe) || pe.Code != payments.CodeInvalidRequest || !errors.Is(err, stripe.ErrWebhookMalformed) ||
				!strings.Contains(pe.Message, tc.key) {
				t.Errorf("VerifyWebhook: %v; want invalid_request wrapping ErrWebhookMalformed, naming %q", err, tc.key)
			}
		})
	}
	if s := e.status(hUSD); s != payments.StatusRequiresAction {
		t.Fatalf("status = %s, want requires_action (unchanged)", s)
	}
	good := hEvent("evt_amb_1", "payment_intent.succeeded", stripego.APIVersion, hIntentObject(ref, hUSD))
	hWantAnswer(t, e.deliver(good, hSign(good, hSecret, hT0)), "processed")
}
