package load_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/httpapi"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/refund"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/stripe/stripetest"
	"github.com/payments-go/payments/toss"
	"github.com/payments-go/payments/toss/tosstest"
)

// The sandbox credentials of the run. They open only the in-process fakes.
const (
	tossSecretKey   = "test_sk_loadRunSecretKey00000001"
	tossClientKey   = "test_ck_loadRunClientKey00000001"
	stripeSecretKey = "sk_test_loadRunSecretKey00000001"
	webhookSecret   = "whsec_loadRunWebhookSecret000001"
	adminToken      = "load-run-admin-token-6f1d2a9c0b"
	shopOrigin      = "https://shop.example"
	successURL      = shopOrigin + "/pay/success"
	failURL         = shopOrigin + "/pay/fail"
	cancelURL       = shopOrigin + "/pay/cancel"

	// clients is the number of concurrent client goroutines.
	clients = 64
	// hostilePercent of the requests are malformed or hostile.
	hostilePercent = 5
)

// Leak tolerances (see the package documentation).
const (
	goroutineSlack = 8
	heapSlack      = 8 << 20
	settleTimeout  = 5 * time.Second
)

// plan sizes a run.
type plan struct {
	tossOrders   int // KRW orders paid through Toss
	stripeOrders int // USD orders paid through Stripe
	requests     int // total requests, at least
}

func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: skipped in -short mode")
	}
	pl := plan{tossOrders: 1500, stripeOrders: 500, requests: 20000}
	if raceEnabled {
		// The race detector slows everything about tenfold: send the
		// minimum the issue asks for, with the same concurrency.
		pl.requests = 10000
	}

	// A small run first, so that one-time global state (encoding/json's
	// per-type caches, stripe-go's form encoders) is part of the baseline
	// and the comparison below measures what the big run leaves behind.
	runLoad(t, plan{tossOrders: 60, stripeOrders: 20, requests: 400})
	if t.Failed() {
		t.FailNow()
	}
	g0, h0 := settleRuntime()
	rep := runLoad(t, pl)
	// Everything runLoad built is shut down and unreachable now.
	g1 := waitGoroutines(g0, settleTimeout)
	_, h1 := settleRuntime()

	t.Logf("requests: %d (%d hostile or malformed) from %d clients in %v: %.0f req/s",
		rep.requests, rep.hostile, clients, rep.elapsed.Round(time.Millisecond), float64(rep.requests)/rep.elapsed.Seconds())
	t.Logf("latency: p50 %v, p99 %v, max %v", rep.p50, rep.p99, rep.max)
	t.Logf("statuses: %s", rep.statuses)
	t.Logf("5xx: %d (to hostile requests: %d); transport errors: %d; panics: %d",
		rep.fiveXX, rep.hostile5xx, rep.transportErrs, rep.panics)
	t.Logf("goroutines: %d before the run; %d with the servers up before the first request, %d after the run with idle connections closed; %d after shutdown",
		g0, rep.goroutinesUp, rep.goroutinesAfterRun, g1)
	t.Logf("heap in use: %s before the run, %s after shutdown (limit %s)", mib(h0), mib(h1), mib(2*h0+heapSlack))
	fmt.Printf("load: %d requests (%d hostile), %d clients, %.0f req/s, p50 %v, p99 %v, max %v, 5xx %d, panics %d, goroutines %d→%d (servers up %d→%d), heap %s→%s\n",
		rep.requests, rep.hostile, clients, float64(rep.requests)/rep.elapsed.Seconds(), rep.p50, rep.p99, rep.max,
		rep.fiveXX, rep.panics, g0, g1, rep.goroutinesUp, rep.goroutinesAfterRun, mib(h0), mib(h1))

	if rep.requests < 10000 {
		t.Errorf("sent %d requests, want at least 10,000", rep.requests)
	}
	if g1 > g0+goroutineSlack {
		t.Errorf("goroutines after shutdown = %d, baseline %d: leaked goroutines\n%s", g1, g0, goroutineDump())
	}
	if h1 > 2*h0+heapSlack {
		t.Errorf("heap in use after shutdown = %s, baseline %s: more than 2× + 8 MiB", mib(h1), mib(h0))
	}
}

// report is what a run measured.
type report struct {
	requests, hostile                 int
	elapsed                           time.Duration
	p50, p99, max                     time.Duration
	statuses                          string
	fiveXX, hostile5xx, transportErrs int
	panics                            int64
	goroutinesUp, goroutinesAfterRun  int
}

// runLoad builds the shop and the sandboxes, runs the three phases, checks
// the outcome, and shuts everything down before it returns.
func runLoad(t *testing.T, pl plan) *report {
	e := newEnv(t, pl)
	defer e.shutdown()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()

	rep := &report{goroutinesUp: waitGoroutines(0, 0)}
	tl := &tally{byStatus: map[int]int{}}
	rng := rand.New(rand.NewPCG(1, 2))

	// Budget: every flow request is fixed by the plan; hostile requests
	// are 5% of the total and status reads fill up to pl.requests.
	w := newWorkload(e, pl, rng)
	p1, p2, p3 := w.prepareGroups(), w.completeGroups(), w.afterGroups()
	flows := countOps(p1) + countOps(p2) + countOps(p3)
	hostileBudget := (pl.requests*hostilePercent + 99) / 100
	genericHostile := hostileBudget - w.tamperedOps()
	filler := max(pl.requests-flows-genericHostile, 0) // flows include the tampered callbacks
	split := func(n int) (int, int, int) { a, b := n*3/10, n*4/10; return a, b, n - a - b }
	h1, h2, h3 := split(genericHostile)
	f1, f2, f3 := split(filler)

	// Phase 1: prepare.
	ops := w.mix(p1, h1, f1)
	res, d := e.run(ctx, ops)
	tl.addAll(ops, res)
	rep.elapsed += d
	if t.Failed() || ctx.Err() != nil {
		t.Fatalf("phase 1 failed:\n%s", tl.failureText())
	}

	// The customers pay: Toss payment window approvals (some scripted to
	// decline), Stripe Checkout completions (some declined).
	w.pay(t)

	// Phase 2: callbacks, verifications, webhooks, confirms.
	ops = w.mix(w.completeGroups(), h2, f2)
	res, d = e.run(ctx, ops)
	tl.addAll(ops, res)
	rep.elapsed += d

	// Phase 3: webhooks again, refunds, refreshed status reads.
	ops = w.mix(w.afterGroups(), h3, f3)
	res, d = e.run(ctx, ops)
	tl.addAll(ops, res)
	rep.elapsed += d

	tl.summarize(rep)
	rep.panics = e.panics.Load()
	if rep.panics != 0 || strings.Contains(e.serverLog.String(), "panic") {
		t.Errorf("handlers panicked %d times:\n%s\n%s", rep.panics, strings.Join(e.panicReports(), "\n"), e.serverLog.String())
	}
	if rep.hostile5xx != 0 {
		t.Errorf("%d hostile or malformed requests were answered with 5xx", rep.hostile5xx)
	}
	if rep.fiveXX != 0 {
		t.Errorf("%d requests were answered with 5xx", rep.fiveXX)
	}
	if tl.nFailures > 0 {
		t.Errorf("%d requests got an unexpected answer:\n%s", tl.nFailures, tl.failureText())
	}

	w.checkExactlyOnce(t)
	w.checkEvents(t)

	// Leaks while the servers are up: once the clients' idle connections
	// are closed, only the goroutines that were there before the first
	// request may remain.
	e.tossFake.FlushWebhooks()
	e.closeIdle()
	rep.goroutinesAfterRun = waitGoroutines(rep.goroutinesUp, settleTimeout)
	if rep.goroutinesAfterRun > rep.goroutinesUp+goroutineSlack {
		t.Errorf("goroutines with the servers up: %d before the first request, %d after the run: leaked goroutines\n%s",
			rep.goroutinesUp, rep.goroutinesAfterRun, goroutineDump())
	}
	return rep
}

