package payments

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestTraceCall(t *testing.T) {
	type ctxKey struct{}
	var started, done []GatewayCall
	var results []GatewayCallResult
	tr := &Trace{
		GatewayCallStart: func(ctx context.Context, c GatewayCall) context.Context {
			started = append(started, c)
			return context.WithValue(ctx, ctxKey{}, "span")
		},
		GatewayCallDone: func(ctx context.Context, c GatewayCall, res GatewayCallResult) {
			if ctx.Value(ctxKey{}) != "span" {
				t.Error("GatewayCallDone did not get GatewayCallStart's context")
			}
			done = append(done, c)
			results = append(results, res)
		},
	}
	call := GatewayCall{Gateway: "toss", Operation: "confirm", OrderNumber: "ORD-1", Attempt: 1}
	err := tr.traceCall(context.Background(), call, func(ctx context.Context) error {
		if ctx.Value(ctxKey{}) != "span" {
			t.Error("the gateway did not get GatewayCallStart's context")
		}
		CountRequest(ctx, "POST /v1/payments/confirm k1")
		CountRequest(ctx, "POST /v1/payments/confirm k1") // sent again: a retry
		CountRequest(ctx, "GET /v1/payments/x ")          // another request
		CountRetry(ctx)
		MarkReplayed(ctx)
		return &Error{Code: CodeGatewayUnavailable}
	})
	if Code(err) != CodeGatewayUnavailable {
		t.Fatalf("traceCall returned %v, want the call's error", err)
	}
	if diff := cmp.Diff([]GatewayCall{call}, started); diff != "" {
		t.Errorf("started (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]GatewayCall{call}, done); diff != "" {
		t.Errorf("done (-want +got):\n%s", diff)
	}
	want := []GatewayCallResult{{Code: CodeGatewayUnavailable, Retries: 2, Replayed: true}}
	if diff := cmp.Diff(want, results, cmpopts.IgnoreFields(GatewayCallResult{}, "Duration")); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}

	// A success has no code; a call without a trace, or outside one, is
	// left alone.
	results = nil
	_ = tr.traceCall(context.Background(), call, func(context.Context) error { return nil })
	if len(results) != 1 || results[0].Code != "" || results[0].Retries != 0 || results[0].Replayed {
		t.Errorf("success: %+v", results)
	}
	var none *Trace
	sentinel := errors.New("x")
	if err := none.traceCall(context.Background(), call, func(ctx context.Context) error {
		CountRetry(ctx)
		CountRequest(ctx, "a")
		MarkReplayed(ctx)
		return sentinel
	}); err != sentinel {
		t.Errorf("nil trace: %v", err)
	}
}

// Without a trace, a gateway call costs no allocation for tracing.
func TestTraceCallUnsetAllocatesNothing(t *testing.T) {
	var none *Trace
	empty := &Trace{Changed: func(context.Context, Event) {}}
	ctx := context.Background()
	f := func(context.Context) error { return nil }
	for name, tr := range map[string]*Trace{"nil": none, "no gateway hooks": empty} {
		if n := testing.AllocsPerRun(100, func() { _ = tr.traceCall(ctx, GatewayCall{Gateway: "toss"}, f) }); n != 0 {
			t.Errorf("%s: %v allocations per call, want 0", name, n)
		}
	}
}

func BenchmarkTraceCall(b *testing.B) {
	ctx := context.Background()
	f := func(context.Context) error { return nil }
	call := GatewayCall{Gateway: "toss", Operation: "confirm", OrderNumber: "ORD-1", Attempt: 1}
	set := &Trace{
		GatewayCallStart: func(ctx context.Context, _ GatewayCall) context.Context { return ctx },
		GatewayCallDone:  func(context.Context, GatewayCall, GatewayCallResult) {},
	}
	for _, bc := range []struct {
		name string
		tr   *Trace
	}{{"unset", nil}, {"set", set}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = bc.tr.traceCall(ctx, call, f)
			}
		})
	}
}
