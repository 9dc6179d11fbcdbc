package memstore_test

import (
	"testing"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
)

func TestConformance(t *testing.T) {
	paymentstest.RunStoreTests(t, func(*testing.T) payments.Store { return memstore.New() })
}

func TestMethodConformance(t *testing.T) {
	paymentstest.RunMethodStoreTests(t, func(*testing.T) paymentstest.MethodStoreUnderTest { return memstore.New() })
}
