package tosstest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestTransactionsAPI: GET /v1/transactions answers a bare array of the
// merchant's rows in [startDate, endDate], pages with an exclusive
// startingAfter, reads a date alone as midnight, and refuses a limit over
// 5000 and missing dates.
func TestTransactionsAPI(t *testing.T) {
	f := newFixture(t, Config{SecretKeys: []string{testKey, "test_sk_other"}})
	var keys []string
	for i, id := range []string{"LEDGER-1", "LEDGER-2", "LEDGER-3"} {
		key, err := f.s.ApproveOutside(id, int64(1000*(i+1)))
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key)
		f.s.Advance(time.Minute)
	}
	if err := f.s.CancelOutside(keys[0], 400); err != nil {
		t.Fatal(err)
	}
	if err := f.s.CancelOutside(keys[0], 0); err != nil {
		t.Fatal(err)
	}
	list := func(query string) (int, []Transaction) {
		t.Helper()
		code, body := f.do(http.MethodGet, "/v1/transactions?"+query, nil, nil)
		var out []Transaction
		if code == 200 {
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatalf("%s: %v", body, err)
			}
		}
		return code, out
	}
	day := "startDate=2024-02-13T00:00:00&endDate=2024-02-13T23:59:59"
	code, all := list(day)
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	type row struct {
		Key, Status string
		Amount      int64
	}
	var got []row
	for _, tx := range all {
		got = append(got, row{tx.PaymentKey, tx.Status, tx.Amount})
		if !txKeyShape.MatchString(tx.TransactionKey) || tx.Currency != "KRW" || tx.Method != "카드" {
			t.Errorf("row %+v", tx)
		}
	}
	want := []row{{keys[0], StatusDone, 1000}, {keys[1], StatusDone, 2000}, {keys[2], StatusDone, 3000},
		{keys[0], StatusPartialCanceled, 400}, {keys[0], StatusCanceled, 600}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	var paged []Transaction
	after := ""
	for range 10 {
		q := day + "&limit=2"
		if after != "" {
			q += "&startingAfter=" + after
		}
		_, page := list(q)
		paged = append(paged, page...)
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1].TransactionKey
	}
	if diff := cmp.Diff(all, paged); diff != "" {
		t.Errorf("paged (-all +paged):\n%s", diff)
	}
	// A date alone is its midnight: endDate=2024-02-13 ends before the day.
	if _, none := list("startDate=2024-02-12&endDate=2024-02-13"); len(none) != 0 {
		t.Errorf("endDate as a date alone: %d rows", len(none))
	}
	for _, q := range []string{"endDate=2024-02-13", "startDate=2024-02-13", "startDate=yesterday&endDate=2024-02-13", day + "&limit=0"} {
		if code, _ := list(q); code != 400 {
			t.Errorf("%s: status %d, want 400", q, code)
		}
	}
	code, body := f.do(http.MethodGet, "/v1/transactions?"+day+"&limit=5001", nil, nil)
	if code != 400 || !json.Valid(body) || string(body) != string(apiError("EXCEED_MAX_QUERY_LIMIT").body()) {
		t.Errorf("limit 5001: %d %s", code, body)
	}
	// Another merchant sees none of these rows.
	code, body = f.do(http.MethodGet, "/v1/transactions?"+day, nil, map[string]string{"Authorization": basic("test_sk_other")})
	if code != 200 || string(body) != "[]" {
		t.Errorf("another merchant: %d %s", code, body)
	}
}

// TestSettlementsAPI: one row per approval and cancel, with the BASE fee,
// its VAT, payOutAmount = amount − fees, the sale and payout days, paged
// by page and size, and by paidOutDate on request.
func TestSettlementsAPI(t *testing.T) {
	f := newFixture(t, Config{Ledger: LedgerConfig{FeeRate: 250, PayoutDays: 3}})
	key, err := f.s.ApproveOutside("SETTLE-1", 10000)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.CancelOutside(key, 2000); err != nil {
		t.Fatal(err)
	}
	list := func(query string) []Settlement {
		t.Helper()
		code, body := f.do(http.MethodGet, "/v1/settlements?"+query, nil, nil)
		if code != 200 {
			t.Fatalf("%s: %d %s", query, code, body)
		}
		var out []Settlement
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	rows := list("startDate=2024-02-13&endDate=2024-02-13")
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	type fig struct {
		Amount, Fee, VAT, PayOut int64
		Sold, PaidOut            string
		Cancel                   bool
	}
	var got []fig
	for _, r := range rows {
		got = append(got, fig{r.Amount, r.Fees[0].Fee, r.Fees[0].VAT, r.PayOutAmount, r.SoldDate, r.PaidOutDate, r.Cancel != nil})
	}
	want := []fig{{10000, 250, 22, 9750, "2024-02-13", "2024-02-16", false}, {-2000, -50, -4, -1950, "2024-02-13", "2024-02-16", true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("settlements (-want +got):\n%s", diff)
	}
	if p2 := list("startDate=2024-02-13&endDate=2024-02-13&size=1&page=2"); len(p2) != 1 || p2[0].Amount != -2000 {
		t.Errorf("page 2 of size 1: %+v", p2)
	}
	if none := list("startDate=2024-02-13&endDate=2024-02-15&dateType=paidOutDate"); len(none) != 0 {
		t.Errorf("paid out by the 15th: %d rows", len(none))
	}
	if paid := list("startDate=2024-02-16&endDate=2024-02-16&dateType=paidOutDate"); len(paid) != 2 {
		t.Errorf("paid out on the 16th: %d rows", len(paid))
	}
	for _, q := range []string{"startDate=2024-02-13&endDate=2024-02-13&dateType=approvedAt", "startDate=2024-02-13&endDate=2024-02-13&size=5001", "startDate=2024-02-13&endDate=2024-02-13&page=0"} {
		if code, _ := f.do(http.MethodGet, "/v1/settlements?"+q, nil, nil); code != 400 {
			t.Errorf("%s: %d, want 400", q, code)
		}
	}
}
