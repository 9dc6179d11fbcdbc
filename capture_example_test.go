package payments_test

import (
	"context"
	"fmt"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
)

// Authorise when the customer pays, take the money when the order ships:
// a capture above the authorisation is refused before the gateway is
// called, a partial capture releases the rest.
func ExampleService_Capture() {
	ctx := context.Background()
	svc, _ := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-7", Name: "Tent", Amount: 40000, Currency: payments.USD}),
		Gateways: []payments.Gateway{paymentstest.NewGateway("fake")},
	})
	_, _ = svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-7", Gateway: "fake", Capture: payments.CaptureManual})
	p, _ := svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-7"})
	fmt.Println(p.Status, p.Currency.Format(p.AmountCapturable))

	_, err := svc.Capture(ctx, "ORD-7", 50000)
	fmt.Println(payments.Code(err))

	// One item is out of stock: ship and capture the rest.
	p, _ = svc.Capture(ctx, "ORD-7", 30000)
	fmt.Println(p.Status, p.Currency.Format(p.Amount))
	// Output:
	// authorized $400.00
	// capture_exceeds_authorized
	// paid $300.00
}

// A dispute reported by the gateway holds its amount back from refunds,
// so that a refund on top of a chargeback never pays the customer twice.
func ExampleService_CloseDispute() {
	ctx := context.Background()
	gw := paymentstest.NewGateway("fake")
	svc, _ := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-8", Name: "Lamp", Amount: 12000, Currency: payments.KRW}),
		Gateways: []payments.Gateway{gw},
	})
	_, _ = svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-8", Gateway: "fake"})
	p, _ := svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-8"})

	// The customer's bank disputes the payment; the webhook names the dispute.
	id, _ := gw.OpenDispute(p.GatewayReference, 12000, payments.DisputeNeedsResponse)
	p, _ = svc.HandleNotification(ctx, payments.Notification{Gateway: "fake", Dispute: id})
	fmt.Println(p.Disputes[0].Status, p.Currency.Format(p.Refundable()))

	_, _, err := svc.Refund(ctx, payments.RefundRequest{OrderNumber: "ORD-8", Amount: 1000, Reason: "goodwill"})
	fmt.Println(payments.Code(err))

	// The merchant accepts the dispute instead of contesting it.
	p, _ = svc.CloseDispute(ctx, "ORD-8", id)
	fmt.Println(p.Disputes[0].Status)
	// Output:
	// needs_response ₩0
	// payment_disputed
	// lost
}
