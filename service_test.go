package payments_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
)

type env struct {
	svc    *payments.Service
	gw     *paymentstest.Gateway
	orders *payments.OrderBook
	store  *memstore.Store
	mu     sync.Mutex
	events []payments.Event
}

func newEnv(t testing.TB, orders ...payments.Order) *env {
	t.Helper()
	if len(orders) == 0 {
		orders = []payments.Order{{Number: "ORD-20260122-001", Name: "Cool T-Shirt 외 1건", Amount: 58990, Currency: payments.KRW}}
	}
	e := &env{gw: paymentstest.NewGateway("fake"), orders: payments.NewOrderBook(orders...), store: memstore.New()}
	svc, err := payments.NewService(payments.Config{
		Store: e.store, Orders: e.orders, Gateways: []payments.Gateway{e.gw},
		OnEvent: func(_ context.Context, ev payments.Event) {
			e.mu.Lock()
			e.events = append(e.events, ev)
			e.mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	return e
}

func (e *env) prepare(t testing.TB, order string) *payments.Prepared {
	t.Helper()
	p, err := e.svc.Prepare(context.Background(), payments.PrepareRequest{OrderNumber: order, Gateway: "fake"})
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	return p
}

func (e *env) paid(t testing.TB, order string) *payments.Payment {
	t.Helper()
	e.prepare(t, order)
	p, err := e.svc.Confirm(context.Background(), payments.ConfirmRequest{OrderNumber: order})
	if err != nil || p.Status != payments.StatusPaid {
		t.Fatalf("Confirm = %v, %v; want paid", p, err)
	}
	return p
}

func (e *env) calls(op string) int {
	n := 0
	for _, c := range e.gw.Calls() {
		if c.Op == op {
			n++
		}
	}
	return n
}

func TestNewServiceValidates(t *testing.T) {
	g := paymentstest.NewGateway("fake")
	for name, cfg := range map[string]payments.Config{
		"no store":      {Orders: payments.NewOrderBook(), Gateways: []payments.Gateway{g}},
		"no orders":     {Store: memstore.New(), Gateways: []payments.Gateway{g}},
		"no gateway":    {Store: memstore.New(), Orders: payments.NewOrderBook()},
		"twice":         {Store: memstore.New(), Orders: payments.NewOrderBook(), Gateways: []payments.Gateway{g, g}},
		"nil gateway":   {Store: memstore.New(), Orders: payments.NewOrderBook(), Gateways: []payments.Gateway{nil}},
		"unnamed (nil)": {Store: memstore.New(), Orders: payments.NewOrderBook(), Gateways: []payments.Gateway{paymentstestNoName{}}},
	} {
		if _, err := payments.NewService(cfg); err == nil {
			t.Errorf("%s: NewService succeeded", name)
		}
	}
}

type paymentstestNoName struct{ payments.Gateway }

func (paymentstestNoName) Name() string { return "" }

// TestConfirmExactlyOnce: 100 goroutines confirming one payment give
// exactly one gateway confirm, and every one of them sees it paid.
func TestConfirmExactlyOnce(t *testing.T) {
	e := newEnv(t)
	e.gw.Delay(20 * time.Millisecond) // keep the first confirm in flight while the others arrive
	prep := e.prepare(t, "ORD-20260122-001")
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := e.svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: "ORD-20260122-001", Amount: 58990})
			if err != nil {
				errs <- err
				return
			}
			if p.Status != payments.StatusPaid {
				errs <- fmt.Errorf("status %s", p.Status)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := e.calls("confirm"); n != 1 {
		t.Errorf("%d confirm calls reached the gateway, want 1", n)
	}
	if n := e.gw.Confirmations(prep.Attempt.Reference); n != 1 {
		t.Errorf("the gateway took the money %d times, want 1", n)
	}
}

// TestConcurrentRefundsNeverExceed: 50 concurrent partial refunds never
// take back more than was paid.
func TestConcurrentRefundsNeverExceed(t *testing.T) {
	e := newEnv(t, payments.Order{Number: "ORD-R", Name: "refunds", Amount: 40000, Currency: payments.KRW})
	p := e.paid(t, "ORD-R")
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, exceeded := 0, 0
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, r, err := e.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: "ORD-R", Amount: 1000, Reason: fmt.Sprintf("item %d", i)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && r.Status == payments.RefundSucceeded:
				ok++
			case errors.Is(err, payments.ErrRefundExceedsBalance):
				exceeded++
			default:
				t.Errorf("Refund: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 40 || exceeded != 10 {
		t.Errorf("%d refunds succeeded and %d were refused, want 40 and 10", ok, exceeded)
	}
	got, _ := e.svc.Payment(t.Context(), "ORD-R")
	if got.RefundedAmount != 40000 || got.Status != payments.StatusRefunded || got.Refundable() != 0 {
		t.Errorf("after refunds: refunded %d, status %s, refundable %d", got.RefundedAmount, got.Status, got.Refundable())
	}
	if at := e.gw.Refunded(p.GatewayReference); at != 40000 {
		t.Errorf("the gateway refunded %d, want 40000", at)
	}
}

func TestPrepareChecksAmountAndOrder(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name string
		req  payments.PrepareRequest
		want payments.ErrorCode
	}{
		{"amount differs", payments.PrepareRequest{OrderNumber: "ORD-20260122-001", Gateway: "fake", Amount: 1}, payments.CodeAmountMismatch},
		{"unknown order", payments.PrepareRequest{OrderNumber: "NOPE", Gateway: "fake"}, payments.CodeOrderNotFound},
		{"no order", payments.PrepareRequest{Gateway: "fake"}, payments.CodeInvalidRequest},
		{"unknown gateway", payments.PrepareRequest{OrderNumber: "ORD-20260122-001", Gateway: "paypal"}, payments.CodeInvalidRequest},
		{"unknown method", payments.PrepareRequest{OrderNumber: "ORD-20260122-001", Gateway: "fake", Method: "CASH"}, payments.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.Prepare(t.Context(), tt.req)
			if got := payments.Code(err); got != tt.want {
				t.Errorf("code %q (%v), want %q", got, err, tt.want)
			}
		})
	}
	if n := len(e.gw.Calls()); n != 0 {
		t.Errorf("bad requests made %d gateway calls", n)
	}
	if _, err := e.svc.Payment(t.Context(), "ORD-20260122-001"); payments.Code(err) != payments.CodePaymentNotFound {
		t.Errorf("bad requests created a payment: %v", err)
	}
}

