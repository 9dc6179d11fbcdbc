package crash

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/payments-go/payments"
)

// tossLedger and stripeLedger are what the fakes' control routes answer
// (cmd/fakes).
type tossLedger struct {
	Payments []struct {
		OrderID       string  `json:"order_id"`
		PaymentKey    string  `json:"payment_key"`
		Status        string  `json:"status"`
		Type          string  `json:"type"`
		TotalAmount   int64   `json:"total_amount"`
		BalanceAmount int64   `json:"balance_amount"`
		Approved      bool    `json:"approved"`
		Cancels       []int64 `json:"cancels"`
		Confirms      int     `json:"confirms"`
		CancelCalls   int     `json:"cancel_calls"`
	} `json:"payments"`
	BillingCharges int `json:"billing_charges"`
}

type stripeLedger struct {
	Intents []struct {
		ID             string  `json:"id"`
		Status         string  `json:"status"`
		Amount         int64   `json:"amount"`
		AmountReceived int64   `json:"amount_received"`
		AmountRefunded int64   `json:"amount_refunded"`
		Refunds        []int64 `json:"refunds"`
	} `json:"intents"`
}

// gatewayView is one order's money as its gateway holds it, reduced to
// what the shop must agree with.
type gatewayView struct {
	// charges counts the payments that took money for the order: more
	// than one is a double charge.
	charges int
	// reference identifies the payment that took money (paymentKey,
	// PaymentIntent id); "" when none did.
	reference string
	status    payments.Status
	refunded  int64
	// refunds are the refunds the gateway made, in order.
	refunds []int64
	// extraCalls lists money-moving calls that ran at the gateway more
	// often than their effects show (Toss counts the confirms and cancels
	// that really ran, idempotent replays apart).
	extraConfirms, extraCancels []string
	// billingCharges counts the billing-key charges of the order's
	// orderIds that ran at Toss; billing reports that the payment that
	// took money was one.
	billingCharges int
	billing        bool
}

func sum(xs []int64) int64 {
	var n int64
	for _, x := range xs {
		n += x
	}
	return n
}

// tossStatus maps a Toss payment status to the unified status
// (API.md, "Unified status").
func tossStatus(s string, approved bool) payments.Status {
	switch s {
	case "READY":
		return payments.StatusReady
	case "IN_PROGRESS":
		return payments.StatusProcessing
	case "WAITING_FOR_DEPOSIT":
		return payments.StatusWaitingForDeposit
	case "DONE":
		return payments.StatusPaid
	case "PARTIAL_CANCELED":
		return payments.StatusPartiallyRefunded
	case "CANCELED":
		if approved {
			return payments.StatusRefunded
		}
		return payments.StatusCanceled
	case "ABORTED":
		return payments.StatusFailed
	case "EXPIRED":
		return payments.StatusExpired
	}
	return payments.Status("toss:" + s)
}

func (d *driver) gateway(ctx context.Context, f *flow) (gatewayView, error) {
	var g gatewayView
	u := "/control/orders/" + url.PathEscape(f.order)
	if f.kind == stripeCheckout {
		var led stripeLedger
		if _, err := d.expect(ctx, request{method: "GET", url: d.stripe + u}, http.StatusOK, &led); err != nil {
			return g, err
		}
		g.status = payments.StatusReady
		for _, in := range led.Intents {
			if in.Status != "succeeded" {
				continue
			}
			g.charges++
			g.reference, g.refunded, g.refunds = in.ID, in.AmountRefunded, in.Refunds
			switch {
			case in.AmountRefunded == 0:
				g.status = payments.StatusPaid
			case in.AmountRefunded < in.AmountReceived:
				g.status = payments.StatusPartiallyRefunded
			default:
				g.status = payments.StatusRefunded
			}
		}
		return g, nil
	}
	var led tossLedger
	if _, err := d.expect(ctx, request{method: "GET", url: d.toss + u}, http.StatusOK, &led); err != nil {
		return g, err
	}
	g.billingCharges = led.BillingCharges
	for _, p := range led.Payments {
		if p.Confirms > 1 {
			g.extraConfirms = append(g.extraConfirms, fmt.Sprintf("%s: Toss ran %d confirms of %s", f.order, p.Confirms, p.PaymentKey))
		}
		if p.CancelCalls > len(p.Cancels) {
			g.extraCancels = append(g.extraCancels, fmt.Sprintf("%s: Toss ran %d cancels of %s for %d refunds", f.order, p.CancelCalls, p.PaymentKey, len(p.Cancels)))
		}
		if g.reference == "" {
			g.status = tossStatus(p.Status, p.Approved)
		}
		if !p.Approved {
			continue
		}
		g.charges++
		g.reference, g.refunded, g.refunds = p.PaymentKey, p.TotalAmount-p.BalanceAmount, p.Cancels
		g.billing = p.Type == "BILLING"
		// Once paid, the money tells the status: Toss leaves a payment
		// whose rest was canceled after a partial cancel in
		// PARTIAL_CANCELED with a balance of 0.
		switch {
		case p.BalanceAmount == p.TotalAmount:
			g.status = payments.StatusPaid
		case p.BalanceAmount > 0:
			g.status = payments.StatusPartiallyRefunded
		default:
			g.status = payments.StatusRefunded
		}
	}
	return g, nil
}

