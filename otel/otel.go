// Package otel turns the hooks of a [payments.Trace] into OpenTelemetry
// spans and metrics. It is a module of its own, so that applications that
// do not use OpenTelemetry gain no dependency from the payments module.
//
//	tr, err := otel.New(otel.Config{})  // the global providers
//	svc, err := payments.NewService(payments.Config{ …, Trace: tr })
//
// # Spans
//
// One span per route served by the library's handlers ("payments POST
// toss/ready", kind server) and one per gateway call (kind client, a
// child of the route's span where there is one), named after the
// gateway and the operation: "payments toss confirm", "payments stripe
// capture", "payments stripe void", "payments toss charge" (a saved
// method charged), "payments stripe dispute", "payments stripe
// start_save" (see [payments.GatewayCall] for all). The spans have the
// attributes payments.gateway, payments.operation, payments.order_number
// and payments.attempt (for the calls about an order, not those about
// saved methods), payments.code (the error code of a failed call),
// payments.retries and payments.replayed (the gateway answered with the
// stored result of an earlier request with the same idempotency key),
// and http.response.status_code for routes. A failed gateway call or a
// 5xx answer sets the span's status to Error.
//
// # Metrics
//
//   - payments.gateway.call.duration (histogram, s): gateway, operation, code
//   - payments.status_changes (counter): gateway, from, to
//   - payments.refunds (counter): gateway, status (pending, succeeded, failed)
//   - payments.captures (counter): gateway, status (pending, succeeded, failed)
//   - payments.voids (counter): gateway, status (pending, succeeded, failed)
//   - payments.disputes (counter): gateway, event (opened, updated, closed), status (the dispute's)
//   - payments.methods (counter): gateway, event (saved, removed)
//   - payments.webhooks (counter): gateway, result (processed, ignored, refused, retry), code
//   - payments.event.delivery.lag (histogram, s): type, outcome (handled, failed, dead)
//   - payments.events.dead (counter): type
//   - payments.reconcile.changes (counter): from, to
//
// No attribute carries a secret: the hooks never see one.
package otel

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/payments-go/payments"
	otelapi "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Config configures [New]. The zero value uses the global providers.
type Config struct {
	// TracerProvider makes the spans; nil means otel.GetTracerProvider().
	TracerProvider trace.TracerProvider
	// MeterProvider makes the metrics; nil means otel.GetMeterProvider().
	MeterProvider metric.MeterProvider
}

// instrumentation is the name of the tracer and meter.
const instrumentation = "github.com/payments-go/payments/otel"

type recorder struct {
	tracer       trace.Tracer
	callDuration metric.Float64Histogram
	changes      metric.Int64Counter
	refunds      metric.Int64Counter
	captures     metric.Int64Counter
	voids        metric.Int64Counter
	disputes     metric.Int64Counter
	methods      metric.Int64Counter
	webhooks     metric.Int64Counter
	lag          metric.Float64Histogram
	dead         metric.Int64Counter
	reconciled   metric.Int64Counter
}

// New returns a [payments.Trace] that records spans and metrics with the
// configured providers.
func New(cfg Config) (*payments.Trace, error) {
	tp, mp := cfg.TracerProvider, cfg.MeterProvider
	if tp == nil {
		tp = otelapi.GetTracerProvider()
	}
	if mp == nil {
		mp = otelapi.GetMeterProvider()
	}
	m := mp.Meter(instrumentation)
	r := &recorder{tracer: tp.Tracer(instrumentation)}
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	var err error
	r.callDuration, err = m.Float64Histogram("payments.gateway.call.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of the Service's calls to a payment gateway."))
	add(err)
	r.changes, err = m.Int64Counter("payments.status_changes", metric.WithDescription("Payments whose unified status changed."))
	add(err)
	r.refunds, err = m.Int64Counter("payments.refunds", metric.WithDescription("Refunds recorded, by the status they reached."))
	add(err)
	r.captures, err = m.Int64Counter("payments.captures", metric.WithDescription("Captures of authorised payments recorded, by the status they reached."))
	add(err)
	r.voids, err = m.Int64Counter("payments.voids", metric.WithDescription("Voids of authorised payments recorded, by the status they reached."))
	add(err)
	r.disputes, err = m.Int64Counter("payments.disputes", metric.WithDescription("Disputes opened, updated and closed, by the dispute's status."))
	add(err)
	r.methods, err = m.Int64Counter("payments.methods", metric.WithDescription("Saved payment methods saved and removed."))
	add(err)
	r.webhooks, err = m.Int64Counter("payments.webhooks", metric.WithDescription("Webhook deliveries answered, by result."))
	add(err)
	r.lag, err = m.Float64Histogram("payments.event.delivery.lag", metric.WithUnit("s"),
		metric.WithDescription("Time from a change being stored to a try to hand its event to the application."))
	add(err)
	r.dead, err = m.Int64Counter("payments.events.dead", metric.WithDescription("Events that ran out of tries."))
	add(err)
	r.reconciled, err = m.Int64Counter("payments.reconcile.changes", metric.WithDescription("Payments a reconciliation sweep changed."))
	add(err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &payments.Trace{
		RouteStart:       r.routeStart,
		RouteDone:        r.routeDone,
		GatewayCallStart: r.callStart,
		GatewayCallDone:  r.callDone,
		Changed:          r.changed,
		CaptureChanged:   r.captureChanged,
		Webhook:          r.webhook,
		EventDelivered:   r.delivered,
		Reconciled:       r.reconcile,
	}, nil
}

