package payments

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// RefundRequest asks for money back.
type RefundRequest struct {
	OrderNumber string
	// Amount to refund; zero means the whole refundable balance.
	Amount Amount
	// Reason is required (at most 200 characters) and kept with the
	// refund and at the gateway.
	Reason string
	// IdempotencyKey, if set, makes the request repeatable: the same key
	// with the same amount, reason and account returns the first refund;
	// with different ones, [ErrIdempotencyKeyReused].
	IdempotencyKey string
	// ReceiveAccount is where a deposited Toss virtual-account payment is
	// refunded.
	ReceiveAccount *BankAccount
	// StripeReason, if set, is Stripe's refund reason: "duplicate",
	// "fraudulent" or "requested_by_customer"
	// (https://docs.stripe.com/api/refunds/create#create_refund-reason).
	// It is never derived from Reason, because "fraudulent" adds the card
	// and e-mail to Stripe's block lists. It is refused for a payment made
	// through another gateway.
	StripeReason string
	// Gateway, if set, limits the request to payments made through that
	// gateway ("toss", "stripe"): a payment paid through another one
	// answers [ErrInvalidState], and nothing changes.
	Gateway string
	// CancelUnpaid makes a request for a payment that is not paid yet,
	// whose latest attempt is a virtual account waiting for its deposit,
	// cancel that account (as [Service.Cancel] does) instead of answering
	// [ErrInvalidState]; Amount must then be zero or the whole amount, and
	// Refund returns the payment with a nil *Refund. This is Toss's
	// cancel, which covers both (https://docs.tosspayments.com/reference#결제-취소).
	CancelUnpaid bool
}

// stripeReasons are the values [RefundRequest.StripeReason] takes.
var stripeReasons = map[string]bool{"duplicate": true, "fraudulent": true, "requested_by_customer": true}

// Refund returns money from a paid payment. The refund is stored as
// pending, holding its amount against the balance, before the gateway is
// called, with its id as the gateway's idempotency key; so concurrent
// refunds never exceed the refundable balance, and a crash or timeout
// leaves a pending refund that [Service.Reconcile] completes exactly once.
// A refund above the refundable balance returns [ErrRefundExceedsBalance]
// and changes nothing.
func (s *Service) Refund(ctx context.Context, req RefundRequest) (*Payment, *Refund, error) {
	reason := strings.TrimSpace(req.Reason)
	switch {
	case req.Amount < 0:
		return nil, nil, errorf(CodeInvalidRequest, "amount must be positive")
	case reason == "":
		return nil, nil, errorf(CodeInvalidRequest, "reason is required")
	case utf8.RuneCountInString(reason) > 200:
		return nil, nil, errorf(CodeInvalidRequest, "reason is longer than 200 characters")
	case len(req.IdempotencyKey) > 255:
		return nil, nil, errorf(CodeInvalidRequest, "idempotency key is longer than 255 characters")
	case req.StripeReason != "" && !stripeReasons[req.StripeReason]:
		return nil, nil, errorf(CodeInvalidRequest, "stripe_reason must be duplicate, fraudulent or requested_by_customer")
	}
	p, err := s.Payment(ctx, req.OrderNumber)
	if err != nil {
		return nil, nil, err
	}
	paid := p.PaidAttempt()
	if req.Gateway != "" && paid != nil && paid.Gateway != req.Gateway {
		return nil, nil, errorf(CodeInvalidState, "the payment was made through "+paid.Gateway+", not "+req.Gateway)
	}
	if a := refundedAttempt(p); req.StripeReason != "" && a != nil && a.Gateway != "stripe" {
		return nil, nil, errorf(CodeInvalidRequest, "stripe_reason applies to Stripe payments; this payment was made through "+a.Gateway)
	}
	if a := p.Latest(); req.CancelUnpaid && paid == nil && a != nil && a.Status == StatusWaitingForDeposit &&
		(req.Gateway == "" || a.Gateway == req.Gateway) {
		if req.Amount != 0 && req.Amount != p.Amount {
			return nil, nil, errorf(CodeInvalidRequest, "a virtual account waiting for its deposit is canceled in full: omit amount")
		}
		p, err := s.cancel(ctx, p, reason)
		return p, nil, err
	}
	id := "rf_" + randomHex(12)
	if req.IdempotencyKey != "" {
		id = s.refundID(req.OrderNumber, req.IdempotencyKey)
	}
	fingerprint := refundFingerprint(req.Amount, reason, req.ReceiveAccount)
	if req.StripeReason != "" {
		fingerprint = hash(fingerprint, req.StripeReason)[:16]
	}
	p, err = s.update(ctx, p, func(p *Payment) error {
		if r := p.Refund(id); r != nil {
			if r.RequestHash != fingerprint {
				return errorf(CodeIdempotencyKeyReused, "the idempotency key was used with another request")
			}
			return errNoChange
		}
		paid := p.PaidAttempt()
		if paid == nil {
			return errorf(CodeInvalidState, "the payment is not paid ("+string(p.Status)+")")
		}
		left := p.Refundable()
		amount := req.Amount
		if amount == 0 {
			amount = left
		}
		if whole := p.refundableIgnoringDisputes(); (amount == 0 || amount > left) && whole > left && amount <= whole {
			// The money is there, but a dispute holds it: a refund on
			// top of a lost chargeback would pay the customer twice.
			return errorf(CodePaymentDisputed, fmt.Sprintf("an open or lost dispute holds %s: the refundable balance is %s",
				p.Currency.Format(p.Disputed()), p.Currency.Format(left)))
		}
		if amount == 0 || amount > left {
			return errorf(CodeRefundExceedsBalance, fmt.Sprintf("refund of %s exceeds the refundable balance of %s",
				p.Currency.Format(amount), p.Currency.Format(left)))
		}
		now := s.now()
		p.Refunds = append(p.Refunds, Refund{
			ID: id, Amount: amount, Reason: reason, Status: RefundPending, Attempt: paid.Number,
			ReceiveAccount: cloneBank(req.ReceiveAccount), RequestHash: fingerprint, StripeReason: req.StripeReason, CreatedAt: now, UpdatedAt: now,
		})
		return nil
	})
	if err != nil {
		return p, nil, err
	}
	return s.driveRefund(ctx, p, id)
}

