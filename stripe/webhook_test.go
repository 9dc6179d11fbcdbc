package stripe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/paymentstest"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/stripe/stripetest"
)

// hEvent builds an event payload as Stripe renders it.
func hEvent(id, typ, apiVersion string, object any) []byte {
	b, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": apiVersion, "created": hT0.Unix(),
		"livemode": false, "pending_webhooks": 1, "type": typ,
		"request": map[string]any{"id": nil, "idempotency_key": nil},
		"data":    map[string]any{"object": object},
	})
	if err != nil {
		panic(err)
	}
	return b
}

func hSign(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

func hIntentObject(id, order string) map[string]any {
	return map[string]any{"id": id, "object": "payment_intent", "status": "succeeded", "amount": 1, "currency": "usd",
		"metadata": map[string]string{"order_number": order}}
}

var hAllSentinels = []error{
	stripe.ErrWebhookNoSecret, stripe.ErrWebhookNoSignature, stripe.ErrWebhookInvalidHeader,
	stripe.ErrWebhookBadSignature, stripe.ErrWebhookTooOld, stripe.ErrWebhookTooNew, stripe.ErrWebhookMalformed,
}

func TestVerifyWebhook(t *testing.T) {
	payload := hEvent("evt_1", "payment_intent.succeeded", stripego.APIVersion, hIntentObject("pi_1", hUSD))
	good := hSign(payload, hSecret, hT0)
	tol := 300 * time.Second
	for _, tc := range []struct {
		name      string
		payload   []byte
		header    string
		secret    string
		now       time.Time
		tolerance time.Duration
		want      error // nil: valid
		stripeErr error // stripe-go's error, also reachable
	}{
		{name: "valid", payload: payload, header: good, secret: hSecret, now: hT0},
		{name: "valid, default tolerance", payload: payload, header: good, secret: hSecret, now: hT0.Add(299 * time.Second), tolerance: -1},
		{name: "at the tolerance, old", payload: payload, header: good, secret: hSecret, now: hT0.Add(tol)},
		{name: "at the tolerance, new", payload: payload, header: good, secret: hSecret, now: hT0.Add(-tol)},
		{name: "api version mismatch", payload: hEvent("evt_2", "checkout.session.completed", "2020-08-27", map[string]any{"id": "cs_test_1", "object": "checkout.session"}),
			secret: hSecret, now: hT0},
		{name: "several signatures, one good", payload: payload, header: "t=" + itoa(hT0.Unix()) + ",v1=" + strings.Repeat("0", 64) + "," + strings.TrimPrefix(good, "t="+itoa(hT0.Unix())+","),
			secret: hSecret, now: hT0},
		{name: "unknown scheme ignored", payload: payload, header: good + ",v0=abcdef", secret: hSecret, now: hT0},

		{name: "no secret", payload: payload, header: good, secret: "", now: hT0, want: stripe.ErrWebhookNoSecret},
		{name: "missing header", payload: payload, header: "", secret: hSecret, now: hT0, want: stripe.ErrWebhookNoSignature},
		{name: "garbage header", payload: payload, header: "garbage", secret: hSecret, now: hT0, want: stripe.ErrWebhookInvalidHeader, stripeErr: webhook.ErrInvalidHeader},
		{name: "bad timestamp", payload: payload, header: "t=abc,v1=00", secret: hSecret, now: hT0, want: stripe.ErrWebhookInvalidHeader},
		{name: "no timestamp", payload: payload, header: strings.TrimPrefix(good, "t="+itoa(hT0.Unix())+","), secret: hSecret, now: hT0, want: stripe.ErrWebhookInvalidHeader},
		{name: "no signature", payload: payload, header: "t=" + itoa(hT0.Unix()), secret: hSecret, now: hT0, want: stripe.ErrWebhookBadSignature, stripeErr: webhook.ErrNoValidSignature},
		{name: "wrong secret", payload: payload, header: hSign(payload, "whsec_other", hT0), secret: hSecret, now: hT0, want: stripe.ErrWebhookBadSignature, stripeErr: webhook.ErrNoValidSignature},
		{name: "tampered body", payload: bytes.Replace(payload, []byte(hUSD), []byte(hKRW), 1), header: good, secret: hSecret, now: hT0, want: stripe.ErrWebhookBadSignature},
		{name: "re-timed header", payload: payload, header: strings.Replace(good, itoa(hT0.Unix()), itoa(hT0.Unix()+1), 1), secret: hSecret, now: hT0, want: stripe.ErrWebhookBadSignature},
		{name: "stale", payload: payload, header: good, secret: hSecret, now: hT0.Add(tol + time.Second), want: stripe.ErrWebhookTooOld, stripeErr: webhook.ErrTooOld},
		{name: "stale, short tolerance", payload: payload, header: good, secret: hSecret, now: hT0.Add(11 * time.Second), tolerance: 10 * time.Second, want: stripe.ErrWebhookTooOld},
		{name: "far future", payload: payload, header: good, secret: hSecret, now: hT0.Add(-tol - time.Second), want: stripe.ErrWebhookTooNew},
		{name: "year 2100", payload: payload, header: hSign(payload, hSecret, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)), secret: hSecret, now: hT0, want: stripe.ErrWebhookTooNew},
		{name: "not JSON", payload: []byte("not json"), secret: hSecret, now: hT0, want: stripe.ErrWebhookMalformed},
		{name: "no id", payload: hEvent("", "payment_intent.succeeded", stripego.APIVersion, hIntentObject("pi_1", hUSD)), secret: hSecret, now: hT0, want: stripe.ErrWebhookMalformed},
		{name: "no data", payload: []byte(`{"id":"evt_1","type":"x","data":{"object":null}}`), secret: hSecret, now: hT0, want: stripe.ErrWebhookMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			header := tc.header
			if header == "" && tc.want != stripe.ErrWebhookNoSignature {
				header = hSign(tc.payload, hSecret, hT0)
			}
			ev, err := stripe.VerifyWebhook(tc.payload, header, payments.Secret(tc.secret), tc.now, tc.tolerance)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("VerifyWebhook: %v", err)
				}
				var head struct{ ID, Type string }
				_ = json.Unmarshal(tc.payload, &head)
				if ev.ID != head.ID || string(ev.Type) != head.Type || ev.Data == nil || len(ev.Data.Raw) == 0 {
					t.Fatalf("event = %+v", ev)
				}
				return
			}
			if err == nil {
				t.Fatalf("VerifyWebhook accepted it: %+v", ev)
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			for _, s := range hAllSentinels {
				if s != tc.want && errors.Is(err, s) {
					t.Errorf("err %v also matches %v", err, s)
				}
			}
			if tc.stripeErr != nil && !errors.Is(err, tc.stripeErr) {
				t.Errorf("err = %v, want stripe-go's %v reachable", err, tc.stripeErr)
			}
			wantCode := payments.CodeInvalidSignature
			if tc.want == stripe.ErrWebhookMalformed {
				wantCode = payments.CodeInvalidRequest
			}
			if payments.Code(err) != wantCode || errors.Is(err, payments.ErrInvalidSignature) != (wantCode == payments.CodeInvalidSignature) {
				t.Errorf("Code(err) = %s, want %s", payments.Code(err), wantCode)
			}
			var pe *payments.Error
			if !errors.As(err, &pe) || pe.Message == "" || payments.HTTPStatus(err) != http.StatusBadRequest {
				t.Errorf("err = %#v, want a *payments.Error answering 400", err)
			}
			if msg := err.Error(); strings.Contains(msg, hSecret) || strings.Contains(msg, "order_number") || strings.Contains(msg, "not json") {
				t.Errorf("error text leaks the secret or the payload: %s", msg)
			}
		})
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func ExampleVerifyWebhook() {
	secret := payments.Secret("whsec_example")
	payload := []byte(`{"id":"evt_1","object":"event","type":"payment_intent.succeeded","api_version":"2020-08-27",
		"data":{"object":{"id":"pi_1","object":"payment_intent","metadata":{"order_number":"ORD-1"}}}}`)
	now := time.Unix(1769074200, 0)
	header := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret.Reveal(), Timestamp: now}).Header

	ev, err := stripe.VerifyWebhook(payload, header, secret, now.Add(time.Minute), 0)
	fmt.Println(ev.ID, ev.Type, err)

	_, err = stripe.VerifyWebhook(payload, header, secret, now.Add(time.Hour), 0)
	fmt.Println(errors.Is(err, stripe.ErrWebhookTooOld), errors.Is(err, payments.ErrInvalidSignature), payments.Code(err))
	// Output:
	// evt_1 payment_intent.succeeded <nil>
	// true true invalid_signature
}