func routeName(rt payments.Route) string {
	p := strings.TrimPrefix(rt.Pattern, "/")
	if rt.Gateway != "" {
		p = rt.Gateway + "/" + p
	}
	return "payments " + rt.Method + " " + p
}

func (r *recorder) routeStart(ctx context.Context, rt payments.Route) context.Context {
	ctx, _ = r.tracer.Start(ctx, routeName(rt), trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("payments.gateway", rt.Gateway), attribute.String("http.request.method", rt.Method),
			attribute.String("http.route", rt.Pattern)))
	return ctx
}

func (r *recorder) routeDone(ctx context.Context, _ payments.Route, res payments.RouteResult) {
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(attribute.Int("http.response.status_code", res.Status))
	if res.Status >= http.StatusInternalServerError {
		span.SetStatus(codes.Error, http.StatusText(res.Status))
	}
	span.End()
}

func callAttrs(c payments.GatewayCall) []attribute.KeyValue {
	return []attribute.KeyValue{attribute.String("payments.gateway", c.Gateway), attribute.String("payments.operation", c.Operation)}
}

func (r *recorder) callStart(ctx context.Context, c payments.GatewayCall) context.Context {
	attrs := callAttrs(c)
	if c.OrderNumber != "" {
		// Calls about saved methods concern no order.
		attrs = append(attrs, attribute.String("payments.order_number", c.OrderNumber), attribute.Int("payments.attempt", c.Attempt))
	}
	ctx, _ = r.tracer.Start(ctx, "payments "+c.Gateway+" "+c.Operation, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attrs...))
	return ctx
}

func (r *recorder) callDone(ctx context.Context, c payments.GatewayCall, res payments.GatewayCallResult) {
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(attribute.Int("payments.retries", res.Retries), attribute.Bool("payments.replayed", res.Replayed))
	if res.Code != "" {
		span.SetAttributes(attribute.String("payments.code", string(res.Code)))
		span.SetStatus(codes.Error, string(res.Code))
	}
	span.End()
	r.callDuration.Record(ctx, res.Duration.Seconds(),
		metric.WithAttributes(append(callAttrs(c), attribute.String("payments.code", string(res.Code)))...))
}

func (r *recorder) changed(ctx context.Context, e payments.Event) {
	gateway := ""
	if e.Payment != nil {
		gateway = e.Payment.Gateway
	}
	switch e.Type {
	case payments.EventStatusChanged:
		r.changes.Add(ctx, 1, metric.WithAttributes(attribute.String("payments.gateway", gateway),
			attribute.String("payments.from", string(e.From)), attribute.String("payments.to", string(e.To))))
	case payments.EventRefundPending, payments.EventRefundSucceeded, payments.EventRefundFailed:
		r.refunds.Add(ctx, 1, metric.WithAttributes(attribute.String("payments.gateway", gateway),
			attribute.String("payments.status", strings.TrimPrefix(string(e.Type), "refund."))))
	case payments.EventDisputeOpened, payments.EventDisputeUpdated, payments.EventDisputeClosed:
		status := ""
		if e.Dispute != nil {
			status = string(e.Dispute.Status)
		}
		r.disputes.Add(ctx, 1, metric.WithAttributes(attribute.String("payments.gateway", gateway),
			attribute.String("payments.event", strings.TrimPrefix(string(e.Type), "dispute.")),
			attribute.String("payments.status", status)))
	case payments.EventMethodSaved, payments.EventMethodRemoved:
		if e.Method != nil {
			gateway = e.Method.Gateway
		}
		r.methods.Add(ctx, 1, metric.WithAttributes(attribute.String("payments.gateway", gateway),
			attribute.String("payments.event", strings.TrimPrefix(string(e.Type), "method."))))
	}
}

func (r *recorder) captureChanged(ctx context.Context, c payments.CaptureChange) {
	counter := r.captures
	if c.Operation == "void" {
		counter = r.voids
	}
	counter.Add(ctx, 1, metric.WithAttributes(attribute.String("payments.gateway", c.Gateway),
		attribute.String("payments.status", c.Status)))
}

func (r *recorder) webhook(ctx context.Context, w payments.WebhookResult) {
	r.webhooks.Add(ctx, 1, metric.WithAttributes(attribute.String("payments.gateway", w.Gateway),
		attribute.String("payments.result", w.Result), attribute.String("payments.code", string(w.Code))))
}

func (r *recorder) delivered(ctx context.Context, d payments.DeliveryResult) {
	outcome := "handled"
	switch {
	case d.Dead:
		outcome = "dead"
	case d.Err != nil:
		outcome = "failed"
	}
	r.lag.Record(ctx, d.Lag.Seconds(), metric.WithAttributes(attribute.String("payments.type", string(d.Event.Type)),
		attribute.String("payments.outcome", outcome)))
	if d.Dead {
		r.dead.Add(ctx, 1, metric.WithAttributes(attribute.String("payments.type", string(d.Event.Type))))
	}
}

func (r *recorder) reconcile(ctx context.Context, c payments.Change) {
	r.reconciled.Add(ctx, 1, metric.WithAttributes(attribute.String("payments.from", string(c.From)),
		attribute.String("payments.to", string(c.To))))
}
