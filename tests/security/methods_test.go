package security_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/stripe/stripetest"
	"github.com/payments-go/payments/toss"
)

// savedCustomers are the customers whose saved methods the scan knows.
var savedCustomers = []string{"sec-cust-toss", "sec-cust-stripe", "sec-cust-other"}

// TestSecretsNeverLeakSavedMethods drives saving, listing, charging and
// removing methods of both gateways, with the refusals they make
// (another customer's key, a removed method, a bank that wants the
// customer, a decline), so that the scan at cleanup looks for billing
// keys, customer keys, Stripe payment method and customer ids and client
// secrets in every log line, error and response.
func TestSecretsNeverLeakSavedMethods(t *testing.T) {
	ctx := context.Background()
	admin := []string{"Authorization", "Bearer " + adminToken}
	e := newEnv(t, envOptions{})
	e.customerKeys, e.billingKeys = map[string]string{}, map[string]string{}

	// Toss: the billing-auth window, the redirect, a charge, a list, a removal.
	ready := e.post("/payments/toss/billing/ready", map[string]any{"customer_id": savedCustomers[0], "success_url": successURL, "fail_url": failURL}, admin...)
	var br toss.BillingReadyResponse
	if ready.status != http.StatusOK || json.Unmarshal(ready.body, &br) != nil {
		t.Fatalf("billing ready: %s", ready)
	}
	e.customerKeys[savedCustomers[0]] = br.Toss.CustomerKey
	auth, err := e.tossFake.AuthorizeBilling(br.Toss.CustomerKey, "CARD")
	must(t, err)
	u, _ := url.Parse(br.Toss.SuccessURL)
	q := u.Query()
	q.Set("customerKey", br.Toss.CustomerKey)
	q.Set("authKey", auth)
	a := e.get(u.Path + "?" + q.Encode())
	loc, _ := url.Parse(a.header.Get("Location"))
	tossMethod := loc.Query().Get("method_id")
	if a.status != http.StatusSeeOther || tossMethod == "" {
		t.Fatalf("billing success: %s to %s", a, loc)
	}
	for _, k := range e.tossFake.BillingKeys() {
		e.billingKeys[k] = "Toss billing key of " + tossMethod
	}
	if len(e.billingKeys) != 1 {
		t.Fatalf("billing keys at the fake: %d", len(e.billingKeys))
	}
	// A second customer's key on the first one's save is refused.
	other := e.post("/payments/toss/billing/ready", map[string]any{"customer_id": savedCustomers[2], "success_url": successURL, "fail_url": failURL}, admin...)
	var obr toss.BillingReadyResponse
	must(t, json.Unmarshal(other.body, &obr))
	e.customerKeys[savedCustomers[2]] = obr.Toss.CustomerKey
	q.Set("customerKey", obr.Toss.CustomerKey)
	if a := e.get(u.Path+"?"+q.Encode(), "Accept", "application/json"); a.code() != payments.CodeInvalidRequest {
		t.Errorf("another customer's key: %s", a)
	}
	if a := e.post("/payments/charge", map[string]any{"order_number": krwOrder(40), "method_id": tossMethod}, admin...); a.status != http.StatusOK || a.field("status") != "paid" {
		t.Errorf("toss charge: %s", a)
	}
	if a := e.post("/payments/charge", map[string]any{"order_number": krwOrder(40), "method_id": tossMethod}, admin...); a.status != http.StatusOK {
		t.Errorf("repeated toss charge: %s", a)
	}
	e.get("/payments/methods?customer_id="+savedCustomers[0], admin...)
	// The billing key charged with another customer's key, straight from
	// the client: NOT_MATCHES_CUSTOMER_KEY.
	m, err := e.svc.Method(ctx, tossMethod)
	must(t, err)
	gw, _ := e.svc.Gateway("toss")
	_, err = gw.(*toss.Gateway).Client().ChargeBillingKey(ctx, m.Token, toss.BillingChargeRequest{
		CustomerKey: payments.Secret(obr.Toss.CustomerKey), Amount: 1000, OrderID: "SEC-NOMATCH-1", OrderName: "x"}, "sec-nomatch-1")
	if payments.Code(err) != payments.CodeInvalidRequest || !strings.Contains(err.Error(), "NOT_MATCHES_CUSTOMER_KEY") {
		t.Errorf("charge with another customerKey: %v", err)
	}
	e.collect(err)
	req, _ := http.NewRequest(http.MethodDelete, e.shop.URL+"/payments/methods/"+tossMethod, nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	if a := e.do(req); a.status != http.StatusOK || a.field("status") != "removed" {
		t.Errorf("remove: %s", a)
	}
	if a := e.post("/payments/charge", map[string]any{"order_number": krwOrder(39), "method_id": tossMethod}, admin...); a.code() != payments.CodeMethodNotActive {
		t.Errorf("charge of a removed method: %s", a)
	}
	_, err = e.svc.Charge(ctx, payments.ChargeRequest{OrderNumber: krwOrder(39), MethodID: tossMethod})
	e.collect(err)

	// Stripe: setup, verify, an off-session charge the bank holds for the
	// customer, and a decline.
	for i, pm := range []string{stripetest.PMAuthenticationRequired, stripetest.PMInsufficientFunds} {
		s := e.post("/payments/stripe/setup", map[string]any{"customer_id": savedCustomers[1], "success_url": successURL, "cancel_url": cancelURL}, admin...)
		sid := s.field("session_id")
		if s.status != http.StatusOK || sid == "" {
			t.Fatalf("stripe setup: %s", s)
		}
		must(t, e.stripeFake.CompleteSetup(sid, pm))
		v := e.post("/payments/stripe/setup/verify", map[string]any{"session_id": sid})
		id := v.field("method_id")
		if v.status != http.StatusOK || id == "" {
			t.Fatalf("setup verify: %s", v)
		}
		c := e.post("/payments/charge", map[string]any{"order_number": usdOrder(38 + i), "method_id": id, "return_url": returnURL}, admin...)
		switch i {
		case 0:
			var ch struct {
				Status     string `json:"status"`
				NextAction *struct {
					RedirectURL string `json:"redirect_url"`
				} `json:"next_action"`
			}
			if json.Unmarshal(c.body, &ch) != nil || ch.Status != "requires_action" || ch.NextAction == nil || ch.NextAction.RedirectURL == "" {
				t.Errorf("charge that needs the customer: %s", c)
			}
		case 1:
			if c.code() != payments.CodePaymentDeclined {
				t.Errorf("declined charge: %s", c)
			}
			_, err := e.svc.Charge(ctx, payments.ChargeRequest{OrderNumber: usdOrder(37), MethodID: id})
			e.collect(err)
		}
		if i == 1 {
			req, _ := http.NewRequest(http.MethodDelete, e.shop.URL+"/payments/methods/"+id, nil)
			req.Header.Set("Authorization", "Bearer "+adminToken)
			e.do(req)
		}
	}
	e.get("/payments/methods?customer_id="+savedCustomers[1], admin...)
	e.get("/payments/status?order_number="+usdOrder(38)+"&refresh=true", admin...)
	if _, err := e.svc.DeliverEvents(ctx); err != nil {
		t.Fatal(err)
	}
	_, _ = e.svc.Reconcile(ctx, &payments.ReconcileOptions{SettleAfter: time.Nanosecond})

	// The scan knows what it looks for.
	fixed, clientSecrets := e.secrets()
	n := 0
	for name := range fixed {
		if strings.HasPrefix(name, "gateway handle of ") || strings.HasPrefix(name, "Toss customerKey") || strings.HasPrefix(name, stripeIDPrefix) {
			n++
		}
	}
	if n < 5 || len(clientSecrets) == 0 {
		t.Errorf("the scan knows %d method handles and customer keys and %d client secrets; the flows made more", n, len(clientSecrets))
	}
	// And finds them: a clean scan first, then each planted once.
	if leaks, stats := e.leaks(); len(leaks) != 0 {
		t.Fatalf("%d leaks (%s): %v", len(leaks), stats, leaks)
	}
	var billingKey string
	for k := range e.billingKeys {
		billingKey = k
	}
	plants := []func(){
		func() { e.logs.Write([]byte(`{"msg":"charging","key":"` + billingKey + `"}` + "\n")) },
		func() {
			e.record(recorded{method: "GET", path: "/payments/methods", header: http.Header{}, body: []byte(e.customerKeys[savedCustomers[0]])})
		},
		func() {
			e.record(recorded{method: "POST", path: "/payments/charge", header: http.Header{}, body: []byte(m.GatewayCustomer.Reveal())})
		},
	}
	for i, plant := range plants {
		plant()
		if leaks, _ := e.leaks(); len(leaks) < i+1 {
			t.Errorf("planted secret #%d was not found (%d leaks)", i, len(leaks))
		}
	}
	e.logs.Reset()
	e.mu.Lock()
	e.errs, e.responses = nil, nil
	e.mu.Unlock()
}
