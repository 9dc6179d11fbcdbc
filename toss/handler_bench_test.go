package toss_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/benchpair"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/status"
	"github.com/payments-go/payments/toss"
	"github.com/payments-go/payments/toss/tosstest"
)

const benchOrderName = "Cool T-Shirt 외 1건"

// benchRequest runs one request through h and checks its status.
func benchRequest(b *testing.B, h http.Handler, method, target, body string, want int) *httptest.ResponseRecorder {
	r, err := benchpair.NewRequest(method, target, body)
	if err != nil {
		b.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != want {
		b.Fatalf("%s %s = %d, want %d: %s", method, target, rec.Code, want, rec.Body)
	}
	return rec
}

// benchFlowsPerFake is how many flows run against one tosstest server.
// The fake keeps every payment and scans them on each call, so a fresh
// one every few hundred flows keeps the time per flow independent of b.N,
// for both sides alike.
const benchFlowsPerFake = 256

// benchFake is a tosstest server behind a loopback httptest.Server, for
// one block of flows.
type benchFake struct {
	fake *tosstest.Server
	api  *httptest.Server
}

func newBenchFake() *benchFake {
	fake := tosstest.New(tosstest.Config{})
	return &benchFake{fake: fake, api: httptest.NewServer(fake)}
}

// Close ends the block: it shuts the fake down, checks that the flows made
// one upstream call each, the confirm, and returns the number of calls.
func (f *benchFake) Close(b *testing.B, flows int) int {
	f.api.Close()
	f.fake.Close()
	calls := f.fake.Calls()
	for _, c := range calls {
		if c.Op != tosstest.OpConfirm {
			b.Fatalf("upstream call beyond confirm: %s %s", c.Method, c.Path)
		}
	}
	if len(calls) != flows {
		b.Fatalf("%d upstream calls for %d flows, want one confirm each", len(calls), flows)
	}
	return len(calls)
}

// benchOurs is the library's side: service, handler and status route.
type benchOurs struct {
	*benchFake
	orders *payments.OrderBook
	mux    *http.ServeMux
}

func newBenchOurs(b *testing.B) *benchOurs {
	f := newBenchFake()
	client, err := toss.NewClient(toss.ClientConfig{SecretKey: e2eSecretKey, BaseURL: f.api.URL})
	if err != nil {
		b.Fatal(err)
	}
	gw, err := toss.NewGateway(toss.GatewayConfig{Client: client})
	if err != nil {
		b.Fatal(err)
	}
	orders := payments.NewOrderBook()
	svc, err := payments.NewService(payments.Config{Store: memstore.New(), Orders: orders, Gateways: []payments.Gateway{gw}})
	if err != nil {
		b.Fatal(err)
	}
	h, err := toss.NewHandler(toss.HandlerConfig{
		Service: svc, ClientKey: hClientKey, CallbackBase: "https://shop.example/payments/toss",
		AllowedOrigins: []string{"https://shop.example"},
	})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/payments/toss/", http.StripPrefix("/payments/toss", h))
	sh, err := status.NewHandler(status.Config{Service: svc})
	if err != nil {
		b.Fatal(err)
	}
	mux.Handle("GET /payments/status", http.StripPrefix("/payments", sh))
	return &benchOurs{benchFake: f, orders: orders, mux: mux}
}

// BenchmarkCardFlow measures the card flow through the handlers (ready →
// success → status) against an in-process tosstest, for two sides: the
// library (this package's handler, the Service, memstore and the status
// route) and a baseline (a minimal hand-written net/http integration
// making the same upstream confirm call). Run it with
//
//	go test -run '^$' -bench CardFlow -count 10 ./toss/
//
// The two sides alternate in blocks of benchFlowsPerFake flows within one
// benchmark run (internal/benchpair), each block on a fresh fake, so that
// drift of a shared machine falls on both alike. It reports
// library-ns/flow, baseline-ns/flow and their ratio library/baseline, the
// memory of each side per flow, and upstream/flow, the Toss calls per
// library flow, and fails on any upstream call beyond the one confirm.
// The ratio is a reported figure, not a target: against a fake that
// answers in microseconds it weighs work that no customer, waiting
// hundreds of milliseconds for Toss's confirm, can notice; tests/latency
// measures what they do notice.
func BenchmarkCardFlow(b *testing.B) {
	benchpair.Run(b, benchFlowsPerFake, func(n int) string { return fmt.Sprintf("BENCH-%09d", n) },
		func(b *testing.B) benchpair.Block { return newBenchOurs(b) },
		func(b *testing.B) benchpair.Block { return newBenchBaseline() })
}

func (env *benchOurs) Flow(b *testing.B, order string) {
	if err := env.orders.Add(payments.Order{Number: order, Name: benchOrderName, Amount: hAmount, Currency: payments.KRW}); err != nil {
		b.Fatal(err)
	}
	rec := benchRequest(b, env.mux, http.MethodPost, "/payments/toss/ready",
		`{"order_number":"`+order+`","amount":58990,"order_name":"`+benchOrderName+`","method":"CARD",`+
			`"success_url":"https://shop.example/done","fail_url":"https://shop.example/failed"}`, http.StatusOK)
	// The page reads the fields it goes on with through the same
	// benchReadField as the baseline's.
	tossObj := rec.Body.Bytes()
	if i := bytes.Index(tossObj, []byte(`"toss":{`)); i >= 0 {
		tossObj = tossObj[i:]
	} else {
		b.Fatalf("ready response without toss: %s", rec.Body)
	}
	ready := benchReady(b, tossObj)
	// The customer in the payment window.
	key, err := env.fake.Authorize(ready.orderID, ready.amount, ready.orderName, ready.method)
	if err != nil {
		b.Fatal(err)
	}
	q := url.Values{"paymentKey": {key}, "orderId": {ready.orderID}, "amount": {"58990"}, "paymentType": {"NORMAL"}}
	rec = benchRequest(b, env.mux, http.MethodGet, "/payments/toss/success?"+q.Encode(), "", http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "https://shop.example/done?order_number="+order+"&status=paid" {
		b.Fatalf("success redirect = %s", loc)
	}
	rec = benchRequest(b, env.mux, http.MethodGet, "/payments/status?order_number="+order, "", http.StatusOK)
	if st := benchReadField(b, rec.Body.Bytes(), "status"); st != string(payments.StatusPaid) {
		b.Fatalf("status = %q: %s", st, rec.Body)
	}
}

// benchReadyFields are what the page hands to the payment window.
type benchReadyFields struct {
	orderID, orderName, method string
	amount                     int64
}

func benchReady(b *testing.B, body []byte) benchReadyFields {
	amount, err := strconv.ParseInt(benchReadField(b, body, "amount"), 10, 64)
	if err != nil {
		b.Fatalf("ready amount: %v: %s", err, body)
	}
	return benchReadyFields{
		orderID:   benchReadField(b, body, "order_id"),
		orderName: benchReadField(b, body, "order_name"),
		method:    benchReadField(b, body, "method"),
		amount:    amount,
	}
}

// benchReadField returns the value of the first "key": in a JSON body, a
// string unquoted or a number's digits, as a page script reading one
// field does. Both benchmarks read their responses with it, so the
// browser's side costs them the same and the difference measured is the
// server's: decoding every field of our larger responses (API.md's shapes)
// with encoding/json would add the browser's work to our side only.
func benchReadField(b *testing.B, body []byte, key string) string {
	i := bytes.Index(body, []byte(`"`+key+`":`))
	if i < 0 {
		b.Fatalf("no %q in %s", key, body)
	}
	v := body[i+len(key)+3:]
	if len(v) > 0 && v[0] == '"' {
		end := bytes.IndexByte(v[1:], '"')
		if end < 0 {
			b.Fatalf("unterminated %q in %s", key, body)
		}
		if s := v[1 : end+1]; bytes.IndexByte(s, '\\') < 0 {
			return string(s)
		}
		var s string // escaped: let encoding/json unquote it
		if err := json.NewDecoder(bytes.NewReader(v)).Decode(&s); err != nil {
			b.Fatalf("%q: %v in %s", key, err, body)
		}
		return s
	}
	end := bytes.IndexAny(v, ",}")
	if end < 0 {
		b.Fatalf("unterminated %q in %s", key, body)
	}
	return string(v[:end])
}

// baselineShop is the minimal hand-written integration: a map of expected
// amounts, a success handler that checks the amount and POSTs the confirm
// with net/http, and a status handler.
type baselineShop struct {
	api    string
	auth   string
	client *http.Client

	mu     sync.Mutex
	amount map[string]int64  // orderId → amount
	status map[string]string // orderId → Toss status
}

func (s *baselineShop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/ready":
		var req struct {
			OrderNumber string `json:"order_number"`
			Amount      int64  `json:"amount"`
			OrderName   string `json:"order_name"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.amount[req.OrderNumber] = req.Amount
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"order_id": req.OrderNumber, "amount": req.Amount, "order_name": req.OrderName, "method": "CARD"})
	case "/success":
		q := r.URL.Query()
		orderID, key := q.Get("orderId"), q.Get("paymentKey")
		amount, err := strconv.ParseInt(q.Get("amount"), 10, 64)
		s.mu.Lock()
		want, ok := s.amount[orderID]
		s.mu.Unlock()
		if err != nil || !ok || amount != want {
			http.Redirect(w, r, "https://shop.example/failed", http.StatusSeeOther)
			return
		}
		body, _ := json.Marshal(map[string]any{"paymentKey": key, "orderId": orderID, "amount": amount})
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, s.api+"/v1/payments/confirm", bytes.NewReader(body))
		req.Header.Set("Authorization", s.auth)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "confirm-"+orderID)
		resp, err := s.client.Do(req)
		if err != nil {
			http.Error(w, "gateway", http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		var p struct {
			PaymentKey  string `json:"paymentKey"`
			OrderID     string `json:"orderId"`
			Status      string `json:"status"`
			TotalAmount int64  `json:"totalAmount"`
		}
		if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&p) != nil || p.TotalAmount != want {
			http.Redirect(w, r, "https://shop.example/failed", http.StatusSeeOther)
			return
		}
		s.mu.Lock()
		s.status[orderID] = p.Status
		s.mu.Unlock()
		http.Redirect(w, r, "https://shop.example/done?order_number="+orderID+"&status=paid", http.StatusSeeOther)
	case "/status":
		order := r.URL.Query().Get("order_number")
		s.mu.Lock()
		st, amount := s.status[order], s.amount[order]
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"order_number": order, "status": st, "amount": amount})
	default:
		http.NotFound(w, r)
	}
}

// benchBaseline is the baseline's side: baselineShop on its own fake.
type benchBaseline struct {
	*benchFake
	shop *baselineShop
}

func newBenchBaseline() *benchBaseline {
	f := newBenchFake()
	return &benchBaseline{benchFake: f, shop: &baselineShop{
		api: f.api.URL, auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(e2eSecretKey+":")),
		client: &http.Client{Timeout: 30 * time.Second},
		amount: make(map[string]int64), status: make(map[string]string),
	}}
}

func (env *benchBaseline) Flow(b *testing.B, order string) {
	rec := benchRequest(b, env.shop, http.MethodPost, "/ready",
		`{"order_number":"`+order+`","amount":58990,"order_name":"`+benchOrderName+`"}`, http.StatusOK)
	ready := benchReady(b, rec.Body.Bytes())
	key, err := env.fake.Authorize(ready.orderID, ready.amount, ready.orderName, ready.method)
	if err != nil {
		b.Fatal(err)
	}
	q := url.Values{"paymentKey": {key}, "orderId": {ready.orderID}, "amount": {"58990"}, "paymentType": {"NORMAL"}}
	rec = benchRequest(b, env.shop, http.MethodGet, "/success?"+q.Encode(), "", http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "https://shop.example/done?order_number="+order+"&status=paid" {
		b.Fatalf("success redirect = %s", loc)
	}
	rec = benchRequest(b, env.shop, http.MethodGet, "/status?order_number="+order, "", http.StatusOK)
	if st := benchReadField(b, rec.Body.Bytes(), "status"); st != "DONE" {
		b.Fatalf("status = %q: %s", st, rec.Body)
	}
}
