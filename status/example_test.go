package status_test

import (
	"context"
	"encoding/json"
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
	h, err := status.NewHandler(status.Config{Service: svc})
	if err != nil {
		panic(err)
	}
	mux.Handle("/payments/", http.StripPrefix("/payments", h))
	for _, q := range []string{"ORD-1", "ORD-404"} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/payments/status?order_number="+q, nil))
		fmt.Println(w.Code, w.Header().Get("Content-Type"))
	}
	// Output:
	// 200 application/json; charset=utf-8
	// 404 application/json; charset=utf-8
}

// An application's own route answers with the status view, in the same
// shape as the status route.
func ExampleWriteJSON() {
	ctx := context.Background()
	svc, _ := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-1", Name: "Cap", Amount: 1990, Currency: payments.USD}),
		Gateways: []payments.Gateway{paymentstest.NewGateway("fake")},
	})
	_, _ = svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-1", Gateway: "fake"})

	pay := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := svc.Confirm(r.Context(), payments.ConfirmRequest{OrderNumber: r.URL.Query().Get("order_number")})
		if err != nil {
			http.Error(w, string(payments.Code(err)), payments.HTTPStatus(err))
			return
		}
		status.WriteJSON(w, http.StatusOK, p)
	})
	w := httptest.NewRecorder()
	pay.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/my/pay?order_number=ORD-1", nil))
	var v status.Payment
	_ = json.NewDecoder(w.Body).Decode(&v)
	fmt.Println(w.Code, v.OrderNumber, v.Status, v.Amount, v.Currency)
	// Output:
	// 200 ORD-1 paid 1990 USD
}
