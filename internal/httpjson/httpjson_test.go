package httpjson

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

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

// readAll reads what io.ReadAll reads, whatever Content-Length claims,
// and never presizes beyond presizeLimit.
func TestReadAllMatchesIOReadAll(t *testing.T) {
	bodies := []string{"", "{}", `{"order_number":"ORD-1"}`, strings.Repeat("x", 511), strings.Repeat("y", 512), strings.Repeat("z", 5000), strings.Repeat("w", presizeLimit+3)}
	for _, body := range bodies {
		for _, cl := range []int64{-1, 0, 1, int64(len(body)) - 1, int64(len(body)), int64(len(body)) + 1, presizeLimit - 1, presizeLimit, MaxBody} {
			// iotest.OneByteReader makes every read short, as a slow
			// client's body is.
			for _, slow := range []bool{false, true} {
				var r io.Reader = strings.NewReader(body)
				if slow {
					r = iotest.OneByteReader(r)
				}
				got, err := readAll(r, cl)
				if err != nil || string(got) != body {
					t.Fatalf("len %d, Content-Length %d, slow %v: %d bytes, %v", len(body), cl, slow, len(got), err)
				}
				if cl > 0 && cl < presizeLimit && int64(len(body)) <= cl && cap(got) != int(cl)+1 {
					t.Errorf("len %d, Content-Length %d: cap %d, want %d (no growth)", len(body), cl, cap(got), cl+1)
				}
			}
		}
	}
	// The MaxBytesReader limit still applies.
	rec := httptest.NewRecorder()
	_, err := readAll(http.MaxBytesReader(rec, io.NopCloser(strings.NewReader(strings.Repeat("a", 100))), 10), 100)
	var mbe *http.MaxBytesError
	if !errors.As(err, &mbe) {
		t.Errorf("over the limit: %v, want *http.MaxBytesError", err)
	}
}

// AppendAll keeps what b holds, fills its spare capacity first and grows
// it as needed; a reader's error other than EOF comes back with the data
// read before it.
func TestAppendAll(t *testing.T) {
	long := strings.Repeat("0123456789", 300)
	tests := []struct {
		name   string
		b      []byte
		r      io.Reader
		want   string
		errIs  error
		sameIn bool // the data fits b's capacity: no new array
	}{
		{"nil buffer", nil, strings.NewReader("abc"), "abc", nil, false},
		{"prefix kept, fits", append(make([]byte, 0, 64), "pre:"...), strings.NewReader("abc"), "pre:abc", nil, true},
		{"prefix kept, grows", append(make([]byte, 0, 8), "pre:"...), strings.NewReader(long), "pre:" + long, nil, false},
		{"full buffer", []byte("xyz"), iotest.OneByteReader(strings.NewReader(long)), "xyz" + long, nil, false},
		{"empty body", make([]byte, 0, 4), strings.NewReader(""), "", nil, true},
		{"error midway", nil, io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(io.ErrUnexpectedEOF)), "abc", io.ErrUnexpectedEOF, false},
	}
	for _, tt := range tests {
		in := tt.b
		got, err := AppendAll(tt.b, tt.r)
		if string(got) != tt.want || !errors.Is(err, tt.errIs) || (tt.errIs == nil && err != nil) {
			t.Errorf("%s: %q, %v; want %q, %v", tt.name, got, err, tt.want, tt.errIs)
		}
		if tt.sameIn && cap(in) > 0 && &got[:1][0] != &in[:1][0] {
			t.Errorf("%s: a new array although the data fits", tt.name)
		}
	}
}
