package payments

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// CaptureMethod says when an attempt takes the customer's money: at once
// ([CaptureAutomatic], the default) or, with [CaptureManual], only when
// the application captures it ([Service.Capture]), which lets it check
// stock or ship first while the money is held
// (https://docs.stripe.com/payments/place-a-hold-on-a-payment-method).
type CaptureMethod string

// The capture methods.
const (
	CaptureAutomatic CaptureMethod = "automatic"
	CaptureManual    CaptureMethod = "manual"
)

// CaptureStatus is the state of one [Capture].
type CaptureStatus string

// The capture statuses.
const (
	// CapturePending: recorded, and sent or about to be sent to the
	// gateway. [Service.Reconcile] sends it again, with the same
	// idempotency key, should the answer be lost.
	CapturePending   CaptureStatus = "pending"
	CaptureSucceeded CaptureStatus = "succeeded"
	// CaptureFailed: the gateway refused the capture; the attempt keeps
	// its status (authorized, or canceled when the authorisation had
	// lapsed), and a new capture may be asked for.
	CaptureFailed CaptureStatus = "failed"
)

// Capture is the capture of an authorised attempt ([StatusAuthorized]):
// recorded pending, holding its amount, before the gateway is called, so
// that concurrent or repeated captures make one gateway call.
type Capture struct {
	Amount    Amount
	Status    CaptureStatus
	Failure   *Failure
	CreatedAt time.Time
	UpdatedAt time.Time
}

func cloneCapture(c *Capture) *Capture {
	if c == nil {
		return nil
	}
	cp := *c
	cp.Failure = cloneFailure(c.Failure)
	return &cp
}

// Capturer is implemented by gateways that can authorise a payment now
// and take the money later (Stripe's manual capture,
// https://docs.stripe.com/payments/place-a-hold-on-a-payment-method). A
// gateway that has it accepts [CaptureManual] in [PrepareParams]; its
// attempts then reach [StatusAuthorized], with [Charge.AmountCapturable].
//
// The contract, checked by paymentstest.RunGatewayTests:
//   - Capture takes Amount (at most the capturable amount) of an
//     authorised attempt and releases the rest: the Charge reports paid
//     with Amount the captured amount. Called again with the same
//     IdempotencyKey, also concurrently, it captures nothing more and
//     reports the same.
//   - Capture of more than is capturable returns an error for which
//     [Code] reports [CodeCaptureExceedsAuthorized] or
//     [CodeInvalidRequest], and captures nothing.
//   - Void cancels an authorised attempt: the Charge reports canceled.
//     An attempt captured (or ended) meanwhile is reported as it is,
//     without an error.
//   - Capture or Void of an unknown reference returns an error for
//     which [Code] reports [CodePaymentNotFound].
type Capturer interface {
	Capture(ctx context.Context, p *CaptureParams) (*Charge, error)
	Void(ctx context.Context, p *CancelParams) (*Charge, error)
}

// CaptureParams asks a gateway to capture an authorised attempt.
type CaptureParams struct {
	// IdempotencyKey is derived by the Service from the order and the
	// attempt; every capture of that attempt repeats it.
	IdempotencyKey string
	OrderNumber    string
	GatewayOrderID string
	Reference      string
	// Amount to capture; the rest of the authorisation is released.
	Amount   Amount
	Currency Currency
}

// captureKey is the idempotency key of every capture of attempt a of p.
func (s *Service) captureKey(p *Payment, a *Attempt) string {
	return s.key("capture", p.OrderNumber, a.Number, a.Reference)
}

