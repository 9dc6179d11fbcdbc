package stripe

import (
	"context"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments"
)

// cancel is [Gateway.Cancel] once the idempotency key is checked. An open
// session is expired (https://docs.stripe.com/api/checkout/sessions/expire),
// a PaymentIntent canceled
// (https://docs.stripe.com/api/payment_intents/cancel).
func (g *Gateway) cancel(ctx context.Context, p *payments.CancelParams) (*payments.Charge, error) {
	lookup := &payments.LookupParams{OrderNumber: p.OrderNumber, GatewayOrderID: p.GatewayOrderID, Reference: p.Reference, Session: p.Session}
	ch, err := g.Lookup(ctx, lookup)
	if err != nil {
		return nil, err
	}
	if ch.Status != payments.StatusReady && ch.Status != payments.StatusRequiresAction {
		return ch, nil
	}
	if p.Session != "" {
		params := &stripego.CheckoutSessionExpireParams{}
		params.Context = ctx
		params.SetIdempotencyKey(p.IdempotencyKey)
		_, err = g.api.CheckoutSessions.Expire(p.Session, params)
	} else {
		params := &stripego.PaymentIntentCancelParams{CancellationReason: stripego.String(string(stripego.PaymentIntentCancellationReasonAbandoned))}
		params.Context = ctx
		params.SetIdempotencyKey(p.IdempotencyKey)
		_, err = g.api.PaymentIntents.Cancel(p.Reference, params)
	}
	if err != nil {
		e := g.fail(ctx, opCancel, err)
		switch payments.Code(e) {
		case payments.CodeGatewayUnavailable, payments.CodeCanceled, payments.CodeGatewayError:
			return nil, e
		}
		// Refused because the state changed in between (the customer
		// paid, the session expired): report the state.
		g.log.InfoContext(ctx, "stripe: cancel refused; reporting the current state",
			"order", p.OrderNumber, "code", payments.Code(e))
	}
	return g.Lookup(ctx, lookup)
}
