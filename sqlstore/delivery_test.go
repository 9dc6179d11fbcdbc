package sqlstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/paymentstest"
)

// handlings counts, by event id, the calls of a handler shared by
// replicas, and keeps the seqs handled by order number.
type handlings struct {
	mu    sync.Mutex
	calls map[string]int
	seqs  map[string][]int64
	delay time.Duration
	// block, when set, holds every call until it is closed, whatever
	// the context says: a hung handler.
	block chan struct{}
	// first is when each event was first handed over.
	first map[string]time.Time
}

func (h *handlings) handle(ctx context.Context, e payments.Event) error {
	h.mu.Lock()
	h.calls[e.ID]++
	h.seqs[e.OrderNumber] = append(h.seqs[e.OrderNumber], e.Seq)
	if h.first == nil {
		h.first = map[string]time.Time{}
	}
	if _, ok := h.first[e.ID]; !ok {
		h.first[e.ID] = time.Now()
	}
	delay, block := h.delay, h.block
	h.mu.Unlock()
	if block != nil {
		<-block
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
		}
	}
	return nil
}

func (h *handlings) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.calls)
}

// deliveryReplica is a replica whose Service runs h.
func deliveryReplica(t *testing.T, schema string, orders payments.Orders, gw payments.Gateway, h *handlings, opts *payments.DeliveryOptions) *replica {
	t.Helper()
	db := openDB(t, 8)
	st := openStore(t, db, schema)
	svc, err := payments.NewService(payments.Config{Store: st, Orders: orders, Gateways: []payments.Gateway{gw},
		HandleEvent: h.handle, Delivery: opts})
	if err != nil {
		t.Fatal(err)
	}
	return &replica{db: db, store: st, svc: svc}
}

