package tosstest

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Issuing a virtual account; the bank may be given as code,
// Korean or English name and is answered as the numeric code.
func TestIssueVirtualAccount(t *testing.T) {
	tests := []struct{ bank, wantCode string }{
		{"20", "20"}, {"우리", "20"}, {"WOORI", "20"}, {"woori", "20"}, {"우리은행", "20"},
		{"06", "06"}, {"국민", "06"}, {"KB국민", "06"}, {"KOOKMIN", "06"},
		{"신한", "88"}, {"NH농협", "11"}, {"IBK기업", "03"}, {"iM뱅크", "31"}, {"케이뱅크", "89"},
	}
	for i, tt := range tests {
		t.Run(tt.bank, func(t *testing.T) {
			f := newFixture(t, Config{})
			body := issueBody("va-order-"+string(rune('a'+i)), 10000)
			body["bank"] = tt.bank
			status, b := f.issue(body)
			if status != 200 {
				t.Fatalf("%d %s", status, b)
			}
			p := decodePayment(t, b)
			va := p.VirtualAccount
			if va == nil || va.BankCode != tt.wantCode {
				t.Fatalf("virtualAccount %+v", va)
			}
			if !regexp.MustCompile(`^ps_[A-Za-z0-9]{28}$`).MatchString(deref(p.Secret)) {
				t.Errorf("secret %q", deref(p.Secret))
			}
			want := &VirtualAccount{
				AccountType: "일반", AccountNumber: va.AccountNumber, BankCode: tt.wantCode, CustomerName: "박토스",
				DueDate: "2024-02-20T12:17:57+09:00", RefundStatus: "NONE", SettlementStatus: "INCOMPLETED",
			}
			if diff := cmp.Diff(want, va); diff != "" {
				t.Errorf("virtualAccount (-want +got):\n%s", diff)
			}
			if len(va.AccountNumber) > 20 || va.AccountNumber == "" {
				t.Errorf("accountNumber %q", va.AccountNumber)
			}
			if p.Status != StatusWaitingForDeposit || deref(p.Method) != "가상계좌" || p.ApprovedAt != nil || p.Card != nil {
				t.Errorf("status %s method %v approvedAt %v", p.Status, deref(p.Method), p.ApprovedAt)
			}
		})
	}
}

