package tosstest

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Payment methods as the v2 SDK's requestPayment names them.
const (
	methodCard            = "CARD"
	methodTransfer        = "TRANSFER"
	methodVirtualAccount  = "VIRTUAL_ACCOUNT"
	methodMobilePhone     = "MOBILE_PHONE"
	methodGiftCertificate = "CULTURE_GIFT_CERTIFICATE"
)

// easyPayName maps an easy-pay provider code to the Korean name that
// appears in easyPay.provider.
func easyPayName(code string) (string, bool) {
	switch code {
	case "TOSSPAY":
		return "토스페이", true
	case "NAVERPAY":
		return "네이버페이", true
	case "KAKAOPAY":
		return "카카오페이", true
	case "SAMSUNGPAY":
		return "삼성페이", true
	case "APPLEPAY":
		return "애플페이", true
	case "LPAY":
		return "엘페이", true
	case "PAYCO":
		return "페이코", true
	case "SSG":
		return "SSG페이", true
	case "PINPAY":
		return "핀페이", true
	}
	return "", false
}

// normalizeMethod resolves a window method (v2 name, v1 Korean name, or an
// easy-pay provider code meaning CARD through that wallet) and an optional
// easy-pay provider into the v2 method and provider code.
func normalizeMethod(method, easyPay string) (string, string, *Error) {
	m := strings.TrimSpace(method)
	switch m {
	case "", "카드":
		m = methodCard
	case "가상계좌":
		m = methodVirtualAccount
	case "계좌이체":
		m = methodTransfer
	case "휴대폰":
		m = methodMobilePhone
	case "문화상품권", "도서문화상품권", "게임문화상품권":
		m = methodGiftCertificate
	case "토스페이":
		m, easyPay = methodCard, "TOSSPAY"
	default:
		m = strings.ToUpper(m)
	}
	if _, ok := easyPayName(m); ok {
		m, easyPay = methodCard, m
	}
	if m == "BOOK_GIFT_CERTIFICATE" || m == "GAME_GIFT_CERTIFICATE" {
		m = methodGiftCertificate
	}
	switch m {
	case methodCard, methodTransfer, methodVirtualAccount, methodMobilePhone, methodGiftCertificate:
	default: // includes FOREIGN_EASY_PAY, which needs USD
		return "", "", apiError("NOT_SUPPORTED_METHOD")
	}
	easyPay = strings.ToUpper(strings.TrimSpace(easyPay))
	if easyPay != "" {
		if _, ok := easyPayName(easyPay); !ok || m != methodCard {
			return "", "", apiError("INVALID_EASY_PAY")
		}
	}
	return m, easyPay, nil
}

// koreanMethod is Payment.method for a v2 method. A wallet other than
// 토스페이 answers 간편결제; 토스페이 answers 카드 with both card and easyPay
// filled, so that clients meet both shapes the real API produces.
func koreanMethod(method, easyPay string) string {
	switch method {
	case methodTransfer:
		return "계좌이체"
	case methodVirtualAccount:
		return "가상계좌"
	case methodMobilePhone:
		return "휴대폰"
	case methodGiftCertificate:
		return "문화상품권"
	}
	if easyPay != "" && easyPay != "TOSSPAY" {
		return "간편결제"
	}
	return "카드"
}

