package stripe

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/web"
)

// webhookDeadline bounds the work done for one webhook delivery (a store
// read and one re-read from Stripe), so that Stripe gets an answer well
// within its own delivery timeout; on expiry the answer is 503 and Stripe
// delivers again later.
const webhookDeadline = 15 * time.Second

func (h *handler) webhook(w http.ResponseWriter, r *http.Request) {
	if h.secret.IsZero() {
		h.fail(w, r, "", sigError(ErrWebhookNoSecret, nil))
		return
	}
	payload, err := web.ReadEventBody(w, r)
	if err != nil {
		h.fail(w, r, "", err)
		return
	}
	ev, err := VerifyWebhook(payload, r.Header.Get("Stripe-Signature"), h.secret, h.now(), h.tolerance)
	if err != nil {
		h.fail(w, r, "", err)
		return
	}
	if ev.Livemode != h.live {
		// Signed with this endpoint's secret, yet of the other mode: a
		// misconfiguration (one secret for both modes) or a replay from
		// the other world. Nothing is applied.
		h.log.ErrorContext(r.Context(), "stripe: webhook event of the other mode refused", "event", ev.ID, "livemode", ev.Livemode)
		h.fail(w, r, "", &payments.Error{Code: payments.CodeInvalidSignature, Message: "the event's livemode does not match the gateway's key", Err: ErrWebhookLivemode})
		return
	}
	ctx := r.Context()
	ans := web.WebhookAnswer{Received: true, EventID: ev.ID, Type: string(ev.Type)}
	log := h.log.With("event", ev.ID, "type", ev.Type, "api_version", ev.APIVersion)
	session, isSetup, reason := setupSession(ev)
	if session != "" {
		h.saveFromWebhook(w, r, ans, log.With("session", session), session)
		return
	}
	var nt payments.Notification
	ok := false
	if !isSetup {
		nt, ok, reason = notification(ev)
	}
	if !ok {
		ans.Result, ans.Reason = web.Ignored, reason
		web.AnswerWebhook(w, r, ans, nil)
		log.DebugContext(ctx, "stripe: webhook event ignored", "reason", reason)
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
	var done []any
	if p != nil {
		done = []any{"status", p.Status}
	}
	answer(ctx, w, r, ans, log, err, done...)
}

// answer answers a delivery with err, the outcome of applying its event,
// and logs the outcome; done describes a success.
func answer(ctx context.Context, w http.ResponseWriter, r *http.Request, ans web.WebhookAnswer, log *slog.Logger, err error, done ...any) {
	level := web.AnswerWebhook(w, r, ans, err)
	switch {
	case err != nil && level >= slog.LevelError:
		// Someone should look: keep the error's text in the log (never
		// in the answer).
		log = log.With("code", payments.Code(err), "error", err)
	case err != nil:
		log = log.With("code", payments.Code(err))
	default:
		log = log.With(done...)
	}
	log.Log(ctx, level, "stripe: webhook event")
}

// saveFromWebhook stores the payment method of a completed setup-mode
// Checkout Session, as POST /setup/verify does, for a customer who never
// came back to the success page: [payments.Service.FinishSave] re-reads
// the session and its SetupIntent from Stripe (the event's body names the
// session and nothing more), and stores the method once, with one
// [payments.EventMethodSaved], however often the event and the verify
// come, and in either order.
func (h *handler) saveFromWebhook(w http.ResponseWriter, r *http.Request, ans web.WebhookAnswer, log *slog.Logger, session string) {
	ctx, cancel := context.WithTimeout(r.Context(), webhookDeadline)
	defer cancel()
	saved, err := h.svc.FinishSave(ctx, payments.FinishSaveRequest{Gateway: defaultName, Session: session})
	var done []any
	if err == nil {
		done = []any{"method", saved.Method.ID, "setup", saved.Setup.ID}
	}
	answer(ctx, w, r, ans, log, err, done...)
}

// setupSession routes a verified event about a setup-mode Checkout
// Session (https://docs.stripe.com/payments/save-and-reuse?platform=checkout):
// isSetup reports that the event is about one, and id is the session to
// save the method of, for checkout.session.completed of a session the
// library started (its metadata names the setup); otherwise reason says
// why the event is ignored. Only the mode, the id and the setup id are
// read from the body, to route the event: the session itself is re-read
// from Stripe.
func setupSession(ev stripego.Event) (id string, isSetup bool, reason string) {
	if !sessionEvents[ev.Type] {
		return "", false, ""
	}
	var obj eventObject
	if err := json.Unmarshal(ev.Data.Raw, &obj); err != nil || obj.Mode != string(stripego.CheckoutSessionModeSetup) {
		return "", false, ""
	}
	switch {
	case ev.Type != stripego.EventTypeCheckoutSessionCompleted:
		return "", true, "setup session event not acted on"
	case obj.Metadata[metaSetupID] == "":
		return "", true, "setup session not started by this library"
	case checkID("id", "cs_", obj.ID, true) != nil:
		return "", true, "event names no session"
	}
	return obj.ID, true, ""
}

// The events the webhook acts on
// (https://docs.stripe.com/api/events/types). Every other type is
// acknowledged with 200 and ignored.
var (
	sessionEvents = map[stripego.EventType]bool{
		stripego.EventTypeCheckoutSessionCompleted:             true,
		stripego.EventTypeCheckoutSessionAsyncPaymentSucceeded: true,
		stripego.EventTypeCheckoutSessionAsyncPaymentFailed:    true,
		stripego.EventTypeCheckoutSessionExpired:               true,
	}
	intentEvents = map[stripego.EventType]bool{
		stripego.EventTypePaymentIntentSucceeded:     true,
		stripego.EventTypePaymentIntentPaymentFailed: true,
		stripego.EventTypePaymentIntentCanceled:      true,
		// Manual capture: the authorisation
		// (https://docs.stripe.com/payments/place-a-hold-on-a-payment-method).
		stripego.EventTypePaymentIntentAmountCapturableUpdated: true,
	}
	// At the pinned API version 2023-10-16 a charge's refund is
	// announced by charge.refunded and its status changes by
	// charge.refund.updated; refund.updated is sent only for refunds
	// without a charge until 2024-10-28.acacia, and for every refund
	// after it
	// (https://docs.stripe.com/changelog/acacia/2024-10-28/refund-webhook-update).
	// All three are acted on, so that either version's endpoint works:
	// each re-reads the payment, and a redelivery or the other family's
	// event for the same change only re-reads it again.
	refundEvents = map[stripego.EventType]bool{
		stripego.EventTypeChargeRefunded:      true, // object: charge
		stripego.EventTypeChargeRefundUpdated: true, // object: refund
		stripego.EventTypeRefundUpdated:       true, // object: refund
		// The capture of an authorisation, and its lapse; both name the
		// PaymentIntent the same way (object: charge).
		stripego.EventTypeChargeCaptured: true,
		stripego.EventTypeChargeExpired:  true,
	}
	// Disputes (https://docs.stripe.com/disputes/how-disputes-work;
	// object: dispute): the dispute is re-read from Stripe.
	disputeEvents = map[stripego.EventType]bool{
		stripego.EventTypeChargeDisputeCreated:         true,
		stripego.EventTypeChargeDisputeUpdated:         true,
		stripego.EventTypeChargeDisputeClosed:          true,
		stripego.EventTypeChargeDisputeFundsWithdrawn:  true,
		stripego.EventTypeChargeDisputeFundsReinstated: true,
	}
)

// eventObject holds the few fields read from an event's data.object: the
// ones that are stable across API versions. Nothing else in the event is
// trusted; the Service re-reads the object from Stripe.
type eventObject struct {
	ID                string `json:"id"`
	ClientReferenceID string `json:"client_reference_id"`
	// Mode is a Checkout Session's: "payment", or "setup" for a session
	// that saves a payment method.
	Mode          string            `json:"mode"`
	Metadata      map[string]string `json:"metadata"`
	PaymentIntent expandableID      `json:"payment_intent"`
}

// expandableID decodes a Stripe expandable field
// (https://docs.stripe.com/api/expanding_objects): an id string, an
// expanded object with an id, or null.
type expandableID string

func (e *expandableID) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*e = expandableID(s)
		return nil
	}
	var o struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*e = expandableID(o.ID)
	return nil
}

