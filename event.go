package payments

import (
	"context"
	"strconv"
	"time"
)

// EventType names what changed.
type EventType string

// The event types.
const (
	// EventAttemptCreated: the customer started a new attempt.
	EventAttemptCreated EventType = "attempt.created"
	// EventStatusChanged: the payment's status changed (From → To).
	EventStatusChanged EventType = "payment.status_changed"
	// EventLatePayment: money arrived for an attempt that had already
	// failed or expired (a deposit into a virtual account after its due
	// date), or after another attempt had been paid, in which case the
	// customer paid twice and the application should refund one.
	EventLatePayment EventType = "payment.late_payment"
	// EventRefundPending: a refund was recorded and is being sent.
	EventRefundPending EventType = "refund.pending"
	// EventRefundSucceeded: the gateway refunded the money.
	EventRefundSucceeded EventType = "refund.succeeded"
	// EventRefundFailed: the gateway refused the refund; its amount is
	// refundable again.
	EventRefundFailed EventType = "refund.failed"
	// EventMethodSaved: a customer saved a payment method; Method is it.
	EventMethodSaved EventType = "method.saved"
	// EventMethodRemoved: a saved payment method was removed, by the
	// application or by its gateway; Method is it.
	EventMethodRemoved EventType = "method.removed"
	// EventDisputeOpened: the gateway reported a new dispute of the
	// payment ([Event.Dispute]); its amount is no longer refundable.
	EventDisputeOpened EventType = "dispute.opened"
	// EventDisputeUpdated: a dispute changed status (evidence under
	// review, for instance) and is still open.
	EventDisputeUpdated EventType = "dispute.updated"
	// EventDisputeClosed: a dispute is over; [Event.Dispute]'s Status is
	// the outcome: won, lost, or warning_closed for an inquiry.
	EventDisputeClosed EventType = "dispute.closed"
)

// Event tells the application about one stored change. Events are stored
// with the change itself, in the same compare-and-set, and handed to
// [Config.HandleEvent] at least once, in Seq order per payment (see the
// package documentation, "Events").
type Event struct {
	// ID identifies the event: the same event has the same ID on every
	// delivery, on every replica. Handlers deduplicate by it.
	ID string `json:"id"`
	// Seq numbers the events of one payment 1, 2, 3 … in the order their
	// changes were stored.
	Seq         int64     `json:"seq"`
	Type        EventType `json:"type"`
	OrderNumber string    `json:"order_number"`
	// From and To are the payment's statuses before and after, for
	// EventStatusChanged; To is the attempt's new status for
	// EventLatePayment.
	From Status `json:"from,omitempty"`
	To   Status `json:"to,omitempty"`
	// Attempt is the number of the attempt concerned, where one is.
	Attempt int `json:"attempt,omitempty"`
	// Refund is the refund concerned, for refund events.
	Refund *Refund `json:"refund,omitempty"`
	// Dispute is the dispute concerned, for dispute events.
	Dispute *Dispute `json:"dispute,omitempty"`
	// Payment is the payment as the change stored it.
	Payment *Payment `json:"payment"`
	// At is when the change was stored.
	At time.Time `json:"at"`
	// Method is the saved payment method concerned, for method events
	// (without its gateway handles); Payment and OrderNumber are then
	// empty, and Seq counts the method's events.
	Method *PaymentMethod `json:"method,omitempty"`
}

// EventHandler is the application's handler of events. It returns nil
// once the event is handled: the application has done, durably, what the
// event asks of it. An error or a panic means "not handled": the event is
// handed over again later, with exponential backoff. Since an event may be
// handed over more than once (a handler that did its work but whose
// process died before answering, a lease that ran out), the handler
// deduplicates by [Event.ID], in the same transaction as its own work.
//
// ctx ends when the replica's hold on the event ends ([DeliveryOptions]
// Lease), or when [Service.Run] or [Service.DeliverEvents] is stopped.
type EventHandler func(ctx context.Context, e Event) error

// eventID derives an event's ID from stable facts: the payment and the
// event's Seq. A change that loses its compare-and-set stores no event,
// and its retry numbers its events from the payment as stored, so one
// (payment, seq) pair names one stored event.
func eventID(paymentID string, seq int64) string {
	return "evt_" + hash("event", paymentID, strconv.FormatInt(seq, 10))[:32]
}

