package payments_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
)

// clock is a settable clock for Config.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 1, 22, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// recorder is an event handler that records every call and answers with
// the error fail returns for it (nil: handled).
type recorder struct {
	mu    sync.Mutex
	calls []payments.Event
	fail  func(e payments.Event, try int) error
	tries map[string]int
}

func (r *recorder) handle(_ context.Context, e payments.Event) error {
	r.mu.Lock()
	if r.tries == nil {
		r.tries = map[string]int{}
	}
	r.tries[e.ID]++
	try := r.tries[e.ID]
	r.calls = append(r.calls, e)
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		return fail(e, try)
	}
	return nil
}

// handled returns the events handed over so far, "order/seq type", in the
// order of the calls.
func (r *recorder) handled() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.calls {
		out = append(out, fmt.Sprintf("%s/%d %s", e.OrderNumber, e.Seq, e.Type))
	}
	return out
}

var deliveryOrders = []payments.Order{
	{Number: "ORD-A", Name: "T-Shirt", Amount: 58990, Currency: payments.KRW},
	{Number: "ORD-B", Name: "Cap", Amount: 9900, Currency: payments.KRW},
}

// deliveryService is a Service over st with r as its handler and c as
// its clock.
func deliveryService(t *testing.T, st payments.Store, r *recorder, c *clock, opts *payments.DeliveryOptions) *payments.Service {
	t.Helper()
	cfg := payments.Config{
		Store: st, Orders: payments.NewOrderBook(deliveryOrders...),
		Gateways: []payments.Gateway{paymentstest.NewGateway("fake")},
		Now:      c.Now, Delivery: opts,
	}
	if r != nil {
		cfg.HandleEvent = r.handle
	}
	svc, err := payments.NewService(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func pay(t *testing.T, svc *payments.Service, order string) *payments.Payment {
	t.Helper()
	if _, err := svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: order, Gateway: "fake"}); err != nil {
		t.Fatal(err)
	}
	p, err := svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: order})
	if err != nil || p.Status != payments.StatusPaid {
		t.Fatalf("Confirm: %v, %v", p, err)
	}
	return p
}

func deliver(t *testing.T, svc *payments.Service) payments.DeliveryReport {
	t.Helper()
	rep, err := svc.DeliverEvents(t.Context())
	if err != nil {
		t.Fatalf("DeliverEvents: %v", err)
	}
	return rep
}

var paidFlow = []string{
	"ORD-A/1 attempt.created",
	"ORD-A/2 payment.status_changed", // → ready
	"ORD-A/3 payment.status_changed", // → processing
	"ORD-A/4 payment.status_changed", // → paid
}

// The events are stored with the changes: a process that dies right
// after its writes (here, a Service that never delivers) loses none; a new
// Service on the same store delivers them, in order, with stable ids.
func TestEventsOutliveTheServiceThatStoredThem(t *testing.T) {
	st, c := memstore.New(), newClock()
	first := deliveryService(t, st, nil, c, nil)
	paid := pay(t, first, "ORD-A")
	if rep := deliver(t, first); rep != (payments.DeliveryReport{}) {
		t.Errorf("DeliverEvents without a handler: %+v, want nothing done", rep)
	}

	r := &recorder{}
	second := deliveryService(t, st, r, c, nil)
	if rep := deliver(t, second); rep.Delivered != 4 {
		t.Errorf("DeliverEvents: %+v, want 4 delivered", rep)
	}
	if diff := cmp.Diff(paidFlow, r.handled()); diff != "" {
		t.Fatalf("events delivered by the new Service (-want +got):\n%s", diff)
	}
	last := r.calls[3]
	if last.From != payments.StatusProcessing || last.To != payments.StatusPaid || !last.At.Equal(paid.UpdatedAt) {
		t.Errorf("last event = %s %s→%s at %v, want processing→paid at %v", last.Type, last.From, last.To, last.At, paid.UpdatedAt)
	}
	if diff := cmp.Diff(paid, last.Payment); diff != "" {
		t.Errorf("the last event's payment is not the payment as stored (-stored +event):\n%s", diff)
	}
	ids := map[string]bool{}
	for _, e := range r.calls {
		if !strings.HasPrefix(e.ID, "evt_") || ids[e.ID] {
			t.Errorf("event id %q: not an evt_ id, or not unique", e.ID)
		}
		ids[e.ID] = true
	}
	// Handled events are not delivered again.
	if rep := deliver(t, second); rep != (payments.DeliveryReport{}) {
		t.Errorf("a second DeliverEvents: %+v, want nothing", rep)
	}
}

