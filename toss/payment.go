package toss

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/payments-go/payments"
)

// Payment is the Toss Payment object
// (https://docs.tosspayments.com/reference#payment-객체), as every endpoint
// of the core API returns it.
//
// Decoding is tolerant where Toss changes things without a new API
// version: unknown fields are ignored, and unknown enum values (status,
// method, card type …) are kept as they are, never an error. It is strict
// where a wrong value would be dangerous: amounts must be exact (see
// below) and timestamps must parse.
//
// Amounts are int64 in the minor unit of Currency: whole won for KRW,
// which has no minor unit, so a fractional KRW amount is a decoding
// error, never rounded. Foreign-currency amounts, which may be fractional
// since API version 1.4 (https://docs.tosspayments.com/reference/release-note),
// are scaled exactly to their minor unit: 10.5 USD becomes 1050.
// Timestamps keep the offset Toss sends (+09:00); a timestamp without an
// offset is read as Korean time. Secret, the virtual-account deposit
// secret, is a [payments.Secret] and never prints.
type Payment struct {
	MID     string
	Version string
	// PaymentKey identifies the payment for its whole life.
	PaymentKey string
	// Type is NORMAL, BILLING or BRANDPAY.
	Type      string
	OrderID   string
	OrderName string
	Currency  string
	// Method is Toss's method name as sent: Korean by default (카드,
	// 가상계좌, 간편결제, 휴대폰, 계좌이체, 문화상품권 …), English with
	// Accept-Language: en-US; "" when none was chosen. See
	// [Payment.PaymentMethod] for the library's [payments.Method].
	Method string
	// Status is READY, IN_PROGRESS, WAITING_FOR_DEPOSIT, DONE, CANCELED,
	// PARTIAL_CANCELED, ABORTED or EXPIRED, or a status added later.
	Status string
	// TotalAmount is the original amount and never changes;
	// BalanceAmount is what can still be canceled.
	TotalAmount        int64
	BalanceAmount      int64
	SuppliedAmount     int64
	VAT                int64
	TaxFreeAmount      int64
	TaxExemptionAmount int64
	RequestedAt        time.Time
	// ApprovedAt is zero until the payment is approved. For a virtual
	// account it may be set when the account is issued, before any
	// deposit, so the library does not read it as "paid" there.
	ApprovedAt          time.Time
	UseEscrow           bool
	CultureExpense      bool
	LastTransactionKey  string
	TransactionKey      string
	IsPartialCancelable bool
	Country             string
	// Secret is the deposit secret of a virtual account, which a
	// DEPOSIT_CALLBACK webhook must carry
	// (https://docs.tosspayments.com/reference/using-api/webhook-events).
	Secret   payments.Secret
	Metadata map[string]string

	Card            *Card
	VirtualAccount  *VirtualAccount
	Transfer        *Transfer
	MobilePhone     *MobilePhone
	GiftCertificate *GiftCertificate
	EasyPay         *EasyPay
	// EasyPayAmount and EasyPayDiscountAmount appear in newer responses.
	EasyPayAmount         int64
	EasyPayDiscountAmount int64
	Discount              *Discount
	// Cancels lists the cancels in the order they were made; nil until the
	// first one.
	Cancels      []Cancel
	CashReceipt  *CashReceipt
	CashReceipts []CashReceipt
	// ReceiptURL is receipt.url; CheckoutURL is checkout.url.
	ReceiptURL  string
	CheckoutURL string
	// Failure is set on ABORTED and EXPIRED payments.
	Failure *payments.Failure
}

// Card is Payment.card.
type Card struct {
	Amount                int64
	IssuerCode            string
	AcquirerCode          string
	Number                string
	InstallmentPlanMonths int
	ApproveNo             string
	UseCardPoint          bool
	// CardType is 신용, 체크, 기프트 or 미확인 (or English).
	CardType string
	// OwnerType is 개인, 법인 or 미확인 (or English).
	OwnerType string
	// AcquireStatus is READY, REQUESTED, COMPLETED, CANCEL_REQUESTED or
	// CANCELED.
	AcquireStatus  string
	IsInterestFree bool
	// InterestPayer is BUYER, CARD_COMPANY, MERCHANT or "".
	InterestPayer string
	ReceiptURL    string
}

