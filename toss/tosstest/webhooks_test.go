package tosstest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"testing"
)

// PAYMENT_STATUS_CHANGED on DONE, ABORTED, CANCELED and PARTIAL_CANCELED
// (EXPIRED in TestConfirmWindowTenMinutes), with the envelope, createdAt
// without offset, the transmission headers and no signature.
func TestWebhookPaymentStatusChanged(t *testing.T) {
	rc := newReceiver(t)
	f := newFixture(t, Config{WebhookURL: rc.URL})
	p := f.approved("order-0001", 10000, "CARD")
	f.s.FlushWebhooks() // deliveries are asynchronous; keep their order for the test
	f.cancel(p.PaymentKey, map[string]any{"cancelReason": "x", "cancelAmount": 1000}, nil)
	f.s.FlushWebhooks()
	f.cancel(p.PaymentKey, map[string]any{"cancelReason": "x"}, nil) // the rest: still PARTIAL_CANCELED, no event
	f.s.FlushWebhooks()
	declined := f.authorize("order-0002", 1000, "CARD")
	_ = f.s.FailConfirm(declined, "INVALID_STOPPED_CARD")
	f.confirm(declined, "order-0002", 1000)
	f.s.FlushWebhooks()

	got := rc.received()
	wantStatuses := []string{StatusDone, StatusPartialCanceled, StatusAborted}
	if len(got) != len(wantStatuses) {
		t.Fatalf("received %d webhooks, want %d", len(got), len(wantStatuses))
	}
	ids := map[string]bool{}
	for i, r := range got {
		var ev struct {
			EventType string          `json:"eventType"`
			CreatedAt string          `json:"createdAt"`
			Data      json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(r.Body, &ev); err != nil {
			t.Fatal(err)
		}
		var data Payment
		_ = json.Unmarshal(ev.Data, &data)
		if ev.EventType != "PAYMENT_STATUS_CHANGED" || data.Status != wantStatuses[i] {
			t.Errorf("%d: %s %s", i, ev.EventType, data.Status)
		}
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,6}$`).MatchString(ev.CreatedAt) {
			t.Errorf("createdAt %q", ev.CreatedAt)
		}
		h := r.Header
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$`).MatchString(h.Get("tosspayments-webhook-transmission-time")) ||
			h.Get("tosspayments-webhook-transmission-retried-count") != "0" ||
			!regexp.MustCompile(`^whtrans_[a-z0-9]+$`).MatchString(h.Get("tosspayments-webhook-transmission-id")) ||
			h.Get("Content-Type") != "application/json" {
			t.Errorf("%d: headers %v", i, h)
		}
		if h.Get("tosspayments-webhook-signature") != "" {
			t.Errorf("%d: payment events carry no signature", i)
		}
		ids[h.Get("tosspayments-webhook-transmission-id")] = true
	}
	if len(ids) != len(got) {
		t.Errorf("transmission ids not unique: %v", ids)
	}
	if data := decodeAbortedFailure(t, got[2].Body); data.Code != "INVALID_STOPPED_CARD" {
		t.Errorf("ABORTED failure %+v", data)
	}
	for _, h := range f.s.Webhooks() {
		if !h.Attempted || h.StatusCode != http.StatusOK || h.Err != nil {
			t.Errorf("delivery %+v", h)
		}
	}
}

func decodeAbortedFailure(t *testing.T, body []byte) Failure {
	var ev struct{ Data Payment }
	if err := json.Unmarshal(body, &ev); err != nil {
		t.Fatal(err)
	}
	return deref(ev.Data.Failure)
}

// The receiver's answer and transport errors are recorded; nothing is
// retried; without WebhookURL nothing is sent but everything is recorded.
func TestWebhookDeliveryOutcome(t *testing.T) {
	rc := newReceiver(t)
	rc.code = http.StatusInternalServerError
	f := newFixture(t, Config{WebhookURL: rc.URL})
	f.approved("order-0001", 1000, "CARD")
	f.s.FlushWebhooks()
	hooks := f.s.Webhooks()
	if len(hooks) != 1 || hooks[0].StatusCode != 500 || len(rc.received()) != 1 {
		t.Errorf("hooks %+v", hooks)
	}

	f = newFixture(t, Config{WebhookURL: "http://127.0.0.1:1/unreachable"})
	f.approved("order-0001", 1000, "CARD")
	f.s.FlushWebhooks()
	if hooks := f.s.Webhooks(); len(hooks) != 1 || !hooks[0].Attempted || hooks[0].Err == nil {
		t.Errorf("unreachable: %+v", hooks)
	}

	f = newFixture(t, Config{})
	f.approved("order-0001", 1000, "CARD")
	if hooks := f.s.Webhooks(); len(hooks) != 1 || hooks[0].Attempted {
		t.Errorf("no URL: %+v", hooks)
	}
	if got := eventTypes(t, f.s.Webhooks()); !slices.Equal(got, []string{"PAYMENT_STATUS_CHANGED:DONE"}) {
		t.Errorf("types %v", got)
	}
}
