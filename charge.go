package payments

import (
	"context"
	"errors"
	"fmt"
)

// ChargeRequest charges an order with a saved payment method.
type ChargeRequest struct {
	OrderNumber string
	// MethodID is the saved [PaymentMethod]'s id.
	MethodID string
	// ReturnURL, where given, is where a customer who must authenticate
	// the charge returns afterwards (Stripe 3-D Secure).
	ReturnURL string
}

// Charge charges the order's amount with a saved method while the
// customer is away, at most once per order: of any number of concurrent
// or repeated charges of one order, on any number of replicas and across
// restarts, one calls the gateway. The attempt is stored in processing
// before the gateway call, and the gateway call carries an idempotency
// key derived from the order, the attempt and the method, so a crash
// between the gateway's charge and the write that records it leaves a
// processing attempt that [Service.Reconcile] settles (re-reading the
// charge by its order id, or repeating the call with the same key).
//
// A paid order is returned as it is, without a gateway call; so is one
// whose charge requires the customer's action ([StatusRequiresAction],
// with the page in the attempt's RedirectURL). After a declined charge, a
// new call charges again, as a new attempt. An order the method's gateway
// cannot charge ([OrderChecker]: a currency Toss refuses, an amount
// Stripe cannot express) is refused with [CodeInvalidRequest] before
// anything is stored. The errors are those of [Service.Confirm], and
// [ErrMethodNotFound] or [ErrMethodNotActive] for the method.
func (s *Service) Charge(ctx context.Context, req ChargeRequest) (*Payment, error) {
	m, err := s.Method(ctx, req.MethodID)
	if err != nil {
		return nil, err
	}
	order, err := s.Order(ctx, req.OrderNumber)
	if err != nil {
		return nil, err
	}
	gw, ok := s.gateways[m.Gateway]
	if !ok {
		return nil, errorf(CodeInvalidState, fmt.Sprintf("gateway %q is not configured", m.Gateway))
	}
	charger, ok := gw.(MethodCharger)
	if !ok {
		return nil, errorf(CodeInvalidState, fmt.Sprintf("gateway %q does not charge saved methods", m.Gateway))
	}
	// An order the gateway would refuse changes nothing: no attempt is
	// stored, no gateway call made.
	if err := checkOrder(gw, order); err != nil {
		return nil, err
	}
	canceled := 0
	for {
		var n int
		claimed := false
		p, err := s.upsert(ctx, order, func(p *Payment) error {
			claimed, n = false, 0
			if paid := p.PaidAttempt(); paid != nil {
				n = paid.Number
				return errNoChange
			}
			if a := p.Latest(); a != nil {
				if a.SavedMethod != "" && (a.Status == StatusProcessing || a.Status == StatusRequiresAction) {
					n = a.Number
					return errNoChange
				}
				if err := startable(p); err != nil {
					return err
				}
				if a.Number != canceled && s.cancelable(a) {
					return errSupersede
				}
			}
			if m.Status != MethodActive {
				return errorf(CodeMethodNotActive, "the payment method was removed")
			}
			a := s.newAttempt(p, m.Gateway, m.Type)
			a.SavedMethod = m.ID
			s.setStatus(p, a, StatusProcessing)
			n, claimed = a.Number, true
			return nil
		})
		if errors.Is(err, errSupersede) {
			canceled = p.Latest().Number
			if err := s.supersede(ctx, p, p.Latest()); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if !claimed {
			if p.Attempt(n).Status == StatusProcessing {
				return s.awaitConfirm(ctx, p, n)
			}
			return p, outcome(p, n)
		}
		return s.chargeAt(ctx, charger, p, n, m, order, req.ReturnURL)
	}
}

// chargeKey is the idempotency key of every charge of attempt a of p with
// the saved method a.SavedMethod, by [Service.Charge] and
// [Service.Reconcile] alike.
func (s *Service) chargeKey(p *Payment, a *Attempt) string {
	return s.key("charge", p.OrderNumber, a.Number, a.SavedMethod)
}

// chargeAt calls the gateway for attempt n of p, stored processing, and
// records the outcome.
func (s *Service) chargeAt(ctx context.Context, charger MethodCharger, p *Payment, n int, m *PaymentMethod, order Order, returnURL string) (*Payment, error) {
	a := p.Attempt(n)
	ch, gerr := traced(s, ctx, a.Gateway, "charge", p, n, func(ctx context.Context) (*Charge, error) {
		return charger.ChargeMethod(ctx, &MethodChargeParams{
			IdempotencyKey: s.chargeKey(p, a),
			Order:          order,
			GatewayOrderID: a.GatewayOrderID,
			Method:         m,
			ReturnURL:      returnURL,
		})
	})
	return s.settleGatewayCall(ctx, p, n, ch, gerr)
}

// recharge settles attempt n of p, a charge of a saved method left
// processing: it reads the charge from the gateway by its order id and
// records it when the gateway knows it; otherwise it repeats the charge
// with the same idempotency key, which the gateway answers with the first
// call's result if that call reached it.
func (s *Service) recharge(ctx context.Context, p *Payment, n int) (*Payment, error) {
	a := p.Attempt(n)
	gw, err := s.gatewayOf(a)
	if err != nil {
		return p, err
	}
	np, done, err := s.settledAtGateway(ctx, gw, p, n)
	if done {
		return np, err
	}
	if err != nil && Code(err) != CodePaymentNotFound {
		return p, err
	}
	charger, ok := gw.(MethodCharger)
	if !ok {
		return p, errorf(CodeInvalidState, fmt.Sprintf("gateway %q does not charge saved methods", a.Gateway))
	}
	ms, err := s.methodStore()
	if err != nil {
		return p, err
	}
	m, err := ms.GetMethod(ctx, a.SavedMethod)
	if err != nil {
		return p, err
	}
	order, err := s.orders.Order(ctx, p.OrderNumber)
	if err != nil {
		return p, err
	}
	np, err = s.chargeAt(ctx, charger, p, n, m, order, "")
	if Code(err) == CodePaymentDeclined {
		err = nil
	}
	return np, err
}