// VirtualAccount is Payment.virtualAccount.
type VirtualAccount struct {
	// AccountType is 일반 (normal) or 고정 (fixed).
	AccountType   string
	AccountNumber string
	// BankCode is Toss's two-character bank code ("20").
	BankCode      string
	CustomerName  string
	DepositorName string
	DueDate       time.Time
	// RefundStatus is NONE, PENDING, FAILED, PARTIAL_FAILED or COMPLETED.
	RefundStatus string
	// Expired reports that the due date passed without a deposit; the
	// payment's status stays WAITING_FOR_DEPOSIT.
	Expired bool
	// SettlementStatus is INCOMPLETED or COMPLETED.
	SettlementStatus string
	// RefundReceiveAccount is readable for 30 minutes on widget payments
	// only; nil otherwise.
	RefundReceiveAccount *RefundReceiveAccount
}

// Transfer is Payment.transfer.
type Transfer struct {
	BankCode         string `json:"bankCode"`
	SettlementStatus string `json:"settlementStatus"`
}

// MobilePhone is Payment.mobilePhone.
type MobilePhone struct {
	CustomerMobilePhone string `json:"customerMobilePhone"`
	SettlementStatus    string `json:"settlementStatus"`
	ReceiptURL          string `json:"receiptUrl"`
}

// GiftCertificate is Payment.giftCertificate.
type GiftCertificate struct {
	ApproveNo        string `json:"approveNo"`
	SettlementStatus string `json:"settlementStatus"`
}

// EasyPay is Payment.easyPay. Provider is the Korean name Toss sends
// (토스페이, 카카오페이, 네이버페이 …).
type EasyPay struct {
	Provider       string
	Amount         int64
	DiscountAmount int64
}

// Discount is Payment.discount, an instant card or transfer discount.
type Discount struct {
	Amount int64
}

// Cancel is one element of Payment.cancels.
type Cancel struct {
	CancelAmount       int64
	CancelReason       string
	TaxFreeAmount      int64
	TaxExemptionAmount int64
	// RefundableAmount is the balance left after this cancel.
	RefundableAmount       int64
	CardDiscountAmount     int64
	TransferDiscountAmount int64
	EasyPayDiscountAmount  int64
	CanceledAt             time.Time
	// TransactionKey identifies the cancel; it is the refund's reference.
	TransactionKey string
	ReceiptKey     string
	// CancelStatus is DONE, or IN_PROGRESS/ABORTED for asynchronous
	// foreign easy-pay cancels.
	CancelStatus    string
	CancelRequestID string
}

// CashReceipt is Payment.cashReceipt and an element of
// Payment.cashReceipts. Fields the element does not carry are zero.
type CashReceipt struct {
	// Type is 소득공제 or 지출증빙.
	Type          string
	ReceiptKey    string
	IssueNumber   string
	ReceiptURL    string
	Amount        int64
	TaxFreeAmount int64
	// IssueStatus is IN_PROGRESS, COMPLETED or FAILED (cashReceipts only).
	IssueStatus string
	// TransactionType is CONFIRM or CANCEL (cashReceipts only).
	TransactionType string
	BusinessNumber  string
	RequestedAt     time.Time
	Failure         *payments.Failure
}

// kst is Korean Standard Time (UTC+9, no daylight saving), the zone of
// Toss's local date-times such as a virtual account's dueDate.
var kst = time.FixedZone("KST", 9*60*60)

// The Toss payment statuses
// (https://docs.tosspayments.com/reference#payment-객체, status).
const (
	statusReady             = "READY"
	statusInProgress        = "IN_PROGRESS"
	statusWaitingForDeposit = "WAITING_FOR_DEPOSIT"
	statusDone              = "DONE"
	statusCanceled          = "CANCELED"
	statusPartialCanceled   = "PARTIAL_CANCELED"
	statusAborted           = "ABORTED"
	statusExpired           = "EXPIRED"
)

