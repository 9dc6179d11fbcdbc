package crash

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/toss"
)

// kind is a payment flow the driver runs.
type kind int

const (
	tossCard kind = iota
	tossVirtualAccount
	stripeCheckout
	tossBilling
	numKinds
)

func (k kind) String() string {
	return [...]string{"toss card", "toss virtual account", "stripe checkout", "toss billing charge"}[k]
}

// flow is one order and what the driver does with it, decided by the
// seed before anything runs.
type flow struct {
	kind     kind
	order    string
	amount   int64
	currency string
	// refunds are the refunds asked for once the order is paid, in
	// order: an amount, or 0 for the whole remaining balance.
	refunds []int64
	// dupCallback repeats the Toss success callback (a browser reload).
	dupCallback bool
	// dupWebhooks sends the order's webhooks again once it is paid and
	// after its refunds, as a gateway that retries a delivery does.
	dupWebhooks bool
	// verify has the page verify a Stripe Checkout payment on return;
	// otherwise only the webhook tells the shop.
	verify bool
	// customer is whose saved card a Toss billing charge uses; the
	// driver saves one card per customer, for all of its orders.
	customer string
	// dupCharge sends the billing charge twice at once, as two
	// schedulers that both think the order is due.
	dupCharge bool
	// method is the saved card's id, once the driver has it.
	method string
}

// billingCustomers is how many customers the billing charges are spread
// over.
const billingCustomers = 6

// planFlows decides n flows from seed.
func planFlows(seed uint64, n int) []flow {
	rng := rand.New(rand.NewPCG(seed, 0x666c6f7773))
	run := strconv.FormatUint(seed%1_000_000, 36)
	flows := make([]flow, n)
	for i := range flows {
		f := flow{
			kind:  kind(rng.IntN(int(numKinds))),
			order: fmt.Sprintf("CR-%s-%04d", run, i),
		}
		switch f.kind {
		case stripeCheckout:
			f.currency = []string{"USD", "EUR", "JPY"}[rng.IntN(3)]
			f.amount = 100 * (5 + rng.Int64N(200))
			f.verify = rng.IntN(2) == 0
		default:
			f.currency = "KRW"
			f.amount = 10 * (100 + rng.Int64N(9900))
		}
		if f.kind == tossBilling {
			f.customer = fmt.Sprintf("CR-%s-cust-%d", run, rng.IntN(billingCustomers))
			f.dupCharge = rng.IntN(3) == 0
		}
		switch r := rng.IntN(100); {
		case r < 35:
		case r < 60:
			f.refunds = []int64{1 + rng.Int64N(f.amount/2)}
		case r < 85:
			f.refunds = []int64{1 + rng.Int64N(f.amount/2), 0}
		default:
			f.refunds = []int64{0}
		}
		f.dupCallback = f.kind == tossCard && rng.IntN(4) == 0
		f.dupWebhooks = rng.IntN(10) < 3
		flows[i] = f
	}
	return flows
}

// okRefund is a refund the driver was told succeeded.
type okRefund struct {
	order  string
	id     string
	amount payments.Amount
}

// driver runs flows over HTTP against the shop (which may be dead at any
// moment) and the fakes (which are not), retrying where a real client
// retries: after a transport error or a 5xx answer, with the same body
// and the same Idempotency-Key. It reads the payments the shop stored
// from the store itself (store), for the checks and to follow a refund
// whose outcome was not known yet.
type driver struct {
	shop, toss, stripe string
	client             *http.Client
	store              payments.Store

	inFlight      atomic.Int64 // requests to the shop in flight
	retries       atomic.Int64 // requests sent again after a failure
	dupCallbacks  atomic.Int64 // repeated success callbacks answered
	dupWebhooks   atomic.Int64 // webhooks sent again that the shop accepted
	gatewayResend atomic.Int64 // rounds of webhooks sent again because the shop lagged
	saves         atomic.Int64 // cards saved
	dupCharges    atomic.Int64 // billing charges sent twice at once
	chargeRepeats atomic.Int64 // billing charges sent again while the payment was processing
	chargeRetries atomic.Int64 // billing charges sent again after a failure (a kill)

	methodsMu sync.Mutex
	methods   map[string]*savedMethod // by customer

	mu       sync.Mutex
	refunds  []okRefund
	problems []string // answers no client should get
}