// run runs the replica's Service until the test ends.
func (r *replica) run(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.svc.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// TestReplicasDeliverEachEventOnce: two Services on one database, both
// running, take payments at once. Every event stored is handled, exactly
// once (the leases never run out here), and the events of each payment
// in seq order.
func TestReplicasDeliverEachEventOnce(t *testing.T) {
	schema := newSchema(t)
	const nOrders = 30
	book := payments.NewOrderBook()
	for i := range nOrders {
		if err := book.Add(payments.Order{Number: fmt.Sprintf("DLV-%02d", i), Name: "delivery test", Amount: 10000, Currency: payments.KRW}); err != nil {
			t.Fatal(err)
		}
	}
	gw := paymentstest.NewGateway("fake")
	h := &handlings{calls: map[string]int{}, seqs: map[string][]int64{}, delay: time.Millisecond}
	opts := &payments.DeliveryOptions{Poll: 20 * time.Millisecond, SweepInterval: time.Hour}
	reps := []*replica{
		deliveryReplica(t, schema, book, gw, h, opts),
		deliveryReplica(t, schema, book, gw, h, opts),
	}
	for _, r := range reps {
		r.run(t)
	}
	var wg sync.WaitGroup
	for i := range nOrders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each order's steps on alternating replicas, so each
			// replica stores events the other may deliver.
			ctx, order := t.Context(), fmt.Sprintf("DLV-%02d", i)
			if _, err := reps[i%2].svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: order, Gateway: "fake"}); err != nil {
				t.Error(err)
				return
			}
			if _, err := reps[(i+1)%2].svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: order}); err != nil {
				t.Error(err)
				return
			}
			if _, _, err := reps[i%2].svc.Refund(ctx, payments.RefundRequest{OrderNumber: order, Amount: 1000, Reason: "test"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()

	var stored int
	if err := reps[0].db.QueryRowContext(t.Context(), `SELECT count(*) FROM "`+schema+`".payment_outbox`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != nOrders*7 { // attempt.created, ready, processing, paid, refund.pending, partially_refunded, refund.succeeded
		t.Errorf("%d events stored, want %d", stored, nOrders*7)
	}
	deadline := time.Now().Add(20 * time.Second)
	for h.count() < stored && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // room for a double delivery to show
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.calls) != stored {
		t.Fatalf("%d of %d events handled", len(h.calls), stored)
	}
	for id, n := range h.calls {
		if n != 1 {
			t.Errorf("event %s handled %d times, want once", id, n)
		}
	}
	for order, seqs := range h.seqs {
		for i, s := range seqs {
			if s != int64(i+1) {
				t.Errorf("%s: events handled in the order %v", order, seqs)
				break
			}
		}
	}
	var pending int
	if err := reps[0].db.QueryRowContext(t.Context(), `SELECT count(*) FROM "`+schema+`".payment_outbox WHERE delivered_at IS NULL`).Scan(&pending); err != nil || pending != 0 {
		t.Errorf("%d events not marked delivered (%v)", pending, err)
	}
}

// TestLeaseTakenOver: a replica that holds an event longer than its lease
// (here, a handler stuck past it) loses it to another replica, which
// delivers it: at least once, even when a replica hangs or dies.
func TestLeaseTakenOver(t *testing.T) {
	schema := newSchema(t)
	book := payments.NewOrderBook(payments.Order{Number: "LEASE-1", Name: "lease test", Amount: 10000, Currency: payments.KRW})
	gw := paymentstest.NewGateway("fake")
	stuck := &handlings{calls: map[string]int{}, seqs: map[string][]int64{}, block: make(chan struct{})}
	well := &handlings{calls: map[string]int{}, seqs: map[string][]int64{}}
	opts := &payments.DeliveryOptions{Lease: 300 * time.Millisecond, Poll: 20 * time.Millisecond, SweepInterval: time.Hour}
	a := deliveryReplica(t, schema, book, gw, stuck, opts)
	b := deliveryReplica(t, schema, book, gw, well, opts)
	if _, err := a.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: "LEASE-1", Gateway: "fake"}); err != nil {
		t.Fatal(err)
	}
	a.run(t)
	t.Cleanup(func() { close(stuck.block) }) // before a stops
	deadline := time.Now().Add(5 * time.Second)
	for stuck.count() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if stuck.count() != 1 {
		t.Fatalf("the first replica took %d events, want the first one", stuck.count())
	}
	b.run(t)
	for well.count() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if well.count() != 2 {
		t.Fatalf("the second replica handled %d events, want both", well.count())
	}
	// Measured between the two handlers' calls, not from this goroutine's
	// polling, which a busy machine may wake late.
	stuck.mu.Lock()
	well.mu.Lock()
	for id, held := range stuck.first {
		if took := well.first[id].Sub(held); took < 200*time.Millisecond {
			t.Errorf("the second replica took the held event %v after the first, before the lease (300 ms) ran out", took)
		}
	}
	well.mu.Unlock()
	stuck.mu.Unlock()
}

// TestEventsOutliveTheProcess: a process that stored changes and died
// before delivering their events (here, a Service without a handler, on a
// pool that is then closed) loses none: another process on the database
// delivers them all, in order.
func TestEventsOutliveTheProcess(t *testing.T) {
	schema := newSchema(t)
	book := payments.NewOrderBook(payments.Order{Number: "GONE-1", Name: "crash test", Amount: 10000, Currency: payments.KRW})
	gw := paymentstest.NewGateway("fake")
	dead := newReplica(t, schema, 2, book, gw)
	if _, err := dead.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: "GONE-1", Gateway: "fake"}); err != nil {
		t.Fatal(err)
	}
	if _, err := dead.svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: "GONE-1"}); err != nil {
		t.Fatal(err)
	}
	_ = dead.db.Close()

	h := &handlings{calls: map[string]int{}, seqs: map[string][]int64{}}
	next := deliveryReplica(t, schema, book, gw, h, nil)
	rep, err := next.svc.DeliverEvents(t.Context())
	if err != nil || rep.Delivered != 4 {
		t.Fatalf("DeliverEvents on the next process: %+v, %v; want 4 delivered", rep, err)
	}
	if got := h.seqs["GONE-1"]; len(got) != 4 || got[0] != 1 || got[3] != 4 {
		t.Errorf("seqs delivered %v, want 1 … 4", got)
	}
}
