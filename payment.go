package payments

import (
	"time"
)

// Payment is the library's record of paying one order. It holds every
// attempt the customer made (a declined card, then a virtual account, then
// Stripe Checkout …) and the refunds. Status, Gateway, Method and
// GatewayReference describe the latest attempt; Attempts keeps the history.
//
// A Payment read from a [Store] is the caller's own copy. Changes reach the
// store only through [Store.Update], which compares Version.
type Payment struct {
	// ID identifies the payment ("pay_…"); it never changes.
	ID          string
	OrderNumber string
	Amount      Amount
	Currency    Currency

	// Status is the unified status of the latest attempt, or of the money
	// once paid (partially_refunded, refunded).
	Status Status
	// Gateway names the latest attempt's gateway ("toss", "stripe").
	Gateway string
	Method  Method
	// GatewayReference is the latest attempt's reference at its gateway:
	// the Toss paymentKey, the Stripe PaymentIntent id once known (the
	// Checkout Session id before that).
	GatewayReference string

	// RefundedAmount is the sum of succeeded refunds.
	RefundedAmount Amount
	Refunds        []Refund
	Attempts       []Attempt
	// VirtualAccount is set while the latest attempt is a virtual account.
	VirtualAccount *VirtualAccount
	// Failure is the latest attempt's failure, if it failed.
	Failure *Failure

	CreatedAt time.Time
	UpdatedAt time.Time
	// PaidAt is when the money was taken; zero until then.
	PaidAt time.Time
	// Version counts committed updates; [Store.Update] uses it for
	// compare-and-set.
	Version int64
}

// Attempt is one try at paying an order through one gateway.
type Attempt struct {
	// Number counts attempts from 1.
	Number  int
	Gateway string
	Method  Method
	Status  Status
	// GatewayStatus is the gateway's own status word, where useful
	// ("DONE", "requires_payment_method").
	GatewayStatus string
	// GatewayOrderID is the order id the gateway knows this attempt by:
	// for Toss the order number on the first attempt and
	// "<order number>-<n>" after that.
	GatewayOrderID string
	// Reference is the attempt's payment at the gateway (Toss paymentKey,
	// Stripe PaymentIntent id).
	Reference string
	// Session is a gateway-side session, where there is one (a Stripe
	// Checkout Session id).
	Session string
	// RedirectURL is where the customer completes the attempt, where the
	// gateway hosts that page (a Stripe Checkout URL, a 3-D Secure page).
	RedirectURL string
	// SuccessURL and FailURL are the application's pages the customer is
	// sent to when the attempt ends (for Stripe Checkout, FailURL is the
	// cancel URL).
	SuccessURL string
	FailURL    string
	// PaymentMethod is the gateway payment method the attempt was
	// prepared with (Stripe pm_…), if any.
	PaymentMethod  string
	VirtualAccount *VirtualAccount
	// DepositSecret is the secret Toss returns for a virtual account; a
	// deposit callback must carry the same value.
	DepositSecret Secret
	Failure       *Failure
	CreatedAt     time.Time
	UpdatedAt     time.Time
	PaidAt        time.Time
}

// RefundStatus is the state of one [Refund].
type RefundStatus string

// The refund statuses.
const (
	// RefundPending: recorded, and sent or about to be sent to the
	// gateway. Its amount is held against the refundable balance.
	RefundPending   RefundStatus = "pending"
	RefundSucceeded RefundStatus = "succeeded"
	RefundFailed    RefundStatus = "failed"
)

