package tosstest

import "encoding/json"

// APIVersion is the version string the fake puts in every Payment. The
// TossPayments-API-Version request header is accepted and ignored.
const APIVersion = "2022-11-16"

// Payment statuses (https://docs.tosspayments.com/reference#payment-객체, status).
const (
	StatusReady             = "READY"
	StatusInProgress        = "IN_PROGRESS"
	StatusWaitingForDeposit = "WAITING_FOR_DEPOSIT"
	StatusDone              = "DONE"
	StatusCanceled          = "CANCELED"
	StatusPartialCanceled   = "PARTIAL_CANCELED"
	StatusAborted           = "ABORTED"
	StatusExpired           = "EXPIRED"
)

// Refund statuses of a virtual account (Payment.virtualAccount.refundStatus,
// https://docs.tosspayments.com/reference#payment-객체).
const (
	RefundNone          = "NONE"
	RefundPending       = "PENDING"
	RefundCompleted     = "COMPLETED"
	RefundFailed        = "FAILED"
	RefundPartialFailed = "PARTIAL_FAILED"
)

// Payment is the Toss Payment object (https://docs.tosspayments.com/reference#payment-객체)
// exactly as the fake serialises it:
// every documented key is present, with null where it does not apply. Times
// are strings in ISO-8601 with the +09:00 offset, as on the wire.
type Payment struct {
	MID                   string            `json:"mId"`
	Version               string            `json:"version"`
	PaymentKey            string            `json:"paymentKey"`
	Type                  string            `json:"type"`
	OrderID               string            `json:"orderId"`
	OrderName             string            `json:"orderName"`
	Currency              string            `json:"currency"`
	Method                *string           `json:"method"`
	Status                string            `json:"status"`
	TotalAmount           int64             `json:"totalAmount"`
	BalanceAmount         int64             `json:"balanceAmount"`
	SuppliedAmount        int64             `json:"suppliedAmount"`
	VAT                   int64             `json:"vat"`
	TaxFreeAmount         int64             `json:"taxFreeAmount"`
	TaxExemptionAmount    int64             `json:"taxExemptionAmount"`
	RequestedAt           string            `json:"requestedAt"`
	ApprovedAt            *string           `json:"approvedAt"`
	UseEscrow             bool              `json:"useEscrow"`
	CultureExpense        bool              `json:"cultureExpense"`
	LastTransactionKey    *string           `json:"lastTransactionKey"`
	TransactionKey        *string           `json:"transactionKey"`
	IsPartialCancelable   bool              `json:"isPartialCancelable"`
	Country               string            `json:"country"`
	Secret                *string           `json:"secret"`
	Metadata              map[string]string `json:"metadata"`
	Card                  *Card             `json:"card"`
	VirtualAccount        *VirtualAccount   `json:"virtualAccount"`
	Transfer              *Transfer         `json:"transfer"`
	MobilePhone           *MobilePhone      `json:"mobilePhone"`
	GiftCertificate       *GiftCertificate  `json:"giftCertificate"`
	EasyPay               *EasyPay          `json:"easyPay"`
	EasyPayAmount         *int64            `json:"easyPayAmount"`
	EasyPayDiscountAmount *int64            `json:"easyPayDiscountAmount"`
	Discount              *Discount         `json:"discount"`
	Cancels               []Cancel          `json:"cancels"`
	CashReceipt           *CashReceipt      `json:"cashReceipt"`
	CashReceipts          []CashReceipt     `json:"cashReceipts"`
	Receipt               *URL              `json:"receipt"`
	Checkout              *URL              `json:"checkout"`
	Failure               *Failure          `json:"failure"`
}

// Card is Payment.card.
type Card struct {
	Amount                int64   `json:"amount"`
	IssuerCode            string  `json:"issuerCode"`
	AcquirerCode          *string `json:"acquirerCode"`
	Number                string  `json:"number"`
	InstallmentPlanMonths int     `json:"installmentPlanMonths"`
	ApproveNo             string  `json:"approveNo"`
	UseCardPoint          bool    `json:"useCardPoint"`
	CardType              string  `json:"cardType"`
	OwnerType             string  `json:"ownerType"`
	AcquireStatus         string  `json:"acquireStatus"`
	IsInterestFree        bool    `json:"isInterestFree"`
	InterestPayer         *string `json:"interestPayer"`
	ReceiptURL            string  `json:"receiptUrl"`
}