// ---------------------------------------------------------------------------
// The environment: sandboxes, gateways, service, shop.

type env struct {
	tossFake   *tosstest.Server
	tossAPI    *httptest.Server
	stripeFake *stripetest.Server
	stripeAPI  *httptest.Server
	shop       *httptest.Server
	svc        *payments.Service
	client     *http.Client
	transports []*http.Transport

	panics    atomic.Int64
	panicMu   sync.Mutex
	panicLog  []string
	serverLog lockedBuffer
	closeOnce sync.Once

	events  eventLog
	stopRun func() // stops the Service's Run and waits for it
}

// eventLog is the application's event handler: it records, by order, the
// seqs of the events handed over, and how often each event id came.
type eventLog struct {
	mu   sync.Mutex
	seqs map[string][]int64
	ids  map[string]int
}

func (l *eventLog) handle(_ context.Context, e payments.Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seqs[e.OrderNumber] = append(l.seqs[e.OrderNumber], e.Seq)
	l.ids[e.ID]++
	return nil
}

func newTransport() *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
	}
}

func newEnv(t *testing.T, pl plan) *env {
	t.Helper()
	e := &env{events: eventLog{seqs: map[string][]int64{}, ids: map[string]int{}}}
	tr := func() *http.Transport {
		x := newTransport()
		e.transports = append(e.transports, x)
		return x
	}

	// The shop first: the Toss fake sends its webhooks there.
	var handler atomic.Value
	e.shop = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.Load().(http.Handler).ServeHTTP(w, r)
	}))
	e.shop.Config.ErrorLog = log.New(&e.serverLog, "shop: ", 0)
	e.shop.Start()

	e.tossFake = tosstest.New(tosstest.Config{
		SecretKeys:    []string{tossSecretKey},
		ClientKey:     tossClientKey,
		WebhookURL:    e.shop.URL + "/payments/toss/webhook",
		WebhookClient: &http.Client{Transport: tr(), Timeout: 30 * time.Second},
	})
	e.tossAPI = httptest.NewServer(e.tossFake)
	e.stripeFake = stripetest.New(stripetest.Config{APIKeys: []string{stripeSecretKey}, WebhookSecret: webhookSecret})
	e.stripeAPI = httptest.NewServer(e.stripeFake)

	tc, err := toss.NewClient(toss.ClientConfig{
		SecretKey: tossSecretKey, BaseURL: e.tossAPI.URL, RetryBackoff: 5 * time.Millisecond,
		HTTPClient: &http.Client{Transport: tr(), Timeout: 30 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := toss.NewGateway(toss.GatewayConfig{Client: tc})
	if err != nil {
		t.Fatal(err)
	}
	sg, err := stripe.New(stripe.Config{
		SecretKey: stripeSecretKey, BaseURL: e.stripeAPI.URL,
		HTTPClient: &http.Client{Transport: tr(), Timeout: 30 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}

	orders := payments.NewOrderBook()
	for i := range pl.tossOrders {
		o := tossOrderAt(i)
		if err := orders.Add(payments.Order{Number: o.number, Name: o.name, Amount: payments.Amount(o.amount), Currency: payments.KRW}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range pl.stripeOrders {
		o := stripeOrderAt(i)
		if err := orders.Add(payments.Order{Number: o.number, Name: o.name, Amount: payments.Amount(o.amount), Currency: payments.USD}); err != nil {
			t.Fatal(err)
		}
	}
	e.svc, err = payments.NewService(payments.Config{
		Store: memstore.New(), Orders: orders, Gateways: []payments.Gateway{tg, sg},
		// The events are delivered while the load runs; the sweep is left
		// out, so that only the requests change the payments.
		HandleEvent: e.events.handle, Delivery: &payments.DeliveryOptions{SweepInterval: time.Hour},
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancelRun := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	go func() {
		defer close(runDone)
		if err := e.svc.Run(runCtx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	e.stopRun = func() {
		cancelRun()
		<-runDone
	}
	api, err := httpapi.New(httpapi.Config{
		Service:        e.svc,
		PublicURL:      e.shop.URL,
		AllowedOrigins: []string{shopOrigin},
		Authorize:      payments.BearerToken(adminToken),
		Toss:           &httpapi.TossConfig{ClientKey: tossClientKey},
		Stripe:         &httpapi.StripeConfig{WebhookSecret: webhookSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	handler.Store(e.recoverer(api))

	e.client = &http.Client{
		Transport: tr(),
		Timeout:   2 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a browser's redirects are checked, not followed
		},
	}
	return e
}

// recoverer counts panics of the handlers (and answers 500, which the
// test counts too) instead of letting net/http swallow them.
func (e *env) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				e.panics.Add(1)
				buf := make([]byte, 16<<10)
				buf = buf[:runtime.Stack(buf, false)]
				e.panicMu.Lock()
				e.panicLog = append(e.panicLog, fmt.Sprintf("%s %s: %v\n%s", r.Method, r.URL.Path, v, buf))
				e.panicMu.Unlock()
				w.WriteHeader(http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (e *env) panicReports() []string {
	e.panicMu.Lock()
	defer e.panicMu.Unlock()
	return slices.Clone(e.panicLog)
}

func (e *env) closeIdle() {
	for _, tr := range e.transports {
		tr.CloseIdleConnections()
	}
}

// shutdown stops everything newEnv started, webhooks first.
func (e *env) shutdown() {
	e.closeOnce.Do(func() {
		e.stopRun()
		e.tossFake.FlushWebhooks()
		e.shop.Close()
		e.tossAPI.Close()
		e.tossFake.Close()
		e.stripeFake.Close()
		e.stripeAPI.Close()
		e.closeIdle()
	})
}

// ---------------------------------------------------------------------------
// Requests and their outcomes.

// op is one request and what its answer must be.
type op struct {
	kind    string // for failure messages
	hostile bool
	method  string
	target  string // path and query on the shop
	body    []byte
	header  http.Header
	// want lists the acceptable statuses; check, if set, looks closer.
	want  []int
	check func(r *result) error
}

type result struct {
	status  int
	header  http.Header
	body    []byte
	latency time.Duration
	err     error
}

// group is a set of requests sent back to back, so that different clients
// send them at the same time (duplicate callbacks, webhook redeliveries).
type group []*op

var jsonHeader = http.Header{"Content-Type": {"application/json"}}

func jsonBytes(v any) []byte {
	switch b := v.(type) {
	case []byte:
		return b
	case string:
		return []byte(b)
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func post(kind, target string, body any, hdr http.Header, want ...int) *op {
	if hdr == nil {
		hdr = jsonHeader
	}
	return &op{kind: kind, method: http.MethodPost, target: target, body: jsonBytes(body), header: hdr, want: want}
}

func get(kind, target string, want ...int) *op {
	return &op{kind: kind, method: http.MethodGet, target: target, want: want}
}

func adminHeader(idempotencyKey string) http.Header {
	return http.Header{
		"Content-Type":    {"application/json"},
		"Authorization":   {"Bearer " + adminToken},
		"Idempotency-Key": {idempotencyKey},
	}
}

func (e *env) do(ctx context.Context, o *op) result {
	var body io.Reader
	if o.body != nil {
		body = bytes.NewReader(o.body)
	}
	req, err := http.NewRequestWithContext(ctx, o.method, e.shop.URL+o.target, body)
	if err != nil {
		return result{err: err}
	}
	for k, vs := range o.header {
		req.Header[k] = vs
	}
	start := time.Now()
	resp, err := e.client.Do(req)
	if err != nil {
		return result{err: err, latency: time.Since(start)}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	_ = resp.Body.Close()
	return result{status: resp.StatusCode, header: resp.Header, body: data, latency: time.Since(start), err: err}
}

// run sends ops from the clients, in order: client goroutines take the
// next request as soon as they are free.
func (e *env) run(ctx context.Context, ops []*op) ([]result, time.Duration) {
	res := make([]result, len(ops))
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(ops) || ctx.Err() != nil {
					return
				}
				res[i] = e.do(ctx, ops[i])
			}
		}()
	}
	wg.Wait()
	return res, time.Since(start)
}

// tally aggregates the answers.
type tally struct {
	latencies          []time.Duration
	byStatus           map[int]int
	requests, hostile  int
	fiveXX, hostile5xx int
	transportErrs      int
	nFailures          int
	failures           []string
}

func (tl *tally) fail(o *op, r *result, format string, args ...any) {
	tl.nFailures++
	if len(tl.failures) < 25 {
		body := string(r.body)
		if len(body) > 300 {
			body = body[:300] + "…"
		}
		tl.failures = append(tl.failures, fmt.Sprintf("%s %s %s: %s (status %d, Location %q, body %s)",
			o.kind, o.method, clip(o.target, 120), fmt.Sprintf(format, args...), r.status, r.header.Get("Location"), body))
	}
}

func (tl *tally) addAll(ops []*op, res []result) {
	for i, o := range ops {
		r := &res[i]
		tl.requests++
		if o.hostile {
			tl.hostile++
		}
		tl.latencies = append(tl.latencies, r.latency)
		if r.err != nil {
			tl.transportErrs++
			tl.fail(o, r, "transport error: %v", r.err)
			continue
		}
		tl.byStatus[r.status]++
		if r.status >= 500 {
			tl.fiveXX++
			if o.hostile {
				tl.hostile5xx++
			}
		}
		if len(o.want) > 0 && !slices.Contains(o.want, r.status) {
			tl.fail(o, r, "status %d, want one of %v", r.status, o.want)
			continue
		}
		if o.check != nil {
			if err := o.check(r); err != nil {
				tl.fail(o, r, "%v", err)
			}
		}
	}
}

func (tl *tally) failureText() string {
	s := strings.Join(tl.failures, "\n")
	if tl.nFailures > len(tl.failures) {
		s += fmt.Sprintf("\n… and %d more", tl.nFailures-len(tl.failures))
	}
	return s
}

func (tl *tally) summarize(rep *report) {
	rep.requests, rep.hostile = tl.requests, tl.hostile
	rep.fiveXX, rep.hostile5xx, rep.transportErrs = tl.fiveXX, tl.hostile5xx, tl.transportErrs
	lat := slices.Clone(tl.latencies)
	slices.Sort(lat)
	if n := len(lat); n > 0 {
		rep.p50 = lat[n*50/100].Round(10 * time.Microsecond)
		rep.p99 = lat[min(n*99/100, n-1)].Round(10 * time.Microsecond)
		rep.max = lat[n-1].Round(10 * time.Microsecond)
	}
	codes := make([]int, 0, len(tl.byStatus))
	for c := range tl.byStatus {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d×%d", c, tl.byStatus[c]))
	}
	rep.statuses = strings.Join(parts, " ")
}

func countOps(gs []group) int {
	n := 0
	for _, g := range gs {
		n += len(g)
	}
	return n
}

// ---------------------------------------------------------------------------
// The workload.

type tossKind int

const (
	tossGenuine  tossKind = iota // approved; its callbacks confirm it
	tossDeclined                 // the card company declines at confirm
	tossTampered                 // only callbacks with a tampered amount arrive
)

type tossOrder struct {
	number, name string
	amount       int64
	kind         tossKind
	copies       int  // success callbacks sent back to back
	readyTwice   bool // POST /ready sent twice
	refund       bool // partially refunded in phase 3
	webhook      bool // PAYMENT_STATUS_CHANGED delivered twice in phase 3
	paymentKey   string
}

// tossOrderAt designs the i-th Toss order: 1 in 20 declines, 1 in 50 is
// only ever called back with a tampered amount, the rest are approved
// and called back one to three times.
func tossOrderAt(i int) *tossOrder {
	o := &tossOrder{
		number: fmt.Sprintf("LOAD-K%05d", i),
		name:   fmt.Sprintf("Load test order %d", i),
		amount: 1000 + int64(i%97)*100,
		copies: 3 - i%3,
	}
	switch {
	case i%20 == 7:
		o.kind = tossDeclined
	case i%50 == 13:
		o.kind, o.copies = tossTampered, 1
	default:
		o.refund = i%10 == 1
		o.webhook = i%5 == 2
	}
	o.readyTwice = i%10 == 4
	return o
}

type stripeOrder struct {
	number, name string
	amount       int64
	intent       bool // PaymentIntent flow (/intent, /confirm); else Checkout
	declined     bool
	twice        bool // /checkout or /verify sent twice
	refund       bool
	session      string // captured from /checkout
	intentID     string // captured from /intent
}

// stripeOrderAt designs the i-th Stripe order: 1 in 5 pays through a
// PaymentIntent, the rest through Checkout; 1 in 25 is declined.
func stripeOrderAt(i int) *stripeOrder {
	o := &stripeOrder{
		number:   fmt.Sprintf("LOAD-U%05d", i),
		name:     fmt.Sprintf("Load test order %d", i),
		amount:   500 + int64(i%50)*25,
		intent:   i%5 == 0,
		declined: i%25 == 3 || i%25 == 10,
		twice:    i%4 == 1,
	}
	o.refund = !o.declined && i%5 == 2
	return o
}

type workload struct {
	e      *env
	rng    *rand.Rand
	toss   []*tossOrder
	stripe []*stripeOrder
	all    []string // every order number
	nh     int      // hostile requests made so far
}

func newWorkload(e *env, pl plan, rng *rand.Rand) *workload {
	w := &workload{e: e, rng: rng}
	for i := range pl.tossOrders {
		o := tossOrderAt(i)
		w.toss = append(w.toss, o)
		w.all = append(w.all, o.number)
	}
	for i := range pl.stripeOrders {
		o := stripeOrderAt(i)
		w.stripe = append(w.stripe, o)
		w.all = append(w.all, o.number)
	}
	return w
}

func (w *workload) tamperedOps() int {
	n := 0
	for _, o := range w.toss {
		if o.kind == tossTampered {
			n += o.copies
		}
	}
	return n
}

// mix shuffles the groups, adds hostile requests and status reads at
// random places, and flattens the result.
func (w *workload) mix(gs []group, hostile, status int) []*op {
	for range hostile {
		gs = append(gs, group{w.hostileOp()})
	}
	for range status {
		gs = append(gs, group{w.statusOp()})
	}
	w.rng.Shuffle(len(gs), func(i, j int) { gs[i], gs[j] = gs[j], gs[i] })
	var ops []*op
	for _, g := range gs {
		ops = append(ops, g...)
	}
	return ops
}

func (w *workload) statusOp() *op {
	n := w.all[w.rng.IntN(len(w.all))]
	q := url.Values{"order_number": {n}}
	if w.rng.IntN(5) == 0 {
		q.Set("refresh", "true")
	}
	o := get("status", "/payments/status?"+q.Encode(), http.StatusOK, http.StatusNotFound)
	o.check = func(r *result) error {
		if r.status != http.StatusOK {
			return expectCode(r, "payment_not_found")
		}
		var v struct {
			OrderNumber string `json:"order_number"`
		}
		if err := json.Unmarshal(r.body, &v); err != nil || v.OrderNumber != n {
			return fmt.Errorf("status view of another order (%v)", err)
		}
		return nil
	}
	return o
}

func readyBody(o *tossOrder) map[string]any {
	return map[string]any{
		"order_number": o.number, "amount": o.amount, "order_name": o.name, "method": "CARD",
		"success_url": successURL + "?o=" + o.number, "fail_url": failURL,
	}
}

func checkoutBody(o *stripeOrder) map[string]any {
	return map[string]any{
		"order_number": o.number,
		"success_url":  successURL + "?session_id={CHECKOUT_SESSION_ID}",
		"cancel_url":   cancelURL,
	}
}

// prepareGroups: Toss ready, Stripe checkout and intent.
func (w *workload) prepareGroups() []group {
	var gs []group
	for _, o := range w.toss {
		n := 1
		if o.readyTwice {
			n = 2
		}
		var g group
		for range n {
			op := post("toss.ready", "/payments/toss/ready", readyBody(o), nil, http.StatusOK)
			op.check = func(r *result) error {
				var v toss.ReadyResponse
				if err := json.Unmarshal(r.body, &v); err != nil {
					return err
				}
				if v.Toss.OrderID != o.number || int64(v.Toss.Amount) != o.amount || v.Status != payments.StatusReady {
					return fmt.Errorf("ready answered order_id %q amount %d status %s", v.Toss.OrderID, v.Toss.Amount, v.Status)
				}
				return nil
			}
			g = append(g, op)
		}
		gs = append(gs, g)
	}
	for _, o := range w.stripe {
		if o.intent {
			pm := stripetest.PMVisa
			if o.declined {
				pm = stripetest.PMDeclined
			}
			op := post("stripe.intent", "/payments/stripe/intent", map[string]any{"order_number": o.number, "payment_method_id": pm}, nil, http.StatusOK)
			op.check = func(r *result) error {
				var v stripe.IntentResponse
				if err := json.Unmarshal(r.body, &v); err != nil {
					return err
				}
				if !strings.HasPrefix(v.PaymentIntentID, "pi_") || v.ClientSecret == "" {
					return fmt.Errorf("intent answered %+v", v.PaymentIntentID)
				}
				o.intentID = v.PaymentIntentID
				return nil
			}
			gs = append(gs, group{op})
			continue
		}
		n := 1
		if o.twice {
			n = 2
		}
		var g group
		for k := range n {
			op := post("stripe.checkout", "/payments/stripe/checkout", checkoutBody(o), nil, http.StatusOK)
			first := k == 0
			op.check = func(r *result) error {
				var v stripe.CheckoutResponse
				if err := json.Unmarshal(r.body, &v); err != nil {
					return err
				}
				if !strings.HasPrefix(v.SessionID, "cs_") || v.URL == "" {
					return fmt.Errorf("checkout answered session %q url %q", v.SessionID, v.URL)
				}
				if first {
					o.session = v.SessionID
				}
				return nil
			}
			g = append(g, op)
		}
		gs = append(gs, g)
	}
	return gs
}

// pay plays the customers at the gateways' pages.
func (w *workload) pay(t *testing.T) {
	t.Helper()
	for _, o := range w.toss {
		key, err := w.e.tossFake.Authorize(o.number, o.amount, o.name, "CARD")
		if err != nil {
			t.Fatalf("tosstest.Authorize(%s): %v", o.number, err)
		}
		o.paymentKey = key
		if o.kind == tossDeclined {
			if err := w.e.tossFake.FailConfirm(key, "REJECT_CARD_COMPANY"); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, o := range w.stripe {
		if o.intent {
			if o.intentID == "" {
				t.Fatalf("no PaymentIntent was captured for %s", o.number)
			}
			continue
		}
		if o.session == "" {
			t.Fatalf("no Checkout Session was captured for %s", o.number)
		}
		pm := stripetest.PMVisa
		if o.declined {
			pm = stripetest.PMDeclined
		}
		err := w.e.stripeFake.CompleteSession(o.session, pm)
		if (err != nil) != o.declined {
			t.Fatalf("stripetest.CompleteSession(%s, %s) = %v", o.session, pm, err)
		}
	}
}

func successTarget(orderID, paymentKey string, amount int64) string {
	q := url.Values{"paymentKey": {paymentKey}, "orderId": {orderID}, "amount": {strconv.FormatInt(amount, 10)}}
	return "/payments/toss/success?" + q.Encode()
}

// redirectCheck checks a 303 to page with the given query values.
func redirectCheck(page string, want map[string]string) func(r *result) error {
	return func(r *result) error {
		loc := r.header.Get("Location")
		u, err := url.Parse(loc)
		if err != nil || u.Scheme+"://"+u.Host+u.Path != page {
			return fmt.Errorf("redirect to %q, want %s", loc, page)
		}
		for k, v := range want {
			if got := u.Query().Get(k); got != v {
				return fmt.Errorf("redirect %q: %s=%q, want %q", loc, k, got, v)
			}
		}
		return nil
	}
}

// completeGroups: success callbacks, Stripe verify, webhooks, confirm.
// Called before phase 1 too, to count the requests for the budget (with
// placeholders where phase 1 has not captured the ids yet).
func (w *workload) completeGroups() []group {
	var gs []group
	for _, o := range w.toss {
		var g group
		for range o.copies {
			switch o.kind {
			case tossGenuine:
				op := get("toss.success", successTarget(o.number, o.paymentKey, o.amount), http.StatusSeeOther)
				op.check = redirectCheck(successURL, map[string]string{"o": o.number, "order_number": o.number, "status": "paid"})
				g = append(g, op)
			case tossDeclined:
				op := get("toss.success.declined", successTarget(o.number, o.paymentKey, o.amount), http.StatusSeeOther)
				op.check = redirectCheck(failURL, map[string]string{"code": "REJECT_CARD_COMPANY", "order_number": o.number})
				g = append(g, op)
			case tossTampered:
				op := get("hostile.toss.success.tampered", successTarget(o.number, o.paymentKey, o.amount+1000), http.StatusSeeOther)
				op.hostile = true
				op.check = redirectCheck(failURL, map[string]string{"code": "amount_mismatch", "order_number": o.number})
				g = append(g, op)
			}
		}
		gs = append(gs, g)
	}
	for _, o := range w.stripe {
		if o.intent {
			var g group
			for range 2 {
				want := http.StatusOK
				if o.declined {
					want = http.StatusPaymentRequired
				}
				op := post("stripe.confirm", "/payments/stripe/confirm", map[string]any{"order_number": o.number}, nil, want)
				op.check = func(r *result) error {
					if o.declined {
						return expectCode(r, "payment_declined")
					}
					return expectStatus(r, payments.StatusPaid)
				}
				g = append(g, op)
			}
			gs = append(gs, g)
			continue
		}
		wantStatus := payments.StatusPaid
		if o.declined {
			wantStatus = payments.StatusReady
		}
		var g group
		n := 1
		if o.twice {
			n = 2
		}
		for range n {
			op := post("stripe.verify", "/payments/stripe/verify", map[string]any{"order_number": o.number, "session_id": o.session}, nil, http.StatusOK)
			op.check = func(r *result) error { return expectStatus(r, wantStatus) }
			g = append(g, op)
		}
		if !o.declined && o.session != "" {
			// One signed delivery, delivered twice.
			payload, sig, err := w.e.stripeFake.SignedEvent("checkout.session.completed", map[string]any{
				"id": o.session, "object": "checkout.session", "client_reference_id": o.number,
				"metadata": map[string]string{"order_number": o.number},
			})
			if err != nil {
				panic(err)
			}
			hdr := http.Header{"Content-Type": {"application/json"}, "Stripe-Signature": {sig}}
			for range 2 {
				op := post("stripe.webhook", "/payments/stripe/webhook", payload, hdr, http.StatusOK)
				op.check = func(r *result) error {
					var v struct {
						Received bool   `json:"received"`
						Result   string `json:"result"`
					}
					// Both deliveries of the event are processed: the
					// second finds it recorded and changes nothing.
					if err := json.Unmarshal(r.body, &v); err != nil || !v.Received || v.Result != "processed" {
						return fmt.Errorf("webhook answered %s", r.body)
					}
					return nil
				}
				g = append(g, op)
			}
		} else if o.session == "" && !o.declined {
			// Only while counting, before phase 1 captured the session.
			g = append(g, &op{}, &op{})
		}
		gs = append(gs, g)
	}
	return gs
}

// afterGroups: Toss webhooks twice, refunds twice with one key.
func (w *workload) afterGroups() []group {
	var gs []group
	for _, o := range w.toss {
		if o.webhook {
			body := map[string]any{
				"eventType": "PAYMENT_STATUS_CHANGED", "createdAt": "2026-01-22T10:00:00.000000",
				"data": map[string]any{"paymentKey": o.paymentKey, "orderId": o.number, "status": "DONE"},
			}
			hdr := http.Header{"Content-Type": {"application/json"}, "Tosspayments-Webhook-Transmission-Id": {"wh-load-" + o.number}}
			gs = append(gs, group{
				post("toss.webhook", "/payments/toss/webhook", body, hdr, http.StatusOK),
				post("toss.webhook", "/payments/toss/webhook", body, hdr, http.StatusOK),
			})
		}
		if o.refund {
			body := map[string]any{"order_number": o.number, "amount": 500, "reason": "load test partial refund"}
			hdr := adminHeader("refund-" + o.number)
			var g group
			for range 2 {
				op := post("toss.cancel", "/payments/toss/cancel", body, hdr, http.StatusOK)
				op.check = refundCheck(500, payments.StatusPartiallyRefunded)
				g = append(g, op)
			}
			gs = append(gs, g)
		}
	}
	for _, o := range w.stripe {
		if !o.refund {
			continue
		}
		body := map[string]any{"order_number": o.number, "reason": "load test refund"}
		hdr := adminHeader("refund-" + o.number)
		var g group
		for range 2 {
			op := post("stripe.refund", "/payments/stripe/refund", body, hdr, http.StatusOK)
			op.check = refundCheck(o.amount, payments.StatusRefunded)
			g = append(g, op)
		}
		gs = append(gs, g)
	}
	return gs
}

func refundCheck(amount int64, status payments.Status) func(r *result) error {
	return func(r *result) error {
		var v refund.Response
		if err := json.Unmarshal(r.body, &v); err != nil {
			return err
		}
		if v.Refund.Status != payments.RefundSucceeded || int64(v.Refund.Amount) != amount ||
			int64(v.RefundedAmount) != amount || v.Status != status {
			return fmt.Errorf("refund answered refund %s %d, refunded %d, status %s", v.Refund.Status, v.Refund.Amount, v.RefundedAmount, v.Status)
		}
		return nil
	}
}

func expectStatus(r *result, want payments.Status) error {
	var v struct {
		Status payments.Status `json:"status"`
	}
	if err := json.Unmarshal(r.body, &v); err != nil {
		return err
	}
	if v.Status != want {
		return fmt.Errorf("status %s, want %s", v.Status, want)
	}
	return nil
}

func expectCode(r *result, code payments.ErrorCode) error {
	var v struct {
		Error struct {
			Code payments.ErrorCode `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.body, &v); err != nil {
		return fmt.Errorf("not an error envelope: %v", err)
	}
	if v.Error.Code != code {
		return fmt.Errorf("error code %q, want %q", v.Error.Code, code)
	}
	return nil
}

// hostileOp returns the next hostile or malformed request, cycling
// through the kinds; every answer must be a 4xx (or, for a tampered
// success callback, the redirect to the fail page).
func (w *workload) hostileOp() *op {
	i := w.nh
	w.nh++
	k := w.toss[w.rng.IntN(len(w.toss))]
	s := w.stripe[w.rng.IntN(len(w.stripe))]
	o := w.hostileKind(i, k, s)
	o.hostile = true
	o.kind = "hostile." + o.kind
	return o
}

func (w *workload) hostileKind(i int, k *tossOrder, s *stripeOrder) *op {
	withCode := func(o *op, code payments.ErrorCode) *op {
		o.check = func(r *result) error { return expectCode(r, code) }
		return o
	}
	if i%25 == 24 {
		// A body of 1 MiB + 1 byte, on a route chosen in turn.
		routes := []string{"/payments/toss/ready", "/payments/stripe/checkout", "/payments/toss/webhook", "/payments/stripe/webhook", "/payments/toss/confirm"}
		prefix := `{"order_number":"`
		body := append([]byte(prefix), bytes.Repeat([]byte("A"), 1<<20+1-len(prefix))...)
		return withCode(post("body_too_large", routes[(i/25)%len(routes)], body, nil, http.StatusRequestEntityTooLarge), "body_too_large")
	}
	rb := readyBody(k)
	with := func(key string, v any) map[string]any {
		m := map[string]any{}
		for a, b := range rb {
			m[a] = b
		}
		m[key] = v
		return m
	}
	switch i % 24 {
	case 0:
		return withCode(post("bad_json", "/payments/toss/ready", `{"order_number": "`+k.number+`", "amount": `, nil, http.StatusBadRequest), "invalid_request")
	case 1:
		return withCode(post("unknown_field", "/payments/toss/ready", with("is_admin", true), nil, http.StatusBadRequest), "invalid_request")
	case 2:
		return withCode(post("huge_amount", "/payments/toss/ready", with("amount", int64(1<<63-1)), nil, http.StatusConflict), "amount_mismatch")
	case 3:
		raw := strings.Replace(string(jsonBytes(rb)), `"amount":`+strconv.FormatInt(k.amount, 10), `"amount":1e30`, 1)
		return withCode(post("overflowing_amount", "/payments/toss/ready", raw, nil, http.StatusBadRequest), "invalid_request")
	case 4:
		return withCode(post("wrong_type", "/payments/toss/ready", with("amount", "1000"), nil, http.StatusBadRequest), "invalid_request")
	case 5:
		return withCode(post("open_redirect", "/payments/toss/ready", with("success_url", "https://evil.example/pay"), nil, http.StatusBadRequest), "redirect_not_allowed")
	case 6:
		return withCode(post("open_redirect", "/payments/toss/ready", with("fail_url", "//evil.example/pay"), nil, http.StatusBadRequest), "redirect_not_allowed")
	case 7:
		b := checkoutBody(s)
		b["success_url"] = "https://shop.example@evil.example/"
		return withCode(post("open_redirect", "/payments/stripe/checkout", b, nil, http.StatusBadRequest), "redirect_not_allowed")
	case 8:
		b := checkoutBody(s)
		b["cancel_url"] = "javascript:alert(1)"
		return withCode(post("open_redirect", "/payments/stripe/checkout", b, nil, http.StatusBadRequest), "redirect_not_allowed")
	case 9:
		b := map[string]any{"order_number": s.number, "return_url": "https://shop.example.evil.example/back"}
		return withCode(post("open_redirect", "/payments/stripe/confirm", b, nil, http.StatusBadRequest), "redirect_not_allowed")
	case 10:
		// A tampered amount on the success callback, with a made-up key:
		// refused before Toss is called (404 before the attempt exists).
		o := get("toss.success.tampered", successTarget(k.number, "tamperedKey"+strconv.Itoa(i), k.amount+1), http.StatusSeeOther, http.StatusNotFound)
		o.check = func(r *result) error {
			if r.status == http.StatusNotFound {
				return expectCode(r, "payment_not_found")
			}
			return redirectCheck(failURL, map[string]string{"code": "amount_mismatch"})(r)
		}
		return o
	case 11:
		payload := sessionEvent(s)
		sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: "whsec_forgedForgedForged", Timestamp: time.Now()}).Header
		hdr := http.Header{"Content-Type": {"application/json"}, "Stripe-Signature": {sig}}
		return withCode(post("stripe.webhook.forged", "/payments/stripe/webhook", payload, hdr, http.StatusBadRequest), "invalid_signature")
	case 12:
		return withCode(post("stripe.webhook.unsigned", "/payments/stripe/webhook", sessionEvent(s), nil, http.StatusBadRequest), "invalid_signature")
	case 13:
		payload := sessionEvent(s)
		sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: webhookSecret, Timestamp: time.Now().Add(-time.Hour)}).Header
		hdr := http.Header{"Content-Type": {"application/json"}, "Stripe-Signature": {sig}}
		return withCode(post("stripe.webhook.stale", "/payments/stripe/webhook", payload, hdr, http.StatusBadRequest), "invalid_signature")
	case 14:
		// A deposit callback for a card payment: no secret can match. (200
		// for an order that has no payment yet: nothing to act on.)
		body := map[string]any{"createdAt": "2026-01-22T10:00:00.000000", "secret": "ps_forgedForgedForged0000", "status": "DONE", "transactionKey": "tx" + strconv.Itoa(i), "orderId": k.number}
		o := post("toss.webhook.forged_deposit", "/payments/toss/webhook", body, nil, http.StatusBadRequest, http.StatusOK)
		o.check = func(r *result) error {
			if r.status == http.StatusBadRequest {
				return expectCode(r, "invalid_signature")
			}
			return nil
		}
		return o
	case 15:
		h := http.Header{"Content-Type": {"application/json"}}
		return withCode(post("refund.no_token", "/payments/toss/cancel", map[string]any{"order_number": k.number, "reason": "x"}, h, http.StatusUnauthorized), "unauthorized")
	case 16:
		h := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + adminToken + "x"}}
		return withCode(post("refund.wrong_token", "/payments/stripe/refund", map[string]any{"order_number": s.number, "reason": "x"}, h, http.StatusUnauthorized), "unauthorized")
	case 17:
		return withCode(get("wrong_method", "/payments/toss/ready", http.StatusMethodNotAllowed), "method_not_allowed")
	case 18:
		h := http.Header{"Content-Type": {"text/plain"}}
		return withCode(post("wrong_content_type", "/payments/stripe/checkout", checkoutBody(s), h, http.StatusUnsupportedMediaType), "unsupported_media_type")
	case 19:
		return withCode(get("status.unknown_order", "/payments/status?order_number="+url.QueryEscape("<script>alert(1)</script>"), http.StatusNotFound), "order_not_found")
	case 20:
		return get("unknown_route", "/payments/admin/export", http.StatusNotFound)
	case 21:
		q := url.Values{"paymentKey": {"../../v1/payments"}, "orderId": {k.number}, "amount": {strconv.FormatInt(k.amount, 10)}}
		return withCode(get("toss.success.malformed", "/payments/toss/success?"+q.Encode(), http.StatusBadRequest), "invalid_request")
	case 22:
		return withCode(post("stripe.verify.malformed", "/payments/stripe/verify", map[string]any{"order_number": s.number, "session_id": "cs_../../x"}, nil, http.StatusBadRequest), "invalid_request")
	default:
		h := http.Header{"Content-Type": {"application/json"}, "Idempotency-Key": {strings.Repeat("k", 300)}}
		return withCode(post("idempotency_key_too_long", "/payments/toss/ready", rb, h, http.StatusBadRequest), "invalid_request")
	}
}

// sessionEvent is a checkout.session.completed event body for s.
func sessionEvent(s *stripeOrder) []byte {
	return jsonBytes(map[string]any{
		"id": "evt_forged" + s.number, "object": "event", "type": "checkout.session.completed", "api_version": "2023-10-16",
		"data": map[string]any{"object": map[string]any{
			"id": "cs_forged" + strings.ReplaceAll(s.number, "-", ""), "object": "checkout.session",
			"client_reference_id": s.number, "metadata": map[string]string{"order_number": s.number},
		}},
	})
}

// checkExactlyOnce compares the service's records and the fakes' logs.
// checkEvents stops the Service's Run, delivers what is left, and checks
// that every event stored for every order reached the handler once, in
// seq order, and that none is dead.
func (w *workload) checkEvents(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	w.e.stopRun()
	if _, err := w.e.svc.DeliverEvents(ctx); err != nil {
		t.Errorf("DeliverEvents: %v", err)
	}
	l := &w.e.events
	l.mu.Lock()
	defer l.mu.Unlock()
	stored, bad := 0, 0
	for _, order := range w.all {
		p, err := w.e.svc.Payment(ctx, order)
		if err != nil {
			continue // an order never prepared
		}
		stored += int(p.EventSeq)
		got := l.seqs[order]
		ok := len(got) == int(p.EventSeq)
		for i := 0; ok && i < len(got); i++ {
			ok = got[i] == int64(i+1)
		}
		if !ok {
			if bad++; bad <= 10 {
				t.Errorf("%s: %d events stored, handled as seqs %v; want 1 … %d once each, in order", order, p.EventSeq, got, p.EventSeq)
			}
		}
	}
	for id, n := range l.ids {
		if n != 1 {
			t.Errorf("event %s handled %d times, want once", id, n)
		}
	}
	if dead, err := w.e.svc.DeadEvents(ctx, 0); err != nil || len(dead) != 0 {
		t.Errorf("dead events after the load: %d (%v)", len(dead), err)
	}
	t.Logf("events: %d stored for %d orders, %d handled", stored, len(w.all), len(l.ids))
}

func (w *workload) checkExactlyOnce(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	fake := w.e.tossFake
	bad := 0
	errorf := func(format string, args ...any) {
		bad++
		if bad <= 25 {
			t.Errorf(format, args...)
		}
	}
	confirmed := 0
	for _, o := range w.toss {
		p, err := w.e.svc.Payment(ctx, o.number)
		if err != nil {
			errorf("%s: %v", o.number, err)
			continue
		}
		n := fake.Executions(tosstest.OpConfirm, o.paymentKey)
		tp, _ := fake.Payment(o.paymentKey)
		switch o.kind {
		case tossGenuine:
			confirmed++
			want, tossWant, refunded := payments.StatusPaid, tosstest.StatusDone, int64(0)
			if o.refund {
				want, tossWant, refunded = payments.StatusPartiallyRefunded, tosstest.StatusPartialCanceled, 500
			}
			if n != 1 || p.Status != want || tp.Status != tossWant || int64(p.RefundedAmount) != refunded {
				errorf("%s: confirms at Toss %d (want 1), status %s (want %s), Toss %s (want %s), refunded %d (want %d)",
					o.number, n, p.Status, want, tp.Status, tossWant, p.RefundedAmount, refunded)
			}
			if c := fake.Executions(tosstest.OpCancel, o.paymentKey); c != map[bool]int{true: 1, false: 0}[o.refund] {
				errorf("%s: cancels at Toss = %d", o.number, c)
			}
		case tossDeclined:
			confirmed++
			if n != 1 || p.Status != payments.StatusFailed || tp.Status != tosstest.StatusAborted {
				errorf("%s (declined): confirms at Toss %d (want 1), status %s, Toss %s", o.number, n, p.Status, tp.Status)
			}
		case tossTampered:
			if n != 0 || p.Status != payments.StatusReady || tp.Status != tosstest.StatusInProgress {
				errorf("%s (tampered): confirms at Toss %d (want 0), status %s (want ready), Toss %s", o.number, n, p.Status, tp.Status)
			}
		}
		paid := 0
		for _, a := range p.Attempts {
			if a.Status.Paid() {
				paid++
			}
		}
		if paid > 1 || (paid == 1 && (int64(p.Amount) != o.amount || int64(tp.TotalAmount) != o.amount)) {
			errorf("%s: %d paid attempts, amount %d, Toss total %d (order %d)", o.number, paid, p.Amount, tp.TotalAmount, o.amount)
		}
	}
	// Every confirm that ran at Toss belongs to one of those payments,
	// once: no paymentKey was confirmed twice.
	if n := fake.Executions(tosstest.OpConfirm, ""); n != confirmed {
		errorf("confirms executed at Toss = %d, want %d (one per approved or declined payment)", n, confirmed)
	}

	sf := w.e.stripeFake
	var sessions, intents, refunds int
	for _, o := range w.stripe {
		p, err := w.e.svc.Payment(ctx, o.number)
		if err != nil {
			errorf("%s: %v", o.number, err)
			continue
		}
		if o.intent {
			intents++
		} else {
			sessions++
		}
		want := payments.StatusPaid
		switch {
		case o.declined && o.intent:
			want = payments.StatusFailed
		case o.declined:
			want = payments.StatusReady
		case o.refund:
			want = payments.StatusRefunded
			refunds++
		}
		paid := 0
		for _, a := range p.Attempts {
			if a.Status.Paid() {
				paid++
			}
		}
		if p.Status != want || len(p.Attempts) != 1 || paid > 1 || int64(p.Amount) != o.amount {
			errorf("%s: status %s (want %s), %d attempts, %d paid, amount %d", o.number, p.Status, want, len(p.Attempts), paid, p.Amount)
		}
	}
	for _, c := range []struct {
		op   string
		want int
	}{
		{stripetest.OpCreateCheckoutSession, sessions},
		{stripetest.OpCreatePaymentIntent, intents},
		{stripetest.OpConfirmPaymentIntent, intents},
		{stripetest.OpCreateRefund, refunds},
	} {
		if got := sf.Executed(c.op); got != c.want {
			errorf("stripetest executed %s %d times, want %d", c.op, got, c.want)
		}
	}

	// tosstest's own webhooks were all accepted.
	fake.FlushWebhooks()
	for _, wh := range fake.Webhooks() {
		if !wh.Attempted || wh.StatusCode != http.StatusOK {
			errorf("tosstest webhook %s: status %d, error %v", wh.EventType, wh.StatusCode, wh.Err)
		}
	}
	if bad > 25 {
		t.Errorf("… and %d more", bad-25)
	}
}

// ---------------------------------------------------------------------------
// Runtime measurements.

// settleRuntime collects garbage and returns the goroutine count and the
// heap in use.
func settleRuntime() (int, uint64) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return runtime.NumGoroutine(), ms.HeapInuse
}

// waitGoroutines polls until at most target goroutines run, for up to
// timeout, and returns the last count. Callers compare it with target plus
// goroutineSlack: goroutines of closing connections take a moment to end.
func waitGoroutines(target int, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for {
		n := runtime.NumGoroutine()
		if n <= target || !time.Now().Before(deadline) {
			return n
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func goroutineDump() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

func mib(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// lockedBuffer is a goroutine-safe bytes.Buffer for a server's error log.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