// hWebhookEnv prepares hUSD in requires_action at the fake gateway and
// completes the action there, so that a webhook re-read finds it paid.
func hWebhookEnv(t testing.TB, o hOpts) (*hEnv, string) {
	t.Helper()
	if o.now == nil {
		o.now = hFixedClock()
	}
	e := hFakeEnv(t, o)
	e.fake.RequireAction("https://hooks.stripe.test/3ds")
	in := e.postOK("/intent", hJSON(stripe.IntentRequest{OrderNumber: hUSD, PaymentMethodID: "pm_card_visa"}))
	ref := in["payment_intent_id"].(string)
	if out := e.postOK("/confirm", `{"order_number":"`+hUSD+`","return_url":"`+hOrigin+`/3ds"}`); out["status"] != "requires_action" {
		t.Fatalf("confirm = %v", out["status"])
	}
	if err := e.fake.CompleteAction(ref); err != nil {
		t.Fatal(err)
	}
	return e, ref
}

func (e *hEnv) lookups() int {
	n := 0
	for _, c := range e.fake.Calls() {
		if c.Op == "lookup" {
			n++
		}
	}
	return n
}

func (e *hEnv) deliver(payload []byte, header string) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.post("/webhook", string(payload), "Stripe-Signature", header, "Content-Type", "application/json; charset=utf-8")
}

