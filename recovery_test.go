package payments_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
)

// flakyStore fails chosen Update calls, as a database that drops the
// connection after the gateway acted and before the local write.
type flakyStore struct {
	*memstore.Store
	mu      sync.Mutex
	updates int
	failAt  map[int]bool
}

var errDBDown = errors.New("database connection lost")

func (s *flakyStore) Update(ctx context.Context, p *payments.Payment, events []payments.Event) error {
	s.mu.Lock()
	s.updates++
	fail := s.failAt[s.updates]
	s.mu.Unlock()
	if fail {
		return errDBDown
	}
	return s.Store.Update(ctx, p, events)
}

type recoveryEnv struct {
	svc    *payments.Service
	gw     *paymentstest.Gateway
	store  *flakyStore
	now    time.Time
	nowMu  sync.Mutex
	events []payments.Event
}

func newRecoveryEnv(t *testing.T) *recoveryEnv {
	t.Helper()
	e := &recoveryEnv{gw: paymentstest.NewGateway("fake"), store: &flakyStore{Store: memstore.New(), failAt: map[int]bool{}},
		now: time.Date(2026, 1, 22, 10, 0, 0, 0, time.UTC)}
	svc, err := payments.NewService(payments.Config{
		Store:    e.store,
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-1", Name: "T-Shirt", Amount: 58990, Currency: payments.KRW}),
		Gateways: []payments.Gateway{e.gw},
		Now:      e.clock,
		HandleEvent: func(_ context.Context, ev payments.Event) error {
			e.events = append(e.events, ev)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.gw.SetClock(e.clock)
	e.svc = svc
	return e
}

// deliver hands the events due to the handler, which runs on this
// goroutine's DeliverEvents call.
func (e *recoveryEnv) deliver(t *testing.T) {
	t.Helper()
	if _, err := e.svc.DeliverEvents(t.Context()); err != nil {
		t.Fatalf("DeliverEvents: %v", err)
	}
}

func (e *recoveryEnv) clock() time.Time {
	e.nowMu.Lock()
	defer e.nowMu.Unlock()
	return e.now
}

func (e *recoveryEnv) advance(d time.Duration) {
	e.nowMu.Lock()
	defer e.nowMu.Unlock()
	e.now = e.now.Add(d)
}

// A confirm that succeeded at the gateway while the store write failed is
// repaired by refresh, without a second charge.
func TestCrashAfterGatewayConfirmRepairedByRefresh(t *testing.T) {
	e := newRecoveryEnv(t)
	prep, err := e.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: "ORD-1", Gateway: "fake"})
	if err != nil {
		t.Fatal(err)
	}
	e.store.failAt[e.store.updates+2] = true // the claim succeeds, the write of the outcome fails
	if _, err := e.svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: "ORD-1"}); !errors.Is(err, errDBDown) {
		t.Fatalf("Confirm with the database down: %v", err)
	}
	p, _ := e.svc.Payment(t.Context(), "ORD-1")
	if p.Status != payments.StatusProcessing {
		t.Fatalf("after the failed write: %s, want processing", p.Status)
	}
	p, err = e.svc.Refresh(t.Context(), payments.RefreshRequest{OrderNumber: "ORD-1"})
	if err != nil || p.Status != payments.StatusPaid {
		t.Fatalf("Refresh: %v %v", p.Status, err)
	}
	if n := e.gw.Confirmations(prep.Attempt.Reference); n != 1 {
		t.Errorf("confirmations = %d, want 1", n)
	}
}

// The same crash repaired by the sweep instead.
func TestCrashAfterGatewayConfirmRepairedBySweep(t *testing.T) {
	e := newRecoveryEnv(t)
	prep, _ := e.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: "ORD-1", Gateway: "fake"})
	e.store.failAt[e.store.updates+2] = true
	_, _ = e.svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: "ORD-1"})
	e.advance(2 * time.Minute)
	rep, err := e.svc.Reconcile(t.Context(), nil)
	if err != nil || len(rep.Changes) != 1 || rep.Changes[0].To != payments.StatusPaid {
		t.Fatalf("Reconcile: %+v %v", rep, err)
	}
	if n := e.gw.Confirmations(prep.Attempt.Reference); n != 1 {
		t.Errorf("confirmations = %d, want 1", n)
	}
}