// PaymentMethod returns the library's method for p: Korean names (카드,
// 가상계좌, 간편결제, 휴대폰, 계좌이체, 문화상품권, 도서문화상품권,
// 게임문화상품권, 해외간편결제) and English spellings (CARD,
// VIRTUAL_ACCOUNT, EASY_PAY, MOBILE_PHONE, TRANSFER,
// CULTURE_GIFT_CERTIFICATE, FOREIGN_EASY_PAY …). The public docs do not
// list every English spelling, so the library accepts the usual variants
// (EASY_PAY and EASYPAY, MOBILE_PHONE and MOBILE …). A card payment made
// through an easy-pay wallet, which Toss reports either as 간편결제 or as
// 카드 with easyPay filled, is [payments.MethodEasyPay] either way. An
// unknown or missing method gives "".
func (p *Payment) PaymentMethod() payments.Method {
	m := methodOf(p.Method)
	if m == payments.MethodCard && p.EasyPay != nil && p.EasyPay.Provider != "" {
		return payments.MethodEasyPay
	}
	return m
}

func methodOf(s string) payments.Method {
	switch strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", "_")) {
	case "카드", "CARD":
		return payments.MethodCard
	case "가상계좌", "VIRTUAL_ACCOUNT", "VIRTUALACCOUNT":
		return payments.MethodVirtualAccount
	case "간편결제", "EASY_PAY", "EASYPAY", "해외간편결제", "FOREIGN_EASY_PAY", "FOREIGNEASYPAY":
		return payments.MethodEasyPay
	case "휴대폰", "MOBILE_PHONE", "MOBILEPHONE", "MOBILE":
		return payments.MethodMobile
	case "계좌이체", "TRANSFER":
		return payments.MethodTransfer
	case "문화상품권", "도서문화상품권", "게임문화상품권", "CULTURE_GIFT_CERTIFICATE", "BOOK_GIFT_CERTIFICATE",
		"GAME_GIFT_CERTIFICATE", "GIFT_CERTIFICATE", "CULTUREGIFTCERTIFICATE", "BOOKGIFTCERTIFICATE", "GAMEGIFTCERTIFICATE":
		return payments.MethodGiftCertificate
	}
	return ""
}

// paidBefore reports whether money was taken, and is being given back,
// for a canceled payment: always for methods other than virtual accounts
// (only DONE payments can be canceled); for a virtual account only if a
// refund of the deposit was made, which shows as a refund status, or as
// a depositor name next to a cancel. approvedAt is not used for virtual
// accounts, as it may be set when the account is issued. A virtual
// account CANCELED without any cancel was not canceled by the merchant:
// before API version 1.4 that is how Toss reported a deposit that the bank
// reversed (https://docs.tosspayments.com/en/webhooks, DEPOSIT_CALLBACK),
// and the money never arrived.
func (p *Payment) paidBefore() bool {
	va := p.VirtualAccount
	if va == nil {
		if methodOf(p.Method) == payments.MethodVirtualAccount {
			return !p.ApprovedAt.IsZero()
		}
		return true
	}
	if va.RefundStatus != "" && va.RefundStatus != "NONE" {
		return true
	}
	return va.DepositorName != "" && len(p.Cancels) > 0
}

// UnifiedStatus returns the library's [payments.Status] for p: READY and
// IN_PROGRESS → ready (authorised, waiting for confirm);
// WAITING_FOR_DEPOSIT → waiting_for_deposit, or expired once
// virtualAccount.expired is true; DONE → paid; PARTIAL_CANCELED →
// partially_refunded; CANCELED → refunded, or canceled when no money was
// ever taken (a virtual account canceled before its deposit); ABORTED →
// failed; EXPIRED → expired. The public docs show a full refund as
// CANCELED in one example and PARTIAL_CANCELED in another; the library
// assumes either may come and reads a balanceAmount of 0 as refunded
// (tosstest.Config.ZeroBalanceStatus covers both readings). An unknown
// status gives "", which changes nothing.
func (p *Payment) UnifiedStatus() payments.Status {
	switch p.Status {
	case statusReady, statusInProgress:
		return payments.StatusReady
	case statusWaitingForDeposit:
		if p.VirtualAccount != nil && p.VirtualAccount.Expired {
			return payments.StatusExpired
		}
		return payments.StatusWaitingForDeposit
	case statusDone:
		return payments.StatusPaid
	case statusPartialCanceled:
		if p.BalanceAmount == 0 {
			return payments.StatusRefunded
		}
		return payments.StatusPartiallyRefunded
	case statusCanceled:
		if !p.paidBefore() {
			return payments.StatusCanceled
		}
		return payments.StatusRefunded
	case statusAborted:
		return payments.StatusFailed
	case statusExpired:
		return payments.StatusExpired
	}
	return ""
}

