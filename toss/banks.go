package toss

import "github.com/payments-go/payments/internal/banks"

// refundBank returns the Toss code of the bank or securities firm of a
// refund account, given as a code or a name, and false if it knows none.
func refundBank(s string) (string, bool) { return banks.NormalizeAccount(s) }
