package payments_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
)

func TestCaptureAndDisputeGuarantees(t *testing.T) {
	paymentstest.RunCaptureAndDisputeTests(t, func(*testing.T) payments.Store { return memstore.New() })
}

func (e *env) authorized(t testing.TB, order string) *payments.Prepared {
	t.Helper()
	prep, err := e.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: order, Gateway: "fake", Capture: payments.CaptureManual})
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	p, err := e.svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: order})
	if err != nil || p.Status != payments.StatusAuthorized {
		t.Fatalf("Confirm = %v, %v; want authorized", p, err)
	}
	return prep
}

// A partial capture takes part of the authorisation, once: the payment is
// paid for the captured amount, a repeat makes no gateway call, and the
// events tell the story.
func TestPartialCapture(t *testing.T) {
	e := newEnv(t)
	const order = "ORD-20260122-001"
	e.authorized(t, order)
	p, err := e.svc.Payment(t.Context(), order)
	if err != nil {
		t.Fatal(err)
	}
	if p.AmountCapturable != 58990 || p.Refundable() != 0 {
		t.Fatalf("authorized: capturable %d, refundable %d; want 58990, 0", p.AmountCapturable, p.Refundable())
	}
	if _, err := e.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: order, Gateway: "fake"}); payments.Code(err) != payments.CodeInvalidState {
		t.Errorf("a new attempt while authorized: %v, want invalid_state", err)
	}
	p, err = e.svc.Capture(t.Context(), order, 50000)
	if err != nil {
		t.Fatalf("Capture: %v", err)
	}
	if p.Status != payments.StatusPaid || p.Amount != 50000 || p.AmountCapturable != 0 || p.Refundable() != 50000 || p.PaidAt.IsZero() {
		t.Errorf("after Capture: %s, amount %d, capturable %d, refundable %d", p.Status, p.Amount, p.AmountCapturable, p.Refundable())
	}
	if c := p.Latest().Capture; c == nil || c.Status != payments.CaptureSucceeded || c.Amount != 50000 {
		t.Errorf("capture record = %+v", c)
	}
	for _, amount := range []payments.Amount{0, 50000, 1} {
		again, err := e.svc.Capture(t.Context(), order, amount)
		if err != nil || again.Version != p.Version {
			t.Errorf("Capture(%d) again = %v; want the payment as it is", amount, err)
		}
	}
	if n := e.calls("capture"); n != 1 {
		t.Errorf("%d capture calls, want 1", n)
	}
	var types []string
	for _, ev := range e.delivered(t) {
		if ev.Type == payments.EventStatusChanged {
			types = append(types, string(ev.From)+"→"+string(ev.To))
		}
	}
	want := "→ready ready→processing processing→authorized authorized→paid"
	if got := joinStrings(types); got != want {
		t.Errorf("status changes %q, want %q", got, want)
	}
	if _, err := e.svc.Void(t.Context(), order, ""); payments.Code(err) != payments.CodeInvalidState {
		t.Errorf("Void after the capture: %v, want invalid_state", err)
	}
}

func joinStrings(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

func TestCaptureRules(t *testing.T) {
	const order = "ORD-20260122-001"
	tests := []struct {
		name  string
		setup func(t *testing.T, e *env)
		amt   payments.Amount
		code  payments.ErrorCode
	}{
		{"negative amount", func(t *testing.T, e *env) { e.authorized(t, order) }, -1, payments.CodeInvalidRequest},
		{"above the authorisation", func(t *testing.T, e *env) { e.authorized(t, order) }, 58991, payments.CodeCaptureExceedsAuthorized},
		{"automatically captured", func(t *testing.T, e *env) { e.paid(t, order) }, 0, payments.CodeInvalidState},
		{"not authorized yet", func(t *testing.T, e *env) {
			_, err := e.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: order, Gateway: "fake", Capture: payments.CaptureManual})
			if err != nil {
				t.Fatal(err)
			}
		}, 0, payments.CodeInvalidState},
		{"no payment", func(*testing.T, *env) {}, 0, payments.CodePaymentNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			tt.setup(t, e)
			before, _ := e.svc.Payment(t.Context(), order)
			_, err := e.svc.Capture(t.Context(), order, tt.amt)
			if payments.Code(err) != tt.code {
				t.Fatalf("Capture: %v, want %s", err, tt.code)
			}
			if n := e.calls("capture"); n != 0 {
				t.Errorf("%d capture calls, want 0", n)
			}
			if after, _ := e.svc.Payment(t.Context(), order); before != nil && after.Version != before.Version {
				t.Error("the refused capture changed the payment")
			}
		})
	}
}

