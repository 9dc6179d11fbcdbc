package toss_test

import (
	"net/url"
	"testing"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/toss/tosstest"
)

// An order in a currency Toss does not take is refused before anything
// is stored or sent: by Charge with a billing key and by Prepare alike.
func TestOrdersTossCannotChargeChangeNothing(t *testing.T) {
	e, fake := billingEnv(t, tosstest.Config{})
	w := e.billingReady("cust-1").Toss
	auth, err := fake.AuthorizeBilling(w.CustomerKey, "CARD")
	if err != nil {
		t.Fatal(err)
	}
	_, q := location(t, e.get(callback(t, w.SuccessURL, url.Values{"customerKey": {w.CustomerKey}, "authKey": {auth}}), false))
	id := q.Get("method_id")
	for _, tc := range []struct {
		name, order string
		run         func(order string) error
	}{
		{"charge in USD", hOrderUSD, func(o string) error {
			_, err := e.svc.Charge(t.Context(), payments.ChargeRequest{OrderNumber: o, MethodID: id})
			return err
		}},
		{"charge in USD, with a return URL", hOrderUSD, func(o string) error {
			_, err := e.svc.Charge(t.Context(), payments.ChargeRequest{OrderNumber: o, MethodID: id, ReturnURL: "https://shop.example/back"})
			return err
		}},
		{"prepare in USD", hOrderUSD, func(o string) error {
			_, err := e.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: o, Gateway: "toss"})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := len(fake.Calls())
			if err := tc.run(tc.order); payments.Code(err) != payments.CodeInvalidRequest {
				t.Fatalf("= %v, want invalid_request", err)
			}
			if n := len(fake.Calls()) - calls; n != 0 {
				t.Errorf("the refused order made %d calls to Toss, want 0", n)
			}
			if p, err := e.svc.Payment(t.Context(), tc.order); payments.Code(err) != payments.CodePaymentNotFound {
				t.Errorf("after the refusal the store holds %+v (%v), want nothing", p, err)
			}
		})
	}
}
