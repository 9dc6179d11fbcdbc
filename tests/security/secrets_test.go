package security_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/stripe/stripetest"
	"github.com/payments-go/payments/toss/tosstest"
)

// TestSecretsNeverLeak drives the flows that produce errors, with working
// gateways and with gateways configured with wrong keys, so that the scan
// every env runs at cleanup (see scanForSecrets) has declines, refusals,
// authentication failures and deposit secrets to look at. The test also
// checks that the scan sees what it must: the client secrets it allows in
// the /intent answers are really there.
func TestSecretsNeverLeak(t *testing.T) {
	ctx := context.Background()
	admin := []string{"Authorization", "Bearer " + adminToken}

	t.Run("working gateways", func(t *testing.T) {
		e := newEnv(t, envOptions{})

		// Toss: paid, partially refunded, then an over-refund.
		e.payToss(20)
		if a := e.post("/payments/toss/cancel", map[string]any{"order_number": krwOrder(20), "amount": 1000, "reason": "partial"}, admin...); a.status != http.StatusOK {
			t.Errorf("cancel: %s", a)
		}
		if a := e.post("/payments/toss/cancel", map[string]any{"order_number": krwOrder(20), "amount": 1 << 40, "reason": "too much"}, admin...); a.code() != payments.CodeRefundExceedsBalance {
			t.Errorf("over-refund: %s", a)
		}
		// A decline at confirm, twice (the duplicate answers the same).
		e.tossReady(21)
		key := e.tossAuthorize(21)
		must(t, e.tossFake.FailConfirm(key, "REJECT_CARD_COMPANY"))
		for range 2 {
			a := e.get(successTarget(krwOrder(21), key, krwAmount(21)))
			if a.status != http.StatusSeeOther || !strings.Contains(a.header.Get("Location"), "code=REJECT_CARD_COMPANY") {
				t.Errorf("declined callback: %d to %q", a.status, a.header.Get("Location"))
			}
		}
		// The customer cancels in the payment window.
		e.tossReady(22)
		q := url.Values{"code": {"PAY_PROCESS_CANCELED"}, "message": {"사용자에 의해 결제가 취소되었습니다."}, "orderId": {krwOrder(22)}}
		if a := e.get("/payments/toss/fail?" + q.Encode()); a.status != http.StatusSeeOther {
			t.Errorf("fail callback: %s", a)
		}
		// A JSON confirm with a paymentKey Toss does not know.
		e.tossReady(24)
		if a := e.post("/payments/toss/confirm", map[string]any{"payment_key": "tgen_unknown000000000000", "order_number": krwOrder(24), "amount": krwAmount(24)}); a.status < 400 {
			t.Errorf("confirm of an unknown paymentKey: %s", a)
		}
		// A virtual account: the deposit secret passes through the
		// service; then a deposit, and a refund to the customer's account.
		if a := e.post("/payments/toss/virtual-account", map[string]any{
			"order_number": krwOrder(23), "amount": krwAmount(23), "order_name": "보안 테스트", "customer_name": "김토스", "bank": "신한",
		}); a.status != http.StatusOK {
			t.Fatalf("virtual account: %s", a)
		}
		must(t, e.tossFake.Deposit(ctx, krwOrder(23)))
		for _, wh := range e.tossFake.Webhooks() {
			if wh.EventType == tosstest.EventDepositCallback {
				// Delivered as Toss would, the deposit callbacks carry the
				// secret in their bodies.
				e.post("/payments/toss/webhook", wh.Body, "tosspayments-webhook-transmission-id", wh.TransmissionID)
			}
		}
		if s := e.status(krwOrder(23)); s != payments.StatusPaid {
			t.Errorf("virtual account after the deposit: %s", s)
		}
		if a := e.post("/payments/toss/cancel", map[string]any{"order_number": krwOrder(23), "reason": "refund without an account"}, admin...); a.status < 400 {
			t.Errorf("refund of a deposit without an account: %s", a)
		}
		if a := e.post("/payments/toss/cancel", map[string]any{"order_number": krwOrder(23), "reason": "refund",
			"refund_receive_account": map[string]any{"bank": "88", "account_number": "110-123-456789", "holder_name": "김토스"}}, admin...); a.status != http.StatusOK {
			t.Errorf("refund of a deposit: %s", a)
		}

		// Stripe: Checkout paid, the webhook, a refund.
		cs := e.payStripe(20)
		payload := sessionCompleted("evt_secretsTest0001", cs, usdOrder(20))
		e.post("/payments/stripe/webhook", payload, "Stripe-Signature", sign(payload, webhookSecret, time.Now()))
		if a := e.post("/payments/stripe/refund", map[string]any{"order_number": usdOrder(20), "reason": "duplicate order"}, admin...); a.status != http.StatusOK {
			t.Errorf("stripe refund: %s", a)
		}
		// PaymentIntents: paid, declined, 3-D Secure failed, unknown card.
		intents := 0
		for i, pm := range map[int]string{21: stripetest.PMVisa, 22: stripetest.PMDeclined, 23: stripetest.PMThreeDSecure, 24: stripetest.PMInsufficientFunds} {
			a := e.post("/payments/stripe/intent", map[string]any{"order_number": usdOrder(i), "payment_method_id": pm})
			if a.status != http.StatusOK || !strings.Contains(a.field("client_secret"), "_secret_") {
				t.Fatalf("intent with %s: %s", pm, a)
			}
			intents++
			a = e.post("/payments/stripe/confirm", map[string]any{"order_number": usdOrder(i), "return_url": returnURL})
			if a.status >= 500 {
				t.Errorf("confirm with %s: %s", pm, a)
			}
			if pm == stripetest.PMThreeDSecure {
				must(t, e.stripeFake.Authenticate(e.payment(usdOrder(i)).Latest().Reference, false))
				e.post("/payments/stripe/verify", map[string]any{"order_number": usdOrder(i)})
			}
		}
		if a := e.post("/payments/stripe/intent", map[string]any{"order_number": usdOrder(25), "payment_method_id": "pm_doesNotExist"}); a.status < 400 {
			t.Errorf("intent with an unknown payment method: %s", a)
		}
		// Status reads, refreshed from both gateways.
		for _, o := range []string{krwOrder(20), krwOrder(21), krwOrder(23), usdOrder(20), usdOrder(22), usdOrder(23)} {
			e.get("/payments/status?order_number=" + o + "&refresh=true")
		}

		// Errors straight from the service.
		svc := e.svc
		_, err := svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: usdOrder(22)})
		e.collect(err)
		_, err = svc.Confirm(ctx, payments.ConfirmRequest{GatewayOrderID: krwOrder(21), Reference: key})
		e.collect(err)
		_, _, err = svc.Refund(ctx, payments.RefundRequest{OrderNumber: krwOrder(20), Amount: 1 << 40, Reason: "too much"})
		e.collect(err)
		_, _, err = svc.Refund(ctx, payments.RefundRequest{OrderNumber: krwOrder(22), Reason: "not paid"})
		e.collect(err)
		_, err = svc.HandleNotification(ctx, payments.Notification{Gateway: "toss", GatewayOrderID: krwOrder(23), DepositSecret: "ps_wrongWrongWrong0000000000"})
		e.collect(err)
		_, err = svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: usdOrder(26), Gateway: "stripe", PaymentMethod: "pm_doesNotExist"})
		e.collect(err)
		_, err = svc.Confirm(ctx, payments.ConfirmRequest{GatewayOrderID: krwOrder(24), Reference: "tgen_unknown000000000001", Amount: payments.Amount(krwAmount(24))})
		e.collect(err)
		if n := len(e.errs); n < 6 {
			t.Errorf("collected %d errors; the flows should have produced more", n)
		}
		var declined *payments.Error
		if !errors.As(e.errs[0], &declined) || declined.Code != payments.CodePaymentDeclined {
			t.Errorf("the declined confirm returned %v", e.errs[0])
		}

		// The scan's exception is real: each /intent answer holds a client
		// secret, which appears nowhere else.
		if got := countIntentSecrets(e); got != intents {
			t.Errorf("%d /intent answers with a client secret, want %d", got, intents)
		}
		// The telemetry is scanned with the logs: what every hook of the
		// Trace saw is in them.
		if _, err := e.svc.DeliverEvents(ctx); err != nil {
			t.Fatal(err)
		}
		for _, kind := range []string{"trace route ", "trace route_done ", "trace call ", "trace call_done ", "trace changed ", "trace webhook ", "trace delivered "} {
			if !strings.Contains(e.logs.String(), kind) {
				t.Errorf("no %q in the scanned output", strings.TrimSpace(kind))
			}
		}
	})

	t.Run("wrong keys", func(t *testing.T) {
		e := newEnv(t, envOptions{wrongKeys: true})

		// Toss refuses the key at confirm: the customer is sent to the
		// fail page, the shop gets gateway_error.
		e.tossReady(30)
		key := e.tossAuthorize(30)
		a := e.get(successTarget(krwOrder(30), key, krwAmount(30)))
		if a.status != http.StatusSeeOther || !strings.HasPrefix(a.header.Get("Location"), failURL) {
			t.Errorf("success callback with a wrong key: %d to %q", a.status, a.header.Get("Location"))
		}
		e.tossReady(31)
		key31 := e.tossAuthorize(31)
		if a := e.get(successTarget(krwOrder(31), key31, krwAmount(31)), "Accept", "application/json"); a.code() != payments.CodeGatewayError {
			t.Errorf("JSON success callback with a wrong key: %s", a)
		}
		if a := e.post("/payments/toss/virtual-account", map[string]any{
			"order_number": krwOrder(32), "amount": krwAmount(32), "order_name": "보안 테스트", "customer_name": "김토스", "bank": "20",
		}); a.code() != payments.CodeGatewayError {
			t.Errorf("virtual account with a wrong key: %s", a)
		}
		e.tossReady(33)
		e.tossAuthorize(33)
		if a := e.get("/payments/status?order_number=" + krwOrder(33) + "&refresh=true"); a.status < 400 {
			t.Errorf("refresh with a wrong key: %s", a)
		}
		// Stripe refuses it everywhere.
		if a := e.post("/payments/stripe/checkout", checkoutBody(30)); a.code() != payments.CodeGatewayError {
			t.Errorf("checkout with a wrong key: %s", a)
		}
		if a := e.post("/payments/stripe/intent", map[string]any{"order_number": usdOrder(31), "payment_method_id": stripetest.PMVisa}); a.code() != payments.CodeGatewayError {
			t.Errorf("intent with a wrong key: %s", a)
		}

		svc := e.svc
		_, err := svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: usdOrder(32), Gateway: "stripe", SuccessURL: successURL, FailURL: cancelURL})
		e.collect(err)
		_, err = svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: usdOrder(33), Gateway: "stripe", PaymentMethod: stripetest.PMVisa})
		e.collect(err)
		_, err = svc.Refresh(ctx, payments.RefreshRequest{OrderNumber: krwOrder(33)})
		e.collect(err)
		_, err = svc.IssueVirtualAccount(ctx, payments.VirtualAccountRequest{OrderNumber: krwOrder(34), Bank: "20", CustomerName: "김토스"})
		e.collect(err)
		e.tossReady(35)
		key35 := e.tossAuthorize(35)
		_, err = svc.Confirm(ctx, payments.ConfirmRequest{GatewayOrderID: krwOrder(35), Reference: key35, Amount: payments.Amount(krwAmount(35))})
		e.collect(err)
		if len(e.errs) != 5 {
			t.Fatalf("collected %d errors, want 5", len(e.errs))
		}
		for i, err := range e.errs {
			if payments.Code(err) != payments.CodeGatewayError {
				t.Errorf("error #%d: %v, want gateway_error", i, err)
			}
		}
		// The logs say what went wrong, without the key.
		if !strings.Contains(e.logs.String(), "UNAUTHORIZED_KEY") {
			t.Errorf("the logs do not name Toss's UNAUTHORIZED_KEY:\n%s", e.logs.String())
		}
	})
}

