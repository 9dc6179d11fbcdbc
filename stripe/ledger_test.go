package stripe_test

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/stripe/stripetest"
)

// stripeAudit is a Service over the Stripe gateway and stripetest, whose
// clock the test moves.
type stripeAudit struct {
	srv   *stripetest.Server
	g     *stripe.Gateway
	svc   *payments.Service
	store *memstore.Store
	book  *payments.OrderBook
	now   time.Time
}

var stripeDay = time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)

func newStripeAudit(t *testing.T, fees stripetest.FeeConfig) *stripeAudit {
	t.Helper()
	a := &stripeAudit{store: memstore.New(), book: payments.NewOrderBook(), now: stripeDay.Add(9 * time.Hour)}
	var ts *httptest.Server
	a.srv, ts = stripetest.NewTestServer(t, stripetest.Config{Now: func() time.Time { return a.now }, Fees: fees})
	g, err := stripe.New(stripe.Config{SecretKey: gwTestKey, BaseURL: ts.URL, HTTPClient: ts.Client()})
	if err != nil {
		t.Fatal(err)
	}
	a.g = g
	svc, err := payments.NewService(payments.Config{Store: a.store, Orders: a.book, Gateways: []payments.Gateway{a.g},
		Now: func() time.Time { return a.now }})
	if err != nil {
		t.Fatal(err)
	}
	a.svc = svc
	return a
}

func (a *stripeAudit) pay(t *testing.T, order string, amount payments.Amount) *payments.Payment {
	t.Helper()
	if err := a.book.Add(payments.Order{Number: order, Name: "Mug", Amount: amount, Currency: payments.USD}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: order, Gateway: "stripe", PaymentMethod: stripetest.PMVisa}); err != nil {
		t.Fatal(err)
	}
	p, err := a.svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: order})
	if err != nil || p.Status != payments.StatusPaid {
		t.Fatalf("Confirm = %v, %v", p, err)
	}
	a.now = a.now.Add(time.Minute)
	return p
}

func (a *stripeAudit) refund(t *testing.T, order string, amount payments.Amount) *payments.Refund {
	t.Helper()
	_, r, err := a.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: order, Amount: amount, Reason: "broken"})
	if err != nil {
		t.Fatal(err)
	}
	a.now = a.now.Add(time.Minute)
	return r
}

type stripeFound struct {
	Kind  payments.DiscrepancyKind
	Order string
}

func foundIn(rep *payments.AuditReport) []stripeFound {
	var out []stripeFound
	for _, d := range rep.Discrepancies {
		out = append(out, stripeFound{d.Kind, d.OrderNumber})
	}
	return out
}

