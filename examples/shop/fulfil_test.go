package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/status"
)

// wantFulfilled waits briefly for the shop's event handler to fulfil
// order (events are delivered in the background) and checks that it did
// so once.
func (s *testShop) wantFulfilled(order string) orderJSON {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var o orderJSON
		s.call("GET", "/orders/"+order, nil, nil, http.StatusOK, &o)
		if o.FulfilledAt != nil {
			if o.Fulfillments != 1 {
				s.t.Errorf("order %s: fulfillments = %d, want 1", order, o.Fulfillments)
			}
			return o
		}
		if o.Fulfillments != 0 {
			s.t.Fatalf("order %s: fulfillments = %d without fulfilled_at", order, o.Fulfillments)
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("order %s is not fulfilled: %+v", order, o)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFulfilment: once a payment is paid the shop's event handler fulfils
// the order, once, and GET /orders/{number} shows it; later events
// (refunds) are handled and counted without a second fulfilment.
func TestFulfilment(t *testing.T) {
	s := startShop(t, map[string]string{"PAYMENTS_SWEEP_INTERVAL": "100ms"})
	var o orderJSON
	s.call("GET", "/orders/ORD-20260122-001", nil, nil, http.StatusOK, &o)
	if o.FulfilledAt != nil || o.Fulfillments != 0 || o.EventsHandled != 0 {
		t.Fatalf("an unpaid order shows a fulfilment: %+v", o)
	}
	s.payTossCard("ORD-20260122-001", 58990, "Cool T-Shirt 외 1건")
	o = s.wantFulfilled("ORD-20260122-001")
	p := s.payment("ORD-20260122-001")
	if p.PaidAt == nil || o.FulfilledAt.Before(p.PaidAt.Add(-time.Second)) {
		t.Errorf("fulfilled at %v, paid at %v", o.FulfilledAt, p.PaidAt)
	}
	// attempt.created, ready → processing, processing → paid at least.
	if o.EventsHandled < 3 {
		t.Errorf("events_handled = %d after a paid card payment, want at least 3", o.EventsHandled)
	}

	var r struct {
		status.Payment
		Refund status.Refund `json:"refund"`
	}
	s.call("POST", "/payments/toss/cancel", map[string]any{"order_number": "ORD-20260122-001", "amount": 990, "reason": "r"}, bearer(s.token), http.StatusOK, &r)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var after orderJSON
		s.call("GET", "/orders/ORD-20260122-001", nil, nil, http.StatusOK, &after)
		if after.Fulfillments != 1 || !after.FulfilledAt.Equal(*o.FulfilledAt) {
			t.Fatalf("after a refund the order shows %+v, want the first fulfilment only", after)
		}
		if after.EventsHandled > o.EventsHandled {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the refund's events were not handled: events_handled stays %d", after.EventsHandled)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A Stripe Checkout payment is fulfilled the same way.
	order := s.newOrder("Hoodie", 2500, "USD")
	var in struct {
		PaymentIntentID string `json:"payment_intent_id"`
	}
	s.call("POST", "/payments/stripe/intent", map[string]any{"order_number": order, "payment_method_id": "pm_card_visa"}, nil, http.StatusOK, &in)
	s.call("POST", "/payments/stripe/confirm", map[string]any{"order_number": order}, nil, http.StatusOK, nil)
	s.wantFulfilled(order)
}

// testEvent is an event as the library delivers it.
func testEvent(id, order string, typ payments.EventType, from, to payments.Status) payments.Event {
	return payments.Event{ID: id, Seq: 1, Type: typ, OrderNumber: order, From: from, To: to, At: time.Now()}
}

// testShopDB checks a shopDB: each event id is handled once, the event
// that takes the money fulfils the order once, and the counts show it.
func testShopDB(t *testing.T, db shopDB) {
	ctx := t.Context()
	const order = "FULFIL-TEST-1"
	if err := db.Add(ctx, payments.Order{Number: order, Name: "Mug", Amount: 12000, Currency: "KRW"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Add(ctx, payments.Order{Number: order, Name: "Mug", Amount: 12000, Currency: "KRW"}); payments.Code(err) != payments.CodeInvalidRequest {
		t.Errorf("adding an order twice: %v, want invalid_request", err)
	}
	if _, err := db.View(ctx, "NO-SUCH-ORDER"); payments.Code(err) != payments.CodeOrderNotFound {
		t.Errorf("View of an unknown order: %v, want order_not_found", err)
	}
	if o, err := db.Order(ctx, order); err != nil || o.Amount != 12000 || o.Currency != "KRW" || o.Name != "Mug" {
		t.Errorf("Order = %+v, %v", o, err)
	}

	steps := []struct {
		ev            payments.Event
		want          handled
		fulfillments  int
		eventsHandled int
	}{
		{testEvent("ev-1", order, payments.EventAttemptCreated, "", ""), handled{}, 0, 1},
		{testEvent("ev-2", order, payments.EventStatusChanged, "", payments.StatusReady), handled{}, 0, 2},
		{testEvent("ev-3", order, payments.EventStatusChanged, payments.StatusReady, payments.StatusProcessing), handled{}, 0, 3},
		{testEvent("ev-4", order, payments.EventStatusChanged, payments.StatusProcessing, payments.StatusPaid), handled{Fulfilled: true}, 1, 4},
		// The same event delivered again: nothing happens.
		{testEvent("ev-4", order, payments.EventStatusChanged, payments.StatusProcessing, payments.StatusPaid), handled{Repeat: true}, 1, 4},
		{testEvent("ev-2", order, payments.EventStatusChanged, "", payments.StatusReady), handled{Repeat: true}, 1, 4},
		// A refund: handled, no second fulfilment.
		{testEvent("ev-5", order, payments.EventStatusChanged, payments.StatusPaid, payments.StatusPartiallyRefunded), handled{}, 1, 5},
		// Another event into a paid status from an unpaid one (a second
		// attempt paid too): the order is already fulfilled.
		{testEvent("ev-6", order, payments.EventStatusChanged, payments.StatusFailed, payments.StatusPaid), handled{}, 1, 6},
	}
	var first *time.Time
	for i, st := range steps {
		got, err := db.Handle(ctx, st.ev)
		if err != nil {
			t.Fatalf("step %d: Handle(%s): %v", i, st.ev.ID, err)
		}
		if got != st.want {
			t.Errorf("step %d: Handle(%s) = %+v, want %+v", i, st.ev.ID, got, st.want)
		}
		rec, err := db.View(ctx, order)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Fulfillments != st.fulfillments || rec.EventsHandled != st.eventsHandled || (rec.FulfilledAt != nil) != (st.fulfillments > 0) {
			t.Errorf("step %d: after %s the order shows fulfillments %d, events %d, fulfilled at %v; want %d, %d",
				i, st.ev.ID, rec.Fulfillments, rec.EventsHandled, rec.FulfilledAt, st.fulfillments, st.eventsHandled)
		}
		if rec.FulfilledAt != nil {
			if first == nil {
				first = rec.FulfilledAt
			} else if !rec.FulfilledAt.Equal(*first) {
				t.Errorf("step %d: fulfilled_at moved from %v to %v", i, first, rec.FulfilledAt)
			}
		}
	}

	// Events of another order are counted for that order only.
	if err := db.Add(ctx, payments.Order{Number: "FULFIL-TEST-2", Name: "Cap", Amount: 500, Currency: "USD"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Handle(ctx, testEvent("ev-7", "FULFIL-TEST-2", payments.EventStatusChanged, payments.StatusRequiresAction, payments.StatusPaid)); err != nil {
		t.Fatal(err)
	}
	if rec, _ := db.View(ctx, "FULFIL-TEST-2"); rec.Fulfillments != 1 || rec.EventsHandled != 1 {
		t.Errorf("second order: %+v", rec)
	}
	if rec, _ := db.View(ctx, order); rec.EventsHandled != 6 {
		t.Errorf("first order: events_handled = %d after another order's event, want 6", rec.EventsHandled)
	}
}

func TestMemoryDB(t *testing.T) {
	testShopDB(t, newMemoryDB(time.Now))
}

func TestSQLDB(t *testing.T) {
	dsn, _, _ := testSchema(t)
	db := openTestDB(t, dsn)
	sdb, err := openSQLDB(t.Context(), db, time.Now, demoOrder)
	if err != nil {
		t.Fatal(err)
	}
	// Creating the tables again, as every start does, keeps what is there.
	if _, err := openSQLDB(t.Context(), db, time.Now, demoOrder); err != nil {
		t.Fatalf("second openSQLDB: %v", err)
	}
	if o, err := sdb.Order(t.Context(), demoOrder.Number); err != nil || o.Amount != demoOrder.Amount || o.Name != demoOrder.Name {
		t.Errorf("demo order = %+v, %v", o, err)
	}
	testShopDB(t, sdb)

	// A transaction that fails records nothing: the event is new the
	// next time.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	ev := testEvent("ev-failed", "FULFIL-TEST-1", payments.EventAttemptCreated, "", "")
	if _, err := sdb.Handle(ctx, ev); err == nil {
		t.Fatal("Handle with a canceled context succeeded")
	}
	if h, err := sdb.Handle(t.Context(), ev); err != nil || h.Repeat {
		t.Errorf("Handle after a failed one = %+v, %v; want a first handling", h, err)
	}
}