// Capture takes amount of the order's authorised payment ([StatusAuthorized])
// and releases the rest of the authorisation; zero means all that is
// capturable. It captures exactly once however often, concurrently or on
// how many replicas it is called: the capture is recorded pending, with
// its amount, by one compare-and-set before the gateway call, which
// carries an idempotency key derived from the order and the attempt; the
// callers that lose the race wait up to [Config.ConfirmWait] for its
// outcome. A crash or timeout leaves the capture pending, and
// [Service.Reconcile] sends it again with the same key.
//
// More than is capturable answers [ErrCaptureExceedsAuthorized] before any
// gateway call. A payment captured already is returned as it is; one that
// is not authorised, or whose void is in flight ([Service.Void]),
// answers [ErrInvalidState] without a gateway call. Once captured, the
// payment is paid and its Amount is the captured amount.
func (s *Service) Capture(ctx context.Context, orderNumber string, amount Amount) (*Payment, error) {
	if amount < 0 {
		return nil, errorf(CodeInvalidRequest, "amount must be positive")
	}
	p, err := s.Payment(ctx, orderNumber)
	if err != nil {
		return nil, err
	}
	var n int
	var claimed bool
	p, err = s.update(ctx, p, func(p *Payment) error {
		claimed = false // the callback runs again after a lost race
		a := p.Latest()
		if pa := p.PaidAttempt(); pa != nil {
			a = pa
		}
		if a == nil {
			return errorf(CodeInvalidState, "the order has no payment attempt")
		}
		n = a.Number
		if a.Capture != nil && a.Capture.Status != CaptureFailed {
			return errNoChange // captured, or being captured
		}
		if voidPending(a) {
			return errorf(CodeInvalidState, "a void of the payment is in flight")
		}
		if a.Status != StatusAuthorized {
			if a.Status.Paid() {
				return errorf(CodeInvalidState, "the payment was captured when it was confirmed")
			}
			return errorf(CodeInvalidState, fmt.Sprintf("the payment is not authorized (%s)", a.Status))
		}
		if _, ok := s.gateways[a.Gateway].(Capturer); !ok {
			return errorf(CodeInvalidState, fmt.Sprintf("gateway %q cannot capture", a.Gateway))
		}
		capturable := p.AmountCapturable
		if capturable <= 0 {
			capturable = p.Amount
		}
		amt := amount
		if amt == 0 {
			amt = capturable
		}
		if amt > capturable {
			return errorf(CodeCaptureExceedsAuthorized, fmt.Sprintf("a capture of %s exceeds the %s authorized",
				p.Currency.Format(amt), p.Currency.Format(capturable)))
		}
		now := s.now()
		a.Capture = &Capture{Amount: amt, Status: CapturePending, CreatedAt: now, UpdatedAt: now}
		a.UpdatedAt = now
		claimed = true
		return nil
	})
	if err != nil {
		return p, err
	}
	if !claimed {
		return s.awaitCapture(ctx, p, n)
	}
	return s.driveCapture(ctx, p, n)
}

// awaitCapture waits for another caller's capture of attempt n to finish.
func (s *Service) awaitCapture(ctx context.Context, p *Payment, n int) (*Payment, error) {
	p, err := s.awaitStored(ctx, p, func(p *Payment) bool { return capturePending(p.Attempt(n)) })
	if err != nil {
		return p, err
	}
	return p, captureOutcome(p.Attempt(n))
}

func capturePending(a *Attempt) bool {
	return a != nil && a.Capture != nil && a.Capture.Status == CapturePending
}

// captureOutcome is the error a capture caller gets for attempt a as
// stored: nil once captured (or while still pending elsewhere).
func captureOutcome(a *Attempt) error {
	if a == nil || a.Capture == nil || a.Capture.Status != CaptureFailed {
		return nil
	}
	e := &Error{Code: CodeGatewayError, Message: "the gateway refused the capture"}
	if f := a.Capture.Failure; f != nil {
		e.GatewayCode, e.Message = f.Code, f.Message
	}
	return e
}

