package paymentstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/payments-go/payments"
)

// Gateway is a scriptable, in-memory [payments.Gateway] for unit tests. It
// is a real implementation: it keeps charges, replays idempotency keys,
// refuses over-refunds and amount mismatches, and passes
// [RunGatewayTests]. By default every confirm is approved; the methods
// below script declines, extra customer actions, refund failures, delays
// and transient failures. Every method is safe for concurrent use.
//
// The customer's side is simulated by [payments.Service.Prepare] (the
// Gateway is a [payments.Preparer] that creates the charge) or by
// [Gateway.Authorize].
type Gateway struct {
	name string

	mu        sync.Mutex
	charges   map[string]*charge // by reference
	byOrderID map[string]string  // gateway order id → reference
	flights   map[string]*flight // idempotency key → first call
	calls     []Call
	disputes  map[string]*dispute // by id
	behavior  behavior
	failNext  []failure
	now       func() time.Time
	ledger    ledgerScript
	// methods holds the saved methods (methods.go).
	methods methodState
}

type charge struct {
	payments.Charge
	refunds   map[string]payments.Amount
	refundAt  map[string]time.Time
	confirmed int
	decline   string
	order     string // the order number, where Prepare was told it
	manual    bool   // authorise only; Capture takes the money
	captures  int
	voids     int
}

type flight struct {
	done chan struct{}
	ch   *payments.Charge
	rf   *payments.RefundResult
	err  error
}

type behavior struct {
	decline    string
	action     string
	refundFail string
	delay      time.Duration
}

type failure struct {
	code  payments.ErrorCode
	after bool // fail after processing (the response is lost)
}

// Call records one call to the Gateway.
type Call struct {
	// Op is "prepare", "confirm", "refund", "lookup", "cancel",
	// "virtual-account", "capture", "void", "dispute", "disputes" or
	// "close-dispute".
	Op             string
	IdempotencyKey string
	Reference      string
	GatewayOrderID string
	Amount         payments.Amount
	// Replayed reports that the idempotency key had been seen and the
	// first result was returned without acting again.
	Replayed bool
}

// NewGateway returns a Gateway named name ("fake" if empty) that approves
// every confirm.
func NewGateway(name string) *Gateway {
	if name == "" {
		name = "fake"
	}
	return &Gateway{
		name:      name,
		charges:   make(map[string]*charge),
		byOrderID: make(map[string]string),
		flights:   make(map[string]*flight),
		now:       time.Now,
	}
}

// SetClock makes the gateway stamp charges with now instead of
// time.Now, for tests that pin times.
func (g *Gateway) SetClock(now func() time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.now = now
}

var (
	_ payments.Gateway              = (*Gateway)(nil)
	_ payments.Preparer             = (*Gateway)(nil)
	_ payments.VirtualAccountIssuer = (*Gateway)(nil)
)

// Name implements [payments.Gateway].
func (g *Gateway) Name() string { return g.name }

// Approve resets the script: confirms are approved and refunds succeed,
// without delay.
func (g *Gateway) Approve() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.behavior = behavior{}
	g.failNext = nil
}

// Decline makes every following confirm decline with the gateway code
// (such as "card_declined"): the charge fails and Confirm returns an error
// for which [payments.Code] reports [payments.CodePaymentDeclined].
func (g *Gateway) Decline(code string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.behavior.decline = code
}

// RequireAction makes every following confirm answer requires_action with
// redirectURL as the page where the customer completes it; see
// [Gateway.CompleteAction].
func (g *Gateway) RequireAction(redirectURL string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.behavior.action = redirectURL
}

// FailRefunds makes every following refund fail with the gateway code.
func (g *Gateway) FailRefunds(code string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.behavior.refundFail = code
}

// Delay makes every call wait d first, or until its context ends.
func (g *Gateway) Delay(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.behavior.delay = d
}

// FailNext makes the next n calls fail with code (typically
// [payments.CodeGatewayUnavailable]) before doing anything; after that,
// calls succeed again.
func (g *Gateway) FailNext(n int, code payments.ErrorCode) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for range n {
		g.failNext = append(g.failNext, failure{code: code})
	}
}

