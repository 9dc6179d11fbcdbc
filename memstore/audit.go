package memstore

import (
	"context"
	"slices"
	"time"

	"github.com/payments-go/payments"
)

var _ payments.PeriodStore = (*Store)(nil)

// PaymentsMoved implements [payments.PeriodStore]. It finds the order
// numbers of the period in one pass under the lock, then copies the
// payments out a page at a time, so that the lock is never held while fn
// runs.
func (s *Store) PaymentsMoved(ctx context.Context, from, to time.Time, pageSize int, fn func([]*payments.Payment) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if pageSize <= 0 {
		pageSize = 500
	}
	s.mu.Lock()
	var orders []string
	for n, p := range s.payments {
		if payments.MovedIn(p, from, to) {
			orders = append(orders, n)
		}
	}
	s.mu.Unlock()
	slices.Sort(orders)
	for len(orders) > 0 {
		n := min(pageSize, len(orders))
		page := make([]*payments.Payment, 0, n)
		s.mu.Lock()
		for _, o := range orders[:n] {
			if p, ok := s.payments[o]; ok && payments.MovedIn(p, from, to) {
				page = append(page, p.Clone())
			}
		}
		s.mu.Unlock()
		orders = orders[n:]
		if len(page) == 0 {
			continue
		}
		if err := fn(page); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}
