package toss_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/toss"
	"github.com/payments-go/payments/toss/tosstest"
)

// Taking a card payment through Toss with the Service: prepare the
// attempt, let the customer pay in the Toss payment window, confirm
// exactly once, refund part of it. The fake Toss API (tosstest) stands in
// for https://api.tosspayments.com; with real keys, leave BaseURL empty.
func ExampleNewGateway() {
	ctx := context.Background()
	fake := tosstest.New(tosstest.Config{})
	api := httptest.NewServer(fake)
	defer api.Close()

	client, err := toss.NewClient(toss.ClientConfig{
		SecretKey: payments.Secret("test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R"), // from configuration, never from code
		BaseURL:   api.URL,
	})
	if err != nil {
		log.Fatal(err)
	}
	gw, err := toss.NewGateway(toss.GatewayConfig{Client: client})
	if err != nil {
		log.Fatal(err)
	}
	svc, err := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-20260122-001", Name: "Cool T-Shirt 외 1건", Amount: 58990, Currency: payments.KRW}),
		Gateways: []payments.Gateway{gw},
	})
	if err != nil {
		log.Fatal(err)
	}

	prep, err := svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-20260122-001", Gateway: "toss"})
	if err != nil {
		log.Fatal(err)
	}
	// In the browser, the Toss SDK opens the payment window for
	// prep.Attempt.GatewayOrderID; here the fake plays the customer.
	paymentKey, _ := fake.Authorize(prep.Attempt.GatewayOrderID, 58990, "Cool T-Shirt 외 1건", "CARD")

	// The success redirect brings paymentKey, orderId and amount back.
	p, err := svc.Confirm(ctx, payments.ConfirmRequest{GatewayOrderID: prep.Attempt.GatewayOrderID, Reference: paymentKey, Amount: 58990})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Status, p.Method, p.Currency.Format(p.Amount))

	p, r, err := svc.Refund(ctx, payments.RefundRequest{OrderNumber: "ORD-20260122-001", Amount: 8990, Reason: "사이즈 교환"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Status, p.Status, p.Currency.Format(p.RefundedAmount))
	// Output:
	// paid CARD ₩58,990
	// succeeded partially_refunded ₩8,990
}

// A virtual account: issued through the Service, paid by the customer's
// bank transfer, and seen as paid once the Service re-reads it (as it does
// on Toss's deposit webhook).
func ExampleGateway_IssueVirtualAccount() {
	ctx := context.Background()
	fake := tosstest.New(tosstest.Config{})
	api := httptest.NewServer(fake)
	defer api.Close()

	client, _ := toss.NewClient(toss.ClientConfig{SecretKey: "test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R", BaseURL: api.URL})
	gw, _ := toss.NewGateway(toss.GatewayConfig{Client: client})
	svc, _ := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-VA-0001", Name: "Cap", Amount: 9900, Currency: payments.KRW}),
		Gateways: []payments.Gateway{gw},
	})

	p, err := svc.IssueVirtualAccount(ctx, payments.VirtualAccountRequest{OrderNumber: "ORD-VA-0001", Bank: "우리", CustomerName: "박토스", ValidHours: 24})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Status, "bank", p.VirtualAccount.Bank, "holder", p.VirtualAccount.Holder)

	_ = fake.Deposit(ctx, p.GatewayReference) // the customer transfers ₩9,900
	p, err = svc.Refresh(ctx, payments.RefreshRequest{OrderNumber: "ORD-VA-0001"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Status)
	// Output:
	// waiting_for_deposit bank 20 holder 박토스
	// paid
}

// Using the client directly, and reading a decline.
func ExampleClient_Confirm() {
	ctx := context.Background()
	fake := tosstest.New(tosstest.Config{})
	api := httptest.NewServer(fake)
	defer api.Close()
	client, _ := toss.NewClient(toss.ClientConfig{SecretKey: "test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R", BaseURL: api.URL})

	key, _ := fake.Authorize("ORD-CL-0001", 15000, "티셔츠", "TOSSPAY")
	p, err := client.Confirm(ctx, toss.ConfirmRequest{PaymentKey: key, OrderID: "ORD-CL-0001", Amount: 15000}, "confirm-ORD-CL-0001")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Status, p.Method, p.EasyPay.Provider, p.PaymentMethod(), p.UnifiedStatus())

	declined, _ := fake.Authorize("ORD-CL-0002", 15000, "티셔츠", "CARD")
	_ = fake.FailConfirm(declined, "REJECT_CARD_COMPANY")
	_, err = client.Confirm(ctx, toss.ConfirmRequest{PaymentKey: declined, OrderID: "ORD-CL-0002", Amount: 15000}, "confirm-ORD-CL-0002")
	var apiErr *toss.APIError
	if errors.Is(err, payments.ErrPaymentDeclined) && errors.As(err, &apiErr) {
		fmt.Println(payments.Code(err), apiErr.Status, apiErr.Code)
	}
	// Output:
	// DONE 카드 토스페이 EASY_PAY paid
	// payment_declined 403 REJECT_CARD_COMPANY
}
