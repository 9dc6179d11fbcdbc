package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
)

func TestReadBody(t *testing.T) {
	type body struct {
		OrderNumber string `json:"order_number"`
	}
	tests := []struct {
		name        string
		contentType string
		body        string
		want        payments.ErrorCode // of Decode
		wantEvent   payments.ErrorCode // of ReadEventBody
	}{
		{"ok", "application/json", `{"order_number":"A"}`, "", ""},
		{"charset", "application/json; charset=utf-8", `{"order_number":"A"}`, "", ""},
		{"upper-case media type", "Application/JSON", `{"order_number":"A"}`, "", ""},
		{"no content type", "", `{}`, payments.CodeUnsupportedMediaType, ""},
		{"text/json", "text/json", `{}`, payments.CodeUnsupportedMediaType, ""},
		{"form", "application/x-www-form-urlencoded", `a=b`, payments.CodeUnsupportedMediaType, payments.CodeUnsupportedMediaType},
		{"malformed content type", "application/json; =", `{}`, payments.CodeUnsupportedMediaType, payments.CodeUnsupportedMediaType},
		{"strict decoding", "application/json", `{"order_number":"A","order_number":"B"}`, payments.CodeInvalidRequest, ""},
		{"too large", "application/json", `{"order_number":"` + strings.Repeat("a", MaxBody) + `"}`, payments.CodeBodyTooLarge, payments.CodeBodyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := func() *http.Request {
				r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
				if tt.contentType != "" {
					r.Header.Set("Content-Type", tt.contentType)
				}
				return r
			}
			var dst body
			if got := payments.Code(Decode(httptest.NewRecorder(), req(), &dst)); got != tt.want {
				t.Errorf("Decode: %q, want %q", got, tt.want)
			}
			data, err := ReadEventBody(httptest.NewRecorder(), req())
			if got := payments.Code(err); got != tt.wantEvent {
				t.Errorf("ReadEventBody: %q, want %q", got, tt.wantEvent)
			}
			if err == nil && string(data) != tt.body {
				t.Errorf("ReadEventBody read %d bytes, want %d", len(data), len(tt.body))
			}
		})
	}
}

