package stripetest

import (
	"slices"

	"github.com/payments-go/payments/internal/web"
)

func (s *Server) newIntent(amount int64, currency string) *paymentIntent {
	id := newID("pi_", 24)
	return &paymentIntent{
		id: id, secret: id + "_secret_" + newID("", 25), created: s.now().Unix(),
		amount: amount, currency: currency, status: "requires_payment_method",
		captureMethod: "automatic", confirmationMethod: "automatic",
		pmTypes: []string{"card"}, metadata: map[string]string{},
	}
}

// resolvePM finds a PaymentMethod by id, or creates one from a test alias
// such as pm_card_visa (as Stripe does: the PaymentIntent then refers to a
// fresh pm_ id). Called with s.mu held.
func (s *Server) resolvePM(id, param string) (*paymentMethod, *Error) {
	if pm := s.methods[id]; pm != nil {
		return pm, nil
	}
	test, ok := lookupTestMethod(id)
	if !ok {
		e := errNoSuch("PaymentMethod", web.Clip(id, 60), param)
		e.HTTPStatus = 400
		return nil, e
	}
	pm := &paymentMethod{id: newID("pm_", 24), created: s.now().Unix(), test: test}
	s.methods[pm.id] = pm
	return pm, nil
}

// intentOptions are the confirmation parameters shared by create and
// confirm.
type intentOptions struct {
	pm                    string
	returnURL             string
	offSession            bool
	errorOnRequiresAction bool
}

func readIntentOptions(p obj) intentOptions {
	var o intentOptions
	o.pm, _ = p.str("payment_method")
	o.returnURL, _ = p.str("return_url")
	if v, ok := p.str("off_session"); ok {
		switch v {
		case "true", "one_off", "recurring":
			o.offSession = true
		case "false":
		default:
			p.d.fail(errInvalid("off_session", "Invalid off_session: must be a boolean, one_off, or recurring"))
		}
	}
	o.errorOnRequiresAction, _ = p.bool("error_on_requires_action")
	p.bool("use_stripe_sdk")
	if p.d.err == nil && o.returnURL != "" && !validURL(o.returnURL) {
		p.d.fail(&Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: "url_invalid", Param: "return_url", Message: "Not a valid URL"})
	}
	return o
}

