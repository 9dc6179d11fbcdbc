package payments

import "testing"

// TestKeysNeverChange pins the derivation of idempotency keys and refund
// ids: gateways remember keys for days (Toss 15 days,
// https://docs.tosspayments.com/reference/using-api/idempotency-key;
// Stripe 24 hours, https://docs.stripe.com/api/idempotent_requests), and a
// retry after an upgrade must send the key its first try sent.
func TestKeysNeverChange(t *testing.T) {
	plain, prefixed := &Service{}, &Service{keyPrefix: "shop-a"}
	tests := []struct {
		name, got, want string
	}{
		{"confirm", plain.key("confirm", "ORD-20260122-001", 1, "pk_1"), "pay-confirm-08f33794217bd0352f504138675c1cab0e2406af"},
		{"prepare", plain.key("prepare", "ORD-20260122-001", 2, ""), "pay-prepare-43d4d5f336d28b1e404859623be3eba276029217"},
		{"confirm with a key prefix", prefixed.key("confirm", "ORD-20260122-001", 1, "pk_1"), "pay-confirm-9ba6836069a62273b65b08f6f1f5fcd7f88be94c"},
		{"refund id", prefixed.refundID("ORD-1", "k1"), "rf_02a82d22fa7deb477dec3100"},
		{"refund fingerprint", refundFingerprint(1000, "size", nil), "149452c516618881"},
		{"refund fingerprint with an account", refundFingerprint(1000, "size", &BankAccount{Bank: "88", AccountNumber: "123", HolderName: "김"}), "f09705bf805c8984"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

// TestHashSeparatesParts: the parts are length-prefixed, so moving a
// boundary between them changes the hash.
func TestHashSeparatesParts(t *testing.T) {
	if hash("ab", "c") == hash("a", "bc") || hash("a", "") == hash("", "a") {
		t.Error("hash ignores where one part ends and the next begins")
	}
}
