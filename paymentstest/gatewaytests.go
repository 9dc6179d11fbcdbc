package paymentstest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/payments-go/payments"
)

// GatewayHarness is what [RunGatewayTests] needs to exercise a gateway.
type GatewayHarness struct {
	// Gateway is the gateway under test, talking to its test server.
	Gateway payments.Gateway
	// Authorize does what a customer does at the gateway's page for an
	// order: afterwards Confirm with the returned reference and
	// gatewayOrderID takes the money. It is called with a fresh order and
	// gateway order id each time.
	Authorize func(t *testing.T, order payments.Order, gatewayOrderID string) (reference string)
	// AuthorizeDeclined, if set, authorises a payment whose confirm the
	// gateway declines.
	AuthorizeDeclined func(t *testing.T, order payments.Order, gatewayOrderID string) (reference string)
	// Currency of the test orders; default KRW.
	Currency payments.Currency
	// Amount of the test orders in minor units; default 58990.
	Amount payments.Amount
	// Secrets must never appear in any error the gateway returns.
	Secrets []string
	// Deposit, for a gateway that is a [payments.VirtualAccountIssuer],
	// does what a customer does with an issued virtual account: it
	// transfers the amount due into the account of ch. Without it the
	// tests that need a deposit are skipped.
	Deposit func(t *testing.T, ch *payments.Charge)
	// Bank is the bank of the virtual accounts the tests issue; default
	// "20".
	Bank string
	// RefundAccount is where the refund of a deposited virtual account
	// goes, for gateways that need one (Toss).
	RefundAccount *payments.BankAccount
	// AuthorizeHold, for a gateway that is a [payments.Capturer], does
	// what a customer does at the gateway's page for an order prepared
	// with manual capture: afterwards the attempt of the returned
	// reference is authorized, the whole amount capturable. Without it
	// the capture tests are skipped.
	AuthorizeHold func(t *testing.T, order payments.Order, gatewayOrderID string) (reference string)
}

var orderSeq struct {
	sync.Mutex
	n int
}

func (h *GatewayHarness) order(t *testing.T) (payments.Order, string) {
	orderSeq.Lock()
	orderSeq.n++
	n := orderSeq.n
	orderSeq.Unlock()
	cur, amt := h.Currency, h.Amount
	if cur == "" {
		cur = payments.KRW
	}
	if amt == 0 {
		amt = 58990
	}
	num := fmt.Sprintf("CONF-%d-%d", time.Now().UnixNano()%1e9, n)
	o := payments.Order{Number: num, Name: "Conformance order", Amount: amt, Currency: cur}
	return o, num
}

