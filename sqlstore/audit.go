package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/payments-go/payments"
)

var _ payments.PeriodStore = (*Store)(nil)

// defaultMovedPage is the page size of [Store.PaymentsMoved] when the
// caller gives none.
const defaultMovedPage = 500

// movedSQL is the query of one page of [Store.PaymentsMoved]: the paid
// payments paid before the period's end and updated since its start
// (a superset of those whose money moved in it, read through the
// payments_moved_idx index), after the keyset cursor ($3, $4).
func (s *Store) movedSQL() string {
	return `SELECT ` + columns + ` FROM ` + s.paymentsTable + `
WHERE paid_at IS NOT NULL AND updated_at >= $1 AND paid_at < $2 AND (updated_at, order_number) > ($3, $4)
ORDER BY updated_at, order_number
LIMIT $5`
}

// PaymentsMoved implements [payments.PeriodStore] with one query per
// page, keyset-paged on (updated_at, order_number): each page costs the
// same however far the audit got. A payment updated during the call
// moves past the cursor and may be given twice.
func (s *Store) PaymentsMoved(ctx context.Context, from, to time.Time, pageSize int, fn func([]*payments.Payment) error) error {
	if pageSize <= 0 {
		pageSize = defaultMovedPage
	}
	query := s.movedSQL()
	curAt, curOrder := from, ""
	for {
		page, err := s.movedPage(ctx, query, from, to, curAt, curOrder, pageSize)
		if err != nil {
			return fmt.Errorf("sqlstore: list the payments of a period: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		last := page[len(page)-1]
		curAt, curOrder = last.UpdatedAt, last.OrderNumber
		full := len(page) == pageSize
		kept := page[:0]
		for _, p := range page {
			if payments.MovedIn(p, from, to) {
				kept = append(kept, p)
			}
		}
		if len(kept) > 0 {
			if err := fn(kept); err != nil {
				return err
			}
		}
		if !full {
			return nil
		}
	}
}

func (s *Store) movedPage(ctx context.Context, query string, from, to, curAt time.Time, curOrder string, limit int) ([]*payments.Payment, error) {
	rows, err := s.db.QueryContext(ctx, query, from, to, curAt, curOrder, int64(limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]*payments.Payment, 0, limit)
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
