// Package payments takes payments for Go backends through Toss Payments
// (Korea) and Stripe (global), with one status model, one error model and
// the same guarantees for both.
//
// Applications hold one concrete type, [Service], built by [NewService]
// from a [Config]: a [Store] (package memstore for one process, package
// sqlstore for many replicas), the application's [Orders], and the
// [Gateway]s (package toss, package stripe; paymentstest.Gateway in unit
// tests). Packages toss, stripe, refund and status offer http.Handlers for
// the payment routes, to mount on any router; applications that build
// their own routes call the Service directly.
//
// # Taking a payment
//
// [Service.Prepare] records an attempt for an order (and, for gateways
// that need one, creates the session or PaymentIntent the customer pays);
// [Service.IssueVirtualAccount] starts a payment by bank transfer instead.
// When the customer has authorised the payment, [Service.Confirm] takes
// the money, exactly once. [Service.Fail] records an attempt the customer
// abandoned, [Service.Cancel] makes an unpaid payment unpayable, and
// [Service.Refund] returns money without ever exceeding what was paid.
// [Service.Payment] reads a payment; [Service.Refresh] re-reads it from its
// gateway first.
//
// Gateways report changes through webhooks: [Service.HandleNotification]
// applies one after re-reading the attempt from its gateway, since a
// webhook's body is never trusted. [Service.Reconcile], run periodically,
// settles what a crash, a timeout or a lost webhook left unsettled.
// [Service.Run] runs it in the background, with the delivery of events.
//
// # Capture later, and disputes
//
// An attempt prepared with [CaptureManual] ([PrepareRequest].Capture;
// gateways that are a [Capturer], such as Stripe) only authorises the
// money: once the customer has paid it is [StatusAuthorized], with
// [Payment.AmountCapturable]. [Service.Capture] takes all or part of it,
// exactly once however often or concurrently it is called, and releases
// the rest; [Service.Void] releases all of it, also exactly once. A capture
// and a void are each recorded pending by the one compare-and-set before
// the gateway is called, so they exclude each other: an authorisation is
// captured or voided, never both. An authorisation the
// gateway cancels because it was not captured in time (7 days for
// Stripe's online card payments) is recorded canceled by
// [Service.Reconcile].
//
// A gateway that reports disputes ([Disputer]) tells of chargebacks and
// inquiries through webhooks ([Notification].Dispute); the dispute is read
// from the gateway and stored in [Payment.Disputes], with the events
// dispute.opened, dispute.updated and dispute.closed. While a dispute is
// open or lost its amount is not refundable ([Payment.Refundable]), and a
// refund that would need it answers [ErrPaymentDisputed] before any
// gateway call, so that a refund on top of a chargeback never pays the
// customer twice. [Service.CloseDispute] accepts a dispute.
//
// # Events
//
// Every change the application must learn of (a new attempt, a status
// change, a late payment, a refund pending, succeeded or failed, a dispute
// opened, updated or closed) makes an
// [Event], and the event is stored with the change itself, in the same
// compare-and-set of the [Store]: once a change is stored, its events are
// too, and no crash loses one. Each event has a stable [Event.ID] and a
// [Event.Seq] (1, 2, 3 … per payment), and carries the payment as the
// change stored it.
//
// The application's handler, [Config.HandleEvent] (an [EventHandler]),
// gets every event at least once, in Seq order per payment: an event
// waits until the one before it was handled or is dead, while the events
// of other payments go on. An error or a panic in the handler means "not
// handled": the event is tried again after 1 s, then 2 s, 4 s …, at most
// 1 h apart, up to [DeliveryOptions] MaxTries tries (25 by default, about
// 13 hours). Then it is dead: [Service.DeadEvents] lists it,
// [Service.RequeueEvent] hands it over again, and the payment's later
// events go on meanwhile. Since "at least once" means that an event may
// come twice (a process that died after its handler's work but before
// recording it; a replica whose lease ran out), the handler deduplicates
// by event id in the same transaction as its own work (see the example of
// [EventHandler]).
//
// [Service.Run] delivers events, runs [Service.Reconcile] every
// SweepInterval, and prunes delivered events and webhook dedup records
// older than Retention (30 days by default), until its context ends. Each
// replica runs it; an event is held by one replica at a time, under a
// lease that runs out if that replica dies. A commit wakes the delivery at
// once; events stored by other replicas are found within Poll (500 ms).
// Hosts without a background goroutine, and tests, call
// [Service.DeliverEvents] and [Service.Reconcile] instead.
//
// # Settlement audit
//
// [Service.Audit] matches the store with each gateway's own ledger for
// a period (Toss transactions and settlements, Stripe balance
// transactions: gateways that are [LedgerReader]s) and reports what
// matched, the gross, fees and net per gateway and currency, the payouts,
// and every [Discrepancy]: money the store never recorded, payments the
// gateway does not show, other amounts, other statuses, refunds that
// differ. Ledgers are read page by page; memory grows with the store's
// payments of the period, never with the ledger. Package audit serves it
// as an admin route; examples/audit prints it as tables.
//
// # Saved payment methods
//
// A customer saves a payment method once (a Toss billing key, a Stripe
// PaymentMethod set up for off-session use) and the application charges
// orders with it later, while the customer is away. [Service.StartSave]
// and [Service.FinishSave] save a [PaymentMethod] (the gateway's customer
// of the application's customer is made once: a library-generated Toss
// customerKey, a Stripe Customer); [Service.Methods], [Service.RemoveMethod]
// and [Service.MethodRemovedAtGateway] list and remove them; and
// [Service.Charge] charges an order at most once: the attempt is stored
// processing before the gateway call, which carries an idempotency key
// derived from the order, the attempt and the method, and an unknown
// outcome is settled by [Service.Reconcile]. The store must be a
// [MethodStore] (memstore and sqlstore are); the gateway a [MethodSaver]
// and [MethodCharger] (toss.Gateway, stripe.Gateway and
// paymentstest.Gateway are). Saved methods make [EventMethodSaved] and
// [EventMethodRemoved], in a sequence of their own per method.
//
// # Money
//
// An [Amount] is an int64 in the minor unit of its [Currency], never a
// float: KRW 58990 is 58,990 won (KRW, JPY and the other zero-decimal
// currencies have no minor unit), USD 1234 is $12.34, KWD 1500 is 1.500
// dinars. [Currency.Exponent] knows the ISO 4217 table;
// [Currency.Format] renders amounts for people and [ParseAmount] reads
// major-unit strings exactly. Amounts always come from the application's
// [Order]: an amount sent by a browser is checked against it
// ([ErrAmountMismatch]) and never used.
//
// # Status
//
// Every attempt has a unified [Status]: ready, processing, requires_action,
// authorized, waiting_for_deposit, paid, partially_refunded, refunded,
// canceled, failed, expired. Changes follow an explicit table
// ([Status.CanTransitionTo]) with no backward moves: nothing leaves paid
// except towards refunded, so a late "failed" never overwrites "paid";
// the one exception is a virtual-account deposit that the bank reversed
// (paid → waiting_for_deposit, or canceled), recorded with a warning. A
// [Payment] keeps every [Attempt] (a customer whose attempt failed or was
// abandoned can try again, with either gateway); its status is the latest
// attempt's, or the money's once paid.
//
// # Errors
//
// Every error the library returns is, or wraps, an *[Error] with a stable
// [ErrorCode] and its HTTP status: invalid_request 400, amount_mismatch
// 409, payment_declined 402, gateway_unavailable 503/504 and the rest.
// [Code] reads the code of any error (nil-safe, and aware of context
// errors); sentinels such as [ErrPaymentDeclined] work with errors.Is; the
// provider's own error (*toss.APIError, *stripego.Error) stays reachable
// with errors.As. Messages never contain secrets; [Secret] holds keys and
// prints as REDACTED.
//
// # Idempotency
//
// Every gateway mutation carries an idempotency key derived from stable
// facts (the order, the attempt, the gateway reference, the refund id),
// so a retry, a duplicate callback or a restarted process repeats the same
// key and the gateway acts at most once. Every state change goes through
// compare-and-set on [Payment.Version]: of any number of concurrent
// confirms of one attempt, on any number of replicas, exactly one calls the
// gateway. A refund is stored as pending, holding its amount, before the
// gateway call, so concurrent refunds never exceed the balance and a crash
// leaves a pending refund that [Service.Reconcile] completes once.
//
// # Operating it
//
// Live or test: [Config.Live] says whether the service takes real money;
// the gateways' own Live settings (toss.ClientConfig.Live,
// stripe.Config.Live) refuse keys of the other kind when they are built,
// and NewService refuses a gateway whose keys disagree with Config.Live,
// with errors that name the setting and never the key.
//
// Telemetry: [Config.Trace] takes a [Trace], hooks in the style of
// net/http/httptrace that observe every route of the library's handlers,
// every gateway call (operation, outcome code, retries, idempotent
// replay, duration), every stored change, webhook outcome, event delivery
// and reconciliation change; unset, it costs nothing. The module
// github.com/payments-go/payments/otel turns it into OpenTelemetry spans
// and metrics.
//
// Logs: everything logs through the [log/slog] logger of its Config
// (silent when nil), with one set of attribute keys: order (the order
// number), attempt, gateway ("toss", "stripe"), operation (the gateway
// call: confirm, refund, …), code (the library's [ErrorCode]),
// gateway_code (the provider's own code), gateway_order_id (the Toss
// orderId of an attempt), event, event_id and type (webhooks and events),
// status, and error. No attribute ever holds a secret.
//
// # Testing
//
// Package paymentstest has [paymentstest.Gateway], a scriptable fake for
// applications' unit tests (approve, decline, require action, fail
// refunds, delays, transient failures, recorded calls), and the
// conformance suites RunGatewayTests and RunStoreTests that every
// gateway and store in this module passes. Packages toss/tosstest and
// stripe/stripetest are faithful fakes of the two providers' APIs, usable
// with httptest and in-process.
//
// [paymentstest.Gateway]: https://pkg.go.dev/github.com/payments-go/payments/paymentstest#Gateway
package payments

