// Package memstore is the in-memory [payments.Store]: goroutine-safe, for
// one process. It is the default for examples and tests; applications with
// several replicas use package sqlstore instead.
//
// Payments are stored as deep copies, so callers never share memory with
// the store, exactly as with a database.
package memstore

import (
	"context"
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
	events   map[string]bool
}

// New returns an empty store.
func New() *Store {
	return &Store{payments: make(map[string]*payments.Payment), events: make(map[string]bool)}
}

var _ payments.Store = (*Store)(nil)

// Create implements [payments.Store].
func (s *Store) Create(ctx context.Context, p *payments.Payment) error {
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
func (s *Store) Update(ctx context.Context, p *payments.Payment) error {
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
	p.Version++
	s.payments[p.OrderNumber] = p.Clone()
	return nil
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

// RecordEvent implements [payments.Store].
func (s *Store) RecordEvent(ctx context.Context, gateway, eventID string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := gateway + "\x00" + eventID
	if s.events[k] {
		return false, nil
	}
	s.events[k] = true
	return true, nil
}

// EventSeen implements [payments.Store].
func (s *Store) EventSeen(ctx context.Context, gateway, eventID string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.events[gateway+"\x00"+eventID], nil
}
