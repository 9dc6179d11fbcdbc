package stripe

import (
	"context"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/web"
)

var _ payments.Capturer = (*Gateway)(nil)

// opCapture and opVoid name the manual-capture calls, for error
// classification.
const (
	opCapture = "capture"
	opVoid    = "void"
)

// Capture implements [payments.Capturer]: it captures p.Amount of the
// PaymentIntent p.Reference, which must be in requires_capture
// (https://docs.stripe.com/api/payment_intents/capture), with
// amount_to_capture always sent and p.IdempotencyKey; Stripe releases the
// rest of the authorisation. It first reads the PaymentIntent: one that
// belongs to another order is refused, and one no longer in
// requires_capture (captured already, canceled when the authorisation
// lapsed) is reported as it is, so that a repeat never captures twice,
// even after Stripe has forgotten the key.
func (g *Gateway) Capture(ctx context.Context, p *payments.CaptureParams) (*payments.Charge, error) {
	if err := checkIdempotencyKey(p.IdempotencyKey); err != nil {
		return nil, err
	}
	if p.Reference == "" {
		return nil, web.Invalid("a PaymentIntent id is required to capture")
	}
	pi, err := g.getIntent(ctx, p.Reference)
	if err != nil {
		return nil, err
	}
	if err := checkOrder(pi.Metadata, p.OrderNumber); err != nil {
		return nil, err
	}
	if pi.Status != stripego.PaymentIntentStatusRequiresCapture {
		return intentCharge(pi), nil
	}
	amount, err := minorAmount(p.Amount, p.Currency)
	if err != nil {
		return nil, err
	}
	if libCurrency(pi.Currency) != p.Currency {
		return nil, &payments.Error{Code: payments.CodeAmountMismatch, Message: "the PaymentIntent's currency differs from the payment's; it was not captured"}
	}
	if amount > pi.AmountCapturable {
		return nil, &payments.Error{Code: payments.CodeCaptureExceedsAuthorized,
			Message: "the capture exceeds the PaymentIntent's amount_capturable; nothing was captured"}
	}
	params := &stripego.PaymentIntentCaptureParams{AmountToCapture: stripego.Int64(amount)}
	params.AddExpand("latest_charge")
	params.AddExpand("payment_method")
	params.Context = ctx
	params.SetIdempotencyKey(p.IdempotencyKey)
	pi, err = g.api.PaymentIntents.Capture(p.Reference, params)
	if err != nil {
		return nil, g.fail(ctx, opCapture, err)
	}
	return intentCharge(pi), nil
}

// Void implements [payments.Capturer]: it cancels the PaymentIntent
// p.Reference while it is in requires_capture
// (https://docs.stripe.com/api/payment_intents/cancel), with
// cancellation_reason abandoned and p.IdempotencyKey, releasing the
// authorisation. A PaymentIntent captured or canceled meanwhile is
// reported as it is, without an error.
func (g *Gateway) Void(ctx context.Context, p *payments.CancelParams) (*payments.Charge, error) {
	if err := checkIdempotencyKey(p.IdempotencyKey); err != nil {
		return nil, err
	}
	if p.Reference == "" {
		return nil, web.Invalid("a PaymentIntent id is required to void")
	}
	ch, err := g.lookupIntent(ctx, p.Reference, p.OrderNumber)
	if err != nil {
		return nil, err
	}
	if ch.Status != payments.StatusAuthorized {
		return ch, nil
	}
	params := &stripego.PaymentIntentCancelParams{CancellationReason: stripego.String(string(stripego.PaymentIntentCancellationReasonAbandoned))}
	params.Context = ctx
	params.SetIdempotencyKey(p.IdempotencyKey)
	if _, err := g.api.PaymentIntents.Cancel(p.Reference, params); err != nil {
		e := g.fail(ctx, opVoid, err)
		switch payments.Code(e) {
		case payments.CodeGatewayUnavailable, payments.CodeCanceled, payments.CodeGatewayError:
			return nil, e
		}
		// Refused because the state changed in between (captured,
		// lapsed): report the state.
		g.log.InfoContext(ctx, "stripe: void refused; reporting the current state", "order", p.OrderNumber, "code", payments.Code(e))
	}
	return g.lookupIntent(ctx, p.Reference, p.OrderNumber)
}
