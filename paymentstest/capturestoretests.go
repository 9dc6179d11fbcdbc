package paymentstest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
)

// runCaptureDisputeStoreTests checks what a [payments.Store] keeps of
// manual capture and disputes: the capturable amount, an attempt's
// capture and the disputes survive a round trip, copies share no memory,
// and authorised payments and open disputes are listed as unsettled.
func runCaptureDisputeStoreTests(t *testing.T, newStore func(t *testing.T) payments.Store, number func() string) {
	t.Run("CaptureAndDisputesRoundTrip", func(t *testing.T) {
		s := newStore(t)
		p := samplePayment(number())
		p.Attempts[1].Capture = &payments.Capture{Amount: 40000, Status: payments.CaptureSucceeded,
			CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
		if err := s.Create(t.Context(), p, nil); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(t.Context(), p.OrderNumber)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(p, got, cmpPayment); diff != "" {
			t.Errorf("Get after Create (-want +got):\n%s", diff)
		}
		got.Disputes[0].Status = payments.DisputeWon
		got.Attempts[1].Capture.Amount = 1
		got.Attempts[0].Capture.Failure.Code = "changed"
		got.Attempts[0].Void.Failure.Message = "changed"
		got.AmountCapturable = 7
		next := got.Clone()
		next.Disputes = append(next.Disputes, payments.Dispute{ID: "dp_3", Amount: 5, Currency: payments.KRW,
			Status: payments.DisputeWarningClosed, CreatedAt: p.CreatedAt, UpdatedAt: p.CreatedAt})
		if err := s.Update(t.Context(), next, nil); err != nil {
			t.Fatal(err)
		}
		got.Disputes[0].Status = payments.DisputeLost // the caller's copy again
		again, err := s.Get(t.Context(), p.OrderNumber)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(next, again, cmpPayment); diff != "" {
			t.Errorf("Get after Update (-want +got):\n%s", diff)
		}
	})

	t.Run("UnsettledAuthorizedAndDisputed", func(t *testing.T) {
		s := newStore(t)
		base := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
		mk := func(status payments.Status, dispute payments.DisputeStatus, age time.Duration) *payments.Payment {
			p := samplePayment(number())
			p.Status, p.Attempts[1].Status = status, status
			p.Disputes = p.Disputes[:1]
			p.Disputes[0].Status = dispute
			p.UpdatedAt = base.Add(age)
			if err := s.Create(t.Context(), p, nil); err != nil {
				t.Fatal(err)
			}
			return p
		}
		authorized := mk(payments.StatusAuthorized, payments.DisputeLost, 0)
		open := mk(payments.StatusPaid, payments.DisputeNeedsResponse, time.Second)
		inquiry := mk(payments.StatusPaid, payments.DisputeWarningUnderReview, 2*time.Second)
		mk(payments.StatusPaid, payments.DisputeWon, 0)           // settled
		mk(payments.StatusPaid, payments.DisputeWarningClosed, 0) // settled
		mk(payments.StatusCanceled, payments.DisputeLost, 0)      // settled
		got, err := s.Unsettled(t.Context(), base.Add(time.Minute), 1000)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{authorized.OrderNumber, open.OrderNumber, inquiry.OrderNumber}
		var names []string
		for _, p := range got {
			names = append(names, p.OrderNumber)
		}
		names = filter(names, want, "")
		if diff := cmp.Diff(want, names); diff != "" {
			t.Errorf("Unsettled, oldest first (-want +got):\n%s", diff)
		}
	})
}