func TestAnswerWebhook(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		answer *WebhookAnswer // the 200 body; nil: an error envelope
		code   payments.ErrorCode
		level  slog.Level
	}{
		{"applied", nil, 200, &WebhookAnswer{Received: true, EventID: "evt_1", Type: "t", Result: Processed}, "", slog.LevelInfo},
		{"unknown order", payments.ErrOrderNotFound, 200, &WebhookAnswer{Received: true, EventID: "evt_1", Type: "t", Result: Ignored, Reason: "order_not_found"}, "", slog.LevelInfo},
		{"unknown payment", payments.ErrPaymentNotFound, 200, &WebhookAnswer{Received: true, EventID: "evt_1", Type: "t", Result: Ignored, Reason: "payment_not_found"}, "", slog.LevelInfo},
		{"forged", &payments.Error{Code: payments.CodeInvalidSignature, Message: "bad secret"}, 400, nil, payments.CodeInvalidSignature, slog.LevelWarn},
		{"malformed", &payments.Error{Code: payments.CodeInvalidRequest, Message: "bad"}, 400, nil, payments.CodeInvalidRequest, slog.LevelWarn},
		{"gateway down", &payments.Error{Code: payments.CodeGatewayUnavailable}, 503, nil, payments.CodeGatewayUnavailable, slog.LevelWarn},
		{"deadline", fmt.Errorf("re-read: %w", context.DeadlineExceeded), 503, nil, payments.CodeGatewayUnavailable, slog.LevelWarn},
		{"canceled", context.Canceled, 503, nil, payments.CodeGatewayUnavailable, slog.LevelWarn},
		{"gateway error", &payments.Error{Code: payments.CodeGatewayError, Message: "refused"}, 502, nil, payments.CodeGatewayError, slog.LevelError},
		{"internal", errors.New("pq: connection refused"), 500, nil, payments.CodeInternal, slog.LevelError},
		{"definitive", &payments.Error{Code: payments.CodeAmountMismatch, Message: "paid 1, order 2"}, 200, &WebhookAnswer{Received: true, EventID: "evt_1", Type: "t", Result: Ignored, Reason: "amount_mismatch"}, "", slog.LevelError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			level := AnswerWebhook(rec, httptest.NewRequest("POST", "/webhook", nil), WebhookAnswer{EventID: "evt_1", Type: "t"}, tt.err)
			if rec.Code != tt.status || level != tt.level {
				t.Errorf("status %d, level %v; want %d, %v", rec.Code, level, tt.status, tt.level)
			}
			if tt.answer != nil {
				var got WebhookAnswer
				if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(*tt.answer, got); diff != "" {
					t.Errorf("answer (-want +got):\n%s", diff)
				}
				return
			}
			var env struct {
				Error struct {
					Code    payments.ErrorCode `json:"code"`
					Message string             `json:"message"`
				} `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Error.Code != tt.code {
				t.Errorf("envelope %s, want code %q", rec.Body, tt.code)
			}
			if strings.Contains(rec.Body.String(), "pq:") {
				t.Errorf("internal error text answered: %s", rec.Body)
			}
		})
	}
}

func TestFieldChecks(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string // "" for nil
	}{
		{"text ok", Text("order_name", "Cool T-Shirt 외 1건", true, 100), ""},
		{"text required", Text("order_name", "  ", true, 100), "order_name is required"},
		{"text optional", Text("reason", "", false, 100), ""},
		{"text too long in runes", Text("reason", strings.Repeat("가", 11), false, 10), "reason must be at most 10 characters"},
		{"text counts runes, not bytes", Text("reason", strings.Repeat("가", 10), false, 10), ""},
		{"text invalid utf-8", Text("reason", "a\xffb", false, 10), "reason must be at most 10 characters"},
		{"text control", Text("reason", "a\nb", false, 10), "reason must not contain control characters"},
		{"email ok", Email("customer_email", "a@b.example"), ""},
		{"email empty", Email("customer_email", ""), ""},
		{"email no at", Email("customer_email", "ab.example"), "customer_email is not an email address"},
		{"email trailing at", Email("customer_email", "a@"), "customer_email is not an email address"},
		{"email with angle", Email("customer_email", "<a@b>"), "customer_email is not an email address"},
	}
	for _, tt := range tests {
		switch {
		case tt.want == "" && tt.err != nil:
			t.Errorf("%s: %v, want nil", tt.name, tt.err)
		case tt.want != "" && (payments.Code(tt.err) != payments.CodeInvalidRequest || !strings.Contains(tt.err.Error(), tt.want)):
			t.Errorf("%s: %v, want invalid_request %q", tt.name, tt.err, tt.want)
		}
	}
}

func TestCharsAndNumbers(t *testing.T) {
	for _, tt := range []struct {
		s           string
		safe, digit bool
		n           int64
	}{
		{"ORD-1_a", true, false, 0},
		{"ORD 1", false, false, 0},
		{"주문", false, false, 0},
		{"", true, false, 0},
		{"58990", true, true, 58990},
		{"058990", true, true, 0},
		{"0", true, true, 0},
		{"+5", false, false, 0},
		{"1234567890123456789", true, true, 0},
		{"123456789012345678", true, true, 123456789012345678},
	} {
		n, ok := PositiveInt(tt.s)
		if SafeChars(tt.s, "-_") != tt.safe || Digits(tt.s) != tt.digit || n != tt.n || ok != (tt.n > 0) {
			t.Errorf("%q: SafeChars %v, Digits %v, PositiveInt %d %v", tt.s, SafeChars(tt.s, "-_"), Digits(tt.s), n, ok)
		}
	}
}

func TestClip(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want string
	}{
		{"  plain  ", 20, "plain"},
		{"line\nbreak\ttab", 20, "line break tab"},
		{"bad\xffutf8", 20, "bad\uFFFDutf8"},
		{"가나다라", 3, "가나다"}, // characters, not bytes
		{"abcdef", 3, "abc"},
		{"ab cd", 3, "ab"},
		{"abc", 0, ""},
		{"", 3, ""},
	} {
		if got := Clip(tt.in, tt.max); got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}