// noCapture is a gateway without the Capturer capability.
type noCapture struct{ payments.Gateway }

func TestManualCaptureNeedsACapturer(t *testing.T) {
	svc, err := payments.NewService(payments.Config{Store: memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "O-1", Name: "x", Amount: 1000, Currency: payments.KRW}),
		Gateways: []payments.Gateway{noCapture{paymentstest.NewGateway("plain")}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []payments.CaptureMethod{payments.CaptureManual, "later"} {
		_, err = svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: "O-1", Gateway: "plain", Capture: m})
		if payments.Code(err) != payments.CodeInvalidRequest {
			t.Errorf("capture %q with a gateway that cannot capture: %v, want invalid_request", m, err)
		}
	}
	if _, err := svc.Payment(t.Context(), "O-1"); payments.Code(err) != payments.CodePaymentNotFound {
		t.Errorf("a refused Prepare stored a payment: %v", err)
	}
}

// A capture whose answer is lost stays pending and is completed by the
// sweep with the same idempotency key: the gateway captures once.
func TestLostCaptureResponseCompletedBySweep(t *testing.T) {
	e := newEnv(t)
	const order = "ORD-20260122-001"
	prep := e.authorized(t, order)
	e.gw.LoseNextResponse(1)
	p, err := e.svc.Capture(t.Context(), order, 0)
	if payments.Code(err) != payments.CodeGatewayUnavailable {
		t.Fatalf("Capture with a lost answer: %v, want gateway_unavailable", err)
	}
	if c := p.Latest().Capture; c == nil || c.Status != payments.CapturePending || !p.Unsettled() {
		t.Fatalf("capture after a lost answer = %+v, want pending and unsettled", c)
	}
	rep, err := e.svc.Reconcile(t.Context(), &payments.ReconcileOptions{SettleAfter: time.Nanosecond})
	if err != nil || len(rep.Errors) > 0 {
		t.Fatalf("Reconcile: %v %+v", err, rep)
	}
	p, _ = e.svc.Payment(t.Context(), order)
	if p.Status != payments.StatusPaid || p.Unsettled() {
		t.Errorf("after the sweep: %s, unsettled %v", p.Status, p.Unsettled())
	}
	if n := e.gw.Captures(prep.Attempt.Reference); n != 1 {
		t.Errorf("the gateway captured %d times, want 1", n)
	}
	keys := map[string]bool{}
	for _, c := range e.gw.Calls() {
		if c.Op == "capture" {
			keys[c.IdempotencyKey] = true
		}
	}
	if len(keys) != 1 {
		t.Errorf("captures carried %d idempotency keys, want 1", len(keys))
	}
}

func TestVoid(t *testing.T) {
	e := newEnv(t)
	const order = "ORD-20260122-001"
	e.authorized(t, order)
	p, err := e.svc.Void(t.Context(), order, "out of stock")
	if err != nil || p.Status != payments.StatusCanceled || p.AmountCapturable != 0 {
		t.Fatalf("Void = %+v, %v; want canceled", p, err)
	}
	again, err := e.svc.Void(t.Context(), order, "")
	if err != nil || again.Version != p.Version {
		t.Errorf("Void again: %v; want the payment as it is", err)
	}
	if _, err := e.svc.Capture(t.Context(), order, 0); payments.Code(err) != payments.CodeInvalidState {
		t.Errorf("Capture after Void: %v, want invalid_state", err)
	}
	if n := e.calls("void"); n != 1 {
		t.Errorf("%d void calls, want 1", n)
	}
	// The order may be paid again.
	e.paid(t, order)
}

// An authorisation the gateway canceled when time ran out is recorded by
// the sweep.
func TestExpiredAuthorizationRecordedBySweep(t *testing.T) {
	e := newEnv(t)
	const order = "ORD-20260122-001"
	prep := e.authorized(t, order)
	if err := e.gw.ExpireAuthorization(prep.Attempt.Reference); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Reconcile(t.Context(), &payments.ReconcileOptions{SettleAfter: time.Nanosecond}); err != nil {
		t.Fatal(err)
	}
	p, _ := e.svc.Payment(t.Context(), order)
	if p.Status != payments.StatusCanceled || p.Failure == nil || p.Failure.Code != "automatic" || p.Unsettled() {
		t.Errorf("after the sweep: %s, failure %+v, unsettled %v; want canceled (automatic)", p.Status, p.Failure, p.Unsettled())
	}
}