// TestReadLedgerRequests: the gateway lists balance transactions for the
// period with data.source expanded and follows Stripe's cursor, and maps
// charges and refunds with Stripe's fee and net.
func TestReadLedgerRequests(t *testing.T) {
	a := newStripeAudit(t, stripetest.FeeConfig{})
	x := a.pay(t, "SL-1", 2000)
	a.pay(t, "SL-2", 3000)
	a.refund(t, "SL-1", 500)
	var got []payments.LedgerEntry
	err := a.g.ReadLedger(t.Context(), &payments.LedgerParams{From: stripeDay, To: stripeDay.AddDate(0, 0, 1), PageSize: 2}, func(page []payments.LedgerEntry) error {
		if len(page) > 2 {
			t.Errorf("page of %d", len(page))
		}
		got = append(got, page...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Kind           payments.LedgerKind
		Ref, Order     string
		Amount, Fee    payments.Amount
		Net            payments.Amount
		Status         payments.Status
		Payout         string
		HasRefundRefer bool
	}
	var rows []row
	for _, e := range got {
		rows = append(rows, row{e.Kind, e.Reference, e.OrderNumber, e.Amount, e.Fee, e.Net, e.Status, e.PayoutDate.Format(time.DateOnly), e.RefundReference != ""})
	}
	want := []row{
		{payments.LedgerRefund, x.GatewayReference, "", -500, 0, -500, "", "2026-03-12", true},
		{payments.LedgerPayment, "", "SL-2", 3000, 117, 2883, payments.StatusPaid, "2026-03-12", false},
		{payments.LedgerPayment, x.GatewayReference, "SL-1", 2000, 88, 1912, payments.StatusPaid, "2026-03-12", false},
	}
	// The second payment's reference is whatever Stripe made.
	if len(rows) == 3 {
		want[1].Ref = rows[1].Ref
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	var lists []stripetest.Call
	for _, c := range a.srv.Calls() {
		if c.Op == stripetest.OpListBalanceTransactions {
			lists = append(lists, c)
		}
	}
	if len(lists) != 2 {
		t.Fatalf("%d list calls, want 2 (pages of 2)", len(lists))
	}
	wantForm := url.Values{"created[gte]": {fmt.Sprint(stripeDay.Unix())}, "created[lt]": {fmt.Sprint(stripeDay.AddDate(0, 0, 1).Unix())},
		"limit": {"2"}, "expand[0]": {"data.source"}}
	if diff := cmp.Diff(wantForm, lists[0].Form); diff != "" {
		t.Errorf("first list (-want +got):\n%s", diff)
	}
	if after := lists[1].Form.Get("starting_after"); !strings.HasPrefix(after, "txn_") {
		t.Errorf("second list starts after %q", after)
	}
}

// TestAuditAgainstStripetest: payments and refunds taken through the
// library match Stripe's balance, with Stripe's standard fees; each
// discrepancy stripetest injects is found, and nothing else.
func TestAuditAgainstStripetest(t *testing.T) {
	tests := []struct {
		name    string
		breakIt func(a *stripeAudit, x *payments.Payment, rf *payments.Refund)
		want    stripeFound
	}{
		{"agrees", nil, stripeFound{}},
		{"money the library never saw", func(a *stripeAudit, x *payments.Payment, rf *payments.Refund) {
			a.srv.ChargeOutside(4200, "usd", map[string]string{"order_number": "SA-OUTSIDE"})
		}, stripeFound{payments.DiscrepancyMissingLocally, "SA-OUTSIDE"}},
		{"a payment Stripe lost", func(a *stripeAudit, x *payments.Payment, rf *payments.Refund) {
			a.srv.HideBalanceTransaction(x.GatewayReference)
		}, stripeFound{payments.DiscrepancyMissingAtGateway, "SA-X"}},
		{"an altered amount", func(a *stripeAudit, x *payments.Payment, rf *payments.Refund) {
			a.srv.AlterBalanceTransaction(x.GatewayReference, func(bt *stripetest.BalanceTransaction) { bt.Amount = 999 })
		}, stripeFound{payments.DiscrepancyAmountMismatch, "SA-X"}},
		{"another status", func(a *stripeAudit, x *payments.Payment, rf *payments.Refund) {
			a.srv.AlterBalanceTransaction(x.GatewayReference, func(bt *stripetest.BalanceTransaction) { bt.SourceStatus = "failed" })
		}, stripeFound{payments.DiscrepancyStatusMismatch, "SA-X"}},
		{"a refund in the Dashboard", func(a *stripeAudit, x *payments.Payment, rf *payments.Refund) {
			if a.srv.RefundOutside(x.GatewayReference, 300) == "" {
				panic("no refund")
			}
		}, stripeFound{payments.DiscrepancyRefundMismatch, "SA-X"}},
		{"a refund Stripe lost", func(a *stripeAudit, x *payments.Payment, rf *payments.Refund) {
			a.srv.HideBalanceTransaction(rf.GatewayReference)
		}, stripeFound{payments.DiscrepancyRefundMismatch, "SA-R"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newStripeAudit(t, stripetest.FeeConfig{})
			a.pay(t, "SA-OK", 1000)
			x := a.pay(t, "SA-X", 2000)
			a.pay(t, "SA-R", 5000)
			rf := a.refund(t, "SA-R", 1500)
			if tt.breakIt != nil {
				tt.breakIt(a, x, rf)
			}
			rep, err := a.svc.Audit(t.Context(), payments.AuditParams{From: stripeDay, To: stripeDay.AddDate(0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			var want []stripeFound
			if tt.want.Kind != "" {
				want = append(want, tt.want)
			}
			if diff := cmp.Diff(want, foundIn(rep)); diff != "" {
				t.Fatalf("discrepancies (-want +got):\n%s", diff)
			}
			if tt.breakIt != nil {
				return
			}
			if want := (payments.AuditCounts{Payments: 3, Refunds: 1}); rep.Matched != want {
				t.Errorf("Matched = %+v", rep.Matched)
			}
			// 2.9% + 30¢ of $10, $20 and $50; the refund returns no fee.
			fees := payments.Amount(59 + 88 + 175)
			wantTotals := []payments.AuditTotal{{Gateway: "stripe", Currency: payments.USD, Entries: 4, Gross: 6500, Fees: fees, Net: 6500 - fees}}
			if diff := cmp.Diff(wantTotals, rep.Totals); diff != "" {
				t.Errorf("totals (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAuditTenThousandStripeTransactions: 10,000 balance transactions
// (charges and refunds) with a few discrepancies of each kind injected:
// each is found, and nothing else is reported.
func TestAuditTenThousandStripeTransactions(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 transactions")
	}
	a := newStripeAudit(t, stripetest.FeeConfig{Percent: 150, Fixed: 25})
	a.now = stripeDay.Add(time.Hour)
	ctx := t.Context()
	var want []stripeFound
	txs := 0
	for i := 0; txs < 10000; i++ {
		order := fmt.Sprintf("SK-%05d", i)
		amount := int64(500 + i%40*25)
		pi := a.srv.ChargeOutside(amount, "usd", map[string]string{"order_number": order})
		txs++
		at := a.now.Truncate(time.Second)
		p := &payments.Payment{ID: "pay_" + order, OrderNumber: order, Amount: payments.Amount(amount), Currency: payments.USD,
			Status: payments.StatusPaid, Gateway: "stripe", Method: payments.MethodCard, GatewayReference: pi,
			Attempts: []payments.Attempt{{Number: 1, Gateway: "stripe", Method: payments.MethodCard, Status: payments.StatusPaid,
				GatewayStatus: "succeeded", GatewayOrderID: order, Reference: pi, CreatedAt: at, UpdatedAt: at, PaidAt: at}},
			CreatedAt: at, UpdatedAt: at, PaidAt: at}
		if i%6 == 1 {
			re := a.srv.RefundOutside(pi, 100)
			txs++
			p.Refunds = []payments.Refund{{ID: "rf_" + order, Amount: 100, Status: payments.RefundSucceeded, Attempt: 1,
				GatewayReference: re, CreatedAt: at, UpdatedAt: at}}
			p.RefundedAmount, p.Status, p.Attempts[0].Status = 100, payments.StatusPartiallyRefunded, payments.StatusPartiallyRefunded
		}
		switch i {
		case 100, 2002, 7004:
			want = append(want, stripeFound{payments.DiscrepancyMissingLocally, order})
			p = nil
		case 104, 3005, 8006:
			a.srv.HideBalanceTransaction(pi)
			want = append(want, stripeFound{payments.DiscrepancyMissingAtGateway, order})
		case 105, 4010, 8002:
			a.srv.AlterBalanceTransaction(pi, func(bt *stripetest.BalanceTransaction) { bt.Amount-- })
			want = append(want, stripeFound{payments.DiscrepancyAmountMismatch, order})
		case 110, 5012, 6014:
			a.srv.AlterBalanceTransaction(pi, func(bt *stripetest.BalanceTransaction) { bt.SourceStatus = "pending" })
			want = append(want, stripeFound{payments.DiscrepancyStatusMismatch, order})
		case 111, 5015, 6017:
			a.srv.RefundOutside(pi, 50)
			txs++
			want = append(want, stripeFound{payments.DiscrepancyRefundMismatch, order})
		}
		if p != nil {
			if err := a.store.Create(ctx, p, nil); err != nil {
				t.Fatal(err)
			}
		}
		if i%50 == 49 {
			a.now = a.now.Add(3 * time.Second)
		}
	}
	if len(want) != 15 {
		t.Fatalf("%d discrepancies injected, want 3 of each kind", len(want))
	}
	rep, err := a.svc.Audit(ctx, payments.AuditParams{From: stripeDay, To: stripeDay.AddDate(0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	got := foundIn(rep)
	order := func(a, b stripeFound) int {
		if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
			return c
		}
		return strings.Compare(a.Order, b.Order)
	}
	slices.SortFunc(want, order)
	slices.SortFunc(got, order)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("discrepancies (-want +got):\n%s", diff)
	}
	if rep.Entries != txs-3 {
		t.Errorf("entries = %d, want %d", rep.Entries, txs-3)
	}
}
