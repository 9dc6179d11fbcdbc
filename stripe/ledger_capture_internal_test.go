package stripe

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments"
)

// TestLedgerEntryPartialCaptureAndDispute: a partially captured charge's
// entry is of the amount captured (its net and payout too), the
// partial_capture_reversal that gives the rest back is LedgerOther, and a
// dispute's entry names the dispute.
func TestLedgerEntryPartialCaptureAndDispute(t *testing.T) {
	pi := &stripego.PaymentIntent{ID: "pi_1"}
	ch := &stripego.Charge{ID: "ch_1", PaymentIntent: pi, Status: stripego.ChargeStatusSucceeded, Captured: true,
		Amount: 10000, AmountCaptured: 6000, AmountRefunded: 4000}
	day := time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC)
	type out struct {
		Kind             payments.LedgerKind
		Ref, DisputeRef  string
		Amount, Fee, Net payments.Amount
		Payout           payments.Amount
	}
	for _, tt := range []struct {
		name string
		bt   stripego.BalanceTransaction
		want out
	}{
		{"partial capture", stripego.BalanceTransaction{Type: "charge", ReportingCategory: "charge", Amount: 10000, Fee: 204, Net: 9796,
			AvailableOn: day.Unix(), Source: &stripego.BalanceTransactionSource{ID: "ch_1", Charge: ch}},
			out{payments.LedgerPayment, "pi_1", "", 6000, 204, 5796, 5796}},
		{"its reversal", stripego.BalanceTransaction{Type: "adjustment", ReportingCategory: "partial_capture_reversal", Amount: -4000, Net: -4000,
			AvailableOn: day.Unix(), Source: &stripego.BalanceTransactionSource{ID: "ch_1", Charge: ch}},
			out{payments.LedgerOther, "", "", -4000, 0, -4000, -4000}},
		{"dispute reinstated", stripego.BalanceTransaction{Type: "adjustment", ReportingCategory: "dispute_reversal", Amount: 1000, Net: 1000,
			Source: &stripego.BalanceTransactionSource{ID: "dp_1", Dispute: &stripego.Dispute{ID: "dp_1", PaymentIntent: pi}}},
			out{payments.LedgerDispute, "pi_1", "dp_1", 1000, 0, 1000, 0}},
	} {
		e := ledgerEntry(&tt.bt)
		got := out{e.Kind, e.Reference, e.DisputeReference, e.Amount, e.Fee, e.Net, e.Payout}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}
