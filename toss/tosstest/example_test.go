package tosstest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/payments-go/payments/toss/tosstest"
)

// A card payment: the customer authorizes in the window, the merchant
// server confirms with an Idempotency-Key, and the fake shows that the
// approval ran once.
func Example() {
	s := tosstest.New(tosstest.Config{})
	ts := httptest.NewServer(s)
	defer ts.Close()
	defer s.Close()

	paymentKey, err := s.Authorize("order-0001", 15000, "토스 티셔츠", "CARD")
	if err != nil {
		panic(err)
	}
	for range 2 { // a retry with the same key is replayed, not executed
		req, _ := http.NewRequest("POST", ts.URL+"/v1/payments/confirm",
			strings.NewReader(`{"paymentKey":"`+paymentKey+`","orderId":"order-0001","amount":15000}`))
		req.SetBasicAuth("test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R", "")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "confirm-order-0001")
		resp, err := ts.Client().Do(req)
		if err != nil {
			panic(err)
		}
		var p tosstest.Payment
		_ = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, p.Status, *p.Method, p.TotalAmount, p.VAT, p.SuppliedAmount)
	}
	fmt.Println("approvals:", s.Executions(tosstest.OpConfirm, paymentKey))
	// Output:
	// 200 DONE 카드 15000 1364 13636
	// 200 DONE 카드 15000 1364 13636
	// approvals: 1
}

// A virtual account issued by the API and paid by the customer: Deposit
// sends DEPOSIT_CALLBACK and PAYMENT_STATUS_CHANGED to the webhook URL.
func ExampleServer_Deposit() {
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer hook.Close()
	s := tosstest.New(tosstest.Config{WebhookURL: hook.URL})
	ts := httptest.NewServer(s)
	defer ts.Close()
	defer s.Close()

	req, _ := http.NewRequest("POST", ts.URL+"/v1/virtual-accounts", strings.NewReader(
		`{"amount":58990,"orderId":"ORD-20260122-001","orderName":"Cool T-Shirt 외 1건","customerName":"박토스","bank":"우리"}`))
	req.SetBasicAuth("test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R", "")
	req.Header.Set("Content-Type", "application/json")
	resp, err := ts.Client().Do(req)
	if err != nil {
		panic(err)
	}
	var p tosstest.Payment
	_ = json.NewDecoder(resp.Body).Decode(&p)
	resp.Body.Close()
	fmt.Println(p.Status, p.VirtualAccount.BankCode)

	if err := s.Deposit(context.Background(), "ORD-20260122-001"); err != nil {
		panic(err)
	}
	s.FlushWebhooks()
	p, _ = s.Payment("ORD-20260122-001")
	fmt.Println(p.Status)
	for _, h := range s.Webhooks() {
		fmt.Println(h.EventType, h.StatusCode)
	}
	// Output:
	// WAITING_FOR_DEPOSIT 20
	// DONE
	// DEPOSIT_CALLBACK 200
	// DEPOSIT_CALLBACK 200
	// PAYMENT_STATUS_CHANGED 200
}
