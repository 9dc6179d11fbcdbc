package stripetest_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments/stripe/stripetest"
)

// TestBalanceTransactions: one transaction per charge and refund, and a
// second for a failed refund, newest first, with the configured fee,
// net = amount − fee, available_on, the created filters, the cursor,
// and data.source expanded into the charge or refund.
func TestBalanceTransactions(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	srv, _, api := newAPI(t, stripetest.Config{Now: func() time.Time { return now }, Fees: stripetest.FeeConfig{Percent: 250, Fixed: 20, AvailableDays: 3}})
	a := srv.ChargeOutside(10000, "usd", map[string]string{"order_number": "BT-1"})
	b := srv.ChargeOutside(4000, "usd", nil)
	re := srv.RefundOutside(a, 1500)
	list := func(p *stripego.BalanceTransactionListParams) []*stripego.BalanceTransaction {
		t.Helper()
		var out []*stripego.BalanceTransaction
		it := api.BalanceTransactions.List(p)
		for it.Next() {
			out = append(out, it.BalanceTransaction())
		}
		if err := it.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	p := &stripego.BalanceTransactionListParams{}
	p.Limit = stripego.Int64(1)
	p.AddExpand("data.source")
	all := list(p)
	type row struct {
		Type             stripego.BalanceTransactionType
		Amount, Fee, Net int64
		Available        int64
		Source           string
		PI               string
		Order            string
	}
	var got []row
	for _, bt := range all {
		r := row{Type: bt.Type, Amount: bt.Amount, Fee: bt.Fee, Net: bt.Net, Available: bt.AvailableOn, Source: string(bt.Source.Type)}
		if ch := bt.Source.Charge; ch != nil {
			r.PI, r.Order = ch.PaymentIntent.ID, ch.Metadata["order_number"]
		}
		if rf := bt.Source.Refund; rf != nil {
			r.PI = rf.PaymentIntent.ID
			if rf.ID != re {
				t.Errorf("refund source %s, want %s", rf.ID, re)
			}
		}
		got = append(got, r)
	}
	avail := time.Date(2026, 3, 13, 0, 0, 0, 0, time.UTC).Unix()
	want := []row{
		// Same second: newest first by id, so compare as a set of rows.
		{stripego.BalanceTransactionTypeRefund, -1500, 0, -1500, avail, "refund", a, ""},
		{stripego.BalanceTransactionTypeCharge, 10000, 270, 9730, avail, "charge", a, "BT-1"},
		{stripego.BalanceTransactionTypeCharge, 4000, 120, 3880, avail, "charge", b, ""},
	}
	less := func(x, y row) bool { return x.Amount < y.Amount }
	if diff := cmp.Diff(want, got, cmpSortRows(less)); diff != "" {
		t.Errorf("balance transactions (-want +got):\n%s", diff)
	}
	// created filters: nothing before now, everything at it.
	before := &stripego.BalanceTransactionListParams{CreatedRange: &stripego.RangeQueryParams{LesserThan: now.Unix()}}
	if n := len(list(before)); n != 0 {
		t.Errorf("created[lt]=now: %d", n)
	}
	at := &stripego.BalanceTransactionListParams{Created: stripego.Int64(now.Unix())}
	if n := len(list(at)); n != 3 {
		t.Errorf("created=now: %d", n)
	}
	// Controls: hidden and altered.
	srv.HideBalanceTransaction(b)
	srv.AlterBalanceTransaction(a, func(bt *stripetest.BalanceTransaction) { bt.Amount = 9999 })
	var amounts []int64
	for _, bt := range list(&stripego.BalanceTransactionListParams{Type: stripego.String("charge")}) {
		amounts = append(amounts, bt.Amount)
	}
	if diff := cmp.Diff([]int64{9999}, amounts); diff != "" {
		t.Errorf("after the controls (-want +got):\n%s", diff)
	}
	// A bad limit and an unknown expansion are refused.
	bad := &stripego.BalanceTransactionListParams{}
	bad.Limit = stripego.Int64(101)
	if it := api.BalanceTransactions.List(bad); it.Next() || it.Err() == nil {
		t.Error("limit 101 accepted")
	}
	bad = &stripego.BalanceTransactionListParams{}
	bad.AddExpand("data.fee_details")
	if it := api.BalanceTransactions.List(bad); it.Next() || it.Err() == nil {
		t.Error("expand[]=data.fee_details accepted")
	}
}

func cmpSortRows[T any](less func(a, b T) bool) cmp.Option {
	return cmpopts.SortSlices(less)
}
