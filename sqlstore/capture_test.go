package sqlstore_test

import (
	"testing"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/paymentstest"
)

// TestCaptureAndDisputeGuarantees runs the capture and dispute guarantees
// with several Service replicas over one PostgreSQL store: 50 concurrent
// captures make one capture call, an over-capture makes none, and refunds
// racing a dispute never exceed what the dispute leaves.
func TestCaptureAndDisputeGuarantees(t *testing.T) {
	paymentstest.RunCaptureAndDisputeTests(t, func(t *testing.T) payments.Store {
		st, _, _ := newStore(t)
		return st
	})
}