// driveCapture sends the pending capture of attempt n of p, the payment
// as stored, to the gateway and records the answer.
func (s *Service) driveCapture(ctx context.Context, p *Payment, n int) (*Payment, error) {
	return s.drivePending(ctx, p, n, pendingOp{
		name:    "capture",
		pending: capturePending,
		outcome: captureOutcome,
		fail: func(a *Attempt, f *Failure, now time.Time) {
			a.Capture.Status, a.Capture.UpdatedAt, a.Capture.Failure = CaptureFailed, now, f
		},
		call: func(ctx context.Context, c Capturer, p *Payment, a *Attempt) (*Charge, error) {
			return c.Capture(ctx, &CaptureParams{
				IdempotencyKey: s.captureKey(p, a),
				OrderNumber:    p.OrderNumber,
				GatewayOrderID: a.GatewayOrderID,
				Reference:      a.Reference,
				Amount:         a.Capture.Amount,
				Currency:       p.Currency,
			})
		},
	})
}

// pendingOp is a capture or a void: recorded pending on an attempt, then
// sent to its gateway by [Service.drivePending].
type pendingOp struct {
	name string // "capture" or "void", the gateway call's operation
	// pending reports that the attempt's record is still pending.
	pending func(*Attempt) bool
	// outcome is the error a caller gets for the attempt as stored.
	outcome func(*Attempt) error
	// fail records the pending record failed.
	fail func(a *Attempt, f *Failure, now time.Time)
	// call is the gateway call, with the record's idempotency key.
	call func(ctx context.Context, c Capturer, p *Payment, a *Attempt) (*Charge, error)
}

// drivePending sends op, pending on attempt n of p, the payment as
// stored, to the gateway and records the answer with one compare-and-set.
// An answer that may not be final (a timeout, a lost connection) leaves
// it pending, for [Service.Reconcile] to send again with the same key.
func (s *Service) drivePending(ctx context.Context, p *Payment, n int, op pendingOp) (*Payment, error) {
	a := p.Attempt(n)
	if !op.pending(a) {
		return p, op.outcome(a)
	}
	gw, err := s.gatewayOf(a)
	if err != nil {
		return p, err
	}
	c, ok := gw.(Capturer)
	if !ok {
		return p, errorf(CodeInvalidState, fmt.Sprintf("gateway %q cannot %s", a.Gateway, op.name))
	}
	ch, gerr := traced(s, ctx, a.Gateway, op.name, p, n, func(ctx context.Context) (*Charge, error) {
		return op.call(ctx, c, p, a)
	})
	if gerr != nil && !definitive(gerr) {
		s.log.WarnContext(ctx, "payments: "+op.name+" outcome unknown; left pending for reconciliation",
			"order", p.OrderNumber, "attempt", n, "code", Code(gerr))
		return p, gerr
	}
	var applyErr error
	p, err = s.update(ctx, p, func(p *Payment) error {
		a := p.Attempt(n)
		if !op.pending(a) {
			return errNoChange
		}
		if gerr != nil {
			op.fail(a, failureOf(gerr, "the gateway refused the "+op.name), s.now())
			return nil
		}
		applyErr = s.applyCharge(p, a, ch)
		if op.pending(a) {
			// The gateway answered without doing it: for a capture, the
			// authorisation had lapsed or was voided meanwhile; for a
			// void, the authorisation is still held.
			op.fail(a, &Failure{Code: string(CodeInvalidState),
				Message: "the gateway reports the attempt " + string(a.Status) + " after the " + op.name}, s.now())
		}
		return nil
	})
	switch {
	case err != nil:
		return p, err
	case gerr != nil:
		return p, gerr
	case applyErr != nil:
		return p, applyErr
	}
	return p, op.outcome(p.Attempt(n))
}

// VoidStatus is the state of one [Void].
type VoidStatus string

// The void statuses.
const (
	// VoidPending: recorded, and sent or about to be sent to the
	// gateway. While it is pending the attempt cannot be captured;
	// [Service.Reconcile] sends it again, with the same idempotency key,
	// should the answer be lost.
	VoidPending   VoidStatus = "pending"
	VoidSucceeded VoidStatus = "succeeded"
	// VoidFailed: the gateway did not void the authorisation (it refused,
	// or the attempt was captured meanwhile); the attempt is as the
	// gateway reported it.
	VoidFailed VoidStatus = "failed"
)