// Issue-request validation.
func TestIssueVirtualAccountErrors(t *testing.T) {
	with := func(kv ...any) map[string]any {
		b := issueBody("order-0001", 10000)
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(b, kv[i].(string))
			} else {
				b[kv[i].(string)] = kv[i+1]
			}
		}
		return b
	}
	tests := []struct {
		name     string
		body     map[string]any
		wantCode string
	}{
		{"no amount", with("amount", nil), "INVALID_REQUEST"},
		{"zero amount", with("amount", 0), "BELOW_ZERO_AMOUNT"},
		{"no orderId", with("orderId", nil), "INVALID_REQUEST"},
		{"bad orderId", with("orderId", "a b c d e f"), "INVALID_ORDER_ID"},
		{"no orderName", with("orderName", nil), "INVALID_REQUEST"},
		{"long orderName", with("orderName", strings.Repeat("x", 101)), "INVALID_ORDER_NAME"},
		{"no customerName", with("customerName", nil), "INVALID_REQUEST"},
		{"no bank", with("bank", nil), "INVALID_REQUEST"},
		{"unknown bank", with("bank", "99"), "INVALID_BANK"},
		{"three-digit bank code", with("bank", "020"), "INVALID_BANK"},
		{"bank that does not issue", with("bank", "카카오"), "INVALID_BANK"},
		{"validHours and dueDate", with("validHours", 24, "dueDate", "2024-02-14T00:00:00"), "INVALID_VALID_HOURS_WITH_DUE_DATE_AND_SINGLE"},
		{"validHours over max", with("validHours", 2161), "EXCEED_MAX_VALID_HOURS"},
		{"validHours zero", with("validHours", 0), "INVALID_REQUEST"},
		{"dueDate bad format", with("dueDate", "2024-02-14"), "INVALID_DATE"},
		{"dueDate with offset", with("dueDate", "2024-02-14T00:00:00+09:00"), "INVALID_DATE"},
		{"dueDate in the past", with("dueDate", "2024-02-13T12:00:00"), "INVALID_DATE"},
		{"dueDate too far", with("dueDate", "2024-05-13T12:17:58"), "EXCEED_MAX_DUE_DATE"},
		{"bad email", with("customerEmail", "nobody"), "INVALID_EMAIL"},
		{"bad phone", with("customerMobilePhone", "010-1234-5678"), "INVALID_REQUEST"},
		{"bad cash receipt", with("cashReceipt", map[string]any{"type": "기타"}), "INVALID_CASH_RECEIPT_INFO"},
		{"useEscrow not bool", with("useEscrow", "yes"), "INVALID_REQUEST"},
	}
	f := newFixture(t, Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := f.issue(tt.body)
			wantError(t, status, body, 400, tt.wantCode)
		})
	}
	// Valid optional fields.
	status, body := f.issue(with("validHours", 720, "customerEmail", "a@b.kr", "customerMobilePhone", "01012345678",
		"cashReceipt", map[string]any{"type": "소득공제", "registrationNumber": "01012345678"}, "useEscrow", true))
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	if p := decodePayment(t, body); p.VirtualAccount.DueDate != "2024-03-14T12:17:57+09:00" || !p.UseEscrow {
		t.Errorf("dueDate %s useEscrow %v", p.VirtualAccount.DueDate, p.UseEscrow)
	}
	// The same orderId again.
	status, body = f.issue(issueBody("order-0001", 10000))
	wantError(t, status, body, 400, "DUPLICATED_ORDER_ID")
	// dueDate instead of validHours.
	status, body = f.issue(with("orderId", "order-0002", "dueDate", "2024-02-15T23:59:59"))
	if p := decodePayment(t, body); status != 200 || p.VirtualAccount.DueDate != "2024-02-15T23:59:59+09:00" {
		t.Errorf("dueDate: %d %s", status, body)
	}
}

// The largest validHours is 2160 hours by default, as the v2 SDK's
// definitions give it; Config.MaxValidHours 720 covers the older pages.
func TestMaxValidHours(t *testing.T) {
	for _, tt := range []struct{ cfg, max int }{{0, 2160}, {720, 720}} {
		f := newFixture(t, Config{MaxValidHours: tt.cfg})
		b := issueBody("order-0001", 10000)
		b["validHours"] = tt.max
		if status, body := f.issue(b); status != 200 {
			t.Fatalf("cfg %d, %d hours: %d %s", tt.cfg, tt.max, status, body)
		}
		b = issueBody("order-0002", 10000)
		b["validHours"] = tt.max + 1
		status, body := f.issue(b)
		wantError(t, status, body, 400, "EXCEED_MAX_VALID_HOURS")
	}
}

