// Package lagbench is the delivery-lag benchmark shared by the stores'
// benchmarks: on an idle Service running Run, the time from a change being
// stored to its event reaching the handler.
package lagbench

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/paymentstest"
)

// anyOrder knows every order number it is asked for.
type anyOrder struct{}

func (anyOrder) Order(_ context.Context, number string) (payments.Order, error) {
	return payments.Order{Number: number, Name: "lag", Amount: 58990, Currency: payments.KRW}, nil
}

// Run measures the delivery lag over store: one Prepare per iteration
// (two events, stored with the payment), waited for before the next, with
// the Service woken by its own commits. It reports the p50 and p99 of the
// lag as p50-lag-ms and p99-lag-ms.
func Run(b *testing.B, store payments.Store) {
	lags := make(chan time.Duration, 16)
	svc, err := payments.NewService(payments.Config{
		Store: store, Orders: anyOrder{}, Gateways: []payments.Gateway{paymentstest.NewGateway("fake")},
		HandleEvent: func(_ context.Context, e payments.Event) error {
			lags <- time.Since(e.At)
			return nil
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	var all []time.Duration
	n := 0
	for b.Loop() {
		n++
		if _, err := svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: fmt.Sprintf("LAG-%d", n), Gateway: "fake"}); err != nil {
			b.Fatal(err)
		}
		for range 2 {
			select {
			case l := <-lags:
				all = append(all, l)
			case <-time.After(10 * time.Second):
				b.Fatal("an event was not delivered within 10 s")
			}
		}
	}
	slices.Sort(all)
	q := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.50), "p50-lag-ms")
	b.ReportMetric(q(0.99), "p99-lag-ms")
}
