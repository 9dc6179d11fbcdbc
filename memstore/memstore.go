// Package memstore is the in-memory [payments.Store]: goroutine-safe, for
// one process. It is the default for examples and tests; applications with
// several replicas use package sqlstore instead.
//
// Payments and events are stored as deep copies, so callers never share
// memory with the store, exactly as with a database. Delivered events and
// webhook records stay in memory until [Store.PruneEvents] deletes them,
// as [payments.Service.Run] does once they are older than its retention;
// of a delivered event only its id and delivery time are kept, since
// nothing reads it again.
package memstore

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/payments-go/payments"
)

// Store is an in-memory [payments.Store]. The zero value is not usable;
// call [New].
type Store struct {
	mu       sync.Mutex
	payments map[string]*payments.Payment
	webhooks map[string]time.Time // by gateway NUL event id: when recorded
	// events holds the events not yet delivered, pending or dead, by id.
	events map[string]*entry
	// delivered holds, by id, when each delivered event was delivered
	// (Unix nanoseconds): a plain number per event, where an entry would
	// keep a dozen pointers for the garbage collector to trace in a store
	// that holds every event a run made until they are pruned.
	delivered map[string]int64
	// pending holds, by order number, the events neither delivered nor
	// dead, in Seq order.
	pending map[string][]*entry
	// methods holds the saved payment methods (methods.go).
	methods methodData
}

// entry is an event in the outbox.
type entry struct {
	ev        payments.Event // a copy owned by the store
	due       time.Time
	tries     int
	heldUntil time.Time
	token     string
	lastError string
	deadAt    time.Time
	// stream is the key of the pending list the event waits in: its
	// payment's order number, or payments.MethodStream of its method.
	stream string
}

func (e *entry) isPending() bool { return e.deadAt.IsZero() }

// New returns an empty store.
func New() *Store {
	return &Store{
		payments:  make(map[string]*payments.Payment),
		webhooks:  make(map[string]time.Time),
		events:    make(map[string]*entry),
		delivered: make(map[string]int64),
		pending:   make(map[string][]*entry),
	}
}

var _ payments.Store = (*Store)(nil)

