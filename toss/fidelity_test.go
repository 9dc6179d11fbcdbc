package toss_test

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

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/toss"
	"github.com/payments-go/payments/toss/tosstest"
)

// fxEnv is the library against tosstest with webhooks delivered to the
// handler: what a shop runs, with the fake in Toss's place.
type fxEnv struct {
	t    *testing.T
	fake *tosstest.Server
	svc  *payments.Service
	h    http.Handler
	logs *syncBuffer

	mu     sync.Mutex
	events []payments.Event
}

const fxSecretKey = "test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R"

func newFX(t *testing.T, cfg tosstest.Config) *fxEnv {
	t.Helper()
	e := &fxEnv{t: t, logs: &syncBuffer{}}
	var handler http.Handler
	ready := make(chan struct{}) // closed once handler is set
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-ready
		http.StripPrefix("/payments/toss", handler).ServeHTTP(w, r)
	}))
	t.Cleanup(shop.Close)
	cfg.WebhookURL = shop.URL + "/payments/toss/webhook"
	fake, api := tosstest.NewTestServer(t, cfg)
	client, err := toss.NewClient(toss.ClientConfig{SecretKey: fxSecretKey, BaseURL: api.URL, HTTPClient: api.Client(),
		RetryBackoff: time.Millisecond, RetryMaxBackoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := toss.NewGateway(toss.GatewayConfig{Client: client})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.svc, err = payments.NewService(payments.Config{
		Store: memstore.New(),
		Orders: payments.NewOrderBook(
			payments.Order{Number: hOrder, Name: hOrderName, Amount: hAmount, Currency: payments.KRW,
				Customer: payments.Customer{Name: "김토스", Email: "toss@example.com"}},
		),
		Gateways: []payments.Gateway{gw},
		Logger:   logger,
		HandleEvent: func(_ context.Context, ev payments.Event) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.events = append(e.events, ev)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	handler, err = toss.NewHandler(toss.HandlerConfig{Service: e.svc, ClientKey: hClientKey, CallbackBase: shop.URL + "/payments/toss",
		AllowedOrigins: []string{"https://shop.example"}, Authorize: payments.BearerToken(hAdminToken), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	close(ready)
	e.fake, e.h = fake, handler
	return e
}

// post serves one JSON request with the handler.
func (e *fxEnv) post(path string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(raw)))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func (e *fxEnv) payment() *payments.Payment {
	e.t.Helper()
	p, err := e.svc.Payment(context.Background(), hOrder)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// issue issues a virtual account for hOrder through the handler.
func (e *fxEnv) issue() {
	e.t.Helper()
	if rec := e.post("/virtual-account", vaBody(nil)); rec.Code != http.StatusOK {
		e.t.Fatalf("POST /virtual-account = %d %s", rec.Code, rec.Body)
	}
	e.fake.FlushWebhooks() // the issue's DEPOSIT_CALLBACK
}

// deposit pays the virtual account of hOrder; the fake tells the handler.
func (e *fxEnv) deposit() {
	e.t.Helper()
	if err := e.fake.Deposit(context.Background(), hOrder); err != nil {
		e.t.Fatal(err)
	}
	if s := e.payment().Status; s != payments.StatusPaid {
		e.t.Fatalf("after the deposit: %s, want paid", s)
	}
}

// delivered hands the stored events to the handler and returns them all.
func (e *fxEnv) delivered() []payments.Event {
	e.t.Helper()
	if _, err := e.svc.DeliverEvents(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]payments.Event(nil), e.events...)
}

// has reports whether evs has an event of type typ (from → to for status
// changes).
func has(evs []payments.Event, typ payments.EventType, from, to payments.Status) bool {
	for _, ev := range evs {
		if ev.Type == typ && ev.From == from && ev.To == to {
			return true
		}
	}
	return false
}

func (e *fxEnv) reconcile() {
	e.t.Helper()
	if _, err := e.svc.Reconcile(context.Background(), &payments.ReconcileOptions{SettleAfter: time.Nanosecond}); err != nil {
		e.t.Fatal(err)
	}
}

// A deposit the bank reverses after Toss reported it: since API 1.4 the
// payment goes back to WAITING_FOR_DEPOSIT, before it to CANCELED. The
// order is no longer paid: paid → waiting_for_deposit (or canceled), an
// event, a warning.
func TestDepositReversal(t *testing.T) {
	for _, tt := range []struct {
		name   string
		legacy bool
		want   payments.Status
	}{
		{"since API 1.4", false, payments.StatusWaitingForDeposit},
		{"before API 1.4", true, payments.StatusCanceled},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newFX(t, tosstest.Config{LegacyDepositReversal: tt.legacy})
			e.issue()
			e.deposit()
			before := len(e.fake.Webhooks())
			if err := e.fake.ReverseDeposit(context.Background(), hOrder); err != nil {
				t.Fatal(err)
			}
			for _, wh := range e.fake.Webhooks()[before:] {
				if wh.StatusCode != http.StatusOK {
					t.Errorf("webhook %s answered %d", wh.EventType, wh.StatusCode)
				}
			}
			p := e.payment()
			a := p.Latest()
			if p.Status != tt.want || a.Status != tt.want || !p.PaidAt.IsZero() || !a.PaidAt.IsZero() {
				t.Fatalf("after the reversal: payment %s, attempt %s, paid at %v; want %s and no paid time", p.Status, a.Status, p.PaidAt, tt.want)
			}
			if p.Failure == nil || p.Failure.Code != "DEPOSIT_REVERSED" {
				t.Errorf("failure %+v, want DEPOSIT_REVERSED", p.Failure)
			}
			if p.Refundable() != 0 {
				t.Errorf("refundable %d after the reversal, want 0", p.Refundable())
			}
			if !has(e.delivered(), payments.EventStatusChanged, payments.StatusPaid, tt.want) {
				t.Errorf("no payment.status_changed paid → %s", tt.want)
			}
			if logs := e.logs.String(); !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "reversed a deposit") {
				t.Errorf("no warning about the reversal in the logs:\n%s", logs)
			}
			if tt.legacy {
				return
			}
			// The customer deposits again.
			e.deposit()
			if !has(e.delivered(), payments.EventStatusChanged, payments.StatusWaitingForDeposit, payments.StatusPaid) {
				t.Error("no payment.status_changed waiting_for_deposit → paid after the second deposit")
			}
		})
	}
}

// The refund of a deposited virtual account is a bank transfer that
// lands later (virtualAccount.refundStatus PENDING → COMPLETED, or
// FAILED): it stays pending, the reconciliation reads it again without a
// second cancel, and a failed transfer makes the amount refundable again.
func TestVirtualAccountRefundPendingUntilTransfer(t *testing.T) {
	account := &payments.BankAccount{Bank: "88", AccountNumber: "110123456789", HolderName: "김토스"}
	refund := func(t *testing.T, e *fxEnv, key string) *payments.Refund {
		t.Helper()
		_, r, err := e.svc.Refund(context.Background(), payments.RefundRequest{OrderNumber: hOrder, Reason: "고객 변심",
			IdempotencyKey: key, ReceiveAccount: account})
		if err != nil {
			t.Fatalf("Refund: %v", err)
		}
		return r
	}
	cancels := func(e *fxEnv) int { return e.fake.Executions(tosstest.OpCancel, "") }

	t.Run("completed", func(t *testing.T) {
		e := newFX(t, tosstest.Config{})
		e.issue()
		e.deposit()
		if r := refund(t, e, "rf-1"); r.Status != payments.RefundPending || r.GatewayReference == "" {
			t.Fatalf("refund = %+v, want pending with the cancel's key", r)
		}
		if p := e.payment(); p.Status != payments.StatusPaid || p.RefundedAmount != 0 || p.Refundable() != 0 {
			t.Fatalf("while the transfer is on its way: %s refunded %d refundable %d", p.Status, p.RefundedAmount, p.Refundable())
		}
		e.fake.Advance(24 * time.Hour)
		e.reconcile()
		if r := e.payment().Refunds[0]; r.Status != payments.RefundPending {
			t.Fatalf("a day later: refund %s, want pending", r.Status)
		}
		e.fake.Advance(24 * time.Hour)
		e.reconcile()
		p := e.payment()
		if p.Refunds[0].Status != payments.RefundSucceeded || p.Status != payments.StatusRefunded || p.RefundedAmount != hAmount {
			t.Errorf("after the transfer: refund %s, payment %s refunded %d", p.Refunds[0].Status, p.Status, p.RefundedAmount)
		}
		if n := cancels(e); n != 1 {
			t.Errorf("%d cancels sent, want 1: a pending refund is read back, not sent again", n)
		}
		evs := e.delivered()
		if !has(evs, payments.EventRefundPending, "", "") || !has(evs, payments.EventRefundSucceeded, "", "") {
			t.Errorf("events %v, want refund.pending then refund.succeeded", types(evs))
		}
	})
	t.Run("failed", func(t *testing.T) {
		e := newFX(t, tosstest.Config{})
		e.issue()
		e.deposit()
		refund(t, e, "rf-1")
		if err := e.fake.SettleRefund(hOrder, tosstest.RefundFailed); err != nil {
			t.Fatal(err)
		}
		e.reconcile()
		p := e.payment()
		if r := p.Refunds[0]; r.Status != payments.RefundFailed || r.Failure == nil {
			t.Fatalf("refund = %+v, want failed with a reason", r)
		}
		if p.Status != payments.StatusPaid || p.Refundable() != hAmount {
			t.Errorf("after the failed transfer: %s refundable %d, want paid and %d refundable again", p.Status, p.Refundable(), hAmount)
		}
		if !has(e.delivered(), payments.EventRefundFailed, "", "") {
			t.Error("no refund.failed event")
		}
		// Refunded again, to a corrected account.
		if r := refund(t, e, "rf-2"); r.Status != payments.RefundPending {
			t.Errorf("second refund = %+v, want pending", r)
		}
		if n := cancels(e); n != 2 {
			t.Errorf("%d cancels sent, want 2", n)
		}
	})
}

func types(evs []payments.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, string(ev.Type))
	}
	return out
}

// FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING is the card company's or the
// bank's failure of the payment: the attempt fails with Toss's code and
// message, at once, without a retry or a re-read.
func TestConfirmFailedPaymentInternalProcessing(t *testing.T) {
	e := newFX(t, tosstest.Config{})
	rec := e.post("/ready", readyBody(hOrder, hAmount, "CARD"))
	if rec.Code != http.StatusOK {
		t.Fatalf("POST /ready = %d %s", rec.Code, rec.Body)
	}
	key, err := e.fake.Authorize(hOrder, hAmount, hOrderName, "CARD")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.fake.FailConfirm(key, "FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING"); err != nil {
		t.Fatal(err)
	}
	want, _ := tosstest.ErrorFor("FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING")
	p, err := e.svc.Confirm(context.Background(), payments.ConfirmRequest{GatewayOrderID: hOrder, Gateway: "toss", Reference: key, Amount: hAmount})
	var pe *payments.Error
	if payments.Code(err) != payments.CodePaymentDeclined || !asError(err, &pe) ||
		pe.GatewayCode != "FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING" || pe.Message != want.Message {
		t.Fatalf("Confirm: %v (%+v), want payment_declined with Toss's code and message", err, pe)
	}
	if a := p.Latest(); a.Status != payments.StatusFailed || a.Failure == nil || a.Failure.Code != "FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING" || a.Failure.Message != want.Message {
		t.Errorf("attempt %s %+v, want failed with Toss's code and message", a.Status, a.Failure)
	}
	// The fake's PAYMENT_STATUS_CHANGED webhook for the aborted payment
	// reaches the handler asynchronously, which re-reads the payment, as
	// it must: those reads are the webhook's, not the confirm's.
	e.fake.FlushWebhooks()
	webhooks := 0
	for _, h := range e.fake.Webhooks() {
		if h.EventType == "PAYMENT_STATUS_CHANGED" {
			webhooks++
		}
	}
	var confirms, lookups int
	for _, c := range e.fake.Calls() {
		switch c.Op {
		case tosstest.OpConfirm:
			confirms++
		case tosstest.OpGetPayment, tosstest.OpGetPaymentByOrderID:
			lookups++
		}
	}
	if confirms != 1 || lookups != webhooks {
		t.Errorf("%d confirms and %d lookups (%d webhooks), want 1 confirm and no lookup but the webhooks' re-reads", confirms, lookups, webhooks)
	}
}

