package paymentstest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
)

// runOutboxTests checks the event sentences of the Store contract.
func runOutboxTests(t *testing.T, newStore func(t *testing.T) payments.Store, number func() string) {
	t0 := time.Date(2026, 1, 22, 10, 0, 0, 0, time.UTC)
	const lease = time.Minute

	// create stores a sample payment with n events, seq 1 … n, at t0.
	create := func(t *testing.T, s payments.Store, n int) (*payments.Payment, []payments.Event) {
		t.Helper()
		p := samplePayment(number())
		evs := sampleEvents(p, 1, n, t0)
		if err := s.Create(t.Context(), p, evs); err != nil {
			t.Fatalf("Create with %d events: %v", n, err)
		}
		return p, evs
	}
	claim := func(t *testing.T, s payments.Store, now time.Time, limit int, token string) []payments.ClaimedEvent {
		t.Helper()
		got, err := s.ClaimEvents(t.Context(), now, lease, limit, token)
		if err != nil {
			t.Fatalf("ClaimEvents: %v", err)
		}
		return got
	}
	ids := func(ces []payments.ClaimedEvent) []string {
		out := []string{}
		for _, c := range ces {
			out = append(out, c.Event.ID)
		}
		return out
	}

	t.Run("EventsStoredWithTheWrite", func(t *testing.T) {
		s := newStore(t)
		p, evs := create(t, s, 1)
		got := claim(t, s, t0, 10, "tok")
		if len(got) != 1 {
			t.Fatalf("claimed %d events after Create with one, want 1", len(got))
		}
		if diff := cmp.Diff(evs[0], got[0].Event, cmpPayment); diff != "" {
			t.Errorf("the claimed event is not the one stored (-stored +claimed):\n%s", diff)
		}
		if got[0].Tries != 1 {
			t.Errorf("Tries of a first claim = %d, want 1", got[0].Tries)
		}
		if err := s.AckEvent(t.Context(), evs[0].ID, "tok", t0); err != nil {
			t.Fatal(err)
		}

		cur, err := s.Get(t.Context(), p.OrderNumber)
		if err != nil {
			t.Fatal(err)
		}
		if cur.EventSeq != p.EventSeq {
			t.Errorf("EventSeq = %d after a round trip, want %d", cur.EventSeq, p.EventSeq)
		}
		up := sampleEvents(cur, 2, 1, t0)
		up[0].Refund = &payments.Refund{ID: "rf_1", Amount: 1000, Status: payments.RefundSucceeded, Attempt: 2,
			ReceiveAccount: &payments.BankAccount{Bank: "88", AccountNumber: "1", HolderName: "김토스"}, CreatedAt: t0}
		up[0].From, up[0].To, up[0].Attempt = payments.StatusPaid, payments.StatusPartiallyRefunded, 2
		up[0].Dispute = &payments.Dispute{ID: "dp_1", Amount: 500, Currency: payments.KRW, Reason: "fraudulent",
			Status: payments.DisputeUnderReview, EvidenceDueBy: t0.Add(time.Hour), CreatedAt: t0, UpdatedAt: t0}
		if err := s.Update(t.Context(), cur, up); err != nil {
			t.Fatal(err)
		}
		got = claim(t, s, t0, 10, "tok2")
		if len(got) != 1 {
			t.Fatalf("claimed %d events after Update with one, want 1", len(got))
		}
		if diff := cmp.Diff(up[0], got[0].Event, cmpPayment); diff != "" {
			t.Errorf("the claimed event is not the one stored (-stored +claimed):\n%s", diff)
		}
	})

	t.Run("LostWriteStoresNoEvent", func(t *testing.T) {
		s := newStore(t)
		p, _ := create(t, s, 0)
		stale := p.Clone()
		cur, _ := s.Get(t.Context(), p.OrderNumber)
		if err := s.Update(t.Context(), cur, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Update(t.Context(), stale, sampleEvents(stale, 1, 2, t0)); !errors.Is(err, payments.ErrConflict) {
			t.Fatalf("stale Update: %v, want ErrConflict", err)
		}
		twin := samplePayment(p.OrderNumber)
		if err := s.Create(t.Context(), twin, sampleEvents(twin, 1, 1, t0)); !errors.Is(err, payments.ErrConflict) {
			t.Fatalf("second Create: %v, want ErrConflict", err)
		}
		missing := samplePayment(number())
		if err := s.Update(t.Context(), missing, sampleEvents(missing, 1, 1, t0)); err == nil {
			t.Fatal("Update of an unknown order succeeded")
		}
		if got := claim(t, s, t0.Add(time.Hour), 10, "tok"); len(got) != 0 {
			t.Errorf("writes that failed stored events: %v", ids(got))
		}
	})

	t.Run("DuplicateEventIDFailsTheWrite", func(t *testing.T) {
		s := newStore(t)
		p, evs := create(t, s, 1)
		cur, _ := s.Get(t.Context(), p.OrderNumber)
		again := sampleEvents(cur, 2, 2, t0)
		again[1].ID = evs[0].ID
		cur.RefundedAmount = 1
		if err := s.Update(t.Context(), cur, again); err == nil {
			t.Fatal("Update with an event id already stored succeeded")
		}
		after, _ := s.Get(t.Context(), p.OrderNumber)
		if after.Version != 1 || after.RefundedAmount == 1 {
			t.Errorf("the refused Update changed the payment: version %d", after.Version)
		}
		got := claim(t, s, t0, 10, "tok")
		if diff := cmp.Diff([]string{evs[0].ID}, ids(got)); diff != "" {
			t.Errorf("events after the refused Update (-want +got):\n%s", diff)
		}
		if err := s.AckEvent(t.Context(), evs[0].ID, "tok", t0); err != nil {
			t.Fatal(err)
		}
		if got := claim(t, s, t0, 10, "tok2"); len(got) != 0 {
			t.Errorf("the refused Update stored events: %v", ids(got))
		}
	})

	t.Run("ClaimInSeqOrderPerPayment", func(t *testing.T) {
		s := newStore(t)
		_, a := create(t, s, 3)
		_, b := create(t, s, 2)
		got := claim(t, s, t0, 10, "one")
		if diff := cmp.Diff([]string{a[0].ID, b[0].ID}, ids(got), sortStrings); diff != "" {
			t.Fatalf("first claim (-want +got):\n%s", diff)
		}
		if got := claim(t, s, t0, 10, "two"); len(got) != 0 {
			t.Fatalf("a claim while the first events are held got %v: held events, or events waiting for them", ids(got))
		}
		if err := s.AckEvent(t.Context(), a[0].ID, "one", t0); err != nil {
			t.Fatal(err)
		}
		got = claim(t, s, t0, 10, "three")
		if diff := cmp.Diff([]string{a[1].ID}, ids(got)); diff != "" {
			t.Fatalf("after acknowledging the first event of one payment (-want +got):\n%s", diff)
		}
		// A failed try makes the event due later; the payment's next
		// event waits for it.
		if err := s.NackEvent(t.Context(), b[0].ID, "one", t0.Add(30*time.Second), false, "handler down"); err != nil {
			t.Fatal(err)
		}
		if got := claim(t, s, t0.Add(20*time.Second), 10, "four"); len(got) != 0 {
			t.Fatalf("before its retry is due: claimed %v", ids(got))
		}
		got = claim(t, s, t0.Add(30*time.Second), 10, "five")
		if diff := cmp.Diff([]string{b[0].ID}, ids(got)); diff != "" {
			t.Fatalf("once the retry is due (-want +got):\n%s", diff)
		}
		if got[0].Tries != 2 {
			t.Errorf("Tries of the second claim = %d, want 2", got[0].Tries)
		}
		// Handled on its retry, it lets the next event go at once.
		if err := s.AckEvent(t.Context(), b[0].ID, "five", t0.Add(30*time.Second)); err != nil {
			t.Fatal(err)
		}
		got = claim(t, s, t0.Add(30*time.Second), 10, "six")
		if diff := cmp.Diff([]string{b[1].ID}, ids(got)); diff != "" {
			t.Errorf("once the retried event was handled (-want +got):\n%s", diff)
		}
	})

	t.Run("ClaimOnlyWhatIsDue", func(t *testing.T) {
		s := newStore(t)
		p := samplePayment(number())
		later := sampleEvents(p, 1, 1, t0.Add(time.Hour))
		if err := s.Create(t.Context(), p, later); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			create(t, s, 1)
		}
		first := claim(t, s, t0, 2, "one")
		if len(first) != 2 {
			t.Errorf("claim with limit 2 took %d events", len(first))
		}
		got := claim(t, s, t0, 10, "two")
		if len(got) != 1 || got[0].Event.ID == later[0].ID {
			t.Errorf("second claim took %v; want the one due event left", ids(got))
		}
		ack := func(ces []payments.ClaimedEvent, token string) {
			for _, c := range ces {
				if err := s.AckEvent(t.Context(), c.Event.ID, token, t0); err != nil {
					t.Fatal(err)
				}
			}
		}
		ack(first, "one")
		ack(got, "two")
		got = claim(t, s, t0.Add(time.Hour), 10, "three")
		if diff := cmp.Diff([]string{later[0].ID}, ids(got)); diff != "" {
			t.Errorf("an event is due from its At (-want +got):\n%s", diff)
		}
	})

	t.Run("LeaseRunsOut", func(t *testing.T) {
		s := newStore(t)
		_, evs := create(t, s, 2)
		claim(t, s, t0, 10, "first")
		if got := claim(t, s, t0.Add(lease-time.Second), 10, "early"); len(got) != 0 {
			t.Fatalf("claimed %v while the lease runs", ids(got))
		}
		got := claim(t, s, t0.Add(lease), 10, "second")
		if diff := cmp.Diff([]string{evs[0].ID}, ids(got)); diff != "" {
			t.Fatalf("once the lease ran out (-want +got):\n%s", diff)
		}
		if got[0].Tries != 2 {
			t.Errorf("Tries after the lease ran out = %d, want 2", got[0].Tries)
		}
		if err := s.AckEvent(t.Context(), evs[0].ID, "first", t0); !errors.Is(err, payments.ErrConflict) {
			t.Errorf("AckEvent with the expired claim's token: %v, want ErrConflict", err)
		}
		if err := s.NackEvent(t.Context(), evs[0].ID, "first", t0, true, "x"); !errors.Is(err, payments.ErrConflict) {
			t.Errorf("NackEvent with the expired claim's token: %v, want ErrConflict", err)
		}
		if dead, err := s.DeadEvents(t.Context(), 10); err != nil || len(dead) != 0 {
			t.Errorf("a stale NackEvent killed the event: %v, %v", dead, err)
		}
		if err := s.AckEvent(t.Context(), evs[0].ID, "second", t0.Add(lease)); err != nil {
			t.Fatalf("AckEvent with the current token: %v", err)
		}
		if err := s.AckEvent(t.Context(), evs[0].ID, "second", t0.Add(lease)); !errors.Is(err, payments.ErrConflict) {
			t.Errorf("a second AckEvent: %v, want ErrConflict", err)
		}
		got = claim(t, s, t0.Add(3*lease), 10, "third")
		if diff := cmp.Diff([]string{evs[1].ID}, ids(got)); diff != "" {
			t.Errorf("after the ack, a delivered event came back or the next did not come (-want +got):\n%s", diff)
		}
	})

	t.Run("ClaimedEventsAreCopies", func(t *testing.T) {
		s := newStore(t)
		_, evs := create(t, s, 1)
		got := claim(t, s, t0, 10, "one")
		got[0].Event.Payment.Attempts[0].Status = payments.StatusPaid
		got[0].Event.Payment.Refunds[0].Amount = 1
		again := claim(t, s, t0.Add(lease), 10, "two")
		if diff := cmp.Diff(evs[0], again[0].Event, cmpPayment); diff != "" {
			t.Errorf("changing a claimed event changed the stored one (-stored +claimed):\n%s", diff)
		}
	})

	t.Run("DeadEvents", func(t *testing.T) {
		s := newStore(t)
		_, a := create(t, s, 2)
		_, b := create(t, s, 1)
		claim(t, s, t0, 10, "one")
		if err := s.NackEvent(t.Context(), b[0].ID, "one", t0.Add(time.Second), true, "b failed"); err != nil {
			t.Fatal(err)
		}
		if err := s.NackEvent(t.Context(), a[0].ID, "one", t0.Add(2*time.Second), true, "a failed"); err != nil {
			t.Fatal(err)
		}
		got := claim(t, s, t0.Add(time.Hour), 10, "two")
		if diff := cmp.Diff([]string{a[1].ID}, ids(got)); diff != "" {
			t.Errorf("after the first event died, the claim (-want +got):\n%s", diff)
		}
		dead, err := s.DeadEvents(t.Context(), 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []payments.DeadEvent{
			{Event: b[0], Tries: 1, LastError: "b failed", DiedAt: t0.Add(time.Second)},
			{Event: a[0], Tries: 1, LastError: "a failed", DiedAt: t0.Add(2 * time.Second)},
		}
		if diff := cmp.Diff(want, dead, cmpPayment); diff != "" {
			t.Errorf("DeadEvents, oldest death first (-want +got):\n%s", diff)
		}
		if one, _ := s.DeadEvents(t.Context(), 1); len(one) != 1 || one[0].Event.ID != b[0].ID {
			t.Errorf("DeadEvents with limit 1 = %v", one)
		}
	})

	t.Run("RequeueEvent", func(t *testing.T) {
		s := newStore(t)
		_, evs := create(t, s, 3)
		claim(t, s, t0, 10, "one")
		if err := s.NackEvent(t.Context(), evs[0].ID, "one", t0, true, "failed"); err != nil {
			t.Fatal(err)
		}
		got := claim(t, s, t0, 10, "two")
		if err := s.AckEvent(t.Context(), got[0].Event.ID, "two", t0); err != nil {
			t.Fatal(err)
		}
		// Event 1 is dead, 2 delivered, 3 pending. Requeued, 1 goes first
		// again and 3 waits for it.
		if err := s.RequeueEvent(t.Context(), evs[1].ID, t0); payments.Code(err) != payments.CodeInvalidState {
			t.Errorf("RequeueEvent of a delivered event: %v, want invalid_state", err)
		}
		if err := s.RequeueEvent(t.Context(), "evt_unknown_"+number(), t0); payments.Code(err) != payments.CodeEventNotFound {
			t.Errorf("RequeueEvent of an unknown event: %v, want event_not_found", err)
		}
		if err := s.RequeueEvent(t.Context(), evs[0].ID, t0.Add(time.Minute)); err != nil {
			t.Fatalf("RequeueEvent: %v", err)
		}
		if dead, _ := s.DeadEvents(t.Context(), 10); len(dead) != 0 {
			t.Errorf("a requeued event is still listed as dead: %v", dead)
		}
		if got := claim(t, s, t0.Add(30*time.Second), 10, "three"); len(got) != 0 {
			t.Errorf("before the requeued event is due, the claim took %v", ids(got))
		}
		got = claim(t, s, t0.Add(time.Minute), 10, "four")
		if diff := cmp.Diff([]string{evs[0].ID}, ids(got)); diff != "" {
			t.Fatalf("after RequeueEvent (-want +got):\n%s", diff)
		}
		if got[0].Tries != 1 {
			t.Errorf("Tries after RequeueEvent = %d, want 1", got[0].Tries)
		}
		if err := s.RequeueEvent(t.Context(), evs[0].ID, t0); payments.Code(err) != payments.CodeInvalidState {
			t.Errorf("RequeueEvent of a pending event: %v, want invalid_state", err)
		}
	})

	t.Run("PruneEvents", func(t *testing.T) {
		s := newStore(t)
		cut := t0.Add(24 * time.Hour)
		deliver := func(at time.Time) string {
			_, evs := create(t, s, 1)
			got := claim(t, s, at, 10, "d"+at.String())
			if len(got) != 1 {
				t.Fatalf("claimed %d events, want 1", len(got))
			}
			if err := s.AckEvent(t.Context(), evs[0].ID, "d"+at.String(), at); err != nil {
				t.Fatal(err)
			}
			return evs[0].ID
		}
		deliver(cut.Add(-time.Second)) // pruned
		deliver(cut)                   // kept: not before the cut
		_, dead := create(t, s, 1)
		claim(t, s, t0, 10, "x")
		if err := s.NackEvent(t.Context(), dead[0].ID, "x", t0, true, "old and dead"); err != nil {
			t.Fatal(err)
		}
		_, pending := create(t, s, 1) // old and pending
		oldHook, newHook := "evt_old_"+number(), "evt_new_"+number()
		if _, err := s.RecordWebhook(t.Context(), "toss", oldHook, cut.Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordWebhook(t.Context(), "toss", newHook, cut); err != nil {
			t.Fatal(err)
		}
		n, err := s.PruneEvents(t.Context(), cut)
		if err != nil {
			t.Fatalf("PruneEvents: %v", err)
		}
		if n != 2 {
			t.Errorf("PruneEvents deleted %d, want 2 (one delivered event, one webhook record)", n)
		}
		if seen, _ := s.WebhookSeen(t.Context(), "toss", oldHook); seen {
			t.Error("a webhook record older than the cut survived")
		}
		if seen, _ := s.WebhookSeen(t.Context(), "toss", newHook); !seen {
			t.Error("a webhook record not older than the cut was pruned")
		}
		if d, _ := s.DeadEvents(t.Context(), 10); len(d) != 1 || d[0].Event.ID != dead[0].ID {
			t.Errorf("after pruning, dead events = %v; want the old dead one kept", d)
		}
		got := claim(t, s, cut, 10, "y")
		if diff := cmp.Diff([]string{pending[0].ID}, ids(got)); diff != "" {
			t.Errorf("after pruning, the old pending event (-want +got):\n%s", diff)
		}
		if n, err := s.PruneEvents(t.Context(), cut); err != nil || n != 0 {
			t.Errorf("a second PruneEvents deleted %d, %v; want 0", n, err)
		}
	})

	t.Run("ConcurrentClaims", func(t *testing.T) {
		s := newStore(t)
		const nPayments, perPayment, workers = 12, 8, 8
		var all []payments.Event
		for range nPayments {
			_, evs := create(t, s, perPayment)
			all = append(all, evs...)
		}
		var (
			mu     sync.Mutex
			claims = map[string]int{}
			order  = map[string][]int64{} // acknowledged seqs by order
			wg     sync.WaitGroup
		)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for round := 0; ; round++ {
					token := fmt.Sprintf("w%d-%d", w, round)
					got, err := s.ClaimEvents(t.Context(), t0, time.Hour, 2, token)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					done := len(order) == nPayments && func() bool {
						for _, seqs := range order {
							if len(seqs) < perPayment {
								return false
							}
						}
						return true
					}()
					mu.Unlock()
					if len(got) == 0 {
						if done {
							return
						}
						time.Sleep(time.Millisecond)
						continue
					}
					for _, c := range got {
						mu.Lock()
						claims[c.Event.ID]++
						order[c.Event.OrderNumber] = append(order[c.Event.OrderNumber], c.Event.Seq)
						mu.Unlock()
						if err := s.AckEvent(t.Context(), c.Event.ID, token, t0); err != nil {
							t.Errorf("AckEvent of a held event: %v", err)
						}
					}
				}
			}()
		}
		wg.Wait()
		for _, e := range all {
			if n := claims[e.ID]; n != 1 {
				t.Errorf("event %s (seq %d) was claimed %d times, want once", e.ID, e.Seq, n)
			}
		}
		for o, seqs := range order {
			for i, q := range seqs {
				if q != int64(i+1) {
					t.Errorf("payment %s: events claimed in seq order %v, want 1 … %d", o, seqs, perPayment)
					break
				}
			}
		}
	})
}

// sampleEvents returns n events of p, seq from … from+n-1, at at, each
// with a copy of p.
func sampleEvents(p *payments.Payment, from, n int, at time.Time) []payments.Event {
	var out []payments.Event
	for i := range n {
		seq := int64(from + i)
		out = append(out, payments.Event{
			ID: fmt.Sprintf("evt_%s_%d", p.OrderNumber, seq), Seq: seq, Type: payments.EventStatusChanged,
			OrderNumber: p.OrderNumber, From: payments.StatusReady, To: payments.StatusPaid, Attempt: 1,
			Payment: p.Clone(), At: at,
		})
	}
	return out
}

// sortStrings compares lists of strings in any order.
var sortStrings = cmp.Transformer("sort", func(in []string) []string { return slices.Sorted(slices.Values(in)) })
