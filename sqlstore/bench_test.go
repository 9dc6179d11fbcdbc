package sqlstore_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/paymentstest"
)

// The replica model of BenchmarkConfirmedFlows.
const (
	benchClients = 32 // client goroutines, spread evenly over the replicas
	benchWorkers = 8  // flows one replica serves at once (its worker limit)
	benchPool    = 4  // connections in one replica's *sql.DB
	benchLatency = 20 * time.Millisecond
)

// BenchmarkConfirmedFlows measures complete card flows, Prepare then
// Confirm, through payments.Service on PostgreSQL, against a
// paymentstest.Gateway that answers every call after 20ms, and reports
// flows/s.
//
// The model is a fleet of application replicas behind a load balancer.
// Each replica is one payments.Service with its own *sql.DB of at most 4
// connections (SetMaxOpenConns(4)) and serves at most 8 flows at once (a
// semaphore, like a server's worker or request limit); 32 clients offer
// more load than one replica takes. A flow makes two gateway calls, so
// one replica tops out near 8 flows / 40ms = 200 flows/s, less the time
// spent in the database. With services=4 the replicas share the gateway
// and the database but no lock: the store holds nothing across a gateway
// call, and replicas meet only in short compare-and-set statements on
// different rows, so four replicas should reach about four times the
// throughput of one.
//
// Run it with, for example:
//
//	go test -run '^$' -bench ConfirmedFlows -benchtime 2000x ./sqlstore/
//
// Fewer flows measure four replicas over too short a time: 200 flows
// take them about 0.35 s, and gave 5–10 % fewer flows/s than 2,000.
func BenchmarkConfirmedFlows(b *testing.B) {
	for _, services := range []int{1, 4} {
		b.Run(fmt.Sprintf("services=%d", services), func(b *testing.B) { benchFlows(b, services) })
	}
}

func benchFlows(b *testing.B, services int) {
	schema := newSchema(b)
	fake := paymentstest.NewGateway("fake")
	fake.Delay(benchLatency)
	book := payments.NewOrderBook()
	type server struct {
		svc *payments.Service
		sem chan struct{}
	}
	servers := make([]server, services)
	for i := range servers {
		r := newReplica(b, schema, benchPool, book, fake)
		servers[i] = server{svc: r.svc, sem: make(chan struct{}, benchWorkers)}
	}
	// Warm up as a running replica is warm: every pool connection open,
	// every statement prepared on it.
	var wg sync.WaitGroup
	for i, srv := range servers {
		for j := range benchWorkers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				number := fmt.Sprintf("WARM-%d-%d", i, j)
				if err := book.Add(payments.Order{Number: number, Name: "warm-up", Amount: 10000, Currency: payments.KRW}); err != nil {
					b.Error(err)
					return
				}
				if err := flow(b.Context(), srv.svc, number); err != nil {
					b.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((benchClients + procs - 1) / procs)
	var seq, clients atomic.Int64
	ctx := b.Context()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		srv := servers[int(clients.Add(1)-1)%services]
		for pb.Next() {
			number := fmt.Sprintf("BF-%d", seq.Add(1))
			if err := book.Add(payments.Order{Number: number, Name: "benchmark", Amount: 10000, Currency: payments.KRW}); err != nil {
				b.Error(err)
				return
			}
			srv.sem <- struct{}{}
			err := flow(ctx, srv.svc, number)
			<-srv.sem
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "flows/s")
}

// flow is one customer paying one order.
func flow(ctx context.Context, svc *payments.Service, number string) error {
	if _, err := svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: number, Gateway: "fake"}); err != nil {
		return fmt.Errorf("prepare %s: %w", number, err)
	}
	p, err := svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: number})
	if err != nil {
		return fmt.Errorf("confirm %s: %w", number, err)
	}
	if p.Status != payments.StatusPaid {
		return fmt.Errorf("confirm %s: status %s, want paid", number, p.Status)
	}
	return nil
}
