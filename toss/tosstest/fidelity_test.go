package tosstest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// depositedVA issues a virtual account and deposits into it.
func depositedVA(t *testing.T, f *fixture, orderID string, amount int64) string {
	t.Helper()
	status, body := f.issue(issueBody(orderID, amount))
	if status != 200 {
		t.Fatalf("issue: %d %s", status, body)
	}
	key := decodePayment(t, body).PaymentKey
	if err := f.s.Deposit(t.Context(), key); err != nil {
		t.Fatal(err)
	}
	return key
}

// After a deposit error Toss moves the payment DONE → WAITING_FOR_DEPOSIT
// (API ≥ 1.4) or DONE → CANCELED (before), with DEPOSIT_CALLBACK and
// PAYMENT_STATUS_CHANGED.
func TestReverseDeposit(t *testing.T) {
	t.Run("since 1.4", func(t *testing.T) {
		rc := newReceiver(t)
		f := newFixture(t, Config{WebhookURL: rc.URL})
		key := depositedVA(t, f, "order-0001", 10000)
		f.s.FlushWebhooks()
		before := len(rc.received())
		if err := f.s.ReverseDeposit(t.Context(), "order-0001"); err != nil {
			t.Fatal(err)
		}
		_, body := f.do("GET", "/v1/payments/"+key, nil, nil)
		p := decodePayment(t, body)
		if p.Status != StatusWaitingForDeposit || p.ApprovedAt != nil || p.VirtualAccount.DepositorName != nil || p.BalanceAmount != 10000 {
			t.Errorf("after the reversal: %s approvedAt %v depositor %v balance %d", p.Status, p.ApprovedAt, p.VirtualAccount.DepositorName, p.BalanceAmount)
		}
		got := eventTypes(t, f.s.Webhooks())[3:]
		if want := []string{"DEPOSIT_CALLBACK:WAITING_FOR_DEPOSIT", "PAYMENT_STATUS_CHANGED:WAITING_FOR_DEPOSIT"}; !slices.Equal(got, want) {
			t.Errorf("webhooks %v, want %v", got, want)
		}
		if n := len(rc.received()) - before; n != 2 {
			t.Errorf("delivered %d webhooks, want 2 (synchronously)", n)
		}
		// The customer deposits again.
		if err := f.s.Deposit(t.Context(), key); err != nil {
			t.Errorf("deposit after the reversal: %v", err)
		}
		if err := f.s.ReverseDeposit(t.Context(), "no-such-order"); err == nil {
			t.Error("reversal of an unknown order succeeded")
		}
	})
	t.Run("before 1.4", func(t *testing.T) {
		f := newFixture(t, Config{LegacyDepositReversal: true})
		key := depositedVA(t, f, "order-0001", 10000)
		if err := f.s.ReverseDeposit(t.Context(), key); err != nil {
			t.Fatal(err)
		}
		p, _ := f.s.Payment(key)
		if p.Status != StatusCanceled || p.Cancels != nil || p.BalanceAmount != 0 {
			t.Errorf("after the legacy reversal: %s cancels %v balance %d", p.Status, p.Cancels, p.BalanceAmount)
		}
		if err := f.s.ReverseDeposit(t.Context(), key); err == nil {
			t.Error("a second reversal succeeded")
		}
	})
	t.Run("not paid", func(t *testing.T) {
		f := newFixture(t, Config{})
		_, body := f.issue(issueBody("order-0001", 10000))
		if err := f.s.ReverseDeposit(t.Context(), decodePayment(t, body).PaymentKey); err == nil {
			t.Error("reversal before any deposit succeeded")
		}
		card := f.approved("order-0002", 10000, "CARD")
		if err := f.s.ReverseDeposit(t.Context(), card.PaymentKey); err == nil {
			t.Error("reversal of a card payment succeeded")
		}
	})
}

