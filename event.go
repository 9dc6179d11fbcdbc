package payments

import "time"

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
)

// Event tells the application about one committed change. The [Service]
// calls [Config.OnEvent] after the change is stored, once per change, in
// the order the changes were made for one payment. A change made by
// another replica is reported by that replica.
type Event struct {
	Type        EventType
	OrderNumber string
	// From and To are the payment's statuses before and after, for
	// EventStatusChanged; To is the attempt's new status for
	// EventLatePayment.
	From, To Status
	// Attempt is the attempt concerned, where one is.
	Attempt int
	// Refund is the refund concerned, for refund events.
	Refund *Refund
	// Payment is the payment after the change.
	Payment *Payment
	At      time.Time
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
	return evs
}
