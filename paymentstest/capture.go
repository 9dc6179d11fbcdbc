package paymentstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/payments-go/payments"
)

var (
	_ payments.Capturer = (*Gateway)(nil)
	_ payments.Disputer = (*Gateway)(nil)
)

// AuthorizeHold is [Gateway.Authorize] for a payment the customer
// authorised with manual capture: the charge of the returned reference is
// authorized, holding amount, until [Gateway.Capture] or [Gateway.Void].
func (g *Gateway) AuthorizeHold(gatewayOrderID string, amount payments.Amount, currency payments.Currency) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.newChargeLocked(gatewayOrderID, amount, currency, payments.MethodCard)
	c.manual = true
	c.Status, c.GatewayStatus, c.AmountCapturable = payments.StatusAuthorized, string(payments.StatusAuthorized), amount
	return c.Reference
}

// ExpireAuthorization does what a gateway does to an authorisation not
// captured in time: the charge becomes canceled, with failure code
// "automatic" (Stripe's cancellation_reason,
// https://docs.stripe.com/payments/place-a-hold-on-a-payment-method).
func (g *Gateway) ExpireAuthorization(reference string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	c, ok := g.charges[reference]
	if !ok || c.Status != payments.StatusAuthorized {
		return fmt.Errorf("paymentstest: no charge %q is authorized", reference)
	}
	c.Status, c.GatewayStatus, c.AmountCapturable = payments.StatusCanceled, string(payments.StatusCanceled), 0
	c.Failure = &payments.Failure{Code: "automatic", Message: "the authorization expired uncaptured"}
	return nil
}

// Captures returns how many times reference was captured (replays of an
// idempotency key do not count). A correct caller never sees more than 1.
func (g *Gateway) Captures(reference string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c, ok := g.charges[reference]; ok {
		return c.captures
	}
	return 0
}

// Voids returns how many times the authorisation of reference was voided
// (replays of an idempotency key do not count). A correct caller never
// sees more than 1, nor a charge both captured and voided.
func (g *Gateway) Voids(reference string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c, ok := g.charges[reference]; ok {
		return c.voids
	}
	return 0
}

// Capture implements [payments.Capturer]: an authorized charge becomes
// paid for p.Amount (at most what is capturable; more is refused with
// [payments.CodeCaptureExceedsAuthorized]) and the rest is released. A
// charge paid already is reported as it is; one in another status is
// refused with [payments.CodeInvalidState].
func (g *Gateway) Capture(ctx context.Context, p *payments.CaptureParams) (*payments.Charge, error) {
	idx, fail, err := g.begin(ctx, Call{Op: "capture", IdempotencyKey: p.IdempotencyKey, Reference: p.Reference, GatewayOrderID: p.GatewayOrderID, Amount: p.Amount})
	if err != nil {
		return nil, err
	}
	ch, _, err := g.idempotent(ctx, idx, "capture", p.IdempotencyKey, func() (*payments.Charge, *payments.RefundResult, error) {
		g.mu.Lock()
		defer g.mu.Unlock()
		c, ok := g.charges[p.Reference]
		if !ok {
			return nil, nil, errNotFound(p.Reference)
		}
		switch {
		case c.Status.Paid():
			out := c.Charge
			return &out, nil, nil
		case c.Status != payments.StatusAuthorized:
			return nil, nil, &payments.Error{Code: payments.CodeInvalidState, GatewayCode: "unexpected_state", Message: "the charge is " + string(c.Status)}
		case p.Amount <= 0 || p.Amount > c.AmountCapturable:
			return nil, nil, &payments.Error{Code: payments.CodeCaptureExceedsAuthorized, GatewayCode: "amount_too_large",
				Message: "the capture exceeds the amount capturable"}
		}
		c.Status, c.GatewayStatus, c.PaidAt = payments.StatusPaid, string(payments.StatusPaid), g.now()
		c.Amount, c.AmountCapturable = p.Amount, 0
		c.captures++
		c.confirmed++
		out := c.Charge
		return &out, nil, nil
	})
	if fail != nil {
		return nil, &payments.Error{Code: fail.code, Message: "scripted lost response"}
	}
	return ch, err
}

// Void implements [payments.Capturer]: an authorized charge becomes
// canceled; any other is reported as it is.
func (g *Gateway) Void(ctx context.Context, p *payments.CancelParams) (*payments.Charge, error) {
	idx, fail, err := g.begin(ctx, Call{Op: "void", IdempotencyKey: p.IdempotencyKey, Reference: p.Reference, GatewayOrderID: p.GatewayOrderID})
	if err != nil {
		return nil, err
	}
	ch, _, err := g.idempotent(ctx, idx, "void", p.IdempotencyKey, func() (*payments.Charge, *payments.RefundResult, error) {
		g.mu.Lock()
		defer g.mu.Unlock()
		c, ok := g.charges[p.Reference]
		if !ok {
			return nil, nil, errNotFound(p.Reference)
		}
		if c.Status == payments.StatusAuthorized {
			c.Status, c.GatewayStatus, c.AmountCapturable = payments.StatusCanceled, string(payments.StatusCanceled), 0
			c.Failure = &payments.Failure{Code: "requested_by_customer", Message: "the authorization was voided"}
			c.voids++
		}
		out := c.Charge
		return &out, nil, nil
	})
	if fail != nil {
		return nil, &payments.Error{Code: fail.code, Message: "scripted lost response"}
	}
	return ch, err
}

