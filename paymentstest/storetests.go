package paymentstest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
)

// RunStoreTests checks that a [payments.Store] keeps the contract written
// on that interface. newStore returns an empty store for each subtest
// (claims see every pending event of a store, so the outbox's tests need
// stores of their own).
func RunStoreTests(t *testing.T, newStore func(t *testing.T) payments.Store) {
	t.Helper()
	var seq int
	var seqMu sync.Mutex
	number := func() string {
		seqMu.Lock()
		defer seqMu.Unlock()
		seq++
		return fmt.Sprintf("ST-%d-%d", time.Now().UnixNano(), seq)
	}

	t.Run("CreateGetRoundTrip", func(t *testing.T) {
		s := newStore(t)
		p := samplePayment(number())
		if err := s.Create(t.Context(), p, nil); err != nil {
			t.Fatalf("Create: %v", err)
		}
		if p.Version != 1 {
			t.Errorf("after Create, Version = %d, want 1", p.Version)
		}
		got, err := s.Get(t.Context(), p.OrderNumber)
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		if diff := cmp.Diff(p, got, cmpPayment); diff != "" {
			t.Errorf("Get after Create (-want +got):\n%s", diff)
		}
		if got.Attempts[1].DepositSecret.Reveal() != p.Attempts[1].DepositSecret.Reveal() {
			t.Error("the deposit secret did not survive storage")
		}
	})

	t.Run("CreateTwiceConflicts", func(t *testing.T) {
		s := newStore(t)
		p := samplePayment(number())
		if err := s.Create(t.Context(), p, nil); err != nil {
			t.Fatalf("Create: %v", err)
		}
		q := samplePayment(p.OrderNumber)
		q.ID = "pay_other"
		if err := s.Create(t.Context(), q, nil); !errors.Is(err, payments.ErrConflict) {
			t.Fatalf("second Create for the same order: %v, want ErrConflict", err)
		}
		got, err := s.Get(t.Context(), p.OrderNumber)
		if err != nil || got.ID != p.ID {
			t.Fatalf("after a refused Create, Get = %v, %v; want the first payment", got, err)
		}
	})

	t.Run("GetUnknown", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Get(t.Context(), number())
		if payments.Code(err) != payments.CodePaymentNotFound {
			t.Fatalf("Get unknown: %v, want payment_not_found", err)
		}
	})

	t.Run("GetReturnsACopy", func(t *testing.T) {
		s := newStore(t)
		p := samplePayment(number())
		if err := s.Create(t.Context(), p, nil); err != nil {
			t.Fatal(err)
		}
		p.Attempts[1].Status = payments.StatusFailed // the caller's copy
		got, err := s.Get(t.Context(), p.OrderNumber)
		if err != nil {
			t.Fatal(err)
		}
		got.Refunds[0].Amount = 1
		got.Attempts[1].VirtualAccount.Bank = "XX"
		again, err := s.Get(t.Context(), p.OrderNumber)
		if err != nil {
			t.Fatal(err)
		}
		if again.Attempts[1].Status != payments.StatusPaid || again.Refunds[0].Amount == 1 || again.Attempts[1].VirtualAccount.Bank == "XX" {
			t.Error("changing a payment outside the store changed the stored payment")
		}
	})

	t.Run("UpdateCompareAndSet", func(t *testing.T) {
		s := newStore(t)
		p := samplePayment(number())
		if err := s.Create(t.Context(), p, nil); err != nil {
			t.Fatal(err)
		}
		a, _ := s.Get(t.Context(), p.OrderNumber)
		b, _ := s.Get(t.Context(), p.OrderNumber)
		a.RefundedAmount = 100
		if err := s.Update(t.Context(), a, nil); err != nil {
			t.Fatalf("Update: %v", err)
		}
		if a.Version != 2 {
			t.Errorf("after Update, Version = %d, want 2", a.Version)
		}
		b.RefundedAmount = 999
		if err := s.Update(t.Context(), b, nil); !errors.Is(err, payments.ErrConflict) {
			t.Fatalf("stale Update: %v, want ErrConflict", err)
		}
		got, _ := s.Get(t.Context(), p.OrderNumber)
		if got.RefundedAmount != 100 || got.Version != 2 {
			t.Errorf("after a stale Update: refunded %d version %d, want 100 and 2", got.RefundedAmount, got.Version)
		}
		if diff := cmp.Diff(a, got, cmpPayment); diff != "" {
			t.Errorf("Get after Update (-want +got):\n%s", diff)
		}
		missing := samplePayment(number())
		if err := s.Update(t.Context(), missing, nil); payments.Code(err) != payments.CodePaymentNotFound {
			t.Errorf("Update of a payment never created: %v, want payment_not_found", err)
		}
	})

	t.Run("ConcurrentUpdatesOneWins", func(t *testing.T) {
		s := newStore(t)
		p := samplePayment(number())
		if err := s.Create(t.Context(), p, nil); err != nil {
			t.Fatal(err)
		}
		const n = 20
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := range n {
			c := p.Clone()
			c.RefundedAmount = payments.Amount(i + 1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.Update(t.Context(), c, nil)
				switch {
				case err == nil:
					mu.Lock()
					wins++
					mu.Unlock()
				case !errors.Is(err, payments.ErrConflict):
					t.Errorf("Update: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Errorf("%d of %d concurrent updates from one version succeeded, want 1", wins, n)
		}
	})

	t.Run("NoLostUpdates", func(t *testing.T) {
		s := newStore(t)
		p := samplePayment(number())
		p.Refunds = nil
		if err := s.Create(t.Context(), p, nil); err != nil {
			t.Fatal(err)
		}
		const n = 25
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					cur, err := s.Get(t.Context(), p.OrderNumber)
					if err != nil {
						t.Error(err)
						return
					}
					cur.Refunds = append(cur.Refunds, payments.Refund{ID: fmt.Sprintf("rf_%d", i), Amount: 1, Reason: "r", Status: payments.RefundSucceeded, Attempt: 1})
					err = s.Update(t.Context(), cur, nil)
					if err == nil {
						return
					}
					if !errors.Is(err, payments.ErrConflict) {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		got, err := s.Get(t.Context(), p.OrderNumber)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Refunds) != n || got.Version != n+1 {
			t.Errorf("after %d retried updates: %d refunds, version %d; want %d and %d", n, len(got.Refunds), got.Version, n, n+1)
		}
	})

	t.Run("Unsettled", func(t *testing.T) {
		s := newStore(t)
		base := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
		mk := func(status payments.Status, pending bool, age time.Duration) *payments.Payment {
			p := samplePayment(number())
			p.Status, p.Attempts[1].Status = status, status
			p.Refunds[0].Status = payments.RefundSucceeded
			if pending {
				p.Refunds[0].Status = payments.RefundPending
			}
			p.UpdatedAt = base.Add(age)
			if err := s.Create(t.Context(), p, nil); err != nil {
				t.Fatal(err)
			}
			return p
		}
		processing := mk(payments.StatusProcessing, false, 0)
		deposit := mk(payments.StatusWaitingForDeposit, false, time.Second)
		refund := mk(payments.StatusPartiallyRefunded, true, 2*time.Second)
		action := mk(payments.StatusRequiresAction, false, 3*time.Second)
		mk(payments.StatusPaid, false, 0)                           // settled
		mk(payments.StatusFailed, false, 0)                         // settled
		recent := mk(payments.StatusProcessing, false, 2*time.Hour) // too recent
		got, err := s.Unsettled(t.Context(), base.Add(time.Minute), 100)
		if err != nil {
			t.Fatalf("Unsettled: %v", err)
		}
		want := []string{processing.OrderNumber, deposit.OrderNumber, refund.OrderNumber, action.OrderNumber}
		var names []string
		for _, p := range got {
			if p.OrderNumber == recent.OrderNumber {
				t.Error("Unsettled returned a payment updated after the cut-off")
			}
			names = append(names, p.OrderNumber)
		}
		// Other tests may share the store; keep only this test's payments.
		names = filter(names, want, recent.OrderNumber)
		if diff := cmp.Diff(want, names); diff != "" {
			t.Errorf("Unsettled, oldest first (-want +got):\n%s", diff)
		}
		limited, err := s.Unsettled(t.Context(), base.Add(time.Minute), 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(limited) != 2 {
			t.Errorf("Unsettled with limit 2 returned %d", len(limited))
		}
		// Settling a payment takes it off the list.
		cur, _ := s.Get(t.Context(), processing.OrderNumber)
		cur.Status, cur.Attempts[1].Status = payments.StatusPaid, payments.StatusPaid
		if err := s.Update(t.Context(), cur, nil); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Unsettled(t.Context(), time.Now().Add(time.Hour), 1000)
		for _, p := range got {
			if p.OrderNumber == processing.OrderNumber {
				t.Error("a settled payment is still listed as unsettled")
			}
		}
	})

	t.Run("RecordWebhook", func(t *testing.T) {
		s := newStore(t)
		id := "evt_" + number()
		if seen, err := s.WebhookSeen(t.Context(), "toss", id); err != nil || seen {
			t.Fatalf("WebhookSeen before recording = %v, %v", seen, err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		firsts := 0
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				first, err := s.RecordWebhook(t.Context(), "toss", id, time.Now())
				if err != nil {
					t.Error(err)
				}
				if first {
					mu.Lock()
					firsts++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if firsts != 1 {
			t.Errorf("%d concurrent RecordWebhook calls reported first, want 1", firsts)
		}
		if seen, err := s.WebhookSeen(t.Context(), "toss", id); err != nil || !seen {
			t.Errorf("WebhookSeen after recording = %v, %v", seen, err)
		}
		if seen, _ := s.WebhookSeen(t.Context(), "stripe", id); seen {
			t.Error("an event id recorded for one gateway is seen for another")
		}
	})

	runOutboxTests(t, newStore, number)
	runCaptureDisputeStoreTests(t, newStore, number)

	t.Run("CanceledContext", func(t *testing.T) {
		s := newStore(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := s.Create(ctx, samplePayment(number()), nil); err == nil {
			t.Error("Create with a canceled context succeeded")
		}
		if _, err := s.Get(ctx, number()); err == nil {
			t.Error("Get with a canceled context succeeded")
		}
	})
}

func filter(names, keep []string, drop string) []string {
	k := make(map[string]bool)
	for _, n := range keep {
		k[n] = true
	}
	var out []string
	for _, n := range names {
		if k[n] && n != drop {
			out = append(out, n)
		}
	}
	return out
}

// cmpPayment compares payments field by field; times compare as instants
// (a database may drop the monotonic reading and the location).
var cmpPayment = cmp.Options{
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b payments.Secret) bool { return a.Reveal() == b.Reveal() }),
}

// samplePayment fills every field, so a store that drops one is caught.
func samplePayment(order string) *payments.Payment {
	t0 := time.Date(2026, 1, 22, 10, 0, 0, 123_000_000, time.UTC)
	due := t0.Add(72 * time.Hour)
	va := &payments.VirtualAccount{Bank: "20", AccountNumber: "X6505636518308", Holder: "박토스", DueDate: due}
	return &payments.Payment{
		ID: "pay_" + order, OrderNumber: order, Amount: 58990, Currency: payments.KRW,
		Status: payments.StatusPaid, Gateway: "toss", Method: payments.MethodVirtualAccount,
		GatewayReference: "tviva20240213121757MvuS8", RefundedAmount: 1000,
		Failure: &payments.Failure{Code: "REJECT_CARD_COMPANY", Message: "첫 시도가 거절되었습니다."},
		Refunds: []payments.Refund{{
			ID: "rf_1", Amount: 1000, Reason: "고객 요청", StripeReason: "requested_by_customer", Status: payments.RefundSucceeded, Attempt: 2,
			GatewayReference: "9C62B18EEF0DE3EB7F4422EB6D14BC6E", RequestHash: "abc",
			ReceiveAccount: &payments.BankAccount{Bank: "88", AccountNumber: "110123456789", HolderName: "김토스"},
			Failure:        &payments.Failure{Code: "REFUND_REJECTED_ONCE", Message: "첫 환불 시도가 거절되었습니다."},
			CreatedAt:      t0, UpdatedAt: t0.Add(time.Second),
		}},
		Attempts: []payments.Attempt{
			{Number: 1, Gateway: "toss", Method: payments.MethodCard, Status: payments.StatusFailed,
				GatewayStatus: "ABORTED", GatewayOrderID: order, Reference: "pk_1",
				Failure:    &payments.Failure{Code: "REJECT_CARD_COMPANY", Message: "결제 승인이 거절되었습니다."},
				SuccessURL: "https://shop.example/ok", FailURL: "https://shop.example/fail", CreatedAt: t0, UpdatedAt: t0,
				ManualCapture: true, Capture: &payments.Capture{Amount: 50000, Status: payments.CaptureFailed,
					Failure:   &payments.Failure{Code: "charge_expired_for_capture", Message: "the authorisation expired"},
					CreatedAt: t0, UpdatedAt: t0.Add(time.Second)},
				Void: &payments.Void{Reason: "품절", Status: payments.VoidFailed,
					Failure:   &payments.Failure{Code: "payment_intent_unexpected_state", Message: "the authorisation was captured"},
					CreatedAt: t0, UpdatedAt: t0.Add(2 * time.Second)}},
			{Number: 2, Gateway: "toss", Method: payments.MethodVirtualAccount, Status: payments.StatusPaid,
				GatewayStatus: "DONE", GatewayOrderID: order + "-2", Reference: "tviva20240213121757MvuS8",
				Session: "sess_1", RedirectURL: "https://pay.example/r", PaymentMethod: "pm_card_visa", SavedMethod: "meth_1",
				VirtualAccount: va, DepositSecret: "ps_abcdefghijklmnopqrstuvwxyz12",
				CreatedAt: t0, UpdatedAt: t0.Add(time.Minute), PaidAt: t0.Add(time.Minute)},
		},
		VirtualAccount: va, CreatedAt: t0, UpdatedAt: t0.Add(2 * time.Second), PaidAt: t0.Add(time.Minute),
		EventSeq: 7, AmountCapturable: 12345,
		Disputes: []payments.Dispute{{ID: "dp_1", Amount: 20000, Currency: payments.KRW, Reason: "fraudulent",
			Status: payments.DisputeLost, EvidenceDueBy: due, CreatedAt: t0, UpdatedAt: t0.Add(3 * time.Second)},
			{ID: "dp_2", Amount: 1000, Currency: payments.KRW, Status: payments.DisputeWon, CreatedAt: t0, UpdatedAt: t0}},
	}
}
