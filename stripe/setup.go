package stripe

import (
	"context"
	"errors"
	"strings"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/web"
)

// Metadata keys of saved payment methods: the application's customer id
// on the Stripe Customer and the setup session, and the library's setup
// id on the session and its SetupIntent.
const (
	metaCustomerID = "customer_id"
	metaSetupID    = "setup_id"
)

// Operations of saved methods, for error classification.
const (
	opCustomer = "customer"
	opSetup    = "setup"
	opCharge   = "charge"
	opDetach   = "detach"
)

var (
	_ payments.MethodSaver   = (*Gateway)(nil)
	_ payments.MethodCharger = (*Gateway)(nil)
)

// CreateCustomer implements [payments.MethodSaver]: it finds the Stripe
// Customer whose metadata customer_id is p.CustomerID
// (https://docs.stripe.com/api/customers/search) or creates one with that
// metadata and p.IdempotencyKey, which derives from the customer id, so
// that a repeat within Stripe's 24 hours of idempotency returns the same
// Customer even before the search (eventually consistent) finds it. The
// Service keeps the id, and asks again only for a new customer.
func (g *Gateway) CreateCustomer(ctx context.Context, p *payments.CustomerParams) (payments.Secret, error) {
	if err := checkIdempotencyKey(p.IdempotencyKey); err != nil {
		return "", err
	}
	if p.CustomerID == "" || len(p.CustomerID) > maxMetadataValue || strings.ContainsAny(p.CustomerID, `'\`) {
		return "", web.Invalid("the customer id must be 1–%d characters without quotes or backslashes", maxMetadataValue)
	}
	sp := &stripego.CustomerSearchParams{SearchParams: stripego.SearchParams{
		Query: "metadata['" + metaCustomerID + "']:'" + p.CustomerID + "'", Context: ctx,
	}}
	it := g.api.Customers.Search(sp)
	for it.Next() {
		if c := it.Customer(); c.Metadata[metaCustomerID] == p.CustomerID {
			return payments.Secret(c.ID), nil
		}
	}
	if err := it.Err(); err != nil {
		return "", g.fail(ctx, opCustomer, err)
	}
	params := &stripego.CustomerParams{Metadata: map[string]string{metaCustomerID: p.CustomerID}}
	params.Context = ctx
	params.SetIdempotencyKey(p.IdempotencyKey)
	c, err := g.api.Customers.New(params)
	if err != nil {
		return "", g.fail(ctx, opCustomer, err)
	}
	return payments.Secret(c.ID), nil
}

// StartSave implements [payments.MethodSaver] with a Checkout Session in
// setup mode (https://docs.stripe.com/payments/save-and-reuse?platform=checkout)
// for the customer's Stripe Customer, card only, with the setup and
// customer ids in the metadata of the session and of its SetupIntent.
func (g *Gateway) StartSave(ctx context.Context, p *payments.StartSaveParams) (*payments.SaveSession, error) {
	if err := checkIdempotencyKey(p.IdempotencyKey); err != nil {
		return nil, err
	}
	if p.SuccessURL == "" {
		return nil, web.Invalid("a setup session needs a success URL")
	}
	md := map[string]string{metaSetupID: p.Setup.ID, metaCustomerID: p.Setup.CustomerID}
	params := &stripego.CheckoutSessionParams{
		Mode:       stripego.String(string(stripego.CheckoutSessionModeSetup)),
		Customer:   stripego.String(p.Customer.Reference.Reveal()),
		SuccessURL: stripego.String(p.SuccessURL),
		// Card only: whether Stripe needs a currency in setup mode without
		// payment_method_types is not clear from its docs.
		PaymentMethodTypes: stripego.StringSlice([]string{"card"}),
		Metadata:           md,
		SetupIntentData:    &stripego.CheckoutSessionSetupIntentDataParams{Metadata: md},
	}
	if p.CancelURL != "" {
		params.CancelURL = stripego.String(p.CancelURL)
	}
	params.Context = ctx
	params.SetIdempotencyKey(p.IdempotencyKey)
	cs, err := g.api.CheckoutSessions.New(params)
	if err != nil {
		return nil, g.fail(ctx, opSetup, err)
	}
	return &payments.SaveSession{Session: cs.ID, RedirectURL: cs.URL}, nil
}

// FinishSave implements [payments.MethodSaver]: it reads the setup
// session p.Session with its SetupIntent and payment method, and reports
// the card once the SetupIntent succeeded. A session not completed yet is
// invalid_state.
func (g *Gateway) FinishSave(ctx context.Context, p *payments.FinishSaveParams) (*payments.SavedMethod, error) {
	if p.Session == "" {
		return nil, web.Invalid("session_id is required")
	}
	params := &stripego.CheckoutSessionParams{}
	params.AddExpand("setup_intent.payment_method")
	params.Context = ctx
	cs, err := g.api.CheckoutSessions.Get(p.Session, params)
	if err != nil {
		return nil, g.fail(ctx, opLookup, err)
	}
	if cs.Mode != stripego.CheckoutSessionModeSetup {
		return nil, web.Invalid("the Checkout Session is not a setup session")
	}
	si := cs.SetupIntent
	if cs.Status != stripego.CheckoutSessionStatusComplete || si == nil || si.Status != stripego.SetupIntentStatusSucceeded {
		return nil, &payments.Error{Code: payments.CodeInvalidState, Message: "the customer has not saved a payment method in this session yet"}
	}
	pm := si.PaymentMethod
	if pm == nil || pm.ID == "" {
		return nil, &payments.Error{Code: payments.CodeGatewayError, Message: "the SetupIntent has no payment method"}
	}
	out := &payments.SavedMethod{Token: payments.Secret(pm.ID), Type: methods[pm.Type],
		SetupID: cs.Metadata[metaSetupID], CustomerID: cs.Metadata[metaCustomerID]}
	if cs.Customer != nil {
		out.GatewayCustomer = payments.Secret(cs.Customer.ID)
	}
	if p.Customer != nil && out.GatewayCustomer.Reveal() != p.Customer.Reference.Reveal() {
		return nil, web.Invalid("the setup session belongs to another customer")
	}
	if pm.Card != nil {
		out.Brand, out.Last4 = string(pm.Card.Brand), pm.Card.Last4
	}
	if out.Type == "" {
		out.Type = payments.MethodCard
	}
	return out, nil
}

// RemoveMethod implements [payments.MethodSaver] by detaching the
// PaymentMethod from its Customer
// (https://docs.stripe.com/api/payment_methods/detach). One Stripe no
// longer knows, or that is no longer attached, counts as removed.
func (g *Gateway) RemoveMethod(ctx context.Context, p *payments.RemoveMethodParams) error {
	params := &stripego.PaymentMethodDetachParams{}
	params.Context = ctx
	_, err := g.api.PaymentMethods.Detach(p.Method.Token.Reveal(), params)
	var se *stripego.Error
	if errors.As(err, &se) && (se.Code == stripego.ErrorCodeResourceMissing || se.Code == stripego.ErrorCodePaymentMethodUnexpectedState) {
		return nil
	}
	if err != nil {
		return g.fail(ctx, opDetach, err)
	}
	return nil
}

// ChargeMethod implements [payments.MethodCharger] with an off-session
// PaymentIntent (customer, payment_method, off_session, confirm; card
// only; https://docs.stripe.com/payments/save-and-reuse#charge-saved-payment-method)
// for the order's amount, with the order number and attempt in metadata
// and p.IdempotencyKey. When the bank wants the customer to authenticate,
// Stripe answers 402 authentication_required with the PaymentIntent; the
// gateway then confirms that PaymentIntent for the customer's return
// (with p.ReturnURL, whose redirect page becomes the Charge's
// RedirectURL) and reports it requires_action, so that the application
// can bring the customer back to the same PaymentIntent.
func (g *Gateway) ChargeMethod(ctx context.Context, p *payments.MethodChargeParams) (*payments.Charge, error) {
	if err := checkIdempotencyKey(p.IdempotencyKey); err != nil {
		return nil, err
	}
	o := p.Order
	amount, err := minorAmount(o.Amount, o.Currency)
	if err != nil {
		return nil, err
	}
	params := &stripego.PaymentIntentParams{
		Amount:             stripego.Int64(amount),
		Currency:           stripego.String(currencyParam(o.Currency)),
		Description:        stripego.String(o.Name),
		Customer:           stripego.String(p.Method.GatewayCustomer.Reveal()),
		PaymentMethod:      stripego.String(p.Method.Token.Reveal()),
		PaymentMethodTypes: stripego.StringSlice([]string{"card"}),
		OffSession:         stripego.Bool(true),
		Confirm:            stripego.Bool(true),
		Metadata:           orderMetadata(o.Number, p.GatewayOrderID),
	}
	params.AddExpand("latest_charge")
	params.Context = ctx
	params.SetIdempotencyKey(p.IdempotencyKey)
	pi, err := g.api.PaymentIntents.New(params)
	if err == nil {
		return intentCharge(pi), nil
	}
	var se *stripego.Error
	if !errors.As(err, &se) || se.Code != stripego.ErrorCodeAuthenticationRequired || se.PaymentIntent == nil {
		return nil, g.fail(ctx, opCharge, err)
	}
	// The customer must authenticate: set the PaymentIntent up for their
	// return, on session.
	cp := &stripego.PaymentIntentConfirmParams{PaymentMethod: stripego.String(p.Method.Token.Reveal())}
	if p.ReturnURL != "" {
		cp.ReturnURL = stripego.String(p.ReturnURL)
	}
	cp.Context = ctx
	cp.SetIdempotencyKey(p.IdempotencyKey + "-action")
	pi, cerr := g.api.PaymentIntents.Confirm(se.PaymentIntent.ID, cp)
	if cerr != nil {
		return nil, g.fail(ctx, opCharge, err)
	}
	ch := intentCharge(pi)
	ch.ClientSecret = ""
	if ch.Status == payments.StatusRequiresAction && ch.Failure == nil {
		ch.Failure = &payments.Failure{Code: string(stripego.ErrorCodeAuthenticationRequired), Message: "the bank asks the customer to authenticate this charge"}
	}
	return ch, nil
}
