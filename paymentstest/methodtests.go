package paymentstest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
)

// MethodStoreUnderTest is a store that keeps payments and saved methods.
type MethodStoreUnderTest interface {
	payments.Store
	payments.MethodStore
}

// RunMethodStoreTests checks that a [payments.MethodStore] keeps the
// contract written on that interface. newStore returns an empty store for
// each subtest.
func RunMethodStoreTests(t *testing.T, newStore func(t *testing.T) MethodStoreUnderTest) {
	t.Helper()
	var n atomic.Int64
	id := func() string { return fmt.Sprintf("meth_%d_%d", time.Now().UnixNano(), n.Add(1)) }
	cmpOpts := cmp.Options{
		cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
		cmp.Comparer(func(a, b payments.Secret) bool { return a.Reveal() == b.Reveal() }),
	}

	t.Run("CreateGetRoundTrip", func(t *testing.T) {
		s := newStore(t)
		m := sampleMethod(id(), "cust-1")
		if err := s.CreateMethod(t.Context(), m, nil); err != nil {
			t.Fatalf("CreateMethod: %v", err)
		}
		if m.Version != 1 {
			t.Errorf("Version after create = %d, want 1", m.Version)
		}
		got, err := s.GetMethod(t.Context(), m.ID)
		if err != nil {
			t.Fatalf("GetMethod: %v", err)
		}
		if diff := cmp.Diff(m, got, cmpOpts); diff != "" {
			t.Errorf("GetMethod (-stored +got):\n%s", diff)
		}
		got.Brand = "changed"
		again, _ := s.GetMethod(t.Context(), m.ID)
		if again.Brand == "changed" {
			t.Error("GetMethod shares memory with the store")
		}
		if err := s.CreateMethod(t.Context(), sampleMethod(m.ID, "cust-1"), nil); !errors.Is(err, payments.ErrConflict) {
			t.Errorf("second CreateMethod = %v, want ErrConflict", err)
		}
	})

	t.Run("UnknownMethod", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.GetMethod(t.Context(), "meth_missing"); payments.Code(err) != payments.CodeMethodNotFound {
			t.Errorf("GetMethod(unknown) = %v, want method_not_found", err)
		}
		if _, err := s.MethodByToken(t.Context(), "toss", "no-such-key"); payments.Code(err) != payments.CodeMethodNotFound {
			t.Errorf("MethodByToken(unknown) = %v, want method_not_found", err)
		}
		if _, err := s.GetSetup(t.Context(), "setup_missing"); payments.Code(err) != payments.CodeMethodNotFound {
			t.Errorf("GetSetup(unknown) = %v, want method_not_found", err)
		}
	})

	t.Run("UpdateCompareAndSet", func(t *testing.T) {
		s := newStore(t)
		m := sampleMethod(id(), "cust-1")
		if err := s.CreateMethod(t.Context(), m, nil); err != nil {
			t.Fatal(err)
		}
		const racers = 16
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := m.Clone()
				c.Brand = fmt.Sprintf("racer-%d", i)
				err := s.UpdateMethod(t.Context(), c, nil)
				switch {
				case err == nil:
					wins.Add(1)
					if c.Version != 2 {
						t.Errorf("Version after update = %d, want 2", c.Version)
					}
				case !errors.Is(err, payments.ErrConflict):
					t.Errorf("UpdateMethod: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Errorf("%d concurrent updates from one version succeeded, want 1", wins.Load())
		}
		stale := m.Clone()
		stale.Status = payments.MethodRemoved
		if err := s.UpdateMethod(t.Context(), stale, nil); !errors.Is(err, payments.ErrConflict) {
			t.Errorf("stale UpdateMethod = %v, want ErrConflict", err)
		}
		if got, _ := s.GetMethod(t.Context(), m.ID); got.Status != payments.MethodActive {
			t.Errorf("a refused update changed the method: status %s", got.Status)
		}
	})

	t.Run("ListAndToken", func(t *testing.T) {
		s := newStore(t)
		t0 := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
		var want []string
		for i := range 3 {
			m := sampleMethod(id(), "cust-list")
			m.CreatedAt = t0.Add(time.Duration(2-i) * time.Hour)
			m.Token = payments.Secret(fmt.Sprintf("key-%s", m.ID))
			if err := s.CreateMethod(t.Context(), m, nil); err != nil {
				t.Fatal(err)
			}
			want = append([]string{m.ID}, want...)
		}
		if err := s.CreateMethod(t.Context(), sampleMethod(id(), "someone-else"), nil); err != nil {
			t.Fatal(err)
		}
		list, err := s.ListMethods(t.Context(), "cust-list")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range list {
			got = append(got, m.ID)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ListMethods order, oldest first (-want +got):\n%s", diff)
		}
		m, err := s.MethodByToken(t.Context(), "toss", payments.Secret("key-"+want[1]))
		if err != nil || m.ID != want[1] {
			t.Errorf("MethodByToken = %v, %v; want %s", m, err, want[1])
		}
		if _, err := s.MethodByToken(t.Context(), "stripe", payments.Secret("key-"+want[1])); payments.Code(err) != payments.CodeMethodNotFound {
			t.Errorf("MethodByToken of another gateway = %v, want method_not_found", err)
		}
	})

	t.Run("CustomersOncePerGateway", func(t *testing.T) {
		s := newStore(t)
		if c, err := s.GetCustomer(t.Context(), "toss", "c1"); c != nil || err != nil {
			t.Fatalf("GetCustomer before any = %v, %v; want nil, nil", c, err)
		}
		var wg sync.WaitGroup
		refs := make([]string, 8)
		for i := range refs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := s.PutCustomer(t.Context(), &payments.GatewayCustomer{Gateway: "toss", CustomerID: "c1",
					Reference: payments.Secret(fmt.Sprintf("ck-%d", i)), CreatedAt: time.Now()})
				if err != nil {
					t.Error(err)
					return
				}
				refs[i] = c.Reference.Reveal()
			}()
		}
		wg.Wait()
		for _, r := range refs {
			if r != refs[0] {
				t.Fatalf("concurrent PutCustomer returned different references: %q", refs)
			}
		}
		got, err := s.GetCustomer(t.Context(), "toss", "c1")
		if err != nil || got.Reference.Reveal() != refs[0] {
			t.Errorf("GetCustomer = %v, %v; want reference %q", got, err, refs[0])
		}
		if c, _ := s.GetCustomer(t.Context(), "stripe", "c1"); c != nil {
			t.Error("a customer of one gateway is found for another")
		}
	})

	t.Run("Setups", func(t *testing.T) {
		s := newStore(t)
		st := &payments.MethodSetup{ID: "setup_" + id(), Gateway: "stripe", CustomerID: "c1", SuccessURL: "https://shop.example/ok",
			FailURL: "https://shop.example/fail", Session: "cs_1", CreatedAt: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}
		if err := s.PutSetup(t.Context(), st); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetSetup(t.Context(), st.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(st, got, cmpOpts); diff != "" {
			t.Errorf("GetSetup (-put +got):\n%s", diff)
		}
	})

	t.Run("EventsWithTheChangeInTheirOwnStream", func(t *testing.T) {
		s := newStore(t)
		m := sampleMethod(id(), "cust-ev")
		at := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
		ev := func(seq int64, typ payments.EventType) payments.Event {
			snap := m.Clone()
			snap.Token, snap.GatewayCustomer = "", ""
			return payments.Event{ID: fmt.Sprintf("evt_%s_%d", m.ID, seq), Seq: seq, Type: typ, Method: snap, At: at}
		}
		if err := s.CreateMethod(t.Context(), m, []payments.Event{ev(1, payments.EventMethodSaved)}); err != nil {
			t.Fatal(err)
		}
		// A refused write stores no event.
		stale := m.Clone()
		stale.Version = 99
		if err := s.UpdateMethod(t.Context(), stale, []payments.Event{ev(2, payments.EventMethodRemoved)}); !errors.Is(err, payments.ErrConflict) {
			t.Fatalf("stale UpdateMethod = %v", err)
		}
		next := m.Clone()
		next.Status = payments.MethodRemoved
		if err := s.UpdateMethod(t.Context(), next, []payments.Event{ev(2, payments.EventMethodRemoved)}); err != nil {
			t.Fatal(err)
		}
		// A payment's events and the method's are claimed side by side;
		// the method's second waits for its first.
		p := samplePayment("MS-" + m.ID)
		pev := payments.Event{ID: "evt_pay_" + m.ID, Seq: 1, Type: payments.EventAttemptCreated, OrderNumber: p.OrderNumber, Payment: p.Clone(), At: at}
		if err := s.Create(t.Context(), p, []payments.Event{pev}); err != nil {
			t.Fatal(err)
		}
		now := at.Add(time.Second)
		got, err := s.ClaimEvents(t.Context(), now, time.Minute, 10, "tok")
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]payments.Event{}
		for _, c := range got {
			ids[c.Event.ID] = c.Event
		}
		if len(got) != 2 || ids[pev.ID].ID == "" || ids[ev(1, "").ID].ID == "" {
			t.Fatalf("first claim = %d events %v, want the payment's first and the method's first", len(got), keys(ids))
		}
		me := ids[ev(1, "").ID]
		if me.Type != payments.EventMethodSaved || me.Method == nil || me.Method.ID != m.ID || me.OrderNumber != "" || me.Payment != nil {
			t.Errorf("method event = %+v, want method.saved of %s with no payment", me, m.ID)
		}
		if me.Method != nil && (!me.Method.Token.IsZero() || !me.Method.GatewayCustomer.IsZero()) {
			t.Error("a stored method event carries the method's token or gateway customer")
		}
		if err := s.AckEvent(t.Context(), me.ID, "tok", now); err != nil {
			t.Fatal(err)
		}
		got, err = s.ClaimEvents(t.Context(), now.Add(2*time.Minute), time.Minute, 10, "tok2")
		if err != nil {
			t.Fatal(err)
		}
		var second *payments.Event
		for _, c := range got {
			if c.Event.ID == ev(2, "").ID {
				second = &c.Event
			}
		}
		if second == nil || second.Type != payments.EventMethodRemoved || second.Seq != 2 {
			t.Errorf("after the first was acknowledged, claim = %v; want method.removed seq 2", got)
		}
	})
}

func keys(m map[string]payments.Event) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// sampleMethod sets every field of a method.
func sampleMethod(id, customer string) *payments.PaymentMethod {
	t0 := time.Date(2026, 1, 22, 10, 0, 0, 123_000_000, time.UTC)
	return &payments.PaymentMethod{
		ID: id, Gateway: "toss", CustomerID: customer, Type: payments.MethodCard, Brand: "61", Last4: "1234",
		Status: payments.MethodActive, Token: payments.Secret("bk-" + id + "-_="), GatewayCustomer: "ck_abc-_=.@",
		RemovedBy: "nobody", CreatedAt: t0, UpdatedAt: t0.Add(time.Second), EventSeq: 3,
	}
}
