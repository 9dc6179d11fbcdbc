package stripetest

import (
	"slices"
	"strconv"
	"strings"

	"github.com/payments-go/payments/internal/web"
)

// defaultDashboardTypes are the payment method types of the fake
// account's Dashboard unless Config.DashboardPaymentMethodTypes says
// otherwise: a card and a delayed bank debit, so that a Checkout Session
// without payment_method_types is not card-only, as with Stripe
// (https://docs.stripe.com/payments/payment-methods/dynamic-payment-methods).
var defaultDashboardTypes = []string{methodCard, methodUSBankAccount}

// methodCurrencies lists the currencies of the payment method types that
// take only some: ACH Direct Debit is USD only
// (https://docs.stripe.com/payments/ach-direct-debit). Cards take every
// currency.
var methodCurrencies = map[string][]string{methodUSBankAccount: {"usd"}}

// modelled reports whether the fake models payment method type t.
func modelled(t string) bool { return t == methodCard || t == methodUSBankAccount }

// takesCurrency reports whether payment method type t takes currency c.
func takesCurrency(t, c string) bool {
	cs, limited := methodCurrencies[t]
	return !limited || slices.Contains(cs, c)
}

// checkTypes validates the payment_method_types of a request in currency
// c: each a type the fake models, each taking the currency.
func checkTypes(param string, types []string, c string) *Error {
	if len(types) == 0 {
		return errInvalid(param, "payment_method_types must not be empty.")
	}
	for i, t := range types {
		switch {
		case !modelled(t):
			return errUnsupported(param+"["+strconv.Itoa(i)+"]", "payment method type "+strconv.Quote(web.Clip(t, 30))+" (it models card and us_bank_account)")
		case !takesCurrency(t, c):
			return errInvalid(param, "The currency provided ("+c+") is invalid for one or more payment method types on this object. Payment method type "+t+" supports: "+strings.Join(methodCurrencies[t], ", ")+".")
		}
	}
	return nil
}

// dashboardTypes are the Dashboard's payment method types that take
// currency c: what Checkout and automatic payment methods offer when the
// request names none.
func (s *Server) dashboardTypes(c string) []string {
	var out []string
	for _, t := range s.dashboard {
		if takesCurrency(t, c) {
			out = append(out, t)
		}
	}
	return out
}

// checkMethodType refuses a payment method whose type the PaymentIntent
// does not accept, with Stripe's documented code
// (https://docs.stripe.com/error-codes#payment-intent-incompatible-payment-method);
// the message is the fake's. Called with s.mu held.
func (s *Server) checkMethodType(pi *paymentIntent, pm *paymentMethod) *Error {
	allowed := pi.pmTypes
	if pi.autoPM {
		allowed = s.dashboardTypes(pi.currency)
	}
	if t := pm.test.typ; !slices.Contains(allowed, t) || !takesCurrency(t, pi.currency) {
		return &Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: "payment_intent_incompatible_payment_method", Param: "payment_method",
			Message: "The PaymentMethod provided (" + t + ") is not allowed for this PaymentIntent. Please attach a PaymentMethod of one of the following types: " + strings.Join(allowed, ", ") + "."}
	}
	return nil
}

// process starts a bank debit: the charge is pending and the
// PaymentIntent processing until the bank settles it (see [Server.Settle]).
// Stripe documents this flow for delayed notification methods
// (https://docs.stripe.com/payments/payment-methods).
// Called with s.mu held.
func (s *Server) process(pi *paymentIntent) {
	ch := s.newCharge(pi)
	ch.pending = true
	pi.status = "processing"
	pi.latestCharge = ch.id
	pi.lastError, pi.next, pi.attempt = nil, nil, ""
	s.emit("charge.pending", s.renderCharge(ch, nil))
	s.emit("payment_intent.processing", s.renderPI(pi, nil))
}

// Settle settles a PaymentIntent paid with a delayed test method (such as
// [PMUSBankAccount]) that is processing, as the bank would some business
// days later: with [PMUSBankAccount] it succeeds (charge.succeeded,
// payment_intent.succeeded), with [PMUSBankAccountInsufficientFunds] or
// [PMUSBankAccountClosed] it fails (charge.failed,
// payment_intent.payment_failed; the PaymentIntent returns to
// requires_payment_method with last_payment_error), and
// [PMUSBankAccountProcessing] stays processing. A Checkout Session it
// belongs to, complete with payment_status unpaid, becomes paid with
// checkout.session.async_payment_succeeded, or stays unpaid with
// checkout.session.async_payment_failed
// (https://docs.stripe.com/checkout/fulfillment).
//
// Stripe's own test mode settles on its own schedule; the fake waits for
// this call, so that a test decides when. It returns an *[Error] for an
// unknown PaymentIntent or one that is not processing.
func (s *Server) Settle(paymentIntentID string) error {
	s.lock()
	defer s.mu.Unlock()
	pi := s.intents[paymentIntentID]
	if pi == nil {
		return errNoSuch("payment_intent", paymentIntentID, "id")
	}
	ch := s.charges[pi.latestCharge]
	pm := s.methods[pi.paymentMethod]
	if pi.status != "processing" || ch == nil || !ch.pending || pm == nil {
		return errState("payment_intent_unexpected_state", "PaymentIntent "+pi.id+" has status "+pi.status+" and no pending bank debit.")
	}
	if pm.test.staysProcessing {
		return nil
	}
	cs := s.sessions[pi.session]
	if pm.test.code == "" {
		s.succeed(pi)
		s.emit("charge.succeeded", s.renderCharge(ch, nil))
		if cs != nil && cs.status == "complete" && cs.paymentStatus == "unpaid" {
			cs.paymentStatus = "paid"
			s.emit("checkout.session.async_payment_succeeded", s.renderSession(cs, nil))
		}
		return nil
	}
	e := &Error{HTTPStatus: 402, Type: typeInvalidRequest, Code: pm.test.code, Message: pm.test.message, charge: ch.id, pm: pm}
	ch.pending, ch.failed = false, e
	pi.status = "requires_payment_method"
	pi.paymentMethod = ""
	pi.lastError = e
	s.emit("charge.failed", s.renderCharge(ch, nil))
	s.emit("payment_intent.payment_failed", s.renderPI(pi, nil))
	if cs != nil && cs.status == "complete" && cs.paymentStatus == "unpaid" {
		s.emit("checkout.session.async_payment_failed", s.renderSession(cs, nil))
	}
	return nil
}
