package stripetest

import "github.com/payments-go/payments/internal/web"

// Manual capture (https://docs.stripe.com/payments/place-a-hold-on-a-payment-method):
// a PaymentIntent with capture_method=manual whose payment succeeds is
// left in requires_capture, its charge succeeded and uncaptured, until
// POST /v1/payment_intents/{id}/capture takes amount_to_capture (at most
// amount_capturable) and releases the rest, or /cancel voids it, or the
// authorisation lapses at capture_before.

// authorize holds the money of pi, paid with a manual-capture
// PaymentIntent. Called with s.mu held.
func (s *Server) authorize(pi *paymentIntent) {
	ch := s.newCharge(pi)
	ch.uncaptured = true
	ch.captureBefore = s.now().Add(s.authValidity).Unix()
	pi.status = "requires_capture"
	pi.amountCapturable = pi.amount
	pi.captureBefore = ch.captureBefore
	pi.latestCharge = ch.id
	pi.lastError, pi.next, pi.attempt = nil, nil, ""
	s.holds = append(s.holds, pi)
	// At 2023-10-16 an authorisation sends charge.succeeded (captured
	// false) and payment_intent.amount_capturable_updated
	// (https://docs.stripe.com/payments/place-a-hold-on-a-payment-method).
	s.emit("charge.succeeded", s.renderCharge(ch, nil))
	s.emit("payment_intent.amount_capturable_updated", s.renderPI(pi, nil))
}

// capturePI is POST /v1/payment_intents/{id}/capture
// (https://docs.stripe.com/api/payment_intents/capture).
func (s *Server) capturePI(req *apiRequest) (any, *Error) {
	d := &decoder{}
	p := d.root(req.body)
	p.only("amount_to_capture", "final_capture", "metadata", "statement_descriptor", "statement_descriptor_suffix", "expand")
	amount, hasAmount := p.int("amount_to_capture")
	final, hasFinal := p.bool("final_capture")
	metadata := p.metadata("metadata")
	p.str("statement_descriptor")
	p.str("statement_descriptor_suffix")
	expand, _ := p.strings("expand")
	if d.err != nil {
		return nil, d.err
	}
	exp, err := parseExpand(kindPI, expand)
	if err != nil {
		return nil, err
	}
	pi := s.intents[req.id]
	if pi == nil {
		return nil, errNoSuch("payment_intent", web.Clip(req.id, 60), "id")
	}
	if hasFinal && !final {
		// Several captures need multicapture, which the fake's test
		// cards are not eligible for.
		return nil, errUnsupported("final_capture", "final_capture=false (multicapture)")
	}
	ch := s.charges[pi.latestCharge]
	if pi.status != "requires_capture" || ch == nil {
		e := errState("payment_intent_unexpected_state", "This PaymentIntent could not be captured because it has a status of "+pi.status+". Only a PaymentIntent with one of the following statuses may be captured: requires_capture.")
		e.pi = pi
		return nil, e
	}
	if !hasAmount {
		amount = pi.amountCapturable
	}
	if amount < 1 {
		return nil, &Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: "parameter_invalid_integer", Param: "amount_to_capture", Message: "This value must be greater than or equal to 1."}
	}
	if amount > pi.amountCapturable {
		// Stripe does not document the code; amount_too_large is the one
		// its error-code list gives for amounts above what is allowed.
		return nil, &Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: "amount_too_large", Param: "amount_to_capture",
			Message: "The amount to capture (" + formatAmount(amount, pi.currency) + ") is greater than the amount capturable (" + formatAmount(pi.amountCapturable, pi.currency) + ")."}
	}
	for k, v := range metadata {
		pi.metadata[k] = v
	}
	ch.uncaptured = false
	ch.amountCaptured = amount
	ch.capturedAt = s.now().Unix()
	// The rest of the authorisation is released, and shows as refunded
	// on the charge.
	ch.amountRefunded += ch.amount - amount
	ch.balanceTxn = newID("txn_", 24)
	pi.status = "succeeded"
	pi.amountReceived, pi.amountCapturable = amount, 0
	s.emit("charge.captured", s.renderCharge(ch, nil))
	s.emit("payment_intent.succeeded", s.renderPI(pi, nil))
	s.disputeIfTestMethod(ch)
	return s.renderPI(pi, exp), nil
}

// expireAuthorizations cancels the manual-capture authorisations past
// their capture_before on the server's clock, as Stripe does when an
// authorisation lapses: the PaymentIntent is canceled with
// cancellation_reason automatic, with charge.expired and
// payment_intent.canceled. It runs before every API request, so that a
// test advances Config.Now and the next request sees the expiry. Called
// with s.mu held. It looks at the authorisations still held only, so a
// request costs the same however many PaymentIntents the server holds.
func (s *Server) expireAuthorizations() {
	if len(s.holds) == 0 {
		return
	}
	now := s.now().Unix()
	held := s.holds[:0]
	for _, pi := range s.holds {
		if pi.status != "requires_capture" {
			continue // captured or canceled: no longer held
		}
		if now < pi.captureBefore {
			held = append(held, pi)
			continue
		}
		if ch := s.charges[pi.latestCharge]; ch != nil {
			ch.expired = true
			ch.amountRefunded = ch.amount
			s.emit("charge.expired", s.renderCharge(ch, nil))
		}
		pi.amountCapturable = 0
		s.cancelIntent(pi, "automatic")
		s.balanceCache = nil
	}
	clear(s.holds[len(held):])
	s.holds = held
}

// ExpireAuthorizations cancels, at once, the manual-capture
// authorisations past their capture_before on the server's clock (which
// every API request does too); see [Config].AuthorizationValidity.
func (s *Server) ExpireAuthorizations() {
	s.lock()
	defer s.mu.Unlock()
	s.expireAuthorizations()
}

// renderCapture fills the capture fields of a succeeded charge: an
// authorisation not captured yet, or captured for part of its amount
// (https://docs.stripe.com/api/charges/object#charge_object-captured).
// Called with s.mu held.
func (s *Server) renderCapture(ch *charge, out *chargeJSON) {
	out.Disputed = ch.disputed
	if ch.captureBefore == 0 {
		return
	}
	if card, ok := out.PaymentMethodDetails[methodCard].(map[string]any); ok {
		card["capture_before"] = ch.captureBefore
	}
	switch {
	case ch.uncaptured || ch.expired:
		out.Captured, out.AmountCaptured = false, 0
		out.Outcome["seller_message"] = "Payment authorized."
	default:
		out.AmountCaptured = ch.amountCaptured
	}
	out.Refunded = ch.amount > 0 && ch.amountRefunded >= ch.amount
}