func TestPrepareIsRepeatable(t *testing.T) {
	e := newEnv(t)
	first := e.prepare(t, "ORD-20260122-001")
	again := e.prepare(t, "ORD-20260122-001")
	if first.Attempt.Number != 1 || again.Attempt.Number != 1 || again.Attempt.Reference != first.Attempt.Reference {
		t.Errorf("repeat Prepare gave attempt %d %q, want attempt 1 %q", again.Attempt.Number, again.Attempt.Reference, first.Attempt.Reference)
	}
	if n := e.calls("prepare"); n != 1 {
		t.Errorf("%d prepare calls, want 1", n)
	}
}

func TestConfirmAmountMismatchNeverReachesGateway(t *testing.T) {
	e := newEnv(t)
	e.prepare(t, "ORD-20260122-001")
	_, err := e.svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: "ORD-20260122-001", Amount: 100})
	if !errors.Is(err, payments.ErrAmountMismatch) {
		t.Fatalf("Confirm with a tampered amount: %v, want amount_mismatch", err)
	}
	if n := e.calls("confirm"); n != 0 {
		t.Errorf("%d confirm calls reached the gateway", n)
	}
	p, _ := e.svc.Payment(t.Context(), "ORD-20260122-001")
	if p.Status != payments.StatusReady {
		t.Errorf("status %s after a refused confirm, want ready", p.Status)
	}
}

func TestDeclineThenNewAttempt(t *testing.T) {
	e := newEnv(t)
	e.gw.Decline("REJECT_CARD_COMPANY")
	e.prepare(t, "ORD-20260122-001")
	p, err := e.svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: "ORD-20260122-001"})
	var pe *payments.Error
	if !errors.As(err, &pe) || pe.Code != payments.CodePaymentDeclined || pe.GatewayCode != "REJECT_CARD_COMPANY" {
		t.Fatalf("declined Confirm: %v", err)
	}
	if p.Status != payments.StatusFailed || p.Failure == nil || p.Failure.Code != "REJECT_CARD_COMPANY" {
		t.Fatalf("after decline: %s %+v", p.Status, p.Failure)
	}
	// Confirming the failed attempt again answers the same without a call.
	if _, err := e.svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: "ORD-20260122-001"}); !errors.Is(err, payments.ErrPaymentDeclined) {
		t.Errorf("repeat confirm of a declined attempt: %v", err)
	}
	if n := e.calls("confirm"); n != 1 {
		t.Errorf("%d confirm calls, want 1", n)
	}
	e.gw.Approve()
	second := e.prepare(t, "ORD-20260122-001")
	if second.Attempt.Number != 2 || second.Attempt.GatewayOrderID != "ORD-20260122-001-2" {
		t.Fatalf("second attempt = %d %q", second.Attempt.Number, second.Attempt.GatewayOrderID)
	}
	p, err = e.svc.Confirm(t.Context(), payments.ConfirmRequest{GatewayOrderID: "ORD-20260122-001-2"})
	if err != nil || p.Status != payments.StatusPaid || len(p.Attempts) != 2 || p.Attempts[0].Status != payments.StatusFailed {
		t.Fatalf("second attempt: %v %v", p, err)
	}
	if _, err := e.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: "ORD-20260122-001", Gateway: "fake"}); !errors.Is(err, payments.ErrAlreadyPaid) {
		t.Errorf("Prepare of a paid order: %v, want already_paid", err)
	}
}

