package payments_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
)

func ExampleCurrency_Format() {
	fmt.Println(payments.KRW.Format(58990))
	fmt.Println(payments.USD.Format(1234))
	fmt.Println(payments.Currency("KWD").Format(1500))
	// Output:
	// ₩58,990
	// $12.34
	// KWD 1.500
}

func ExampleParseAmount() {
	won, _ := payments.ParseAmount("58,990", payments.KRW)
	cents, _ := payments.ParseAmount("12.34", payments.USD)
	_, err := payments.ParseAmount("1.5", payments.KRW)
	fmt.Println(won, cents, payments.Code(err))
	// Output: 58990 1234 invalid_request
}

// checkout is application code under test: it takes the payment of an
// order through whatever gateway the service was built with.
func checkout(ctx context.Context, svc *payments.Service, order string) (string, error) {
	if _, err := svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: order, Gateway: "fake"}); err != nil {
		return "", err
	}
	p, err := svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: order})
	if errors.Is(err, payments.ErrPaymentDeclined) {
		return "declined", nil
	}
	if err != nil {
		return "", err
	}
	return string(p.Status), nil
}

// Unit-testing an application's checkout with the scriptable fake gateway
// and the in-memory store: no network, no keys.
func Example_fakeGateway() {
	ctx := context.Background()
	gw := paymentstest.NewGateway("fake")
	svc, _ := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-1", Name: "T-Shirt", Amount: 58990, Currency: payments.KRW}, payments.Order{Number: "ORD-2", Name: "Cap", Amount: 9900, Currency: payments.KRW}),
		Gateways: []payments.Gateway{gw},
	})

	status, _ := checkout(ctx, svc, "ORD-1")
	fmt.Println("ORD-1:", status)

	gw.Decline("REJECT_CARD_COMPANY")
	status, _ = checkout(ctx, svc, "ORD-2")
	fmt.Println("ORD-2:", status)

	for _, c := range gw.Calls() {
		fmt.Println(c.Op, c.Amount)
	}
	// Output:
	// ORD-1: paid
	// ORD-2: declined
	// prepare 58990
	// confirm 58990
	// prepare 9900
	// confirm 9900
}

func ExampleService_Confirm() {
	ctx := context.Background()
	svc, _ := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-20260122-001", Name: "Cool T-Shirt 외 1건", Amount: 58990, Currency: payments.KRW}),
		Gateways: []payments.Gateway{paymentstest.NewGateway("fake")},
	})
	if _, err := svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-20260122-001", Gateway: "fake"}); err != nil {
		panic(err)
	}

	// The amount from the browser is checked against the order, never used.
	_, err := svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-20260122-001", Amount: 100})
	fmt.Println(payments.Code(err), payments.HTTPStatus(err))

	p, err := svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-20260122-001", Amount: 58990})
	fmt.Println(p.Status, p.Currency.Format(p.Amount), err)
	// Output:
	// amount_mismatch 409
	// paid ₩58,990 <nil>
}

func ExampleService_Refund() {
	ctx := context.Background()
	svc, _ := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-1", Name: "Two shirts", Amount: 40000, Currency: payments.KRW}),
		Gateways: []payments.Gateway{paymentstest.NewGateway("fake")},
	})
	_, _ = svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-1", Gateway: "fake"})
	_, _ = svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-1"})

	p, r, _ := svc.Refund(ctx, payments.RefundRequest{OrderNumber: "ORD-1", Amount: 15000, Reason: "one shirt returned"})
	fmt.Println(r.Status, p.Status, p.Currency.Format(p.Refundable()))

	_, _, err := svc.Refund(ctx, payments.RefundRequest{OrderNumber: "ORD-1", Amount: 30000, Reason: "too much"})
	fmt.Println(payments.Code(err))
	// Output:
	// succeeded partially_refunded ₩25,000
	// refund_exceeds_balance
}

func ExampleSecret() {
	key := payments.Secret("test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R")
	fmt.Println(key)
	fmt.Printf("%v %s %q %#v\n", key, key, key, key)
	// Output:
	// REDACTED
	// REDACTED REDACTED REDACTED REDACTED
}