// Charge returns the library's view of p: Reference is the paymentKey,
// Amount the totalAmount, RefundedAmount totalAmount − balanceAmount once
// money was taken, PaidAt approvedAt, Status [Payment.UnifiedStatus],
// GatewayStatus the Toss status, and, for virtual accounts, the account
// and its deposit secret.
func (p *Payment) Charge() *payments.Charge {
	ch := &payments.Charge{
		Reference:      p.PaymentKey,
		GatewayOrderID: p.OrderID,
		Status:         p.UnifiedStatus(),
		GatewayStatus:  p.Status,
		Method:         p.PaymentMethod(),
		Amount:         payments.Amount(p.TotalAmount),
		Currency:       payments.Currency(strings.ToUpper(p.Currency)),
		PaidAt:         p.ApprovedAt,
	}
	if ch.Status.Paid() && p.TotalAmount > p.BalanceAmount {
		ch.RefundedAmount = payments.Amount(p.TotalAmount - p.BalanceAmount)
	}
	if p.Failure != nil {
		f := *p.Failure
		ch.Failure = &f
	}
	if va := p.VirtualAccount; va != nil {
		ch.VirtualAccount = &payments.VirtualAccount{Bank: va.BankCode, AccountNumber: va.AccountNumber,
			Holder: va.CustomerName, DueDate: va.DueDate}
		ch.DepositSecret = p.Secret
	}
	return ch
}

// UnmarshalJSON decodes a Toss Payment object with encoding/json; see
// [Payment] for the rules.
func (p *Payment) UnmarshalJSON(data []byte) error {
	var w wirePayment
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("toss: decoding payment: %w", err)
	}
	out, err := w.payment()
	if err != nil {
		return err
	}
	*p = out
	return nil
}

