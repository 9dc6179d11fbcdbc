package tosstest

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Cancels keep balanceAmount, vat, suppliedAmount, cancels[],
// status and lastTransactionKey as documented.
func TestCancelBookkeeping(t *testing.T) {
	type step struct {
		amount     int64 // 0 = omit cancelAmount (full cancel of the balance)
		wantStatus string
		balance    int64
		vat        int64
		supplied   int64
	}
	tests := []struct {
		name  string
		total int64
		steps []step
	}{
		{"full cancel", 15000, []step{{0, StatusCanceled, 0, 0, 0}}},
		{"explicit full amount", 15000, []step{{15000, StatusCanceled, 0, 0, 0}}},
		{"partial", 15000, []step{{5000, StatusPartialCanceled, 10000, 909, 9091}}},
		// Observed: the rest of a partially canceled payment canceled leaves
		// PARTIAL_CANCELED with a balance of 0.
		{"partial twice then the rest", 30000, []step{
			{1000, StatusPartialCanceled, 29000, 2636, 26364},
			{9000, StatusPartialCanceled, 20000, 1818, 18182},
			{0, StatusPartialCanceled, 0, 0, 0},
		}},
		{"partials down to zero", 1000, []step{{400, StatusPartialCanceled, 600, 55, 545}, {600, StatusPartialCanceled, 0, 0, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Config{})
			p := f.approved("order-0001", tt.total, "CARD")
			var cancels []Cancel
			for i, st := range tt.steps {
				body := map[string]any{"cancelReason": "고객 변심"}
				if st.amount != 0 {
					body["cancelAmount"] = st.amount
				}
				status, b := f.cancel(p.PaymentKey, body, nil)
				if status != 200 {
					t.Fatalf("step %d: %d %s", i, status, b)
				}
				got := decodePayment(t, b)
				amount := st.amount
				if amount == 0 {
					amount = p.BalanceAmount
				}
				cancels = append(cancels, Cancel{
					CancelAmount: amount, CancelReason: "고객 변심", RefundableAmount: st.balance,
					CanceledAt: "2024-02-13T12:17:57+09:00", CancelStatus: "DONE",
				})
				if got.Status != st.wantStatus || got.BalanceAmount != st.balance || got.VAT != st.vat ||
					got.SuppliedAmount != st.supplied || got.TotalAmount != tt.total {
					t.Errorf("step %d: status %s balance %d vat %d supplied %d total %d", i, got.Status,
						got.BalanceAmount, got.VAT, got.SuppliedAmount, got.TotalAmount)
				}
				if diff := cmp.Diff(cancels, got.Cancels, cmpopts.IgnoreFields(Cancel{}, "TransactionKey")); diff != "" {
					t.Errorf("step %d cancels (-want +got):\n%s", i, diff)
				}
				last := got.Cancels[len(got.Cancels)-1].TransactionKey
				if deref(got.LastTransactionKey) != last || !txKeyShape.MatchString(last) || last == deref(p.LastTransactionKey) {
					t.Errorf("step %d: lastTransactionKey %v, cancel's %s", i, deref(got.LastTransactionKey), last)
				}
				p = got
			}
			if len(tt.steps) > 0 && p.BalanceAmount == 0 && p.Card.AcquireStatus != "CANCELED" {
				t.Errorf("card.acquireStatus = %s", p.Card.AcquireStatus)
			}
		})
	}
}

// Refused cancels, with the real codes, change nothing.
func TestCancelErrors(t *testing.T) {
	tests := []struct {
		name       string
		body       any
		wantStatus int
		wantCode   string
	}{
		{"not JSON", `nope`, 400, "INVALID_REQUEST"},
		{"no cancelReason", map[string]any{"cancelAmount": 100}, 400, "INVALID_REQUEST"},
		{"blank cancelReason", map[string]any{"cancelReason": "  "}, 400, "INVALID_REQUEST"},
		{"cancelReason over 200", map[string]any{"cancelReason": strings.Repeat("가", 201)}, 400, "INVALID_REQUEST"},
		{"cancelAmount as string", map[string]any{"cancelReason": "x", "cancelAmount": "100"}, 400, "INVALID_REQUEST"},
		{"zero cancelAmount", map[string]any{"cancelReason": "x", "cancelAmount": 0}, 400, "BELOW_ZERO_AMOUNT"},
		{"over the balance", map[string]any{"cancelReason": "x", "cancelAmount": 15001}, 403, "NOT_CANCELABLE_AMOUNT"},
		{"refundableAmount guard", map[string]any{"cancelReason": "x", "refundableAmount": 14000}, 400, "NOT_MATCHES_REFUNDABLE_AMOUNT"},
		{"other currency", map[string]any{"cancelReason": "x", "currency": "USD"}, 400, "INVALID_CURRENCY"},
	}
	f := newFixture(t, Config{})
	p := f.approved("order-0001", 15000, "CARD")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := f.cancel(p.PaymentKey, tt.body, nil)
			wantError(t, status, body, tt.wantStatus, tt.wantCode)
		})
	}
	if got, _ := f.s.Payment(p.PaymentKey); !cmp.Equal(got, p) {
		t.Errorf("refused cancels changed the payment:\n%s", cmp.Diff(p, got))
	}
	status, body := f.cancel("tviva20240213121757nokey", map[string]any{"cancelReason": "x"}, nil)
	wantError(t, status, body, 404, "NOT_FOUND_PAYMENT")
	status, body = f.cancel(p.PaymentKey, map[string]any{"cancelReason": "x", "refundableAmount": 15000, "currency": "KRW"}, nil)
	if status != 200 {
		t.Errorf("with matching guard: %d %s", status, body)
	}
}