// Void is the void of an authorised attempt ([StatusAuthorized]), which
// releases the money held
// (https://docs.stripe.com/api/payment_intents/cancel): recorded pending
// before the gateway is called, by the same compare-and-set that records
// a [Capture], so that an attempt is voided or captured, never both, and
// concurrent or repeated voids make one gateway call.
type Void struct {
	// Reason is the reason given to [Service.Void], sent again with the
	// same idempotency key by [Service.Reconcile].
	Reason    string
	Status    VoidStatus
	Failure   *Failure
	CreatedAt time.Time
	UpdatedAt time.Time
}

func cloneVoid(v *Void) *Void {
	if v == nil {
		return nil
	}
	cp := *v
	cp.Failure = cloneFailure(v.Failure)
	return &cp
}

// voidKey is the idempotency key of every void of attempt a of p.
func (s *Service) voidKey(p *Payment, a *Attempt) string {
	return s.key("void", p.OrderNumber, a.Number, a.Reference)
}

func voidPending(a *Attempt) bool {
	return a != nil && a.Void != nil && a.Void.Status == VoidPending
}

// Void cancels the order's authorised payment ([StatusAuthorized]) at its
// gateway, releasing the money held; the payment becomes canceled. reason
// is optional (at most 200 characters). It voids exactly once however
// often, concurrently or on how many replicas it is called: the void is
// recorded pending by one compare-and-set before the gateway call, which
// carries an idempotency key derived from the order and the attempt; the
// callers that lose the race wait up to [Config.ConfirmWait] for its
// outcome. A crash or timeout leaves the void pending, and
// [Service.Reconcile] sends it again with the same key.
//
// A void and a capture exclude each other: while one is pending the other
// answers [ErrInvalidState] without a gateway call. A payment canceled
// already is returned as it is; one that was captured, or whose capture
// is in flight, answers [ErrInvalidState] (refund it instead).
func (s *Service) Void(ctx context.Context, orderNumber, reason string) (*Payment, error) {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 200 {
		return nil, errorf(CodeInvalidRequest, "reason is longer than 200 characters")
	}
	p, err := s.Payment(ctx, orderNumber)
	if err != nil {
		return nil, err
	}
	var n int
	var claimed bool
	p, err = s.update(ctx, p, func(p *Payment) error {
		claimed = false // the callback runs again after a lost race
		if p.PaidAttempt() != nil {
			return errorf(CodeInvalidState, "the payment was captured: refund it instead")
		}
		a := p.Latest()
		if a == nil {
			return errorf(CodeInvalidState, "the order has no payment attempt")
		}
		n = a.Number
		switch {
		case a.Status == StatusCanceled, voidPending(a):
			return errNoChange // voided, or being voided
		case capturePending(a):
			return errorf(CodeInvalidState, "a capture of the payment is in flight")
		case a.Status != StatusAuthorized:
			return errorf(CodeInvalidState, fmt.Sprintf("the payment is not authorized (%s)", a.Status))
		}
		if _, ok := s.gateways[a.Gateway].(Capturer); !ok {
			return errorf(CodeInvalidState, fmt.Sprintf("gateway %q cannot void", a.Gateway))
		}
		now := s.now()
		a.Void = &Void{Reason: reason, Status: VoidPending, CreatedAt: now, UpdatedAt: now}
		a.UpdatedAt = now
		claimed = true
		return nil
	})
	if err != nil {
		return p, err
	}
	if !claimed {
		p, err = s.awaitStored(ctx, p, func(p *Payment) bool { return voidPending(p.Attempt(n)) })
		if err != nil {
			return p, err
		}
		return p, voidOutcome(p.Attempt(n))
	}
	return s.driveVoid(ctx, p, n)
}

