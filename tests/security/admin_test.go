package security_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/stripe/stripetest"
	"github.com/payments-go/payments/toss/tosstest"
)

// TestAdminRoutes checks that the refund routes move no money without
// authorization: 403 forbidden when the application configured no
// authorizer (whatever the request carries), 401 unauthorized for
// missing, wrong or malformed credentials, 200 for the right token.
func TestAdminRoutes(t *testing.T) {
	type route struct {
		name, path string
		order      int
		pay        func(e *env, i int) (refunds func() int)
		body       func(i int) map[string]any
	}
	routes := []route{
		{"toss cancel", "/payments/toss/cancel", 5,
			func(e *env, i int) func() int {
				key := e.payToss(i)
				return func() int { return e.tossFake.Executions(tosstest.OpCancel, key) }
			},
			func(i int) map[string]any {
				return map[string]any{"order_number": krwOrder(i), "amount": 1000, "reason": "customer request"}
			}},
		{"stripe refund", "/payments/stripe/refund", 5,
			func(e *env, i int) func() int {
				e.payStripe(i)
				return func() int { return e.stripeFake.Executed(stripetest.OpCreateRefund) }
			},
			func(i int) map[string]any {
				return map[string]any{"order_number": usdOrder(i), "amount": 100, "reason": "customer request"}
			}},
	}
	orderOf := func(r route) string {
		if strings.HasPrefix(r.name, "toss") {
			return krwOrder(r.order)
		}
		return usdOrder(r.order)
	}

	refused := []struct {
		name   string
		header []string // header pairs
	}{
		{"no credentials", nil},
		{"wrong token", []string{"Authorization", "Bearer " + strings.ToUpper(adminToken)}},
		{"token with a suffix", []string{"Authorization", "Bearer " + adminToken + "0"}},
		{"token prefix", []string{"Authorization", "Bearer " + adminToken[:len(adminToken)-1]}},
		{"empty bearer", []string{"Authorization", "Bearer "}},
		{"scheme only", []string{"Authorization", "Bearer"}},
		{"no space", []string{"Authorization", "Bearer" + adminToken}},
		{"basic scheme with the token", []string{"Authorization", "Basic " + adminToken}},
		{"basic auth with the token as password", []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+adminToken))}},
		{"token in another header", []string{"X-Admin-Token", adminToken}},
		{"two tokens", []string{"Authorization", "Bearer " + adminToken + " " + adminToken}},
		{"token with an encoded NUL", []string{"Authorization", "Bearer " + adminToken + "%00"}},
	}

	t.Run("no authorizer", func(t *testing.T) {
		e := newEnv(t, envOptions{noAuthorizer: true})
		for _, r := range routes {
			refunds := r.pay(e, r.order)
			cases := append(refused, struct {
				name   string
				header []string
			}{"the token that would be right", []string{"Authorization", "Bearer " + adminToken}})
			for _, c := range cases {
				a := e.post(r.path, r.body(r.order), append(c.header, "Idempotency-Key", "k-"+c.name)...)
				if a.status != http.StatusForbidden || a.code() != payments.CodeForbidden {
					t.Errorf("%s, %s: %s, want 403 forbidden", r.name, c.name, a)
				}
			}
			if n := refunds(); n != 0 {
				t.Errorf("%s: %d refunds reached the gateway", r.name, n)
			}
			if p := e.payment(orderOf(r)); p.RefundedAmount != 0 || len(p.Refunds) != 0 || p.Status != payments.StatusPaid {
				t.Errorf("%s: payment %s, refunded %d, %d refunds", r.name, p.Status, p.RefundedAmount, len(p.Refunds))
			}
		}
	})

	t.Run("bearer token", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		for _, r := range routes {
			refunds := r.pay(e, r.order)
			for _, c := range refused {
				a := e.post(r.path, r.body(r.order), c.header...)
				if a.status != http.StatusUnauthorized || a.code() != payments.CodeUnauthorized {
					t.Errorf("%s, %s: %s, want 401 unauthorized", r.name, c.name, a)
				}
			}
			// Credentials in the query string are not credentials.
			a := e.post(r.path+"?token="+adminToken+"&access_token="+adminToken, r.body(r.order))
			if a.status != http.StatusUnauthorized {
				t.Errorf("%s, token in the query: %s, want 401", r.name, a)
			}
			if n := refunds(); n != 0 {
				t.Errorf("%s: %d refunds reached the gateway before the right token", r.name, n)
			}
			if p := e.payment(orderOf(r)); p.RefundedAmount != 0 || len(p.Refunds) != 0 {
				t.Errorf("%s: refused requests refunded %d (%d refunds)", r.name, p.RefundedAmount, len(p.Refunds))
			}

			a = e.post(r.path, r.body(r.order), "Authorization", "Bearer "+adminToken, "Idempotency-Key", "refund-1")
			if a.status != http.StatusOK || a.field("status") != string(payments.StatusPartiallyRefunded) {
				t.Errorf("%s with the right token: %s, want 200 partially_refunded", r.name, a)
			}
			if n := refunds(); n != 1 {
				t.Errorf("%s: %d refunds reached the gateway, want 1", r.name, n)
			}
		}
	})
}
