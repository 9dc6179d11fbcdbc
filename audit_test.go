package payments_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
)

// auditFixture is a service over a fake gateway with a ledger, whose
// clock the test moves.
type auditFixture struct {
	svc   *payments.Service
	gw    *paymentstest.Gateway
	store *memstore.Store
	now   time.Time
	book  *payments.OrderBook
}

var auditDay = time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)

func newAuditFixture(t *testing.T) *auditFixture {
	t.Helper()
	f := &auditFixture{gw: paymentstest.NewGateway("fake"), store: memstore.New(), now: auditDay.Add(time.Hour), book: payments.NewOrderBook()}
	f.gw.SetClock(func() time.Time { return f.now })
	svc, err := payments.NewService(payments.Config{Store: f.store, Orders: f.book, Gateways: []payments.Gateway{f.gw},
		Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	return f
}

// pay takes a payment of amount for order at the fixture's clock, then
// moves the clock on a minute.
func (f *auditFixture) pay(t *testing.T, order string, amount payments.Amount) *payments.Payment {
	t.Helper()
	if err := f.book.Add(payments.Order{Number: order, Name: "T-Shirt", Amount: amount, Currency: payments.KRW}); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := f.svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: order, Gateway: "fake"}); err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: order})
	if err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Minute)
	return p
}

func (f *auditFixture) refund(t *testing.T, order string, amount payments.Amount) *payments.Refund {
	t.Helper()
	_, r, err := f.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: order, Amount: amount, Reason: "customer asked"})
	if err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Minute)
	return r
}

