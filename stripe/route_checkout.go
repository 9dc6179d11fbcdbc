package stripe

import (
	"context"
	"net/http"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
	"github.com/payments-go/payments/internal/web"
)

// CheckoutRequest is the body of POST /checkout.
type CheckoutRequest struct {
	OrderNumber string `json:"order_number"`
	// SuccessURL is where Stripe sends the customer after paying; it may
	// contain the literal {CHECKOUT_SESSION_ID}, which Stripe replaces.
	SuccessURL string `json:"success_url"`
	// CancelURL is where Stripe sends a customer who goes back.
	CancelURL string `json:"cancel_url"`
	// Capture is "manual" to authorise the payment only: it becomes
	// authorized and waits for POST /capture or /void
	// (https://docs.stripe.com/payments/place-a-hold-on-a-payment-method).
	// Omitted or "automatic", the money is taken at once.
	Capture string `json:"capture,omitempty"`
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

func (r *CheckoutRequest) validate(o *web.Origins) error {
	if err := checkOrderNumber(r.OrderNumber); err != nil {
		return err
	}
	if err := o.Check("success_url", r.SuccessURL); err != nil {
		return err
	}
	if err := checkCapture(r.Capture); err != nil {
		return err
	}
	return o.Check("cancel_url", r.CancelURL)
}

// checkCapture checks the capture field of /checkout and /intent.
func checkCapture(c string) error {
	switch payments.CaptureMethod(c) {
	case "", payments.CaptureAutomatic, payments.CaptureManual:
		return nil
	}
	return web.Invalid("capture must be \"automatic\" or \"manual\"")
}

func (h *handler) checkout(w http.ResponseWriter, r *http.Request) {
	var req CheckoutRequest
	if err := web.Decode(w, r, &req); err != nil {
		h.fail(w, r, "", err)
		return
	}
	if err := req.validate(h.origins); err != nil {
		h.fail(w, r, "", err)
		return
	}
	prep, err := h.prepare(r.Context(), payments.PrepareRequest{
		OrderNumber: req.OrderNumber, Gateway: defaultName,
		SuccessURL: req.SuccessURL, FailURL: req.CancelURL, Capture: payments.CaptureMethod(req.Capture),
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

// prepare is [payments.Service.Prepare] for /checkout and /intent. For a
// repeat of an earlier request the Service re-reads the attempt it
// prepared then (the open session, the PaymentIntent) and hands back
// Stripe's answer without recording it. When Stripe has moved on (the
// session expired after 24 hours; Stripe.js confirmed the intent with the
// client secret), handing back that session or intent as "ready" would be
// wrong: the attempt is refreshed instead, and if it is over, a new one is
// prepared (or, if it was paid, the Service answers already_paid).
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