// voidOutcome is the error a void caller gets for attempt a as stored:
// nil once voided (or while still pending elsewhere).
func voidOutcome(a *Attempt) error {
	switch {
	case a == nil || a.Status == StatusCanceled || voidPending(a):
		return nil
	case a.Status.Paid():
		return errorf(CodeInvalidState, "the payment was captured meanwhile: refund it instead")
	}
	return errorf(CodeInvalidState, fmt.Sprintf("the gateway did not void the authorization (%s)", a.Status))
}

// driveVoid sends the pending void of attempt n of p, the payment as
// stored, to the gateway and records the answer.
func (s *Service) driveVoid(ctx context.Context, p *Payment, n int) (*Payment, error) {
	return s.drivePending(ctx, p, n, pendingOp{
		name:    "void",
		pending: voidPending,
		outcome: voidOutcome,
		fail: func(a *Attempt, f *Failure, now time.Time) {
			a.Void.Status, a.Void.UpdatedAt, a.Void.Failure = VoidFailed, now, f
		},
		call: func(ctx context.Context, c Capturer, p *Payment, a *Attempt) (*Charge, error) {
			params := s.cancelParams(p, a, a.Void.Reason)
			params.IdempotencyKey = s.voidKey(p, a)
			return c.Void(ctx, params)
		},
	})
}

// settleVoid ends the pending void of attempt a once the attempt has left
// [StatusAuthorized], however the news came (the void's answer, a
// webhook, a sweep): succeeded if it is canceled, failed otherwise.
func settleVoid(a *Attempt, now time.Time) {
	switch {
	case !voidPending(a) || a.Status == StatusAuthorized:
	case a.Status == StatusCanceled:
		a.Void.Status, a.Void.UpdatedAt = VoidSucceeded, now
	default:
		a.Void.Status, a.Void.UpdatedAt = VoidFailed, now
		a.Void.Failure = &Failure{Code: string(CodeInvalidState), Message: "the attempt became " + string(a.Status) + " before the void"}
	}
}

// capturedAmount is the amount a charge that newly reports attempt a of
// p paid must show, from applyCharge: the pending capture's amount, which
// it then records as succeeded and makes the payment's Amount (the rest
// of the authorisation was released). A charge that reports paid for an
// authorised attempt without a capture of ours (the merchant captured in
// the gateway's dashboard) is recorded as a capture of what the gateway
// took, when that is more than nothing and no more than the order's
// amount. Otherwise it is the payment's Amount.
func capturedAmount(p *Payment, a *Attempt, ch *Charge, now time.Time) Amount {
	switch {
	case capturePending(a) && ch.Amount == a.Capture.Amount:
		a.Capture.Status, a.Capture.UpdatedAt = CaptureSucceeded, now
	case capturePending(a):
		return a.Capture.Amount
	case a.Status == StatusAuthorized && ch.Amount > 0 && ch.Amount <= p.Amount:
		a.Capture = &Capture{Amount: ch.Amount, Status: CaptureSucceeded, CreatedAt: now, UpdatedAt: now}
	default:
		return p.Amount
	}
	p.Amount = a.Capture.Amount
	return p.Amount
}

// manualCapture checks a requested capture method against gateway gw and
// reports whether it is manual.
func manualCapture(gw Gateway, m CaptureMethod) (bool, error) {
	switch m {
	case "", CaptureAutomatic:
		return false, nil
	case CaptureManual:
		if _, ok := gw.(Capturer); !ok {
			return false, errorf(CodeInvalidRequest, fmt.Sprintf("gateway %q has no separate capture: its payments are captured when confirmed", gw.Name()))
		}
		return true, nil
	}
	return false, errorf(CodeInvalidRequest, fmt.Sprintf("capture must be %q or %q", CaptureAutomatic, CaptureManual))
}

func captureMethod(manual bool) CaptureMethod {
	if manual {
		return CaptureManual
	}
	return ""
}
