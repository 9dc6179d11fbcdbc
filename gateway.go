package payments

import (
	"context"
	"time"
)

// Gateway is the thin interface a payment provider implements (package
// toss, package stripe, and paymentstest's fake). The [Service] does all
// shared work, such as validation, idempotency keys, compare-and-set
// transitions and error classification, so a Gateway only translates.
//
// The contract, checked by paymentstest.RunGatewayTests:
//   - Confirm with the same IdempotencyKey any number of times, also
//     concurrently, takes the money at most once and reports the same
//     charge each time.
//   - Confirm whose Amount differs from what the customer authorised
//     returns an error for which [Code] reports [CodeAmountMismatch] or
//     [CodeInvalidRequest], and takes nothing.
//   - Confirm, Refund or Lookup of an unknown reference returns an error
//     for which [Code] reports [CodePaymentNotFound].
//   - A refund above the amount not yet refunded returns an error for
//     which [Code] reports [CodeRefundExceedsBalance] or
//     [CodeInvalidRequest], and refunds nothing; partial refunds add up to
//     a full refund.
//   - A declined payment returns an error for which [Code] reports
//     [CodePaymentDeclined], with the gateway's code in
//     [Error.GatewayCode].
//   - A canceled or expired context makes the call return promptly with an
//     error satisfying errors.Is(err, ctx.Err()) or [Code] reporting
//     [CodeGatewayUnavailable] or [CodeCanceled].
//   - No error's text contains the gateway's secret key.
//   - Errors are *[Error] values (the provider's own error reachable with
//     errors.As); an outcome the gateway left unknown (timeout, 5xx after
//     retries) is [CodeGatewayUnavailable], never a decline.
type Gateway interface {
	// Name is the gateway's stable name ("toss", "stripe"), stored on
	// each attempt.
	Name() string
	// Confirm asks the gateway to take the money for an authorised
	// attempt and reports the resulting charge.
	Confirm(ctx context.Context, p *ConfirmParams) (*Charge, error)
	// Refund returns money from a paid charge.
	Refund(ctx context.Context, p *RefundParams) (*RefundResult, error)
	// Lookup reads the current state of an attempt from the gateway. It
	// is how webhooks are verified and how reconciliation repairs records.
	Lookup(ctx context.Context, p *LookupParams) (*Charge, error)
}

// Preparer is implemented by gateways that must create something before
// the customer pays, such as a Stripe Checkout Session or PaymentIntent.
// [Service.Prepare] calls it when the gateway has it.
type Preparer interface {
	Prepare(ctx context.Context, p *PrepareParams) (*Charge, error)
}

// OrderChecker is implemented by gateways that cannot charge every valid
// order: Toss charges KRW only (https://docs.tosspayments.com/reference#결제-승인),
// and Stripe takes some currencies only in steps its amounts cannot
// always express (https://docs.stripe.com/currencies#special-cases).
// [Service.Prepare] and [Service.Charge] ask it before they store
// anything or call the gateway, so that an order the gateway would refuse
// changes nothing.
type OrderChecker interface {
	// CheckOrder returns nil for an order the gateway can charge, and
	// otherwise an error for which [Code] reports [CodeInvalidRequest].
	CheckOrder(o Order) error
}

// checkOrder refuses an order gw cannot charge; gateways that are no
// [OrderChecker] take every valid order.
func checkOrder(gw Gateway, o Order) error {
	if c, ok := gw.(OrderChecker); ok {
		return c.CheckOrder(o)
	}
	return nil
}

// Canceler is implemented by gateways whose attempts stay payable until
// they are canceled, such as a Stripe Checkout Session or PaymentIntent,
// or a Toss virtual account waiting for its deposit. When
// [Service.Prepare] starts a new attempt while an earlier one is still
// payable there, it cancels the earlier one first, so that the customer
// cannot pay the order twice; [Service.Cancel] cancels an unpaid payment
// on request.
type Canceler interface {
	// Cancel makes an unpaid attempt unpayable and reports the gateway's
	// view afterwards. An attempt paid (or already ended) meanwhile is
	// left as it is and reported as it is, without an error.
	Cancel(ctx context.Context, p *CancelParams) (*Charge, error)
}

// CancelParams names an attempt to cancel at its gateway.
type CancelParams struct {
	// IdempotencyKey is derived by the Service from the order and the
	// attempt.
	IdempotencyKey string
	OrderNumber    string
	GatewayOrderID string
	Reference      string
	Session        string
	// Reason is kept at the gateway where it takes one (Toss
	// cancelReason).
	Reason string
}

