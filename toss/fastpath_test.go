package toss

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
)

var readyBodySeeds = []string{
	`{"order_number":"ORD-20260122-001","amount":58990,"order_name":"Cool T-Shirt 외 1건","method":"CARD","success_url":"https://shop.example/ok","fail_url":"https://shop.example/fail"}`,
	`{"order_number":"A","amount":1,"order_name":"\u003c\ud83d\ude00\u003e","method":"EASY_PAY","easy_pay_provider":"TOSSPAY","customer_name":"김토스","customer_email":"a@b.kr"}`,
	`{"order_number":"A","order_number":"B"}`,
	`{"Order_Number":"A"}`,
	`{"amount":1.0}`,
	`{"amount":"1"}`,
	`{"amount":99999999999999999999}`,
	`{"unknown":1}`,
	`{"order_name":null,"amount":null}`,
	` {"order_number" : "A" } `,
	`{"order_number":"A"} {}`,
	`[]`,
	``,
	"{\"order_name\":\"\xff\"}",
}

// TestDecodeReadyMatchesUnmarshal: the one-pass decoder of the ready
// body gives what httpjson.Unmarshal gives, error or value.
func TestDecodeReadyMatchesUnmarshal(t *testing.T) {
	for _, s := range readyBodySeeds {
		checkDecodeReady(t, s)
	}
}

func FuzzDecodeReady(f *testing.F) {
	for _, s := range readyBodySeeds {
		f.Add(s)
	}
	f.Fuzz(checkDecodeReady)
}

func checkDecodeReady(t *testing.T, body string) {
	var want ReadyRequest
	werr := httpjson.Unmarshal([]byte(body), &want)
	r := httptest.NewRequest("POST", "/ready", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	var got ReadyRequest
	gerr := decodeReady(httptest.NewRecorder(), r, &got)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("body %q: decodeReady error %v, Unmarshal error %v", body, gerr, werr)
	}
	if werr != nil {
		if payments.Code(gerr) != payments.Code(werr) {
			t.Errorf("body %q: decodeReady code %s, Unmarshal code %s", body, payments.Code(gerr), payments.Code(werr))
		}
		return
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body %q: decodeReady differs from Unmarshal (-want +got):\n%s", body, diff)
	}
}

// TestReadyResponseEncoding: the hand-written encoder of the ready
// response writes what httpjson.Write writes.
func TestReadyResponseEncoding(t *testing.T) {
	for _, s := range []string{"", "ORD-1", `<"&">` + "\\\n\u2028\xff", "김토스 외 1건"} {
		r := ReadyResponse{OrderNumber: s, Status: payments.Status(s), Amount: -58990, Currency: payments.Currency(s),
			Toss: ReadyWindow{ClientKey: s, OrderID: s, OrderName: s, Amount: 1 << 62, Method: s, EasyPayProvider: s,
				CustomerName: s, CustomerEmail: s, SuccessURL: s, FailURL: s}}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(true)
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
		if got := r.appendJSON(nil); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("appendJSON:\n got %s\nwant %s", got, want.Bytes())
		}
	}
}

// FuzzRedirectQuery: redirectQuery encodes as url.Values.Encode does.
func FuzzRedirectQuery(f *testing.F) {
	f.Add("ORD-1", "code", "PAY_PROCESS_CANCELED", "message", "사용자가 결제를 취소하였습니다")
	f.Add("ORD 1&x=y", "order_number", "override", "status", "paid")
	f.Add("", "", "", "a b", "<&>")
	f.Fuzz(func(t *testing.T, order, k1, v1, k2, v2 string) {
		params := url.Values{}
		params.Add(k1, v1)
		params.Add(k2, v2)
		want := url.Values{"order_number": {order}}
		for k, vs := range params {
			want[k] = vs
		}
		if got := redirectQuery(order, params); got != want.Encode() {
			t.Errorf("redirectQuery(%q, %v) = %q, want %q", order, params, got, want.Encode())
		}
	})
}