func TestConfirmOfStaleAttemptAfterPaymentIsRefused(t *testing.T) {
	e := newEnv(t)
	e.prepare(t, "ORD-20260122-001")
	if _, err := e.svc.Fail(t.Context(), payments.FailRequest{OrderNumber: "ORD-20260122-001", Code: "PAY_PROCESS_CANCELED", Canceled: true}); err != nil {
		t.Fatal(err)
	}
	e.paid(t, "ORD-20260122-001") // attempt 2
	_, err := e.svc.Confirm(t.Context(), payments.ConfirmRequest{GatewayOrderID: "ORD-20260122-001"})
	if !errors.Is(err, payments.ErrAlreadyPaid) {
		t.Fatalf("confirm of attempt 1 after attempt 2 was paid: %v, want already_paid", err)
	}
	if n := e.calls("confirm"); n != 1 {
		t.Errorf("%d confirm calls, want 1", n)
	}
}

func TestFailNeverUndoesPayment(t *testing.T) {
	e := newEnv(t)
	e.paid(t, "ORD-20260122-001")
	p, err := e.svc.Fail(t.Context(), payments.FailRequest{OrderNumber: "ORD-20260122-001", Code: "REJECT_CARD_COMPANY"})
	if err != nil || p.Status != payments.StatusPaid {
		t.Fatalf("Fail after paid: %v %v; want still paid", p.Status, err)
	}
}

func TestLateFailureNeverOverwritesPaid(t *testing.T) {
	e := newEnv(t)
	p := e.paid(t, "ORD-20260122-001")
	if err := e.gw.SetStatus(p.GatewayReference, payments.StatusFailed); err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.Refresh(t.Context(), payments.RefreshRequest{OrderNumber: "ORD-20260122-001"})
	if err != nil || p.Status != payments.StatusPaid {
		t.Fatalf("Refresh after a late failure: %s %v, want paid", p.Status, err)
	}
}

func TestLostConfirmResponseIsResolvedByLookup(t *testing.T) {
	e := newEnv(t)
	prep := e.prepare(t, "ORD-20260122-001")
	e.gw.LoseNextResponse(1)
	p, err := e.svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: "ORD-20260122-001"})
	if err != nil || p.Status != payments.StatusPaid {
		t.Fatalf("Confirm with a lost response: %v %v; want paid after the lookup", p, err)
	}
	if n := e.gw.Confirmations(prep.Attempt.Reference); n != 1 {
		t.Errorf("confirmations = %d, want 1", n)
	}
}

