package stripetest_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments/stripe/stripetest"
)

// TestBalanceTransactionsCaptureAndDisputes: a partial capture records
// the charge of the whole authorisation, with the fee of what was
// captured, and a partial_capture_reversal of the rest; a chargeback
// withdraws its amount with the dispute fee ($15.00 unless configured),
// and once won reinstates the amount; a lost one does not; an inquiry
// moves no money. The dispute's transactions expand into the dispute.
func TestBalanceTransactionsCaptureAndDisputes(t *testing.T) {
	for _, tt := range []struct {
		name string
		fee  int64 // FeeConfig.Dispute
		want int64 // the dispute fee charged
	}{{"default dispute fee", 0, 1500}, {"configured", 2000, 2000}, {"none", -1, 0}} {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
			srv, _, api := newAPI(t, stripetest.Config{Now: func() time.Time { return now }, Fees: stripetest.FeeConfig{Dispute: tt.fee}})
			hold, err := api.PaymentIntents.New(holdParams(stripetest.PMVisa))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := api.PaymentIntents.Capture(hold.ID, &stripego.PaymentIntentCaptureParams{AmountToCapture: stripego.Int64(50000)}); err != nil {
				t.Fatal(err)
			}
			won := srv.ChargeOutside(2000, "usd", nil)
			lost := srv.ChargeOutside(3000, "usd", nil)
			inquiry := srv.ChargeOutside(4000, "usd", nil)
			wonDp, err := srv.OpenDispute(won, "", false)
			if err != nil {
				t.Fatal(err)
			}
			lostDp, err := srv.OpenDispute(lost, "", false)
			if err != nil {
				t.Fatal(err)
			}
			inqDp, err := srv.OpenDispute(inquiry, "", true)
			if err != nil {
				t.Fatal(err)
			}
			for id, w := range map[string]bool{wonDp: true, lostDp: false, inqDp: true} {
				if err := srv.ResolveDispute(id, w); err != nil {
					t.Fatal(err)
				}
			}
			type row struct {
				Type                  stripego.BalanceTransactionType
				Category              stripego.BalanceTransactionReportingCategory
				Amount, Fee, Net      int64
				Source, Of, FeeDetail string
			}
			var got []row
			p := &stripego.BalanceTransactionListParams{}
			p.AddExpand("data.source")
			it := api.BalanceTransactions.List(p)
			for it.Next() {
				bt := it.BalanceTransaction()
				r := row{Type: bt.Type, Category: bt.ReportingCategory, Amount: bt.Amount, Fee: bt.Fee, Net: bt.Net, Source: string(bt.Source.Type)}
				switch {
				case bt.Source.Charge != nil:
					r.Of = bt.Source.Charge.PaymentIntent.ID
				case bt.Source.Dispute != nil:
					r.Of = bt.Source.Dispute.PaymentIntent.ID
				}
				if len(bt.FeeDetails) > 0 {
					r.FeeDetail = bt.FeeDetails[0].Description
				}
				got = append(got, r)
			}
			if err := it.Err(); err != nil {
				t.Fatal(err)
			}
			disputeFee := ""
			if tt.want != 0 {
				disputeFee = "Dispute fee"
			}
			const charge, adjustment = stripego.BalanceTransactionTypeCharge, stripego.BalanceTransactionTypeAdjustment
			want := []row{
				{charge, "charge", 58990, 1480, 57510, "charge", hold.ID, "Stripe processing fees"},
				{adjustment, "partial_capture_reversal", -8990, 0, -8990, "charge", hold.ID, ""},
				{charge, "charge", 2000, 88, 1912, "charge", won, "Stripe processing fees"},
				{charge, "charge", 3000, 117, 2883, "charge", lost, "Stripe processing fees"},
				{charge, "charge", 4000, 146, 3854, "charge", inquiry, "Stripe processing fees"},
				{adjustment, "dispute", -2000, tt.want, -2000 - tt.want, "dispute", won, disputeFee},
				{adjustment, "dispute_reversal", 2000, 0, 2000, "dispute", won, ""},
				{adjustment, "dispute", -3000, tt.want, -3000 - tt.want, "dispute", lost, disputeFee},
			}
			less := func(x, y row) bool {
				if x.Amount != y.Amount {
					return x.Amount < y.Amount
				}
				return x.Category < y.Category
			}
			if diff := cmp.Diff(want, got, cmpSortRows(less)); diff != "" {
				t.Errorf("balance transactions (-want +got):\n%s", diff)
			}
			// Filtered by source, a dispute's own transactions.
			var amounts []int64
			it = api.BalanceTransactions.List(&stripego.BalanceTransactionListParams{Source: stripego.String(wonDp)})
			for it.Next() {
				amounts = append(amounts, it.BalanceTransaction().Amount)
			}
			if diff := cmp.Diff([]int64{2000, -2000}, amounts, cmpSortRows(func(a, b int64) bool { return a > b })); diff != "" || it.Err() != nil {
				t.Errorf("source=%s: (-want +got):\n%s %v", wonDp, diff, it.Err())
			}
		})
	}
}
