package payments_test

import (
	"testing"

	"github.com/payments-go/payments"
)

var allStatuses = []payments.Status{
	payments.StatusReady, payments.StatusProcessing, payments.StatusRequiresAction, payments.StatusWaitingForDeposit,
	payments.StatusPaid, payments.StatusPartiallyRefunded, payments.StatusRefunded, payments.StatusCanceled,
	payments.StatusFailed, payments.StatusExpired, payments.StatusAuthorized,
}

// TestTransitionTable checks every pair of statuses against the table in
// the package documentation, written out here a second time on purpose.
func TestTransitionTable(t *testing.T) {
	allowed := map[payments.Status]string{
		payments.StatusReady:             "processing requires_action waiting_for_deposit paid canceled failed expired authorized",
		payments.StatusRequiresAction:    "processing paid canceled failed expired authorized",
		payments.StatusProcessing:        "requires_action waiting_for_deposit paid canceled failed expired authorized",
		payments.StatusAuthorized:        "paid canceled", // captured, or voided (or expired at the gateway)
		payments.StatusWaitingForDeposit: "paid canceled expired",
		payments.StatusPaid:              "partially_refunded refunded waiting_for_deposit canceled", // the last two: a reversed deposit
		payments.StatusPartiallyRefunded: "refunded",
		payments.StatusRefunded:          "",
		payments.StatusCanceled:          "",
		payments.StatusFailed:            "paid",
		payments.StatusExpired:           "paid",
	}
	for _, from := range allStatuses {
		set := map[payments.Status]bool{from: true}
		for _, s := range splitStatuses(allowed[from]) {
			set[s] = true
		}
		for _, to := range allStatuses {
			if got := from.CanTransitionTo(to); got != set[to] {
				t.Errorf("%s → %s allowed = %v, want %v", from, to, got, set[to])
			}
		}
	}
}

func TestNoBackwardMoveFromPaid(t *testing.T) {
	for _, s := range []payments.Status{payments.StatusFailed, payments.StatusExpired, payments.StatusCanceled,
		payments.StatusReady, payments.StatusProcessing, payments.StatusRequiresAction, payments.StatusWaitingForDeposit,
		payments.StatusAuthorized} {
		for _, paid := range []payments.Status{payments.StatusPaid, payments.StatusPartiallyRefunded, payments.StatusRefunded} {
			if paid == payments.StatusPaid && (s == payments.StatusWaitingForDeposit || s == payments.StatusCanceled) {
				continue // the one exception: a virtual-account deposit the bank reversed
			}
			if paid.CanTransitionTo(s) {
				t.Errorf("%s → %s is allowed: a late report would overwrite the money", paid, s)
			}
		}
	}
}

func TestUnknownStatus(t *testing.T) {
	bogus := payments.Status("DONE")
	if bogus.Valid() || bogus.CanTransitionTo(bogus) || payments.StatusReady.CanTransitionTo(bogus) {
		t.Error("an unknown status takes part in transitions")
	}
}

func splitStatuses(s string) []payments.Status {
	var out []payments.Status
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			if start >= 0 {
				out = append(out, payments.Status(s[start:i]))
			}
			start = -1
		} else if start < 0 {
			start = i
		}
	}
	return out
}

// TestAuthorizedTransitions names the moves of an authorisation one by
// one, the refused ones included: it is reached from the gateway's
// ready, requires_action and processing, and leaves only towards paid
// (captured) or canceled (voided, or expired at the gateway).
func TestAuthorizedTransitions(t *testing.T) {
	tests := []struct {
		from, to payments.Status
		ok       bool
	}{
		{payments.StatusReady, payments.StatusAuthorized, true},
		{payments.StatusRequiresAction, payments.StatusAuthorized, true},
		{payments.StatusProcessing, payments.StatusAuthorized, true},
		{payments.StatusAuthorized, payments.StatusPaid, true},
		{payments.StatusAuthorized, payments.StatusCanceled, true},
		{payments.StatusAuthorized, payments.StatusAuthorized, true},
		{payments.StatusAuthorized, payments.StatusReady, false},
		{payments.StatusAuthorized, payments.StatusProcessing, false},
		{payments.StatusAuthorized, payments.StatusRequiresAction, false},
		{payments.StatusAuthorized, payments.StatusFailed, false},
		{payments.StatusAuthorized, payments.StatusExpired, false},
		{payments.StatusAuthorized, payments.StatusRefunded, false},
		{payments.StatusAuthorized, payments.StatusPartiallyRefunded, false},
		{payments.StatusAuthorized, payments.StatusWaitingForDeposit, false},
		{payments.StatusPaid, payments.StatusAuthorized, false},
		{payments.StatusPartiallyRefunded, payments.StatusAuthorized, false},
		{payments.StatusRefunded, payments.StatusAuthorized, false},
		{payments.StatusCanceled, payments.StatusAuthorized, false},
		{payments.StatusFailed, payments.StatusAuthorized, false},
		{payments.StatusExpired, payments.StatusAuthorized, false},
		{payments.StatusWaitingForDeposit, payments.StatusAuthorized, false},
	}
	for _, tt := range tests {
		if got := tt.from.CanTransitionTo(tt.to); got != tt.ok {
			t.Errorf("%s → %s allowed = %v, want %v", tt.from, tt.to, got, tt.ok)
		}
	}
	if payments.StatusAuthorized.Paid() || payments.StatusAuthorized.Final() {
		t.Error("an authorisation counts as paid or final: it holds the money without taking it")
	}
}