// outboxEvent is a row of the library's outbox (sqlstore's
// payment_outbox table).
type outboxEvent struct {
	id, order, typ, from, to string
	seq                      int64
	delivered, dead          bool
	tries                    int
	lastError                string
}

func readOutbox(ctx context.Context, db *sql.DB) ([]outboxEvent, error) {
	rows, err := db.QueryContext(ctx, `
		SELECT id, order_number, seq, type, coalesce(event->>'from', ''), coalesce(event->>'to', ''), delivered_at IS NOT NULL, dead_at IS NOT NULL, tries, coalesce(last_error, '')
		FROM payment_outbox ORDER BY order_number, seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []outboxEvent
	for rows.Next() {
		var e outboxEvent
		if err := rows.Scan(&e.id, &e.order, &e.seq, &e.typ, &e.from, &e.to, &e.delivered, &e.dead, &e.tries, &e.lastError); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// readHandled returns the event ids the shop handled, with their orders
// (the shop's shop_handled_events table).
func readHandled(ctx context.Context, db *sql.DB) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT event_id, order_number FROM shop_handled_events`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, order string
		if err := rows.Scan(&id, &order); err != nil {
			return nil, err
		}
		out[id] = order
	}
	return out, rows.Err()
}

// shopOrder is GET /orders/{number}.
type shopOrder struct {
	FulfilledAt   *string `json:"fulfilled_at"`
	Fulfillments  int     `json:"fulfillments"`
	EventsHandled int     `json:"events_handled"`
}

// report is the outcome of the final checks.
type report struct {
	orders, paid           int
	stateMismatches        []string
	doubleCharges          []string
	doubleRefunds          []string
	lostRefunds            []string
	fulfilment             []string
	events, handled        int
	undelivered, dead      int
	lostEvents             []string
	unknownEvents          []string
	pendingOrUnsettled     []string
	refundsOK, refundsSeen int
	billingOrders          int
}

func (r *report) failures() []string {
	var out []string
	add := func(what string, list []string) {
		if len(list) == 0 {
			return
		}
		sort.Strings(list)
		shown := list
		if len(shown) > 20 {
			shown = shown[:20]
		}
		out = append(out, fmt.Sprintf("%d %s:\n\t%s", len(list), what, strings.Join(shown, "\n\t")))
	}
	add("payments whose state differs from the gateway's", r.stateMismatches)
	add("double charges", r.doubleCharges)
	add("double refunds", r.doubleRefunds)
	add("lost refunds", r.lostRefunds)
	add("fulfilment errors", r.fulfilment)
	add("events lost (in the outbox, never handled by the shop)", r.lostEvents)
	add("events handled by the shop that the outbox does not hold", r.unknownEvents)
	add("events not delivered or dead", r.pendingOrUnsettled)
	return out
}

