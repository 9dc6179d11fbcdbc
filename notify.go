package payments

import (
	"context"
	"crypto/subtle"
)

// Notification is a gateway's report that something changed, from a
// webhook. The service never trusts it: it re-reads the attempt from the
// gateway and applies what the gateway says.
type Notification struct {
	Gateway string
	// EventID deduplicates deliveries; empty for none.
	EventID        string
	OrderNumber    string
	GatewayOrderID string
	Reference      string
	Session        string
	// DepositSecret, when set (a Toss deposit callback), must equal the
	// secret the gateway gave when the virtual account was issued,
	// compared in constant time, or the notification is refused with
	// [ErrInvalidSignature] and nothing changes.
	DepositSecret Secret
	// Dispute, when set, names a dispute the gateway reported (a Stripe
	// charge.dispute.* event): it is read from the gateway ([Disputer])
	// and recorded on the payment it names, which OrderNumber need not
	// give.
	Dispute string
}

// HandleNotification applies a gateway notification and returns the
// payment it concerns, or an error. The attempt is found by Reference or
// Session where given, else by GatewayOrderID or OrderNumber, and re-read
// from its gateway; pending refunds of the payment are sent again. A
// notification whose EventID was processed before is not applied again:
// the payment is returned as it is, without a gateway call.
//
// For a payment this service does not know it returns an error for which
// [Code] reports [CodePaymentNotFound] or [CodeOrderNotFound]; handlers
// answer those with 200, so that the gateway stops delivering them. An
// event is recorded as processed only once it was applied, so one whose
// processing failed is processed again when the gateway delivers it
// again.
func (s *Service) HandleNotification(ctx context.Context, nt Notification) (*Payment, error) {
	if nt.Dispute != "" {
		return s.handleDispute(ctx, nt)
	}
	p, n, err := s.resolve(ctx, nt.OrderNumber, nt.GatewayOrderID, "")
	if err != nil {
		return nil, err
	}
	if nt.Reference != "" || nt.Session != "" {
		n = 0
		for i := range p.Attempts {
			a := &p.Attempts[i]
			if a.Gateway == nt.Gateway && ((nt.Reference != "" && a.Reference == nt.Reference) || (nt.Session != "" && a.Session == nt.Session)) {
				n = a.Number
			}
		}
		if n == 0 {
			return nil, errorf(CodePaymentNotFound, "no attempt has that gateway reference")
		}
	}
	a := p.Attempt(n)
	if a.Gateway != nt.Gateway {
		return nil, errorf(CodePaymentNotFound, "the attempt belongs to another gateway")
	}
	if !nt.DepositSecret.IsZero() {
		if a.DepositSecret.IsZero() || subtle.ConstantTimeCompare([]byte(a.DepositSecret.Reveal()), []byte(nt.DepositSecret.Reveal())) != 1 {
			return nil, errorf(CodeInvalidSignature, "the deposit secret does not match")
		}
	}
	if nt.EventID != "" {
		seen, err := s.store.WebhookSeen(ctx, nt.Gateway, nt.EventID)
		if err != nil {
			return nil, err
		}
		if seen {
			return p, nil
		}
	}
	p, err = s.refreshAttempt(ctx, p, n)
	if err != nil {
		return p, err
	}
	// A notification may report a refund left pending (a refund that
	// settles later at the gateway, or one whose answer was lost): settle
	// it now, with its id as idempotency key, rather than at the next
	// reconciliation, which still covers any failure here.
	for _, id := range pendingRefunds(p) {
		np, _, err := s.driveRefund(ctx, p, id)
		if np != nil {
			p = np
		}
		if r := p.Refund(id); err != nil && r != nil && r.Status == RefundPending {
			s.log.WarnContext(ctx, "payments: pending refund not settled by the notification; left for reconciliation",
				"order", p.OrderNumber, "refund", id, "code", Code(err))
		}
	}
	if nt.EventID != "" {
		if _, err := s.store.RecordWebhook(ctx, nt.Gateway, nt.EventID, s.now()); err != nil {
			return p, err
		}
	}
	return p, nil
}
