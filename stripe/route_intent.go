package stripe

import (
	"net/http"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
	"github.com/payments-go/payments/internal/web"
)

// IntentRequest is the body of POST /intent.
type IntentRequest struct {
	OrderNumber string `json:"order_number"`
	// PaymentMethodID is the customer's payment method ("pm_…"), as
	// Stripe.js created it.
	PaymentMethodID string `json:"payment_method_id"`
	// Capture is "manual" to authorise the payment only: it becomes
	// authorized and waits for POST /capture or /void
	// (https://docs.stripe.com/payments/place-a-hold-on-a-payment-method).
	// Omitted or "automatic", the money is taken at once.
	Capture string `json:"capture,omitempty"`
}

// IntentResponse is the answer to POST /intent.
type IntentResponse struct {
	OrderNumber     string          `json:"order_number"`
	Status          payments.Status `json:"status"`
	PaymentIntentID string          `json:"payment_intent_id"`
	// ClientSecret is for the customer's browser (Stripe.js) only.
	ClientSecret string `json:"client_secret"`
}

func (r *IntentRequest) validate() error {
	if err := checkOrderNumber(r.OrderNumber); err != nil {
		return err
	}
	if err := checkCapture(r.Capture); err != nil {
		return err
	}
	return checkID("payment_method_id", "pm_", r.PaymentMethodID, true)
}

func (h *handler) intent(w http.ResponseWriter, r *http.Request) {
	var req IntentRequest
	if err := web.Decode(w, r, &req); err != nil {
		h.fail(w, r, "", err)
		return
	}
	if err := req.validate(); err != nil {
		h.fail(w, r, "", err)
		return
	}
	prep, err := h.prepare(r.Context(), payments.PrepareRequest{
		OrderNumber: req.OrderNumber, Gateway: defaultName, PaymentMethod: req.PaymentMethodID,
		Capture: payments.CaptureMethod(req.Capture),
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
