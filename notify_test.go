package payments_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
)

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
	if err != nil || p == nil || p.Status != payments.StatusPaid || e.calls("lookup") != lookups {
		t.Errorf("replayed event: %v %v, %d lookups; want the paid payment and no lookup", p, err, e.calls("lookup")-lookups)
	}
	if _, err := e.svc.HandleNotification(t.Context(), payments.Notification{Gateway: "fake", OrderNumber: "NOPE"}); !errors.Is(err, payments.ErrOrderNotFound) {
		t.Errorf("notification for an unknown order: %v", err)
	}
	if _, err := e.svc.HandleNotification(t.Context(), payments.Notification{Gateway: "fake", OrderNumber: "ORD-20260122-001", DepositSecret: "wrong"}); !errors.Is(err, payments.ErrInvalidSignature) {
		t.Errorf("notification with a wrong deposit secret: %v", err)
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

// TestDuplicateNotification: a delivery of an event already processed
// returns the payment as it is now, without a gateway call or a write;
// it is still checked like any notification.
func TestDuplicateNotification(t *testing.T) {
	const order = "ORD-20260122-001"
	tests := []struct {
		name string
		// setup processes a first delivery and returns the repeat.
		setup      func(t *testing.T, e *env) payments.Notification
		wantErr    error
		wantStatus payments.Status // of the payment returned
	}{
		{"after a refund made since", func(t *testing.T, e *env) payments.Notification {
			prep := e.prepare(t, order)
			if err := e.gw.SetStatus(prep.Attempt.Reference, payments.StatusPaid); err != nil {
				t.Fatal(err)
			}
			nt := payments.Notification{Gateway: "fake", EventID: "evt_paid", OrderNumber: order, Reference: prep.Attempt.Reference}
			if p, err := e.svc.HandleNotification(t.Context(), nt); err != nil || p.Status != payments.StatusPaid {
				t.Fatalf("first delivery: %v, %v", p, err)
			}
			if _, _, err := e.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: order, Amount: 990, Reason: "one item"}); err != nil {
				t.Fatal(err)
			}
			return nt
		}, nil, payments.StatusPartiallyRefunded},
		{"by gateway order id", func(t *testing.T, e *env) payments.Notification {
			e.paid(t, order)
			nt := payments.Notification{Gateway: "fake", EventID: "evt_1", GatewayOrderID: order}
			if _, err := e.svc.HandleNotification(t.Context(), nt); err != nil {
				t.Fatal(err)
			}
			return nt
		}, nil, payments.StatusPaid},
		{"with a forged deposit secret", func(t *testing.T, e *env) payments.Notification {
			p, err := e.svc.IssueVirtualAccount(t.Context(), payments.VirtualAccountRequest{OrderNumber: order, Bank: "20", CustomerName: "김토스"})
			if err != nil {
				t.Fatal(err)
			}
			secret, err := e.gw.Deposit(p.GatewayReference)
			if err != nil {
				t.Fatal(err)
			}
			nt := payments.Notification{Gateway: "fake", EventID: "evt_deposit", OrderNumber: order, DepositSecret: secret}
			if p, err := e.svc.HandleNotification(t.Context(), nt); err != nil || p.Status != payments.StatusPaid {
				t.Fatalf("first delivery: %v, %v", p, err)
			}
			nt.DepositSecret = "ps_forged"
			return nt
		}, payments.ErrInvalidSignature, ""},
		{"for another gateway's attempt", func(t *testing.T, e *env) payments.Notification {
			e.paid(t, order)
			if _, err := e.svc.HandleNotification(t.Context(), payments.Notification{Gateway: "fake", EventID: "evt_1", OrderNumber: order}); err != nil {
				t.Fatal(err)
			}
			return payments.Notification{Gateway: "other", EventID: "evt_1", OrderNumber: order}
		}, payments.ErrPaymentNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			nt := tt.setup(t, e)
			before, err := e.svc.Payment(t.Context(), order)
			if err != nil {
				t.Fatal(err)
			}
			calls, events := len(e.gw.Calls()), len(e.delivered(t))

			p, err := e.svc.HandleNotification(t.Context(), nt)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("repeated delivery: %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				if p != nil {
					t.Errorf("repeated delivery returned a payment with its error: %+v", p)
				}
			} else if diff := cmp.Diff(before, p); diff != "" || p.Status != tt.wantStatus {
				t.Errorf("repeated delivery returned %s, want %s, the stored payment (-stored +returned):\n%s", p.Status, tt.wantStatus, diff)
			}
			if n := len(e.gw.Calls()) - calls; n != 0 {
				t.Errorf("repeated delivery made %d gateway calls", n)
			}
			if n := len(e.delivered(t)) - events; n != 0 {
				t.Errorf("repeated delivery raised %d events", n)
			}
		})
	}
}

