package memstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
)

// TestClaimTakesTheEarliestDue: a claim with a limit takes the events
// due first, in due order, however the payments were stored; one
// without a limit takes every due event, in the same order.
func TestClaimTakesTheEarliestDue(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 22, 10, 0, 0, 0, time.UTC)
	s := memstore.New()
	const n = 40
	var want []string
	for _, i := range rand.Perm(n) {
		p := retainPayment(i, t0)
		p.EventSeq = 1
		at := t0.Add(time.Duration(i) * time.Second)
		ev := payments.Event{ID: fmt.Sprintf("evt_%02d", i), Seq: 1, Type: payments.EventAttemptCreated, OrderNumber: p.OrderNumber, Payment: p, At: at}
		if err := s.Create(ctx, p, []payments.Event{ev}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		want = append(want, fmt.Sprintf("evt_%02d", i))
	}
	ids := func(ces []payments.ClaimedEvent) []string {
		var out []string
		for _, c := range ces {
			out = append(out, c.Event.ID)
		}
		return out
	}
	now := t0.Add(time.Hour)
	first, err := s.ClaimEvents(ctx, now, time.Minute, 5, "a")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[:5], ids(first)); diff != "" {
		t.Errorf("claim with limit 5 (-want +got):\n%s", diff)
	}
	rest, err := s.ClaimEvents(ctx, now, time.Minute, 0, "b")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[5:], ids(rest)); diff != "" {
		t.Errorf("claim without a limit (-want +got):\n%s", diff)
	}
}