func asError(err error, pe **payments.Error) bool {
	e, ok := err.(*payments.Error)
	if ok {
		*pe = e
	}
	return ok
}

// A webhook is answered within Toss's 10 seconds even when Toss itself is
// slow to answer the re-read: 503 before the deadline, so that Toss
// delivers it again, rather than three re-reads of 30 seconds each.
func TestHandlerWebhookDeadline(t *testing.T) {
	t.Parallel()
	e := newFX(t, tosstest.Config{})
	e.issue()
	e.deposit()
	key := e.payment().GatewayReference
	e.fake.Delay(time.Minute)
	body := `{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":"2026-01-22T10:00:00.000000","data":{"paymentKey":"` + key +
		`","orderId":"` + hOrder + `","status":"DONE"}}`
	done := make(chan *httptest.ResponseRecorder, 1)
	start := time.Now()
	go func() {
		req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("tosspayments-webhook-transmission-id", "whtrans_slow")
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		done <- rec
	}()
	select {
	case rec := <-done:
		if d := time.Since(start); d >= 10*time.Second {
			t.Errorf("answered after %v, want within 10 s", d)
		}
		if rec.Code != http.StatusServiceUnavailable {
			t.Errorf("answer %d %s, want 503 so that Toss delivers it again", rec.Code, rec.Body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer within Toss's 10 seconds")
	}
	// Toss's next delivery, once it answers again, is processed.
	e.fake.Delay(0)
	req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("tosspayments-webhook-transmission-id", "whtrans_slow")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("redelivery = %d %s, want 200", rec.Code, rec.Body)
	}
}

// An event about an order the library does not know answers 200, whatever
// its orderId, so that Toss stops delivering it: the v2 SDK lets the
// merchant's other integrations use "=" in orderIds.
func TestHandlerWebhookForeignOrderIDs(t *testing.T) {
	e := newHEnv(t)
	statusChanged := func(orderID string) string {
		return `{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":"2026-01-22T10:00:00.000000","data":{"paymentKey":"tviva20260122100000abcde","orderId":` +
			fmt.Sprintf("%q", orderID) + `,"status":"DONE"}}`
	}
	deposit := func(orderID string) string {
		return `{"createdAt":"2026-01-22T10:00:00.000000","secret":"ps_abcdefghijklmnopqrstuvwxyz12","status":"DONE","transactionKey":"9FF15E1A29D0E77C218F57262BFA4986","orderId":` +
			fmt.Sprintf("%q", orderID) + `}`
	}
	for _, tt := range []struct{ name, body string }{
		{"orderId with =", statusChanged("b3JkZXItMDAwMQ==")},
		{"deposit for an orderId with =", deposit("b3JkZXItMDAwMQ==")},
		{"unknown orderId of the library's shape", statusChanged("ORD-20990101-999")},
		{"short orderId", statusChanged("ab")},
		{"long orderId", statusChanged(strings.Repeat("x", 70))},
		{"Korean orderId", statusChanged("주문-2026-0001")},
		{"empty orderId", statusChanged("")},
		{"deposit with a short orderId", deposit("ab")},
		{"malformed paymentKey", `{"eventType":"PAYMENT_STATUS_CHANGED","data":{"paymentKey":"a/b","orderId":"b3JkZXI=","status":"DONE"}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.gw.Calls())
			rec := e.serve(hReq{method: http.MethodPost, target: "/webhook", body: tt.body})
			var ans struct{ Result, Reason string }
			_ = json.Unmarshal(rec.Body.Bytes(), &ans)
			if rec.Code != http.StatusOK || ans.Result != "ignored" || ans.Reason == "" {
				t.Errorf("answer %d %s, want 200 ignored", rec.Code, rec.Body)
			}
			if n := len(e.gw.Calls()) - before; n != 0 {
				t.Errorf("%d gateway calls for an order that is not ours", n)
			}
		})
	}
}

// A virtual account may be issued with the cash receipt type 미발행 (no
// receipt), which takes no registration number.
func TestHandlerVirtualAccountCashReceiptNone(t *testing.T) {
	e := newFX(t, tosstest.Config{})
	rec := e.post("/virtual-account", vaBody(func(b map[string]any) { b["cash_receipt"] = map[string]any{"type": "미발행"} }))
	if rec.Code != http.StatusOK {
		t.Fatalf("미발행: %d %s", rec.Code, rec.Body)
	}
	rec = e.post("/virtual-account", vaBody(func(b map[string]any) {
		b["order_number"] = hOrder
		b["cash_receipt"] = map[string]any{"type": "미발행", "registration_number": "01012345678"}
	}))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("미발행 with a registration number: %d %s, want 400", rec.Code, rec.Body)
	}
}

// The refund of a deposit may go to an account at a securities firm.
func TestRefundToSecuritiesAccount(t *testing.T) {
	e := newFX(t, tosstest.Config{})
	e.issue()
	e.deposit()
	_, r, err := e.svc.Refund(context.Background(), payments.RefundRequest{OrderNumber: hOrder, Reason: "고객 변심",
		ReceiveAccount: &payments.BankAccount{Bank: "S6", AccountNumber: "110123456789", HolderName: "김토스"}})
	if err != nil || r.Status != payments.RefundPending {
		t.Fatalf("refund to 한국투자증권: %+v, %v", r, err)
	}
	if n := e.fake.Executions(tosstest.OpCancel, ""); n != 1 {
		t.Errorf("%d cancels, want 1", n)
	}
}

// The handler drives the payment window, tossPayments.payment(), which
// takes only API-individual keys: widget keys, and test keys mixed with
// live ones, are refused when the handler is built, with an error that
// names the setting and not the key.
func TestHandlerRefusesMismatchedKeys(t *testing.T) {
	for _, tt := range []struct {
		name, client, secret string
		ok                   bool
	}{
		{"API-individual test pair", "test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq", "test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R", true},
		{"API-individual live pair", "live_ck_abcdefghij", "live_sk_abcdefghij", true},
		{"widget client key", "test_gck_docs_Ovk5rk1EwkEbP0W43n07xlzm", "test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R", false},
		{"widget pair", "test_gck_docs_Ovk5rk1EwkEbP0W43n07xlzm", "test_gsk_docs_OaPz8L5KdmQXkzRz3y47BMw6", false},
		{"widget secret key", "test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq", "test_gsk_docs_OaPz8L5KdmQXkzRz3y47BMw6", false},
		{"test client key, live secret key", "test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq", "live_sk_abcdefghij", false},
		{"live client key, test secret key", "live_ck_abcdefghij", "test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			client, err := toss.NewClient(toss.ClientConfig{SecretKey: payments.Secret(tt.secret), Live: strings.HasPrefix(tt.secret, "live_")})
			if err != nil {
				t.Fatal(err)
			}
			gw, err := toss.NewGateway(toss.GatewayConfig{Client: client})
			if err != nil {
				t.Fatal(err)
			}
			svc, err := payments.NewService(payments.Config{Store: memstore.New(), Orders: payments.NewOrderBook(), Gateways: []payments.Gateway{gw},
				Live: gw.Live()})
			if err != nil {
				t.Fatal(err)
			}
			_, err = toss.NewHandler(toss.HandlerConfig{Service: svc, ClientKey: tt.client, CallbackBase: hBase,
				AllowedOrigins: []string{"https://shop.example"}})
			if (err == nil) != tt.ok {
				t.Fatalf("NewHandler: %v, want ok=%v", err, tt.ok)
			}
			if err != nil && (strings.Contains(err.Error(), tt.secret) || strings.Contains(err.Error(), tt.client)) {
				t.Errorf("the error %q contains a key", err)
			}
		})
	}
}

// A paid attempt leaves paid only for a reversed deposit: a virtual
// account of which nothing was refunded. A card payment, or a virtual
// account already partly refunded, stays paid whatever the gateway says
// later.
func TestDepositReversalOnlyUnrefundedVirtualAccounts(t *testing.T) {
	refresh := func(e *hEnv) *payments.Payment {
		p, err := e.svc.Refresh(context.Background(), payments.RefreshRequest{OrderNumber: hOrder})
		if err != nil {
			e.t.Fatal(err)
		}
		return p
	}
	t.Run("virtual account partly refunded", func(t *testing.T) {
		e := newVAEnv(t)
		if rec := e.post("/virtual-account", vaBody(nil)); rec.Code != http.StatusOK {
			t.Fatalf("POST /virtual-account = %d %s", rec.Code, rec.Body)
		}
		ref := e.payment(hOrder).GatewayReference
		if _, err := e.gw.Deposit(ref); err != nil {
			t.Fatal(err)
		}
		if p := refresh(e); p.Status != payments.StatusPaid {
			t.Fatalf("after the deposit: %s", p.Status)
		}
		if _, _, err := e.svc.Refund(context.Background(), payments.RefundRequest{OrderNumber: hOrder, Amount: 1000, Reason: "부분 환불"}); err != nil {
			t.Fatal(err)
		}
		if err := e.gw.SetStatus(ref, payments.StatusWaitingForDeposit); err != nil {
			t.Fatal(err)
		}
		if p := refresh(e); p.Status != payments.StatusPartiallyRefunded {
			t.Errorf("after a later waiting_for_deposit: %s, want partially_refunded", p.Status)
		}
	})
	t.Run("card", func(t *testing.T) {
		e := newHEnv(t)
		r := e.ready(hOrder, hAmount, "CARD")
		key := e.reference(hOrder, r.Toss.OrderID)
		location(t, e.get(successQuery(key, r.Toss.OrderID, hAmount), false))
		for _, s := range []payments.Status{payments.StatusWaitingForDeposit, payments.StatusCanceled} {
			if err := e.gw.SetStatus(key, s); err != nil {
				t.Fatal(err)
			}
			if p := refresh(e); p.Status != payments.StatusPaid {
				t.Errorf("after a later %s: %s, want paid", s, p.Status)
			}
		}
	})
}