// Create implements [payments.Store].
func (s *Store) Create(ctx context.Context, p *payments.Payment, events []payments.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.OrderNumber == "" {
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: "memstore: payment without order number"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.payments[p.OrderNumber]; ok {
		return payments.ErrConflict
	}
	if err := s.checkEvents(events); err != nil {
		return err
	}
	s.addEvents(p, events)
	p.Version = 1
	s.payments[p.OrderNumber] = p.Clone()
	return nil
}

// Get implements [payments.Store].
func (s *Store) Get(ctx context.Context, orderNumber string) (*payments.Payment, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.payments[orderNumber]
	if !ok {
		return nil, &payments.Error{Code: payments.CodePaymentNotFound, Message: "no payment for order " + strconv.Quote(orderNumber)}
	}
	return p.Clone(), nil
}

// Update implements [payments.Store].
func (s *Store) Update(ctx context.Context, p *payments.Payment, events []payments.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.payments[p.OrderNumber]
	if !ok {
		return &payments.Error{Code: payments.CodePaymentNotFound, Message: "no payment for order " + strconv.Quote(p.OrderNumber)}
	}
	if cur.Version != p.Version {
		return payments.ErrConflict
	}
	if err := s.checkEvents(events); err != nil {
		return err
	}
	s.addEvents(p, events)
	p.Version++
	s.payments[p.OrderNumber] = p.Clone()
	return nil
}

// checkEvents refuses events whose ids are already stored or repeated.
func (s *Store) checkEvents(events []payments.Event) error {
	seen := make(map[string]bool, len(events))
	for _, e := range events {
		if s.stored(e.ID) || seen[e.ID] || e.ID == "" {
			return &payments.Error{Code: payments.CodeInvalidRequest, Message: "memstore: event id " + strconv.Quote(e.ID) + " is empty or already stored"}
		}
		seen[e.ID] = true
	}
	return nil
}

// stored reports whether an event with the id is stored.
func (s *Store) stored(id string) bool {
	if _, ok := s.events[id]; ok {
		return true
	}
	_, ok := s.delivered[id]
	return ok
}

// addEvents stores the events of the change that is storing p. They share
// one copy of their Payment, the same for every event of the change:
// events leave the store as copies, so it is never changed, and a change
// that made three events holds the payment once, not three times.
func (s *Store) addEvents(p *payments.Payment, events []payments.Event) {
	copies := map[*payments.Payment]*payments.Payment{}
	for _, e := range events {
		shared, ok := copies[e.Payment]
		if !ok {
			shared = e.Payment.Clone()
			copies[e.Payment] = shared
		}
		ev := e
		ev.OrderNumber, ev.Payment, ev.Refund = p.OrderNumber, shared, nil
		if e.Refund != nil {
			ev.Refund = e.Clone().Refund
		}
		en := &entry{ev: ev, due: e.At, stream: p.OrderNumber}
		s.events[e.ID] = en
		s.insertPending(en)
	}
}

// insertPending puts e into its payment's pending list, in Seq order.
func (s *Store) insertPending(e *entry) {
	list := s.pending[e.stream]
	i := sort.Search(len(list), func(i int) bool { return list[i].ev.Seq > e.ev.Seq })
	s.pending[e.stream] = slices.Insert(list, i, e)
}

// dropPending takes e, no longer pending, out of its payment's list.
func (s *Store) dropPending(e *entry) {
	list := slices.DeleteFunc(s.pending[e.stream], func(x *entry) bool { return x == e })
	if len(list) == 0 {
		delete(s.pending, e.stream)
		return
	}
	s.pending[e.stream] = list
}

// Unsettled implements [payments.Store]. It scans every payment, which is
// fine for the sizes an in-memory store holds.
func (s *Store) Unsettled(ctx context.Context, before time.Time, limit int) ([]*payments.Payment, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	var out []*payments.Payment
	for _, p := range s.payments {
		if p.Unsettled() && p.UpdatedAt.Before(before) {
			out = append(out, p.Clone())
		}
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].UpdatedAt.Equal(out[j].UpdatedAt) {
			return out[i].UpdatedAt.Before(out[j].UpdatedAt)
		}
		return out[i].OrderNumber < out[j].OrderNumber
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// ClaimEvents implements [payments.Store]. It looks at the first pending
// event of every payment that has one, and keeps the limit earliest due
// as it goes rather than sorting them all: the store's lock is held
// throughout, and with many payments in flight a claim ran more often
// than anything else under it. The events are copied for the caller
// after the lock is released: a stored event is never changed.
func (s *Store) ClaimEvents(ctx context.Context, now time.Time, lease time.Duration, limit int, token string) ([]payments.ClaimedEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	var due []*entry // in claim order; with a limit, at most limit of them
	for _, list := range s.pending {
		e := list[0]
		if e.due.After(now) || e.heldUntil.After(now) {
			continue
		}
		if limit <= 0 {
			due = append(due, e)
			continue
		}
		if len(due) == limit {
			if !claimsBefore(e, due[limit-1]) {
				continue
			}
			due = due[:limit-1]
		}
		i := sort.Search(len(due), func(i int) bool { return claimsBefore(e, due[i]) })
		due = slices.Insert(due, i, e)
	}
	if limit <= 0 {
		sort.Slice(due, func(i, j int) bool { return claimsBefore(due[i], due[j]) })
	}
	out := make([]payments.ClaimedEvent, len(due))
	for i, e := range due {
		e.tries++
		e.heldUntil, e.token = now.Add(lease), token
		out[i] = payments.ClaimedEvent{Event: e.ev, Tries: e.tries}
	}
	s.mu.Unlock()
	for i := range out {
		out[i].Event = out[i].Event.Clone()
	}
	return out, nil
}

// claimsBefore reports whether a is claimed before b: earlier due first,
// then by stream and Seq.
func claimsBefore(a, b *entry) bool {
	if !a.due.Equal(b.due) {
		return a.due.Before(b.due)
	}
	if a.stream != b.stream {
		return a.stream < b.stream
	}
	return a.ev.Seq < b.ev.Seq
}

// held returns the pending event id held under token, or ErrConflict.
func (s *Store) held(id, token string) (*entry, error) {
	e := s.events[id]
	if e == nil || !e.isPending() || e.token == "" || e.token != token {
		return nil, payments.ErrConflict
	}
	return e, nil
}

// AckEvent implements [payments.Store].
func (s *Store) AckEvent(ctx context.Context, id, token string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.held(id, token)
	if err != nil {
		return err
	}
	s.dropPending(e)
	// A delivered event is never read again, only pruned.
	delete(s.events, id)
	s.delivered[id] = at.UnixNano()
	return nil
}

// NackEvent implements [payments.Store].
func (s *Store) NackEvent(ctx context.Context, id, token string, at time.Time, dead bool, reason string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.held(id, token)
	if err != nil {
		return err
	}
	e.heldUntil, e.token, e.lastError = time.Time{}, "", reason
	if dead {
		e.deadAt = at
		s.dropPending(e)
	} else {
		e.due = at
	}
	return nil
}

// DeadEvents implements [payments.Store].
func (s *Store) DeadEvents(ctx context.Context, limit int) ([]payments.DeadEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var dead []*entry
	for _, e := range s.events {
		if !e.deadAt.IsZero() {
			dead = append(dead, e)
		}
	}
	sort.Slice(dead, func(i, j int) bool {
		if !dead[i].deadAt.Equal(dead[j].deadAt) {
			return dead[i].deadAt.Before(dead[j].deadAt)
		}
		return dead[i].ev.ID < dead[j].ev.ID
	})
	if limit > 0 && len(dead) > limit {
		dead = dead[:limit]
	}
	out := make([]payments.DeadEvent, len(dead))
	for i, e := range dead {
		out[i] = payments.DeadEvent{Event: e.ev.Clone(), Tries: e.tries, LastError: e.lastError, DiedAt: e.deadAt}
	}
	return out, nil
}

// RequeueEvent implements [payments.Store].
func (s *Store) RequeueEvent(ctx context.Context, id string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.events[id]
	switch {
	case e == nil && s.stored(id):
		return &payments.Error{Code: payments.CodeInvalidState, Message: "memstore: event " + strconv.Quote(id) + " is not dead"}
	case e == nil:
		return &payments.Error{Code: payments.CodeEventNotFound, Message: "memstore: no event " + strconv.Quote(id)}
	case e.deadAt.IsZero():
		return &payments.Error{Code: payments.CodeInvalidState, Message: "memstore: event " + strconv.Quote(id) + " is not dead"}
	}
	e.deadAt, e.tries, e.due, e.lastError = time.Time{}, 0, at, ""
	s.insertPending(e)
	return nil
}

// PruneEvents implements [payments.Store].
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	cut := before.UnixNano()
	for id, at := range s.delivered {
		if at < cut {
			delete(s.delivered, id)
			n++
		}
	}
	for k, at := range s.webhooks {
		if at.Before(before) {
			delete(s.webhooks, k)
			n++
		}
	}
	return n, nil
}

// RecordWebhook implements [payments.Store].
func (s *Store) RecordWebhook(ctx context.Context, gateway, eventID string, at time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := gateway + "\x00" + eventID
	if _, ok := s.webhooks[k]; ok {
		return false, nil
	}
	s.webhooks[k] = at
	return true, nil
}

// WebhookSeen implements [payments.Store].
func (s *Store) WebhookSeen(ctx context.Context, gateway, eventID string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.webhooks[gateway+"\x00"+eventID]
	return ok, nil
}
