package tosstest

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// okResult answers 200 with the payment as it is now.
func okResult(rec *record, hooks []*Webhook) result {
	return result{status: http.StatusOK, body: rec.p.json(), paymentKey: rec.p.PaymentKey, orderID: rec.p.OrderID, hooks: hooks}
}

func (r result) with(hooks []*Webhook) result {
	r.hooks = append(r.hooks, hooks...)
	return r
}

// getPayment is GET /v1/payments/{paymentKey}
// (https://docs.tosspayments.com/reference#paymentkey로-결제-조회).
func (s *Server) getPayment(c *apiCtx) result {
	s.lock()
	defer s.mu.Unlock()
	hooks := s.sweepLocked(s.nowLocked())
	rec := s.payments[c.r.PathValue("paymentKey")]
	if rec == nil || !rec.visibleTo(c.key) {
		return errResult(apiError("NOT_FOUND_PAYMENT")).with(hooks)
	}
	return okResult(rec, hooks)
}

// getPaymentByOrderID is GET /v1/payments/orders/{orderId}
// (https://docs.tosspayments.com/reference#orderid로-결제-조회): the newest payment of the order.
func (s *Server) getPaymentByOrderID(c *apiCtx) result {
	s.lock()
	defer s.mu.Unlock()
	hooks := s.sweepLocked(s.nowLocked())
	orderID := c.r.PathValue("orderId")
	recs := s.byOrder[orderID]
	for i := len(recs) - 1; i >= 0; i-- {
		if rec := recs[i]; rec.visibleTo(c.key) {
			return okResult(rec, hooks)
		}
	}
	return errResult(apiError("NOT_FOUND_PAYMENT")).with(hooks)
}

// confirm is POST /v1/payments/confirm (https://docs.tosspayments.com/reference#결제-승인).
func (s *Server) confirm(c *apiCtx) result {
	f, ok := decodeObject(c.body)
	if !ok {
		return errResult(apiError("INVALID_REQUEST"))
	}
	paymentKey, hasKey, ok1 := f.str("paymentKey")
	orderID, hasOrder, ok2 := f.str("orderId")
	amount, hasAmount, aerr := f.integer("amount")
	named := func(r result) result { r.paymentKey, r.orderID = paymentKey, orderID; return r }
	switch {
	case !ok1 || !hasKey || paymentKey == "" || utf8.RuneCountInString(paymentKey) > 200:
		return named(errResult(apiError("INVALID_REQUEST")))
	case !ok2 || !hasOrder || orderID == "":
		return named(errResult(apiError("INVALID_REQUEST")))
	case !validOrderID(orderID, s.cfg.StrictOrderIDs):
		return named(errResult(apiError("INVALID_ORDER_ID")))
	case aerr != nil:
		return named(errResult(aerr))
	case !hasAmount:
		return named(errResult(apiError("INVALID_REQUEST")))
	case amount <= 0:
		return named(errResult(apiError("BELOW_ZERO_AMOUNT")))
	}

	s.lock()
	defer s.mu.Unlock()
	now := s.nowLocked()
	hooks := s.sweepLocked(now)
	rec := s.payments[paymentKey]
	if rec == nil || !rec.visibleTo(c.key) {
		return named(errResult(apiError("NOT_FOUND_PAYMENT"))).with(hooks)
	}
	if kind := secretKeyKind(c.key); kind != "" && rec.keyKind != "" && kind != rec.keyKind {
		// A widget payment confirmed with an API-individual secret key, or
		// the other way round: 400 INVALID_API_KEY
		// (https://docs.tosspayments.com/reference/error-codes, confirm;
		// https://docs.tosspayments.com/reference/using-api/api-keys).
		return named(errResult(apiError("INVALID_API_KEY"))).with(hooks)
	}
	rec.claim(c.key)
	switch rec.p.Status {
	case StatusInProgress:
	case StatusReady, StatusExpired:
		// Never authenticated, or the 10-minute window passed.
		return named(errResult(apiError("NOT_FOUND_PAYMENT_SESSION"))).with(hooks)
	default:
		return named(errResult(apiError("ALREADY_PROCESSED_PAYMENT"))).with(hooks)
	}
	if rec.p.OrderID != orderID || rec.p.TotalAmount != amount {
		return named(errResult(apiError(s.cfg.MismatchCode))).with(hooks)
	}
	if code := rec.confirmFailure; code != "" {
		e := apiError(code)
		tx := newTransactionKey()
		rec.p.Status = StatusAborted
		rec.p.Failure = &Failure{Code: e.Code, Message: e.Message}
		rec.p.LastTransactionKey = &tx
		hooks = append(hooks, s.statusChangedLocked(rec, now))
		return named(errResult(e)).with(hooks)
	}
	hooks = append(hooks, s.approveLocked(rec, now)...)
	return okResult(rec, hooks)
}

