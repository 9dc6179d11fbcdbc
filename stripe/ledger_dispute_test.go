package stripe_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/stripe/stripetest"
)

// refreshDisputes makes the Service read order's disputes from Stripe.
func (a *stripeAudit) refreshDisputes(t *testing.T, order string) {
	t.Helper()
	if _, err := a.svc.Refresh(t.Context(), payments.RefreshRequest{OrderNumber: order, Disputes: true}); err != nil {
		t.Fatal(err)
	}
	a.now = a.now.Add(time.Minute)
}

// dispute opens a chargeback of x at Stripe, tells the Service, and ends
// it won or lost. It returns the dispute's id.
func (a *stripeAudit) dispute(t *testing.T, x *payments.Payment, won bool) string {
	t.Helper()
	id, err := a.srv.OpenDispute(x.GatewayReference, "", false)
	if err != nil {
		t.Fatal(err)
	}
	a.refreshDisputes(t, x.OrderNumber)
	if err := a.srv.ResolveDispute(id, won); err != nil {
		t.Fatal(err)
	}
	a.refreshDisputes(t, x.OrderNumber)
	return id
}

// TestAuditCapturesAndDisputesAgainstStripetest: a ledger of a payment, a
// partial capture (Stripe's charge of the whole authorisation and the
// reversal of the rest), a dispute won (withdrawn, then reinstated) and
// one lost (withdrawn, with the dispute fee) matches the store, with the
// dispute fees in the fees; each dispute discrepancy injected is found,
// and nothing else.
func TestAuditCapturesAndDisputesAgainstStripetest(t *testing.T) {
	type ids struct {
		ok        *payments.Payment
		won, lost string
	}
	tests := []struct {
		name    string
		breakIt func(t *testing.T, a *stripeAudit, x ids)
		want    []stripeFound
	}{
		{"agrees", nil, nil},
		{"a dispute the store never heard of", func(t *testing.T, a *stripeAudit, x ids) {
			if _, err := a.srv.OpenDispute(x.ok.GatewayReference, "", false); err != nil {
				t.Fatal(err)
			}
		}, []stripeFound{{payments.DiscrepancyMissingLocally, "DA-OK"}}},
		{"a lost dispute's withdrawal Stripe lost", func(t *testing.T, a *stripeAudit, x ids) {
			a.srv.HideBalanceTransaction(x.lost)
		}, []stripeFound{{payments.DiscrepancyMissingAtGateway, "DA-LOST"}}},
		{"a won dispute's reinstatement Stripe lost", func(t *testing.T, a *stripeAudit, x ids) {
			for _, bt := range a.srv.BalanceTransactions() {
				if bt.Source == x.won && bt.Amount > 0 {
					a.srv.HideBalanceTransaction(bt.ID)
				}
			}
		}, []stripeFound{{payments.DiscrepancyMissingAtGateway, "DA-WON"}}},
		{"a withdrawal of another amount", func(t *testing.T, a *stripeAudit, x ids) {
			a.srv.AlterBalanceTransaction(x.lost, func(bt *stripetest.BalanceTransaction) { bt.Amount++ })
		}, []stripeFound{{payments.DiscrepancyAmountMismatch, "DA-LOST"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newStripeAudit(t, stripetest.FeeConfig{})
			ok := a.pay(t, "DA-OK", 1000)
			if err := a.book.Add(payments.Order{Number: "DA-CAP", Name: "Tent", Amount: 10000, Currency: payments.USD}); err != nil {
				t.Fatal(err)
			}
			if _, err := a.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: "DA-CAP", Gateway: "stripe",
				PaymentMethod: stripetest.PMVisa, Capture: payments.CaptureManual}); err != nil {
				t.Fatal(err)
			}
			if p, err := a.svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: "DA-CAP"}); err != nil || p.Status != payments.StatusAuthorized {
				t.Fatalf("Confirm = %v, %v", p, err)
			}
			a.now = a.now.Add(time.Minute)
			if p, err := a.svc.Capture(t.Context(), "DA-CAP", 6000); err != nil || p.Status != payments.StatusPaid || p.Amount != 6000 {
				t.Fatalf("Capture = %v, %v", p, err)
			}
			a.now = a.now.Add(time.Minute)
			x := ids{ok: ok}
			x.won = a.dispute(t, a.pay(t, "DA-WON", 2000), true)
			x.lost = a.dispute(t, a.pay(t, "DA-LOST", 3000), false)
			if tt.breakIt != nil {
				tt.breakIt(t, a, x)
			}
			rep, err := a.svc.Audit(t.Context(), payments.AuditParams{From: stripeDay, To: stripeDay.AddDate(0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, foundIn(rep)); diff != "" {
				t.Fatalf("discrepancies (-want +got):\n%s", diff)
			}
			if tt.breakIt != nil {
				return
			}
			// Two disputes matched withdrawn, one reinstated.
			if want := (payments.AuditCounts{Payments: 4, Disputes: 3}); rep.Matched != want {
				t.Errorf("Matched = %+v, want %+v", rep.Matched, want)
			}
			// 2.9% + 30¢ of $10, of the $60 captured, of $20 and $30, and
			// two dispute fees of $15; the released $40 and the disputed
			// money won back leave the gross at what was kept.
			fees := payments.Amount(59 + 204 + 88 + 117 + 2*1500)
			wantTotals := []payments.AuditTotal{{Gateway: "stripe", Currency: payments.USD, Entries: 7, Gross: 1000 + 6000 + 2000 + 3000 - 3000, Fees: fees, Net: 9000 - fees}}
			if diff := cmp.Diff(wantTotals, rep.Totals); diff != "" {
				t.Errorf("totals (-want +got):\n%s", diff)
			}
			// Every entry of the period counts, the reversal of the
			// partial capture too.
			if rep.Entries != 8 {
				t.Errorf("Entries = %d, want 8", rep.Entries)
			}
		})
	}
}
