package web

import (
	"net/http"
	"strings"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
)

// Admin wraps next so that it runs only for requests auth allows: a nil
// auth refuses everything with 403 forbidden, and an error from auth other
// than unauthorized or forbidden is answered as 403 without its text.
func Admin(auth payments.Authorizer, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth == nil {
			httpjson.WriteError(w, &payments.Error{Code: payments.CodeForbidden,
				Message: "admin routes are disabled until the application configures an authorizer"})
			return
		}
		if err := auth(r); err != nil {
			if c := payments.Code(err); c != payments.CodeUnauthorized && c != payments.CodeForbidden {
				err = &payments.Error{Code: payments.CodeForbidden, Message: "forbidden"}
			}
			httpjson.WriteError(w, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// WantsJSON reports whether the client asked for JSON rather than a
// browser redirect.
func WantsJSON(r *http.Request) bool {
	a := r.Header.Get("Accept")
	return strings.Contains(a, "application/json") && !strings.Contains(a, "text/html")
}

// AuthorizeCustomer decides whether r may act for the customer
// customerID (save a payment method for them): byCustomer when the
// application gave one, else admin; with neither it refuses with 403
// forbidden, so that such routes are closed until the application says
// who may use them.
func AuthorizeCustomer(byCustomer func(r *http.Request, customerID string) error, admin payments.Authorizer, r *http.Request, customerID string) error {
	switch {
	case byCustomer != nil:
		return byCustomer(r, customerID)
	case admin != nil:
		return admin(r)
	}
	return &payments.Error{Code: payments.CodeForbidden,
		Message: "saving payment methods is disabled until the application configures AuthorizeCustomer (or an admin authorizer)"}
}