// approveLocked completes an authenticated payment: DONE with the method's
// sub-object, or WAITING_FOR_DEPOSIT with a virtual account.
func (s *Server) approveLocked(rec *record, now time.Time) []*Webhook {
	p := &rec.p
	tx := newTransactionKey()
	if rec.method == methodVirtualAccount {
		tx = newVirtualAccountTransactionKey()
	}
	receipt := receiptURL(p.PaymentKey, rec.method == methodVirtualAccount)
	p.LastTransactionKey = &tx
	p.Receipt = &URL{URL: receipt}
	switch rec.method {
	case methodVirtualAccount:
		p.Status = StatusWaitingForDeposit
		s.markLiveLocked(rec)
		p.Secret = ptr(newSecret())
		hours := rec.validHours
		if hours == 0 {
			hours = 168
		}
		rec.dueAt = now.Add(time.Duration(hours) * time.Hour)
		bankCode := rec.bankCode
		if bankCode == "" {
			bankCode = "20"
		}
		p.VirtualAccount = s.newVirtualAccount(bankCode, rec.customerName, rec.dueAt)
		return []*Webhook{s.depositCallbackLocked(rec, tx, now)}
	case methodTransfer:
		p.Transfer = &Transfer{BankCode: "88", SettlementStatus: "INCOMPLETED"}
	case methodMobilePhone:
		phone := rec.customerPhone
		if phone == "" {
			phone = "01000000000"
		}
		p.MobilePhone = &MobilePhone{CustomerMobilePhone: phone, SettlementStatus: "INCOMPLETED", ReceiptURL: receipt}
	case methodGiftCertificate:
		p.GiftCertificate = &GiftCertificate{ApproveNo: randText(digits, 8), SettlementStatus: "INCOMPLETED"}
	default: // CARD, with or without easy pay
		name, _ := easyPayName(rec.easyPay)
		if rec.easyPay == "" || rec.easyPay == "TOSSPAY" {
			p.Card = &Card{
				Amount:        p.TotalAmount,
				IssuerCode:    "71",
				AcquirerCode:  ptr("71"),
				Number:        "43301234****123*",
				ApproveNo:     randText(digits, 8),
				CardType:      "신용",
				OwnerType:     "개인",
				AcquireStatus: "READY",
				ReceiptURL:    receipt,
			}
		}
		if rec.easyPay != "" {
			// Paid by card through the wallet: the amount is on the card and
			// easyPay.amount is 0. Paid from the wallet's balance: the other way.
			amount := p.TotalAmount
			if p.Card != nil {
				amount = 0
			}
			p.EasyPay = &EasyPay{Provider: name, Amount: amount}
			p.EasyPayAmount, p.EasyPayDiscountAmount = ptr(amount), ptr(int64(0))
		}
	}
	p.Status = StatusDone
	p.ApprovedAt = ptr(s.fmtTime(now))
	return []*Webhook{s.statusChangedLocked(rec, now)}
}

func (s *Server) newVirtualAccount(bankCode, customerName string, due time.Time) *VirtualAccount {
	if customerName == "" {
		customerName = "김토스"
	}
	return &VirtualAccount{
		AccountType:      "일반",
		AccountNumber:    "X" + randText(digits, 13),
		BankCode:         bankCode,
		CustomerName:     customerName,
		DueDate:          s.fmtTime(due),
		RefundStatus:     RefundNone,
		SettlementStatus: "INCOMPLETED",
	}
}

