package payments

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Config configures a [Service]. Store, Orders and at least one Gateway
// are required; everything else has a safe default.
type Config struct {
	// Store keeps the payments (memstore.New() for one process,
	// sqlstore for many replicas).
	Store Store
	// Orders is the application's order source.
	Orders Orders
	// Gateways are the payment providers, by [Gateway.Name].
	Gateways []Gateway
	// OnEvent, if set, is called after each committed change. It runs on
	// the goroutine that made the change; a slow hook slows that request.
	OnEvent func(context.Context, Event)
	// Logger receives the service's logs. Nil means silence.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// KeyPrefix is prepended to every idempotency key the service
	// derives. Set it when several applications or environments share one
	// gateway account and may reuse order numbers.
	KeyPrefix string
	// ConfirmWait is how long a confirm that finds another confirm of the
	// same attempt in flight waits for its outcome before answering with
	// the payment still processing. Default 30s.
	ConfirmWait time.Duration
	// SettleAfter is how long an unsettled payment (processing, pending
	// refund …) is left to the request that is working on it before
	// [Service.Reconcile] takes it over. Default 1 minute.
	SettleAfter time.Duration
}

// Service is what applications call: it prepares attempts, confirms them
// exactly once, refunds without ever exceeding the balance, answers status
// queries, applies gateway notifications and reconciles what a crash or a
// timeout left unsettled. It is safe for concurrent use, also by many
// replicas sharing one [Store].
type Service struct {
	store       Store
	orders      Orders
	gateways    map[string]Gateway
	order       []Gateway // as configured
	onEvent     func(context.Context, Event)
	log         *slog.Logger
	now         func() time.Time
	keyPrefix   string
	confirmWait time.Duration
	settleAfter time.Duration
}

// NewService validates cfg and returns a Service.
func NewService(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("payments: Config.Store is required")
	}
	if cfg.Orders == nil {
		return nil, errors.New("payments: Config.Orders is required")
	}
	if len(cfg.Gateways) == 0 {
		return nil, errors.New("payments: at least one gateway is required")
	}
	s := &Service{
		store:       cfg.Store,
		orders:      cfg.Orders,
		gateways:    make(map[string]Gateway),
		onEvent:     cfg.OnEvent,
		log:         cfg.Logger,
		now:         cfg.Now,
		keyPrefix:   cfg.KeyPrefix,
		confirmWait: cfg.ConfirmWait,
		settleAfter: cfg.SettleAfter,
	}
	for _, g := range cfg.Gateways {
		if g == nil || g.Name() == "" {
			return nil, errors.New("payments: a gateway is nil or has no name")
		}
		if _, dup := s.gateways[g.Name()]; dup {
			return nil, fmt.Errorf("payments: gateway %q configured twice", g.Name())
		}
		s.gateways[g.Name()] = g
		s.order = append(s.order, g)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.confirmWait <= 0 {
		s.confirmWait = 30 * time.Second
	}
	if s.settleAfter <= 0 {
		s.settleAfter = time.Minute
	}
	return s, nil
}

// Gateway returns the configured gateway with the given name.
func (s *Service) Gateway(name string) (Gateway, bool) {
	g, ok := s.gateways[name]
	return g, ok
}

// Order returns the application's order, through [Config.Orders].
func (s *Service) Order(ctx context.Context, number string) (Order, error) {
	if number == "" {
		return Order{}, errorf(CodeInvalidRequest, "order_number is required")
	}
	return s.orders.Order(ctx, number)
}

// Payment returns the payment of an order. For an order without a payment
// attempt it returns an error for which [Code] reports
// [CodePaymentNotFound]; for an unknown order, [CodeOrderNotFound].
func (s *Service) Payment(ctx context.Context, orderNumber string) (*Payment, error) {
	if orderNumber == "" {
		return nil, errorf(CodeInvalidRequest, "order_number is required")
	}
	p, err := s.store.Get(ctx, orderNumber)
	if Code(err) == CodePaymentNotFound {
		if _, oerr := s.orders.Order(ctx, orderNumber); oerr != nil {
			return nil, oerr
		}
	}
	return p, err
}

// PrepareRequest starts (or resumes) a payment attempt.
type PrepareRequest struct {
	OrderNumber string
	// Gateway is the gateway's name ("toss", "stripe").
	Gateway string
	// Method defaults to [MethodCard].
	Method Method
	// Amount, if not zero, must equal the order's amount; a browser's
	// copy of the amount is checked, never used.
	Amount Amount
	// SuccessURL and FailURL are the application's pages for the end of
	// the attempt (Stripe Checkout's success and cancel URLs).
	SuccessURL string
	FailURL    string
	// PaymentMethod is a gateway payment method to attach (Stripe pm_…).
	PaymentMethod string
}

// Prepared is the result of [Service.Prepare].
type Prepared struct {
	Order   Order
	Payment *Payment
	// Attempt is the attempt to complete.
	Attempt Attempt
	// Charge is the gateway's answer where the gateway prepares attempts
	// ([Preparer]); nil otherwise. Its ClientSecret is meant for the
	// customer's browser only.
	Charge *Charge
}

