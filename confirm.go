package payments

import (
	"context"
	"errors"
	"fmt"
	"time"
)

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
	// The attempt is claimed by moving it to processing: of concurrent
	// confirms, only the one whose write wins calls the gateway.
	var claimed bool
	p, err = s.update(ctx, p, func(p *Payment) error {
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
		if a.Session != "" {
			// The customer pays a session on the gateway's own page
			// (Stripe Checkout); it is verified, never confirmed.
			return errorf(CodeInvalidState, "the attempt is paid on the gateway's hosted page; verify it once the customer returns")
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
	gw, err := s.gatewayOf(a)
	if err != nil {
		return p, err
	}
	ch, gerr := traced(s, ctx, a.Gateway, "confirm", p, n, func(ctx context.Context) (*Charge, error) {
		return gw.Confirm(ctx, &ConfirmParams{
			IdempotencyKey: s.confirmKey(p, a),
			OrderNumber:    p.OrderNumber,
			GatewayOrderID: a.GatewayOrderID,
			Reference:      a.Reference,
			Amount:         p.Amount,
			Currency:       p.Currency,
			PaymentMethod:  req.PaymentMethod,
			ReturnURL:      req.ReturnURL,
		})
	})
	return s.settleGatewayCall(ctx, p, n, ch, gerr)
}

// awaitConfirm waits for another caller's confirm of attempt n to finish.
func (s *Service) awaitConfirm(ctx context.Context, p *Payment, n int) (*Payment, error) {
	p, err := s.awaitStored(ctx, p, func(p *Payment) bool { return p.Attempt(n).Status == StatusProcessing })
	if err != nil {
		return p, err
	}
	return p, outcome(p, n)
}

// awaitStored re-reads p from the store, backing off, while busy reports
// that another caller's gateway call for it is in flight, for at most
// [Config.ConfirmWait]. It returns the payment as last read.
func (s *Service) awaitStored(ctx context.Context, p *Payment, busy func(*Payment) bool) (*Payment, error) {
	// Real (monotonic) time, not Config.Now: a test's frozen clock must
	// not make a waiter wait forever.
	deadline := time.Now().Add(s.confirmWait)
	delay := 5 * time.Millisecond
	for busy(p) && time.Now().Before(deadline) {
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
	return p, nil
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
	return s.update(ctx, p, func(p *Payment) error {
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
	// Disputes asks for the disputes of a paid payment to be re-read too,
	// from gateways that report them ([Disputer]): one more gateway call.
	Disputes bool
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
	p, err = s.refreshAttempt(ctx, p, n)
	if err != nil || !req.Disputes {
		return p, err
	}
	return s.refreshDisputes(ctx, p)
}

// refreshAttempt re-reads attempt n of p, the payment as stored, from its
// gateway and records what the gateway reports.
func (s *Service) refreshAttempt(ctx context.Context, p *Payment, n int) (*Payment, error) {
	a := p.Attempt(n)
	gw, err := s.gatewayOf(a)
	if err != nil {
		return p, err
	}
	if a.Reference == "" && a.Session == "" && a.GatewayOrderID == "" {
		return p, nil
	}
	ch, err := traced(s, ctx, a.Gateway, "lookup", p, n, func(ctx context.Context) (*Charge, error) {
		return gw.Lookup(ctx, lookupParams(p, a))
	})
	if err != nil {
		if Code(err) == CodePaymentNotFound && a.Status == StatusReady {
			// The customer never reached the gateway; nothing to repair.
			return p, nil
		}
		return p, err
	}
	return s.recordCharge(ctx, p, n, ch)
}

func lookupParams(p *Payment, a *Attempt) *LookupParams {
	return &LookupParams{OrderNumber: p.OrderNumber, GatewayOrderID: a.GatewayOrderID, Reference: a.Reference, Session: a.Session}
}

// settleGatewayCall records the outcome of a gateway call for attempt n of
// cur, the payment as stored before the call: the charge on success; a
// failed attempt for a definitive refusal; and, when the outcome is
// unknown, what a lookup at the gateway reports, if that settles it. It
// returns the stored payment and the error for the caller.
func (s *Service) settleGatewayCall(ctx context.Context, cur *Payment, n int, ch *Charge, gerr error) (*Payment, error) {
	if gerr != nil && !definitive(gerr) {
		// The gateway may have acted. Ask it, with a short deadline of our
		// own so that a caller who hung up does not leave the record open.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		p, err := s.store.Get(lctx, cur.OrderNumber)
		if err != nil {
			return nil, gerr
		}
		a := p.Attempt(n)
		got, lerr := traced(s, lctx, a.Gateway, "lookup", p, n, func(ctx context.Context) (*Charge, error) {
			return s.gateways[a.Gateway].Lookup(ctx, lookupParams(p, a))
		})
		if lerr != nil || got.Status == StatusReady || got.Status == StatusProcessing {
			s.log.WarnContext(ctx, "payments: gateway outcome unknown; left for reconciliation",
				"order", p.OrderNumber, "attempt", n, "code", Code(gerr))
			return p, gerr
		}
		cur, ch, gerr = p, got, nil
	}
	var applyErr error
	p, err := s.update(ctx, cur, func(p *Payment) error {
		a := p.Attempt(n)
		if p.Version != cur.Version && reversal(p, a, ch) {
			// Paid by another request after the gateway answered: the
			// answer is older than what is stored (see recordCharge).
			return errNoChange
		}
		if gerr != nil {
			if a.Status.Final() {
				return errNoChange
			}
			a.Failure = failureOf(gerr, "the gateway refused the payment")
			s.setStatus(p, a, StatusFailed)
			return nil
		}
		applyErr = s.applyCharge(p, a, ch)
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

// failureOf is the [Failure] recorded for a gateway's refusal err: its
// gateway code and message where it has them, else its [ErrorCode] and
// msg.
func failureOf(err error, msg string) *Failure {
	f := &Failure{Code: string(Code(err)), Message: msg}
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

// recordCharge folds the gateway's view ch of attempt n into cur, the
// payment as stored when ch was asked for, and writes it. The payment is
// returned with every error but a failed read of the store (after a
// failed write, as it was before).
//
// When another request wrote first, ch may be older than what is stored
// now. The forward moves it brings are still safe (the transition table
// refuses backward ones), but the one backward move a gateway makes, a
// reversed deposit, is trusted only from a reading taken after the stored
// state: the attempt is then read from the gateway again.
func (s *Service) recordCharge(ctx context.Context, cur *Payment, n int, ch *Charge) (*Payment, error) {
	for reads := 1; ; reads++ {
		var applyErr error
		stale := false
		p, err := s.update(ctx, cur, func(p *Payment) error {
			a := p.Attempt(n)
			if p.Version != cur.Version && reversal(p, a, ch) {
				stale = true
				return errNoChange
			}
			applyErr = s.applyCharge(p, a, ch)
			return nil
		})
		if err != nil {
			return p, err
		}
		if !stale {
			return p, applyErr
		}
		gw, gerr := s.gatewayOf(p.Attempt(n))
		if gerr != nil || reads == maxStaleReads {
			// A reversal that is real is reported again by the gateway's
			// next notification.
			s.log.WarnContext(ctx, "payments: a reversed deposit was read before a newer change; not applied",
				"order", p.OrderNumber, "attempt", n)
			return p, nil
		}
		cur = p
		if ch, err = traced(s, ctx, p.Attempt(n).Gateway, "lookup", p, n, func(ctx context.Context) (*Charge, error) {
			return gw.Lookup(ctx, lookupParams(p, p.Attempt(n)))
		}); err != nil {
			return p, err
		}
	}
}

// maxStaleReads bounds the gateway reads of one recordCharge racing
// other writers.
const maxStaleReads = 3

// reversal reports whether ch moves attempt a of p back from paid.
func reversal(p *Payment, a *Attempt, ch *Charge) bool {
	return ch != nil && a.Status.Paid() && depositReversal(p, a, ch.Status) != ""
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
	// A paid charge matches the payment only if the gateway reports the
	// same amount and currency: a zero or unknown amount (a Stripe Checkout
	// Session with nothing to collect) or an unknown currency never
	// matches, so that a gateway that says "paid" without saying how much
	// cannot mark an order paid.
	want := p.Amount
	if next.Paid() && !a.Status.Paid() && ch.Currency == p.Currency {
		// A manually captured attempt is paid what was captured.
		want = capturedAmount(p, a, ch, s.now())
	}
	if next.Paid() && (ch.Amount != want || ch.Currency != p.Currency) {
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
			// Already paid here; only refunds move it further, and a
			// reversed deposit moves it back.
			if back := depositReversal(p, a, ch.Status); back != "" {
				s.log.Warn("payments: the gateway reversed a deposit; the order is no longer paid",
					"order", p.OrderNumber, "attempt", a.Number, "gateway", a.Gateway, "to", back)
				a.PaidAt, p.PaidAt = time.Time{}, time.Time{}
				a.Failure = &Failure{Code: "DEPOSIT_REVERSED", Message: "the gateway reversed the deposit: the money did not arrive"}
				s.setStatus(p, a, back)
			}
		} else if !a.Status.CanTransitionTo(next) {
			s.log.Warn("payments: ignored a backward status change", "order", p.OrderNumber,
				"attempt", a.Number, "from", a.Status, "to", next)
		} else {
			s.setStatus(p, a, next)
		}
	}
	if a == p.Latest() || a.Status.Paid() {
		p.AmountCapturable = 0
		if a.Status == StatusAuthorized {
			p.AmountCapturable = ch.AmountCapturable
			if p.AmountCapturable <= 0 || p.AmountCapturable > p.Amount {
				p.AmountCapturable = p.Amount
			}
		}
	}
	settleVoid(a, s.now())
	p.syncLatest()
	return nil
}

// depositReversal returns the status that paid attempt a goes back to
// when its gateway now reports gw: the one backward move of the
// transition table, a virtual-account deposit that the bank reversed
// after it was reported (Toss DONE → WAITING_FOR_DEPOSIT, or → CANCELED
// before API 1.4; https://docs.tosspayments.com/en/webhooks). It is
// taken only while nothing of the attempt is refunded or being refunded,
// since a refund shows that the money arrived. "" means no reversal.
func depositReversal(p *Payment, a *Attempt, gw Status) Status {
	if a.Status != StatusPaid || a.VirtualAccount == nil {
		return ""
	}
	for _, r := range p.Refunds {
		if r.Attempt == a.Number && r.Status != RefundFailed {
			return ""
		}
	}
	switch gw {
	case StatusWaitingForDeposit, StatusExpired:
		// The customer must deposit again; an account past its due date
		// is recorded as expired by the next reconciliation.
		return StatusWaitingForDeposit
	case StatusCanceled:
		return StatusCanceled
	}
	return ""
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
