package stripe_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/stripe"
)

// hFuzzCheck fails on a server error or an answer that is not JSON. Bad
// input must never answer 5xx.
func hFuzzCheck(t *testing.T, code int, body []byte, what string) {
	t.Helper()
	if code >= 500 {
		t.Fatalf("%s: status %d: %s", what, code, body)
	}
	if !json.Valid(body) {
		t.Fatalf("%s: answer is not JSON: %q", what, body)
	}
}

// with returns a copy of e that reports to t (inside a fuzz target, the
// *testing.F the env was built with may not be used).
func (e *hEnv) with(t testing.TB) *hEnv {
	c := *e
	c.t = t
	return &c
}

// FuzzWebhook feeds arbitrary payloads and Stripe-Signature headers to
// POST /webhook. Nothing unsigned may get past verification, and nothing
// may answer 5xx or panic.
func FuzzWebhook(f *testing.F) {
	e, ref := hWebhookEnv(f, hOpts{})
	valid := hEvent("evt_fuzz_1", "payment_intent.succeeded", stripego.APIVersion, hIntentObject(ref, hUSD))
	f.Add(valid, hSign(valid, hSecret, hT0))
	f.Add(valid, hSign(valid, hSecret, hT0.Add(-time.Hour)))
	f.Add(valid, hSign(valid, "whsec_other", hT0))
	f.Add([]byte(`{}`), "t=1769074200,v1=")
	f.Add([]byte(`not json`), "t=,v1=zz,v0=1,=,,")
	f.Add([]byte{}, "")
	f.Add([]byte(`{"id":"evt"}`), "t=99999999999999999999,v1=00")
	f.Add([]byte(`{"id":"evt"}`), "t=-1,v1=00,t=1769074200")
	f.Fuzz(func(t *testing.T, payload []byte, header string) {
		if strings.ContainsAny(header, "\r\n\x00") {
			return // not a header value net/http would deliver
		}
		w := e.with(t).deliver(payload, header)
		hFuzzCheck(t, w.Code, w.Body.Bytes(), "webhook")
		if w.Code == http.StatusOK {
			// Only a signature over this payload with the secret, within
			// the tolerance, may be accepted.
			if _, err := stripe.VerifyWebhook(payload, header, hSecret, hT0, 0); err != nil {
				t.Fatalf("accepted a delivery VerifyWebhook refuses: %v", err)
			}
		}
	})
}

// FuzzWebhookSigned signs arbitrary payloads correctly, to exercise the
// event parsing and routing behind the signature check.
func FuzzWebhookSigned(f *testing.F) {
	e, ref := hWebhookEnv(f, hOpts{})
	for _, typ := range []string{"payment_intent.succeeded", "payment_intent.payment_failed", "checkout.session.completed",
		"checkout.session.expired", "checkout.session.async_payment_succeeded", "checkout.session.async_payment_failed",
		"charge.refunded", "charge.refund.updated", "refund.updated", "customer.created",
		"charge.dispute.created", "charge.captured", "payment_intent.amount_capturable_updated"} {
		f.Add(hEvent("evt_"+typ, typ, stripego.APIVersion, map[string]any{
			"id": ref, "payment_intent": ref, "client_reference_id": hUSD, "metadata": map[string]string{"order_number": hUSD}}))
	}
	f.Add(hEvent("evt_x", "charge.refunded", "2020-08-27", map[string]any{"payment_intent": map[string]any{"id": ref}, "metadata": map[string]any{"order_number": 1}}))
	f.Add([]byte(`{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","metadata":{"order_number":"ORD-20260122-001"}}}}`))
	f.Add([]byte(`{"id":"evt_1","type":"checkout.session.completed","data":{"object":{"id":"cs_test_1","mode":"setup","metadata":{"setup_id":"setup_1"}}}}`))
	f.Add([]byte(`{"id":"evt_1","type":"refund.updated","data":{"object":{"payment_intent":null,"metadata":null}}}`))
	f.Add([]byte(`{"id":"evt_1","type":"refund.updated","data":{"object":[]}}`))
	f.Add([]byte(`{"id":"evt_1","type":"charge.refund.updated","data":{"object":{"id":"re_1","object":"refund","payment_intent":{"id":"pi_1"},"metadata":{"order_number":"ORD-USD-0001"}}}}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		w := e.with(t).deliver(payload, hSign(payload, hSecret, hT0))
		hFuzzCheck(t, w.Code, w.Body.Bytes(), "signed webhook")
	})
}

// FuzzRoutes sends arbitrary JSON bodies to every route.
func FuzzRoutes(f *testing.F) {
	e := hFakeEnv(f, hOpts{})
	routes := []string{"/checkout", "/intent", "/confirm", "/verify", "/refund"}
	for i, body := range []string{
		`{"order_number":"` + hKRW + `","success_url":"https://shop.example/ok?s={CHECKOUT_SESSION_ID}","cancel_url":"https://shop.example/c"}`,
		`{"order_number":"` + hUSD + `","payment_method_id":"pm_card_visa"}`,
		`{"order_number":"` + hUSD + `","payment_intent_id":"pi_1","payment_method_id":"pm_1","return_url":"https://shop.example/r"}`,
		`{"order_number":"` + hUSD + `","session_id":"cs_test_1"}`,
		`{"order_number":"` + hUSD + `","amount":100,"reason":"x"}`,
	} {
		f.Add(uint8(i), []byte(body))
		f.Add(uint8(i), []byte(`{"order_number":null}`))
	}
	f.Add(uint8(0), []byte(`{"order_number":"`+hKRW+`","success_url":"//evil.example","cancel_url":"javascript:alert(1)"}`))
	f.Add(uint8(1), []byte(`{"order_number":"\u0000","payment_method_id":"pm_\u00ff"}`))
	f.Add(uint8(3), []byte(`{"order_number":"x","session_id":"cs_1","payment_intent_id":"pi_1"}`))
	f.Add(uint8(2), []byte(`[{"order_number":1}]`))
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		path := routes[int(route)%len(routes)]
		w := e.with(t).post(path, string(body), "Authorization", "Bearer "+hAdminToken)
		hFuzzCheck(t, w.Code, w.Body.Bytes(), path)
		if w.Code == http.StatusOK {
			return
		}
		var env struct {
			Error struct {
				Code payments.ErrorCode `json:"code"`
			} `json:"error"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || env.Error.Code == "" {
			t.Fatalf("%s: %d without an error envelope: %s", path, w.Code, w.Body)
		}
	})
}
