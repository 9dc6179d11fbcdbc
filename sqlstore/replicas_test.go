package sqlstore_test

import (
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/paymentstest"
	"github.com/payments-go/payments/sqlstore"
)

// replica is one application process: its own pool, store and service.
type replica struct {
	db    *sql.DB
	store *sqlstore.Store
	svc   *payments.Service
}

func newReplica(t testing.TB, schema string, maxConns int, orders payments.Orders, gw payments.Gateway) *replica {
	t.Helper()
	db := openDB(t, maxConns)
	st := openStore(t, db, schema)
	svc, err := payments.NewService(payments.Config{Store: st, Orders: orders, Gateways: []payments.Gateway{gw}})
	if err != nil {
		t.Fatal(err)
	}
	return &replica{db: db, store: st, svc: svc}
}

// TestReplicas: four services, each with its own pool on one database,
// receive the same confirms and refunds at once. Each payment is
// confirmed at the gateway exactly once, refunds never exceed the paid
// amount, and no update is lost.
func TestReplicas(t *testing.T) {
	schema := newSchema(t)
	ctx := t.Context()
	const (
		nOrders    = 20
		nReplicas  = 4
		perReplica = 3 // concurrent requests per replica and order
		amount     = payments.Amount(10000)
		part       = payments.Amount(3000)
	)
	fake := paymentstest.NewGateway("fake")
	fake.Delay(2 * time.Millisecond) // widen the race windows
	book := payments.NewOrderBook()
	var numbers []string
	for i := range nOrders {
		n := fmt.Sprintf("REP-%02d", i)
		numbers = append(numbers, n)
		if err := book.Add(payments.Order{Number: n, Name: "replica test", Amount: amount, Currency: payments.KRW}); err != nil {
			t.Fatal(err)
		}
	}
	reps := make([]*replica, nReplicas)
	for i := range reps {
		reps[i] = newReplica(t, schema, 8, book, fake)
	}
	each := func(fn func(order string, r *replica)) {
		var wg sync.WaitGroup
		for _, n := range numbers {
			for _, r := range reps {
				for range perReplica {
					wg.Add(1)
					go func() {
						defer wg.Done()
						fn(n, r)
					}()
				}
			}
		}
		wg.Wait()
	}

	// Every replica prepares every order at once: one attempt, one charge.
	refs := make(map[string]map[string]bool)
	var mu sync.Mutex
	each(func(n string, r *replica) {
		prep, err := r.svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: n, Gateway: "fake"})
		if err != nil {
			t.Errorf("Prepare %s: %v", n, err)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if refs[n] == nil {
			refs[n] = make(map[string]bool)
		}
		refs[n][prep.Attempt.Reference] = true
	})
	if t.Failed() {
		t.FailNow()
	}
	ref := make(map[string]string)
	for _, n := range numbers {
		if len(refs[n]) != 1 {
			t.Fatalf("order %s: concurrent prepares saw references %v, want one", n, refs[n])
		}
		for r := range refs[n] {
			ref[n] = r
		}
	}

	// Every replica confirms every order several times at once.
	each(func(n string, r *replica) {
		p, err := r.svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: n})
		if err != nil {
			t.Errorf("Confirm %s: %v", n, err)
			return
		}
		if p.Status != payments.StatusPaid {
			t.Errorf("Confirm %s: status %s, want paid", n, p.Status)
		}
	})
	// The money is taken once per payment. Confirm requests that reached
	// the gateway are only logged: besides the one that claimed the
	// attempt, a confirm whose claim lost a compare-and-set race may also
	// call the gateway (payments.Service.Confirm keeps its "claimed" flag
	// across the retry), which the shared idempotency key makes harmless.
	confirmCalls := make(map[string]int)
	for _, c := range fake.Calls() {
		if c.Op == "confirm" {
			confirmCalls[c.Reference]++
		}
	}
	extra := 0
	for _, n := range numbers {
		if got := fake.Confirmations(ref[n]); got != 1 {
			t.Errorf("order %s: the gateway took the money %d times, want 1", n, got)
		}
		extra += confirmCalls[ref[n]] - 1
	}
	t.Logf("%d confirm requests for %d payments; %d beyond one per payment", len(numbers)+extra, len(numbers), extra)

	// Every replica asks for partial refunds at once: exactly three of
	// 3,000 fit into 10,000; the others are refused.
	refunded := make(map[string][]string)
	each(func(n string, r *replica) {
		_, rf, err := r.svc.Refund(ctx, payments.RefundRequest{OrderNumber: n, Amount: part, Reason: "replica test"})
		switch payments.Code(err) {
		case "":
			mu.Lock()
			refunded[n] = append(refunded[n], rf.ID)
			mu.Unlock()
		case payments.CodeRefundExceedsBalance:
		default:
			t.Errorf("Refund %s: %v", n, err)
		}
	})
	// Then every replica asks for the rest at once: one gets it.
	each(func(n string, r *replica) {
		_, rf, err := r.svc.Refund(ctx, payments.RefundRequest{OrderNumber: n, Reason: "the rest"})
		switch payments.Code(err) {
		case "":
			mu.Lock()
			refunded[n] = append(refunded[n], rf.ID)
			mu.Unlock()
		case payments.CodeRefundExceedsBalance:
		default:
			t.Errorf("Refund the rest of %s: %v", n, err)
		}
	})

	for _, n := range numbers {
		p, err := reps[0].store.Get(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		var sum payments.Amount
		succeeded := make(map[string]bool)
		for _, r := range p.Refunds {
			switch r.Status {
			case payments.RefundSucceeded:
				sum += r.Amount
				succeeded[r.ID] = true
			default:
				t.Errorf("order %s: refund %s is %s", n, r.ID, r.Status)
			}
		}
		atGateway := fake.Refunded(ref[n])
		switch {
		case len(refunded[n]) != 4:
			t.Errorf("order %s: %d refund requests succeeded, want 3 partial and 1 for the rest", n, len(refunded[n]))
		case atGateway > amount:
			t.Errorf("order %s: the gateway refunded %d of %d", n, atGateway, amount)
		case atGateway != p.RefundedAmount || sum != p.RefundedAmount || p.RefundedAmount != amount:
			t.Errorf("order %s: refunded %d at the gateway, %d recorded, succeeded refunds add up to %d; want %d each",
				n, atGateway, p.RefundedAmount, sum, amount)
		case p.Status != payments.StatusRefunded:
			t.Errorf("order %s: status %s, want refunded", n, p.Status)
		}
		for _, id := range refunded[n] {
			if !succeeded[id] {
				t.Errorf("order %s: refund %s was reported to its caller but is not stored as succeeded (a lost update)", n, id)
			}
		}
		if len(p.Refunds) != len(refunded[n]) {
			t.Errorf("order %s: %d refunds stored, %d reported to callers", n, len(p.Refunds), len(refunded[n]))
		}
	}
	unsettled, err := reps[1].store.Unsettled(ctx, time.Now().Add(time.Hour), 0)
	if err != nil || len(unsettled) != 0 {
		t.Errorf("Unsettled after everything settled: %d payments, %v", len(unsettled), err)
	}
}

