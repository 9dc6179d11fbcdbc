package paymentstest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
)

// RunPeriodStoreTests checks that a store keeps the contract of
// [payments.PeriodStore]: PaymentsMoved gives, in pages of at most the
// page size, exactly the payments whose money moved in the period
// ([payments.MovedIn]), as copies, and stops at the first error of its
// callback. newStore returns an empty store for each subtest.
func RunPeriodStoreTests(t *testing.T, newStore func(t *testing.T) payments.Store) {
	t.Helper()
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 1, 0)
	period := func(t *testing.T) (payments.PeriodStore, []string) {
		t.Helper()
		st := newStore(t)
		ps, ok := st.(payments.PeriodStore)
		if !ok {
			t.Fatalf("%T is not a payments.PeriodStore", st)
		}
		var want []string
		add := func(name string, paid time.Time, refunded time.Time, moved bool) {
			t.Helper()
			p := periodPayment(name, paid, refunded)
			if err := st.Create(t.Context(), p, nil); err != nil {
				t.Fatalf("Create %s: %v", name, err)
			}
			if moved {
				want = append(want, name)
			}
		}
		add("PER-paid-first-instant", from, time.Time{}, true)
		add("PER-paid-inside", from.Add(36*time.Hour), time.Time{}, true)
		add("PER-paid-last-instant", to.Add(-time.Microsecond), time.Time{}, true)
		add("PER-paid-at-end", to, time.Time{}, false)
		add("PER-paid-before", from.Add(-time.Hour), time.Time{}, false)
		add("PER-paid-before-refunded-inside", from.Add(-72*time.Hour), from.Add(time.Hour), true)
		add("PER-paid-before-refunded-after", from.Add(-72*time.Hour), to.Add(time.Hour), false)
		add("PER-paid-inside-refunded-after", from.Add(time.Hour), to.Add(time.Hour), true)
		for i := range 23 {
			add(fmt.Sprintf("PER-bulk-%02d", i), from.Add(time.Duration(i)*time.Hour), time.Time{}, true)
		}
		unpaid := periodPayment("PER-unpaid", time.Time{}, time.Time{})
		unpaid.Status, unpaid.Attempts[0].Status = payments.StatusProcessing, payments.StatusProcessing
		if err := st.Create(t.Context(), unpaid, nil); err != nil {
			t.Fatal(err)
		}
		slices.Sort(want)
		return ps, want
	}

	t.Run("ExactlyThePaymentsMovedInPages", func(t *testing.T) {
		ps, want := period(t)
		for _, size := range []int{0, 1, 7, 1000} {
			var got []string
			err := ps.PaymentsMoved(t.Context(), from, to, size, func(page []*payments.Payment) error {
				if size > 0 && len(page) > size {
					t.Errorf("page size %d: a page of %d", size, len(page))
				}
				for _, p := range page {
					if !payments.MovedIn(p, from, to) {
						t.Errorf("page size %d: %s did not move in the period", size, p.OrderNumber)
					}
					got = append(got, p.OrderNumber)
				}
				return nil
			})
			if err != nil {
				t.Fatalf("page size %d: %v", size, err)
			}
			slices.Sort(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("page size %d (-want +got):\n%s", size, diff)
			}
		}
	})

	t.Run("PaymentsAreWhole", func(t *testing.T) {
		st := newStore(t)
		ps := st.(payments.PeriodStore)
		p := periodPayment("PER-whole", from.Add(time.Hour), from.Add(2*time.Hour))
		if err := st.Create(t.Context(), p, nil); err != nil {
			t.Fatal(err)
		}
		var got []*payments.Payment
		if err := ps.PaymentsMoved(t.Context(), from, to, 0, func(page []*payments.Payment) error {
			got = append(got, page...)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("got %d payments, want 1", len(got))
		}
		if diff := cmp.Diff(p, got[0], cmpPayment); diff != "" {
			t.Errorf("payment (-stored +got):\n%s", diff)
		}
		got[0].Refunds[0].Amount = 1
		again, err := st.Get(t.Context(), p.OrderNumber)
		if err != nil {
			t.Fatal(err)
		}
		if again.Refunds[0].Amount != p.Refunds[0].Amount {
			t.Error("changing a listed payment changed the store")
		}
	})

	t.Run("CallbackErrorStops", func(t *testing.T) {
		ps, _ := period(t)
		stop := errors.New("stop")
		calls := 0
		err := ps.PaymentsMoved(t.Context(), from, to, 2, func([]*payments.Payment) error {
			calls++
			return stop
		})
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("PaymentsMoved = %v after %d calls, want the callback's error after 1", err, calls)
		}
	})
}

// periodPayment is a card payment paid at paid (unpaid when zero), with a
// succeeded refund of 1000 at refunded (none when zero), updated last at
// the later of the two, as the service writes them.
func periodPayment(order string, paid, refunded time.Time) *payments.Payment {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if !paid.IsZero() {
		created = paid.Add(-time.Minute)
	}
	updated := created
	for _, t := range []time.Time{paid, refunded} {
		if t.After(updated) {
			updated = t
		}
	}
	p := &payments.Payment{
		ID: "pay_" + order, OrderNumber: order, Amount: 58990, Currency: payments.KRW,
		Status: payments.StatusPaid, Gateway: "toss", Method: payments.MethodCard, GatewayReference: "pk_" + order,
		Attempts: []payments.Attempt{{Number: 1, Gateway: "toss", Method: payments.MethodCard, Status: payments.StatusPaid,
			GatewayStatus: "DONE", GatewayOrderID: order, Reference: "pk_" + order, CreatedAt: created, UpdatedAt: paid, PaidAt: paid}},
		CreatedAt: created, UpdatedAt: updated, PaidAt: paid,
	}
	if !refunded.IsZero() {
		p.Status, p.Attempts[0].Status, p.RefundedAmount = payments.StatusPartiallyRefunded, payments.StatusPartiallyRefunded, 1000
		p.Refunds = []payments.Refund{{ID: "rf_" + order, Amount: 1000, Status: payments.RefundSucceeded, Attempt: 1,
			GatewayReference: "tx_" + order, CreatedAt: refunded, UpdatedAt: refunded}}
	}
	return p
}
