package payments_test

import (
	"testing"

	"github.com/payments-go/payments/internal/lagbench"
	"github.com/payments-go/payments/memstore"
)

// BenchmarkDeliveryLag measures, on an idle Service running Run over
// memstore, the time from a change being stored to its event reaching the
// handler, as p50 and p99; the target is a p99 of at most 1 s.
func BenchmarkDeliveryLag(b *testing.B) { lagbench.Run(b, memstore.New()) }