// The refund of a deposited virtual account stays PENDING until its bank
// transfer lands (Config.RefundTransferDelay, or SettleRefund), and no
// webhook reports the change.
func TestVirtualAccountRefundStatus(t *testing.T) {
	refund := func(t *testing.T, f *fixture, key string, amount int64) Payment {
		t.Helper()
		status, body := f.cancel(key, map[string]any{"cancelReason": "환불", "cancelAmount": amount,
			"refundReceiveAccount": map[string]any{"bank": "88", "accountNumber": "12345678901", "holderName": "박토스"}}, nil)
		if status != 200 {
			t.Fatalf("cancel: %d %s", status, body)
		}
		return decodePayment(t, body)
	}
	refundStatus := func(t *testing.T, f *fixture, key string) (string, int64) {
		t.Helper()
		_, body := f.do("GET", "/v1/payments/"+key, nil, nil)
		p := decodePayment(t, body)
		return p.VirtualAccount.RefundStatus, p.BalanceAmount
	}
	t.Run("lands after the delay", func(t *testing.T) {
		f := newFixture(t, Config{})
		key := depositedVA(t, f, "order-0001", 10000)
		if p := refund(t, f, key, 10000); p.VirtualAccount.RefundStatus != RefundPending {
			t.Fatalf("refundStatus %s right after the cancel", p.VirtualAccount.RefundStatus)
		}
		hooks := len(f.s.Webhooks())
		f.s.Advance(47 * time.Hour)
		if st, _ := refundStatus(t, f, key); st != RefundPending {
			t.Errorf("after 47 h: %s", st)
		}
		f.s.Advance(time.Hour)
		if st, _ := refundStatus(t, f, key); st != RefundCompleted {
			t.Errorf("after 48 h: %s", st)
		}
		if n := len(f.s.Webhooks()); n != hooks {
			t.Errorf("%d webhooks for the refund status, want none", n-hooks)
		}
	})
	t.Run("settled", func(t *testing.T) {
		for _, tt := range []struct {
			cfg         Config
			status      string
			wantBalance int64
		}{
			{Config{}, RefundCompleted, 0},
			{Config{}, RefundFailed, 10000},
			{Config{}, RefundPartialFailed, 6000},
			{Config{RefundFailureKeepsBalance: true}, RefundFailed, 0},
		} {
			f := newFixture(t, tt.cfg)
			key := depositedVA(t, f, "order-0001", 10000)
			refund(t, f, key, 4000)
			refund(t, f, key, 6000)
			if err := f.s.SettleRefund(key, tt.status); err != nil {
				t.Fatal(err)
			}
			if st, bal := refundStatus(t, f, key); st != tt.status || bal != tt.wantBalance {
				t.Errorf("%s (keep balance %v): refundStatus %s balance %d, want balance %d", tt.status,
					tt.cfg.RefundFailureKeepsBalance, st, bal, tt.wantBalance)
			}
			if err := f.s.SettleRefund(key, RefundCompleted); err == nil {
				t.Error("settling twice succeeded")
			}
		}
	})
	t.Run("manual only", func(t *testing.T) {
		f := newFixture(t, Config{RefundTransferDelay: -1})
		key := depositedVA(t, f, "order-0001", 10000)
		refund(t, f, key, 10000)
		f.s.Advance(30 * 24 * time.Hour)
		if st, _ := refundStatus(t, f, key); st != RefundPending {
			t.Errorf("after 30 days: %s", st)
		}
		if err := f.s.SettleRefund(key, "DONE"); err == nil {
			t.Error("SettleRefund accepted DONE")
		}
	})
}

