package stripe

import (
	"context"
	"errors"
	"net/http"
	"strings"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/web"
)

// refund is [Gateway.Refund] once its parameters are checked
// (https://docs.stripe.com/api/refunds/create).
func (g *Gateway) refund(ctx context.Context, p *payments.RefundParams) (*payments.RefundResult, error) {
	amount, err := minorAmount(p.Amount, p.Currency)
	if err != nil {
		return nil, err
	}
	if !refundReasons[p.StripeReason] {
		return nil, web.Invalid("stripe_reason must be duplicate, fraudulent or requested_by_customer")
	}
	if re, err := g.findRefund(ctx, p.Reference, p.IdempotencyKey); err != nil {
		return nil, err
	} else if re != nil {
		g.log.InfoContext(ctx, "stripe: refund already exists; not created again",
			"order", p.OrderNumber, "refund_id", p.IdempotencyKey, "refund", re.ID)
		return refundResult(re), nil
	}
	md := orderMetadata(p.OrderNumber, p.GatewayOrderID)
	md[metaRefundID] = p.IdempotencyKey
	if r := strings.TrimSpace(p.Reason); r != "" {
		md[metaReason] = web.Clip(r, maxMetadataValue)
	}
	params := &stripego.RefundParams{
		PaymentIntent: stripego.String(p.Reference),
		Amount:        stripego.Int64(amount),
		Metadata:      md,
	}
	if p.StripeReason != "" {
		params.Reason = stripego.String(p.StripeReason)
	}
	params.Context = ctx
	params.SetIdempotencyKey(p.IdempotencyKey)
	re, err := g.api.Refunds.New(params)
	if err != nil {
		return nil, g.fail(ctx, opRefund, err)
	}
	return refundResult(re), nil
}

// findRefund returns the refund of PaymentIntent pi whose metadata
// refund_id is id, or nil
// (https://docs.stripe.com/api/refunds/list).
func (g *Gateway) findRefund(ctx context.Context, pi, id string) (*stripego.Refund, error) {
	params := &stripego.RefundListParams{PaymentIntent: stripego.String(pi)}
	params.Limit = stripego.Int64(100)
	params.Context = ctx
	it := g.api.Refunds.List(params)
	for it.Next() {
		if re := it.Refund(); re.Metadata[metaRefundID] == id {
			return re, nil
		}
	}
	err := it.Err()
	if err == nil {
		return nil, nil
	}
	var se *stripego.Error
	if errors.As(err, &se) && se.HTTPStatusCode == http.StatusNotFound && se.Code == "" {
		// The server does not know the list endpoint at all (an API fake
		// without it; Stripe itself answers an unknown PaymentIntent with
		// resource_missing). Rely on the idempotency key alone.
		g.log.DebugContext(ctx, "stripe: refund list not available; relying on the idempotency key", "payment_intent", pi)
		return nil, nil
	}
	return nil, g.fail(ctx, opRefund, err)
}

// refundReasons are the values of Stripe's refund reason a refund may be
// created with (https://docs.stripe.com/api/refunds/create#create_refund-reason),
// and "" for none. The reason is sent only when the caller names it
// (payments.RefundParams.StripeReason), never chosen from the free text:
// "fraudulent" adds the card and e-mail to the account's block lists.
var refundReasons = map[string]bool{
	"":                                      true,
	string(stripego.RefundReasonDuplicate):  true,
	string(stripego.RefundReasonFraudulent): true,
	string(stripego.RefundReasonRequestedByCustomer): true,
}

// refundResult maps a Stripe refund to the library's result
// (https://docs.stripe.com/api/refunds/object#refund_object-status).
func refundResult(re *stripego.Refund) *payments.RefundResult {
	r := &payments.RefundResult{Reference: re.ID}
	switch re.Status {
	case stripego.RefundStatusSucceeded:
		r.Status = payments.RefundSucceeded
	case stripego.RefundStatusFailed, stripego.RefundStatusCanceled:
		r.Status = payments.RefundFailed
		code := string(re.FailureReason)
		if code == "" {
			code = string(re.Status)
		}
		r.Failure = &payments.Failure{Code: code, Message: "Stripe reports the refund " + string(re.Status)}
	default: // pending, requires_action
		r.Status = payments.RefundPending
	}
	return r
}
