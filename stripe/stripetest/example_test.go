package stripetest_test

import (
	"fmt"
	"net/http/httptest"

	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/payments-go/payments/stripe/stripetest"
)

// Example_checkout drives a Checkout Session without a browser: create it
// with stripe-go, pay it with a test card, read the result.
func Example_checkout() {
	srv := stripetest.New(stripetest.Config{})
	defer srv.Close()
	ts := httptest.NewServer(srv)
	defer ts.Close()

	api := client.New("sk_test_123", stripego.NewBackendsWithConfig(&stripego.BackendConfig{
		URL:               stripego.String(ts.URL),
		LeveledLogger:     &stripego.LeveledLogger{Level: stripego.LevelNull},
		MaxNetworkRetries: stripego.Int64(0),
	}))
	params := &stripego.CheckoutSessionParams{
		Mode:              stripego.String("payment"),
		SuccessURL:        stripego.String("https://shop.example/done?session_id={CHECKOUT_SESSION_ID}"),
		ClientReferenceID: stripego.String("ORD-20260122-001"),
		PaymentIntentData: &stripego.CheckoutSessionPaymentIntentDataParams{
			Metadata: map[string]string{"order_number": "ORD-20260122-001"},
		},
		LineItems: []*stripego.CheckoutSessionLineItemParams{{
			Quantity: stripego.Int64(1),
			PriceData: &stripego.CheckoutSessionLineItemPriceDataParams{
				Currency:    stripego.String("krw"),
				UnitAmount:  stripego.Int64(58990),
				ProductData: &stripego.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripego.String("Cool T-Shirt")},
			},
		}},
	}
	params.SetIdempotencyKey("checkout:ORD-20260122-001:1")
	cs, err := api.CheckoutSessions.New(params)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cs.Status, cs.PaymentStatus, cs.AmountTotal, cs.Currency)

	if err := srv.CompleteSession(cs.ID, stripetest.PMVisa); err != nil {
		fmt.Println(err)
		return
	}
	get := &stripego.CheckoutSessionParams{}
	get.AddExpand("payment_intent")
	cs, err = api.CheckoutSessions.Get(cs.ID, get)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cs.Status, cs.PaymentStatus, cs.PaymentIntent.Status, cs.PaymentIntent.Metadata["order_number"])
	fmt.Println(srv.Executed(stripetest.OpCreateCheckoutSession), "session created")
	// Output:
	// open unpaid 58990 krw
	// complete paid succeeded ORD-20260122-001
	// 1 session created
}

// Example_decline shows how a declined test card surfaces through stripe-go.
func Example_decline() {
	srv := stripetest.New(stripetest.Config{})
	defer srv.Close()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	api := client.New("sk_test_123", stripego.NewBackendsWithConfig(&stripego.BackendConfig{
		URL:               stripego.String(ts.URL),
		LeveledLogger:     &stripego.LeveledLogger{Level: stripego.LevelNull},
		MaxNetworkRetries: stripego.Int64(0),
	}))
	_, err := api.PaymentIntents.New(&stripego.PaymentIntentParams{
		Amount:             stripego.Int64(1099),
		Currency:           stripego.String("usd"),
		PaymentMethod:      stripego.String(stripetest.PMInsufficientFunds),
		PaymentMethodTypes: stripego.StringSlice([]string{"card"}),
		Confirm:            stripego.Bool(true),
	})
	se := err.(*stripego.Error)
	fmt.Println(se.HTTPStatusCode, se.Type, se.Code, se.DeclineCode, se.PaymentIntent.Status)
	// Output:
	// 402 card_error card_declined insufficient_funds requires_payment_method
}
