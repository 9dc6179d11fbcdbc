package stripetest

import (
	"github.com/payments-go/payments/internal/web"
)

func (s *Server) createRefund(req *apiRequest) (any, *Error) {
	d := &decoder{}
	p := d.root(req.body)
	p.only("payment_intent", "charge", "amount", "reason", "metadata", "expand", "instructions_email")
	piID, hasPI := p.str("payment_intent")
	chID, hasCh := p.str("charge")
	amount, hasAmount := p.int("amount")
	reason, _ := p.enum("reason", "duplicate", "fraudulent", "requested_by_customer")
	metadata := p.metadata("metadata")
	expand, _ := p.strings("expand")
	if d.err != nil {
		return nil, d.err
	}
	exp, err := parseExpand(kindRefund, expand)
	if err != nil {
		return nil, err
	}
	if !hasPI && !hasCh {
		return nil, &Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: "parameter_missing", Param: "payment_intent",
			Message: "One of the following params should be provided for this request: payment_intent or charge."}
	}
	if hasAmount && amount < 1 {
		return nil, &Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: "parameter_invalid_integer", Param: "amount", Message: "This value must be greater than or equal to 1."}
	}

	var ch *charge
	var pi *paymentIntent
	if hasPI {
		if pi = s.intents[piID]; pi == nil {
			e := errNoSuch("payment_intent", web.Clip(piID, 60), "payment_intent")
			e.HTTPStatus = 400
			return nil, e
		}
		if pi.status != "succeeded" {
			return nil, errInvalid("payment_intent", "This PaymentIntent ("+pi.id+") does not have a successful charge to refund.")
		}
		ch = s.charges[pi.latestCharge]
	}
	if hasCh {
		c := s.charges[chID]
		if c == nil {
			e := errNoSuch("charge", web.Clip(chID, 60), "charge")
			e.HTTPStatus = 400
			return nil, e
		}
		if ch != nil && ch != c {
			return nil, errInvalid("charge", "The charge "+c.id+" does not belong to the PaymentIntent "+pi.id+".")
		}
		ch = c
		if pi == nil {
			pi = s.intents[ch.paymentIntent]
		}
	}
	if ch == nil || ch.failed != nil {
		id := chID
		if ch != nil {
			id = ch.id
		}
		return nil, errInvalid("charge", "Charge "+id+" has not succeeded and cannot be refunded.")
	}
	if err := s.refundBlocked(ch); err != nil {
		return nil, err
	}
	remaining := ch.amount - ch.amountRefunded
	if remaining <= 0 {
		return nil, errState("charge_already_refunded", "Charge "+ch.id+" has already been refunded.")
	}
	if !hasAmount {
		amount = remaining
	}
	if amount > remaining {
		return nil, errInvalid("amount", "Refund amount ("+formatAmount(amount, ch.currency)+") is greater than unrefunded amount on charge ("+formatAmount(remaining, ch.currency)+")")
	}

	re := &refund{
		id: newID("re_", 24), created: s.now().Unix(), amount: amount, currency: ch.currency,
		charge: ch.id, reason: reason, metadata: metadata, balanceTxn: newID("txn_", 24),
		status: "succeeded",
	}
	if pi != nil {
		re.paymentIntent = pi.id
	}
	var test testMethod
	if pm := s.methods[ch.paymentMethod]; pm != nil {
		test = pm.test
	}
	switch {
	case test.typ == methodUSBankAccount:
		// A bank refund is sent through the ACH network and settles
		// days later (https://docs.stripe.com/refunds).
		re.status, re.settles = "pending", "succeeded"
	case test.refunds == refundPends:
		re.status, re.settles = "pending", "succeeded"
	case test.refunds == refundFailsLater:
		re.settles = "failed"
	}
	s.refunds[re.id] = re
	s.refundOrder = append(s.refundOrder, re.id)
	ch.amountRefunded += amount
	// At 2023-10-16 a charge's refund is announced by charge.refunded,
	// whose Charge no longer embeds its refunds (API 2022-11-15).
	s.emit("charge.refunded", s.renderCharge(ch, nil))
	if s.acacia {
		s.emit("refund.created", s.renderRefund(re, nil))
	}
	return s.renderRefund(re, exp), nil
}

// SettleRefund settles a refund the way its test card says
// (https://docs.stripe.com/testing#refunds): a refund of [PMPendingRefund]
// (or of a bank debit), pending until now, succeeds; a refund of
// [PMRefundFail], succeeded until now, fails with failure_reason unknown
// and its amount returns to the charge. Either way charge.refund.updated
// is sent (and, with Config.AcaciaRefundEvents, refund.updated, plus
// refund.failed for a failure). It returns an *[Error] for an unknown
// refund or one with nothing left to settle.
func (s *Server) SettleRefund(id string) error {
	s.lock()
	defer s.mu.Unlock()
	re := s.refunds[id]
	switch {
	case re == nil:
		return errNoSuch("refund", id, "id")
	case re.settles == "":
		return errState("", "Refund "+re.id+" has status "+re.status+" and nothing left to settle.")
	}
	if re.settles == "failed" {
		s.failRefund(re, "unknown")
		return nil
	}
	re.status, re.settles = "succeeded", ""
	s.refundUpdated(re)
	return nil
}

