package stripe

import (
	"context"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments"
)

// createSession creates a Checkout Session in payment mode for p's order
// (https://docs.stripe.com/api/checkout/sessions/create).
func (g *Gateway) createSession(ctx context.Context, p *payments.PrepareParams) (*payments.Charge, error) {
	o := p.Order
	if _, err := minorAmount(o.Amount, o.Currency); err != nil {
		return nil, err
	}
	params := &stripego.CheckoutSessionParams{
		Mode:              stripego.String(string(stripego.CheckoutSessionModePayment)),
		SuccessURL:        stripego.String(p.SuccessURL),
		ClientReferenceID: stripego.String(o.Number),
		Metadata:          orderMetadata(o.Number, p.GatewayOrderID),
		// Stripe does not copy a session's metadata to the PaymentIntent
		// it creates: give it its own.
		PaymentIntentData: &stripego.CheckoutSessionPaymentIntentDataParams{
			Description: stripego.String(o.Name),
			Metadata:    orderMetadata(o.Number, p.GatewayOrderID),
		},
	}
	if p.Capture == payments.CaptureManual {
		// https://docs.stripe.com/payments/place-a-hold-on-a-payment-method
		params.PaymentIntentData.CaptureMethod = stripego.String(string(stripego.PaymentIntentCaptureMethodManual))
	}
	if p.CancelURL != "" {
		params.CancelURL = stripego.String(p.CancelURL)
	}
	if len(g.methodTypes) > 0 {
		// Without them Checkout offers the Dashboard's methods
		// (https://docs.stripe.com/payments/payment-methods/dynamic-payment-methods).
		params.PaymentMethodTypes = stripego.StringSlice(g.methodTypes)
	}
	if o.Customer.Email != "" {
		params.CustomerEmail = stripego.String(o.Customer.Email)
	}
	items, err := lineItems(o)
	if err != nil {
		return nil, err
	}
	params.LineItems = items
	params.Context = ctx
	params.SetIdempotencyKey(p.IdempotencyKey)
	cs, err := g.api.CheckoutSessions.New(params)
	if err != nil {
		return nil, g.fail(ctx, opPrepare, err)
	}
	g.log.DebugContext(ctx, "stripe: created Checkout Session", "order", o.Number, "session", cs.ID)
	return sessionCharge(cs), nil
}

// lineItems are the session's line items: one per order item, or one
// from the order's name and amount when the order has no items or more
// than Stripe takes.
func lineItems(o payments.Order) ([]*stripego.CheckoutSessionLineItemParams, error) {
	cur := currencyParam(o.Currency)
	line := func(name string, qty int64, unit payments.Amount) (*stripego.CheckoutSessionLineItemParams, error) {
		n, err := minorAmount(unit, o.Currency)
		if err != nil {
			return nil, err
		}
		return &stripego.CheckoutSessionLineItemParams{
			Quantity: stripego.Int64(qty),
			PriceData: &stripego.CheckoutSessionLineItemPriceDataParams{
				Currency:    stripego.String(cur),
				UnitAmount:  stripego.Int64(n),
				ProductData: &stripego.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripego.String(name)},
			},
		}, nil
	}
	if n := len(o.Items); n == 0 || n > maxLineItems {
		li, err := line(o.Name, 1, o.Amount)
		if err != nil {
			return nil, err
		}
		return []*stripego.CheckoutSessionLineItemParams{li}, nil
	}
	items := make([]*stripego.CheckoutSessionLineItemParams, 0, len(o.Items))
	for _, it := range o.Items {
		li, err := line(it.Name, it.Quantity, it.UnitAmount)
		if err != nil {
			return nil, err
		}
		items = append(items, li)
	}
	return items, nil
}

