package status_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
	"github.com/payments-go/payments/status"
)

var update = flag.Bool("update", false, "rewrite golden files")

type fixture struct {
	svc *payments.Service
	gw  *paymentstest.Gateway
	h   http.Handler
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	gw := paymentstest.NewGateway("fake")
	clock := time.Date(2026, 1, 22, 10, 0, 0, 0, time.UTC)
	svc, err := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-20260122-001", Name: "Cool T-Shirt 외 1건", Amount: 58990, Currency: payments.KRW}),
		Gateways: []payments.Gateway{gw},
		Now:      func() time.Time { return clock },
	})
	if err != nil {
		t.Fatal(err)
	}
	gw.SetClock(func() time.Time { return clock.Add(time.Minute) })
	h, err := status.NewHandler(status.Config{Service: svc, Admin: payments.BearerToken(adminToken)})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, gw: gw, h: h}
}

const adminToken = "admin-token"

// get asks as an admin: the full view.
func (f *fixture) get(t *testing.T, query string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/status?"+query, nil)
	r.Header.Set("Authorization", "Bearer "+adminToken)
	f.h.ServeHTTP(rec, r)
	return rec
}

func TestStatusErrors(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		query string
		code  int
		want  string
	}{
		{"", 400, "invalid_request"},
		{"order_number=", 400, "invalid_request"},
		{"order_number=NOPE", 404, "order_not_found"},
		{"order_number=ORD-20260122-001", 404, "payment_not_found"},
		{"order_number=ORD-20260122-001&refresh=maybe", 400, "invalid_request"},
		{"order_number=" + string(bytes.Repeat([]byte("x"), 65)), 400, "invalid_request"},
	}
	for _, tt := range tests {
		rec := f.get(t, tt.query)
		var body struct{ Error struct{ Code string } }
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != tt.code || body.Error.Code != tt.want {
			t.Errorf("GET /status?%s = %d %s, want %d %s", tt.query, rec.Code, body.Error.Code, tt.code, tt.want)
		}
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest("POST", "/status", nil))
	if rec.Code != 405 {
		t.Errorf("POST /status = %d, want 405", rec.Code)
	}
}

// TestStatusGolden pins the JSON of a payment with a declined attempt, a
// paid attempt, a partial refund and an open dispute.
func TestStatusGolden(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.gw.Decline("REJECT_CARD_COMPANY")
	_, _ = f.svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-20260122-001", Gateway: "fake"})
	_, _ = f.svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-20260122-001"})
	f.gw.Approve()
	_, _ = f.svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-20260122-001", Gateway: "fake"})
	if _, err := f.svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-20260122-001"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Refund(ctx, payments.RefundRequest{OrderNumber: "ORD-20260122-001", Amount: 8990, Reason: "한 벌 반품"}); err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.Payment(ctx, "ORD-20260122-001")
	if err != nil {
		t.Fatal(err)
	}
	dp, err := f.gw.OpenDispute(p.GatewayReference, 20000, payments.DisputeNeedsResponse)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.HandleNotification(ctx, payments.Notification{Gateway: "fake", Dispute: dp, OrderNumber: "ORD-20260122-001"}); err != nil {
		t.Fatal(err)
	}
	rec := f.get(t, "order_number=ORD-20260122-001")
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	// Gateway references and ids are random; pin their shape.
	got := regexp.MustCompile(`"(fake_re_|fake_dp_|fake_|rf_|pay_)[0-9a-f]+"`).ReplaceAll(rec.Body.Bytes(), []byte(`"${1}ID"`))
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "status.golden.json")
	if *update {
		if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, pretty.Bytes()) {
		t.Errorf("status JSON differs from %s:\n%s", golden, pretty.String())
	}
}

func TestStatusRefreshRepairs(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	prep, _ := f.svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-20260122-001", Gateway: "fake"})
	// The customer paid at the gateway (a 3-D Secure step finished there);
	// nothing told us yet.
	if err := f.gw.SetStatus(prep.Attempt.Reference, payments.StatusPaid); err != nil {
		t.Fatal(err)
	}
	var v status.Payment
	_ = json.Unmarshal(f.get(t, "order_number=ORD-20260122-001").Body.Bytes(), &v)
	if v.Status != payments.StatusReady {
		t.Fatalf("without refresh: %s, want ready", v.Status)
	}
	_ = json.Unmarshal(f.get(t, "order_number=ORD-20260122-001&refresh=true").Body.Bytes(), &v)
	if v.Status != payments.StatusPaid || v.RefundableAmount != 58990 || v.PaidAt == nil {
		t.Fatalf("with refresh: %+v, want paid", v)
	}
	f.gw.FailNext(3, payments.CodeGatewayUnavailable)
	if rec := f.get(t, "order_number=ORD-20260122-001&refresh=true"); rec.Code != 503 {
		t.Errorf("refresh with the gateway down: %d, want 503", rec.Code)
	}
}

func TestStatusHasNoSecrets(t *testing.T) {
	p := &payments.Payment{OrderNumber: "O", Attempts: []payments.Attempt{{Number: 1, DepositSecret: "ps_supersecretvalue123456"}}}
	b, _ := json.Marshal(status.From(p))
	if bytes.Contains(b, []byte("supersecret")) {
		t.Errorf("status JSON contains the deposit secret: %s", b)
	}
}

