package security_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/httpapi"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/stripe/stripetest"
	"github.com/payments-go/payments/toss"
	"github.com/payments-go/payments/toss/tosstest"
)

// The credentials of the sandboxes. The fakes accept only the right keys;
// the wrong ones are what a misconfigured application would send. All of
// them, and the admin token, must stay out of every log line, error and
// response.
const (
	tossSecretKey        = "test_sk_secRightTossKey00000001"
	tossWrongSecretKey   = "test_sk_secWrongTossKey00000002"
	tossClientKey        = "test_ck_secTossClientKey0000001"
	stripeSecretKey      = "sk_test_secRightStripeKey000001"
	stripeWrongSecretKey = "sk_test_secWrongStripeKey000002"
	webhookSecret        = "whsec_secWebhookSigningSecret01"
	adminToken           = "sec-admin-token-3b9f1e7d5c2a"

	shopOrigin = "https://shop.example"
	successURL = shopOrigin + "/pay/success"
	failURL    = shopOrigin + "/pay/fail"
	cancelURL  = shopOrigin + "/pay/cancel"
	returnURL  = shopOrigin + "/pay/return"
)

// Orders of every environment: KRW ones for Toss, USD ones for Stripe.
func krwOrder(i int) string { return fmt.Sprintf("SEC-K%03d", i) }
func usdOrder(i int) string { return fmt.Sprintf("SEC-U%03d", i) }

func krwAmount(i int) int64 { return 15000 + int64(i)*100 }
func usdAmount(i int) int64 { return 2000 + int64(i)*10 }

const ordersPerCurrency = 40

// envOptions vary an environment.
type envOptions struct {
	// noAuthorizer leaves httpapi.Config.Authorize nil.
	noAuthorizer bool
	// wrongKeys builds the gateways with keys the fakes do not accept.
	wrongKeys bool
}

// env is a shop: httpapi mounted on an httptest server, the real
// gateways against tosstest and stripetest. Every log line of the service,
// the handlers, the Toss client, the Stripe gateway (and stripe-go) and
// the shop's http.Server goes to one buffer; every response the shop
// sends is recorded; errors the test gets from the service are collected.
// At cleanup all of it is scanned for secrets.
type env struct {
	t          *testing.T
	tossFake   *tosstest.Server
	tossAPI    *httptest.Server
	stripeFake *stripetest.Server
	stripeAPI  *httptest.Server
	svc        *payments.Service
	handler    http.Handler
	shop       *httptest.Server
	client     *http.Client // a browser: records responses, follows no redirects

	logs lockedBuffer

	mu        sync.Mutex
	responses []recorded
	errs      []error

	// customerKeys are the Toss customerKeys handed out, by customer id,
	// and billingKeys the billing keys seen, by key (methods_test.go).
	customerKeys map[string]string
	billingKeys  map[string]string
}

type recorded struct {
	method, path string
	status       int
	header       http.Header
	body         []byte
}

