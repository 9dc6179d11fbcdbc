package paymentstest_test

import (
	"testing"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/paymentstest"
)

func TestGatewayConformance(t *testing.T) {
	g := paymentstest.NewGateway("fake")
	paymentstest.RunGatewayTests(t, paymentstest.GatewayHarness{
		Gateway: g,
		Authorize: func(t *testing.T, o payments.Order, id string) string {
			return g.Authorize(id, o.Amount, o.Currency)
		},
		AuthorizeDeclined: func(t *testing.T, o payments.Order, id string) string {
			return g.AuthorizeDeclined(id, o.Amount, o.Currency, "card_declined")
		},
		AuthorizeHold: func(t *testing.T, o payments.Order, id string) string {
			return g.AuthorizeHold(id, o.Amount, o.Currency)
		},
		Deposit: func(t *testing.T, ch *payments.Charge) {
			if _, err := g.Deposit(ch.Reference); err != nil {
				t.Fatal(err)
			}
		},
	})
}