// PaymentWindow holds what a browser passes to the v2 SDK, and so the
// query parameters of the sandbox page /sandbox/pay.
type PaymentWindow struct {
	// ClientKey is the client key the SDK was loaded with
	// (TossPayments(clientKey)): test_ck_… (API-individual integration) or,
	// with Widget, test_gck_… (payment widget); or Config.ClientKey.
	ClientKey string
	// Widget reports that the page opened the window through the payment
	// widget (tossPayments.widgets(…)) rather than tossPayments.payment(…).
	// Each refuses the other's kind of client key
	// (NotSupportedWidgetKeyError, NotSupportedAPIIndividualKeyError), and
	// the payment must be confirmed with the secret key of the same kind.
	Widget bool
	// Request, if set, is the JSON object the page passes as it is to
	// payment.requestPayment(…): {method, amount: {currency, value},
	// orderId, orderName, successUrl, failUrl, card: {flowMode, easyPay},
	// …}. The window then takes everything from it and refuses what the
	// SDK's definitions refuse (see [SDKError]); the fields below, except
	// ClientKey and Widget, are ignored.
	Request string
	// Method is CARD (the default), TRANSFER, VIRTUAL_ACCOUNT, MOBILE_PHONE or
	// CULTURE_GIFT_CERTIFICATE. An easy-pay provider code (TOSSPAY,
	// KAKAOPAY, NAVERPAY, …) means CARD through that wallet.
	Method string
	// EasyPay is the v2 card.easyPay option: pay by CARD through this wallet.
	EasyPay string
	// Amount is amount.value, in KRW; Currency is amount.currency ("" = KRW,
	// the only one the fake supports).
	Amount   int64
	Currency string
	// OrderID (6–64 of A-Za-z0-9-_=) and OrderName (1–100 characters).
	OrderID   string
	OrderName string
	// SuccessURL and FailURL are absolute http(s) URLs the window redirects to.
	SuccessURL string
	FailURL    string
	// Customer details; optional. CustomerName names a virtual account.
	CustomerName        string
	CustomerEmail       string
	CustomerMobilePhone string
	// ValidHours is virtualAccount.validHours: how long the account of a
	// VIRTUAL_ACCOUNT payment takes the deposit; 0 means 168.
	ValidHours int
}

// Query returns w as the query parameters of /sandbox/pay.
func (w PaymentWindow) Query() url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("clientKey", w.ClientKey)
	if w.Widget {
		v.Set("sdk", "widgets")
	}
	if w.Request != "" {
		v.Set("request", w.Request)
		return v
	}
	set("method", w.Method)
	set("easyPay", w.EasyPay)
	v.Set("amount", strconv.FormatInt(w.Amount, 10))
	set("currency", w.Currency)
	set("orderId", w.OrderID)
	set("orderName", w.OrderName)
	set("successUrl", w.SuccessURL)
	set("failUrl", w.FailURL)
	set("customerName", w.CustomerName)
	set("customerEmail", w.CustomerEmail)
	set("customerMobilePhone", w.CustomerMobilePhone)
	if w.ValidHours != 0 {
		v.Set("validHours", strconv.Itoa(w.ValidHours))
	}
	return v
}

// windowFromQuery is the inverse of PaymentWindow.Query.
func windowFromQuery(v url.Values) (PaymentWindow, error) {
	if raw := v.Get("request"); raw != "" {
		w, err := windowFromRequest(raw)
		w.ClientKey, w.Widget, w.Request = v.Get("clientKey"), v.Get("sdk") == "widgets", raw
		if err != nil {
			return w, err
		}
		return w, nil
	}
	w := PaymentWindow{
		ClientKey:           v.Get("clientKey"),
		Widget:              v.Get("sdk") == "widgets",
		Method:              v.Get("method"),
		EasyPay:             v.Get("easyPay"),
		Currency:            v.Get("currency"),
		OrderID:             v.Get("orderId"),
		OrderName:           v.Get("orderName"),
		SuccessURL:          v.Get("successUrl"),
		FailURL:             v.Get("failUrl"),
		CustomerName:        v.Get("customerName"),
		CustomerEmail:       v.Get("customerEmail"),
		CustomerMobilePhone: v.Get("customerMobilePhone"),
	}
	amount, err := strconv.ParseInt(strings.TrimSpace(v.Get("amount")), 10, 64)
	if err != nil {
		return w, apiError("INVALID_REQUEST")
	}
	w.Amount = amount
	if h := v.Get("validHours"); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil || n <= 0 || n > sdkMaxValidHours {
			return w, apiError("INVALID_REQUEST")
		}
		w.ValidHours = n
	}
	return w, nil
}

// PaymentWindowURL returns the URL of the sandbox payment window for w:
// Config.PublicURL (or the [NewTestServer] URL) + /sandbox/pay?…, or a
// path-only URL when neither is known.
func (s *Server) PaymentWindowURL(w PaymentWindow) string {
	return s.publicURL + "/sandbox/pay?" + w.Query().Encode()
}

