package sqlstore_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/paymentstest"
)

// TestPeriodStoreConformance runs the PeriodStore contract suite, each
// subtest on a schema of its own.
func TestPeriodStoreConformance(t *testing.T) {
	paymentstest.RunPeriodStoreTests(t, func(t *testing.T) payments.Store {
		st, _, _ := newStore(t)
		return st
	})
}

// TestPaymentsMovedUsesIndex: a page of the audit's period query reads
// payments_moved_idx, not the table, in a database holding a year of
// payments.
func TestPaymentsMovedUsesIndex(t *testing.T) {
	st, db, schema := newStore(t)
	ctx := t.Context()
	if _, err := db.ExecContext(ctx, `INSERT INTO "`+schema+`".payments
SELECT 'MOV-' || i, 'pay_' || i, 100, 'KRW', 'paid', 'toss', 'CARD', 'pk_' || i,
       0, '[]', '[]', NULL, NULL, false, now() - i * interval '10 minutes', now() - i * interval '10 minutes',
       CASE WHEN i % 10 = 0 THEN NULL ELSE now() - i * interval '10 minutes' END, 1
FROM generate_series(1, 50000) AS i`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `ANALYZE "`+schema+`".payments`); err != nil {
		t.Fatal(err)
	}
	from := time.Now().Add(-72 * time.Hour)
	to := from.Add(24 * time.Hour)
	plan := explain(t, db, st.MovedSQL(), from, to, from, "", 500)
	if !strings.Contains(plan, "payments_moved_idx") || strings.Contains(plan, "Seq Scan") {
		t.Errorf("PaymentsMoved does not use payments_moved_idx:\n%s", plan)
	}
}

// TestAuditTenThousandOverSQL: the audit of a day of 10,000 ledger
// entries (payments and refunds) against the payments in PostgreSQL,
// read a page at a time, finds each injected discrepancy and nothing
// else.
func TestAuditTenThousandOverSQL(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 transactions")
	}
	st, _, _ := newStore(t)
	ctx := t.Context()
	gw := paymentstest.NewGateway("fake")
	svc, err := payments.NewService(payments.Config{Store: st, Orders: payments.NewOrderBook(), Gateways: []payments.Gateway{gw}})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	type found struct {
		Kind  payments.DiscrepancyKind
		Order string
	}
	var want []found
	entries := 0
	for i := 0; entries < 10000; i++ {
		order := fmt.Sprintf("SQA-%05d", i)
		ref := "ref_" + order
		at := day.Add(time.Duration(i) * 7 * time.Second).Truncate(time.Microsecond)
		amount := payments.Amount(1000 + i%30)
		p := &payments.Payment{ID: "pay_" + order, OrderNumber: order, Amount: amount, Currency: payments.KRW,
			Status: payments.StatusPaid, Gateway: "fake", Method: payments.MethodCard, GatewayReference: ref,
			Attempts: []payments.Attempt{{Number: 1, Gateway: "fake", Method: payments.MethodCard, Status: payments.StatusPaid,
				GatewayOrderID: order, Reference: ref, CreatedAt: at, UpdatedAt: at, PaidAt: at}},
			CreatedAt: at, UpdatedAt: at, PaidAt: at}
		remote := amount
		show, local := true, true
		switch i {
		case 10, 3000, 6000:
			local = false
			want = append(want, found{payments.DiscrepancyMissingLocally, order})
		case 20, 3010, 6010:
			show = false
			want = append(want, found{payments.DiscrepancyMissingAtGateway, order})
		case 30, 3020, 6020:
			remote++
			want = append(want, found{payments.DiscrepancyAmountMismatch, order})
		}
		if show {
			gw.AddLedgerEntry(payments.LedgerEntry{Kind: payments.LedgerPayment, ID: "tx_" + order, Reference: ref, GatewayOrderID: order,
				Status: payments.StatusPaid, Amount: remote, Net: remote, Currency: payments.KRW, At: at})
			entries++
		}
		if i%5 == 2 {
			rat := at.Add(time.Second)
			p.Refunds = []payments.Refund{{ID: "rf_" + order, Amount: 100, Status: payments.RefundSucceeded, Attempt: 1,
				GatewayReference: "re_" + order, CreatedAt: rat, UpdatedAt: rat}}
			p.Status, p.Attempts[0].Status, p.RefundedAmount, p.UpdatedAt = payments.StatusPartiallyRefunded, payments.StatusPartiallyRefunded, 100, rat
			if i == 3002 {
				want = append(want, found{payments.DiscrepancyRefundMismatch, order})
			} else {
				gw.AddLedgerEntry(payments.LedgerEntry{Kind: payments.LedgerRefund, ID: "tx_re_" + order, Reference: ref, RefundReference: "re_" + order,
					Amount: -100, Net: -100, Currency: payments.KRW, At: rat})
				entries++
			}
		}
		if local {
			if err := st.Create(ctx, p, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	rep, err := svc.Audit(ctx, payments.AuditParams{From: day, To: day.AddDate(0, 0, 1), PageSize: 250})
	if err != nil {
		t.Fatal(err)
	}
	var got []found
	for _, d := range rep.Discrepancies {
		got = append(got, found{d.Kind, d.OrderNumber})
	}
	sort := func(f []found) {
		slices.SortFunc(f, func(a, b found) int {
			return strings.Compare(string(a.Kind)+a.Order, string(b.Kind)+b.Order)
		})
	}
	sort(want)
	sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("discrepancies (-want +got):\n%s", diff)
	}
	if rep.Entries != entries {
		t.Errorf("entries = %d, want %d", rep.Entries, entries)
	}
}
