package payments

import (
	"context"
	"fmt"
	"time"
)

// DisputeStatus is a dispute's status as its gateway reports it. For
// Stripe: warning_needs_response, warning_under_review and warning_closed
// for an inquiry, needs_response, under_review, won and lost for a
// chargeback (https://docs.stripe.com/disputes/how-disputes-work).
type DisputeStatus string

// Stripe's dispute statuses (https://docs.stripe.com/api/disputes/object#dispute_object-status).
const (
	DisputeWarningNeedsResponse DisputeStatus = "warning_needs_response"
	DisputeWarningUnderReview   DisputeStatus = "warning_under_review"
	DisputeWarningClosed        DisputeStatus = "warning_closed"
	DisputeNeedsResponse        DisputeStatus = "needs_response"
	DisputeUnderReview          DisputeStatus = "under_review"
	DisputeWon                  DisputeStatus = "won"
	DisputeLost                 DisputeStatus = "lost"
)

// Closed reports whether the dispute is over: won, lost, or an inquiry
// closed.
func (s DisputeStatus) Closed() bool {
	return s == DisputeWon || s == DisputeLost || s == DisputeWarningClosed
}

// Holds reports whether a dispute in status s holds its amount back from
// refunds: while it is open, and once it is lost. An inquiry
// (warning_needs_response, warning_under_review) counts as open: Stripe
// may still turn it into a chargeback, and a refund on top of a lost
// chargeback pays the customer twice. A won dispute and a closed inquiry
// hold nothing.
func (s DisputeStatus) Holds() bool {
	return s != DisputeWon && s != DisputeWarningClosed
}