// The wire shapes of the Payment object. Amounts are json.Number so that
// they convert exactly; null strings decode to "", which no field tells
// apart from an empty string.
type (
	wirePayment struct {
		MID                   string           `json:"mId"`
		Version               string           `json:"version"`
		PaymentKey            string           `json:"paymentKey"`
		Type                  string           `json:"type"`
		OrderID               string           `json:"orderId"`
		OrderName             string           `json:"orderName"`
		Currency              string           `json:"currency"`
		Method                string           `json:"method"`
		Status                string           `json:"status"`
		TotalAmount           json.Number      `json:"totalAmount"`
		BalanceAmount         json.Number      `json:"balanceAmount"`
		SuppliedAmount        json.Number      `json:"suppliedAmount"`
		VAT                   json.Number      `json:"vat"`
		TaxFreeAmount         json.Number      `json:"taxFreeAmount"`
		TaxExemptionAmount    json.Number      `json:"taxExemptionAmount"`
		RequestedAt           string           `json:"requestedAt"`
		ApprovedAt            string           `json:"approvedAt"`
		UseEscrow             bool             `json:"useEscrow"`
		CultureExpense        bool             `json:"cultureExpense"`
		LastTransactionKey    string           `json:"lastTransactionKey"`
		TransactionKey        string           `json:"transactionKey"`
		IsPartialCancelable   bool             `json:"isPartialCancelable"`
		Country               string           `json:"country"`
		Secret                string           `json:"secret"`
		Metadata              map[string]any   `json:"metadata"`
		Card                  *wireCard        `json:"card"`
		VirtualAccount        *wireVA          `json:"virtualAccount"`
		Transfer              *Transfer        `json:"transfer"`
		MobilePhone           *MobilePhone     `json:"mobilePhone"`
		GiftCertificate       *GiftCertificate `json:"giftCertificate"`
		EasyPay               *wireEasyPay     `json:"easyPay"`
		EasyPayAmount         json.Number      `json:"easyPayAmount"`
		EasyPayDiscountAmount json.Number      `json:"easyPayDiscountAmount"`
		Discount              *wireDiscount    `json:"discount"`
		Cancels               []wireCancel     `json:"cancels"`
		CashReceipt           *wireReceipt     `json:"cashReceipt"`
		CashReceipts          []wireReceipt    `json:"cashReceipts"`
		Receipt               *wireURL         `json:"receipt"`
		Checkout              *wireURL         `json:"checkout"`
		Failure               *wireFailure     `json:"failure"`
	}
	wireCard struct {
		Amount                json.Number `json:"amount"`
		IssuerCode            string      `json:"issuerCode"`
		AcquirerCode          string      `json:"acquirerCode"`
		Number                string      `json:"number"`
		InstallmentPlanMonths int         `json:"installmentPlanMonths"`
		ApproveNo             string      `json:"approveNo"`
		UseCardPoint          bool        `json:"useCardPoint"`
		CardType              string      `json:"cardType"`
		OwnerType             string      `json:"ownerType"`
		AcquireStatus         string      `json:"acquireStatus"`
		IsInterestFree        bool        `json:"isInterestFree"`
		InterestPayer         string      `json:"interestPayer"`
		ReceiptURL            string      `json:"receiptUrl"`
	}
	wireVA struct {
		AccountType          string `json:"accountType"`
		AccountNumber        string `json:"accountNumber"`
		BankCode             string `json:"bankCode"`
		CustomerName         string `json:"customerName"`
		DepositorName        string `json:"depositorName"`
		DueDate              string `json:"dueDate"`
		RefundStatus         string `json:"refundStatus"`
		Expired              bool   `json:"expired"`
		SettlementStatus     string `json:"settlementStatus"`
		RefundReceiveAccount *struct {
			BankCode      string `json:"bankCode"`
			AccountNumber string `json:"accountNumber"`
			HolderName    string `json:"holderName"`
		} `json:"refundReceiveAccount"`
	}
	wireEasyPay struct {
		Provider       string      `json:"provider"`
		Amount         json.Number `json:"amount"`
		DiscountAmount json.Number `json:"discountAmount"`
	}
	wireDiscount struct {
		Amount json.Number `json:"amount"`
	}
	wireCancel struct {
		CancelAmount           json.Number `json:"cancelAmount"`
		CancelReason           string      `json:"cancelReason"`
		TaxFreeAmount          json.Number `json:"taxFreeAmount"`
		TaxExemptionAmount     json.Number `json:"taxExemptionAmount"`
		RefundableAmount       json.Number `json:"refundableAmount"`
		CardDiscountAmount     json.Number `json:"cardDiscountAmount"`
		TransferDiscountAmount json.Number `json:"transferDiscountAmount"`
		EasyPayDiscountAmount  json.Number `json:"easyPayDiscountAmount"`
		CanceledAt             string      `json:"canceledAt"`
		TransactionKey         string      `json:"transactionKey"`
		ReceiptKey             string      `json:"receiptKey"`
		CancelStatus           string      `json:"cancelStatus"`
		CancelRequestID        string      `json:"cancelRequestId"`
	}
	wireReceipt struct {
		Type            string       `json:"type"`
		ReceiptKey      string       `json:"receiptKey"`
		IssueNumber     string       `json:"issueNumber"`
		ReceiptURL      string       `json:"receiptUrl"`
		Amount          json.Number  `json:"amount"`
		TaxFreeAmount   json.Number  `json:"taxFreeAmount"`
		IssueStatus     string       `json:"issueStatus"`
		TransactionType string       `json:"transactionType"`
		BusinessNumber  string       `json:"businessNumber"`
		RequestedAt     string       `json:"requestedAt"`
		Failure         *wireFailure `json:"failure"`
	}
	wireURL struct {
		URL string `json:"url"`
	}
	wireFailure struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
)

