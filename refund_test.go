package payments_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/payments-go/payments"
)

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

// TestRefundRequestScope: the checks a route makes of the payment it
// refunds are the Service's, made on the one read of the refund.
func TestRefundRequestScope(t *testing.T) {
	paidOrder := payments.Order{Number: "ORD-SCOPE-PAID", Name: "paid", Amount: 10000, Currency: payments.KRW}
	vaOrder := payments.Order{Number: "ORD-SCOPE-VA", Name: "waiting", Amount: 20000, Currency: payments.KRW}
	e := newEnv(t, paidOrder, vaOrder)
	e.paid(t, paidOrder.Number)
	if _, err := e.svc.IssueVirtualAccount(t.Context(), payments.VirtualAccountRequest{OrderNumber: vaOrder.Number, Bank: "20", CustomerName: "김토스"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		req  payments.RefundRequest
		want payments.ErrorCode
	}{
		{"another gateway", payments.RefundRequest{OrderNumber: paidOrder.Number, Reason: "r", Gateway: "stripe"}, payments.CodeInvalidState},
		{"stripe_reason on a payment of another gateway", payments.RefundRequest{OrderNumber: paidOrder.Number, Reason: "r", StripeReason: "duplicate"}, payments.CodeInvalidRequest},
		{"waiting account without CancelUnpaid", payments.RefundRequest{OrderNumber: vaOrder.Number, Reason: "r"}, payments.CodeInvalidState},
		{"waiting account, partial", payments.RefundRequest{OrderNumber: vaOrder.Number, Reason: "r", Amount: 100, CancelUnpaid: true}, payments.CodeInvalidRequest},
		{"waiting account of another gateway", payments.RefundRequest{OrderNumber: vaOrder.Number, Reason: "r", Gateway: "stripe", CancelUnpaid: true}, payments.CodeInvalidState},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := e.svc.Payment(t.Context(), tc.req.OrderNumber)
			calls := len(e.gw.Calls())
			_, _, err := e.svc.Refund(t.Context(), tc.req)
			if got := payments.Code(err); got != tc.want {
				t.Fatalf("Refund: %v (%s), want %s", err, got, tc.want)
			}
			after, _ := e.svc.Payment(t.Context(), tc.req.OrderNumber)
			if after.Version != before.Version || len(e.gw.Calls()) != calls {
				t.Errorf("a refused request changed the payment (version %d → %d) or called the gateway (%d → %d calls)",
					before.Version, after.Version, calls, len(e.gw.Calls()))
			}
		})
	}
	t.Run("waiting account with CancelUnpaid is canceled", func(t *testing.T) {
		p, r, err := e.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: vaOrder.Number, Reason: "changed my mind", Gateway: "fake", CancelUnpaid: true})
		if err != nil || r != nil || p.Status != payments.StatusCanceled {
			t.Fatalf("Refund = %v, %v, %v; want the payment canceled, no refund", p, r, err)
		}
		if e.calls("cancel") != 1 {
			t.Errorf("cancel calls = %d, want 1", e.calls("cancel"))
		}
	})
}
