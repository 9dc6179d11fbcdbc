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
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/status"
	"github.com/payments-go/payments/toss"
	"github.com/payments-go/payments/toss/tosstest"
)

// The card flow through the handlers (ready → success → status) against an
// in-process tosstest, beside a minimal hand-written net/http baseline
// making the same upstream confirm call. Run both with
//
//	go test -run '^$' -bench CardFlow -benchmem -count 5 ./toss/
//
// Target: our flow ≤ 1.15× the baseline's time per flow, and no upstream
// call beyond the one confirm (reported as upstream/flow).

const benchOrderName = "Cool T-Shirt 외 1건"

// benchRequest runs one request through h and checks its status.
func benchRequest(b *testing.B, h http.Handler, method, target, body string, want int) *httptest.ResponseRecorder {
	var r *http.Request
	if body != "" {
		r = httptest.NewRequest(method, target, bytes.NewBufferString(body))
		r.Header.Set("Content-Type", "application/json")
	} else {
		r = httptest.NewRequest(method, target, nil)
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
// for both benchmarks alike.
const benchFlowsPerFake = 256

// benchFake is a tosstest server behind a loopback httptest.Server.
type benchFake struct {
	fake *tosstest.Server
	api  *httptest.Server
}

func newBenchFake() benchFake {
	fake := tosstest.New(tosstest.Config{})
	return benchFake{fake: fake, api: httptest.NewServer(fake)}
}

// close checks that the flows made one upstream call each, the confirm,
// and returns the number of calls.
func (f benchFake) close(b *testing.B, flows int) int {
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
	benchFake
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
	mux.Handle("GET /payments/status", status.Handler(svc))
	return &benchOurs{benchFake: f, orders: orders, mux: mux}
}

func BenchmarkCardFlow(b *testing.B) {
	env := newBenchOurs(b)
	n, inEnv, upstream := 0, 0, 0
	b.ReportAllocs()
	for b.Loop() {
		if inEnv == benchFlowsPerFake {
			b.StopTimer()
			upstream += env.close(b, inEnv)
			env, inEnv = newBenchOurs(b), 0
			b.StartTimer()
		}
		n++
		inEnv++
		order := fmt.Sprintf("BENCH-%09d", n)
		if err := env.orders.Add(payments.Order{Number: order, Name: benchOrderName, Amount: hAmount, Currency: payments.KRW}); err != nil {
			b.Fatal(err)
		}
		rec := benchRequest(b, env.mux, http.MethodPost, "/payments/toss/ready",
			`{"order_number":"`+order+`","amount":58990,"order_name":"`+benchOrderName+`","method":"CARD",`+
				`"success_url":"https://shop.example/done","fail_url":"https://shop.example/failed"}`, http.StatusOK)
		// Only the fields the flow goes on with are decoded, as for the
		// baseline: the browser's side is not what is measured.
		var ready struct {
			Toss struct {
				OrderID   string `json:"order_id"`
				Amount    int64  `json:"amount"`
				OrderName string `json:"order_name"`
				Method    string `json:"method"`
			} `json:"toss"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &ready); err != nil {
			b.Fatal(err)
		}
		// The customer in the payment window.
		key, err := env.fake.Authorize(ready.Toss.OrderID, ready.Toss.Amount, ready.Toss.OrderName, ready.Toss.Method)
		if err != nil {
			b.Fatal(err)
		}
		q := url.Values{"paymentKey": {key}, "orderId": {ready.Toss.OrderID}, "amount": {"58990"}, "paymentType": {"NORMAL"}}
		rec = benchRequest(b, env.mux, http.MethodGet, "/payments/toss/success?"+q.Encode(), "", http.StatusSeeOther)
		if loc := rec.Header().Get("Location"); loc != "https://shop.example/done?order_number="+order+"&status=paid" {
			b.Fatalf("success redirect = %s", loc)
		}
		rec = benchRequest(b, env.mux, http.MethodGet, "/payments/status?order_number="+order, "", http.StatusOK)
		var v struct{ Status payments.Status }
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || v.Status != payments.StatusPaid {
			b.Fatalf("status = %+v, %v", v.Status, err)
		}
	}
	upstream += env.close(b, inEnv)
	b.ReportMetric(float64(upstream)/float64(n), "upstream/flow")
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

func newBaselineShop() (*baselineShop, benchFake) {
	f := newBenchFake()
	return &baselineShop{
		api: f.api.URL, auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(e2eSecretKey+":")),
		client: &http.Client{Timeout: 30 * time.Second},
		amount: make(map[string]int64), status: make(map[string]string),
	}, f
}

func BenchmarkCardFlowBaseline(b *testing.B) {
	shop, f := newBaselineShop()
	n, inEnv, upstream := 0, 0, 0
	b.ReportAllocs()
	for b.Loop() {
		if inEnv == benchFlowsPerFake {
			b.StopTimer()
			upstream += f.close(b, inEnv)
			shop, f = newBaselineShop()
			inEnv = 0
			b.StartTimer()
		}
		n++
		inEnv++
		order := fmt.Sprintf("BENCH-%09d", n)
		rec := benchRequest(b, shop, http.MethodPost, "/ready",
			`{"order_number":"`+order+`","amount":58990,"order_name":"`+benchOrderName+`"}`, http.StatusOK)
		var ready struct {
			OrderID   string `json:"order_id"`
			Amount    int64  `json:"amount"`
			OrderName string `json:"order_name"`
			Method    string `json:"method"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &ready); err != nil {
			b.Fatal(err)
		}
		key, err := f.fake.Authorize(ready.OrderID, ready.Amount, ready.OrderName, ready.Method)
		if err != nil {
			b.Fatal(err)
		}
		q := url.Values{"paymentKey": {key}, "orderId": {ready.OrderID}, "amount": {"58990"}, "paymentType": {"NORMAL"}}
		rec = benchRequest(b, shop, http.MethodGet, "/success?"+q.Encode(), "", http.StatusSeeOther)
		if loc := rec.Header().Get("Location"); loc != "https://shop.example/done?order_number="+order+"&status=paid" {
			b.Fatalf("success redirect = %s", loc)
		}
		rec = benchRequest(b, shop, http.MethodGet, "/status?order_number="+order, "", http.StatusOK)
		var v struct{ Status string }
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || v.Status != "DONE" {
			b.Fatalf("status = %+v, %v", v, err)
		}
	}
	upstream += f.close(b, inEnv)
	b.ReportMetric(float64(upstream)/float64(n), "upstream/flow")
}
