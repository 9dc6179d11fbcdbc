package stripe

import (
	"net/http"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
	"github.com/payments-go/payments/internal/web"
	"github.com/payments-go/payments/status"
)

// ConfirmRequest is the body of POST /confirm. Only order_number is
// required: the order's latest attempt is confirmed, and
// payment_intent_id, if given, must be that attempt's PaymentIntent.
type ConfirmRequest struct {
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
// requires_action
// (https://docs.stripe.com/api/payment_intents/object#payment_intent_object-next_action).
// Type is "redirect_to_url" (send the customer to RedirectToURL; Stripe
// brings them back to the return_url, after which the frontend calls
// POST /verify) or "use_stripe_sdk" (no return_url was given: let
// Stripe.js handle it with the client secret).
type NextAction struct {
	Type          string `json:"type"`
	RedirectToURL string `json:"redirect_to_url,omitempty"`
}

func (r *ConfirmRequest) validate(o *web.Origins) error {
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

func (h *handler) confirm(w http.ResponseWriter, r *http.Request) {
	var req ConfirmRequest
	if err := web.Decode(w, r, &req); err != nil {
		h.fail(w, r, "", err)
		return
	}
	if err := req.validate(h.origins); err != nil {
		h.fail(w, r, "", err)
		return
	}
	// Only the order's latest attempt, a Stripe one with its own
	// PaymentIntent, is confirmed: the Service refuses a Checkout Session
	// (paid on Stripe's page) and never takes a client-supplied
	// payment_intent_id as an attempt's reference.
	p, err := h.svc.Confirm(r.Context(), payments.ConfirmRequest{
		OrderNumber: req.OrderNumber, Gateway: defaultName, Reference: req.PaymentIntentID,
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