func countIntentSecrets(e *env) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, r := range e.responses {
		var v struct {
			ClientSecret string `json:"client_secret"`
		}
		if r.path == "/payments/stripe/intent" && json.Unmarshal(r.body, &v) == nil && strings.Contains(v.ClientSecret, "_secret_") {
			n++
		}
	}
	return n
}

// TestSecretScanFindsLeaks makes sure the scan every test relies on does
// find a secret in each place it looks: a log line, an error (in its text
// or deep in its chain), a response body or header, and a client secret
// outside the /intent answer that created it.
func TestSecretScanFindsLeaks(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.post("/payments/stripe/intent", map[string]any{"order_number": usdOrder(1), "payment_method_id": stripetest.PMVisa})
	clientSecret := a.field("client_secret")
	if clientSecret == "" {
		t.Fatalf("intent: %s", a)
	}
	if leaks, stats := e.leaks(); len(leaks) != 0 {
		t.Fatalf("clean environment: %d leaks (%s): %v", len(leaks), stats, leaks)
	}
	plant := []struct {
		name  string
		plant func()
	}{
		{"log line", func() { e.logs.Write([]byte(`{"msg":"x","key":"` + tossSecretKey + `"}` + "\n")) }},
		{"Basic auth in a log line", func() { e.logs.Write([]byte("Authorization: Basic " + basic(tossWrongSecretKey) + "\n")) }},
		{"error text", func() { e.collect(errors.New("calling with " + stripeSecretKey)) }},
		{"error chain", func() {
			e.collect(&payments.Error{Code: payments.CodeGatewayError, Message: "fine", Err: errors.Join(errors.New("fine"), errors.New(webhookSecret))})
		}},
		{"error field", func() { e.collect(&leakyError{Token: adminToken}) }},
		{"response body", func() {
			e.record(recorded{method: "GET", path: "/payments/status", header: http.Header{}, body: []byte(clientSecret)})
		}},
		{"response header", func() {
			e.record(recorded{method: "GET", path: "/payments/status", header: http.Header{"Location": {"https://shop.example/?k=" + stripeWrongSecretKey}}})
		}},
		{"another intent's client secret in an /intent answer", func() {
			e.record(recorded{method: "POST", path: "/payments/stripe/intent", header: http.Header{}, body: []byte(`{"client_secret":"pi_other_secret_x","note":"` + clientSecret + `"}`)})
		}},
	}
	for i, p := range plant {
		p.plant()
		if leaks, _ := e.leaks(); len(leaks) < i+1 {
			t.Errorf("a secret planted in a %s was not found (%d leaks found)", p.name, len(leaks))
		}
	}
	// Clean up, so that the scan at cleanup passes.
	e.logs.Reset()
	e.mu.Lock()
	e.errs, e.responses = nil, nil
	e.mu.Unlock()
}

type leakyError struct{ Token string }

func (*leakyError) Error() string { return "leaky" }
