package payments

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// casStore is the smallest [Store] for update's tests: one payment,
// compare-and-set on Version, the events written with it, and a hook run
// before each write.
type casStore struct {
	Store  // the methods update does not call
	p      *Payment
	events []Event
	writes int
	before func(s *casStore) error
}

func (s *casStore) Get(context.Context, string) (*Payment, error) { return s.p.Clone(), nil }

func (s *casStore) Update(_ context.Context, p *Payment, events []Event) error {
	if s.before != nil {
		if err := s.before(s); err != nil {
			return err
		}
	}
	if p.Version != s.p.Version {
		return ErrConflict
	}
	s.writes++
	p.Version++
	s.p = p.Clone()
	s.events = append(s.events, events...)
	return nil
}

func TestUpdateContract(t *testing.T) {
	stored := func() *Payment {
		return &Payment{OrderNumber: "ORD-1", Amount: 1000, Currency: KRW, Status: StatusPaid, Version: 3,
			Refunds: []Refund{{ID: "rf_1", Amount: 100, Status: RefundSucceeded}}}
	}
	addRefund := func(id string) func(*Payment) error {
		return func(p *Payment) error {
			p.Refunds = append(p.Refunds, Refund{ID: id, Amount: 100, Status: RefundPending})
			return nil
		}
	}
	errRefused := errors.New("refused")
	tests := []struct {
		name   string
		mutate func(*Payment) error
		// before runs before each write, where another writer may get
		// there first.
		before     func(s *casStore) error
		wantErr    error
		wantRefund []string // the refunds of the payment returned
		wantWrites int
		wantRuns   int
	}{
		{name: "written", mutate: addRefund("rf_2"), wantRefund: []string{"rf_1", "rf_2"}, wantWrites: 1, wantRuns: 1},
		{name: "no change", mutate: func(p *Payment) error {
			p.Refunds = nil // discarded with the copy
			return errNoChange
		}, wantRefund: []string{"rf_1"}, wantRuns: 1},
		{name: "mutate refuses", mutate: func(p *Payment) error {
			p.Refunds = nil
			return errRefused
		}, wantErr: errRefused, wantRefund: []string{"rf_1"}, wantRuns: 1},
		{name: "write fails", mutate: addRefund("rf_2"), before: func(*casStore) error { return errRefused },
			wantErr: errRefused, wantRefund: []string{"rf_1"}, wantRuns: 1},
		{name: "lost race: reread and applied again", mutate: addRefund("rf_3"), before: func(s *casStore) error {
			if s.writes == 0 {
				other := s.p.Clone()
				_ = addRefund("rf_2")(other)
				s.before = nil
				return s.Update(context.Background(), other, nil)
			}
			return nil
		}, wantRefund: []string{"rf_1", "rf_2", "rf_3"}, wantWrites: 2, wantRuns: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &casStore{p: stored(), before: tt.before}
			s := &Service{store: st, now: func() time.Time { return time.Unix(0, 0) }, wake: make(chan struct{}, 1)}
			cur := stored()
			runs := 0
			got, err := s.update(t.Context(), cur, func(p *Payment) error {
				runs++
				return tt.mutate(p)
			})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(stored(), cur); diff != "" {
				t.Errorf("update changed the caller's payment (-before +after):\n%s", diff)
			}
			var ids []string
			for _, r := range got.Refunds {
				ids = append(ids, r.ID)
			}
			if diff := cmp.Diff(tt.wantRefund, ids); diff != "" {
				t.Errorf("refunds of the payment returned (-want +got):\n%s", diff)
			}
			if st.writes != tt.wantWrites || runs != tt.wantRuns {
				t.Errorf("%d writes and %d runs of mutate, want %d and %d", st.writes, runs, tt.wantWrites, tt.wantRuns)
			}
			if tt.wantErr == nil && tt.wantWrites > 0 {
				if diff := cmp.Diff(st.p, got); diff != "" {
					t.Errorf("the payment returned is not the one stored (-stored +returned):\n%s", diff)
				}
				// The event is written with the change, numbered after
				// the payment's last, and carries the payment as stored.
				if len(st.events) != 1 || st.events[0].Type != EventRefundPending || st.events[0].Seq != 1 || got.EventSeq != 1 {
					t.Fatalf("events written = %+v, payment's EventSeq %d; want one refund.pending, seq 1", st.events, got.EventSeq)
				}
				if diff := cmp.Diff(got, st.events[0].Payment); diff != "" {
					t.Errorf("the event's payment is not the one stored (-stored +event):\n%s", diff)
				}
				if len(s.wake) != 1 {
					t.Error("a write with events did not wake the delivery")
				}
			} else if len(st.events) != 0 {
				t.Errorf("events written = %+v, want none", st.events)
			}
		})
	}
}
