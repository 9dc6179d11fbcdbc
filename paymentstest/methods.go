package paymentstest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/payments-go/payments"
)

var (
	_ payments.MethodSaver   = (*Gateway)(nil)
	_ payments.MethodCharger = (*Gateway)(nil)
)

// methodState is the Gateway's saved methods.
type methodState struct {
	tokens   map[string]*savedCard // by token
	sessions map[string]string     // save session → setup id
	card     savedCard             // what the next save saves
}

type savedCard struct {
	customer     string
	brand, last4 string
	decline      string
}

func (g *Gateway) methodsLocked() *methodState {
	if g.methods.tokens == nil {
		g.methods.tokens = make(map[string]*savedCard)
		g.methods.sessions = make(map[string]string)
	}
	return &g.methods
}

// stable derives an id from an idempotency key, so that a repeat of a
// call gets the same id, as the real gateways' replays do.
func stable(prefix, key string) string {
	if key == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		return prefix + hex.EncodeToString(b)
	}
	h := sha256.Sum256([]byte(key))
	return prefix + hex.EncodeToString(h[:8])
}

// SaveCard sets the brand and last digits of the cards saved from now on
// (default "visa", "4242"); with declineCode, charges of those cards are
// declined with it, as a card that expired after it was saved.
func (g *Gateway) SaveCard(brand, last4, declineCode string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.methodsLocked().card = savedCard{brand: brand, last4: last4, decline: declineCode}
}

// SavedMethods returns how many saved methods the gateway holds (removed
// ones are forgotten).
func (g *Gateway) SavedMethods() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.methodsLocked().tokens)
}

// ForgetMethod simulates the gateway deleting a saved method on its own
// side: charging it fails from then on.
func (g *Gateway) ForgetMethod(token payments.Secret) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.methodsLocked().tokens, token.Reveal())
}

// CreateCustomer implements [payments.MethodSaver].
func (g *Gateway) CreateCustomer(ctx context.Context, p *payments.CustomerParams) (payments.Secret, error) {
	idx, fail, err := g.begin(ctx, Call{Op: "customer", IdempotencyKey: p.IdempotencyKey})
	if err != nil {
		return "", err
	}
	_ = idx
	if fail != nil {
		return "", &payments.Error{Code: fail.code, Message: "scripted lost response"}
	}
	return payments.Secret(stable("fake_cus_", p.IdempotencyKey)), nil
}