// VirtualAccountIssuer is implemented by gateways that issue bank accounts
// for deposits (Toss).
type VirtualAccountIssuer interface {
	IssueVirtualAccount(ctx context.Context, p *VirtualAccountParams) (*Charge, error)
}

// Charge is a gateway's view of one attempt.
type Charge struct {
	// Reference is the gateway's id of the payment (Toss paymentKey,
	// Stripe PaymentIntent id); empty when not created yet.
	Reference string
	// Session is a gateway-side session id (Stripe Checkout Session).
	Session string
	// GatewayOrderID is the order id the gateway has on record.
	GatewayOrderID string
	Status         Status
	GatewayStatus  string
	Method         Method
	Amount         Amount
	Currency       Currency
	// RefundedAmount is what the gateway has refunded so far.
	RefundedAmount Amount
	PaidAt         time.Time
	Failure        *Failure
	// RedirectURL is where the customer goes next: a hosted checkout page
	// or a 3-D Secure challenge.
	RedirectURL string
	// ClientSecret is handed to the browser SDK (Stripe); never stored.
	ClientSecret   Secret
	VirtualAccount *VirtualAccount
	DepositSecret  Secret
	// AmountCapturable is what an authorised attempt ([StatusAuthorized])
	// still allows to capture.
	AmountCapturable Amount
}

// ConfirmParams asks a gateway to take the money of one attempt.
type ConfirmParams struct {
	// IdempotencyKey is derived by the Service from stable facts (order,
	// attempt, reference) and is the same on every retry and after a
	// restart.
	IdempotencyKey string
	OrderNumber    string
	GatewayOrderID string
	Reference      string
	Amount         Amount
	Currency       Currency
	// PaymentMethod is the gateway's payment method id, where the confirm
	// chooses one (Stripe pm_…).
	PaymentMethod string
	// ReturnURL is where the customer returns after an extra step such as
	// 3-D Secure.
	ReturnURL string
}

// RefundParams asks a gateway to return money from a paid attempt.
type RefundParams struct {
	// IdempotencyKey is the refund's id.
	IdempotencyKey string
	OrderNumber    string
	GatewayOrderID string
	Reference      string
	Amount         Amount
	Currency       Currency
	// Full reports that Amount is the whole remaining balance.
	Full           bool
	Reason         string
	ReceiveAccount *BankAccount
	// StripeReason is [RefundRequest.StripeReason]; empty unless the
	// request named it.
	StripeReason string
	// GatewayReference is the gateway's id of this refund when an earlier
	// call accepted it and left it pending ([Refund.GatewayReference]);
	// empty on the first call. A gateway whose refunds settle later reads
	// the refund's state with it instead of sending the refund again.
	GatewayReference string
}

// RefundResult is a gateway's answer to a refund.
type RefundResult struct {
	Reference string
	Status    RefundStatus
	Failure   *Failure
}

// LookupParams names an attempt to read from the gateway. Gateways use
// whichever of Reference, Session and GatewayOrderID they need.
type LookupParams struct {
	OrderNumber    string
	GatewayOrderID string
	Reference      string
	Session        string
}

// PrepareParams asks a gateway to set up an attempt before the customer
// pays.
type PrepareParams struct {
	IdempotencyKey string
	Order          Order
	GatewayOrderID string
	Method         Method
	// SuccessURL and CancelURL are where a hosted page sends the customer.
	SuccessURL string
	CancelURL  string
	// PaymentMethod is a gateway payment method id to attach (Stripe pm_…).
	PaymentMethod string
	// Capture is [CaptureManual] when the payment is to be authorised
	// only; then the gateway is a [Capturer]. Empty or
	// [CaptureAutomatic] otherwise.
	Capture CaptureMethod
}

// VirtualAccountParams asks a gateway to issue a virtual account.
type VirtualAccountParams struct {
	IdempotencyKey string
	Order          Order
	GatewayOrderID string
	// Bank is Toss's two-character bank code.
	Bank         string
	CustomerName string
	// ValidHours or DueDate bound the deposit window; zero for the
	// gateway's default.
	ValidHours    int
	DueDate       time.Time
	CustomerEmail string
	// CashReceipt asks for a Korean cash receipt; nil for none.
	CashReceipt *CashReceipt
}

// CashReceipt is a Korean cash-receipt request.
type CashReceipt struct {
	// Type is "소득공제" (income deduction), "지출증빙" (proof of expense) or
	// "미발행" (no receipt, and no RegistrationNumber).
	Type string
	// RegistrationNumber is a phone, card or business number.
	RegistrationNumber string
}
