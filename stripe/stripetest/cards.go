package stripetest

// cardOutcome is what happens when a test card is charged.
type cardOutcome int

const (
	outcomeSucceed cardOutcome = iota
	outcomeDecline
	outcomeAuthenticate // 3-D Secure required
)

// testCard describes one of Stripe's test PaymentMethods
// (https://stripe.com/docs/testing#cards).
type testCard struct {
	alias       string
	brand       string
	last4       string
	funding     string
	country     string
	outcome     cardOutcome
	code        string // error code for declines
	declineCode string
	message     string
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
	// PMAuthenticationRequired requires 3-D Secure authentication too.
	PMAuthenticationRequired = "pm_card_authenticationRequired"
)

// lookupTestCard resolves a test PaymentMethod alias.
func lookupTestCard(alias string) (testCard, bool) {
	declined := func(last4, brand, decline, msg string) testCard {
		return testCard{alias: alias, brand: brand, last4: last4, funding: "credit", country: "US", outcome: outcomeDecline,
			code: "card_declined", declineCode: decline, message: msg}
	}
	switch alias {
	case PMVisa:
		return testCard{alias: alias, brand: "visa", last4: "4242", funding: "credit", country: "US"}, true
	case PMMastercard:
		return testCard{alias: alias, brand: "mastercard", last4: "4444", funding: "credit", country: "US"}, true
	case "pm_card_amex":
		return testCard{alias: alias, brand: "amex", last4: "8431", funding: "credit", country: "US"}, true
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
		return testCard{alias: alias, brand: "visa", last4: "3220", funding: "credit", country: "US", outcome: outcomeAuthenticate}, true
	case PMAuthenticationRequired:
		return testCard{alias: alias, brand: "visa", last4: "3184", funding: "credit", country: "US", outcome: outcomeAuthenticate}, true
	}
	return testCard{}, false
}
