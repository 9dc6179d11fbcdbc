package payments

import "context"

// MethodSaver is implemented by gateways that save payment methods for
// charges made while the customer is away: Toss billing keys
// (https://docs.tosspayments.com/guides/v2/billing/integration) and Stripe
// SetupIntents (https://docs.stripe.com/payments/save-and-reuse).
// [Service.StartSave], [Service.FinishSave] and [Service.RemoveMethod]
// call it.
type MethodSaver interface {
	// CreateCustomer makes the gateway's customer for one of the
	// application's customers and returns its reference: a new
	// unguessable Toss customerKey (made locally; Toss keeps none until a
	// billing key is issued), or the id of a Stripe Customer created with
	// p.IdempotencyKey, so that a repeat finds the same one.
	CreateCustomer(ctx context.Context, p *CustomerParams) (Secret, error)
	// StartSave prepares what the customer's browser needs to save a
	// method: nothing for Toss (the browser SDK opens the window), a
	// Checkout Session in setup mode for Stripe.
	StartSave(ctx context.Context, p *StartSaveParams) (*SaveSession, error)
	// FinishSave completes a save the customer authorised: it issues the
	// Toss billing key from the redirect's authKey, or reads the Stripe
	// Checkout Session's SetupIntent. It returns the method with its
	// Token, display details and, where the gateway knows it, the setup
	// id the session was started for.
	FinishSave(ctx context.Context, p *FinishSaveParams) (*SavedMethod, error)
	// RemoveMethod revokes a saved method at the gateway (deletes the
	// Toss billing key, detaches the Stripe PaymentMethod). A method the
	// gateway no longer knows is reported removed, without an error.
	RemoveMethod(ctx context.Context, p *RemoveMethodParams) error
}

// MethodCharger is implemented by gateways that charge a saved method
// without the customer: Toss POST /v1/billing/{billingKey}
// (https://docs.tosspayments.com/reference#카드-자동결제-승인) and Stripe
// off-session PaymentIntents
// (https://docs.stripe.com/payments/save-and-reuse#charge-saved-payment-method).
//
// ChargeMethod with the same IdempotencyKey any number of times takes the
// money at most once and reports the same charge. A charge the bank wants
// the customer to authenticate is reported with [StatusRequiresAction] and,
// where ReturnURL was given, the RedirectURL where the customer does it;
// a refusal is an error for which [Code] reports [CodePaymentDeclined]; an
// unknown outcome is [CodeGatewayUnavailable], and the charge is then
// found by [Gateway.Lookup] of its GatewayOrderID or by ChargeMethod
// again with the same key.
type MethodCharger interface {
	ChargeMethod(ctx context.Context, p *MethodChargeParams) (*Charge, error)
}

// CustomerParams names the application's customer to create at a gateway.
type CustomerParams struct {
	IdempotencyKey string
	CustomerID     string
}

// StartSaveParams asks a gateway to prepare a save.
type StartSaveParams struct {
	IdempotencyKey string
	Setup          MethodSetup
	Customer       GatewayCustomer
	// SuccessURL and CancelURL are where a hosted page (Stripe Checkout)
	// sends the customer.
	SuccessURL string
	CancelURL  string
}

// SaveSession is a gateway's answer to [MethodSaver.StartSave].
type SaveSession struct {
	// Session is the gateway's session id (a Stripe Checkout Session).
	Session string
	// RedirectURL is the hosted page where the customer saves the method.
	RedirectURL string
}

// FinishSaveParams completes a save.
type FinishSaveParams struct {
	IdempotencyKey string
	// Setup is the save started, when the callback named it (Toss).
	Setup *MethodSetup
	// Customer is the gateway customer the method must belong to, when
	// known before the call.
	Customer *GatewayCustomer
	// AuthKey is the one-time key of Toss's success redirect.
	AuthKey Secret
	// Session is the gateway session to read (a Stripe Checkout Session).
	Session string
}

// SavedMethod is a gateway's view of a saved method.
type SavedMethod struct {
	Token           Secret
	GatewayCustomer Secret
	Type            Method
	Brand           string
	Last4           string
	// SetupID is the [MethodSetup] the gateway session was started for,
	// where the gateway keeps it (Stripe metadata).
	SetupID string
	// CustomerID is the application's customer id the gateway session was
	// started for, where the gateway keeps it.
	CustomerID string
}

// RemoveMethodParams names a method to revoke at its gateway.
type RemoveMethodParams struct {
	IdempotencyKey string
	Method         *PaymentMethod
}

// MethodChargeParams asks a gateway to charge a saved method.
type MethodChargeParams struct {
	// IdempotencyKey is derived from the order, the attempt and the
	// method, the same on every retry and after a restart.
	IdempotencyKey string
	Order          Order
	// GatewayOrderID is the attempt's order id (Toss orderId).
	GatewayOrderID string
	Method         *PaymentMethod
	// ReturnURL, where given, is where a customer who must authenticate
	// the charge returns afterwards.
	ReturnURL string
}
