package stripe_test

import (
	"sync"
	"testing"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/stripe/stripetest"
)

// gwHold prepares a manual-capture PaymentIntent for o with payment
// method pm and confirms it: the returned PaymentIntent is in
// requires_capture.
func gwHold(t *testing.T, g *stripe.Gateway, o payments.Order, attempt, pm string) string {
	t.Helper()
	ch, err := g.Prepare(t.Context(), &payments.PrepareParams{IdempotencyKey: "prepare-hold-" + attempt, Order: o,
		GatewayOrderID: attempt, Method: payments.MethodCard, PaymentMethod: pm, Capture: payments.CaptureManual})
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	ch, err = g.Confirm(t.Context(), &payments.ConfirmParams{IdempotencyKey: "confirm-hold-" + attempt, OrderNumber: o.Number,
		GatewayOrderID: attempt, Reference: ch.Reference, Amount: o.Amount, Currency: o.Currency})
	if err != nil || ch.Status != payments.StatusAuthorized || ch.GatewayStatus != "requires_capture" {
		t.Fatalf("Confirm of a manual-capture PaymentIntent = %+v, %v; want authorized", ch, err)
	}
	return ch.Reference
}

// captureEnv is a Service over stripe.Gateway and stripetest, on a clock
// the test moves.
type captureEnv struct {
	svc *payments.Service
	srv *stripetest.Server
	now time.Time
}

func newCaptureEnv(t *testing.T) *captureEnv {
	t.Helper()
	e := &captureEnv{now: time.Now().UTC()}
	clock := func() time.Time { return e.now }
	srv, ts := stripetest.NewTestServer(t, stripetest.Config{Now: clock})
	g, err := stripe.New(stripe.Config{SecretKey: gwTestKey, BaseURL: ts.URL, HTTPClient: ts.Client(), MaxNetworkRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	e.svc, err = payments.NewService(payments.Config{Store: memstore.New(), Gateways: []payments.Gateway{g},
		Orders: payments.NewOrderBook(payments.Order{Number: "ORD-CAP", Name: "Tent", Amount: 10000, Currency: payments.USD})})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	return e
}

func (e *captureEnv) authorize(t *testing.T, pm string) string {
	t.Helper()
	prep, err := e.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: "ORD-CAP", Gateway: "stripe", PaymentMethod: pm, Capture: payments.CaptureManual})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: "ORD-CAP"})
	if err != nil || p.Status != payments.StatusAuthorized || p.AmountCapturable != 10000 {
		t.Fatalf("Confirm = %+v, %v; want authorized, 10000 capturable", p, err)
	}
	return prep.Attempt.Reference
}

// A partial capture through the Service: Stripe captures once with
// amount_to_capture and our key, the rest is released, the refundable
// balance is what was captured.
func TestStripePartialCapture(t *testing.T) {
	e := newCaptureEnv(t)
	e.authorize(t, stripetest.PMVisa)
	if _, err := e.svc.Capture(t.Context(), "ORD-CAP", 10001); payments.Code(err) != payments.CodeCaptureExceedsAuthorized {
		t.Fatalf("over-capture: %v", err)
	}
	if n := e.srv.Executed(stripetest.OpCapturePaymentIntent); n != 0 {
		t.Fatalf("an over-capture reached Stripe (%d)", n)
	}
	p, err := e.svc.Capture(t.Context(), "ORD-CAP", 7000)
	if err != nil || p.Status != payments.StatusPaid || p.Amount != 7000 {
		t.Fatalf("Capture = %+v, %v; want paid 7000", p, err)
	}
	var key string
	for _, c := range e.srv.Calls() {
		if c.Op == stripetest.OpCapturePaymentIntent {
			key = c.IdempotencyKey
			if got := c.Form.Get("amount_to_capture"); got != "7000" {
				t.Errorf("amount_to_capture = %q, want 7000", got)
			}
		}
	}
	if key == "" {
		t.Fatal("no capture reached Stripe")
	}
	// The release shows as refunded on Stripe's charge, not as a refund of ours.
	p, err = e.svc.Refresh(t.Context(), payments.RefreshRequest{OrderNumber: "ORD-CAP"})
	if err != nil || p.Status != payments.StatusPaid || p.RefundedAmount != 0 || p.Refundable() != 7000 {
		t.Fatalf("after Refresh: %+v, %v", p, err)
	}
	if _, _, err := e.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: "ORD-CAP", Reason: "returned"}); err != nil {
		t.Fatalf("Refund of the captured amount: %v", err)
	}
	if _, err := e.svc.Capture(t.Context(), "ORD-CAP", 0); err != nil {
		t.Errorf("Capture again: %v", err)
	}
	if n := e.srv.Executed(stripetest.OpCapturePaymentIntent); n != 1 {
		t.Errorf("Stripe captured %d times, want 1", n)
	}
}

