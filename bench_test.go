package payments_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/payments-go/payments"
)

// BenchmarkServiceConfirm measures one prepared attempt confirmed through
// the Service (fake gateway, memstore): the service's own overhead.
func BenchmarkServiceConfirm(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	n := 0
	for b.Loop() {
		b.StopTimer()
		n++
		num := fmt.Sprintf("B-%d", n)
		if err := e.orders.Add(payments.Order{Number: num, Name: "bench", Amount: 58990, Currency: payments.KRW}); err != nil {
			b.Fatal(err)
		}
		e.prepare(b, num)
		b.StartTimer()
		if _, err := e.svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: num, Amount: 58990}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServiceRefund measures one partial refund of a freshly paid
// payment (fake gateway, memstore).
func BenchmarkServiceRefund(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	n := 0
	for b.Loop() {
		b.StopTimer()
		n++
		num := fmt.Sprintf("B-%d", n)
		if err := e.orders.Add(payments.Order{Number: num, Name: "bench", Amount: 58990, Currency: payments.KRW}); err != nil {
			b.Fatal(err)
		}
		e.paid(b, num)
		b.StartTimer()
		if _, _, err := e.svc.Refund(ctx, payments.RefundRequest{OrderNumber: num, Amount: 1000, Reason: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
}
