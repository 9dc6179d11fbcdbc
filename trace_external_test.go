package payments_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
)

// TestTraceChangedKeepsItsOwnCopy: the events a Changed hook sees are
// its own, as the application may keep them: changing the payment the
// Service returned leaves them as they were, and so does changing the
// events the hook kept for what the Service returns.
func TestTraceChangedKeepsItsOwnCopy(t *testing.T) {
	const order = "ORD-20260122-001"
	var (
		mu   sync.Mutex
		kept []payments.Event
	)
	svc, err := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: order, Name: "Cool T-Shirt", Amount: 58990, Currency: payments.KRW}),
		Gateways: []payments.Gateway{paymentstest.NewGateway("fake")},
		Trace: &payments.Trace{Changed: func(_ context.Context, e payments.Event) {
			mu.Lock()
			defer mu.Unlock()
			kept = append(kept, e)
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: order, Gateway: "fake"}); err != nil {
		t.Fatal(err)
	}
	p, err := svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: order})
	if err != nil || p.Status != payments.StatusPaid {
		t.Fatalf("Confirm = %v, %v; want paid", p, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(kept) == 0 {
		t.Fatal("Changed saw no event")
	}
	last := kept[len(kept)-1]
	if diff := cmp.Diff(p, last.Payment); diff != "" {
		t.Fatalf("the last event's payment is not the payment Confirm returned (-returned +event):\n%s", diff)
	}
	want := last.Payment.Clone()
	p.Attempts[0].Status, p.Attempts[0].GatewayStatus, p.Status = payments.StatusFailed, "CHANGED", payments.StatusFailed
	if diff := cmp.Diff(want, last.Payment); diff != "" {
		t.Errorf("changing the returned payment changed the event Changed kept (-before +after):\n%s", diff)
	}
	last.Payment.Attempts[0].Reference = "changed by the hook"
	if got, err := svc.Payment(t.Context(), order); err != nil || got.Attempts[0].Reference == "changed by the hook" {
		t.Errorf("changing a kept event changed the stored payment: %v", err)
	}
}
