package toss

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/payments-go/payments"
)

// Billing is the Toss Billing object
// (https://docs.tosspayments.com/reference#billing-객체): a billing key
// issued for a customerKey. BillingKey is a secret: whoever holds it with
// the customerKey can charge the card.
type Billing struct {
	MID             string          `json:"mId"`
	CustomerKey     payments.Secret `json:"-"`
	AuthenticatedAt string          `json:"authenticatedAt"`
	// Method is "카드" for cards (the docs fix it to that; a transfer
	// billing key is assumed to say "계좌이체").
	Method     string          `json:"method"`
	BillingKey payments.Secret `json:"-"`
	// Card is set for cards since API version 2022-11-16; older versions
	// sent CardCompany and CardNumber at the top level, which are kept
	// too.
	Card        *BillingCard `json:"card"`
	CardCompany string       `json:"cardCompany"`
	CardNumber  string       `json:"cardNumber"`
}

// BillingCard is Billing.card.
type BillingCard struct {
	IssuerCode   string `json:"issuerCode"`
	AcquirerCode string `json:"acquirerCode"`
	// Number is masked ("43301234****123*").
	Number    string `json:"number"`
	CardType  string `json:"cardType"`
	OwnerType string `json:"ownerType"`
}

// wireBilling is Billing as it is on the wire.
type wireBilling struct {
	Billing
	CustomerKey string `json:"customerKey"`
	BillingKey  string `json:"billingKey"`
}

// BillingChargeRequest is the body of POST /v1/billing/{billingKey}
// (https://docs.tosspayments.com/reference#카드-자동결제-승인).
type BillingChargeRequest struct {
	// CustomerKey must be the one the billing key was issued for, or
	// Toss answers NOT_MATCHES_CUSTOMER_KEY.
	CustomerKey payments.Secret
	Amount      int64
	// OrderID is new for every charge (DUPLICATED_ORDER_ID otherwise).
	OrderID       string
	OrderName     string
	CustomerEmail string
	CustomerName  string
}

// customerKeyOK is the customerKey rule of the v2 SDK's definitions
// (@tosspayments/tosspayments-sdk 2.8.1): 2–50 of letters, digits and
// - _ = . @; https://docs.tosspayments.com/reference#customerkey.
func customerKeyOK(k string) bool {
	if len(k) < 2 || len(k) > 50 || k == "@@ANONYMOUS" {
		return false
	}
	for i := 0; i < len(k); i++ {
		switch c := k[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '=', c == '.', c == '@':
		default:
			return false
		}
	}
	return true
}

// IssueBillingKey issues a billing key from the one-time authKey of the
// billing-auth redirect: POST /v1/billing/authorizations/issue
// (https://docs.tosspayments.com/reference#authkey로-카드-빌링키-발급).
// customerKey must be the one the page gave the SDK.
func (c *Client) IssueBillingKey(ctx context.Context, authKey, customerKey payments.Secret, idempotencyKey string) (*Billing, error) {
	switch {
	case authKey.IsZero() || utf8.RuneCountInString(authKey.Reveal()) > 300:
		return nil, invalid("authKey is required, at most 300 characters")
	case !customerKeyOK(customerKey.Reveal()):
		return nil, invalid("customerKey must be 2–50 of A-Za-z0-9-_=.@")
	}
	body := struct {
		AuthKey     string `json:"authKey"`
		CustomerKey string `json:"customerKey"`
	}{authKey.Reveal(), customerKey.Reveal()}
	var w wireBilling
	if err := c.doInto(ctx, "issue billing key", http.MethodPost, "/v1/billing/authorizations/issue", body, idempotencyKey, maxResponse, &w); err != nil {
		return nil, err
	}
	b := w.Billing
	b.CustomerKey, b.BillingKey = payments.Secret(w.CustomerKey), payments.Secret(w.BillingKey)
	if b.BillingKey.IsZero() {
		return nil, &payments.Error{Code: payments.CodeGatewayError, Message: "toss issued no billing key"}
	}
	return &b, nil
}

// ChargeBillingKey charges a billing key: POST /v1/billing/{billingKey}
// (https://docs.tosspayments.com/reference#카드-자동결제-승인). The answer is
// a Payment of type BILLING, DONE when approved. Toss sends no webhook
// for it: an unknown outcome is settled by reading the payment by its
// orderId.
func (c *Client) ChargeBillingKey(ctx context.Context, billingKey payments.Secret, req BillingChargeRequest, idempotencyKey string) (*Payment, error) {
	switch {
	case billingKey.IsZero() || len(billingKey.Reveal()) > 200:
		return nil, invalid("the billing key is required, at most 200 characters")
	case !customerKeyOK(req.CustomerKey.Reveal()):
		return nil, invalid("customerKey must be 2–50 of A-Za-z0-9-_=.@")
	case req.Amount <= 0:
		return nil, invalid("amount must be positive")
	case !validOrderID(req.OrderID):
		return nil, invalid("orderId must be 6–64 of A-Za-z0-9-_")
	case req.OrderName == "" || utf8.RuneCountInString(req.OrderName) > 100:
		return nil, invalid("orderName is required, at most 100 characters")
	}
	body := struct {
		CustomerKey   string `json:"customerKey"`
		Amount        int64  `json:"amount"`
		OrderID       string `json:"orderId"`
		OrderName     string `json:"orderName"`
		CustomerEmail string `json:"customerEmail,omitempty"`
		CustomerName  string `json:"customerName,omitempty"`
	}{req.CustomerKey.Reveal(), req.Amount, req.OrderID, req.OrderName, req.CustomerEmail, req.CustomerName}
	return c.do(ctx, "billing charge", http.MethodPost, "/v1/billing/"+url.PathEscape(billingKey.Reveal()), body, idempotencyKey)
}

