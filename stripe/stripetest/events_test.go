package stripetest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/payments-go/payments/stripe/stripetest"
)

const whsec = "whsec_test_secret"

func TestSignedEvent(t *testing.T) {
	srv := stripetest.New(stripetest.Config{WebhookSecret: whsec})
	defer srv.Close()
	cs := &stripego.CheckoutSession{ID: "cs_test_1", Object: "checkout.session", ClientReferenceID: "ORD-1",
		Status: "complete", PaymentStatus: "paid", Metadata: map[string]string{"order_number": "ORD-1"}}
	payload, header, err := srv.SignedEvent("checkout.session.completed", cs)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := webhook.ConstructEventWithOptions(payload, header, whsec, webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err != nil {
		t.Fatal(err)
	}
	// v76 also accepts it with the default version check: api_version is pinned.
	if _, err := webhook.ConstructEvent(payload, header, whsec); err != nil {
		t.Errorf("ConstructEvent: %v", err)
	}
	var got stripego.CheckoutSession
	if err := json.Unmarshal(ev.Data.Raw, &got); err != nil {
		t.Fatal(err)
	}
	if ev.Type != "checkout.session.completed" || ev.Object != "event" || ev.APIVersion != "2023-10-16" || len(ev.ID) < 10 || ev.ID[:4] != "evt_" {
		t.Errorf("event = %+v", ev)
	}
	if got.ID != "cs_test_1" || got.Metadata["order_number"] != "ORD-1" {
		t.Errorf("data.object = %+v", got)
	}
	if _, err := webhook.ConstructEvent(payload, header, "whsec_other"); err == nil {
		t.Error("verified with the wrong secret")
	}
	if _, _, err := srv.SignedEvent("x", "not an object"); err == nil {
		t.Error("SignedEvent accepted a non-object")
	}
	if srv.WebhookSecret() != whsec {
		t.Error("WebhookSecret")
	}
	if gen := stripetest.New(stripetest.Config{}).WebhookSecret(); len(gen) < 20 || gen[:6] != "whsec_" {
		t.Errorf("generated secret %q", gen)
	}
}

// receiver is a webhook endpoint that verifies every delivery.
type receiver struct {
	t      *testing.T
	mu     sync.Mutex
	events []stripego.Event
	fail   bool
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	payload, err := io.ReadAll(req.Body)
	if err != nil {
		r.t.Error(err)
		return
	}
	ev, err := webhook.ConstructEvent(payload, req.Header.Get("Stripe-Signature"), whsec)
	if err != nil {
		r.t.Errorf("delivery does not verify: %v", err)
		http.Error(w, "bad signature", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	if r.fail {
		http.Error(w, "nope", http.StatusInternalServerError)
	}
}

func (r *receiver) types() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, string(e.Type))
	}
	return out
}

