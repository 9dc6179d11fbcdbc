package paymentstest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/payments-go/payments"
)

// RunCaptureAndDisputeTests checks, for a [payments.Store], the
// guarantees of manual capture and disputes that rest on its
// compare-and-set, with several [payments.Service] replicas sharing the
// store and one [Gateway]:
//
//   - 50 concurrent captures of one authorisation, spread over the
//     replicas, make exactly one capture call at the gateway;
//   - a capture above the capturable amount is refused with
//     capture_exceeds_authorized before any gateway call;
//   - captures and voids of one authorisation, asked for concurrently on
//     every replica, make exactly one gateway call between them: the
//     authorisation is captured or voided, never both, and the callers
//     of the other are refused with invalid_state;
//   - a void whose answer is lost (before or after the gateway acted)
//     stays pending, refuses captures meanwhile without a gateway call,
//     and is completed by the sweeps of all replicas with its one
//     idempotency key: the gateway voids once;
//   - refunds racing the notification of a dispute never admit a refund
//     beyond what the disputes known at that moment leave: at every
//     refund.pending event, the refunds not failed plus the amount held
//     by disputes are at most the amount paid.
//
// newStore returns an empty store for each subtest; each replica gets the
// same store.
func RunCaptureAndDisputeTests(t *testing.T, newStore func(t *testing.T) payments.Store) {
	t.Helper()
	t.Run("ConcurrentCapturesOneGatewayCall", func(t *testing.T) {
		h := newServiceHarness(t, newStore(t), 3)
		ref := h.authorized(t)
		var wg sync.WaitGroup
		errs := make(chan error, 50)
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := h.svcs[i%len(h.svcs)].Capture(t.Context(), h.order.Number, 0)
				if err == nil && p.Status != payments.StatusPaid {
					err = fmt.Errorf("status %s after Capture, want paid", p.Status)
				}
				if err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("Capture: %v", err)
		}
		if n := h.calls("capture"); n != 1 {
			t.Errorf("%d capture calls reached the gateway, want 1", n)
		}
		if n := h.gw.Captures(ref); n != 1 {
			t.Errorf("the gateway captured %d times, want 1", n)
		}
		p, err := h.svcs[0].Payment(t.Context(), h.order.Number)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != payments.StatusPaid || p.Amount != h.order.Amount || p.AmountCapturable != 0 {
			t.Errorf("after the captures: %s, amount %d, capturable %d; want paid %d, 0", p.Status, p.Amount, p.AmountCapturable, h.order.Amount)
		}
	})

	t.Run("ConcurrentCaptureAndVoidOneGatewayCall", func(t *testing.T) {
		won := map[payments.Status]int{}
		for round := range 6 {
			h := newServiceHarness(t, newStore(t), 3)
			ref := h.authorized(t)
			// A little latency at the gateway widens the window in which
			// the callers overlap.
			h.gw.Delay(2 * time.Millisecond)
			type result struct {
				capture bool
				p       *payments.Payment
				err     error
			}
			const callers = 12
			results := make(chan result, callers)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					svc := h.svcs[i%len(h.svcs)]
					r := result{capture: (i+round)%2 == 0}
					if r.capture {
						r.p, r.err = svc.Capture(t.Context(), h.order.Number, 0)
					} else {
						r.p, r.err = svc.Void(t.Context(), h.order.Number, fmt.Sprintf("race %d.%d", round, i))
					}
					results <- r
				}()
			}
			close(start)
			wg.Wait()
			close(results)
			if n := h.calls("capture") + h.calls("void"); n != 1 {
				t.Errorf("round %d: %d capture and void calls reached the gateway, want 1", round, n)
			}
			if c, v := h.gw.Captures(ref), h.gw.Voids(ref); c+v != 1 {
				t.Errorf("round %d: the gateway captured %d and voided %d times, want one of them once", round, c, v)
			}
			p, err := h.svcs[0].Payment(t.Context(), h.order.Number)
			if err != nil {
				t.Fatal(err)
			}
			if p.Status != payments.StatusPaid && p.Status != payments.StatusCanceled {
				t.Fatalf("round %d: after the race the payment is %s, want paid or canceled", round, p.Status)
			}
			won[p.Status]++
			captured := p.Status == payments.StatusPaid
			for r := range results {
				switch {
				case r.capture == captured:
					// The winning side: every caller sees its outcome.
					if r.err != nil || r.p == nil || r.p.Status != p.Status {
						t.Errorf("round %d: capture=%v on the winning side = %v, %v; want %s", round, r.capture, r.p, r.err, p.Status)
					}
				case payments.Code(r.err) != payments.CodeInvalidState || payments.HTTPStatus(r.err) != 409:
					t.Errorf("round %d: capture=%v on the losing side: %v, want 409 invalid_state", round, r.capture, r.err)
				}
			}
		}
		t.Logf("outcomes over the rounds: %v", won)
	})

	t.Run("LostVoidCompletedBySweep", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			lose func(g *Gateway)
		}{
			{"before the gateway acted", func(g *Gateway) { g.FailNext(1, payments.CodeGatewayUnavailable) }},
			{"after the gateway acted", func(g *Gateway) { g.LoseNextResponse(1) }},
		} {
			t.Run(tt.name, func(t *testing.T) {
				h := newServiceHarness(t, newStore(t), 3)
				ref := h.authorized(t)
				tt.lose(h.gw)
				p, err := h.svcs[0].Void(t.Context(), h.order.Number, "out of stock")
				if payments.Code(err) != payments.CodeGatewayUnavailable {
					t.Fatalf("Void with a lost answer: %v, want gateway_unavailable", err)
				}
				if p == nil {
					t.Fatal("Void with a lost answer returned no payment; want it as stored, with the void pending")
				}
				if v := p.Latest().Void; p.Status != payments.StatusAuthorized || v == nil || v.Status != payments.VoidPending || !p.Unsettled() {
					t.Fatalf("after a lost void: %s, void %+v; want authorized with the void pending, unsettled", p.Status, v)
				}
				// While the void is pending no capture reaches the gateway.
				if _, err := h.svcs[1].Capture(t.Context(), h.order.Number, 0); payments.Code(err) != payments.CodeInvalidState {
					t.Errorf("Capture while a void is pending: %v, want invalid_state", err)
				}
				if n := h.calls("capture"); n != 0 {
					t.Errorf("%d capture calls reached the gateway while a void was pending, want 0", n)
				}
				var wg sync.WaitGroup
				for _, svc := range h.svcs {
					wg.Add(1)
					go func() {
						defer wg.Done()
						rep, err := svc.Reconcile(t.Context(), &payments.ReconcileOptions{SettleAfter: time.Nanosecond})
						if err != nil || len(rep.Errors) > 0 {
							t.Errorf("Reconcile: %v %+v", err, rep)
						}
					}()
				}
				wg.Wait()
				p, err = h.svcs[2].Payment(t.Context(), h.order.Number)
				if err != nil {
					t.Fatal(err)
				}
				if v := p.Latest().Void; p.Status != payments.StatusCanceled || v == nil || v.Status != payments.VoidSucceeded || p.Unsettled() {
					t.Errorf("after the sweeps: %s, void %+v, unsettled %v; want canceled, void succeeded", p.Status, v, p.Unsettled())
				}
				if n := h.gw.Voids(ref); n != 1 {
					t.Errorf("the gateway voided %d times, want 1", n)
				}
				keys := map[string]bool{}
				for _, c := range h.gw.Calls() {
					if c.Op == "void" {
						keys[c.IdempotencyKey] = true
					}
				}
				if len(keys) != 1 {
					t.Errorf("the voids carried %d idempotency keys, want 1: %v", len(keys), keys)
				}
				// Once voided, the order answers as it is.
				if again, err := h.svcs[1].Void(t.Context(), h.order.Number, ""); err != nil || again.Version != p.Version {
					t.Errorf("Void after the sweep: %v; want the payment as it is", err)
				}
				if _, err := h.svcs[0].Capture(t.Context(), h.order.Number, 0); payments.Code(err) != payments.CodeInvalidState {
					t.Errorf("Capture after the void: %v, want invalid_state", err)
				}
				if n := h.calls("capture"); n != 0 {
					t.Errorf("%d capture calls reached the gateway, want 0", n)
				}
			})
		}
	})

	t.Run("CaptureAboveCapturable", func(t *testing.T) {
		h := newServiceHarness(t, newStore(t), 1)
		h.authorized(t)
		before, err := h.svcs[0].Payment(t.Context(), h.order.Number)
		if err != nil {
			t.Fatal(err)
		}
		_, err = h.svcs[0].Capture(t.Context(), h.order.Number, h.order.Amount+1)
		if payments.Code(err) != payments.CodeCaptureExceedsAuthorized || payments.HTTPStatus(err) != 409 {
			t.Fatalf("Capture above the authorisation: %v, want 409 capture_exceeds_authorized", err)
		}
		if n := h.calls("capture"); n != 0 {
			t.Errorf("%d capture calls reached the gateway, want 0", n)
		}
		after, err := h.svcs[0].Payment(t.Context(), h.order.Number)
		if err != nil {
			t.Fatal(err)
		}
		if after.Version != before.Version || after.Status != payments.StatusAuthorized {
			t.Errorf("the refused capture changed the payment: version %d → %d, status %s", before.Version, after.Version, after.Status)
		}
	})

	t.Run("RefundsRaceDispute", func(t *testing.T) {
		for round := range 5 {
			h := newServiceHarness(t, newStore(t), 3)
			ref := h.paid(t)
			// The bank disputes 60% of the payment while refunds of 20%
			// each are asked for on every replica.
			disputed := h.order.Amount * 6 / 10
			id, err := h.gw.OpenDispute(ref, disputed, payments.DisputeNeedsResponse)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range 5 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, _, err := h.svcs[i%len(h.svcs)].Refund(t.Context(), payments.RefundRequest{OrderNumber: h.order.Number,
						Amount: h.order.Amount / 5, Reason: fmt.Sprintf("race %d.%d", round, i)})
					if c := payments.Code(err); err != nil && c != payments.CodePaymentDisputed && c != payments.CodeRefundExceedsBalance {
						t.Errorf("Refund: %v", err)
					}
				}()
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if _, err := h.svcs[round%len(h.svcs)].HandleNotification(t.Context(), payments.Notification{Gateway: h.gw.Name(),
					EventID: "evt_" + id, Dispute: id, OrderNumber: h.order.Number}); err != nil {
					t.Errorf("HandleNotification: %v", err)
				}
			}()
			close(start)
			wg.Wait()
			evs := h.events(t)
			sawDispute := false
			for _, e := range evs {
				if e.Type == payments.EventDisputeOpened {
					sawDispute = true
				}
				if e.Type != payments.EventRefundPending {
					continue
				}
				var refunded payments.Amount
				for _, r := range e.Payment.Refunds {
					if r.Status != payments.RefundFailed {
						refunded += r.Amount
					}
				}
				if refunded+e.Payment.Disputed() > e.Payment.Amount {
					t.Errorf("round %d: refund %s admitted with %d refunded and %d disputed of %d", round, e.Refund.ID,
						refunded, e.Payment.Disputed(), e.Payment.Amount)
				}
			}
			if !sawDispute {
				t.Errorf("round %d: no dispute.opened event", round)
			}
			p, err := h.svcs[0].Payment(t.Context(), h.order.Number)
			if err != nil {
				t.Fatal(err)
			}
			if p.Dispute(id) == nil || p.RefundedAmount+p.Disputed()+p.Refundable() > p.Amount && p.Refundable() > 0 {
				t.Errorf("round %d: after the race refunded %d, disputed %d, refundable %d of %d", round,
					p.RefundedAmount, p.Disputed(), p.Refundable(), p.Amount)
			}
			if got := h.gw.Refunded(ref); got+disputed > h.order.Amount && h.refundsBefore(evs) == 0 {
				t.Errorf("round %d: the gateway refunded %d with %d disputed of %d", round, got, disputed, h.order.Amount)
			}
		}
	})
}

