package payments_test

import (
	"testing"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
)

func TestChargeGuaranteesFakeGatewayMemstore(t *testing.T) {
	paymentstest.RunChargeTests(t, paymentstest.FakeChargeHarness(func(*testing.T) payments.Store { return memstore.New() }))
}
