package payments

import (
	"context"
	"time"
)

// Store keeps payments. memstore holds them in memory; sqlstore in
// PostgreSQL for many replicas. Every method is safe for concurrent use.
//
// The contract, checked by paymentstest.RunStoreTests:
//   - Create stores a new payment with Version 1; a second payment for the
//     same order number returns [ErrConflict].
//   - Get returns a copy that shares no memory with the store; for an
//     unknown order it returns an error for which [Code] reports
//     [CodePaymentNotFound].
//   - Update succeeds only if the stored Version equals p.Version; it then
//     stores p with Version+1 and sets p.Version to it. Otherwise it
//     returns [ErrConflict] and changes nothing. Of any number of
//     concurrent updates from the same version, exactly one succeeds.
//   - Unsettled returns the payments for which [Payment.Unsettled] is true
//     and UpdatedAt is before the given time, oldest first, at most limit.
//   - RecordEvent returns true the first time a (gateway, event id) pair
//     is recorded and false after that, also under concurrency; EventSeen
//     reports whether the pair was recorded.
//
// The service records a webhook event only after processing it, so an
// event whose processing failed is processed again when the gateway
// retries it.
type Store interface {
	Create(ctx context.Context, p *Payment) error
	Get(ctx context.Context, orderNumber string) (*Payment, error)
	Update(ctx context.Context, p *Payment) error
	Unsettled(ctx context.Context, before time.Time, limit int) ([]*Payment, error)
	RecordEvent(ctx context.Context, gateway, eventID string) (first bool, err error)
	EventSeen(ctx context.Context, gateway, eventID string) (bool, error)
}
