package stripe_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/stripe/stripetest"
)

// hDelivering builds the handler over stripe.Gateway (configured by
// gwCfg) against a stripetest server that delivers its events, signed,
// to the handler's /webhook. flush waits for the deliveries.
func hDelivering(t *testing.T, cfg stripetest.Config, gwCfg stripe.Config) (e *hEnv, flush func()) {
	t.Helper()
	var h http.Handler
	var mu sync.Mutex
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hh := h
		mu.Unlock()
		http.StripPrefix("/payments/stripe", hh).ServeHTTP(w, r)
	}))
	t.Cleanup(hook.Close)
	cfg.WebhookURL = hook.URL + "/payments/stripe/webhook"
	if cfg.PublicURL == "" {
		cfg.PublicURL = hPublicURL
	}
	cfg.WebhookSecret = hSecret
	srv, ts := stripetest.NewTestServer(t, cfg)
	gwCfg.SecretKey, gwCfg.BaseURL, gwCfg.HTTPClient, gwCfg.MaxNetworkRetries = hStripeKey, ts.URL, ts.Client(), -1
	g, err := stripe.New(gwCfg)
	if err != nil {
		t.Fatal(err)
	}
	e = hBuild(t, g, hOpts{})
	e.srv = srv
	mu.Lock()
	h = e.h
	mu.Unlock()
	flush = func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		if err := srv.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		for _, ev := range srv.Events() {
			if !ev.Delivered {
				t.Errorf("event %s %s not acknowledged: %d %s", ev.ID, ev.Type, ev.LastStatus, ev.LastError)
			}
		}
	}
	return e, flush
}

func (e *hEnv) payment(order string) *payments.Payment {
	e.t.Helper()
	p, err := e.svc.Payment(context.Background(), order)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// TestCheckoutDelayedMethod: a Checkout Session paid by ACH Direct Debit
// completes unpaid; the payment is processing, recorded as a bank
// transfer, until the debit settles; a failed debit
// (checkout.session.async_payment_failed) fails the payment instead of
// leaving it processing. Only the signed webhooks move it.
func TestCheckoutDelayedMethod(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pm    string
		want  payments.Status
		event string
	}{
		{"succeeds", stripetest.PMUSBankAccount, payments.StatusPaid, "checkout.session.async_payment_succeeded"},
		{"fails", stripetest.PMUSBankAccountInsufficientFunds, payments.StatusFailed, "checkout.session.async_payment_failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, flush := hDelivering(t, stripetest.Config{}, stripe.Config{})
			co := e.postOK("/checkout", hJSON(stripe.CheckoutRequest{OrderNumber: hUSD, SuccessURL: hOrigin + "/ok", CancelURL: hOrigin + "/cart"}))
			if err := e.srv.CompleteSession(co["session_id"].(string), tc.pm); err != nil {
				t.Fatal(err)
			}
			flush()
			p := e.payment(hUSD)
			if p.Status != payments.StatusProcessing || p.Method != payments.MethodTransfer {
				t.Fatalf("after checkout: status %s method %s, want processing TRANSFER", p.Status, p.Method)
			}
			if err := e.srv.Settle(p.GatewayReference); err != nil {
				t.Fatal(err)
			}
			flush()
			p = e.payment(hUSD)
			if p.Status != tc.want || p.Method != payments.MethodTransfer {
				t.Fatalf("after settlement: status %s method %s, want %s TRANSFER", p.Status, p.Method, tc.want)
			}
			if tc.want == payments.StatusFailed {
				if a := p.Latest(); a.Failure == nil || a.Failure.Code != "insufficient_funds" {
					t.Errorf("failure = %+v, want insufficient_funds", a.Failure)
				}
				// The customer may pay again, by card.
				co := e.postOK("/checkout", hJSON(stripe.CheckoutRequest{OrderNumber: hUSD, SuccessURL: hOrigin + "/ok", CancelURL: hOrigin + "/cart"}))
				if err := e.srv.CompleteSession(co["session_id"].(string), stripetest.PMVisa); err != nil {
					t.Fatal(err)
				}
				flush()
				if p := e.payment(hUSD); p.Status != payments.StatusPaid || p.Method != payments.MethodCard {
					t.Errorf("second attempt: %s %s, want paid CARD", p.Status, p.Method)
				}
			}
			seen := false
			for _, ev := range e.srv.Events() {
				seen = seen || ev.Type == tc.event
			}
			if !seen {
				t.Errorf("no %s event", tc.event)
			}
		})
	}
}

