package payments_test

import (
	"errors"
	"testing"

	"github.com/payments-go/payments"
)

// TestPrepareAfterGatewaySideChange covers a repeated Prepare whose
// session changed at the gateway since it was created: the change is
// recorded, and a new attempt starts only where the old one can no
// longer be paid.
func TestPrepareAfterGatewaySideChange(t *testing.T) {
	const order = "ORD-20260122-001"
	tests := []struct {
		name         string
		gatewaySide  payments.Status
		wantErr      error
		wantAttempts int
		wantFirst    payments.Status
	}{
		{"still open", payments.StatusReady, nil, 1, payments.StatusReady},
		{"expired", payments.StatusExpired, nil, 2, payments.StatusExpired},
		{"canceled", payments.StatusCanceled, nil, 2, payments.StatusCanceled},
		{"failed", payments.StatusFailed, nil, 2, payments.StatusFailed},
		{"paid meanwhile", payments.StatusPaid, payments.ErrAlreadyPaid, 1, payments.StatusPaid},
		{"processing", payments.StatusProcessing, payments.ErrInvalidState, 1, payments.StatusProcessing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			first := e.prepare(t, order)
			if err := e.gw.SetStatus(first.Attempt.Reference, tt.gatewaySide); err != nil {
				t.Fatal(err)
			}
			again, err := e.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: order, Gateway: "fake"})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("second Prepare: %v, want %v", err, tt.wantErr)
			}
			p, err := e.svc.Payment(t.Context(), order)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Attempts) != tt.wantAttempts || p.Attempts[0].Status != tt.wantFirst {
				t.Fatalf("attempts = %d, first %s; want %d, first %s", len(p.Attempts), p.Attempts[0].Status, tt.wantAttempts, tt.wantFirst)
			}
			if tt.wantErr != nil {
				return
			}
			latest := p.Latest()
			if again.Attempt.Number != latest.Number || again.Attempt.Status != payments.StatusReady || again.Charge == nil {
				t.Errorf("second Prepare gave attempt %d %s (charge %v); want the latest, ready, with its charge", again.Attempt.Number, again.Attempt.Status, again.Charge)
			}
			if tt.wantAttempts == 2 && latest.Reference == first.Attempt.Reference {
				t.Errorf("the new attempt reuses the dead session %q", latest.Reference)
			}
			if got := e.calls("prepare"); got != tt.wantAttempts {
				t.Errorf("gateway prepared %d sessions, want %d", got, tt.wantAttempts)
			}
		})
	}
}

// TestConfirmIgnoresForeignReference: for a gateway that prepares its
// payments, the payment to confirm is the one recorded at Prepare; a
// reference supplied by the caller for an attempt without one is refused
// and no gateway call is made.
func TestConfirmIgnoresForeignReference(t *testing.T) {
	const order = "ORD-20260122-001"
	e := newEnv(t)
	e.gw.FailNext(2, payments.CodeGatewayUnavailable) // the prepare and its lookup
	if _, err := e.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: order, Gateway: "fake"}); payments.Code(err) != payments.CodeGatewayUnavailable {
		t.Fatalf("Prepare: %v, want gateway_unavailable", err)
	}
	other := e.gw.Authorize("ORD-ELSEWHERE", 58990, payments.KRW)
	p, err := e.svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: order, Reference: other})
	if !errors.Is(err, payments.ErrInvalidState) {
		t.Fatalf("Confirm with a foreign reference: %v, want invalid_state", err)
	}
	if p != nil {
		t.Errorf("Confirm returned a payment with a validation error: %+v", p)
	}
	if n := e.calls("confirm"); n != 0 {
		t.Errorf("gateway confirm calls = %d, want 0", n)
	}
	stored, err := e.svc.Payment(t.Context(), order)
	if err != nil {
		t.Fatal(err)
	}
	if a := stored.Latest(); a.Reference != "" || a.Status != payments.StatusReady {
		t.Errorf("attempt after the refused confirm: reference %q, status %s; want none, ready", a.Reference, a.Status)
	}
}

// TestNotificationSettlesPendingRefund: a refund whose answer was lost
// stays pending; the gateway's next notification about the payment
// settles it (with the refund id as idempotency key, so the gateway
// refunds once).
func TestNotificationSettlesPendingRefund(t *testing.T) {
	const order = "ORD-20260122-001"
	e := newEnv(t)
	paid := e.paid(t, order)
	e.gw.LoseNextResponse(1)
	_, r, err := e.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: order, Amount: 10000, Reason: "size"})
	if payments.Code(err) != payments.CodeGatewayUnavailable || r == nil || r.Status != payments.RefundPending {
		t.Fatalf("Refund with a lost answer = %+v, %v; want pending, gateway_unavailable", r, err)
	}
	p, err := e.svc.HandleNotification(t.Context(), payments.Notification{Gateway: "fake", EventID: "evt_refund", OrderNumber: order})
	if err != nil {
		t.Fatalf("HandleNotification: %v", err)
	}
	got := p.Refund(r.ID)
	if got == nil || got.Status != payments.RefundSucceeded {
		t.Fatalf("refund after the notification: %+v, want succeeded", got)
	}
	if p.Status != payments.StatusPartiallyRefunded || p.RefundedAmount != 10000 {
		t.Errorf("payment = %s, refunded %d; want partially_refunded, 10000", p.Status, p.RefundedAmount)
	}
	if refunded := e.gw.Refunded(paid.Latest().Reference); refunded != 10000 {
		t.Errorf("gateway refunded %d, want 10000 (once)", refunded)
	}
}

