package toss

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/payments-go/payments"
)

// Payment is the Toss Payment object (reference §4), as every endpoint of
// the core API returns it.
//
// Decoding is tolerant where Toss may change things without a version bump
// (§4): unknown fields are ignored, and unknown enum values (status,
// method, card type …) are kept as they are, never an error. It is strict
// where a wrong value would be dangerous: amounts must be exact (see
// below) and timestamps must parse.
//
// Amounts are int64 in the minor unit of Currency: whole won for KRW,
// which has no minor unit (§11), so a fractional KRW amount is a decoding
// error, never rounded. (Since API v1.4 foreign-currency amounts may be
// fractional; they are scaled exactly to their minor unit, 10.5 USD
// becoming 1050.) Timestamps keep the offset Toss sends (+09:00); a
// timestamp without an offset is read as Korean time. Secret, the
// virtual-account deposit secret, is a [payments.Secret] and never prints.
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
	// PARTIAL_CANCELED, ABORTED or EXPIRED (§5), or a status added later.
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
	// ApprovedAt is zero until the payment is approved (for a virtual
	// account possibly until the deposit; §3.6 UNCERTAIN).
	ApprovedAt          time.Time
	UseEscrow           bool
	CultureExpense      bool
	LastTransactionKey  string
	TransactionKey      string
	IsPartialCancelable bool
	Country             string
	// Secret is the deposit secret of a virtual account, which a
	// DEPOSIT_CALLBACK webhook must carry (§9).
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

// Card is Payment.card (§4).
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

// VirtualAccount is Payment.virtualAccount (§4).
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
	// payment's status stays WAITING_FOR_DEPOSIT (§5).
	Expired bool
	// SettlementStatus is INCOMPLETED or COMPLETED.
	SettlementStatus string
	// RefundReceiveAccount is readable for 30 minutes on widget payments
	// only; nil otherwise.
	RefundReceiveAccount *RefundReceiveAccount
}

// Transfer is Payment.transfer (§4).
type Transfer struct {
	BankCode         string `json:"bankCode"`
	SettlementStatus string `json:"settlementStatus"`
}

// MobilePhone is Payment.mobilePhone (§4).
type MobilePhone struct {
	CustomerMobilePhone string `json:"customerMobilePhone"`
	SettlementStatus    string `json:"settlementStatus"`
	ReceiptURL          string `json:"receiptUrl"`
}

// GiftCertificate is Payment.giftCertificate (§4).
type GiftCertificate struct {
	ApproveNo        string `json:"approveNo"`
	SettlementStatus string `json:"settlementStatus"`
}

// EasyPay is Payment.easyPay (§4, §6). Provider is the Korean name Toss
// sends (토스페이, 카카오페이, 네이버페이 …).
type EasyPay struct {
	Provider       string
	Amount         int64
	DiscountAmount int64
}

// Discount is Payment.discount, an instant card or transfer discount.
type Discount struct {
	Amount int64
}

// Cancel is one element of Payment.cancels (§4).
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
// Payment.cashReceipts (§3.9, §4). Fields the element does not carry are
// zero.
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

// tossKST is Korean Standard Time, for timestamps sent without an offset.
var tossKST = time.FixedZone("KST", 9*60*60)

