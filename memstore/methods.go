package memstore

import (
	"context"
	"sort"
	"strconv"

	"github.com/payments-go/payments"
)

var _ payments.MethodStore = (*Store)(nil)

// methodData is the part of the store that keeps saved payment methods.
type methodData struct {
	byID      map[string]*payments.PaymentMethod
	customers map[string]*payments.GatewayCustomer // by gateway NUL customer id
	setups    map[string]*payments.MethodSetup
}

func (s *Store) methodsLocked() *methodData {
	if s.methods.byID == nil {
		s.methods = methodData{
			byID:      make(map[string]*payments.PaymentMethod),
			customers: make(map[string]*payments.GatewayCustomer),
			setups:    make(map[string]*payments.MethodSetup),
		}
	}
	return &s.methods
}

func methodNotFound(id string) error {
	return &payments.Error{Code: payments.CodeMethodNotFound, Message: "memstore: no payment method " + strconv.Quote(id)}
}

// CreateMethod implements [payments.MethodStore].
func (s *Store) CreateMethod(ctx context.Context, m *payments.PaymentMethod, events []payments.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if m.ID == "" {
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: "memstore: payment method without id"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	md := s.methodsLocked()
	if _, ok := md.byID[m.ID]; ok {
		return payments.ErrConflict
	}
	if err := s.checkEvents(events); err != nil {
		return err
	}
	s.addMethodEvents(m, events)
	m.Version = 1
	md.byID[m.ID] = m.Clone()
	return nil
}

// GetMethod implements [payments.MethodStore].
func (s *Store) GetMethod(ctx context.Context, id string) (*payments.PaymentMethod, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.methodsLocked().byID[id]
	if !ok {
		return nil, methodNotFound(id)
	}
	return m.Clone(), nil
}

// UpdateMethod implements [payments.MethodStore].
func (s *Store) UpdateMethod(ctx context.Context, m *payments.PaymentMethod, events []payments.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	md := s.methodsLocked()
	cur, ok := md.byID[m.ID]
	if !ok {
		return methodNotFound(m.ID)
	}
	if cur.Version != m.Version {
		return payments.ErrConflict
	}
	if err := s.checkEvents(events); err != nil {
		return err
	}
	s.addMethodEvents(m, events)
	m.Version++
	md.byID[m.ID] = m.Clone()
	return nil
}

// addMethodEvents stores the events of a change of m, in m's own stream.
func (s *Store) addMethodEvents(m *payments.PaymentMethod, events []payments.Event) {
	for _, e := range events {
		ev := e.Clone()
		ev.OrderNumber, ev.Payment = "", nil
		en := &entry{ev: ev, due: e.At, stream: payments.MethodStream(m.ID)}
		s.events[e.ID] = en
		s.insertPending(en)
	}
}

// ListMethods implements [payments.MethodStore].
func (s *Store) ListMethods(ctx context.Context, customerID string) ([]*payments.PaymentMethod, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	var out []*payments.PaymentMethod
	for _, m := range s.methodsLocked().byID {
		if m.CustomerID == customerID {
			out = append(out, m.Clone())
		}
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// MethodByToken implements [payments.MethodStore].
func (s *Store) MethodByToken(ctx context.Context, gateway string, token payments.Secret) (*payments.PaymentMethod, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.methodsLocked().byID {
		if m.Gateway == gateway && m.Token == token && !token.IsZero() {
			return m.Clone(), nil
		}
	}
	return nil, &payments.Error{Code: payments.CodeMethodNotFound, Message: "memstore: no payment method has that token"}
}

// PutCustomer implements [payments.MethodStore].
func (s *Store) PutCustomer(ctx context.Context, c *payments.GatewayCustomer) (*payments.GatewayCustomer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	md := s.methodsLocked()
	k := c.Gateway + "\x00" + c.CustomerID
	if cur, ok := md.customers[k]; ok {
		cp := *cur
		return &cp, nil
	}
	cp := *c
	md.customers[k] = &cp
	out := cp
	return &out, nil
}

// GetCustomer implements [payments.MethodStore].
func (s *Store) GetCustomer(ctx context.Context, gateway, customerID string) (*payments.GatewayCustomer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.methodsLocked().customers[gateway+"\x00"+customerID]
	if !ok {
		return nil, nil
	}
	cp := *c
	return &cp, nil
}

// PutSetup implements [payments.MethodStore].
func (s *Store) PutSetup(ctx context.Context, st *payments.MethodSetup) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := *st
	s.methodsLocked().setups[st.ID] = &cp
	return nil
}

// GetSetup implements [payments.MethodStore].
func (s *Store) GetSetup(ctx context.Context, id string) (*payments.MethodSetup, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.methodsLocked().setups[id]
	if !ok {
		return nil, &payments.Error{Code: payments.CodeMethodNotFound, Message: "memstore: no save in progress has that id"}
	}
	cp := *st
	return &cp, nil
}
