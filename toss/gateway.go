package toss

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/banks"
	"github.com/payments-go/payments/internal/web"
)

// GatewayConfig configures a [Gateway].
type GatewayConfig struct {
	// Client talks to Toss; required (see [NewClient]).
	Client *Client
}

// Gateway is the Toss [payments.Gateway], [payments.VirtualAccountIssuer]
// and [payments.Canceler].
// It only translates: the [payments.Service] derives the idempotency keys,
// checks amounts against orders and records the results.
//
//   - Confirm confirms a payment the customer authenticated, with the
//     Service's idempotency key. If Toss answers ALREADY_PROCESSED_PAYMENT
//     (a confirm under another key went through before), the payment is
//     read again: DONE with the same orderId and amount is reported as
//     paid, ABORTED as declined, anything else stays an error.
//   - Refund sends a cancel with cancelAmount always explicit, the
//     refund's id as idempotency key and refundReceiveAccount for
//     deposited virtual accounts (a bank or securities-firm account);
//     the refund's reference is the new cancel's transactionKey. The
//     refund of a deposited virtual account is pending until its bank
//     transfer lands (see refundResult); called again with that
//     reference in GatewayReference, Refund reads the payment and reports
//     the refund's state without sending anything.
//   - Lookup reads the payment by paymentKey (Reference) or else by
//     orderId (GatewayOrderID).
//   - IssueVirtualAccount issues a KRW virtual account for the order.
//
// Charges follow [Payment.Charge].
type Gateway struct {
	client *Client
}

var (
	_ payments.Gateway              = (*Gateway)(nil)
	_ payments.VirtualAccountIssuer = (*Gateway)(nil)
	_ payments.Canceler             = (*Gateway)(nil)
)

// NewGateway returns the Toss gateway for cfg.
func NewGateway(cfg GatewayConfig) (*Gateway, error) {
	if cfg.Client == nil {
		return nil, errors.New("toss: GatewayConfig.Client is required")
	}
	return &Gateway{client: cfg.Client}, nil
}

// Name returns "toss".
func (g *Gateway) Name() string { return "toss" }

// Live reports whether the gateway takes real money: its client's key is
// a live key ([ClientConfig.Live]).
func (g *Gateway) Live() bool { return g.client.liveKey }

// Client returns the gateway's client, for the calls the Gateway
// interface does not cover.
func (g *Gateway) Client() *Client { return g.client }

// checkCurrency refuses what Toss cannot take: it charges KRW only
// (https://docs.tosspayments.com/reference#결제-승인). "" means KRW.
func checkCurrency(c payments.Currency) error {
	if c != "" && c != payments.KRW {
		return invalid(fmt.Sprintf("Toss takes KRW only, not %.10s", c))
	}
	return nil
}

var _ payments.OrderChecker = (*Gateway)(nil)

// CheckOrder implements [payments.OrderChecker]: Toss charges orders in
// KRW only.
func (g *Gateway) CheckOrder(o payments.Order) error { return checkCurrency(o.Currency) }

func orderIDOf(gatewayOrderID, orderNumber string) string {
	if gatewayOrderID != "" {
		return gatewayOrderID
	}
	return orderNumber
}

// Confirm implements [payments.Gateway].
func (g *Gateway) Confirm(ctx context.Context, p *payments.ConfirmParams) (*payments.Charge, error) {
	if p == nil || p.Reference == "" {
		return nil, invalid("a confirm needs the paymentKey")
	}
	if err := checkCurrency(p.Currency); err != nil {
		return nil, err
	}
	orderID := orderIDOf(p.GatewayOrderID, p.OrderNumber)
	pay, err := g.client.Confirm(ctx, ConfirmRequest{PaymentKey: p.Reference, OrderID: orderID, Amount: int64(p.Amount)}, p.IdempotencyKey)
	if err != nil {
		var pe *payments.Error
		if errors.As(err, &pe) && pe.GatewayCode == "ALREADY_PROCESSED_PAYMENT" {
			return g.resolveProcessed(ctx, p, orderID, pe)
		}
		return nil, err
	}
	if err := sameRequest(pay, p.Reference, orderID, int64(p.Amount)); err != nil {
		return nil, err
	}
	return pay.Charge(), nil
}

