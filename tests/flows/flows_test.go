package flows_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/testenv"
	"github.com/payments-go/payments/stripe/stripetest"
	"github.com/payments-go/payments/toss/tosstest"
)

// flow is one benchmarked flow: run does one flow for a new order
// number n, between optional setup (with the clock stopped); min is what
// it needs at the least.
type flow struct {
	name string
	min  minimum
	run  func(m *meter, n int)
}

// The minimums, argued in BENCHMARKS.md.
var flows = []flow{
	{"toss-card", minimum{gateway: map[string]int{"toss " + string(tosstest.OpConfirm): 1}, store: 4}, tossCard},
	{"toss-virtual-account", minimum{gateway: map[string]int{
		"toss " + string(tosstest.OpIssueVirtualAccount): 1, "toss " + string(tosstest.OpGetPayment): 2,
	}, store: 9}, tossVirtualAccount},
	{"stripe-checkout", minimum{gateway: map[string]int{
		"stripe " + stripetest.OpCreateCheckoutSession: 1, "stripe " + stripetest.OpGetCheckoutSession: 1,
	}, store: 4}, stripeCheckout},
	{"stripe-intent", minimum{gateway: map[string]int{
		"stripe " + stripetest.OpCreatePaymentIntent: 1, "stripe " + stripetest.OpGetPaymentIntent: 1,
		"stripe " + stripetest.OpConfirmPaymentIntent: 1,
	}, store: 5}, stripeIntent},
	{"refund", minimum{gateway: map[string]int{"toss " + string(tosstest.OpCancel): 1}, store: 3}, tossRefund},
	{"status", minimum{store: 1}, statusRead},
}

// BenchmarkFlow measures each flow through the mounted handlers over
// memstore and, when PAYMENTS_TEST_DATABASE_URL is set, sqlstore; see
// the package documentation for the figures.
func BenchmarkFlow(b *testing.B) {
	for _, f := range flows {
		b.Run(f.name, func(b *testing.B) {
			for _, store := range []string{"memstore", "sqlstore"} {
				b.Run("store="+store, func(b *testing.B) {
					if store == "sqlstore" {
						testenv.DatabaseURL(b)
					}
					e := newEnv(b, store)
					m := newMeter(b, e)
					n := 0
					b.ReportAllocs()
					for b.Loop() {
						if n == 0 {
							m.mark()
						}
						n++
						f.run(m, n)
					}
					m.report(f.min)
				})
			}
		})
	}
}

// quote is s as a JSON string (the benchmarks' values need no escapes).
func quote(s string) string { return `"` + s + `"` }

// field returns the string value of the first "key": in a JSON body.
func field(m *meter, body, key string) string {
	i := strings.Index(body, `"`+key+`":"`)
	if i < 0 {
		m.b.Fatalf("no %q in %s", key, body)
	}
	v := body[i+len(key)+4:]
	end := strings.IndexByte(v, '"')
	if end < 0 {
		m.b.Fatalf("unterminated %q in %s", key, body)
	}
	return v[:end]
}

// tossPay is the card flow: POST /toss/ready, the customer in the
// payment window (tosstest.Authorize), then the success redirect, which
// confirms at Toss.
func tossPay(m *meter, order string) {
	e := m.e
	w := e.do(http.MethodPost, "/payments/toss/ready", `{"order_number":`+quote(order)+`,"amount":58990,"order_name":"`+krwName+
		`","method":"CARD","success_url":"https://shop.example/done","fail_url":"https://shop.example/failed"}`, http.StatusOK)
	// The first attempt's Toss orderId is the order number.
	if !strings.Contains(w.Body.String(), `"order_id":`+quote(order)) {
		m.b.Fatalf("ready: no order_id %s: %s", order, w.Body)
	}
	key, err := e.toss.Load().Authorize(order, krwAmount, krwName, "CARD")
	if err != nil {
		m.b.Fatal(err)
	}
	q := url.Values{"paymentKey": {key}, "orderId": {order}, "amount": {"58990"}, "paymentType": {"NORMAL"}}
	w = e.do(http.MethodGet, "/payments/toss/success?"+q.Encode(), "", http.StatusSeeOther)
	if loc := w.Header().Get("Location"); !strings.HasPrefix(loc, "https://shop.example/done?") || !strings.Contains(loc, "status=paid") {
		m.b.Fatalf("success redirect = %s", loc)
	}
}

func tossCard(m *meter, n int) {
	m.rotate(nil)
	tossPay(m, krwOrder(n))
}

// krwOrder and usdOrder name the n-th order (6 to 64 characters, as Toss
// wants its orderId).
func krwOrder(n int) string { return fmt.Sprintf("K%08d", n) }
func usdOrder(n int) string { return fmt.Sprintf("U%08d", n) }

