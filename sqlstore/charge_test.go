package sqlstore_test

import (
	"testing"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/paymentstest"
)

// TestChargeGuarantees runs the saved-method charge guarantees (one
// gateway charge of 100 concurrent ones on 4 replicas; a crash between
// the gateway's charge and the write) over PostgreSQL.
func TestChargeGuarantees(t *testing.T) {
	paymentstest.RunChargeTests(t, paymentstest.FakeChargeHarness(func(t *testing.T) payments.Store {
		st, _, _ := newStore(t)
		return st
	}))
}
