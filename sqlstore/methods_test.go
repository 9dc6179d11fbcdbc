package sqlstore_test

import (
	"testing"

	"github.com/payments-go/payments/paymentstest"
)

// TestMethodStoreConformance runs the MethodStore contract suite, each
// subtest on a schema of its own.
func TestMethodStoreConformance(t *testing.T) {
	paymentstest.RunMethodStoreTests(t, func(t *testing.T) paymentstest.MethodStoreUnderTest {
		st, _, _ := newStore(t)
		return st
	})
}