// DepositURL returns the URL of the sandbox page that simulates the
// customer's deposit into the virtual account of orderID; after the deposit
// the browser is sent to redirect when it is an absolute http(s) URL.
func (s *Server) DepositURL(orderID, redirect string) string {
	v := url.Values{"orderId": {orderID}}
	if redirect != "" {
		v.Set("redirect", redirect)
	}
	return s.publicURL + "/sandbox/deposit?" + v.Encode()
}

// The kinds of key pairs (https://docs.tosspayments.com/reference/using-api/api-keys).
const (
	keyAPI    = "api"    // API-individual: test_ck_ / test_sk_
	keyWidget = "widget" // payment widget: test_gck_ / test_gsk_
)

// clientKeyKind and secretKeyKind tell a key's kind by its prefix; "" when
// it has neither.
func clientKeyKind(k string) string {
	switch {
	case strings.HasPrefix(k, "test_ck_"), strings.HasPrefix(k, "live_ck_"):
		return keyAPI
	case strings.HasPrefix(k, "test_gck_"), strings.HasPrefix(k, "live_gck_"):
		return keyWidget
	}
	return ""
}

func secretKeyKind(k string) string {
	switch {
	case strings.HasPrefix(k, "test_sk_"), strings.HasPrefix(k, "live_sk_"):
		return keyAPI
	case strings.HasPrefix(k, "test_gsk_"), strings.HasPrefix(k, "live_gsk_"):
		return keyWidget
	}
	return ""
}

// checkClientKey validates the window's client key: a known key, of the
// kind the SDK entry point takes. tossPayments.payment(…) refuses a widget
// key with NotSupportedWidgetKeyError and tossPayments.widgets(…) an
// API-individual key with NotSupportedAPIIndividualKeyError
// (@tosspayments/tosspayments-sdk 2.8.1, types/index.d.ts).
func (s *Server) checkClientKey(k string, widget bool) error {
	switch {
	case k == "":
		return apiError("INVALID_CLIENT_KEY")
	case s.cfg.ClientKey != "":
		if k != s.cfg.ClientKey {
			return apiError("UNAUTHORIZED_KEY")
		}
	case !(strings.HasPrefix(k, "test_ck_") && len(k) > 8) && !(strings.HasPrefix(k, "test_gck_") && len(k) > 9):
		return apiError("UNAUTHORIZED_KEY")
	}
	switch kind := clientKeyKind(k); {
	case kind == keyWidget && !widget:
		return sdkErr("NotSupportedWidgetKeyError", "tossPayments.payment() takes an API-individual client key (test_ck_…), not a payment-widget key")
	case kind == keyAPI && widget:
		return sdkErr("NotSupportedAPIIndividualKeyError", "tossPayments.widgets() takes a payment-widget client key (test_gck_…), not an API-individual key")
	}
	return nil
}

// validateWindow checks the order fields of a window request: the orderId
// rule, orderName and a positive whole-won amount.
func validateWindow(w PaymentWindow) (method, easyPay string, e *Error) {
	method, easyPay, e = normalizeMethod(w.Method, w.EasyPay)
	switch {
	case e != nil:
		return "", "", e
	case w.Currency != "" && w.Currency != "KRW":
		return "", "", apiError("INVALID_CURRENCY")
	case !validOrderID(w.OrderID, false):
		return "", "", apiError("INVALID_ORDER_ID")
	case strings.TrimSpace(w.OrderName) == "":
		return "", "", apiError("INVALID_REQUIRED_PARAM")
	case utf8.RuneCountInString(w.OrderName) > 100:
		return "", "", apiError("INVALID_ORDER_NAME")
	case w.Amount <= 0:
		return "", "", apiError("BELOW_ZERO_AMOUNT")
	case method == methodCard && w.Amount < 100, method == methodTransfer && w.Amount < 200:
		return "", "", apiError("BELOW_MINIMUM_AMOUNT")
	case method == methodTransfer && w.Amount > 10_000_000:
		return "", "", apiError("EXCEEDS_TRANSFER_AMOUNT_MAXIMUM")
	}
	return method, easyPay, nil
}

