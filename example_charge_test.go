package payments_test

import (
	"context"
	"fmt"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
)

// A monthly job that charges every subscriber's order for the month with
// the method they saved. It cannot double-charge however often it runs
// (a cron that fires twice, a retry after a crash, two replicas running it
// at once): the order number is derived from the subscriber and the month,
// and [payments.Service.Charge] charges an order at most once.
func Example_monthlyCharge() {
	ctx := context.Background()
	gw := paymentstest.NewGateway("toss")
	orders := payments.NewOrderBook()
	svc, err := payments.NewService(payments.Config{Store: memstore.New(), Orders: orders, Gateways: []payments.Gateway{gw}})
	if err != nil {
		panic(err)
	}

	// Once, when the customer subscribes: the save (in production, the
	// customer's browser goes through the gateway's page in between).
	started, _ := svc.StartSave(ctx, payments.StartSaveRequest{Gateway: "toss", CustomerID: "cust-42"})
	saved, err := svc.FinishSave(ctx, payments.FinishSaveRequest{Gateway: "toss", SetupID: started.Setup.ID,
		GatewayCustomer: started.Customer.Reference, AuthKey: "authKey-from-the-redirect"})
	if err != nil {
		panic(err)
	}
	methodID := saved.Method.ID

	monthly := func(month time.Time) {
		// One order per subscriber and month: its number is the
		// idempotency of the whole job.
		number := fmt.Sprintf("SUB-cust-42-%s", month.Format("2006-01"))
		_ = orders.Add(payments.Order{Number: number, Name: "Monthly plan " + month.Format("2006-01"), Amount: 9900, Currency: payments.KRW})
		p, err := svc.Charge(ctx, payments.ChargeRequest{OrderNumber: number, MethodID: methodID})
		switch {
		case payments.Code(err) == payments.CodePaymentDeclined:
			fmt.Println(number, "declined: ask the customer for another card")
		case err != nil:
			fmt.Println(number, "not settled yet:", payments.Code(err)) // the sweep settles it
		default:
			fmt.Println(number, p.Status)
		}
	}
	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	monthly(jan)
	monthly(jan) // the job ran twice: no second charge
	monthly(jan.AddDate(0, 1, 0))
	fmt.Println("charges in January:", gw.Charges("SUB-cust-42-2026-01"))
	// Output:
	// SUB-cust-42-2026-01 paid
	// SUB-cust-42-2026-01 paid
	// SUB-cust-42-2026-02 paid
	// charges in January: 1
}
