package payments

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// CancelRequest asks to cancel a payment that is not paid.
type CancelRequest struct {
	OrderNumber string
	// Reason is required (at most 200 characters) and kept at the
	// gateway where it takes one.
	Reason string
}

// Cancel makes an unpaid payment unpayable: the latest attempt, if the
// customer can still pay it (a virtual account waiting for its deposit,
// an open Stripe session or PaymentIntent), is canceled at its gateway
// and recorded canceled. A paid payment answers [ErrInvalidState] (refund
// it instead), as does an attempt the gateway cannot cancel; a payment
// already ended is returned as it is. Repeating the request is safe: the
// gateway call carries a key derived from the order and the attempt.
func (s *Service) Cancel(ctx context.Context, req CancelRequest) (*Payment, error) {
	reason := strings.TrimSpace(req.Reason)
	switch {
	case reason == "":
		return nil, errorf(CodeInvalidRequest, "reason is required")
	case utf8.RuneCountInString(reason) > 200:
		return nil, errorf(CodeInvalidRequest, "reason is longer than 200 characters")
	}
	p, err := s.Payment(ctx, req.OrderNumber)
	if err != nil {
		return nil, err
	}
	return s.cancel(ctx, p, reason)
}

// cancel is [Service.Cancel] of p, as read from the store.
func (s *Service) cancel(ctx context.Context, p *Payment, reason string) (*Payment, error) {
	if p.PaidAttempt() != nil {
		return nil, errorf(CodeInvalidState, "the payment is paid: refund it instead")
	}
	a := p.Latest()
	if a == nil || a.Status.Final() {
		return p, nil
	}
	if a.Status == StatusAuthorized {
		return s.Void(ctx, p.OrderNumber, reason)
	}
	c, ok := s.gateways[a.Gateway].(Canceler)
	if !ok || (a.Reference == "" && a.Session == "") {
		return nil, errorf(CodeInvalidState, fmt.Sprintf("a %s attempt with %s cannot be canceled", a.Status, a.Gateway))
	}
	n := a.Number
	ch, err := traced(s, ctx, a.Gateway, "cancel", p, n, func(ctx context.Context) (*Charge, error) {
		return c.Cancel(ctx, s.cancelParams(p, a, reason))
	})
	if err != nil {
		return nil, err
	}
	p, err = s.recordCharge(ctx, p, n, ch)
	if err != nil {
		return p, err
	}
	switch a := p.Attempt(n); {
	case a.Status.Paid():
		return p, errorf(CodeInvalidState, "the payment was paid meanwhile: refund it instead")
	case !a.Status.Final():
		return p, errorf(CodeInvalidState, fmt.Sprintf("the gateway did not cancel the attempt (%s)", a.Status))
	}
	return p, nil
}

// cancelParams names attempt a of p for a [Canceler], with the key that
// every cancel of that attempt repeats.
func (s *Service) cancelParams(p *Payment, a *Attempt, reason string) *CancelParams {
	return &CancelParams{
		IdempotencyKey: s.key("cancel", p.OrderNumber, a.Number, ""),
		OrderNumber:    p.OrderNumber,
		GatewayOrderID: a.GatewayOrderID,
		Reference:      a.Reference,
		Session:        a.Session,
		Reason:         reason,
	}
}