// TestRestart: what a crash leaves unsettled, a new process settles.
// The gateway takes the money but its answer is lost (and so is the
// follow-up lookup), leaving the payment processing; the process goes
// away with its pool, and a new one's Reconcile finds the payment paid,
// with one confirmation at the gateway. Then the same for a refund the
// gateway made but whose answer was lost.
func TestRestart(t *testing.T) {
	schema := newSchema(t)
	ctx := t.Context()
	const order = "RST-1"
	fake := paymentstest.NewGateway("fake")
	book := payments.NewOrderBook(payments.Order{Number: order, Name: "restart test", Amount: 10000, Currency: payments.KRW})

	r1 := newReplica(t, schema, 4, book, fake)
	prep, err := r1.svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: order, Gateway: "fake"})
	if err != nil {
		t.Fatal(err)
	}
	ref := prep.Attempt.Reference
	fake.LoseNextResponse(1)                          // the confirm takes the money; its answer is lost
	fake.FailNext(1, payments.CodeGatewayUnavailable) // and so is the lookup that follows
	if _, err := r1.svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: order}); payments.Code(err) != payments.CodeGatewayUnavailable {
		t.Fatalf("Confirm with a lost answer: %v, want gateway_unavailable", err)
	}
	if p, _ := r1.store.Get(ctx, order); p == nil || p.Status != payments.StatusProcessing {
		t.Fatalf("after the lost answer the payment is %v, want processing", p)
	}
	_ = r1.db.Close() // the process dies

	r2 := newReplica(t, schema, 4, book, fake)
	rep, err := r2.svc.Reconcile(ctx, &payments.ReconcileOptions{SettleAfter: time.Nanosecond})
	if err != nil || len(rep.Errors) > 0 {
		t.Fatalf("Reconcile: %+v, %v", rep, err)
	}
	p, err := r2.store.Get(ctx, order)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != payments.StatusPaid {
		t.Errorf("after Reconcile in a new process the payment is %s, want paid", p.Status)
	}
	if n := fake.Confirmations(ref); n != 1 {
		t.Errorf("the gateway took the money %d times, want 1", n)
	}
	if len(rep.Changes) != 1 || rep.Changes[0].From != payments.StatusProcessing || rep.Changes[0].To != payments.StatusPaid {
		t.Errorf("Reconcile changes = %+v, want %s processing → paid", rep.Changes, order)
	}

	fake.LoseNextResponse(1) // the refund is made; its answer is lost
	if _, _, err := r2.svc.Refund(ctx, payments.RefundRequest{OrderNumber: order, Amount: 4000, Reason: "restart test"}); payments.Code(err) != payments.CodeGatewayUnavailable {
		t.Fatalf("Refund with a lost answer: %v, want gateway_unavailable", err)
	}
	p, _ = r2.store.Get(ctx, order)
	if len(p.Refunds) != 1 || p.Refunds[0].Status != payments.RefundPending {
		t.Fatalf("after the lost answer the refunds are %+v, want one pending", p.Refunds)
	}
	_ = r2.db.Close()

	r3 := newReplica(t, schema, 4, book, fake)
	rep, err = r3.svc.Reconcile(ctx, &payments.ReconcileOptions{SettleAfter: time.Nanosecond})
	if err != nil || len(rep.Errors) > 0 {
		t.Fatalf("Reconcile: %+v, %v", rep, err)
	}
	p, err = r3.store.Get(ctx, order)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Refunds) != 1 || p.Refunds[0].Status != payments.RefundSucceeded || p.RefundedAmount != 4000 {
		t.Errorf("after Reconcile: refunds %+v, refunded %d; want one succeeded refund of 4000", p.Refunds, p.RefundedAmount)
	}
	if p.Status != payments.StatusPartiallyRefunded {
		t.Errorf("after Reconcile the payment is %s, want partially_refunded", p.Status)
	}
	if got := fake.Refunded(ref); got != 4000 {
		t.Errorf("the gateway refunded %d, want 4000 (once)", got)
	}
	if list, err := r3.store.Unsettled(ctx, time.Now().Add(time.Hour), 0); err != nil || len(list) != 0 {
		t.Errorf("Unsettled after reconciliation: %d payments, %v", len(list), err)
	}
}
