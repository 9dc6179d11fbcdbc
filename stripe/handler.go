package stripe

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
	"github.com/payments-go/payments/internal/web"
	"github.com/payments-go/payments/refund"
	"github.com/payments-go/payments/status"
)

// handlerGateway is the gateway name the handlers prepare, confirm and
// refund with; the Service must have a gateway of that name.
const handlerGateway = "stripe"

// webhookDeadline bounds the work done for one webhook delivery (a store
// read and one re-read from Stripe), so that Stripe gets an answer well
// within its own delivery timeout; on expiry the answer is 503 and Stripe
// delivers again later.
const webhookDeadline = 15 * time.Second

// HandlerConfig configures [NewHandler].
type HandlerConfig struct {
	// Service does all the work; it must have a gateway named "stripe"
	// (a [Gateway], or paymentstest.NewGateway("stripe") in tests).
	// Required.
	Service *payments.Service

	// WebhookSecret is the endpoint's signing secret ("whsec_…"). Without
	// it POST /webhook refuses every delivery with 400 invalid_signature
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
	// refund with 403 forbidden; see [refund.BearerToken].
	Authorize refund.Authorizer

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
//	POST /checkout  {order_number, success_url, cancel_url}
//	                → {order_number, status, session_id, url}
//	POST /intent    {order_number, payment_method_id}
//	                → {order_number, status, payment_intent_id, client_secret}
//	POST /confirm   {order_number, payment_intent_id?, payment_method_id?, return_url?}
//	                → the payment's status view (package status), plus
//	                  next_action {type, redirect_to_url} while it requires action
//	POST /verify    {order_number, session_id? | payment_intent_id?}
//	                → the payment's status view, after re-reading Stripe
//	POST /refund    {order_number, amount?, reason} (admin; package refund)
//	POST /webhook   Stripe events, signed (Stripe-Signature)
//
// Any other method on these paths answers 405 method_not_allowed, an
// unknown path 404; errors use the library's JSON envelope and codes.
//
// # Request rules
//
// Bodies are JSON (Content-Type application/json, else 415), at most
// 1 MiB (else 413), decoded strictly: unknown fields, wrong types and
// trailing data answer 400 invalid_request. order_number is required (at
// most 64 characters). Ids must look like Stripe's: payment_method_id
// "pm_…", payment_intent_id "pi_…", session_id "cs_…" (letters, digits
// and underscores, at most 255 characters). success_url and cancel_url
// are required; they and return_url must be absolute http(s) URLs on
// [HandlerConfig].AllowedOrigins (else 400 redirect_not_allowed).
// success_url may carry Stripe's literal {CHECKOUT_SESSION_ID} template.
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
// /checkout, /intent, /confirm, /verify and /refund accept an
// Idempotency-Key header: a repeat with the same key and body replays the
// first answer, another body with that key answers 409
// idempotency_key_reused. The cache is per handler and in memory; the
// money-moving operations are idempotent in the Service regardless.
//
// # Webhook
//
// The raw body (at most 1 MiB) is verified with [VerifyWebhook] against
// [HandlerConfig].WebhookSecret: a missing, malformed, wrong, stale or
// future signature answers 400 invalid_signature. Events of another API
// version than stripe-go's pinned one are accepted, since only ids and
// metadata are read from them. These types are acted on:
// checkout.session.completed, checkout.session.async_payment_succeeded,
// checkout.session.async_payment_failed, checkout.session.expired (the
// order from metadata.order_number or client_reference_id),
// payment_intent.succeeded, payment_intent.payment_failed,
// payment_intent.canceled (the order from metadata.order_number),
// charge.refunded and refund.updated (their payment_intent and
// metadata.order_number). For each, [payments.Service.HandleNotification]
// re-reads the object from Stripe (the event body is never trusted) and
// records the event id, so a redelivery does not call Stripe again. A
// PaymentIntent event for an attempt that does not know the intent yet (a
// Checkout Session whose intent arrived first) re-reads the order's
// latest attempt instead.
//
// The answer is 200 {"received": true, "result": …} for processed,
// duplicate and ignored events (other types, events for orders or
// payments this service does not know, and outcomes a redelivery cannot
// change such as an amount mismatch), so Stripe stops retrying; and 5xx
// when Stripe or the store could not be reached (503
// gateway_unavailable), so that Stripe delivers again.
func NewHandler(cfg HandlerConfig) (http.Handler, error) {
	if cfg.Service == nil {
		return nil, errors.New("stripe: HandlerConfig.Service is required")
	}
	if _, ok := cfg.Service.Gateway(handlerGateway); !ok {
		return nil, errors.New(`stripe: the Service has no gateway named "stripe"`)
	}
	if cfg.WebhookTolerance < 0 {
		return nil, errors.New("stripe: HandlerConfig.WebhookTolerance must not be negative")
	}
	origins, err := web.NewOrigins(cfg.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	h := &handler{
		svc:       cfg.Service,
		origins:   origins,
		secret:    cfg.WebhookSecret,
		tolerance: cfg.WebhookTolerance,
		log:       cfg.Logger,
		now:       cfg.Now,
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
	rt.Handle(http.MethodPost, "/checkout", replay.Idempotent(http.HandlerFunc(h.checkout)))
	rt.Handle(http.MethodPost, "/intent", replay.Idempotent(http.HandlerFunc(h.intent)))
	rt.Handle(http.MethodPost, "/confirm", replay.Idempotent(http.HandlerFunc(h.confirm)))
	rt.Handle(http.MethodPost, "/verify", replay.Idempotent(http.HandlerFunc(h.verify)))
	rt.Handle(http.MethodPost, "/refund", refund.NewHandler(refund.Config{
		Service: cfg.Service, Authorize: cfg.Authorize, Gateway: handlerGateway,
	}))
	rt.Handle(http.MethodPost, "/webhook", http.HandlerFunc(h.webhook))
	return rt, nil
}

type handler struct {
	svc       *payments.Service
	origins   *web.Origins
	secret    payments.Secret
	tolerance time.Duration
	log       *slog.Logger
	now       func() time.Time
}

// CheckoutRequest is the body of POST /checkout.
type CheckoutRequest struct {
	OrderNumber string `json:"order_number"`
	// SuccessURL is where Stripe sends the customer after paying; it may
	// contain the literal {CHECKOUT_SESSION_ID}, which Stripe replaces.
	SuccessURL string `json:"success_url"`
	// CancelURL is where Stripe sends a customer who goes back.
	CancelURL string `json:"cancel_url"`
}

// CheckoutResponse is the answer to POST /checkout.
type CheckoutResponse struct {
	OrderNumber string          `json:"order_number"`
	Status      payments.Status `json:"status"`
	// SessionID is the Checkout Session id ("cs_…").
	SessionID string `json:"session_id"`
	// URL is Stripe's hosted page; redirect the customer there.
	URL string `json:"url"`
}

// IntentRequest is the body of POST /intent.
type IntentRequest struct {
	OrderNumber string `json:"order_number"`
	// PaymentMethodID is the customer's payment method ("pm_…"), as
	// Stripe.js created it.
	PaymentMethodID string `json:"payment_method_id"`
}

// IntentResponse is the answer to POST /intent.
type IntentResponse struct {
	OrderNumber     string          `json:"order_number"`
	Status          payments.Status `json:"status"`
	PaymentIntentID string          `json:"payment_intent_id"`
	// ClientSecret is for the customer's browser (Stripe.js) only.
	ClientSecret string `json:"client_secret"`
}

// ConfirmBody is the body of POST /confirm. Only order_number is
// required: the order's latest attempt is confirmed, and
// payment_intent_id, if given, must be that attempt's PaymentIntent.
type ConfirmBody struct {
	OrderNumber     string `json:"order_number"`
	PaymentIntentID string `json:"payment_intent_id,omitempty"`
	// PaymentMethodID replaces the PaymentIntent's payment method.
	PaymentMethodID string `json:"payment_method_id,omitempty"`
	// ReturnURL is where the customer comes back after 3-D Secure.
	ReturnURL string `json:"return_url,omitempty"`
}

// ConfirmResponse is the answer to POST /confirm: the payment's status
// view and, while the payment requires an action, what to do next.
type ConfirmResponse struct {
	status.Payment
	NextAction *NextAction `json:"next_action,omitempty"`
}

// NextAction tells the frontend how the customer completes a payment in
// requires_action. Type is "redirect_to_url" (send the customer to
// RedirectToURL; Stripe brings them back to the return_url, after which
// the frontend calls POST /verify) or "use_stripe_sdk" (no return_url was
// given: let Stripe.js handle it with the client secret).
type NextAction struct {
	Type          string `json:"type"`
	RedirectToURL string `json:"redirect_to_url,omitempty"`
}

// VerifyRequest is the body of POST /verify. With neither id the order's
// latest attempt is re-read.
type VerifyRequest struct {
	OrderNumber     string `json:"order_number"`
	SessionID       string `json:"session_id,omitempty"`
	PaymentIntentID string `json:"payment_intent_id,omitempty"`
}

func invalid(msg string) error {
	return &payments.Error{Code: payments.CodeInvalidRequest, Message: msg}
}

func checkOrderNumber(n string) error {
	switch {
	case n == "":
		return invalid("order_number is required")
	case len(n) > 64 || !utf8.ValidString(n):
		return invalid("order_number must be valid text of at most 64 characters")
	}
	return nil
}

// checkID checks that id looks like a Stripe id with the given prefix:
// the prefix, then 1 to 255-len(prefix) letters, digits or underscores.
func checkID(field, prefix, id string, required bool) error {
	if id == "" {
		if required {
			return invalid(field + " is required")
		}
		return nil
	}
	ok := len(id) > len(prefix) && len(id) <= 255 && id[:len(prefix)] == prefix
	for i := len(prefix); ok && i < len(id); i++ {
		c := id[i]
		ok = c == '_' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
	}
	if !ok {
		return invalid(field + ` must be a Stripe id starting with "` + prefix + `"`)
	}
	return nil
}

func (r *CheckoutRequest) validate(o *web.Origins) error {
	if err := checkOrderNumber(r.OrderNumber); err != nil {
		return err
	}
	if err := o.Check("success_url", r.SuccessURL); err != nil {
		return err
	}
	return o.Check("cancel_url", r.CancelURL)
}

func (r *IntentRequest) validate() error {
	if err := checkOrderNumber(r.OrderNumber); err != nil {
		return err
	}
	return checkID("payment_method_id", "pm_", r.PaymentMethodID, true)
}

func (r *ConfirmBody) validate(o *web.Origins) error {
	if err := checkOrderNumber(r.OrderNumber); err != nil {
		return err
	}
	if err := checkID("payment_intent_id", "pi_", r.PaymentIntentID, false); err != nil {
		return err
	}
	if err := checkID("payment_method_id", "pm_", r.PaymentMethodID, false); err != nil {
		return err
	}
	if r.ReturnURL != "" {
		return o.Check("return_url", r.ReturnURL)
	}
	return nil
}

func (r *VerifyRequest) validate() error {
	if err := checkOrderNumber(r.OrderNumber); err != nil {
		return err
	}
	if r.SessionID != "" && r.PaymentIntentID != "" {
		return invalid("give session_id or payment_intent_id, not both")
	}
	if err := checkID("session_id", "cs_", r.SessionID, false); err != nil {
		return err
	}
	return checkID("payment_intent_id", "pi_", r.PaymentIntentID, false)
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
		h.log.ErrorContext(r.Context(), "stripe: request failed", append(attrs, "err", err)...)
	case payments.CodeGatewayUnavailable, payments.CodeGatewayError:
		h.log.WarnContext(r.Context(), "stripe: request failed", attrs...)
	default:
		h.log.InfoContext(r.Context(), "stripe: request refused", attrs...)
	}
	httpjson.WriteError(w, err)
}

// prepare is [payments.Service.Prepare] for the handlers. For a repeat of
// an earlier request the Service re-reads the attempt it prepared then
// (the open session, the PaymentIntent) and hands back Stripe's answer
// without recording it. When Stripe has moved on (the session expired
// after 24 hours; Stripe.js confirmed the intent with the client secret),
// handing back that session or intent as "ready" would be wrong: the
// attempt is refreshed instead, and if it is over, a new one is prepared
// (or, if it was paid, the Service answers already_paid).
func (h *handler) prepare(ctx context.Context, req payments.PrepareRequest) (*payments.Prepared, error) {
	prep, err := h.svc.Prepare(ctx, req)
	if err != nil {
		return nil, err
	}
	ch := prep.Charge
	if ch == nil || ch.Status == "" || ch.Status == prep.Attempt.Status {
		return prep, nil
	}
	p, err := h.svc.Refresh(ctx, payments.RefreshRequest{
		OrderNumber: req.OrderNumber, Reference: prep.Attempt.Reference, Session: prep.Attempt.Session,
	})
	if err != nil {
		return nil, err
	}
	a := p.Attempt(prep.Attempt.Number)
	if a == nil || !a.Status.Final() {
		if a != nil {
			prep.Attempt = *a
		}
		prep.Payment = p
		return prep, nil
	}
	h.log.InfoContext(ctx, "stripe: the prepared attempt ended at Stripe; preparing a new one",
		"order", req.OrderNumber, "attempt", a.Number, "status", a.Status)
	return h.svc.Prepare(ctx, req)
}

func (h *handler) checkout(w http.ResponseWriter, r *http.Request) {
	var req CheckoutRequest
	if err := httpjson.Decode(w, r, &req); err != nil {
		h.fail(w, r, "", err)
		return
	}
	if err := req.validate(h.origins); err != nil {
		h.fail(w, r, "", err)
		return
	}
	prep, err := h.prepare(r.Context(), payments.PrepareRequest{
		OrderNumber: req.OrderNumber, Gateway: handlerGateway,
		SuccessURL: req.SuccessURL, FailURL: req.CancelURL,
	})
	if err != nil {
		h.fail(w, r, req.OrderNumber, err)
		return
	}
	out := CheckoutResponse{
		OrderNumber: req.OrderNumber, Status: prep.Payment.Status,
		SessionID: prep.Attempt.Session, URL: prep.Attempt.RedirectURL,
	}
	if ch := prep.Charge; ch != nil {
		if ch.Session != "" {
			out.SessionID = ch.Session
		}
		if ch.RedirectURL != "" {
			out.URL = ch.RedirectURL
		}
	}
	httpjson.Write(w, http.StatusOK, out)
}

func (h *handler) intent(w http.ResponseWriter, r *http.Request) {
	var req IntentRequest
	if err := httpjson.Decode(w, r, &req); err != nil {
		h.fail(w, r, "", err)
		return
	}
	if err := req.validate(); err != nil {
		h.fail(w, r, "", err)
		return
	}
	prep, err := h.prepare(r.Context(), payments.PrepareRequest{
		OrderNumber: req.OrderNumber, Gateway: handlerGateway, PaymentMethod: req.PaymentMethodID,
	})
	if err != nil {
		h.fail(w, r, req.OrderNumber, err)
		return
	}
	out := IntentResponse{
		OrderNumber: req.OrderNumber, Status: prep.Payment.Status, PaymentIntentID: prep.Attempt.Reference,
	}
	if ch := prep.Charge; ch != nil {
		if ch.Reference != "" {
			out.PaymentIntentID = ch.Reference
		}
		out.ClientSecret = ch.ClientSecret.Reveal()
	}
	httpjson.Write(w, http.StatusOK, out)
}

func (h *handler) confirm(w http.ResponseWriter, r *http.Request) {
	var req ConfirmBody
	if err := httpjson.Decode(w, r, &req); err != nil {
		h.fail(w, r, "", err)
		return
	}
	if err := req.validate(h.origins); err != nil {
		h.fail(w, r, "", err)
		return
	}
	ctx := r.Context()
	// Only an attempt that has its own PaymentIntent is confirmed here: a
	// client-supplied payment_intent_id never becomes an attempt's
	// reference, and a Checkout Session is paid on Stripe's page.
	p, err := h.svc.Payment(ctx, req.OrderNumber)
	if err != nil {
		h.fail(w, r, req.OrderNumber, err)
		return
	}
	a := p.Latest()
	switch {
	case a == nil:
		err = &payments.Error{Code: payments.CodePaymentNotFound, Message: "the order has no payment attempt; call /intent first"}
	case a.Gateway != handlerGateway:
		err = &payments.Error{Code: payments.CodeInvalidState, Message: "the order's latest payment attempt is not a Stripe one"}
	case a.Session != "" && !a.Status.Paid():
		err = &payments.Error{Code: payments.CodeInvalidState, Message: "the order is paid through a Checkout Session; use /verify after the customer returns"}
	case a.Reference == "":
		err = &payments.Error{Code: payments.CodeInvalidState, Message: "the order has no PaymentIntent yet; call /intent first"}
	}
	if err != nil {
		h.fail(w, r, req.OrderNumber, err)
		return
	}
	p, err = h.svc.Confirm(ctx, payments.ConfirmRequest{
		OrderNumber: req.OrderNumber, Reference: req.PaymentIntentID,
		PaymentMethod: req.PaymentMethodID, ReturnURL: req.ReturnURL,
	})
	if err != nil {
		h.fail(w, r, req.OrderNumber, err)
		return
	}
	out := ConfirmResponse{Payment: status.From(p)}
	if p.Status == payments.StatusRequiresAction {
		out.NextAction = &NextAction{Type: "use_stripe_sdk"}
		if a := p.Latest(); a != nil && a.RedirectURL != "" {
			out.NextAction = &NextAction{Type: "redirect_to_url", RedirectToURL: a.RedirectURL}
		}
	}
	httpjson.Write(w, http.StatusOK, out)
}

func (h *handler) verify(w http.ResponseWriter, r *http.Request) {
	var req VerifyRequest
	if err := httpjson.Decode(w, r, &req); err != nil {
		h.fail(w, r, "", err)
		return
	}
	if err := req.validate(); err != nil {
		h.fail(w, r, "", err)
		return
	}
	p, err := h.svc.Refresh(r.Context(), payments.RefreshRequest{
		OrderNumber: req.OrderNumber, Reference: req.PaymentIntentID, Session: req.SessionID,
	})
	if err != nil {
		h.fail(w, r, req.OrderNumber, err)
		return
	}
	status.WriteJSON(w, http.StatusOK, p)
}

// webhookAnswer is the 200 answer to a webhook delivery.
type webhookAnswer struct {
	Received bool   `json:"received"`
	EventID  string `json:"event_id,omitempty"`
	Type     string `json:"type,omitempty"`
	// Result is "processed", "duplicate" or "ignored".
	Result string `json:"result"`
	Reason string `json:"reason,omitempty"`
}

func (h *handler) webhook(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if h.secret.IsZero() {
		h.fail(w, r, "", sigError(ErrWebhookNoSecret, nil))
		return
	}
	payload, err := io.ReadAll(http.MaxBytesReader(w, r.Body, httpjson.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = &payments.Error{Code: payments.CodeBodyTooLarge, Message: "request body is larger than 1 MiB"}
		} else {
			err = invalid("could not read the request body")
		}
		h.fail(w, r, "", err)
		return
	}
	ev, err := VerifyWebhook(payload, r.Header.Get("Stripe-Signature"), h.secret, h.now(), h.tolerance)
	if err != nil {
		h.fail(w, r, "", err)
		return
	}
	ans := webhookAnswer{Received: true, EventID: ev.ID, Type: string(ev.Type)}
	log := h.log.With("event", ev.ID, "type", ev.Type, "api_version", ev.APIVersion)
	nt, ok, reason := notification(ev)
	if !ok {
		log.DebugContext(ctx, "stripe: webhook event ignored", "reason", reason)
		ans.Result, ans.Reason = "ignored", reason
		httpjson.Write(w, http.StatusOK, ans)
		return
	}
	log = log.With("order", nt.OrderNumber)

	ctx, cancel := context.WithTimeout(ctx, webhookDeadline)
	defer cancel()
	p, err := h.svc.HandleNotification(ctx, nt)
	if payments.Code(err) == payments.CodePaymentNotFound && nt.Reference != "" {
		// No attempt knows this PaymentIntent yet, as for a Checkout
		// Session whose intent event arrived before the session's: the
		// order's latest attempt is re-read from Stripe instead (its own
		// session or intent, never the event's body).
		nt.Reference = ""
		p, err = h.svc.HandleNotification(ctx, nt)
	}
	switch code := payments.Code(err); {
	case err == nil && p == nil:
		ans.Result = "duplicate"
	case err == nil:
		ans.Result = "processed"
		log = log.With("status", p.Status)
	case code == payments.CodeOrderNotFound || code == payments.CodePaymentNotFound:
		ans.Result, ans.Reason = "ignored", string(code)
	case code == payments.CodeGatewayUnavailable || code == payments.CodeCanceled:
		log.WarnContext(ctx, "stripe: webhook not processed; Stripe will deliver again", "code", code)
		httpjson.WriteError(w, &payments.Error{Code: payments.CodeGatewayUnavailable,
			Message: "the event could not be processed now; deliver it again later"})
		return
	case code == payments.CodeGatewayError || code == payments.CodeInternal:
		log.ErrorContext(ctx, "stripe: webhook not processed; Stripe will deliver again", "code", code, "err", err)
		httpjson.WriteError(w, err)
		return
	default:
		// A definitive outcome that a redelivery would only repeat (the
		// Service recorded what it could, e.g. an amount mismatch).
		log.WarnContext(ctx, "stripe: webhook event refused by the service", "code", code)
		ans.Result, ans.Reason = "ignored", string(code)
	}
	log.InfoContext(ctx, "stripe: webhook event", "result", ans.Result)
	httpjson.Write(w, http.StatusOK, ans)
}
