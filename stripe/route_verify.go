package stripe

import (
	"net/http"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/web"
	"github.com/payments-go/payments/status"
)

// VerifyRequest is the body of POST /verify. With neither id the order's
// latest attempt is re-read.
type VerifyRequest struct {
	OrderNumber     string `json:"order_number"`
	SessionID       string `json:"session_id,omitempty"`
	PaymentIntentID string `json:"payment_intent_id,omitempty"`
}

func (r *VerifyRequest) validate() error {
	if err := checkOrderNumber(r.OrderNumber); err != nil {
		return err
	}
	if r.SessionID != "" && r.PaymentIntentID != "" {
		return web.Invalid("give session_id or payment_intent_id, not both")
	}
	if err := checkID("session_id", "cs_", r.SessionID, false); err != nil {
		return err
	}
	return checkID("payment_intent_id", "pi_", r.PaymentIntentID, false)
}

func (h *handler) verify(w http.ResponseWriter, r *http.Request) {
	var req VerifyRequest
	if err := web.Decode(w, r, &req); err != nil {
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