// Authorize does what the customer does in the payment window: it creates a payment for orderID and leaves it IN_PROGRESS, waiting
// for the merchant's confirm within 10 minutes. It returns the paymentKey
// the window would put on the successUrl.
//
// method is a v2 SDK method: CARD ("" too), TRANSFER, VIRTUAL_ACCOUNT,
// MOBILE_PHONE or CULTURE_GIFT_CERTIFICATE; or an easy-pay provider code
// (TOSSPAY, KAKAOPAY, NAVERPAY, SAMSUNGPAY, APPLEPAY, LPAY, PAYCO, SSG,
// PINPAY), meaning CARD through that wallet. A VIRTUAL_ACCOUNT payment
// confirms into WAITING_FOR_DEPOSIT with a virtualAccount and a secret.
//
// The error is an [*Error] with the code the window would fail with:
// INVALID_ORDER_ID, INVALID_ORDER_NAME, BELOW_ZERO_AMOUNT,
// BELOW_MINIMUM_AMOUNT (card < 100, transfer < 200), NOT_SUPPORTED_METHOD,
// INVALID_EASY_PAY, or DUPLICATED_ORDER_ID when the order was already
// approved or cancelled.
func (s *Server) Authorize(orderID string, amount int64, orderName, method string) (paymentKey string, err error) {
	key, e := s.authorize(PaymentWindow{OrderID: orderID, Amount: amount, OrderName: orderName, Method: method}, keyAPI)
	if e != nil {
		return "", e
	}
	return key, nil
}

// AuthorizeWindow is [Server.Authorize] for a window opened with w, as the
// sandbox page opens it: the client key is checked against w.Widget (an
// [*SDKError] when the SDK would refuse it), w.Request is read as the SDK
// reads it, and the payment must then be confirmed with a secret key of
// the client key's kind, or confirm answers 400 INVALID_API_KEY.
func (s *Server) AuthorizeWindow(w PaymentWindow) (paymentKey string, err error) {
	if w.Request != "" {
		parsed, err := windowFromRequest(w.Request)
		if err != nil {
			return "", err
		}
		parsed.ClientKey, parsed.Widget, parsed.Request = w.ClientKey, w.Widget, w.Request
		w = parsed
	}
	if err := s.checkClientKey(w.ClientKey, w.Widget); err != nil {
		return "", err
	}
	key, e := s.authorize(w, clientKeyKind(w.ClientKey))
	if e != nil {
		return "", e
	}
	return key, nil
}

func (s *Server) authorize(w PaymentWindow, keyKind string) (string, *Error) {
	method, easyPay, e := validateWindow(w)
	if e != nil {
		return "", e
	}
	s.lock()
	defer s.mu.Unlock()
	now := s.nowLocked()
	s.dispatchLocked(s.sweepLocked(now))
	owner := s.windowOwner()
	if s.orderUsedLocked(w.OrderID, owner) {
		return "", apiError("DUPLICATED_ORDER_ID")
	}
	rec := s.newRecordLocked(now, owner, w.OrderID, w.OrderName, w.Amount)
	rec.authAt = now
	rec.method, rec.easyPay, rec.keyKind, rec.validHours = method, easyPay, keyKind, w.ValidHours
	rec.customerName, rec.customerPhone = w.CustomerName, w.CustomerMobilePhone
	rec.p.Status = StatusInProgress
	rec.p.Method = ptr(koreanMethod(method, easyPay))
	if method == methodMobilePhone || method == methodGiftCertificate {
		// The fake's choice, so that NOT_ALLOWED_PARTIAL_REFUND can be met.
		rec.p.IsPartialCancelable = false
	}
	return rec.p.PaymentKey, nil
}