func (e *hEnv) status(order string) payments.Status {
	e.t.Helper()
	p, err := e.svc.Payment(context.Background(), order)
	if err != nil {
		e.t.Fatal(err)
	}
	return p.Status
}

func hWantAnswer(t *testing.T, w *httptest.ResponseRecorder, result string) {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", w.Code, w.Body)
	}
	m := hMap(t, w)
	if m["received"] != true || m["result"] != result {
		t.Fatalf("answer = %v, want result %q", m, result)
	}
}

func TestWebhookPaymentIntentSucceeded(t *testing.T) {
	e, ref := hWebhookEnv(t, hOpts{})
	payload := hEvent("evt_paid_1", "payment_intent.succeeded", stripego.APIVersion, hIntentObject(ref, hUSD))
	header := hSign(payload, hSecret, hT0)

	before := e.lookups()
	w := e.deliver(payload, header)
	hWantAnswer(t, w, "processed")
	if m := hMap(t, w); m["event_id"] != "evt_paid_1" || m["type"] != "payment_intent.succeeded" {
		t.Errorf("answer = %v", m)
	}
	if got := e.lookups() - before; got != 1 {
		t.Errorf("lookups = %d, want 1", got)
	}
	if s := e.status(hUSD); s != payments.StatusPaid {
		t.Fatalf("status = %s, want paid", s)
	}

	// Stripe delivers again: acknowledged as processed (it was), and
	// Stripe is not asked again.
	hWantAnswer(t, e.deliver(payload, header), "processed")
	hWantAnswer(t, e.deliver(payload, hSign(payload, hSecret, hT0.Add(time.Second))), "processed")
	if got := e.lookups() - before; got != 1 {
		t.Errorf("lookups after redeliveries = %d, want 1", got)
	}

	// Other events about the same payment are processed (and re-read).
	refunded := hEvent("evt_refunded_1", "charge.refunded", stripego.APIVersion, map[string]any{
		"id": "ch_1", "object": "charge", "payment_intent": ref, "metadata": map[string]string{"order_number": hUSD}})
	hWantAnswer(t, e.deliver(refunded, hSign(refunded, hSecret, hT0)), "processed")
	updated := hEvent("evt_refund_upd_1", "refund.updated", stripego.APIVersion, map[string]any{
		"id": "re_1", "object": "refund", "payment_intent": map[string]any{"id": ref, "object": "payment_intent"},
		"metadata": map[string]string{"order_number": hUSD}})
	hWantAnswer(t, e.deliver(updated, hSign(updated, hSecret, hT0)), "processed")
	if got := e.lookups() - before; got != 3 {
		t.Errorf("lookups = %d, want 3", got)
	}
	if logs := e.logs.String(); strings.Contains(logs, hSecret) || strings.Contains(logs, "_secret") {
		t.Errorf("logs leak a secret:\n%s", logs)
	}
}