// The wire shapes. Amounts are json.Number so they convert exactly;
// nullable strings are pointers only where null and "" differ for nobody,
// so plain strings (null decodes to "") are enough.
type (
	tossWirePayment struct {
		MID                   string            `json:"mId"`
		Version               string            `json:"version"`
		PaymentKey            string            `json:"paymentKey"`
		Type                  string            `json:"type"`
		OrderID               string            `json:"orderId"`
		OrderName             string            `json:"orderName"`
		Currency              string            `json:"currency"`
		Method                string            `json:"method"`
		Status                string            `json:"status"`
		TotalAmount           json.Number       `json:"totalAmount"`
		BalanceAmount         json.Number       `json:"balanceAmount"`
		SuppliedAmount        json.Number       `json:"suppliedAmount"`
		VAT                   json.Number       `json:"vat"`
		TaxFreeAmount         json.Number       `json:"taxFreeAmount"`
		TaxExemptionAmount    json.Number       `json:"taxExemptionAmount"`
		RequestedAt           string            `json:"requestedAt"`
		ApprovedAt            string            `json:"approvedAt"`
		UseEscrow             bool              `json:"useEscrow"`
		CultureExpense        bool              `json:"cultureExpense"`
		LastTransactionKey    string            `json:"lastTransactionKey"`
		TransactionKey        string            `json:"transactionKey"`
		IsPartialCancelable   bool              `json:"isPartialCancelable"`
		Country               string            `json:"country"`
		Secret                string            `json:"secret"`
		Metadata              map[string]any    `json:"metadata"`
		Card                  *tossWireCard     `json:"card"`
		VirtualAccount        *tossWireVA       `json:"virtualAccount"`
		Transfer              *Transfer         `json:"transfer"`
		MobilePhone           *MobilePhone      `json:"mobilePhone"`
		GiftCertificate       *GiftCertificate  `json:"giftCertificate"`
		EasyPay               *tossWireEasyPay  `json:"easyPay"`
		EasyPayAmount         json.Number       `json:"easyPayAmount"`
		EasyPayDiscountAmount json.Number       `json:"easyPayDiscountAmount"`
		Discount              *tossWireDiscount `json:"discount"`
		Cancels               []tossWireCancel  `json:"cancels"`
		CashReceipt           *tossWireReceipt  `json:"cashReceipt"`
		CashReceipts          []tossWireReceipt `json:"cashReceipts"`
		Receipt               *tossWireURL      `json:"receipt"`
		Checkout              *tossWireURL      `json:"checkout"`
		Failure               *tossWireFailure  `json:"failure"`
	}
	tossWireCard struct {
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
	tossWireVA struct {
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
	tossWireEasyPay struct {
		Provider       string      `json:"provider"`
		Amount         json.Number `json:"amount"`
		DiscountAmount json.Number `json:"discountAmount"`
	}
	tossWireDiscount struct {
		Amount json.Number `json:"amount"`
	}
	tossWireCancel struct {
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
	tossWireReceipt struct {
		Type            string           `json:"type"`
		ReceiptKey      string           `json:"receiptKey"`
		IssueNumber     string           `json:"issueNumber"`
		ReceiptURL      string           `json:"receiptUrl"`
		Amount          json.Number      `json:"amount"`
		TaxFreeAmount   json.Number      `json:"taxFreeAmount"`
		IssueStatus     string           `json:"issueStatus"`
		TransactionType string           `json:"transactionType"`
		BusinessNumber  string           `json:"businessNumber"`
		RequestedAt     string           `json:"requestedAt"`
		Failure         *tossWireFailure `json:"failure"`
	}
	tossWireURL struct {
		URL string `json:"url"`
	}
	tossWireFailure struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
)

// tossDecoder converts wire values, remembering the first error.
type tossDecoder struct {
	exp int // decimal places of the payment's currency
	err error
}

func (d *tossDecoder) fail(field string, err error) {
	if d.err == nil {
		d.err = fmt.Errorf("toss: payment field %s: %w", field, err)
	}
}

// amount converts a JSON number to the currency's minor unit exactly.
func (d *tossDecoder) amount(field string, n json.Number) int64 {
	if n == "" {
		return 0
	}
	v, err := tossExactAmount(string(n), d.exp)
	if err != nil {
		d.fail(field, err)
	}
	return v
}

func (d *tossDecoder) time(field, s string) time.Time {
	t, err := tossParseTime(s)
	if err != nil {
		d.fail(field, err)
	}
	return t
}

// tossExactAmount reads a JSON number written in major units and returns
// it in minor units (exp decimal places), refusing anything that is not
// exactly representable as an int64 of minor units.
func tossExactAmount(s string, exp int) (int64, error) {
	if v, ok := tossIntAmount(s, exp); ok {
		return v, nil
	}
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

// tossIntAmount is the fast path of tossExactAmount: a plain integer
// ("-"? digits) that fits an int64 once scaled. Anything else reports
// false and takes the exact big.Rat path, which gives the same value or
// the error.
func tossIntAmount(s string, exp int) (int64, bool) {
	digits := s
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 19 {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false
	}
	for ; exp > 0; exp-- {
		if v > math.MaxInt64/10 || v < math.MinInt64/10 {
			return 0, false
		}
		v *= 10
	}
	return v, true
}

// tossParseTime reads an ISO-8601 timestamp: with an offset
// ("2024-02-13T12:17:57+09:00", §3), or without one, as Korean time
// (webhook createdAt "2022-01-01T00:00:00.000000", virtual-account
// dueDate requests). "" is the zero time.
func tossParseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, tossKST); err == nil {
		return t, nil
	}
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO-8601 timestamp", s)
}

func (f *tossWireFailure) failure() *payments.Failure {
	if f == nil || (f.Code == "" && f.Message == "") {
		return nil
	}
	return &payments.Failure{Code: f.Code, Message: f.Message}
}

// UnmarshalJSON decodes a Toss Payment object; see [Payment] for the
// rules.
func (p *Payment) UnmarshalJSON(data []byte) error {
	var w tossWirePayment
	if !tossFastDecode(data, &w) {
		// Whatever the one-pass decoder leaves alone, encoding/json
		// decodes, with its errors.
		slow := new(tossWirePayment)
		if err := json.Unmarshal(data, slow); err != nil {
			return fmt.Errorf("toss: decoding payment: %w", err)
		}
		w = *slow
	}
	d := &tossDecoder{}
	if c := payments.Currency(strings.ToUpper(w.Currency)); c.Valid() {
		d.exp = c.Exponent()
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
		TotalAmount:           d.amount("totalAmount", w.TotalAmount),
		BalanceAmount:         d.amount("balanceAmount", w.BalanceAmount),
		SuppliedAmount:        d.amount("suppliedAmount", w.SuppliedAmount),
		VAT:                   d.amount("vat", w.VAT),
		TaxFreeAmount:         d.amount("taxFreeAmount", w.TaxFreeAmount),
		TaxExemptionAmount:    d.amount("taxExemptionAmount", w.TaxExemptionAmount),
		RequestedAt:           d.time("requestedAt", w.RequestedAt),
		ApprovedAt:            d.time("approvedAt", w.ApprovedAt),
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
		EasyPayAmount:         d.amount("easyPayAmount", w.EasyPayAmount),
		EasyPayDiscountAmount: d.amount("easyPayDiscountAmount", w.EasyPayDiscountAmount),
		Failure:               w.Failure.failure(),
	}
	if len(w.Metadata) > 0 {
		// Values are strings (§2); anything else is kept as its JSON text.
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
	if c := w.Card; c != nil {
		out.Card = &Card{
			Amount: d.amount("card.amount", c.Amount), IssuerCode: c.IssuerCode, AcquirerCode: c.AcquirerCode,
			Number: c.Number, InstallmentPlanMonths: c.InstallmentPlanMonths, ApproveNo: c.ApproveNo,
			UseCardPoint: c.UseCardPoint, CardType: c.CardType, OwnerType: c.OwnerType,
			AcquireStatus: c.AcquireStatus, IsInterestFree: c.IsInterestFree, InterestPayer: c.InterestPayer,
			ReceiptURL: c.ReceiptURL,
		}
	}
	if v := w.VirtualAccount; v != nil {
		out.VirtualAccount = &VirtualAccount{
			AccountType: v.AccountType, AccountNumber: v.AccountNumber, BankCode: v.BankCode,
			CustomerName: v.CustomerName, DepositorName: v.DepositorName, DueDate: d.time("virtualAccount.dueDate", v.DueDate),
			RefundStatus: v.RefundStatus, Expired: v.Expired, SettlementStatus: v.SettlementStatus,
		}
		if ra := v.RefundReceiveAccount; ra != nil {
			out.VirtualAccount.RefundReceiveAccount = &RefundReceiveAccount{Bank: ra.BankCode, AccountNumber: ra.AccountNumber, HolderName: ra.HolderName}
		}
	}
	if e := w.EasyPay; e != nil {
		out.EasyPay = &EasyPay{Provider: e.Provider, Amount: d.amount("easyPay.amount", e.Amount),
			DiscountAmount: d.amount("easyPay.discountAmount", e.DiscountAmount)}
	}
	if w.Discount != nil {
		out.Discount = &Discount{Amount: d.amount("discount.amount", w.Discount.Amount)}
	}
	if w.Cancels != nil {
		out.Cancels = make([]Cancel, len(w.Cancels))
		for i, c := range w.Cancels {
			out.Cancels[i] = Cancel{
				CancelAmount:           d.amount("cancels.cancelAmount", c.CancelAmount),
				CancelReason:           c.CancelReason,
				TaxFreeAmount:          d.amount("cancels.taxFreeAmount", c.TaxFreeAmount),
				TaxExemptionAmount:     d.amount("cancels.taxExemptionAmount", c.TaxExemptionAmount),
				RefundableAmount:       d.amount("cancels.refundableAmount", c.RefundableAmount),
				CardDiscountAmount:     d.amount("cancels.cardDiscountAmount", c.CardDiscountAmount),
				TransferDiscountAmount: d.amount("cancels.transferDiscountAmount", c.TransferDiscountAmount),
				EasyPayDiscountAmount:  d.amount("cancels.easyPayDiscountAmount", c.EasyPayDiscountAmount),
				CanceledAt:             d.time("cancels.canceledAt", c.CanceledAt),
				TransactionKey:         c.TransactionKey,
				ReceiptKey:             c.ReceiptKey,
				CancelStatus:           c.CancelStatus,
				CancelRequestID:        c.CancelRequestID,
			}
		}
	}
	receipt := func(r *tossWireReceipt) CashReceipt {
		return CashReceipt{
			Type: r.Type, ReceiptKey: r.ReceiptKey, IssueNumber: r.IssueNumber, ReceiptURL: r.ReceiptURL,
			Amount: d.amount("cashReceipt.amount", r.Amount), TaxFreeAmount: d.amount("cashReceipt.taxFreeAmount", r.TaxFreeAmount),
			IssueStatus: r.IssueStatus, TransactionType: r.TransactionType, BusinessNumber: r.BusinessNumber,
			RequestedAt: d.time("cashReceipt.requestedAt", r.RequestedAt), Failure: r.Failure.failure(),
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
	if d.err != nil {
		return d.err
	}
	*p = out
	return nil
}

// PaymentMethod returns the library's method for p (§6): Korean names
// (카드, 가상계좌, 간편결제, 휴대폰, 계좌이체, 문화상품권, 도서문화상품권,
// 게임문화상품권, 해외간편결제) and English spellings (CARD,
// VIRTUAL_ACCOUNT, EASY_PAY, MOBILE_PHONE, TRANSFER,
// CULTURE_GIFT_CERTIFICATE, FOREIGN_EASY_PAY …; the exact English spellings
// are UNCERTAIN in §6, so the usual variants are all accepted). A card
// payment made through an easy-pay wallet, which Toss reports either as
// 간편결제 or as 카드 with easyPay filled (§6), is [payments.MethodEasyPay]
// either way. An unknown or missing method gives "".
func (p *Payment) PaymentMethod() payments.Method {
	m := tossMethod(p.Method)
	if m == payments.MethodCard && p.EasyPay != nil && p.EasyPay.Provider != "" {
		return payments.MethodEasyPay
	}
	return m
}

func tossMethod(s string) payments.Method {
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

// The Toss payment statuses (§5).
const (
	tossStatusReady             = "READY"
	tossStatusInProgress        = "IN_PROGRESS"
	tossStatusWaitingForDeposit = "WAITING_FOR_DEPOSIT"
	tossStatusDone              = "DONE"
	tossStatusCanceled          = "CANCELED"
	tossStatusPartialCanceled   = "PARTIAL_CANCELED"
	tossStatusAborted           = "ABORTED"
	tossStatusExpired           = "EXPIRED"
)

// tossPaidBefore reports whether money was ever taken for a canceled
// payment: always for methods other than virtual accounts (only DONE
// payments can be canceled, §5); for a virtual account only if the
// deposit arrived, which shows as a depositor name or a refund status.
// approvedAt is not used for virtual accounts, as it may be set at issue
// (§3.6 UNCERTAIN).
func (p *Payment) tossPaidBefore() bool {
	va := p.VirtualAccount
	if va == nil {
		if tossMethod(p.Method) == payments.MethodVirtualAccount {
			return !p.ApprovedAt.IsZero()
		}
		return true
	}
	return va.DepositorName != "" || (va.RefundStatus != "" && va.RefundStatus != "NONE")
}

// UnifiedStatus returns the library's [payments.Status] for p (API.md,
// §5): READY and IN_PROGRESS → ready (authorised, waiting for confirm);
// WAITING_FOR_DEPOSIT → waiting_for_deposit, or expired once
// virtualAccount.expired is true; DONE → paid; PARTIAL_CANCELED →
// partially_refunded, or refunded when balanceAmount is 0 (§5 UNCERTAIN:
// Toss may report a full refund either way); CANCELED → refunded, or
// canceled when no money was ever taken (a virtual account canceled before
// its deposit); ABORTED → failed; EXPIRED → expired. An unknown status
// gives "", which changes nothing.
func (p *Payment) UnifiedStatus() payments.Status {
	switch p.Status {
	case tossStatusReady, tossStatusInProgress:
		return payments.StatusReady
	case tossStatusWaitingForDeposit:
		if p.VirtualAccount != nil && p.VirtualAccount.Expired {
			return payments.StatusExpired
		}
		return payments.StatusWaitingForDeposit
	case tossStatusDone:
		return payments.StatusPaid
	case tossStatusPartialCanceled:
		if p.BalanceAmount == 0 {
			return payments.StatusRefunded
		}
		return payments.StatusPartiallyRefunded
	case tossStatusCanceled:
		if !p.tossPaidBefore() {
			return payments.StatusCanceled
		}
		return payments.StatusRefunded
	case tossStatusAborted:
		return payments.StatusFailed
	case tossStatusExpired:
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

// ConfirmRequest is the body of POST /v1/payments/confirm (§3.1): the
// paymentKey, orderId and amount from the success redirect, after the
// amount was checked against the order.
type ConfirmRequest struct {
	PaymentKey string `json:"paymentKey"`
	OrderID    string `json:"orderId"`
	// Amount in won; it must equal the authenticated amount.
	Amount int64 `json:"amount"`
}

// CancelRequest is the body of POST /v1/payments/{paymentKey}/cancel
// (§3.4).
type CancelRequest struct {
	// CancelReason is required, at most 200 characters.
	CancelReason string `json:"cancelReason"`
	// CancelAmount, if set, cancels that much; nil cancels the whole
	// remaining balance.
	CancelAmount *int64 `json:"cancelAmount,omitempty"`
	// RefundReceiveAccount is required to refund a virtual-account payment
	// after its deposit, and must be nil otherwise.
	RefundReceiveAccount *RefundReceiveAccount `json:"refundReceiveAccount,omitempty"`
	// TaxFreeAmount is honoured only for tax-free or mixed merchants.
	TaxFreeAmount *int64 `json:"taxFreeAmount,omitempty"`
	// RefundableAmount, if set, makes Toss refuse the cancel
	// (NOT_MATCHES_REFUNDABLE_AMOUNT) unless the balance is exactly this;
	// Toss now recommends idempotency keys instead.
	RefundableAmount *int64 `json:"refundableAmount,omitempty"`
	// Currency, if set, must equal the payment's currency.
	Currency string `json:"currency,omitempty"`
}

// RefundReceiveAccount is the customer's bank account that receives the
// refund of a deposited virtual-account payment (§3.4).
type RefundReceiveAccount struct {
	// Bank is Toss's bank code ("20"); Korean and English names are
	// accepted by Toss too (§10).
	Bank string `json:"bank"`
	// AccountNumber is digits only, at most 20.
	AccountNumber string `json:"accountNumber"`
	// HolderName is at most 60 characters and is checked against the
	// account.
	HolderName string `json:"holderName"`
}

// VirtualAccountRequest is the body of POST /v1/virtual-accounts (§3.6).
type VirtualAccountRequest struct {
	// Amount in won, at least 1.
	Amount int64
	// OrderID is 6–64 of A-Za-z0-9-_.
	OrderID string
	// OrderName is 1–100 characters.
	OrderName string
	// CustomerName names the account holder shown to the customer; at
	// most 100 characters.
	CustomerName string
	// Bank is the bank code ("20"); Korean ("우리") and English ("WOORI")
	// names are accepted by Toss too.
	Bank string
	// ValidHours (default 168) or DueDate, not both, bound the deposit
	// window. DueDate is sent in Korean time.
	ValidHours int
	DueDate    time.Time
	// Optional.
	CustomerEmail       string
	CustomerMobilePhone string
	TaxFreeAmount       int64
	UseEscrow           bool
	// CashReceipt, if set, asks for a cash receipt of Type 소득공제,
	// 지출증빙 or 미발행.
	CashReceipt *payments.CashReceipt
}

// MarshalJSON writes r as Toss expects it, leaving out unset optional
// fields.
func (r VirtualAccountRequest) MarshalJSON() ([]byte, error) {
	type cashReceipt struct {
		Type               string `json:"type"`
		RegistrationNumber string `json:"registrationNumber,omitempty"`
	}
	w := struct {
		Amount              int64        `json:"amount"`
		OrderID             string       `json:"orderId"`
		OrderName           string       `json:"orderName"`
		CustomerName        string       `json:"customerName"`
		Bank                string       `json:"bank"`
		ValidHours          int          `json:"validHours,omitempty"`
		DueDate             string       `json:"dueDate,omitempty"`
		CustomerEmail       string       `json:"customerEmail,omitempty"`
		CustomerMobilePhone string       `json:"customerMobilePhone,omitempty"`
		TaxFreeAmount       int64        `json:"taxFreeAmount,omitempty"`
		UseEscrow           bool         `json:"useEscrow,omitempty"`
		CashReceipt         *cashReceipt `json:"cashReceipt,omitempty"`
	}{
		Amount: r.Amount, OrderID: r.OrderID, OrderName: r.OrderName, CustomerName: r.CustomerName,
		Bank: r.Bank, ValidHours: r.ValidHours, CustomerEmail: r.CustomerEmail,
		CustomerMobilePhone: r.CustomerMobilePhone, TaxFreeAmount: r.TaxFreeAmount, UseEscrow: r.UseEscrow,
	}
	if !r.DueDate.IsZero() {
		// §3.6: yyyy-MM-dd'T'HH:mm:ss, no offset: Korean time.
		w.DueDate = r.DueDate.In(tossKST).Format("2006-01-02T15:04:05")
	}
	if cr := r.CashReceipt; cr != nil {
		w.CashReceipt = &cashReceipt{Type: cr.Type, RegistrationNumber: cr.RegistrationNumber}
	}
	return json.Marshal(w)
}

// The one-pass decoder of the Toss Payment object.
//
// tossFastDecode fills a tossWirePayment exactly as json.Unmarshal would,
// in a single pass over the bytes and without reflection. It handles the
// shapes Toss sends and reports false, leaving w partly filled, for
// anything it does not decode exactly like encoding/json: malformed JSON,
// a value of another type than the field's (a numeric string for an
// amount, say), a key that is escaped, not ASCII, repeated or matches a
// field only case-insensitively, metadata, a null element of an array,
// a string that is not valid UTF-8, deep nesting. The caller then decodes
// with encoding/json, which gives the same result or the error.

// tossMaxDepth bounds the nesting the one-pass decoder follows.
const tossMaxDepth = 64

type tossScan struct {
	data  []byte
	i     int
	depth int
}

// tossFields is the set of keys of one wire struct. A struct has at most
// 64 fields, so that a bit set can spot repeated keys.
type tossFields struct {
	names []string
	index map[string]int
	// strict leaves objects with unknown keys to encoding/json (for
	// DisallowUnknownFields).
	strict bool
}

func newTossFields(names ...string) *tossFields {
	if len(names) > 64 {
		panic("toss: too many fields")
	}
	f := &tossFields{names: names, index: make(map[string]int, len(names))}
	for i, n := range names {
		f.index[n] = i
	}
	return f
}

func tossFastDecode(data []byte, w *tossWirePayment) bool {
	s := tossScan{data: data}
	if s.peek() != '{' || !s.payment(w) {
		return false
	}
	s.peek()
	return s.i == len(s.data)
}

// peek skips white space and returns the next byte, or 0 at the end.
func (s *tossScan) peek() byte {
	for s.i < len(s.data) {
		switch c := s.data[s.i]; c {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return c
		}
	}
	return 0
}

// literal consumes word (true, false, null) if it comes next.
func (s *tossScan) literal(word string) bool {
	if len(s.data)-s.i >= len(word) && string(s.data[s.i:s.i+len(word)]) == word {
		s.i += len(word)
		return true
	}
	return false
}

func tossIsHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// tossStringSpecial marks the bytes rawString must look at: the quote,
// the backslash, control characters and bytes beyond ASCII.
var tossStringSpecial = func() (t [256]bool) {
	for c := range t {
		t[c] = c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf
	}
	return t
}()

// rawString consumes a string token and returns what is between its
// quotes, whether it has escapes and whether it has bytes beyond ASCII.
// Escapes are checked as the JSON grammar has them; UTF-8 is not.
func (s *tossScan) rawString() (b []byte, escaped, nonASCII, ok bool) {
	if s.peek() != '"' {
		return nil, false, false, false
	}
	d := s.data
	for j := s.i + 1; j < len(d); j++ {
		for j < len(d) && !tossStringSpecial[d[j]] {
			j++
		}
		if j == len(d) {
			break
		}
		switch c := d[j]; {
		case c == '"':
			b = d[s.i+1 : j]
			s.i = j + 1
			return b, escaped, nonASCII, true
		case c == '\\':
			escaped = true
			j++
			if j >= len(d) {
				return nil, false, false, false
			}
			switch d[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(d) || !tossIsHex(d[j+1]) || !tossIsHex(d[j+2]) || !tossIsHex(d[j+3]) || !tossIsHex(d[j+4]) {
					return nil, false, false, false
				}
				j += 4
			default:
				return nil, false, false, false
			}
		case c < 0x20:
			return nil, false, false, false
		default:
			nonASCII = true
		}
	}
	return nil, false, false, false
}

// string consumes a string token and returns its value.
func (s *tossScan) string() (string, bool) {
	b, escaped, nonASCII, ok := s.rawString()
	switch {
	case !ok:
		return "", false
	case escaped:
		return tossUnescape(b, nonASCII)
	case nonASCII && !utf8.Valid(b):
		// encoding/json would replace the bad bytes; leave it to it.
		return "", false
	}
	return tossIntern(b), true
}

// tossUnescape returns the value of the contents b of a string token
// whose escapes rawString checked, as encoding/json unquotes it: a \u
// escape of a surrogate half that does not pair with the next \u escape
// becomes U+FFFD. It reports false for invalid UTF-8 (which escapes never
// produce).
func tossUnescape(b []byte, nonASCII bool) (string, bool) {
	var out strings.Builder // its String does not copy
	out.Grow(len(b))
	for {
		k := bytes.IndexByte(b, '\\')
		if k < 0 {
			out.Write(b)
			break
		}
		out.Write(b[:k])
		e := b[k+1]
		b = b[k+2:]
		switch e {
		case '"', '\\', '/':
			out.WriteByte(e)
		case 'b':
			out.WriteByte('\b')
		case 'f':
			out.WriteByte('\f')
		case 'n':
			out.WriteByte('\n')
		case 'r':
			out.WriteByte('\r')
		case 't':
			out.WriteByte('\t')
		case 'u':
			r := tossHex4(b)
			b = b[4:]
			if utf16.IsSurrogate(r) {
				if len(b) >= 6 && b[0] == '\\' && b[1] == 'u' {
					if dec := utf16.DecodeRune(r, tossHex4(b[2:])); dec != unicode.ReplacementChar {
						out.WriteRune(dec)
						b = b[6:]
						continue
					}
				}
				r = unicode.ReplacementChar
			}
			out.WriteRune(r)
		default:
			return "", false
		}
	}
	v := out.String()
	if nonASCII && !utf8.ValidString(v) {
		return "", false
	}
	return v, true
}

// tossHex4 reads four hex digits that rawString checked.
func tossHex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// tossIntern returns the common values of Toss's enum-like fields without
// allocating.
func tossIntern(b []byte) string {
	switch string(b) {
	case "":
		return ""
	case "tosspayments":
		return "tosspayments"
	case "2022-11-16":
		return "2022-11-16"
	case "NORMAL":
		return "NORMAL"
	case "KRW":
		return "KRW"
	case "KR":
		return "KR"
	case "카드":
		return "카드"
	case "가상계좌":
		return "가상계좌"
	case "간편결제":
		return "간편결제"
	case tossStatusReady:
		return tossStatusReady
	case tossStatusInProgress:
		return tossStatusInProgress
	case tossStatusWaitingForDeposit:
		return tossStatusWaitingForDeposit
	case tossStatusDone:
		return tossStatusDone
	case tossStatusCanceled:
		return tossStatusCanceled
	case tossStatusPartialCanceled:
		return tossStatusPartialCanceled
	case tossStatusAborted:
		return tossStatusAborted
	case tossStatusExpired:
		return tossStatusExpired
	case "신용":
		return "신용"
	case "체크":
		return "체크"
	case "개인":
		return "개인"
	case "법인":
		return "법인"
	case "COMPLETED":
		return "COMPLETED"
	case "INCOMPLETED":
		return "INCOMPLETED"
	case "NONE":
		return "NONE"
	}
	return string(b)
}

// number consumes a number token as the JSON grammar has it.
func (s *tossScan) number() ([]byte, bool) {
	d, j := s.data, s.i
	digits := func() bool {
		start := j
		for j < len(d) && '0' <= d[j] && d[j] <= '9' {
			j++
		}
		return j > start
	}
	if j < len(d) && d[j] == '-' {
		j++
	}
	switch {
	case j < len(d) && d[j] == '0':
		j++
	case j < len(d) && '1' <= d[j] && d[j] <= '9':
		digits()
	default:
		return nil, false
	}
	if j < len(d) && d[j] == '.' {
		j++
		if !digits() {
			return nil, false
		}
	}
	if j < len(d) && (d[j] == 'e' || d[j] == 'E') {
		j++
		if j < len(d) && (d[j] == '+' || d[j] == '-') {
			j++
		}
		if !digits() {
			return nil, false
		}
	}
	tok := d[s.i:j]
	s.i = j
	return tok, true
}

// skip consumes a value of any type.
func (s *tossScan) skip() bool {
	switch s.peek() {
	case '"':
		_, _, _, ok := s.rawString()
		return ok
	case '{':
		s.i++
		if s.depth++; s.depth > tossMaxDepth {
			return false
		}
		if s.peek() == '}' {
			s.i++
			s.depth--
			return true
		}
		for {
			if _, _, _, ok := s.rawString(); !ok || s.peek() != ':' {
				return false
			}
			s.i++
			if !s.skip() {
				return false
			}
			switch s.peek() {
			case ',':
				s.i++
			case '}':
				s.i++
				s.depth--
				return true
			default:
				return false
			}
		}
	case '[':
		s.i++
		if s.depth++; s.depth > tossMaxDepth {
			return false
		}
		if s.peek() == ']' {
			s.i++
			s.depth--
			return true
		}
		for {
			if !s.skip() {
				return false
			}
			switch s.peek() {
			case ',':
				s.i++
			case ']':
				s.i++
				s.depth--
				return true
			default:
				return false
			}
		}
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	}
	_, ok := s.number()
	return ok
}

// tossFoldEqual reports whether the ASCII key equals name but for the
// case of letters, as encoding/json matches keys.
func tossFoldEqual(key []byte, name string) bool {
	if len(key) != len(name) {
		return false
	}
	for i := 0; i < len(key); i++ {
		a, b := key[i], name[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// object consumes an object, calling field with the name of each known
// key to decode its value. Unknown keys are skipped.
func (s *tossScan) object(fs *tossFields, field func(name string) bool) bool {
	if s.peek() != '{' {
		return false
	}
	s.i++
	if s.depth++; s.depth > tossMaxDepth {
		return false
	}
	var seen uint64
	if s.peek() == '}' {
		s.i++
		s.depth--
		return true
	}
	next := 0 // the field expected next: Toss sends them in order
	for {
		key, escaped, nonASCII, ok := s.rawString()
		if !ok || escaped || nonASCII || s.peek() != ':' {
			return false
		}
		s.i++
		k, known := next, next < len(fs.names) && fs.names[next] == string(key)
		if !known {
			k, known = fs.index[string(key)]
		}
		if known {
			next = k + 1
			if seen&(1<<k) != 0 {
				return false
			}
			seen |= 1 << k
			if !field(fs.names[k]) {
				return false
			}
		} else {
			if fs.strict {
				return false
			}
			for _, n := range fs.names {
				if tossFoldEqual(key, n) {
					return false
				}
			}
			if !s.skip() {
				return false
			}
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			s.depth--
			return true
		default:
			return false
		}
	}
}

// str decodes a string field; null leaves it as it is.
func (s *tossScan) str(p *string) bool {
	switch s.peek() {
	case 'n':
		return s.literal("null")
	case '"':
		v, ok := s.string()
		*p = v
		return ok
	}
	return false
}

// num decodes an amount; null leaves it as it is. A numeric string is
// left to encoding/json.
func (s *tossScan) num(p *json.Number) bool {
	switch s.peek() {
	case 'n':
		return s.literal("null")
	case '0':
		if s.i+1 == len(s.data) || s.data[s.i+1] < '.' || s.data[s.i+1] > 'e' {
			// A plain 0 (what follows is no part of a number).
			s.i++
			*p = "0"
			return true
		}
	}
	tok, ok := s.number()
	if ok {
		*p = json.Number(tok)
	}
	return ok
}

func (s *tossScan) boolean(p *bool) bool {
	switch s.peek() {
	case 'n':
		return s.literal("null")
	case 't':
		*p = true
		return s.literal("true")
	case 'f':
		*p = false
		return s.literal("false")
	}
	return false
}

func (s *tossScan) integer(p *int) bool {
	if s.peek() == 'n' {
		return s.literal("null")
	}
	tok, ok := s.number()
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(string(tok), 10, 64)
	if err != nil || int64(int(n)) != n {
		return false
	}
	*p = int(n)
	return true
}

// int64 decodes an integer as encoding/json does into an int64; null
// leaves it as it is.
func (s *tossScan) int64(p *int64) bool {
	if s.peek() == 'n' {
		return s.literal("null")
	}
	tok, ok := s.number()
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(string(tok), 10, 64)
	if err != nil {
		return false
	}
	*p = n
	return true
}

// tossObject decodes an object field into a new T; null leaves it nil.
func tossObject[T any](s *tossScan, p **T, decode func(*T) bool) bool {
	switch s.peek() {
	case 'n':
		return s.literal("null")
	case '{':
		v := new(T)
		*p = v
		return decode(v)
	}
	return false
}

// tossArray decodes an array of objects; null leaves it nil, [] makes it
// empty.
func tossArray[T any](s *tossScan, p *[]T, decode func(*T) bool) bool {
	switch s.peek() {
	case 'n':
		return s.literal("null")
	case '[':
	default:
		return false
	}
	s.i++
	out := make([]T, 0)
	if s.peek() == ']' {
		s.i++
		*p = out
		return true
	}
	for {
		if s.peek() != '{' {
			return false
		}
		out = append(out, *new(T))
		if !decode(&out[len(out)-1]) {
			return false
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			*p = out
			return true
		default:
			return false
		}
	}
}

var tossPaymentFields = newTossFields("mId", "version", "paymentKey", "type", "orderId", "orderName", "currency",
	"method", "status", "totalAmount", "balanceAmount", "suppliedAmount", "vat", "taxFreeAmount", "taxExemptionAmount",
	"requestedAt", "approvedAt", "useEscrow", "cultureExpense", "lastTransactionKey", "transactionKey",
	"isPartialCancelable", "country", "secret", "metadata", "card", "virtualAccount", "transfer", "mobilePhone",
	"giftCertificate", "easyPay", "easyPayAmount", "easyPayDiscountAmount", "discount", "cancels", "cashReceipt",
	"cashReceipts", "receipt", "checkout", "failure")

func (s *tossScan) payment(w *tossWirePayment) bool {
	return s.object(tossPaymentFields, func(name string) bool {
		switch name {
		case "mId":
			return s.str(&w.MID)
		case "version":
			return s.str(&w.Version)
		case "paymentKey":
			return s.str(&w.PaymentKey)
		case "type":
			return s.str(&w.Type)
		case "orderId":
			return s.str(&w.OrderID)
		case "orderName":
			return s.str(&w.OrderName)
		case "currency":
			return s.str(&w.Currency)
		case "method":
			return s.str(&w.Method)
		case "status":
			return s.str(&w.Status)
		case "totalAmount":
			return s.num(&w.TotalAmount)
		case "balanceAmount":
			return s.num(&w.BalanceAmount)
		case "suppliedAmount":
			return s.num(&w.SuppliedAmount)
		case "vat":
			return s.num(&w.VAT)
		case "taxFreeAmount":
			return s.num(&w.TaxFreeAmount)
		case "taxExemptionAmount":
			return s.num(&w.TaxExemptionAmount)
		case "requestedAt":
			return s.str(&w.RequestedAt)
		case "approvedAt":
			return s.str(&w.ApprovedAt)
		case "useEscrow":
			return s.boolean(&w.UseEscrow)
		case "cultureExpense":
			return s.boolean(&w.CultureExpense)
		case "lastTransactionKey":
			return s.str(&w.LastTransactionKey)
		case "transactionKey":
			return s.str(&w.TransactionKey)
		case "isPartialCancelable":
			return s.boolean(&w.IsPartialCancelable)
		case "country":
			return s.str(&w.Country)
		case "secret":
			return s.str(&w.Secret)
		case "metadata":
			return s.metadata(&w.Metadata)
		case "card":
			return tossObject(s, &w.Card, s.card)
		case "virtualAccount":
			return tossObject(s, &w.VirtualAccount, s.virtualAccount)
		case "transfer":
			return tossObject(s, &w.Transfer, func(t *Transfer) bool {
				return s.object(tossTransferFields, func(name string) bool {
					switch name {
					case "bankCode":
						return s.str(&t.BankCode)
					case "settlementStatus":
						return s.str(&t.SettlementStatus)
					}
					return false
				})
			})
		case "mobilePhone":
			return tossObject(s, &w.MobilePhone, func(m *MobilePhone) bool {
				return s.object(tossMobilePhoneFields, func(name string) bool {
					switch name {
					case "customerMobilePhone":
						return s.str(&m.CustomerMobilePhone)
					case "settlementStatus":
						return s.str(&m.SettlementStatus)
					case "receiptUrl":
						return s.str(&m.ReceiptURL)
					}
					return false
				})
			})
		case "giftCertificate":
			return tossObject(s, &w.GiftCertificate, func(g *GiftCertificate) bool {
				return s.object(tossGiftCertificateFields, func(name string) bool {
					switch name {
					case "approveNo":
						return s.str(&g.ApproveNo)
					case "settlementStatus":
						return s.str(&g.SettlementStatus)
					}
					return false
				})
			})
		case "easyPay":
			return tossObject(s, &w.EasyPay, func(e *tossWireEasyPay) bool {
				return s.object(tossEasyPayFields, func(name string) bool {
					switch name {
					case "provider":
						return s.str(&e.Provider)
					case "amount":
						return s.num(&e.Amount)
					case "discountAmount":
						return s.num(&e.DiscountAmount)
					}
					return false
				})
			})
		case "easyPayAmount":
			return s.num(&w.EasyPayAmount)
		case "easyPayDiscountAmount":
			return s.num(&w.EasyPayDiscountAmount)
		case "discount":
			return tossObject(s, &w.Discount, func(d *tossWireDiscount) bool {
				return s.object(tossDiscountFields, func(name string) bool {
					return name == "amount" && s.num(&d.Amount)
				})
			})
		case "cancels":
			return tossArray(s, &w.Cancels, s.cancel)
		case "cashReceipt":
			return tossObject(s, &w.CashReceipt, s.receipt)
		case "cashReceipts":
			return tossArray(s, &w.CashReceipts, s.receipt)
		case "receipt":
			return tossObject(s, &w.Receipt, s.url)
		case "checkout":
			return tossObject(s, &w.Checkout, s.url)
		case "failure":
			return tossObject(s, &w.Failure, s.failure)
		}
		return false
	})
}

// metadata decodes an object of string values; other values are left to
// encoding/json.
func (s *tossScan) metadata(p *map[string]any) bool {
	switch s.peek() {
	case 'n':
		return s.literal("null")
	case '{':
	default:
		return false
	}
	s.i++
	m := make(map[string]any)
	*p = m
	if s.peek() == '}' {
		s.i++
		return true
	}
	for {
		if s.peek() != '"' {
			return false
		}
		k, ok := s.string()
		if !ok || s.peek() != ':' {
			return false
		}
		s.i++
		if s.peek() != '"' {
			return false
		}
		v, ok := s.string()
		if !ok {
			return false
		}
		m[k] = v
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

var (
	tossCardFields = newTossFields("amount", "issuerCode", "acquirerCode", "number", "installmentPlanMonths",
		"approveNo", "useCardPoint", "cardType", "ownerType", "acquireStatus", "isInterestFree", "interestPayer", "receiptUrl")
	tossVAFields = newTossFields("accountType", "accountNumber", "bankCode", "customerName", "depositorName", "dueDate",
		"refundStatus", "expired", "settlementStatus", "refundReceiveAccount")
	tossRefundAccountFields   = newTossFields("bankCode", "accountNumber", "holderName")
	tossTransferFields        = newTossFields("bankCode", "settlementStatus")
	tossMobilePhoneFields     = newTossFields("customerMobilePhone", "settlementStatus", "receiptUrl")
	tossGiftCertificateFields = newTossFields("approveNo", "settlementStatus")
	tossEasyPayFields         = newTossFields("provider", "amount", "discountAmount")
	tossDiscountFields        = newTossFields("amount")
	tossCancelFields          = newTossFields("cancelAmount", "cancelReason", "taxFreeAmount", "taxExemptionAmount",
		"refundableAmount", "cardDiscountAmount", "transferDiscountAmount", "easyPayDiscountAmount", "canceledAt",
		"transactionKey", "receiptKey", "cancelStatus", "cancelRequestId")
	tossReceiptFields = newTossFields("type", "receiptKey", "issueNumber", "receiptUrl", "amount", "taxFreeAmount",
		"issueStatus", "transactionType", "businessNumber", "requestedAt", "failure")
	tossURLFields     = newTossFields("url")
	tossFailureFields = newTossFields("code", "message")
)

func (s *tossScan) card(c *tossWireCard) bool {
	return s.object(tossCardFields, func(name string) bool {
		switch name {
		case "amount":
			return s.num(&c.Amount)
		case "issuerCode":
			return s.str(&c.IssuerCode)
		case "acquirerCode":
			return s.str(&c.AcquirerCode)
		case "number":
			return s.str(&c.Number)
		case "installmentPlanMonths":
			return s.integer(&c.InstallmentPlanMonths)
		case "approveNo":
			return s.str(&c.ApproveNo)
		case "useCardPoint":
			return s.boolean(&c.UseCardPoint)
		case "cardType":
			return s.str(&c.CardType)
		case "ownerType":
			return s.str(&c.OwnerType)
		case "acquireStatus":
			return s.str(&c.AcquireStatus)
		case "isInterestFree":
			return s.boolean(&c.IsInterestFree)
		case "interestPayer":
			return s.str(&c.InterestPayer)
		case "receiptUrl":
			return s.str(&c.ReceiptURL)
		}
		return false
	})
}

func (s *tossScan) virtualAccount(v *tossWireVA) bool {
	return s.object(tossVAFields, func(name string) bool {
		switch name {
		case "accountType":
			return s.str(&v.AccountType)
		case "accountNumber":
			return s.str(&v.AccountNumber)
		case "bankCode":
			return s.str(&v.BankCode)
		case "customerName":
			return s.str(&v.CustomerName)
		case "depositorName":
			return s.str(&v.DepositorName)
		case "dueDate":
			return s.str(&v.DueDate)
		case "refundStatus":
			return s.str(&v.RefundStatus)
		case "expired":
			return s.boolean(&v.Expired)
		case "settlementStatus":
			return s.str(&v.SettlementStatus)
		case "refundReceiveAccount":
			return tossObject(s, &v.RefundReceiveAccount, func(ra *struct {
				BankCode      string `json:"bankCode"`
				AccountNumber string `json:"accountNumber"`
				HolderName    string `json:"holderName"`
			}) bool {
				return s.object(tossRefundAccountFields, func(name string) bool {
					switch name {
					case "bankCode":
						return s.str(&ra.BankCode)
					case "accountNumber":
						return s.str(&ra.AccountNumber)
					case "holderName":
						return s.str(&ra.HolderName)
					}
					return false
				})
			})
		}
		return false
	})
}

func (s *tossScan) cancel(c *tossWireCancel) bool {
	return s.object(tossCancelFields, func(name string) bool {
		switch name {
		case "cancelAmount":
			return s.num(&c.CancelAmount)
		case "cancelReason":
			return s.str(&c.CancelReason)
		case "taxFreeAmount":
			return s.num(&c.TaxFreeAmount)
		case "taxExemptionAmount":
			return s.num(&c.TaxExemptionAmount)
		case "refundableAmount":
			return s.num(&c.RefundableAmount)
		case "cardDiscountAmount":
			return s.num(&c.CardDiscountAmount)
		case "transferDiscountAmount":
			return s.num(&c.TransferDiscountAmount)
		case "easyPayDiscountAmount":
			return s.num(&c.EasyPayDiscountAmount)
		case "canceledAt":
			return s.str(&c.CanceledAt)
		case "transactionKey":
			return s.str(&c.TransactionKey)
		case "receiptKey":
			return s.str(&c.ReceiptKey)
		case "cancelStatus":
			return s.str(&c.CancelStatus)
		case "cancelRequestId":
			return s.str(&c.CancelRequestID)
		}
		return false
	})
}

func (s *tossScan) receipt(r *tossWireReceipt) bool {
	return s.object(tossReceiptFields, func(name string) bool {
		switch name {
		case "type":
			return s.str(&r.Type)
		case "receiptKey":
			return s.str(&r.ReceiptKey)
		case "issueNumber":
			return s.str(&r.IssueNumber)
		case "receiptUrl":
			return s.str(&r.ReceiptURL)
		case "amount":
			return s.num(&r.Amount)
		case "taxFreeAmount":
			return s.num(&r.TaxFreeAmount)
		case "issueStatus":
			return s.str(&r.IssueStatus)
		case "transactionType":
			return s.str(&r.TransactionType)
		case "businessNumber":
			return s.str(&r.BusinessNumber)
		case "requestedAt":
			return s.str(&r.RequestedAt)
		case "failure":
			return tossObject(s, &r.Failure, s.failure)
		}
		return false
	})
}

func (s *tossScan) url(u *tossWireURL) bool {
	return s.object(tossURLFields, func(name string) bool {
		return name == "url" && s.str(&u.URL)
	})
}

func (s *tossScan) failure(f *tossWireFailure) bool {
	return s.object(tossFailureFields, func(name string) bool {
		switch name {
		case "code":
			return s.str(&f.Code)
		case "message":
			return s.str(&f.Message)
		}
		return false
	})
}