// A payment made through a window opened with one kind of client key
// must be confirmed with the secret key of the same kind, or Toss
// answers 400 INVALID_API_KEY.
func TestConfirmKeyPair(t *testing.T) {
	const (
		apiSecret    = "test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R"
		widgetSecret = "test_gsk_docs_OaPz8L5KdmQXkzRz3y47BMw6"
		apiClient    = "test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq"
		widgetClient = "test_gck_docs_Ovk5rk1EwkEbP0W43n07xlzm"
	)
	for _, tt := range []struct {
		name           string
		client, secret string
		widget         bool
		want           int
	}{
		{"API pair", apiClient, apiSecret, false, 200},
		{"widget pair", widgetClient, widgetSecret, true, 200},
		{"widget payment, API secret", widgetClient, apiSecret, true, 400},
		{"API payment, widget secret", apiClient, widgetSecret, false, 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Config{})
			w := window()
			w.ClientKey, w.Widget = tt.client, tt.widget
			key, err := f.s.AuthorizeWindow(w)
			if err != nil {
				t.Fatal(err)
			}
			status, body := f.do("POST", "/v1/payments/confirm", map[string]any{"paymentKey": key, "orderId": w.OrderID, "amount": w.Amount},
				map[string]string{"Authorization": basic(tt.secret)})
			if tt.want == 200 && status != 200 {
				t.Fatalf("confirm: %d %s", status, body)
			}
			if tt.want != 200 {
				wantError(t, status, body, 400, "INVALID_API_KEY")
				if p, _ := f.s.Payment(key); p.Status != StatusInProgress {
					t.Errorf("the refused confirm left %s", p.Status)
				}
			}
		})
	}
	// Authorize makes API-individual payments.
	f := newFixture(t, Config{})
	key := f.authorize("order-0001", 1000, "CARD")
	status, body := f.do("POST", "/v1/payments/confirm", map[string]any{"paymentKey": key, "orderId": "order-0001", "amount": 1000},
		map[string]string{"Authorization": basic(widgetSecret)})
	wantError(t, status, body, 400, "INVALID_API_KEY")
}

// tossPayments.payment() refuses a widget client key and widgets() an
// API-individual one, before anything is sent.
func TestSandboxClientKeyKind(t *testing.T) {
	f := newFixture(t, Config{})
	for _, tt := range []struct {
		client string
		widget bool
		want   string
	}{
		{"test_gck_docs_Ovk5rk1EwkEbP0W43n07xlzm", false, "NotSupportedWidgetKeyError"},
		{"test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq", true, "NotSupportedAPIIndividualKeyError"},
	} {
		w := window()
		w.ClientKey, w.Widget = tt.client, tt.widget
		status, _, body := get(t, f.s.PaymentWindowURL(w))
		if status != 400 || !strings.Contains(body, tt.want) {
			t.Errorf("%s (widget %v): %d, want 400 %s", tt.client, tt.widget, status, tt.want)
		}
		if _, err := f.s.AuthorizeWindow(w); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("AuthorizeWindow: %v, want %s", err, tt.want)
		}
	}
}

// sdkRequest is a valid argument of payment.requestPayment.
func sdkRequest(change func(map[string]any)) string {
	r := map[string]any{
		"method": "CARD", "amount": map[string]any{"currency": "KRW", "value": 58990},
		"orderId": "ORD-20260122-001", "orderName": "Cool T-Shirt 외 1건",
		"successUrl": "https://shop.example/toss/success", "failUrl": "https://shop.example/toss/fail",
	}
	if change != nil {
		change(r)
	}
	b, _ := json.Marshal(r)
	return string(b)
}

