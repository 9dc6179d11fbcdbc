package stripe

import (
	"net/http"
	"strings"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
	"github.com/payments-go/payments/internal/web"
	savedmethods "github.com/payments-go/payments/methods"
)

// SetupRequest is the body of POST /setup.
type SetupRequest struct {
	// CustomerID is the application's own id of the customer.
	CustomerID string `json:"customer_id"`
	// SuccessURL is where Stripe sends the customer once the card is
	// saved; the handler adds session_id={CHECKOUT_SESSION_ID} to its
	// query unless it holds the template already.
	SuccessURL string `json:"success_url"`
	CancelURL  string `json:"cancel_url"`
}

// SetupResponse is the answer to POST /setup.
type SetupResponse struct {
	// SessionID is the setup-mode Checkout Session ("cs_…").
	SessionID string `json:"session_id"`
	// URL is Stripe's hosted page; redirect the customer there.
	URL string `json:"url"`
}

// SetupVerifyRequest is the body of POST /setup/verify.
type SetupVerifyRequest struct {
	SessionID string `json:"session_id"`
}

func (r *SetupRequest) validate(o *web.Origins) error {
	if err := web.Text("customer_id", r.CustomerID, true, 128); err != nil {
		return err
	}
	if err := o.Check("success_url", r.SuccessURL); err != nil {
		return err
	}
	return o.Check("cancel_url", r.CancelURL)
}

// authorizeCustomer guards the routes that act for one customer.
func (h *handler) authorizeCustomer(r *http.Request, customerID string) error {
	return web.AuthorizeCustomer(h.customerAuth, h.adminAuth, r, customerID)
}

// withSessionID adds session_id={CHECKOUT_SESSION_ID} to u's query,
// unless u holds the template already.
func withSessionID(u string) string {
	if strings.Contains(u, "{CHECKOUT_SESSION_ID}") {
		return u
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "session_id={CHECKOUT_SESSION_ID}"
}

// setup serves POST /setup: the customer's Stripe Customer (created once)
// and a Checkout Session in setup mode.
func (h *handler) setup(w http.ResponseWriter, r *http.Request) {
	var req SetupRequest
	if err := web.Decode(w, r, &req); err != nil {
		h.fail(w, r, "", err)
		return
	}
	if err := req.validate(h.origins); err != nil {
		h.fail(w, r, "", err)
		return
	}
	if err := h.authorizeCustomer(r, req.CustomerID); err != nil {
		h.fail(w, r, "", err)
		return
	}
	started, err := h.svc.StartSave(r.Context(), payments.StartSaveRequest{
		Gateway: defaultName, CustomerID: req.CustomerID, SuccessURL: req.SuccessURL, FailURL: req.CancelURL,
		CallbackSuccessURL: withSessionID(req.SuccessURL), CallbackCancelURL: req.CancelURL,
	})
	if err != nil {
		h.fail(w, r, "", err)
		return
	}
	httpjson.Write(w, http.StatusOK, SetupResponse{SessionID: started.Session, URL: started.RedirectURL})
}

// setupVerify serves POST /setup/verify: it reads the session's
// SetupIntent from Stripe and stores its payment method, active.
func (h *handler) setupVerify(w http.ResponseWriter, r *http.Request) {
	var req SetupVerifyRequest
	if err := web.Decode(w, r, &req); err != nil {
		h.fail(w, r, "", err)
		return
	}
	if err := checkID("session_id", "cs_", req.SessionID, true); err != nil {
		h.fail(w, r, "", err)
		return
	}
	saved, err := h.svc.FinishSave(r.Context(), payments.FinishSaveRequest{Gateway: defaultName, Session: req.SessionID})
	if err != nil {
		h.fail(w, r, "", err)
		return
	}
	httpjson.Write(w, http.StatusOK, savedmethods.ViewOf(saved.Method))
}
