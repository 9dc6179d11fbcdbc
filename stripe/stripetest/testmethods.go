package stripetest

// outcome is what happens when a test payment method is charged.
type outcome int

const (
	outcomeSucceed outcome = iota
	outcomeDecline
	outcomeAuthenticate // 3-D Secure required
	// outcomeDelayed: a bank debit. The PaymentIntent is processing until
	// the bank settles it ([Server.Settle]), then succeeds or fails.
	outcomeDelayed
)

// refundBehaviour is what happens to refunds of a test card's charges
// (https://docs.stripe.com/testing#refunds).
type refundBehaviour int

const (
	// refundSucceeds: a refund is succeeded at once, as card refunds
	// usually are.
	refundSucceeds refundBehaviour = iota
	// refundPends: a refund starts pending and succeeds when settled
	// (pm_card_pendingRefund).
	refundPends
	// refundFailsLater: a refund starts succeeded and fails when settled
	// (pm_card_refundFail).
	refundFailsLater
)

// Payment method types the fake models.
const (
	methodCard          = "card"
	methodUSBankAccount = "us_bank_account"
)

// testMethod describes one of Stripe's test PaymentMethods
// (https://docs.stripe.com/testing).
type testMethod struct {
	alias   string
	typ     string // methodCard or methodUSBankAccount
	brand   string // cards
	bank    string // bank accounts
	last4   string
	funding string
	country string
	outcome outcome
	// code, declineCode and message describe a decline (outcomeDecline)
	// or, for outcomeDelayed, the failure the bank reports later; a
	// delayed method without code succeeds when settled.
	code        string
	declineCode string
	message     string
	// staysProcessing: a delayed method the bank never settles.
	staysProcessing bool
	refunds         refundBehaviour
	// offSessionOnceSetUp: a card that asks for authentication on
	// session, but whose off-session charges succeed once it was set up
	// for them (saved with a SetupIntent).
	offSessionOnceSetUp bool
}

// Test payment methods understood by the fake. Every alias is accepted
// wherever Stripe accepts a PaymentMethod id.
const (
	// PMVisa succeeds.
	PMVisa = "pm_card_visa"
	// PMMastercard succeeds.
	PMMastercard = "pm_card_mastercard"
	// PMDeclined is declined with card_declined / generic_decline.
	PMDeclined = "pm_card_chargeDeclined"
	// PMInsufficientFunds is declined with card_declined / insufficient_funds.
	PMInsufficientFunds = "pm_card_visa_chargeDeclinedInsufficientFunds"
	// PMLostCard is declined with card_declined / lost_card.
	PMLostCard = "pm_card_visa_chargeDeclinedLostCard"
	// PMExpiredCard is declined with expired_card.
	PMExpiredCard = "pm_card_chargeDeclinedExpiredCard"
	// PMIncorrectCVC is declined with incorrect_cvc.
	PMIncorrectCVC = "pm_card_chargeDeclinedIncorrectCvc"
	// PMProcessingError fails with processing_error.
	PMProcessingError = "pm_card_chargeDeclinedProcessingError"
	// PMThreeDSecure requires 3-D Secure authentication, then succeeds if
	// the customer completes it.
	PMThreeDSecure = "pm_card_threeDSecure2Required"
	// PMAuthenticationRequired requires 3-D Secure authentication too,
	// off session as well: an off-session charge fails with 402
	// authentication_required (https://docs.stripe.com/testing#authentication-and-setup).
	PMAuthenticationRequired = "pm_card_authenticationRequired"
	// PMAuthenticationRequiredOnSetup asks for authentication when it is
	// set up and on session; once saved with a SetupIntent, its
	// off-session charges succeed (card 4000002500003155,
	// https://docs.stripe.com/testing#authentication-and-setup).
	PMAuthenticationRequiredOnSetup = "pm_card_authenticationRequiredOnSetup"

	// PMPendingRefund succeeds; a refund of it starts pending and
	// succeeds when [Server.SettleRefund] settles it, with a
	// charge.refund.updated event (https://docs.stripe.com/testing#refunds).
	PMPendingRefund = "pm_card_pendingRefund"
	// PMRefundFail succeeds; a refund of it starts succeeded and fails
	// when [Server.SettleRefund] settles it, with a charge.refund.updated
	// event (https://docs.stripe.com/testing#refunds).
	PMRefundFail = "pm_card_refundFail"

	// PMUSBankAccount is an ACH Direct Debit bank account (type
	// us_bank_account, USD only): the PaymentIntent is processing until
	// [Server.Settle], which makes it succeed. The test tokens are
	// Stripe's (https://docs.stripe.com/payments/ach-direct-debit/accept-a-payment#test-account-numbers).
	PMUSBankAccount = "pm_usBankAccount_success"
	// PMUSBankAccountInsufficientFunds is processing until [Server.Settle],
	// which makes it fail with insufficient_funds.
	PMUSBankAccountInsufficientFunds = "pm_usBankAccount_insufficientFunds"
	// PMUSBankAccountClosed is processing until [Server.Settle], which
	// makes it fail with account_closed.
	PMUSBankAccountClosed = "pm_usBankAccount_accountClosed"
	// PMUSBankAccountProcessing stays processing: [Server.Settle] leaves
	// it as it is.
	PMUSBankAccountProcessing = "pm_usBankAccount_processing"
)

