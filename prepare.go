package payments

import (
	"context"
	"errors"
	"fmt"
)

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
	// Capture, if [CaptureManual], authorises the payment without taking
	// the money: the attempt becomes [StatusAuthorized] and waits for
	// [Service.Capture] or [Service.Void]. Only gateways that are a
	// [Capturer] take it. Empty means [CaptureAutomatic].
	Capture CaptureMethod
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
// failed, canceled or expired attempt, or one the customer abandoned, it
// starts a new attempt, with either gateway; an earlier attempt the
// customer could still pay is canceled at its gateway first ([Canceler]).
// A paid order answers [ErrAlreadyPaid]; an attempt in processing or
// waiting for a deposit answers [ErrInvalidState]. An order the gateway
// cannot charge ([OrderChecker]) is refused with [CodeInvalidRequest]
// before anything is stored.
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
	manual, err := manualCapture(gw, req.Capture)
	if err != nil {
		return nil, err
	}
	order, err := s.Order(ctx, req.OrderNumber)
	if err != nil {
		return nil, err
	}
	if req.Amount != 0 && req.Amount != order.Amount {
		return nil, errorf(CodeAmountMismatch, fmt.Sprintf("amount %d does not match the order's amount", req.Amount))
	}
	if err := checkOrder(gw, order); err != nil {
		return nil, err
	}
	same := func(a *Attempt) bool {
		return a.Gateway == req.Gateway && a.Method == req.Method && a.SuccessURL == req.SuccessURL &&
			a.FailURL == req.FailURL && a.PaymentMethod == req.PaymentMethod && a.ManualCapture == manual
	}
	prep, isPreparer := gw.(Preparer)
	canceled := 0 // the attempt this call had canceled, if any
	for tries := 0; ; tries++ {
		var n int
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
				return errSupersede
			}
			a = s.newAttempt(p, req.Gateway, req.Method)
			a.SuccessURL, a.FailURL, a.PaymentMethod = req.SuccessURL, req.FailURL, req.PaymentMethod
			a.ManualCapture = manual
			n = a.Number
			return nil
		})
		if errors.Is(err, errSupersede) {
			// p is the payment as stored, whose latest attempt is to go.
			canceled = p.Latest().Number
			if err := s.supersede(ctx, p, p.Latest()); err != nil {
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
		ch, err := traced(s, ctx, a.Gateway, "lookup", p, a.Number, func(ctx context.Context) (*Charge, error) {
			return gw.Lookup(ctx, lookupParams(p, a))
		})
		if err != nil {
			return nil, err
		}
		if ch.Status != a.Status {
			p, err = s.recordCharge(ctx, p, n, ch)
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

// prepareAt asks the gateway to prepare out's attempt and records its
// answer.
func (s *Service) prepareAt(ctx context.Context, prep Preparer, out *Prepared, req PrepareRequest) (*Prepared, error) {
	p, n := out.Payment, out.Attempt.Number
	a := p.Attempt(n)
	ch, gerr := traced(s, ctx, a.Gateway, "prepare", p, n, func(ctx context.Context) (*Charge, error) {
		return prep.Prepare(ctx, &PrepareParams{
			IdempotencyKey: s.key("prepare", p.OrderNumber, n, ""),
			Order:          out.Order,
			GatewayOrderID: a.GatewayOrderID,
			Method:         req.Method,
			SuccessURL:     req.SuccessURL,
			CancelURL:      req.FailURL,
			PaymentMethod:  req.PaymentMethod,
			Capture:        captureMethod(a.ManualCapture),
		})
	})
	p, err := s.settleGatewayCall(ctx, p, n, ch, gerr)
	if err != nil {
		return nil, err
	}
	out.Payment, out.Attempt, out.Charge = p, *p.Attempt(n), ch
	return out, nil
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
func (s *Service) supersede(ctx context.Context, p *Payment, a *Attempt) error {
	ch, err := traced(s, ctx, a.Gateway, "cancel", p, a.Number, func(ctx context.Context) (*Charge, error) {
		return s.gateways[a.Gateway].(Canceler).Cancel(ctx, s.cancelParams(p, a, ""))
	})
	if err != nil {
		s.log.WarnContext(ctx, "payments: could not cancel the attempt a new one replaces",
			"order", p.OrderNumber, "attempt", a.Number, "gateway", a.Gateway, "code", Code(err))
		return nil
	}
	_, err = s.recordCharge(ctx, p, a.Number, ch)
	return err
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
		case StatusAuthorized:
			return errorf(CodeInvalidState, "the payment for this order is authorized: capture or void it")
		}
	}
	return nil
}

// newAttempt appends a ready attempt to p. Its gateway order id is the
// order number for the first attempt and "<order number>-<n>" after that,
// so that each attempt has an order id of its own at the gateway (Toss
// looks a payment up by its orderId).
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