func newDriver(shop, tossURL, stripeURL string, store payments.Store) *driver {
	return &driver{
		shop: shop, toss: tossURL, stripe: stripeURL, store: store,
		methods: map[string]*savedMethod{},
		client: &http.Client{
			Timeout:       10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Transport:     &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second},
		},
	}
}

func (d *driver) problem(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.problems = append(d.problems, fmt.Sprintf(format, args...))
}

// answer is an HTTP answer.
type answer struct {
	status int
	body   []byte
	header http.Header
}

func (a answer) String() string {
	return fmt.Sprintf("%d %.300s", a.status, a.body)
}

// request is one HTTP request the driver may send more than once.
type request struct {
	method, url string
	body        []byte
	contentType string
	header      http.Header
}

func jsonRequest(method, url string, v any, header http.Header) request {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return request{method: method, url: url, body: b, contentType: "application/json", header: header}
}

func formRequest(url string, v url.Values) request {
	return request{method: http.MethodPost, url: url, body: []byte(v.Encode()), contentType: "application/x-www-form-urlencoded"}
}

// send sends r once; the error is a transport error.
func (d *driver) send(ctx context.Context, r request) (answer, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, r.url, body)
	if err != nil {
		return answer{}, err
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	if strings.HasPrefix(r.url, d.shop) {
		d.inFlight.Add(1)
		defer d.inFlight.Add(-1)
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	return answer{status: resp.StatusCode, body: data, header: resp.Header}, nil
}

// retryable reports the answers a client sends its request again after:
// the server failed or was unavailable (a kill, a restart).
func retryable(status int) bool {
	return status == http.StatusInternalServerError || status == http.StatusBadGateway ||
		status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// do sends r until it gets an answer that is not retryable, or ctx ends.
func (d *driver) do(ctx context.Context, r request) (answer, error) {
	return d.doCounted(ctx, r, nil)
}

// doCounted is do that also adds the requests it sends again to again,
// when not nil.
func (d *driver) doCounted(ctx context.Context, r request, again *atomic.Int64) (answer, error) {
	backoff := 25 * time.Millisecond
	for {
		a, err := d.send(ctx, r)
		if err == nil && !retryable(a.status) {
			return a, nil
		}
		if ctx.Err() != nil {
			if err == nil {
				err = fmt.Errorf("answer %s", a)
			}
			return a, fmt.Errorf("%s %s: gave up: %w", r.method, r.url, err)
		}
		d.retries.Add(1)
		if again != nil {
			again.Add(1)
		}
		sleep(ctx, backoff)
		backoff = min(2*backoff, 400*time.Millisecond)
	}
}

// expect sends r like do and requires status want, decoding the answer
// into out if not nil.
func (d *driver) expect(ctx context.Context, r request, want int, out any) (answer, error) {
	a, err := d.do(ctx, r)
	if err != nil {
		return a, err
	}
	if a.status != want {
		return a, fmt.Errorf("%s %s: %s, want %d", r.method, r.url, a, want)
	}
	if out != nil {
		if err := json.Unmarshal(a.body, out); err != nil {
			return a, fmt.Errorf("%s %s: decode %s: %v", r.method, r.url, a, err)
		}
	}
	return a, nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (d *driver) admin() http.Header {
	return http.Header{"Authorization": {"Bearer " + adminToken}}
}

// run runs flow f to its end: the order, its payment, its refunds and
// the duplicates it plans.
func (d *driver) run(ctx context.Context, f *flow) error {
	if err := d.createOrder(ctx, f); err != nil {
		return err
	}
	var err error
	switch f.kind {
	case tossCard:
		err = d.payTossCard(ctx, f)
	case tossVirtualAccount:
		err = d.payVirtualAccount(ctx, f)
	case stripeCheckout:
		err = d.payCheckout(ctx, f)
	case tossBilling:
		err = d.payBilling(ctx, f)
	}
	if err != nil {
		return err
	}
	if err := d.waitPaid(ctx, f); err != nil {
		return err
	}
	if f.dupWebhooks {
		d.resend(ctx, f, true)
	}
	for i, amount := range f.refunds {
		if err := d.refund(ctx, f, i, amount); err != nil {
			return err
		}
	}
	if f.dupWebhooks && len(f.refunds) > 0 {
		d.resend(ctx, f, true)
	}
	return nil
}

func (d *driver) createOrder(ctx context.Context, f *flow) error {
	r := jsonRequest("POST", d.shop+"/orders", map[string]any{
		"order_number": f.order, "order_name": "Crash test " + f.kind.String(), "amount": f.amount, "currency": f.currency,
	}, nil)
	a, err := d.do(ctx, r)
	if err != nil {
		return err
	}
	switch {
	case a.status == http.StatusCreated:
		return nil
	case a.status == http.StatusBadRequest && bytes.Contains(a.body, []byte("already exists")):
		// An earlier try was stored, and its answer lost in a kill.
		return nil
	}
	return fmt.Errorf("create order %s: %s", f.order, a)
}

func (d *driver) payTossCard(ctx context.Context, f *flow) error {
	var ready toss.ReadyResponse
	if _, err := d.expect(ctx, jsonRequest("POST", d.shop+"/payments/toss/ready", map[string]any{
		"order_number": f.order, "amount": f.amount, "order_name": "Crash test " + f.kind.String(), "method": "CARD",
		"success_url": d.shop + "/?paid=" + f.order, "fail_url": d.shop + "/?failed=" + f.order,
	}, nil), http.StatusOK, &ready); err != nil {
		return err
	}
	// The customer approves in the payment window, at "Toss".
	a, err := d.expect(ctx, formRequest(d.toss+"/sandbox/pay", url.Values{
		"clientKey": {ready.Toss.ClientKey}, "method": {ready.Toss.Method}, "amount": {strconv.FormatInt(int64(ready.Toss.Amount), 10)},
		"currency": {string(ready.Currency)}, "orderId": {ready.Toss.OrderID}, "orderName": {ready.Toss.OrderName},
		"successUrl": {ready.Toss.SuccessURL}, "failUrl": {ready.Toss.FailURL}, "action": {"approve"},
	}), http.StatusSeeOther, nil)
	if err != nil {
		return err
	}
	callback := a.header.Get("Location")
	if !strings.HasPrefix(callback, d.shop+"/payments/toss/success?") {
		return fmt.Errorf("payment window of %s: redirected to %q, not to the success callback", f.order, callback)
	}
	// The browser follows the redirect to the shop's callback; a
	// browser whose request failed reloads the page.
	if err := d.successCallback(ctx, f, callback); err != nil {
		return err
	}
	if f.dupCallback {
		if err := d.successCallback(ctx, f, callback); err != nil {
			return err
		}
		d.dupCallbacks.Add(1)
	}
	return nil
}

// successCallback sends the Toss success callback until the shop answers
// with its redirect to the shop's page.
func (d *driver) successCallback(ctx context.Context, f *flow, callback string) error {
	a, err := d.do(ctx, request{method: "GET", url: callback})
	if err != nil {
		return err
	}
	loc := a.header.Get("Location")
	u, err := url.Parse(loc)
	switch {
	case a.status != http.StatusSeeOther || err != nil || !strings.HasPrefix(loc, d.shop+"/?"):
	case u.Query().Get("paid") == f.order:
		// paid, or processing when a kill interrupted the confirm: the
		// background loop settles it, and waitPaid waits for that.
		return nil
	case u.Query().Get("failed") == f.order:
		d.problem("%s: the success callback redirected to the fail page: %s", f.order, loc)
		return fmt.Errorf("%s: success callback failed: %s", f.order, loc)
	}
	return fmt.Errorf("%s: success callback: %s, Location %q", f.order, a, loc)
}

func (d *driver) payVirtualAccount(ctx context.Context, f *flow) error {
	if _, err := d.expect(ctx, jsonRequest("POST", d.shop+"/payments/toss/virtual-account", map[string]any{
		"order_number": f.order, "amount": f.amount, "order_name": "Crash test " + f.kind.String(),
		"customer_name": "김토스", "bank": "20", "valid_hours": 24,
	}, nil), http.StatusOK, nil); err != nil {
		return err
	}
	// The customer pays into the account the shop showed; Toss sends
	// the deposit webhooks at once, whether the shop is up or not.
	var led tossLedger
	if _, err := d.expect(ctx, request{method: "GET", url: d.toss + "/control/orders/" + url.PathEscape(f.order)}, http.StatusOK, &led); err != nil {
		return err
	}
	key := ""
	for _, p := range led.Payments {
		if p.Status == "WAITING_FOR_DEPOSIT" {
			key = p.PaymentKey
		}
	}
	if key == "" {
		return fmt.Errorf("%s: Toss has no virtual account waiting for a deposit: %+v", f.order, led)
	}
	a, err := d.do(ctx, formRequest(d.toss+"/sandbox/deposit", url.Values{"paymentKey": {key}}))
	if err != nil {
		return err
	}
	if a.status != http.StatusOK {
		return fmt.Errorf("%s: deposit: %s", f.order, a)
	}
	return nil
}

func (d *driver) payCheckout(ctx context.Context, f *flow) error {
	var co struct {
		SessionID string `json:"session_id"`
		URL       string `json:"url"`
	}
	if _, err := d.expect(ctx, jsonRequest("POST", d.shop+"/payments/stripe/checkout", map[string]any{
		"order_number": f.order, "success_url": d.shop + "/?paid=" + f.order + "&session_id={CHECKOUT_SESSION_ID}",
		"cancel_url": d.shop + "/?canceled=" + f.order,
	}, nil), http.StatusOK, &co); err != nil {
		return err
	}
	if !strings.HasPrefix(co.URL, d.stripe+"/") {
		return fmt.Errorf("%s: checkout URL %q is not at the Stripe fake", f.order, co.URL)
	}
	// The customer pays on the hosted page, at "Stripe", which sends its
	// events to the shop.
	a, err := d.do(ctx, formRequest(co.URL, url.Values{"action": {"pay"}, "card": {"visa"}}))
	if err != nil {
		return err
	}
	if a.status != http.StatusSeeOther {
		return fmt.Errorf("%s: hosted checkout: %s", f.order, a)
	}
	if !f.verify {
		return nil
	}
	// Back on the shop's page, which verifies the session.
	if _, err := d.expect(ctx, jsonRequest("POST", d.shop+"/payments/stripe/verify", map[string]any{
		"order_number": f.order, "session_id": co.SessionID,
	}, nil), http.StatusOK, nil); err != nil {
		return err
	}
	return nil
}

// savedMethod is the card saved for one customer.
type savedMethod struct {
	mu sync.Mutex
	id string
}

// method returns the id of the card saved for customer, saving it first
// when no flow of the customer has: the customer's orders share it.
func (d *driver) method(ctx context.Context, customer string) (string, error) {
	d.methodsMu.Lock()
	m := d.methods[customer]
	if m == nil {
		m = &savedMethod{}
		d.methods[customer] = m
	}
	d.methodsMu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.id != "" {
		return m.id, nil
	}
	id, err := d.saveCard(ctx, customer)
	if err != nil {
		return "", err
	}
	m.id = id
	d.saves.Add(1)
	return id, nil
}

// saveCard saves a card for customer as the shop's page and the customer
// do: the billing-auth window's parameters from the shop, the window at
// "Toss", and Toss's redirect to the shop's callback, which issues the
// billing key and sends the browser on with the method's id.
func (d *driver) saveCard(ctx context.Context, customer string) (string, error) {
	var ready toss.BillingReadyResponse
	if _, err := d.expect(ctx, jsonRequest("POST", d.shop+"/payments/toss/billing/ready", map[string]any{
		"customer_id": customer, "success_url": d.shop + "/?saved=" + customer, "fail_url": d.shop + "/?unsaved=" + customer,
	}, d.admin()), http.StatusOK, &ready); err != nil {
		return "", err
	}
	w := ready.Toss
	a, err := d.expect(ctx, formRequest(d.toss+"/sandbox/billing", url.Values{
		"clientKey": {w.ClientKey}, "customerKey": {w.CustomerKey}, "method": {w.Request.Method},
		"successUrl": {w.Request.SuccessURL}, "failUrl": {w.Request.FailURL}, "action": {"approve"},
	}), http.StatusSeeOther, nil)
	if err != nil {
		return "", err
	}
	callback := a.header.Get("Location")
	if !strings.HasPrefix(callback, d.shop+"/payments/toss/billing/success?") {
		return "", fmt.Errorf("billing window of %s: redirected to %q, not to the success callback", customer, callback)
	}
	// A browser whose request failed reloads the callback.
	a, err = d.do(ctx, request{method: "GET", url: callback})
	if err != nil {
		return "", err
	}
	loc := a.header.Get("Location")
	u, err := url.Parse(loc)
	if a.status != http.StatusSeeOther || err != nil || !strings.HasPrefix(loc, d.shop+"/?") ||
		u.Query().Get("saved") != customer || u.Query().Get("method_id") == "" {
		d.problem("%s: the billing success callback answered %s, Location %q", customer, a, loc)
		return "", fmt.Errorf("%s: save the card: %s", customer, a)
	}
	return u.Query().Get("method_id"), nil
}

// payBilling charges the order with the customer's saved card through
// the admin route, as a subscription's scheduler does; with dupCharge
// twice at once.
func (d *driver) payBilling(ctx context.Context, f *flow) error {
	id, err := d.method(ctx, f.customer)
	if err != nil {
		return err
	}
	f.method = id
	if !f.dupCharge {
		return d.charge(ctx, f)
	}
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- d.charge(ctx, f) }()
	}
	err = errors.Join(<-errs, <-errs)
	d.dupCharges.Add(1)
	return err
}

// charge sends POST /payments/charge for f until the shop answers: 200
// with the payment, or 202 while its outcome is not known yet. It sends
// no Idempotency-Key, as a scheduler that only knows the order does not:
// the library's own guarantee keeps the order from being charged twice.
func (d *driver) charge(ctx context.Context, f *flow) error {
	a, err := d.doCounted(ctx, jsonRequest("POST", d.shop+"/payments/charge", map[string]any{
		"order_number": f.order, "method_id": f.method,
	}, d.admin()), &d.chargeRetries)
	if err != nil {
		return err
	}
	if a.status != http.StatusOK && a.status != http.StatusAccepted {
		d.problem("%s: charge: %s", f.order, a)
		return fmt.Errorf("%s: charge: %s", f.order, a)
	}
	return nil
}

// publicStatus is the part of GET /payments/status the driver reads.
type publicStatus struct {
	Status payments.Status `json:"status"`
}

// status reads the order's payment status as the customer's page does.
func (d *driver) status(ctx context.Context, order string) (publicStatus, error) {
	var v publicStatus
	_, err := d.expect(ctx, request{method: "GET", url: d.shop + "/payments/status?order_number=" + url.QueryEscape(order)}, http.StatusOK, &v)
	return v, err
}

// waitPaid waits until the shop has the payment paid. Where a webhook
// tells the shop (a deposit, a Stripe payment) it sends the order's
// webhooks again every second meanwhile, as the gateways retry a
// delivery that failed.
func (d *driver) waitPaid(ctx context.Context, f *flow) error {
	resendAt := time.Now().Add(time.Second)
	for {
		v, err := d.status(ctx, f.order)
		if err != nil {
			return err
		}
		if v.Status.Paid() {
			return nil
		}
		if v.Status.Final() {
			d.problem("%s: the payment ended %s, not paid", f.order, v.Status)
			return fmt.Errorf("%s: payment %s", f.order, v.Status)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: still %s: %w", f.order, v.Status, ctx.Err())
		}
		switch {
		case f.kind == tossCard || time.Now().Before(resendAt):
		case f.kind == tossBilling:
			// The charge is still processing (a kill cut it): a
			// scheduler asks again, which must not charge again.
			d.chargeRepeats.Add(1)
			_ = d.charge(ctx, f)
			resendAt = time.Now().Add(time.Second)
		default:
			d.gatewayResend.Add(1)
			d.resend(ctx, f, false)
			resendAt = time.Now().Add(time.Second)
		}
		sleep(ctx, 100*time.Millisecond)
	}
}

// resend has the gateway of f send every webhook it made for the order
// again. dup says the round is a planned duplicate, which is counted.
func (d *driver) resend(ctx context.Context, f *flow, dup bool) {
	base := d.toss
	if f.kind == stripeCheckout {
		base = d.stripe
	}
	var out []struct {
		Status int `json:"status"`
	}
	if _, err := d.expect(ctx, request{method: "POST", url: base + "/control/orders/" + url.PathEscape(f.order) + "/webhooks"}, http.StatusOK, &out); err != nil {
		d.problem("%s: the fake could not send its webhooks again: %v", f.order, err)
		return
	}
	for _, o := range out {
		if dup && o.Status == http.StatusOK {
			d.dupWebhooks.Add(1)
		}
	}
}

// refundAnswer is the part of the refund routes' answer the driver reads.
type refundAnswer struct {
	Refund struct {
		ID     string                `json:"id"`
		Amount payments.Amount       `json:"amount"`
		Status payments.RefundStatus `json:"status"`
	} `json:"refund"`
}

// refund asks for refund i of f (amount 0: the rest) with a stable
// Idempotency-Key, until the shop says it succeeded.
func (d *driver) refund(ctx context.Context, f *flow, i int, amount int64) error {
	body := map[string]any{"order_number": f.order, "reason": fmt.Sprintf("crash test refund %d", i+1)}
	if amount > 0 {
		body["amount"] = amount
	}
	route := d.shop + "/payments/toss/cancel"
	switch f.kind {
	case stripeCheckout:
		route = d.shop + "/payments/stripe/refund"
	case tossVirtualAccount:
		body["refund_receive_account"] = map[string]string{"bank": "20", "account_number": "1002123456789", "holder_name": "김토스"}
	}
	hdr := d.admin()
	hdr.Set("Idempotency-Key", fmt.Sprintf("%s-refund-%d", f.order, i+1))
	var ans refundAnswer
	a, err := d.do(ctx, jsonRequest("POST", route, body, hdr))
	if err != nil {
		return err
	}
	if a.status != http.StatusOK {
		d.problem("%s: refund %d: %s", f.order, i+1, a)
		return fmt.Errorf("%s: refund %d: %s", f.order, i+1, a)
	}
	if err := json.Unmarshal(a.body, &ans); err != nil {
		return fmt.Errorf("%s: refund %d: decode %s: %v", f.order, i+1, a, err)
	}
	id, amt, st := ans.Refund.ID, ans.Refund.Amount, ans.Refund.Status
	for st != payments.RefundSucceeded {
		if st == payments.RefundFailed {
			d.problem("%s: refund %d failed: %s", f.order, i+1, a)
			return fmt.Errorf("%s: refund %d failed", f.order, i+1)
		}
		// Pending: the outcome is not known yet and the shop settles it;
		// the admin follows the refund until it has.
		if ctx.Err() != nil {
			return fmt.Errorf("%s: refund %s still %s: %w", f.order, id, st, ctx.Err())
		}
		sleep(ctx, 100*time.Millisecond)
		p, err := d.store.Get(ctx, f.order)
		if err != nil {
			continue
		}
		r := p.Refund(id)
		if r == nil {
			d.problem("%s: refund %s answered %s is not in the store", f.order, id, st)
			return errors.New("refund lost")
		}
		st = r.Status
	}
	d.mu.Lock()
	d.refunds = append(d.refunds, okRefund{order: f.order, id: id, amount: amt})
	d.mu.Unlock()
	return nil
}
