package toss

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/banks"
)

// GatewayConfig configures a [Gateway].
type GatewayConfig struct {
	// Client talks to Toss; required (see [NewClient]).
	Client *Client
}

// Gateway is the Toss [payments.Gateway] and [payments.VirtualAccountIssuer].
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
//     deposited virtual accounts; the refund's reference is the new
//     cancel's transactionKey.
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

// Client returns the gateway's client, for the calls the Gateway
// interface does not cover.
func (g *Gateway) Client() *Client { return g.client }

// tossCheckCurrency refuses what Toss cannot take: it charges KRW only
// (API.md). "" means KRW.
func tossCheckCurrency(c payments.Currency) error {
	if c != "" && c != payments.KRW {
		return tossInvalid(fmt.Sprintf("Toss takes KRW only, not %.10s", c))
	}
	return nil
}

func tossOrderID(gatewayOrderID, orderNumber string) string {
	if gatewayOrderID != "" {
		return gatewayOrderID
	}
	return orderNumber
}

// Confirm implements [payments.Gateway].
func (g *Gateway) Confirm(ctx context.Context, p *payments.ConfirmParams) (*payments.Charge, error) {
	if p == nil || p.Reference == "" {
		return nil, tossInvalid("a confirm needs the paymentKey")
	}
	if err := tossCheckCurrency(p.Currency); err != nil {
		return nil, err
	}
	orderID := tossOrderID(p.GatewayOrderID, p.OrderNumber)
	pay, err := g.client.Confirm(ctx, ConfirmRequest{PaymentKey: p.Reference, OrderID: orderID, Amount: int64(p.Amount)}, p.IdempotencyKey)
	if err != nil {
		var pe *payments.Error
		if errors.As(err, &pe) && pe.GatewayCode == "ALREADY_PROCESSED_PAYMENT" {
			return g.resolveProcessed(ctx, p, orderID, pe)
		}
		return nil, err
	}
	if err := tossSameRequest(pay, p.Reference, orderID, int64(p.Amount)); err != nil {
		return nil, err
	}
	return pay.Charge(), nil
}

// tossSameRequest checks that an answer is about the request we sent.
// Toss's idempotency identity leaves out the body (§8): a key reused for
// another payment replays the first payment's answer, which must not be
// taken for this one's.
func tossSameRequest(pay *Payment, paymentKey, orderID string, amount int64) error {
	if (paymentKey != "" && pay.PaymentKey != paymentKey) || pay.OrderID != orderID || pay.TotalAmount != amount {
		return &payments.Error{Code: payments.CodeIdempotencyKeyReused,
			Message: "toss answered about another payment: the idempotency key was used for a different request"}
	}
	return nil
}

// resolveProcessed settles ALREADY_PROCESSED_PAYMENT by reading the
// payment (§3.1: "check, often means success").
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
		return nil, tossInvalid("a refund needs the paymentKey")
	}
	if p.Amount <= 0 {
		return nil, tossInvalid("the refund amount must be positive")
	}
	if err := tossCheckCurrency(p.Currency); err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(p.Reason)
	if reason == "" {
		reason = "refund requested by the merchant"
	}
	amount := int64(p.Amount)
	req := CancelRequest{CancelReason: tossTruncate(reason, 200), CancelAmount: &amount}
	if ra := p.ReceiveAccount; ra != nil {
		code, ok := banks.Normalize(ra.Bank)
		if !ok {
			return nil, tossInvalid(fmt.Sprintf("unknown bank %q for the refund account", tossTruncate(ra.Bank, 20)))
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
		return nil, tossSameRequest(pay, p.Reference, "", 0)
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
	res := &payments.RefundResult{Reference: c.TransactionKey, Status: payments.RefundSucceeded}
	switch c.CancelStatus {
	case "IN_PROGRESS":
		// Asynchronous cancels (foreign easy pay, §5) finish later.
		res.Status = payments.RefundPending
	case "ABORTED":
		res.Status = payments.RefundFailed
		res.Failure = &payments.Failure{Code: "CANCEL_ABORTED", Message: "toss aborted the cancel"}
	}
	// A deposited virtual account is paid back by bank transfer about two
	// business days later (virtualAccount.refundStatus PENDING →
	// COMPLETED, §11). The cancel itself is done, so the refund is
	// reported as succeeded: reporting it pending would make the
	// Service resend the same idempotency key, which replays the same
	// PENDING answer forever.
	return res, nil
}

// explainMissingAccount turns Toss's bare INVALID_REQUEST for a cancel
// without refundReceiveAccount into a clear error when the payment is a
// deposited virtual account, which needs one (§3.4, §11; the code Toss
// uses is UNCERTAIN). Otherwise it returns err as it is.
func (g *Gateway) explainMissingAccount(ctx context.Context, paymentKey string, err error) error {
	cur, lerr := g.client.Payment(ctx, paymentKey)
	if lerr != nil || cur.VirtualAccount == nil {
		return err
	}
	switch cur.Status {
	case tossStatusDone, tossStatusPartialCanceled:
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
		return nil, tossInvalid("nothing to look up")
	}
	var pay *Payment
	var err error
	switch orderID := tossOrderID(p.GatewayOrderID, p.OrderNumber); {
	case p.Reference != "":
		pay, err = g.client.Payment(ctx, p.Reference)
	case orderID != "":
		pay, err = g.client.PaymentByOrderID(ctx, orderID)
	default:
		return nil, tossInvalid("a lookup needs the paymentKey or the orderId")
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

// Cancel implements [payments.Canceler] for virtual accounts (§5): a
// payment WAITING_FOR_DEPOSIT is canceled in full (POST
// /v1/payments/{paymentKey}/cancel without cancelAmount, with the reason
// and p.IdempotencyKey), so that its account takes no deposit; the
// attempt becomes canceled. Toss cancels nothing before a confirm (an
// authorisation nobody confirms lapses after 10 minutes), so any other
// payment, and one already ended, is reported as it is.
func (g *Gateway) Cancel(ctx context.Context, p *payments.CancelParams) (*payments.Charge, error) {
	if p == nil {
		return nil, tossInvalid("nothing to cancel")
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
	pay, err := g.client.Cancel(ctx, ch.Reference, CancelRequest{CancelReason: tossTruncate(reason, 200)}, p.IdempotencyKey)
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
		return nil, tossInvalid("nothing to issue")
	}
	o := p.Order
	if o.Currency != payments.KRW {
		return nil, tossInvalid(fmt.Sprintf("Toss issues virtual accounts in KRW only, not %.10q", o.Currency))
	}
	bank, ok := banks.Normalize(p.Bank)
	if !ok {
		return nil, tossInvalid(fmt.Sprintf("unknown bank %q", tossTruncate(p.Bank, 20)))
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
		OrderID:       tossOrderID(p.GatewayOrderID, o.Number),
		OrderName:     tossTruncate(o.Name, 100),
		CustomerName:  name,
		Bank:          bank,
		ValidHours:    p.ValidHours,
		DueDate:       p.DueDate,
		CustomerEmail: email,
		CashReceipt:   p.CashReceipt,
	}
	if phone := strings.NewReplacer("-", "", " ", "").Replace(o.Customer.Phone); len(phone) >= 8 && len(phone) <= 15 && strings.Trim(phone, "0123456789") == "" {
		req.CustomerMobilePhone = phone
	}
	pay, err := g.client.IssueVirtualAccount(ctx, req, p.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	if err := tossSameRequest(pay, "", req.OrderID, req.Amount); err != nil {
		return nil, err
	}
	return pay.Charge(), nil
}

// tossTruncate cuts s to n characters.
func tossTruncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
