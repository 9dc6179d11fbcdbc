package payments

import (
	"context"
	"errors"
)

// errNoChange, returned by the mutate function of an update, ends the
// update without a write.
var errNoChange = errors.New("no change")

// update changes a stored payment with compare-and-set. cur is the payment
// as the caller read it from the store, and is never modified: mutate
// changes a copy of it, which is written with [Store.Update]. When another
// writer changed the payment first, update reads it again and applies
// mutate to a copy of that, until a write succeeds; mutate may therefore
// run more than once, each time on the payment as stored, and must derive
// every change from the payment it is given.
//
// The events of the change are stored with it, in the same write, and
// wake [Service.Run]'s delivery. On success update returns the payment as
// written. When mutate returns errNoChange,
// nothing is written and update returns the payment mutate saw and a nil
// error. When mutate returns another error, or the write fails, update
// returns that payment, unchanged, and the error. When reading the payment
// again fails, or ctx ends after a lost race, it returns a nil payment.
func (s *Service) update(ctx context.Context, cur *Payment, mutate func(*Payment) error) (*Payment, error) {
	for {
		next := cur.Clone()
		if err := mutate(next); err != nil {
			if errors.Is(err, errNoChange) {
				return cur, nil
			}
			return cur, err
		}
		next.UpdatedAt = s.now()
		evs := changeEvents(cur, next, next.Version+1)
		err := s.store.Update(ctx, next, evs)
		if err == nil {
			s.stored(ctx, evs)
			s.trace.traceCaptures(ctx, cur, next)
			return next, nil
		}
		if !errors.Is(err, ErrConflict) {
			return cur, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if cur, err = s.store.Get(ctx, cur.OrderNumber); err != nil {
			return nil, err
		}
	}
}

// upsert is update for an order that may have no payment yet: mutate
// fills a new payment, which is created in the store; only when a payment
// for the order exists already (Create reports a conflict) is it read and
// updated instead. A first attempt, the common case, thus costs one store
// operation, and a later one three (the refused Create, a read, the
// update).
func (s *Service) upsert(ctx context.Context, order Order, mutate func(*Payment) error) (*Payment, error) {
	for {
		now := s.now()
		p := &Payment{
			ID: "pay_" + randomHex(12), OrderNumber: order.Number, Amount: order.Amount,
			Currency: order.Currency, CreatedAt: now, UpdatedAt: now,
		}
		if err := mutate(p); err != nil {
			return nil, err
		}
		evs := changeEvents(nil, p, 1)
		err := s.store.Create(ctx, p, evs)
		if err == nil {
			s.stored(ctx, evs)
			return p, nil
		}
		if !errors.Is(err, ErrConflict) {
			return nil, err
		}
		cur, err := s.store.Get(ctx, order.Number)
		if err == nil {
			return s.update(ctx, cur, mutate)
		}
		if Code(err) != CodePaymentNotFound {
			return nil, err
		}
	}
}

// stored follows a write that stored evs: it wakes [Service.Run]'s
// delivery and tells the trace.
func (s *Service) stored(ctx context.Context, evs []Event) {
	if len(evs) == 0 {
		return
	}
	s.wakeDelivery()
	if t := s.trace; t != nil && t.Changed != nil {
		for _, e := range evs {
			t.Changed(ctx, e)
		}
	}
}
