package web

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/payments-go/payments"
)

// Origins is the set of origins (scheme://host[:port]) the application
// allows as redirect targets (success_url, fail_url, cancel_url,
// return_url). The zero value allows nothing.
type Origins struct {
	set map[string]bool
}

// NewOrigins parses origins such as "https://shop.example" or
// "http://127.0.0.1:8080". Paths, queries and userinfo are refused.
func NewOrigins(list []string) (*Origins, error) {
	o := &Origins{set: make(map[string]bool)}
	for _, raw := range list {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("payments: allowed origin %q must look like https://host[:port]", raw)
		}
		o.set[u.Scheme+"://"+strings.ToLower(u.Host)] = true
	}
	return o, nil
}

// List returns the allowed origins.
func (o *Origins) List() []string {
	var out []string
	for k := range o.set {
		out = append(out, k)
	}
	return out
}

// Check returns nil if raw is an absolute http(s) URL on an allowed
// origin, and otherwise an error for which payments.Code reports
// redirect_not_allowed, naming field. Scheme-relative URLs ("//evil"),
// other schemes ("javascript:"), userinfo tricks
// ("https://shop.example@evil") and backslashes are refused.
func (o *Origins) Check(field, raw string) error {
	refuse := func(why string) error {
		return &payments.Error{Code: payments.CodeRedirectNotAllowed, Message: fmt.Sprintf("%s %s", field, why)}
	}
	if raw == "" {
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: field + " is required"}
	}
	if len(raw) > 2048 {
		return refuse("is longer than 2048 characters")
	}
	if strings.ContainsAny(raw, "\\\r\n\t ") {
		return refuse("contains characters not allowed in a URL")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Opaque != "" {
		return refuse("must be an absolute URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return refuse("must be an http or https URL")
	}
	if u.User != nil {
		return refuse("must not contain user information")
	}
	if o == nil || !o.set[u.Scheme+"://"+strings.ToLower(u.Host)] {
		return refuse("is not on an allowed origin")
	}
	return nil
}