func newEnv(t *testing.T, opts envOptions) *env {
	t.Helper()
	e := &env{t: t}
	logger := slog.New(slog.NewJSONHandler(&e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	e.tossFake, e.tossAPI = tosstest.NewTestServer(t, tosstest.Config{SecretKeys: []string{tossSecretKey}, ClientKey: tossClientKey})
	e.stripeFake, e.stripeAPI = stripetest.NewTestServer(t, stripetest.Config{APIKeys: []string{stripeSecretKey}, WebhookSecret: webhookSecret})

	tk, sk := tossSecretKey, stripeSecretKey
	if opts.wrongKeys {
		tk, sk = tossWrongSecretKey, stripeWrongSecretKey
	}
	tc, err := toss.NewClient(toss.ClientConfig{SecretKey: payments.Secret(tk), BaseURL: e.tossAPI.URL, Logger: logger, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := toss.NewGateway(toss.GatewayConfig{Client: tc})
	if err != nil {
		t.Fatal(err)
	}
	sg, err := stripe.New(stripe.Config{SecretKey: payments.Secret(sk), BaseURL: e.stripeAPI.URL, Logger: logger, MaxNetworkRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	book := payments.NewOrderBook()
	for i := 1; i <= ordersPerCurrency; i++ {
		must(t, book.Add(payments.Order{Number: krwOrder(i), Name: "보안 테스트 주문 " + strconv.Itoa(i), Amount: payments.Amount(krwAmount(i)), Currency: payments.KRW}))
		must(t, book.Add(payments.Order{Number: usdOrder(i), Name: "Security test order " + strconv.Itoa(i), Amount: payments.Amount(usdAmount(i)), Currency: payments.USD,
			Customer: payments.Customer{Email: "buyer@example.com"}}))
	}
	e.svc, err = payments.NewService(payments.Config{Store: memstore.New(), Orders: book, Gateways: []payments.Gateway{tg, sg}, Logger: logger,
		Trace: recordingTrace(&e.logs), HandleEvent: func(context.Context, payments.Event) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}

	var mux http.Handler
	e.shop = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { mux.ServeHTTP(w, r) }))
	e.shop.Config.ErrorLog = log.New(&e.logs, "http.Server: ", 0)
	cfg := httpapi.Config{
		Service:        e.svc,
		PublicURL:      "http://" + e.shop.Listener.Addr().String(),
		AllowedOrigins: []string{shopOrigin},
		Toss:           &httpapi.TossConfig{ClientKey: tossClientKey},
		Stripe:         &httpapi.StripeConfig{WebhookSecret: webhookSecret},
		Logger:         logger,
	}
	if !opts.noAuthorizer {
		cfg.Authorize = payments.BearerToken(adminToken)
	}
	h, err := httpapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.handler, mux = h, h
	e.shop.Start()
	t.Cleanup(e.shop.Close)

	e.client = &http.Client{
		Transport:     recordingTransport{e: e, next: http.DefaultTransport},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
	// Registered last, so it runs first: the servers are still up.
	t.Cleanup(e.scanForSecrets)
	return e
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// recordingTransport keeps a copy of every response.
type recordingTransport struct {
	e    *env
	next http.RoundTripper
}

func (rt recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := rt.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	rt.e.record(recorded{method: req.Method, path: req.URL.Path, status: resp.StatusCode, header: resp.Header.Clone(), body: body})
	return resp, nil
}

// record keeps a response, to be scanned at cleanup.
func (e *env) record(r recorded) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.responses = append(e.responses, r)
}

// collect keeps an error the test got, to be scanned at cleanup, and
// returns it.
func (e *env) collect(err error) error {
	if err != nil {
		e.mu.Lock()
		e.errs = append(e.errs, err)
		e.mu.Unlock()
	}
	return err
}

// ---------------------------------------------------------------------------
// Requests.

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) String() string { return fmt.Sprintf("%d %s", a.status, bytes.TrimSpace(a.body)) }

// code is the error code of an error envelope, "" otherwise.
func (a answer) code() payments.ErrorCode {
	var v struct {
		Error struct {
			Code payments.ErrorCode `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(a.body, &v)
	return v.Error.Code
}

// field reads a top-level string field of a JSON answer.
func (a answer) field(name string) string {
	var v map[string]any
	_ = json.Unmarshal(a.body, &v)
	s, _ := v[name].(string)
	return s
}

func (e *env) do(req *http.Request) answer {
	e.t.Helper()
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: body}
}

// post sends body (JSON-encoded unless it is []byte or string) to the
// shop with the given header pairs.
func (e *env) post(path string, body any, header ...string) answer {
	e.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(body); err != nil {
			e.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(http.MethodPost, e.shop.URL+path, bytes.NewReader(raw))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	return e.do(req)
}

func (e *env) get(target string, header ...string) answer {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.shop.URL+target, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.do(req)
}

// payment returns the stored payment of order (nil if there is none).
func (e *env) payment(order string) *payments.Payment {
	e.t.Helper()
	p, err := e.svc.Payment(context.Background(), order)
	if payments.Code(err) == payments.CodePaymentNotFound {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *env) status(order string) payments.Status {
	e.t.Helper()
	if p := e.payment(order); p != nil {
		return p.Status
	}
	return ""
}

// ---------------------------------------------------------------------------
// Flows.

func readyBody(i int) map[string]any {
	return map[string]any{
		"order_number": krwOrder(i), "amount": krwAmount(i), "order_name": "보안 테스트", "method": "CARD",
		"success_url": successURL, "fail_url": failURL,
	}
}

func checkoutBody(i int) map[string]any {
	return map[string]any{"order_number": usdOrder(i), "success_url": successURL + "?session_id={CHECKOUT_SESSION_ID}", "cancel_url": cancelURL}
}

// tossReady records a Toss card attempt for order i.
func (e *env) tossReady(i int) {
	e.t.Helper()
	if a := e.post("/payments/toss/ready", readyBody(i)); a.status != http.StatusOK {
		e.t.Fatalf("ready %s: %s", krwOrder(i), a)
	}
}

// tossAuthorize plays the customer in the payment window.
func (e *env) tossAuthorize(i int) string {
	e.t.Helper()
	key, err := e.tossFake.Authorize(krwOrder(i), krwAmount(i), "보안 테스트", "CARD")
	if err != nil {
		e.t.Fatal(err)
	}
	return key
}

func successTarget(order, key string, amount int64) string {
	return "/payments/toss/success?" + url.Values{"paymentKey": {key}, "orderId": {order}, "amount": {strconv.FormatInt(amount, 10)}}.Encode()
}

// payToss pays order i through Toss and returns the paymentKey.
func (e *env) payToss(i int) string {
	e.t.Helper()
	e.tossReady(i)
	key := e.tossAuthorize(i)
	a := e.get(successTarget(krwOrder(i), key, krwAmount(i)))
	if a.status != http.StatusSeeOther || e.status(krwOrder(i)) != payments.StatusPaid {
		e.t.Fatalf("success callback of %s: %s, status %s", krwOrder(i), a, e.status(krwOrder(i)))
	}
	return key
}

// stripeCheckout creates the Checkout Session of order i and returns its id.
func (e *env) stripeCheckout(i int) string {
	e.t.Helper()
	a := e.post("/payments/stripe/checkout", checkoutBody(i))
	if a.status != http.StatusOK || !strings.HasPrefix(a.field("session_id"), "cs_") {
		e.t.Fatalf("checkout %s: %s", usdOrder(i), a)
	}
	return a.field("session_id")
}

// payStripe pays order i through Stripe Checkout and returns the session.
func (e *env) payStripe(i int) string {
	e.t.Helper()
	cs := e.stripeCheckout(i)
	if err := e.stripeFake.CompleteSession(cs, stripetest.PMVisa); err != nil {
		e.t.Fatal(err)
	}
	if a := e.post("/payments/stripe/verify", map[string]any{"order_number": usdOrder(i), "session_id": cs}); a.status != http.StatusOK || a.field("status") != "paid" {
		e.t.Fatalf("verify %s: %s", usdOrder(i), a)
	}
	return cs
}

// ---------------------------------------------------------------------------
// The secret scan.

// secrets returns every secret value of the environment with a name: the
// keys (right and wrong) and the Toss keys' Basic-auth forms, the webhook
// secret, the admin token, the Toss deposit secrets and the Stripe
// PaymentIntent client secrets.
func (e *env) secrets() (fixed map[string]string, clientSecrets map[string]string) {
	fixed = map[string]string{
		"Toss secret key":                    tossSecretKey,
		"wrong Toss secret key":              tossWrongSecretKey,
		"Toss secret key, Basic auth":        basic(tossSecretKey),
		"wrong Toss secret key, Basic auth":  basic(tossWrongSecretKey),
		"Toss secret key, Basic auth, no =":  strings.TrimRight(basic(tossSecretKey), "="),
		"Stripe secret key":                  stripeSecretKey,
		"wrong Stripe secret key":            stripeWrongSecretKey,
		"Stripe secret key, Basic auth":      basic(stripeSecretKey),
		"Stripe webhook secret":              webhookSecret,
		"admin token":                        adminToken,
		"Stripe webhook secret, without tag": strings.TrimPrefix(webhookSecret, "whsec_"),
	}
	clientSecrets = map[string]string{}
	ctx := context.Background()
	// Deposit secrets: every Toss payment named in a call to the fake or
	// in an attempt of the service.
	ids := map[string]bool{}
	for _, c := range e.tossFake.Calls() {
		ids[c.PaymentKey], ids[c.OrderID] = true, true
	}
	for i := 1; i <= ordersPerCurrency; i++ {
		if p, err := e.svc.Payment(ctx, krwOrder(i)); err == nil {
			for _, a := range p.Attempts {
				ids[a.Reference], ids[a.GatewayOrderID] = true, true
			}
		}
	}
	for id := range ids {
		if p, ok := e.tossFake.Payment(id); id != "" && ok && p.Secret != nil {
			fixed["deposit secret of "+p.OrderID] = *p.Secret
		}
	}
	for _, wh := range e.tossFake.Webhooks() {
		var v struct {
			Secret  string `json:"secret"`
			OrderID string `json:"orderId"`
		}
		if json.Unmarshal(wh.Body, &v) == nil && v.Secret != "" {
			fixed["deposit secret of "+v.OrderID] = v.Secret
		}
	}
	// Client secrets: every PaymentIntent of every payment, read from the
	// fake with a client that logs nothing.
	api := client.New(stripeSecretKey, stripego.NewBackendsWithConfig(&stripego.BackendConfig{
		URL: stripego.String(e.stripeAPI.URL), LeveledLogger: &stripego.LeveledLogger{Level: stripego.LevelNull},
	}))
	for i := 1; i <= ordersPerCurrency; i++ {
		for _, order := range []string{krwOrder(i), usdOrder(i)} {
			p, err := e.svc.Payment(ctx, order)
			if err != nil {
				continue
			}
			for _, a := range p.Attempts {
				ids := []string{a.Reference}
				if strings.HasPrefix(a.Session, "cs_") {
					if cs, err := api.CheckoutSessions.Get(a.Session, nil); err == nil && cs.PaymentIntent != nil {
						ids = append(ids, cs.PaymentIntent.ID)
					}
				}
				for _, id := range ids {
					if !strings.HasPrefix(id, "pi_") {
						continue
					}
					if pi, err := api.PaymentIntents.Get(id, nil); err == nil && pi.ClientSecret != "" {
						clientSecrets["client secret of "+id] = pi.ClientSecret
					}
				}
			}
		}
	}
	// Saved payment methods: the gateways' handles (Toss billing keys,
	// Stripe payment method ids) and customers (Toss customerKeys, Stripe
	// customer ids), and every billing key the Toss fake issued.
	for _, c := range savedCustomers {
		ms, _ := e.svc.Methods(ctx, c)
		for _, m := range ms {
			if m.Gateway == "stripe" {
				// Stripe's pm_ and cus_ ids are object ids, not
				// credentials: stripe-go's debug log shows them, as it
				// shows pi_ ids, and the *stripego.Error kept in an
				// error's chain holds them. They must still never reach
				// a response.
				fixed[stripeIDPrefix+"payment method of "+m.ID] = m.Token.Reveal()
				fixed[stripeIDPrefix+"customer of "+m.ID] = m.GatewayCustomer.Reveal()
				continue
			}
			fixed["gateway handle of "+m.ID] = m.Token.Reveal()
			fixed["gateway customer of "+m.ID] = m.GatewayCustomer.Reveal()
		}
		if key := e.customerKeys[c]; key != "" {
			fixed["Toss customerKey of "+c] = key
		}
	}
	for i, k := range e.tossFake.BillingKeys() {
		fixed["Toss billing key #"+strconv.Itoa(i)] = k
	}
	for k, name := range e.billingKeys {
		fixed[name] = k
	}
	return fixed, clientSecrets
}

func basic(key string) string { return base64.StdEncoding.EncodeToString([]byte(key + ":")) }

// scanForSecrets fails the test if a secret appears in a log line, an
// error the test collected (as %v, %+v and %#v, and every error of its
// chain) or a response of the shop (status line, headers, body). A
// PaymentIntent's client secret may appear in exactly one place: the body
// of the POST /payments/stripe/intent answer that created it, for the
// customer's browser, as Stripe intends.
func (e *env) scanForSecrets() {
	leaks, stats := e.leaks()
	for i, l := range leaks {
		if i == 20 {
			e.t.Errorf("… %d leaks in all", len(leaks))
			break
		}
		e.t.Error(l)
	}
	if testing.Verbose() {
		e.t.Logf("secret scan: %s", stats)
	}
}

// leaks lists where secrets appear; see scanForSecrets.
func (e *env) leaks() (found []string, stats string) {
	fixed, clientSecrets := e.secrets()
	type text struct{ where, s string }
	var texts []text
	logs := e.logs.String()
	for i, line := range strings.Split(logs, "\n") {
		texts = append(texts, text{"log line " + strconv.Itoa(i+1), line})
	}
	e.mu.Lock()
	errs := append([]error(nil), e.errs...)
	responses := append([]recorded(nil), e.responses...)
	e.mu.Unlock()
	for i, err := range errs {
		for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			texts = append(texts, text{fmt.Sprintf("error #%d formatted with %s", i, f), fmt.Sprintf(f, err)})
		}
		for j, inner := range chain(err) {
			texts = append(texts, text{fmt.Sprintf("error #%d, cause #%d (%T)", i, j, inner), fmt.Sprintf("%v %+v", inner, inner)})
		}
	}
	intentBodies := 0
	for i, r := range responses {
		where := fmt.Sprintf("response #%d to %s %s", i, r.method, r.path)
		var hdr strings.Builder
		_ = r.header.Write(&hdr)
		texts = append(texts, text{where + " (headers)", hdr.String()})
		if r.method == http.MethodPost && r.path == "/payments/toss/billing/ready" {
			// This answer hands the customer's own customerKey to their
			// browser, as the v2 SDK needs; it may hold nothing else.
			texts = append(texts, text{where + " (body; its own customerKey allowed)", strings.ReplaceAll(string(r.body), customerKeyIn(r.body), "")})
			continue
		}
		if r.method == http.MethodPost && r.path == "/payments/stripe/intent" {
			intentBodies++
			// Only this answer may hold a client secret, and only its own.
			texts = append(texts, text{where + " (body; its own client secret allowed)", strings.ReplaceAll(string(r.body), clientSecretIn(r.body), "")})
			continue
		}
		texts = append(texts, text{where + " (body)", string(r.body)})
	}
	for _, tx := range texts {
		for _, set := range []map[string]string{fixed, clientSecrets} {
			for name, secret := range set {
				if strings.HasPrefix(name, stripeIDPrefix) && !strings.HasPrefix(tx.where, "response ") {
					continue
				}
				if secret != "" && strings.Contains(tx.s, secret) {
					found = append(found, fmt.Sprintf("%s leaks the %s:\n%s", tx.where, name, clip(tx.s, 600)))
				}
			}
		}
	}
	stats = fmt.Sprintf("%d secrets and %d client secrets, over %d log lines, %d errors, %d responses (%d /intent answers)",
		len(fixed), len(clientSecrets), strings.Count(logs, "\n"), len(errs), len(responses), intentBodies)
	return found, stats
}

// stripeIDPrefix names the Stripe ids the scan looks for in responses
// only.
const stripeIDPrefix = "Stripe id: "

func customerKeyIn(body []byte) string {
	var v struct {
		Toss struct {
			CustomerKey string `json:"customer_key"`
		} `json:"toss"`
	}
	if json.Unmarshal(body, &v) != nil || v.Toss.CustomerKey == "" {
		return "\x00never"
	}
	return v.Toss.CustomerKey
}

func clientSecretIn(body []byte) string {
	var v struct {
		ClientSecret string `json:"client_secret"`
	}
	if json.Unmarshal(body, &v) != nil || v.ClientSecret == "" {
		return "\x00never"
	}
	return v.ClientSecret
}

// chain lists err's causes, depth first, through Unwrap() error and
// Unwrap() []error, and the values some causes keep in exported fields
// (a *stripego.Error's PaymentIntent).
func chain(err error) []any {
	var out []any
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		out = append(out, err)
		var se *stripego.Error
		if errors.As(err, &se) && se.PaymentIntent != nil {
			out = append(out, se.PaymentIntent)
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
	// Also every exported field of a cause, printed with %+v.
	n := len(out)
	for _, x := range out[:n] {
		v := reflect.Indirect(reflect.ValueOf(x))
		if v.Kind() != reflect.Struct {
			continue
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out = append(out, v.Field(i).Interface())
			}
		}
	}
	return out
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// lockedBuffer is a goroutine-safe bytes.Buffer for the captured logs.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// recordingTrace writes everything every hook of a payments.Trace sees
// into w, as JSON lines, so that the secret scan of the logs covers the
// telemetry too.
func recordingTrace(w io.Writer) *payments.Trace {
	rec := func(kind string, vs ...any) {
		for _, v := range vs {
			if err, ok := v.(error); ok && err != nil {
				v = err.Error()
			}
			b, err := json.Marshal(v)
			if err != nil {
				b = []byte(fmt.Sprintf("%+v", v))
			}
			_, _ = w.Write([]byte("trace " + kind + " " + string(b) + "\n"))
		}
	}
	return &payments.Trace{
		RouteStart:       func(ctx context.Context, r payments.Route) context.Context { rec("route", r); return ctx },
		RouteDone:        func(_ context.Context, r payments.Route, res payments.RouteResult) { rec("route_done", r, res) },
		GatewayCallStart: func(ctx context.Context, c payments.GatewayCall) context.Context { rec("call", c); return ctx },
		GatewayCallDone: func(_ context.Context, c payments.GatewayCall, res payments.GatewayCallResult) {
			rec("call_done", c, res)
		},
		Changed: func(_ context.Context, e payments.Event) { rec("changed", e) },
		Webhook: func(_ context.Context, wh payments.WebhookResult) { rec("webhook", wh) },
		EventDelivered: func(_ context.Context, d payments.DeliveryResult) {
			rec("delivered", d.Event, d.Err, d.Try, d.Lag, d.Dead)
		},
		Reconciled: func(_ context.Context, c payments.Change) { rec("reconciled", c) },
	}
}