// RunGatewayTests checks that a [payments.Gateway] keeps the contract
// written on that interface: idempotent confirm (also concurrently),
// amount mismatch refused, unknown payments reported as
// payment_not_found, over-refunds refused, partial refunds adding up to
// the whole, declines reported with the gateway's code, canceled contexts
// honoured, and no secret in any error. A gateway that is also a
// [payments.Canceler] is checked against that contract (an unpaid attempt
// is left unpaid, a paid one is reported as it is, without an error), and
// one that is a [payments.VirtualAccountIssuer] against its own: an
// account issued once per idempotency key, waiting for the deposit, with
// the bank, number, due date and deposit secret; paid after the deposit;
// refundable; canceled before the deposit when the gateway is a Canceler.
func RunGatewayTests(t *testing.T, h GatewayHarness) {
	t.Helper()
	if h.Gateway == nil || h.Authorize == nil {
		t.Fatal("paymentstest: GatewayHarness needs Gateway and Authorize")
	}
	g := h.Gateway
	var errMu sync.Mutex
	var seen []error
	keep := func(err error) error {
		if err != nil {
			errMu.Lock()
			seen = append(seen, err)
			errMu.Unlock()
		}
		return err
	}
	paid := func(t *testing.T) (payments.Order, string, string) {
		t.Helper()
		o, id := h.order(t)
		ref := h.Authorize(t, o, id)
		ch, err := g.Confirm(t.Context(), &payments.ConfirmParams{IdempotencyKey: "confirm-" + id, OrderNumber: o.Number,
			GatewayOrderID: id, Reference: ref, Amount: o.Amount, Currency: o.Currency})
		if keep(err) != nil {
			t.Fatalf("Confirm: %v", err)
		}
		if ch.Status != payments.StatusPaid {
			t.Fatalf("Confirm status = %q, want paid", ch.Status)
		}
		return o, id, ch.Reference
	}

	t.Run("ConfirmIsIdempotent", func(t *testing.T) {
		o, id := h.order(t)
		ref := h.Authorize(t, o, id)
		params := &payments.ConfirmParams{IdempotencyKey: "confirm-" + id, OrderNumber: o.Number, GatewayOrderID: id,
			Reference: ref, Amount: o.Amount, Currency: o.Currency}
		first, err := g.Confirm(t.Context(), params)
		if keep(err) != nil {
			t.Fatalf("first Confirm: %v", err)
		}
		if first.Status != payments.StatusPaid || first.Amount != o.Amount || first.Reference == "" {
			t.Fatalf("first Confirm = %+v, want paid %d with a reference", first, o.Amount)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ch, err := g.Confirm(t.Context(), params)
				if keep(err) != nil {
					errs <- err
					return
				}
				if ch.Status != payments.StatusPaid || ch.Reference != first.Reference {
					errs <- fmt.Errorf("repeat Confirm = %s %s, want paid %s", ch.Status, ch.Reference, first.Reference)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		got, err := g.Lookup(t.Context(), &payments.LookupParams{OrderNumber: o.Number, GatewayOrderID: id, Reference: first.Reference})
		if keep(err) != nil {
			t.Fatalf("Lookup: %v", err)
		}
		if got.Status != payments.StatusPaid || got.Amount != o.Amount || got.RefundedAmount != 0 {
			t.Errorf("Lookup = %s %d refunded %d, want paid %d refunded 0", got.Status, got.Amount, got.RefundedAmount, o.Amount)
		}
	})

	t.Run("ConfirmAmountMismatch", func(t *testing.T) {
		o, id := h.order(t)
		ref := h.Authorize(t, o, id)
		_, err := g.Confirm(t.Context(), &payments.ConfirmParams{IdempotencyKey: "confirm-mismatch-" + id, OrderNumber: o.Number,
			GatewayOrderID: id, Reference: ref, Amount: o.Amount + 1, Currency: o.Currency})
		keep(err)
		if c := payments.Code(err); c != payments.CodeAmountMismatch && c != payments.CodeInvalidRequest {
			t.Fatalf("Confirm with another amount: code %q (%v), want amount_mismatch or invalid_request", c, err)
		}
		got, err := g.Lookup(t.Context(), &payments.LookupParams{OrderNumber: o.Number, GatewayOrderID: id, Reference: ref})
		if keep(err) == nil && got.Status.Paid() {
			t.Errorf("after a refused mismatch the charge is %s", got.Status)
		}
	})

	t.Run("UnknownPayment", func(t *testing.T) {
		o, id := h.order(t)
		ref := "unknown" + strings.ReplaceAll(id, "-", "")
		_, err := g.Confirm(t.Context(), &payments.ConfirmParams{IdempotencyKey: "confirm-unknown-" + id, OrderNumber: o.Number,
			GatewayOrderID: id, Reference: ref, Amount: o.Amount, Currency: o.Currency})
		if c := payments.Code(keep(err)); c != payments.CodePaymentNotFound {
			t.Errorf("Confirm unknown: code %q (%v), want payment_not_found", c, err)
		}
		_, err = g.Lookup(t.Context(), &payments.LookupParams{OrderNumber: o.Number, GatewayOrderID: id, Reference: ref})
		if c := payments.Code(keep(err)); c != payments.CodePaymentNotFound {
			t.Errorf("Lookup unknown: code %q (%v), want payment_not_found", c, err)
		}
		_, err = g.Refund(t.Context(), &payments.RefundParams{IdempotencyKey: "refund-unknown-" + id, OrderNumber: o.Number,
			GatewayOrderID: id, Reference: ref, Amount: 1, Currency: o.Currency, Reason: "test"})
		if c := payments.Code(keep(err)); c != payments.CodePaymentNotFound {
			t.Errorf("Refund unknown: code %q (%v), want payment_not_found", c, err)
		}
	})

	t.Run("RefundsAddUpAndNeverExceed", func(t *testing.T) {
		o, id, ref := paid(t)
		refund := func(key string, amt payments.Amount) (*payments.RefundResult, error) {
			r, err := g.Refund(t.Context(), &payments.RefundParams{IdempotencyKey: key, OrderNumber: o.Number, GatewayOrderID: id,
				Reference: ref, Amount: amt, Currency: o.Currency, Reason: "conformance", Full: amt == o.Amount})
			return r, keep(err)
		}
		if _, err := refund("rf-over-"+id, o.Amount+1); err == nil {
			t.Fatal("refund above the paid amount succeeded")
		} else if c := payments.Code(err); c != payments.CodeRefundExceedsBalance && c != payments.CodeInvalidRequest {
			t.Fatalf("over-refund: code %q (%v), want refund_exceeds_balance or invalid_request", c, err)
		}
		part := o.Amount / 3
		r1, err := refund("rf-1-"+id, part)
		if err != nil || r1.Status != payments.RefundSucceeded {
			t.Fatalf("partial refund = %+v, %v", r1, err)
		}
		again, err := refund("rf-1-"+id, part)
		if err != nil || again.Reference != r1.Reference {
			t.Fatalf("repeated refund key = %+v, %v; want the first refund %q", again, err, r1.Reference)
		}
		if _, err := refund("rf-over2-"+id, o.Amount-part+1); err == nil {
			t.Fatal("refund above the remaining balance succeeded")
		}
		if r, err := refund("rf-2-"+id, o.Amount-part); err != nil || r.Status != payments.RefundSucceeded {
			t.Fatalf("refund of the rest = %+v, %v", r, err)
		}
		got, err := g.Lookup(t.Context(), &payments.LookupParams{OrderNumber: o.Number, GatewayOrderID: id, Reference: ref})
		if keep(err) != nil {
			t.Fatalf("Lookup: %v", err)
		}
		if got.RefundedAmount != o.Amount || got.Status != payments.StatusRefunded {
			t.Errorf("after refunds: %s refunded %d, want refunded %d", got.Status, got.RefundedAmount, o.Amount)
		}
		if _, err := refund("rf-3-"+id, 1); err == nil {
			t.Error("refund of a fully refunded payment succeeded")
		}
	})

	t.Run("ConcurrentRefundsNeverExceed", func(t *testing.T) {
		o, id, ref := paid(t)
		quarter := o.Amount / 4
		var wg sync.WaitGroup
		var mu sync.Mutex
		var total payments.Amount
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := g.Refund(t.Context(), &payments.RefundParams{IdempotencyKey: fmt.Sprintf("rf-c%d-%s", i, id), OrderNumber: o.Number,
					GatewayOrderID: id, Reference: ref, Amount: quarter, Currency: o.Currency, Reason: "conformance"})
				if keep(err) == nil && r.Status == payments.RefundSucceeded {
					mu.Lock()
					total += quarter
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if total > o.Amount {
			t.Errorf("concurrent refunds took back %d of %d", total, o.Amount)
		}
		got, err := g.Lookup(t.Context(), &payments.LookupParams{OrderNumber: o.Number, GatewayOrderID: id, Reference: ref})
		if keep(err) != nil {
			t.Fatalf("Lookup: %v", err)
		}
		if got.RefundedAmount != total {
			t.Errorf("gateway refunded %d, callers were told %d", got.RefundedAmount, total)
		}
	})

	t.Run("Declined", func(t *testing.T) {
		if h.AuthorizeDeclined == nil {
			t.Skip("harness has no AuthorizeDeclined")
		}
		o, id := h.order(t)
		ref := h.AuthorizeDeclined(t, o, id)
		_, err := g.Confirm(t.Context(), &payments.ConfirmParams{IdempotencyKey: "confirm-" + id, OrderNumber: o.Number,
			GatewayOrderID: id, Reference: ref, Amount: o.Amount, Currency: o.Currency})
		keep(err)
		var pe *payments.Error
		if !errors.As(err, &pe) || pe.Code != payments.CodePaymentDeclined || pe.GatewayCode == "" {
			t.Fatalf("declined Confirm: %v; want payment_declined with a gateway code", err)
		}
		if !errors.Is(err, payments.ErrPaymentDeclined) {
			t.Error("errors.Is(err, ErrPaymentDeclined) is false")
		}
	})

	t.Run("CanceledContext", func(t *testing.T) {
		o, id := h.order(t)
		ref := h.Authorize(t, o, id)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		start := time.Now()
		_, err := g.Confirm(ctx, &payments.ConfirmParams{IdempotencyKey: "confirm-canceled-" + id, OrderNumber: o.Number,
			GatewayOrderID: id, Reference: ref, Amount: o.Amount, Currency: o.Currency})
		keep(err)
		if err == nil {
			t.Fatal("Confirm with a canceled context succeeded")
		}
		if c := payments.Code(err); !errors.Is(err, context.Canceled) && c != payments.CodeCanceled && c != payments.CodeGatewayUnavailable {
			t.Errorf("Confirm with a canceled context: code %q (%v)", c, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Confirm with a canceled context took %v", d)
		}
	})

	if c, ok := g.(payments.Canceler); ok {
		runCancelTests(t, h, c, paid, keep)
	}
	if v, ok := g.(payments.VirtualAccountIssuer); ok {
		runVirtualAccountTests(t, h, v, keep)
	}
	if c, ok := g.(payments.Capturer); ok && h.AuthorizeHold != nil {
		runCaptureTests(t, h, c, keep)
	}

	t.Run("ErrorsAreTypedAndSecretFree", func(t *testing.T) {
		errMu.Lock()
		defer errMu.Unlock()
		if len(seen) == 0 {
			t.Fatal("no errors were collected")
		}
		for _, err := range seen {
			var pe *payments.Error
			if !errors.As(err, &pe) && !errors.Is(err, context.Canceled) {
				t.Errorf("error %v (%T) is not a *payments.Error", err, err)
			}
			text := err.Error() + fmt.Sprintf(" %+v %#v", err, err)
			for _, s := range h.Secrets {
				if s != "" && strings.Contains(text, s) {
					t.Errorf("error %q contains a secret", err.Error())
				}
			}
		}
	})
}

// runCancelTests checks the [payments.Canceler] contract: Cancel makes an
// unpaid attempt unpayable, or at least leaves it unpaid where the
// gateway cannot cancel it (a Toss authorisation that nobody confirms
// lapses by itself), and reports a paid attempt as it is, without an
// error; repeating it with the same key changes nothing.
func runCancelTests(t *testing.T, h GatewayHarness, c payments.Canceler,
	paid func(*testing.T) (payments.Order, string, string), keep func(error) error) {
	t.Run("CancelLeavesPaidAttemptPaid", func(t *testing.T) {
		o, id, ref := paid(t)
		for range 2 {
			ch, err := c.Cancel(t.Context(), &payments.CancelParams{IdempotencyKey: "cancel-paid-" + id, OrderNumber: o.Number,
				GatewayOrderID: id, Reference: ref, Reason: "conformance"})
			if keep(err) != nil {
				t.Fatalf("Cancel of a paid attempt: %v; want the charge as it is", err)
			}
			if ch.Status != payments.StatusPaid || ch.Amount != o.Amount {
				t.Fatalf("Cancel of a paid attempt = %s %d, want paid %d", ch.Status, ch.Amount, o.Amount)
			}
		}
		got, err := h.Gateway.Lookup(t.Context(), &payments.LookupParams{OrderNumber: o.Number, GatewayOrderID: id, Reference: ref})
		if keep(err) != nil || got.Status != payments.StatusPaid || got.RefundedAmount != 0 {
			t.Errorf("Lookup after Cancel of a paid attempt = %+v, %v; want paid", got, err)
		}
	})
	t.Run("CancelUnconfirmedAttempt", func(t *testing.T) {
		o, id := h.order(t)
		ref := h.Authorize(t, o, id)
		params := &payments.CancelParams{IdempotencyKey: "cancel-" + id, OrderNumber: o.Number, GatewayOrderID: id,
			Reference: ref, Reason: "conformance"}
		first, err := c.Cancel(t.Context(), params)
		if keep(err) != nil {
			t.Fatalf("Cancel of an unconfirmed attempt: %v", err)
		}
		if first.Status.Paid() {
			t.Fatalf("Cancel of an unconfirmed attempt = %s", first.Status)
		}
		again, err := c.Cancel(t.Context(), params)
		if keep(err) != nil || again.Status != first.Status {
			t.Errorf("repeated Cancel = %+v, %v; want %s", again, err, first.Status)
		}
		got, err := h.Gateway.Lookup(t.Context(), &payments.LookupParams{OrderNumber: o.Number, GatewayOrderID: id, Reference: ref})
		if keep(err) != nil && payments.Code(err) != payments.CodePaymentNotFound {
			t.Fatalf("Lookup after Cancel: %v", err)
		}
		if err == nil && got.Status.Paid() {
			t.Errorf("Lookup after Cancel = %s, want unpaid", got.Status)
		}
	})
	t.Run("CancelCanceledContext", func(t *testing.T) {
		o, id := h.order(t)
		ref := h.Authorize(t, o, id)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := c.Cancel(ctx, &payments.CancelParams{IdempotencyKey: "cancel-ctx-" + id, OrderNumber: o.Number, GatewayOrderID: id,
			Reference: ref, Reason: "conformance"})
		keep(err)
		if code := payments.Code(err); err == nil || (!errors.Is(err, context.Canceled) && code != payments.CodeCanceled && code != payments.CodeGatewayUnavailable) {
			t.Errorf("Cancel with a canceled context: %v", err)
		}
	})
}

// runVirtualAccountTests checks the [payments.VirtualAccountIssuer]
// contract.
func runVirtualAccountTests(t *testing.T, h GatewayHarness, v payments.VirtualAccountIssuer, keep func(error) error) {
	bank := h.Bank
	if bank == "" {
		bank = "20"
	}
	issue := func(t *testing.T, o payments.Order, id, key string) *payments.Charge {
		t.Helper()
		ch, err := v.IssueVirtualAccount(t.Context(), &payments.VirtualAccountParams{IdempotencyKey: key, Order: o,
			GatewayOrderID: id, Bank: bank, CustomerName: "김토스", ValidHours: 24})
		if keep(err) != nil {
			t.Fatalf("IssueVirtualAccount: %v", err)
		}
		return ch
	}
	t.Run("IssueVirtualAccountOnce", func(t *testing.T) {
		o, id := h.order(t)
		start := time.Now()
		first := issue(t, o, id, "va-"+id)
		va := first.VirtualAccount
		switch {
		case first.Status != payments.StatusWaitingForDeposit || first.Reference == "" || first.Amount != o.Amount:
			t.Fatalf("issued = %s %q %d, want waiting_for_deposit with a reference and %d", first.Status, first.Reference, first.Amount, o.Amount)
		case va == nil || va.Bank != bank || va.AccountNumber == "" || va.Holder == "":
			t.Fatalf("issued account = %+v, want bank %s with a number and holder", va, bank)
		case first.DepositSecret.IsZero():
			t.Error("no deposit secret")
		}
		if due := va.DueDate; due.Before(start.Add(23*time.Hour)) || due.After(time.Now().Add(25*time.Hour)) {
			t.Errorf("due date %v, want about 24 hours after %v", due, start)
		}
		again := issue(t, o, id, "va-"+id)
		if again.Reference != first.Reference || again.VirtualAccount == nil || again.VirtualAccount.AccountNumber != va.AccountNumber {
			t.Errorf("the same idempotency key issued another account: %+v", again)
		}
		got, err := h.Gateway.Lookup(t.Context(), &payments.LookupParams{OrderNumber: o.Number, GatewayOrderID: id, Reference: first.Reference})
		if keep(err) != nil || got.Status != payments.StatusWaitingForDeposit {
			t.Errorf("Lookup = %+v, %v; want waiting_for_deposit", got, err)
		}
	})
	t.Run("VirtualAccountDepositAndRefund", func(t *testing.T) {
		if h.Deposit == nil {
			t.Skip("harness has no Deposit")
		}
		o, id := h.order(t)
		ch := issue(t, o, id, "va-"+id)
		h.Deposit(t, ch)
		got, err := h.Gateway.Lookup(t.Context(), &payments.LookupParams{OrderNumber: o.Number, GatewayOrderID: id, Reference: ch.Reference})
		if keep(err) != nil || got.Status != payments.StatusPaid || got.Amount != o.Amount {
			t.Fatalf("Lookup after the deposit = %+v, %v; want paid %d", got, err, o.Amount)
		}
		if c, ok := h.Gateway.(payments.Canceler); ok {
			after, err := c.Cancel(t.Context(), &payments.CancelParams{IdempotencyKey: "cancel-" + id, OrderNumber: o.Number,
				GatewayOrderID: id, Reference: ch.Reference, Reason: "conformance"})
			if keep(err) != nil || after.Status != payments.StatusPaid {
				t.Errorf("Cancel after the deposit = %+v, %v; want paid, as it is", after, err)
			}
		}
		res, err := h.Gateway.Refund(t.Context(), &payments.RefundParams{IdempotencyKey: "rf-" + id, OrderNumber: o.Number,
			GatewayOrderID: id, Reference: ch.Reference, Amount: o.Amount, Currency: o.Currency, Full: true,
			Reason: "conformance", ReceiveAccount: h.RefundAccount})
		if keep(err) != nil {
			t.Fatalf("Refund of the deposit: %v", err)
		}
		if res.Reference == "" || (res.Status != payments.RefundSucceeded && res.Status != payments.RefundPending) {
			t.Errorf("Refund of the deposit = %+v, want succeeded or pending with a reference", res)
		}
	})
	if c, ok := h.Gateway.(payments.Canceler); ok {
		t.Run("CancelVirtualAccountBeforeDeposit", func(t *testing.T) {
			o, id := h.order(t)
			ch := issue(t, o, id, "va-"+id)
			params := &payments.CancelParams{IdempotencyKey: "cancel-" + id, OrderNumber: o.Number, GatewayOrderID: id,
				Reference: ch.Reference, Reason: "conformance"}
			for range 2 {
				got, err := c.Cancel(t.Context(), params)
				if keep(err) != nil || got.Status != payments.StatusCanceled {
					t.Fatalf("Cancel before the deposit = %+v, %v; want canceled", got, err)
				}
			}
			got, err := h.Gateway.Lookup(t.Context(), &payments.LookupParams{OrderNumber: o.Number, GatewayOrderID: id, Reference: ch.Reference})
			if keep(err) != nil || got.Status != payments.StatusCanceled || got.RefundedAmount != 0 {
				t.Errorf("Lookup after Cancel = %+v, %v; want canceled, nothing refunded", got, err)
			}
		})
	}
}