func TestUnknownOutcomeIsSettledByReconcile(t *testing.T) {
	e := newEnv(t)
	prep := e.prepare(t, "ORD-20260122-001")
	e.gw.LoseNextResponse(1)                          // the confirm is processed, the answer lost
	e.gw.FailNext(1, payments.CodeGatewayUnavailable) // and the follow-up lookup fails
	p, err := e.svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: "ORD-20260122-001"})
	if !errors.Is(err, payments.ErrGatewayUnavailable) || p.Status != payments.StatusProcessing {
		t.Fatalf("Confirm with unknown outcome: %v %v; want processing and gateway_unavailable", p.Status, err)
	}
	// A repeat while processing does not call the gateway again.
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if p, _ := e.svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-20260122-001"}); p.Status != payments.StatusProcessing {
		t.Errorf("repeat confirm: status %s", p.Status)
	}
	if n := e.calls("confirm"); n != 1 {
		t.Fatalf("%d confirm calls, want 1", n)
	}
	rep, err := e.svc.Reconcile(t.Context(), &payments.ReconcileOptions{SettleAfter: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	want := []payments.Change{{OrderNumber: "ORD-20260122-001", From: payments.StatusProcessing, To: payments.StatusPaid}}
	if diff := cmp.Diff(want, rep.Changes); diff != "" || rep.Visited != 1 || len(rep.Errors) != 0 {
		t.Errorf("Reconcile report (-want +got):\n%s\n%+v", diff, rep)
	}
	if n := e.gw.Confirmations(prep.Attempt.Reference); n != 1 {
		t.Errorf("confirmations = %d, want 1", n)
	}
	rep, _ = e.svc.Reconcile(t.Context(), &payments.ReconcileOptions{SettleAfter: time.Nanosecond})
	if rep.Visited != 0 {
		t.Errorf("a second Reconcile visited %d payments", rep.Visited)
	}
}

func TestReconcileLeavesFreshPaymentsAlone(t *testing.T) {
	e := newEnv(t)
	e.prepare(t, "ORD-20260122-001")
	e.gw.FailNext(2, payments.CodeGatewayUnavailable)
	if _, err := e.svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: "ORD-20260122-001"}); err == nil {
		t.Fatal("Confirm succeeded")
	}
	rep, err := e.svc.Reconcile(t.Context(), nil) // default SettleAfter: a minute
	if err != nil || rep.Visited != 0 {
		t.Errorf("Reconcile visited %d fresh payments (%v)", rep.Visited, err)
	}
}

func TestPendingRefundIsCompletedOnceByReconcile(t *testing.T) {
	e := newEnv(t)
	p := e.paid(t, "ORD-20260122-001")
	e.gw.LoseNextResponse(1)
	_, r, err := e.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: "ORD-20260122-001", Amount: 1000, Reason: "size"})
	if !errors.Is(err, payments.ErrGatewayUnavailable) || r == nil || r.Status != payments.RefundPending {
		t.Fatalf("Refund with a lost response: %+v, %v; want pending", r, err)
	}
	got, _ := e.svc.Payment(t.Context(), "ORD-20260122-001")
	if got.Refundable() != 57990 {
		t.Errorf("refundable while pending = %d, want 57990", got.Refundable())
	}
	rep, err := e.svc.Reconcile(t.Context(), &payments.ReconcileOptions{SettleAfter: time.Nanosecond})
	if err != nil || len(rep.Changes) != 1 || len(rep.Changes[0].Refunds) != 1 {
		t.Fatalf("Reconcile: %+v %v", rep, err)
	}
	got, _ = e.svc.Payment(t.Context(), "ORD-20260122-001")
	if got.RefundedAmount != 1000 || got.Status != payments.StatusPartiallyRefunded || got.Refunds[0].Status != payments.RefundSucceeded {
		t.Errorf("after Reconcile: refunded %d status %s refund %s", got.RefundedAmount, got.Status, got.Refunds[0].Status)
	}
	if at := e.gw.Refunded(p.GatewayReference); at != 1000 {
		t.Errorf("the gateway refunded %d, want 1000 (once)", at)
	}
}

func TestRefundRules(t *testing.T) {
	e := newEnv(t)
	e.prepare(t, "ORD-20260122-001")
	if _, _, err := e.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: "ORD-20260122-001", Reason: "x"}); !errors.Is(err, payments.ErrInvalidState) {
		t.Errorf("refund of an unpaid payment: %v, want invalid_state", err)
	}
	e.paid(t, "ORD-20260122-001")
	long := string(make([]rune, 201))
	tests := []struct {
		name string
		req  payments.RefundRequest
		want payments.ErrorCode
	}{
		{"negative", payments.RefundRequest{Amount: -1, Reason: "x"}, payments.CodeInvalidRequest},
		{"no reason", payments.RefundRequest{Amount: 1}, payments.CodeInvalidRequest},
		{"blank reason", payments.RefundRequest{Amount: 1, Reason: "  "}, payments.CodeInvalidRequest},
		{"long reason", payments.RefundRequest{Amount: 1, Reason: long}, payments.CodeInvalidRequest},
		{"above balance", payments.RefundRequest{Amount: 58991, Reason: "x"}, payments.CodeRefundExceedsBalance},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.OrderNumber = "ORD-20260122-001"
			if _, _, err := e.svc.Refund(t.Context(), tt.req); payments.Code(err) != tt.want {
				t.Errorf("code %q (%v), want %q", payments.Code(err), err, tt.want)
			}
		})
	}
	if n := e.calls("refund"); n != 0 {
		t.Errorf("bad refunds made %d gateway calls", n)
	}
	// Partial, then the rest by omitting the amount.
	p, r, err := e.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: "ORD-20260122-001", Amount: 990, Reason: "one item"})
	if err != nil || r.Amount != 990 || p.Status != payments.StatusPartiallyRefunded {
		t.Fatalf("partial refund: %+v %v", r, err)
	}
	p, r, err = e.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: "ORD-20260122-001", Reason: "the rest"})
	if err != nil || r.Amount != 58000 || p.Status != payments.StatusRefunded || p.RefundedAmount != 58990 {
		t.Fatalf("refund of the rest: %+v %v %s", r, err, p.Status)
	}
	if _, _, err := e.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: "ORD-20260122-001", Reason: "again"}); !errors.Is(err, payments.ErrRefundExceedsBalance) {
		t.Errorf("refund of a refunded payment: %v", err)
	}
}

