package httpjson

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
)

type body struct {
	OrderNumber string `json:"order_number"`
	Amount      int64  `json:"amount"`
	Nested      *struct {
		Bank string `json:"bank"`
	} `json:"nested,omitempty"`
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		want        payments.ErrorCode
	}{
		{"ok", "application/json", `{"order_number":"A","amount":5}`, ""},
		{"ok with charset", "application/json; charset=utf-8", `{"order_number":"A"}`, ""},
		{"no content type", "", `{}`, payments.CodeUnsupportedMediaType},
		{"form", "application/x-www-form-urlencoded", `a=b`, payments.CodeUnsupportedMediaType},
		{"empty", "application/json", ``, payments.CodeInvalidRequest},
		{"unknown field", "application/json", `{"order_number":"A","amout":5}`, payments.CodeInvalidRequest},
		{"unknown nested field", "application/json", `{"nested":{"bank":"20","x":1}}`, payments.CodeInvalidRequest},
		{"wrong type", "application/json", `{"amount":"5"}`, payments.CodeInvalidRequest},
		{"float amount", "application/json", `{"amount":5.5}`, payments.CodeInvalidRequest},
		{"array", "application/json", `[1,2]`, payments.CodeInvalidRequest},
		{"trailing data", "application/json", `{"amount":5}{"amount":6}`, payments.CodeInvalidRequest},
		{"trailing garbage", "application/json", `{"amount":5} x`, payments.CodeInvalidRequest},
		{"truncated", "application/json", `{"amount":`, payments.CodeInvalidRequest},
		{"too large", "application/json", `{"order_number":"` + strings.Repeat("a", MaxBody) + `"}`, payments.CodeBodyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			var dst body
			err := Decode(httptest.NewRecorder(), r, &dst)
			if got := payments.Code(err); got != tt.want {
				t.Fatalf("Decode: code %q (%v), want %q", got, err, tt.want)
			}
		})
	}
}

func TestDecodeMessagesDoNotEchoBody(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"amount":"<script>sk_live_x</script>"}`))
	r.Header.Set("Content-Type", "application/json")
	err := Decode(httptest.NewRecorder(), r, &body{})
	if err == nil || strings.Contains(err.Error(), "script") {
		t.Fatalf("Decode error %v echoes the body", err)
	}
	if !strings.Contains(err.Error(), `"amount"`) {
		t.Errorf("Decode error %v does not name the field", err)
	}
}

func TestWriteError(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		want   ErrorDetail
	}{
		{"declined", &payments.Error{Code: payments.CodePaymentDeclined, Message: "declined", GatewayCode: "REJECT_CARD_COMPANY"},
			402, ErrorDetail{Code: "payment_declined", Message: "declined", GatewayCode: "REJECT_CARD_COMPANY"}},
		{"internal error text hidden", errors.New("pq: password authentication failed for user admin"),
			500, ErrorDetail{Code: "internal_error", Message: "internal error"}},
		{"timeout", &payments.Error{Code: payments.CodeGatewayUnavailable, Timeout: true},
			504, ErrorDetail{Code: "gateway_unavailable", Message: "the payment gateway is unavailable; try again later"}},
		{"not found", payments.ErrOrderNotFound, 404, ErrorDetail{Code: "order_not_found", Message: "order not found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteError(rec, tt.err)
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			var got ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got.Error); diff != "" {
				t.Errorf("envelope (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzUnmarshal(f *testing.F) {
	for _, s := range []string{`{"order_number":"A","amount":5}`, `{"nested":{"bank":"20"}}`, `[]`, `{"amount":1e400}`, "\xff", `{"a":`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var b body
		err := Unmarshal(data, &b)
		if err != nil && payments.Code(err) != payments.CodeInvalidRequest {
			t.Fatalf("Unmarshal error code %q, want invalid_request", payments.Code(err))
		}
		if err == nil {
			// What decodes strictly re-encodes and decodes to the same value.
			out, _ := json.Marshal(b)
			var again body
			if err := Unmarshal(out, &again); err != nil || !cmp.Equal(b, again) {
				t.Fatalf("round trip of %q: %v", out, err)
			}
		}
	})
}