// An authorisation not captured in time is canceled by Stripe (here: the
// fake's clock moves past capture_before) and the sweep records it.
func TestStripeAuthorizationExpires(t *testing.T) {
	e := newCaptureEnv(t)
	e.authorize(t, stripetest.PMVisa)
	e.now = e.now.Add(7*24*time.Hour + time.Minute)
	rep, err := e.svc.Reconcile(t.Context(), &payments.ReconcileOptions{SettleAfter: time.Nanosecond})
	if err != nil || len(rep.Errors) > 0 {
		t.Fatalf("Reconcile: %v %+v", err, rep)
	}
	p, _ := e.svc.Payment(t.Context(), "ORD-CAP")
	if p.Status != payments.StatusCanceled || p.Failure == nil || p.Failure.Code != "automatic" {
		t.Errorf("after expiry: %s, %+v; want canceled (automatic)", p.Status, p.Failure)
	}
	var types []string
	for _, ev := range e.srv.Events() {
		types = append(types, ev.Type)
	}
	want := []string{"charge.succeeded", "payment_intent.amount_capturable_updated", "charge.expired", "payment_intent.canceled"}
	if !containsInOrder(types, want) {
		t.Errorf("events %v, want %v in order", types, want)
	}
}

func TestStripeVoid(t *testing.T) {
	e := newCaptureEnv(t)
	e.authorize(t, stripetest.PMVisa)
	p, err := e.svc.Void(t.Context(), "ORD-CAP", "out of stock")
	if err != nil || p.Status != payments.StatusCanceled {
		t.Fatalf("Void = %+v, %v", p, err)
	}
	if _, err := e.svc.Capture(t.Context(), "ORD-CAP", 0); payments.Code(err) != payments.CodeInvalidState {
		t.Errorf("Capture after Void: %v, want invalid_state", err)
	}
}

// Captures and voids asked for at once through the Stripe gateway: one
// of them reaches Stripe, the PaymentIntent is captured or canceled, and
// the callers of the other are refused with invalid_state.
func TestStripeConcurrentCaptureAndVoid(t *testing.T) {
	e := newCaptureEnv(t)
	e.authorize(t, stripetest.PMVisa)
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if i%2 == 0 {
				_, errs[i] = e.svc.Capture(t.Context(), "ORD-CAP", 0)
			} else {
				_, errs[i] = e.svc.Void(t.Context(), "ORD-CAP", "race")
			}
		}()
	}
	close(start)
	wg.Wait()
	captures, cancels := e.srv.Executed(stripetest.OpCapturePaymentIntent), e.srv.Executed(stripetest.OpCancelPaymentIntent)
	if captures+cancels != 1 {
		t.Errorf("Stripe captured %d and canceled %d times, want one of them once", captures, cancels)
	}
	p, err := e.svc.Payment(t.Context(), "ORD-CAP")
	if err != nil {
		t.Fatal(err)
	}
	captured := p.Status == payments.StatusPaid
	if !captured && p.Status != payments.StatusCanceled {
		t.Fatalf("after the race: %s, want paid or canceled", p.Status)
	}
	for i, err := range errs {
		winner := (i%2 == 0) == captured
		if winner && err != nil || !winner && payments.Code(err) != payments.CodeInvalidState {
			t.Errorf("caller %d (capture %v): %v", i, i%2 == 0, err)
		}
	}
}

// pm_card_createDispute opens a chargeback once the payment is captured;
// the Service learns of it by refresh, holds it back from refunds, and
// accepting it closes it lost at Stripe.
func TestStripeDispute(t *testing.T) {
	e := newCaptureEnv(t)
	e.authorize(t, stripetest.PMCreateDispute)
	if _, err := e.svc.Capture(t.Context(), "ORD-CAP", 0); err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.Refresh(t.Context(), payments.RefreshRequest{OrderNumber: "ORD-CAP", Disputes: true})
	if err != nil || len(p.Disputes) != 1 {
		t.Fatalf("Refresh = %+v, %v; want one dispute", p, err)
	}
	d := p.Disputes[0]
	if d.Status != payments.DisputeNeedsResponse || d.Amount != 10000 || d.Reason != "fraudulent" || d.EvidenceDueBy.IsZero() {
		t.Errorf("dispute = %+v", d)
	}
	refunds := e.srv.Executed(stripetest.OpCreateRefund)
	if _, _, err := e.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: "ORD-CAP", Amount: 100, Reason: "x"}); payments.Code(err) != payments.CodePaymentDisputed {
		t.Errorf("Refund while disputed: %v, want payment_disputed", err)
	}
	if e.srv.Executed(stripetest.OpCreateRefund) != refunds {
		t.Error("a refund held back by a dispute reached Stripe")
	}
	p, err = e.svc.CloseDispute(t.Context(), "ORD-CAP", d.ID)
	if err != nil || p.Disputes[0].Status != payments.DisputeLost {
		t.Fatalf("CloseDispute = %+v, %v; want lost", p, err)
	}
	if n := e.srv.Executed(stripetest.OpCloseDispute); n != 1 {
		t.Errorf("Stripe closed %d disputes, want 1", n)
	}
}

func containsInOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}
