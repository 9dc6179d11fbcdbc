// Package httpapi mounts every route of the library with one
// constructor: the Toss and Stripe routes of the configured gateways,
// /status, the saved-method routes, /audit, and the admin routes, under a
// prefix of your choice (default /payments/).
//
// # Routes
//
//	POST /payments/toss/ready             GET  /payments/toss/success
//	GET  /payments/toss/fail              POST /payments/toss/confirm
//	POST /payments/toss/cancel (admin)    POST /payments/toss/virtual-account
//	POST /payments/toss/webhook
//	POST /payments/toss/billing/ready     GET  /payments/toss/billing/success
//	GET  /payments/toss/billing/fail
//	POST /payments/stripe/checkout        POST /payments/stripe/intent
//	POST /payments/stripe/confirm         POST /payments/stripe/verify
//	POST /payments/stripe/refund (admin)  POST /payments/stripe/webhook
//	POST /payments/stripe/capture (admin) POST /payments/stripe/void (admin)
//	POST /payments/stripe/dispute/close (admin)
//	POST /payments/stripe/setup           POST /payments/stripe/setup/verify
//	GET  /payments/methods (admin)        DELETE /payments/methods/{method_id} (admin)
//	POST /payments/charge (admin)         GET  /payments/audit (admin)
//	GET  /payments/status
//
// Only the routes of configured gateways appear; another method on a
// route answers 405 method_not_allowed, an unknown path under the prefix
// 404, both in the JSON error envelope.
//
// # Routers
//
// The result is an http.Handler that expects the full path (prefix
// included). Mount it on http.ServeMux with the prefix as a pattern
// ("/payments/"), or on any router that accepts an http.Handler (chi:
// r.Mount("/payments", h)).
package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/audit"
	"github.com/payments-go/payments/internal/httpjson"
	"github.com/payments-go/payments/methods"
	"github.com/payments-go/payments/status"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/toss"
)

// Config configures [New].
type Config struct {
	// Service does the work. Required.
	Service *payments.Service
	// Prefix is where the routes live; default "/payments/".
	Prefix string
	// PublicURL is the application's absolute base URL as browsers reach
	// it ("https://shop.example"); the Toss callback URLs are built from
	// it and the prefix, never from a request's Host header. Required
	// with Toss.
	PublicURL string
	// AllowedOrigins are the origins success_url, fail_url, cancel_url and
	// return_url may point to. Default: PublicURL's origin.
	AllowedOrigins []string
	// Authorize guards the admin routes (/toss/cancel, /stripe/refund,
	// /audit); nil refuses them with 403 forbidden. See
	// [payments.BearerToken].
	Authorize payments.Authorizer
	// StatusOwner, if set, reports whether a request to the status route
	// comes from someone who may see the full view of the order's payment
	// (for instance, the signed-in customer who placed it). Requests that
	// Authorize accepts see the full view too; everyone else gets the
	// public view (see package status).
	StatusOwner func(r *http.Request, order payments.Order) bool
	// Toss enables the Toss routes; the Service must have a gateway named
	// "toss".
	Toss *TossConfig
	// Stripe enables the Stripe routes; the Service must have a gateway
	// named "stripe".
	Stripe *StripeConfig
	// Logger receives the handlers' logs; nil means silence.
	Logger *slog.Logger
	// AuditLocation is the time zone of the days of GET /audit (see
	// package audit); default UTC.
	AuditLocation *time.Location
	// AuthorizeCustomer reports whether a request may save a payment
	// method for the customer (/toss/billing/ready, /stripe/setup): for
	// instance, the signed-in customer is that one. Nil leaves it to
	// Authorize, so that with neither those routes answer 403 forbidden.
	AuthorizeCustomer func(r *http.Request, customerID string) error
}

// TossConfig holds what only the Toss routes need.
type TossConfig struct {
	// ClientKey is the Toss client key handed to the browser.
	ClientKey string
}