import "time"

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
	// EventSeq is the [Event.Seq] of the last event stored with the
	// payment, 0 before the first. The [Service] numbers a change's
	// events after it and stores it with the change.
	EventSeq int64

	// AmountCapturable is what the latest attempt, while it is
	// authorized ([StatusAuthorized]), still allows to capture; zero
	// otherwise.
	AmountCapturable Amount
	// Disputes are the disputes the gateway reported on the payment
	// (see [Dispute]); while one is open or lost its amount is not
	// refundable.
	Disputes []Dispute
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
	// SavedMethod is the id of the saved [PaymentMethod] the attempt
	// charges without the customer ([Service.Charge]); empty otherwise.
	SavedMethod string
	// ManualCapture reports that the attempt was prepared with
	// [CaptureManual]: it authorises the money, which [Service.Capture]
	// takes.
	ManualCapture bool
	// Capture is the capture of the attempt once one was asked for.
	Capture *Capture
	// Void is the void of the attempt's authorisation once one was asked
	// for ([Service.Void]).
	Void *Void
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
	// StripeReason is the request's [RefundRequest.StripeReason], sent to
	// Stripe on every attempt of the refund.
	StripeReason string
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
// amount less succeeded and pending refunds, and less the amount of
// disputes that are open or lost ([Payment.Disputed]). It is zero unless
// the payment is paid.
func (p *Payment) Refundable() Amount {
	left := p.refundableIgnoringDisputes() - p.Disputed()
	if left < 0 {
		return 0
	}
	return left
}