// StartSave implements [payments.MethodSaver]: it opens a save session
// that [Gateway.FinishSave] completes.
func (g *Gateway) StartSave(ctx context.Context, p *payments.StartSaveParams) (*payments.SaveSession, error) {
	_, fail, err := g.begin(ctx, Call{Op: "start-save", IdempotencyKey: p.IdempotencyKey})
	if err != nil {
		return nil, err
	}
	if fail != nil {
		return nil, &payments.Error{Code: fail.code, Message: "scripted lost response"}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	sess := stable("fake_setup_", p.IdempotencyKey)
	g.methodsLocked().sessions[sess] = p.Setup.ID
	return &payments.SaveSession{Session: sess, RedirectURL: p.SuccessURL}, nil
}

// FinishSave implements [payments.MethodSaver]: any auth key or known
// session saves a card (see [Gateway.SaveCard]); a repeat with the same
// idempotency key saves nothing more and reports the same card.
func (g *Gateway) FinishSave(ctx context.Context, p *payments.FinishSaveParams) (*payments.SavedMethod, error) {
	idx, fail, err := g.begin(ctx, Call{Op: "finish-save", IdempotencyKey: p.IdempotencyKey})
	if err != nil {
		return nil, err
	}
	var out *payments.SavedMethod
	_, _, err = g.idempotent(ctx, idx, "finish-save", p.IdempotencyKey, func() (*payments.Charge, *payments.RefundResult, error) {
		g.mu.Lock()
		defer g.mu.Unlock()
		ms := g.methodsLocked()
		setup := ""
		if p.Session != "" {
			var ok bool
			if setup, ok = ms.sessions[p.Session]; !ok {
				return nil, nil, &payments.Error{Code: payments.CodeMethodNotFound, GatewayCode: "resource_missing", Message: "no such save session"}
			}
		} else if p.AuthKey.IsZero() {
			return nil, nil, &payments.Error{Code: payments.CodeInvalidRequest, GatewayCode: "INVALID_BILLING_AUTH", Message: "no auth key"}
		}
		card := ms.card
		if card.brand == "" {
			card.brand, card.last4 = "visa", "4242"
		}
		if p.Customer != nil {
			card.customer = p.Customer.Reference.Reveal()
		}
		token := stable("fake_bk_", p.IdempotencyKey+"\x00"+p.AuthKey.Reveal()+p.Session)
		ms.tokens[token] = &card
		out = &payments.SavedMethod{Token: payments.Secret(token), GatewayCustomer: payments.Secret(card.customer),
			Type: payments.MethodCard, Brand: card.brand, Last4: card.last4, SetupID: setup}
		return nil, nil, nil
	})
	if fail != nil {
		return nil, &payments.Error{Code: fail.code, Message: "scripted lost response"}
	}
	if err != nil {
		return nil, err
	}
	if out == nil {
		// A replay: the first call saved the card; report it again.
		token := stable("fake_bk_", p.IdempotencyKey+"\x00"+p.AuthKey.Reveal()+p.Session)
		g.mu.Lock()
		c := g.methodsLocked().tokens[token]
		g.mu.Unlock()
		if c == nil {
			return nil, &payments.Error{Code: payments.CodeMethodNotFound, Message: "the saved card was removed"}
		}
		out = &payments.SavedMethod{Token: payments.Secret(token), GatewayCustomer: payments.Secret(c.customer), Type: payments.MethodCard, Brand: c.brand, Last4: c.last4}
	}
	return out, nil
}

// RemoveMethod implements [payments.MethodSaver].
func (g *Gateway) RemoveMethod(ctx context.Context, p *payments.RemoveMethodParams) error {
	_, fail, err := g.begin(ctx, Call{Op: "remove-method", IdempotencyKey: p.IdempotencyKey})
	if err != nil {
		return err
	}
	g.mu.Lock()
	delete(g.methodsLocked().tokens, p.Method.Token.Reveal())
	g.mu.Unlock()
	if fail != nil {
		return &payments.Error{Code: fail.code, Message: "scripted lost response"}
	}
	return nil
}

// ChargeMethod implements [payments.MethodCharger]: the scripted
// behaviours of Confirm apply (decline, require action, delay, failures,
// lost responses), and a removed method is declined.
func (g *Gateway) ChargeMethod(ctx context.Context, p *payments.MethodChargeParams) (*payments.Charge, error) {
	idx, fail, err := g.begin(ctx, Call{Op: "charge", IdempotencyKey: p.IdempotencyKey, GatewayOrderID: p.GatewayOrderID, Amount: p.Order.Amount})
	if err != nil {
		return nil, err
	}
	ch, _, err := g.idempotent(ctx, idx, "charge", p.IdempotencyKey, func() (*payments.Charge, *payments.RefundResult, error) {
		g.mu.Lock()
		defer g.mu.Unlock()
		card, ok := g.methodsLocked().tokens[p.Method.Token.Reveal()]
		if !ok {
			return nil, nil, &payments.Error{Code: payments.CodePaymentDeclined, GatewayCode: "NOT_FOUND_BILLING", Message: "the saved method is unknown or was removed"}
		}
		if card.customer != "" && card.customer != p.Method.GatewayCustomer.Reveal() {
			return nil, nil, &payments.Error{Code: payments.CodeInvalidRequest, GatewayCode: "NOT_MATCHES_CUSTOMER_KEY", Message: "the customer does not match the saved method"}
		}
		if _, dup := g.byOrderID[p.GatewayOrderID]; dup && p.GatewayOrderID != "" {
			return nil, nil, &payments.Error{Code: payments.CodeInvalidRequest, GatewayCode: "DUPLICATED_ORDER_ID", Message: fmt.Sprintf("order id %q was already charged", p.GatewayOrderID)}
		}
		c := g.newChargeLocked(p.GatewayOrderID, p.Order.Amount, p.Order.Currency, payments.MethodCard)
		decline := card.decline
		if decline == "" {
			decline = g.behavior.decline
		}
		switch {
		case decline != "":
			c.Status = payments.StatusFailed
			c.Failure = &payments.Failure{Code: decline, Message: "the card was declined"}
			c.GatewayStatus = string(c.Status)
			return nil, nil, &payments.Error{Code: payments.CodePaymentDeclined, GatewayCode: decline, Message: "the card was declined"}
		case g.behavior.action != "":
			c.Status, c.RedirectURL = payments.StatusRequiresAction, g.behavior.action
		default:
			c.Status, c.PaidAt = payments.StatusPaid, g.now()
			c.confirmed++
		}
		c.GatewayStatus = string(c.Status)
		out := c.Charge
		return &out, nil, nil
	})
	if fail != nil {
		return nil, &payments.Error{Code: fail.code, Message: "scripted lost response"}
	}
	return ch, err
}

// Charges returns how many times money was taken for the gateway order
// id (replays of an idempotency key do not count). A correct caller never
// sees more than 1.
func (g *Gateway) Charges(gatewayOrderID string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, c := range g.charges {
		if c.GatewayOrderID == gatewayOrderID {
			n += c.confirmed
		}
	}
	return n
}