func TestRefundIdempotencyKey(t *testing.T) {
	e := newEnv(t)
	e.paid(t, "ORD-20260122-001")
	req := payments.RefundRequest{OrderNumber: "ORD-20260122-001", Amount: 1000, Reason: "size", IdempotencyKey: "k1"}
	_, r1, err := e.svc.Refund(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	_, r2, err := e.svc.Refund(t.Context(), req)
	if err != nil || r2.ID != r1.ID {
		t.Fatalf("repeat with the same key: %+v %v; want refund %s", r2, err, r1.ID)
	}
	req.Amount = 2000
	if _, _, err := e.svc.Refund(t.Context(), req); !errors.Is(err, payments.ErrIdempotencyKeyReused) {
		t.Errorf("same key, other amount: %v, want idempotency_key_reused", err)
	}
	if n := e.calls("refund"); n != 1 {
		t.Errorf("%d refund calls, want 1", n)
	}
}

func TestRefundFailureReleasesBalance(t *testing.T) {
	e := newEnv(t)
	e.paid(t, "ORD-20260122-001")
	e.gw.FailRefunds("REFUND_REJECTED")
	p, r, err := e.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: "ORD-20260122-001", Reason: "x"})
	if payments.Code(err) != payments.CodeGatewayError || r.Status != payments.RefundFailed || r.Failure.Code != "REFUND_REJECTED" {
		t.Fatalf("refused refund: %+v %v", r, err)
	}
	if p.Refundable() != 58990 || p.Status != payments.StatusPaid {
		t.Errorf("after a failed refund: refundable %d status %s", p.Refundable(), p.Status)
	}
}

func TestPaymentNotFoundVersusOrderNotFound(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.Payment(t.Context(), "ORD-20260122-001"); !errors.Is(err, payments.ErrPaymentNotFound) {
		t.Errorf("order without payment: %v", err)
	}
	if _, err := e.svc.Payment(t.Context(), "NOPE"); !errors.Is(err, payments.ErrOrderNotFound) {
		t.Errorf("unknown order: %v", err)
	}
}

