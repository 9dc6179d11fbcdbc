package payments_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
)

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

// TestReconcileErrorIsAnError: a payment reconciliation could not settle
// is reported as an error that names the order and keeps its cause
// reachable.
func TestReconcileErrorIsAnError(t *testing.T) {
	const order = "ORD-20260122-001"
	e := newEnv(t)
	e.prepare(t, order)
	e.gw.LoseNextResponse(1)                          // the confirm is processed, the answer lost
	e.gw.FailNext(1, payments.CodeGatewayUnavailable) // and the follow-up lookup fails
	if p, _ := e.svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: order}); p.Status != payments.StatusProcessing {
		t.Fatalf("Confirm left %s, want processing", p.Status)
	}
	e.gw.FailNext(3, payments.CodeGatewayUnavailable) // the sweep's lookup, confirm and lookup
	rep, err := e.svc.Reconcile(t.Context(), &payments.ReconcileOptions{SettleAfter: time.Nanosecond})
	if err != nil || len(rep.Errors) != 1 {
		t.Fatalf("Reconcile = %+v, %v; want one error", rep, err)
	}
	var rerr error = rep.Errors[0]
	if !errors.Is(rerr, payments.ErrGatewayUnavailable) || payments.Code(rerr) != payments.CodeGatewayUnavailable {
		t.Errorf("errors.Is / Code of %v: want gateway_unavailable", rerr)
	}
	var pe *payments.Error
	if !errors.As(rerr, &pe) || errors.Unwrap(rerr) != rep.Errors[0].Err {
		t.Errorf("the cause of %v is not reachable", rerr)
	}
	if msg := rerr.Error(); !strings.Contains(msg, order) || !strings.Contains(msg, string(payments.CodeGatewayUnavailable)) {
		t.Errorf("Error() = %q; want the order and the cause", msg)
	}

	tests := []struct {
		err  payments.ReconcileError
		want string
	}{
		{payments.ReconcileError{OrderNumber: "ORD-1", Err: payments.ErrGatewayUnavailable}, `payments: order "ORD-1" not settled: gateway_unavailable`},
		{payments.ReconcileError{OrderNumber: "ORD-1", Err: errors.New("database connection lost")}, `payments: order "ORD-1" not settled: database connection lost`},
		{payments.ReconcileError{OrderNumber: "ORD-1"}, `payments: order "ORD-1" not settled`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