// Prepare records a payment attempt for an order, checking the amount
// against the order. A repeat of the same request while the attempt is
// still ready returns the same attempt (and, for gateways that create
// sessions, the same session, re-read from the gateway: one the customer
// paid meanwhile is recorded and answers [ErrAlreadyPaid]; one that
// expired or failed there is recorded and a new attempt starts). After a
// failed, canceled or expired
// attempt, or one the customer abandoned, it starts a new attempt, with
// either gateway. A paid order answers [ErrAlreadyPaid]; an attempt in
// processing or waiting for a deposit answers [ErrInvalidState].
func (s *Service) Prepare(ctx context.Context, req PrepareRequest) (*Prepared, error) {
	if req.Method == "" {
		req.Method = MethodCard
	}
	if !req.Method.Valid() {
		return nil, errorf(CodeInvalidRequest, fmt.Sprintf("unknown method %q", truncate(string(req.Method), 32)))
	}
	gw, ok := s.gateways[req.Gateway]
	if !ok {
		return nil, errorf(CodeInvalidRequest, fmt.Sprintf("gateway %q is not configured", truncate(req.Gateway, 32)))
	}
	order, err := s.Order(ctx, req.OrderNumber)
	if err != nil {
		return nil, err
	}
	if req.Amount != 0 && req.Amount != order.Amount {
		return nil, errorf(CodeAmountMismatch, fmt.Sprintf("amount %d does not match the order's amount", req.Amount))
	}
	same := func(a *Attempt) bool {
		return a.Gateway == req.Gateway && a.Method == req.Method && a.SuccessURL == req.SuccessURL &&
			a.FailURL == req.FailURL && a.PaymentMethod == req.PaymentMethod
	}
	prep, isPreparer := gw.(Preparer)
	canceled := 0 // the attempt this call had canceled, if any
	for tries := 0; ; tries++ {
		var n int
		var replaced Attempt
		p, err := s.upsert(ctx, order, func(p *Payment) error {
			if err := startable(p); err != nil {
				return err
			}
			a := p.Latest()
			if a != nil && a.Status == StatusReady && same(a) {
				n = a.Number
				return errNoChange
			}
			if a != nil && a.Number != canceled && s.cancelable(a) {
				replaced = *a
				return errSupersede
			}
			a = s.newAttempt(p, req.Gateway, req.Method)
			a.SuccessURL, a.FailURL, a.PaymentMethod = req.SuccessURL, req.FailURL, req.PaymentMethod
			n = a.Number
			return nil
		})
		if errors.Is(err, errSupersede) {
			canceled = replaced.Number
			if err := s.supersede(ctx, order.Number, &replaced); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		out := &Prepared{Order: order, Payment: p, Attempt: *p.Attempt(n)}
		if !isPreparer {
			return out, nil
		}
		a := p.Attempt(n)
		if a.Reference == "" && a.Session == "" {
			return s.prepareAt(ctx, prep, out, req)
		}
		// Prepared before: read it again (for a fresh client secret)
		// instead of creating a second session. The customer may have
		// paid it, or it may have expired, since.
		ch, err := gw.Lookup(ctx, lookupParams(p, a))
		if err != nil {
			return nil, err
		}
		if ch.Status != a.Status {
			p, err = s.recordChargeFrom(ctx, p, p.OrderNumber, n, ch)
			if err != nil {
				return nil, err
			}
		}
		switch a := p.Attempt(n); {
		case a.Status == StatusReady || a.Status == StatusRequiresAction:
			out.Payment, out.Attempt, out.Charge = p, *a, ch
			return out, nil
		case !a.Status.Final() || tries > 0:
			if err := startable(p); err != nil {
				return nil, err
			}
			return nil, errorf(CodeInvalidState, fmt.Sprintf("the payment attempt is %s", a.Status))
		}
		// The session expired, failed or was canceled at the gateway:
		// the next pass starts a new attempt.
	}
}

// errSupersede stops Prepare's update to cancel the attempt the new one
// replaces first.
var errSupersede = errors.New("supersede")

// cancelable reports whether attempt a can still be paid at a gateway
// that can cancel it ([Canceler]).
func (s *Service) cancelable(a *Attempt) bool {
	if (a.Status != StatusReady && a.Status != StatusRequiresAction) || (a.Reference == "" && a.Session == "") {
		return false
	}
	_, ok := s.gateways[a.Gateway].(Canceler)
	return ok
}

// supersede runs before Prepare starts a new attempt for an order while
// the latest one, a, can still be paid at a gateway that can cancel it:
// a is canceled there and what the gateway reports is recorded. An
// attempt paid meanwhile is recorded paid, and Prepare then answers
// [ErrAlreadyPaid]. A cancel that fails is logged and does not hold the
// customer up: should the old attempt still be paid, that payment is
// recorded when it is reported and raises [EventLatePayment].
func (s *Service) supersede(ctx context.Context, order string, a *Attempt) error {
	c := s.gateways[a.Gateway].(Canceler)
	n := a.Number
	ch, err := c.Cancel(ctx, &CancelParams{
		IdempotencyKey: s.key("cancel", order, n, ""),
		OrderNumber:    order,
		GatewayOrderID: a.GatewayOrderID,
		Reference:      a.Reference,
		Session:        a.Session,
	})
	if err != nil {
		s.log.WarnContext(ctx, "payments: could not cancel the attempt a new one replaces",
			"order", order, "attempt", n, "gateway", a.Gateway, "code", Code(err))
		return nil
	}
	_, err = s.recordCharge(ctx, order, n, ch)
	return err
}

// CancelRequest asks to cancel a payment that is not paid.
type CancelRequest struct {
	OrderNumber string
	// Reason is required (at most 200 characters) and kept at the
	// gateway where it takes one.
	Reason string
}

// Cancel makes an unpaid payment unpayable: the latest attempt, if the
// customer can still pay it (a virtual account waiting for its deposit,
// an open Stripe session or PaymentIntent), is canceled at its gateway
// and recorded canceled. A paid payment answers [ErrInvalidState] (refund
// it instead), as does an attempt the gateway cannot cancel; a payment
// already ended is returned as it is. Repeating the request is safe: the
// gateway call carries a key derived from the order and the attempt.
func (s *Service) Cancel(ctx context.Context, req CancelRequest) (*Payment, error) {
	reason := strings.TrimSpace(req.Reason)
	switch {
	case reason == "":
		return nil, errorf(CodeInvalidRequest, "reason is required")
	case utf8.RuneCountInString(reason) > 200:
		return nil, errorf(CodeInvalidRequest, "reason is longer than 200 characters")
	}
	p, err := s.Payment(ctx, req.OrderNumber)
	if err != nil {
		return nil, err
	}
	if p.PaidAttempt() != nil {
		return nil, errorf(CodeInvalidState, "the payment is paid: refund it instead")
	}
	a := p.Latest()
	if a == nil || a.Status.Final() {
		return p, nil
	}
	c, ok := s.gateways[a.Gateway].(Canceler)
	if !ok || (a.Reference == "" && a.Session == "") {
		return nil, errorf(CodeInvalidState, fmt.Sprintf("a %s attempt with %s cannot be canceled", a.Status, a.Gateway))
	}
	n := a.Number
	ch, err := c.Cancel(ctx, &CancelParams{
		IdempotencyKey: s.key("cancel", p.OrderNumber, n, ""),
		OrderNumber:    p.OrderNumber,
		GatewayOrderID: a.GatewayOrderID,
		Reference:      a.Reference,
		Session:        a.Session,
		Reason:         reason,
	})
	if err != nil {
		return nil, err
	}
	p, err = s.recordCharge(ctx, p.OrderNumber, n, ch)
	if err != nil {
		return p, err
	}
	switch a := p.Attempt(n); {
	case a.Status.Paid():
		return p, errorf(CodeInvalidState, "the payment was paid meanwhile: refund it instead")
	case !a.Status.Final():
		return p, errorf(CodeInvalidState, fmt.Sprintf("the gateway did not cancel the attempt (%s)", a.Status))
	}
	return p, nil
}

// prepareAt asks the gateway to prepare out's attempt.
func (s *Service) prepareAt(ctx context.Context, prep Preparer, out *Prepared, req PrepareRequest) (*Prepared, error) {
	p, order, n := out.Payment, out.Order, out.Attempt.Number
	a := p.Attempt(n)
	ch, gerr := prep.Prepare(ctx, &PrepareParams{
		IdempotencyKey: s.key("prepare", p.OrderNumber, n, ""),
		Order:          order,
		GatewayOrderID: a.GatewayOrderID,
		Method:         req.Method,
		SuccessURL:     req.SuccessURL,
		CancelURL:      req.FailURL,
		PaymentMethod:  req.PaymentMethod,
	})
	// p, this call's own copy as stored, is where the update starts;
	// out.Payment is replaced below or out dropped with the error.
	p, err := s.settleGatewayCallFrom(ctx, p, p.OrderNumber, n, ch, gerr)
	if err != nil {
		return nil, err
	}
	out.Payment, out.Attempt, out.Charge = p, *p.Attempt(n), ch
	return out, nil
}

// VirtualAccountRequest asks for a virtual account into which the
// customer transfers the order's amount.
type VirtualAccountRequest struct {
	OrderNumber string
	// Gateway defaults to the first configured [VirtualAccountIssuer].
	Gateway string
	// Amount, if not zero, must equal the order's amount.
	Amount Amount
	// Bank is Toss's two-character bank code.
	Bank          string
	CustomerName  string
	CustomerEmail string
	ValidHours    int
	DueDate       time.Time
	CashReceipt   *CashReceipt
}

// IssueVirtualAccount starts an attempt paid by bank transfer into a
// virtual account. The payment becomes waiting_for_deposit; the deposit
// arrives through [Service.HandleNotification] or [Service.Reconcile].
// Repeating the request while the attempt is not settled returns the same
// account.
func (s *Service) IssueVirtualAccount(ctx context.Context, req VirtualAccountRequest) (*Payment, error) {
	name, issuer := req.Gateway, VirtualAccountIssuer(nil)
	for _, g := range s.order {
		if i, ok := g.(VirtualAccountIssuer); ok && (name == "" || name == g.Name()) {
			name, issuer = g.Name(), i
			break
		}
	}
	if issuer == nil {
		return nil, errorf(CodeInvalidRequest, "no configured gateway issues virtual accounts")
	}
	if req.Bank == "" || req.CustomerName == "" {
		return nil, errorf(CodeInvalidRequest, "bank and customer_name are required")
	}
	if req.ValidHours < 0 || (req.ValidHours > 0 && !req.DueDate.IsZero()) {
		return nil, errorf(CodeInvalidRequest, "give valid_hours or due_date, not both, and valid_hours must be positive")
	}
	order, err := s.Order(ctx, req.OrderNumber)
	if err != nil {
		return nil, err
	}
	if req.Amount != 0 && req.Amount != order.Amount {
		return nil, errorf(CodeAmountMismatch, fmt.Sprintf("amount %d does not match the order's amount", req.Amount))
	}
	var n int
	p, err := s.upsert(ctx, order, func(p *Payment) error {
		if a := p.Latest(); a != nil && a.Method == MethodVirtualAccount && a.Gateway == name &&
			(a.Status == StatusWaitingForDeposit || a.Status == StatusReady) {
			n = a.Number
			return errNoChange
		}
		if err := startable(p); err != nil {
			return err
		}
		n = s.newAttempt(p, name, MethodVirtualAccount).Number
		return nil
	})
	if err != nil {
		return nil, err
	}
	a := p.Attempt(n)
	if a.Status == StatusWaitingForDeposit {
		return p, nil
	}
	if req.CustomerEmail == "" {
		req.CustomerEmail = order.Customer.Email
	}
	ch, gerr := issuer.IssueVirtualAccount(ctx, &VirtualAccountParams{
		IdempotencyKey: s.key("virtual-account", p.OrderNumber, n, ""),
		Order:          order,
		GatewayOrderID: a.GatewayOrderID,
		Bank:           req.Bank,
		CustomerName:   req.CustomerName,
		CustomerEmail:  req.CustomerEmail,
		ValidHours:     req.ValidHours,
		DueDate:        req.DueDate,
		CashReceipt:    req.CashReceipt,
	})
	return s.settleGatewayCall(ctx, p.OrderNumber, n, ch, gerr)
}

// ConfirmRequest confirms an attempt the customer authorised.
type ConfirmRequest struct {
	// OrderNumber or GatewayOrderID (the id the gateway reports, such as
	// Toss's orderId "ORD-1-2") names the payment; with only the order
	// number, the latest attempt is confirmed.
	OrderNumber    string
	GatewayOrderID string
	// Gateway, if not empty, is the name ([Gateway.Name]) of the gateway
	// the attempt must belong to: an attempt of another gateway is then
	// not found (payment_not_found), so that a gateway's callback never
	// confirms another gateway's attempt.
	Gateway string
	// Reference is the gateway's payment id (Toss paymentKey, Stripe
	// PaymentIntent id); empty to use the one recorded on the attempt.
	Reference string
	// Amount, if not zero, must equal the payment's amount; a mismatch is
	// refused before any gateway call.
	Amount Amount
	// PaymentMethod and ReturnURL are passed to gateways that use them.
	PaymentMethod string
	ReturnURL     string
}

// Confirm asks the gateway to take the money for an attempt, exactly once:
// of any number of concurrent confirms of one attempt, on any number of
// replicas, one calls the gateway (with an idempotency key derived from the
// order, the attempt and the reference) and the others wait up to
// [Config.ConfirmWait] for its outcome and report the same. A paid payment
// is returned as it is, without a gateway call.
//
// The error is nil when the payment is paid, requires an action or waits
// for a deposit; [ErrPaymentDeclined] (with the gateway code) when the
// gateway refused; [ErrGatewayUnavailable] when the outcome is unknown, in
// which case the payment stays processing until [Service.Reconcile]
// settles it. The payment is returned with every error but validation
// errors.
func (s *Service) Confirm(ctx context.Context, req ConfirmRequest) (*Payment, error) {
	p, n, err := s.resolve(ctx, req.OrderNumber, req.GatewayOrderID, req.Gateway)
	if err != nil {
		return nil, err
	}
	if req.Amount != 0 && req.Amount != p.Amount {
		return nil, errorf(CodeAmountMismatch, fmt.Sprintf("amount %d does not match the payment's amount", req.Amount))
	}
	var claimed bool
	// p was just read: the claim starts from it rather than reading it
	// again, and compare-and-set catches any change since. The claim
	// changes nothing when it returns an error, and a failed write drops
	// the payment: no copy of it before the claim is needed.
	p, err = s.claimFrom(ctx, p, p.OrderNumber, func(p *Payment) error {
		claimed = false // the callback runs again after a lost race
		a := p.Attempt(n)
		if paid := p.PaidAttempt(); paid != nil && paid.Number != n {
			return errorf(CodeAlreadyPaid, "the order was already paid by another attempt")
		}
		if req.Reference != "" && a.Reference != "" && req.Reference != a.Reference {
			return errorf(CodeInvalidRequest, "the gateway reference does not match the attempt")
		}
		switch a.Status {
		case StatusReady, StatusRequiresAction:
		default:
			return errNoChange
		}
		if a.Reference == "" {
			if _, prepares := s.gateways[a.Gateway].(Preparer); prepares {
				// The gateway named the payment when the attempt was
				// prepared; a reference from the request is not to be
				// trusted in its place.
				return errorf(CodeInvalidState, "the attempt has no gateway payment to confirm")
			}
			// Gateways that do not prepare (Toss) name the payment in
			// the redirect that reaches Confirm.
			a.Reference = req.Reference
		}
		if a.Reference == "" {
			return errorf(CodeInvalidRequest, "the attempt has no gateway reference to confirm")
		}
		s.setStatus(p, a, StatusProcessing)
		claimed = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !claimed {
		return s.awaitConfirm(ctx, p, n)
	}
	a := p.Attempt(n)
	gw := s.gateways[a.Gateway]
	if gw == nil {
		return p, errorf(CodeInvalidState, fmt.Sprintf("gateway %q is not configured", a.Gateway))
	}
	ch, gerr := gw.Confirm(ctx, &ConfirmParams{
		IdempotencyKey: s.confirmKey(p, a),
		OrderNumber:    p.OrderNumber,
		GatewayOrderID: a.GatewayOrderID,
		Reference:      a.Reference,
		Amount:         p.Amount,
		Currency:       p.Currency,
		PaymentMethod:  req.PaymentMethod,
		ReturnURL:      req.ReturnURL,
	})
	return s.settleGatewayCallFrom(ctx, p, p.OrderNumber, n, ch, gerr)
}

// awaitConfirm waits for another caller's confirm of attempt n to finish.
func (s *Service) awaitConfirm(ctx context.Context, p *Payment, n int) (*Payment, error) {
	// Real (monotonic) time, not Config.Now: a test's frozen clock must
	// not make a waiter wait forever.
	deadline := time.Now().Add(s.confirmWait)
	delay := 5 * time.Millisecond
	for p.Attempt(n).Status == StatusProcessing && time.Now().Before(deadline) {
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return p, ctx.Err()
		case <-t.C:
		}
		if delay < 200*time.Millisecond {
			delay *= 2
		}
		np, err := s.store.Get(ctx, p.OrderNumber)
		if err != nil {
			return p, err
		}
		p = np
	}
	return p, outcome(p, n)
}

// outcome is the error a confirm caller gets for attempt n as stored.
func outcome(p *Payment, n int) error {
	if paid := p.PaidAttempt(); paid != nil && paid.Number != n {
		return errorf(CodeAlreadyPaid, "the order was already paid by another attempt")
	}
	a := p.Attempt(n)
	switch a.Status {
	case StatusFailed:
		e := &Error{Code: CodePaymentDeclined, Message: "the payment was declined"}
		if a.Failure != nil {
			e.GatewayCode, e.Message = a.Failure.Code, a.Failure.Message
		}
		return e
	case StatusCanceled, StatusExpired:
		return errorf(CodeInvalidState, "the payment attempt is "+string(a.Status))
	}
	return nil
}

// settleGatewayCall records the outcome of a gateway call for attempt n:
// the charge on success; a failed attempt for a definitive refusal; and,
// when the outcome is unknown, a lookup that may settle it. It returns the
// stored payment and the error for the caller.
func (s *Service) settleGatewayCall(ctx context.Context, order string, n int, ch *Charge, gerr error) (*Payment, error) {
	return s.settleGatewayCallFrom(ctx, nil, order, n, ch, gerr)
}

// settleGatewayCallFrom is settleGatewayCall starting the update from
// cur, the caller's copy of the payment as it stored it before the call
// (nil to read it).
func (s *Service) settleGatewayCallFrom(ctx context.Context, cur *Payment, order string, n int, ch *Charge, gerr error) (*Payment, error) {
	if gerr != nil && !definitive(gerr) {
		// The gateway may have acted. Ask it, with a short deadline of our
		// own so that a caller who hung up does not leave the record open.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		p, err := s.store.Get(lctx, order)
		if err != nil {
			return nil, gerr
		}
		a := p.Attempt(n)
		if got, lerr := s.gateways[a.Gateway].Lookup(lctx, lookupParams(p, a)); lerr == nil && got.Status != StatusReady && got.Status != StatusProcessing {
			ch, gerr = got, nil
		} else {
			s.log.WarnContext(ctx, "payments: gateway outcome unknown; left for reconciliation",
				"order", order, "attempt", n, "code", Code(gerr))
			return p, gerr
		}
	}
	var applyErr error
	p, err := s.updateFrom(ctx, cur, order, func(p *Payment) error {
		a := p.Attempt(n)
		if gerr != nil {
			if a.Status.Final() {
				return errNoChange
			}
			f := &Failure{Code: string(Code(gerr)), Message: "the gateway refused the payment"}
			var pe *Error
			if errors.As(gerr, &pe) {
				if pe.GatewayCode != "" {
					f.Code = pe.GatewayCode
				}
				if pe.Message != "" {
					f.Message = pe.Message
				}
			}
			a.Failure = f
			s.setStatus(p, a, StatusFailed)
			return nil
		}
		applyErr = s.applyCharge(p, a, ch)
		return nil
	})
	if err != nil {
		return p, err
	}
	if gerr != nil {
		return p, gerr
	}
	if applyErr != nil {
		return p, applyErr
	}
	return p, outcome(p, n)
}

// definitive reports whether err is a final answer from the gateway (it
// refused the request, so nothing happened), as opposed to an unknown
// outcome: a timeout, a network failure, an unavailable gateway or a
// canceled call, after which the gateway may or may not have acted.
func definitive(err error) bool {
	switch Code(err) {
	case CodeGatewayUnavailable, CodeCanceled, CodeInternal:
		return false
	}
	return true
}

// applyCharge folds a gateway's view of attempt a into p.
func (s *Service) applyCharge(p *Payment, a *Attempt, ch *Charge) error {
	if ch == nil {
		return nil
	}
	if ch.Reference != "" {
		a.Reference = ch.Reference
	}
	if ch.Session != "" {
		a.Session = ch.Session
	}
	if ch.RedirectURL != "" {
		a.RedirectURL = ch.RedirectURL
	}
	if ch.GatewayStatus != "" {
		a.GatewayStatus = ch.GatewayStatus
	}
	if ch.Method != "" && ch.Method.Valid() {
		a.Method = ch.Method
	}
	if ch.VirtualAccount != nil {
		a.VirtualAccount = cloneVA(ch.VirtualAccount)
	}
	if !ch.DepositSecret.IsZero() {
		a.DepositSecret = ch.DepositSecret
	}
	next := ch.Status
	if next == StatusPartiallyRefunded || next == StatusRefunded {
		// Refunds are the service's to record; the money was taken.
		next = StatusPaid
	}
	if next.Paid() && ch.Amount != 0 && (ch.Amount != p.Amount || (ch.Currency != "" && ch.Currency != p.Currency)) {
		s.log.Error("payments: gateway reports a paid amount that differs from the order",
			"order", p.OrderNumber, "attempt", a.Number, "gateway", a.Gateway)
		a.Failure = &Failure{Code: string(CodeAmountMismatch), Message: "the gateway charged an amount other than the order's"}
		p.syncLatest()
		return errorf(CodeAmountMismatch, "the gateway's amount or currency differs from the order's")
	}
	if next == StatusWaitingForDeposit && a.VirtualAccount != nil && !a.VirtualAccount.DueDate.IsZero() &&
		s.now().After(a.VirtualAccount.DueDate) {
		next = StatusExpired
	}
	if next == StatusFailed || next == StatusCanceled || next == StatusExpired {
		if ch.Failure != nil {
			a.Failure = cloneFailure(ch.Failure)
		}
	}
	if next.Paid() && !ch.PaidAt.IsZero() && a.PaidAt.IsZero() {
		a.PaidAt = ch.PaidAt
	}
	if next != "" && next != a.Status {
		if a.Status.Paid() {
			// Already paid here; only refunds move it further.
		} else if !a.Status.CanTransitionTo(next) {
			s.log.Warn("payments: ignored a backward status change", "order", p.OrderNumber,
				"attempt", a.Number, "from", a.Status, "to", next)
		} else {
			s.setStatus(p, a, next)
		}
	}
	p.syncLatest()
	return nil
}

// setStatus moves attempt a to next and keeps p's summary in step.
func (s *Service) setStatus(p *Payment, a *Attempt, next Status) {
	now := s.now()
	a.Status, a.UpdatedAt = next, now
	if next == StatusPaid && a.PaidAt.IsZero() {
		a.PaidAt = now
	}
	if next == StatusPaid || next == StatusProcessing {
		a.Failure = nil
	}
	p.syncLatest()
}

// FailRequest reports that the customer abandoned or failed an attempt at
// the gateway's page (Toss's fail redirect).
type FailRequest struct {
	OrderNumber    string
	GatewayOrderID string
	// Code and Message are the gateway's.
	Code    string
	Message string
	// Canceled reports that the customer canceled (the attempt becomes
	// canceled rather than failed).
	Canceled bool
}

// Fail records the failure of a ready attempt. It never touches an
// attempt past ready (the report comes from the customer's browser and
// could be forged), so it cannot undo a payment. A new attempt may follow.
func (s *Service) Fail(ctx context.Context, req FailRequest) (*Payment, error) {
	p, n, err := s.resolve(ctx, req.OrderNumber, req.GatewayOrderID, "")
	if err != nil {
		return nil, err
	}
	return s.update(ctx, p.OrderNumber, func(p *Payment) error {
		a := p.Attempt(n)
		if a.Status != StatusReady && a.Status != StatusRequiresAction {
			return errNoChange
		}
		a.Failure = &Failure{Code: truncate(req.Code, 64), Message: truncate(req.Message, 510)}
		next := StatusFailed
		if req.Canceled {
			next = StatusCanceled
		}
		s.setStatus(p, a, next)
		return nil
	})
}

// RefreshRequest names an attempt to re-read from its gateway.
type RefreshRequest struct {
	OrderNumber    string
	GatewayOrderID string
	// Reference or Session, if given, must belong to the attempt (a Stripe
	// PaymentIntent or Checkout Session id).
	Reference string
	Session   string
}

// Refresh re-reads an attempt (the latest, or the one named) from its
// gateway and repairs the local record through the normal transitions:
// it is how a redirect back from a hosted page is verified, and how a
// payment left processing by a crash is settled. A paid status is recorded
// only if the gateway's amount and currency equal the payment's.
func (s *Service) Refresh(ctx context.Context, req RefreshRequest) (*Payment, error) {
	p, n, err := s.resolve(ctx, req.OrderNumber, req.GatewayOrderID, "")
	if err != nil {
		return nil, err
	}
	if req.Reference != "" || req.Session != "" {
		n = 0
		for i := len(p.Attempts) - 1; i >= 0; i-- {
			a := &p.Attempts[i]
			if (req.Reference != "" && a.Reference == req.Reference) || (req.Session != "" && a.Session == req.Session) {
				n = a.Number
				break
			}
		}
		if n == 0 {
			return nil, errorf(CodePaymentNotFound, "no attempt of this order has that reference")
		}
	}
	return s.refreshAttempt(ctx, p, n)
}

// refreshAttempt re-reads attempt n of p from its gateway and records
// what the gateway reports. p is the caller's own copy of the payment as
// stored; the caller must not use it afterwards, only what is returned.
func (s *Service) refreshAttempt(ctx context.Context, p *Payment, n int) (*Payment, error) {
	a := p.Attempt(n)
	gw := s.gateways[a.Gateway]
	if gw == nil {
		return p, errorf(CodeInvalidState, fmt.Sprintf("gateway %q is not configured", a.Gateway))
	}
	if a.Reference == "" && a.Session == "" && a.GatewayOrderID == "" {
		return p, nil
	}
	ch, err := gw.Lookup(ctx, lookupParams(p, a))
	if err != nil {
		if Code(err) == CodePaymentNotFound && a.Status == StatusReady {
			// The customer never reached the gateway; nothing to repair.
			return p, nil
		}
		return p, err
	}
	return s.recordChargeFrom(ctx, p, p.OrderNumber, n, ch)
}

func lookupParams(p *Payment, a *Attempt) *LookupParams {
	return &LookupParams{OrderNumber: p.OrderNumber, GatewayOrderID: a.GatewayOrderID, Reference: a.Reference, Session: a.Session}
}

// RefundRequest asks for money back.
type RefundRequest struct {
	OrderNumber string
	// Amount to refund; zero means the whole refundable balance.
	Amount Amount
	// Reason is required (at most 200 characters) and kept with the
	// refund and at the gateway.
	Reason string
	// IdempotencyKey, if set, makes the request repeatable: the same key
	// with the same amount, reason and account returns the first refund;
	// with different ones, [ErrIdempotencyKeyReused].
	IdempotencyKey string
	// ReceiveAccount is where a deposited Toss virtual-account payment is
	// refunded.
	ReceiveAccount *BankAccount
}

// Refund returns money from a paid payment. The refund is stored as
// pending, holding its amount against the balance, before the gateway is
// called, with its id as the gateway's idempotency key; so concurrent
// refunds never exceed the refundable balance, and a crash or timeout
// leaves a pending refund that [Service.Reconcile] completes exactly once.
// A refund above the refundable balance returns [ErrRefundExceedsBalance]
// and changes nothing.
func (s *Service) Refund(ctx context.Context, req RefundRequest) (*Payment, *Refund, error) {
	reason := strings.TrimSpace(req.Reason)
	switch {
	case req.Amount < 0:
		return nil, nil, errorf(CodeInvalidRequest, "amount must be positive")
	case reason == "":
		return nil, nil, errorf(CodeInvalidRequest, "reason is required")
	case utf8.RuneCountInString(reason) > 200:
		return nil, nil, errorf(CodeInvalidRequest, "reason is longer than 200 characters")
	case len(req.IdempotencyKey) > 255:
		return nil, nil, errorf(CodeInvalidRequest, "idempotency key is longer than 255 characters")
	}
	if _, err := s.Payment(ctx, req.OrderNumber); err != nil {
		return nil, nil, err
	}
	id := "rf_" + randomHex(12)
	if req.IdempotencyKey != "" {
		id = "rf_" + hash(s.keyPrefix, req.OrderNumber, req.IdempotencyKey)[:24]
	}
	acct := ""
	if ra := req.ReceiveAccount; ra != nil {
		acct = ra.Bank + "/" + ra.AccountNumber + "/" + ra.HolderName
	}
	fingerprint := hash(strconv.FormatInt(int64(req.Amount), 10), reason, acct)[:16]
	p, err := s.update(ctx, req.OrderNumber, func(p *Payment) error {
		if r := p.Refund(id); r != nil {
			if r.RequestHash != fingerprint {
				return errorf(CodeIdempotencyKeyReused, "the idempotency key was used with another request")
			}
			return errNoChange
		}
		paid := p.PaidAttempt()
		if paid == nil {
			return errorf(CodeInvalidState, "the payment is not paid ("+string(p.Status)+")")
		}
		left := p.Refundable()
		amount := req.Amount
		if amount == 0 {
			amount = left
		}
		if amount == 0 || amount > left {
			return errorf(CodeRefundExceedsBalance, fmt.Sprintf("refund of %s exceeds the refundable balance of %s",
				p.Currency.Format(amount), p.Currency.Format(left)))
		}
		now := s.now()
		p.Refunds = append(p.Refunds, Refund{
			ID: id, Amount: amount, Reason: reason, Status: RefundPending, Attempt: paid.Number,
			ReceiveAccount: cloneBank(req.ReceiveAccount), RequestHash: fingerprint, CreatedAt: now, UpdatedAt: now,
		})
		return nil
	})
	if err != nil {
		return p, nil, err
	}
	return s.driveRefund(ctx, p, id)
}

// driveRefund sends a pending refund to the gateway and records the
// answer.
func (s *Service) driveRefund(ctx context.Context, p *Payment, id string) (*Payment, *Refund, error) {
	r := p.Refund(id)
	if r.Status != RefundPending {
		rc := *r
		var err error
		if r.Status == RefundFailed {
			err = refundError(r)
		}
		return p, &rc, err
	}
	a := p.Attempt(r.Attempt)
	gw := s.gateways[a.Gateway]
	if gw == nil {
		return p, nil, errorf(CodeInvalidState, fmt.Sprintf("gateway %q is not configured", a.Gateway))
	}
	res, gerr := gw.Refund(ctx, &RefundParams{
		IdempotencyKey: r.ID,
		OrderNumber:    p.OrderNumber,
		GatewayOrderID: a.GatewayOrderID,
		Reference:      a.Reference,
		Amount:         r.Amount,
		Currency:       p.Currency,
		Full:           r.Amount == p.Amount-p.RefundedAmount,
		Reason:         r.Reason,
		ReceiveAccount: cloneBank(r.ReceiveAccount),
	})
	if gerr != nil && !definitive(gerr) {
		s.log.WarnContext(ctx, "payments: refund outcome unknown; left pending for reconciliation",
			"order", p.OrderNumber, "refund", id, "code", Code(gerr))
		return p, copyRefund(p.Refund(id)), gerr
	}
	p, err := s.update(ctx, p.OrderNumber, func(p *Payment) error {
		r := p.Refund(id)
		if r.Status != RefundPending {
			return errNoChange
		}
		now := s.now()
		r.UpdatedAt = now
		switch {
		case gerr != nil:
			r.Status = RefundFailed
			r.Failure = failureOf(gerr)
		case res.Status == RefundFailed:
			r.Status, r.Failure, r.GatewayReference = RefundFailed, cloneFailure(res.Failure), res.Reference
		case res.Status == RefundPending:
			r.GatewayReference = res.Reference
		default:
			r.Status, r.GatewayReference = RefundSucceeded, res.Reference
			p.RefundedAmount += r.Amount
			a := p.Attempt(r.Attempt)
			next := StatusPartiallyRefunded
			if p.RefundedAmount >= p.Amount {
				next = StatusRefunded
			}
			s.setStatus(p, a, next)
		}
		return nil
	})
	if err != nil {
		return p, nil, err
	}
	r = p.Refund(id)
	if gerr != nil {
		return p, copyRefund(r), gerr
	}
	if r.Status == RefundFailed {
		return p, copyRefund(r), refundError(r)
	}
	return p, copyRefund(r), nil
}

// recordCharge folds the gateway's view ch of attempt n into the stored
// payment. The payment is returned with every error but a failed read of
// the store (after a failed write, as it was before the update).
func (s *Service) recordCharge(ctx context.Context, order string, n int, ch *Charge) (*Payment, error) {
	return s.recordChargeFrom(ctx, nil, order, n, ch)
}

// recordChargeFrom is recordCharge starting the update from cur, as
// updateFrom does.
func (s *Service) recordChargeFrom(ctx context.Context, cur *Payment, order string, n int, ch *Charge) (*Payment, error) {
	var applyErr error
	p, err := s.updateFrom(ctx, cur, order, func(p *Payment) error {
		applyErr = s.applyCharge(p, p.Attempt(n), ch)
		return nil
	})
	if err != nil {
		return p, err
	}
	return p, applyErr
}

// pendingRefunds lists the ids of p's pending refunds.
func pendingRefunds(p *Payment) []string {
	var ids []string
	for i := range p.Refunds {
		if p.Refunds[i].Status == RefundPending {
			ids = append(ids, p.Refunds[i].ID)
		}
	}
	return ids
}

func copyRefund(r *Refund) *Refund {
	c := *r
	c.ReceiveAccount, c.Failure = cloneBank(r.ReceiveAccount), cloneFailure(r.Failure)
	return &c
}

func failureOf(err error) *Failure {
	f := &Failure{Code: string(Code(err)), Message: "the gateway refused the request"}
	var pe *Error
	if errors.As(err, &pe) {
		if pe.GatewayCode != "" {
			f.Code = pe.GatewayCode
		}
		if pe.Message != "" {
			f.Message = pe.Message
		}
	}
	return f
}

func refundError(r *Refund) error {
	e := &Error{Code: CodeGatewayError, Message: "the gateway refused the refund"}
	if r.Failure != nil {
		e.GatewayCode, e.Message = r.Failure.Code, r.Failure.Message
	}
	return e
}

// Notification is a gateway's report that something changed, from a
// webhook. The service never trusts it: it re-reads the attempt from the
// gateway and applies what the gateway says.
type Notification struct {
	Gateway string
	// EventID deduplicates deliveries; empty for none.
	EventID        string
	OrderNumber    string
	GatewayOrderID string
	Reference      string
	Session        string
	// DepositSecret, when set (a Toss deposit callback), must equal the
	// secret the gateway gave when the virtual account was issued,
	// compared in constant time, or the notification is refused with
	// [ErrInvalidSignature] and nothing changes.
	DepositSecret Secret
}

// HandleNotification applies a gateway notification. It returns the
// updated payment; [ErrPaymentNotFound] or [ErrOrderNotFound] for a
// payment this service does not know (handlers answer those with 200 so
// that the gateway stops retrying); and nil, nil for an event already
// processed.
func (s *Service) HandleNotification(ctx context.Context, nt Notification) (*Payment, error) {
	if nt.EventID != "" {
		seen, err := s.store.EventSeen(ctx, nt.Gateway, nt.EventID)
		if err != nil {
			return nil, err
		}
		if seen {
			return nil, nil
		}
	}
	p, n, err := s.resolve(ctx, nt.OrderNumber, nt.GatewayOrderID, "")
	if err != nil {
		return nil, err
	}
	if nt.Reference != "" || nt.Session != "" {
		n = 0
		for i := range p.Attempts {
			a := &p.Attempts[i]
			if a.Gateway == nt.Gateway && ((nt.Reference != "" && a.Reference == nt.Reference) || (nt.Session != "" && a.Session == nt.Session)) {
				n = a.Number
			}
		}
		if n == 0 {
			return nil, errorf(CodePaymentNotFound, "no attempt has that gateway reference")
		}
	}
	a := p.Attempt(n)
	if a.Gateway != nt.Gateway {
		return nil, errorf(CodePaymentNotFound, "the attempt belongs to another gateway")
	}
	if !nt.DepositSecret.IsZero() {
		if a.DepositSecret.IsZero() || subtle.ConstantTimeCompare([]byte(a.DepositSecret.Reveal()), []byte(nt.DepositSecret.Reveal())) != 1 {
			return nil, errorf(CodeInvalidSignature, "the deposit secret does not match")
		}
	}
	p, err = s.refreshAttempt(ctx, p, n)
	if err != nil {
		return p, err
	}
	// A notification may report a refund left pending (a refund that
	// settles later at the gateway, or one whose answer was lost): settle
	// it now, with its id as idempotency key, rather than at the next
	// reconciliation, which still covers any failure here.
	for _, id := range pendingRefunds(p) {
		np, _, err := s.driveRefund(ctx, p, id)
		if np != nil {
			p = np
		}
		if np := p.Refund(id); err != nil && np != nil && np.Status == RefundPending {
			s.log.WarnContext(ctx, "payments: pending refund not settled by the notification; left for reconciliation",
				"order", p.OrderNumber, "refund", id, "code", Code(err))
		}
	}
	if nt.EventID != "" {
		if _, err := s.store.RecordEvent(ctx, nt.Gateway, nt.EventID); err != nil {
			return p, err
		}
	}
	return p, nil
}

// ReconcileOptions bound a [Service.Reconcile] run.
type ReconcileOptions struct {
	// Limit is the most payments visited; default 100.
	Limit int
	// SettleAfter overrides [Config.SettleAfter] for this run: payments
	// changed more recently are left alone.
	SettleAfter time.Duration
}

// ReconcileReport says what a [Service.Reconcile] run did.
type ReconcileReport struct {
	// Visited counts the unsettled payments examined.
	Visited int
	// Changes lists what changed.
	Changes []Change
	// Errors lists payments that could not be settled this time; they
	// stay unsettled for the next run.
	Errors []ReconcileError
}

// Change is one payment changed by reconciliation.
type Change struct {
	OrderNumber string
	From, To    Status
	// Refunds lists refunds that left pending.
	Refunds []string
}

// ReconcileError is a payment that reconciliation could not settle.
type ReconcileError struct {
	OrderNumber string
	Err         error
}

// Reconcile settles what requests left unsettled: attempts stuck in
// processing (confirmed again with the same idempotency key, so the
// gateway takes the money at most once), requires_action and
// waiting_for_deposit attempts (re-read; a virtual account past its due
// date becomes expired), and pending refunds (sent again with their id as
// idempotency key). Run it periodically; several replicas may run it at
// once, since every change goes through compare-and-set and every gateway
// call repeats an idempotency key.
func (s *Service) Reconcile(ctx context.Context, opts *ReconcileOptions) (*ReconcileReport, error) {
	limit, settle := 100, s.settleAfter
	if opts != nil && opts.Limit > 0 {
		limit = opts.Limit
	}
	if opts != nil && opts.SettleAfter > 0 {
		settle = opts.SettleAfter
	}
	list, err := s.store.Unsettled(ctx, s.now().Add(-settle), limit)
	if err != nil {
		return nil, err
	}
	rep := &ReconcileReport{}
	for _, p := range list {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		rep.Visited++
		after, err := s.settle(ctx, p)
		if err != nil {
			rep.Errors = append(rep.Errors, ReconcileError{OrderNumber: p.OrderNumber, Err: err})
		}
		if after == nil {
			continue
		}
		ch := Change{OrderNumber: p.OrderNumber, From: p.Status, To: after.Status}
		for _, r := range p.Refunds {
			if r.Status == RefundPending {
				if nr := after.Refund(r.ID); nr != nil && nr.Status != RefundPending {
					ch.Refunds = append(ch.Refunds, r.ID)
				}
			}
		}
		if ch.From != ch.To || len(ch.Refunds) > 0 {
			rep.Changes = append(rep.Changes, ch)
		}
	}
	return rep, nil
}

// settle brings one unsettled payment up to date with its gateway.
func (s *Service) settle(ctx context.Context, p *Payment) (*Payment, error) {
	var firstErr error
	keep := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	for i := range p.Attempts {
		a := p.Attempts[i]
		switch a.Status {
		case StatusProcessing:
			np, err := s.reconfirm(ctx, p, a.Number)
			keep(err)
			if np != nil {
				p = np
			}
		case StatusRequiresAction, StatusWaitingForDeposit:
			np, err := s.refreshAttempt(ctx, p.Clone(), a.Number)
			keep(err)
			if np != nil {
				p = np
			}
		}
	}
	for _, r := range p.Refunds {
		if r.Status != RefundPending {
			continue
		}
		cur, err := s.store.Get(ctx, p.OrderNumber)
		if err != nil {
			keep(err)
			continue
		}
		np, _, err := s.driveRefund(ctx, cur, r.ID)
		keep(err)
		if np != nil {
			p = np
		}
	}
	return p, firstErr
}

// reconfirm settles an attempt left processing: it reads the attempt from
// the gateway and, if the customer's authorisation is still waiting for
// confirmation there, confirms again with the same idempotency key.
func (s *Service) reconfirm(ctx context.Context, p *Payment, n int) (*Payment, error) {
	a := p.Attempt(n)
	gw := s.gateways[a.Gateway]
	if gw == nil {
		return p, errorf(CodeInvalidState, fmt.Sprintf("gateway %q is not configured", a.Gateway))
	}
	ch, err := gw.Lookup(ctx, lookupParams(p, a))
	if err == nil && ch.Status != StatusReady && ch.Status != StatusProcessing {
		return s.recordCharge(ctx, p.OrderNumber, n, ch)
	}
	ch, gerr := gw.Confirm(ctx, &ConfirmParams{
		IdempotencyKey: s.confirmKey(p, a),
		OrderNumber:    p.OrderNumber,
		GatewayOrderID: a.GatewayOrderID,
		Reference:      a.Reference,
		Amount:         p.Amount,
		Currency:       p.Currency,
	})
	np, err := s.settleGatewayCall(ctx, p.OrderNumber, n, ch, gerr)
	if Code(err) == CodePaymentDeclined {
		// A settled refusal is a result, not a reconciliation error.
		err = nil
	}
	return np, err
}

// errNoChange aborts an update without writing.
var errNoChange = errors.New("no change")

// update applies mutate to the stored payment of order with
// compare-and-set, reloading and reapplying on a lost race, and reports
// the events of the committed change. If mutate returns errNoChange, the
// stored payment is returned unchanged; another error aborts.
func (s *Service) update(ctx context.Context, order string, mutate func(*Payment) error) (*Payment, error) {
	return s.updateFrom(ctx, nil, order, mutate)
}

// updateFrom is update with a first try on cur, the caller's own copy of
// the payment as it was stored (nil to read it). The caller must not use
// cur afterwards. A cur that is no longer current costs a lost
// compare-and-set and a reread, as a concurrent change would.
func (s *Service) updateFrom(ctx context.Context, cur *Payment, order string, mutate func(*Payment) error) (*Payment, error) {
	return s.updateLoop(ctx, cur, order, mutate, false)
}

// claimFrom is updateFrom for a mutate that leaves the payment as it was
// whenever it returns an error (errNoChange included), by a caller that
// drops the payment when the update fails: the payment returned with
// errNoChange is then the one mutate saw, and without an OnEvent hook no
// copy is made before mutate runs. A failed write returns a nil payment.
func (s *Service) claimFrom(ctx context.Context, cur *Payment, order string, mutate func(*Payment) error) (*Payment, error) {
	return s.updateLoop(ctx, cur, order, mutate, true)
}

func (s *Service) updateLoop(ctx context.Context, cur *Payment, order string, mutate func(*Payment) error, pure bool) (*Payment, error) {
	for {
		if cur == nil {
			var err error
			if cur, err = s.store.Get(ctx, order); err != nil {
				return nil, err
			}
		}
		p, err := s.tryUpdate(ctx, cur, mutate, pure)
		if !errors.Is(err, ErrConflict) {
			return p, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cur = nil
	}
}

// tryUpdate applies mutate to cur and stores it. pure is claimFrom's
// promise about mutate and the caller.
func (s *Service) tryUpdate(ctx context.Context, cur *Payment, mutate func(*Payment) error, pure bool) (*Payment, error) {
	var before *Payment
	if !pure || s.onEvent != nil {
		before = cur.Clone()
	}
	if err := mutate(cur); err != nil {
		if before == nil {
			before = cur // unchanged, as mutate promises
		}
		if errors.Is(err, errNoChange) {
			return before, nil
		}
		return before, err
	}
	cur.UpdatedAt = s.now()
	if err := s.store.Update(ctx, cur); err != nil {
		return before, err
	}
	s.emit(ctx, before, cur)
	return cur, nil
}

// upsert is update for an order that may not have a payment yet.
func (s *Service) upsert(ctx context.Context, order Order, mutate func(*Payment) error) (*Payment, error) {
	for {
		cur, err := s.store.Get(ctx, order.Number)
		if Code(err) == CodePaymentNotFound {
			now := s.now()
			p := &Payment{
				ID: "pay_" + randomHex(12), OrderNumber: order.Number, Amount: order.Amount,
				Currency: order.Currency, CreatedAt: now, UpdatedAt: now,
			}
			if err := mutate(p); err != nil {
				return nil, err
			}
			err := s.store.Create(ctx, p)
			if err == nil {
				s.emit(ctx, nil, p)
				// p is this call's own: the store and the events keep
				// copies of it.
				return p, nil
			}
			if !errors.Is(err, ErrConflict) {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		p, err := s.tryUpdate(ctx, cur, mutate, false)
		if !errors.Is(err, ErrConflict) {
			return p, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

func (s *Service) emit(ctx context.Context, before, after *Payment) {
	if s.onEvent == nil {
		return
	}
	for _, e := range diffEvents(before, after.Clone(), s.now()) {
		s.onEvent(ctx, e)
	}
}

// startable refuses a new attempt where one may not start.
func startable(p *Payment) error {
	if p.PaidAttempt() != nil {
		return errorf(CodeAlreadyPaid, "the order is already paid")
	}
	if a := p.Latest(); a != nil {
		switch a.Status {
		case StatusProcessing:
			return errorf(CodeInvalidState, "a payment attempt for this order is being confirmed")
		case StatusWaitingForDeposit:
			return errorf(CodeInvalidState, "a virtual account for this order is waiting for its deposit")
		}
	}
	return nil
}

// newAttempt appends a ready attempt to p.
func (s *Service) newAttempt(p *Payment, gateway string, m Method) *Attempt {
	n := len(p.Attempts) + 1
	id := p.OrderNumber
	if n > 1 {
		id = fmt.Sprintf("%s-%d", p.OrderNumber, n)
	}
	now := s.now()
	p.Attempts = append(p.Attempts, Attempt{
		Number: n, Gateway: gateway, Method: m, Status: StatusReady, GatewayOrderID: id,
		CreatedAt: now, UpdatedAt: now,
	})
	p.syncLatest()
	return p.Latest()
}

// resolve finds the payment and attempt named by an order number and/or a
// gateway order id ("ORD-1" or "ORD-1-2"), an attempt of the named gateway
// only when gateway is not empty.
func (s *Service) resolve(ctx context.Context, orderNumber, gatewayOrderID, gateway string) (*Payment, int, error) {
	if orderNumber == "" && gatewayOrderID == "" {
		return nil, 0, errorf(CodeInvalidRequest, "order_number is required")
	}
	candidates := []string{orderNumber}
	if orderNumber == "" {
		candidates = []string{gatewayOrderID}
		if i := strings.LastIndexByte(gatewayOrderID, '-'); i > 0 {
			if _, err := strconv.Atoi(gatewayOrderID[i+1:]); err == nil {
				candidates = append(candidates, gatewayOrderID[:i])
			}
		}
	}
	attempt := func() string {
		if gateway == "" {
			return "payment attempt"
		}
		return gateway + " payment attempt"
	}
	var lastErr error
	for _, c := range candidates {
		p, err := s.Payment(ctx, c)
		if err != nil {
			lastErr = err
			continue
		}
		if gatewayOrderID == "" {
			if a := p.Latest(); a != nil && (gateway == "" || a.Gateway == gateway) {
				return p, a.Number, nil
			}
			return nil, 0, errorf(CodePaymentNotFound, "the order has no "+attempt())
		}
		for i := range p.Attempts {
			if a := &p.Attempts[i]; a.GatewayOrderID == gatewayOrderID && (gateway == "" || a.Gateway == gateway) {
				return p, a.Number, nil
			}
		}
		lastErr = errorf(CodePaymentNotFound, "no "+attempt()+" has that order id")
	}
	return nil, 0, lastErr
}

// key derives an idempotency key from stable facts: the operation, the
// order, the attempt and a reference. The same facts give the same key in
// every process, so a retry after a restart repeats it.
func (s *Service) key(op, order string, attempt int, ref string) string {
	return "pay-" + op + "-" + hash(s.keyPrefix, op, order, strconv.Itoa(attempt), ref)[:40]
}

func (s *Service) confirmKey(p *Payment, a *Attempt) string {
	return s.key("confirm", p.OrderNumber, a.Number, a.Reference)
}

// ConfirmKey returns the idempotency key the service sends with the
// confirm of attempt n of a payment. It is exposed for tests and for
// operators matching gateway logs.
func (s *Service) ConfirmKey(p *Payment, n int) string {
	a := p.Attempt(n)
	if a == nil {
		return ""
	}
	return s.confirmKey(p, a)
}

func hash(parts ...string) string {
	// The SHA-256 of "<len>:<part>" for each part in turn, hashed in one
	// go from a buffer on the stack for the usual short parts.
	var buf [256]byte
	b := buf[:0]
	for _, p := range parts {
		b = strconv.AppendInt(b, int64(len(p)), 10)
		b = append(b, ':')
		b = append(b, p...)
	}
	sum := sha256.Sum256(b)
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