func TestWebhookDelivery(t *testing.T) {
	rcv := &receiver{t: t}
	hook := httptest.NewServer(rcv)
	defer hook.Close()
	srv, _, api := newAPI(t, stripetest.Config{WebhookURL: hook.URL, WebhookSecret: whsec})

	cs, err := api.CheckoutSessions.New(orderSessionParams())
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.CompleteSession(cs.ID, stripetest.PMDeclined); err == nil {
		t.Fatal("declined card paid")
	}
	if err := srv.CompleteSession(cs.ID, stripetest.PMVisa); err != nil {
		t.Fatal(err)
	}
	got, err := api.CheckoutSessions.Get(cs.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.Refunds.New(&stripego.RefundParams{PaymentIntent: stripego.String(got.PaymentIntent.ID), Amount: stripego.Int64(1000)}); err != nil {
		t.Fatal(err)
	}
	cs2, err := api.CheckoutSessions.New(orderSessionParams())
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.ExpireSession(cs2.ID); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{"payment_intent.payment_failed", "payment_intent.succeeded", "checkout.session.completed", "charge.refunded", "checkout.session.expired"}
	if diff := cmp.Diff(want, rcv.types()); diff != "" {
		t.Errorf("delivered events (-want +got):\n%s", diff)
	}
	for _, e := range srv.Events() {
		if !e.Delivered || e.Attempts != 1 || e.LastStatus != 200 {
			t.Errorf("event %s %s: delivered %v attempts %d status %d", e.ID, e.Type, e.Delivered, e.Attempts, e.LastStatus)
		}
	}

	rcv.mu.Lock()
	completed := rcv.events[2]
	rcv.mu.Unlock()
	var obj stripego.CheckoutSession
	if err := json.Unmarshal(completed.Data.Raw, &obj); err != nil {
		t.Fatal(err)
	}
	if obj.ID != cs.ID || obj.Status != "complete" || obj.PaymentIntent == nil || obj.PaymentIntent.ID != got.PaymentIntent.ID {
		t.Errorf("checkout.session.completed object = %+v", obj)
	}
	var charge stripego.Charge
	rcv.mu.Lock()
	refunded := rcv.events[3]
	rcv.mu.Unlock()
	if err := json.Unmarshal(refunded.Data.Raw, &charge); err != nil {
		t.Fatal(err)
	}
	if charge.AmountRefunded != 1000 || charge.Refunded {
		t.Errorf("charge.refunded object: amount_refunded %d refunded %v", charge.AmountRefunded, charge.Refunded)
	}

	// A failing endpoint is recorded.
	rcv.mu.Lock()
	rcv.fail = true
	rcv.mu.Unlock()
	if _, err := api.PaymentIntents.New(piParams(stripetest.PMVisa, true)); err != nil {
		t.Fatal(err)
	}
	if err := srv.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	evs := srv.Events()
	last := evs[len(evs)-1]
	if last.Delivered || last.LastStatus != 500 || last.LastError == "" {
		t.Errorf("failed delivery recorded as %+v", last)
	}
}

func TestWebhookHandlerCallsBack(t *testing.T) {
	// A webhook handler that re-fetches the object through the API must not
	// deadlock the server.
	var api interface {
		get(id string) (*stripego.CheckoutSession, error)
	}
	var mu sync.Mutex
	var statuses []stripego.CheckoutSessionStatus
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		payload, _ := io.ReadAll(r.Body)
		ev, err := webhook.ConstructEvent(payload, r.Header.Get("Stripe-Signature"), whsec)
		if err != nil {
			t.Error(err)
			return
		}
		if ev.Type != "checkout.session.completed" {
			return
		}
		cs, err := api.get(ev.Data.Object["id"].(string))
		if err != nil {
			t.Error(err)
			return
		}
		mu.Lock()
		statuses = append(statuses, cs.Status)
		mu.Unlock()
	}))
	defer hook.Close()
	srv, _, c := newAPI(t, stripetest.Config{WebhookURL: hook.URL, WebhookSecret: whsec})
	api = getter{c.CheckoutSessions.Get}
	cs, err := c.CheckoutSessions.New(orderSessionParams())
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.CompleteSession(cs.ID, stripetest.PMVisa); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]stripego.CheckoutSessionStatus{"complete"}, statuses); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

type getter struct {
	f func(string, *stripego.CheckoutSessionParams) (*stripego.CheckoutSession, error)
}

func (g getter) get(id string) (*stripego.CheckoutSession, error) { return g.f(id, nil) }

func TestCloseStopsDelivery(t *testing.T) {
	block := make(chan struct{})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer hook.Close()
	defer close(block)
	srv, ts := stripetest.NewTestServer(t, stripetest.Config{WebhookURL: hook.URL})
	api := apiFor(ts.URL, testKey, 0)
	if _, err := api.PaymentIntents.New(piParams(stripetest.PMVisa, true)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := srv.Flush(ctx); err == nil {
		t.Error("Flush returned while a delivery was blocked")
	}
	done := make(chan struct{})
	go func() {
		srv.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not abandon the blocked delivery")
	}
	if err := srv.Flush(context.Background()); err != nil {
		t.Error(err)
	}
}
