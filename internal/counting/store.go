// Package counting counts what a flow asks of its storage, for the
// benchmarks that report store operations and SQL statements per flow:
// [Store] wraps a payments.Store and counts its calls; [Connector] wraps
// a database/sql driver and counts the statements, transactions and
// prepares that reach it.
package counting

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/payments-go/payments"
)

// StoreCounts are the calls made to a [Store], by method.
type StoreCounts struct {
	Create, Get, Update, Unsettled                                          int64
	ClaimEvents, AckEvent, NackEvent, DeadEvents, RequeueEvent, PruneEvents int64
	RecordWebhook, WebhookSeen                                              int64
}

// Reads is the number of calls that only read: Get, Unsettled,
// DeadEvents and WebhookSeen.
func (c StoreCounts) Reads() int64 { return c.Get + c.Unsettled + c.DeadEvents + c.WebhookSeen }

// Writes is the number of calls that write: Create, Update,
// RecordWebhook, and the event calls that claim, settle, requeue or
// delete events.
func (c StoreCounts) Writes() int64 {
	return c.Create + c.Update + c.RecordWebhook + c.ClaimEvents + c.AckEvent + c.NackEvent + c.RequeueEvent + c.PruneEvents
}

// Total is the number of calls.
func (c StoreCounts) Total() int64 { return c.Reads() + c.Writes() }

// Add returns the calls of c and o together.
func (c StoreCounts) Add(o StoreCounts) StoreCounts { return c.combine(o, 1) }

// Sub returns the calls made between o and c, two readings of one Store.
func (c StoreCounts) Sub(o StoreCounts) StoreCounts { return c.combine(o, -1) }

func (c StoreCounts) combine(o StoreCounts, sign int64) StoreCounts {
	return StoreCounts{
		Create: c.Create + sign*o.Create, Get: c.Get + sign*o.Get, Update: c.Update + sign*o.Update,
		Unsettled: c.Unsettled + sign*o.Unsettled, ClaimEvents: c.ClaimEvents + sign*o.ClaimEvents,
		AckEvent: c.AckEvent + sign*o.AckEvent, NackEvent: c.NackEvent + sign*o.NackEvent,
		DeadEvents: c.DeadEvents + sign*o.DeadEvents, RequeueEvent: c.RequeueEvent + sign*o.RequeueEvent,
		PruneEvents: c.PruneEvents + sign*o.PruneEvents, RecordWebhook: c.RecordWebhook + sign*o.RecordWebhook,
		WebhookSeen: c.WebhookSeen + sign*o.WebhookSeen,
	}
}

// Store is a payments.Store that counts the calls it passes on to
// another. It is safe for concurrent use.
type Store struct {
	next payments.Store

	create, get, update, unsettled                                          atomic.Int64
	claimEvents, ackEvent, nackEvent, deadEvents, requeueEvent, pruneEvents atomic.Int64
	recordWebhook, webhookSeen                                              atomic.Int64
}

var _ payments.Store = (*Store)(nil)

// NewStore returns a Store counting the calls made to next.
func NewStore(next payments.Store) *Store { return &Store{next: next} }

// Counts returns the calls made so far.
func (s *Store) Counts() StoreCounts {
	return StoreCounts{
		Create: s.create.Load(), Get: s.get.Load(), Update: s.update.Load(), Unsettled: s.unsettled.Load(),
		ClaimEvents: s.claimEvents.Load(), AckEvent: s.ackEvent.Load(), NackEvent: s.nackEvent.Load(),
		DeadEvents: s.deadEvents.Load(), RequeueEvent: s.requeueEvent.Load(), PruneEvents: s.pruneEvents.Load(),
		RecordWebhook: s.recordWebhook.Load(), WebhookSeen: s.webhookSeen.Load(),
	}
}

// Create implements payments.Store.
func (s *Store) Create(ctx context.Context, p *payments.Payment, events []payments.Event) error {
	s.create.Add(1)
	return s.next.Create(ctx, p, events)
}

// Get implements payments.Store.
func (s *Store) Get(ctx context.Context, orderNumber string) (*payments.Payment, error) {
	s.get.Add(1)
	return s.next.Get(ctx, orderNumber)
}

// Update implements payments.Store.
func (s *Store) Update(ctx context.Context, p *payments.Payment, events []payments.Event) error {
	s.update.Add(1)
	return s.next.Update(ctx, p, events)
}

// Unsettled implements payments.Store.
func (s *Store) Unsettled(ctx context.Context, before time.Time, limit int) ([]*payments.Payment, error) {
	s.unsettled.Add(1)
	return s.next.Unsettled(ctx, before, limit)
}

// ClaimEvents implements payments.Store.
func (s *Store) ClaimEvents(ctx context.Context, now time.Time, lease time.Duration, limit int, token string) ([]payments.ClaimedEvent, error) {
	s.claimEvents.Add(1)
	return s.next.ClaimEvents(ctx, now, lease, limit, token)
}

// AckEvent implements payments.Store.
func (s *Store) AckEvent(ctx context.Context, id, token string, at time.Time) error {
	s.ackEvent.Add(1)
	return s.next.AckEvent(ctx, id, token, at)
}

// NackEvent implements payments.Store.
func (s *Store) NackEvent(ctx context.Context, id, token string, at time.Time, dead bool, reason string) error {
	s.nackEvent.Add(1)
	return s.next.NackEvent(ctx, id, token, at, dead, reason)
}

// DeadEvents implements payments.Store.
func (s *Store) DeadEvents(ctx context.Context, limit int) ([]payments.DeadEvent, error) {
	s.deadEvents.Add(1)
	return s.next.DeadEvents(ctx, limit)
}

// RequeueEvent implements payments.Store.
func (s *Store) RequeueEvent(ctx context.Context, id string, at time.Time) error {
	s.requeueEvent.Add(1)
	return s.next.RequeueEvent(ctx, id, at)
}

// PruneEvents implements payments.Store.
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int, error) {
	s.pruneEvents.Add(1)
	return s.next.PruneEvents(ctx, before)
}

// RecordWebhook implements payments.Store.
func (s *Store) RecordWebhook(ctx context.Context, gateway, eventID string, at time.Time) (bool, error) {
	s.recordWebhook.Add(1)
	return s.next.RecordWebhook(ctx, gateway, eventID, at)
}

// WebhookSeen implements payments.Store.
func (s *Store) WebhookSeen(ctx context.Context, gateway, eventID string) (bool, error) {
	s.webhookSeen.Add(1)
	return s.next.WebhookSeen(ctx, gateway, eventID)
}