// TestCheckoutPaymentMethodTypes: Config.PaymentMethodTypes is sent as
// payment_method_types; without it nothing is sent and the session offers
// the Dashboard's methods, a delayed one included.
func TestCheckoutPaymentMethodTypes(t *testing.T) {
	o := payments.Order{Number: "ORD-PMT", Name: "Mug", Amount: 1234, Currency: payments.USD}
	for _, tc := range []struct {
		name    string
		types   []string
		form    []string
		offered []string
	}{
		{"Dashboard's", nil, nil, []string{"card", "us_bank_account"}},
		{"card only", []string{"card"}, []string{"card"}, []string{"card"}},
		{"card and ACH", []string{"card", "us_bank_account"}, []string{"card", "us_bank_account"}, []string{"card", "us_bank_account"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, ts := stripetest.NewTestServer(t, stripetest.Config{})
			g, err := stripe.New(stripe.Config{SecretKey: gwTestKey, BaseURL: ts.URL, HTTPClient: ts.Client(), PaymentMethodTypes: tc.types})
			if err != nil {
				t.Fatal(err)
			}
			ch, err := g.Prepare(t.Context(), &payments.PrepareParams{IdempotencyKey: "prepare-pmt", Order: o, GatewayOrderID: o.Number,
				Method: payments.MethodCard, SuccessURL: "https://shop.example/ok"})
			if err != nil {
				t.Fatal(err)
			}
			calls := srv.Calls()
			var form []string
			for i := 0; ; i++ {
				v, ok := calls[0].Form[fmt.Sprintf("payment_method_types[%d]", i)]
				if !ok {
					break
				}
				form = append(form, v...)
			}
			if diff := cmp.Diff(tc.form, form); diff != "" {
				t.Errorf("payment_method_types sent (-want +got):\n%s", diff)
			}
			page := httptest.NewRecorder()
			srv.ServeHTTP(page, httptest.NewRequest(http.MethodGet, "/sandbox/checkout/"+ch.Session, nil))
			if bank := strings.Contains(page.Body.String(), "US bank account"); bank != (len(tc.offered) == 2) {
				t.Errorf("hosted page offers a bank account: %v, want %v", bank, len(tc.offered) == 2)
			}
		})
	}
	for _, bad := range [][]string{{""}, {"Card"}, {"card", "card"}, {"card; drop"}} {
		if _, err := stripe.New(stripe.Config{SecretKey: gwTestKey, PaymentMethodTypes: bad}); err == nil {
			t.Errorf("New with PaymentMethodTypes %q: no error", bad)
		}
	}
}

// TestLookupMethod: the method is the charged payment method's type,
// mapped to the library's methods; an unknown type leaves it empty (the
// attempt keeps its method).
func TestLookupMethod(t *testing.T) {
	for _, tc := range []struct {
		typ  string
		pm   bool // on the expanded payment method instead of the charge
		want payments.Method
	}{
		{"card", false, payments.MethodCard},
		{"us_bank_account", false, payments.MethodTransfer},
		{"sepa_debit", true, payments.MethodTransfer},
		{"ideal", false, payments.MethodTransfer},
		{"customer_balance", false, payments.MethodVirtualAccount},
		{"konbini", false, payments.MethodVirtualAccount},
		{"kakao_pay", false, payments.MethodEasyPay},
		{"link", true, payments.MethodEasyPay},
		{"klarna", false, payments.MethodEasyPay},
		{"brand_new_method", false, ""},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			t.Parallel()
			var pi map[string]any
			if err := json.Unmarshal([]byte(gwFixture(t, "pi_succeeded.json")), &pi); err != nil {
				t.Fatal(err)
			}
			if tc.pm {
				pi["payment_method"] = map[string]any{"id": "pm_1Fixture", "object": "payment_method", "type": tc.typ}
				delete(pi["latest_charge"].(map[string]any), "payment_method_details")
			} else {
				pi["latest_charge"].(map[string]any)["payment_method_details"] = map[string]any{"type": tc.typ}
			}
			body, err := json.Marshal(pi)
			if err != nil {
				t.Fatal(err)
			}
			m := gwMockGateway(t)
			m.on(http.MethodGet, gwPIPath, gwReply(200, string(body)))
			got, err := m.g.Lookup(t.Context(), &payments.LookupParams{OrderNumber: "ORD-1", Reference: "pi_3Ofixture"})
			if err != nil || got.Method != tc.want {
				t.Errorf("Lookup = %v, %v; want method %q", got, err, tc.want)
			}
			if reqs := m.requests(http.MethodGet, gwPIPath); len(reqs) != 1 || reqs[0].Form.Get("expand[1]") != "payment_method" {
				t.Errorf("requests = %+v, want latest_charge and payment_method expanded", reqs)
			}
		})
	}
}

