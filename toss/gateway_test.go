package toss

import (
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
	"github.com/payments-go/payments/toss/tosstest"
)

// gwTestKey is the public test key of Toss's docs
// (https://docs.tosspayments.com/reference/using-api/api-keys).
const gwTestKey = "test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R"

// gwFake starts a tosstest server and a client and gateway pointed at it.
func gwFake(t *testing.T, cfg tosstest.Config) (*tosstest.Server, *Client, *Gateway) {
	t.Helper()
	s, ts := tosstest.NewTestServer(t, cfg)
	c, err := NewClient(ClientConfig{SecretKey: gwTestKey, BaseURL: ts.URL, HTTPClient: ts.Client(),
		RetryBackoff: time.Millisecond, RetryMaxBackoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewGateway(GatewayConfig{Client: c})
	if err != nil {
		t.Fatal(err)
	}
	return s, c, g
}

func gwAuthorize(t *testing.T, s *tosstest.Server, orderID string, amount payments.Amount, method string) string {
	t.Helper()
	key, err := s.Authorize(orderID, int64(amount), "Conformance order", method)
	if err != nil {
		t.Fatalf("Authorize(%s): %v", orderID, err)
	}
	return key
}

func TestGatewayConformance(t *testing.T) {
	s, _, g := gwFake(t, tosstest.Config{})
	paymentstest.RunGatewayTests(t, paymentstest.GatewayHarness{
		Gateway: g,
		Authorize: func(t *testing.T, o payments.Order, id string) string {
			return gwAuthorize(t, s, id, o.Amount, "CARD")
		},
		AuthorizeDeclined: func(t *testing.T, o payments.Order, id string) string {
			key := gwAuthorize(t, s, id, o.Amount, "CARD")
			if err := s.FailConfirm(key, "REJECT_CARD_COMPANY"); err != nil {
				t.Fatal(err)
			}
			return key
		},
		Secrets: []string{gwTestKey, base64.StdEncoding.EncodeToString([]byte(gwTestKey + ":"))},
		Deposit: func(t *testing.T, ch *payments.Charge) {
			if err := s.Deposit(t.Context(), ch.Reference); err != nil {
				t.Fatal(err)
			}
		},
		RefundAccount: &payments.BankAccount{Bank: "88", AccountNumber: "110123456789", HolderName: "김토스"},
	})
}

// The public docs show a full refund both as CANCELED and as
// PARTIAL_CANCELED: the suite must pass with either answer (the default
// fake answers PARTIAL_CANCELED once a payment was partially canceled;
// this one always CANCELED). Its refunds of deposits go to a securities
// account, which Toss takes.
func TestGatewayConformanceCanceledAtZero(t *testing.T) {
	s, _, g := gwFake(t, tosstest.Config{ZeroBalanceStatus: tosstest.StatusCanceled})
	paymentstest.RunGatewayTests(t, paymentstest.GatewayHarness{
		Gateway: g,
		Authorize: func(t *testing.T, o payments.Order, id string) string {
			return gwAuthorize(t, s, id, o.Amount, "TOSSPAY")
		},
		Secrets: []string{gwTestKey},
		Deposit: func(t *testing.T, ch *payments.Charge) {
			if err := s.Deposit(t.Context(), ch.Reference); err != nil {
				t.Fatal(err)
			}
		},
		RefundAccount: &payments.BankAccount{Bank: "S6", AccountNumber: "110123456789", HolderName: "김토스"},
	})
}

func TestGatewayName(t *testing.T) {
	_, _, g := gwFake(t, tosstest.Config{})
	if g.Name() != "toss" {
		t.Errorf("Name() = %q, want toss", g.Name())
	}
	if _, err := NewGateway(GatewayConfig{}); err == nil {
		t.Error("NewGateway without a client succeeded")
	}
}

// A connection dropped after Toss approved the payment: the client
// retries with the same Idempotency-Key, Toss replays the approval, and
// the money is taken once.
func TestGatewayConfirmDroppedAfterProcessing(t *testing.T) {
	s, _, g := gwFake(t, tosstest.Config{})
	key := gwAuthorize(t, s, "ORD-DROP-1", 58990, "CARD")
	s.DropAfterProcessing(1)
	ch, err := g.Confirm(t.Context(), &payments.ConfirmParams{IdempotencyKey: "confirm-drop-1", OrderNumber: "ORD-DROP-1",
		GatewayOrderID: "ORD-DROP-1", Reference: key, Amount: 58990, Currency: payments.KRW})
	if err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	if ch.Status != payments.StatusPaid || ch.Reference != key {
		t.Errorf("Confirm = %s %s, want paid %s", ch.Status, ch.Reference, key)
	}
	if n := s.Executions(tosstest.OpConfirm, key); n != 1 {
		t.Errorf("the fake approved %d times, want 1", n)
	}
	var keys []string
	for _, c := range s.Calls() {
		if c.Op == tosstest.OpConfirm {
			keys = append(keys, c.IdempotencyKey)
		}
	}
	if diff := cmp.Diff([]string{"confirm-drop-1", "confirm-drop-1"}, keys); diff != "" {
		t.Errorf("confirm calls' Idempotency-Keys (-want +got):\n%s", diff)
	}
}

// Confirming again under another key after the payment went through:
// Toss answers ALREADY_PROCESSED_PAYMENT and the gateway reads the payment.
func TestGatewayConfirmAlreadyProcessed(t *testing.T) {
	s, _, g := gwFake(t, tosstest.Config{})
	params := func(key, idem string, amount payments.Amount) *payments.ConfirmParams {
		return &payments.ConfirmParams{IdempotencyKey: idem, OrderNumber: "ORD-AP-1", GatewayOrderID: "ORD-AP-1",
			Reference: key, Amount: amount, Currency: payments.KRW}
	}
	key := gwAuthorize(t, s, "ORD-AP-1", 15000, "CARD")
	first, err := g.Confirm(t.Context(), params(key, "k1", 15000))
	if err != nil {
		t.Fatal(err)
	}
	again, err := g.Confirm(t.Context(), params(key, "k2", 15000))
	if err != nil {
		t.Fatalf("second confirm under another key: %v", err)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("resolved charge differs from the first (-first +again):\n%s", diff)
	}
	if n := s.Executions(tosstest.OpConfirm, key); n != 2 {
		t.Errorf("confirm executions = %d, want 2 (the second refused)", n)
	}
	_, err = g.Confirm(t.Context(), params(key, "k3", 16000))
	if c := payments.Code(err); c != payments.CodeAmountMismatch {
		t.Errorf("already processed with another amount: code %q (%v), want amount_mismatch", c, err)
	}

	// A declined payment confirmed again reports the decline.
	declined := gwAuthorize(t, s, "ORD-AP-2", 15000, "CARD")
	if err := s.FailConfirm(declined, "REJECT_CARD_PAYMENT"); err != nil {
		t.Fatal(err)
	}
	p2 := params(declined, "d1", 15000)
	p2.GatewayOrderID = "ORD-AP-2"
	if _, err := g.Confirm(t.Context(), p2); payments.Code(err) != payments.CodePaymentDeclined {
		t.Fatalf("first confirm: %v, want declined", err)
	}
	p2.IdempotencyKey = "d2"
	_, err = g.Confirm(t.Context(), p2)
	var pe *payments.Error
	if !errors.As(err, &pe) || pe.Code != payments.CodePaymentDeclined || pe.GatewayCode != "REJECT_CARD_PAYMENT" {
		t.Errorf("confirm of an aborted payment: %v, want payment_declined REJECT_CARD_PAYMENT", err)
	}
}

// A key reused for another payment replays the first payment's answer
// (the body is not part of the key's identity); the gateway must not
// take it for the second payment.
func TestGatewayConfirmReplayOfAnotherPayment(t *testing.T) {
	s, _, g := gwFake(t, tosstest.Config{})
	k1 := gwAuthorize(t, s, "ORD-RE-1", 1000, "CARD")
	k2 := gwAuthorize(t, s, "ORD-RE-2", 1000, "CARD")
	if _, err := g.Confirm(t.Context(), &payments.ConfirmParams{IdempotencyKey: "same", GatewayOrderID: "ORD-RE-1", Reference: k1, Amount: 1000}); err != nil {
		t.Fatal(err)
	}
	_, err := g.Confirm(t.Context(), &payments.ConfirmParams{IdempotencyKey: "same", GatewayOrderID: "ORD-RE-2", Reference: k2, Amount: 1000})
	if c := payments.Code(err); c != payments.CodeIdempotencyKeyReused {
		t.Errorf("confirm with a reused key: code %q (%v), want idempotency_key_reused", c, err)
	}
}

func TestGatewayLookupByOrderIDAndOwnership(t *testing.T) {
	s, _, g := gwFake(t, tosstest.Config{})
	key := gwAuthorize(t, s, "ORD-LK-1", 2000, "CARD")
	// Authorised but not confirmed: ready, with the paymentKey found by
	// orderId so the Service can confirm it.
	ch, err := g.Lookup(t.Context(), &payments.LookupParams{OrderNumber: "ORD-LK-1", GatewayOrderID: "ORD-LK-1"})
	if err != nil {
		t.Fatal(err)
	}
	if ch.Status != payments.StatusReady || ch.Reference != key || ch.GatewayStatus != "IN_PROGRESS" {
		t.Errorf("Lookup = %s %s %s, want ready %s IN_PROGRESS", ch.Status, ch.Reference, ch.GatewayStatus, key)
	}
	// A paymentKey of another order never settles this one.
	other := gwAuthorize(t, s, "ORD-LK-2", 2000, "CARD")
	_, err = g.Lookup(t.Context(), &payments.LookupParams{GatewayOrderID: "ORD-LK-1", Reference: other})
	if c := payments.Code(err); c != payments.CodePaymentNotFound {
		t.Errorf("Lookup of another order's key: code %q, want payment_not_found", c)
	}
	if _, err := g.Lookup(t.Context(), &payments.LookupParams{}); payments.Code(err) != payments.CodeInvalidRequest {
		t.Errorf("empty Lookup: %v, want invalid_request", err)
	}
}

func TestGatewayVirtualAccount(t *testing.T) {
	s, _, g := gwFake(t, tosstest.Config{})
	order := payments.Order{Number: "ORD-VA-1", Name: "Cool T-Shirt 외 1건", Amount: 58990, Currency: payments.KRW}
	ch, err := g.IssueVirtualAccount(t.Context(), &payments.VirtualAccountParams{IdempotencyKey: "va-1", Order: order,
		GatewayOrderID: "ORD-VA-1", Bank: "우리", CustomerName: "박토스", ValidHours: 24})
	if err != nil {
		t.Fatalf("IssueVirtualAccount: %v", err)
	}
	fp, _ := s.Payment(ch.Reference)
	want := &payments.Charge{
		Reference: fp.PaymentKey, GatewayOrderID: "ORD-VA-1", Status: payments.StatusWaitingForDeposit,
		GatewayStatus: "WAITING_FOR_DEPOSIT", Method: payments.MethodVirtualAccount, Amount: 58990, Currency: payments.KRW,
		VirtualAccount: &payments.VirtualAccount{Bank: "20", AccountNumber: fp.VirtualAccount.AccountNumber, Holder: "박토스",
			DueDate: s.Now().Add(24 * time.Hour).Truncate(time.Second)},
		DepositSecret: payments.Secret(*fp.Secret),
	}
	if diff := cmp.Diff(want, ch, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
		cmp.Comparer(func(a, b payments.Secret) bool { return a.Reveal() == b.Reveal() })); diff != "" {
		t.Errorf("issued charge (-want +got):\n%s", diff)
	}
	if ch.DepositSecret.IsZero() {
		t.Error("no deposit secret")
	}
	if err := s.Deposit(t.Context(), ch.Reference); err != nil {
		t.Fatal(err)
	}
	got, err := g.Lookup(t.Context(), &payments.LookupParams{GatewayOrderID: "ORD-VA-1", Reference: ch.Reference})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != payments.StatusPaid || got.PaidAt.IsZero() {
		t.Errorf("after the deposit: %s paid at %v, want paid", got.Status, got.PaidAt)
	}

	// A deposited virtual account needs the customer's refund account.
	_, err = g.Refund(t.Context(), &payments.RefundParams{IdempotencyKey: "rf-va-1", GatewayOrderID: "ORD-VA-1",
		Reference: ch.Reference, Amount: 58990, Currency: payments.KRW, Reason: "반품"})
	var pe *payments.Error
	if !errors.As(err, &pe) || pe.Code != payments.CodeInvalidRequest || pe.Message == "잘못된 요청입니다." {
		t.Fatalf("refund without an account: %v, want a clear invalid_request", err)
	}
	var api *APIError
	if !errors.As(err, &api) || api.Code != "INVALID_REQUEST" {
		t.Errorf("the Toss error is not reachable: %v", err)
	}
	res, err := g.Refund(t.Context(), &payments.RefundParams{IdempotencyKey: "rf-va-2", GatewayOrderID: "ORD-VA-1",
		Reference: ch.Reference, Amount: 58990, Currency: payments.KRW, Reason: "반품",
		ReceiveAccount: &payments.BankAccount{Bank: "신한", AccountNumber: "110-123-456789", HolderName: "박토스"}})
	if err != nil {
		t.Fatalf("refund with an account: %v", err)
	}
	// The money goes back by bank transfer later: pending until
	// virtualAccount.refundStatus is COMPLETED.
	if res.Status != payments.RefundPending || res.Reference == "" {
		t.Errorf("refund = %+v, want pending with the cancel's key", res)
	}
	after, _ := s.Payment(ch.Reference)
	if c := after.Cancels; len(c) != 1 || c[0].TransactionKey != res.Reference {
		t.Errorf("fake cancels = %+v, want one with key %s", c, res.Reference)
	}
	again := &payments.RefundParams{IdempotencyKey: "rf-va-2", GatewayOrderID: "ORD-VA-1", Reference: ch.Reference,
		Amount: 58990, Currency: payments.KRW, Reason: "반품", GatewayReference: res.Reference,
		ReceiveAccount: &payments.BankAccount{Bank: "신한", AccountNumber: "110-123-456789", HolderName: "박토스"}}
	if res, err := g.Refund(t.Context(), again); err != nil || res.Status != payments.RefundPending {
		t.Errorf("read back before the transfer: %+v, %v; want pending", res, err)
	}
	s.Advance(48 * time.Hour)
	if res, err := g.Refund(t.Context(), again); err != nil || res.Status != payments.RefundSucceeded || res.Reference != after.Cancels[0].TransactionKey {
		t.Errorf("read back after the transfer: %+v, %v; want succeeded", res, err)
	}
	if n := s.Executions(tosstest.OpCancel, ch.Reference); n != 2 {
		t.Errorf("cancels executed = %d, want 2 (the refused one and the refund; reading back sends none)", n)
	}
	got, err = g.Lookup(t.Context(), &payments.LookupParams{Reference: ch.Reference})
	if err != nil || got.Status != payments.StatusRefunded || got.RefundedAmount != 58990 {
		t.Errorf("after the refund: %+v, %v; want refunded 58990", got, err)
	}
}

func TestGatewayVirtualAccountCanceledBeforeDeposit(t *testing.T) {
	s, _, g := gwFake(t, tosstest.Config{})
	order := payments.Order{Number: "ORD-VA-2", Name: "Cap", Amount: 9900, Currency: payments.KRW}
	ch, err := g.IssueVirtualAccount(t.Context(), &payments.VirtualAccountParams{IdempotencyKey: "va-2", Order: order,
		Bank: "20", CustomerName: "김토스"})
	if err != nil {
		t.Fatal(err)
	}
	if ch.GatewayOrderID != "ORD-VA-2" {
		t.Errorf("orderId = %q, want the order number", ch.GatewayOrderID)
	}
	if _, err := g.Refund(t.Context(), &payments.RefundParams{IdempotencyKey: "rf-va-3", Reference: ch.Reference,
		Amount: 9900, Reason: "고객 취소"}); err != nil {
		t.Fatalf("cancel before deposit: %v", err)
	}
	got, err := g.Lookup(t.Context(), &payments.LookupParams{Reference: ch.Reference})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != payments.StatusCanceled || got.RefundedAmount != 0 {
		t.Errorf("canceled before deposit: %s refunded %d, want canceled 0", got.Status, got.RefundedAmount)
	}
	_ = s
}

func TestGatewayVirtualAccountRefused(t *testing.T) {
	_, _, g := gwFake(t, tosstest.Config{})
	order := payments.Order{Number: "ORD-VA-3", Name: "Cap", Amount: 9900, Currency: payments.KRW}
	for _, tc := range []struct {
		name   string
		params payments.VirtualAccountParams
		want   payments.ErrorCode
	}{
		{"usd", payments.VirtualAccountParams{IdempotencyKey: "x", Order: payments.Order{Number: "ORD-VA-3", Name: "Cap", Amount: 99, Currency: payments.USD}, Bank: "20", CustomerName: "A"}, payments.CodeInvalidRequest},
		{"unknown bank", payments.VirtualAccountParams{IdempotencyKey: "x", Order: order, Bank: "Bank of Nowhere", CustomerName: "A"}, payments.CodeInvalidRequest},
		{"no key", payments.VirtualAccountParams{Order: order, Bank: "20", CustomerName: "A"}, payments.CodeInvalidRequest},
		{"too long", payments.VirtualAccountParams{IdempotencyKey: "x", Order: order, Bank: "20", CustomerName: "A", ValidHours: 100000}, payments.CodeInvalidRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := g.IssueVirtualAccount(t.Context(), &tc.params)
			if c := payments.Code(err); c != tc.want {
				t.Errorf("code %q (%v), want %q", c, err, tc.want)
			}
		})
	}
}

func TestGatewayPartialThenFullCancel(t *testing.T) {
	s, _, g := gwFake(t, tosstest.Config{})
	key := gwAuthorize(t, s, "ORD-PC-1", 30000, "CARD")
	if _, err := g.Confirm(t.Context(), &payments.ConfirmParams{IdempotencyKey: "c", GatewayOrderID: "ORD-PC-1", Reference: key, Amount: 30000, Currency: payments.KRW}); err != nil {
		t.Fatal(err)
	}
	refund := func(idem string, amt payments.Amount) *payments.RefundResult {
		t.Helper()
		r, err := g.Refund(t.Context(), &payments.RefundParams{IdempotencyKey: idem, GatewayOrderID: "ORD-PC-1", Reference: key,
			Amount: amt, Currency: payments.KRW, Reason: "부분 환불"})
		if err != nil {
			t.Fatalf("refund %d: %v", amt, err)
		}
		return r
	}
	r1 := refund("rf-1", 10000)
	ch, _ := g.Lookup(t.Context(), &payments.LookupParams{Reference: key})
	if ch.Status != payments.StatusPartiallyRefunded || ch.RefundedAmount != 10000 {
		t.Errorf("after partial: %s %d", ch.Status, ch.RefundedAmount)
	}
	r2 := refund("rf-2", 20000)
	if r1.Reference == r2.Reference {
		t.Error("two cancels share a reference")
	}
	ch, _ = g.Lookup(t.Context(), &payments.LookupParams{Reference: key})
	if ch.Status != payments.StatusRefunded || ch.RefundedAmount != 30000 {
		t.Errorf("after full: %s %d", ch.Status, ch.RefundedAmount)
	}
	// Every cancel sent cancelAmount explicitly.
	fp, _ := s.Payment(key)
	var amounts []int64
	for _, c := range fp.Cancels {
		amounts = append(amounts, c.CancelAmount)
	}
	if diff := cmp.Diff([]int64{10000, 20000}, amounts); diff != "" {
		t.Errorf("cancel amounts (-want +got):\n%s", diff)
	}
	// A replay of the first refund's key with another amount is refused.
	_, err := g.Refund(t.Context(), &payments.RefundParams{IdempotencyKey: "rf-1", Reference: key, Amount: 5000, Reason: "x"})
	if c := payments.Code(err); c != payments.CodeIdempotencyKeyReused {
		t.Errorf("reused refund key: code %q (%v), want idempotency_key_reused", c, err)
	}
}

// End to end through the Service: authorise, confirm, refund, reconcile.
func TestGatewayWithService(t *testing.T) {
	s, _, g := gwFake(t, tosstest.Config{})
	svc, err := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-SVC-1", Name: "T-Shirt", Amount: 58990, Currency: payments.KRW}),
		Gateways: []payments.Gateway{g},
	})
	if err != nil {
		t.Fatal(err)
	}
	prep, err := svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: "ORD-SVC-1", Gateway: "toss"})
	if err != nil {
		t.Fatal(err)
	}
	key := gwAuthorize(t, s, prep.Attempt.GatewayOrderID, 58990, "CARD")
	// Toss fails once, temporarily: the client retries with the same key.
	s.FailNext(1, "FAILED_INTERNAL_SYSTEM_PROCESSING")
	p, err := svc.Confirm(t.Context(), payments.ConfirmRequest{GatewayOrderID: prep.Attempt.GatewayOrderID, Reference: key, Amount: 58990})
	if err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	if p.Status != payments.StatusPaid || p.Method != payments.MethodCard || p.GatewayReference != key {
		t.Errorf("payment = %s %s %s", p.Status, p.Method, p.GatewayReference)
	}
	p, r, err := svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: "ORD-SVC-1", Amount: 8990, Reason: "size"})
	if err != nil {
		t.Fatalf("Refund: %v", err)
	}
	if r.Status != payments.RefundSucceeded || p.Status != payments.StatusPartiallyRefunded || r.GatewayReference == "" {
		t.Errorf("refund %+v, payment %s", r, p.Status)
	}
	if n := s.Executions(tosstest.OpConfirm, key); n != 1 {
		t.Errorf("confirm executions = %d, want 1", n)
	}
}

