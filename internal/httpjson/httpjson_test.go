package httpjson

import (
	"encoding/json"
	"errors"

	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
)

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

type account struct {
	Bank   string `json:"bank"`
	Holder string `json:"holder_name"`
}

type request struct {
	OrderNumber string            `json:"order_number"`
	Amount      int64             `json:"amount"`
	Account     *account          `json:"refund_receive_account"`
	Items       []account         `json:"items"`
	Metadata    map[string]string `json:"metadata"`
	Raw         json.RawMessage   `json:"raw"`
	Any         any               `json:"any"`
	embedded
}

type embedded struct {
	Note string `json:"note"`
}

func TestUnmarshal(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		message string // "" accepts; otherwise a part of the invalid_request message
		event   string // what UnmarshalEvent says where it differs ("" accepts)
	}{
		{"ok", `{"order_number":"A","amount":5,"refund_receive_account":{"bank":"20"},"note":"n"}`, "", ""},
		{"nested arrays and maps", `{"items":[{"bank":"20"},{"holder_name":"x"}],"metadata":{"k":"v","K2":"w"}}`, "", ""},
		{"any value is not checked for fields", `{"any":{"Whatever":1,"x":{"y":2}}}`, "", ""},
		{"duplicate key", `{"amount":1000,"amount":9000}`, `key "amount" is given twice`, `key "amount" is given twice`},
		{"duplicate nested key", `{"refund_receive_account":{"bank":"20","bank":"88"}}`, `key "refund_receive_account.bank" is given twice`, `key "refund_receive_account.bank" is given twice`},
		{"duplicate in an array element", `{"items":[{"bank":"1"},{"bank":"2","bank":"3"}]}`, `key "items[1].bank" is given twice`, `key "items[1].bank" is given twice`},
		{"duplicate inside a raw value", `{"raw":{"a":1,"a":2}}`, `key "raw.a" is given twice`, `key "raw.a" is given twice`},
		{"duplicate inside an unknown key", `{"x":{"a":1,"a":2}}`, `unknown field "x"`, `key "x.a" is given twice`},
		{"case variant before the key", `{"ORDER_NUMBER":"A","order_number":"B"}`, `key "ORDER_NUMBER" must be spelled "order_number"`, `must be spelled`},
		{"case variant after the key", `{"order_number":"B","ORDER_NUMBER":"A"}`, `keys "order_number" and "ORDER_NUMBER" differ only in case`, `differ only in case`},
		{"case variant alone", `{"Amount":58990}`, `key "Amount" must be spelled "amount"`, `key "Amount" must be spelled "amount"`},
		{"case variant nested", `{"refund_receive_account":{"Bank":"20"}}`, `key "refund_receive_account.Bank" must be spelled "refund_receive_account.bank"`, `must be spelled`},
		{"case variant of a promoted field", `{"NOTE":"n"}`, `key "NOTE" must be spelled "note"`, `must be spelled`},
		{"a Unicode fold of a field name", "{\"item\u017f\":[]}", "must be spelled \"items\"", "must be spelled \"items\""},
		{"case variants of a map key are two keys", `{"metadata":{"k":"1","K":"2"}}`, "", ""},
		{"the same map key twice", `{"metadata":{"k":"1","k":"2"}}`, `key "metadata.k" is given twice`, `key "metadata.k" is given twice`},
		{"case variants inside a raw value are two keys", `{"raw":{"a":1,"A":2}}`, "", ""},
		{"unknown key", `{"order_number":"A","amout":5}`, `unknown field "amout"`, ""},
		{"unknown nested key", `{"refund_receive_account":{"bank":"20","x":1}}`, `unknown field "refund_receive_account.x"`, ""},
		{"empty", ``, "request body is empty", "request body is empty"},
		{"not an object", `[1,2]`, "must be a JSON object", "must be a JSON object"},
		{"wrong type", `{"amount":"5"}`, `field "amount" must be an integer`, `field "amount" must be an integer`},
		{"float amount", `{"amount":5.5}`, `field "amount" must be an integer`, `field "amount" must be an integer`},
		{"trailing data", `{"amount":5}{"amount":6}`, "data after the JSON object", "data after the JSON object"},
		{"trailing garbage", `{"amount":5} x`, "data after the JSON object", "data after the JSON object"},
		{"truncated", `{"amount":`, "malformed JSON", "malformed JSON"},
		{"duplicate before a syntax error", `{"amount":1,"amount":2,`, `given twice`, `given twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, fn := range []struct {
				name string
				f    func([]byte, any) error
				want string
			}{{"Unmarshal", Unmarshal, tt.message}, {"UnmarshalEvent", UnmarshalEvent, tt.event}} {
				var dst request
				err := fn.f([]byte(tt.body), &dst)
				if fn.want == "" {
					if err != nil {
						t.Errorf("%s: %v, want success", fn.name, err)
					}
					continue
				}
				if payments.Code(err) != payments.CodeInvalidRequest || !strings.Contains(err.Error(), fn.want) {
					t.Errorf("%s: %v, want invalid_request saying %q", fn.name, err, fn.want)
				}
			}
		})
	}
}

// A value that decodes is the value encoding/json decodes: the key check
// only refuses, it never changes what is decoded.
func TestUnmarshalDecodesAsEncodingJSON(t *testing.T) {
	body := `{"order_number":"A","amount":5,"refund_receive_account":{"bank":"20","holder_name":"홍길동"},"items":[{"bank":"1"}],"metadata":{"a":"b"},"raw":{"x":[1,2]},"any":[1,"s"],"note":"n"}`
	var got, want request
	if err := Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(body), &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(request{})); diff != "" {
		t.Errorf("(-encoding/json +Unmarshal):\n%s", diff)
	}
}

func TestMessagesDoNotEchoValues(t *testing.T) {
	err := Unmarshal([]byte(`{"amount":"<script>sk_live_x</script>"}`), &request{})
	if err == nil || strings.Contains(err.Error(), "script") {
		t.Fatalf("error %v echoes the body", err)
	}
}

func FuzzUnmarshal(f *testing.F) {
	for _, s := range []string{`{"order_number":"A","amount":5}`, `{"refund_receive_account":{"bank":"20"}}`, `{"amount":1,"amount":2}`,
		`{"Amount":1}`, `{"items":[{"bank":"1","BANK":"2"}]}`, `[]`, `{"amount":1e400}`, "\xff", `{"a":`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var b request
		err := Unmarshal(data, &b)
		if err != nil && payments.Code(err) != payments.CodeInvalidRequest {
			t.Fatalf("Unmarshal error code %q, want invalid_request", payments.Code(err))
		}
		var e request
		eerr := UnmarshalEvent(data, &e)
		if eerr != nil && payments.Code(eerr) != payments.CodeInvalidRequest {
			t.Fatalf("UnmarshalEvent error code %q, want invalid_request", payments.Code(eerr))
		}
		if err == nil {
			// What Unmarshal accepts, UnmarshalEvent accepts with the same
			// value, and encoding/json decodes the same way.
			var std request
			if eerr != nil || json.Unmarshal(data, &std) != nil || !cmp.Equal(b, e, allow) || !cmp.Equal(b, std, allow) {
				t.Fatalf("Unmarshal accepted %q, but: event %v / same %v, encoding/json %v", data, eerr, cmp.Equal(b, e, allow), cmp.Equal(b, std, allow))
			}
		}
	})
}

var allow = cmp.AllowUnexported(request{})