// payment converts the wire shape to a Payment: amounts to exact minor
// units of the payment's currency, timestamps to time.Time.
func (w *wirePayment) payment() (Payment, error) {
	c := &converter{}
	if cur := payments.Currency(strings.ToUpper(w.Currency)); cur.Valid() {
		c.exp = cur.Exponent()
	}
	out := Payment{
		MID:                   w.MID,
		Version:               w.Version,
		PaymentKey:            w.PaymentKey,
		Type:                  w.Type,
		OrderID:               w.OrderID,
		OrderName:             w.OrderName,
		Currency:              w.Currency,
		Method:                w.Method,
		Status:                w.Status,
		TotalAmount:           c.amount("totalAmount", w.TotalAmount),
		BalanceAmount:         c.amount("balanceAmount", w.BalanceAmount),
		SuppliedAmount:        c.amount("suppliedAmount", w.SuppliedAmount),
		VAT:                   c.amount("vat", w.VAT),
		TaxFreeAmount:         c.amount("taxFreeAmount", w.TaxFreeAmount),
		TaxExemptionAmount:    c.amount("taxExemptionAmount", w.TaxExemptionAmount),
		RequestedAt:           c.time("requestedAt", w.RequestedAt),
		ApprovedAt:            c.time("approvedAt", w.ApprovedAt),
		UseEscrow:             w.UseEscrow,
		CultureExpense:        w.CultureExpense,
		LastTransactionKey:    w.LastTransactionKey,
		TransactionKey:        w.TransactionKey,
		IsPartialCancelable:   w.IsPartialCancelable,
		Country:               w.Country,
		Secret:                payments.Secret(w.Secret),
		Transfer:              w.Transfer,
		MobilePhone:           w.MobilePhone,
		GiftCertificate:       w.GiftCertificate,
		EasyPayAmount:         c.amount("easyPayAmount", w.EasyPayAmount),
		EasyPayDiscountAmount: c.amount("easyPayDiscountAmount", w.EasyPayDiscountAmount),
		Failure:               w.Failure.failure(),
	}
	if len(w.Metadata) > 0 {
		// Values are strings; anything else is kept as its JSON text.
		out.Metadata = make(map[string]string, len(w.Metadata))
		for k, v := range w.Metadata {
			if s, ok := v.(string); ok {
				out.Metadata[k] = s
			} else {
				b, _ := json.Marshal(v)
				out.Metadata[k] = string(b)
			}
		}
	}
	if v := w.Card; v != nil {
		out.Card = &Card{
			Amount: c.amount("card.amount", v.Amount), IssuerCode: v.IssuerCode, AcquirerCode: v.AcquirerCode,
			Number: v.Number, InstallmentPlanMonths: v.InstallmentPlanMonths, ApproveNo: v.ApproveNo,
			UseCardPoint: v.UseCardPoint, CardType: v.CardType, OwnerType: v.OwnerType,
			AcquireStatus: v.AcquireStatus, IsInterestFree: v.IsInterestFree, InterestPayer: v.InterestPayer,
			ReceiptURL: v.ReceiptURL,
		}
	}
	if v := w.VirtualAccount; v != nil {
		out.VirtualAccount = &VirtualAccount{
			AccountType: v.AccountType, AccountNumber: v.AccountNumber, BankCode: v.BankCode,
			CustomerName: v.CustomerName, DepositorName: v.DepositorName, DueDate: c.time("virtualAccount.dueDate", v.DueDate),
			RefundStatus: v.RefundStatus, Expired: v.Expired, SettlementStatus: v.SettlementStatus,
		}
		if ra := v.RefundReceiveAccount; ra != nil {
			out.VirtualAccount.RefundReceiveAccount = &RefundReceiveAccount{Bank: ra.BankCode, AccountNumber: ra.AccountNumber, HolderName: ra.HolderName}
		}
	}
	if v := w.EasyPay; v != nil {
		out.EasyPay = &EasyPay{Provider: v.Provider, Amount: c.amount("easyPay.amount", v.Amount),
			DiscountAmount: c.amount("easyPay.discountAmount", v.DiscountAmount)}
	}
	if w.Discount != nil {
		out.Discount = &Discount{Amount: c.amount("discount.amount", w.Discount.Amount)}
	}
	if w.Cancels != nil {
		out.Cancels = make([]Cancel, len(w.Cancels))
		for i, v := range w.Cancels {
			out.Cancels[i] = Cancel{
				CancelAmount:           c.amount("cancels.cancelAmount", v.CancelAmount),
				CancelReason:           v.CancelReason,
				TaxFreeAmount:          c.amount("cancels.taxFreeAmount", v.TaxFreeAmount),
				TaxExemptionAmount:     c.amount("cancels.taxExemptionAmount", v.TaxExemptionAmount),
				RefundableAmount:       c.amount("cancels.refundableAmount", v.RefundableAmount),
				CardDiscountAmount:     c.amount("cancels.cardDiscountAmount", v.CardDiscountAmount),
				TransferDiscountAmount: c.amount("cancels.transferDiscountAmount", v.TransferDiscountAmount),
				EasyPayDiscountAmount:  c.amount("cancels.easyPayDiscountAmount", v.EasyPayDiscountAmount),
				CanceledAt:             c.time("cancels.canceledAt", v.CanceledAt),
				TransactionKey:         v.TransactionKey,
				ReceiptKey:             v.ReceiptKey,
				CancelStatus:           v.CancelStatus,
				CancelRequestID:        v.CancelRequestID,
			}
		}
	}
	receipt := func(r *wireReceipt) CashReceipt {
		return CashReceipt{
			Type: r.Type, ReceiptKey: r.ReceiptKey, IssueNumber: r.IssueNumber, ReceiptURL: r.ReceiptURL,
			Amount: c.amount("cashReceipt.amount", r.Amount), TaxFreeAmount: c.amount("cashReceipt.taxFreeAmount", r.TaxFreeAmount),
			IssueStatus: r.IssueStatus, TransactionType: r.TransactionType, BusinessNumber: r.BusinessNumber,
			RequestedAt: c.time("cashReceipt.requestedAt", r.RequestedAt), Failure: r.Failure.failure(),
		}
	}
	if w.CashReceipt != nil {
		r := receipt(w.CashReceipt)
		out.CashReceipt = &r
	}
	if w.CashReceipts != nil {
		out.CashReceipts = make([]CashReceipt, len(w.CashReceipts))
		for i := range w.CashReceipts {
			out.CashReceipts[i] = receipt(&w.CashReceipts[i])
		}
	}
	if w.Receipt != nil {
		out.ReceiptURL = w.Receipt.URL
	}
	if w.Checkout != nil {
		out.CheckoutURL = w.Checkout.URL
	}
	return out, c.err
}