func TestWebhookRefused(t *testing.T) {
	e, ref := hWebhookEnv(t, hOpts{})
	payload := hEvent("evt_bad_1", "payment_intent.succeeded", stripego.APIVersion, hIntentObject(ref, hUSD))
	for _, tc := range []struct {
		name    string
		payload []byte
		header  string
	}{
		{"wrong secret", payload, hSign(payload, "whsec_wrong", hT0)},
		{"missing header", payload, ""},
		{"garbage header", payload, "t=now,v1=signed"},
		{"stale", payload, hSign(payload, hSecret, hT0.Add(-301*time.Second))},
		{"far future", payload, hSign(payload, hSecret, hT0.Add(301*time.Second))},
		{"tampered body", bytes.Replace(payload, []byte(`"succeeded"`), []byte(`"canceled" `), 1), hSign(payload, hSecret, hT0)},
		{"signed for another body", payload, hSign([]byte(`{}`), hSecret, hT0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.lookups()
			hWantError(t, e.deliver(tc.payload, tc.header), http.StatusBadRequest, payments.CodeInvalidSignature)
			if e.lookups() != before {
				t.Error("a refused delivery reached the gateway")
			}
		})
	}
	if s := e.status(hUSD); s != payments.StatusRequiresAction {
		t.Fatalf("status = %s, want requires_action (unchanged)", s)
	}
	// Correctly signed payloads that are not events.
	for _, junk := range []string{``, `["not","an","event"]`, `{"id":"evt_x","type":"payment_intent.succeeded"}`} {
		hWantError(t, e.deliver([]byte(junk), hSign([]byte(junk), hSecret, hT0)), http.StatusBadRequest, payments.CodeInvalidRequest)
	}

	// Refused deliveries did not mark the event as seen.
	hWantAnswer(t, e.deliver(payload, hSign(payload, hSecret, hT0)), "processed")
}

func TestWebhookWithoutSecret(t *testing.T) {
	e, ref := hWebhookEnv(t, hOpts{noSecret: true})
	payload := hEvent("evt_1", "payment_intent.succeeded", stripego.APIVersion, hIntentObject(ref, hUSD))
	for _, secret := range []string{"", hSecret} {
		hWantError(t, e.deliver(payload, hSign(payload, secret, hT0)), http.StatusBadRequest, payments.CodeInvalidSignature)
	}
	if s := e.status(hUSD); s != payments.StatusRequiresAction {
		t.Fatalf("status = %s", s)
	}
}

func TestWebhookAPIVersionMismatch(t *testing.T) {
	e, ref := hWebhookEnv(t, hOpts{})
	payload := hEvent("evt_old_1", "payment_intent.succeeded", "2020-08-27", hIntentObject(ref, hUSD))
	hWantAnswer(t, e.deliver(payload, hSign(payload, hSecret, hT0)), "processed")
	if s := e.status(hUSD); s != payments.StatusPaid {
		t.Fatalf("status = %s, want paid", s)
	}
}

func TestWebhookIgnored(t *testing.T) {
	e, ref := hWebhookEnv(t, hOpts{})
	before := e.lookups()
	for _, tc := range []struct {
		name    string
		payload []byte
		result  string
	}{
		{"unknown type", hEvent("evt_i1", "customer.created", stripego.APIVersion, map[string]any{"id": "cus_1", "object": "customer"}), "ignored"},
		{"requires_action type", hEvent("evt_i2", "payment_intent.requires_action", stripego.APIVersion, hIntentObject(ref, hUSD)), "ignored"},
		{"no order", hEvent("evt_i3", "payment_intent.succeeded", stripego.APIVersion, map[string]any{"id": ref, "object": "payment_intent"}), "ignored"},
		{"unknown order", hEvent("evt_i4", "payment_intent.succeeded", stripego.APIVersion, hIntentObject("pi_x", "ORD-UNKNOWN")), "ignored"},
		{"order without payment", hEvent("evt_i5", "payment_intent.succeeded", stripego.APIVersion, hIntentObject("pi_x", hNoPay)), "ignored"},
		{"session without id", hEvent("evt_i6", "checkout.session.completed", stripego.APIVersion, map[string]any{"object": "checkout.session", "client_reference_id": hUSD}), "ignored"},
		{"odd object", hEvent("evt_i7", "charge.refunded", stripego.APIVersion, map[string]any{"id": 7, "metadata": "x"}), "ignored"},
		{"unknown session", hEvent("evt_i8", "checkout.session.expired", stripego.APIVersion, map[string]any{"id": "cs_test_x", "object": "checkout.session", "client_reference_id": hKRW}), "ignored"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hWantAnswer(t, e.deliver(tc.payload, hSign(tc.payload, hSecret, hT0)), tc.result)
		})
	}
	if got := e.lookups() - before; got != 0 {
		t.Errorf("ignored events caused %d lookups", got)
	}
	if s := e.status(hUSD); s != payments.StatusRequiresAction {
		t.Fatalf("status = %s", s)
	}
}