func (f *auditFixture) audit(t *testing.T) *payments.AuditReport {
	t.Helper()
	rep, err := f.svc.Audit(t.Context(), payments.AuditParams{From: auditDay, To: auditDay.AddDate(0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

type found struct {
	Kind  payments.DiscrepancyKind
	Order string
}

func kinds(rep *payments.AuditReport) []found {
	out := []found{}
	for _, d := range rep.Discrepancies {
		out = append(out, found{d.Kind, d.OrderNumber})
	}
	return out
}

// TestAuditAgrees: a ledger that agrees with the store reports matches,
// the money, and no discrepancy.
func TestAuditAgrees(t *testing.T) {
	f := newAuditFixture(t)
	f.gw.SetLedgerFee(300)
	f.pay(t, "AUD-1", 10000)
	f.pay(t, "AUD-2", 20000)
	f.refund(t, "AUD-2", 5000)
	rep := f.audit(t)
	if diff := cmp.Diff([]found{}, kinds(rep)); diff != "" {
		t.Errorf("discrepancies (-want +got):\n%s", diff)
	}
	if want := (payments.AuditCounts{Payments: 2, Refunds: 1}); rep.Matched != want {
		t.Errorf("Matched = %+v, want %+v", rep.Matched, want)
	}
	wantTotals := []payments.AuditTotal{{Gateway: "fake", Currency: payments.KRW, Entries: 3, Gross: 25000, Fees: 300 + 600 + 150, Net: 25000 - 1050}}
	if diff := cmp.Diff(wantTotals, rep.Totals); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
	if rep.LocalPayments != 2 || rep.Entries != 3 {
		t.Errorf("LocalPayments, Entries = %d, %d; want 2, 3", rep.LocalPayments, rep.Entries)
	}
}

// TestAuditFindsEachKind: each kind of discrepancy, made on the gateway's
// side or the store's, is reported once, with its facts, and nothing
// else is.
func TestAuditFindsEachKind(t *testing.T) {
	tests := []struct {
		name string
		// break makes the discrepancy, after AUD-OK, AUD-X (10000) and
		// AUD-R (20000, refunded 5000) were paid.
		breakIt func(t *testing.T, f *auditFixture, x, r *payments.Payment, rf *payments.Refund)
		want    found
		local   *payments.AuditFacts
		remote  *payments.AuditFacts
	}{
		{
			name: "money the store never saw",
			breakIt: func(t *testing.T, f *auditFixture, x, r *payments.Payment, rf *payments.Refund) {
				f.gw.AddLedgerEntry(payments.LedgerEntry{Kind: payments.LedgerPayment, ID: "ghost", Reference: "fake_ghost",
					GatewayOrderID: "AUD-GHOST", Amount: 7700, Net: 7700, Currency: payments.KRW, At: auditDay.Add(3 * time.Hour)})
			},
			want:   found{payments.DiscrepancyMissingLocally, "AUD-GHOST"},
			remote: &payments.AuditFacts{Amount: 7700, Currency: payments.KRW, Entry: "ghost", At: auditDay.Add(3 * time.Hour)},
		},
		{
			name: "a payment the gateway lost",
			breakIt: func(t *testing.T, f *auditFixture, x, r *payments.Payment, rf *payments.Refund) {
				f.gw.HideLedgerEntry(x.GatewayReference)
			},
			want:  found{payments.DiscrepancyMissingAtGateway, "AUD-X"},
			local: &payments.AuditFacts{Status: "paid", Amount: 10000, Currency: payments.KRW},
		},
		{
			name: "another amount",
			breakIt: func(t *testing.T, f *auditFixture, x, r *payments.Payment, rf *payments.Refund) {
				f.gw.ChangeLedgerEntry(x.GatewayReference, func(e *payments.LedgerEntry) { e.Amount = 1000 })
			},
			want:   found{payments.DiscrepancyAmountMismatch, "AUD-X"},
			local:  &payments.AuditFacts{Status: "paid", Amount: 10000, Currency: payments.KRW},
			remote: &payments.AuditFacts{Status: "paid", Amount: 1000, Currency: payments.KRW},
		},
		{
			name: "the gateway says failed",
			breakIt: func(t *testing.T, f *auditFixture, x, r *payments.Payment, rf *payments.Refund) {
				f.gw.ChangeLedgerEntry(x.GatewayReference, func(e *payments.LedgerEntry) { e.Status = payments.StatusFailed })
			},
			want:   found{payments.DiscrepancyStatusMismatch, "AUD-X"},
			local:  &payments.AuditFacts{Status: "paid", Amount: 10000, Currency: payments.KRW},
			remote: &payments.AuditFacts{Status: "failed", Amount: 10000, Currency: payments.KRW},
		},
		{
			name: "the store says not paid",
			breakIt: func(t *testing.T, f *auditFixture, x, r *payments.Payment, rf *payments.Refund) {
				p, err := f.store.Get(t.Context(), "AUD-X")
				if err != nil {
					t.Fatal(err)
				}
				p.Attempts[0].Status, p.Status = payments.StatusProcessing, payments.StatusProcessing
				p.Attempts[0].PaidAt, p.PaidAt = time.Time{}, time.Time{}
				if err := f.store.Update(t.Context(), p, nil); err != nil {
					t.Fatal(err)
				}
			},
			want:   found{payments.DiscrepancyStatusMismatch, "AUD-X"},
			local:  &payments.AuditFacts{Status: "processing", Amount: 10000, Currency: payments.KRW},
			remote: &payments.AuditFacts{Status: "paid", Amount: 10000, Currency: payments.KRW},
		},
		{
			name: "a refund the gateway lost",
			breakIt: func(t *testing.T, f *auditFixture, x, r *payments.Payment, rf *payments.Refund) {
				f.gw.HideLedgerEntry(rf.GatewayReference)
			},
			want:  found{payments.DiscrepancyRefundMismatch, "AUD-R"},
			local: &payments.AuditFacts{Status: "succeeded", Amount: 5000, Currency: payments.KRW},
		},
		{
			name: "a refund the store never saw",
			breakIt: func(t *testing.T, f *auditFixture, x, r *payments.Payment, rf *payments.Refund) {
				f.gw.AddLedgerEntry(payments.LedgerEntry{Kind: payments.LedgerRefund, ID: "re_ghost", Reference: x.GatewayReference,
					RefundReference: "re_ghost", Amount: -3000, Net: -3000, Currency: payments.KRW, At: auditDay.Add(5 * time.Hour)})
			},
			want:   found{payments.DiscrepancyRefundMismatch, "AUD-X"},
			remote: &payments.AuditFacts{Amount: 3000, Currency: payments.KRW, Refund: "re_ghost", Entry: "re_ghost", At: auditDay.Add(5 * time.Hour)},
		},
		{
			name: "a refund of another amount",
			breakIt: func(t *testing.T, f *auditFixture, x, r *payments.Payment, rf *payments.Refund) {
				f.gw.ChangeLedgerEntry(rf.GatewayReference, func(e *payments.LedgerEntry) { e.Amount = -4000 })
			},
			want:   found{payments.DiscrepancyRefundMismatch, "AUD-R"},
			local:  &payments.AuditFacts{Status: "succeeded", Amount: 5000, Currency: payments.KRW},
			remote: &payments.AuditFacts{Amount: 4000, Currency: payments.KRW},
		},
	}
	ignore := cmp.FilterPath(func(p cmp.Path) bool {
		switch p.Last().String() {
		case ".At", ".Refund", ".Entry":
			return true
		}
		return false
	}, cmp.Ignore())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newAuditFixture(t)
			f.pay(t, "AUD-OK", 5000)
			x := f.pay(t, "AUD-X", 10000)
			r := f.pay(t, "AUD-R", 20000)
			rf := f.refund(t, "AUD-R", 5000)
			tt.breakIt(t, f, x, r, rf)
			rep := f.audit(t)
			if diff := cmp.Diff([]found{tt.want}, kinds(rep)); diff != "" {
				t.Fatalf("discrepancies (-want +got):\n%s", diff)
			}
			d := rep.Discrepancies[0]
			if d.Gateway != "fake" {
				t.Errorf("Gateway = %q", d.Gateway)
			}
			if d.Remote != nil && tt.remote != nil && !tt.remote.At.IsZero() && !d.Remote.At.Equal(tt.remote.At) {
				t.Errorf("remote at %v, want %v", d.Remote.At, tt.remote.At)
			}
			if diff := cmp.Diff(tt.local, d.Local, ignore); diff != "" {
				t.Errorf("local facts (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.remote, d.Remote, ignore); diff != "" {
				t.Errorf("remote facts (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAuditPeriodEdges: entries and payments outside the period are
// neither counted nor reported, and a payment the store dates inside the
// period and the gateway just outside it still matches.
func TestAuditPeriodEdges(t *testing.T) {
	f := newAuditFixture(t)
	f.now = auditDay.Add(-time.Hour)
	f.pay(t, "AUD-BEFORE", 1000)
	f.now = auditDay.AddDate(0, 0, 1).Add(time.Hour)
	f.pay(t, "AUD-AFTER", 2000)
	// Paid by the store's clock just before midnight; by the gateway's,
	// just after.
	f.now = auditDay.AddDate(0, 0, 1).Add(-time.Second)
	f.pay(t, "AUD-EDGE", 3000)
	p, _ := f.store.Get(t.Context(), "AUD-EDGE")
	f.gw.ChangeLedgerEntry(p.GatewayReference, func(e *payments.LedgerEntry) { e.At = e.At.Add(5 * time.Second) })
	rep := f.audit(t)
	if diff := cmp.Diff([]found{}, kinds(rep)); diff != "" {
		t.Errorf("discrepancies (-want +got):\n%s", diff)
	}
	if rep.Entries != 0 || rep.LocalPayments != 1 || rep.Matched.Payments != 1 {
		t.Errorf("Entries, LocalPayments, Matched = %d, %d, %+v; want 0, 1, 1 payment", rep.Entries, rep.LocalPayments, rep.Matched)
	}
}

// TestAuditRefundOfEarlierPayment: a refund in the period of a payment
// paid before it matches, and is missed when the gateway lost it.
func TestAuditRefundOfEarlierPayment(t *testing.T) {
	for _, lost := range []bool{false, true} {
		t.Run(fmt.Sprint("lost=", lost), func(t *testing.T) {
			f := newAuditFixture(t)
			f.now = auditDay.Add(-48 * time.Hour)
			f.pay(t, "AUD-OLD", 9000)
			f.now = auditDay.Add(2 * time.Hour)
			rf := f.refund(t, "AUD-OLD", 9000)
			want := []found{}
			if lost {
				f.gw.HideLedgerEntry(rf.GatewayReference)
				want = append(want, found{payments.DiscrepancyRefundMismatch, "AUD-OLD"})
			}
			rep := f.audit(t)
			if diff := cmp.Diff(want, kinds(rep)); diff != "" {
				t.Errorf("discrepancies (-want +got):\n%s", diff)
			}
			if !lost && rep.Matched.Refunds != 1 {
				t.Errorf("Matched = %+v, want 1 refund", rep.Matched)
			}
		})
	}
}

// TestAuditProgressAndErrors: progress is reported per page; bad periods,
// unknown gateways and a failing ledger are errors.
func TestAuditProgressAndErrors(t *testing.T) {
	f := newAuditFixture(t)
	for i := range 5 {
		f.pay(t, fmt.Sprintf("AUD-P%d", i), 1000)
	}
	var ticks []payments.AuditProgress
	_, err := f.svc.Audit(t.Context(), payments.AuditParams{From: auditDay, To: auditDay.AddDate(0, 0, 1), PageSize: 2,
		Progress: func(p payments.AuditProgress) { ticks = append(ticks, p) }})
	if err != nil {
		t.Fatal(err)
	}
	want := []payments.AuditProgress{{Local: 2}, {Local: 4}, {Local: 5}, {Gateway: "fake", Local: 5, Entries: 2}, {Gateway: "fake", Local: 5, Entries: 4}, {Gateway: "fake", Local: 5, Entries: 5}}
	if diff := cmp.Diff(want, ticks); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		name string
		p    payments.AuditParams
		code payments.ErrorCode
	}{
		{"no from", payments.AuditParams{To: auditDay}, payments.CodeInvalidRequest},
		{"to before from", payments.AuditParams{From: auditDay, To: auditDay.Add(-time.Hour)}, payments.CodeInvalidRequest},
		{"unknown gateway", payments.AuditParams{From: auditDay, To: auditDay.Add(time.Hour), Gateways: []string{"nope"}}, payments.CodeInvalidRequest},
	} {
		if _, err := f.svc.Audit(t.Context(), tt.p); payments.Code(err) != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := f.svc.Audit(ctx, payments.AuditParams{From: auditDay, To: auditDay.AddDate(0, 0, 1)}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled audit: %v", err)
	}
}

// TestAuditIgnoresUnpaidUnknown: a ledger row of a payment that took no
// money (a failed approval) and that the store does not know is not a
// discrepancy (one the store knows as paid is: TestAuditFindsEachKind).
func TestAuditIgnoresUnpaidUnknown(t *testing.T) {
	f := newAuditFixture(t)
	f.gw.AddLedgerEntry(payments.LedgerEntry{Kind: payments.LedgerPayment, ID: "tx_failed", Reference: "fake_failed",
		GatewayOrderID: "AUD-FAILED", Status: payments.StatusFailed, Amount: 5000, Net: 5000, Currency: payments.KRW, At: auditDay.Add(2 * time.Hour)})
	if rep := f.audit(t); len(rep.Discrepancies) != 0 {
		t.Errorf("discrepancies: %+v", rep.Discrepancies)
	}
}
