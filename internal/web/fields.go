package web

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/payments-go/payments"
)

// Invalid returns a *payments.Error with code invalid_request and the
// formatted message.
func Invalid(format string, args ...any) error {
	return &payments.Error{Code: payments.CodeInvalidRequest, Message: fmt.Sprintf(format, args...)}
}

// Text checks a free-text field: present if required (blank counts as
// absent), valid UTF-8, at most max characters once trimmed, and without
// control characters. The error names field.
func Text(field, s string, required bool, max int) error {
	t := strings.TrimSpace(s)
	switch {
	case t == "" && required:
		return Invalid("%s is required", field)
	case !utf8.ValidString(s) || utf8.RuneCountInString(t) > max:
		return Invalid("%s must be at most %d characters", field, max)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return Invalid("%s must not contain control characters", field)
	}
	return nil
}

// Email checks an optional e-mail address field: a [Text] of at most 100
// characters with one local part and one domain.
func Email(field, s string) error {
	if err := Text(field, s, false, 100); err != nil {
		return err
	}
	if t := strings.TrimSpace(s); t != "" {
		at := strings.LastIndexByte(t, '@')
		if at < 1 || at == len(t)-1 || strings.ContainsAny(t, " <>\"") {
			return Invalid("%s is not an email address", field)
		}
	}
	return nil
}

// SafeChars reports whether s has only ASCII letters, digits and the
// bytes of extra.
func SafeChars(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return true
}

// Digits reports whether s is non-empty and only ASCII digits.
func Digits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// PositiveInt parses a positive decimal integer written without sign or
// leading zeros, as gateways write amounts in query strings.
func PositiveInt(s string) (int64, bool) {
	if !Digits(s) || s[0] == '0' || len(s) > 18 {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// Clip makes s safe to store or show: valid UTF-8, control characters
// turned into spaces, trimmed, and cut to at most max characters (runes,
// as the gateways count their limits: Toss's 200-character cancelReason,
// Stripe's 500-character metadata values). It is the one truncation
// helper of the library's handlers and gateways.
func Clip(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	n := 0
	for i := range s {
		if n == max {
			return strings.TrimSpace(s[:i])
		}
		n++
	}
	return s
}