// sameRequest checks that an answer is about the request we sent.
// Toss's idempotency identity leaves out the body
// (https://docs.tosspayments.com/reference/using-api/idempotency-key): a
// key reused for another payment replays the first payment's answer,
// which must not be taken for this one's.
func sameRequest(pay *Payment, paymentKey, orderID string, amount int64) error {
	if (paymentKey != "" && pay.PaymentKey != paymentKey) || pay.OrderID != orderID || pay.TotalAmount != amount {
		return &payments.Error{Code: payments.CodeIdempotencyKeyReused,
			Message: "toss answered about another payment: the idempotency key was used for a different request"}
	}
	return nil
}

// resolveProcessed settles ALREADY_PROCESSED_PAYMENT, which usually means
// an earlier confirm went through, by reading the payment.
func (g *Gateway) resolveProcessed(ctx context.Context, p *payments.ConfirmParams, orderID string, cause *payments.Error) (*payments.Charge, error) {
	cur, err := g.client.Payment(ctx, p.Reference)
	if err != nil {
		return nil, err
	}
	switch {
	case cur.OrderID != orderID:
		return nil, &payments.Error{Code: payments.CodeInvalidRequest, Message: "the payment belongs to another order",
			GatewayCode: cause.GatewayCode, Err: cause}
	case cur.TotalAmount != int64(p.Amount):
		return nil, &payments.Error{Code: payments.CodeAmountMismatch, Message: "the payment was authorised for another amount",
			GatewayCode: cause.GatewayCode, Err: cause}
	}
	ch := cur.Charge()
	switch ch.Status {
	case payments.StatusPaid, payments.StatusPartiallyRefunded, payments.StatusRefunded, payments.StatusWaitingForDeposit:
		return ch, nil
	case payments.StatusFailed:
		e := &payments.Error{Code: payments.CodePaymentDeclined, Message: "the payment was declined", GatewayCode: cause.GatewayCode, Err: cause}
		if ch.Failure != nil && ch.Failure.Code != "" {
			e.GatewayCode, e.Message = ch.Failure.Code, ch.Failure.Message
		}
		return nil, e
	}
	return nil, cause
}

// Refund implements [payments.Gateway].
func (g *Gateway) Refund(ctx context.Context, p *payments.RefundParams) (*payments.RefundResult, error) {
	if p == nil || p.Reference == "" {
		return nil, invalid("a refund needs the paymentKey")
	}
	if p.Amount <= 0 {
		return nil, invalid("the refund amount must be positive")
	}
	if err := checkCurrency(p.Currency); err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(p.Reason)
	if reason == "" {
		reason = "refund requested by the merchant"
	}
	amount := int64(p.Amount)
	if p.GatewayReference != "" {
		// Toss accepted this cancel before: read how it stands rather than
		// send it again. Toss would replay its first answer under the same
		// Idempotency-Key for 15 days, and run the cancel a second time
		// after that.
		return g.refundState(ctx, p.Reference, p.GatewayReference, amount)
	}
	req := CancelRequest{CancelReason: web.Clip(reason, 200), CancelAmount: &amount}
	if ra := p.ReceiveAccount; ra != nil {
		code, ok := refundBank(ra.Bank)
		if !ok {
			return nil, invalid(fmt.Sprintf("unknown bank or securities firm %q for the refund account", web.Clip(ra.Bank, 20)))
		}
		number := strings.NewReplacer("-", "", " ", "").Replace(ra.AccountNumber)
		req.RefundReceiveAccount = &RefundReceiveAccount{Bank: code, AccountNumber: number, HolderName: strings.TrimSpace(ra.HolderName)}
	}
	pay, err := g.client.Cancel(ctx, p.Reference, req, p.IdempotencyKey)
	if err != nil {
		var pe *payments.Error
		if p.ReceiveAccount == nil && errors.As(err, &pe) && pe.Code == payments.CodeInvalidRequest && pe.GatewayCode != "" {
			return nil, g.explainMissingAccount(ctx, p.Reference, err)
		}
		return nil, err
	}
	if pay.PaymentKey != p.Reference {
		return nil, sameRequest(pay, p.Reference, "", 0)
	}
	var c *Cancel
	for i := range pay.Cancels {
		if pay.Cancels[i].TransactionKey == pay.LastTransactionKey {
			c = &pay.Cancels[i]
		}
	}
	if c == nil && len(pay.Cancels) > 0 {
		c = &pay.Cancels[len(pay.Cancels)-1]
	}
	if c == nil {
		return nil, &payments.Error{Code: payments.CodeGatewayUnavailable, Message: "toss answered the cancel without listing it; the outcome is unknown"}
	}
	if c.CancelAmount != amount {
		return nil, &payments.Error{Code: payments.CodeIdempotencyKeyReused,
			Message: "toss answered about another cancel: the idempotency key was used for a different request"}
	}
	return refundResult(pay, c), nil
}