// The Service's reconciliation re-confirms an attempt left processing
// that Toss still reports as authorised (IN_PROGRESS → ready).
func TestGatewayReconcileReconfirms(t *testing.T) {
	s, _, g := gwFake(t, tosstest.Config{})
	svc, err := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-REC-1", Name: "T-Shirt", Amount: 1000, Currency: payments.KRW}),
		Gateways: []payments.Gateway{g},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: "ORD-REC-1", Gateway: "toss"}); err != nil {
		t.Fatal(err)
	}
	key := gwAuthorize(t, s, "ORD-REC-1", 1000, "CARD")
	// Every try is lost before it reaches Toss, and so is the lookup.
	s.DropNext(4)
	p, err := svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: "ORD-REC-1", Reference: key})
	if c := payments.Code(err); c != payments.CodeGatewayUnavailable {
		t.Fatalf("Confirm: code %q (%v), want gateway_unavailable", c, err)
	}
	if p.Status != payments.StatusProcessing {
		t.Fatalf("status %s, want processing", p.Status)
	}
	rep, err := svc.Reconcile(t.Context(), &payments.ReconcileOptions{SettleAfter: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) > 0 {
		t.Fatalf("reconcile errors: %v", rep.Errors[0].Err)
	}
	p, _ = svc.Payment(t.Context(), "ORD-REC-1")
	if p.Status != payments.StatusPaid {
		t.Errorf("after reconcile: %s, want paid", p.Status)
	}
	if n := s.Executions(tosstest.OpConfirm, key); n != 1 {
		t.Errorf("confirm executions = %d, want 1", n)
	}
}
