package payments

import (
	"context"
	"sync"
	"time"
)

// Trace observes the library's work, in the style of net/http/httptrace
// and pgx's tracers: every field is optional, and a nil *Trace or a nil
// field costs nothing. The otel module (github.com/payments-go/payments/otel)
// turns a Trace into OpenTelemetry spans and metrics; an application can
// also fill in the fields it wants itself.
//
// The hooks are called synchronously on the goroutine doing the work, so
// they must be quick and must not block. They never see a secret: keys,
// webhook secrets, deposit secrets and client secrets are not in any of
// their arguments.
type Trace struct {
	// RouteStart is called when one of the library's HTTP handlers starts
	// serving a route. The context it returns (with a span, say) is the
	// request's context from then on; nil keeps ctx.
	RouteStart func(ctx context.Context, r Route) context.Context
	// RouteDone is called when the handler has answered.
	RouteDone func(ctx context.Context, r Route, res RouteResult)

	// GatewayCallStart is called before each call the Service makes to a
	// gateway. The context it returns is passed to the gateway (so a span
	// started here is the parent of the gateway's HTTP requests) and to
	// GatewayCallDone; nil keeps ctx.
	GatewayCallStart func(ctx context.Context, c GatewayCall) context.Context
	// GatewayCallDone is called when the gateway call has returned.
	GatewayCallDone func(ctx context.Context, c GatewayCall, res GatewayCallResult)

	// Changed is called once for each event of a change, right after the
	// change and its events are stored: a status change, a new attempt, a
	// refund pending, succeeded or failed, a late payment.
	Changed func(ctx context.Context, e Event)

	// CaptureChanged is called once for each change of an attempt's
	// [Capture] or [Void], right after it is stored: recorded pending,
	// succeeded or failed.
	CaptureChanged func(ctx context.Context, c CaptureChange)

	// Webhook is called when a webhook delivery from a gateway has been
	// answered.
	Webhook func(ctx context.Context, w WebhookResult)

	// EventDelivered is called after each try to hand an event to the
	// application's event handler.
	EventDelivered func(ctx context.Context, d DeliveryResult)

	// Reconciled is called for each payment a reconciliation sweep
	// changed.
	Reconciled func(ctx context.Context, c Change)
}

// Route names an HTTP route of the library.
type Route struct {
	// Gateway is "toss" or "stripe", or "" for the common routes.
	Gateway string
	// Method and Pattern are as the route is registered: "POST",
	// "/ready".
	Method, Pattern string
}

// RouteResult is how a route answered.
type RouteResult struct {
	// Status is the HTTP status answered.
	Status int
	// Duration is the time from RouteStart to the answer.
	Duration time.Duration
}

// GatewayCall names one call of the Service to a gateway.
type GatewayCall struct {
	Gateway string
	// Operation is what the call does: "prepare", "confirm", "lookup",
	// "refund", "cancel", "issue_virtual_account", "charge" (a saved
	// method, [Service.Charge]), "capture", "void", "dispute" and
	// "disputes" (reading a dispute, or an attempt's disputes),
	// "close_dispute", and for saved methods "create_customer",
	// "start_save", "finish_save", "remove_method".
	Operation string
	// OrderNumber and Attempt name the payment the call is about; they
	// are empty for the calls about saved methods, and Attempt is 0 for
	// reading a dispute.
	OrderNumber string
	Attempt     int
}

// GatewayCallResult is the outcome of a [GatewayCall].
type GatewayCallResult struct {
	// Code is the error's code, or "" when the call succeeded.
	Code ErrorCode
	// Retries is how many times the gateway's client sent the request
	// again (after a timeout, a connection reset, a 5xx or a 429), and
	// Replayed whether the gateway answered with the stored result of an
	// earlier request with the same idempotency key, as far as the
	// gateway reports them (see [CountRetry], [MarkReplayed]).
	Retries  int
	Replayed bool
	Duration time.Duration
}

// CaptureChange is one change of the [Capture] or [Void] of an attempt.
type CaptureChange struct {
	Gateway     string
	OrderNumber string
	Attempt     int
	// Operation is "capture" or "void".
	Operation string
	// Status is the status reached: "pending", "succeeded" or "failed"
	// ([CaptureStatus], [VoidStatus]).
	Status string
	// Amount is the capture's amount, in Currency's minor unit; zero for
	// a void.
	Amount   Amount
	Currency Currency
}

