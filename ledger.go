package payments

import (
	"context"
	"time"
)

// LedgerKind says what a [LedgerEntry] records.
type LedgerKind string

// The kinds of ledger entries.
const (
	// LedgerPayment is money taken for a payment: a Toss approval, a
	// Stripe charge or payment balance transaction.
	LedgerPayment LedgerKind = "payment"
	// LedgerRefund is money returned: a Toss cancel, a Stripe refund or
	// payment_refund balance transaction. Its Amount is negative.
	LedgerRefund LedgerKind = "refund"
	// LedgerDispute is money withdrawn (a negative Amount, with the
	// dispute fee as Fee) or reinstated (positive) by a dispute (a Stripe
	// adjustment whose source is a dispute).
	LedgerDispute LedgerKind = "dispute"
	// LedgerFee is a fee that belongs to no single sale entry of the
	// ledger: a Toss settlement row (the fees Toss keeps from a
	// transaction) or a Stripe stripe_fee balance transaction. Its Amount
	// is 0 and its Net is minus the fee.
	LedgerFee LedgerKind = "fee"
	// LedgerOther is everything else (payouts, transfers, a Toss virtual
	// account issued but not paid): counted, never matched, and kept out
	// of the gross, fees and net.
	LedgerOther LedgerKind = "other"
)

// LedgerEntry is one entry of a gateway's own ledger: a Toss transaction
// (https://docs.tosspayments.com/reference#거래-조회) or settlement
// (https://docs.tosspayments.com/reference#정산-조회), a Stripe balance
// transaction (https://docs.stripe.com/api/balance_transactions/object).
type LedgerEntry struct {
	Kind LedgerKind
	// ID is the gateway's id of the entry (a Toss transactionKey, a
	// Stripe txn_…).
	ID string
	// Reference is the gateway's id of the payment the entry belongs to
	// (the Toss paymentKey, the Stripe PaymentIntent id), as stored in
	// [Attempt.Reference]; empty for entries of no payment.
	Reference string
	// RefundReference is, for a refund, the gateway's id of the refund as
	// stored in [Refund.GatewayReference] (the Toss cancel's
	// transactionKey, a Stripe re_… id).
	RefundReference string
	// DisputeReference is, for a dispute, the gateway's id of the dispute
	// as stored in [Dispute.ID] (a Stripe dp_… id).
	DisputeReference string
	// OrderNumber is the application's order number where the gateway
	// knows it (Stripe metadata order_number); GatewayOrderID is the
	// gateway's order id (the Toss orderId). Either helps find a payment
	// whose reference the audit does not hold.
	OrderNumber    string
	GatewayOrderID string
	// Status is the payment's status as the gateway reports it with the
	// entry, in the library's terms; empty when the entry says nothing
	// about it.
	Status Status
	// GatewayStatus is the gateway's own status word, for the report.
	GatewayStatus string
	// Amount is the gross amount, signed: negative for money returned.
	Amount   Amount
	Currency Currency
	// Fee is what the gateway keeps; Net is Amount minus Fee.
	Fee Amount
	Net Amount
	// At is when the entry was made (Toss transactionAt, Stripe created).
	At time.Time
	// PayoutDate is the day the entry's money is paid out to the merchant
	// (Toss paidOutDate, Stripe available_on), zero when unknown; Payout
	// is the amount paid out for it then.
	PayoutDate time.Time
	Payout     Amount
}

// LedgerParams asks a gateway for its ledger of a period.
type LedgerParams struct {
	// From and To bound the period, [From, To).
	From, To time.Time
	// PageSize is the number of entries to ask the gateway for per page;
	// zero for the gateway's default.
	PageSize int
}

// LedgerReader is implemented by gateways that can list their own ledger
// (package toss: GET /v1/transactions and GET /v1/settlements; package
// stripe: GET /v1/balance_transactions). [Service.Audit] matches it with
// the store.
//
// The contract: ReadLedger calls fn with the ledger's entries made in
// [From, To), a page at a time, in the gateway's order, each entry once,
// and holds no more than a page in memory; an error from fn ends the
// read and is returned. A canceled context ends it promptly.
type LedgerReader interface {
	ReadLedger(ctx context.Context, p *LedgerParams, fn func(page []LedgerEntry) error) error
}

// PeriodStore is implemented by stores that can list the payments whose
// money moved in a period ([MovedIn]): memstore and sqlstore. [Service.Audit]
// needs it.
//
// The contract, checked by paymentstest.RunPeriodStoreTests:
// PaymentsMoved calls fn with pages of at most pageSize payments (a
// default when pageSize ≤ 0) that together hold every payment for which
// MovedIn(p, from, to) is true, and no other; a payment updated while the
// call runs may be given twice, in its old and its new state. The
// payments share no memory with the store. An error from fn ends the call
// and is returned.
type PeriodStore interface {
	PaymentsMoved(ctx context.Context, from, to time.Time, pageSize int, fn func(page []*Payment) error) error
}

// MovedIn reports whether money of p moved in [from, to): it was paid
// then (PaidAt), or one of its refunds succeeded then (the refund's
// UpdatedAt).
func MovedIn(p *Payment, from, to time.Time) bool {
	in := func(t time.Time) bool { return !t.IsZero() && !t.Before(from) && t.Before(to) }
	if in(p.PaidAt) {
		return true
	}
	for i := range p.Refunds {
		if r := &p.Refunds[i]; r.Status == RefundSucceeded && in(r.UpdatedAt) {
			return true
		}
	}
	return false
}
