package stripe

import (
	"context"
	"time"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/redact"
)

// createIntent creates a PaymentIntent for p's order with p.PaymentMethod
// attached, not confirmed
// (https://docs.stripe.com/api/payment_intents/create).
func (g *Gateway) createIntent(ctx context.Context, p *payments.PrepareParams) (*payments.Charge, error) {
	o := p.Order
	amount, err := minorAmount(o.Amount, o.Currency)
	if err != nil {
		return nil, err
	}
	params := &stripego.PaymentIntentParams{
		Amount:      stripego.Int64(amount),
		Currency:    stripego.String(currencyParam(o.Currency)),
		Description: stripego.String(o.Name),
		Metadata:    orderMetadata(o.Number, p.GatewayOrderID),
		// Card only, rather than automatic payment methods: this
		// PaymentIntent is confirmed by the server (Gateway.Confirm),
		// which can collect neither the mandate a bank debit needs
		// (https://docs.stripe.com/payments/ach-direct-debit) nor a
		// redirect method's return, and a card then needs no return_url
		// unless it asks for 3-D Secure. Checkout Sessions offer the
		// other methods.
		PaymentMethodTypes: stripego.StringSlice([]string{"card"}),
	}
	if p.PaymentMethod != "" {
		params.PaymentMethod = stripego.String(p.PaymentMethod)
	}
	if p.Capture == payments.CaptureManual {
		// https://docs.stripe.com/payments/place-a-hold-on-a-payment-method
		params.CaptureMethod = stripego.String(string(stripego.PaymentIntentCaptureMethodManual))
	}
	params.Context = ctx
	params.SetIdempotencyKey(p.IdempotencyKey)
	pi, err := g.api.PaymentIntents.New(params)
	if err != nil {
		return nil, g.fail(ctx, opPrepare, err)
	}
	g.log.DebugContext(ctx, "stripe: created PaymentIntent", "order", o.Number, "payment_intent", pi.ID)
	return intentCharge(pi), nil
}

// confirmIntent is [Gateway.Confirm] once its parameters are checked
// (https://docs.stripe.com/api/payment_intents/confirm).
func (g *Gateway) confirmIntent(ctx context.Context, p *payments.ConfirmParams) (*payments.Charge, error) {
	pi, err := g.getIntent(ctx, p.Reference)
	if err != nil {
		return nil, err
	}
	if err := checkOrder(pi.Metadata, p.OrderNumber); err != nil {
		return nil, err
	}
	// Always compared: a payment without an amount or currency is refused
	// by minorAmount rather than confirmed unchecked.
	want, err := minorAmount(p.Amount, p.Currency)
	if err != nil {
		return nil, err
	}
	if pi.Amount != want || libCurrency(pi.Currency) != p.Currency {
		return nil, &payments.Error{Code: payments.CodeAmountMismatch,
			Message: "the PaymentIntent's amount or currency differs from the payment's; it was not confirmed"}
	}
	switch pi.Status {
	case stripego.PaymentIntentStatusRequiresPaymentMethod, stripego.PaymentIntentStatusRequiresConfirmation:
	default:
		return intentCharge(pi), nil
	}
	params := &stripego.PaymentIntentConfirmParams{}
	if p.PaymentMethod != "" {
		params.PaymentMethod = stripego.String(p.PaymentMethod)
	}
	if p.ReturnURL != "" {
		params.ReturnURL = stripego.String(p.ReturnURL)
	}
	params.AddExpand("latest_charge")
	params.AddExpand("payment_method")
	params.Context = ctx
	params.SetIdempotencyKey(p.IdempotencyKey)
	pi, err = g.api.PaymentIntents.Confirm(p.Reference, params)
	if err != nil {
		return nil, g.fail(ctx, opConfirm, err)
	}
	g.noteMethod(ctx, pi)
	return intentCharge(pi), nil
}