// A handler's error is retried with backoff: 1 s before the second try,
// doubling; a panic counts as an error.
func TestFailedEventRetriedWithBackoff(t *testing.T) {
	c := newClock()
	r := &recorder{fail: func(e payments.Event, try int) error {
		switch {
		case e.Seq != 1 || try > 3:
			return nil
		case try == 2:
			panic("handler bug")
		default:
			return errors.New("orders database down")
		}
	}}
	svc := deliveryService(t, memstore.New(), r, c, nil)
	if _, err := svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: "ORD-A", Gateway: "fake"}); err != nil {
		t.Fatal(err)
	}
	// try 1 at 0 s fails; try 2 at 1 s panics; try 3 at 3 s fails; try 4
	// at 7 s succeeds, and the next event follows at once.
	steps := []struct {
		after time.Duration
		want  payments.DeliveryReport
	}{
		{0, payments.DeliveryReport{Failed: 1}},
		{999 * time.Millisecond, payments.DeliveryReport{}},
		{time.Millisecond, payments.DeliveryReport{Failed: 1}},
		{1999 * time.Millisecond, payments.DeliveryReport{}},
		{time.Millisecond, payments.DeliveryReport{Failed: 1}},
		{3999 * time.Millisecond, payments.DeliveryReport{}},
		{time.Millisecond, payments.DeliveryReport{Delivered: 2}},
	}
	for i, st := range steps {
		c.advance(st.after)
		if got := deliver(t, svc); got != st.want {
			t.Fatalf("step %d (+%v): %+v, want %+v", i, st.after, got, st.want)
		}
	}
	want := []string{"ORD-A/1 attempt.created", "ORD-A/1 attempt.created", "ORD-A/1 attempt.created", "ORD-A/1 attempt.created", "ORD-A/2 payment.status_changed"}
	if diff := cmp.Diff(want, r.handled()); diff != "" {
		t.Errorf("calls of the handler (-want +got):\n%s", diff)
	}
}

// While a payment's event fails, its later events wait, and the events of
// other payments go on. After MaxTries the event is dead: listed, the
// payment's later events go on, and once requeued it is delivered again.
func TestDeadEventLetsLaterEventsGoOn(t *testing.T) {
	c := newClock()
	broken := true
	var mu sync.Mutex
	r := &recorder{fail: func(e payments.Event, _ int) error {
		mu.Lock()
		defer mu.Unlock()
		if broken && e.OrderNumber == "ORD-A" && e.Seq == 2 {
			return errors.New("cannot ship ORD-A")
		}
		return nil
	}}
	svc := deliveryService(t, memstore.New(), r, c, &payments.DeliveryOptions{MaxTries: 3})
	pay(t, svc, "ORD-A")
	pay(t, svc, "ORD-B")

	if rep := deliver(t, svc); rep != (payments.DeliveryReport{Delivered: 5, Failed: 1}) {
		t.Errorf("first pass: %+v, want ORD-A/1 and ORD-B's 4 delivered, ORD-A/2 failed", rep)
	}
	for _, e := range r.handled() {
		if e == "ORD-A/3 payment.status_changed" || e == "ORD-A/4 payment.status_changed" {
			t.Fatalf("%s was delivered while an earlier event of its payment failed", e)
		}
	}
	c.advance(time.Second)
	if rep := deliver(t, svc); rep != (payments.DeliveryReport{Failed: 1}) {
		t.Errorf("second try: %+v, want 1 failed", rep)
	}
	c.advance(2 * time.Second)
	if rep := deliver(t, svc); rep != (payments.DeliveryReport{Delivered: 2, Dead: 1}) {
		t.Errorf("third and last try: %+v, want it dead and ORD-A/3, ORD-A/4 delivered", rep)
	}
	dead, err := svc.DeadEvents(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].Event.OrderNumber != "ORD-A" || dead[0].Event.Seq != 2 || dead[0].Tries != 3 ||
		dead[0].LastError != "cannot ship ORD-A" || !dead[0].DiedAt.Equal(c.Now()) {
		t.Fatalf("DeadEvents = %+v; want ORD-A/2 after 3 tries, with its error and time of death", dead)
	}

	mu.Lock()
	broken = false
	mu.Unlock()
	if err := svc.RequeueEvent(t.Context(), dead[0].Event.ID); err != nil {
		t.Fatalf("RequeueEvent: %v", err)
	}
	if rep := deliver(t, svc); rep != (payments.DeliveryReport{Delivered: 1}) {
		t.Errorf("after RequeueEvent: %+v, want the event delivered", rep)
	}
	if dead, _ := svc.DeadEvents(t.Context(), 0); len(dead) != 0 {
		t.Errorf("DeadEvents after the requeued event was handled: %+v", dead)
	}
	if err := svc.RequeueEvent(t.Context(), "evt_nope"); !errors.Is(err, payments.ErrEventNotFound) {
		t.Errorf("RequeueEvent of an unknown id: %v, want event_not_found", err)
	}
	if err := svc.RequeueEvent(t.Context(), dead[0].Event.ID); payments.Code(err) != payments.CodeInvalidState {
		t.Errorf("RequeueEvent of a delivered event: %v, want invalid_state", err)
	}
}

