package status

import (
	"errors"
	"net/http"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
	"github.com/payments-go/payments/internal/web"
)

// Config configures [NewHandler].
type Config struct {
	// Service holds the payments. Required.
	Service *payments.Service
	// Admin, if set, lets the requests it accepts (nil error) see the full
	// view of every payment: the same authorizer as the admin routes.
	Admin payments.Authorizer
	// Owner, if set, reports whether a request comes from someone who may
	// see the full view of this order's payment, such as the signed-in
	// customer who placed it. It is called only for orders that exist.
	Owner func(r *http.Request, order payments.Order) bool
}

// NewHandler returns the handler of GET /status; mount it under any prefix
// with http.StripPrefix. order_number is required; refresh=true re-reads
// the gateway first. Requests accepted by Config.Admin or Config.Owner get
// the full view ([Payment]); all others the public view ([Public]). An
// unknown order → 404 order_not_found; an order without a payment → 404
// payment_not_found; another method → 405.
func NewHandler(cfg Config) (http.Handler, error) {
	if cfg.Service == nil {
		return nil, errors.New("status: Config.Service is required")
	}
	h := &handler{svc: cfg.Service, admin: cfg.Admin, owner: cfg.Owner}
	rt := web.NewRouter()
	rt.Observe("", cfg.Service.Trace())
	rt.Handle(http.MethodGet, "/status", http.HandlerFunc(h.status))
	return rt, nil
}

type handler struct {
	svc   *payments.Service
	admin payments.Authorizer
	owner func(*http.Request, payments.Order) bool
}

// full reports whether r may see the full view of the payment of the
// order numbered number.
func (h *handler) full(r *http.Request, number string) bool {
	if h.admin != nil && h.admin(r) == nil {
		return true
	}
	if h.owner == nil {
		return false
	}
	o, err := h.svc.Order(r.Context(), number)
	return err == nil && h.owner(r, o)
}

func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	order := q.Get("order_number")
	if order == "" || len(order) > 64 {
		httpjson.WriteError(w, web.Invalid("order_number is required (at most 64 characters)"))
		return
	}
	refresh := false
	switch q.Get("refresh") {
	case "", "false", "0":
	case "true", "1":
		refresh = true
	default:
		httpjson.WriteError(w, web.Invalid("refresh must be true or false"))
		return
	}
	p, err := h.svc.Payment(r.Context(), order)
	if err != nil {
		httpjson.WriteError(w, err)
		return
	}
	if refresh {
		np, err := h.svc.Refresh(r.Context(), payments.RefreshRequest{OrderNumber: order, Disputes: true})
		if err != nil {
			httpjson.WriteError(w, err)
			return
		}
		if np != nil {
			p = np
		}
	}
	// The answer depends on who asks: no cache may hand one caller's
	// full view to another.
	w.Header().Set("Vary", "Authorization, Cookie")
	if h.full(r, order) {
		WriteJSON(w, http.StatusOK, p)
		return
	}
	httpjson.Write(w, http.StatusOK, PublicFrom(p))
}

// WriteJSON answers with the view of p ([From]) as JSON, with the given
// HTTP status code and the headers of every JSON answer of this module
// (Content-Type, Cache-Control: no-store, nosniff), as the status route
// does. Handlers of an application's own routes can use it to answer in
// the same shape.
func WriteJSON(w http.ResponseWriter, code int, p *payments.Payment) {
	httpjson.Write(w, code, From(p))
}