// Every field API.md lists is in the view, whatever the payment holds:
// null or [] where it has nothing, so that clients can rely on the shape.
func TestEveryFieldIsPresent(t *testing.T) {
	fields := map[string][]string{
		"payment": {"order_number", "gateway", "status", "gateway_status", "method", "amount", "currency", "refunded_amount",
			"refundable_amount", "amount_capturable", "gateway_reference", "virtual_account", "refunds", "disputes", "attempts",
			"failure", "created_at", "updated_at", "paid_at"},
		"attempt": {"number", "gateway", "method", "status", "gateway_status", "gateway_order_id", "gateway_reference", "failure",
			"created_at", "updated_at"},
		"refund":          {"id", "amount", "reason", "status", "gateway_reference", "failure", "created_at", "updated_at"},
		"virtual_account": {"bank", "account_number", "holder", "due_date"},
		"dispute":         {"dispute_id", "amount", "currency", "reason", "status", "evidence_due_by", "created_at", "updated_at"},
	}
	keys := func(t *testing.T, what string, v any) map[string]json.RawMessage {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		var got []string
		for k := range m {
			got = append(got, k)
		}
		if diff := cmp.Diff(fields[what], got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
			t.Errorf("%s keys (-want +got):\n%s", what, diff)
		}
		return m
	}
	// An empty payment: every optional field null, every list [].
	empty := keys(t, "payment", status.From(&payments.Payment{OrderNumber: "O"}))
	for k, want := range map[string]string{"gateway_status": "null", "gateway_reference": "null", "virtual_account": "null",
		"failure": "null", "paid_at": "null", "refunds": "[]", "disputes": "[]", "attempts": "[]", "amount_capturable": "0"} {
		if got := string(empty[k]); got != want {
			t.Errorf("empty payment: %s = %s, want %s", k, got, want)
		}
	}
	keys(t, "attempt", status.From(&payments.Payment{Attempts: []payments.Attempt{{Number: 1}}}).Attempts[0])
	keys(t, "refund", status.RefundFrom(&payments.Refund{ID: "rf_1"}))
	keys(t, "virtual_account", status.From(&payments.Payment{VirtualAccount: &payments.VirtualAccount{Bank: "20"}}).VirtualAccount)
	keys(t, "dispute", status.Dispute{})
	d := keys(t, "dispute", status.DisputeFrom(&payments.Dispute{ID: "dp_1"}))
	if got := string(d["evidence_due_by"]); got != "null" {
		t.Errorf("dispute without a due date: evidence_due_by = %s, want null", got)
	}
	full := keys(t, "payment", status.From(&payments.Payment{OrderNumber: "O", AmountCapturable: 5,
		Disputes: []payments.Dispute{{ID: "dp_1", Status: payments.DisputeLost}}}))
	if string(full["amount_capturable"]) != "5" || !strings.Contains(string(full["disputes"]), `"dp_1"`) {
		t.Errorf("amount_capturable %s, disputes %s", full["amount_capturable"], full["disputes"])
	}
}

// WriteJSON answers exactly as encoding the view with encoding/json would
// (HTML-escaped, one line), with the given code and the JSON headers.
func TestWriteJSON(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	if _, err := f.svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-20260122-001", Gateway: "fake"}); err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-20260122-001"})
	if err != nil {
		t.Fatal(err)
	}
	p.Attempts[0].Failure = &payments.Failure{Code: "X", Message: `<script>"&"</script> 한 벌`}
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(status.From(p)); err != nil {
		t.Fatal(err)
	}
	for _, code := range []int{http.StatusOK, http.StatusAccepted, http.StatusConflict} {
		rec := httptest.NewRecorder()
		status.WriteJSON(rec, code, p)
		if rec.Code != code {
			t.Errorf("code %d, want %d", rec.Code, code)
		}
		if diff := cmp.Diff(want.String(), rec.Body.String()); diff != "" {
			t.Errorf("body (-encoding/json +WriteJSON):\n%s", diff)
		}
		for k, v := range map[string]string{"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"} {
			if got := rec.Header().Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
	}
}

// refresh=true re-reads a paid payment's disputes from its gateway.
func TestStatusRefreshReadsDisputes(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	if _, err := f.svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-20260122-001", Gateway: "fake"}); err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-20260122-001"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.OpenDispute(p.GatewayReference, 58990, payments.DisputeWarningNeedsResponse); err != nil {
		t.Fatal(err)
	}
	var v status.Payment
	_ = json.Unmarshal(f.get(t, "order_number=ORD-20260122-001").Body.Bytes(), &v)
	if len(v.Disputes) != 0 {
		t.Fatalf("without refresh: %d disputes, want 0", len(v.Disputes))
	}
	_ = json.Unmarshal(f.get(t, "order_number=ORD-20260122-001&refresh=true").Body.Bytes(), &v)
	if len(v.Disputes) != 1 || v.Disputes[0].Status != "warning_needs_response" || v.RefundableAmount != 0 {
		t.Fatalf("with refresh: %+v, refundable %d", v.Disputes, v.RefundableAmount)
	}
}
