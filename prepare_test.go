package payments_test

import (
	"errors"
	"testing"

	"github.com/payments-go/payments"
)

func TestPrepareChecksAmountAndOrder(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name string
		req  payments.PrepareRequest
		want payments.ErrorCode
	}{
		{"amount differs", payments.PrepareRequest{OrderNumber: "ORD-20260122-001", Gateway: "fake", Amount: 1}, payments.CodeAmountMismatch},
		{"unknown order", payments.PrepareRequest{OrderNumber: "NOPE", Gateway: "fake"}, payments.CodeOrderNotFound},
		{"no order", payments.PrepareRequest{Gateway: "fake"}, payments.CodeInvalidRequest},
		{"unknown gateway", payments.PrepareRequest{OrderNumber: "ORD-20260122-001", Gateway: "paypal"}, payments.CodeInvalidRequest},
		{"unknown method", payments.PrepareRequest{OrderNumber: "ORD-20260122-001", Gateway: "fake", Method: "CASH"}, payments.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.Prepare(t.Context(), tt.req)
			if got := payments.Code(err); got != tt.want {
				t.Errorf("code %q (%v), want %q", got, err, tt.want)
			}
		})
	}
	if n := len(e.gw.Calls()); n != 0 {
		t.Errorf("bad requests made %d gateway calls", n)
	}
	if _, err := e.svc.Payment(t.Context(), "ORD-20260122-001"); payments.Code(err) != payments.CodePaymentNotFound {
		t.Errorf("bad requests created a payment: %v", err)
	}
}

func TestPrepareIsRepeatable(t *testing.T) {
	e := newEnv(t)
	first := e.prepare(t, "ORD-20260122-001")
	again := e.prepare(t, "ORD-20260122-001")
	if first.Attempt.Number != 1 || again.Attempt.Number != 1 || again.Attempt.Reference != first.Attempt.Reference {
		t.Errorf("repeat Prepare gave attempt %d %q, want attempt 1 %q", again.Attempt.Number, again.Attempt.Reference, first.Attempt.Reference)
	}
	if n := e.calls("prepare"); n != 1 {
		t.Errorf("%d prepare calls, want 1", n)
	}
}

// TestPrepareAfterGatewaySideChange covers a repeated Prepare whose
// session changed at the gateway since it was created: the change is
// recorded, and a new attempt starts only where the old one can no
// longer be paid.
func TestPrepareAfterGatewaySideChange(t *testing.T) {
	const order = "ORD-20260122-001"
	tests := []struct {
		name         string
		gatewaySide  payments.Status
		wantErr      error
		wantAttempts int
		wantFirst    payments.Status
	}{
		{"still open", payments.StatusReady, nil, 1, payments.StatusReady},
		{"expired", payments.StatusExpired, nil, 2, payments.StatusExpired},
		{"canceled", payments.StatusCanceled, nil, 2, payments.StatusCanceled},
		{"failed", payments.StatusFailed, nil, 2, payments.StatusFailed},
		{"paid meanwhile", payments.StatusPaid, payments.ErrAlreadyPaid, 1, payments.StatusPaid},
		{"processing", payments.StatusProcessing, payments.ErrInvalidState, 1, payments.StatusProcessing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			first := e.prepare(t, order)
			if err := e.gw.SetStatus(first.Attempt.Reference, tt.gatewaySide); err != nil {
				t.Fatal(err)
			}
			again, err := e.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: order, Gateway: "fake"})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("second Prepare: %v, want %v", err, tt.wantErr)
			}
			p, err := e.svc.Payment(t.Context(), order)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Attempts) != tt.wantAttempts || p.Attempts[0].Status != tt.wantFirst {
				t.Fatalf("attempts = %d, first %s; want %d, first %s", len(p.Attempts), p.Attempts[0].Status, tt.wantAttempts, tt.wantFirst)
			}
			if tt.wantErr != nil {
				return
			}
			latest := p.Latest()
			if again.Attempt.Number != latest.Number || again.Attempt.Status != payments.StatusReady || again.Charge == nil {
				t.Errorf("second Prepare gave attempt %d %s (charge %v); want the latest, ready, with its charge", again.Attempt.Number, again.Attempt.Status, again.Charge)
			}
			if tt.wantAttempts == 2 && latest.Reference == first.Attempt.Reference {
				t.Errorf("the new attempt reuses the dead session %q", latest.Reference)
			}
			if got := e.calls("prepare"); got != tt.wantAttempts {
				t.Errorf("gateway prepared %d sessions, want %d", got, tt.wantAttempts)
			}
		})
	}
}

// TestPrepareCancelsTheAttemptItReplaces: a new attempt with other
// parameters (another return URL, here) cancels the earlier one at the
// gateway first, so that the customer cannot pay both.
func TestPrepareCancelsTheAttemptItReplaces(t *testing.T) {
	const order = "ORD-20260122-001"
	tests := []struct {
		name         string
		script       func(e *env, ref string)
		wantErr      error
		wantAttempts int
		wantFirst    payments.Status
		wantGateway  payments.Status // the first charge at the gateway afterwards
	}{
		{"open", func(*env, string) {}, nil, 2, payments.StatusCanceled, payments.StatusCanceled},
		{"paid meanwhile", func(e *env, ref string) { _ = e.gw.SetStatus(ref, payments.StatusPaid) }, payments.ErrAlreadyPaid, 1, payments.StatusPaid, payments.StatusPaid},
		{"cancel fails", func(e *env, _ string) { e.gw.FailNext(1, payments.CodeGatewayUnavailable) }, nil, 2, payments.StatusReady, payments.StatusReady},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			first := e.prepare(t, order)
			ref := first.Attempt.Reference
			tt.script(e, ref)
			_, err := e.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: order, Gateway: "fake", SuccessURL: "https://shop.example/other"})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Prepare with other parameters: %v, want %v", err, tt.wantErr)
			}
			p, err := e.svc.Payment(t.Context(), order)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Attempts) != tt.wantAttempts || p.Attempts[0].Status != tt.wantFirst {
				t.Errorf("attempts = %d, first %s; want %d, first %s", len(p.Attempts), p.Attempts[0].Status, tt.wantAttempts, tt.wantFirst)
			}
			got, err := e.gw.Lookup(t.Context(), &payments.LookupParams{Reference: ref})
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.wantGateway {
				t.Errorf("first charge at the gateway: %s, want %s", got.Status, tt.wantGateway)
			}
			for _, c := range e.gw.Calls() {
				if c.Op == "cancel" && (c.Reference != ref || c.IdempotencyKey == "") {
					t.Errorf("cancel call %+v: want reference %q and an idempotency key", c, ref)
				}
			}
		})
	}
}
