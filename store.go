package payments

import (
	"context"
	"time"
)

// Store keeps payments, their events and the webhook deliveries already
// processed. memstore holds them in memory; sqlstore in PostgreSQL for
// many replicas. Every method is safe for concurrent use.
//
// The contract, checked by paymentstest.RunStoreTests.
//
// The payment and the events given to Create and Update, the events'
// payments included, are the caller's: a store copies what it keeps.
//
// Payments:
//   - Create stores a new payment with Version 1 and sets p.Version to 1; a
//     second payment for the same order number returns [ErrConflict].
//   - Get returns a copy that shares no memory with the store; for an
//     unknown order it returns an error for which [Code] reports
//     [CodePaymentNotFound].
//   - Update succeeds only if the stored Version equals p.Version; it then
//     stores p with Version+1 and sets p.Version to it. Otherwise it
//     returns [ErrConflict] and changes nothing. Of any number of
//     concurrent updates from the same version, exactly one succeeds. For
//     an unknown order it returns an error for which [Code] reports
//     [CodePaymentNotFound].
//   - Unsettled returns the payments for which [Payment.Unsettled] is true
//     and UpdatedAt is before the given time, oldest first, at most limit
//     (no limit when limit ≤ 0).
//
// Events (the outbox):
//   - Create and Update store the events given with the payment in the
//     same compare-and-set: when the payment is written, its events are
//     too; when it is not (ErrConflict, an unknown order, any error),
//     none is. An event whose ID is already stored makes the whole write
//     fail. The events belong to p (their OrderNumber is p's) and are
//     stored pending, due from their At.
//   - ClaimEvents returns at most limit pending events that are due at now
//     and not held by a claim whose lease runs after now, and holds each of
//     them until now+lease under token; each counts as one more try, and
//     [ClaimedEvent.Tries] says how many that makes. Only the pending event
//     with the lowest Seq of its payment is ever returned: a payment's
//     later events wait until that one is acknowledged or dead. Of any
//     number of concurrent claims, at most one gets an event while its
//     lease runs. Returned events share no memory with the store.
//   - AckEvent marks an event held under token as delivered at the given
//     time; it is never claimed again. NackEvent records a failed try of an
//     event held under token, with reason: the event is due again at the
//     given time, or, with dead, it is dead from that time: never claimed
//     again, listed by DeadEvents. Both end the hold. Both return
//     [ErrConflict] and change nothing when token does not hold the event
//     (the lease ran out and another claim took it, or the event is no
//     longer pending).
//   - DeadEvents returns at most limit dead events, oldest death first,
//     each with its tries and the reason of its last failure.
//   - RequeueEvent makes a dead event pending again, due at the given
//     time, with no tries. For an unknown id it returns an error for which
//     [Code] reports [CodeEventNotFound]; for an event that is not dead,
//     [CodeInvalidState].
//   - PruneEvents deletes the events delivered before the given time and
//     the webhook records recorded before it, and nothing else (pending
//     and dead events stay, whatever their age); it returns how many it
//     deleted.
//
// Webhook deliveries:
//   - RecordWebhook returns true the first time a (gateway, event id) pair
//     is recorded and false after that, also under concurrency; at is the
//     time PruneEvents compares. WebhookSeen reports whether the pair was
//     recorded.
//
// The service records a webhook delivery only after processing it, so an
// event whose processing failed is processed again when the gateway
// retries it.
type Store interface {
	Create(ctx context.Context, p *Payment, events []Event) error
	Get(ctx context.Context, orderNumber string) (*Payment, error)
	Update(ctx context.Context, p *Payment, events []Event) error
	Unsettled(ctx context.Context, before time.Time, limit int) ([]*Payment, error)

	ClaimEvents(ctx context.Context, now time.Time, lease time.Duration, limit int, token string) ([]ClaimedEvent, error)
	AckEvent(ctx context.Context, id, token string, at time.Time) error
	NackEvent(ctx context.Context, id, token string, at time.Time, dead bool, reason string) error
	DeadEvents(ctx context.Context, limit int) ([]DeadEvent, error)
	RequeueEvent(ctx context.Context, id string, at time.Time) error
	PruneEvents(ctx context.Context, before time.Time) (int, error)

	RecordWebhook(ctx context.Context, gateway, eventID string, at time.Time) (first bool, err error)
	WebhookSeen(ctx context.Context, gateway, eventID string) (bool, error)
}

// ClaimedEvent is an event that [Store.ClaimEvents] holds for its caller.
type ClaimedEvent struct {
	Event Event
	// Tries counts the claims of the event since it was stored or
	// requeued, this one included.
	Tries int
}

// DeadEvent is an event that failed every try it was given: it is not
// handed to the handler again until [Service.RequeueEvent].
type DeadEvent struct {
	Event Event
	// Tries is how many times the event was claimed.
	Tries int
	// LastError is what the last try returned (or the panic it raised).
	LastError string
	DiedAt    time.Time
}