// LoseNextResponse makes the next n calls act (take the money, refund)
// and then fail with [payments.CodeGatewayUnavailable], as when a
// connection drops after the gateway processed the request. A retry with
// the same idempotency key gets the real result.
func (g *Gateway) LoseNextResponse(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for range n {
		g.failNext = append(g.failNext, failure{code: payments.CodeGatewayUnavailable, after: true})
	}
}

// Authorize simulates a customer authorising a payment of amount at the
// gateway's page for the given gateway order id, and returns the
// reference that Confirm needs.
func (g *Gateway) Authorize(gatewayOrderID string, amount payments.Amount, currency payments.Currency) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.newChargeLocked(gatewayOrderID, amount, currency, payments.MethodCard).Reference
}

// AuthorizeDeclined is [Gateway.Authorize] for a customer whose card the
// issuer will decline with code: the confirm of the returned reference
// fails with [payments.CodePaymentDeclined].
func (g *Gateway) AuthorizeDeclined(gatewayOrderID string, amount payments.Amount, currency payments.Currency, code string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.newChargeLocked(gatewayOrderID, amount, currency, payments.MethodCard)
	c.decline = code
	return c.Reference
}

// CompleteAction simulates the customer completing the extra step of a
// requires_action charge: it becomes paid, as a later Lookup reports.
func (g *Gateway) CompleteAction(reference string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	c, ok := g.charges[reference]
	if !ok || c.Status != payments.StatusRequiresAction {
		return fmt.Errorf("paymentstest: no charge %q requires action", reference)
	}
	c.Status, c.PaidAt, c.confirmed = payments.StatusPaid, g.now(), c.confirmed+1
	c.GatewayStatus = string(c.Status)
	return nil
}

// SetStatus forces a charge's status, as a gateway-side change that a
// webhook would announce (a deposit, an expiry).
func (g *Gateway) SetStatus(reference string, s payments.Status) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	c, ok := g.charges[reference]
	if !ok {
		return fmt.Errorf("paymentstest: no charge %q", reference)
	}
	c.Status, c.GatewayStatus = s, string(s)
	if s == payments.StatusPaid {
		c.PaidAt = g.now()
	}
	return nil
}

// Calls returns every call so far, in order.
func (g *Gateway) Calls() []Call {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Call(nil), g.calls...)
}

// Confirmations returns how many times money was taken for reference
// (replays of an idempotency key do not count). A correct caller never
// sees more than 1.
func (g *Gateway) Confirmations(reference string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c, ok := g.charges[reference]; ok {
		return c.confirmed
	}
	return 0
}

// Refunded returns the amount refunded from reference.
func (g *Gateway) Refunded(reference string) payments.Amount {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c, ok := g.charges[reference]; ok {
		return c.RefundedAmount
	}
	return 0
}

func (g *Gateway) newChargeLocked(orderID string, amount payments.Amount, cur payments.Currency, m payments.Method) *charge {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	c := &charge{refunds: make(map[string]payments.Amount)}
	c.Reference = "fake_" + hex.EncodeToString(b)
	c.GatewayOrderID, c.Amount, c.Currency, c.Method = orderID, amount, cur, m
	c.Status, c.GatewayStatus = payments.StatusReady, string(payments.StatusReady)
	g.charges[c.Reference] = c
	if orderID != "" {
		g.byOrderID[orderID] = c.Reference
	}
	return c
}

func errNotFound(ref string) error {
	return &payments.Error{Code: payments.CodePaymentNotFound, GatewayCode: "resource_missing",
		Message: fmt.Sprintf("no such charge: %q", ref)}
}

// begin records the call, waits out the scripted delay and takes a
// scripted failure. It returns the call's index in the log.
func (g *Gateway) begin(ctx context.Context, call Call) (idx int, fail *failure, err error) {
	g.mu.Lock()
	d := g.behavior.delay
	g.calls = append(g.calls, call)
	idx = len(g.calls) - 1
	g.mu.Unlock()
	if d > 0 {
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return idx, nil, ctx.Err()
		case <-t.C:
		}
	}
	if err := ctx.Err(); err != nil {
		return idx, nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.failNext) == 0 {
		return idx, nil, nil
	}
	f := g.failNext[0]
	g.failNext = g.failNext[1:]
	if !f.after {
		return idx, nil, &payments.Error{Code: f.code, Message: "scripted failure"}
	}
	return idx, &f, nil
}