// DeleteBillingKey deletes a billing key: DELETE /v1/billing/{billingKey}.
// No public page of the docs describes this call; the library assumes it
// as clients in the wild use it (200 and an empty object). A key Toss no
// longer knows is NOT_FOUND_BILLING (payment_not_found).
func (c *Client) DeleteBillingKey(ctx context.Context, billingKey payments.Secret) error {
	if billingKey.IsZero() || len(billingKey.Reveal()) > 200 {
		return invalid("the billing key is required, at most 200 characters")
	}
	return c.doInto(ctx, "delete billing key", http.MethodDelete, "/v1/billing/"+url.PathEscape(billingKey.Reveal()), nil, "", maxResponse, nil)
}

var (
	_ payments.MethodSaver   = (*Gateway)(nil)
	_ payments.MethodCharger = (*Gateway)(nil)
)

// CreateCustomer implements [payments.MethodSaver]: it makes a new
// customerKey, 32 unguessable characters, as Toss asks
// (https://docs.tosspayments.com/reference#customerkey: never an id, an
// e-mail or a phone number). Toss keeps nothing until a billing key is
// issued for it; the Service stores it and reuses it for the customer.
func (g *Gateway) CreateCustomer(ctx context.Context, p *payments.CustomerParams) (payments.Secret, error) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return payments.Secret("ck_" + string(b)), ctx.Err()
}

// StartSave implements [payments.MethodSaver]. Toss needs nothing before
// the browser SDK opens the billing-auth window.
func (g *Gateway) StartSave(ctx context.Context, p *payments.StartSaveParams) (*payments.SaveSession, error) {
	return &payments.SaveSession{}, ctx.Err()
}

// FinishSave implements [payments.MethodSaver]: it issues the billing key
// from the redirect's authKey for the setup's customerKey.
func (g *Gateway) FinishSave(ctx context.Context, p *payments.FinishSaveParams) (*payments.SavedMethod, error) {
	if p == nil || p.Customer == nil {
		return nil, invalid("a billing key is issued for a known customerKey")
	}
	b, err := g.client.IssueBillingKey(ctx, p.AuthKey, p.Customer.Reference, p.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	if b.CustomerKey.Reveal() != p.Customer.Reference.Reveal() {
		return nil, &payments.Error{Code: payments.CodeGatewayError, Message: "toss issued the billing key for another customerKey"}
	}
	out := &payments.SavedMethod{Token: b.BillingKey, GatewayCustomer: b.CustomerKey, Type: payments.MethodCard}
	if b.Method == "계좌이체" || b.Method == "TRANSFER" {
		out.Type = payments.MethodTransfer
	}
	number := b.CardNumber
	if b.Card != nil {
		out.Brand, number = b.Card.IssuerCode, b.Card.Number
	} else {
		out.Brand = b.CardCompany
	}
	if n := len(number); n >= 4 {
		out.Last4 = number[n-4:]
	}
	return out, nil
}

// RemoveMethod implements [payments.MethodSaver] with
// [Client.DeleteBillingKey]. A key Toss no longer knows
// (NOT_FOUND_BILLING), and an answer that the endpoint does not exist
// (404 NOT_FOUND, should Toss have no such call), count as removed: the
// library then forgets the key and never charges it again.
func (g *Gateway) RemoveMethod(ctx context.Context, p *payments.RemoveMethodParams) error {
	err := g.client.DeleteBillingKey(ctx, p.Method.Token)
	var pe *payments.Error
	if errors.As(err, &pe) && (pe.GatewayCode == "NOT_FOUND_BILLING" || pe.GatewayCode == "NOT_FOUND") {
		return nil
	}
	return err
}

// ChargeMethod implements [payments.MethodCharger] with
// [Client.ChargeBillingKey]: the order's amount and name, the attempt's
// orderId, the method's customerKey and the Service's idempotency key. A
// deleted billing key (NOT_FOUND_BILLING) is method_not_active; an
// orderId already charged (DUPLICATED_ORDER_ID, after a lost answer whose
// idempotency key Toss no longer kept) is read again by its orderId.
func (g *Gateway) ChargeMethod(ctx context.Context, p *payments.MethodChargeParams) (*payments.Charge, error) {
	if err := checkCurrency(p.Order.Currency); err != nil {
		return nil, err
	}
	orderID := orderIDOf(p.GatewayOrderID, p.Order.Number)
	pay, err := g.client.ChargeBillingKey(ctx, p.Method.Token, BillingChargeRequest{
		CustomerKey: p.Method.GatewayCustomer, Amount: int64(p.Order.Amount), OrderID: orderID,
		OrderName: truncateRunes(p.Order.Name, 100), CustomerEmail: p.Order.Customer.Email, CustomerName: p.Order.Customer.Name,
	}, p.IdempotencyKey)
	if err != nil {
		var pe *payments.Error
		if errors.As(err, &pe) {
			switch pe.GatewayCode {
			case "NOT_FOUND_BILLING":
				return nil, &payments.Error{Code: payments.CodeMethodNotActive, GatewayCode: pe.GatewayCode,
					Message: "toss no longer knows the billing key", Err: err}
			case "DUPLICATED_ORDER_ID":
				cur, lerr := g.client.PaymentByOrderID(ctx, orderID)
				if lerr != nil {
					return nil, err
				}
				if cur.TotalAmount != int64(p.Order.Amount) {
					return nil, &payments.Error{Code: payments.CodeAmountMismatch, Message: "the orderId was charged another amount", Err: err}
				}
				return cur.Charge(), nil
			}
		}
		return nil, err
	}
	if err := sameRequest(pay, "", orderID, int64(p.Order.Amount)); err != nil {
		return nil, err
	}
	return pay.Charge(), nil
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