// check compares the shop, the gateways and the database for flows.
func (d *driver) check(ctx context.Context, db *sql.DB, flows []flow) (*report, error) {
	r := &report{orders: len(flows)}
	outbox, err := readOutbox(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("read the outbox: %w", err)
	}
	handled, err := readHandled(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("read the shop's handled events: %w", err)
	}
	r.events, r.handled = len(outbox), len(handled)
	inOutbox := map[string]bool{}
	paidEvent := map[string][]string{} // order → the events that took its money
	perOrder := map[string]int{}
	for _, e := range outbox {
		inOutbox[e.id] = true
		perOrder[e.order]++
		if !e.delivered && !e.dead {
			r.undelivered++
			r.pendingOrUnsettled = append(r.pendingOrUnsettled, fmt.Sprintf("%s seq %d %s: pending after %d tries (%s)", e.order, e.seq, e.typ, e.tries, e.lastError))
		}
		if e.dead {
			r.dead++
			r.pendingOrUnsettled = append(r.pendingOrUnsettled, fmt.Sprintf("%s seq %d %s: dead after %d tries (%s)", e.order, e.seq, e.typ, e.tries, e.lastError))
		}
		if _, ok := handled[e.id]; !ok {
			r.lostEvents = append(r.lostEvents, fmt.Sprintf("%s seq %d %s (%s)", e.order, e.seq, e.typ, e.id))
		}
		from, to := payments.Status(e.from), payments.Status(e.to)
		if e.typ == string(payments.EventStatusChanged) && to.Paid() && !from.Paid() {
			paidEvent[e.order] = append(paidEvent[e.order], e.id)
		}
		if e.typ == string(payments.EventStatusChanged) && from.Paid() && !to.Paid() {
			// The fakes never take money back but by a refund: a paid
			// payment that becomes unpaid is a wrong record.
			r.stateMismatches = append(r.stateMismatches, fmt.Sprintf("%s: seq %d moved the payment from %s back to %s (event %s)", e.order, e.seq, from, to, e.id))
		}
	}
	for id, order := range handled {
		if !inOutbox[id] {
			r.unknownEvents = append(r.unknownEvents, order+" "+id)
		}
	}

	ok := map[string][]okRefund{}
	for _, rf := range d.refunds {
		ok[rf.order] = append(ok[rf.order], rf)
	}
	for i := range flows {
		f := &flows[i]
		v, err := d.store.Get(ctx, f.order)
		if err != nil {
			return nil, fmt.Errorf("%s: read the store: %w", f.order, err)
		}
		g, err := d.gateway(ctx, f)
		if err != nil {
			return nil, err
		}
		if g.charges > 1 {
			r.doubleCharges = append(r.doubleCharges, fmt.Sprintf("%s: %d payments took money", f.order, g.charges))
		}
		r.doubleCharges = append(r.doubleCharges, g.extraConfirms...)
		r.checkBilling(f, v, g)
		r.doubleRefunds = append(r.doubleRefunds, g.extraCancels...)
		ref := v.GatewayReference
		if v.Status != g.status || (g.reference != "" && ref != g.reference) || int64(v.RefundedAmount) != g.refunded {
			r.stateMismatches = append(r.stateMismatches, fmt.Sprintf("%s (%s): shop %s %s refunded %d, gateway %s %s refunded %d",
				f.order, f.kind, v.Status, ref, v.RefundedAmount, g.status, g.reference, g.refunded))
		}
		var stored []int64
		for _, rf := range v.Refunds {
			switch rf.Status {
			case payments.RefundSucceeded:
				stored = append(stored, int64(rf.Amount))
			case payments.RefundPending:
				r.stateMismatches = append(r.stateMismatches, fmt.Sprintf("%s: refund %s still pending", f.order, rf.ID))
			}
		}
		r.refundsSeen += len(g.refunds)
		if len(g.refunds) > len(stored) || sum(g.refunds) > sum(stored) {
			r.doubleRefunds = append(r.doubleRefunds, fmt.Sprintf("%s: the gateway made refunds %v, the store has %v", f.order, g.refunds, stored))
		}
		if len(g.refunds) < len(stored) || sum(g.refunds) < sum(stored) {
			r.lostRefunds = append(r.lostRefunds, fmt.Sprintf("%s: the store has refunds %v, the gateway made %v", f.order, stored, g.refunds))
		}
		for _, want := range ok[f.order] {
			r.refundsOK++
			if !hasRefund(v, want) {
				r.lostRefunds = append(r.lostRefunds, fmt.Sprintf("%s: refund %s of %d answered succeeded is not succeeded in the store", f.order, want.id, want.amount))
			}
		}
		if sumOK(ok[f.order]) > g.refunded {
			r.lostRefunds = append(r.lostRefunds, fmt.Sprintf("%s: refunds of %d answered succeeded, the gateway refunded %d", f.order, sumOK(ok[f.order]), g.refunded))
		}

		var o shopOrder
		if _, err := d.expect(ctx, request{method: "GET", url: d.shop + "/orders/" + url.PathEscape(f.order)}, http.StatusOK, &o); err != nil {
			return nil, err
		}
		if o.EventsHandled != perOrder[f.order] {
			r.fulfilment = append(r.fulfilment, fmt.Sprintf("%s: events_handled %d, the outbox holds %d events", f.order, o.EventsHandled, perOrder[f.order]))
		}
		if !v.Status.Paid() {
			if o.Fulfillments != 0 || o.FulfilledAt != nil {
				r.fulfilment = append(r.fulfilment, fmt.Sprintf("%s: %s but fulfilled %d times", f.order, v.Status, o.Fulfillments))
			}
			continue
		}
		r.paid++
		if o.Fulfillments != 1 || o.FulfilledAt == nil {
			r.fulfilment = append(r.fulfilment, fmt.Sprintf("%s: paid, fulfillments %d, fulfilled_at %v", f.order, o.Fulfillments, o.FulfilledAt))
		}
		ids := paidEvent[f.order]
		if len(ids) != 1 {
			r.fulfilment = append(r.fulfilment, fmt.Sprintf("%s: %d events moved the payment into a paid status, want 1: %v", f.order, len(ids), ids))
		}
		for _, id := range ids {
			if _, ok := handled[id]; !ok {
				r.fulfilment = append(r.fulfilment, fmt.Sprintf("%s: the event %s that took the money was not handled", f.order, id))
			}
		}
	}
	return r, nil
}