func (f *wireFailure) failure() *payments.Failure {
	if f == nil || (f.Code == "" && f.Message == "") {
		return nil
	}
	return &payments.Failure{Code: f.Code, Message: f.Message}
}

// converter converts wire values, remembering the first error.
type converter struct {
	exp int // decimal places of the payment's currency
	err error
}

func (c *converter) fail(field string, err error) {
	if c.err == nil {
		c.err = fmt.Errorf("toss: payment field %s: %w", field, err)
	}
}

// amount converts a JSON number to the currency's minor unit exactly.
func (c *converter) amount(field string, n json.Number) int64 {
	if n == "" {
		return 0
	}
	v, err := exactAmount(string(n), c.exp)
	if err != nil {
		c.fail(field, err)
	}
	return v
}

func (c *converter) time(field, s string) time.Time {
	t, err := parseTime(s)
	if err != nil {
		c.fail(field, err)
	}
	return t
}

// exactAmount reads a JSON number written in major units and returns it
// in minor units (exp decimal places), refusing anything that is not
// exactly representable as an int64 of minor units.
func exactAmount(s string, exp int) (int64, error) {
	if len(s) > 40 {
		return 0, errors.New("number too long")
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		// Bound the exponent: big.Rat would compute 10^e however large.
		if e, err := strconv.Atoi(s[i+1:]); err != nil || e > 30 || e < -30 {
			return 0, fmt.Errorf("%s is out of range", s)
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if exp > 0 {
		r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil)))
	}
	if !r.IsInt() {
		return 0, fmt.Errorf("%s is not a whole number of the currency's minor unit", s)
	}
	if !r.Num().IsInt64() {
		return 0, fmt.Errorf("%s is out of range", s)
	}
	return r.Num().Int64(), nil
}

// parseTime reads an ISO-8601 timestamp: with an offset
// ("2024-02-13T12:17:57+09:00", as payments carry them), or without one,
// as Korean time (a webhook's createdAt "2022-01-01T00:00:00.000000", a
// virtual account's dueDate). "" is the zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, kst); err == nil {
		return t, nil
	}
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO-8601 timestamp", s)
}
