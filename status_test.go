package payments_test

import (
	"testing"

	"github.com/payments-go/payments"
)

var allStatuses = []payments.Status{
	payments.StatusReady, payments.StatusProcessing, payments.StatusRequiresAction, payments.StatusWaitingForDeposit,
	payments.StatusPaid, payments.StatusPartiallyRefunded, payments.StatusRefunded, payments.StatusCanceled,
	payments.StatusFailed, payments.StatusExpired,
}

// TestTransitionTable checks every pair of statuses against the table in
// the package documentation, written out here a second time on purpose.
func TestTransitionTable(t *testing.T) {
	allowed := map[payments.Status]string{
		payments.StatusReady:             "processing requires_action waiting_for_deposit paid canceled failed expired",
		payments.StatusRequiresAction:    "processing paid canceled failed expired",
		payments.StatusProcessing:        "requires_action waiting_for_deposit paid canceled failed expired",
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
		payments.StatusReady, payments.StatusProcessing, payments.StatusRequiresAction, payments.StatusWaitingForDeposit} {
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