// idempotent runs fn once per key: concurrent and later calls with the
// same key wait for and share the first result. A scripted failure
// before processing does not consume the key.
func (g *Gateway) idempotent(ctx context.Context, idx int, op, key string, fn func() (*payments.Charge, *payments.RefundResult, error)) (*payments.Charge, *payments.RefundResult, error) {
	if key == "" {
		return fn()
	}
	k := op + "\x00" + key
	g.mu.Lock()
	f, seen := g.flights[k]
	if !seen {
		f = &flight{done: make(chan struct{})}
		g.flights[k] = f
	}
	g.mu.Unlock()
	if seen {
		g.mu.Lock()
		g.calls[idx].Replayed = true
		g.mu.Unlock()
		select {
		case <-f.done:
			return f.ch, f.rf, f.err
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
	f.ch, f.rf, f.err = fn()
	close(f.done)
	return f.ch, f.rf, f.err
}

// Prepare implements [payments.Preparer]: it creates a charge for the
// order, as a Stripe PaymentIntent would be created, waiting for Confirm.
func (g *Gateway) Prepare(ctx context.Context, p *payments.PrepareParams) (*payments.Charge, error) {
	idx, fail, err := g.begin(ctx, Call{Op: "prepare", IdempotencyKey: p.IdempotencyKey, GatewayOrderID: p.GatewayOrderID, Amount: p.Order.Amount})
	if err != nil {
		return nil, err
	}
	ch, _, err := g.idempotent(ctx, idx, "prepare", p.IdempotencyKey, func() (*payments.Charge, *payments.RefundResult, error) {
		g.mu.Lock()
		defer g.mu.Unlock()
		c := g.newChargeLocked(p.GatewayOrderID, p.Order.Amount, p.Order.Currency, p.Method)
		c.order, c.manual = p.Order.Number, p.Capture == payments.CaptureManual
		out := c.Charge
		out.ClientSecret = payments.Secret(c.Reference + "_secret")
		return &out, nil, nil
	})
	if fail != nil {
		return nil, &payments.Error{Code: fail.code, Message: "scripted lost response"}
	}
	return ch, err
}

// Confirm implements [payments.Gateway].
func (g *Gateway) Confirm(ctx context.Context, p *payments.ConfirmParams) (*payments.Charge, error) {
	idx, fail, err := g.begin(ctx, Call{Op: "confirm", IdempotencyKey: p.IdempotencyKey, Reference: p.Reference, GatewayOrderID: p.GatewayOrderID, Amount: p.Amount})
	if err != nil {
		return nil, err
	}
	ch, _, err := g.idempotent(ctx, idx, "confirm", p.IdempotencyKey, func() (*payments.Charge, *payments.RefundResult, error) {
		g.mu.Lock()
		defer g.mu.Unlock()
		c, ok := g.charges[p.Reference]
		if !ok {
			return nil, nil, errNotFound(p.Reference)
		}
		switch c.Status {
		case payments.StatusReady, payments.StatusRequiresAction, payments.StatusFailed:
		case payments.StatusPaid, payments.StatusPartiallyRefunded, payments.StatusRefunded:
			return nil, nil, &payments.Error{Code: payments.CodeInvalidRequest, GatewayCode: "already_confirmed", Message: "the charge was already confirmed"}
		default:
			return nil, nil, &payments.Error{Code: payments.CodeInvalidRequest, GatewayCode: "invalid_state", Message: "the charge is " + string(c.Status)}
		}
		if p.Amount != c.Amount || p.Currency != c.Currency {
			return nil, nil, &payments.Error{Code: payments.CodeAmountMismatch, GatewayCode: "amount_mismatch",
				Message: "the amount differs from the authorised amount"}
		}
		decline := c.decline
		if decline == "" {
			decline = g.behavior.decline
		}
		switch {
		case decline != "":
			c.Status, c.GatewayStatus = payments.StatusFailed, string(payments.StatusFailed)
			c.Failure = &payments.Failure{Code: decline, Message: "the card was declined"}
			return nil, nil, &payments.Error{Code: payments.CodePaymentDeclined, GatewayCode: decline, Message: "the card was declined"}
		case g.behavior.action != "" && c.Status != payments.StatusRequiresAction:
			c.Status, c.RedirectURL = payments.StatusRequiresAction, g.behavior.action
		case c.manual:
			// Authorised, not taken: Capture takes it.
			c.Status, c.AmountCapturable, c.Failure = payments.StatusAuthorized, c.Amount, nil
		default:
			c.Status, c.PaidAt, c.Failure = payments.StatusPaid, g.now(), nil
			c.confirmed++
		}
		c.GatewayStatus = string(c.Status)
		out := c.Charge
		return &out, nil, nil
	})
	if fail != nil {
		return nil, &payments.Error{Code: fail.code, Message: "scripted lost response"}
	}
	return ch, err
}

// Refund implements [payments.Gateway].
func (g *Gateway) Refund(ctx context.Context, p *payments.RefundParams) (*payments.RefundResult, error) {
	idx, fail, err := g.begin(ctx, Call{Op: "refund", IdempotencyKey: p.IdempotencyKey, Reference: p.Reference, GatewayOrderID: p.GatewayOrderID, Amount: p.Amount})
	if err != nil {
		return nil, err
	}
	_, rf, err := g.idempotent(ctx, idx, "refund", p.IdempotencyKey, func() (*payments.Charge, *payments.RefundResult, error) {
		g.mu.Lock()
		defer g.mu.Unlock()
		c, ok := g.charges[p.Reference]
		if !ok {
			return nil, nil, errNotFound(p.Reference)
		}
		if !c.Status.Paid() {
			return nil, nil, &payments.Error{Code: payments.CodeInvalidRequest, GatewayCode: "not_paid", Message: "the charge is not paid"}
		}
		if p.Amount <= 0 || p.Amount > c.Amount-c.RefundedAmount {
			return nil, nil, &payments.Error{Code: payments.CodeRefundExceedsBalance, GatewayCode: "amount_too_large",
				Message: "the refund exceeds the amount not yet refunded"}
		}
		if g.behavior.refundFail != "" {
			return nil, nil, &payments.Error{Code: payments.CodeGatewayError, GatewayCode: g.behavior.refundFail, Message: "the refund was refused"}
		}
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		ref := "fake_re_" + hex.EncodeToString(b)
		c.refunds[ref] = p.Amount
		if c.refundAt == nil {
			c.refundAt = make(map[string]time.Time)
		}
		c.refundAt[ref] = g.now()
		c.RefundedAmount += p.Amount
		c.Status = payments.StatusPartiallyRefunded
		if c.RefundedAmount == c.Amount {
			c.Status = payments.StatusRefunded
		}
		c.GatewayStatus = string(c.Status)
		return nil, &payments.RefundResult{Reference: ref, Status: payments.RefundSucceeded}, nil
	})
	if fail != nil {
		return nil, &payments.Error{Code: fail.code, Message: "scripted lost response"}
	}
	return rf, err
}

// Lookup implements [payments.Gateway]. It finds the charge by
// Reference, else by GatewayOrderID.
func (g *Gateway) Lookup(ctx context.Context, p *payments.LookupParams) (*payments.Charge, error) {
	_, fail, err := g.begin(ctx, Call{Op: "lookup", Reference: p.Reference, GatewayOrderID: p.GatewayOrderID})
	if err != nil {
		return nil, err
	}
	if fail != nil {
		return nil, &payments.Error{Code: fail.code, Message: "scripted lost response"}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	ref := p.Reference
	if ref == "" {
		ref = g.byOrderID[p.GatewayOrderID]
	}
	c, ok := g.charges[ref]
	if !ok {
		return nil, errNotFound(ref)
	}
	out := c.Charge
	out.ClientSecret = payments.Secret(c.Reference + "_secret")
	return &out, nil
}

// Cancel implements [payments.Canceler]: a charge the customer has not
// paid (ready, requiring an action or waiting for a deposit) becomes
// canceled; any other is reported as it is.
func (g *Gateway) Cancel(ctx context.Context, p *payments.CancelParams) (*payments.Charge, error) {
	idx, fail, err := g.begin(ctx, Call{Op: "cancel", IdempotencyKey: p.IdempotencyKey, Reference: p.Reference, GatewayOrderID: p.GatewayOrderID})
	if err != nil {
		return nil, err
	}
	ch, _, err := g.idempotent(ctx, idx, "cancel", p.IdempotencyKey, func() (*payments.Charge, *payments.RefundResult, error) {
		g.mu.Lock()
		defer g.mu.Unlock()
		ref := p.Reference
		if ref == "" {
			ref = g.byOrderID[p.GatewayOrderID]
		}
		c, ok := g.charges[ref]
		if !ok {
			return nil, nil, errNotFound(ref)
		}
		switch c.Status {
		case payments.StatusReady, payments.StatusRequiresAction, payments.StatusWaitingForDeposit:
			c.Status, c.GatewayStatus = payments.StatusCanceled, string(payments.StatusCanceled)
			c.Failure = &payments.Failure{Code: "abandoned", Message: "replaced by a new attempt"}
		}
		out := c.Charge
		return &out, nil, nil
	})
	if fail != nil {
		return nil, &payments.Error{Code: fail.code, Message: "scripted lost response"}
	}
	return ch, err
}

// IssueVirtualAccount implements [payments.VirtualAccountIssuer]: it
// issues an account in bank p.Bank, due after p.ValidHours (default 168)
// or at p.DueDate, waiting for [Gateway.Deposit].
func (g *Gateway) IssueVirtualAccount(ctx context.Context, p *payments.VirtualAccountParams) (*payments.Charge, error) {
	idx, fail, err := g.begin(ctx, Call{Op: "virtual-account", IdempotencyKey: p.IdempotencyKey, GatewayOrderID: p.GatewayOrderID, Amount: p.Order.Amount})
	if err != nil {
		return nil, err
	}
	ch, _, err := g.idempotent(ctx, idx, "virtual-account", p.IdempotencyKey, func() (*payments.Charge, *payments.RefundResult, error) {
		g.mu.Lock()
		defer g.mu.Unlock()
		c := g.newChargeLocked(p.GatewayOrderID, p.Order.Amount, p.Order.Currency, payments.MethodVirtualAccount)
		due := p.DueDate
		if due.IsZero() {
			hours := p.ValidHours
			if hours == 0 {
				hours = 168
			}
			due = g.now().Add(time.Duration(hours) * time.Hour)
		}
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		c.Status, c.GatewayStatus = payments.StatusWaitingForDeposit, string(payments.StatusWaitingForDeposit)
		c.VirtualAccount = &payments.VirtualAccount{Bank: p.Bank, AccountNumber: fmt.Sprintf("9%011d", int64(b[0])<<32|int64(b[1])<<24|int64(b[2])<<16|int64(b[3])<<8|int64(b[4])), Holder: p.CustomerName, DueDate: due}
		c.DepositSecret = payments.Secret("ps_" + hex.EncodeToString(b) + "fakefakefake")
		out := c.Charge
		return &out, nil, nil
	})
	if fail != nil {
		return nil, &payments.Error{Code: fail.code, Message: "scripted lost response"}
	}
	return ch, err
}

// Deposit simulates the customer transferring the money into the virtual
// account of reference, even after its due date (a late deposit), and
// returns the deposit secret a real gateway's callback would carry.
func (g *Gateway) Deposit(reference string) (payments.Secret, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c, ok := g.charges[reference]
	if !ok || c.VirtualAccount == nil || c.Status != payments.StatusWaitingForDeposit {
		return "", fmt.Errorf("paymentstest: no virtual account %q waits for a deposit", reference)
	}
	c.Status, c.GatewayStatus, c.PaidAt = payments.StatusPaid, string(payments.StatusPaid), g.now()
	c.confirmed++
	return c.DepositSecret, nil
}