// Refund is one refund of a paid [Payment].
type Refund struct {
	// ID identifies the refund ("rf_…") and is its idempotency key at the
	// gateway, so a retry after a crash cannot refund twice.
	ID     string
	Amount Amount
	Reason string
	Status RefundStatus
	// Attempt is the number of the paid attempt the refund returns money
	// from.
	Attempt int
	// GatewayReference is the gateway's id of the refund (a Stripe re_…
	// id, a Toss cancel transactionKey).
	GatewayReference string
	// ReceiveAccount is where a refund of a deposited Toss virtual account
	// is paid.
	ReceiveAccount *BankAccount
	// RequestHash fingerprints the request that created the refund, so a
	// repeat with the same idempotency key and another body is refused.
	RequestHash string
	Failure     *Failure
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// VirtualAccount is a bank account issued for one payment, into which the
// customer transfers exactly the amount due.
type VirtualAccount struct {
	// Bank is Toss's two-character bank code ("20" is Woori, "88" Shinhan).
	Bank          string
	AccountNumber string
	// Holder is the account holder's name shown to the customer.
	Holder  string
	DueDate time.Time
}

// BankAccount is a customer's account that receives a refund.
type BankAccount struct {
	// Bank is Toss's two-character bank code.
	Bank          string
	AccountNumber string
	HolderName    string
}

// Failure says why an attempt or refund failed. Code is the gateway's code
// ("REJECT_CARD_COMPANY", "card_declined", "PAY_PROCESS_CANCELED").
type Failure struct {
	Code    string
	Message string
}

// Refundable returns the amount that may still be refunded: the paid
// amount less succeeded and pending refunds. It is zero unless the payment
// is paid.
func (p *Payment) Refundable() Amount {
	if !p.Status.Paid() {
		return 0
	}
	left := p.Amount
	for _, r := range p.Refunds {
		if r.Status != RefundFailed {
			left -= r.Amount
		}
	}
	if left < 0 {
		return 0
	}
	return left
}

// Latest returns the latest attempt, or nil when there is none.
func (p *Payment) Latest() *Attempt {
	if len(p.Attempts) == 0 {
		return nil
	}
	return &p.Attempts[len(p.Attempts)-1]
}

// Attempt returns the attempt with number n, or nil.
func (p *Payment) Attempt(n int) *Attempt {
	if n < 1 || n > len(p.Attempts) {
		return nil
	}
	return &p.Attempts[n-1]
}

// PaidAttempt returns the attempt that took the money, or nil.
func (p *Payment) PaidAttempt() *Attempt {
	for i := range p.Attempts {
		if p.Attempts[i].Status.Paid() {
			return &p.Attempts[i]
		}
	}
	return nil
}

// Refund returns the refund with the given id, or nil.
func (p *Payment) Refund(id string) *Refund {
	for i := range p.Refunds {
		if p.Refunds[i].ID == id {
			return &p.Refunds[i]
		}
	}
	return nil
}

// Unsettled reports whether the payment waits on a gateway: an attempt in
// processing, requires_action or waiting_for_deposit, or a pending refund.
// [Service.Reconcile] visits exactly the unsettled payments; stores index
// this property.
func (p *Payment) Unsettled() bool {
	switch p.Status {
	case StatusProcessing, StatusRequiresAction, StatusWaitingForDeposit:
		return true
	}
	for _, r := range p.Refunds {
		if r.Status == RefundPending {
			return true
		}
	}
	return false
}

// Clone returns a deep copy of p. Stores hand out clones so callers never
// share memory with the stored record.
func (p *Payment) Clone() *Payment {
	if p == nil {
		return nil
	}
	var c *Payment
	if len(p.Attempts) == 1 {
		// The usual payment of one attempt, in one allocation.
		pa := &struct {
			p Payment
			a [1]Attempt
		}{p: *p, a: [1]Attempt{p.Attempts[0]}}
		c = &pa.p
		c.Attempts = pa.a[:1:1]
	} else {
		cp := *p
		c = &cp
		c.Attempts = append([]Attempt(nil), p.Attempts...)
	}
	c.Refunds = append([]Refund(nil), p.Refunds...)
	for i := range c.Refunds {
		c.Refunds[i].ReceiveAccount = cloneBank(c.Refunds[i].ReceiveAccount)
		c.Refunds[i].Failure = cloneFailure(c.Refunds[i].Failure)
	}
	for i := range c.Attempts {
		c.Attempts[i].VirtualAccount = cloneVA(c.Attempts[i].VirtualAccount)
		c.Attempts[i].Failure = cloneFailure(c.Attempts[i].Failure)
	}
	c.VirtualAccount = cloneVA(p.VirtualAccount)
	c.Failure = cloneFailure(p.Failure)
	return c
}

func cloneVA(v *VirtualAccount) *VirtualAccount {
	if v == nil {
		return nil
	}
	c := *v
	return &c
}

func cloneBank(v *BankAccount) *BankAccount {
	if v == nil {
		return nil
	}
	c := *v
	return &c
}

func cloneFailure(v *Failure) *Failure {
	if v == nil {
		return nil
	}
	c := *v
	return &c
}

// syncLatest copies the latest attempt's view into the payment's summary
// fields. Every change to an attempt goes through it, so the summary
// cannot drift from the history.
func (p *Payment) syncLatest() {
	a := p.Latest()
	if a == nil {
		return
	}
	p.Gateway, p.Method, p.GatewayReference = a.Gateway, a.Method, a.Reference
	if p.GatewayReference == "" {
		p.GatewayReference = a.Session
	}
	p.Failure = cloneFailure(a.Failure)
	p.VirtualAccount = cloneVA(a.VirtualAccount)
	status := a.Status
	if paid := p.PaidAttempt(); paid != nil {
		// Once money was taken, the payment's status follows the money,
		// whatever later attempts (which the service refuses) might say.
		status = paid.Status
		p.PaidAt = paid.PaidAt
	}
	p.Status = status
}
