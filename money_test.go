package payments_test

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/payments-go/payments"
)

func TestCurrencyExponent(t *testing.T) {
	zero := strings.Fields("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF")
	three := strings.Fields("BHD JOD KWD OMR TND")
	for _, c := range zero {
		if got := payments.Currency(c).Exponent(); got != 0 {
			t.Errorf("%s.Exponent() = %d, want 0", c, got)
		}
	}
	for _, c := range three {
		if got := payments.Currency(c).Exponent(); got != 3 {
			t.Errorf("%s.Exponent() = %d, want 3", c, got)
		}
	}
	for _, c := range []string{"USD", "EUR", "GBP", "CAD"} {
		if got := payments.Currency(c).Exponent(); got != 2 {
			t.Errorf("%s.Exponent() = %d, want 2", c, got)
		}
	}
	for _, c := range append(append(zero, three...), "USD", "EUR") {
		if !payments.Currency(c).Valid() {
			t.Errorf("%s.Valid() = false", c)
		}
	}
	for _, c := range []string{"", "usd", "US", "USDD", "XXX1", "ABC"} {
		if payments.Currency(c).Valid() {
			t.Errorf("%q.Valid() = true", c)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		a    payments.Amount
		c    payments.Currency
		want string
	}{
		{58990, "KRW", "₩58,990"},
		{1234, "USD", "$12.34"},
		{5, "USD", "$0.05"},
		{0, "USD", "$0.00"},
		{-5, "EUR", "-€0.05"},
		{100000000, "JPY", "¥100,000,000"},
		{1500, "KWD", "KWD 1.500"},
		{7, "BHD", "BHD 0.007"},
		{123456789, "USD", "$1,234,567.89"},
		{999, "KRW", "₩999"},
		{1000, "KRW", "₩1,000"},
		{math.MaxInt64, "KRW", "₩9,223,372,036,854,775,807"},
		{math.MinInt64, "USD", "-$92,233,720,368,547,758.08"},
	}
	for _, tt := range tests {
		if got := tt.c.Format(tt.a); got != tt.want {
			t.Errorf("%s.Format(%d) = %q, want %q", tt.c, tt.a, got, tt.want)
		}
		if got := tt.a.Format(tt.c); got != tt.want {
			t.Errorf("Amount(%d).Format(%s) = %q, want %q", tt.a, tt.c, got, tt.want)
		}
	}
}

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in   string
		c    payments.Currency
		want payments.Amount
		ok   bool
	}{
		{"58990", "KRW", 58990, true},
		{"58,990", "KRW", 58990, true},
		{"1,234,567", "KRW", 1234567, true},
		{"12.34", "USD", 1234, true},
		{"12.3", "USD", 1230, true},
		{"12", "USD", 1200, true},
		{"0.05", "USD", 5, true},
		{"0", "USD", 0, true},
		{"007", "USD", 700, true},
		{"1.5", "KWD", 1500, true},
		{"1.234", "BHD", 1234, true},
		{"92233720368547758.07", "USD", math.MaxInt64, true},
		{"92233720368547758.08", "USD", 0, false},
		{"9223372036854775808", "KRW", 0, false},
		{"1.5", "KRW", 0, false},
		{"12.345", "USD", 0, false},
		{"1.2345", "KWD", 0, false},
		{"", "USD", 0, false},
		{"-1", "USD", 0, false},
		{"+1", "USD", 0, false},
		{"1e3", "USD", 0, false},
		{" 1", "USD", 0, false},
		{"1.", "USD", 0, false},
		{".5", "USD", 0, false},
		{"1..2", "USD", 0, false},
		{"1,23", "KRW", 0, false},
		{",123", "KRW", 0, false},
		{"1234,567", "KRW", 0, false},
		{"0x10", "USD", 0, false},
		{"١٢", "USD", 0, false},
		{"10", "usd", 0, false},
		{"10", "ZZZ", 0, false},
	}
	for _, tt := range tests {
		got, err := payments.ParseAmount(tt.in, tt.c)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("ParseAmount(%q, %s) = %d, %v; want %d, ok=%v", tt.in, tt.c, got, err, tt.want, tt.ok)
		}
		if err != nil && payments.Code(err) != payments.CodeInvalidRequest {
			t.Errorf("ParseAmount(%q) error code %q, want invalid_request", tt.in, payments.Code(err))
		}
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"58990", "58,990", "12.34", "0.05", "1.5", "", "-1", "1e3", "9223372036854775807", "1,2", "١"} {
		f.Add(s, "USD")
		f.Add(s, "KRW")
		f.Add(s, "KWD")
	}
	f.Fuzz(func(t *testing.T, s, cur string) {
		c := payments.Currency(cur)
		a, err := payments.ParseAmount(s, c)
		if err != nil {
			if payments.Code(err) != payments.CodeInvalidRequest {
				t.Fatalf("error code %q", payments.Code(err))
			}
			return
		}
		if a < 0 {
			t.Fatalf("ParseAmount(%q) = %d < 0", s, a)
		}
		// The formatted amount, without symbol, parses back to the same value.
		out := c.Format(a)
		num := out[strings.IndexFunc(out, func(r rune) bool { return r >= '0' && r <= '9' }):]
		back, err := payments.ParseAmount(num, c)
		if err != nil || back != a {
			t.Fatalf("ParseAmount(%q) = %d; Format gives %q, which parses to %d, %v", s, a, out, back, err)
		}
		// Without separators, the digits are exactly the minor units.
		plain := strings.NewReplacer(",", "", ".", "").Replace(num)
		if n, _ := strconv.ParseInt(plain, 10, 64); payments.Amount(n) != a {
			t.Fatalf("digits of %q are %d, want %d", out, n, a)
		}
	})
}