// cancelPayment is POST /v1/payments/{paymentKey}/cancel
// (https://docs.tosspayments.com/reference#결제-취소).
func (s *Server) cancelPayment(c *apiCtx) result {
	paymentKey := c.r.PathValue("paymentKey")
	fail := func(code string) result {
		r := errResult(apiError(code))
		r.paymentKey = paymentKey
		return r
	}
	f, ok := decodeObject(c.body)
	if !ok {
		return fail("INVALID_REQUEST")
	}
	reason, hasReason, ok := f.str("cancelReason")
	if !ok || !hasReason || strings.TrimSpace(reason) == "" || utf8.RuneCountInString(reason) > 200 {
		return fail("INVALID_REQUEST")
	}
	amount, hasAmount, e := f.integer("cancelAmount")
	if e != nil {
		return fail(e.Code)
	}
	if hasAmount && amount <= 0 {
		return fail("BELOW_ZERO_AMOUNT")
	}
	refundable, hasRefundable, e := f.integer("refundableAmount")
	if e != nil {
		return fail(e.Code)
	}
	if taxFree, has, e := f.integer("taxFreeAmount"); e != nil || (has && taxFree < 0) {
		return fail("INVALID_REQUEST")
	}
	currency, hasCurrency, ok := f.str("currency")
	if !ok {
		return fail("INVALID_REQUEST")
	}
	account, hasAccount, ok := f.obj("refundReceiveAccount")
	if !ok {
		return fail("INVALID_REQUEST")
	}

	s.lock()
	defer s.mu.Unlock()
	now := s.nowLocked()
	hooks := s.sweepLocked(now)
	rec := s.payments[paymentKey]
	if rec == nil || !rec.visibleTo(c.key) {
		return fail("NOT_FOUND_PAYMENT").with(hooks)
	}
	rec.claim(c.key)
	p := &rec.p
	r := func(code string) result { return fail(code).with(hooks) }
	switch p.Status {
	case StatusPartialCanceled:
		if p.BalanceAmount == 0 {
			// Observed: once the rest of a partially canceled payment is
			// canceled, nothing is left and a further cancel is refused
			// as an amount that cannot be canceled (see
			// Config.ZeroBalanceStatus).
			return r("NOT_CANCELABLE_AMOUNT")
		}
	case StatusDone, StatusWaitingForDeposit:
		if p.BalanceAmount == 0 {
			return r("ALREADY_CANCELED_PAYMENT")
		}
	case StatusCanceled:
		return r("ALREADY_CANCELED_PAYMENT")
	default: // READY, IN_PROGRESS, ABORTED, EXPIRED
		return r("NOT_CANCELABLE_PAYMENT")
	}
	if hasCurrency && currency != p.Currency {
		return r("INVALID_CURRENCY")
	}
	if hasRefundable && refundable != p.BalanceAmount {
		return r("NOT_MATCHES_REFUNDABLE_AMOUNT")
	}
	if !hasAmount {
		amount = p.BalanceAmount
	}
	if amount > p.BalanceAmount {
		return r("NOT_CANCELABLE_AMOUNT")
	}
	waiting := p.Status == StatusWaitingForDeposit
	partial := amount < p.BalanceAmount
	if partial && waiting {
		return r("NOT_ALLOWED_PARTIAL_REFUND_WAITING_DEPOSIT")
	}
	if partial && !p.IsPartialCancelable {
		return r("NOT_ALLOWED_PARTIAL_REFUND")
	}
	if p.VirtualAccount != nil && !waiting {
		// A deposited virtual account is refunded to the customer's account.
		// The public docs do not name the code of a cancel without one; the
		// fake assumes INVALID_REQUEST.
		if !hasAccount {
			return r("INVALID_REQUEST")
		}
		bankName, hasBank, ok1 := account.str("bank")
		number, hasNumber, ok2 := account.str("accountNumber")
		holder, hasHolder, ok3 := account.str("holderName")
		switch {
		case !ok1 || !ok2 || !ok3 || !hasBank || !hasNumber || !hasHolder:
			return r("INVALID_REQUEST")
		case strings.TrimSpace(holder) == "" || utf8.RuneCountInString(holder) > 60:
			return r("INVALID_REQUEST")
		}
		// Refunds go to bank and securities accounts alike: the docs'
		// refundReceiveAccount.bank takes bank and securities codes
		// (https://docs.tosspayments.com/codes/org-codes).
		if _, ok := lookupBank(bankName); !ok && !isSecuritiesFirm(bankName) {
			return r("INVALID_BANK")
		}
		if !allDigits(number) || len(number) > 20 {
			return r("INVALID_REFUND_ACCOUNT_NUMBER")
		}
	}

	tx := newTransactionKey()
	before := p.Status
	p.BalanceAmount -= amount
	p.VAT = vatOf(p.BalanceAmount - p.TaxFreeAmount)
	p.SuppliedAmount = p.BalanceAmount - p.TaxFreeAmount - p.VAT
	p.Cancels = append(p.Cancels, Cancel{
		CancelAmount:     amount,
		CancelReason:     reason,
		RefundableAmount: p.BalanceAmount,
		CanceledAt:       s.fmtTime(now),
		TransactionKey:   tx,
		CancelStatus:     "DONE",
	})
	p.LastTransactionKey = &tx
	switch {
	case waiting:
		p.Status = StatusCanceled
	case p.BalanceAmount > 0:
		p.Status = StatusPartialCanceled
	case s.cfg.ZeroBalanceStatus != "":
		p.Status = s.cfg.ZeroBalanceStatus
	case before == StatusPartialCanceled:
		// Observed: the rest of a partially canceled payment canceled
		// leaves PARTIAL_CANCELED with a balance of 0.
	default:
		p.Status = StatusCanceled
	}
	if p.Card != nil && p.BalanceAmount == 0 {
		p.Card.AcquireStatus = "CANCELED"
	}
	if p.VirtualAccount != nil && !waiting {
		// The money goes back by bank transfer later: refundStatus stays
		// PENDING until then (https://docs.tosspayments.com/guides/payment/virtual-account).
		p.VirtualAccount.RefundStatus = RefundPending
		rec.refunds = append(rec.refunds, pendingRefund{tx: tx, amount: amount, due: now.Add(s.cfg.RefundTransferDelay)})
		s.markLiveLocked(rec)
	}
	if p.Status != before {
		hooks = append(hooks, s.statusChangedLocked(rec, now))
	}
	if waiting {
		hooks = append(hooks, s.depositCallbackLocked(rec, tx, now))
	}
	return okResult(rec, hooks)
}

