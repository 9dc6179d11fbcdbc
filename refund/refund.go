// Package refund is the refund operation for HTTP callers: the refund
// request, its rules, and the admin-only handler behind both
// POST /payments/toss/cancel and POST /payments/stripe/refund.
//
// # Request
//
//	{"order_number": "ORD-20260122-001", "amount": 58990, "reason": "Customer request",
//	 "refund_receive_account": {"bank": "20", "account_number": "1002123456789", "holder_name": "김토스"}}
//
// amount is optional (omitted: the whole refundable balance) and positive;
// reason is required, at most 200 characters; refund_receive_account is
// for Toss virtual-account payments after the deposit (banks by Toss code,
// Korean or English name).
//
// stripe_reason, for Stripe payments only, is Stripe's refund reason:
// "duplicate", "fraudulent" or "requested_by_customer"
// (https://docs.stripe.com/api/refunds/create#create_refund-reason). It is
// sent to Stripe only when the request names it, and never guessed from
// reason, whose text goes to the refund's metadata: "fraudulent" adds the
// card and e-mail to the account's block lists, as the same page says.
// Any other value, or
// stripe_reason on a payment of another gateway, answers 400
// invalid_request.
//
// # Virtual accounts before the deposit
//
// For a payment still waiting for its deposit into a virtual account,
// nothing is paid yet: the request (without amount, or with the whole
// amount) cancels the account at the gateway instead, so that it takes no
// deposit, and answers the payment, now canceled, without a refund.
//
// # Authorization
//
// Refunds move money, so the handler refuses every request with 403
// forbidden until the application gives it a [payments.Authorizer] (for
// example [payments.BearerToken]); missing or wrong credentials answer 401
// unauthorized.
//
// # Idempotency
//
// An Idempotency-Key header makes the request repeatable: the same key and
// body return the first result; the same key with another body answers 409
// idempotency_key_reused. The key also becomes the refund's id at the
// gateway, so a repeat never refunds twice, on any replica.
package refund

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/banks"
	"github.com/payments-go/payments/internal/httpjson"
	"github.com/payments-go/payments/internal/web"
	"github.com/payments-go/payments/status"
)

// Request is the body of a refund request.
type Request struct {
	OrderNumber string `json:"order_number"`
	// Amount in minor units; nil means the whole refundable balance.
	Amount               *int64   `json:"amount"`
	Reason               string   `json:"reason"`
	RefundReceiveAccount *Account `json:"refund_receive_account,omitempty"`
	// StripeReason is Stripe's refund reason enum, for Stripe payments:
	// "duplicate", "fraudulent" or "requested_by_customer"; empty for
	// none.
	StripeReason string `json:"stripe_reason,omitempty"`
}

// Account is where a deposited Toss virtual-account payment is refunded.
type Account struct {
	Bank          string `json:"bank"`
	AccountNumber string `json:"account_number"`
	HolderName    string `json:"holder_name"`
}

// Validate checks the request's own rules and returns the service
// request. Errors are invalid_request with a message naming the field.
func (r *Request) Validate() (payments.RefundRequest, error) {
	bad := func(msg string) (payments.RefundRequest, error) {
		return payments.RefundRequest{}, web.Invalid("%s", msg)
	}
	out := payments.RefundRequest{OrderNumber: r.OrderNumber, Reason: strings.TrimSpace(r.Reason)}
	switch {
	case r.OrderNumber == "":
		return bad("order_number is required")
	case len(r.OrderNumber) > 64:
		return bad("order_number is longer than 64 characters")
	case r.Amount != nil && *r.Amount <= 0:
		return bad("amount must be positive")
	}
	if err := web.Text("reason", r.Reason, true, 200); err != nil {
		return payments.RefundRequest{}, err
	}
	switch r.StripeReason {
	case "", "duplicate", "fraudulent", "requested_by_customer":
		out.StripeReason = r.StripeReason
	default:
		return bad("stripe_reason must be duplicate, fraudulent or requested_by_customer")
	}
	if r.Amount != nil {
		out.Amount = payments.Amount(*r.Amount)
	}
	if a := r.RefundReceiveAccount; a != nil {
		code, ok := banks.NormalizeAccount(a.Bank)
		if !ok {
			return bad("refund_receive_account.bank is not a known bank or securities firm")
		}
		num := strings.ReplaceAll(a.AccountNumber, "-", "")
		if num == "" || len(num) > 20 || strings.Trim(num, "0123456789") != "" {
			return bad("refund_receive_account.account_number must be digits (at most 20)")
		}
		holder := strings.TrimSpace(a.HolderName)
		if holder == "" || utf8.RuneCountInString(holder) > 60 {
			return bad("refund_receive_account.holder_name is required (at most 60 characters)")
		}
		out.ReceiveAccount = &payments.BankAccount{Bank: code, AccountNumber: num, HolderName: holder}
	}
	return out, nil
}

// Response is the answer to a refund: the payment after it, and the
// refund.
type Response struct {
	status.Payment
	Refund status.Refund `json:"refund"`
}

// Config configures [NewHandler].
type Config struct {
	// Service does the refund. Required.
	Service *payments.Service
	// Authorize guards the route; nil refuses every request (403).
	Authorize payments.Authorizer
	// Gateway, if set, limits the handler to payments made through that
	// gateway ("toss" for /toss/cancel, "stripe" for /stripe/refund);
	// others answer 409 invalid_state.
	Gateway string
}

// NewHandler returns the refund handler. It answers POST only; mount it at
// the route you choose (the library's mount uses /toss/cancel and
// /stripe/refund).
func NewHandler(cfg Config) (http.Handler, error) {
	if cfg.Service == nil {
		return nil, errors.New("refund: Config.Service is required")
	}
	replay := web.NewReplayCache(10000, 24*time.Hour)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			httpjson.WriteError(w, payments.ErrMethodNotAllowed)
			return
		}
		var req Request
		if err := web.Decode(w, r, &req); err != nil {
			httpjson.WriteError(w, err)
			return
		}
		sreq, err := req.Validate()
		if err != nil {
			httpjson.WriteError(w, err)
			return
		}
		sreq.IdempotencyKey = r.Header.Get("Idempotency-Key")
		sreq.Gateway, sreq.CancelUnpaid = cfg.Gateway, true
		p, rf, err := cfg.Service.Refund(r.Context(), sreq)
		if err != nil {
			httpjson.WriteError(w, err)
			return
		}
		if rf == nil {
			// Nothing was paid yet: the virtual account was canceled.
			status.WriteJSON(w, http.StatusOK, p)
			return
		}
		httpjson.Write(w, http.StatusOK, Response{Payment: status.From(p), Refund: status.RefundFrom(rf)})
	})
	return web.Admin(cfg.Authorize, replay.Idempotent(h)), nil
}
