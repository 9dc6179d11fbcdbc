package payments

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// Authorizer decides whether a request may use an admin route (refunds,
// cancels, saved methods, charges, the audit). It returns nil to allow,
// or an error: [ErrUnauthorized] for missing or wrong credentials (401),
// [ErrForbidden] for credentials without the right (403); any other error
// is answered as 403. A nil Authorizer refuses every request with 403:
// admin routes have no open default.
//
// Plug in the application's own session or API-key check, or use
// [BearerToken].
type Authorizer func(r *http.Request) error

// BearerToken returns an [Authorizer] that accepts exactly
// "Authorization: Bearer <token>", comparing in constant time. An empty
// token accepts nothing.
func BearerToken(token Secret) Authorizer {
	want := sha256.Sum256([]byte(token.Reveal()))
	return func(r *http.Request) error {
		scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || got == "" {
			return &Error{Code: CodeUnauthorized, Message: "admin credentials are required"}
		}
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if token.IsZero() || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			return &Error{Code: CodeUnauthorized, Message: "admin credentials are wrong"}
		}
		return nil
	}
}