// A deposit makes the payment DONE and sends the flat
// DEPOSIT_CALLBACK, then PAYMENT_STATUS_CHANGED, synchronously.
func TestDeposit(t *testing.T) {
	rc := newReceiver(t)
	f := newFixture(t, Config{WebhookURL: rc.URL})
	_, body := f.issue(issueBody("order-0001", 10000))
	issued := decodePayment(t, body)
	f.s.FlushWebhooks() // the issue's DEPOSIT_CALLBACK
	f.s.Advance(time.Hour)
	if err := f.s.Deposit(t.Context(), "order-0001"); err != nil {
		t.Fatal(err)
	}
	got := rc.received()
	if len(got) != 3 {
		t.Fatalf("receiver got %d webhooks, want 3", len(got))
	}
	_, body = f.do("GET", "/v1/payments/"+issued.PaymentKey, nil, nil)
	p := decodePayment(t, body)
	if p.Status != StatusDone || deref(p.ApprovedAt) != "2024-02-13T13:17:57+09:00" || deref(p.VirtualAccount.DepositorName) != "박토스" {
		t.Errorf("after deposit: %s %v %v", p.Status, p.ApprovedAt, p.VirtualAccount.DepositorName)
	}

	type depositCallback struct {
		CreatedAt      string `json:"createdAt"`
		Secret         string `json:"secret"`
		Status         string `json:"status"`
		TransactionKey string `json:"transactionKey"`
		OrderID        string `json:"orderId"`
	}
	for i, want := range []depositCallback{
		{"2024-02-13T12:17:57.000000", *issued.Secret, StatusWaitingForDeposit, *issued.LastTransactionKey, "order-0001"},
		{"2024-02-13T13:17:57.000000", *issued.Secret, StatusDone, *p.LastTransactionKey, "order-0001"},
	} {
		var raw map[string]any
		if err := json.Unmarshal(got[i].Body, &raw); err != nil {
			t.Fatal(err)
		}
		if len(raw) != 5 || raw["eventType"] != nil || raw["data"] != nil {
			t.Errorf("DEPOSIT_CALLBACK %d is not the flat 5-field body: %s", i, got[i].Body)
		}
		var cb depositCallback
		_ = json.Unmarshal(got[i].Body, &cb)
		if diff := cmp.Diff(want, cb); diff != "" {
			t.Errorf("DEPOSIT_CALLBACK %d (-want +got):\n%s", i, diff)
		}
	}
	var ev struct {
		EventType string  `json:"eventType"`
		CreatedAt string  `json:"createdAt"`
		Data      Payment `json:"data"`
	}
	if err := json.Unmarshal(got[2].Body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.EventType != "PAYMENT_STATUS_CHANGED" || !cmp.Equal(ev.Data, p) {
		t.Errorf("PAYMENT_STATUS_CHANGED %s:\n%s", ev.EventType, cmp.Diff(p, ev.Data))
	}

	if err := f.s.Deposit(t.Context(), "order-0001"); err == nil {
		t.Error("second deposit succeeded")
	}
	if err := f.s.Deposit(t.Context(), "no-such-order"); err == nil {
		t.Error("deposit to an unknown order succeeded")
	}
}

// After dueDate the account is expired, the status stays
// WAITING_FOR_DEPOSIT, no webhook is sent and no deposit is possible.
func TestVirtualAccountExpiry(t *testing.T) {
	f := newFixture(t, Config{})
	b := issueBody("order-0001", 10000)
	b["validHours"] = 1
	_, body := f.issue(b)
	key := decodePayment(t, body).PaymentKey
	f.s.Advance(time.Hour)
	_, body = f.do("GET", "/v1/payments/"+key, nil, nil)
	p := decodePayment(t, body)
	if p.Status != StatusWaitingForDeposit || !p.VirtualAccount.Expired {
		t.Fatalf("status %s expired %v", p.Status, p.VirtualAccount.Expired)
	}
	if err := f.s.Deposit(context.Background(), key); err == nil {
		t.Error("deposit into an expired account succeeded")
	}
	if got := eventTypes(t, f.s.Webhooks()); !slices.Equal(got, []string{"DEPOSIT_CALLBACK:WAITING_FOR_DEPOSIT"}) {
		t.Errorf("webhooks %v", got)
	}
}

// A virtual account before deposit can only be cancelled in
// full and becomes CANCELED; after deposit a refund account is required.
func TestVirtualAccountCancel(t *testing.T) {
	t.Run("before deposit", func(t *testing.T) {
		f := newFixture(t, Config{})
		_, body := f.issue(issueBody("order-0001", 10000))
		key := decodePayment(t, body).PaymentKey
		status, body := f.cancel(key, map[string]any{"cancelReason": "x", "cancelAmount": 5000}, nil)
		wantError(t, status, body, 403, "NOT_ALLOWED_PARTIAL_REFUND_WAITING_DEPOSIT")
		status, body = f.cancel(key, map[string]any{"cancelReason": "x"}, nil)
		if p := decodePayment(t, body); status != 200 || p.Status != StatusCanceled || p.BalanceAmount != 0 {
			t.Fatalf("%d %s", status, body)
		}
		want := []string{"DEPOSIT_CALLBACK:WAITING_FOR_DEPOSIT", "PAYMENT_STATUS_CHANGED:CANCELED", "DEPOSIT_CALLBACK:CANCELED"}
		if got := eventTypes(t, f.s.Webhooks()); !slices.Equal(got, want) {
			t.Errorf("webhooks %v, want %v", got, want)
		}
	})

	account := func(bank, number, holder any) map[string]any {
		a := map[string]any{}
		for k, v := range map[string]any{"bank": bank, "accountNumber": number, "holderName": holder} {
			if v != nil {
				a[k] = v
			}
		}
		return map[string]any{"cancelReason": "환불", "cancelAmount": 3000, "refundReceiveAccount": a}
	}
	tests := []struct {
		name     string
		body     map[string]any
		wantCode string
	}{
		{"no refund account", map[string]any{"cancelReason": "환불"}, "INVALID_REQUEST"},
		{"refund account not an object", map[string]any{"cancelReason": "환불", "refundReceiveAccount": "88"}, "INVALID_REQUEST"},
		{"no bank", account(nil, "12345678901", "박토스"), "INVALID_REQUEST"},
		{"no holder", account("88", "12345678901", nil), "INVALID_REQUEST"},
		{"unknown bank", account("XX", "12345678901", "박토스"), "INVALID_BANK"},
		{"dashes in number", account("88", "123-456-78901", "박토스"), "INVALID_REFUND_ACCOUNT_NUMBER"},
		{"number over 20 digits", account("88", strings.Repeat("1", 21), "박토스"), "INVALID_REFUND_ACCOUNT_NUMBER"},
	}
	t.Run("after deposit", func(t *testing.T) {
		f := newFixture(t, Config{})
		_, body := f.issue(issueBody("order-0001", 10000))
		key := decodePayment(t, body).PaymentKey
		if err := f.s.Deposit(t.Context(), key); err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, body := f.cancel(key, tt.body, nil)
				wantError(t, status, body, 400, tt.wantCode)
			})
		}
		// Any bank of Toss's table works for refunds, by code or name, partial allowed.
		for _, bank := range []string{"카카오", "TOSSBANK"} {
			status, body := f.cancel(key, account(bank, "12345678901", "박토스"), nil)
			p := decodePayment(t, body)
			if status != 200 || p.Status != StatusPartialCanceled || p.VirtualAccount.RefundStatus != "PENDING" {
				t.Fatalf("refund to %s: %d %s", bank, status, body)
			}
		}
	})
}

// A window VIRTUAL_ACCOUNT payment confirms into
// WAITING_FOR_DEPOSIT with a virtualAccount and a secret.
func TestWindowVirtualAccount(t *testing.T) {
	f := newFixture(t, Config{})
	p := f.approved("order-0001", 58990, "VIRTUAL_ACCOUNT")
	if p.Status != StatusWaitingForDeposit || p.VirtualAccount == nil || p.Secret == nil || p.ApprovedAt != nil {
		t.Fatalf("%+v", p)
	}
	if p.VirtualAccount.DueDate != "2024-02-20T12:17:57+09:00" {
		t.Errorf("dueDate %s, want 168 hours later", p.VirtualAccount.DueDate)
	}
	status, body := f.confirm(p.PaymentKey, "order-0001", 58990)
	wantError(t, status, body, 400, "ALREADY_PROCESSED_PAYMENT")
	if err := f.s.Deposit(t.Context(), p.PaymentKey); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.Payment(p.PaymentKey); got.Status != StatusDone {
		t.Errorf("status %s", got.Status)
	}
}
