package sqlstore_test

import (
	"testing"

	"github.com/payments-go/payments/internal/lagbench"
)

// BenchmarkDeliveryLag measures, on an idle Service running Run over
// PostgreSQL, the time from a change being stored (its events in the same
// statement as the payment) to its event reaching the handler, as p50 and
// p99; the target is a p99 of at most 1 s.
func BenchmarkDeliveryLag(b *testing.B) {
	db := openDB(b, 4)
	lagbench.Run(b, openStore(b, db, newSchema(b)))
}