// traceCaptures tells t's CaptureChanged of every capture and void whose
// status differs between before and after, two versions of a payment.
func (t *Trace) traceCaptures(ctx context.Context, before, after *Payment) {
	if t == nil || t.CaptureChanged == nil {
		return
	}
	for i := range after.Attempts {
		a := &after.Attempts[i]
		var old *Attempt
		if before != nil {
			old = before.Attempt(a.Number)
		}
		c := CaptureChange{Gateway: a.Gateway, OrderNumber: after.OrderNumber, Attempt: a.Number, Currency: after.Currency}
		if a.Capture != nil && (old == nil || old.Capture == nil || old.Capture.Status != a.Capture.Status) {
			c.Operation, c.Status, c.Amount = "capture", string(a.Capture.Status), a.Capture.Amount
			t.CaptureChanged(ctx, c)
		}
		if a.Void != nil && (old == nil || old.Void == nil || old.Void.Status != a.Void.Status) {
			c.Operation, c.Status, c.Amount = "void", string(a.Void.Status), 0
			t.CaptureChanged(ctx, c)
		}
	}
}

// WebhookResult is how a webhook delivery was answered.
type WebhookResult struct {
	Gateway string
	// EventType is the gateway's own name of the event
	// ("checkout.session.completed", "DEPOSIT_CALLBACK").
	EventType string
	// Result is "processed" or "ignored" for a 200; "refused" for a 400
	// (a bad signature or body); "retry" when the gateway is asked to
	// deliver again (5xx).
	Result string
	// Code is the error code behind a result other than processed.
	Code   ErrorCode
	Status int
}

// DeliveryResult is the outcome of one try to hand an event to the
// application's handler.
type DeliveryResult struct {
	Event Event
	// Lag is the time from the change being stored to the end of this
	// try.
	Lag time.Duration
	// Try counts from 1.
	Try int
	// Err is what the handler returned (or the panic it raised); nil when
	// it handled the event.
	Err error
	// Dead reports that this was the last try: the event is dead until
	// requeued.
	Dead bool
}

type callStats struct {
	mu       sync.Mutex
	retries  int
	replayed bool
	sent     map[string]bool
}

type callStatsKey struct{}

// CountRetry records, for the [Trace] of the gateway call running in
// ctx, that the gateway's client sent its request again. Gateway
// implementations call it; without a trace it does nothing.
func CountRetry(ctx context.Context) {
	if st, ok := ctx.Value(callStatsKey{}).(*callStats); ok {
		st.mu.Lock()
		st.retries++
		st.mu.Unlock()
	}
}

// CountRequest records, for the [Trace] of the gateway call running in
// ctx, that the gateway's client is sending request, a string that names
// it (method, path and idempotency key, say): the same request sent again
// within the call counts as a retry. It serves clients whose retries
// happen out of sight, in an http.RoundTripper; without a trace it does
// nothing.
func CountRequest(ctx context.Context, request string) {
	if st, ok := ctx.Value(callStatsKey{}).(*callStats); ok {
		st.mu.Lock()
		if st.sent[request] {
			st.retries++
		} else {
			if st.sent == nil {
				st.sent = make(map[string]bool)
			}
			st.sent[request] = true
		}
		st.mu.Unlock()
	}
}

// MarkReplayed records, for the [Trace] of the gateway call running in
// ctx, that the gateway answered with the stored result of an earlier
// request with the same idempotency key (Toss and Stripe both say so in
// a response header). Gateway implementations call it; without a trace it
// does nothing.
func MarkReplayed(ctx context.Context) {
	if st, ok := ctx.Value(callStatsKey{}).(*callStats); ok {
		st.mu.Lock()
		st.replayed = true
		st.mu.Unlock()
	}
}

// traceCall runs call, one gateway call, under t's gateway hooks.
func (t *Trace) traceCall(ctx context.Context, c GatewayCall, call func(context.Context) error) error {
	if t == nil || (t.GatewayCallStart == nil && t.GatewayCallDone == nil) {
		return call(ctx)
	}
	if t.GatewayCallStart != nil {
		if nctx := t.GatewayCallStart(ctx, c); nctx != nil {
			ctx = nctx
		}
	}
	st := &callStats{}
	start := time.Now()
	err := call(context.WithValue(ctx, callStatsKey{}, st))
	if t.GatewayCallDone != nil {
		st.mu.Lock()
		res := GatewayCallResult{Code: codeOrEmpty(err), Retries: st.retries, Replayed: st.replayed, Duration: time.Since(start)}
		st.mu.Unlock()
		t.GatewayCallDone(ctx, c, res)
	}
	return err
}

func codeOrEmpty(err error) ErrorCode {
	if err == nil {
		return ""
	}
	return Code(err)
}

// traced runs f, one call to a gateway for attempt n of p, under the
// service's trace.
func traced[T any](s *Service, ctx context.Context, gateway, op string, p *Payment, n int, f func(context.Context) (T, error)) (T, error) {
	t := s.trace
	if t == nil || (t.GatewayCallStart == nil && t.GatewayCallDone == nil) {
		return f(ctx)
	}
	var out T
	err := t.traceCall(ctx, GatewayCall{Gateway: gateway, Operation: op, OrderNumber: p.OrderNumber, Attempt: n}, func(ctx context.Context) error {
		var err error
		out, err = f(ctx)
		return err
	})
	return out, err
}
