package audit_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/audit"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
)

const token = "audit-token-0123456789"

var day = time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)

// fixture: one payment matched, one the gateway lost, one entry the
// store never saw (with an order number a spreadsheet would run).
func fixture(t *testing.T, auth payments.Authorizer) http.Handler {
	t.Helper()
	now := day.Add(9 * time.Hour)
	gw := paymentstest.NewGateway("fake")
	gw.SetClock(func() time.Time { return now })
	svc, err := payments.NewService(payments.Config{Store: memstore.New(), Gateways: []payments.Gateway{gw},
		Orders: payments.NewOrderBook(payments.Order{Number: "ORD-1", Name: "Mug", Amount: 1000, Currency: payments.KRW},
			payments.Order{Number: "ORD-2", Name: "Cap", Amount: 2000, Currency: payments.KRW}),
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, o := range []string{"ORD-1", "ORD-2"} {
		if _, err := svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: o, Gateway: "fake"}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: o}); err != nil {
			t.Fatal(err)
		}
	}
	p, _ := svc.Payment(ctx, "ORD-2")
	gw.HideLedgerEntry(p.GatewayReference)
	gw.AddLedgerEntry(payments.LedgerEntry{Kind: payments.LedgerPayment, ID: "tx_ghost", Reference: "ref_ghost",
		GatewayOrderID: "=HYPERLINK(1)", Amount: 500, Net: 500, Currency: payments.KRW, At: day.Add(10 * time.Hour)})
	h, err := audit.NewHandler(audit.Config{Service: svc, Authorize: auth})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(t *testing.T, h http.Handler, query string, auth bool) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/audit?"+query, nil)
	if auth {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func errorCode(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct {
		Error struct{ Code string } `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", w.Body.String(), err)
	}
	return body.Error.Code
}

// TestAdminOnly: no authorizer refuses everyone; without credentials,
// 401.
func TestAdminOnly(t *testing.T) {
	if w := get(t, fixture(t, nil), "from=2026-03-10&to=2026-03-10", true); w.Code != 403 || errorCode(t, w) != "forbidden" {
		t.Errorf("no authorizer: %d %s", w.Code, w.Body)
	}
	h := fixture(t, payments.BearerToken(token))
	if w := get(t, h, "from=2026-03-10&to=2026-03-10", false); w.Code != 401 || errorCode(t, w) != "unauthorized" {
		t.Errorf("no credentials: %d %s", w.Code, w.Body)
	}
	r := httptest.NewRequest(http.MethodPost, "/audit?from=2026-03-10&to=2026-03-10", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 405 {
		t.Errorf("POST: %d", w.Code)
	}
}

// TestBadQueries: every malformed query is 400 invalid_request.
func TestBadQueries(t *testing.T) {
	h := fixture(t, payments.BearerToken(token))
	for _, q := range []string{
		"", "from=2026-03-10", "to=2026-03-10", "from=2026-3-10&to=2026-03-10", "from=2026-03-10&to=2026-02-30",
		"from=2026-03-11&to=2026-03-10", "from=2026-03-10T00:00:00&to=2026-03-10", "from=2026-03-10&to=2026-03-10&from=2026-03-01",
		"from=2026-03-10&to=2026-03-10&format=xml", "from=2026-03-10&to=2026-03-10&limit=5", "from=2025-01-01&to=2026-03-10",
		"from=2026-03-10&to=2026-03-10&gateway=nope", "from=2026-03-10&to=2026-03-10&gateway=fake,", "FROM=2026-03-10&to=2026-03-10",
	} {
		if w := get(t, h, q, true); w.Code != 400 || errorCode(t, w) != "invalid_request" {
			t.Errorf("%q: %d %s", q, w.Code, w.Body)
		}
	}
}

// TestReportJSON: the report, with its discrepancies and their facts.
func TestReportJSON(t *testing.T) {
	w := get(t, fixture(t, payments.BearerToken(token)), "from=2026-03-10&to=2026-03-10", true)
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var rep struct {
		From, To      time.Time
		Matched       map[string]int
		Discrepancies []map[string]any
	}
	if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.From.Equal(day) || !rep.To.Equal(day.AddDate(0, 0, 1)) || rep.Matched["payments"] != 1 {
		t.Errorf("report %+v", rep)
	}
	var kinds []string
	for _, d := range rep.Discrepancies {
		kinds = append(kinds, d["kind"].(string))
		for _, k := range []string{"kind", "gateway", "order_number", "reference", "local", "remote"} {
			if _, ok := d[k]; !ok {
				t.Errorf("discrepancy without %s: %v", k, d)
			}
		}
	}
	if diff := cmp.Diff([]string{"missing_locally", "missing_at_gateway"}, kinds); diff != "" {
		t.Errorf("kinds (-want +got):\n%s", diff)
	}
}

// TestReportCSV: the discrepancies as CSV, a formula neutralised.
func TestReportCSV(t *testing.T) {
	w := get(t, fixture(t, payments.BearerToken(token)), "from=2026-03-10&to=2026-03-10&format=csv", true)
	if w.Code != 200 || w.Header().Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	rows, err := csv.NewReader(bytes.NewReader(w.Body.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want a header and 2", len(rows))
	}
	if diff := cmp.Diff(audit.CSVHeader, rows[0]); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	want := [][]string{
		{"missing_locally", "fake", "'=HYPERLINK(1)", "ref_ghost", "", "", "", "", "", "", "500", "KRW", "", "tx_ghost", "2026-03-10T10:00:00Z"},
		{"missing_at_gateway", "fake", "ORD-2", rows[2][3], "paid", "2000", "KRW", "", "2026-03-10T09:00:00Z", "", "", "", "", "", ""},
	}
	if diff := cmp.Diff(want, rows[1:]); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

// FuzzParseQuery: any query either parses into a period of whole days
// no longer than the bound, or is invalid_request.
func FuzzParseQuery(f *testing.F) {
	f.Add("from=2026-03-01&to=2026-03-31&format=csv")
	f.Add("from=2026-03-01&to=2026-03-01&gateway=toss,stripe")
	f.Add("from=2026-02-29&to=2026-13-01&from=x")
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := audit.ParseQuery(v, time.UTC, 31)
		if err != nil {
			if payments.Code(err) != payments.CodeInvalidRequest {
				t.Fatalf("%q: %v", raw, err)
			}
			return
		}
		p := q.Params
		if !p.From.Before(p.To) || p.To.After(p.From.AddDate(0, 0, 31)) || p.From.Hour() != 0 || p.To.Hour() != 0 {
			t.Fatalf("%q: period %v – %v", raw, p.From, p.To)
		}
	})
}
