package status

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/payments-go/payments"
)

// encodePayment builds a status view whose every field is set, with s in
// every string and t in every time.
func encodePayment(s string, n int64, t time.Time, full bool) Payment {
	f := &Failure{Code: s, Message: s + "!"}
	paid := t.Add(time.Second)
	v := Payment{
		OrderNumber: s, Gateway: s, Status: payments.Status(s), Method: payments.Method(s), Amount: payments.Amount(n),
		Currency: payments.Currency(s), RefundedAmount: payments.Amount(-n), RefundableAmount: 0,
		Refunds: []Refund{}, Attempts: []Attempt{}, CreatedAt: t, UpdatedAt: t,
	}
	if full {
		v.GatewayStatus, v.GatewayReference, v.Failure, v.PaidAt = s, s, f, &paid
		v.VirtualAccount = &VirtualAccount{Bank: s, AccountNumber: s, Holder: s, DueDate: t}
		v.Refunds = []Refund{
			{ID: s, Amount: payments.Amount(n), Reason: s, Status: payments.RefundStatus(s), GatewayReference: s, Failure: f, CreatedAt: t, UpdatedAt: t},
			{ID: "rf_2", Amount: 1, Reason: "", Status: payments.RefundPending, CreatedAt: t, UpdatedAt: t},
		}
		v.Attempts = []Attempt{
			{Number: int(n % 1000), Gateway: s, Method: payments.Method(s), Status: payments.Status(s), GatewayStatus: s,
				GatewayOrderID: s, GatewayReference: s, Failure: f, CreatedAt: t, UpdatedAt: t},
			{Number: 2, Gateway: "toss", Status: payments.StatusReady, CreatedAt: t, UpdatedAt: t},
		}
	}
	return v
}

func checkEncoding(t *testing.T, v Payment) {
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(true)
	werr := enc.Encode(v)
	got, ok := v.appendJSON(nil)
	if (werr == nil) != ok {
		t.Fatalf("appendJSON ok=%v; encoding/json error %v", ok, werr)
	}
	if ok && !bytes.Equal(got, want.Bytes()) {
		t.Errorf("appendJSON differs from encoding/json:\n got %s\nwant %s", got, want.Bytes())
	}
}

// TestAppendJSONMatchesEncodingJSON: the status route's hand-written
// encoder writes exactly what encoding/json writes for the same view.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	seoul := time.FixedZone("KST", 9*3600)
	for _, tc := range []struct {
		s    string
		n    int64
		t    time.Time
		full bool
	}{
		{"ORD-20260122-001", 58990, time.Date(2026, 1, 22, 10, 0, 0, 0, time.UTC), false},
		{"ORD-20260122-001", 58990, time.Date(2026, 1, 22, 10, 0, 0, 123456789, seoul), true},
		{`<"김토스">&\n` + "\u2028\xff", -1 << 63, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"", 0, time.Time{}, true},
		{"y10k", 1, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), true},
	} {
		checkEncoding(t, encodePayment(tc.s, tc.n, tc.t, tc.full))
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("ORD-1", int64(58990), int64(1769049000), true)
	f.Add("<&>\"\\\x00", int64(-1), int64(-62135596800), false)
	f.Fuzz(func(t *testing.T, s string, n, sec int64, full bool) {
		checkEncoding(t, encodePayment(s, n, time.Unix(sec, n%1e9).UTC(), full))
	})
}
