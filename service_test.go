package payments_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
)

type env struct {
	svc    *payments.Service
	gw     *paymentstest.Gateway
	orders *payments.OrderBook
	store  *memstore.Store
	mu     sync.Mutex
	events []payments.Event
}

func newEnv(t testing.TB, orders ...payments.Order) *env {
	t.Helper()
	if len(orders) == 0 {
		orders = []payments.Order{{Number: "ORD-20260122-001", Name: "Cool T-Shirt 외 1건", Amount: 58990, Currency: payments.KRW}}
	}
	e := &env{gw: paymentstest.NewGateway("fake"), orders: payments.NewOrderBook(orders...), store: memstore.New()}
	svc, err := payments.NewService(payments.Config{
		Store: e.store, Orders: e.orders, Gateways: []payments.Gateway{e.gw},
		HandleEvent: func(_ context.Context, ev payments.Event) error {
			e.mu.Lock()
			e.events = append(e.events, ev)
			e.mu.Unlock()
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	return e
}

// delivered delivers the events due and returns every event handled so
// far.
func (e *env) delivered(t testing.TB) []payments.Event {
	t.Helper()
	if _, err := e.svc.DeliverEvents(context.Background()); err != nil {
		t.Fatalf("DeliverEvents: %v", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]payments.Event(nil), e.events...)
}

func (e *env) prepare(t testing.TB, order string) *payments.Prepared {
	t.Helper()
	p, err := e.svc.Prepare(context.Background(), payments.PrepareRequest{OrderNumber: order, Gateway: "fake"})
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	return p
}

func (e *env) paid(t testing.TB, order string) *payments.Payment {
	t.Helper()
	e.prepare(t, order)
	p, err := e.svc.Confirm(context.Background(), payments.ConfirmRequest{OrderNumber: order})
	if err != nil || p.Status != payments.StatusPaid {
		t.Fatalf("Confirm = %v, %v; want paid", p, err)
	}
	return p
}

func (e *env) calls(op string) int {
	n := 0
	for _, c := range e.gw.Calls() {
		if c.Op == op {
			n++
		}
	}
	return n
}

func TestNewServiceValidates(t *testing.T) {
	g := paymentstest.NewGateway("fake")
	for name, cfg := range map[string]payments.Config{
		"no store":      {Orders: payments.NewOrderBook(), Gateways: []payments.Gateway{g}},
		"no orders":     {Store: memstore.New(), Gateways: []payments.Gateway{g}},
		"no gateway":    {Store: memstore.New(), Orders: payments.NewOrderBook()},
		"twice":         {Store: memstore.New(), Orders: payments.NewOrderBook(), Gateways: []payments.Gateway{g, g}},
		"nil gateway":   {Store: memstore.New(), Orders: payments.NewOrderBook(), Gateways: []payments.Gateway{nil}},
		"unnamed (nil)": {Store: memstore.New(), Orders: payments.NewOrderBook(), Gateways: []payments.Gateway{paymentstestNoName{}}},
	} {
		if _, err := payments.NewService(cfg); err == nil {
			t.Errorf("%s: NewService succeeded", name)
		}
	}
}

type paymentstestNoName struct{ payments.Gateway }

func (paymentstestNoName) Name() string { return "" }

func TestPaymentNotFoundVersusOrderNotFound(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.Payment(t.Context(), "ORD-20260122-001"); !errors.Is(err, payments.ErrPaymentNotFound) {
		t.Errorf("order without payment: %v", err)
	}
	if _, err := e.svc.Payment(t.Context(), "NOPE"); !errors.Is(err, payments.ErrOrderNotFound) {
		t.Errorf("unknown order: %v", err)
	}
}

func TestEvents(t *testing.T) {
	e := newEnv(t)
	e.paid(t, "ORD-20260122-001")
	if _, _, err := e.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: "ORD-20260122-001", Amount: 1000, Reason: "x"}); err != nil {
		t.Fatal(err)
	}
	type ev struct {
		Type     payments.EventType
		From, To payments.Status
	}
	var got []ev
	for _, x := range e.delivered(t) {
		got = append(got, ev{x.Type, x.From, x.To})
	}
	want := []ev{
		{payments.EventAttemptCreated, "", ""},
		{payments.EventStatusChanged, "", payments.StatusReady},
		{payments.EventStatusChanged, payments.StatusReady, payments.StatusProcessing},
		{payments.EventStatusChanged, payments.StatusProcessing, payments.StatusPaid},
		{payments.EventRefundPending, "", ""},
		{payments.EventStatusChanged, payments.StatusPaid, payments.StatusPartiallyRefunded},
		{payments.EventRefundSucceeded, "", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// liveFake is paymentstest's fake with live keys.
type liveFake struct{ *paymentstest.Gateway }

func (liveFake) Live() bool { return true }

// A gateway whose keys are of the other kind than Config.Live is refused
// at start; gateways that cannot tell are accepted either way.
func TestLiveMustMatchTheGateways(t *testing.T) {
	orders := payments.NewOrderBook()
	for _, tt := range []struct {
		name string
		live bool
		gw   payments.Gateway
		ok   bool
	}{
		{"test service, test gateway", false, paymentstest.NewGateway("fake"), true},
		{"live service, live gateway", true, liveFake{paymentstest.NewGateway("fake")}, true},
		{"live service, test-key gateway", true, testKeys{paymentstest.NewGateway("fake")}, false},
		{"test service, live gateway", false, liveFake{paymentstest.NewGateway("fake")}, false},
		{"live service, gateway that cannot tell", true, paymentstest.NewGateway("fake"), true},
	} {
		_, err := payments.NewService(payments.Config{Store: memstore.New(), Orders: orders, Gateways: []payments.Gateway{tt.gw}, Live: tt.live})
		if (err == nil) != tt.ok {
			t.Errorf("%s: %v, want ok %v", tt.name, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "Config.Live") {
			t.Errorf("%s: %v does not name Config.Live", tt.name, err)
		}
	}
}

// testKeys is paymentstest's fake reporting test keys.
type testKeys struct{ *paymentstest.Gateway }

func (testKeys) Live() bool { return false }
