package stripe

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
	"github.com/payments-go/payments/internal/web"
	"github.com/payments-go/payments/refund"
)

// HandlerConfig configures [NewHandler].
type HandlerConfig struct {
	// Service does all the work; it must have a gateway named "stripe"
	// (a [Gateway], or paymentstest.NewGateway("stripe") in tests).
	// Required.
	Service *payments.Service

	// WebhookSecret is the endpoint's signing secret ("whsec_…", see
	// https://docs.stripe.com/webhooks). Without it
	// POST /webhook refuses every delivery with 400 invalid_signature
	// (wrapping [ErrWebhookNoSecret]): nothing unverified is ever acted
	// on, and the other routes work as usual.
	WebhookSecret payments.Secret
	// WebhookTolerance is how far a delivery's signed timestamp may be
	// from Now, in either direction. Zero means
	// [DefaultWebhookTolerance] (300s).
	WebhookTolerance time.Duration

	// AllowedOrigins are the origins ("https://shop.example",
	// "http://127.0.0.1:8080") that success_url, cancel_url and return_url
	// must be on. Empty allows none: /checkout then refuses every request
	// with redirect_not_allowed, and /confirm accepts no return_url.
	AllowedOrigins []string

	// Authorize guards the admin route POST /refund. Nil refuses every
	// refund with 403 forbidden; see [payments.BearerToken].
	Authorize payments.Authorizer
	// AuthorizeCustomer reports whether a request may save a payment
	// method for the customer (POST /setup): for instance, the signed-in
	// customer is that one. Nil leaves it to Authorize, so that with
	// neither the route answers 403 forbidden.
	AuthorizeCustomer func(r *http.Request, customerID string) error

	// Logger receives one line per failed request and per webhook
	// outcome. Nil means silence. Secrets, client secrets, card data and
	// payloads are never logged.
	Logger *slog.Logger
	// Now is the clock used to check webhook timestamps; nil means
	// time.Now.
	Now func() time.Time
}