// A PaymentIntent event whose intent no attempt knows yet re-reads the
// order's latest attempt.
func TestWebhookIntentBeforeAttemptKnowsIt(t *testing.T) {
	e, _ := hWebhookEnv(t, hOpts{})
	payload := hEvent("evt_early_1", "payment_intent.succeeded", stripego.APIVersion, hIntentObject("pi_notrecordedyet", hUSD))
	hWantAnswer(t, e.deliver(payload, hSign(payload, hSecret, hT0)), "processed")
	if s := e.status(hUSD); s != payments.StatusPaid {
		t.Fatalf("status = %s, want paid (latest attempt re-read)", s)
	}
}

func TestWebhookGatewayUnavailable(t *testing.T) {
	e, ref := hWebhookEnv(t, hOpts{})
	payload := hEvent("evt_retry_1", "payment_intent.succeeded", stripego.APIVersion, hIntentObject(ref, hUSD))
	header := hSign(payload, hSecret, hT0)
	e.fake.FailNext(1, payments.CodeGatewayUnavailable)
	hWantError(t, e.deliver(payload, header), http.StatusServiceUnavailable, payments.CodeGatewayUnavailable)
	if s := e.status(hUSD); s != payments.StatusRequiresAction {
		t.Fatalf("status = %s", s)
	}
	// Stripe delivers again later: now it is processed.
	hWantAnswer(t, e.deliver(payload, header), "processed")
	if s := e.status(hUSD); s != payments.StatusPaid {
		t.Fatalf("status = %s, want paid", s)
	}
}

// The whole loop against stripetest: its events are delivered, signed, to
// the handler over HTTP, and they alone move the payment.
func TestWebhookStripetestDelivery(t *testing.T) {
	var h http.Handler
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.StripPrefix("/payments/stripe", h).ServeHTTP(w, r)
	}))
	defer hook.Close()
	e := hStripeEnv(t, stripetest.Config{WebhookURL: hook.URL + "/payments/stripe/webhook"}, hOpts{})
	h = e.h
	flush := func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		if err := e.srv.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}

	// Checkout, paid on the hosted page: the webhook alone records it.
	co := e.postOK("/checkout", hJSON(stripe.CheckoutRequest{OrderNumber: hKRW, SuccessURL: hOrigin + "/ok?s={CHECKOUT_SESSION_ID}", CancelURL: hOrigin + "/cart"}))
	if err := e.srv.CompleteSession(co["session_id"].(string), stripetest.PMVisa); err != nil {
		t.Fatal(err)
	}
	flush()
	if s := e.status(hKRW); s != payments.StatusPaid {
		t.Fatalf("%s status = %s, want paid", hKRW, s)
	}

	// A refund: charge.refunded arrives and is acknowledged.
	e.postOK("/refund", `{"order_number":"`+hKRW+`","amount":1000,"reason":"size"}`, "Authorization", "Bearer "+hAdminToken)

	// An expired session.
	co = e.postOK("/checkout", hJSON(stripe.CheckoutRequest{OrderNumber: hUSD, SuccessURL: hOrigin + "/ok", CancelURL: hOrigin + "/cart"}))
	if err := e.srv.ExpireSession(co["session_id"].(string)); err != nil {
		t.Fatal(err)
	}

	// 3-D Secure through /confirm, completed by the customer.
	in := e.postOK("/intent", hJSON(stripe.IntentRequest{OrderNumber: hOrder3, PaymentMethodID: stripetest.PMThreeDSecure}))
	if out := e.postOK("/confirm", hJSON(stripe.ConfirmRequest{OrderNumber: hOrder3, ReturnURL: hOrigin + "/3ds"})); out["status"] != "requires_action" {
		t.Fatalf("confirm = %v", out["status"])
	}
	if err := e.srv.Authenticate(in["payment_intent_id"].(string), true); err != nil {
		t.Fatal(err)
	}
	flush()

	for order, want := range map[string]payments.Status{hKRW: payments.StatusPartiallyRefunded, hUSD: payments.StatusExpired, hOrder3: payments.StatusPaid} {
		if s := e.status(order); s != want {
			t.Errorf("%s status = %s, want %s", order, s, want)
		}
	}
	types := map[string]bool{}
	for _, ev := range e.srv.Events() {
		types[ev.Type] = true
		if !ev.Delivered || ev.LastStatus != http.StatusOK {
			t.Errorf("event %s %s: delivered %v, status %d, %s", ev.ID, ev.Type, ev.Delivered, ev.LastStatus, ev.LastError)
		}
	}
	for _, want := range []string{"checkout.session.completed", "payment_intent.succeeded", "charge.refunded", "checkout.session.expired"} {
		if !types[want] {
			t.Errorf("no %s event was delivered (got %v)", want, types)
		}
	}

	// A redelivery of every event is acknowledged without reaching Stripe.
	gets := e.srv.Executed(stripetest.OpGetCheckoutSession) + e.srv.Executed(stripetest.OpGetPaymentIntent)
	for _, ev := range e.srv.Events() {
		w := e.deliver(ev.Payload, e.srv.Sign(ev.Payload))
		if w.Code != http.StatusOK {
			t.Errorf("redelivery of %s: %d %s", ev.Type, w.Code, w.Body)
		}
	}
	if now := e.srv.Executed(stripetest.OpGetCheckoutSession) + e.srv.Executed(stripetest.OpGetPaymentIntent); now != gets {
		t.Errorf("redeliveries read Stripe %d times", now-gets)
	}
}