// refundState reads the cancel with transactionKey txKey of the payment
// paymentKey from Toss and reports the refund's state.
func (g *Gateway) refundState(ctx context.Context, paymentKey, txKey string, amount int64) (*payments.RefundResult, error) {
	pay, err := g.client.Payment(ctx, paymentKey)
	if err != nil {
		return nil, err
	}
	for i := range pay.Cancels {
		if c := &pay.Cancels[i]; c.TransactionKey == txKey {
			if c.CancelAmount != amount {
				return nil, &payments.Error{Code: payments.CodeInvalidState,
					Message: "toss lists the refund's cancel with another amount"}
			}
			return refundResult(pay, c), nil
		}
	}
	return nil, &payments.Error{Code: payments.CodeGatewayUnavailable,
		Message: "toss does not list the refund's cancel; its state is unknown"}
}

// refundResult is the state of the refund that cancel c of pay made.
//
// A cancel is done when Toss answers it (cancelStatus DONE), except the
// asynchronous cancels of foreign easy pay, IN_PROGRESS until DONE or
// ABORTED. The refund of a deposited virtual account is a bank transfer
// that lands about two business days later: it is pending while
// virtualAccount.refundStatus is PENDING (or not set yet), succeeded once
// it is COMPLETED, failed when it is FAILED
// (https://docs.tosspayments.com/guides/payment/virtual-account;
// https://docs.tosspayments.com/reference#payment-객체). No webhook
// reports that change: the Service's reconciliation reads it again.
//
// refundStatus belongs to the payment, not to one cancel, and the docs do
// not say which refunds PARTIAL_FAILED concerns when several are under
// way. The library assumes the latest cancel's transfer failed and the
// earlier ones landed (tosstest.Server.SettleRefund with RefundPartialFailed
// produces that reading; RefundFailed covers every transfer failing).
func refundResult(pay *Payment, c *Cancel) *payments.RefundResult {
	res := &payments.RefundResult{Reference: c.TransactionKey, Status: payments.RefundSucceeded}
	switch c.CancelStatus {
	case "IN_PROGRESS":
		// Asynchronous cancels (foreign easy pay) finish later, reported by
		// a CANCEL_STATUS_CHANGED webhook.
		res.Status = payments.RefundPending
		return res
	case "ABORTED":
		res.Status = payments.RefundFailed
		res.Failure = &payments.Failure{Code: "CANCEL_ABORTED", Message: "toss aborted the cancel"}
		return res
	}
	va := pay.VirtualAccount
	if va == nil {
		return res
	}
	latest := len(pay.Cancels) > 0 && pay.Cancels[len(pay.Cancels)-1].TransactionKey == c.TransactionKey
	switch va.RefundStatus {
	case "COMPLETED":
	case "FAILED":
		res.Status = payments.RefundFailed
		res.Failure = &payments.Failure{Code: "REFUND_TRANSFER_FAILED",
			Message: "the bank transfer of the refund failed (virtualAccount.refundStatus FAILED)"}
	case "PARTIAL_FAILED":
		if latest {
			res.Status = payments.RefundFailed
			res.Failure = &payments.Failure{Code: "REFUND_TRANSFER_FAILED",
				Message: "the bank transfer of the refund failed (virtualAccount.refundStatus PARTIAL_FAILED)"}
		}
	default: // PENDING, or NONE before Toss set it
		res.Status = payments.RefundPending
	}
	return res
}

// explainMissingAccount turns Toss's refusal of a cancel without
// refundReceiveAccount into a clear error when the payment is a deposited
// virtual account, which needs one
// (https://docs.tosspayments.com/reference#결제-취소). The public docs do
// not name the code of that refusal; the library assumes any
// invalid_request code with a Toss code and reads the payment to tell.
// Otherwise it returns err as it is.
func (g *Gateway) explainMissingAccount(ctx context.Context, paymentKey string, err error) error {
	cur, lerr := g.client.Payment(ctx, paymentKey)
	if lerr != nil || cur.VirtualAccount == nil {
		return err
	}
	switch cur.Status {
	case statusDone, statusPartialCanceled:
	default:
		return err
	}
	var pe *payments.Error
	gc := ""
	if errors.As(err, &pe) {
		gc = pe.GatewayCode
	}
	return &payments.Error{Code: payments.CodeInvalidRequest, GatewayCode: gc, Err: err,
		Message: "a deposited virtual-account payment is refunded by bank transfer: give the customer's refund account (bank, account number, holder name)"}
}

