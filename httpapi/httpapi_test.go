package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/httpapi"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
)

func newService(t testing.TB, gateways ...string) *payments.Service {
	t.Helper()
	var gws []payments.Gateway
	for _, g := range gateways {
		gws = append(gws, paymentstest.NewGateway(g))
	}
	svc, err := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-20260122-001", Name: "Cool T-Shirt 외 1건", Amount: 58990, Currency: payments.KRW}),
		Gateways: gws,
	})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// allRoutes are the routes of the library (relative to the prefix), plus
// the two webhooks.
var allRoutes = []struct{ method, path string }{
	{"POST", "toss/ready"}, {"POST", "toss/confirm"}, {"POST", "toss/cancel"}, {"POST", "toss/virtual-account"},
	{"GET", "toss/success"}, {"GET", "toss/fail"}, {"POST", "toss/webhook"},
	{"POST", "stripe/checkout"}, {"POST", "stripe/intent"}, {"POST", "stripe/confirm"}, {"POST", "stripe/verify"},
	{"POST", "stripe/refund"}, {"POST", "stripe/webhook"},
	{"GET", "status"},
	{"POST", "toss/billing/ready"}, {"GET", "toss/billing/success"}, {"GET", "toss/billing/fail"},
	{"POST", "stripe/setup"}, {"POST", "stripe/setup/verify"},
	{"GET", "methods"}, {"DELETE", "methods/meth_0123456789"}, {"POST", "charge"},
}

func serve(h http.Handler, method, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(method, path, strings.NewReader(`{}`))
	r.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(rec, r)
	return rec
}

func errCode(rec *httptest.ResponseRecorder) string {
	var b struct{ Error struct{ Code string } }
	_ = json.Unmarshal(rec.Body.Bytes(), &b)
	return b.Error.Code
}

// TestMountServesExactlyTheRoutes: every route answers its method
// (never 404 or 405), every other method 405 with Allow, and paths beside
// them 404, under the default and a custom prefix.
func TestMountServesExactlyTheRoutes(t *testing.T) {
	for _, prefix := range []string{"", "/api/pay/"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			h, err := httpapi.New(httpapi.Config{
				Service: newService(t, "toss", "stripe"), Prefix: prefix, PublicURL: "https://shop.example",
				Toss: &httpapi.TossConfig{ClientKey: "test_ck_x"}, Stripe: &httpapi.StripeConfig{WebhookSecret: "whsec_x"},
				Authorize: payments.BearerToken("admin"),
			})
			if err != nil {
				t.Fatal(err)
			}
			base := prefix
			if base == "" {
				base = "/payments/"
			}
			for _, rt := range allRoutes {
				path := base + rt.path
				if rec := serve(h, rt.method, path); rec.Code == 404 && errCode(rec) == "not_found" || rec.Code == 405 {
					t.Errorf("%s %s = %d %s; the route is missing", rt.method, path, rec.Code, errCode(rec))
				}
				for _, m := range []string{"GET", "POST", "PUT", "DELETE", "PATCH"} {
					if m == rt.method {
						continue
					}
					rec := serve(h, m, path)
					if rec.Code != 405 || errCode(rec) != "method_not_allowed" || !strings.Contains(rec.Header().Get("Allow"), rt.method) {
						t.Errorf("%s %s = %d %s Allow=%q, want 405 allowing %s", m, path, rec.Code, errCode(rec), rec.Header().Get("Allow"), rt.method)
					}
				}
			}
			for _, p := range []string{"toss/refund", "stripe/cancel", "toss/", "stripe", "statuses", "toss/ready/x", ""} {
				if rec := serve(h, "POST", base+p); rec.Code != 404 && rec.Code != 405 {
					t.Errorf("POST %s = %d, want 404", base+p, rec.Code)
				}
			}
		})
	}
}

func TestOnlyConfiguredGatewaysAppear(t *testing.T) {
	h, err := httpapi.New(httpapi.Config{Service: newService(t, "stripe"), PublicURL: "https://shop.example",
		Stripe: &httpapi.StripeConfig{WebhookSecret: "whsec_x"}})
	if err != nil {
		t.Fatal(err)
	}
	if rec := serve(h, "POST", "/payments/toss/ready"); rec.Code != 404 {
		t.Errorf("toss route without toss: %d", rec.Code)
	}
	if rec := serve(h, "POST", "/payments/stripe/checkout"); rec.Code == 404 {
		t.Errorf("stripe route missing")
	}
}

