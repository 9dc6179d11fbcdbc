package payments

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// The keys derived here are sent to gateways and stored with payments, so
// their derivation must never change: a confirm or refund retried after an
// upgrade has to carry the key its first try carried, or the gateway would
// act twice. keys_test.go pins them.

// key derives an idempotency key from stable facts: the operation, the
// order, the attempt and a reference. The same facts give the same key in
// every process, so a retry after a restart repeats it.
func (s *Service) key(op, order string, attempt int, ref string) string {
	return "pay-" + op + "-" + hash(s.keyPrefix, op, order, strconv.Itoa(attempt), ref)[:40]
}

// confirmKey is the idempotency key of every confirm of attempt a of p,
// by [Service.Confirm] and by [Service.Reconcile] alike.
func (s *Service) confirmKey(p *Payment, a *Attempt) string {
	return s.key("confirm", p.OrderNumber, a.Number, a.Reference)
}

// refundID is the id of the refund a request with an idempotency key
// creates: the same order and key give the same refund. The id is also the
// refund's idempotency key at the gateway.
func (s *Service) refundID(order, idempotencyKey string) string {
	return "rf_" + hash(s.keyPrefix, order, idempotencyKey)[:24]
}

// refundFingerprint identifies what a refund request asks for, so that a
// repeat of its idempotency key with another request is refused.
func refundFingerprint(amount Amount, reason string, to *BankAccount) string {
	acct := ""
	if to != nil {
		acct = to.Bank + "/" + to.AccountNumber + "/" + to.HolderName
	}
	return hash(strconv.FormatInt(int64(amount), 10), reason, acct)[:16]
}

// hash returns the hex SHA-256 of the parts, each written as
// "<length in bytes>:<part>", so that no two lists of parts hash the same
// input.
func hash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p)) + ":" + p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// randomHex returns n random bytes in hex, for ids that carry no meaning
// (payment ids, ids of refunds without an idempotency key).
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