// Dispute is a customer's dispute (chargeback or inquiry) of a paid
// payment, as its gateway reports it
// (https://docs.stripe.com/api/disputes/object).
type Dispute struct {
	// ID is the gateway's id ("dp_…").
	ID string
	// Amount is the disputed amount; it may be less than the payment's.
	Amount   Amount
	Currency Currency
	// Reason is the gateway's ("fraudulent", "product_not_received", …).
	Reason string
	Status DisputeStatus
	// EvidenceDueBy is when evidence must reach the gateway; zero when
	// no response is possible.
	EvidenceDueBy time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Dispute returns the dispute with the given id, or nil.
func (p *Payment) Dispute(id string) *Dispute {
	for i := range p.Disputes {
		if p.Disputes[i].ID == id {
			return &p.Disputes[i]
		}
	}
	return nil
}

// Disputed returns the amount that disputes hold back from refunds: the
// sum over disputes that are open or lost ([DisputeStatus.Holds]).
func (p *Payment) Disputed() Amount {
	var held Amount
	for _, d := range p.Disputes {
		if d.Status.Holds() {
			held += d.Amount
		}
	}
	return held
}

// openDispute reports whether a dispute of p is not closed yet.
func (p *Payment) openDispute() bool {
	for _, d := range p.Disputes {
		if !d.Status.Closed() {
			return true
		}
	}
	return false
}

// Disputer is implemented by gateways that report disputes (Stripe,
// https://docs.stripe.com/disputes). [Service.HandleNotification] reads a
// dispute named by a webhook through it, [Service.Refresh] and
// [Service.Reconcile] re-read a payment's disputes, and
// [Service.CloseDispute] accepts one.
type Disputer interface {
	// Dispute reads the dispute id and names the payment it belongs to.
	// For an unknown id it returns an error for which [Code] reports
	// [CodePaymentNotFound].
	Dispute(ctx context.Context, id string) (*DisputeReport, error)
	// Disputes lists the disputes of an attempt at the gateway.
	Disputes(ctx context.Context, p *LookupParams) ([]Dispute, error)
	// CloseDispute accepts the dispute p.DisputeID: the merchant concedes
	// it, and it is lost. It reports the dispute afterwards.
	CloseDispute(ctx context.Context, p *CloseDisputeParams) (*Dispute, error)
}

// DisputeReport is a dispute as [Disputer.Dispute] reads it, with the
// payment it concerns.
type DisputeReport struct {
	Dispute Dispute
	// OrderNumber is the order the gateway has on record for the
	// disputed payment (Stripe: the PaymentIntent's metadata), if any.
	OrderNumber string
	// Reference is the disputed attempt's reference (the Stripe
	// PaymentIntent id).
	Reference string
}

// CloseDisputeParams asks a gateway to accept a dispute.
type CloseDisputeParams struct {
	// IdempotencyKey is derived by the Service from the order, the
	// attempt and the dispute.
	IdempotencyKey string
	OrderNumber    string
	Reference      string
	DisputeID      string
}

// mergeDisputes folds the gateway's view of disputes into p and reports
// whether anything changed. A closed dispute stays closed: a reading
// older than the one stored (an open status after a closed one) is not
// applied.
func (s *Service) mergeDisputes(p *Payment, ds []Dispute) bool {
	changed := false
	now := s.now()
	for _, d := range ds {
		if d.ID == "" {
			continue
		}
		cur := p.Dispute(d.ID)
		if cur == nil {
			d.UpdatedAt = now
			if d.CreatedAt.IsZero() {
				d.CreatedAt = now
			}
			p.Disputes = append(p.Disputes, d)
			changed = true
			continue
		}
		if cur.Status.Closed() && !d.Status.Closed() {
			continue
		}
		if cur.Status == d.Status && cur.Amount == d.Amount && cur.Reason == d.Reason && cur.EvidenceDueBy.Equal(d.EvidenceDueBy) {
			continue
		}
		created := cur.CreatedAt
		*cur = d
		cur.CreatedAt, cur.UpdatedAt = created, now
		changed = true
	}
	return changed
}

// recordDisputes stores what the gateway reports of p's disputes, with
// their events, through the one compare-and-set.
func (s *Service) recordDisputes(ctx context.Context, p *Payment, ds []Dispute) (*Payment, error) {
	return s.update(ctx, p, func(p *Payment) error {
		if !s.mergeDisputes(p, ds) {
			return errNoChange
		}
		return nil
	})
}

// refreshDisputes re-reads the disputes of p's paid attempt from its
// gateway, when the gateway reports disputes, and records them.
func (s *Service) refreshDisputes(ctx context.Context, p *Payment) (*Payment, error) {
	a := p.PaidAttempt()
	if a == nil {
		return p, nil
	}
	d, ok := s.gateways[a.Gateway].(Disputer)
	if !ok || a.Reference == "" {
		return p, nil
	}
	ds, err := traced(s, ctx, a.Gateway, "disputes", p, a.Number, func(ctx context.Context) ([]Dispute, error) {
		return d.Disputes(ctx, lookupParams(p, a))
	})
	if err != nil {
		return p, err
	}
	return s.recordDisputes(ctx, p, ds)
}

// handleDispute applies a notification that names a dispute: the dispute
// is read from the gateway (the webhook's body is never trusted), its
// payment found by the order and reference the gateway reports, and the
// dispute recorded.
func (s *Service) handleDispute(ctx context.Context, nt Notification) (*Payment, error) {
	d, ok := s.gateways[nt.Gateway].(Disputer)
	if !ok {
		return nil, errorf(CodeInvalidRequest, fmt.Sprintf("gateway %q does not report disputes", nt.Gateway))
	}
	if nt.EventID != "" {
		seen, err := s.store.WebhookSeen(ctx, nt.Gateway, nt.EventID)
		if err != nil {
			return nil, err
		}
		if seen && nt.OrderNumber != "" {
			return s.Payment(ctx, nt.OrderNumber)
		}
		if seen {
			return nil, nil
		}
	}
	rep, err := traced(s, ctx, nt.Gateway, "dispute", &Payment{OrderNumber: nt.OrderNumber}, 0, func(ctx context.Context) (*DisputeReport, error) {
		return d.Dispute(ctx, nt.Dispute)
	})
	if err != nil {
		return nil, err
	}
	order := rep.OrderNumber
	if order == "" {
		order = nt.OrderNumber
	}
	if order == "" {
		return nil, errorf(CodePaymentNotFound, "the disputed payment names no order")
	}
	p, err := s.Payment(ctx, order)
	if err != nil {
		return nil, err
	}
	found := false
	for _, a := range p.Attempts {
		if a.Gateway == nt.Gateway && a.Reference != "" && a.Reference == rep.Reference {
			found = true
		}
	}
	if !found {
		return nil, errorf(CodePaymentNotFound, "no attempt of the order has the disputed payment")
	}
	p, err = s.recordDisputes(ctx, p, []Dispute{rep.Dispute})
	if err != nil {
		return p, err
	}
	if nt.EventID != "" {
		if _, err := s.store.RecordWebhook(ctx, nt.Gateway, nt.EventID, s.now()); err != nil {
			return p, err
		}
	}
	return p, nil
}

// CloseDispute accepts the dispute disputeID of the order's payment at
// its gateway (Stripe: https://docs.stripe.com/api/disputes/close): the
// merchant concedes, and the dispute is lost, irreversibly. The gateway
// call carries a key derived from the order, the attempt and the
// dispute. A dispute closed already is returned as it is; an unknown one
// answers [ErrInvalidRequest].
func (s *Service) CloseDispute(ctx context.Context, orderNumber, disputeID string) (*Payment, error) {
	if disputeID == "" {
		return nil, errorf(CodeInvalidRequest, "dispute_id is required")
	}
	p, err := s.Payment(ctx, orderNumber)
	if err != nil {
		return nil, err
	}
	cur := p.Dispute(disputeID)
	if cur == nil {
		return nil, errorf(CodeInvalidRequest, "the payment has no dispute with that id")
	}
	if cur.Status.Closed() {
		return p, nil
	}
	a := p.PaidAttempt()
	if a == nil {
		return nil, errorf(CodeInvalidState, "the payment is not paid")
	}
	d, ok := s.gateways[a.Gateway].(Disputer)
	if !ok {
		return nil, errorf(CodeInvalidState, fmt.Sprintf("gateway %q does not report disputes", a.Gateway))
	}
	got, err := traced(s, ctx, a.Gateway, "close_dispute", p, a.Number, func(ctx context.Context) (*Dispute, error) {
		return d.CloseDispute(ctx, &CloseDisputeParams{
			IdempotencyKey: s.key("dispute-close", p.OrderNumber, a.Number, disputeID),
			OrderNumber:    p.OrderNumber,
			Reference:      a.Reference,
			DisputeID:      disputeID,
		})
	})
	if err != nil {
		return nil, err
	}
	return s.recordDisputes(ctx, p, []Dispute{*got})
}
