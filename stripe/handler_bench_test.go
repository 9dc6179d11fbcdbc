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
	"github.com/payments-go/payments/internal/benchpair"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/stripe/stripetest"
)

// BenchmarkCheckoutFlow measures the checkout flow against stripetest, two
// ways, alternating in blocks of flows within one run (internal/benchpair):
//
//	go test -run '^$' -bench CheckoutFlow -count 10 ./stripe/
//
// The library side goes through the handlers (POST /checkout, the
// customer pays on the hosted page, POST /verify), so it includes the
// Service, the store, JSON in and out and stripe.Gateway. The baseline
// makes the same Stripe requests with stripe-go directly (create the
// session with the same parameters, pay, get the session with the same
// expansion). Both use the same client settings (no retries, no
// telemetry, stripe-go's logger silenced), so the difference is what the
// library adds on top of the two Stripe round trips. The target is
// library/baseline ≤ 1.10.
func BenchmarkCheckoutFlow(b *testing.B) {
	var lib, raw benchpair.Block
	benchpair.Run(b, 4, func(n int) string { return "BENCH-" + strconv.Itoa(n) },
		func(b *testing.B) benchpair.Block {
			if lib == nil {
				lib = &benchCheckout{e: hStripeEnv(b, stripetest.Config{}, hOpts{})}
			}
			return lib
		},
		func(b *testing.B) benchpair.Block {
			if raw == nil {
				raw = newBenchRawCheckout(b)
			}
			return raw
		})
}

// benchCheckout is the library's side; one for the whole run.
type benchCheckout struct {
	e    *hEnv
	seen int
}

func (c *benchCheckout) Close(b *testing.B, flows int) int {
	return benchStripeCalls(b, c.e.srv, &c.seen, flows)
}

// benchStripeOps are the operations stripetest counts.
var benchStripeOps = []string{
	stripetest.OpCreateCheckoutSession, stripetest.OpGetCheckoutSession, stripetest.OpExpireCheckoutSession,
	stripetest.OpCreatePaymentIntent, stripetest.OpGetPaymentIntent, stripetest.OpConfirmPaymentIntent,
	stripetest.OpCancelPaymentIntent, stripetest.OpCreateRefund, stripetest.OpGetRefund, stripetest.OpGetCharge,
}

// benchStripeCalls checks that the flows since the last check made two
// Stripe calls each, the session's creation and its retrieval, and
// returns them.
func benchStripeCalls(b *testing.B, srv *stripetest.Server, seen *int, flows int) int {
	total, want := 0, 0
	for _, op := range benchStripeOps {
		total += srv.Executed(op)
	}
	want = srv.Executed(stripetest.OpCreateCheckoutSession) + srv.Executed(stripetest.OpGetCheckoutSession)
	calls := total - *seen
	*seen = total
	if calls != 2*flows || total != want {
		b.Fatalf("%d Stripe calls for %d flows (%d of them other than creating and getting a session), want 2 each", calls, flows, total-want)
	}
	return calls
}

func (c *benchCheckout) Flow(b *testing.B, order string) {
	e := c.e
	if err := e.orders.Add(payments.Order{Number: order, Name: "Coffee Mug", Amount: 1999, Currency: payments.USD}); err != nil {
		b.Fatal(err)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, hBenchRequest(b, "/checkout", `{"order_number":"`+order+`","success_url":"https://shop.example/done?session_id={CHECKOUT_SESSION_ID}","cancel_url":"https://shop.example/cart"}`))
	var co stripe.CheckoutResponse
	if err := json.Unmarshal(w.Body.Bytes(), &co); err != nil || w.Code != http.StatusOK {
		b.Fatalf("checkout: %d %s", w.Code, w.Body)
	}
	if err := e.srv.CompleteSession(co.SessionID, stripetest.PMVisa); err != nil {
		b.Fatal(err)
	}
	w = httptest.NewRecorder()
	e.h.ServeHTTP(w, hBenchRequest(b, "/verify", `{"order_number":"`+order+`","session_id":"`+co.SessionID+`"}`))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"status":"paid"`) {
		b.Fatalf("verify: %d %s", w.Code, w.Body)
	}
}

// benchRawCheckout is the baseline: stripe-go called directly.
type benchRawCheckout struct {
	srv  *stripetest.Server
	api  *client.API
	n    int
	seen int
}

func newBenchRawCheckout(b *testing.B) *benchRawCheckout {
	srv, ts := stripetest.NewTestServer(b, stripetest.Config{PublicURL: hPublicURL})
	return &benchRawCheckout{srv: srv, api: client.New(hStripeKey, stripego.NewBackendsWithConfig(&stripego.BackendConfig{
		URL:               stripego.String(ts.URL),
		HTTPClient:        ts.Client(),
		LeveledLogger:     &stripego.LeveledLogger{Level: stripego.LevelNull},
		MaxNetworkRetries: stripego.Int64(0),
		EnableTelemetry:   stripego.Bool(false),
	}))}
}

func (c *benchRawCheckout) Close(b *testing.B, flows int) int {
	return benchStripeCalls(b, c.srv, &c.seen, flows)
}

func (c *benchRawCheckout) Flow(b *testing.B, order string) {
	srv, api := c.srv, c.api
	c.n++
	n := c.n
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
	// The expansions stripe.Gateway asks for: the charge for the time of
	// payment and the refunds, the payment method for the method used.
	get.AddExpand("payment_intent.latest_charge")
	get.AddExpand("payment_intent.payment_method")
	get.Context = b.Context()
	cs, err = api.CheckoutSessions.Get(cs.ID, get)
	if err != nil {
		b.Fatal(err)
	}
	if cs.PaymentStatus != stripego.CheckoutSessionPaymentStatusPaid || cs.AmountTotal != 1999 || cs.Metadata["order_number"] != order {
		b.Fatalf("session = %s %s %d", cs.Status, cs.PaymentStatus, cs.AmountTotal)
	}
}

func hBenchRequest(b *testing.B, path, body string) *http.Request {
	r, err := benchpair.NewRequest(http.MethodPost, path, body)
	if err != nil {
		b.Fatal(err)
	}
	return r
}
