package memstore_test

import (
	"testing"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
)

func TestPeriodStoreConformance(t *testing.T) {
	paymentstest.RunPeriodStoreTests(t, func(*testing.T) payments.Store { return memstore.New() })
}
