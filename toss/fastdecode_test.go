package toss

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fastDecodeSeeds are shapes the one-pass decoder must either decode as
// encoding/json does or hand over to it.
var fastDecodeSeeds = []string{
	`{}`,
	`{"totalAmount":1e309}`,
	`{"totalAmount":-0.001,"currency":"KWD"}`,
	`{"paymentKey":"a","paymentKey":"b"}`,
	`{"PaymentKey":"case"}`,
	`{"payment\u004bey":"escaped key"}`,
	`{"orderName":"\ud83d\ude00 \u00e9\n\"q\""}`,
	`{"orderName":"\ud800"}`,
	"{\"orderName\":\"\xff\"}",
	`{"cancels":[null,{"cancelAmount":1}]}`,
	`{"cancels":null,"card":null,"virtualAccount":null}`,
	`{"card":{"amount":"100"}}`,
	`{"metadata":{"a":"b","n":1,"o":{"x":[1,2]}}}`,
	`{"useEscrow":true,"cultureExpense":false,"isPartialCancelable":null}`,
	`{"totalAmount":01}`,
	`{"totalAmount":1.50,"currency":"USD"}`,
	`{"unknown":{"deep":[[[[{"x":1}]]]]},"status":"DONE"}`,
	`{"status":"DONE"} trailing`,
	` { "status" : "DONE" , "method" : "카드" } `,
}

// TestFastDecodeMatchesEncodingJSON checks the one-pass decoder against
// encoding/json on the recorded Toss payments and the seed shapes.
func TestFastDecodeMatchesEncodingJSON(t *testing.T) {
	files, err := filepath.Glob("testdata/payment_*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded payments: %v", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(name), func(t *testing.T) {
			var w tossWirePayment
			if !tossFastDecode(data, &w) {
				t.Fatal("the one-pass decoder handed a recorded Toss payment to encoding/json")
			}
			checkFastDecode(t, data)
		})
	}
	for _, s := range fastDecodeSeeds {
		t.Run(s, func(t *testing.T) { checkFastDecode(t, []byte(s)) })
	}
}

// FuzzFastDecode is the differential check: whatever the one-pass decoder
// accepts, encoding/json accepts too and decodes to the same value.
func FuzzFastDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/payment_*.json")
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	for _, s := range fastDecodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkFastDecode)
}

func checkFastDecode(t *testing.T, data []byte) {
	var fast tossWirePayment
	if !tossFastDecode(data, &fast) {
		return // encoding/json decides, as in UnmarshalJSON
	}
	var slow tossWirePayment
	if err := json.Unmarshal(data, &slow); err != nil {
		t.Fatalf("one-pass decoder accepted %q; encoding/json refuses it: %v", data, err)
	}
	if diff := cmp.Diff(slow, fast); diff != "" {
		t.Errorf("one-pass decoder differs from encoding/json on %q (-json +fast):\n%s", data, diff)
	}
}

// BenchmarkPaymentDecode decodes a recorded card payment with the
// one-pass decoder and, for comparison, with encoding/json alone.
func BenchmarkPaymentDecode(b *testing.B) {
	data, err := os.ReadFile("testdata/payment_done_card.json")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("one-pass", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var p Payment
			if err := p.UnmarshalJSON(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json-wire", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var w tossWirePayment
			if err := json.Unmarshal(data, &w); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The client recycles response buffers once decoded (tossBodies), which
// is safe only while nothing decoded refers to the buffer: a Payment or
// APIError decoded from a buffer must not change when the buffer is
// overwritten, in the one-pass decoder and in encoding/json's path alike.
func TestDecodedValuesDoNotAliasTheBuffer(t *testing.T) {
	files, err := filepath.Glob("testdata/payment_*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("fixtures: %v %v", files, err)
	}
	var inputs [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, data)
	}
	for _, s := range fastDecodeSeeds {
		inputs = append(inputs, []byte(s))
	}
	for _, data := range inputs {
		var want Payment
		if want.UnmarshalJSON(append([]byte(nil), data...)) != nil {
			continue
		}
		buf := append([]byte(nil), data...)
		var got Payment
		if err := got.UnmarshalJSON(buf); err != nil {
			t.Fatal(err)
		}
		for i := range buf {
			buf[i] = 'X'
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%.60s: the decoded payment changed with its buffer (-want +got):\n%s", data, diff)
		}
	}
	body := []byte(`{"code":"REJECT_CARD_COMPANY","message":"카드사에서 거절했습니다."}`)
	want := *tossDecodeError(403, append([]byte(nil), body...))
	got := tossDecodeError(403, body)
	for i := range body {
		body[i] = 'X'
	}
	if diff := cmp.Diff(want, *got); diff != "" {
		t.Errorf("the decoded error changed with its buffer (-want +got):\n%s", diff)
	}
}
