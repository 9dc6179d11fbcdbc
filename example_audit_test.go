package payments_test

import (
	"context"
	"fmt"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
)

// Matching the store with a gateway's ledger for a day: here the fake
// gateway, whose ledger holds a payment the application never recorded.
func ExampleService_Audit() {
	ctx := context.Background()
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	now := day.Add(9 * time.Hour)
	gw := paymentstest.NewGateway("fake")
	gw.SetClock(func() time.Time { return now })
	gw.SetLedgerFee(300) // 3%
	svc, _ := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-1", Name: "T-Shirt", Amount: 58990, Currency: payments.KRW}),
		Gateways: []payments.Gateway{gw},
		Now:      func() time.Time { return now },
	})
	_, _ = svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-1", Gateway: "fake"})
	_, _ = svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-1"})
	gw.AddLedgerEntry(payments.LedgerEntry{Kind: payments.LedgerPayment, ID: "tx_lost", Reference: "fake_lost",
		GatewayOrderID: "ORD-LOST", Amount: 9900, Net: 9900, Currency: payments.KRW, At: day.Add(10 * time.Hour)})

	rep, err := svc.Audit(ctx, payments.AuditParams{From: day, To: day.AddDate(0, 0, 1)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("matched payments:", rep.Matched.Payments)
	for _, t := range rep.Totals {
		fmt.Println(t.Gateway, t.Currency, "gross", t.Gross, "fees", t.Fees, "net", t.Net)
	}
	for _, d := range rep.Discrepancies {
		fmt.Println(d.Kind, d.Remote.Entry, d.Remote.Amount)
	}
	// Output:
	// matched payments: 1
	// fake KRW gross 68890 fees 1769 net 67121
	// missing_locally tx_lost 9900
}
