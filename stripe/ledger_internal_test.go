package stripe

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments"
)

// TestLedgerEntryTypes: how each kind of balance transaction is read.
func TestLedgerEntryTypes(t *testing.T) {
	pi := &stripego.PaymentIntent{ID: "pi_1"}
	ch := &stripego.Charge{ID: "ch_1", PaymentIntent: pi, Status: stripego.ChargeStatusSucceeded,
		Metadata: map[string]string{metaOrderNumber: "ORD-1", metaAttemptOrderID: "ORD-1"}}
	type out struct {
		Kind             payments.LedgerKind
		Ref, RefundRef   string
		Order            string
		Amount, Fee, Net payments.Amount
		Status           payments.Status
	}
	for _, tt := range []struct {
		name string
		bt   stripego.BalanceTransaction
		want out
	}{
		{"charge", stripego.BalanceTransaction{Type: "charge", Amount: 1000, Fee: 59, Net: 941, Source: &stripego.BalanceTransactionSource{ID: "ch_1", Charge: ch}},
			out{payments.LedgerPayment, "pi_1", "", "ORD-1", 1000, 59, 941, payments.StatusPaid}},
		{"pending bank debit", stripego.BalanceTransaction{Type: "payment", Amount: 1000, Net: 1000,
			Source: &stripego.BalanceTransactionSource{ID: "py_1", Charge: &stripego.Charge{PaymentIntent: pi, Status: stripego.ChargeStatusPending}}},
			out{payments.LedgerPayment, "pi_1", "", "", 1000, 0, 1000, payments.StatusProcessing}},
		{"refund", stripego.BalanceTransaction{Type: "refund", Amount: -300, Net: -300, Source: &stripego.BalanceTransactionSource{ID: "re_1",
			Refund: &stripego.Refund{ID: "re_1", PaymentIntent: pi, Charge: ch}}},
			out{payments.LedgerRefund, "pi_1", "re_1", "ORD-1", -300, 0, -300, ""}},
		{"refund failed", stripego.BalanceTransaction{Type: "refund_failure", Amount: 300, Net: 300, Source: &stripego.BalanceTransactionSource{ID: "re_1",
			Refund: &stripego.Refund{ID: "re_1", PaymentIntent: pi}}},
			out{payments.LedgerRefund, "pi_1", "re_1", "", 300, 0, 300, ""}},
		{"dispute", stripego.BalanceTransaction{Type: "adjustment", Amount: -1000, Fee: 1500, Net: -2500, Source: &stripego.BalanceTransactionSource{ID: "dp_1",
			Dispute: &stripego.Dispute{ID: "dp_1", PaymentIntent: pi, Charge: ch}}},
			out{payments.LedgerDispute, "pi_1", "", "ORD-1", -1000, 1500, -2500, ""}},
		{"stripe fee", stripego.BalanceTransaction{Type: "stripe_fee", Amount: -500, Net: -500},
			out{payments.LedgerFee, "", "", "", 0, 500, -500, ""}},
		{"payout", stripego.BalanceTransaction{Type: "payout", Amount: -9000, Net: -9000},
			out{payments.LedgerOther, "", "", "", -9000, 0, -9000, ""}},
	} {
		e := ledgerEntry(&tt.bt)
		got := out{e.Kind, e.Reference, e.RefundReference, e.OrderNumber, e.Amount, e.Fee, e.Net, e.Status}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}