// The sandbox window takes the object a page passes to
// payment.requestPayment and refuses what the SDK's definitions refuse.
func TestSandboxRequest(t *testing.T) {
	f := newFixture(t, Config{})
	ok := []struct {
		name            string
		change          func(map[string]any)
		method, easyPay string
	}{
		{"card", nil, methodCard, ""},
		{"easy pay direct", func(r map[string]any) { r["card"] = map[string]any{"flowMode": "DIRECT", "easyPay": "KAKAOPAY"} }, methodCard, "KAKAOPAY"},
		{"easy pay ignored in the default flow", func(r map[string]any) { r["card"] = map[string]any{"flowMode": "DEFAULT", "easyPay": "KAKAOPAY"} }, methodCard, ""},
		{"virtual account", func(r map[string]any) {
			r["method"] = "VIRTUAL_ACCOUNT"
			r["virtualAccount"] = map[string]any{"cashReceipt": map[string]any{"type": "미발행"}, "validHours": 2160}
		}, methodVirtualAccount, ""},
		{"transfer", func(r map[string]any) { r["method"] = "TRANSFER" }, methodTransfer, ""},
		{"mobile phone", func(r map[string]any) {
			r["method"] = "MOBILE_PHONE"
			r["mobilePhone"] = map[string]any{"mobileCarriers": []string{"KT", "SKT"}}
		}, methodMobilePhone, ""},
		{"gift certificate", func(r map[string]any) { r["method"] = "BOOK_GIFT_CERTIFICATE" }, methodGiftCertificate, ""},
		{"orderId with =", func(r map[string]any) { r["orderId"] = "b3JkZXI=" }, methodCard, ""},
		{"customer fields", func(r map[string]any) {
			r["customerName"], r["customerEmail"], r["customerMobilePhone"] = "김토스", "toss@example.com", "01012345678"
			r["windowTarget"], r["metadata"] = "self", map[string]any{"cart": "42"}
		}, methodCard, ""},
		{"nulls", func(r map[string]any) { r["customerName"], r["card"] = nil, nil }, methodCard, ""},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			w := PaymentWindow{ClientKey: "test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq", Request: sdkRequest(tt.change)}
			status, _, body := get(t, f.s.PaymentWindowURL(w))
			if status != 200 {
				t.Fatalf("window: %d %s", status, body)
			}
			parsed, err := windowFromRequest(w.Request)
			if err != nil {
				t.Fatal(err)
			}
			method, easyPay, e := validateWindow(parsed)
			if e != nil || method != tt.method || easyPay != tt.easyPay {
				t.Errorf("read as %s %s (%v), want %s %s", method, easyPay, e, tt.method, tt.easyPay)
			}
		})
	}
	bad := []struct {
		name   string
		change func(map[string]any)
		want   string
	}{
		{"snake_case key", func(r map[string]any) { r["order_id"] = r["orderId"] }, "InvalidParametersError"},
		{"key in another case", func(r map[string]any) { r["OrderId"] = "x" }, "InvalidParametersError"},
		{"amount as a number", func(r map[string]any) { r["amount"] = 58990 }, "InvalidParametersError"},
		{"amount without currency", func(r map[string]any) { r["amount"] = map[string]any{"value": 58990} }, "InvalidParametersError"},
		{"amount value as a string", func(r map[string]any) { r["amount"] = map[string]any{"currency": "KRW", "value": "58990"} }, "InvalidParametersError"},
		{"amount in USD", func(r map[string]any) { r["amount"] = map[string]any{"currency": "USD", "value": 10} }, "InvalidAmountCurrencyError"},
		{"fraction of a won", func(r map[string]any) { r["amount"] = map[string]any{"currency": "KRW", "value": 10.5} }, "InvalidAmountValueError"},
		{"negative amount", func(r map[string]any) { r["amount"] = map[string]any{"currency": "KRW", "value": -1} }, "BelowZeroAmountError"},
		{"the API's method name", func(r map[string]any) { r["method"] = "MOBILE" }, "NotSupportedMethodError"},
		{"EASY_PAY", func(r map[string]any) { r["method"] = "EASY_PAY" }, "NotSupportedMethodError"},
		{"no method", func(r map[string]any) { delete(r, "method") }, "InvalidParametersError"},
		{"card options on a virtual account", func(r map[string]any) {
			r["method"], r["card"] = "VIRTUAL_ACCOUNT", map[string]any{"flowMode": "DIRECT"}
		}, "InvalidParametersError"},
		{"unknown flowMode", func(r map[string]any) { r["card"] = map[string]any{"flowMode": "APP"} }, "InvalidParametersError"},
		{"DIRECT without an app", func(r map[string]any) { r["card"] = map[string]any{"flowMode": "DIRECT"} }, "InvalidParametersError"},
		{"empty easyPay", func(r map[string]any) { r["card"] = map[string]any{"flowMode": "DIRECT", "easyPay": ""} }, "InvalidParametersError"},
		{"unknown card option", func(r map[string]any) { r["card"] = map[string]any{"provider": "TOSSPAY"} }, "InvalidParametersError"},
		{"orderId with a space", func(r map[string]any) { r["orderId"] = "ORD 20260122" }, "InvalidParametersError"},
		{"short orderId", func(r map[string]any) { r["orderId"] = "ORD1" }, "InvalidParametersError"},
		{"orderName of 101", func(r map[string]any) { r["orderName"] = strings.Repeat("가", 101) }, "InvalidParametersError"},
		{"empty orderName", func(r map[string]any) { r["orderName"] = "" }, "InvalidParametersError"},
		{"customerEmail of 101", func(r map[string]any) { r["customerEmail"] = strings.Repeat("a", 92) + "@toss.com" }, "InvalidParametersError"},
		{"phone with dashes", func(r map[string]any) { r["customerMobilePhone"] = "010-1234-5678" }, "InvalidParametersError"},
		{"relative successUrl", func(r map[string]any) { r["successUrl"] = "/success" }, "IncorrectSuccessUrlFormatError"},
		{"no failUrl", func(r map[string]any) { delete(r, "failUrl") }, "IncorrectFailUrlFormatError"},
		{"windowTarget popup", func(r map[string]any) { r["windowTarget"] = "popup" }, "InvalidParametersError"},
		{"six metadata keys", func(r map[string]any) {
			r["metadata"] = map[string]any{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "f": "6"}
		}, "InvalidMetadataError"},
		{"metadata key with [", func(r map[string]any) { r["metadata"] = map[string]any{"a[0]": "1"} }, "InvalidMetadataError"},
		{"validHours over 2160", func(r map[string]any) {
			r["method"], r["virtualAccount"] = "VIRTUAL_ACCOUNT", map[string]any{"validHours": 2161}
		}, "InvalidParametersError"},
		{"cash receipt type in English", func(r map[string]any) {
			r["method"], r["transfer"] = "TRANSFER", map[string]any{"cashReceipt": map[string]any{"type": "NONE"}}
		}, "InvalidParametersError"},
		{"unknown carrier", func(r map[string]any) {
			r["method"], r["mobilePhone"] = "MOBILE_PHONE", map[string]any{"mobileCarriers": []string{"VERIZON"}}
		}, "InvalidParametersError"},
		{"useEscrow as a string", func(r map[string]any) { r["card"] = map[string]any{"useEscrow": "yes"} }, "InvalidParametersError"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			w := PaymentWindow{ClientKey: "test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq", Request: sdkRequest(tt.change)}
			status, _, body := get(t, f.s.PaymentWindowURL(w))
			if status != 400 || !strings.Contains(body, tt.want) {
				t.Errorf("window: %d, want 400 %s", status, tt.want)
			}
			form := w.Query()
			form.Set("action", "approve")
			if status, _, body := post(t, f.ts.URL+"/sandbox/pay", form); status != 400 || !strings.Contains(body, tt.want) {
				t.Errorf("approve: %d, want 400 %s", status, tt.want)
			}
		})
	}
	if _, ok := f.s.Payment("ORD-20260122-001"); ok {
		t.Error("a refused request created a payment")
	}

	// Approved from the request: the redirect and the payment follow it.
	w := PaymentWindow{ClientKey: "test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq", Request: sdkRequest(func(r map[string]any) {
		r["card"] = map[string]any{"flowMode": "DIRECT", "easyPay": "TOSSPAY"}
	})}
	form := w.Query()
	form.Set("action", "approve")
	status, hdr, body := post(t, f.ts.URL+"/sandbox/pay", form)
	if status != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", status, body)
	}
	loc := hdr.Get("Location")
	if !strings.HasPrefix(loc, "https://shop.example/toss/success?") || !strings.Contains(loc, "amount=58990") {
		t.Fatalf("approve → %s", loc)
	}
	key := regexp.MustCompile(`paymentKey=([A-Za-z0-9]+)`).FindStringSubmatch(loc)[1]
	cstatus, cbody := f.confirm(key, "ORD-20260122-001", 58990)
	if p := decodePayment(t, cbody); cstatus != 200 || p.EasyPay == nil || p.EasyPay.Provider != "토스페이" {
		t.Errorf("confirm: %d %s", cstatus, cbody)
	}
}