// checkBilling checks what only billing charges promise: Toss ran
// exactly one charge of the saved card for the order, however often the
// charge was asked for, and the store's paid attempt was that charge,
// made with the card the driver saved. No other flow charges a card. A
// second charge that ran counts even when Toss refused it (an orderId
// used before): only the Idempotency-Key, or the store's claim, is meant
// to keep it from running.
func (r *report) checkBilling(f *flow, v *payments.Payment, g gatewayView) {
	if f.kind != tossBilling {
		if g.billingCharges != 0 {
			r.doubleCharges = append(r.doubleCharges, fmt.Sprintf("%s (%s): Toss ran %d billing charges", f.order, f.kind, g.billingCharges))
		}
		return
	}
	r.billingOrders++
	switch {
	case g.billingCharges > 1:
		r.doubleCharges = append(r.doubleCharges, fmt.Sprintf("%s: Toss ran %d billing charges for the order's orderIds, want 1", f.order, g.billingCharges))
	case g.billingCharges == 0:
		r.stateMismatches = append(r.stateMismatches, fmt.Sprintf("%s: Toss ran no billing charge for the order", f.order))
	}
	if g.charges > 0 && !g.billing {
		r.stateMismatches = append(r.stateMismatches, fmt.Sprintf("%s: the Toss payment %s that took the money is not a billing charge", f.order, g.reference))
	}
	a := v.PaidAttempt()
	switch {
	case a == nil:
		r.stateMismatches = append(r.stateMismatches, fmt.Sprintf("%s: the store has no paid attempt (%s)", f.order, v.Status))
	case f.method == "" || a.SavedMethod != f.method:
		r.stateMismatches = append(r.stateMismatches, fmt.Sprintf("%s: the paid attempt used method %q, the driver saved %q", f.order, a.SavedMethod, f.method))
	}
}

func hasRefund(v *payments.Payment, want okRefund) bool {
	for _, r := range v.Refunds {
		if r.ID == want.id && r.Status == payments.RefundSucceeded && r.Amount == want.amount {
			return true
		}
	}
	return false
}

func sumOK(rs []okRefund) int64 {
	var n int64
	for _, r := range rs {
		n += int64(r.amount)
	}
	return n
}

// pendingEvents counts the outbox's events neither delivered nor dead.
func pendingEvents(ctx context.Context, db *sql.DB) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM payment_outbox WHERE delivered_at IS NULL AND dead_at IS NULL`).Scan(&n)
	return n, err
}