func (s *Server) createPI(req *apiRequest) (any, *Error) {
	d := &decoder{}
	p := d.root(req.body)
	p.only("amount", "currency", "payment_method", "confirm", "return_url", "metadata", "automatic_payment_methods",
		"payment_method_types", "description", "receipt_email", "capture_method", "confirmation_method",
		"off_session", "error_on_requires_action", "use_stripe_sdk", "statement_descriptor",
		"statement_descriptor_suffix", "expand", "customer")
	customerID, hasCustomer := p.str("customer")
	p.required("amount")
	amount, _ := p.int("amount")
	cur := p.required("currency")
	confirm, _ := p.bool("confirm")
	opts := readIntentOptions(p)
	metadata := p.metadata("metadata")
	description, _ := p.str("description")
	receiptEmail, _ := p.str("receipt_email")
	capture, _ := p.enum("capture_method", "automatic", "automatic_async", "manual")
	confMethod, _ := p.enum("confirmation_method", "automatic", "manual")
	types, hasTypes := p.strings("payment_method_types")
	apm, hasAPM := p.object("automatic_payment_methods")
	var apmEnabled bool
	allowRedirects := "always"
	if hasAPM {
		apm.only("enabled", "allow_redirects")
		var ok bool
		if apmEnabled, ok = apm.bool("enabled"); !ok && d.err == nil {
			return nil, errMissingParam("automatic_payment_methods[enabled]")
		}
		if v, ok := apm.enum("allow_redirects", "always", "never"); ok {
			allowRedirects = v
		}
	}
	expand, _ := p.strings("expand")
	if d.err != nil {
		return nil, d.err
	}
	if amount < 1 {
		return nil, &Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: "parameter_invalid_integer", Param: "amount", Message: "This value must be greater than or equal to 1."}
	}
	currency, err := normCurrency("currency", cur)
	if err != nil {
		return nil, err
	}
	if err := checkAmount("amount", amount, currency); err != nil {
		return nil, err
	}
	if hasTypes && hasAPM {
		return nil, &Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: "parameters_exclusive", Param: "automatic_payment_methods",
			Message: "You may only specify one of these parameters: automatic_payment_methods, payment_method_types."}
	}
	if !confirm {
		for _, f := range []struct {
			name string
			set  bool
		}{{"return_url", opts.returnURL != ""}, {"off_session", opts.offSession}, {"error_on_requires_action", opts.errorOnRequiresAction}} {
			if f.set {
				return nil, errInvalid(f.name, "You may only specify `"+f.name+"` when `confirm` is true.")
			}
		}
	}
	exp, err := parseExpand(kindPI, expand)
	if err != nil {
		return nil, err
	}

	pi := s.newIntent(amount, currency)
	pi.metadata, pi.description, pi.receiptEmail = metadata, description, receiptEmail
	if capture != "" {
		pi.captureMethod = capture
	}
	if confMethod != "" {
		pi.confirmationMethod = confMethod
	}
	switch {
	case hasTypes:
		if err := checkTypes("payment_method_types", types, currency); err != nil {
			return nil, err
		}
		pi.pmTypes = slices.Clone(types)
	case hasAPM:
		pi.autoPM, pi.allowRedirects = apmEnabled, allowRedirects
	default:
		// Since API version 2023-08-16 automatic payment methods are on
		// unless payment_method_types is given.
		pi.autoPM, pi.allowRedirects = true, "always"
	}
	if opts.pm != "" {
		pm, err := s.resolvePM(opts.pm, "payment_method")
		if err != nil {
			return nil, err
		}
		if err := s.checkMethodType(pi, pm); err != nil {
			return nil, err
		}
		if hasCustomer {
			if err := s.checkSavedPM(customerID, pm); err != nil {
				return nil, err
			}
		} else if s.savedLocked().attached[pm.id] != "" || s.saved.detached[pm.id] {
			return nil, errInvalid("payment_method", "The provided PaymentMethod belongs to a Customer: pass that customer.")
		}
		pi.paymentMethod = pm.id
		pi.status = "requires_confirmation"
	}
	if hasCustomer && opts.pm == "" && s.savedLocked().customers[customerID] == nil {
		return nil, errNoSuch("customer", web.Clip(customerID, 60), "customer")
	}
	if confirm {
		if err := s.checkConfirmable(pi, opts); err != nil {
			return nil, err
		}
	}
	s.intents[pi.id] = pi
	if hasCustomer {
		s.savedLocked().piCustomer[pi.id] = customerID
	}
	if confirm {
		if err := s.confirm(pi, req.base, opts.returnURL, opts.offSession, opts.errorOnRequiresAction); err != nil {
			return nil, err
		}
	}
	return s.renderPI(pi, exp), nil
}

// checkConfirmable applies the rules checked before a confirmation runs.
func (s *Server) checkConfirmable(pi *paymentIntent, o intentOptions) *Error {
	switch pi.status {
	case "succeeded":
		e := errState("payment_intent_unexpected_state", "You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed.")
		e.pi = pi
		return e
	case "canceled", "processing", "requires_capture":
		e := errState("payment_intent_unexpected_state", "You cannot confirm this PaymentIntent because it has a status of "+pi.status+". Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_action, requires_payment_method.")
		e.pi = pi
		return e
	}
	if pi.paymentMethod == "" && o.pm == "" {
		e := errState("payment_intent_unexpected_state", "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.")
		e.pi = pi
		return e
	}
	if pi.autoPM && pi.allowRedirects != "never" && o.returnURL == "" && !o.offSession {
		return errInvalid("return_url", "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because some of these payment methods might redirect your customer off of your page, you must provide a `return_url`. If you don't want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.")
	}
	return nil
}

