package toss_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/payments-go/payments"
)

// Toss has no separate capture: a "capture" on a Toss route is refused
// with 400 invalid_request saying so, whatever its value, and records
// nothing.
func TestTossRefusesManualCapture(t *testing.T) {
	for _, tt := range []struct {
		name, path string
		body       map[string]any
	}{
		{"ready, manual", "/ready", withCapture(readyBody(hOrder, hAmount, "CARD"), "manual")},
		{"ready, automatic", "/ready", withCapture(readyBody(hOrder, hAmount, "CARD"), "automatic")},
		{"confirm, manual", "/confirm", map[string]any{"payment_key": "tgen_20260122abc", "order_number": hOrder, "amount": hAmount, "capture": "manual"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newHEnv(t)
			rec := e.post(tt.path, tt.body)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("%s = %d %s, want 400", tt.path, rec.Code, rec.Body)
			}
			got := errorCode(t, rec)
			if got.Code != payments.CodeInvalidRequest || !strings.Contains(got.Message, "Toss has no separate capture") {
				t.Errorf("error = %+v", got)
			}
			if _, err := e.svc.Payment(t.Context(), hOrder); payments.Code(err) != payments.CodePaymentNotFound {
				t.Errorf("the refused request recorded a payment: %v", err)
			}
			if len(e.gw.Calls()) != 0 {
				t.Errorf("the refused request called the gateway: %+v", e.gw.Calls())
			}
		})
	}
}

func withCapture(body map[string]any, capture string) map[string]any {
	body["capture"] = capture
	return body
}