// lookupIntent reads the PaymentIntent id and maps it to a Charge.
func (g *Gateway) lookupIntent(ctx context.Context, id, order string) (*payments.Charge, error) {
	pi, err := g.getIntent(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := checkOrder(pi.Metadata, order); err != nil {
		return nil, err
	}
	g.noteMethod(ctx, pi)
	return intentCharge(pi), nil
}

// getIntent reads the PaymentIntent id with its latest charge expanded,
// for the refunded amount, the time of payment and the method charged,
// and its payment method, for the method before any charge.
func (g *Gateway) getIntent(ctx context.Context, id string) (*stripego.PaymentIntent, error) {
	params := &stripego.PaymentIntentParams{}
	params.AddExpand("latest_charge")
	params.AddExpand("payment_method")
	params.Context = ctx
	pi, err := g.api.PaymentIntents.Get(id, params)
	if err != nil {
		return nil, g.fail(ctx, opLookup, err)
	}
	return pi, nil
}

// noteMethod logs a payment method type the library has no method for
// (see methods).
func (g *Gateway) noteMethod(ctx context.Context, pi *stripego.PaymentIntent) {
	if t := methodType(pi); t != "" && methods[t] == "" {
		g.log.InfoContext(ctx, "stripe: payment method type without a library method; the attempt keeps its method",
			"payment_intent", pi.ID, "type", string(t))
	}
}

// intentCharge maps a PaymentIntent (with latest_charge expanded, when
// refunds matter) to a Charge. See
// https://docs.stripe.com/payments/paymentintents/lifecycle for the
// statuses. Method is the type of the latest charge or of the payment
// method (see methods), when expanded. The Amount of a succeeded
// PaymentIntent is amount_received, the money Stripe took, so that the
// Service compares what was received with the order.
func intentCharge(pi *stripego.PaymentIntent) *payments.Charge {
	ch := &payments.Charge{
		Reference:      pi.ID,
		GatewayOrderID: pi.Metadata[metaAttemptOrderID],
		GatewayStatus:  string(pi.Status),
		Method:         methods[methodType(pi)],
		Amount:         payments.Amount(pi.Amount),
		Currency:       libCurrency(pi.Currency),
		ClientSecret:   payments.Secret(pi.ClientSecret),
	}
	switch pi.Status {
	case stripego.PaymentIntentStatusRequiresPaymentMethod, stripego.PaymentIntentStatusRequiresConfirmation:
		ch.Status = payments.StatusReady
		if e := pi.LastPaymentError; e != nil {
			ch.Status = payments.StatusFailed
			ch.Failure = &payments.Failure{Code: gatewayCode(e), Message: redact.String(e.Msg)}
		}
	case stripego.PaymentIntentStatusRequiresAction:
		ch.Status = payments.StatusRequiresAction
		if na := pi.NextAction; na != nil && na.RedirectToURL != nil {
			ch.RedirectURL = na.RedirectToURL.URL
		}
	case stripego.PaymentIntentStatusProcessing:
		ch.Status = payments.StatusProcessing
	case stripego.PaymentIntentStatusRequiresCapture:
		// Manual capture: authorised, held, not taken
		// (https://docs.stripe.com/payments/place-a-hold-on-a-payment-method).
		ch.Status, ch.AmountCapturable = payments.StatusAuthorized, payments.Amount(pi.AmountCapturable)
	case stripego.PaymentIntentStatusSucceeded:
		ch.Status = payments.StatusPaid
		ch.Amount = payments.Amount(pi.AmountReceived)
		ch.PaidAt = time.Unix(pi.Created, 0).UTC()
		if lc := pi.LatestCharge; lc != nil {
			if lc.Created != 0 {
				ch.PaidAt = time.Unix(lc.Created, 0).UTC()
			}
			ch.RefundedAmount = payments.Amount(lc.AmountRefunded)
			if lc.Captured && lc.AmountCaptured < lc.Amount {
				// A partial capture released the rest, which the charge
				// counts as refunded.
				ch.RefundedAmount -= payments.Amount(lc.Amount - lc.AmountCaptured)
			}
		}
		switch {
		case ch.RefundedAmount > 0 && ch.RefundedAmount >= ch.Amount:
			ch.Status = payments.StatusRefunded
		case ch.RefundedAmount > 0:
			ch.Status = payments.StatusPartiallyRefunded
		}
	case stripego.PaymentIntentStatusCanceled:
		ch.Status = payments.StatusCanceled
		if pi.CancellationReason == stripego.PaymentIntentCancellationReasonAutomatic {
			// An authorisation not captured in time
			// (https://docs.stripe.com/payments/place-a-hold-on-a-payment-method).
			ch.Failure = &payments.Failure{Code: string(pi.CancellationReason), Message: "Stripe canceled the authorization: it was not captured in time"}
		}
	default:
		ch.Status = payments.StatusProcessing
	}
	return ch
}
