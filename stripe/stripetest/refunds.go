package stripetest

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
			e := errNoSuch("payment_intent", truncate(piID, 60), "payment_intent")
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
			e := errNoSuch("charge", truncate(chID, 60), "charge")
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
	}
	if pi != nil {
		re.paymentIntent = pi.id
	}
	s.refunds[re.id] = re
	ch.amountRefunded += amount
	s.emit("charge.refunded", s.renderCharge(ch, nil))
	return s.renderRefund(re, exp), nil
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
		return nil, errNoSuch("refund", truncate(req.id, 60), "id")
	}
	return s.renderRefund(re, exp), nil
}