// tossVirtualAccount issues a virtual account (POST /toss/virtual-account)
// and has the customer deposit into it (tosstest.Deposit); the two
// webhooks Toss sends for the deposit, DEPOSIT_CALLBACK and
// PAYMENT_STATUS_CHANGED, are then delivered to POST /toss/webhook.
func tossVirtualAccount(m *meter, n int) {
	e := m.e
	m.rotate(nil)
	order := krwOrder(n)
	w := e.do(http.MethodPost, "/payments/toss/virtual-account", `{"order_number":`+quote(order)+
		`,"amount":58990,"order_name":"`+krwName+`","customer_name":"김토스","bank":"20"}`, http.StatusOK)
	if !strings.Contains(w.Body.String(), `"status":"waiting_for_deposit"`) {
		m.b.Fatalf("virtual account: %s", w.Body)
	}
	fake := e.toss.Load()
	seen := len(fake.Webhooks())
	if err := fake.Deposit(context.Background(), order); err != nil {
		m.b.Fatal(err)
	}
	hooks := fake.Webhooks()[seen:]
	if len(hooks) != 2 {
		m.b.Fatalf("the deposit made %d webhooks, want 2", len(hooks))
	}
	for _, h := range hooks {
		w := e.do(http.MethodPost, "/payments/toss/webhook", string(h.Body), http.StatusOK,
			"tosspayments-webhook-transmission-id", h.TransmissionID, "tosspayments-webhook-transmission-time", h.TransmissionTime)
		if !strings.Contains(w.Body.String(), `"result":"processed"`) {
			m.b.Fatalf("webhook %s: %s", h.EventType, w.Body)
		}
	}
	m.pause()
	e.wantStatus(order, payments.StatusPaid)
	m.resume()
}

// stripeCheckout is POST /stripe/checkout, the customer paying on the
// hosted page (stripetest.CompleteSession), then POST /stripe/verify.
func stripeCheckout(m *meter, n int) {
	m.rotate(nil)
	e := m.e
	order := usdOrder(n)
	w := e.do(http.MethodPost, "/payments/stripe/checkout", `{"order_number":`+quote(order)+
		`,"success_url":"https://shop.example/done?session_id={CHECKOUT_SESSION_ID}","cancel_url":"https://shop.example/cart"}`, http.StatusOK)
	session := field(m, w.Body.String(), "session_id")
	if err := e.stripe.Load().CompleteSession(session, stripetest.PMVisa); err != nil {
		m.b.Fatal(err)
	}
	w = e.do(http.MethodPost, "/payments/stripe/verify", `{"order_number":`+quote(order)+`,"session_id":`+quote(session)+`}`, http.StatusOK)
	if !strings.Contains(w.Body.String(), `"status":"paid"`) {
		m.b.Fatalf("verify: %s", w.Body)
	}
}

// stripeIntent is POST /stripe/intent with a payment method, then POST
// /stripe/confirm.
func stripeIntent(m *meter, n int) {
	m.rotate(nil)
	e := m.e
	order := usdOrder(n)
	w := e.do(http.MethodPost, "/payments/stripe/intent", `{"order_number":`+quote(order)+`,"payment_method_id":"`+stripetest.PMVisa+`"}`, http.StatusOK)
	pi := field(m, w.Body.String(), "payment_intent_id")
	w = e.do(http.MethodPost, "/payments/stripe/confirm", `{"order_number":`+quote(order)+`,"payment_intent_id":`+quote(pi)+`}`, http.StatusOK)
	if !strings.Contains(w.Body.String(), `"status":"paid"`) {
		m.b.Fatalf("confirm: %s", w.Body)
	}
}

// tossRefund is a partial refund (POST /toss/cancel, admin) of an order
// paid by card beforehand, with the clock stopped.
func tossRefund(m *meter, n int) {
	m.rotate(nil)
	order := krwOrder(n)
	m.pause()
	tossPay(m, order)
	m.resume()
	w := m.e.do(http.MethodPost, "/payments/toss/cancel", `{"order_number":`+quote(order)+`,"amount":1000,"reason":"bench"}`, http.StatusOK,
		"Authorization", "Bearer "+adminToken)
	if !strings.Contains(w.Body.String(), `"status":"partially_refunded"`) {
		m.b.Fatalf("cancel: %s", w.Body)
	}
}

// statusRead is GET /status of an order paid before the first read.
func statusRead(m *meter, n int) {
	if n == 1 {
		m.pause()
		tossPay(m, "KSTATUS-1")
		m.resume()
	}
	w := m.e.do(http.MethodGet, "/payments/status?order_number=KSTATUS-1", "", http.StatusOK)
	if !strings.Contains(w.Body.String(), `"status":"paid"`) {
		m.b.Fatalf("status: %s", w.Body)
	}
}
