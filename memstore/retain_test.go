package memstore_test

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
)

// BenchmarkRetainedPerDeliveredEvent reports the heap a delivered event
// keeps until it is pruned (retained-B/event): the store holds every
// event of a run until then, and the garbage collector traces all of it
// at each collection. Each op stores a payment with one event, claims
// the event and acknowledges it.
func BenchmarkRetainedPerDeliveredEvent(b *testing.B) {
	ctx := context.Background()
	s := memstore.New()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	n := 0
	for b.Loop() {
		p := retainPayment(n, at)
		ev := payments.Event{ID: "evt_" + strconv.Itoa(n), Seq: 1, Type: payments.EventAttemptCreated, OrderNumber: p.OrderNumber, Payment: p, At: at}
		p.EventSeq = 1
		if err := s.Create(ctx, p, []payments.Event{ev}); err != nil {
			b.Fatal(err)
		}
		claimed, err := s.ClaimEvents(ctx, at, time.Minute, 1, "tok")
		if err != nil || len(claimed) != 1 {
			b.Fatalf("ClaimEvents: %d, %v", len(claimed), err)
		}
		if err := s.AckEvent(ctx, claimed[0].Event.ID, "tok", at); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.StopTimer()
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	// What a payment alone keeps is measured the same way, without its
	// event, and taken off.
	ps := memstore.New()
	var mid runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&mid)
	for i := range n {
		if err := ps.Create(ctx, retainPayment(i, at), nil); err != nil {
			b.Fatal(err)
		}
	}
	var end runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&end)
	withEvents := float64(after.HeapAlloc) - float64(before.HeapAlloc)
	alone := float64(end.HeapAlloc) - float64(mid.HeapAlloc)
	b.ReportMetric((withEvents-alone)/float64(n), "retained-B/event")
	runtime.KeepAlive(s)
	runtime.KeepAlive(ps)
}

func retainPayment(n int, at time.Time) *payments.Payment {
	return &payments.Payment{ID: "pay_" + strconv.Itoa(n), OrderNumber: "R-" + strconv.Itoa(n), Amount: 1000, Currency: payments.KRW,
		Status: payments.StatusReady, Attempts: []payments.Attempt{{Number: 1, Gateway: "fake", Status: payments.StatusReady}}, CreatedAt: at, UpdatedAt: at}
}