// dispute is a dispute the test opened on a charge.
type dispute struct {
	payments.Dispute
	reference string
}

// OpenDispute opens a dispute of amount on the paid charge reference, as
// a customer's bank would, in status (such as
// [payments.DisputeNeedsResponse], or [payments.DisputeWarningNeedsResponse]
// for an inquiry), and returns its id, which a notification names in
// [payments.Notification].Dispute. Refunds are not refused by the fake on
// account of a dispute: holding the money back is the Service's job.
func (g *Gateway) OpenDispute(reference string, amount payments.Amount, status payments.DisputeStatus) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c, ok := g.charges[reference]
	if !ok || !c.Status.Paid() {
		return "", fmt.Errorf("paymentstest: no charge %q is paid", reference)
	}
	if g.disputes == nil {
		g.disputes = make(map[string]*dispute)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	now := g.now()
	d := &dispute{reference: reference, Dispute: payments.Dispute{ID: "fake_dp_" + hex.EncodeToString(b), Amount: amount,
		Currency: c.Currency, Reason: "fraudulent", Status: status, EvidenceDueBy: now.Add(7 * 24 * time.Hour),
		CreatedAt: now, UpdatedAt: now}}
	g.disputes[d.ID] = d
	return d.ID, nil
}

// SetDisputeStatus moves dispute id to status, as the bank's review would
// (under_review, won, lost …).
func (g *Gateway) SetDisputeStatus(id string, status payments.DisputeStatus) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	d, ok := g.disputes[id]
	if !ok {
		return fmt.Errorf("paymentstest: no dispute %q", id)
	}
	d.Status, d.UpdatedAt = status, g.now()
	return nil
}

// Dispute implements [payments.Disputer].
func (g *Gateway) Dispute(ctx context.Context, id string) (*payments.DisputeReport, error) {
	if _, _, err := g.begin(ctx, Call{Op: "dispute", Reference: id}); err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	d, ok := g.disputes[id]
	if !ok {
		return nil, &payments.Error{Code: payments.CodePaymentNotFound, GatewayCode: "resource_missing", Message: fmt.Sprintf("no such dispute: %q", id)}
	}
	rep := &payments.DisputeReport{Dispute: d.Dispute, Reference: d.reference}
	if c := g.charges[d.reference]; c != nil {
		rep.OrderNumber = c.order
	}
	return rep, nil
}

// Disputes implements [payments.Disputer]: the disputes of the charge
// p.Reference (or of p.GatewayOrderID's), oldest first.
func (g *Gateway) Disputes(ctx context.Context, p *payments.LookupParams) ([]payments.Dispute, error) {
	if _, _, err := g.begin(ctx, Call{Op: "disputes", Reference: p.Reference, GatewayOrderID: p.GatewayOrderID}); err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	ref := p.Reference
	if ref == "" {
		ref = g.byOrderID[p.GatewayOrderID]
	}
	if _, ok := g.charges[ref]; !ok {
		return nil, errNotFound(ref)
	}
	var out []payments.Dispute
	for _, d := range g.disputes {
		if d.reference == ref {
			out = append(out, d.Dispute)
		}
	}
	sortDisputes(out)
	return out, nil
}

// CloseDispute implements [payments.Disputer]: an open dispute is lost.
func (g *Gateway) CloseDispute(ctx context.Context, p *payments.CloseDisputeParams) (*payments.Dispute, error) {
	if _, _, err := g.begin(ctx, Call{Op: "close-dispute", IdempotencyKey: p.IdempotencyKey, Reference: p.DisputeID}); err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	d, ok := g.disputes[p.DisputeID]
	if !ok || (p.Reference != "" && d.reference != p.Reference) {
		return nil, &payments.Error{Code: payments.CodePaymentNotFound, GatewayCode: "resource_missing", Message: fmt.Sprintf("no such dispute: %q", p.DisputeID)}
	}
	if !d.Status.Closed() {
		d.Status, d.UpdatedAt = payments.DisputeLost, g.now()
	}
	out := d.Dispute
	return &out, nil
}

func sortDisputes(ds []payments.Dispute) {
	slices.SortFunc(ds, func(a, b payments.Dispute) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}