// confirm runs a payment attempt with pi.paymentMethod. A decline returns
// a 402 card error (marked executed) after updating pi. Called with s.mu
// held.
func (s *Server) confirm(pi *paymentIntent, base, returnURL string, offSession, errorOnRequiresAction bool) *Error {
	pm := s.methods[pi.paymentMethod]
	if pm == nil {
		return errState("payment_intent_unexpected_state", "You cannot confirm this PaymentIntent because it's missing a payment method.")
	}
	if att := s.attempts[pi.attempt]; att != nil {
		att.done = true
	}
	pi.attempt, pi.next = "", nil
	switch pm.test.outcome {
	case outcomeSucceed:
		s.succeed(pi)
		return nil
	case outcomeDecline:
		return s.decline(pi, pm, pm.test.code, pm.test.declineCode, pm.test.message)
	case outcomeDelayed:
		s.process(pi)
		return nil
	}
	// 3-D Secure.
	if offSession && pm.test.offSessionOnceSetUp && s.savedLocked().attached[pm.id] != "" {
		s.succeed(pi)
		return nil
	}
	if offSession || errorOnRequiresAction {
		return s.decline(pi, pm, "authentication_required", "authentication_required", "Your card was declined. This transaction requires authentication.")
	}
	att := &authAttempt{id: newID("payatt_", 24), paymentIntent: pi.id, returnURL: returnURL, session: pi.session}
	s.attempts[att.id] = att
	pi.attempt = att.id
	pi.status = "requires_action"
	pi.lastError = nil
	pi.next = &nextAction{redirect: returnURL != "", url: base + "/sandbox/3ds/" + att.id, returnURL: returnURL}
	s.emit("payment_intent.requires_action", s.renderPI(pi, nil))
	return nil
}

func (s *Server) newCharge(pi *paymentIntent) *charge {
	ch := &charge{
		id: newID("ch_", 24), created: s.now().Unix(), amount: pi.amount, currency: pi.currency,
		paymentIntent: pi.id, paymentMethod: pi.paymentMethod, description: pi.description,
		metadata: cloneMap(pi.metadata),
	}
	s.charges[ch.id] = ch
	return ch
}

func (s *Server) succeed(pi *paymentIntent) {
	if pi.captureMethod == "manual" {
		s.authorize(pi)
		return
	}
	ch := s.charges[pi.latestCharge]
	if ch == nil || !ch.pending {
		ch = s.newCharge(pi)
	}
	ch.pending = false
	ch.balanceTxn = newID("txn_", 24)
	pi.status = "succeeded"
	pi.amountReceived = pi.amount
	pi.latestCharge = ch.id
	pi.lastError, pi.next, pi.attempt = nil, nil, ""
	s.emit("payment_intent.succeeded", s.renderPI(pi, nil))
	s.disputeIfTestMethod(ch)
}

func (s *Server) decline(pi *paymentIntent, pm *paymentMethod, code, declineCode, msg string) *Error {
	ch := s.newCharge(pi)
	e := &Error{HTTPStatus: 402, Type: typeCard, Code: code, DeclineCode: declineCode, Message: msg,
		executed: true, charge: ch.id, pm: pm}
	ch.failed = e
	pi.status = "requires_payment_method"
	pi.paymentMethod = ""
	pi.latestCharge = ch.id
	pi.lastError = e
	pi.next, pi.attempt = nil, ""
	e.pi = pi // the error body embeds the PaymentIntent
	s.emit("payment_intent.payment_failed", s.renderPI(pi, nil))
	return e
}

func (s *Server) getPI(req *apiRequest) (any, *Error) {
	d := &decoder{}
	p := d.root(req.body)
	p.only("expand", "client_secret")
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
	return s.renderPI(pi, exp), nil
}

func (s *Server) confirmPIAPI(req *apiRequest) (any, *Error) {
	d := &decoder{}
	p := d.root(req.body)
	p.only("payment_method", "return_url", "off_session", "error_on_requires_action", "use_stripe_sdk", "receipt_email", "expand")
	opts := readIntentOptions(p)
	receiptEmail, hasReceipt := p.str("receipt_email")
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
	if pi.session != "" {
		e := errState("payment_intent_unexpected_state", "You cannot confirm this PaymentIntent because it is managed by Checkout Session "+pi.session+".")
		e.pi = pi
		return nil, e
	}
	if err := s.checkConfirmable(pi, opts); err != nil {
		return nil, err
	}
	var pm *paymentMethod
	if opts.pm != "" {
		if pm, err = s.resolvePM(opts.pm, "payment_method"); err != nil {
			return nil, err
		}
	}
	customerID := s.savedLocked().piCustomer[pi.id]
	hasCustomer := customerID != ""
	if pm != nil {
		if err := s.checkMethodType(pi, pm); err != nil {
			return nil, err
		}
		if hasCustomer {
			if err := s.checkSavedPM(customerID, pm); err != nil {
				return nil, err
			}
		} else if s.savedLocked().attached[pm.id] != "" || s.saved.detached[pm.id] {
			return nil, errInvalid("payment_method", "The provided PaymentMethod belongs to a Customer: pass that customer.")
		}
		pi.paymentMethod = pm.id
	}
	if hasReceipt {
		pi.receiptEmail = receiptEmail
	}
	if err := s.confirm(pi, req.base, opts.returnURL, opts.offSession, opts.errorOnRequiresAction); err != nil {
		return nil, err
	}
	return s.renderPI(pi, exp), nil
}

