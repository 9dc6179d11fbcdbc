package stripe_test

import (
	"testing"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/stripe/stripetest"
)

// TestCancel: an open session is expired and an unpaid PaymentIntent
// canceled, each with the given idempotency key; a paid one is reported
// paid and not touched; another order's session is refused.
func TestCancel(t *testing.T) {
	t.Parallel()
	o := payments.Order{Number: "ORD-CXL", Name: "Mug", Amount: 1234, Currency: payments.USD}
	tests := []struct {
		name       string
		intent     bool
		pay        bool
		want       payments.Status
		wantCalled string // the cancelling operation expected at the fake, if any
	}{
		{"open session", false, false, payments.StatusExpired, stripetest.OpExpireCheckoutSession},
		{"paid session", false, true, payments.StatusPaid, ""},
		{"unpaid intent", true, false, payments.StatusCanceled, stripetest.OpCancelPaymentIntent},
		{"paid intent", true, true, payments.StatusPaid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g, srv, _ := gwFake(t, stripetest.Config{})
			params := &payments.CancelParams{IdempotencyKey: "cancel-" + tt.name, OrderNumber: o.Number, GatewayOrderID: o.Number}
			if tt.intent {
				params.Reference = gwIntent(t, g, o, o.Number, stripetest.PMVisa)
				if tt.pay {
					if _, err := g.Confirm(t.Context(), &payments.ConfirmParams{IdempotencyKey: "confirm", OrderNumber: o.Number,
						GatewayOrderID: o.Number, Reference: params.Reference, Amount: o.Amount, Currency: o.Currency}); err != nil {
						t.Fatal(err)
					}
				}
			} else {
				ch, err := g.Prepare(t.Context(), &payments.PrepareParams{IdempotencyKey: "prepare", Order: o, GatewayOrderID: o.Number,
					SuccessURL: "https://shop.example/ok?cs={CHECKOUT_SESSION_ID}"})
				if err != nil {
					t.Fatal(err)
				}
				params.Session = ch.Session
				if tt.pay {
					if err := srv.CompleteSession(ch.Session, stripetest.PMVisa); err != nil {
						t.Fatal(err)
					}
				}
			}
			got, err := g.Cancel(t.Context(), params)
			if err != nil {
				t.Fatalf("Cancel: %v", err)
			}
			if got.Status != tt.want {
				t.Errorf("Cancel reports %s, want %s", got.Status, tt.want)
			}
			var keyed bool
			for _, c := range srv.Calls() {
				switch c.Op {
				case stripetest.OpExpireCheckoutSession, stripetest.OpCancelPaymentIntent:
					if tt.wantCalled == "" {
						t.Errorf("%s called on a paid attempt", c.Op)
					}
					keyed = keyed || (c.Op == tt.wantCalled && c.IdempotencyKey == params.IdempotencyKey)
				}
			}
			if tt.wantCalled != "" && !keyed {
				t.Errorf("no %s call with the idempotency key %q", tt.wantCalled, params.IdempotencyKey)
			}
			other := *params
			other.OrderNumber = "ORD-OTHER"
			if _, err := g.Cancel(t.Context(), &other); err == nil {
				t.Error("Cancel of another order's attempt succeeded")
			}
		})
	}
}
