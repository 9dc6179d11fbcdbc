package paymentstest

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/payments-go/payments"
)

// ChargeHarness is what [RunChargeTests] needs of one gateway and one
// store.
type ChargeHarness struct {
	// NewStore returns an empty store that keeps saved methods
	// ([payments.MethodStore]); the replicas of a test share it.
	NewStore func(t *testing.T) payments.Store
	// Gateway returns the gateway of a test; the replicas share it.
	Gateway func(t *testing.T) payments.Gateway
	// SaveMethod saves a payment method for the customer through svc, as
	// the customer's browser and the gateway's page would, and returns
	// its id.
	SaveMethod func(t *testing.T, svc *payments.Service, customerID string) string
	// Charges returns how many times the gateway took money for the
	// gateway order id (the Toss orderId of the attempt); replays of an
	// idempotency key do not count.
	Charges func(t *testing.T, gatewayOrderID string) int
}

// RunChargeTests checks the guarantees of [payments.Service.Charge]
// against a gateway and a store: any number of concurrent charges of one
// order, on several replicas, make one gateway charge; a process that
// dies between the gateway's charge and the write that records it leaves
// a charge that [payments.Service.Reconcile] records paid, once; removed
// and unknown methods are refused.
func RunChargeTests(t *testing.T, h ChargeHarness) {
	t.Helper()
	var seq atomic.Int64
	order := func() payments.Order {
		return payments.Order{Number: fmt.Sprintf("SUB-%d-%d", time.Now().UnixNano()%1e9, seq.Add(1)),
			Name: "Monthly plan", Amount: 9900, Currency: payments.KRW}
	}
	replicas := func(t *testing.T, n int, store payments.Store, gw payments.Gateway, orders payments.Orders) []*payments.Service {
		var out []*payments.Service
		for range n {
			svc, err := payments.NewService(payments.Config{Store: store, Orders: orders, Gateways: []payments.Gateway{gw}})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, svc)
		}
		return out
	}

	t.Run("ConcurrentChargesMakeOneGatewayCharge", func(t *testing.T) {
		o := order()
		store, gw := h.NewStore(t), h.Gateway(t)
		svcs := replicas(t, 4, store, gw, payments.NewOrderBook(o))
		id := h.SaveMethod(t, svcs[0], "cust-"+o.Number)
		const callers = 100
		var wg sync.WaitGroup
		errs := make(chan error, callers)
		for i := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := svcs[i%len(svcs)].Charge(context.Background(), payments.ChargeRequest{OrderNumber: o.Number, MethodID: id})
				if err != nil {
					errs <- err
					return
				}
				if p.Status != payments.StatusPaid {
					errs <- fmt.Errorf("status %s, want paid", p.Status)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("Charge: %v", err)
		}
		if n := h.Charges(t, o.Number); n != 1 {
			t.Errorf("%d concurrent charges on 4 replicas made %d gateway charges, want 1", callers, n)
		}
		p, err := svcs[0].Payment(t.Context(), o.Number)
		if err != nil || p.Status != payments.StatusPaid || len(p.Attempts) != 1 {
			t.Fatalf("stored payment = %+v, %v; want paid with one attempt", p, err)
		}
		// A later charge, as a scheduler's retry, changes nothing.
		if _, err := svcs[3].Charge(t.Context(), payments.ChargeRequest{OrderNumber: o.Number, MethodID: id}); err != nil {
			t.Fatal(err)
		}
		if n := h.Charges(t, o.Number); n != 1 {
			t.Errorf("a repeated charge of a paid order made %d gateway charges, want 1", n)
		}
	})

	t.Run("CrashBetweenGatewayChargeAndWrite", func(t *testing.T) {
		o := order()
		store, gw := h.NewStore(t), h.Gateway(t)
		orders := payments.NewOrderBook(o)
		first := replicas(t, 1, store, gw, orders)[0]
		id := h.SaveMethod(t, first, "cust-"+o.Number)
		// The process dies once the gateway charged, before anything else
		// runs: not a write, not a lookup.
		dying, err := payments.NewService(payments.Config{Store: store, Orders: orders,
			Gateways: []payments.Gateway{dyingCharger{gw}}})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = dying.Charge(context.Background(), payments.ChargeRequest{OrderNumber: o.Number, MethodID: id})
			t.Error("Charge returned; the process was to die in the gateway call")
		}()
		<-done
		if n := h.Charges(t, o.Number); n != 1 {
			t.Fatalf("gateway charges before the restart = %d, want 1", n)
		}
		p, err := first.Payment(t.Context(), o.Number)
		if err != nil || p.Status != payments.StatusProcessing {
			t.Fatalf("after the crash, stored payment = %v, %v; want processing (the pending attempt)", p, err)
		}
		restarted := replicas(t, 1, store, gw, orders)[0]
		rep, err := restarted.Reconcile(t.Context(), &payments.ReconcileOptions{SettleAfter: time.Nanosecond})
		if err != nil || len(rep.Errors) > 0 {
			t.Fatalf("Reconcile = %+v, %v", rep, err)
		}
		p, err = restarted.Payment(t.Context(), o.Number)
		if err != nil || p.Status != payments.StatusPaid {
			t.Fatalf("after the sweep, payment = %v, %v; want paid", p, err)
		}
		if _, err := restarted.Charge(t.Context(), payments.ChargeRequest{OrderNumber: o.Number, MethodID: id}); err != nil {
			t.Fatal(err)
		}
		if n := h.Charges(t, o.Number); n != 1 {
			t.Errorf("after the crash, the sweep and a new charge call: %d gateway charges, want 1", n)
		}
	})

	t.Run("RemovedAndUnknownMethodsAreRefused", func(t *testing.T) {
		o := order()
		store, gw := h.NewStore(t), h.Gateway(t)
		svc := replicas(t, 1, store, gw, payments.NewOrderBook(o))[0]
		id := h.SaveMethod(t, svc, "cust-"+o.Number)
		if _, err := svc.Charge(t.Context(), payments.ChargeRequest{OrderNumber: o.Number, MethodID: "meth_unknown"}); payments.Code(err) != payments.CodeMethodNotFound {
			t.Errorf("Charge(unknown method) = %v, want method_not_found", err)
		}
		m, err := svc.RemoveMethod(t.Context(), id)
		if err != nil || m.Status != payments.MethodRemoved {
			t.Fatalf("RemoveMethod = %+v, %v", m, err)
		}
		if _, err := svc.Charge(t.Context(), payments.ChargeRequest{OrderNumber: o.Number, MethodID: id}); payments.Code(err) != payments.CodeMethodNotActive {
			t.Errorf("Charge(removed method) = %v, want method_not_active", err)
		}
		if n := h.Charges(t, o.Number); n != 0 {
			t.Errorf("refused charges made %d gateway charges", n)
		}
	})
}

