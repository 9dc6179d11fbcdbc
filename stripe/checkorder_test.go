package stripe_test

import (
	"testing"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/stripe/stripetest"
)

// An order whose amount Stripe cannot charge exactly in its currency is
// refused before anything is stored or sent: by Charge with a saved card
// and by Prepare alike.
func TestOrdersStripeCannotChargeChangeNothing(t *testing.T) {
	e := hStripeEnv(t, stripetest.Config{}, hOpts{})
	id := e.hSave("cust-1", stripetest.PMVisa)
	for _, o := range []payments.Order{
		{Number: "ORD-KWD-0001", Name: "Dates", Amount: 5125, Currency: "KWD"},
		{Number: "ORD-ISK-0001", Name: "Wool", Amount: 150, Currency: "ISK"},
	} {
		if err := e.orders.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, order string
		run         func(order string) error
	}{
		{"charge, three-decimal amount not ending in 0", "ORD-KWD-0001", func(o string) error {
			_, err := e.svc.Charge(t.Context(), payments.ChargeRequest{OrderNumber: o, MethodID: id})
			return err
		}},
		{"charge, fractional ISK", "ORD-ISK-0001", func(o string) error {
			_, err := e.svc.Charge(t.Context(), payments.ChargeRequest{OrderNumber: o, MethodID: id, ReturnURL: hOrigin + "/back"})
			return err
		}},
		{"prepare, three-decimal amount not ending in 0", "ORD-KWD-0001", func(o string) error {
			_, err := e.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: o, Gateway: "stripe", PaymentMethod: stripetest.PMVisa})
			return err
		}},
		{"prepare a Checkout Session, fractional ISK", "ORD-ISK-0001", func(o string) error {
			_, err := e.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: o, Gateway: "stripe", SuccessURL: hOrigin + "/ok"})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := len(e.srv.Calls())
			if err := tc.run(tc.order); payments.Code(err) != payments.CodeInvalidRequest {
				t.Fatalf("= %v, want invalid_request", err)
			}
			if n := len(e.srv.Calls()) - calls; n != 0 {
				t.Errorf("the refused order made %d calls to Stripe, want 0", n)
			}
			if p, err := e.svc.Payment(t.Context(), tc.order); payments.Code(err) != payments.CodePaymentNotFound {
				t.Errorf("after the refusal the store holds %+v (%v), want nothing", p, err)
			}
		})
	}
}
