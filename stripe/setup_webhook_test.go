package stripe_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/stripe/stripetest"
)

// setupEnv is the handler over stripetest whose Service's events are
// collected.
type setupEnv struct {
	*hEnv
	mu     sync.Mutex
	events []payments.Event
}

func newSetupEnv(t *testing.T) *setupEnv {
	t.Helper()
	se := &setupEnv{}
	se.hEnv = hStripeEnv(t, stripetest.Config{}, hOpts{handleEvent: func(_ context.Context, ev payments.Event) error {
		se.mu.Lock()
		defer se.mu.Unlock()
		se.events = append(se.events, ev)
		return nil
	}})
	return se
}

// methodSaved returns the ids of the methods of the method.saved events
// delivered so far.
func (se *setupEnv) methodSaved(t *testing.T) []string {
	t.Helper()
	if _, err := se.svc.DeliverEvents(t.Context()); err != nil {
		t.Fatal(err)
	}
	se.mu.Lock()
	defer se.mu.Unlock()
	var ids []string
	for _, ev := range se.events {
		if ev.Type == payments.EventMethodSaved {
			ids = append(ids, ev.Method.ID)
		}
	}
	return ids
}

// completeSetup starts a save for customer through /setup, has the
// customer save pm on Stripe's page, and returns the session and the
// checkout.session.completed event the fake sent for it.
func (se *setupEnv) completeSetup(t *testing.T, customer, pm string) (string, []byte) {
	t.Helper()
	out := se.postOK("/setup", hJSON(map[string]any{"customer_id": customer, "success_url": hOrigin + "/saved", "cancel_url": hOrigin + "/cart"}), hAdmin...)
	sid, _ := out["session_id"].(string)
	if err := se.srv.CompleteSetup(sid, pm); err != nil {
		t.Fatal(err)
	}
	var payload []byte
	for _, ev := range se.srv.Events() {
		if ev.Type == string(stripego.EventTypeCheckoutSessionCompleted) && strings.Contains(string(ev.Payload), sid) {
			payload = ev.Payload
		}
	}
	if payload == nil {
		t.Fatalf("stripetest sent no checkout.session.completed for the setup session %s", sid)
	}
	return sid, payload
}

func (se *setupEnv) webhook(t *testing.T, payload []byte) map[string]any {
	t.Helper()
	w := se.deliver(payload, se.srv.Sign(payload))
	if w.Code != http.StatusOK {
		t.Fatalf("webhook = %d %s", w.Code, w.Body)
	}
	return hMap(t, w)
}

func (se *setupEnv) verify(t *testing.T, sid string) string {
	t.Helper()
	return se.postOK("/setup/verify", hJSON(map[string]any{"session_id": sid}))["method_id"].(string)
}

// The event stripetest sends when a setup-mode session completes has the
// shape of the pinned API version's Checkout Session.
func TestSetupSessionCompletedEventShape(t *testing.T) {
	se := newSetupEnv(t)
	sid, payload := se.completeSetup(t, "cust-1", stripetest.PMVisa)
	var ev stripego.Event
	if err := json.Unmarshal(payload, &ev); err != nil || ev.APIVersion != stripego.APIVersion {
		t.Fatalf("event = %+v, %v; want API version %s", ev, err, stripego.APIVersion)
	}
	var cs stripego.CheckoutSession
	if err := json.Unmarshal(ev.Data.Raw, &cs); err != nil {
		t.Fatal(err)
	}
	if cs.ID != sid || cs.Object != "checkout.session" || cs.Mode != stripego.CheckoutSessionModeSetup ||
		cs.Status != stripego.CheckoutSessionStatusComplete || cs.PaymentStatus != stripego.CheckoutSessionPaymentStatusNoPaymentRequired ||
		cs.SetupIntent == nil || !strings.HasPrefix(cs.SetupIntent.ID, "seti_") || cs.Customer == nil || !strings.HasPrefix(cs.Customer.ID, "cus_") ||
		cs.PaymentIntent != nil || cs.Metadata["setup_id"] == "" || cs.URL != "" || cs.CustomerDetails == nil {
		t.Errorf("setup session in the event = %+v", cs)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(ev.Data.Raw, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"amount_total", "amount_subtotal", "currency", "total_details", "payment_intent"} {
		if v, ok := raw[k]; !ok || string(v) != "null" {
			t.Errorf("%s = %s (present %v), want null in a setup session", k, v, ok)
		}
	}
}

// A customer who saves a card and never comes back to the success page
// still has it saved, by checkout.session.completed; with the verify of
// the success page too, in either order, and with redeliveries, the card
// is saved once, with one method.saved.
func TestSetupSavedByWebhook(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps []string // "webhook", "verify"
	}{
		{"webhook only", []string{"webhook"}},
		{"webhook then verify", []string{"webhook", "verify"}},
		{"verify then webhook", []string{"verify", "webhook"}},
		{"redelivered webhook around a verify", []string{"webhook", "verify", "webhook", "webhook"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			se := newSetupEnv(t)
			sid, payload := se.completeSetup(t, "cust-1", stripetest.PMVisa)
			ids := map[string]bool{}
			for _, step := range tc.steps {
				switch step {
				case "webhook":
					if ans := se.webhook(t, payload); ans["result"] != "processed" {
						t.Fatalf("webhook answer = %v, want processed", ans)
					}
				case "verify":
					ids[se.verify(t, sid)] = true
				}
			}
			list, err := se.svc.Methods(t.Context(), "cust-1")
			if err != nil || len(list) != 1 {
				t.Fatalf("methods = %v, %v; want one", list, err)
			}
			m := list[0]
			if m.Status != payments.MethodActive || m.Gateway != "stripe" || m.Brand != "visa" || m.Last4 != "4242" ||
				!strings.HasPrefix(m.Token.Reveal(), "pm_") || !strings.HasPrefix(m.GatewayCustomer.Reveal(), "cus_") {
				t.Errorf("method = %+v", m)
			}
			for id := range ids {
				if id != m.ID {
					t.Errorf("/setup/verify answered method %s, the webhook saved %s", id, m.ID)
				}
			}
			if saved := se.methodSaved(t); len(saved) != 1 || saved[0] != m.ID {
				t.Errorf("method.saved events for %v, want one for %s", saved, m.ID)
			}
			// The saved card charges.
			p, err := se.svc.Charge(t.Context(), payments.ChargeRequest{OrderNumber: hUSD, MethodID: m.ID})
			if err != nil || p.Status != payments.StatusPaid {
				t.Errorf("charge of the card saved by webhook = %v, %v", p, err)
			}
		})
	}
}