// dyingCharger is a gateway whose process dies right after the gateway
// charged a saved method: the goroutine ends without returning, so
// nothing after the call runs.
type dyingCharger struct{ payments.Gateway }

func (d dyingCharger) ChargeMethod(ctx context.Context, p *payments.MethodChargeParams) (*payments.Charge, error) {
	_, _ = d.Gateway.(payments.MethodCharger).ChargeMethod(ctx, p)
	runtime.Goexit()
	return nil, nil
}

// FakeChargeHarness is the [ChargeHarness] of [Gateway] over stores from
// newStore.
func FakeChargeHarness(newStore func(t *testing.T) payments.Store) ChargeHarness {
	var mu sync.Mutex
	gws := map[*testing.T]*Gateway{}
	gwOf := func(t *testing.T) *Gateway {
		mu.Lock()
		defer mu.Unlock()
		if g, ok := gws[t]; ok {
			return g
		}
		g := NewGateway("fake")
		g.Delay(5 * time.Millisecond)
		gws[t] = g
		t.Cleanup(func() { mu.Lock(); delete(gws, t); mu.Unlock() })
		return g
	}
	return ChargeHarness{
		NewStore: newStore,
		Gateway:  func(t *testing.T) payments.Gateway { return gwOf(t) },
		SaveMethod: func(t *testing.T, svc *payments.Service, customerID string) string {
			started, err := svc.StartSave(t.Context(), payments.StartSaveRequest{Gateway: "fake", CustomerID: customerID,
				SuccessURL: "https://shop.example/ok", FailURL: "https://shop.example/fail"})
			if err != nil {
				t.Fatalf("StartSave: %v", err)
			}
			saved, err := svc.FinishSave(t.Context(), payments.FinishSaveRequest{Gateway: "fake", SetupID: started.Setup.ID,
				GatewayCustomer: started.Customer.Reference, AuthKey: "auth"})
			if err != nil {
				t.Fatalf("FinishSave: %v", err)
			}
			return saved.Method.ID
		},
		Charges: func(t *testing.T, id string) int { return gwOf(t).Charges(id) },
	}
}
