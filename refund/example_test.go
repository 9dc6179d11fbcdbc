package refund_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
	"github.com/payments-go/payments/refund"
)

// The refund handler on its own route, guarded by a bearer token. An
// Idempotency-Key makes a retried request return the first refund.
func ExampleNewHandler() {
	ctx := context.Background()
	svc, _ := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-1", Name: "Two shirts", Amount: 40000, Currency: payments.KRW}),
		Gateways: []payments.Gateway{paymentstest.NewGateway("fake")},
	})
	_, _ = svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-1", Gateway: "fake"})
	_, _ = svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-1"})

	h, err := refund.NewHandler(refund.Config{Service: svc, Authorize: payments.BearerToken("s3cret-admin-token")})
	if err != nil {
		panic(err)
	}
	send := func(token string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/refund", strings.NewReader(`{"order_number":"ORD-1","amount":15000,"reason":"one shirt returned"}`))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Idempotency-Key", "return-42")
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	fmt.Println(send("").Code)
	fmt.Println(send("s3cret-admin-token").Code)
	fmt.Println(send("s3cret-admin-token").Code) // the same refund, not a second one
	p, _ := svc.Payment(ctx, "ORD-1")
	fmt.Println(p.Status, len(p.Refunds), p.Currency.Format(p.RefundedAmount))
	// Output:
	// 401
	// 200
	// 200
	// partially_refunded 1 ₩15,000
}