// TestZeroTotalSession: a Checkout Session completed with nothing to
// collect (a 100% discount: payment_status no_payment_required,
// amount_total 0) does not pay an order of 2500 USD, neither by /verify
// nor by its signed webhook.
func TestZeroTotalSession(t *testing.T) {
	e := hStripeEnv(t, stripetest.Config{}, hOpts{})
	co := e.postOK("/checkout", hJSON(stripe.CheckoutRequest{OrderNumber: hOrder3, SuccessURL: hOrigin + "/ok", CancelURL: hOrigin + "/cart"}))
	session := co["session_id"].(string)
	if err := e.srv.Discount(session, 100); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.CompleteSession(session, stripetest.PMVisa); err != nil {
		t.Fatal(err)
	}

	var completed []byte
	for _, ev := range e.srv.Events() {
		if ev.Type == "checkout.session.completed" {
			completed = ev.Payload
		}
	}
	if completed == nil {
		t.Fatal("no checkout.session.completed event")
	}
	w := e.deliver(completed, e.srv.Sign(completed))
	hWantAnswer(t, w, "ignored")
	if m := hMap(t, w); m["reason"] != string(payments.CodeAmountMismatch) {
		t.Errorf("webhook answer = %v, want reason amount_mismatch", m)
	}
	if p := e.payment(hOrder3); p.Status.Paid() {
		t.Fatalf("after the webhook: status %s, want not paid", p.Status)
	}

	hWantError(t, e.post("/verify", `{"order_number":"`+hOrder3+`","session_id":"`+session+`"}`), http.StatusConflict, payments.CodeAmountMismatch)
	if p := e.payment(hOrder3); p.Status.Paid() {
		t.Fatalf("after /verify: status %s, want not paid", p.Status)
	}
}

// TestWebhookRefundUpdated: at API version 2023-10-16 a card refund that
// settles later is reported by charge.refund.updated (refund.updated only
// with the acacia option); the webhook settles the pending refund, and a
// refund that fails gives its amount back to the refundable balance.
func TestWebhookRefundUpdated(t *testing.T) {
	for _, tc := range []struct {
		name   string
		acacia bool
		settle func(srv *stripetest.Server, id string) error
		want   payments.RefundStatus
		event  string
	}{
		{"succeeds", false, (*stripetest.Server).SettleRefund, payments.RefundSucceeded, "charge.refund.updated"},
		{"fails", false, func(srv *stripetest.Server, id string) error { return srv.FailRefund(id, "expired_or_canceled_card") },
			payments.RefundFailed, "charge.refund.updated"},
		{"acacia", true, (*stripetest.Server).SettleRefund, payments.RefundSucceeded, "refund.updated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, flush := hDelivering(t, stripetest.Config{AcaciaRefundEvents: tc.acacia}, stripe.Config{})
			e.postOK("/intent", hJSON(stripe.IntentRequest{OrderNumber: hUSD, PaymentMethodID: stripetest.PMPendingRefund}))
			e.postOK("/confirm", `{"order_number":"`+hUSD+`"}`)
			out := e.postOK("/refund", `{"order_number":"`+hUSD+`","amount":500,"reason":"size"}`, "Authorization", "Bearer "+hAdminToken)
			rf := out["refund"].(map[string]any)
			if rf["status"] != "pending" || fmt.Sprint(out["refundable_amount"]) != "1499" {
				t.Fatalf("refund = %v, want pending, 1499 refundable", out)
			}
			flush()
			if err := tc.settle(e.srv, rf["gateway_reference"].(string)); err != nil {
				t.Fatal(err)
			}
			flush()
			p := e.payment(hUSD)
			if r := p.Refund(rf["id"].(string)); r == nil || r.Status != tc.want {
				t.Fatalf("refund after %s = %+v, want %s", tc.event, r, tc.want)
			}
			switch tc.want {
			case payments.RefundSucceeded:
				if p.Status != payments.StatusPartiallyRefunded || p.Refundable() != 1499 {
					t.Errorf("payment %s, refundable %d; want partially_refunded, 1499", p.Status, p.Refundable())
				}
			case payments.RefundFailed:
				if p.Status != payments.StatusPaid || p.Refundable() != 1999 {
					t.Errorf("payment %s, refundable %d; want paid, 1999", p.Status, p.Refundable())
				}
			}
			// The event is acted on, not ignored as a type the webhook
			// does not handle: a redelivery under a new id re-reads.
			var payload []byte
			for _, ev := range e.srv.Events() {
				if ev.Type == tc.event {
					payload = ev.Payload
				}
			}
			if payload == nil {
				t.Fatalf("no %s event", tc.event)
			}
			payload = []byte(strings.Replace(string(payload), `"id": "evt_`, `"id": "evt_again`, 1))
			hWantAnswer(t, e.deliver(payload, e.srv.Sign(payload)), "processed")
		})
	}
}

