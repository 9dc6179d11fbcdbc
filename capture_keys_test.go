package payments

import "testing"

// TestCaptureKeysNeverChange pins the keys of manual capture, void and
// dispute close, as TestKeysNeverChange pins the others: a capture
// retried after an upgrade must repeat the key its first try sent.
func TestCaptureKeysNeverChange(t *testing.T) {
	s := &Service{}
	p := &Payment{OrderNumber: "ORD-20260122-001"}
	a := &Attempt{Number: 1, Reference: "pi_1"}
	tests := []struct {
		name, got, want string
	}{
		{"capture", s.captureKey(p, a), "pay-capture-adf6ac491c4f3147ae87ee76738798abeb649f7f"},
		{"void", s.voidKey(p, a), "pay-void-102241e08beadc50fcc9b464e0154bc6dd4de243"},
		{"dispute close", s.key("dispute-close", p.OrderNumber, 1, "dp_1"), "pay-dispute-close-bb7633b211ec6b17484e342586b9a99f43d52909"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
