package status_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
	"github.com/payments-go/payments/status"
)

// GET /payments/status answers the payment as JSON; unknown orders are
// 404 order_not_found.
func ExampleNewHandler() {
	ctx := context.Background()
	svc, _ := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-1", Name: "Cap", Amount: 1990, Currency: payments.USD}),
		Gateways: []payments.Gateway{paymentstest.NewGateway("fake")},
	})
	_, _ = svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-1", Gateway: "fake"})

	mux := http.NewServeMux()
	mux.Handle("/payments/", http.StripPrefix("/payments", status.NewHandler(svc)))
	for _, q := range []string{"ORD-1", "ORD-404"} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/payments/status?order_number="+q, nil))
		fmt.Println(w.Code, w.Header().Get("Content-Type"))
	}
	// Output:
	// 200 application/json; charset=utf-8
	// 404 application/json; charset=utf-8
}