// The server API takes the orderIds the SDK allows, "=" included, unless
// Config.StrictOrderIDs.
func TestOrderIDRule(t *testing.T) {
	for _, strict := range []bool{false, true} {
		f := newFixture(t, Config{StrictOrderIDs: strict})
		status, body := f.issue(issueBody("b3JkZXI=", 10000))
		key := f.authorize("b3JkZXIx=", 1000, "CARD")
		cstatus, cbody := f.confirm(key, "b3JkZXIx=", 1000)
		if strict {
			wantError(t, status, body, 400, "INVALID_ORDER_ID")
			wantError(t, cstatus, cbody, 400, "INVALID_ORDER_ID")
		} else if status != 200 || cstatus != 200 {
			t.Errorf("orderId with =: issue %d %s, confirm %d %s", status, body, cstatus, cbody)
		}
	}
}

// Refund accounts may be at a securities firm; virtual accounts cannot be
// issued there.
func TestSecuritiesRefundAccount(t *testing.T) {
	f := newFixture(t, Config{})
	b := issueBody("order-0001", 10000)
	b["bank"] = "S6"
	status, body := f.issue(b)
	wantError(t, status, body, 400, "INVALID_BANK")
	key := depositedVA(t, f, "order-0002", 10000)
	for _, bank := range []string{"S6", "토스증권", "SB"} {
		status, body := f.cancel(key, map[string]any{"cancelReason": "환불", "cancelAmount": 1000,
			"refundReceiveAccount": map[string]any{"bank": bank, "accountNumber": "12345678901", "holderName": "박토스"}}, nil)
		if status != 200 {
			t.Errorf("refund to %s: %d %s", bank, status, body)
		}
	}
	status, body = f.cancel(key, map[string]any{"cancelReason": "환불", "cancelAmount": 1000,
		"refundReceiveAccount": map[string]any{"bank": "S1", "accountNumber": "12345678901", "holderName": "박토스"}}, nil)
	wantError(t, status, body, 400, "INVALID_BANK")
}

