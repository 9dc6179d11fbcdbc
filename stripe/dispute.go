package stripe

import (
	"context"
	"time"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/web"
)

var _ payments.Disputer = (*Gateway)(nil)

// opDispute names the dispute calls, for error classification.
const opDispute = "dispute"

// Dispute implements [payments.Disputer]: it reads the dispute id
// (https://docs.stripe.com/api/disputes/retrieve) with its PaymentIntent
// expanded, whose metadata names the order.
func (g *Gateway) Dispute(ctx context.Context, id string) (*payments.DisputeReport, error) {
	if id == "" {
		return nil, web.Invalid("a dispute id is required")
	}
	params := &stripego.DisputeParams{}
	params.AddExpand("payment_intent")
	params.Context = ctx
	dp, err := g.api.Disputes.Get(id, params)
	if err != nil {
		return nil, g.fail(ctx, opDispute, err)
	}
	rep := &payments.DisputeReport{Dispute: disputeOf(dp)}
	if pi := dp.PaymentIntent; pi != nil {
		rep.Reference, rep.OrderNumber = pi.ID, pi.Metadata[metaOrderNumber]
	}
	return rep, nil
}

// Disputes implements [payments.Disputer]: the disputes of the
// PaymentIntent p.Reference (https://docs.stripe.com/api/disputes/list),
// oldest first.
func (g *Gateway) Disputes(ctx context.Context, p *payments.LookupParams) ([]payments.Dispute, error) {
	if p.Reference == "" {
		return nil, nil
	}
	params := &stripego.DisputeListParams{PaymentIntent: stripego.String(p.Reference)}
	params.Limit = stripego.Int64(100)
	params.Context = ctx
	it := g.api.Disputes.List(params)
	var out []payments.Dispute
	for it.Next() {
		out = append(out, disputeOf(it.Dispute()))
	}
	if err := it.Err(); err != nil {
		return nil, g.fail(ctx, opDispute, err)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i] // Stripe lists newest first
	}
	return out, nil
}

// CloseDispute implements [payments.Disputer]: it accepts the dispute
// (https://docs.stripe.com/api/disputes/close), which Stripe then marks
// lost, with p.IdempotencyKey. The dispute must belong to p.Reference. A
// dispute closed already is reported as it is.
func (g *Gateway) CloseDispute(ctx context.Context, p *payments.CloseDisputeParams) (*payments.Dispute, error) {
	if err := checkIdempotencyKey(p.IdempotencyKey); err != nil {
		return nil, err
	}
	rep, err := g.Dispute(ctx, p.DisputeID)
	if err != nil {
		return nil, err
	}
	if p.Reference != "" && rep.Reference != p.Reference {
		return nil, web.Invalid("the dispute belongs to another payment")
	}
	if rep.Dispute.Status.Closed() {
		return &rep.Dispute, nil
	}
	params := &stripego.DisputeParams{}
	params.Context = ctx
	params.SetIdempotencyKey(p.IdempotencyKey)
	dp, err := g.api.Disputes.Close(p.DisputeID, params)
	if err != nil {
		return nil, g.fail(ctx, opDispute, err)
	}
	d := disputeOf(dp)
	return &d, nil
}

// disputeOf maps a Stripe dispute
// (https://docs.stripe.com/api/disputes/object) to the library's.
func disputeOf(dp *stripego.Dispute) payments.Dispute {
	d := payments.Dispute{
		ID: dp.ID, Amount: payments.Amount(dp.Amount), Currency: libCurrency(dp.Currency),
		Reason: string(dp.Reason), Status: payments.DisputeStatus(dp.Status),
	}
	if dp.Created != 0 {
		d.CreatedAt = time.Unix(dp.Created, 0).UTC()
	}
	if ed := dp.EvidenceDetails; ed != nil && ed.DueBy != 0 {
		d.EvidenceDueBy = time.Unix(ed.DueBy, 0).UTC()
	}
	return d
}