// issueVirtualAccount is POST /v1/virtual-accounts
// (https://docs.tosspayments.com/reference#가상계좌-발급-요청).
func (s *Server) issueVirtualAccount(c *apiCtx) result {
	f, ok := decodeObject(c.body)
	if !ok {
		return errResult(apiError("INVALID_REQUEST"))
	}
	orderID, hasOrder, okOrder := f.str("orderId")
	fail := func(code string) result {
		r := errResult(apiError(code))
		r.orderID = orderID
		return r
	}
	amount, hasAmount, e := f.integer("amount")
	switch {
	case e != nil:
		return fail(e.Code)
	case !hasAmount:
		return fail("INVALID_REQUEST")
	case amount <= 0:
		return fail("BELOW_ZERO_AMOUNT")
	case !okOrder || !hasOrder || orderID == "":
		return fail("INVALID_REQUEST")
	case !validOrderID(orderID, s.cfg.StrictOrderIDs):
		return fail("INVALID_ORDER_ID")
	}
	orderName, hasName, ok := f.str("orderName")
	if !ok || !hasName || orderName == "" {
		return fail("INVALID_REQUEST")
	}
	if utf8.RuneCountInString(orderName) > 100 {
		return fail("INVALID_ORDER_NAME")
	}
	customerName, hasCustomer, ok := f.str("customerName")
	if !ok || !hasCustomer || strings.TrimSpace(customerName) == "" || utf8.RuneCountInString(customerName) > 100 {
		return fail("INVALID_REQUEST")
	}
	bankName, hasBank, ok := f.str("bank")
	if !ok || !hasBank || bankName == "" {
		return fail("INVALID_REQUEST")
	}
	b, ok := lookupBank(bankName)
	if !ok || !b.issues {
		return fail("INVALID_BANK")
	}
	validHours, hasHours, e := f.integer("validHours")
	if e != nil {
		return fail(e.Code)
	}
	dueDate, hasDue, ok := f.str("dueDate")
	if !ok {
		return fail("INVALID_REQUEST")
	}
	if hasHours && hasDue {
		return fail("INVALID_VALID_HOURS_WITH_DUE_DATE_AND_SINGLE")
	}
	if hasHours && validHours <= 0 {
		return fail("INVALID_REQUEST")
	}
	if hasHours && validHours > int64(s.cfg.MaxValidHours) {
		return fail("EXCEED_MAX_VALID_HOURS")
	}
	if email, has, ok := f.str("customerEmail"); !ok || (has && (utf8.RuneCountInString(email) > 100 || !strings.Contains(email, "@"))) {
		return fail("INVALID_EMAIL")
	}
	if phone, has, ok := f.str("customerMobilePhone"); !ok || (has && (!allDigits(phone) || len(phone) < 8 || len(phone) > 15)) {
		return fail("INVALID_REQUEST")
	}
	if taxFree, has, e := f.integer("taxFreeAmount"); e != nil || (has && (taxFree < 0 || taxFree > amount)) {
		return fail("INVALID_REQUEST")
	}
	useEscrow, _, ok := f.boolean("useEscrow")
	if !ok {
		return fail("INVALID_REQUEST")
	}
	if cr, has, ok := f.obj("cashReceipt"); !ok {
		return fail("INVALID_CASH_RECEIPT_INFO")
	} else if has {
		// type is 소득공제 or 지출증빙 with a registration number (at most
		// 30 characters), or 미발행 (no receipt) without one
		// (https://docs.tosspayments.com/reference#가상계좌-발급-요청; the v2
		// SDK's definitions list the same three types).
		typ, _, ok1 := cr.str("type")
		number, hasNumber, ok2 := cr.str("registrationNumber")
		switch {
		case !ok1 || !ok2:
			return fail("INVALID_CASH_RECEIPT_INFO")
		case typ == "소득공제" || typ == "지출증빙":
			if !hasNumber || number == "" || utf8.RuneCountInString(number) > 30 {
				return fail("INVALID_CASH_RECEIPT_INFO")
			}
		case typ == "미발행":
			if hasNumber && number != "" {
				return fail("INVALID_CASH_RECEIPT_INFO")
			}
		default:
			return fail("INVALID_CASH_RECEIPT_INFO")
		}
	}

	s.lock()
	defer s.mu.Unlock()
	now := s.nowLocked()
	hooks := s.sweepLocked(now)
	due := now.Add(168 * time.Hour)
	switch {
	case hasHours:
		due = now.Add(time.Duration(validHours) * time.Hour)
	case hasDue:
		t, err := time.ParseInLocation("2006-01-02T15:04:05", dueDate, s.kst)
		if err != nil || !t.After(now) {
			return fail("INVALID_DATE").with(hooks)
		}
		if t.After(now.Add(time.Duration(s.cfg.MaxValidHours) * time.Hour)) {
			return fail("EXCEED_MAX_DUE_DATE").with(hooks)
		}
		due = t
	}
	if s.orderUsedLocked(orderID, c.key) {
		return fail("DUPLICATED_ORDER_ID").with(hooks)
	}
	rec := s.newRecordLocked(now, c.key, orderID, orderName, amount)
	rec.method, rec.customerName, rec.bankCode, rec.dueAt = methodVirtualAccount, customerName, b.code, due
	rec.authAt = now
	tx := newVirtualAccountTransactionKey()
	p := &rec.p
	p.Method = ptr("가상계좌")
	p.Status = StatusWaitingForDeposit
	p.UseEscrow = useEscrow
	p.Secret = ptr(newSecret())
	p.LastTransactionKey = &tx
	p.Receipt = &URL{URL: receiptURL(p.PaymentKey, true)}
	p.VirtualAccount = s.newVirtualAccount(b.code, customerName, due)
	hooks = append(hooks, s.depositCallbackLocked(rec, tx, now))
	return okResult(rec, hooks)
}