// serviceHarness is several Service replicas over one store and one fake
// gateway.
type serviceHarness struct {
	gw    *Gateway
	svcs  []*payments.Service
	order payments.Order
	mu    sync.Mutex
	evs   []payments.Event
}

func newServiceHarness(t *testing.T, store payments.Store, replicas int) *serviceHarness {
	h := &serviceHarness{gw: NewGateway("fake")}
	o, _ := (&GatewayHarness{}).order(t)
	o.Amount = 10000
	h.order = o
	for range replicas {
		svc, err := payments.NewService(payments.Config{
			Store: store, Orders: payments.NewOrderBook(o), Gateways: []payments.Gateway{h.gw},
			ConfirmWait: 20 * time.Second,
			HandleEvent: func(_ context.Context, e payments.Event) error {
				h.mu.Lock()
				defer h.mu.Unlock()
				h.evs = append(h.evs, e)
				return nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		h.svcs = append(h.svcs, svc)
	}
	return h
}

// authorized prepares and confirms the order with manual capture, and
// returns the gateway's reference; the payment is then authorized.
func (h *serviceHarness) authorized(t *testing.T) string {
	t.Helper()
	ctx := t.Context()
	prep, err := h.svcs[0].Prepare(ctx, payments.PrepareRequest{OrderNumber: h.order.Number, Gateway: h.gw.Name(), Capture: payments.CaptureManual})
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	p, err := h.svcs[0].Confirm(ctx, payments.ConfirmRequest{OrderNumber: h.order.Number})
	if err != nil || p.Status != payments.StatusAuthorized || p.AmountCapturable != h.order.Amount {
		t.Fatalf("Confirm with manual capture = %+v, %v; want authorized, %d capturable", p, err, h.order.Amount)
	}
	return prep.Attempt.Reference
}

// paid prepares and confirms the order and returns the gateway's
// reference.
func (h *serviceHarness) paid(t *testing.T) string {
	t.Helper()
	ctx := t.Context()
	prep, err := h.svcs[0].Prepare(ctx, payments.PrepareRequest{OrderNumber: h.order.Number, Gateway: h.gw.Name()})
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	if p, err := h.svcs[0].Confirm(ctx, payments.ConfirmRequest{OrderNumber: h.order.Number}); err != nil || p.Status != payments.StatusPaid {
		t.Fatalf("Confirm = %v, %v; want paid", p, err)
	}
	return prep.Attempt.Reference
}

func (h *serviceHarness) calls(op string) int {
	n := 0
	for _, c := range h.gw.Calls() {
		if c.Op == op {
			n++
		}
	}
	return n
}

// events delivers the events stored so far and returns them, in Seq
// order.
func (h *serviceHarness) events(t *testing.T) []payments.Event {
	t.Helper()
	if _, err := h.svcs[0].DeliverEvents(t.Context()); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	out := append([]payments.Event(nil), h.evs...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Seq < out[j-1].Seq; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// refundsBefore counts the refunds admitted before the first dispute
// event: those were refundable when they were admitted.
func (h *serviceHarness) refundsBefore(evs []payments.Event) int {
	n := 0
	for _, e := range evs {
		switch e.Type {
		case payments.EventDisputeOpened:
			return n
		case payments.EventRefundPending:
			n++
		}
	}
	return n
}

// runCaptureTests checks the [payments.Capturer] contract.
func runCaptureTests(t *testing.T, h GatewayHarness, c payments.Capturer, keep func(error) error) {
	lookup := func(t *testing.T, o payments.Order, id, ref string) *payments.Charge {
		t.Helper()
		ch, err := h.Gateway.Lookup(t.Context(), &payments.LookupParams{OrderNumber: o.Number, GatewayOrderID: id, Reference: ref})
		if keep(err) != nil {
			t.Fatalf("Lookup: %v", err)
		}
		return ch
	}
	t.Run("CapturePartialOnce", func(t *testing.T) {
		o, id := h.order(t)
		ref := h.AuthorizeHold(t, o, id)
		if ch := lookup(t, o, id, ref); ch.Status != payments.StatusAuthorized || ch.AmountCapturable != o.Amount {
			t.Fatalf("authorised attempt = %s, capturable %d; want authorized, %d", ch.Status, ch.AmountCapturable, o.Amount)
		}
		part := o.Amount / 2
		params := &payments.CaptureParams{IdempotencyKey: "capture-" + id, OrderNumber: o.Number, GatewayOrderID: id,
			Reference: ref, Amount: part, Currency: o.Currency}
		var wg sync.WaitGroup
		results := make([]*payments.Charge, 4)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ch, err := c.Capture(t.Context(), params)
				if keep(err) != nil {
					t.Errorf("Capture: %v", err)
					return
				}
				results[i] = ch
			}()
		}
		wg.Wait()
		for _, ch := range results {
			if ch != nil && (ch.Status != payments.StatusPaid || ch.Amount != part) {
				t.Errorf("Capture = %s %d, want paid %d", ch.Status, ch.Amount, part)
			}
		}
		if ch := lookup(t, o, id, ref); ch.Status != payments.StatusPaid || ch.Amount != part || ch.AmountCapturable != 0 {
			t.Errorf("after the capture: %s %d, capturable %d; want paid %d, the rest released", ch.Status, ch.Amount, ch.AmountCapturable, part)
		}
	})
	t.Run("CaptureAboveCapturable", func(t *testing.T) {
		o, id := h.order(t)
		ref := h.AuthorizeHold(t, o, id)
		_, err := c.Capture(t.Context(), &payments.CaptureParams{IdempotencyKey: "capture-over-" + id, OrderNumber: o.Number,
			GatewayOrderID: id, Reference: ref, Amount: o.Amount + 1, Currency: o.Currency})
		keep(err)
		if code := payments.Code(err); code != payments.CodeCaptureExceedsAuthorized && code != payments.CodeInvalidRequest {
			t.Fatalf("Capture above the authorisation: %v", err)
		}
		if ch := lookup(t, o, id, ref); ch.Status != payments.StatusAuthorized {
			t.Errorf("after a refused capture: %s, want authorized", ch.Status)
		}
	})
	t.Run("Void", func(t *testing.T) {
		o, id := h.order(t)
		ref := h.AuthorizeHold(t, o, id)
		params := &payments.CancelParams{IdempotencyKey: "void-" + id, OrderNumber: o.Number, GatewayOrderID: id, Reference: ref, Reason: "conformance"}
		for range 2 {
			ch, err := c.Void(t.Context(), params)
			if keep(err) != nil || ch.Status != payments.StatusCanceled {
				t.Fatalf("Void = %+v, %v; want canceled", ch, err)
			}
		}
		if ch := lookup(t, o, id, ref); ch.Status != payments.StatusCanceled {
			t.Errorf("after Void: %s, want canceled", ch.Status)
		}
		_, err := c.Capture(t.Context(), &payments.CaptureParams{IdempotencyKey: "capture-voided-" + id, OrderNumber: o.Number,
			GatewayOrderID: id, Reference: ref, Amount: o.Amount, Currency: o.Currency})
		if keep(err) == nil {
			if ch := lookup(t, o, id, ref); ch.Status.Paid() {
				t.Error("a voided authorisation was captured")
			}
		}
	})
	t.Run("CaptureUnknown", func(t *testing.T) {
		o, id := h.order(t)
		_, err := c.Capture(t.Context(), &payments.CaptureParams{IdempotencyKey: "capture-unknown-" + id, OrderNumber: o.Number,
			GatewayOrderID: id, Reference: "unknown" + strings.ReplaceAll(id, "-", ""), Amount: o.Amount, Currency: o.Currency})
		keep(err)
		if payments.Code(err) != payments.CodePaymentNotFound {
			t.Errorf("Capture of an unknown reference: %v, want payment_not_found", err)
		}
	})
}