// FailRefund fails a pending or succeeded refund with failureReason
// (Stripe's values are expired_or_canceled_card, lost_or_stolen_card and
// unknown; https://docs.stripe.com/api/refunds/object#refund_object-failure_reason):
// the refunded amount returns to the charge, and charge.refund.updated is
// sent (with Config.AcaciaRefundEvents also refund.updated and
// refund.failed). Stripe documents that a refund can fail after it
// succeeded or while it is pending; this covers both without a dedicated
// test card. It returns an *[Error] for an unknown refund or one already
// failed or canceled.
func (s *Server) FailRefund(id, failureReason string) error {
	s.lock()
	defer s.mu.Unlock()
	re := s.refunds[id]
	switch {
	case re == nil:
		return errNoSuch("refund", id, "id")
	case re.status != "pending" && re.status != "succeeded":
		return errState("", "Refund "+re.id+" has status "+re.status+" and cannot fail.")
	}
	s.failRefund(re, failureReason)
	return nil
}

// failRefund fails re. Called with s.mu held.
func (s *Server) failRefund(re *refund, reason string) {
	re.status, re.settles, re.failureReason = "failed", "", reason
	if ch := s.charges[re.charge]; ch != nil {
		ch.amountRefunded -= re.amount
	}
	s.refundUpdated(re)
	if s.acacia {
		s.emit("refund.failed", s.renderRefund(re, nil))
	}
}

// refundUpdated sends the events of a refund's status change. Called with
// s.mu held.
func (s *Server) refundUpdated(re *refund) {
	s.emit("charge.refund.updated", s.renderRefund(re, nil))
	if s.acacia {
		s.emit("refund.updated", s.renderRefund(re, nil))
	}
}

// listRefunds is GET /v1/refunds (https://docs.stripe.com/api/refunds/list):
// the refunds of a PaymentIntent or a charge, or all, newest first, with
// Stripe's cursor pagination.
func (s *Server) listRefunds(req *apiRequest) (any, *Error) {
	d := &decoder{}
	p := d.root(req.body)
	p.only("payment_intent", "charge", "limit", "starting_after", "ending_before", "expand")
	piID, hasPI := p.str("payment_intent")
	chID, hasCh := p.str("charge")
	limit, hasLimit := p.int("limit")
	after, hasAfter := p.str("starting_after")
	before, hasBefore := p.str("ending_before")
	expand, _ := p.strings("expand")
	if d.err != nil {
		return nil, d.err
	}
	limit, lerr := listLimit(limit, hasLimit)
	if lerr != nil {
		return nil, lerr
	}
	if err := listCursors(hasAfter, hasBefore); err != nil {
		return nil, err
	}
	exp, err := listExpand(kindRefund, expand)
	if err != nil {
		return nil, err
	}
	if hasPI && s.intents[piID] == nil {
		return nil, errNoSuch("payment_intent", web.Clip(piID, 60), "payment_intent")
	}
	if hasCh && s.charges[chID] == nil {
		return nil, errNoSuch("charge", web.Clip(chID, 60), "charge")
	}
	var all []*refund
	for i := len(s.refundOrder) - 1; i >= 0; i-- { // newest first
		re := s.refunds[s.refundOrder[i]]
		if (hasPI && re.paymentIntent != piID) || (hasCh && re.charge != chID) {
			continue
		}
		all = append(all, re)
	}
	page, more, err := listPage(all, func(re *refund) string { return re.id }, "refund", after, before, int(limit))
	if err != nil {
		return nil, err
	}
	out := &listJSON{Object: "list", Data: []any{}, HasMore: more, URL: "/v1/refunds"}
	for _, re := range page {
		out.Data = append(out.Data, s.renderRefund(re, exp))
	}
	return out, nil
}

func (s *Server) getRefund(req *apiRequest) (any, *Error) {
	d := &decoder{}
	p := d.root(req.body)
	p.only("expand")
	expand, _ := p.strings("expand")
	if d.err != nil {
		return nil, d.err
	}
	exp, err := parseExpand(kindRefund, expand)
	if err != nil {
		return nil, err
	}
	re := s.refunds[req.id]
	if re == nil {
		return nil, errNoSuch("refund", web.Clip(req.id, 60), "id")
	}
	return s.renderRefund(re, exp), nil
}
