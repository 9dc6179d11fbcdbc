package payments_test

import (
	"errors"
	"testing"

	"github.com/payments-go/payments"
)

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