func TestEvents(t *testing.T) {
	e := newEnv(t)
	e.paid(t, "ORD-20260122-001")
	if _, _, err := e.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: "ORD-20260122-001", Amount: 1000, Reason: "x"}); err != nil {
		t.Fatal(err)
	}
	type ev struct {
		Type     payments.EventType
		From, To payments.Status
	}
	var got []ev
	for _, x := range e.events {
		got = append(got, ev{x.Type, x.From, x.To})
	}
	want := []ev{
		{payments.EventAttemptCreated, "", ""},
		{payments.EventStatusChanged, "", payments.StatusReady},
		{payments.EventStatusChanged, payments.StatusReady, payments.StatusProcessing},
		{payments.EventStatusChanged, payments.StatusProcessing, payments.StatusPaid},
		{payments.EventRefundPending, "", ""},
		{payments.EventStatusChanged, payments.StatusPaid, payments.StatusPartiallyRefunded},
		{payments.EventRefundSucceeded, "", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestNotificationIsVerifiedWithTheGateway(t *testing.T) {
	e := newEnv(t)
	prep := e.prepare(t, "ORD-20260122-001")
	// A forged notification changes nothing: the gateway says ready.
	p, err := e.svc.HandleNotification(t.Context(), payments.Notification{Gateway: "fake", EventID: "evt_1", OrderNumber: "ORD-20260122-001"})
	if err != nil || p.Status != payments.StatusReady {
		t.Fatalf("forged notification: %v %v", p.Status, err)
	}
	// A genuine one: the gateway paid it (say, after 3-D Secure).
	if err := e.gw.SetStatus(prep.Attempt.Reference, payments.StatusPaid); err != nil {
		t.Fatal(err)
	}
	p, err = e.svc.HandleNotification(t.Context(), payments.Notification{Gateway: "fake", EventID: "evt_2", Reference: prep.Attempt.Reference, OrderNumber: "ORD-20260122-001"})
	if err != nil || p.Status != payments.StatusPaid {
		t.Fatalf("genuine notification: %v %v", p.Status, err)
	}
	lookups := e.calls("lookup")
	p, err = e.svc.HandleNotification(t.Context(), payments.Notification{Gateway: "fake", EventID: "evt_2", OrderNumber: "ORD-20260122-001"})
	if err != nil || p != nil || e.calls("lookup") != lookups {
		t.Errorf("replayed event: %v %v, %d lookups", p, err, e.calls("lookup")-lookups)
	}
	if _, err := e.svc.HandleNotification(t.Context(), payments.Notification{Gateway: "fake", OrderNumber: "NOPE"}); !errors.Is(err, payments.ErrOrderNotFound) {
		t.Errorf("notification for an unknown order: %v", err)
	}
	if _, err := e.svc.HandleNotification(t.Context(), payments.Notification{Gateway: "fake", OrderNumber: "ORD-20260122-001", DepositSecret: "wrong"}); !errors.Is(err, payments.ErrInvalidSignature) {
		t.Errorf("notification with a wrong deposit secret: %v", err)
	}
}

func TestRequiresActionThenCompleted(t *testing.T) {
	e := newEnv(t)
	e.gw.RequireAction("https://bank.example/3ds")
	prep := e.prepare(t, "ORD-20260122-001")
	p, err := e.svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: "ORD-20260122-001"})
	if err != nil || p.Status != payments.StatusRequiresAction || p.Latest().RedirectURL != "https://bank.example/3ds" {
		t.Fatalf("Confirm needing action: %v %v", p, err)
	}
	if err := e.gw.CompleteAction(prep.Attempt.Reference); err != nil {
		t.Fatal(err)
	}
	p, err = e.svc.Refresh(t.Context(), payments.RefreshRequest{OrderNumber: "ORD-20260122-001", Reference: prep.Attempt.Reference})
	if err != nil || p.Status != payments.StatusPaid {
		t.Fatalf("after the action: %v %v", p.Status, err)
	}
	if _, err := e.svc.Refresh(t.Context(), payments.RefreshRequest{OrderNumber: "ORD-20260122-001", Reference: "fake_other"}); !errors.Is(err, payments.ErrPaymentNotFound) {
		t.Errorf("Refresh with a foreign reference: %v", err)
	}
}

func TestCanceledContextDuringWait(t *testing.T) {
	e := newEnv(t)
	e.gw.Delay(time.Second)
	e.prepare(t, "ORD-20260122-001")
	go func() {
		_, _ = e.svc.Confirm(context.Background(), payments.ConfirmRequest{OrderNumber: "ORD-20260122-001"})
	}()
	for {
		p, _ := e.svc.Payment(t.Context(), "ORD-20260122-001")
		if p.Status == payments.StatusProcessing {
			break
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-20260122-001"})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 500*time.Millisecond {
		t.Errorf("waiting confirm with a short deadline: %v after %v", err, time.Since(start))
	}
}

// conflictStore makes the first Update of each order lose a race, as a
// second replica writing first would.
type conflictStore struct {
	*memstore.Store
	mu   sync.Mutex
	done map[string]bool
}

func (s *conflictStore) Update(ctx context.Context, p *payments.Payment) error {
	s.mu.Lock()
	first := !s.done[p.OrderNumber]
	s.done[p.OrderNumber] = true
	s.mu.Unlock()
	if first {
		// Another writer claims the attempt first.
		cur, _ := s.Store.Get(ctx, p.OrderNumber)
		cur.Attempts[len(cur.Attempts)-1].Status = payments.StatusProcessing
		cur.Status = payments.StatusProcessing
		_ = s.Store.Update(ctx, cur)
		return payments.ErrConflict
	}
	return s.Store.Update(ctx, p)
}

// TestLostClaimDoesNotCallGateway: a confirm whose claim loses the race
// waits for the winner instead of calling the gateway.
func TestLostClaimDoesNotCallGateway(t *testing.T) {
	gw := paymentstest.NewGateway("fake")
	st := &conflictStore{Store: memstore.New(), done: map[string]bool{}}
	svc, err := payments.NewService(payments.Config{Store: st, Gateways: []payments.Gateway{gw},
		Orders: payments.NewOrderBook(payments.Order{Number: "ORD-1", Name: "x", Amount: 100, Currency: payments.KRW})})
	if err != nil {
		t.Fatal(err)
	}
	st.done["ORD-1"] = true // let Prepare's writes through
	if _, err := svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: "ORD-1", Gateway: "fake"}); err != nil {
		t.Fatal(err)
	}
	st.done["ORD-1"] = false // the confirm's claim loses the race
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	p, _ := svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-1"})
	if p == nil || p.Status != payments.StatusProcessing {
		t.Fatalf("loser of the claim: %v", p)
	}
	for _, c := range gw.Calls() {
		if c.Op == "confirm" {
			t.Fatal("the loser of the claim called the gateway")
		}
	}
}