// A refund left pending by a crash (the gateway refunded, the write
// failed) is completed once by the sweep.
func TestRefundLeftPendingByCrash(t *testing.T) {
	e := newRecoveryEnv(t)
	_, _ = e.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: "ORD-1", Gateway: "fake"})
	p, err := e.svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: "ORD-1"})
	if err != nil {
		t.Fatal(err)
	}
	e.store.failAt[e.store.updates+2] = true // the pending record is written; the outcome is not
	if _, _, err := e.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: "ORD-1", Amount: 8990, Reason: "crash"}); !errors.Is(err, errDBDown) {
		t.Fatalf("Refund with the database down: %v", err)
	}
	if got := e.gw.Refunded(p.GatewayReference); got != 8990 {
		t.Fatalf("gateway refunded %d before the crash, want 8990", got)
	}
	e.advance(2 * time.Minute)
	for range 2 { // a second sweep finds nothing left
		if _, err := e.svc.Reconcile(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
	}
	p, _ = e.svc.Payment(t.Context(), "ORD-1")
	if p.RefundedAmount != 8990 || p.Refunds[0].Status != payments.RefundSucceeded || p.Status != payments.StatusPartiallyRefunded {
		t.Errorf("after the sweep: refunded %d, refund %s, status %s", p.RefundedAmount, p.Refunds[0].Status, p.Status)
	}
	if got := e.gw.Refunded(p.GatewayReference); got != 8990 {
		t.Errorf("gateway refunded %d in all, want 8990 once", got)
	}
}

// A virtual account past its due date becomes expired; a deposit that
// arrives later is still recorded and raises its own event.
func TestVirtualAccountExpiresThenLateDeposit(t *testing.T) {
	e := newRecoveryEnv(t)
	p, err := e.svc.IssueVirtualAccount(t.Context(), payments.VirtualAccountRequest{OrderNumber: "ORD-1", Bank: "20", CustomerName: "박토스", ValidHours: 24})
	if err != nil || p.Status != payments.StatusWaitingForDeposit || p.VirtualAccount == nil || p.VirtualAccount.Bank != "20" {
		t.Fatalf("IssueVirtualAccount: %+v %v", p, err)
	}
	again, err := e.svc.IssueVirtualAccount(t.Context(), payments.VirtualAccountRequest{OrderNumber: "ORD-1", Bank: "20", CustomerName: "박토스", ValidHours: 24})
	if err != nil || again.VirtualAccount.AccountNumber != p.VirtualAccount.AccountNumber || len(again.Attempts) != 1 {
		t.Fatalf("repeat IssueVirtualAccount gave another account: %v", err)
	}
	e.advance(23 * time.Hour)
	if rep, _ := e.svc.Reconcile(t.Context(), nil); len(rep.Changes) != 0 {
		t.Fatalf("before the due date: %+v", rep.Changes)
	}
	e.advance(2 * time.Hour)
	rep, err := e.svc.Reconcile(t.Context(), nil)
	if err != nil || len(rep.Changes) != 1 || rep.Changes[0].To != payments.StatusExpired {
		t.Fatalf("after the due date: %+v %v", rep, err)
	}
	secret, err := e.gw.Deposit(p.GatewayReference)
	if err != nil {
		t.Fatal(err)
	}
	e.deliver(t)
	e.events = nil
	if _, err := e.svc.HandleNotification(t.Context(), payments.Notification{Gateway: "fake", OrderNumber: "ORD-1", DepositSecret: "ps_forged"}); !errors.Is(err, payments.ErrInvalidSignature) {
		t.Fatalf("deposit with a wrong secret: %v", err)
	}
	e.deliver(t)
	if got, _ := e.svc.Payment(t.Context(), "ORD-1"); got.Status != payments.StatusExpired || len(e.events) != 0 {
		t.Fatalf("a forged deposit changed the payment: %s, %d events", got.Status, len(e.events))
	}
	p, err = e.svc.HandleNotification(t.Context(), payments.Notification{Gateway: "fake", OrderNumber: "ORD-1", DepositSecret: secret})
	if err != nil || p.Status != payments.StatusPaid {
		t.Fatalf("late deposit: %v %v", p.Status, err)
	}
	e.deliver(t)
	var late *payments.Event
	for i := range e.events {
		if e.events[i].Type == payments.EventLatePayment {
			late = &e.events[i]
		}
	}
	if late == nil || late.From != payments.StatusExpired || late.Attempt != 1 {
		t.Errorf("no late-payment event for the deposit: %+v", e.events)
	}
}
