package web

import (
	"net/http"
	"strings"
	"sync"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
)

// Router is an http.ServeMux that answers a wrong method on a known path
// with the JSON 405 method_not_allowed and an Allow header, and an unknown
// path with a JSON 404.
type Router struct {
	mux     *http.ServeMux
	mu      sync.Mutex
	allow   map[string][]string
	gateway string
	trace   *payments.Trace
}

// NewRouter returns an empty Router.
func NewRouter() *Router {
	rt := &Router{mux: http.NewServeMux(), allow: make(map[string][]string)}
	rt.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpjson.Write(w, http.StatusNotFound, httpjson.ErrorBody{Error: httpjson.ErrorDetail{Code: "not_found", Message: "no such route"}})
	})
	return rt
}

// Observe makes the routes registered after it report to trace's route
// hooks, as routes of gateway ("" for the common ones). A nil trace, or
// one without route hooks, adds nothing to a request.
func (rt *Router) Observe(gateway string, trace *payments.Trace) {
	rt.gateway, rt.trace = gateway, trace
}

// Handle registers h for method and path ("POST", "/ready").
func (rt *Router) Handle(method, path string, h http.Handler) {
	if t := rt.trace; t != nil && (t.RouteStart != nil || t.RouteDone != nil || t.Webhook != nil) {
		h = observe(t, payments.Route{Gateway: rt.gateway, Method: method, Pattern: path}, h)
	}
	rt.mux.Handle(method+" "+path, h)
	rt.mu.Lock()
	defer rt.mu.Unlock()
	first := len(rt.allow[path]) == 0
	rt.allow[path] = append(rt.allow[path], method)
	if !first {
		return
	}
	rt.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		rt.mu.Lock()
		allow := strings.Join(rt.allow[path], ", ")
		rt.mu.Unlock()
		w.Header().Set("Allow", allow)
		httpjson.WriteError(w, &payments.Error{Code: payments.CodeMethodNotAllowed, Message: r.Method + " is not allowed here; use " + allow})
	})
}

// ServeHTTP implements http.Handler.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) { rt.mux.ServeHTTP(w, r) }