func (s *Server) cancelPI(req *apiRequest) (any, *Error) {
	d := &decoder{}
	p := d.root(req.body)
	p.only("cancellation_reason", "expand")
	reason, _ := p.enum("cancellation_reason", "abandoned", "duplicate", "fraudulent", "requested_by_customer")
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
	switch pi.status {
	case "succeeded", "canceled":
		e := errState("payment_intent_unexpected_state", "You cannot cancel this PaymentIntent because it has a status of "+pi.status+". Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.")
		e.pi = pi
		return nil, e
	}
	if cs := s.sessions[pi.session]; cs != nil && cs.status == "open" {
		e := errState("payment_intent_unexpected_state", "You cannot cancel this PaymentIntent because it was created by Checkout Session "+cs.id+", which is still open. Expire the Checkout Session instead.")
		e.pi = pi
		return nil, e
	}
	s.cancelIntent(pi, reason)
	return s.renderPI(pi, exp), nil
}

func (s *Server) cancelIntent(pi *paymentIntent, reason string) {
	if att := s.attempts[pi.attempt]; att != nil {
		att.done = true
	}
	pi.status = "canceled"
	pi.canceledAt = s.now().Unix()
	pi.cancellationReason = reason
	pi.next, pi.attempt = nil, ""
	s.emit("payment_intent.canceled", s.renderPI(pi, nil))
}

func (s *Server) getCharge(req *apiRequest) (any, *Error) {
	d := &decoder{}
	p := d.root(req.body)
	p.only("expand")
	expand, _ := p.strings("expand")
	if d.err != nil {
		return nil, d.err
	}
	exp, err := parseExpand(kindCharge, expand)
	if err != nil {
		return nil, err
	}
	ch := s.charges[req.id]
	if ch == nil {
		return nil, errNoSuch("charge", web.Clip(req.id, 60), "id")
	}
	return s.renderCharge(ch, exp), nil
}

// Authenticate completes (approve) or fails the pending 3-D Secure
// challenge of a PaymentIntent in requires_action, as the customer would
// on the sandbox challenge page. On approval the PaymentIntent succeeds
// (and its Checkout Session, if any, completes); on failure it returns to
// requires_payment_method with last_payment_error
// payment_intent_authentication_failure.
func (s *Server) Authenticate(paymentIntentID string, approve bool) error {
	s.lock()
	defer s.mu.Unlock()
	pi := s.intents[paymentIntentID]
	if pi == nil {
		return errNoSuch("payment_intent", paymentIntentID, "id")
	}
	att := s.attempts[pi.attempt]
	if pi.status != "requires_action" || att == nil {
		return errState("payment_intent_unexpected_state", "PaymentIntent "+pi.id+" has status "+pi.status+" and no pending authentication.")
	}
	s.resolveAuth(att, approve)
	return nil
}

// resolveAuth finishes a 3-D Secure attempt. Called with s.mu held.
func (s *Server) resolveAuth(att *authAttempt, approve bool) {
	pi := s.intents[att.paymentIntent]
	if att.done || pi == nil || pi.status != "requires_action" || pi.attempt != att.id {
		return
	}
	att.done, att.approved = true, approve
	if approve {
		s.succeed(pi)
		if cs := s.sessions[pi.session]; cs != nil {
			s.finishSession(cs, pi)
		}
		return
	}
	e := &Error{HTTPStatus: 402, Type: typeInvalidRequest, Code: "payment_intent_authentication_failure",
		Message: "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.",
		pm:      s.methods[pi.paymentMethod]}
	pi.status = "requires_payment_method"
	pi.paymentMethod = ""
	pi.lastError = e
	pi.next, pi.attempt = nil, ""
	s.emit("payment_intent.payment_failed", s.renderPI(pi, nil))
	if cs := s.sessions[pi.session]; cs != nil && cs.status == "open" {
		cs.lastError = "We are unable to authenticate your payment method. Please choose a different payment method and try again."
	}
}

// redirectStatus is the redirect_status query value for a finished attempt.
func redirectStatus(att *authAttempt) string {
	if att.approved {
		return "succeeded"
	}
	return "failed"
}