// ConfirmRequest.Gateway keeps one gateway's callback from confirming
// another gateway's attempt, also where a gateway order id could name an
// attempt of either ("ORD-1-2": attempt 2 of ORD-1, or attempt 1 of the
// order ORD-1-2).
func TestConfirmOnlyTheNamedGatewaysAttempt(t *testing.T) {
	tests := []struct {
		name      string
		req       payments.ConfirmRequest
		wantOrder string // paid; "" for payment_not_found
		wantCalls map[string]int
	}{
		{"no gateway named: the first candidate", payments.ConfirmRequest{GatewayOrderID: "ORD-1-2"}, "ORD-1-2", map[string]int{"two": 1}},
		{"one: attempt 2 of ORD-1", payments.ConfirmRequest{GatewayOrderID: "ORD-1-2", Gateway: "one"}, "ORD-1", map[string]int{"one": 1}},
		{"two: the order ORD-1-2", payments.ConfirmRequest{GatewayOrderID: "ORD-1-2", Gateway: "two"}, "ORD-1-2", map[string]int{"two": 1}},
		{"a gateway with no such attempt", payments.ConfirmRequest{GatewayOrderID: "ORD-1-2", Gateway: "three"}, "", nil},
		{"by order number, latest attempt of another gateway", payments.ConfirmRequest{OrderNumber: "ORD-1", Gateway: "two"}, "", nil},
		{"by order number, the named gateway's", payments.ConfirmRequest{OrderNumber: "ORD-1", Gateway: "one"}, "ORD-1", map[string]int{"one": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			gws := map[string]*paymentstest.Gateway{"one": paymentstest.NewGateway("one"), "two": paymentstest.NewGateway("two"), "three": paymentstest.NewGateway("three")}
			orders := payments.NewOrderBook(
				payments.Order{Number: "ORD-1", Name: "a", Amount: 1000, Currency: payments.KRW},
				payments.Order{Number: "ORD-1-2", Name: "b", Amount: 1000, Currency: payments.KRW},
			)
			store := memstore.New()
			svc, err := payments.NewService(payments.Config{Store: store, Orders: orders, Gateways: []payments.Gateway{gws["one"], gws["two"], gws["three"]}})
			if err != nil {
				t.Fatal(err)
			}
			// ORD-1: attempt 1 by card, attempt 2 ("ORD-1-2") by transfer.
			for _, m := range []payments.Method{payments.MethodCard, payments.MethodTransfer} {
				if _, err := svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-1", Gateway: "one", Method: m}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-1-2", Gateway: "two"}); err != nil {
				t.Fatal(err)
			}
			before := map[string]*payments.Payment{}
			for _, o := range []string{"ORD-1", "ORD-1-2"} {
				before[o], _ = store.Get(ctx, o)
				if got := before[o].Latest().GatewayOrderID; got != "ORD-1-2" {
					t.Fatalf("%s: latest attempt's gateway order id %q, want ORD-1-2", o, got)
				}
			}

			p, err := svc.Confirm(ctx, tt.req)
			if tt.wantOrder == "" {
				if !errors.Is(err, payments.ErrPaymentNotFound) || p != nil {
					t.Fatalf("Confirm = %v, %v; want payment_not_found", p, err)
				}
			} else if err != nil || p.OrderNumber != tt.wantOrder || p.Status != payments.StatusPaid {
				t.Fatalf("Confirm = %+v, %v; want %s paid", p, err, tt.wantOrder)
			}
			calls := map[string]int{}
			for name, gw := range gws {
				for _, c := range gw.Calls() {
					if c.Op == "confirm" {
						calls[name]++
					}
				}
			}
			if diff := cmp.Diff(tt.wantCalls, calls, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("confirm calls (-want +got):\n%s", diff)
			}
			for o, b := range before {
				if o == tt.wantOrder {
					continue
				}
				if after, _ := store.Get(ctx, o); after.Version != b.Version {
					t.Errorf("%s changed (version %d → %d)", o, b.Version, after.Version)
				}
			}
		})
	}
}

