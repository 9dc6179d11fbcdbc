package payments

import (
	"context"
	"strconv"
	"time"
)

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

// ReconcileError is a payment that reconciliation could not settle, and
// why. It is an error: [Code], errors.Is and errors.As see Err through it.
type ReconcileError struct {
	OrderNumber string
	Err         error
}

// Error reports the order and the cause.
func (e ReconcileError) Error() string {
	msg := "payments: order " + strconv.Quote(e.OrderNumber) + " not settled"
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e ReconcileError) Unwrap() error { return e.Err }

// Reconcile settles what requests left unsettled: attempts stuck in
// processing (confirmed again with the same idempotency key, so the
// gateway takes the money at most once), requires_action and
// waiting_for_deposit attempts (re-read; a virtual account past its due
// date becomes expired), pending captures and voids (sent again with
// their key), and pending refunds (sent again with their id as
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
			if t := s.trace; t != nil && t.Reconciled != nil {
				t.Reconciled(ctx, ch)
			}
		}
	}
	return rep, nil
}

// settle brings one unsettled payment up to date with its gateway. It
// returns the payment as stored afterwards and the first error met.
func (s *Service) settle(ctx context.Context, p *Payment) (*Payment, error) {
	var firstErr error
	keep := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	for _, a := range p.Attempts {
		var np *Payment
		var err error
		switch a.Status {
		case StatusProcessing:
			if a.SavedMethod != "" {
				np, err = s.recharge(ctx, p, a.Number)
				break
			}
			np, err = s.reconfirm(ctx, p, a.Number)
		case StatusRequiresAction, StatusWaitingForDeposit:
			np, err = s.refreshAttempt(ctx, p, a.Number)
		case StatusAuthorized:
			// A capture or void left pending is sent again with its
			// key; an authorisation is re-read, for the gateway cancels
			// one not captured in time.
			switch {
			case capturePending(&a):
				// Read again: another replica may have settled the
				// capture since the payment was listed.
				if np, err = s.store.Get(ctx, p.OrderNumber); err == nil {
					np, err = s.driveCapture(ctx, np, a.Number)
				}
			case voidPending(&a):
				// Likewise for a void left pending.
				if np, err = s.store.Get(ctx, p.OrderNumber); err == nil {
					np, err = s.driveVoid(ctx, np, a.Number)
				}
			default:
				np, err = s.refreshAttempt(ctx, p, a.Number)
			}
		default:
			continue
		}
		keep(err)
		if np != nil {
			p = np
		}
	}
	for _, r := range p.Refunds {
		if r.Status != RefundPending {
			continue
		}
		// Read again: another replica may have settled the refund since
		// the payment was listed, and a settled one needs no gateway call.
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
	if p.openDispute() {
		np, err := s.refreshDisputes(ctx, p)
		keep(err)
		if np != nil {
			p = np
		}
	}
	return p, firstErr
}

// settledAtGateway reads attempt n of p, left processing, from gw. When
// the gateway reports it past processing, it records that and reports
// done with the payment as stored; otherwise (still ready or processing
// there, or the read failed) it reports not done, with the read's error,
// and the caller repeats the gateway call with the attempt's key.
func (s *Service) settledAtGateway(ctx context.Context, gw Gateway, p *Payment, n int) (*Payment, bool, error) {
	ch, err := traced(s, ctx, p.Attempt(n).Gateway, "lookup", p, n, func(ctx context.Context) (*Charge, error) {
		return gw.Lookup(ctx, lookupParams(p, p.Attempt(n)))
	})
	if err == nil && ch.Status != StatusReady && ch.Status != StatusProcessing {
		np, err := s.recordCharge(ctx, p, n, ch)
		return np, true, err
	}
	return p, false, err
}

// reconfirm settles attempt n of p, left processing: it reads the attempt
// from the gateway and, if the customer's authorisation is still waiting
// for confirmation there, confirms again with the same idempotency key.
func (s *Service) reconfirm(ctx context.Context, p *Payment, n int) (*Payment, error) {
	a := p.Attempt(n)
	gw, err := s.gatewayOf(a)
	if err != nil {
		return p, err
	}
	if np, done, err := s.settledAtGateway(ctx, gw, p, n); done {
		return np, err
	}
	ch, gerr := traced(s, ctx, a.Gateway, "confirm", p, n, func(ctx context.Context) (*Charge, error) {
		return gw.Confirm(ctx, &ConfirmParams{
			IdempotencyKey: s.confirmKey(p, a),
			OrderNumber:    p.OrderNumber,
			GatewayOrderID: a.GatewayOrderID,
			Reference:      a.Reference,
			Amount:         p.Amount,
			Currency:       p.Currency,
		})
	})
	np, err := s.settleGatewayCall(ctx, p, n, ch, gerr)
	if Code(err) == CodePaymentDeclined {
		// A settled refusal is a result, not a reconciliation error.
		err = nil
	}
	return np, err
}
