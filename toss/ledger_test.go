package toss

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/toss/tosstest"
)

// TestClientLedgerRequests: the ledger calls send GET with Basic auth,
// the dates in Korean time without an offset, and the paging
// parameters, and decode the bare arrays Toss answers.
func TestClientLedgerRequests(t *testing.T) {
	srv := newCLServer(t, clReply{status: 200, body: `[{"mId":"tosspayments","transactionKey":"txrd_1","paymentKey":"pk_1","orderId":"ORD-1","method":"카드","customerKey":"","useEscrow":false,"receiptUrl":"https://r","status":"DONE","transactionAt":"2024-01-31T10:00:00+09:00","currency":"KRW","amount":15000}]`},
		clReply{status: 200, body: `[{"mId":"tosspayments","paymentKey":"pk_1","transactionKey":"txrd_1","orderId":"ORD-1","currency":"KRW","method":"카드","amount":15000,"interestFee":0,"fees":[{"type":"BASE","fee":450,"supplyAmount":410,"vat":40},{"type":"ETC","fee":30}],"supplyAmount":437,"vat":43,"payOutAmount":14520,"approvedAt":"2024-01-31T10:00:00+09:00","soldDate":"2024-01-31","paidOutDate":"2024-02-02","cancel":null}]`})
	c := newCLClient(t, srv.URL)
	from := time.Date(2024, 1, 31, 0, 0, 0, 0, kst)
	txs, err := c.Transactions(t.Context(), TransactionsQuery{StartDate: from.UTC(), EndDate: from.Add(24*time.Hour - time.Second), StartingAfter: "txrd_0", Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := []Transaction{{MID: "tosspayments", TransactionKey: "txrd_1", PaymentKey: "pk_1", OrderID: "ORD-1", Method: "카드",
		ReceiptURL: "https://r", Status: "DONE", TransactionAt: from.Add(10 * time.Hour), Currency: payments.KRW, Amount: 15000}}
	if diff := cmp.Diff(want, txs, cmpTime); diff != "" {
		t.Errorf("transactions (-want +got):\n%s", diff)
	}
	sts, err := c.Settlements(t.Context(), SettlementsQuery{StartDate: from, EndDate: from, DateType: "paidOutDate", Page: 2, Size: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(sts) != 1 || sts[0].Fee() != 480 || sts[0].PayOutAmount != 14520 || !sts[0].PaidOutDate.Equal(from.AddDate(0, 0, 2)) || len(sts[0].Fees) != 2 {
		t.Errorf("settlements = %+v", sts)
	}
	reqs := srv.requests()
	wantQ := []url.Values{
		{"startDate": {"2024-01-31T00:00:00"}, "endDate": {"2024-01-31T23:59:59"}, "startingAfter": {"txrd_0"}, "limit": {"2"}},
		{"startDate": {"2024-01-31"}, "endDate": {"2024-01-31"}, "dateType": {"paidOutDate"}, "page": {"2"}, "size": {"50"}},
	}
	for i, path := range []string{"/v1/transactions", "/v1/settlements"} {
		r := reqs[i]
		q, _ := url.ParseQuery(r.Query)
		if r.Method != "GET" || r.Path != path || r.Header.Get("Authorization") != clAuthorization || r.Header.Get("Idempotency-Key") != "" {
			t.Errorf("request %d: %s %s auth=%q", i, r.Method, r.Path, r.Header.Get("Authorization"))
		}
		if diff := cmp.Diff(wantQ[i], q); diff != "" {
			t.Errorf("request %d query (-want +got):\n%s", i, diff)
		}
	}
	for _, q := range []TransactionsQuery{{}, {StartDate: from, EndDate: from.Add(-time.Second)}, {StartDate: from, EndDate: from, Limit: 5001}} {
		if _, err := c.Transactions(t.Context(), q); payments.Code(err) != payments.CodeInvalidRequest {
			t.Errorf("Transactions(%+v) = %v, want invalid_request", q, err)
		}
	}
	if len(srv.requests()) != 2 {
		t.Error("an invalid query reached Toss")
	}
}

var cmpTime = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

// TestClientLedgerDecodeErrors: an amount that is not a whole number of
// minor units, or a bad time, fails the page instead of dropping a row.
func TestClientLedgerDecodeErrors(t *testing.T) {
	for _, body := range []string{
		`[{"transactionKey":"t","status":"DONE","transactionAt":"2024-01-31T10:00:00+09:00","currency":"KRW","amount":1.5}]`,
		`[{"transactionKey":"t","status":"DONE","transactionAt":"yesterday","currency":"KRW","amount":1}]`,
		`{"transactionKey":"t"}`,
	} {
		srv := newCLServer(t, clReply{status: 200, body: body})
		c := newCLClient(t, srv.URL, func(cfg *ClientConfig) { cfg.RetryAttempts = 1 })
		_, err := c.Transactions(t.Context(), TransactionsQuery{StartDate: time.Now(), EndDate: time.Now()})
		if payments.Code(err) != payments.CodeGatewayUnavailable {
			t.Errorf("%s: %v, want gateway_unavailable", body, err)
		}
	}
}

// ledgerOf reads the whole ledger of [from, to) through the gateway.
func ledgerOf(t *testing.T, g *Gateway, from, to time.Time, size int) []payments.LedgerEntry {
	t.Helper()
	var all []payments.LedgerEntry
	err := g.ReadLedger(t.Context(), &payments.LedgerParams{From: from, To: to, PageSize: size}, func(page []payments.LedgerEntry) error {
		if len(page) > size {
			t.Errorf("a page of %d entries, size %d", len(page), size)
		}
		all = append(all, page...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// TestGatewayReadLedger: approvals, cancels, a virtual account's issue
// and deposit and the settlement rows come out once each, whatever the
// page size, with tosstest's fees and payout days.
func TestGatewayReadLedger(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, kst)
	s, _, g := gwFake(t, tosstest.Config{Now: func() time.Time { return now }})
	ctx := t.Context()
	card := gwAuthorize(t, s, "LED-CARD", 10000, "CARD")
	if _, err := g.client.Confirm(ctx, ConfirmRequest{PaymentKey: card, OrderID: "LED-CARD", Amount: 10000}, "k1"); err != nil {
		t.Fatal(err)
	}
	s.Advance(time.Minute)
	if err := s.CancelOutside(card, 4000); err != nil {
		t.Fatal(err)
	}
	s.Advance(time.Minute)
	va := gwAuthorize(t, s, "LED-VA", 20000, "VIRTUAL_ACCOUNT")
	if _, err := g.client.Confirm(ctx, ConfirmRequest{PaymentKey: va, OrderID: "LED-VA", Amount: 20000}, "k2"); err != nil {
		t.Fatal(err)
	}
	s.Advance(time.Minute)
	if err := s.Deposit(ctx, va); err != nil {
		t.Fatal(err)
	}
	type row struct {
		Kind    payments.LedgerKind
		Ref     string
		Amount  payments.Amount
		Fee     payments.Amount
		Status  payments.Status
		Payout  payments.Amount
		PaidOut string
	}
	want := []row{
		{payments.LedgerPayment, card, 10000, 0, payments.StatusPaid, 0, ""},
		{payments.LedgerRefund, card, -4000, 0, "", 0, ""},
		{payments.LedgerOther, va, 0, 0, "", 0, ""},
		{payments.LedgerPayment, va, 20000, 0, payments.StatusPaid, 0, ""},
		{payments.LedgerFee, card, 0, 320, "", 9680, "2026-03-12"},
		{payments.LedgerFee, card, 0, -128, "", -3872, "2026-03-12"},
		{payments.LedgerFee, va, 0, 640, "", 19360, "2026-03-12"},
	}
	for _, size := range []int{1, 2, 3, 1000} {
		var got []row
		for _, e := range ledgerOf(t, g, now.Add(-time.Hour), now.Add(time.Hour), size) {
			paid := ""
			if !e.PayoutDate.IsZero() {
				paid = e.PayoutDate.In(kst).Format(time.DateOnly)
			}
			got = append(got, row{e.Kind, e.Reference, e.Amount, e.Fee, e.Status, e.Payout, paid})
			if e.Net != e.Amount-e.Fee {
				t.Errorf("entry %s: net %d, amount %d, fee %d", e.ID, e.Net, e.Amount, e.Fee)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("page size %d (-want +got):\n%s", size, diff)
		}
	}
	if got := ledgerOf(t, g, now.Add(time.Hour), now.Add(2*time.Hour), 10); len(got) != 0 {
		t.Errorf("a later period has %d entries", len(got))
	}
	stop := errors.New("stop")
	if err := g.ReadLedger(ctx, &payments.LedgerParams{From: now.Add(-time.Hour), To: now.Add(time.Hour), PageSize: 1}, func([]payments.LedgerEntry) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("ReadLedger with a failing callback: %v", err)
	}
}

// auditFixture is a Service over the Toss gateway and tosstest, with
// payments taken through the real flow.
type tossAudit struct {
	s     *tosstest.Server
	svc   *payments.Service
	store *memstore.Store
	book  *payments.OrderBook
	now   time.Time
}

func newTossAudit(t *testing.T) *tossAudit {
	t.Helper()
	a := &tossAudit{store: memstore.New(), book: payments.NewOrderBook(), now: time.Date(2026, 3, 10, 9, 0, 0, 0, kst)}
	var g *Gateway
	a.s, _, g = gwFake(t, tosstest.Config{Now: func() time.Time { return a.now }})
	svc, err := payments.NewService(payments.Config{Store: a.store, Orders: a.book, Gateways: []payments.Gateway{g},
		Now: func() time.Time { return a.s.Now() }})
	if err != nil {
		t.Fatal(err)
	}
	a.svc = svc
	return a
}

func (a *tossAudit) pay(t *testing.T, order string, amount payments.Amount) *payments.Payment {
	t.Helper()
	if err := a.book.Add(payments.Order{Number: order, Name: "T-Shirt", Amount: amount, Currency: payments.KRW}); err != nil {
		t.Fatal(err)
	}
	prep, err := a.svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: order, Gateway: "toss"})
	if err != nil {
		t.Fatal(err)
	}
	key := gwAuthorize(t, a.s, prep.Attempt.GatewayOrderID, amount, "CARD")
	p, err := a.svc.Confirm(t.Context(), payments.ConfirmRequest{GatewayOrderID: prep.Attempt.GatewayOrderID, Reference: key, Amount: amount})
	if err != nil {
		t.Fatal(err)
	}
	a.s.Advance(time.Minute)
	return p
}

func (a *tossAudit) audit(t *testing.T) *payments.AuditReport {
	t.Helper()
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, kst)
	rep, err := a.svc.Audit(t.Context(), payments.AuditParams{From: day, To: day.AddDate(0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

type tossFound struct {
	Kind  payments.DiscrepancyKind
	Order string
}

// TestAuditAgainstTosstest: a day of payments and refunds taken through
// the library matches Toss's ledger, with Toss's fees; each discrepancy
// tosstest injects is then found, and nothing else.
func TestAuditAgainstTosstest(t *testing.T) {
	tests := []struct {
		name    string
		breakIt func(t *testing.T, a *tossAudit, x *payments.Payment, rf *payments.Refund)
		want    tossFound
	}{
		{"agrees", nil, tossFound{}},
		{"money the library never saw", func(t *testing.T, a *tossAudit, x *payments.Payment, rf *payments.Refund) {
			if _, err := a.s.ApproveOutside("TAUD-OUTSIDE", 7700); err != nil {
				t.Fatal(err)
			}
		}, tossFound{payments.DiscrepancyMissingLocally, "TAUD-OUTSIDE"}},
		{"a payment Toss lost", func(t *testing.T, a *tossAudit, x *payments.Payment, rf *payments.Refund) {
			a.s.HideTransaction(x.GatewayReference)
		}, tossFound{payments.DiscrepancyMissingAtGateway, "TAUD-X"}},
		{"an altered amount", func(t *testing.T, a *tossAudit, x *payments.Payment, rf *payments.Refund) {
			a.s.AlterTransaction(x.GatewayReference, func(tx *tosstest.Transaction) { tx.Amount = 9000 })
		}, tossFound{payments.DiscrepancyAmountMismatch, "TAUD-X"}},
		{"another status", func(t *testing.T, a *tossAudit, x *payments.Payment, rf *payments.Refund) {
			a.s.AlterTransaction(x.GatewayReference, func(tx *tosstest.Transaction) { tx.Status = tosstest.StatusAborted })
		}, tossFound{payments.DiscrepancyStatusMismatch, "TAUD-X"}},
		{"a cancel in the dashboard", func(t *testing.T, a *tossAudit, x *payments.Payment, rf *payments.Refund) {
			if err := a.s.CancelOutside(x.GatewayReference, 1000); err != nil {
				t.Fatal(err)
			}
		}, tossFound{payments.DiscrepancyRefundMismatch, "TAUD-X"}},
		{"a refund Toss lost", func(t *testing.T, a *tossAudit, x *payments.Payment, rf *payments.Refund) {
			a.s.HideTransaction(rf.GatewayReference)
		}, tossFound{payments.DiscrepancyRefundMismatch, "TAUD-R"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTossAudit(t)
			a.pay(t, "TAUD-OK", 5000)
			x := a.pay(t, "TAUD-X", 10000)
			a.pay(t, "TAUD-R", 20000)
			_, rf, err := a.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: "TAUD-R", Amount: 5000, Reason: "size"})
			if err != nil {
				t.Fatal(err)
			}
			a.s.Advance(time.Minute)
			if tt.breakIt != nil {
				tt.breakIt(t, a, x, rf)
			}
			rep := a.audit(t)
			var got []tossFound
			for _, d := range rep.Discrepancies {
				got = append(got, tossFound{d.Kind, d.OrderNumber})
			}
			var want []tossFound
			if tt.want.Kind != "" {
				want = append(want, tt.want)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("discrepancies (-want +got):\n%s", diff)
			}
			if tt.breakIt != nil {
				return
			}
			if want := (payments.AuditCounts{Payments: 3, Refunds: 1}); rep.Matched != want {
				t.Errorf("Matched = %+v, want %+v", rep.Matched, want)
			}
			// 3.2% of 5000, 10000, 20000, less 3.2% of the 5000 refunded.
			fees := payments.Amount(160 + 320 + 640 - 160)
			wantTotals := []payments.AuditTotal{{Gateway: "toss", Currency: payments.KRW, Entries: 8, Gross: 30000, Fees: fees, Net: 30000 - fees}}
			if diff := cmp.Diff(wantTotals, rep.Totals); diff != "" {
				t.Errorf("totals (-want +got):\n%s", diff)
			}
			wantPayouts := []payments.AuditPayout{{Gateway: "toss", Currency: payments.KRW, Date: "2026-03-12", Amount: 30000 - fees}}
			if diff := cmp.Diff(wantPayouts, rep.Payouts); diff != "" {
				t.Errorf("payouts (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAuditTenThousandTossTransactions: a day of 10,000 Toss transactions
// (payments, full and partial cancels) with a few discrepancies of each
// kind injected: each is found, and nothing else is reported.
func TestAuditTenThousandTossTransactions(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 transactions")
	}
	now := time.Date(2026, 3, 10, 0, 30, 0, 0, kst)
	s, _, g := gwFake(t, tosstest.Config{Now: func() time.Time { return now }})
	store := memstore.New()
	svc, err := payments.NewService(payments.Config{Store: store, Orders: payments.NewOrderBook(), Gateways: []payments.Gateway{g}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	var want []tossFound
	txs := 0 // transaction rows made, hidden ones included
	for i := 0; txs < 10000; i++ {
		order := fmt.Sprintf("TK-%05d", i)
		amount := int64(1000 + i%50*100)
		key, err := s.ApproveOutside(order, amount)
		if err != nil {
			t.Fatal(err)
		}
		txs++
		tp, _ := s.Payment(key)
		at, _ := time.Parse(time.RFC3339, *tp.ApprovedAt)
		p := &payments.Payment{ID: "pay_" + order, OrderNumber: order, Amount: payments.Amount(amount), Currency: payments.KRW,
			Status: payments.StatusPaid, Gateway: "toss", Method: payments.MethodCard, GatewayReference: key,
			Attempts: []payments.Attempt{{Number: 1, Gateway: "toss", Method: payments.MethodCard, Status: payments.StatusPaid,
				GatewayStatus: "DONE", GatewayOrderID: order, Reference: key, CreatedAt: at, UpdatedAt: at, PaidAt: at}},
			CreatedAt: at, UpdatedAt: at, PaidAt: at}
		if i%7 == 3 { // a partial refund
			if err := s.CancelOutside(key, 500); err != nil {
				t.Fatal(err)
			}
			txs++
			tp, _ = s.Payment(key)
			c := tp.Cancels[0]
			cat, _ := time.Parse(time.RFC3339, c.CanceledAt)
			p.Refunds = []payments.Refund{{ID: "rf_" + order, Amount: 500, Status: payments.RefundSucceeded, Attempt: 1,
				GatewayReference: c.TransactionKey, CreatedAt: cat, UpdatedAt: cat}}
			p.RefundedAmount, p.Status, p.Attempts[0].Status, p.UpdatedAt = 500, payments.StatusPartiallyRefunded, payments.StatusPartiallyRefunded, cat
		}
		switch i {
		case 100, 2002, 7004: // the library never saw it
			want = append(want, tossFound{payments.DiscrepancyMissingLocally, order})
			p = nil
		case 104, 3005, 8006:
			s.HideTransaction(key)
			want = append(want, tossFound{payments.DiscrepancyMissingAtGateway, order})
		case 107, 4008, 8002:
			s.AlterTransaction(key, func(tx *tosstest.Transaction) { tx.Amount++ })
			want = append(want, tossFound{payments.DiscrepancyAmountMismatch, order})
		case 110, 5011, 6012:
			s.AlterTransaction(key, func(tx *tosstest.Transaction) { tx.Status = tosstest.StatusAborted })
			want = append(want, tossFound{payments.DiscrepancyStatusMismatch, order})
		case 113, 5014, 6015: // a cancel in the dashboard
			if err := s.CancelOutside(key, 100); err != nil {
				t.Fatal(err)
			}
			txs++
			want = append(want, tossFound{payments.DiscrepancyRefundMismatch, order})
		}
		if p != nil {
			if err := store.Create(ctx, p, nil); err != nil {
				t.Fatal(err)
			}
		}
		if i%100 == 99 {
			now = now.Add(7 * time.Second)
			s.Advance(0)
		}
	}
	if len(want) != 15 {
		t.Fatalf("%d discrepancies injected, want 3 of each kind", len(want))
	}
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, kst)
	rep, err := svc.Audit(ctx, payments.AuditParams{From: day, To: day.AddDate(0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	var got []tossFound
	for _, d := range rep.Discrepancies {
		got = append(got, tossFound{d.Kind, d.OrderNumber})
	}
	sortFound := func(f []tossFound) {
		slicesSortFunc(f)
	}
	sortFound(want)
	sortFound(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("discrepancies (-want +got):\n%s", diff)
	}
	// Every transaction row and its settlement row were read, but for
	// the three hidden.
	if rep.Entries != 2*(txs-3) {
		t.Errorf("entries = %d, want %d", rep.Entries, 2*(txs-3))
	}
	if n := len(s.Transactions()); n != txs-3 {
		t.Errorf("tosstest lists %d transactions, want %d", n, txs-3)
	}
}

func slicesSortFunc(f []tossFound) {
	slices.SortFunc(f, func(a, b tossFound) int {
		if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
			return c
		}
		return strings.Compare(a.Order, b.Order)
	})
}