func TestConfigErrors(t *testing.T) {
	svc := newService(t, "toss")
	for name, cfg := range map[string]httpapi.Config{
		"no service":     {Toss: &httpapi.TossConfig{ClientKey: "k"}, PublicURL: "https://shop.example"},
		"no gateway":     {Service: svc, PublicURL: "https://shop.example"},
		"toss no public": {Service: svc, Toss: &httpapi.TossConfig{ClientKey: "k"}},
		"bad public url": {Service: svc, Toss: &httpapi.TossConfig{ClientKey: "k"}, PublicURL: "shop.example"},
	} {
		if _, err := httpapi.New(cfg); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

// The admin routes refuse everything until an authorizer is configured.
func TestAdminRoutesClosedByDefault(t *testing.T) {
	h, err := httpapi.New(httpapi.Config{Service: newService(t, "toss", "stripe"), PublicURL: "https://shop.example",
		Toss: &httpapi.TossConfig{ClientKey: "k"}, Stripe: &httpapi.StripeConfig{WebhookSecret: "whsec_x"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/payments/toss/cancel", "/payments/stripe/refund"} {
		if rec := serve(h, "POST", p); rec.Code != 403 || errCode(rec) != "forbidden" {
			t.Errorf("POST %s without an authorizer = %d %s, want 403 forbidden", p, rec.Code, errCode(rec))
		}
	}
}

func ExampleNew() {
	svc, _ := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-20260122-001", Name: "Cool T-Shirt 외 1건", Amount: 58990, Currency: payments.KRW}),
		Gateways: []payments.Gateway{paymentstest.NewGateway("toss")}, // toss.NewGateway(...) in production
	})
	h, _ := httpapi.New(httpapi.Config{
		Service:   svc,
		PublicURL: "https://shop.example",
		Toss:      &httpapi.TossConfig{ClientKey: "test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq"},
		Authorize: payments.BearerToken("change-me"),
	})
	mux := http.NewServeMux()
	mux.Handle("/payments/", h) // the application's own routes live beside it
	srv := httptest.NewServer(mux)
	defer srv.Close()

	body := `{"order_number":"ORD-20260122-001","amount":58990,"order_name":"Cool T-Shirt 외 1건","method":"CARD",
	"success_url":"https://shop.example/success","fail_url":"https://shop.example/fail"}`
	resp, err := http.Post(srv.URL+"/payments/toss/ready", "application/json", strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var ready struct {
		Status string
		Toss   struct {
			OrderID    string `json:"order_id"`
			SuccessURL string `json:"success_url"`
		}
	}
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &ready)
	fmt.Println(resp.StatusCode, ready.Status, ready.Toss.OrderID, ready.Toss.SuccessURL)
	// Output: 200 ready ORD-20260122-001 https://shop.example/payments/toss/success
}

// The mount's status route answers the full view to the admin authorizer
// and to StatusOwner, and the public view to everyone else.
func TestStatusViews(t *testing.T) {
	svc, _ := payments.NewService(payments.Config{
		Store: memstore.New(),
		Orders: payments.NewOrderBook(payments.Order{Number: "ORD-20260122-001", Name: "Cool T-Shirt 외 1건", Amount: 58990,
			Currency: payments.KRW, Customer: payments.Customer{Email: "kim@example.com"}}),
		Gateways: []payments.Gateway{paymentstest.NewGateway("toss")},
	})
	if _, err := svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: "ORD-20260122-001", Gateway: "toss"}); err != nil {
		t.Fatal(err)
	}
	h, err := httpapi.New(httpapi.Config{
		Service: svc, PublicURL: "https://shop.example",
		Toss:      &httpapi.TossConfig{ClientKey: "test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq"},
		Authorize: payments.BearerToken("change-me"),
		StatusOwner: func(r *http.Request, o payments.Order) bool {
			return r.Header.Get("X-Customer") == o.Customer.Email
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, header, value string
		full                bool
	}{
		{"anonymous", "", "", false},
		{"admin", "Authorization", "Bearer change-me", true},
		{"owner", "X-Customer", "kim@example.com", true},
		{"someone else", "X-Customer", "lee@example.com", false},
	} {
		r := httptest.NewRequest(http.MethodGet, "/payments/status?order_number=ORD-20260122-001", nil)
		if tt.header != "" {
			r.Header.Set(tt.header, tt.value)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		var m map[string]json.RawMessage
		if err := json.Unmarshal(w.Body.Bytes(), &m); w.Code != 200 || err != nil {
			t.Fatalf("%s: %d %s", tt.name, w.Code, w.Body)
		}
		if _, full := m["attempts"]; full != tt.full {
			t.Errorf("%s: full view %v, want %v: %s", tt.name, full, tt.full, w.Body)
		}
	}
}