// The webhook acts on the session as Stripe has it, never on the event's
// body: a signed event claiming a session is complete while it is still
// open saves nothing, and setup sessions the library did not start are
// ignored.
func TestSetupWebhookTrustsStripeNotTheBody(t *testing.T) {
	se := newSetupEnv(t)
	out := se.postOK("/setup", hJSON(map[string]any{"customer_id": "cust-1", "success_url": hOrigin + "/saved", "cancel_url": hOrigin + "/cart"}), hAdmin...)
	sid := out["session_id"].(string)
	setup := ""
	for _, c := range se.srv.Calls() {
		if c.Op == stripetest.OpCreateCheckoutSession {
			setup = c.Form.Get("metadata[setup_id]")
		}
	}
	if setup == "" {
		t.Fatal("the setup session was created without the setup id in its metadata")
	}
	forged := map[string]any{"id": sid, "object": "checkout.session", "mode": "setup", "status": "complete",
		"payment_status": "no_payment_required", "setup_intent": "seti_forged", "customer": "cus_forged",
		"metadata": map[string]string{"setup_id": setup, "customer_id": "cust-1"}}
	for _, tc := range []struct {
		name   string
		event  string
		object map[string]any
		reason string
	}{
		{"completed in the body, open at Stripe", "checkout.session.completed", forged, string(payments.CodeInvalidState)},
		{"not started by the library", "checkout.session.completed", map[string]any{"id": "cs_test_other", "object": "checkout.session",
			"mode": "setup", "status": "complete", "metadata": map[string]string{}}, "setup session not started by this library"},
		{"expired setup session", "checkout.session.expired", forged, "setup session event not acted on"},
		{"no session id", "checkout.session.completed", map[string]any{"id": "pi_1", "mode": "setup",
			"metadata": map[string]string{"setup_id": setup}}, "event names no session"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			payload, header, err := se.srv.SignedEvent(tc.event, tc.object)
			if err != nil {
				t.Fatal(err)
			}
			w := se.deliver(payload, header)
			ans := hMap(t, w)
			if w.Code != http.StatusOK || ans["result"] != "ignored" || ans["reason"] != tc.reason {
				t.Errorf("webhook = %d %v, want 200 ignored (%s)", w.Code, ans, tc.reason)
			}
			if list, _ := se.svc.Methods(t.Context(), "cust-1"); len(list) != 0 {
				t.Errorf("the event saved %d methods", len(list))
			}
		})
	}
}

// The webhook and the success page's verify at the same moment, with
// redeliveries: one method, one method.saved.
func TestSetupWebhookAndVerifyConcurrently(t *testing.T) {
	se := newSetupEnv(t)
	sid, payload := se.completeSetup(t, "cust-1", stripetest.PMVisa)
	header := se.srv.Sign(payload)
	var wg sync.WaitGroup
	codes := make(chan int, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				codes <- se.deliver(payload, header).Code
			} else {
				codes <- se.post("/setup/verify", hJSON(map[string]any{"session_id": sid})).Code
			}
		}()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Errorf("a concurrent webhook or verify answered %d", c)
		}
	}
	if list, err := se.svc.Methods(t.Context(), "cust-1"); err != nil || len(list) != 1 {
		t.Fatalf("methods = %v, %v; want one", list, err)
	}
	if saved := se.methodSaved(t); len(saved) != 1 {
		t.Errorf("method.saved events = %v, want one", saved)
	}
}