// Open creates a payment in READY, as when the payment window opens and the
// customer has not authenticated yet; it has no method. It expires 30
// minutes later. The error is an [*Error], as for [Server.Authorize].
func (s *Server) Open(orderID string, amount int64, orderName string) (paymentKey string, err error) {
	if _, _, e := validateWindow(PaymentWindow{OrderID: orderID, Amount: amount, OrderName: orderName}); e != nil {
		return "", e
	}
	s.lock()
	defer s.mu.Unlock()
	now := s.nowLocked()
	s.dispatchLocked(s.sweepLocked(now))
	if s.orderUsedLocked(orderID, s.windowOwner()) {
		return "", apiError("DUPLICATED_ORDER_ID")
	}
	return s.newRecordLocked(now, s.windowOwner(), orderID, orderName, amount).p.PaymentKey, nil
}

// FailConfirm scripts a decline: the next confirm of the payment (by
// paymentKey or orderId) that passes validation answers code (e.g.
// REJECT_CARD_COMPANY, 403) and leaves the payment ABORTED with failure
// {code, message}, sending PAYMENT_STATUS_CHANGED.
func (s *Server) FailConfirm(id, code string) error {
	if _, ok := ErrorFor(code); !ok {
		return fmt.Errorf("tosstest: FailConfirm: unknown Toss error code %q", code)
	}
	s.lock()
	defer s.mu.Unlock()
	rec := s.findLocked(id)
	if rec == nil {
		return fmt.Errorf("tosstest: FailConfirm: no payment %q", id)
	}
	rec.confirmFailure = code
	return nil
}

// Payment returns a copy of the payment with paymentKey id, or else of the
// newest payment of orderId id, across all merchants.
func (s *Server) Payment(id string) (Payment, bool) {
	s.lock()
	defer s.mu.Unlock()
	s.dispatchLocked(s.sweepLocked(s.nowLocked()))
	rec := s.findLocked(id)
	if rec == nil {
		return Payment{}, false
	}
	return rec.p.clone(), true
}

// Deposit simulates the customer paying the exact amount into the virtual
// account of the payment with paymentKey or orderId id:
// WAITING_FOR_DEPOSIT becomes DONE with approvedAt and depositorName set. It
// then POSTs, on the calling goroutine and in this order, the flat
// DEPOSIT_CALLBACK body and PAYMENT_STATUS_CHANGED to
// Config.WebhookURL; their outcome is in [Server.Webhooks], not in the
// error. Deposit fails if there is no such payment, it is not waiting for a
// deposit, or its account has expired.
func (s *Server) Deposit(ctx context.Context, id string) error {
	s.lock()
	now := s.nowLocked()
	hooks := s.sweepLocked(now)
	rec := s.findLocked(id)
	var err error
	switch {
	case rec == nil:
		err = fmt.Errorf("tosstest: Deposit: no payment %q", id)
	case rec.p.Status != StatusWaitingForDeposit || rec.p.VirtualAccount == nil:
		err = fmt.Errorf("tosstest: Deposit: payment %s is %s, not %s", rec.p.PaymentKey, rec.p.Status, StatusWaitingForDeposit)
	case rec.p.VirtualAccount.Expired:
		err = fmt.Errorf("tosstest: Deposit: the virtual account of payment %s expired at %s", rec.p.PaymentKey, rec.p.VirtualAccount.DueDate)
	default:
		tx := newVirtualAccountTransactionKey()
		p := &rec.p
		p.Status = StatusDone
		p.ApprovedAt = ptr(s.fmtTime(now))
		p.LastTransactionKey = &tx
		p.VirtualAccount.DepositorName = ptr(p.VirtualAccount.CustomerName)
		hooks = append(hooks, s.depositCallbackLocked(rec, tx, now), s.statusChangedLocked(rec, now))
	}
	s.mu.Unlock()
	s.deliverNow(ctx, hooks)
	return err
}