// refundableIgnoringDisputes is [Payment.Refundable] as if the payment
// had no disputes.
func (p *Payment) refundableIgnoringDisputes() Amount {
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
// processing, requires_action, waiting_for_deposit or authorized (which
// the gateway cancels when it is not captured in time), a pending
// refund, or a dispute not closed yet. [Service.Reconcile] visits exactly
// the unsettled payments; stores index this property.
func (p *Payment) Unsettled() bool {
	switch p.Status {
	case StatusProcessing, StatusRequiresAction, StatusWaitingForDeposit, StatusAuthorized:
		return true
	}
	if p.openDispute() {
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
	cp := *p
	c := &cp
	c.Attempts = append([]Attempt(nil), p.Attempts...)
	c.Refunds = append([]Refund(nil), p.Refunds...)
	for i := range c.Refunds {
		c.Refunds[i].ReceiveAccount = cloneBank(c.Refunds[i].ReceiveAccount)
		c.Refunds[i].Failure = cloneFailure(c.Refunds[i].Failure)
	}
	for i := range c.Attempts {
		c.Attempts[i].VirtualAccount = cloneVA(c.Attempts[i].VirtualAccount)
		c.Attempts[i].Failure = cloneFailure(c.Attempts[i].Failure)
		c.Attempts[i].Capture = cloneCapture(c.Attempts[i].Capture)
		c.Attempts[i].Void = cloneVoid(c.Attempts[i].Void)
	}
	if p.Disputes != nil {
		c.Disputes = append([]Dispute(nil), p.Disputes...)
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