// driveRefund sends refund id of p, the payment as stored, to the gateway
// if it is pending, and records the answer. A refund no longer pending is
// reported as it is.
func (s *Service) driveRefund(ctx context.Context, p *Payment, id string) (*Payment, *Refund, error) {
	r := p.Refund(id)
	if r.Status != RefundPending {
		var err error
		if r.Status == RefundFailed {
			err = refundError(r)
		}
		return p, copyRefund(r), err
	}
	a := p.Attempt(r.Attempt)
	gw, err := s.gatewayOf(a)
	if err != nil {
		return p, nil, err
	}
	res, gerr := traced(s, ctx, a.Gateway, "refund", p, a.Number, func(ctx context.Context) (*RefundResult, error) {
		return gw.Refund(ctx, &RefundParams{
			IdempotencyKey: r.ID,
			OrderNumber:    p.OrderNumber,
			GatewayOrderID: a.GatewayOrderID,
			Reference:      a.Reference,
			Amount:         r.Amount,
			Currency:       p.Currency,
			Full:           r.Amount == p.Amount-p.RefundedAmount,
			Reason:         r.Reason,
			StripeReason:   r.StripeReason,
			ReceiveAccount: cloneBank(r.ReceiveAccount),
			// A refund the gateway accepted and left pending is read back,
			// not sent again.
			GatewayReference: r.GatewayReference,
		})
	})
	if gerr != nil && !definitive(gerr) {
		s.log.WarnContext(ctx, "payments: refund outcome unknown; left pending for reconciliation",
			"order", p.OrderNumber, "refund", id, "code", Code(gerr))
		return p, copyRefund(r), gerr
	}
	p, err = s.update(ctx, p, func(p *Payment) error {
		r := p.Refund(id)
		if r.Status != RefundPending {
			return errNoChange
		}
		r.UpdatedAt = s.now()
		switch {
		case gerr != nil:
			r.Status = RefundFailed
			r.Failure = failureOf(gerr, "the gateway refused the request")
		case res.Status == RefundFailed:
			r.Status, r.Failure, r.GatewayReference = RefundFailed, cloneFailure(res.Failure), res.Reference
		case res.Status == RefundPending:
			r.GatewayReference = res.Reference
		default:
			r.Status, r.GatewayReference = RefundSucceeded, res.Reference
			p.RefundedAmount += r.Amount
			next := StatusPartiallyRefunded
			if p.RefundedAmount >= p.Amount {
				next = StatusRefunded
			}
			s.setStatus(p, p.Attempt(r.Attempt), next)
		}
		return nil
	})
	if err != nil {
		return p, nil, err
	}
	r = p.Refund(id)
	switch {
	case gerr != nil:
		return p, copyRefund(r), gerr
	case r.Status == RefundFailed:
		return p, copyRefund(r), refundError(r)
	}
	return p, copyRefund(r), nil
}

// refundedAttempt is the attempt a refund request is about: the paid one,
// or else the latest.
func refundedAttempt(p *Payment) *Attempt {
	if a := p.PaidAttempt(); a != nil {
		return a
	}
	return p.Latest()
}

// pendingRefunds lists the ids of p's pending refunds.
func pendingRefunds(p *Payment) []string {
	var ids []string
	for i := range p.Refunds {
		if p.Refunds[i].Status == RefundPending {
			ids = append(ids, p.Refunds[i].ID)
		}
	}
	return ids
}

// copyRefund returns a deep copy of r, for callers who must not share the
// payment's memory.
func copyRefund(r *Refund) *Refund {
	c := *r
	c.ReceiveAccount, c.Failure = cloneBank(r.ReceiveAccount), cloneFailure(r.Failure)
	return &c
}

// refundError is the error a caller gets for a refund the gateway refused.
func refundError(r *Refund) error {
	e := &Error{Code: CodeGatewayError, Message: "the gateway refused the refund"}
	if r.Failure != nil {
		e.GatewayCode, e.Message = r.Failure.Code, r.Failure.Message
	}
	return e
}
