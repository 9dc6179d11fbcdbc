package status_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
	"github.com/payments-go/payments/status"
)

var (
	publicKeys = []string{"order_number", "status", "method", "amount", "currency", "refunded_amount", "refundable_amount",
		"virtual_account", "created_at", "updated_at", "paid_at"}
	fullKeys = []string{"order_number", "gateway", "status", "gateway_status", "method", "amount", "currency", "refunded_amount",
		"refundable_amount", "amount_capturable", "gateway_reference", "virtual_account", "refunds", "disputes", "attempts",
		"failure", "created_at", "updated_at", "paid_at"}
)

// viewsFixture holds a paid and refunded order with a declined attempt
// (ORD-A, placed by customer "kim") and a virtual account waiting for its
// deposit (ORD-VA, placed by "lee").
type viewsFixture struct {
	h http.Handler
}

func newViewsFixture(t testing.TB) *viewsFixture {
	t.Helper()
	gw := paymentstest.NewGateway("fake")
	svc, err := payments.NewService(payments.Config{
		Store: memstore.New(),
		Orders: payments.NewOrderBook(
			payments.Order{Number: "ORD-A", Name: "Cap", Amount: 58990, Currency: payments.KRW, Customer: payments.Customer{Name: "kim", Email: "kim@example.com"}},
			payments.Order{Number: "ORD-VA", Name: "Hat", Amount: 9900, Currency: payments.KRW, Customer: payments.Customer{Name: "lee"}},
		),
		Gateways: []payments.Gateway{gw},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	gw.Decline("REJECT_CARD_COMPANY")
	_, _ = svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-A", Gateway: "fake"})
	_, _ = svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-A"})
	gw.Approve()
	_, _ = svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-A", Gateway: "fake"})
	if _, err := svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-A"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Refund(ctx, payments.RefundRequest{OrderNumber: "ORD-A", Amount: 990, Reason: "size exchange for kim"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.IssueVirtualAccount(ctx, payments.VirtualAccountRequest{OrderNumber: "ORD-VA", Gateway: "fake",
		Bank: "20", CustomerName: "이순신", DueDate: time.Now().Add(48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	h, err := status.NewHandler(status.Config{
		Service: svc,
		Admin:   payments.BearerToken(adminToken),
		// The signed-in customer, here a cookie, placed the order.
		Owner: func(r *http.Request, o payments.Order) bool {
			c, err := r.Cookie("customer")
			return err == nil && c.Value == o.Customer.Name
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &viewsFixture{h: h}
}

func (f *viewsFixture) get(order, authorization, cookie string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", "/status?order_number="+order, nil)
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, r)
	return rec
}

// keysOf returns the sorted top-level keys of a JSON object.
func keysOf(t testing.TB, body []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return m
}

func sorted(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestViews(t *testing.T) {
	f := newViewsFixture(t)
	tests := []struct {
		name, order, authorization, cookie string
		full                               bool
	}{
		{"anonymous", "ORD-A", "", "", false},
		{"wrong admin token", "ORD-A", "Bearer nope", "", false},
		{"admin token as Basic", "ORD-A", "Basic " + adminToken, "", false},
		{"admin", "ORD-A", "Bearer " + adminToken, "", true},
		{"admin, lower-case scheme", "ORD-A", "bearer " + adminToken, "", true},
		{"the customer who placed it", "ORD-A", "", "customer=kim", true},
		{"another customer", "ORD-A", "", "customer=lee", false},
		{"a customer, their virtual account", "ORD-VA", "", "customer=lee", true},
		{"anonymous, a virtual account", "ORD-VA", "", "", false},
		{"wrong token, right cookie", "ORD-VA", "Bearer nope", "customer=lee", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.get(tt.order, tt.authorization, tt.cookie)
			if rec.Code != 200 {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if v := rec.Header().Get("Vary"); !strings.Contains(v, "Authorization") || !strings.Contains(v, "Cookie") {
				t.Errorf("Vary = %q: a cache could hand one caller's view to another", v)
			}
			want := publicKeys
			if tt.full {
				want = fullKeys
			}
			w := append([]string(nil), want...)
			sort.Strings(w)
			m := keysOf(t, rec.Body.Bytes())
			if diff := cmp.Diff(w, sorted(m)); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
			if !tt.full {
				checkPublic(t, rec.Body.String())
			}
		})
	}
}

// checkPublic fails if a public answer carries what only the full view
// may: gateway references, attempts, failures, refunds and their reasons,
// holder names, customer data.
func checkPublic(t testing.TB, body string) {
	t.Helper()
	for _, leak := range []string{"gateway_reference", "attempts", "failure", "refunds", "disputes", "holder", "fake_",
		"REJECT_CARD_COMPANY", "size exchange", "이순신", "kim", "gateway_status", `"gateway"`} {
		if strings.Contains(body, leak) {
			t.Errorf("the public view contains %q: %s", leak, body)
		}
	}
}

// The public view of a virtual account says where to pay, without the
// holder's name; every field is present, null where empty.
func TestPublicViewFields(t *testing.T) {
	f := newViewsFixture(t)
	va := keysOf(t, f.get("ORD-VA", "", "").Body.Bytes())
	var account map[string]json.RawMessage
	if err := json.Unmarshal(va["virtual_account"], &account); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"account_number", "bank", "due_date"}, sorted(account)); diff != "" {
		t.Errorf("virtual_account keys (-want +got):\n%s", diff)
	}
	if got := string(va["paid_at"]); got != "null" {
		t.Errorf("paid_at = %s, want null", got)
	}
	paid := keysOf(t, f.get("ORD-A", "", "").Body.Bytes())
	for k, want := range map[string]string{"virtual_account": "null", "status": `"partially_refunded"`, "refunded_amount": "990", "refundable_amount": "58000"} {
		if got := string(paid[k]); got != want {
			t.Errorf("%s = %s, want %s", k, got, want)
		}
	}
	empty, err := json.Marshal(status.PublicFrom(&payments.Payment{OrderNumber: "O"}))
	if err != nil {
		t.Fatal(err)
	}
	w := append([]string(nil), publicKeys...)
	sort.Strings(w)
	if diff := cmp.Diff(w, sorted(keysOf(t, empty))); diff != "" {
		t.Errorf("empty payment's public keys (-want +got):\n%s", diff)
	}
}

// FuzzViews sends arbitrary credentials: the full view goes exactly to the
// admin token and to the order's own customer, and nothing else ever
// reaches the full view's fields.
func FuzzViews(f *testing.F) {
	for _, s := range [][3]string{
		{"ORD-A", "", ""}, {"ORD-A", "Bearer " + adminToken, ""}, {"ORD-A", "", "customer=kim"},
		{"ORD-VA", "Bearer " + adminToken + " ", "customer=kim"}, {"ORD-A", "Bearer  " + adminToken, "customer=kim; customer=lee"},
		{"ORD-A", "Bearer\t" + adminToken, ""}, {"ORD-VA", "", "customer=\"lee\""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	fx := newViewsFixture(f)
	f.Fuzz(func(t *testing.T, order, authorization, cookie string) {
		if order != "ORD-A" && order != "ORD-VA" {
			order = "ORD-A"
		}
		r := httptest.NewRequest("GET", "/status?order_number="+order, nil)
		r.Header["Authorization"] = []string{authorization}
		r.Header["Cookie"] = []string{cookie}
		rec := httptest.NewRecorder()
		fx.h.ServeHTTP(rec, r)
		if rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		owner := map[string]string{"ORD-A": "kim", "ORD-VA": "lee"}[order]
		c, cerr := r.Cookie("customer")
		admin := payments.BearerToken(adminToken)(r) == nil
		want := admin || (cerr == nil && c.Value == owner)
		m := keysOf(t, rec.Body.Bytes())
		_, full := m["attempts"]
		if full != want {
			t.Fatalf("Authorization %q, Cookie %q: full view %v, want %v", authorization, cookie, full, want)
		}
		if !full {
			checkPublic(t, rec.Body.String())
		}
		if _, token, _ := strings.Cut(authorization, " "); admin && strings.TrimSpace(token) != adminToken {
			t.Fatalf("admin accepted %q", authorization)
		}
	})
}
