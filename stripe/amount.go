package stripe

import (
	"strings"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/web"
)

// minorAmount converts a in currency c to Stripe's integer amount.
//
// Stripe counts every currency in the minor unit that
// [payments.Currency.Exponent] reports (Stripe's zero-decimal list is the
// library's, and its three-decimal currencies are counted in thousandths;
// https://docs.stripe.com/currencies#zero-decimal), so the number passes
// unchanged. Two of Stripe's special cases
// (https://docs.stripe.com/currencies) are checked instead
// of rounding, because the library never charges other than the order's
// amount: three-decimal amounts must end in 0, and ISK amounts (two
// decimals in Stripe's API, though the krona has no fraction) must be
// whole krónur.
func minorAmount(a payments.Amount, c payments.Currency) (int64, error) {
	if !c.Valid() {
		return 0, web.Invalid("currency %q is not an ISO 4217 code", web.Clip(string(c), 10))
	}
	if a <= 0 {
		return 0, web.Invalid("the amount must be positive")
	}
	n := int64(a)
	switch {
	case c.Exponent() == 3 && n%10 != 0:
		return 0, web.Invalid("Stripe takes %s amounts in steps of 0.010; %s cannot be charged or refunded exactly", c, c.Format(a))
	case c == "ISK" && n%100 != 0:
		return 0, web.Invalid("Stripe takes whole ISK only; %s cannot be charged or refunded exactly", c.Format(a))
	}
	return n, nil
}

var _ payments.OrderChecker = (*Gateway)(nil)

// CheckOrder implements [payments.OrderChecker] with the rules of
// minorAmount: an order whose amount Stripe cannot charge exactly in its
// currency (https://docs.stripe.com/currencies#special-cases) is refused
// before anything is stored. Stripe's minimum charge, which depends on
// the account's settlement currency
// (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts),
// is left to Stripe.
func (g *Gateway) CheckOrder(o payments.Order) error {
	_, err := minorAmount(o.Amount, o.Currency)
	return err
}

// currencyParam is c as Stripe's parameters spell it: lower case.
func currencyParam(c payments.Currency) string { return strings.ToLower(string(c)) }

// libCurrency is a currency Stripe reports, as the library spells it:
// upper case.
func libCurrency(c stripego.Currency) payments.Currency {
	return payments.Currency(strings.ToUpper(string(c)))
}