// Which states can be cancelled.
func TestCancelStates(t *testing.T) {
	f := newFixture(t, Config{})
	inProgress := f.authorize("order-0001", 1000, "CARD")
	ready, _ := f.s.Open("order-0002", 1000, "주문")
	aborted := f.authorize("order-0003", 1000, "CARD")
	_ = f.s.FailConfirm(aborted, "REJECT_CARD_PAYMENT")
	f.confirm(aborted, "order-0003", 1000)
	for _, key := range []string{inProgress, ready, aborted} {
		status, body := f.cancel(key, map[string]any{"cancelReason": "x"}, nil)
		wantError(t, status, body, 403, "NOT_CANCELABLE_PAYMENT")
	}
	done := f.approved("order-0004", 1000, "CARD")
	if status, body := f.cancel(done.PaymentKey, map[string]any{"cancelReason": "x"}, nil); status != 200 {
		t.Fatalf("cancel: %d %s", status, body)
	}
	status, body := f.cancel(done.PaymentKey, map[string]any{"cancelReason": "x"}, nil)
	wantError(t, status, body, 400, "ALREADY_CANCELED_PAYMENT")
	// An order whose payment was cancelled cannot be paid again.
	if _, err := f.s.Authorize("order-0004", 1000, "x", "CARD"); err == nil || err.(*Error).Code != "DUPLICATED_ORDER_ID" {
		t.Errorf("Authorize of a cancelled order: %v", err)
	}
}

// The status at zero balance: by default, as observed, CANCELED for a
// payment canceled in one go, PARTIAL_CANCELED for one whose rest was
// canceled after a partial cancel, and then 403 NOT_CANCELABLE_AMOUNT;
// Config.ZeroBalanceStatus keeps one status for both.
func TestZeroBalanceStatus(t *testing.T) {
	for _, tt := range []struct {
		cfg                 string
		oneGo, afterPartial string
		againStatus         int
		againCode           string
	}{
		{"", StatusCanceled, StatusPartialCanceled, 403, "NOT_CANCELABLE_AMOUNT"},
		{StatusCanceled, StatusCanceled, StatusCanceled, 400, "ALREADY_CANCELED_PAYMENT"},
		{StatusPartialCanceled, StatusPartialCanceled, StatusPartialCanceled, 403, "NOT_CANCELABLE_AMOUNT"},
	} {
		t.Run("cfg="+tt.cfg, func(t *testing.T) {
			f := newFixture(t, Config{ZeroBalanceStatus: tt.cfg})
			one := f.approved("order-0001", 10000, "CARD")
			status, body := f.cancel(one.PaymentKey, map[string]any{"cancelReason": "x", "cancelAmount": 10000}, nil)
			if got := decodePayment(t, body); status != 200 || got.Status != tt.oneGo || got.BalanceAmount != 0 {
				t.Fatalf("in one go: %d %s %d", status, got.Status, got.BalanceAmount)
			}
			p := f.approved("order-0002", 10000, "CARD")
			f.cancel(p.PaymentKey, map[string]any{"cancelReason": "x", "cancelAmount": 4000}, nil)
			status, body = f.cancel(p.PaymentKey, map[string]any{"cancelReason": "x"}, nil)
			if got := decodePayment(t, body); status != 200 || got.Status != tt.afterPartial || got.BalanceAmount != 0 {
				t.Fatalf("the rest: %d %s %d", status, got.Status, got.BalanceAmount)
			}
			status, body = f.cancel(p.PaymentKey, map[string]any{"cancelReason": "x", "cancelAmount": 1}, nil)
			wantError(t, status, body, tt.againStatus, tt.againCode)
		})
	}
	t.Run("invalid", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("New accepted ZeroBalanceStatus DONE")
			}
		}()
		New(Config{ZeroBalanceStatus: StatusDone})
	})
}

// With isPartialCancelable false, only a full cancel is allowed
// (NOT_ALLOWED_PARTIAL_REFUND, 403).
func TestNotAllowedPartialRefund(t *testing.T) {
	f := newFixture(t, Config{})
	p := f.approved("order-0001", 5000, "MOBILE_PHONE")
	if p.IsPartialCancelable {
		t.Fatal("mobile phone payment partially cancelable")
	}
	status, body := f.cancel(p.PaymentKey, map[string]any{"cancelReason": "x", "cancelAmount": 1000}, nil)
	wantError(t, status, body, 403, "NOT_ALLOWED_PARTIAL_REFUND")
	status, body = f.cancel(p.PaymentKey, map[string]any{"cancelReason": "x"}, nil)
	if status != 200 || decodePayment(t, body).Status != StatusCanceled {
		t.Fatalf("full cancel: %d %s", status, body)
	}
}

// PAYMENT_STATUS_CHANGED is sent when the status changes, not for a
// further partial cancel that keeps PARTIAL_CANCELED.
func TestCancelWebhooks(t *testing.T) {
	f := newFixture(t, Config{})
	p := f.approved("order-0001", 10000, "CARD")
	for _, amount := range []int64{1000, 1000, 0} {
		body := map[string]any{"cancelReason": "x"}
		if amount > 0 {
			body["cancelAmount"] = amount
		}
		f.cancel(p.PaymentKey, body, nil)
	}
	// The last cancel takes the rest and leaves PARTIAL_CANCELED: no change, no event.
	want := []string{"PAYMENT_STATUS_CHANGED:DONE", "PAYMENT_STATUS_CHANGED:PARTIAL_CANCELED"}
	if got := eventTypes(t, f.s.Webhooks()); !slices.Equal(got, want) {
		t.Errorf("webhooks %v, want %v", got, want)
	}
}