// notification maps a verified event to the Service's notification. It
// returns ok=false, with a reason, for events the webhook does not act on.
// The object is decoded tolerantly: an event rendered at another API
// version whose fields do not have the expected shapes is ignored, not
// refused, as a redelivery could not change it.
func notification(ev stripego.Event) (nt payments.Notification, ok bool, reason string) {
	nt = payments.Notification{Gateway: defaultName, EventID: ev.ID}
	isSession, isIntent, isRefund := sessionEvents[ev.Type], intentEvents[ev.Type], refundEvents[ev.Type]
	if !isSession && !isIntent && !isRefund && !disputeEvents[ev.Type] {
		return nt, false, "event type not handled"
	}
	var obj eventObject
	if err := json.Unmarshal(ev.Data.Raw, &obj); err != nil {
		return nt, false, "event object not understood"
	}
	if disputeEvents[ev.Type] {
		// The dispute names its PaymentIntent, whose metadata names the
		// order: the Service reads both from Stripe.
		if obj.ID == "" {
			return nt, false, "event names no dispute"
		}
		nt.Dispute = obj.ID
		return nt, true, ""
	}
	nt.OrderNumber = obj.Metadata[metaOrderNumber]
	switch {
	case isSession:
		if nt.OrderNumber == "" {
			nt.OrderNumber = obj.ClientReferenceID
		}
		nt.Session = obj.ID
	case isIntent:
		nt.Reference = obj.ID
	case isRefund:
		nt.Reference = string(obj.PaymentIntent)
	}
	switch {
	case nt.OrderNumber == "":
		return nt, false, "event names no order"
	case nt.Session == "" && nt.Reference == "":
		return nt, false, "event names no session or payment intent"
	}
	return nt, true, ""
}