// hookStore runs hook once, before the first Update after arm: the moment
// another request can write first.
type hookStore struct {
	payments.Store
	mu   sync.Mutex
	hook func()
}

func (s *hookStore) arm(hook func()) { s.mu.Lock(); s.hook = hook; s.mu.Unlock() }

func (s *hookStore) Update(ctx context.Context, p *payments.Payment, events []payments.Event) error {
	s.mu.Lock()
	hook := s.hook
	s.hook = nil
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	return s.Store.Update(ctx, p, events)
}

// A notification that read the gateway before a deposit, and writes after
// another request recorded that deposit, must not take its stale "waiting
// for deposit" for a reversed deposit: the one backward move a gateway
// can make is trusted only from a reading newer than what is stored.
func TestStaleReadIsNoDepositReversal(t *testing.T) {
	gw := paymentstest.NewGateway("fake")
	store := &hookStore{Store: memstore.New()}
	var mu sync.Mutex
	var events []payments.Event
	svc, err := payments.NewService(payments.Config{
		Store:    store,
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-VA-1", Name: "Cap", Amount: 9900, Currency: payments.KRW}),
		Gateways: []payments.Gateway{gw},
		HandleEvent: func(_ context.Context, e payments.Event) error {
			mu.Lock()
			events = append(events, e)
			mu.Unlock()
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	p, err := svc.IssueVirtualAccount(ctx, payments.VirtualAccountRequest{OrderNumber: "ORD-VA-1", Bank: "20", CustomerName: "김토스"})
	if err != nil || p.Status != payments.StatusWaitingForDeposit {
		t.Fatalf("issue: %v %v", p, err)
	}
	ref := p.Latest().Reference
	// The first notification (the account was issued) has read the
	// gateway, still waiting, and is about to write when the deposit
	// arrives and its notification is applied first.
	store.arm(func() {
		if _, err := gw.Deposit(ref); err != nil {
			t.Error(err)
		}
		if p, err := svc.HandleNotification(ctx, payments.Notification{Gateway: "fake", EventID: "evt_deposit", OrderNumber: "ORD-VA-1"}); err != nil || p.Status != payments.StatusPaid {
			t.Errorf("deposit notification: %v %v", p, err)
		}
	})
	p, err = svc.HandleNotification(ctx, payments.Notification{Gateway: "fake", EventID: "evt_issued", OrderNumber: "ORD-VA-1"})
	if err != nil || p.Status != payments.StatusPaid {
		t.Fatalf("the stale notification left %v, %v; want paid", p.Status, err)
	}
	if _, err := svc.DeliverEvents(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, e := range events {
		if e.Type == payments.EventStatusChanged && e.From == payments.StatusPaid {
			t.Errorf("event %s: %s → %s, from a stale reading", e.ID, e.From, e.To)
		}
	}
	if got, _ := svc.Payment(ctx, "ORD-VA-1"); got.Status != payments.StatusPaid || got.Latest().Failure != nil {
		t.Errorf("stored: %s %+v", got.Status, got.Latest().Failure)
	}
}
