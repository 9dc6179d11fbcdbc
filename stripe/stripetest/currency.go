package stripetest

import (
	"strconv"
	"strings"

	"github.com/payments-go/payments/internal/web"
)

// currencyExponent is the number of minor-unit digits Stripe uses for an
// amount in currency (lowercase ISO code): 0 for zero-decimal currencies,
// 3 for three-decimal ones, 2 otherwise.
func currencyExponent(currency string) int {
	switch currency {
	case "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf":
		return 0
	case "bhd", "jod", "kwd", "omr", "tnd":
		return 3
	}
	return 2
}

func currencySymbol(currency string) string {
	switch currency {
	case "usd", "aud", "cad", "nzd", "sgd", "hkd", "mxn":
		return "$"
	case "eur":
		return "€"
	case "gbp":
		return "£"
	case "jpy", "cny":
		return "¥"
	case "krw":
		return "₩"
	case "inr":
		return "₹"
	}
	return ""
}

// formatAmount formats an amount in minor units for people: "$10.99",
// "₩58,990", "KWD 5.120".
func formatAmount(amount int64, currency string) string {
	neg := amount < 0
	u := uint64(amount)
	if neg {
		u = uint64(-(amount + 1)) + 1
	}
	exp := currencyExponent(currency)
	div := uint64(1)
	for range exp {
		div *= 10
	}
	major := strconv.FormatUint(u/div, 10)
	var b strings.Builder
	for i, r := range major {
		if i > 0 && (len(major)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	num := b.String()
	if exp > 0 {
		minor := strconv.FormatUint(u%div, 10)
		num += "." + strings.Repeat("0", exp-len(minor)) + minor
	}
	sign := ""
	if neg {
		sign = "-"
	}
	if sym := currencySymbol(currency); sym != "" {
		return sign + sym + num
	}
	return sign + strings.ToUpper(currency) + " " + num
}

// minimumAmount is Stripe's minimum charge for a few well-known currencies
// (https://stripe.com/docs/currencies#minimum-and-maximum-charge-amounts).
// Other currencies are not checked here.
func minimumAmount(currency string) (int64, bool) {
	switch currency {
	case "usd", "eur", "aud", "cad", "chf", "nzd", "sgd":
		return 50, true
	case "gbp":
		return 30, true
	case "jpy":
		return 50, true
	}
	return 0, false
}

// maxAmount is the largest amount Stripe accepts (eight digits).
const maxAmount = 99999999

// checkAmount applies Stripe's amount rules for currency to amount, the
// value of param.
func checkAmount(param string, amount int64, currency string) *Error {
	if amount > maxAmount {
		return &Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: "amount_too_large", Param: param,
			Message: "Amount must be no more than " + formatAmount(maxAmount, currency) + " " + currency}
	}
	if min, ok := minimumAmount(currency); ok && amount < min {
		return &Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: "amount_too_small", Param: param,
			Message: "Amount must be at least " + formatAmount(min, currency) + " " + currency}
	}
	if currencyExponent(currency) == 3 && amount%10 != 0 {
		return &Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: "invalid_amount", Param: param,
			Message: "Amounts in " + currency + " must be rounded to the nearest ten minor units (the last digit must be 0)."}
	}
	if currency == "isk" && amount%100 != 0 {
		return &Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: "invalid_charge_amount_no_decimal_compatible", Param: param,
			Message: "Amounts in isk must be a multiple of 100: ISK is zero-decimal in practice but two-decimal in the API."}
	}
	return nil
}

// normCurrency validates and lowercases a currency code.
func normCurrency(param, c string) (string, *Error) {
	c = strings.ToLower(c)
	if len(c) != 3 || strings.Trim(c, "abcdefghijklmnopqrstuvwxyz") != "" {
		return "", errInvalid(param, "Invalid currency: "+web.Clip(c, 10)+". Stripe currently supports these currencies: https://stripe.com/docs/currencies")
	}
	return c, nil
}