// changeEvents returns the events of the change from before (nil for a
// new payment) to after, numbered after after.EventSeq, which it advances.
// version is the Version the store gives after when it writes it. The
// events carry one copy of after, as stored: the application may keep it.
func changeEvents(before, after *Payment, version int64) []Event {
	snap := after.Clone()
	evs := diffEvents(before, snap, after.UpdatedAt)
	for i := range evs {
		after.EventSeq++
		evs[i].Seq = after.EventSeq
		evs[i].ID = eventID(after.ID, after.EventSeq)
	}
	snap.EventSeq, snap.Version = after.EventSeq, version
	return evs
}

// diffEvents lists the events that turning before into after makes.
// before is nil for a new payment.
func diffEvents(before, after *Payment, at time.Time) []Event {
	var evs []Event
	ev := func(t EventType) Event {
		return Event{Type: t, OrderNumber: after.OrderNumber, Payment: after, At: at}
	}
	var oldAttempts []Attempt
	var oldStatus Status
	var oldRefunds []Refund
	if before != nil {
		oldAttempts, oldStatus, oldRefunds = before.Attempts, before.Status, before.Refunds
	}
	for i := len(oldAttempts); i < len(after.Attempts); i++ {
		e := ev(EventAttemptCreated)
		e.Attempt = after.Attempts[i].Number
		evs = append(evs, e)
	}
	if oldStatus != after.Status {
		e := ev(EventStatusChanged)
		e.From, e.To = oldStatus, after.Status
		evs = append(evs, e)
	}
	if paid := after.PaidAttempt(); paid != nil {
		for i := range after.Attempts {
			a := &after.Attempts[i]
			if a.Status != StatusPaid || i >= len(oldAttempts) {
				continue
			}
			was := oldAttempts[i].Status
			if was.Paid() || (a.Number == paid.Number && was != StatusExpired && was != StatusFailed) {
				continue
			}
			e := ev(EventLatePayment)
			e.From, e.Attempt, e.To = was, a.Number, a.Status
			evs = append(evs, e)
		}
	}
	old := make(map[string]RefundStatus, len(oldRefunds))
	for _, r := range oldRefunds {
		old[r.ID] = r.Status
	}
	for i := range after.Refunds {
		r := &after.Refunds[i]
		prev, had := old[r.ID]
		if had && prev == r.Status {
			continue
		}
		var t EventType
		switch r.Status {
		case RefundPending:
			t = EventRefundPending
		case RefundSucceeded:
			t = EventRefundSucceeded
		case RefundFailed:
			t = EventRefundFailed
		default:
			continue
		}
		e := ev(t)
		rc := *r
		e.Refund, e.Attempt = &rc, r.Attempt
		evs = append(evs, e)
	}
	return append(evs, disputeEvents(before, after, ev)...)
}

// disputeEvents lists the dispute events of the change from before (nil
// for a new payment) to after.
func disputeEvents(before, after *Payment, ev func(EventType) Event) []Event {
	var evs []Event
	for i := range after.Disputes {
		d := &after.Disputes[i]
		var prev *Dispute
		if before != nil {
			prev = before.Dispute(d.ID)
		}
		var t EventType
		switch {
		case prev != nil && prev.Status == d.Status:
			continue
		case d.Status.Closed():
			t = EventDisputeClosed
		case prev == nil:
			t = EventDisputeOpened
		default:
			t = EventDisputeUpdated
		}
		if prev == nil && d.Status.Closed() {
			// Learnt of only once closed: it opened too.
			e := ev(EventDisputeOpened)
			dc := *d
			e.Dispute = &dc
			evs = append(evs, e)
		}
		e := ev(t)
		dc := *d
		e.Dispute = &dc
		evs = append(evs, e)
	}
	return evs
}

// Clone returns a deep copy of e, sharing no memory with it.
func (e Event) Clone() Event {
	e.Payment = e.Payment.Clone()
	if e.Refund != nil {
		r := *e.Refund
		r.ReceiveAccount = cloneBank(r.ReceiveAccount)
		r.Failure = cloneFailure(r.Failure)
		e.Refund = &r
	}
	e.Method = e.Method.Clone()
	if e.Dispute != nil {
		d := *e.Dispute
		e.Dispute = &d
	}
	return e
}