// VirtualAccount is Payment.virtualAccount.
type VirtualAccount struct {
	AccountType          string                `json:"accountType"`
	AccountNumber        string                `json:"accountNumber"`
	BankCode             string                `json:"bankCode"`
	CustomerName         string                `json:"customerName"`
	DepositorName        *string               `json:"depositorName"`
	DueDate              string                `json:"dueDate"`
	RefundStatus         string                `json:"refundStatus"`
	Expired              bool                  `json:"expired"`
	SettlementStatus     string                `json:"settlementStatus"`
	RefundReceiveAccount *RefundReceiveAccount `json:"refundReceiveAccount"`
}

// RefundReceiveAccount is Payment.virtualAccount.refundReceiveAccount.
type RefundReceiveAccount struct {
	BankCode      string `json:"bankCode"`
	AccountNumber string `json:"accountNumber"`
	HolderName    string `json:"holderName"`
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

// EasyPay is Payment.easyPay; Provider is the Korean name (e.g. 토스페이).
type EasyPay struct {
	Provider       string `json:"provider"`
	Amount         int64  `json:"amount"`
	DiscountAmount int64  `json:"discountAmount"`
}

// Discount is Payment.discount.
type Discount struct {
	Amount int64 `json:"amount"`
}

// Cancel is one element of Payment.cancels.
type Cancel struct {
	CancelAmount           int64   `json:"cancelAmount"`
	CancelReason           string  `json:"cancelReason"`
	TaxFreeAmount          int64   `json:"taxFreeAmount"`
	TaxExemptionAmount     int64   `json:"taxExemptionAmount"`
	RefundableAmount       int64   `json:"refundableAmount"`
	CardDiscountAmount     int64   `json:"cardDiscountAmount"`
	TransferDiscountAmount int64   `json:"transferDiscountAmount"`
	EasyPayDiscountAmount  int64   `json:"easyPayDiscountAmount"`
	CanceledAt             string  `json:"canceledAt"`
	TransactionKey         string  `json:"transactionKey"`
	ReceiptKey             *string `json:"receiptKey"`
	CancelStatus           string  `json:"cancelStatus"`
	CancelRequestID        *string `json:"cancelRequestId"`
}

// CashReceipt is Payment.cashReceipt (the fake never issues one, so it is
// always null; the type documents the shape).
type CashReceipt struct {
	Type          string `json:"type"`
	ReceiptKey    string `json:"receiptKey"`
	IssueNumber   string `json:"issueNumber"`
	ReceiptURL    string `json:"receiptUrl"`
	Amount        int64  `json:"amount"`
	TaxFreeAmount int64  `json:"taxFreeAmount"`
}

// URL is Payment.receipt and Payment.checkout: {"url": …}.
type URL struct {
	URL string `json:"url"`
}

// Failure is Payment.failure, set on ABORTED and EXPIRED payments.
type Failure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// clone returns a deep copy through JSON, which is exactly the wire shape.
func (p *Payment) clone() Payment {
	b, err := json.Marshal(p)
	if err != nil {
		panic("tosstest: marshal payment: " + err.Error())
	}
	var c Payment
	if err := json.Unmarshal(b, &c); err != nil {
		panic("tosstest: unmarshal payment: " + err.Error())
	}
	return c
}

func (p *Payment) json() []byte {
	b, err := json.Marshal(p)
	if err != nil {
		panic("tosstest: marshal payment: " + err.Error())
	}
	return b
}

// vatOf is round(taxable/11), as Toss computes the VAT of an ordinary
// merchant: 1000→91, 15000→1364, 30000→2727.
func vatOf(taxable int64) int64 {
	if taxable <= 0 {
		return 0
	}
	return (2*taxable + 11) / 22
}

func ptr[T any](v T) *T { return &v }
