package stripe

import (
	"net/http"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
	"github.com/payments-go/payments/internal/web"
	"github.com/payments-go/payments/status"
)

// CaptureRequest is the body of POST /capture (admin).
type CaptureRequest struct {
	OrderNumber string `json:"order_number"`
	// Amount to capture in minor units; omitted, all that is capturable.
	// The rest of the authorisation is released.
	Amount int64 `json:"amount,omitempty"`
}

// VoidRequest is the body of POST /void (admin).
type VoidRequest struct {
	OrderNumber string `json:"order_number"`
	// Reason is kept in the log (at most 200 characters).
	Reason string `json:"reason,omitempty"`
}

// CloseDisputeRequest is the body of POST /dispute/close (admin).
type CloseDisputeRequest struct {
	OrderNumber string `json:"order_number"`
	// DisputeID is the Stripe dispute ("dp_…") to accept.
	DisputeID string `json:"dispute_id"`
}

func (r *CaptureRequest) validate() error {
	if err := checkOrderNumber(r.OrderNumber); err != nil {
		return err
	}
	if r.Amount < 0 {
		return web.Invalid("amount must be a positive integer in the currency's minor unit")
	}
	return nil
}

func (r *VoidRequest) validate() error {
	if err := checkOrderNumber(r.OrderNumber); err != nil {
		return err
	}
	return web.Text("reason", r.Reason, false, 200)
}

func (r *CloseDisputeRequest) validate() error {
	if err := checkOrderNumber(r.OrderNumber); err != nil {
		return err
	}
	return checkID("dispute_id", "dp_", r.DisputeID, true)
}

// capture is POST /capture: [payments.Service.Capture], answered with the
// payment's status view.
func (h *handler) capture(w http.ResponseWriter, r *http.Request) {
	if req, ok := decodeAdmin[CaptureRequest](h, w, r); ok {
		p, err := h.svc.Capture(r.Context(), req.OrderNumber, payments.Amount(req.Amount))
		h.answer(w, r, req.OrderNumber, p, err)
	}
}

// void is POST /void: [payments.Service.Void].
func (h *handler) void(w http.ResponseWriter, r *http.Request) {
	if req, ok := decodeAdmin[VoidRequest](h, w, r); ok {
		p, err := h.svc.Void(r.Context(), req.OrderNumber, req.Reason)
		h.answer(w, r, req.OrderNumber, p, err)
	}
}

// closeDispute is POST /dispute/close: [payments.Service.CloseDispute].
func (h *handler) closeDispute(w http.ResponseWriter, r *http.Request) {
	if req, ok := decodeAdmin[CloseDisputeRequest](h, w, r); ok {
		p, err := h.svc.CloseDispute(r.Context(), req.OrderNumber, req.DisputeID)
		h.answer(w, r, req.OrderNumber, p, err)
	}
}

// decodeAdmin decodes and checks the body of an admin route strictly; on
// failure it has answered, and ok is false.
func decodeAdmin[T any, P interface {
	*T
	validate() error
}](h *handler, w http.ResponseWriter, r *http.Request) (req T, ok bool) {
	if err := web.Decode(w, r, &req); err != nil {
		h.fail(w, r, "", err)
		return req, false
	}
	if err := P(&req).validate(); err != nil {
		h.fail(w, r, "", err)
		return req, false
	}
	return req, true
}

// answer writes the status view of p, or err.
func (h *handler) answer(w http.ResponseWriter, r *http.Request, order string, p *payments.Payment, err error) {
	if err != nil {
		h.fail(w, r, order, err)
		return
	}
	httpjson.Write(w, http.StatusOK, status.From(p))
}
