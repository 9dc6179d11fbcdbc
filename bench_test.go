package payments_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/counting"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
)

// benchOrders knows every order number it is asked for.
type benchOrders struct{}

func (benchOrders) Order(_ context.Context, number string) (payments.Order, error) {
	return payments.Order{Number: number, Name: "bench", Amount: 58990, Currency: payments.KRW}, nil
}

// benchGateway is paymentstest's fake, counting the calls made to it.
type benchGateway struct {
	*paymentstest.Gateway
	calls atomic.Int64
}

func (g *benchGateway) Prepare(ctx context.Context, p *payments.PrepareParams) (*payments.Charge, error) {
	g.calls.Add(1)
	return g.Gateway.Prepare(ctx, p)
}

func (g *benchGateway) Confirm(ctx context.Context, p *payments.ConfirmParams) (*payments.Charge, error) {
	g.calls.Add(1)
	return g.Gateway.Confirm(ctx, p)
}

func (g *benchGateway) Refund(ctx context.Context, p *payments.RefundParams) (*payments.RefundResult, error) {
	g.calls.Add(1)
	return g.Gateway.Refund(ctx, p)
}

func (g *benchGateway) Lookup(ctx context.Context, p *payments.LookupParams) (*payments.Charge, error) {
	g.calls.Add(1)
	return g.Gateway.Lookup(ctx, p)
}

func (g *benchGateway) Cancel(ctx context.Context, p *payments.CancelParams) (*payments.Charge, error) {
	g.calls.Add(1)
	return g.Gateway.Cancel(ctx, p)
}

func (g *benchGateway) IssueVirtualAccount(ctx context.Context, p *payments.VirtualAccountParams) (*payments.Charge, error) {
	g.calls.Add(1)
	return g.Gateway.IssueVirtualAccount(ctx, p)
}

// setupBatch is how many orders measured sets up at a time, with the
// clock stopped.
const setupBatch = 256

// measured runs op once per iteration for a new order, set up beforehand
// by setup with the clock stopped (a Service over a counted memstore and
// the counted fake), and reports the store operations and gateway calls
// of op per iteration.
func measured(b *testing.B, setup, op func(ctx context.Context, svc *payments.Service, order string) error) {
	ctx := context.Background()
	gw := &benchGateway{Gateway: paymentstest.NewGateway("fake")}
	st := counting.NewStore(memstore.New())
	svc, err := payments.NewService(payments.Config{Store: st, Orders: benchOrders{}, Gateways: []payments.Gateway{gw}})
	if err != nil {
		b.Fatal(err)
	}
	var ops, calls int64
	n, ready := 0, 0
	for b.Loop() {
		if ready == n {
			b.StopTimer()
			for range setupBatch {
				ready++
				if err := setup(ctx, svc, fmt.Sprintf("B-%d", ready)); err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
		}
		n++
		before, c0 := st.Counts().Total(), gw.calls.Load()
		if err := op(ctx, svc, fmt.Sprintf("B-%d", n)); err != nil {
			b.Fatal(err)
		}
		ops += st.Counts().Total() - before
		calls += gw.calls.Load() - c0
	}
	b.ReportMetric(float64(ops)/float64(n), "store-ops/op")
	b.ReportMetric(float64(calls)/float64(n), "gateway-calls/op")
}

func prepare(ctx context.Context, svc *payments.Service, order string) error {
	_, err := svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: order, Gateway: "fake"})
	return err
}

func confirm(ctx context.Context, svc *payments.Service, order string) error {
	p, err := svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: order, Amount: 58990})
	if err == nil && p.Status != payments.StatusPaid {
		err = fmt.Errorf("confirm %s: status %s", order, p.Status)
	}
	return err
}

// BenchmarkServiceConfirm measures one prepared attempt confirmed through
// the Service (fake gateway, memstore): the service's own work, with
// the store operations (the minimum is 3: the read, the claim and the
// settle) and gateway calls (1) it takes.
func BenchmarkServiceConfirm(b *testing.B) {
	measured(b, prepare, confirm)
}

// BenchmarkServiceRefund measures one partial refund of a freshly paid
// payment (fake gateway, memstore), with its store operations (the
// minimum is 3: the read, the write holding the pending refund, the
// settle) and gateway calls (1).
func BenchmarkServiceRefund(b *testing.B) {
	measured(b,
		func(ctx context.Context, svc *payments.Service, order string) error {
			if err := prepare(ctx, svc, order); err != nil {
				return err
			}
			return confirm(ctx, svc, order)
		},
		func(ctx context.Context, svc *payments.Service, order string) error {
			_, _, err := svc.Refund(ctx, payments.RefundRequest{OrderNumber: order, Amount: 1000, Reason: "bench"})
			return err
		})
}
