package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/payments-go/payments"
)

// Fulfilment: the shop ships an order once its payment is paid, and
// learns that from the library's events ([payments.Config.HandleEvent]).
// The library delivers every event at least once: again after an error,
// a panic, a crash or a restart of the shop, and possibly while an
// earlier delivery's outcome was lost. So the handler is idempotent by
// event id: in one transaction of the shop's own database it records the
// event's id, and only when that id is new does it act on the event. A
// repeat is a no-op that reports success, so the library stops
// delivering it; a failure rolls everything back and returns an error, so
// the library delivers the event again later.
//
// Fulfilling here means stamping the order's fulfilled_at and counting
// the fulfilment; a real shop would also queue the parcel in the same
// transaction. An order is fulfilled at most once: the update only
// applies to an order not yet fulfilled.

// shopDB is where the shop keeps its orders and what its event handler
// did: in memory ([newMemoryDB]) or in PostgreSQL next to the payments
// ([openSQLDB]).
type shopDB interface {
	// Orders is what the library reads orders through.
	payments.Orders
	// Add stores a new order after [payments.Order.Validate]; a number
	// given twice is refused with invalid_request.
	Add(ctx context.Context, o payments.Order) error
	// View returns the order and what the event handler did for it;
	// order_not_found for an unknown number.
	View(ctx context.Context, number string) (orderRecord, error)
	// Handle applies one event, exactly once per event id.
	Handle(ctx context.Context, e payments.Event) (handled, error)
}

// orderRecord is an order and what the event handler did for it.
type orderRecord struct {
	Order payments.Order
	// FulfilledAt is when the order was fulfilled; nil until then.
	FulfilledAt *time.Time
	// Fulfillments counts the fulfilments: 0, or 1 once fulfilled.
	Fulfillments int
	// EventsHandled counts the distinct event ids handled for the order.
	EventsHandled int
}

// handled is what [shopDB.Handle] did with an event.
type handled struct {
	// Repeat reports an event id handled before: nothing was done.
	Repeat bool
	// Fulfilled reports that this event fulfilled its order.
	Fulfilled bool
}

// fulfils reports whether e is the change that took the customer's money:
// a status change into paid (or straight into a refund status, when the
// gateway reported both at once) from a status where nothing was paid.
func fulfils(e payments.Event) bool {
	return e.Type == payments.EventStatusChanged && e.To.Paid() && !e.From.Paid()
}

// handleEvent is the shop's [payments.EventHandler].
func (s *shop) handleEvent(ctx context.Context, e payments.Event) error {
	h, err := s.db.Handle(ctx, e)
	if err != nil {
		// Not handled: the library delivers the event again later.
		return fmt.Errorf("handle event %s: %w", e.ID, err)
	}
	args := []any{"event_id", e.ID, "seq", e.Seq, "type", string(e.Type), "order_number", e.OrderNumber}
	if h.Repeat {
		s.log.InfoContext(ctx, "payment event already handled", args...)
		return nil
	}
	if e.From != "" || e.To != "" {
		args = append(args, "from", string(e.From), "to", string(e.To))
	}
	if e.Refund != nil {
		args = append(args, "refund_id", e.Refund.ID, "refund_amount", int64(e.Refund.Amount))
	}
	if m := e.Method; m != nil {
		// A saved payment method was saved or removed: its own events,
		// without an order.
		args = append(args, "method_id", m.ID, "customer_id", m.CustomerID, "method_status", string(m.Status))
	}
	s.log.InfoContext(ctx, "payment event", args...)
	if h.Fulfilled {
		s.log.InfoContext(ctx, "order fulfilled", "order", e.OrderNumber, "event_id", e.ID)
	}
	return nil
}

// memoryDB is the in-memory [shopDB], used without PAYMENTS_DATABASE_URL
// (when the payments are in memory too).
type memoryDB struct {
	book *payments.OrderBook
	now  func() time.Time

	mu      sync.Mutex
	handled map[string]string // event id → order number
	orders  map[string]*fulfilment
}

// fulfilment is what the handler did for one order, in memory.
type fulfilment struct {
	fulfilledAt  *time.Time
	fulfillments int
	events       int
}

func newMemoryDB(now func() time.Time, orders ...payments.Order) *memoryDB {
	return &memoryDB{
		book:    payments.NewOrderBook(orders...),
		now:     now,
		handled: map[string]string{},
		orders:  map[string]*fulfilment{},
	}
}

// Order implements [payments.Orders].
func (m *memoryDB) Order(ctx context.Context, number string) (payments.Order, error) {
	return m.book.Order(ctx, number)
}

func (m *memoryDB) Add(_ context.Context, o payments.Order) error { return m.book.Add(o) }

func (m *memoryDB) View(ctx context.Context, number string) (orderRecord, error) {
	o, err := m.book.Order(ctx, number)
	if err != nil {
		return orderRecord{}, err
	}
	rec := orderRecord{Order: o}
	m.mu.Lock()
	defer m.mu.Unlock()
	if f := m.orders[number]; f != nil {
		rec.Fulfillments, rec.EventsHandled = f.fulfillments, f.events
		if f.fulfilledAt != nil {
			t := *f.fulfilledAt
			rec.FulfilledAt = &t
		}
	}
	return rec, nil
}

func (m *memoryDB) Handle(_ context.Context, e payments.Event) (handled, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, seen := m.handled[e.ID]; seen {
		return handled{Repeat: true}, nil
	}
	m.handled[e.ID] = e.OrderNumber
	f := m.orders[e.OrderNumber]
	if f == nil {
		f = &fulfilment{}
		m.orders[e.OrderNumber] = f
	}
	f.events++
	var h handled
	if fulfils(e) && f.fulfilledAt == nil {
		t := m.now().UTC()
		f.fulfilledAt, h.Fulfilled = &t, true
		f.fulfillments++
	}
	return h, nil
}