// StripeConfig holds what only the Stripe routes need.
type StripeConfig struct {
	// WebhookSecret verifies Stripe-Signature headers (whsec_…).
	WebhookSecret payments.Secret
	// WebhookTolerance bounds the age of a signed event; default 5 min.
	WebhookTolerance time.Duration
}

// New returns the handler serving every configured route under
// cfg.Prefix.
func New(cfg Config) (http.Handler, error) {
	if cfg.Service == nil {
		return nil, errors.New("httpapi: Config.Service is required")
	}
	if cfg.Toss == nil && cfg.Stripe == nil {
		return nil, errors.New("httpapi: configure Toss, Stripe or both")
	}
	prefix := cfg.Prefix
	if prefix == "" {
		prefix = "/payments/"
	}
	if !strings.HasPrefix(prefix, "/") {
		prefix = "/" + prefix
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	origins := cfg.AllowedOrigins
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, errors.New("httpapi: PublicURL must be an absolute http(s) URL")
		}
		if len(origins) == 0 {
			origins = []string{u.Scheme + "://" + u.Host}
		}
	}
	mux := http.NewServeMux()
	notFound := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpjson.Write(w, http.StatusNotFound, httpjson.ErrorBody{Error: httpjson.ErrorDetail{Code: "not_found", Message: "no such route"}})
	})
	// Exact paths too, so that ServeMux does not redirect "/payments/toss"
	// to "/payments/toss/".
	for _, p := range []string{prefix, prefix + "toss", prefix + "stripe"} {
		mux.Handle(p, notFound)
	}
	if cfg.Toss != nil {
		if cfg.PublicURL == "" {
			return nil, errors.New("httpapi: PublicURL is required for the Toss callbacks")
		}
		h, err := toss.NewHandler(toss.HandlerConfig{
			Service:        cfg.Service,
			ClientKey:      cfg.Toss.ClientKey,
			CallbackBase:   strings.TrimSuffix(cfg.PublicURL, "/") + prefix + "toss",
			AllowedOrigins: origins,
			Authorize:      cfg.Authorize,
			Logger:         cfg.Logger,

			AuthorizeCustomer: cfg.AuthorizeCustomer,
		})
		if err != nil {
			return nil, err
		}
		mux.Handle(prefix+"toss/", http.StripPrefix(strings.TrimSuffix(prefix, "/")+"/toss", h))
	}
	if cfg.Stripe != nil {
		h, err := stripe.NewHandler(stripe.HandlerConfig{
			Service:          cfg.Service,
			WebhookSecret:    cfg.Stripe.WebhookSecret,
			WebhookTolerance: cfg.Stripe.WebhookTolerance,
			AllowedOrigins:   origins,
			Authorize:        cfg.Authorize,
			Logger:           cfg.Logger,

			AuthorizeCustomer: cfg.AuthorizeCustomer,
		})
		if err != nil {
			return nil, err
		}
		mux.Handle(prefix+"stripe/", http.StripPrefix(strings.TrimSuffix(prefix, "/")+"/stripe", h))
	}
	sh, err := status.NewHandler(status.Config{Service: cfg.Service, Admin: cfg.Authorize, Owner: cfg.StatusOwner})
	if err != nil {
		return nil, err
	}
	mux.Handle(prefix+"status", http.StripPrefix(strings.TrimSuffix(prefix, "/"), sh))
	ah, err := audit.NewHandler(audit.Config{Service: cfg.Service, Authorize: cfg.Authorize, Location: cfg.AuditLocation})
	if err != nil {
		return nil, err
	}
	mux.Handle(prefix+"audit", http.StripPrefix(strings.TrimSuffix(prefix, "/"), ah))
	mh, err := methods.NewHandler(methods.Config{Service: cfg.Service, Authorize: cfg.Authorize, AllowedOrigins: origins, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	for _, p := range []string{"methods", "methods/", "charge"} {
		mux.Handle(prefix+p, http.StripPrefix(strings.TrimSuffix(prefix, "/"), mh))
	}
	return mux, nil
}
