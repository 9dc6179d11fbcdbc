package web

import (
	"context"
	"net/http"
	"time"

	"github.com/payments-go/payments"
)

// observe wraps h with the route hooks of t.
func observe(t *payments.Trace, route payments.Route, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &routeInfo{trace: t, route: route}
		ctx := context.WithValue(r.Context(), routeKey{}, ri)
		if t.RouteStart != nil {
			if nctx := t.RouteStart(ctx, route); nctx != nil {
				ctx = nctx
			}
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r.WithContext(ctx))
		if t.Webhook != nil && route.Pattern == webhookPattern {
			ri.webhookResult(ctx, sw.status)
		}
		if t.RouteDone != nil {
			t.RouteDone(ctx, route, payments.RouteResult{Status: sw.status, Duration: time.Since(start)})
		}
	})
}

type routeKey struct{}

// webhookPattern is the path of every gateway's webhook route.
const webhookPattern = "/webhook"

// routeInfo is what a handler's own helpers (the webhook answer) need of
// the route being served.
type routeInfo struct {
	trace *payments.Trace
	route payments.Route
	// What AnswerWebhook decided, for a webhook route.
	eventType string
	code      payments.ErrorCode
	ignored   bool
}

// webhookResult reports the outcome of a webhook delivery answered with
// status to the trace.
func (ri *routeInfo) webhookResult(ctx context.Context, status int) {
	res := payments.WebhookResult{Gateway: ri.route.Gateway, EventType: ri.eventType, Code: ri.code, Status: status}
	switch {
	case status >= 200 && status < 300 && ri.ignored:
		res.Result = Ignored
	case status >= 200 && status < 300:
		res.Result, res.Code = Processed, ""
	case status >= 500:
		res.Result = "retry"
	default:
		res.Result = "refused"
	}
	ri.trace.Webhook(ctx, res)
}

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
