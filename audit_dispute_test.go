package payments_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
)

// TestAuditDisputes: a dispute's ledger entries (the amount withdrawn,
// with the dispute fee, and reinstated) are matched with the disputes the
// store holds, each disagreement is reported with its kind, and the
// dispute fees count in the fees.
func TestAuditDisputes(t *testing.T) {
	type entry struct {
		amount payments.Amount
		fee    payments.Amount
	}
	tests := []struct {
		name    string
		status  payments.DisputeStatus
		entries []entry
		want    []found
		matched int
	}{
		{"lost, withdrawn", payments.DisputeLost, []entry{{-4000, 1500}}, []found{}, 1},
		{"won, withdrawn and reinstated", payments.DisputeWon, []entry{{-4000, 1500}, {4000, 0}}, []found{}, 2},
		{"open, withdrawn", payments.DisputeUnderReview, []entry{{-4000, 1500}}, []found{}, 1},
		{"an inquiry moves nothing", payments.DisputeWarningClosed, nil, []found{}, 0},
		{"lost, never withdrawn", payments.DisputeLost, nil, []found{{payments.DiscrepancyMissingAtGateway, "AUD-D"}}, 0},
		{"won, never reinstated", payments.DisputeWon, []entry{{-4000, 1500}}, []found{{payments.DiscrepancyMissingAtGateway, "AUD-D"}}, 1},
		{"withdrawn for another amount", payments.DisputeLost, []entry{{-3999, 1500}}, []found{{payments.DiscrepancyAmountMismatch, "AUD-D"}}, 0},
		{"reinstated though lost", payments.DisputeLost, []entry{{-4000, 1500}, {4000, 0}}, []found{{payments.DiscrepancyStatusMismatch, "AUD-D"}}, 1},
		{"withdrawn for an inquiry", payments.DisputeWarningUnderReview, []entry{{-4000, 1500}}, []found{{payments.DiscrepancyStatusMismatch, "AUD-D"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newAuditFixture(t)
			p := f.pay(t, "AUD-D", 10000)
			open := payments.DisputeNeedsResponse
			if tt.status == payments.DisputeWarningClosed || tt.status == payments.DisputeWarningUnderReview {
				open = payments.DisputeWarningNeedsResponse
			}
			id, err := f.gw.OpenDispute(p.GatewayReference, 4000, open)
			if err != nil {
				t.Fatal(err)
			}
			f.now = f.now.Add(time.Minute)
			if err := f.gw.SetDisputeStatus(id, tt.status); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Refresh(t.Context(), payments.RefreshRequest{OrderNumber: "AUD-D", Disputes: true}); err != nil {
				t.Fatal(err)
			}
			var fees payments.Amount
			for i, e := range tt.entries {
				f.gw.AddLedgerEntry(payments.LedgerEntry{Kind: payments.LedgerDispute, ID: "txn_dp_" + string(rune('a'+i)),
					Reference: p.GatewayReference, DisputeReference: id, Amount: e.amount, Currency: payments.KRW,
					Fee: e.fee, Net: e.amount - e.fee, At: f.now})
				fees += e.fee
			}
			rep := f.audit(t)
			if diff := cmp.Diff(tt.want, kinds(rep)); diff != "" {
				t.Errorf("discrepancies (-want +got):\n%s", diff)
			}
			if want := (payments.AuditCounts{Payments: 1, Disputes: tt.matched}); rep.Matched != want {
				t.Errorf("Matched = %+v, want %+v", rep.Matched, want)
			}
			if len(rep.Totals) != 1 || rep.Totals[0].Fees != fees {
				t.Errorf("Totals = %+v, want fees %d", rep.Totals, fees)
			}
		})
	}
}

// TestAuditDisputeUnknown: a dispute the store does not hold, of a
// payment it does, is missing locally, with the gateway's facts.
func TestAuditDisputeUnknown(t *testing.T) {
	f := newAuditFixture(t)
	p := f.pay(t, "AUD-DU", 10000)
	at := f.now
	f.gw.AddLedgerEntry(payments.LedgerEntry{Kind: payments.LedgerDispute, ID: "txn_dp_u", Reference: p.GatewayReference,
		DisputeReference: "dp_unknown", Amount: -10000, Currency: payments.KRW, Fee: 1500, Net: -11500, At: at, GatewayStatus: "adjustment"})
	rep := f.audit(t)
	want := []payments.Discrepancy{{Kind: payments.DiscrepancyMissingLocally, Gateway: "fake", OrderNumber: "AUD-DU", Reference: p.GatewayReference,
		Remote: &payments.AuditFacts{Status: "adjustment", Amount: -10000, Currency: payments.KRW, Dispute: "dp_unknown", Entry: "txn_dp_u", At: at}}}
	if diff := cmp.Diff(want, rep.Discrepancies); diff != "" {
		t.Errorf("discrepancies (-want +got):\n%s", diff)
	}
}