// A void left pending by a lost answer is settled by whatever brings the
// news first: here the gateway's webhook, after which the void is no
// longer pending and nothing is sent again.
func TestPendingVoidSettledByNotification(t *testing.T) {
	e := newEnv(t)
	const order = "ORD-20260122-001"
	e.authorized(t, order)
	e.gw.LoseNextResponse(1)
	if _, err := e.svc.Void(t.Context(), order, "out of stock"); payments.Code(err) != payments.CodeGatewayUnavailable {
		t.Fatalf("Void with a lost answer: %v, want gateway_unavailable", err)
	}
	p, err := e.svc.HandleNotification(t.Context(), payments.Notification{Gateway: "fake", EventID: "evt_void", OrderNumber: order})
	if err != nil {
		t.Fatal(err)
	}
	if v := p.Latest().Void; p.Status != payments.StatusCanceled || v == nil || v.Status != payments.VoidSucceeded || v.Reason != "out of stock" || p.Unsettled() {
		t.Fatalf("after the webhook: %s, void %+v; want canceled, void succeeded", p.Status, v)
	}
	if _, err := e.svc.Reconcile(t.Context(), &payments.ReconcileOptions{SettleAfter: time.Nanosecond}); err != nil {
		t.Fatal(err)
	}
	if n := e.calls("void"); n != 1 {
		t.Errorf("%d void calls, want 1", n)
	}
}

// The trace hears of every capture and void as it is recorded pending and
// as it ends, and of their gateway calls by name.
func TestCaptureChangedTrace(t *testing.T) {
	gw := paymentstest.NewGateway("fake")
	var mu sync.Mutex
	var changes []payments.CaptureChange
	var ops []string
	svc, err := payments.NewService(payments.Config{Store: memstore.New(),
		Orders: payments.NewOrderBook(payments.Order{Number: "O-1", Name: "x", Amount: 1000, Currency: payments.KRW},
			payments.Order{Number: "O-2", Name: "y", Amount: 2000, Currency: payments.KRW}),
		Gateways: []payments.Gateway{gw},
		Trace: &payments.Trace{
			CaptureChanged: func(_ context.Context, c payments.CaptureChange) {
				mu.Lock()
				defer mu.Unlock()
				changes = append(changes, c)
			},
			GatewayCallStart: func(ctx context.Context, c payments.GatewayCall) context.Context {
				mu.Lock()
				defer mu.Unlock()
				ops = append(ops, c.Operation)
				return ctx
			},
		}})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"O-1", "O-2"} {
		if _, err := svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: o, Gateway: "fake", Capture: payments.CaptureManual}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: o}); err != nil {
			t.Fatal(err)
		}
	}
	gw.LoseNextResponse(1)
	if _, err := svc.Capture(t.Context(), "O-1", 600); payments.Code(err) != payments.CodeGatewayUnavailable {
		t.Fatalf("Capture with a lost answer: %v", err)
	}
	if _, err := svc.Reconcile(t.Context(), &payments.ReconcileOptions{SettleAfter: time.Nanosecond}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Void(t.Context(), "O-2", ""); err != nil {
		t.Fatal(err)
	}
	want := []payments.CaptureChange{
		{Gateway: "fake", OrderNumber: "O-1", Attempt: 1, Operation: "capture", Status: "pending", Amount: 600, Currency: payments.KRW},
		{Gateway: "fake", OrderNumber: "O-1", Attempt: 1, Operation: "capture", Status: "succeeded", Amount: 600, Currency: payments.KRW},
		{Gateway: "fake", OrderNumber: "O-2", Attempt: 1, Operation: "void", Status: "pending", Currency: payments.KRW},
		{Gateway: "fake", OrderNumber: "O-2", Attempt: 1, Operation: "void", Status: "succeeded", Currency: payments.KRW},
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(want, changes); diff != "" {
		t.Errorf("capture changes (-want +got):\n%s", diff)
	}
	if !slices.Contains(ops, "capture") || !slices.Contains(ops, "void") {
		t.Errorf("gateway calls traced: %q; want capture and void among them", ops)
	}
}
