package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/httpapi"
)

// TestAuditRoute: GET /payments/audit is mounted, admin-only, strict
// about its query, and answers the report.
func TestAuditRoute(t *testing.T) {
	for _, tt := range []struct {
		name   string
		auth   payments.Authorizer
		method string
		query  string
		bearer string
		status int
		code   string
	}{
		{"no authorizer", nil, "GET", "from=2026-03-01&to=2026-03-31", "admin", 403, "forbidden"},
		{"no credentials", payments.BearerToken("admin"), "GET", "from=2026-03-01&to=2026-03-31", "", 401, "unauthorized"},
		{"bad day", payments.BearerToken("admin"), "GET", "from=2026-03-01&to=2026-03-32", "admin", 400, "invalid_request"},
		{"POST", payments.BearerToken("admin"), "POST", "from=2026-03-01&to=2026-03-31", "admin", 405, "method_not_allowed"},
		{"report", payments.BearerToken("admin"), "GET", "from=2026-03-01&to=2026-03-31", "admin", 200, ""},
		{"csv", payments.BearerToken("admin"), "GET", "from=2026-03-01&to=2026-03-31&format=csv", "admin", 200, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, err := httpapi.New(httpapi.Config{Service: newService(t, "toss", "stripe"), PublicURL: "https://shop.example",
				Toss: &httpapi.TossConfig{ClientKey: "k"}, Stripe: &httpapi.StripeConfig{WebhookSecret: "whsec_x"}, Authorize: tt.auth})
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(tt.method, "/payments/audit?"+tt.query, nil)
			if tt.bearer != "" {
				r.Header.Set("Authorization", "Bearer "+tt.bearer)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != tt.status || (tt.code != "" && errCode(rec) != tt.code) {
				t.Errorf("= %d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.code)
			}
			if tt.status == http.StatusOK && tt.name == "csv" && rec.Body.String() != "kind,gateway,order_number,reference,local_status,local_amount,local_currency,local_refund,local_at,remote_status,remote_amount,remote_currency,remote_refund,remote_entry,remote_at\n" {
				t.Errorf("csv = %q", rec.Body)
			}
		})
	}
}
