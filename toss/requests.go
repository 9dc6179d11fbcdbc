package toss

import (
	"encoding/json"
	"time"

	"github.com/payments-go/payments"
)

// ConfirmRequest is the body of POST /v1/payments/confirm
// (https://docs.tosspayments.com/reference#결제-승인): the paymentKey,
// orderId and amount from the success redirect, after the amount was
// checked against the order.
type ConfirmRequest struct {
	PaymentKey string `json:"paymentKey"`
	OrderID    string `json:"orderId"`
	// Amount in won; it must equal the authenticated amount.
	Amount int64 `json:"amount"`
}

// CancelRequest is the body of POST /v1/payments/{paymentKey}/cancel
// (https://docs.tosspayments.com/reference#결제-취소).
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
// refund of a deposited virtual-account payment
// (https://docs.tosspayments.com/reference#결제-취소).
type RefundReceiveAccount struct {
	// Bank is Toss's bank code ("20",
	// https://docs.tosspayments.com/codes/org-codes#은행-코드); Toss
	// accepts Korean and English bank names too.
	Bank string `json:"bank"`
	// AccountNumber is digits only, at most 20.
	AccountNumber string `json:"accountNumber"`
	// HolderName is at most 60 characters and is checked against the
	// account.
	HolderName string `json:"holderName"`
}

// VirtualAccountRequest is the body of POST /v1/virtual-accounts
// (https://docs.tosspayments.com/reference#가상계좌-발급-요청).
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
		// Toss takes yyyy-MM-dd'T'HH:mm:ss without an offset, in Korean
		// time.
		w.DueDate = r.DueDate.In(kst).Format("2006-01-02T15:04:05")
	}
	if cr := r.CashReceipt; cr != nil {
		w.CashReceipt = &cashReceipt{Type: cr.Type, RegistrationNumber: cr.RegistrationNumber}
	}
	return json.Marshal(w)
}