// NewHandler returns the Stripe HTTP API. Routes are relative to where it
// is mounted (the library's default mount is /payments/stripe/, see the
// example):
//
//	POST /checkout  {order_number, success_url, cancel_url, capture?}
//	                → {order_number, status, session_id, url}
//	POST /intent    {order_number, payment_method_id, capture?}
//	                → {order_number, status, payment_intent_id, client_secret}
//	POST /confirm   {order_number, payment_intent_id?, payment_method_id?, return_url?}
//	                → the payment's status view (package status), plus
//	                  next_action {type, redirect_to_url} while it requires action
//	POST /verify    {order_number, session_id? | payment_intent_id?}
//	                → the payment's status view, after re-reading Stripe
//	POST /refund    {order_number, amount?, reason, stripe_reason?} (admin; package refund)
//	POST /capture   {order_number, amount?} (admin) → the payment's status view
//	POST /void      {order_number, reason?} (admin) → the payment's status view
//	POST /dispute/close {order_number, dispute_id} (admin) → the payment's status view
//	POST /webhook   Stripe events, signed (Stripe-Signature)
//	POST /setup     {customer_id, success_url, cancel_url} → {session_id, url}: save a card
//	                (Checkout in setup mode; AuthorizeCustomer, else admin)
//	POST /setup/verify {session_id} → the saved method (package methods' View)
//
// Any other method on these paths answers 405 method_not_allowed, an
// unknown path 404; errors use the library's JSON envelope and codes.
//
// # Request rules
//
// Bodies are JSON (Content-Type application/json, else 415), at most
// 1 MiB (else 413), decoded strictly: an unknown field, a key given twice,
// a key that matches a field only when case is ignored ("ORDER_NUMBER"),
// wrong types and trailing data answer 400 invalid_request naming the
// problem, so that no proxy or log that reads the first of two values can
// disagree with the handler about what was asked. order_number is
// required (at most 64 characters). Ids must look like Stripe's:
// payment_method_id "pm_…", payment_intent_id "pi_…", session_id "cs_…"
// (letters, digits and underscores, at most 255 characters). success_url
// and cancel_url are required; they and return_url must be absolute
// http(s) URLs on [HandlerConfig].AllowedOrigins (else 400
// redirect_not_allowed). success_url may carry Stripe's literal
// {CHECKOUT_SESSION_ID} template
// (https://docs.stripe.com/payments/checkout/custom-success-page).
// /verify takes at most one of session_id and payment_intent_id.
//
// # Behaviour
//
// /checkout creates the order's Checkout Session, or returns the open one
// for a repeat of the same request; /intent creates a PaymentIntent with
// the payment method attached and does not confirm it (its client_secret
// is for the customer's browser only: it is never logged). /confirm
// confirms the latest attempt exactly once ([payments.Service.Confirm]); a
// Checkout Session attempt, or an order with no PaymentIntent yet,
// answers 409 invalid_state. A decline answers 402 payment_declined with
// Stripe's decline code as gateway_code; the customer may retry with a
// new /intent. /verify re-reads the session or PaymentIntent from Stripe
// and records it: status paid only when Stripe says paid and the amount
// and currency equal the order's (409 amount_mismatch otherwise).
//
// With "capture": "manual", /checkout and /intent authorise the payment
// only (https://docs.stripe.com/payments/place-a-hold-on-a-payment-method):
// once the customer has paid it is authorized, and /capture takes all or
// amount of it, once, releasing the rest (409 capture_exceeds_authorized
// above the authorisation, before Stripe is called), or /void releases it
// ([payments.Service.Capture], [payments.Service.Void]). /dispute/close
// accepts a dispute at Stripe ([payments.Service.CloseDispute]). The
// three are admin routes, refused like /refund until Authorize is set,
// and answer the payment's status view.
//
// /checkout, /intent, /confirm, /verify and /refund accept an
// Idempotency-Key header: a repeat with the same key and body replays the
// first answer, another body with that key answers 409
// idempotency_key_reused. The cache is per handler and in memory; the
// money-moving operations are idempotent in the Service regardless.
//
// # Webhook
//
// The raw body (at most 1 MiB; Content-Type application/json, text/json
// or none) is verified with [VerifyWebhook] against
// [HandlerConfig].WebhookSecret: a missing, malformed, wrong, stale or
// future signature answers 400 invalid_signature. Events of another API
// version than stripe-go's pinned one are accepted, since only ids and
// metadata are read from them. These types are acted on:
// checkout.session.completed, checkout.session.async_payment_succeeded,
// checkout.session.async_payment_failed, checkout.session.expired (the
// order from metadata.order_number or client_reference_id),
// payment_intent.succeeded, payment_intent.payment_failed,
// payment_intent.canceled (the order from metadata.order_number),
// charge.refunded, charge.refund.updated and refund.updated (their
// payment_intent and metadata.order_number), payment_intent.amount_capturable_updated,
// charge.captured and charge.expired (manual capture), and
// charge.dispute.created, .updated, .closed, .funds_withdrawn and
// .funds_reinstated, whose dispute is re-read from Stripe with its
// PaymentIntent, whose metadata names the order. At the pinned API version a
// card refund's status change arrives as charge.refund.updated, and
// refund.updated only from 2024-10-28.acacia
// (https://docs.stripe.com/changelog/acacia/2024-10-28/refund-webhook-update);
// both settle the payment's pending refunds. For each, [payments.Service.HandleNotification]
// re-reads the object from Stripe (the event body is never trusted) and
// records the event id, so a redelivery does not call Stripe again. A
// PaymentIntent event for an attempt that does not know the intent yet (a
// Checkout Session whose intent arrived first) re-reads the order's
// latest attempt instead. checkout.session.completed of a setup-mode
// session started by POST /setup (metadata.setup_id) stores its payment
// method through [payments.Service.FinishSave], which re-reads the
// session and its SetupIntent from Stripe, as POST /setup/verify does;
// other events of setup-mode sessions are ignored.
//
// The answer is 200 {"received": true, "event_id", "type", "result",
// "reason"} with result "processed" for an event applied (or already
// applied: a redelivery) and "ignored" for other types, for orders or
// payments this service does not know, and for outcomes a redelivery
// cannot change, such as an amount mismatch (reason names the code), so
// that Stripe stops retrying; and 5xx when Stripe or the store could not
// be reached (503 gateway_unavailable), so that Stripe delivers again
// (https://docs.stripe.com/webhooks).
func NewHandler(cfg HandlerConfig) (http.Handler, error) {
	if cfg.Service == nil {
		return nil, errors.New("stripe: HandlerConfig.Service is required")
	}
	gw, ok := cfg.Service.Gateway(defaultName)
	if !ok {
		return nil, errors.New(`stripe: the Service has no gateway named "stripe"`)
	}
	// Events of the other mode are refused: a test event must never
	// settle a live payment, nor a live one a test payment.
	live := false
	if l, ok := gw.(interface{ Live() bool }); ok {
		live = l.Live()
	}
	if cfg.WebhookTolerance < 0 {
		return nil, errors.New("stripe: HandlerConfig.WebhookTolerance must not be negative")
	}
	origins, err := web.NewOrigins(cfg.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	refunds, err := refund.NewHandler(refund.Config{Service: cfg.Service, Authorize: cfg.Authorize, Gateway: defaultName})
	if err != nil {
		return nil, err
	}
	h := &handler{
		svc:       cfg.Service,
		live:      live,
		origins:   origins,
		secret:    cfg.WebhookSecret,
		tolerance: cfg.WebhookTolerance,
		log:       cfg.Logger,
		now:       cfg.Now,

		customerAuth: cfg.AuthorizeCustomer,
		adminAuth:    cfg.Authorize,
	}
	if h.tolerance == 0 {
		h.tolerance = DefaultWebhookTolerance
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.secret.IsZero() {
		h.log.Warn("stripe: no webhook secret configured; POST /webhook refuses every delivery")
	}

	replay := web.NewReplayCache(10000, 24*time.Hour)
	rt := web.NewRouter()
	rt.Observe(defaultName, cfg.Service.Trace())
	rt.Handle(http.MethodPost, "/checkout", replay.Idempotent(http.HandlerFunc(h.checkout)))
	rt.Handle(http.MethodPost, "/intent", replay.Idempotent(http.HandlerFunc(h.intent)))
	rt.Handle(http.MethodPost, "/confirm", replay.Idempotent(http.HandlerFunc(h.confirm)))
	rt.Handle(http.MethodPost, "/verify", replay.Idempotent(http.HandlerFunc(h.verify)))
	rt.Handle(http.MethodPost, "/refund", refunds)
	rt.Handle(http.MethodPost, "/webhook", http.HandlerFunc(h.webhook))
	rt.Handle(http.MethodPost, "/setup", replay.Idempotent(http.HandlerFunc(h.setup)))
	rt.Handle(http.MethodPost, "/setup/verify", replay.Idempotent(http.HandlerFunc(h.setupVerify)))
	// Manual capture and disputes: admin routes, refused like /refund
	// until the application plugs in its authorizer.
	rt.Handle(http.MethodPost, "/capture", web.Admin(cfg.Authorize, replay.Idempotent(http.HandlerFunc(h.capture))))
	rt.Handle(http.MethodPost, "/void", web.Admin(cfg.Authorize, replay.Idempotent(http.HandlerFunc(h.void))))
	rt.Handle(http.MethodPost, "/dispute/close", web.Admin(cfg.Authorize, replay.Idempotent(http.HandlerFunc(h.closeDispute))))
	return rt, nil
}

// handler serves the routes of [NewHandler]; the gateway it prepares,
// confirms and refunds with is the Service's "stripe".
type handler struct {
	svc       *payments.Service
	live      bool // whether the gateway's key is live; events must match
	origins   *web.Origins
	secret    payments.Secret
	tolerance time.Duration
	log       *slog.Logger
	now       func() time.Time
	// customerAuth and adminAuth guard POST /setup (route_setup.go).
	customerAuth func(r *http.Request, customerID string) error
	adminAuth    payments.Authorizer
}

// fail answers err with its status and envelope, and logs it.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, order string, err error) {
	code := payments.Code(err)
	attrs := []any{"route", r.URL.Path, "code", code}
	if order != "" {
		attrs = append(attrs, "order", order)
	}
	switch code {
	case payments.CodeInternal:
		// Internal errors are not *payments.Error; their text stays in
		// the log and never reaches the client.
		h.log.ErrorContext(r.Context(), "stripe: request failed", append(attrs, "error", err)...)
	case payments.CodeGatewayUnavailable, payments.CodeGatewayError:
		h.log.WarnContext(r.Context(), "stripe: request failed", attrs...)
	default:
		h.log.InfoContext(r.Context(), "stripe: request refused", attrs...)
	}
	httpjson.WriteError(w, err)
}

// checkOrderNumber checks the order_number every route takes.
func checkOrderNumber(n string) error {
	return web.Text("order_number", n, true, 64)
}

// checkID checks that id looks like a Stripe id with the given prefix:
// the prefix, then 1 to 255-len(prefix) letters, digits or underscores.
func checkID(field, prefix, id string, required bool) error {
	if id == "" {
		if required {
			return web.Invalid("%s is required", field)
		}
		return nil
	}
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok || rest == "" || len(id) > 255 || !web.SafeChars(rest, "_") {
		return web.Invalid("%s must be a Stripe id starting with %q", field, prefix)
	}
	return nil
}