// A confirm whose answer is lost leaves the payment processing; the
// periodic Reconcile settles it with the same idempotency key, so the
// gateway takes the money once.
func ExampleService_Reconcile() {
	ctx := context.Background()
	gw := paymentstest.NewGateway("fake")
	svc, _ := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-1", Name: "T-Shirt", Amount: 58990, Currency: payments.KRW}),
		Gateways: []payments.Gateway{gw},
	})
	prep, _ := svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-1", Gateway: "fake"})

	gw.LoseNextResponse(2) // the confirm's answer, and the lookup right after it
	p, err := svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-1"})
	fmt.Println(p.Status, payments.Code(err))

	report, _ := svc.Reconcile(ctx, &payments.ReconcileOptions{SettleAfter: time.Nanosecond})
	for _, c := range report.Changes {
		fmt.Println(c.OrderNumber, c.From, "→", c.To)
	}
	fmt.Println("confirmed at the gateway:", gw.Confirmations(prep.Attempt.Reference))
	// Output:
	// processing gateway_unavailable
	// ORD-1 processing → paid
	// confirmed at the gateway: 1
}

// Cancel stops a payment nobody has paid yet, here a virtual account
// waiting for its deposit, so that the account takes no transfer.
func ExampleService_Cancel() {
	ctx := context.Background()
	svc, _ := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-1", Name: "Cap", Amount: 9900, Currency: payments.KRW}),
		Gateways: []payments.Gateway{paymentstest.NewGateway("fake")},
	})
	p, _ := svc.IssueVirtualAccount(ctx, payments.VirtualAccountRequest{OrderNumber: "ORD-1", Bank: "20", CustomerName: "김토스"})
	fmt.Println(p.Status)

	p, err := svc.Cancel(ctx, payments.CancelRequest{OrderNumber: "ORD-1", Reason: "order canceled by the shop"})
	fmt.Println(p.Status, err)
	// Output:
	// waiting_for_deposit
	// canceled <nil>
}

// shopDB stands in for the application's own database: its orders table
// and the ids of the events it has handled, changed together in one
// transaction (here, under one lock).
type shopDB struct {
	mu        sync.Mutex
	handled   map[string]bool // event id → handled
	fulfilled map[string]int  // order number → times shipped
}

// handle is an idempotent event handler: in one transaction it skips an
// event it already handled, does its work, and records the event id, so
// an event delivered twice (at least once means it may be) ships once.
func (db *shopDB) handle(_ context.Context, e payments.Event) error {
	db.mu.Lock() // BEGIN
	defer db.mu.Unlock()
	if db.handled[e.ID] {
		return nil // handled before: a redelivery
	}
	if e.Type == payments.EventStatusChanged && e.To == payments.StatusPaid {
		db.fulfilled[e.OrderNumber]++
	}
	db.handled[e.ID] = true
	return nil // COMMIT; nil tells the Service the event is handled
}

// The application learns of payments through events, delivered at least
// once: its handler deduplicates by event id in its own transaction.
func ExampleEventHandler() {
	ctx := context.Background()
	db := &shopDB{handled: map[string]bool{}, fulfilled: map[string]int{}}
	var got []payments.Event
	svc, _ := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-1", Name: "T-Shirt", Amount: 58990, Currency: payments.KRW}),
		Gateways: []payments.Gateway{paymentstest.NewGateway("fake")},
		HandleEvent: func(ctx context.Context, e payments.Event) error {
			got = append(got, e)
			return db.handle(ctx, e)
		},
	})
	_, _ = svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-1", Gateway: "fake"})
	_, _ = svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-1"})

	// Applications run svc.Run(ctx) in the background; here, one pass.
	rep, _ := svc.DeliverEvents(ctx)
	for _, e := range got {
		if e.Type == payments.EventStatusChanged {
			fmt.Println(e.Seq, e.Type, "→", e.To)
		} else {
			fmt.Println(e.Seq, e.Type)
		}
	}
	fmt.Println("delivered:", rep.Delivered)

	// The same event delivered again (the process died before it could
	// record the answer, say) changes nothing.
	_ = db.handle(ctx, got[len(got)-1])
	fmt.Println("ORD-1 shipped", db.fulfilled["ORD-1"], "time(s);", len(db.handled), "events handled")
	// Output:
	// 1 attempt.created
	// 2 payment.status_changed → ready
	// 3 payment.status_changed → processing
	// 4 payment.status_changed → paid
	// delivered: 4
	// ORD-1 shipped 1 time(s); 4 events handled
}
