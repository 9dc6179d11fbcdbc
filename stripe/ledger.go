package stripe

import (
	"context"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments"
)

// opLedger names the balance-transaction list in errors and logs.
const opLedger = "balance_transactions"

// maxLedgerPage is the largest limit of a Stripe list
// (https://docs.stripe.com/api/pagination).
const maxLedgerPage = 100

var _ payments.LedgerReader = (*Gateway)(nil)

// ReadLedger implements [payments.LedgerReader] with GET
// /v1/balance_transactions (https://docs.stripe.com/api/balance_transactions/list)
// for created in [From, To), with data.source expanded, through
// stripe-go's auto-paging iterator: Stripe answers 100 at a time, newest
// first, and the gateway hands them on in pages of PageSize (at most
// 100), holding no more.
//
// Types charge and payment are [payments.LedgerPayment]s of the source
// charge's PaymentIntent (the attempt's reference), with the order
// number from the charge's metadata and the status from the charge
// (succeeded is paid, pending processing, failed failed); refund and
// payment_refund are [payments.LedgerRefund]s whose RefundReference is
// the re_… id, and refund_failure and payment_failure_refund the same
// refunds given back (a positive amount); an adjustment whose source is
// a dispute is a [payments.LedgerDispute] (the disputed amount withdrawn,
// negative, with the dispute fee, or reinstated); stripe_fee, stripe_fx_fee and
// tax_fee are [payments.LedgerFee]s; the rest (payouts, transfers …)
// [payments.LedgerOther]. A partially captured charge's entry is of the
// amount captured: Stripe records the whole authorisation and a
// partial_capture_reversal of the rest, which is LedgerOther. Every entry keeps Stripe's fee and net, and its
// available_on as the payout day.
func (g *Gateway) ReadLedger(ctx context.Context, p *payments.LedgerParams, fn func([]payments.LedgerEntry) error) error {
	size := p.PageSize
	if size <= 0 || size > maxLedgerPage {
		size = maxLedgerPage
	}
	params := &stripego.BalanceTransactionListParams{CreatedRange: &stripego.RangeQueryParams{
		GreaterThanOrEqual: p.From.Unix(),
		LesserThan:         p.To.Add(time.Second - 1).Unix(),
	}}
	params.Limit = stripego.Int64(int64(size))
	params.AddExpand("data.source")
	params.Context = ctx
	it := g.api.BalanceTransactions.List(params)
	page := make([]payments.LedgerEntry, 0, size)
	for it.Next() {
		e := ledgerEntry(it.BalanceTransaction())
		if e.At.Before(p.From) || !e.At.Before(p.To) {
			continue
		}
		page = append(page, e)
		if len(page) == size {
			if err := fn(page); err != nil {
				return err
			}
			page = page[:0]
		}
	}
	if err := it.Err(); err != nil {
		return g.fail(ctx, opLedger, err)
	}
	if len(page) > 0 {
		return fn(page)
	}
	return nil
}

// ledgerEntry maps one balance transaction.
func ledgerEntry(t *stripego.BalanceTransaction) payments.LedgerEntry {
	e := payments.LedgerEntry{ID: t.ID, GatewayStatus: string(t.Type), Amount: payments.Amount(t.Amount),
		Currency: payments.Currency(strings.ToUpper(string(t.Currency))), Fee: payments.Amount(t.Fee),
		Net: payments.Amount(t.Net), At: time.Unix(t.Created, 0)}
	if t.AvailableOn > 0 {
		e.PayoutDate = time.Unix(t.AvailableOn, 0).UTC().Truncate(24 * time.Hour)
		e.Payout = e.Net
	}
	var src stripego.BalanceTransactionSource
	if t.Source != nil {
		src = *t.Source
	}
	switch {
	case t.ReportingCategory == stripego.BalanceTransactionReportingCategoryPartialCaptureReversal:
		// Folded into its charge's entry below.
		e.Kind = payments.LedgerOther
		return e
	}
	switch t.Type {
	case stripego.BalanceTransactionTypeCharge, stripego.BalanceTransactionTypePayment:
		e.Kind = payments.LedgerPayment
		if ch := src.Charge; ch != nil {
			chargeFacts(&e, ch)
			switch ch.Status {
			case stripego.ChargeStatusSucceeded:
				e.Status = payments.StatusPaid
			case stripego.ChargeStatusPending:
				e.Status = payments.StatusProcessing
			case stripego.ChargeStatusFailed:
				e.Status = payments.StatusFailed
			}
			e.GatewayStatus = string(ch.Status)
			if ch.Captured && ch.AmountCaptured > 0 && ch.AmountCaptured < t.Amount {
				// A partial capture: the charge's transaction is for the
				// whole authorisation, and a partial_capture_reversal gives
				// the rest back (https://docs.stripe.com/reports/reporting-categories).
				// The entry is of what was captured.
				released := payments.Amount(t.Amount - ch.AmountCaptured)
				e.Amount -= released
				e.Net -= released
				if !e.PayoutDate.IsZero() {
					e.Payout = e.Net
				}
			}
		}
	case stripego.BalanceTransactionTypeRefund, stripego.BalanceTransactionTypePaymentRefund,
		stripego.BalanceTransactionTypeRefundFailure, stripego.BalanceTransactionTypePaymentFailureRefund:
		e.Kind = payments.LedgerRefund
		e.RefundReference = src.ID
		if re := src.Refund; re != nil {
			if re.PaymentIntent != nil {
				e.Reference = re.PaymentIntent.ID
			}
			if re.Charge != nil {
				chargeFacts(&e, re.Charge)
			}
		}
	case stripego.BalanceTransactionTypeAdjustment:
		e.Kind = payments.LedgerOther
		if dp := src.Dispute; dp != nil {
			e.Kind = payments.LedgerDispute
			e.DisputeReference = dp.ID
			if dp.PaymentIntent != nil {
				e.Reference = dp.PaymentIntent.ID
			}
			if dp.Charge != nil {
				chargeFacts(&e, dp.Charge)
			}
		}
	case stripego.BalanceTransactionTypeStripeFee, stripego.BalanceTransactionTypeStripeFxFee, stripego.BalanceTransactionTypeTaxFee:
		e.Kind = payments.LedgerFee
		e.Fee, e.Amount = e.Fee-e.Amount, 0
		e.Net = -e.Fee
	default:
		e.Kind = payments.LedgerOther
	}
	return e
}

// chargeFacts fills what a charge tells of its payment: the
// PaymentIntent and the order metadata the gateway wrote.
func chargeFacts(e *payments.LedgerEntry, ch *stripego.Charge) {
	if e.Reference == "" && ch.PaymentIntent != nil {
		e.Reference = ch.PaymentIntent.ID
	}
	if e.OrderNumber == "" {
		e.OrderNumber = ch.Metadata[metaOrderNumber]
	}
	if e.GatewayOrderID == "" {
		e.GatewayOrderID = ch.Metadata[metaAttemptOrderID]
	}
}
