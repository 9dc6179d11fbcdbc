package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/payments-go/payments"
	"github.com/payments-go/payments/httpapi"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
)

// Mounting every payment route on a chi router: httpapi's handler takes
// the full path, so chi's Mount works as it is. (chi lives only in this
// test module; the library imports no router.)
func Example_chi() {
	svc, _ := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-20260122-001", Name: "Cool T-Shirt 외 1건", Amount: 58990, Currency: payments.KRW}),
		Gateways: []payments.Gateway{paymentstest.NewGateway("toss"), paymentstest.NewGateway("stripe")},
	})
	api, err := httpapi.New(httpapi.Config{
		Service:   svc,
		PublicURL: "https://shop.example",
		Authorize: payments.BearerToken("change-me"),
		Toss:      &httpapi.TossConfig{ClientKey: "test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq"},
		Stripe:    &httpapi.StripeConfig{WebhookSecret: "whsec_test"},
	})
	if err != nil {
		panic(err)
	}

	r := chi.NewRouter()
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	r.Mount("/payments", api)
	srv := httptest.NewServer(r)
	defer srv.Close()

	body := `{"order_number":"ORD-20260122-001","amount":58990,"order_name":"Cool T-Shirt 외 1건","method":"CARD",
	"success_url":"https://shop.example/ok","fail_url":"https://shop.example/fail"}`
	for _, req := range []struct{ method, path, body string }{
		{"POST", "/payments/toss/ready", body},
		{"GET", "/payments/status?order_number=ORD-20260122-001", ""},
		{"GET", "/payments/toss/ready", ""},
		{"POST", "/payments/stripe/refund", `{"order_number":"ORD-20260122-001","reason":"x"}`},
	} {
		rq, _ := http.NewRequest(req.method, srv.URL+req.path, strings.NewReader(req.body))
		rq.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(rq)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(req.method, strings.SplitN(req.path, "?", 2)[0], resp.StatusCode)
	}
	// Output:
	// POST /payments/toss/ready 200
	// GET /payments/status 200
	// GET /payments/toss/ready 405
	// POST /payments/stripe/refund 401
}
