package redact

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"key test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R here", "key REDACTED here"},
		{"live_gsk_abc123 and test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq", "REDACTED and REDACTED"},
		{"stripe sk_test_51Habc and rk_live_xyz", "stripe REDACTED and REDACTED"},
		{"whsec_abcDEF123+/=", "REDACTED"},
		{"pi_3Mtw_secret_YrKJUKribcBjcG8HVhfZluoGH", "REDACTED"},
		{"secret ps_abcdefghijklmnopqrstuvwx", "secret REDACTED"},
		{"Authorization: Basic dGVzdF9za196WExrS0V5cE5BcldtbzUwblgzbG1lYXhZRzVSOg==", "Authorization: REDACTED"},
		{"Bearer abcdefgh12345", "REDACTED"},
		{"order ORD-20260122-001 paid 58990 KRW", "order ORD-20260122-001 paid 58990 KRW"},
		{"pi_3MtwBwLkdIwHu7ix28a3tqPa is not a secret", "pi_3MtwBwLkdIwHu7ix28a3tqPa is not a secret"},
	}
	for _, tt := range tests {
		if got := String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewJSONHandler(&buf, nil))).With("key", "sk_test_123abc")
	log.Info("calling with test_sk_abc123", "err", errors.New("bad key sk_live_zzz"),
		slog.Group("req", "auth", "Bearer abcdefghijk"), "n", 3)
	out := buf.String()
	for _, secret := range []string{"sk_test_123abc", "test_sk_abc123", "sk_live_zzz", "abcdefghijk"} {
		if strings.Contains(out, secret) {
			t.Errorf("log line %s contains %q", out, secret)
		}
	}
	if !strings.Contains(out, `"n":3`) {
		t.Errorf("log line %s lost a plain attribute", out)
	}
}