// Run delivers a commit's events at once, without waiting for the poll,
// and returns nil when its context ends.
func TestRunDeliversPromptly(t *testing.T) {
	got := make(chan payments.Event, 16)
	svc, err := payments.NewService(payments.Config{
		Store: memstore.New(), Orders: payments.NewOrderBook(deliveryOrders...),
		Gateways: []payments.Gateway{paymentstest.NewGateway("fake")},
		HandleEvent: func(_ context.Context, e payments.Event) error {
			got <- e
			return nil
		},
		// Neither the poll nor the sweep would come within the test.
		Delivery: &payments.DeliveryOptions{Poll: time.Hour, SweepInterval: time.Hour},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	time.Sleep(50 * time.Millisecond) // Run's first, empty, round
	if err := svc.Run(ctx); err == nil {
		t.Error("a second concurrent Run returned nil")
	}
	start := time.Now()
	if _, err := svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: "ORD-A", Gateway: "fake"}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // attempt.created, → ready
		select {
		case e := <-got:
			if e.Seq != int64(i+1) {
				t.Errorf("event %d has seq %d", i+1, e.Seq)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not deliver the events of a commit")
		}
	}
	if lag := time.Since(start); lag > time.Second {
		t.Errorf("the events took %v to arrive", lag)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v when its context ended, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return when its context ended")
	}
}

// pruneStore records the cut-off of each PruneEvents.
type pruneStore struct {
	*memstore.Store
	mu   sync.Mutex
	cuts []time.Time
}

func (s *pruneStore) PruneEvents(ctx context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	s.cuts = append(s.cuts, before)
	s.mu.Unlock()
	return s.Store.PruneEvents(ctx, before)
}

func (s *pruneStore) pruned() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.cuts...)
}

// Run prunes delivered events and webhook records older than the
// retention (default 30 days), and nothing else.
func TestRunPrunes(t *testing.T) {
	c := newClock()
	st := &pruneStore{Store: memstore.New()}
	r := &recorder{}
	svc := deliveryService(t, st, r, c, &payments.DeliveryOptions{Poll: time.Hour, SweepInterval: time.Hour})
	pay(t, svc, "ORD-A")
	deliver(t, svc)
	if _, err := svc.HandleNotification(t.Context(), payments.Notification{Gateway: "fake", EventID: "wh_old", OrderNumber: "ORD-A"}); err != nil {
		t.Fatal(err)
	}
	c.advance(30*24*time.Hour + time.Minute)
	if _, err := svc.HandleNotification(t.Context(), payments.Notification{Gateway: "fake", EventID: "wh_new", OrderNumber: "ORD-A"}); err != nil {
		t.Fatal(err)
	}
	pay(t, svc, "ORD-B") // pending, not delivered: kept

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	ofB := func() []string {
		var b []string
		for _, e := range r.handled() {
			if strings.HasPrefix(e, "ORD-B/") {
				b = append(b, e)
			}
		}
		return b
	}
	deadline := time.Now().Add(5 * time.Second)
	for (len(st.pruned()) == 0 || len(ofB()) < 4) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	cuts := st.pruned()
	if len(cuts) != 1 || !cuts[0].Equal(c.Now().Add(-30*24*time.Hour)) {
		t.Fatalf("Run pruned before %v, want once, before now - 30 days", cuts)
	}
	seen := func(id string) bool {
		ok, err := st.WebhookSeen(t.Context(), "fake", id)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if seen("wh_old") || !seen("wh_new") {
		t.Errorf("after pruning: old webhook seen %v, new seen %v; want false, true", seen("wh_old"), seen("wh_new"))
	}
	if b := ofB(); len(b) != 4 {
		t.Errorf("the events of ORD-B, pending when Run pruned, were delivered as %v, want 4", b)
	}
}

// An event whose handler finishes while Run is stopping is recorded as
// handled, not handed over again once its lease runs out.
func TestRunStoppingRecordsTheEventInFlight(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	var seqs []int64
	svc, err := payments.NewService(payments.Config{
		Store: memstore.New(), Orders: payments.NewOrderBook(deliveryOrders...),
		Gateways: []payments.Gateway{paymentstest.NewGateway("fake")},
		HandleEvent: func(_ context.Context, e payments.Event) error {
			mu.Lock()
			seqs = append(seqs, e.Seq)
			first := len(seqs) == 1
			mu.Unlock()
			if first {
				close(entered)
				<-release
			}
			return nil
		},
		Delivery: &payments.DeliveryOptions{Poll: time.Hour, SweepInterval: time.Hour},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: "ORD-A", Gateway: "fake"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	<-entered
	cancel()
	close(release)
	<-done
	rep, err := svc.DeliverEvents(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if rep.Delivered != 1 || !slices.Equal(seqs, []int64{1, 2}) {
		t.Errorf("after Run stopped: %+v, handled seqs %v; want the first event recorded as handled, then the second", rep, seqs)
	}
}
