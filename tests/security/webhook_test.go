package security_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/toss/tosstest"
)

// sign returns a Stripe-Signature header for payload.
func sign(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

// sessionCompleted is a checkout.session.completed event naming session
// cs of order, with Stripe's envelope.
func sessionCompleted(eventID, cs, order string) []byte {
	b, err := json.Marshal(map[string]any{
		"id": eventID, "object": "event", "type": "checkout.session.completed", "api_version": "2023-10-16",
		"created": time.Now().Unix(), "livemode": false,
		"data": map[string]any{"object": map[string]any{
			"id": cs, "object": "checkout.session", "client_reference_id": order,
			"metadata": map[string]string{"order_number": order}, "payment_status": "paid", "status": "complete",
		}},
	})
	if err != nil {
		panic(err)
	}
	return b
}

// TestStripeWebhookForgery: forged, stale and tampered deliveries are
// refused before anything is read from Stripe; a replay is a duplicate; a
// genuine event is never taken at its word.
func TestStripeWebhookForgery(t *testing.T) {
	e := newEnv(t, envOptions{})
	const paidAtStripe, openAtStripe = 7, 8
	order := usdOrder(paidAtStripe)
	// Paid at Stripe, not yet verified here: an event that got through
	// would make it paid.
	cs := e.stripeCheckout(paidAtStripe)
	must(t, e.stripeFake.CompleteSession(cs, "pm_card_visa"))
	if s := e.status(order); s != payments.StatusReady {
		t.Fatalf("status before the webhooks = %s, want ready", s)
	}

	payload := sessionCompleted("evt_securityTest0001", cs, order)
	now := time.Now()
	tampered := []byte(strings.Replace(string(payload), `"payment_status":"paid"`, `"payment_status":"paid" `, 1))
	otherBody := sessionCompleted("evt_securityTest0002", cs, order)
	forged := []struct {
		name   string
		body   []byte
		header string // "" for none
	}{
		{"unsigned", payload, ""},
		{"signed with another secret", payload, sign(payload, "whsec_notTheShopsSecret000000", now)},
		{"signed with an empty secret", payload, sign(payload, "", now)},
		{"stale (6 minutes old)", payload, sign(payload, webhookSecret, now.Add(-6*time.Minute))},
		{"replayed a day later", payload, sign(payload, webhookSecret, now.Add(-24*time.Hour))},
		{"from the future (6 minutes)", payload, sign(payload, webhookSecret, now.Add(6*time.Minute))},
		{"tampered body", tampered, sign(payload, webhookSecret, now)},
		{"signature of another event", payload, sign(otherBody, webhookSecret, now)},
		{"malformed header", payload, "t=abc,v1=def"},
		{"no timestamp", payload, strings.Split(sign(payload, webhookSecret, now), ",")[1]},
		{"v0 signature only", payload, strings.Replace(sign(payload, webhookSecret, now), "v1=", "v0=", 1)},
		{"fresh timestamp on an old signature", payload, "t=" + strconv.FormatInt(now.Unix(), 10) + "," + strings.Split(sign(payload, webhookSecret, now.Add(-time.Hour)), ",")[1]},
		{"huge header", payload, "t=" + strconv.FormatInt(now.Unix(), 10) + ",v1=" + strings.Repeat("0", 64<<10)},
	}
	calls := func() int { return len(e.stripeFake.Calls()) }
	for _, f := range forged {
		c0 := calls()
		a := e.post("/payments/stripe/webhook", f.body, "Stripe-Signature", f.header)
		if a.status != http.StatusBadRequest || a.code() != payments.CodeInvalidSignature {
			t.Errorf("%s: %s, want 400 invalid_signature", f.name, a)
		}
		if n := calls() - c0; n != 0 {
			t.Errorf("%s: %d calls to Stripe", f.name, n)
		}
		if s := e.status(order); s != payments.StatusReady {
			t.Fatalf("%s: status %s, want ready", f.name, s)
		}
	}

	// The genuine delivery: processed, after one read of the session.
	c0 := calls()
	a := e.post("/payments/stripe/webhook", payload, "Stripe-Signature", sign(payload, webhookSecret, now))
	if a.status != http.StatusOK || a.field("result") != "processed" {
		t.Fatalf("genuine delivery: %s", a)
	}
	if n := calls() - c0; n != 1 {
		t.Errorf("genuine delivery: %d calls to Stripe, want 1 (the re-read)", n)
	}
	if s := e.status(order); s != payments.StatusPaid {
		t.Fatalf("status after the genuine delivery = %s, want paid", s)
	}

	// Replays: the same delivery, and the same event signed again (as
	// Stripe's retries are): acknowledged as processed (it was), without
	// reading Stripe again.
	for _, r := range []struct{ name, header string }{
		{"replayed as sent", sign(payload, webhookSecret, now)},
		{"signed again", sign(payload, webhookSecret, time.Now().Add(time.Second))},
	} {
		c0 := calls()
		a := e.post("/payments/stripe/webhook", payload, "Stripe-Signature", r.header)
		if a.status != http.StatusOK || a.field("result") != "processed" {
			t.Errorf("%s: %s, want 200 processed", r.name, a)
		}
		if n := calls() - c0; n != 0 {
			t.Errorf("%s: %d calls to Stripe, want 0", r.name, n)
		}
	}

	// A correctly signed event (say, one Stripe sent for a session that the
	// customer then abandoned) claiming payment for a session Stripe has
	// not been paid for: re-read, and the payment stays unpaid.
	open := e.stripeCheckout(openAtStripe)
	lie := sessionCompleted("evt_securityTest0003", open, usdOrder(openAtStripe))
	a = e.post("/payments/stripe/webhook", lie, "Stripe-Signature", sign(lie, webhookSecret, time.Now()))
	if a.status != http.StatusOK {
		t.Errorf("signed event for an open session: %s", a)
	}
	if s := e.status(usdOrder(openAtStripe)); s != payments.StatusReady {
		t.Errorf("a signed event's claim made the payment %s; the session is open at Stripe", s)
	}
	// … and one naming a session of another order changes neither.
	cross := sessionCompleted("evt_securityTest0004", cs, usdOrder(openAtStripe))
	a = e.post("/payments/stripe/webhook", cross, "Stripe-Signature", sign(cross, webhookSecret, time.Now()))
	if a.status != http.StatusOK || e.status(usdOrder(openAtStripe)) != payments.StatusReady {
		t.Errorf("event naming another order's session: %s, status %s", a, e.status(usdOrder(openAtStripe)))
	}
}

// tossWebhook posts a Toss webhook body.
func (e *env) tossWebhook(body any, transmissionID string) answer {
	e.t.Helper()
	return e.post("/payments/toss/webhook", body, "tosspayments-webhook-transmission-id", transmissionID)
}

// TestTossWebhookForgery: Toss webhooks are unsigned, so a deposit
// callback must carry the payment's own secret and a status change is
// re-read from Toss.
func TestTossWebhookForgery(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()

	t.Run("deposit callback", func(t *testing.T) {
		const va, other = 10, 11
		for _, i := range []int{va, other} {
			a := e.post("/payments/toss/virtual-account", map[string]any{
				"order_number": krwOrder(i), "amount": krwAmount(i), "order_name": "보안 테스트", "customer_name": "김토스", "bank": "20",
			})
			if a.status != http.StatusOK || a.field("status") != string(payments.StatusWaitingForDeposit) {
				t.Fatalf("virtual account %s: %s", krwOrder(i), a)
			}
		}
		secretOf := func(i int) string {
			p, ok := e.tossFake.Payment(krwOrder(i))
			if !ok || p.Secret == nil || !strings.HasPrefix(*p.Secret, "ps_") {
				t.Fatalf("no deposit secret for %s", krwOrder(i))
			}
			return *p.Secret
		}
		right, othersSecret := secretOf(va), secretOf(other)
		// The customer pays; the fake records the genuine callback (it
		// has no webhook URL, so it sends nothing itself).
		must(t, e.tossFake.Deposit(ctx, krwOrder(va)))
		var genuine map[string]any
		for _, wh := range e.tossFake.Webhooks() {
			var v map[string]any
			if wh.EventType == tosstest.EventDepositCallback && json.Unmarshal(wh.Body, &v) == nil && v["orderId"] == krwOrder(va) && v["status"] == "DONE" {
				genuine = v
			}
		}
		if genuine == nil || genuine["secret"] != right {
			t.Fatalf("the fake recorded no deposit callback with the secret: %v", genuine)
		}
		with := func(k string, v any) map[string]any {
			m := map[string]any{}
			for a, b := range genuine {
				m[a] = b
			}
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
			return m
		}
		p0 := e.payment(krwOrder(va))
		gets := func() int {
			return e.tossFake.Executions(tosstest.OpGetPayment, "") + e.tossFake.Executions(tosstest.OpGetPaymentByOrderID, "")
		}
		g0 := gets()
		for i, f := range []struct {
			name string
			body map[string]any
		}{
			{"wrong secret", with("secret", "ps_"+strings.Repeat("x", 28))},
			{"another payment's secret", with("secret", othersSecret)},
			{"the secret with a suffix", with("secret", right+"x")},
			{"the secret's prefix", with("secret", right[:len(right)-1])},
			{"secret in another case", with("secret", strings.ToUpper(right))},
			{"no secret", with("secret", nil)},
			{"empty secret", with("secret", "")},
			{"eventType set, wrong secret", with("eventType", "DEPOSIT_CALLBACK")},
		} {
			if f.name == "eventType set, wrong secret" {
				f.body["secret"] = "ps_forged000000000000000000000"
			}
			a := e.tossWebhook(f.body, fmt.Sprintf("forged-deposit-%d", i))
			if a.status != http.StatusBadRequest || a.code() != payments.CodeInvalidSignature {
				t.Errorf("%s: %s, want 400 invalid_signature", f.name, a)
			}
		}
		if p1 := e.payment(krwOrder(va)); p1.Version != p0.Version || p1.Status != payments.StatusWaitingForDeposit {
			t.Errorf("forged callbacks changed the payment: version %d → %d, status %s", p0.Version, p1.Version, p1.Status)
		}
		if n := gets() - g0; n != 0 {
			t.Errorf("forged callbacks made %d reads at Toss", n)
		}
		// A wrong secret for the other, still unpaid, account: refused too.
		a := e.tossWebhook(map[string]any{"createdAt": "2026-01-22T10:00:00.000000", "secret": right, "status": "DONE", "transactionKey": "tx1", "orderId": krwOrder(other)}, "forged-deposit-other")
		if a.status != http.StatusBadRequest || e.status(krwOrder(other)) != payments.StatusWaitingForDeposit {
			t.Errorf("another payment's secret for %s: %s, status %s", krwOrder(other), a, e.status(krwOrder(other)))
		}

		// The genuine callback: accepted, the payment is re-read, paid.
		if a := e.tossWebhook(genuine, "genuine-deposit"); a.status != http.StatusOK {
			t.Fatalf("genuine deposit callback: %s", a)
		}
		if s := e.status(krwOrder(va)); s != payments.StatusPaid {
			t.Errorf("status after the genuine deposit callback = %s, want paid", s)
		}
	})

	t.Run("status change", func(t *testing.T) {
		const authorized, notAtToss = 12, 13
		e.tossReady(authorized)
		key := e.tossAuthorize(authorized) // IN_PROGRESS at Toss: not paid yet
		e.tossReady(notAtToss)
		done := func(order, key string, extra map[string]any) map[string]any {
			data := map[string]any{"paymentKey": key, "orderId": order, "status": "DONE", "totalAmount": 1, "balanceAmount": 1,
				"approvedAt": "2026-01-22T10:00:00+09:00", "method": "카드"}
			for k, v := range extra {
				data[k] = v
			}
			return map[string]any{"eventType": "PAYMENT_STATUS_CHANGED", "createdAt": "2026-01-22T10:00:00.000000", "data": data}
		}
		for i, f := range []struct {
			name, order string
			body        map[string]any
		}{
			{"DONE for an authorized payment", krwOrder(authorized), done(krwOrder(authorized), key, nil)},
			{"DONE without paymentKey", krwOrder(authorized), done(krwOrder(authorized), "", nil)},
			{"DONE with a made-up paymentKey", krwOrder(authorized), done(krwOrder(authorized), "tgen_forged00000000000000", nil)},
			{"DONE with a secret", krwOrder(authorized), done(krwOrder(authorized), key, map[string]any{"secret": "ps_forged"})},
			{"DONE for a payment Toss never saw", krwOrder(notAtToss), done(krwOrder(notAtToss), "tgen_forged00000000000001", nil)},
			{"DONE for it, without paymentKey", krwOrder(notAtToss), done(krwOrder(notAtToss), "", nil)},
		} {
			a := e.tossWebhook(f.body, fmt.Sprintf("forged-status-%d", i))
			if a.status != http.StatusOK {
				t.Errorf("%s: %s, want 200 (acknowledged, not believed)", f.name, a)
			}
			if s := e.status(f.order); s != payments.StatusReady {
				t.Errorf("%s: status %s, want ready", f.name, s)
			}
		}
		if n := e.tossFake.Executions(tosstest.OpConfirm, ""); n != 0 {
			t.Errorf("forged webhooks led to %d confirms at Toss", n)
		}
		// The forged events stand in nobody's way: the real callback
		// confirms, once.
		a := e.get(successTarget(krwOrder(authorized), key, krwAmount(authorized)))
		if a.status != http.StatusSeeOther || !strings.Contains(a.header.Get("Location"), "status=paid") {
			t.Errorf("success callback after the forged webhooks: %d to %q", a.status, a.header.Get("Location"))
		}
		if n := e.tossFake.Executions(tosstest.OpConfirm, key); n != 1 {
			t.Errorf("confirms at Toss = %d, want 1", n)
		}
	})
}