// liveGateway is paymentstest's fake reporting a live key.
type liveGateway struct{ *paymentstest.Gateway }

func (liveGateway) Live() bool { return true }

// A genuine, correctly signed event of the other mode than the gateway's
// key is refused with 400 invalid_signature and changes nothing: a test
// event never settles a live payment, nor a live event a test payment.
func TestWebhookOfTheOtherModeRefused(t *testing.T) {
	for _, live := range []bool{false, true} {
		fake := paymentstest.NewGateway("stripe")
		var gw payments.Gateway = fake
		if live {
			gw = liveGateway{fake}
		}
		e := hBuild(t, gw, hOpts{now: hFixedClock(), live: live})
		e.fake = fake
		fake.RequireAction("https://hooks.stripe.test/3ds")
		in := e.postOK("/intent", hJSON(stripe.IntentRequest{OrderNumber: hUSD, PaymentMethodID: "pm_card_visa"}))
		ref := in["payment_intent_id"].(string)
		_ = e.postOK("/confirm", `{"order_number":"`+hUSD+`","return_url":"`+hOrigin+`/3ds"}`)
		if err := fake.CompleteAction(ref); err != nil {
			t.Fatal(err)
		}
		ev := func(id string, livemode bool) []byte {
			var m map[string]any
			if err := json.Unmarshal(hEvent(id, "payment_intent.succeeded", stripego.APIVersion, hIntentObject(ref, hUSD)), &m); err != nil {
				t.Fatal(err)
			}
			m["livemode"] = livemode
			b, _ := json.Marshal(m)
			return b
		}
		before := e.lookups()
		other := ev("evt_other_mode", !live)
		w := e.deliver(other, hSign(other, hSecret, hT0))
		hWantError(t, w, http.StatusBadRequest, payments.CodeInvalidSignature)
		if got := e.lookups() - before; got != 0 || e.status(hUSD) != payments.StatusRequiresAction {
			t.Fatalf("live %v: an event of the other mode was applied: %d lookups, status %s", live, got, e.status(hUSD))
		}
		same := ev("evt_same_mode", live)
		hWantAnswer(t, e.deliver(same, hSign(same, hSecret, hT0)), "processed")
		if s := e.status(hUSD); s != payments.StatusPaid {
			t.Fatalf("live %v: an event of the same mode left %s", live, s)
		}
	}
}