// TestPrepareCancelsTheAttemptItReplaces: a new attempt with other
// parameters (another return URL, here) cancels the earlier one at the
// gateway first, so that the customer cannot pay both.
func TestPrepareCancelsTheAttemptItReplaces(t *testing.T) {
	const order = "ORD-20260122-001"
	tests := []struct {
		name         string
		script       func(e *env, ref string)
		wantErr      error
		wantAttempts int
		wantFirst    payments.Status
		wantGateway  payments.Status // the first charge at the gateway afterwards
	}{
		{"open", func(*env, string) {}, nil, 2, payments.StatusCanceled, payments.StatusCanceled},
		{"paid meanwhile", func(e *env, ref string) { _ = e.gw.SetStatus(ref, payments.StatusPaid) }, payments.ErrAlreadyPaid, 1, payments.StatusPaid, payments.StatusPaid},
		{"cancel fails", func(e *env, _ string) { e.gw.FailNext(1, payments.CodeGatewayUnavailable) }, nil, 2, payments.StatusReady, payments.StatusReady},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			first := e.prepare(t, order)
			ref := first.Attempt.Reference
			tt.script(e, ref)
			_, err := e.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: order, Gateway: "fake", SuccessURL: "https://shop.example/other"})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Prepare with other parameters: %v, want %v", err, tt.wantErr)
			}
			p, err := e.svc.Payment(t.Context(), order)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Attempts) != tt.wantAttempts || p.Attempts[0].Status != tt.wantFirst {
				t.Errorf("attempts = %d, first %s; want %d, first %s", len(p.Attempts), p.Attempts[0].Status, tt.wantAttempts, tt.wantFirst)
			}
			got, err := e.gw.Lookup(t.Context(), &payments.LookupParams{Reference: ref})
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.wantGateway {
				t.Errorf("first charge at the gateway: %s, want %s", got.Status, tt.wantGateway)
			}
			for _, c := range e.gw.Calls() {
				if c.Op == "cancel" && (c.Reference != ref || c.IdempotencyKey == "") {
					t.Errorf("cancel call %+v: want reference %q and an idempotency key", c, ref)
				}
			}
		})
	}
}

// TestCancel covers Service.Cancel on each kind of payment.
func TestCancel(t *testing.T) {
	const order = "ORD-20260122-001"
	tests := []struct {
		name       string
		setup      func(t *testing.T, e *env)
		reason     string
		wantErr    error
		wantStatus payments.Status
		wantCalls  int // gateway cancel calls
	}{
		{"waiting for a deposit", func(t *testing.T, e *env) {
			if _, err := e.svc.IssueVirtualAccount(t.Context(), payments.VirtualAccountRequest{OrderNumber: order, Bank: "20", CustomerName: "김토스"}); err != nil {
				t.Fatal(err)
			}
		}, "주문 취소", nil, payments.StatusCanceled, 1},
		{"prepared session", func(t *testing.T, e *env) { e.prepare(t, order) }, "changed my mind", nil, payments.StatusCanceled, 1},
		{"paid", func(t *testing.T, e *env) { e.paid(t, order) }, "too late", payments.ErrInvalidState, payments.StatusPaid, 0},
		{"no reason", func(t *testing.T, e *env) { e.prepare(t, order) }, " ", payments.ErrInvalidRequest, payments.StatusReady, 0},
		{"no payment", func(*testing.T, *env) {}, "x", payments.ErrPaymentNotFound, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			tt.setup(t, e)
			_, err := e.svc.Cancel(t.Context(), payments.CancelRequest{OrderNumber: order, Reason: tt.reason})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Cancel: %v, want %v", err, tt.wantErr)
			}
			if tt.wantStatus != "" {
				p, err := e.svc.Payment(t.Context(), order)
				if err != nil {
					t.Fatal(err)
				}
				if p.Status != tt.wantStatus {
					t.Errorf("status = %s, want %s", p.Status, tt.wantStatus)
				}
			}
			if got := e.calls("cancel"); got != tt.wantCalls {
				t.Errorf("gateway cancel calls = %d, want %d", got, tt.wantCalls)
			}
		})
	}
}
