package payments

// Status is the unified status of a payment attempt, the same for every
// gateway. A [Payment]'s status is the status of its latest attempt.
type Status string

// The statuses.
const (
	// StatusReady: the attempt is recorded; the customer has not finished
	// paying (Toss READY/IN_PROGRESS before confirm; Stripe
	// requires_payment_method or requires_confirmation; an open Checkout
	// Session).
	StatusReady Status = "ready"
	// StatusProcessing: the gateway is approving the payment, or the
	// outcome of the approval is not known yet.
	StatusProcessing Status = "processing"
	// StatusRequiresAction: the customer must complete an extra step such
	// as 3-D Secure.
	StatusRequiresAction Status = "requires_action"
	// StatusAuthorized: the customer's payment is authorised and the
	// money held, not taken: it waits for [Service.Capture] or
	// [Service.Void] (a Stripe PaymentIntent in requires_capture,
	// https://docs.stripe.com/payments/place-a-hold-on-a-payment-method).
	StatusAuthorized Status = "authorized"
	// StatusWaitingForDeposit: a virtual account was issued; the money has
	// not arrived.
	StatusWaitingForDeposit Status = "waiting_for_deposit"
	// StatusPaid: the money was taken.
	StatusPaid Status = "paid"
	// StatusPartiallyRefunded: part of the paid amount was refunded.
	StatusPartiallyRefunded Status = "partially_refunded"
	// StatusRefunded: the whole paid amount was refunded.
	StatusRefunded Status = "refunded"
	// StatusCanceled: the attempt was canceled before any money moved.
	StatusCanceled Status = "canceled"
	// StatusFailed: the gateway refused or failed the attempt.
	StatusFailed Status = "failed"
	// StatusExpired: the attempt ran out of time (an unconfirmed Toss
	// payment, an expired Checkout Session, a virtual account past its due
	// date).
	StatusExpired Status = "expired"
)

// transitions is the explicit table of allowed status changes of one
// attempt. The only ways out of failed and expired lead to paid, because
// money that the gateway says it took must be recorded (a Stripe
// PaymentIntent retried after a decline; a deposit into a virtual account
// after its due date). Nothing leaves paid except towards refunded, so a
// late "failed" never overwrites "paid", with one exception: paid →
// waiting_for_deposit and paid → canceled, for a virtual-account deposit
// that the bank reversed after Toss reported it (DONE →
// WAITING_FOR_DEPOSIT since 2022-06-08, DONE → CANCELED before API 1.4;
// https://docs.tosspayments.com/en/webhooks). The money never arrived, so
// the record must not stay paid; the service takes this move only for a
// virtual-account attempt with nothing refunded.
var transitions = map[Status][]Status{
	StatusReady:             {StatusProcessing, StatusRequiresAction, StatusWaitingForDeposit, StatusPaid, StatusCanceled, StatusFailed, StatusExpired, StatusAuthorized},
	StatusRequiresAction:    {StatusProcessing, StatusPaid, StatusCanceled, StatusFailed, StatusExpired, StatusAuthorized},
	StatusProcessing:        {StatusRequiresAction, StatusWaitingForDeposit, StatusPaid, StatusCanceled, StatusFailed, StatusExpired, StatusAuthorized},
	StatusWaitingForDeposit: {StatusPaid, StatusCanceled, StatusExpired},
	// An authorisation is captured (paid) or released: voided, or
	// canceled by the gateway when it was not captured in time.
	StatusAuthorized:        {StatusPaid, StatusCanceled},
	StatusPaid:              {StatusPartiallyRefunded, StatusRefunded, StatusWaitingForDeposit, StatusCanceled},
	StatusPartiallyRefunded: {StatusRefunded},
	StatusFailed:            {StatusPaid},
	StatusExpired:           {StatusPaid},
	StatusRefunded:          nil,
	StatusCanceled:          nil,
}

// Valid reports whether s is one of the statuses above.
func (s Status) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// CanTransitionTo reports whether an attempt in status s may move to next.
// Staying in the same status is always allowed (it changes nothing).
func (s Status) CanTransitionTo(next Status) bool {
	if s == next {
		return s.Valid()
	}
	for _, t := range transitions[s] {
		if t == next {
			return true
		}
	}
	return false
}

// Paid reports whether money was taken in status s (paid, partially
// refunded or refunded).
func (s Status) Paid() bool {
	return s == StatusPaid || s == StatusPartiallyRefunded || s == StatusRefunded
}

// Final reports whether s admits no change but towards paid or refunds:
// the attempt is over, and a new attempt may start.
func (s Status) Final() bool {
	return s == StatusCanceled || s == StatusFailed || s == StatusExpired || s.Paid()
}

// Method is how the customer pays. The names are the library's own, the
// values the HTTP routes accept as "method"; package toss translates them
// to and from the method names of Toss Payments.
type Method string

// The methods. Toss offers all of them. Stripe reports the payment method
// type a customer used, which package stripe maps onto these: cards to
// MethodCard, bank debits and bank redirects to MethodTransfer, bank
// transfers and vouchers to MethodVirtualAccount, wallets and pay-later
// to MethodEasyPay.
const (
	MethodCard           Method = "CARD"
	MethodVirtualAccount Method = "VIRTUAL_ACCOUNT"
	MethodTransfer       Method = "TRANSFER"
	MethodMobile         Method = "MOBILE"
	MethodEasyPay        Method = "EASY_PAY"
	// MethodGiftCertificate covers Toss's culture, book and game gift
	// certificates, which a Toss payment may report although the HTTP
	// routes do not offer them.
	MethodGiftCertificate Method = "GIFT_CERTIFICATE"
)

// Valid reports whether m is one of the methods above.
func (m Method) Valid() bool {
	switch m {
	case MethodCard, MethodVirtualAccount, MethodTransfer, MethodMobile, MethodEasyPay, MethodGiftCertificate:
		return true
	}
	return false
}
