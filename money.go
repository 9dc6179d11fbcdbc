package payments

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Amount is a sum of money in the minor unit of its currency: cents for
// USD, won for KRW (which has no minor unit), fils for KWD. It is never a
// float. An Amount means nothing without a [Currency]; the two travel
// together in [Order], [Payment] and [Refund].
type Amount int64

// Currency is an ISO 4217 currency code in upper case, such as "KRW" or
// "USD".
type Currency string

// Common currencies.
const (
	KRW Currency = "KRW"
	USD Currency = "USD"
	JPY Currency = "JPY"
	EUR Currency = "EUR"
)

// zeroDecimal and threeDecimal list the ISO 4217 currencies whose minor
// unit is not the usual hundredth. The lists are the ones Stripe uses for
// its amounts. ISO 4217 itself also gives ISK no decimals and IQD and LYD
// three; here those three take two, as every other currency not listed.
var (
	zeroDecimal  = setOf("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF")
	threeDecimal = setOf("BHD JOD KWD OMR TND")
	// iso4217 lists the active ISO 4217 alphabetic codes.
	iso4217 = setOf(`AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB
BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR
FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES
KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR
MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR
SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH
UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG`)
	symbols = map[Currency]string{
		"KRW": "₩", "USD": "$", "EUR": "€", "JPY": "¥", "GBP": "£", "CNY": "CN¥",
		"INR": "₹", "CAD": "CA$", "AUD": "A$", "HKD": "HK$", "SGD": "SGD ", "CHF": "CHF ",
	}
)

func setOf(codes string) map[Currency]bool {
	m := make(map[Currency]bool)
	for _, c := range strings.Fields(codes) {
		m[Currency(c)] = true
	}
	return m
}

// Valid reports whether c is an active ISO 4217 code in upper case.
func (c Currency) Valid() bool { return iso4217[c] }

// Exponent returns the number of decimal places of c's minor unit: 0 for
// KRW, JPY and the other zero-decimal currencies, 3 for BHD, JOD, KWD, OMR
// and TND, and 2 for every other currency.
func (c Currency) Exponent() int {
	switch {
	case zeroDecimal[c]:
		return 0
	case threeDecimal[c]:
		return 3
	default:
		return 2
	}
}

// Format renders a in c for people: "₩58,990", "$12.34", "-€0.05",
// "KWD 1.500". Currencies without a common symbol use their code.
func (c Currency) Format(a Amount) string {
	var b strings.Builder
	neg := a < 0
	u := uint64(a)
	if neg {
		u = uint64(-a) // two's complement: correct even for math.MinInt64
		b.WriteByte('-')
	}
	if s, ok := symbols[c]; ok {
		b.WriteString(s)
	} else {
		b.WriteString(string(c))
		b.WriteByte(' ')
	}
	exp := c.Exponent()
	digits := strconv.FormatUint(u, 10)
	if len(digits) <= exp {
		digits = strings.Repeat("0", exp-len(digits)+1) + digits
	}
	whole, frac := digits[:len(digits)-exp], digits[len(digits)-exp:]
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if exp > 0 {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// Format renders a in currency c; see [Currency.Format].
func (a Amount) Format(c Currency) string { return c.Format(a) }

// ParseAmount reads a decimal amount written in major units ("12.34",
// "58990", "58,990", "1.5") and returns it in c's minor unit, exactly and
// without floating point. It refuses more fraction digits than c has
// ("12.345" in USD, "1.5" in KRW), signs, exponents, empty input and values
// that overflow an int64, with an error for which [Code] reports
// [CodeInvalidRequest]. Thousands separators are accepted only in groups of
// three.
func ParseAmount(s string, c Currency) (Amount, error) {
	bad := func(why string) (Amount, error) {
		return 0, &Error{Code: CodeInvalidRequest, Message: fmt.Sprintf("amount %q: %s", truncate(s, 40), why)}
	}
	if !c.Valid() {
		return 0, &Error{Code: CodeInvalidRequest, Message: fmt.Sprintf("currency %q is not an ISO 4217 code", truncate(string(c), 10))}
	}
	if s == "" {
		return bad("empty")
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if hasDot && frac == "" {
		return bad("no digits after the decimal point")
	}
	if whole == "" {
		return bad("no digits before the decimal point")
	}
	if strings.Contains(whole, ",") {
		groups := strings.Split(whole, ",")
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return bad("misplaced thousands separator")
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return bad("misplaced thousands separator")
			}
		}
		whole = strings.Join(groups, "")
	}
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return bad("not a decimal number")
			}
		}
	}
	exp := c.Exponent()
	if len(frac) > exp {
		if exp == 0 {
			return bad(fmt.Sprintf("%s has no minor unit", c))
		}
		return bad(fmt.Sprintf("%s has %d decimal places", c, exp))
	}
	digits := strings.TrimLeft(whole+frac+strings.Repeat("0", exp-len(frac)), "0")
	if digits == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return bad("too large")
	}
	return Amount(n), nil
}

// truncate shortens s to at most n bytes, cutting on a character
// boundary, and marks the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