// lookupTestMethod resolves a test PaymentMethod alias.
func lookupTestMethod(alias string) (testMethod, bool) {
	card := func(last4, brand string) testMethod {
		return testMethod{alias: alias, typ: methodCard, brand: brand, last4: last4, funding: "credit", country: "US", refunds: refundSucceeds}
	}
	declined := func(last4, brand, decline, msg string) testMethod {
		c := card(last4, brand)
		c.outcome, c.code, c.declineCode, c.message = outcomeDecline, "card_declined", decline, msg
		return c
	}
	// Bank debits fail later with the charge's failure code; Stripe's
	// documentation lists the outcomes, not the shape of the resulting
	// last_payment_error. The fake uses the failure code as its code, and
	// the library reads only code and message, so either shape works.
	bank := func(last4, failure, msg string) testMethod {
		return testMethod{alias: alias, typ: methodUSBankAccount, bank: "STRIPE TEST BANK", last4: last4, country: "US",
			outcome: outcomeDelayed, code: failure, message: msg}
	}
	switch alias {
	case PMVisa:
		return card("4242", "visa"), true
	case PMMastercard:
		return card("4444", "mastercard"), true
	case "pm_card_amex":
		return card("8431", "amex"), true
	case PMDeclined:
		return declined("0002", "visa", "generic_decline", "Your card was declined."), true
	case PMInsufficientFunds, "pm_card_chargeDeclinedInsufficientFunds":
		return declined("9995", "visa", "insufficient_funds", "Your card has insufficient funds."), true
	case PMLostCard, "pm_card_chargeDeclinedLostCard":
		return declined("9987", "visa", "lost_card", "Your card was declined."), true
	case "pm_card_visa_chargeDeclinedStolenCard", "pm_card_chargeDeclinedStolenCard":
		return declined("9979", "visa", "stolen_card", "Your card was declined."), true
	case PMExpiredCard:
		c := declined("0069", "visa", "expired_card", "Your card has expired.")
		c.code = "expired_card"
		return c, true
	case PMIncorrectCVC:
		c := declined("0127", "visa", "incorrect_cvc", "Your card's security code is incorrect.")
		c.code = "incorrect_cvc"
		return c, true
	case PMProcessingError:
		c := declined("0119", "visa", "processing_error", "An error occurred while processing your card. Try again in a little bit.")
		c.code = "processing_error"
		return c, true
	case PMThreeDSecure:
		c := card("3220", "visa")
		c.outcome = outcomeAuthenticate
		return c, true
	case PMAuthenticationRequired:
		c := card("3184", "visa")
		c.outcome = outcomeAuthenticate
		return c, true
	case PMAuthenticationRequiredOnSetup:
		c := card("3155", "visa")
		c.outcome, c.offSessionOnceSetUp = outcomeAuthenticate, true
		return c, true
	case PMPendingRefund:
		c := card("7726", "visa")
		c.refunds = refundPends
		return c, true
	case PMRefundFail:
		c := card("5126", "visa")
		c.refunds = refundFailsLater
		return c, true
	case PMCreateDispute:
		return card("0259", "visa"), true
	case PMCreateDisputeInquiry:
		return card("1976", "visa"), true
	case PMUSBankAccount:
		return bank("6789", "", ""), true
	case PMUSBankAccountInsufficientFunds:
		return bank("2227", "insufficient_funds", "The customer's account has insufficient funds to cover this payment."), true
	case PMUSBankAccountClosed:
		return bank("1113", "account_closed", "The customer's bank account has been closed."), true
	case PMUSBankAccountProcessing:
		m := bank("0009", "", "")
		m.staysProcessing = true
		return m, true
	}
	return testMethod{}, false
}
