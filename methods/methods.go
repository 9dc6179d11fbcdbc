// Package methods is the HTTP face of saved payment methods and of
// charges made with them while the customer is away: the admin routes
//
//	GET    /methods?customer_id=…  a customer's saved methods, a JSON array of [View]
//	DELETE /methods/{method_id}    revoke a method at its gateway; status removed
//	POST   /charge                 charge an order with a saved method, at most once
//
// and [View], the JSON shape of a method that the Toss and Stripe save
// routes answer too. The work is done by [payments.Service]
// (Methods, RemoveMethod, Charge); see the package documentation of
// payments, "Saved payment methods".
//
// The routes are admin routes: without an authorizer they answer 403
// forbidden, and a request the authorizer refuses 401 or 403. They never
// answer a gateway's billing key, customer key or client secret.
package methods

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
	"github.com/payments-go/payments/internal/web"
	"github.com/payments-go/payments/status"
)

// View is a saved payment method as the routes answer it. It holds no
// gateway handle: not the Toss billing key or customerKey, not the Stripe
// payment method or customer id.
type View struct {
	MethodID   string                `json:"method_id"`
	Gateway    string                `json:"gateway"`
	CustomerID string                `json:"customer_id"`
	Type       payments.Method       `json:"type"`
	Brand      string                `json:"brand"`
	Last4      string                `json:"last4"`
	Status     payments.MethodStatus `json:"status"`
	CreatedAt  time.Time             `json:"created_at"`
}

// ViewOf returns the view of m.
func ViewOf(m *payments.PaymentMethod) View {
	return View{MethodID: m.ID, Gateway: m.Gateway, CustomerID: m.CustomerID, Type: m.Type, Brand: m.Brand,
		Last4: m.Last4, Status: m.Status, CreatedAt: m.CreatedAt.UTC()}
}

// ChargeRequest is the body of POST /charge.
type ChargeRequest struct {
	OrderNumber string `json:"order_number"`
	MethodID    string `json:"method_id"`
	// ReturnURL, on an allowed origin, is where a customer who must
	// authenticate the charge returns afterwards.
	ReturnURL string `json:"return_url,omitempty"`
}

// ChargeResponse is the answer of POST /charge: the status view of the
// order's payment and, while the charge requires the customer's action,
// what brings them to it.
type ChargeResponse struct {
	status.Payment
	NextAction *NextAction `json:"next_action"`
}

// NextAction is the page where the customer authenticates a charge the
// bank held for it (Stripe authentication_required,
// https://docs.stripe.com/payments/save-and-reuse#charge-saved-payment-method).
type NextAction struct {
	Type        string `json:"type"`
	RedirectURL string `json:"redirect_url"`
}

// Config configures [NewHandler].
type Config struct {
	// Service does the work; its Store must keep saved methods
	// ([payments.MethodStore]). Required.
	Service *payments.Service
	// Authorize guards every route; nil refuses them with 403 forbidden.
	Authorize payments.Authorizer
	// AllowedOrigins are the origins a return_url may be on.
	AllowedOrigins []string
	// Logger receives the handler's logs; nil means silence.
	Logger *slog.Logger
}

type handler struct {
	svc     *payments.Service
	origins *web.Origins
	log     *slog.Logger
}

// NewHandler returns the handler of the routes, relative to where it is
// mounted.
func NewHandler(cfg Config) (http.Handler, error) {
	if cfg.Service == nil {
		return nil, errors.New("methods: Config.Service is required")
	}
	origins, err := web.NewOrigins(cfg.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	h := &handler{svc: cfg.Service, origins: origins, log: cfg.Logger}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	replay := web.NewReplayCache(10000, 24*time.Hour)
	rt := web.NewRouter()
	rt.Observe("", cfg.Service.Trace())
	rt.Handle(http.MethodGet, "/methods", web.Admin(cfg.Authorize, http.HandlerFunc(h.list)))
	rt.Handle(http.MethodDelete, "/methods/{method_id}", web.Admin(cfg.Authorize, http.HandlerFunc(h.remove)))
	rt.Handle(http.MethodPost, "/charge", web.Admin(cfg.Authorize, replay.Idempotent(http.HandlerFunc(h.charge))))
	return rt, nil
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k := range q {
		if k != "customer_id" {
			httpjson.WriteError(w, web.Invalid("unknown query parameter %q", web.Clip(k, 40)))
			return
		}
	}
	if len(q["customer_id"]) > 1 {
		httpjson.WriteError(w, web.Invalid("customer_id is given more than once"))
		return
	}
	list, err := h.svc.Methods(r.Context(), q.Get("customer_id"))
	if err != nil {
		httpjson.WriteError(w, err)
		return
	}
	// The answer is the JSON array of the views, oldest first.
	out := make([]View, 0, len(list))
	for _, m := range list {
		out = append(out, ViewOf(m))
	}
	httpjson.Write(w, http.StatusOK, out)
}

func (h *handler) remove(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("method_id")
	if !validMethodID(id) {
		httpjson.WriteError(w, &payments.Error{Code: payments.CodeMethodNotFound, Message: "no saved payment method has that id"})
		return
	}
	m, err := h.svc.RemoveMethod(r.Context(), id)
	if err != nil {
		h.log.WarnContext(r.Context(), "methods: remove", "code", payments.Code(err))
		httpjson.WriteError(w, err)
		return
	}
	httpjson.Write(w, http.StatusOK, ViewOf(m))
}

func (h *handler) charge(w http.ResponseWriter, r *http.Request) {
	var req ChargeRequest
	if err := web.Decode(w, r, &req); err != nil {
		httpjson.WriteError(w, err)
		return
	}
	if err := req.validate(); err != nil {
		httpjson.WriteError(w, err)
		return
	}
	if req.ReturnURL != "" {
		if err := h.origins.Check("return_url", req.ReturnURL); err != nil {
			httpjson.WriteError(w, err)
			return
		}
	}
	ctx := r.Context()
	p, err := h.svc.Charge(ctx, payments.ChargeRequest{OrderNumber: req.OrderNumber, MethodID: req.MethodID, ReturnURL: req.ReturnURL})
	if err != nil {
		h.log.WarnContext(ctx, "methods: charge", "order", req.OrderNumber, "code", payments.Code(err))
		httpjson.WriteError(w, err)
		return
	}
	out := ChargeResponse{Payment: status.From(p)}
	code := http.StatusOK
	if a := p.Latest(); a != nil {
		switch a.Status {
		case payments.StatusRequiresAction:
			if a.RedirectURL != "" {
				out.NextAction = &NextAction{Type: "redirect", RedirectURL: a.RedirectURL}
			}
		case payments.StatusProcessing:
			// Still unknown: the sweep settles it.
			code = http.StatusAccepted
		}
	}
	httpjson.Write(w, code, out)
}

func (req *ChargeRequest) validate() error {
	if err := web.Text("order_number", req.OrderNumber, true, 64); err != nil {
		return err
	}
	if req.MethodID == "" {
		return web.Invalid("method_id is required")
	}
	if !validMethodID(req.MethodID) {
		return &payments.Error{Code: payments.CodeMethodNotFound, Message: "no saved payment method has that id"}
	}
	return nil
}

// validMethodID is the shape of the ids the library gives methods.
func validMethodID(id string) bool {
	return len(id) > 5 && len(id) <= 64 && id[:5] == "meth_" && web.SafeChars(id, "_")
}
