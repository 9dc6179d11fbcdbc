package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/status"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/toss"
)

// testShop is the shop started by run on a free port.
type testShop struct {
	t      *testing.T
	url    string
	token  string
	out    *outputBuffer
	client *http.Client
}

// outputBuffer collects run's output and reports when the banner (which
// ends with a blank line) is complete.
type outputBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	ready  chan struct{}
	closed bool
}

func (b *outputBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	if !b.closed && strings.Contains(b.buf.String(), "\n\n") {
		b.closed = true
		close(b.ready)
	}
	return n, err
}

func (b *outputBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startShop runs the shop with env (PAYMENTS_ADDR defaults to
// 127.0.0.1:0) until the test ends, and then checks that it shut down
// cleanly.
func startShop(t *testing.T, env map[string]string) *testShop {
	t.Helper()
	if env == nil {
		env = map[string]string{}
	}
	if env["PAYMENTS_ADDR"] == "" {
		env["PAYMENTS_ADDR"] = "127.0.0.1:0"
	}
	out := &outputBuffer{ready: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, func(k string) string { return env[k] }, out) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run returned %v after shutdown", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("run did not return within 30s of the context's end")
		}
		if t.Failed() {
			t.Logf("shop output:\n%s", out.String())
		}
	})
	select {
	case <-out.ready:
	case err := <-done:
		t.Fatalf("run: %v\n%s", err, out.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("no banner within 30s:\n%s", out.String())
	}
	s := &testShop{t: t, out: out, client: &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	banner := out.String()
	if m := regexp.MustCompile(`(?m)^\s*shop:\s+(\S+?)/?$`).FindStringSubmatch(banner); m != nil {
		s.url = m[1]
	} else {
		t.Fatalf("no shop URL in the banner:\n%s", banner)
	}
	if m := regexp.MustCompile(`(?m)^\s*admin token:\s+([0-9a-f]{32})$`).FindStringSubmatch(banner); m != nil {
		s.token = m[1]
	}
	if tok := env["PAYMENTS_ADMIN_TOKEN"]; tok != "" {
		s.token = tok
	}
	return s
}

// do sends a request (JSON when body is not nil) and returns the status
// and the body.
func (s *testShop) do(method, path string, body any, header http.Header) (int, []byte, http.Header) {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	target := path
	if strings.HasPrefix(path, "/") {
		target = s.url + path
	}
	req, err := http.NewRequest(method, target, r)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.StatusCode, data, resp.Header
}

// form POSTs a form (as a browser submits one) and returns the status and
// the Location header.
func (s *testShop) form(target string, v url.Values) (int, string) {
	s.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = s.url + target
	}
	resp, err := s.client.PostForm(target, v)
	if err != nil {
		s.t.Fatalf("POST %s: %v", target, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Location")
}

// call sends a JSON request, requires status want and decodes the answer
// into out (if not nil).
func (s *testShop) call(method, path string, body any, header http.Header, want int, out any) {
	s.t.Helper()
	code, data, _ := s.do(method, path, body, header)
	if code != want {
		s.t.Fatalf("%s %s: %d %s, want %d", method, path, code, data, want)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			s.t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
}

// wantError requires an error answer with the status and code.
func (s *testShop) wantError(method, path string, body any, header http.Header, wantStatus int, wantCode payments.ErrorCode) {
	s.t.Helper()
	code, data, _ := s.do(method, path, body, header)
	var e struct {
		Error struct {
			Code    payments.ErrorCode `json:"code"`
			Message string             `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal(data, &e)
	if code != wantStatus || e.Error.Code != wantCode {
		s.t.Errorf("%s %s: %d %s, want %d %s", method, path, code, data, wantStatus, wantCode)
	}
}

// payment returns the full status view of order's payment, which only
// the admin gets.
func (s *testShop) payment(order string) status.Payment {
	s.t.Helper()
	var p status.Payment
	s.call("GET", "/payments/status?order_number="+url.QueryEscape(order), nil, bearer(s.token), http.StatusOK, &p)
	return p
}

// wantStatus waits briefly for order's payment to reach want (webhooks
// from the Stripe sandbox are asynchronous).
func (s *testShop) wantStatus(order string, want payments.Status) status.Payment {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p := s.payment(order)
		if p.Status == want {
			return p
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("order %s is %s, want %s", order, p.Status, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newOrder creates an order through the demo order API.
func (s *testShop) newOrder(name string, amount int64, currency string) string {
	s.t.Helper()
	var o orderJSON
	s.call("POST", "/orders", map[string]any{"order_name": name, "amount": amount, "currency": currency}, nil, http.StatusCreated, &o)
	return o.OrderNumber
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

// payTossCard runs the Toss card flow as the page and a customer do it:
// ready, the sandbox payment window's approve, the success callback.
func (s *testShop) payTossCard(order string, amount int64, name string) {
	s.t.Helper()
	var ready toss.ReadyResponse
	s.call("POST", "/payments/toss/ready", map[string]any{
		"order_number": order, "amount": amount, "order_name": name, "method": "CARD",
		"success_url": s.url + "/?toss=success", "fail_url": s.url + "/?toss=fail",
	}, nil, http.StatusOK, &ready)
	if ready.Status != payments.StatusReady || ready.Toss.ClientKey == "" || ready.Toss.OrderID == "" {
		s.t.Fatalf("ready answered %+v", ready)
	}
	if !strings.HasPrefix(ready.Toss.SuccessURL, s.url+"/payments/toss/success") {
		s.t.Fatalf("ready success_url %q is not the shop's callback", ready.Toss.SuccessURL)
	}
	window := url.Values{
		"clientKey": {ready.Toss.ClientKey}, "method": {ready.Toss.Method}, "amount": {strconv.FormatInt(int64(ready.Toss.Amount), 10)},
		"currency": {string(ready.Currency)}, "orderId": {ready.Toss.OrderID}, "orderName": {ready.Toss.OrderName},
		"successUrl": {ready.Toss.SuccessURL}, "failUrl": {ready.Toss.FailURL},
	}
	// The page opens this URL; it must render.
	if code, body, _ := s.do("GET", "/sandbox/toss/sandbox/pay?"+window.Encode(), nil, nil); code != http.StatusOK || !bytes.Contains(body, []byte(`value="approve"`)) {
		s.t.Fatalf("payment window: %d %.300s", code, body)
	}
	window.Set("action", "approve")
	code, loc := s.form("/sandbox/toss/sandbox/pay", window)
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, s.url+"/payments/toss/success?") {
		s.t.Fatalf("approve: %d, Location %q", code, loc)
	}
	code, _, h := s.do("GET", loc, nil, nil)
	if back := h.Get("Location"); code != http.StatusSeeOther || !strings.HasPrefix(back, s.url+"/?") || !strings.Contains(back, "status=paid") {
		s.t.Fatalf("success callback: %d, Location %q", code, back)
	}
}

func TestTossCard(t *testing.T) {
	s := startShop(t, nil)
	var o orderJSON
	s.call("GET", "/orders/ORD-20260122-001", nil, nil, http.StatusOK, &o)
	if want := (orderJSON{OrderNumber: "ORD-20260122-001", OrderName: "Cool T-Shirt 외 1건", Amount: 58990, Currency: "KRW"}); o != want {
		t.Fatalf("demo order = %+v, want %+v", o, want)
	}
	s.wantError("GET", "/payments/status?order_number=ORD-20260122-001", nil, nil, http.StatusNotFound, payments.CodePaymentNotFound)

	// The customer's card is declined in the payment window: the shop's
	// fail page gets the code, the attempt is failed.
	var ready toss.ReadyResponse
	s.call("POST", "/payments/toss/ready", map[string]any{
		"order_number": o.OrderNumber, "amount": 58990, "order_name": o.OrderName, "method": "CARD",
		"success_url": s.url + "/?toss=success", "fail_url": s.url + "/?toss=fail",
	}, nil, http.StatusOK, &ready)
	code, loc := s.form("/sandbox/toss/sandbox/pay", url.Values{
		"clientKey": {ready.Toss.ClientKey}, "method": {ready.Toss.Method}, "amount": {"58990"}, "orderId": {ready.Toss.OrderID},
		"orderName": {ready.Toss.OrderName}, "successUrl": {ready.Toss.SuccessURL}, "failUrl": {ready.Toss.FailURL}, "action": {"decline"},
	})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, s.url+"/payments/toss/fail?") {
		t.Fatalf("decline: %d, Location %q", code, loc)
	}
	code, _, h := s.do("GET", loc, nil, nil)
	if back := h.Get("Location"); code != http.StatusSeeOther || !strings.HasPrefix(back, s.url+"/?") || !strings.Contains(back, "code=REJECT_CARD_COMPANY") {
		t.Fatalf("fail callback: %d, Location %q", code, back)
	}
	s.wantStatus(o.OrderNumber, payments.StatusFailed)

	// A second attempt goes through.
	s.payTossCard(o.OrderNumber, 58990, o.OrderName)
	p := s.wantStatus(o.OrderNumber, payments.StatusPaid)
	if p.Gateway != "toss" || p.Method != payments.MethodCard || p.Amount != 58990 || p.Currency != "KRW" || p.RefundableAmount != 58990 || len(p.Attempts) != 2 {
		t.Errorf("paid payment = %+v", p)
	}
}

func TestTossAmountMismatch(t *testing.T) {
	s := startShop(t, nil)
	s.wantError("POST", "/payments/toss/ready", map[string]any{
		"order_number": "ORD-20260122-001", "amount": 100, "order_name": "x", "method": "CARD",
		"success_url": s.url + "/", "fail_url": s.url + "/",
	}, nil, http.StatusConflict, payments.CodeAmountMismatch)
	// Return URLs off the shop's origin are refused.
	s.wantError("POST", "/payments/toss/ready", map[string]any{
		"order_number": "ORD-20260122-001", "amount": 58990, "order_name": "x", "method": "CARD",
		"success_url": "https://evil.example/", "fail_url": s.url + "/",
	}, nil, http.StatusBadRequest, payments.CodeRedirectNotAllowed)
}

func TestTossVirtualAccountDeposit(t *testing.T) {
	for _, secret := range []string{"", "toss-webhook-token"} {
		name := "no webhook secret"
		if secret != "" {
			name = "TOSS_WEBHOOK_SECRET"
		}
		t.Run(name, func(t *testing.T) {
			s := startShop(t, map[string]string{"TOSS_WEBHOOK_SECRET": secret, "PAYMENTS_SWEEP_INTERVAL": "100ms", "PAYMENTS_SETTLE_AFTER": "100ms"})
			order := s.newOrder("Socks", 15000, "KRW")
			var va toss.VirtualAccountResponse
			s.call("POST", "/payments/toss/virtual-account", map[string]any{
				"order_number": order, "amount": 15000, "order_name": "Socks", "customer_name": "김토스", "bank": "20", "valid_hours": 72,
			}, nil, http.StatusOK, &va)
			if va.Status != payments.StatusWaitingForDeposit || va.AccountNumber == "" || va.Bank != "20" {
				t.Fatalf("virtual account = %+v", va)
			}
			p := s.wantStatus(order, payments.StatusWaitingForDeposit)
			if p.VirtualAccount == nil || p.VirtualAccount.AccountNumber != va.AccountNumber || p.GatewayReference == nil {
				t.Fatalf("status = %+v", p)
			}

			// The page's "simulate deposit" button posts this form.
			redirect := s.url + "/?order_number=" + order + "&deposit=done"
			code, loc := s.form("/sandbox/toss/deposit", url.Values{"order_number": {order}, "redirect": {redirect}})
			if code != http.StatusSeeOther || loc != redirect {
				t.Fatalf("deposit: %d, Location %q", code, loc)
			}
			// The deposit webhooks arrive before the redirect (in-process),
			// so no reconciliation is needed.
			p = s.payment(order)
			if p.Status != payments.StatusPaid {
				t.Fatalf("after the deposit the payment is %s, want paid", p.Status)
			}
			// A second deposit is refused: the account takes no more.
			if code, _ := s.form("/sandbox/toss/deposit", url.Values{"order_number": {order}, "redirect": {redirect}}); code != http.StatusConflict {
				t.Errorf("second deposit: %d, want 409", code)
			}

			// A deposited virtual account is refunded to the customer's
			// account: pending until the bank transfer lands, which the
			// background loop then records.
			var r struct {
				status.Payment
				Refund status.Refund `json:"refund"`
			}
			s.call("POST", "/payments/toss/cancel", map[string]any{
				"order_number": order, "reason": "Customer request",
				"refund_receive_account": map[string]string{"bank": "20", "account_number": "1002123456789", "holder_name": "김토스"},
			}, bearer(s.token), http.StatusOK, &r)
			if r.Refund.Status != payments.RefundPending || r.Refund.Amount != 15000 {
				t.Errorf("refund of a deposited virtual account: %+v, want 15000 pending", r.Refund)
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				p := s.payment(order)
				if p.Status == payments.StatusRefunded && p.RefundedAmount == 15000 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the refund did not land: %s, refunded %d, refunds %+v", p.Status, p.RefundedAmount, p.Refunds)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

// TestTossWebhookToken: with TOSS_WEBHOOK_SECRET, the Toss webhook route
// wants it as ?token=.
func TestTossWebhookToken(t *testing.T) {
	s := startShop(t, map[string]string{"TOSS_WEBHOOK_SECRET": "hook-token-123"})
	ev := map[string]any{"eventType": "PAYMENT_STATUS_CHANGED", "createdAt": "2026-01-22T10:00:00.000000", "data": map[string]any{"paymentKey": "nope", "orderId": "ORD-UNKNOWN-1", "status": "DONE"}}
	s.wantError("POST", "/payments/toss/webhook", ev, nil, http.StatusUnauthorized, payments.CodeUnauthorized)
	s.wantError("POST", "/payments/toss/webhook?token=wrong", ev, nil, http.StatusUnauthorized, payments.CodeUnauthorized)
	if code, body, _ := s.do("POST", "/payments/toss/webhook?token=hook-token-123", ev, nil); code != http.StatusOK {
		t.Errorf("webhook with the token: %d %s, want 200", code, body)
	}
	if strings.Contains(s.out.String(), "hook-token-123") {
		t.Errorf("the webhook token appears in the output")
	}
}

func TestStripeCheckout(t *testing.T) {
	s := startShop(t, nil)
	order := s.newOrder("Hoodie", 2500, "USD")
	var co stripe.CheckoutResponse
	base := s.url + "/?order_number=" + order
	s.call("POST", "/payments/stripe/checkout", map[string]any{
		"order_number": order,
		"success_url":  base + "&stripe=checkout&session_id={CHECKOUT_SESSION_ID}",
		"cancel_url":   base + "&stripe=canceled",
	}, nil, http.StatusOK, &co)
	if !strings.HasPrefix(co.URL, s.url+"/sandbox/stripe/sandbox/checkout/") || !strings.HasPrefix(co.SessionID, "cs_") {
		t.Fatalf("checkout = %+v", co)
	}
	if code, body, _ := s.do("GET", co.URL, nil, nil); code != http.StatusOK || !bytes.Contains(body, []byte("$25.00")) {
		t.Fatalf("hosted checkout page: %d %.300s", code, body)
	}
	code, loc := s.form(co.URL, url.Values{"action": {"pay"}, "card": {"visa"}})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, base+"&stripe=checkout") {
		t.Fatalf("pay: %d, Location %q", code, loc)
	}
	u, err := url.Parse(loc)
	if err != nil || u.Query().Get("session_id") != co.SessionID {
		t.Fatalf("success_url %q does not carry the session id %s", loc, co.SessionID)
	}
	// What the page does when Stripe sends the customer back.
	var v status.Payment
	s.call("POST", "/payments/stripe/verify", map[string]any{"order_number": order, "session_id": co.SessionID}, nil, http.StatusOK, &v)
	if v.Status != payments.StatusPaid || v.Amount != 2500 || v.Currency != "USD" || v.Gateway != "stripe" {
		t.Errorf("verify = %+v", v)
	}
}

func TestStripeCardAnd3DS(t *testing.T) {
	s := startShop(t, nil)

	// pm_card_visa: paid at confirm.
	order := s.newOrder("Cap", 1990, "EUR")
	var in stripe.IntentResponse
	s.call("POST", "/payments/stripe/intent", map[string]any{"order_number": order, "payment_method_id": "pm_card_visa"}, nil, http.StatusOK, &in)
	var c stripe.ConfirmResponse
	s.call("POST", "/payments/stripe/confirm", map[string]any{"order_number": order, "payment_intent_id": in.PaymentIntentID, "return_url": s.url + "/?stripe=3ds"}, nil, http.StatusOK, &c)
	if c.Status != payments.StatusPaid || c.NextAction != nil {
		t.Errorf("confirm with pm_card_visa = %s, next action %+v", c.Status, c.NextAction)
	}

	// The 3-D Secure test card: requires_action, the challenge, then paid.
	order = s.newOrder("Cap", 12000, "KRW")
	s.call("POST", "/payments/stripe/intent", map[string]any{"order_number": order, "payment_method_id": "pm_card_threeDSecure2Required"}, nil, http.StatusOK, &in)
	returnURL := s.url + "/?order_number=" + order + "&stripe=3ds"
	c = stripe.ConfirmResponse{}
	s.call("POST", "/payments/stripe/confirm", map[string]any{"order_number": order, "payment_intent_id": in.PaymentIntentID, "return_url": returnURL}, nil, http.StatusOK, &c)
	if c.Status != payments.StatusRequiresAction || c.NextAction == nil || c.NextAction.Type != "redirect_to_url" ||
		!strings.HasPrefix(c.NextAction.RedirectToURL, s.url+"/sandbox/stripe/sandbox/3ds/") {
		t.Fatalf("confirm with the 3-D Secure card = %s, next action %+v", c.Status, c.NextAction)
	}
	if code, body, _ := s.do("GET", c.NextAction.RedirectToURL, nil, nil); code != http.StatusOK || !bytes.Contains(body, []byte(`value="complete"`)) {
		t.Fatalf("challenge page: %d %.300s", code, body)
	}
	code, loc := s.form(c.NextAction.RedirectToURL, url.Values{"action": {"complete"}})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, returnURL+"&") {
		t.Fatalf("complete: %d, Location %q", code, loc)
	}
	u, _ := url.Parse(loc)
	if u.Query().Get("payment_intent") != in.PaymentIntentID || u.Query().Get("redirect_status") != "succeeded" {
		t.Fatalf("return URL %q", loc)
	}
	var v status.Payment
	s.call("POST", "/payments/stripe/verify", map[string]any{"order_number": order, "payment_intent_id": in.PaymentIntentID}, nil, http.StatusOK, &v)
	if v.Status != payments.StatusPaid {
		t.Errorf("after 3-D Secure: %s, want paid", v.Status)
	}

	// A declined card is a 402 and the order can be paid again.
	order = s.newOrder("Cap", 1990, "EUR")
	s.call("POST", "/payments/stripe/intent", map[string]any{"order_number": order, "payment_method_id": "pm_card_chargeDeclined"}, nil, http.StatusOK, &in)
	s.wantError("POST", "/payments/stripe/confirm", map[string]any{"order_number": order, "payment_intent_id": in.PaymentIntentID}, nil, http.StatusPaymentRequired, payments.CodePaymentDeclined)
}

func TestRefundNeedsAdminToken(t *testing.T) {
	for _, tokenFrom := range []string{"generated", "PAYMENTS_ADMIN_TOKEN"} {
		t.Run(tokenFrom, func(t *testing.T) {
			env := map[string]string{}
			if tokenFrom == "PAYMENTS_ADMIN_TOKEN" {
				env["PAYMENTS_ADMIN_TOKEN"] = "my-own-admin-token-0001"
			}
			s := startShop(t, env)
			if s.token == "" {
				t.Fatalf("no admin token in the banner:\n%s", s.out.String())
			}
			s.payTossCard("ORD-20260122-001", 58990, "Cool T-Shirt 외 1건")
			body := map[string]any{"order_number": "ORD-20260122-001", "amount": 10000, "reason": "Customer request"}
			s.wantError("POST", "/payments/toss/cancel", body, nil, http.StatusUnauthorized, payments.CodeUnauthorized)
			s.wantError("POST", "/payments/toss/cancel", body, bearer("wrong-token"), http.StatusUnauthorized, payments.CodeUnauthorized)
			if s.payment("ORD-20260122-001").RefundedAmount != 0 {
				t.Fatal("a refused refund changed the payment")
			}

			var r struct {
				status.Payment
				Refund status.Refund `json:"refund"`
			}
			s.call("POST", "/payments/toss/cancel", body, bearer(s.token), http.StatusOK, &r)
			if r.Status != payments.StatusPartiallyRefunded || r.RefundedAmount != 10000 || r.RefundableAmount != 48990 || r.Refund.Amount != 10000 {
				t.Errorf("partial refund: %s, refunded %d, refundable %d, refund %+v", r.Status, r.RefundedAmount, r.RefundableAmount, r.Refund)
			}
			s.call("POST", "/payments/toss/cancel", map[string]any{"order_number": "ORD-20260122-001", "reason": "The rest"}, bearer(s.token), http.StatusOK, &r)
			if r.Status != payments.StatusRefunded || r.RefundedAmount != 58990 {
				t.Errorf("refund of the rest: %s, refunded %d", r.Status, r.RefundedAmount)
			}

			// The Stripe route refunds Stripe payments with the same token.
			order := s.newOrder("Cap", 1990, "EUR")
			var in stripe.IntentResponse
			s.call("POST", "/payments/stripe/intent", map[string]any{"order_number": order, "payment_method_id": "pm_card_visa"}, nil, http.StatusOK, &in)
			s.call("POST", "/payments/stripe/confirm", map[string]any{"order_number": order}, nil, http.StatusOK, nil)
			s.wantError("POST", "/payments/stripe/refund", map[string]any{"order_number": order, "amount": 500, "reason": "x"}, nil, http.StatusUnauthorized, payments.CodeUnauthorized)
			s.call("POST", "/payments/stripe/refund", map[string]any{"order_number": order, "amount": 500, "reason": "Customer request"}, bearer(s.token), http.StatusOK, &r)
			if r.Status != payments.StatusPartiallyRefunded || r.RefundedAmount != 500 {
				t.Errorf("Stripe partial refund: %s, refunded %d", r.Status, r.RefundedAmount)
			}

			// The token is printed once, in the banner, and only when generated.
			n := strings.Count(s.out.String(), s.token)
			if tokenFrom == "generated" && n != 1 {
				t.Errorf("the generated admin token appears %d times in the output, want once (the banner)", n)
			}
			if tokenFrom == "PAYMENTS_ADMIN_TOKEN" && n != 0 {
				t.Errorf("PAYMENTS_ADMIN_TOKEN appears %d times in the output, want never", n)
			}
		})
	}
}

func TestOrdersAPI(t *testing.T) {
	s := startShop(t, nil)
	var o orderJSON
	s.call("POST", "/orders", map[string]any{"order_number": "MY-ORDER-0001", "order_name": "Mug", "amount": 12000, "currency": "KRW"}, nil, http.StatusCreated, &o)
	if want := (orderJSON{OrderNumber: "MY-ORDER-0001", OrderName: "Mug", Amount: 12000, Currency: "KRW"}); o != want {
		t.Errorf("created %+v, want %+v", o, want)
	}
	s.call("GET", "/orders/MY-ORDER-0001", nil, nil, http.StatusOK, &o)
	if o.OrderName != "Mug" {
		t.Errorf("GET = %+v", o)
	}
	s.call("POST", "/orders", map[string]any{"order_name": "Mug", "amount": 1200, "currency": "USD"}, nil, http.StatusCreated, &o)
	if !regexp.MustCompile(`^ORD-\d{8}-[0-9A-F]{6}$`).MatchString(o.OrderNumber) {
		t.Errorf("generated order number %q", o.OrderNumber)
	}

	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   payments.ErrorCode
	}{
		{"duplicate number", map[string]any{"order_number": "MY-ORDER-0001", "order_name": "Mug", "amount": 1, "currency": "KRW"}, 400, payments.CodeInvalidRequest},
		{"unknown field", map[string]any{"order_name": "Mug", "amount": 1, "currency": "KRW", "price": 3}, 400, payments.CodeInvalidRequest},
		{"no name", map[string]any{"amount": 1, "currency": "KRW"}, 400, payments.CodeInvalidRequest},
		{"zero amount", map[string]any{"order_name": "Mug", "amount": 0, "currency": "KRW"}, 400, payments.CodeInvalidRequest},
		{"fractional amount", map[string]any{"order_name": "Mug", "amount": 1.5, "currency": "USD"}, 400, payments.CodeInvalidRequest},
		{"bad currency", map[string]any{"order_name": "Mug", "amount": 100, "currency": "XXQ"}, 400, payments.CodeInvalidRequest},
		{"no currency", map[string]any{"order_name": "Mug", "amount": 100}, 400, payments.CodeInvalidRequest},
		{"bad number", map[string]any{"order_number": "ORD 1/2", "order_name": "Mug", "amount": 100, "currency": "KRW"}, 400, payments.CodeInvalidRequest},
	} {
		code, data, _ := s.do("POST", "/orders", tc.body, nil)
		var e struct {
			Error struct {
				Code payments.ErrorCode `json:"code"`
			} `json:"error"`
		}
		if err := json.Unmarshal(data, &e); err != nil || code != tc.status || e.Error.Code != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, code, data, tc.status, tc.code)
		}
	}
	code, _, _ := s.do("POST", "/orders", nil, http.Header{"Content-Type": {"text/plain"}})
	if code != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain body: %d, want 415", code)
	}
	s.wantError("GET", "/orders/NOPE-123456", nil, nil, http.StatusNotFound, payments.CodeOrderNotFound)
}

func TestPageAndSandboxRoutes(t *testing.T) {
	s := startShop(t, nil)
	code, body, h := s.do("GET", "/", nil, nil)
	if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", code, h.Get("Content-Type"))
	}
	for _, id := range []string{"order-number", "status", "pay-toss-card", "pay-toss-va", "simulate-deposit", "pay-stripe-checkout",
		"pay-stripe-card", "pay-stripe-3ds", "admin-token", "refund-amount", "refund", "create-order", "error", "message"} {
		if !bytes.Contains(body, []byte(`id="`+id+`"`)) {
			t.Errorf("the page has no #%s", id)
		}
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("sandbox page CSP = %q", csp)
	}
	if bytes.Contains(body, []byte("https://")) {
		t.Errorf("the page refers to an outside asset in sandbox mode")
	}
	for _, p := range []string{"/static/app.js", "/static/style.css", "/healthz"} {
		if code, _, _ := s.do("GET", p, nil, nil); code != http.StatusOK {
			t.Errorf("GET %s: %d", p, code)
		}
	}
	var pc pageConfig
	s.call("GET", "/config", nil, nil, http.StatusOK, &pc)
	if pc.Toss.Mode != "sandbox" || pc.Stripe.Mode != "sandbox" || pc.Toss.SandboxURL != "/sandbox/toss/sandbox" ||
		pc.Toss.DepositURL != "/sandbox/toss/deposit" || pc.PublicURL != s.url || pc.DefaultOrder != "ORD-20260122-001" {
		t.Errorf("config = %+v", pc)
	}
	// The deposit form takes an order of the shop and redirects only to
	// the shop.
	if code, _ := s.form("/sandbox/toss/deposit", url.Values{"order_number": {"ORD-20260122-001"}, "redirect": {"https://evil.example/"}}); code != http.StatusBadRequest {
		t.Errorf("deposit with a foreign redirect: %d, want 400", code)
	}
	if code, _ := s.form("/sandbox/toss/deposit", url.Values{"order_number": {"NO-SUCH-ORDER"}, "redirect": {s.url + "/"}}); code != http.StatusNotFound {
		t.Errorf("deposit for an unknown order: %d, want 404", code)
	}
	if code, _ := s.form("/sandbox/toss/deposit", url.Values{"order_number": {"ORD-20260122-001"}, "redirect": {s.url + "/"}}); code != http.StatusNotFound {
		t.Errorf("deposit for an order without a payment: %d, want 404", code)
	}
	// Only the fakes' browser pages are exposed, not their APIs.
	for _, p := range []string{"/sandbox/toss/v1/payments/x", "/sandbox/stripe/v1/payment_intents/pi_1", "/sandbox/toss/"} {
		if code, _, _ := s.do("GET", p, nil, nil); code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, code)
		}
	}
}

// TestLogsAreJSONWithoutSecrets runs the flows and checks the output: a
// text banner, then JSON log lines only, none of them with a key, webhook
// secret, client secret, admin token or query string.
func TestLogsAreJSONWithoutSecrets(t *testing.T) {
	s := startShop(t, map[string]string{"STRIPE_WEBHOOK_SECRET": "whsec_shopTestSecret", "TOSS_WEBHOOK_SECRET": "tossHookToken42"})
	s.payTossCard("ORD-20260122-001", 58990, "Cool T-Shirt 외 1건")
	order := s.newOrder("Cap", 12000, "KRW")
	var in stripe.IntentResponse
	s.call("POST", "/payments/stripe/intent", map[string]any{"order_number": order, "payment_method_id": "pm_card_visa"}, nil, http.StatusOK, &in)
	if in.ClientSecret == "" {
		t.Fatal("the intent has no client secret to look for")
	}
	s.call("POST", "/payments/stripe/confirm", map[string]any{"order_number": order}, nil, http.StatusOK, nil)
	s.wantStatus(order, payments.StatusPaid)
	s.call("POST", "/payments/stripe/refund", map[string]any{"order_number": order, "reason": "r"}, bearer(s.token), http.StatusOK, nil)

	out := s.out.String()
	_, logs, _ := strings.Cut(out, "\n\n")
	lines := strings.Split(strings.TrimSpace(logs), "\n")
	if len(lines) < 5 {
		t.Fatalf("only %d log lines:\n%s", len(lines), out)
	}
	for _, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("log line is not JSON: %s", line)
		}
	}
	for _, secret := range []string{
		s.token, sandboxTossSecretKey, sandboxStripeSecretKey, "whsec_shopTestSecret", "tossHookToken42",
		in.ClientSecret, "_secret_", "paymentKey=",
	} {
		if secret == "" {
			continue
		}
		if n := strings.Count(logs, secret); n > 0 {
			t.Errorf("the logs contain %q %d times", secret, n)
		}
	}
}

func TestRunRefusesBadConfig(t *testing.T) {
	var out bytes.Buffer
	err := run(t.Context(), func(k string) string {
		return map[string]string{"PAYMENTS_ADDR": "127.0.0.1:0", "TOSS_SECRET_KEY": "test_sk_only"}[k]
	}, &out)
	if err == nil || !strings.Contains(err.Error(), "TOSS_CLIENT_KEY") {
		t.Errorf("run = %v, want an error about TOSS_CLIENT_KEY", err)
	}
	err = run(t.Context(), func(k string) string {
		return map[string]string{"PAYMENTS_ADDR": "127.0.0.1:0", "TOSS_SECRET_KEY": "test_ck_oops", "TOSS_CLIENT_KEY": "test_ck_oops"}[k]
	}, &out)
	if err == nil || !strings.Contains(err.Error(), "client key") {
		t.Errorf("run with a client key as secret key = %v, want toss's error", err)
	}
	if strings.Contains(out.String(), "test_ck_oops") {
		t.Errorf("output shows the key: %s", out.String())
	}
}
