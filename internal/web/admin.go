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