// TestRefundFoundAfterKeyForgotten: a pending refund is driven again
// after Stripe has forgotten its idempotency key (24 hours), as the
// Service's reconciliation does; the gateway finds the refund it made
// through GET /v1/refunds?payment_intent= and does not refund again.
func TestRefundFoundAfterKeyForgotten(t *testing.T) {
	clk := &gwClock{t: time.Now()}
	srv, ts := stripetest.NewTestServer(t, stripetest.Config{Now: clk.Now})
	g, err := stripe.New(stripe.Config{SecretKey: gwTestKey, BaseURL: ts.URL, HTTPClient: ts.Client(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	o := payments.Order{Number: "ORD-LATE", Name: "Mug", Amount: 1999, Currency: payments.USD}
	ref := gwIntent(t, g, o, "ORD-LATE", stripetest.PMPendingRefund)
	if _, err := g.Confirm(t.Context(), &payments.ConfirmParams{IdempotencyKey: "confirm-late", OrderNumber: o.Number, Reference: ref,
		Amount: o.Amount, Currency: o.Currency}); err != nil {
		t.Fatal(err)
	}
	p := &payments.RefundParams{IdempotencyKey: "rf_late", OrderNumber: o.Number, GatewayOrderID: o.Number, Reference: ref,
		Amount: 500, Currency: o.Currency, Reason: "size"}
	first, err := g.Refund(t.Context(), p)
	if err != nil || first.Status != payments.RefundPending {
		t.Fatalf("Refund = %+v, %v; want pending", first, err)
	}
	clk.Add(25 * time.Hour)
	again, err := g.Refund(t.Context(), p)
	if err != nil || again.Status != payments.RefundPending || again.Reference != first.Reference {
		t.Fatalf("Refund a day later = %+v, %v; want the first refund, %s", again, err, first.Reference)
	}
	if err := srv.SettleRefund(first.Reference); err != nil {
		t.Fatal(err)
	}
	settled, err := g.Refund(t.Context(), p)
	if err != nil || settled.Status != payments.RefundSucceeded || settled.Reference != first.Reference {
		t.Fatalf("Refund once settled = %+v, %v; want %s succeeded", settled, err, first.Reference)
	}
	if n := srv.Executed(stripetest.OpCreateRefund); n != 1 {
		t.Errorf("refunds created = %d, want 1", n)
	}
	if n := srv.Executed(stripetest.OpListRefunds); n != 3 {
		t.Errorf("refund lists = %d, want one per Refund call", n)
	}
}

// gwClock is a settable clock for stripetest.
type gwClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *gwClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *gwClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestHandlerStripeReason: /refund sends Stripe's reason only when
// stripe_reason names it; the free text goes to metadata only.
func TestHandlerStripeReason(t *testing.T) {
	e := hStripeEnv(t, stripetest.Config{}, hOpts{})
	e.postOK("/intent", hJSON(stripe.IntentRequest{OrderNumber: hUSD, PaymentMethodID: stripetest.PMVisa}))
	e.postOK("/confirm", `{"order_number":"`+hUSD+`"}`)
	for i, tc := range []struct {
		body, want string
	}{
		{`"reason":"not fraud"`, ""},
		{`"reason":"fraud"`, ""},
		{`"reason":"duplicate order"`, ""},
		{`"reason":"the customer asked","stripe_reason":"requested_by_customer"`, "requested_by_customer"},
		{`"reason":"charged twice","stripe_reason":"duplicate"`, "duplicate"},
		{`"reason":"stolen card","stripe_reason":"fraudulent"`, "fraudulent"},
	} {
		key := fmt.Sprintf("refund-reason-%d", i)
		e.postOK("/refund", `{"order_number":"`+hUSD+`","amount":100,`+tc.body+`}`, "Authorization", "Bearer "+hAdminToken, "Idempotency-Key", key)
		var form map[string][]string
		for _, c := range e.srv.Calls() {
			if c.Op == stripetest.OpCreateRefund && !c.Replayed {
				form = c.Form
			}
		}
		if got := strings.Join(form["reason"], ","); got != tc.want {
			t.Errorf("%s: reason sent %q, want %q", tc.body, got, tc.want)
		}
		var text struct {
			Reason string `json:"reason"`
		}
		_ = json.Unmarshal([]byte("{"+tc.body+"}"), &text)
		if got := strings.Join(form["metadata[reason]"], ","); got != text.Reason {
			t.Errorf("%s: metadata[reason] %q, want %q", tc.body, got, text.Reason)
		}
	}
	hWantError(t, e.post("/refund", `{"order_number":"`+hUSD+`","amount":100,"reason":"x","stripe_reason":"fraud"}`,
		"Authorization", "Bearer "+hAdminToken), http.StatusBadRequest, payments.CodeInvalidRequest)
}
