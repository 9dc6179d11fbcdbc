package stripe_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/stripe/stripetest"
)

// The checkout flow, measured two ways against stripetest:
//
//	go test -run '^$' -bench CheckoutFlow -benchmem -count 5 ./stripe/
//
// BenchmarkCheckoutFlow goes through the handlers (POST /checkout, the
// customer pays on the hosted page, POST /verify), so it includes the
// Service, the store, JSON in and out and stripe.Gateway.
// BenchmarkCheckoutFlowRawStripeGo makes the same Stripe requests with
// stripe-go directly (create the session with the same parameters, pay,
// get the session with the same expansion). Both use the same client
// settings (no retries, no telemetry, stripe-go's logger silenced), so
// the difference is what the library adds on top of the two Stripe round
// trips. The target is at most 1.10× the raw calls' time.

func BenchmarkCheckoutFlow(b *testing.B) {
	e := hStripeEnv(b, stripetest.Config{}, hOpts{})
	n := 0
	for b.Loop() {
		n++
		order := "BENCH-" + strconv.Itoa(n)
		if err := e.orders.Add(payments.Order{Number: order, Name: "Coffee Mug", Amount: 1999, Currency: payments.USD}); err != nil {
			b.Fatal(err)
		}
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, hBenchRequest("/checkout", `{"order_number":"`+order+`","success_url":"https://shop.example/done?session_id={CHECKOUT_SESSION_ID}","cancel_url":"https://shop.example/cart"}`))
		var co stripe.CheckoutResponse
		if err := json.Unmarshal(w.Body.Bytes(), &co); err != nil || w.Code != http.StatusOK {
			b.Fatalf("checkout: %d %s", w.Code, w.Body)
		}
		if err := e.srv.CompleteSession(co.SessionID, stripetest.PMVisa); err != nil {
			b.Fatal(err)
		}
		w = httptest.NewRecorder()
		e.h.ServeHTTP(w, hBenchRequest("/verify", `{"order_number":"`+order+`","session_id":"`+co.SessionID+`"}`))
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"status":"paid"`) {
			b.Fatalf("verify: %d %s", w.Code, w.Body)
		}
	}
}

func BenchmarkCheckoutFlowRawStripeGo(b *testing.B) {
	srv, ts := stripetest.NewTestServer(b, stripetest.Config{PublicURL: hPublicURL})
	api := client.New(hStripeKey, stripego.NewBackendsWithConfig(&stripego.BackendConfig{
		URL:               stripego.String(ts.URL),
		HTTPClient:        ts.Client(),
		LeveledLogger:     &stripego.LeveledLogger{Level: stripego.LevelNull},
		MaxNetworkRetries: stripego.Int64(0),
		EnableTelemetry:   stripego.Bool(false),
	}))
	n := 0
	for b.Loop() {
		n++
		order := "BENCH-" + strconv.Itoa(n)
		md := map[string]string{"order_number": order, "attempt_order_id": order}
		params := &stripego.CheckoutSessionParams{
			Mode:              stripego.String(string(stripego.CheckoutSessionModePayment)),
			SuccessURL:        stripego.String("https://shop.example/done?session_id={CHECKOUT_SESSION_ID}"),
			CancelURL:         stripego.String("https://shop.example/cart"),
			ClientReferenceID: stripego.String(order),
			Metadata:          md,
			PaymentIntentData: &stripego.CheckoutSessionPaymentIntentDataParams{
				Description: stripego.String("Coffee Mug"),
				Metadata:    md,
			},
			LineItems: []*stripego.CheckoutSessionLineItemParams{{
				Quantity: stripego.Int64(1),
				PriceData: &stripego.CheckoutSessionLineItemPriceDataParams{
					Currency:    stripego.String("usd"),
					UnitAmount:  stripego.Int64(1999),
					ProductData: &stripego.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripego.String("Coffee Mug")},
				},
			}},
		}
		params.Context = b.Context()
		params.SetIdempotencyKey(fmt.Sprintf("bench-prepare-%d", n))
		cs, err := api.CheckoutSessions.New(params)
		if err != nil {
			b.Fatal(err)
		}
		if err := srv.CompleteSession(cs.ID, stripetest.PMVisa); err != nil {
			b.Fatal(err)
		}
		get := &stripego.CheckoutSessionParams{}
		get.AddExpand("payment_intent.latest_charge")
		get.Context = b.Context()
		cs, err = api.CheckoutSessions.Get(cs.ID, get)
		if err != nil {
			b.Fatal(err)
		}
		if cs.PaymentStatus != stripego.CheckoutSessionPaymentStatusPaid || cs.AmountTotal != 1999 || cs.Metadata["order_number"] != order {
			b.Fatalf("session = %s %s %d", cs.Status, cs.PaymentStatus, cs.AmountTotal)
		}
	}
}

func hBenchRequest(path, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}