// Lookup implements [payments.Gateway].
func (g *Gateway) Lookup(ctx context.Context, p *payments.LookupParams) (*payments.Charge, error) {
	if p == nil {
		return nil, invalid("nothing to look up")
	}
	var pay *Payment
	var err error
	switch orderID := orderIDOf(p.GatewayOrderID, p.OrderNumber); {
	case p.Reference != "":
		pay, err = g.client.Payment(ctx, p.Reference)
	case orderID != "":
		pay, err = g.client.PaymentByOrderID(ctx, orderID)
	default:
		return nil, invalid("a lookup needs the paymentKey or the orderId")
	}
	if err != nil {
		return nil, err
	}
	if p.GatewayOrderID != "" && pay.OrderID != p.GatewayOrderID {
		// A paymentKey of another order (a tampered callback, say) must
		// never settle this one.
		return nil, &payments.Error{Code: payments.CodePaymentNotFound, Message: "the payment belongs to another order"}
	}
	return pay.Charge(), nil
}

// Cancel implements [payments.Canceler] for virtual accounts: a
// payment WAITING_FOR_DEPOSIT is canceled in full (POST
// /v1/payments/{paymentKey}/cancel without cancelAmount, with the reason
// and p.IdempotencyKey), so that its account takes no deposit; the
// attempt becomes canceled. Toss cancels nothing before a confirm (an
// authorisation nobody confirms lapses after 10 minutes), so any other
// payment, and one already ended, is reported as it is.
func (g *Gateway) Cancel(ctx context.Context, p *payments.CancelParams) (*payments.Charge, error) {
	if p == nil {
		return nil, invalid("nothing to cancel")
	}
	ch, err := g.Lookup(ctx, &payments.LookupParams{OrderNumber: p.OrderNumber, GatewayOrderID: p.GatewayOrderID, Reference: p.Reference})
	if err != nil {
		return nil, err
	}
	if ch.Status != payments.StatusWaitingForDeposit {
		return ch, nil
	}
	reason := strings.TrimSpace(p.Reason)
	if reason == "" {
		reason = "canceled by the merchant before the deposit"
	}
	pay, err := g.client.Cancel(ctx, ch.Reference, CancelRequest{CancelReason: web.Clip(reason, 200)}, p.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	return pay.Charge(), nil
}

// IssueVirtualAccount implements [payments.VirtualAccountIssuer]: POST
// /v1/virtual-accounts with orderId = GatewayOrderID, the order's amount
// and name, and the bank as Toss's code (names are normalised; an unknown
// bank is invalid_request). The charge is waiting_for_deposit with the
// account (bank code, number, holder = customer name, due date) and the
// deposit secret.
func (g *Gateway) IssueVirtualAccount(ctx context.Context, p *payments.VirtualAccountParams) (*payments.Charge, error) {
	if p == nil {
		return nil, invalid("nothing to issue")
	}
	o := p.Order
	if o.Currency != payments.KRW {
		return nil, invalid(fmt.Sprintf("Toss issues virtual accounts in KRW only, not %.10q", o.Currency))
	}
	bank, ok := banks.Normalize(p.Bank)
	if !ok {
		return nil, invalid(fmt.Sprintf("unknown bank %q", web.Clip(p.Bank, 20)))
	}
	name := p.CustomerName
	if name == "" {
		name = o.Customer.Name
	}
	email := p.CustomerEmail
	if email == "" {
		email = o.Customer.Email
	}
	req := VirtualAccountRequest{
		Amount:        int64(o.Amount),
		OrderID:       orderIDOf(p.GatewayOrderID, o.Number),
		OrderName:     web.Clip(o.Name, 100),
		CustomerName:  name,
		Bank:          bank,
		ValidHours:    p.ValidHours,
		DueDate:       p.DueDate,
		CustomerEmail: email,
		CashReceipt:   p.CashReceipt,
	}
	req.CustomerMobilePhone = mobilePhone(o.Customer.Phone)
	pay, err := g.client.IssueVirtualAccount(ctx, req, p.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	if err := sameRequest(pay, "", req.OrderID, req.Amount); err != nil {
		return nil, err
	}
	return pay.Charge(), nil
}
