package stripe_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/payments-go/payments"
)

// TestStripeMockReadLedger: the balance-transaction list the audit sends
// is accepted by Stripe's specification, with the period and the source
// expanded.
func TestStripeMockReadLedger(t *testing.T) {
	t.Parallel()
	g, rec := gwStripeMock(t)
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	err := g.ReadLedger(t.Context(), &payments.LedgerParams{From: from, To: from.AddDate(0, 0, 1), PageSize: 50},
		func([]payments.LedgerEntry) error { return nil })
	if err != nil {
		t.Fatalf("ReadLedger rejected by stripe-mock: %v", err)
	}
	req := rec.last(t, http.MethodGet, "/v1/balance_transactions")
	gwWantForm(t, req.Form, map[string]string{
		"created[gte]": "1772323200",
		"created[lt]":  "1772409600",
		"limit":        "50",
		"expand[0]":    "data.source",
	})
}