// racingStore is a memstore whose next Update, once armed, finds the
// payment changed by another writer first (its version bumped), as a
// concurrent callback or replica would leave it.
type racingStore struct {
	*memstore.Store
	mu      sync.Mutex
	armed   bool
	updates int
	raced   int
}

func (s *racingStore) arm() { s.mu.Lock(); s.armed = true; s.mu.Unlock() }

func (s *racingStore) Update(ctx context.Context, p *payments.Payment) error {
	s.mu.Lock()
	s.updates++
	race := s.armed
	s.armed = false
	s.mu.Unlock()
	if race {
		other, err := s.Store.Get(ctx, p.OrderNumber)
		if err != nil {
			return err
		}
		if err := s.Store.Update(ctx, other); err != nil {
			return err
		}
		s.mu.Lock()
		s.raced++
		s.mu.Unlock()
	}
	return s.Store.Update(ctx, p)
}

// The Service writes what a gateway call reports starting from the copy
// it read before the call; a write by someone else in between costs a
// lost compare-and-set and a reread, never the gateway's answer.
func TestGatewayOutcomeRecordedDespiteAConcurrentWrite(t *testing.T) {
	const order = "ORD-20260122-001"
	tests := []struct {
		name string
		// before runs unarmed; act runs with the store armed.
		before func(t *testing.T, svc *payments.Service, gw *paymentstest.Gateway) string
		act    func(ctx context.Context, svc *payments.Service, ref string) (*payments.Payment, error)
		want   payments.Status
	}{
		{
			name: "Prepare records the gateway's session",
			before: func(*testing.T, *payments.Service, *paymentstest.Gateway) string {
				return ""
			},
			act: func(ctx context.Context, svc *payments.Service, _ string) (*payments.Payment, error) {
				prep, err := svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: order, Gateway: "fake"})
				if err != nil {
					return nil, err
				}
				if prep.Attempt.Reference == "" {
					return nil, fmt.Errorf("prepared attempt without the gateway's reference")
				}
				return prep.Payment, nil
			},
			want: payments.StatusReady,
		},
		{
			name: "Refresh records the completed action",
			before: func(t *testing.T, svc *payments.Service, gw *paymentstest.Gateway) string {
				gw.RequireAction("https://bank.example/3ds")
				prep, err := svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: order, Gateway: "fake"})
				if err != nil {
					t.Fatal(err)
				}
				if p, err := svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: order}); err != nil || p.Status != payments.StatusRequiresAction {
					t.Fatalf("Confirm = %v, %v", p, err)
				}
				if err := gw.CompleteAction(prep.Attempt.Reference); err != nil {
					t.Fatal(err)
				}
				return prep.Attempt.Reference
			},
			act: func(ctx context.Context, svc *payments.Service, ref string) (*payments.Payment, error) {
				return svc.Refresh(ctx, payments.RefreshRequest{OrderNumber: order, Reference: ref})
			},
			want: payments.StatusPaid,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &racingStore{Store: memstore.New()}
			gw := paymentstest.NewGateway("fake")
			svc, err := payments.NewService(payments.Config{
				Store: store, Gateways: []payments.Gateway{gw},
				Orders: payments.NewOrderBook(payments.Order{Number: order, Name: "Cool T-Shirt", Amount: 58990, Currency: payments.KRW}),
			})
			if err != nil {
				t.Fatal(err)
			}
			ref := tt.before(t, svc, gw)
			store.arm()
			p, err := tt.act(t.Context(), svc, ref)
			if err != nil || p.Status != tt.want {
				t.Fatalf("got %v, %v; want %s", p, err, tt.want)
			}
			if store.raced != 1 {
				t.Fatalf("the concurrent write ran %d times, want 1", store.raced)
			}
			stored, err := store.Get(t.Context(), order)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(p, stored); diff != "" {
				t.Errorf("returned payment differs from the stored one (-returned +stored):\n%s", diff)
			}
		})
	}
}