// ReverseDeposit simulates a deposit error after the deposit into the
// virtual account of the payment with paymentKey or orderId id was
// accepted (the customer's transfer limit, a bank network fault): the
// payment goes DONE → WAITING_FOR_DEPOSIT, with approvedAt and
// depositorName cleared, so that the customer must deposit again; with
// Config.LegacyDepositReversal it goes DONE → CANCELED instead, as before
// API version 1.4 (https://docs.tosspayments.com/en/webhooks,
// DEPOSIT_CALLBACK; https://techchat.tosspayments.com/m/1118421436072202331).
// It then POSTs, on the calling goroutine, DEPOSIT_CALLBACK with the new
// status and PAYMENT_STATUS_CHANGED. It fails if the payment is not a
// virtual account that was paid and not canceled since.
func (s *Server) ReverseDeposit(ctx context.Context, id string) error {
	s.lock()
	now := s.nowLocked()
	hooks := s.sweepLocked(now)
	rec := s.findLocked(id)
	var err error
	switch {
	case rec == nil:
		err = fmt.Errorf("tosstest: ReverseDeposit: no payment %q", id)
	case rec.p.VirtualAccount == nil || rec.p.Status != StatusDone || len(rec.p.Cancels) > 0:
		err = fmt.Errorf("tosstest: ReverseDeposit: payment %s is not a paid virtual account (%s)", rec.p.PaymentKey, rec.p.Status)
	default:
		tx := newVirtualAccountTransactionKey()
		p := &rec.p
		p.LastTransactionKey = &tx
		if s.cfg.LegacyDepositReversal {
			// Indistinguishable by status from a merchant's cancel,
			// except that no cancel is listed.
			p.Status = StatusCanceled
			p.BalanceAmount, p.SuppliedAmount, p.VAT = 0, 0, 0
		} else {
			p.Status = StatusWaitingForDeposit
			s.markLiveLocked(rec)
			p.ApprovedAt = nil
			p.VirtualAccount.DepositorName = nil
		}
		hooks = append(hooks, s.depositCallbackLocked(rec, tx, now), s.statusChangedLocked(rec, now))
	}
	s.mu.Unlock()
	s.deliverNow(ctx, hooks)
	return err
}

// SettleRefund lands the bank transfers of the pending refunds of the
// deposited virtual account with paymentKey or orderId id, before
// Config.RefundTransferDelay does: virtualAccount.refundStatus PENDING →
// status, one of RefundCompleted, RefundFailed (every pending refund
// failed) or RefundPartialFailed (the latest failed, the others landed)
// (https://docs.tosspayments.com/reference#payment-객체, refundStatus).
// Toss sends no webhook for it, and neither does the fake.
//
// The docs do not say what a failed transfer does to balanceAmount; the
// fake assumes the failed amount can be canceled again (to a corrected
// account) and adds it back, and Config.RefundFailureKeepsBalance covers
// the other reading.
func (s *Server) SettleRefund(id, status string) error {
	switch status {
	case RefundCompleted, RefundFailed, RefundPartialFailed:
	default:
		return fmt.Errorf("tosstest: SettleRefund: status %q is not %s, %s or %s", status, RefundCompleted, RefundFailed, RefundPartialFailed)
	}
	s.lock()
	defer s.mu.Unlock()
	s.dispatchLocked(s.sweepLocked(s.nowLocked()))
	rec := s.findLocked(id)
	switch {
	case rec == nil:
		return fmt.Errorf("tosstest: SettleRefund: no payment %q", id)
	case rec.p.VirtualAccount == nil || len(rec.refunds) == 0:
		return fmt.Errorf("tosstest: SettleRefund: payment %s has no pending refund", rec.p.PaymentKey)
	}
	var failed int64
	switch status {
	case RefundFailed:
		for _, r := range rec.refunds {
			failed += r.amount
		}
	case RefundPartialFailed:
		failed = rec.refunds[len(rec.refunds)-1].amount
	}
	rec.refunds = nil
	p := &rec.p
	p.VirtualAccount.RefundStatus = status
	if failed > 0 && !s.cfg.RefundFailureKeepsBalance {
		p.BalanceAmount += failed
		p.VAT = vatOf(p.BalanceAmount - p.TaxFreeAmount)
		p.SuppliedAmount = p.BalanceAmount - p.TaxFreeAmount - p.VAT
		if p.Status == StatusCanceled {
			p.Status = StatusPartialCanceled
		}
	}
	return nil
}