// cashReceipt: 소득공제 and 지출증빙 need a registration number, 미발행 has
// none.
func TestCashReceiptTypes(t *testing.T) {
	f := newFixture(t, Config{})
	for i, tt := range []struct {
		receipt map[string]any
		ok      bool
	}{
		{map[string]any{"type": "미발행"}, true},
		{map[string]any{"type": "소득공제", "registrationNumber": "01012345678"}, true},
		{map[string]any{"type": "지출증빙", "registrationNumber": "1234567890"}, true},
		{map[string]any{"type": "소득공제"}, false},
		{map[string]any{"type": "미발행", "registrationNumber": "01012345678"}, false},
		{map[string]any{"type": "지출증빙", "registrationNumber": strings.Repeat("1", 31)}, false},
	} {
		b := issueBody("order-000"+string(rune('a'+i)), 10000)
		b["cashReceipt"] = tt.receipt
		status, body := f.issue(b)
		if tt.ok && status != 200 {
			t.Errorf("%v: %d %s", tt.receipt, status, body)
		}
		if !tt.ok {
			wantError(t, status, body, 400, "INVALID_CASH_RECEIPT_INFO")
		}
	}
}

// Observed shapes: webhook createdAt fractions without trailing zeros,
// virtual-account transaction keys of 32 hex digits, "method": null or ""
// before a method is chosen.
func TestObservedShapes(t *testing.T) {
	at := time.Date(2024, 2, 13, 14, 46, 59, 653270000, time.FixedZone("KST", 9*60*60))
	f := newFixture(t, Config{Now: func() time.Time { return at }})
	f.approved("order-0001", 1000, "CARD")
	var ev struct {
		CreatedAt string `json:"createdAt"`
	}
	_ = json.Unmarshal(f.s.Webhooks()[0].Body, &ev)
	if ev.CreatedAt != "2024-02-13T14:46:59.65327" {
		t.Errorf("createdAt %q, want 2024-02-13T14:46:59.65327", ev.CreatedAt)
	}
	_, body := f.issue(issueBody("order-0002", 10000))
	va := decodePayment(t, body)
	if !regexp.MustCompile(`^[0-9A-F]{32}$`).MatchString(deref(va.LastTransactionKey)) {
		t.Errorf("virtual account transaction key %q", deref(va.LastTransactionKey))
	}
	for _, empty := range []bool{false, true} {
		f := newFixture(t, Config{EmptyMethod: empty})
		key, _ := f.s.Open("order-0003", 1000, "주문")
		_, body := f.do("GET", "/v1/payments/"+key, nil, nil)
		var raw map[string]any
		_ = json.Unmarshal(body, &raw)
		if m, has := raw["method"]; !has || (empty && m != "") || (!empty && m != nil) {
			t.Errorf("EmptyMethod %v: method %#v", empty, m)
		}
	}
}
