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

func (s *conflictStore) Update(ctx context.Context, p *payments.Payment, events []payments.Event) error {
	s.mu.Lock()
	first := !s.done[p.OrderNumber]
	s.done[p.OrderNumber] = true
	s.mu.Unlock()
	if first {
		// Another writer claims the attempt first.
		cur, _ := s.Store.Get(ctx, p.OrderNumber)
		cur.Attempts[len(cur.Attempts)-1].Status = payments.StatusProcessing
		cur.Status = payments.StatusProcessing
		_ = s.Store.Update(ctx, cur, nil)
		return payments.ErrConflict
	}
	return s.Store.Update(ctx, p, events)
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