// lookupSession reads the Checkout Session id, with its PaymentIntent,
// that intent's latest charge and its payment method expanded, and maps
// it to a Charge.
func (g *Gateway) lookupSession(ctx context.Context, id, order string) (*payments.Charge, error) {
	params := &stripego.CheckoutSessionParams{}
	params.AddExpand("payment_intent.latest_charge")
	params.AddExpand("payment_intent.payment_method")
	params.Context = ctx
	cs, err := g.api.CheckoutSessions.Get(id, params)
	if err != nil {
		return nil, g.fail(ctx, opLookup, err)
	}
	if err := checkOrder(cs.Metadata, order); err != nil {
		return nil, err
	}
	if cs.PaymentIntent != nil {
		g.noteMethod(ctx, cs.PaymentIntent)
	}
	return sessionCharge(cs), nil
}

// sessionCharge maps a Checkout Session (with its PaymentIntent, if
// expanded) to a Charge. See https://docs.stripe.com/api/checkout/sessions/object
// for status and payment_status, and
// https://docs.stripe.com/checkout/fulfillment for delayed methods: a
// complete session stays unpaid until its PaymentIntent succeeds
// (checkout.session.async_payment_succeeded) or fails
// (checkout.session.async_payment_failed).
//
// Amount is amount_total, or the PaymentIntent's amount_received once it
// succeeded. A session complete with payment_status no_payment_required
// (a 100% discount) is reported paid with its amount_total, 0, which the
// Service then refuses for an order with a positive amount
// (amount_mismatch): nothing was collected.
func sessionCharge(cs *stripego.CheckoutSession) *payments.Charge {
	ch := &payments.Charge{
		Session:        cs.ID,
		GatewayOrderID: cs.Metadata[metaAttemptOrderID],
		GatewayStatus:  string(cs.Status),
		Amount:         payments.Amount(cs.AmountTotal),
		Currency:       libCurrency(cs.Currency),
	}
	complete := cs.Status == stripego.CheckoutSessionStatusComplete
	pi := cs.PaymentIntent
	if pi != nil && pi.Status != "" {
		// Expanded: the PaymentIntent says what happened to the money.
		ich := intentCharge(pi)
		ch.Reference, ch.RefundedAmount, ch.PaidAt, ch.Method = ich.Reference, ich.RefundedAmount, ich.PaidAt, ich.Method
		switch {
		case ich.Status.Paid():
			ch.Status, ch.Amount, ch.GatewayStatus = ich.Status, ich.Amount, string(pi.Status)
			return ch
		case ich.Status == payments.StatusProcessing:
			ch.Status, ch.GatewayStatus = ich.Status, string(pi.Status)
			return ch
		case ich.Status == payments.StatusAuthorized:
			// Manual capture: the session's payment_status is not what
			// says so, the PaymentIntent's requires_capture is.
			ch.Status, ch.GatewayStatus, ch.AmountCapturable = ich.Status, string(pi.Status), ich.AmountCapturable
			return ch
		case ich.Status == payments.StatusCanceled && ich.Failure != nil:
			// An authorisation that lapsed uncaptured.
			ch.Status, ch.Failure, ch.GatewayStatus = ich.Status, ich.Failure, string(pi.Status)
			return ch
		case complete && (ich.Status == payments.StatusFailed || ich.Status == payments.StatusCanceled):
			// The customer finished the session and the delayed payment
			// failed afterwards: the session will never be paid.
			ch.Status, ch.Failure, ch.GatewayStatus = ich.Status, ich.Failure, string(pi.Status)
			return ch
		}
	} else if pi != nil {
		ch.Reference = pi.ID
	}
	if ch.Method == "" {
		// A session that offers one method is paid with it.
		ch.Method = methods[onlyType(cs.PaymentMethodTypes)]
	}
	switch {
	case cs.Status == stripego.CheckoutSessionStatusExpired:
		ch.Status = payments.StatusExpired
	case complete &&
		(cs.PaymentStatus == stripego.CheckoutSessionPaymentStatusPaid || cs.PaymentStatus == stripego.CheckoutSessionPaymentStatusNoPaymentRequired):
		ch.Status = payments.StatusPaid
	case complete:
		// Complete but unpaid: a delayed payment method is settling.
		ch.Status = payments.StatusProcessing
	default: // open
		ch.Status = payments.StatusReady
		ch.RedirectURL = cs.URL
	}
	return ch
}
