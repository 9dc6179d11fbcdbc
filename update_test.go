package payments_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
)

// racingStore is a memstore whose next Update, once armed, finds the
// payment changed by another writer first (its version bumped), as a
// concurrent callback or replica would leave it.
type racingStore struct {
	*memstore.Store
	mu      sync.Mutex
	armed   bool
	updates int
	raced   int
}

func (s *racingStore) arm() { s.mu.Lock(); s.armed = true; s.mu.Unlock() }

func (s *racingStore) Update(ctx context.Context, p *payments.Payment, events []payments.Event) error {
	s.mu.Lock()
	s.updates++
	race := s.armed
	s.armed = false
	s.mu.Unlock()
	if race {
		other, err := s.Store.Get(ctx, p.OrderNumber)
		if err != nil {
			return err
		}
		if err := s.Store.Update(ctx, other, nil); err != nil {
			return err
		}
		s.mu.Lock()
		s.raced++
		s.mu.Unlock()
	}
	return s.Store.Update(ctx, p, events)
}

// The Service writes what a gateway call reports starting from the copy
// it read before the call; a write by someone else in between costs a
// lost compare-and-set and a reread, never the gateway's answer.
func TestGatewayOutcomeRecordedDespiteAConcurrentWrite(t *testing.T) {
	const order = "ORD-20260122-001"
	tests := []struct {
		name string
		// before runs unarmed; act runs with the store armed.
		before func(t *testing.T, svc *payments.Service, gw *paymentstest.Gateway) string
		act    func(ctx context.Context, svc *payments.Service, ref string) (*payments.Payment, error)
		want   payments.Status
	}{
		{
			name: "Prepare records the gateway's session",
			before: func(*testing.T, *payments.Service, *paymentstest.Gateway) string {
				return ""
			},
			act: func(ctx context.Context, svc *payments.Service, _ string) (*payments.Payment, error) {
				prep, err := svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: order, Gateway: "fake"})
				if err != nil {
					return nil, err
				}
				if prep.Attempt.Reference == "" {
					return nil, fmt.Errorf("prepared attempt without the gateway's reference")
				}
				return prep.Payment, nil
			},
			want: payments.StatusReady,
		},
		{
			name: "Refresh records the completed action",
			before: func(t *testing.T, svc *payments.Service, gw *paymentstest.Gateway) string {
				gw.RequireAction("https://bank.example/3ds")
				prep, err := svc.Prepare(t.Context(), payments.PrepareRequest{OrderNumber: order, Gateway: "fake"})
				if err != nil {
					t.Fatal(err)
				}
				if p, err := svc.Confirm(t.Context(), payments.ConfirmRequest{OrderNumber: order}); err != nil || p.Status != payments.StatusRequiresAction {
					t.Fatalf("Confirm = %v, %v", p, err)
				}
				if err := gw.CompleteAction(prep.Attempt.Reference); err != nil {
					t.Fatal(err)
				}
				return prep.Attempt.Reference
			},
			act: func(ctx context.Context, svc *payments.Service, ref string) (*payments.Payment, error) {
				return svc.Refresh(ctx, payments.RefreshRequest{OrderNumber: order, Reference: ref})
			},
			want: payments.StatusPaid,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &racingStore{Store: memstore.New()}
			gw := paymentstest.NewGateway("fake")
			svc, err := payments.NewService(payments.Config{
				Store: store, Gateways: []payments.Gateway{gw},
				Orders: payments.NewOrderBook(payments.Order{Number: order, Name: "Cool T-Shirt", Amount: 58990, Currency: payments.KRW}),
			})
			if err != nil {
				t.Fatal(err)
			}
			ref := tt.before(t, svc, gw)
			store.arm()
			p, err := tt.act(t.Context(), svc, ref)
			if err != nil || p.Status != tt.want {
				t.Fatalf("got %v, %v; want %s", p, err, tt.want)
			}
			if store.raced != 1 {
				t.Fatalf("the concurrent write ran %d times, want 1", store.raced)
			}
			stored, err := store.Get(t.Context(), order)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(p, stored); diff != "" {
				t.Errorf("returned payment differs from the stored one (-returned +stored):\n%s", diff)
			}
		})
	}
}
