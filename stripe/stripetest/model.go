package stripetest

import (
	"crypto/rand"
	"strconv"
	"strings"

	"github.com/payments-go/payments/internal/web"
)

// newID returns prefix followed by n random alphanumeric characters, the
// way Stripe ids look ("pi_3Nq...").
func newID(prefix string, n int) string {
	const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	buf := make([]byte, n)
	_, _ = rand.Read(buf) // never fails since Go 1.24
	for i, b := range buf {
		buf[i] = alnum[int(b)%len(alnum)]
	}
	return prefix + string(buf)
}

// Object kinds, as in Stripe's "object" field.
const (
	kindSession = "checkout.session"
	kindPI      = "payment_intent"
	kindCharge  = "charge"
	kindRefund  = "refund"
	kindPM      = "payment_method"
	kindList    = "list"
)

// expandable tells which fields of kind can be expanded and into what.
func expandable(kind, field string) (string, bool) {
	switch kind + "." + field {
	case kindSession + ".payment_intent":
		return kindPI, true
	case kindSession + ".line_items":
		return kindList, true
	case kindPI + ".latest_charge", kindRefund + ".charge":
		return kindCharge, true
	case kindPI + ".payment_method", kindSetupIntent + ".payment_method":
		return kindPM, true
	case kindSession + ".setup_intent":
		return kindSetupIntent, true
	case kindCharge + ".payment_intent", kindRefund + ".payment_intent", kindDispute + ".payment_intent":
		return kindPI, true
	case kindDispute + ".charge":
		return kindCharge, true
	}
	return "", false
}

// expansion is the set of expand[] paths that apply to one object.
type expansion map[string]bool

// parseExpand validates the expand[] paths requested for an object of kind.
func parseExpand(kind string, paths []string) (expansion, *Error) {
	exp := expansion{}
	for _, p := range paths {
		parts := strings.Split(p, ".")
		if len(parts) > 4 {
			return nil, errInvalid("expand", "You cannot expand more than 4 levels of a property. Property: "+web.Clip(p, 80))
		}
		k := kind
		for _, f := range parts {
			next, ok := expandable(k, f)
			if !ok {
				return nil, errInvalid("expand", "This property cannot be expanded ("+web.Clip(p, 80)+").")
			}
			k = next
		}
		exp[p] = true
	}
	return exp, nil
}

// sub reports whether field is expanded and returns the paths below it.
func (e expansion) sub(field string) (expansion, bool) {
	if !e[field] {
		// "a.b" implies "a".
		found := false
		for p := range e {
			if strings.HasPrefix(p, field+".") {
				found = true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	out := expansion{}
	for p := range e {
		if rest, ok := strings.CutPrefix(p, field+"."); ok {
			out[rest] = true
		}
	}
	return out, true
}

type lineItem struct {
	id          string
	priceID     string
	productID   string
	name        string
	description string
	currency    string
	unitAmount  int64
	quantity    int64
}

type checkoutSession struct {
	id                string
	created           int64
	expiresAt         int64
	successURL        string
	cancelURL         string
	clientReferenceID string
	customerEmail     string
	locale            string
	currency          string
	amountTotal       int64
	metadata          map[string]string
	piMetadata        map[string]string
	piDescription     string
	piCapture         string // payment_intent_data[capture_method]
	items             []lineItem
	amountDiscount    int64    // total_details.amount_discount
	percentOff        int64    // of the discount applied, if any
	pmTypes           []string // the payment method types offered
	status            string   // open, complete, expired
	paymentStatus     string   // unpaid, paid, no_payment_required
	paymentIntent     string
	hostedURL         string
	lastError         string // shown on the sandbox page
}

type paymentMethod struct {
	id      string
	created int64
	test    testMethod
}

type nextAction struct {
	redirect  bool // redirect_to_url; otherwise use_stripe_sdk
	url       string
	returnURL string
}

type paymentIntent struct {
	id                 string
	secret             string
	created            int64
	amount             int64
	amountReceived     int64
	currency           string
	status             string
	paymentMethod      string
	metadata           map[string]string
	description        string
	receiptEmail       string
	captureMethod      string
	confirmationMethod string
	pmTypes            []string
	autoPM             bool
	allowRedirects     string
	latestCharge       string
	lastError          *Error
	next               *nextAction
	attempt            string // pending 3-D Secure attempt
	canceledAt         int64
	cancellationReason string
	session            string // the Checkout Session that created it
	amountCapturable   int64
	captureBefore      int64 // unix time the authorisation lapses (manual capture)
}

type charge struct {
	id             string
	created        int64
	amount         int64
	amountRefunded int64
	currency       string
	paymentIntent  string
	paymentMethod  string
	description    string
	metadata       map[string]string
	pending        bool // a bank debit not settled yet
	failed         *Error
	balanceTxn     string
	// uncaptured: authorised with manual capture, not captured yet.
	uncaptured bool
	// amountCaptured, once captured, is what was taken; the rest of the
	// authorisation was released and counts as refunded.
	amountCaptured int64
	capturedAt     int64
	captureBefore  int64
	expired        bool // the authorisation lapsed uncaptured
	disputed       bool
}

type refund struct {
	id            string
	created       int64
	amount        int64
	currency      string
	charge        string
	paymentIntent string
	reason        string
	metadata      map[string]string
	balanceTxn    string
	status        string // pending, succeeded, failed
	failureReason string
	// settles is what SettleRefund does: "succeeded" or "failed"; empty
	// when nothing is left to settle.
	settles string
}

// authAttempt is one pending or finished 3-D Secure challenge.
type authAttempt struct {
	id            string
	paymentIntent string
	returnURL     string // where the browser goes afterwards; "" for none
	session       string // set when the attempt belongs to hosted checkout
	done          bool
	approved      bool
}

// ---- JSON shapes ----

func strOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

type sessionJSON struct {
	ID                        string            `json:"id"`
	Object                    string            `json:"object"`
	AfterExpiration           any               `json:"after_expiration"`
	AllowPromotionCodes       any               `json:"allow_promotion_codes"`
	AmountSubtotal            any               `json:"amount_subtotal"`
	AmountTotal               any               `json:"amount_total"`
	AutomaticTax              map[string]any    `json:"automatic_tax"`
	BillingAddressCollection  any               `json:"billing_address_collection"`
	CancelURL                 any               `json:"cancel_url"`
	ClientReferenceID         any               `json:"client_reference_id"`
	ClientSecret              any               `json:"client_secret"`
	Consent                   any               `json:"consent"`
	ConsentCollection         any               `json:"consent_collection"`
	Created                   int64             `json:"created"`
	Currency                  any               `json:"currency"`
	CurrencyConversion        any               `json:"currency_conversion"`
	CustomFields              []any             `json:"custom_fields"`
	CustomText                map[string]any    `json:"custom_text"`
	Customer                  any               `json:"customer"`
	CustomerCreation          any               `json:"customer_creation"`
	CustomerDetails           any               `json:"customer_details"`
	CustomerEmail             any               `json:"customer_email"`
	ExpiresAt                 int64             `json:"expires_at"`
	Invoice                   any               `json:"invoice"`
	InvoiceCreation           any               `json:"invoice_creation"`
	LineItems                 any               `json:"line_items,omitempty"`
	Livemode                  bool              `json:"livemode"`
	Locale                    any               `json:"locale"`
	Metadata                  map[string]string `json:"metadata"`
	Mode                      string            `json:"mode"`
	PaymentIntent             any               `json:"payment_intent"`
	PaymentLink               any               `json:"payment_link"`
	PaymentMethodCollection   string            `json:"payment_method_collection"`
	PaymentMethodOptions      map[string]any    `json:"payment_method_options"`
	PaymentMethodTypes        []string          `json:"payment_method_types"`
	PaymentStatus             string            `json:"payment_status"`
	PhoneNumberCollection     map[string]any    `json:"phone_number_collection"`
	RecoveredFrom             any               `json:"recovered_from"`
	SetupIntent               any               `json:"setup_intent"`
	ShippingAddressCollection any               `json:"shipping_address_collection"`
	ShippingCost              any               `json:"shipping_cost"`
	ShippingDetails           any               `json:"shipping_details"`
	ShippingOptions           []any             `json:"shipping_options"`
	Status                    string            `json:"status"`
	SubmitType                any               `json:"submit_type"`
	Subscription              any               `json:"subscription"`
	SuccessURL                string            `json:"success_url"`
	TotalDetails              map[string]int64  `json:"total_details"`
	UIMode                    string            `json:"ui_mode"`
	URL                       any               `json:"url"`
}

type listJSON struct {
	Object  string `json:"object"`
	Data    []any  `json:"data"`
	HasMore bool   `json:"has_more"`
	URL     string `json:"url"`
}

type lineItemJSON struct {
	ID             string    `json:"id"`
	Object         string    `json:"object"`
	AmountDiscount int64     `json:"amount_discount"`
	AmountSubtotal int64     `json:"amount_subtotal"`
	AmountTax      int64     `json:"amount_tax"`
	AmountTotal    int64     `json:"amount_total"`
	Currency       string    `json:"currency"`
	Description    string    `json:"description"`
	Price          priceJSON `json:"price"`
	Quantity       int64     `json:"quantity"`
}

type priceJSON struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	Active            bool              `json:"active"`
	BillingScheme     string            `json:"billing_scheme"`
	Created           int64             `json:"created"`
	Currency          string            `json:"currency"`
	CustomUnitAmount  any               `json:"custom_unit_amount"`
	Livemode          bool              `json:"livemode"`
	LookupKey         any               `json:"lookup_key"`
	Metadata          map[string]string `json:"metadata"`
	Nickname          any               `json:"nickname"`
	Product           string            `json:"product"`
	Recurring         any               `json:"recurring"`
	TaxBehavior       string            `json:"tax_behavior"`
	TiersMode         any               `json:"tiers_mode"`
	TransformQuantity any               `json:"transform_quantity"`
	Type              string            `json:"type"`
	UnitAmount        int64             `json:"unit_amount"`
	UnitAmountDecimal string            `json:"unit_amount_decimal"`
}

type piJSON struct {
	ID                                string            `json:"id"`
	Object                            string            `json:"object"`
	Amount                            int64             `json:"amount"`
	AmountCapturable                  int64             `json:"amount_capturable"`
	AmountDetails                     map[string]any    `json:"amount_details"`
	AmountReceived                    int64             `json:"amount_received"`
	Application                       any               `json:"application"`
	ApplicationFeeAmount              any               `json:"application_fee_amount"`
	AutomaticPaymentMethods           any               `json:"automatic_payment_methods"`
	CanceledAt                        any               `json:"canceled_at"`
	CancellationReason                any               `json:"cancellation_reason"`
	CaptureMethod                     string            `json:"capture_method"`
	ClientSecret                      string            `json:"client_secret"`
	ConfirmationMethod                string            `json:"confirmation_method"`
	Created                           int64             `json:"created"`
	Currency                          string            `json:"currency"`
	Customer                          any               `json:"customer"`
	Description                       any               `json:"description"`
	Invoice                           any               `json:"invoice"`
	LastPaymentError                  any               `json:"last_payment_error"`
	LatestCharge                      any               `json:"latest_charge"`
	Livemode                          bool              `json:"livemode"`
	Metadata                          map[string]string `json:"metadata"`
	NextAction                        any               `json:"next_action"`
	OnBehalfOf                        any               `json:"on_behalf_of"`
	PaymentMethod                     any               `json:"payment_method"`
	PaymentMethodConfigurationDetails any               `json:"payment_method_configuration_details"`
	PaymentMethodOptions              map[string]any    `json:"payment_method_options"`
	PaymentMethodTypes                []string          `json:"payment_method_types"`
	Processing                        any               `json:"processing"`
	ReceiptEmail                      any               `json:"receipt_email"`
	Review                            any               `json:"review"`
	SetupFutureUsage                  any               `json:"setup_future_usage"`
	Shipping                          any               `json:"shipping"`
	Source                            any               `json:"source"`
	StatementDescriptor               any               `json:"statement_descriptor"`
	StatementDescriptorSuffix         any               `json:"statement_descriptor_suffix"`
	Status                            string            `json:"status"`
	TransferData                      any               `json:"transfer_data"`
	TransferGroup                     any               `json:"transfer_group"`
}

type chargeJSON struct {
	ID                            string            `json:"id"`
	Object                        string            `json:"object"`
	Amount                        int64             `json:"amount"`
	AmountCaptured                int64             `json:"amount_captured"`
	AmountRefunded                int64             `json:"amount_refunded"`
	Application                   any               `json:"application"`
	ApplicationFee                any               `json:"application_fee"`
	ApplicationFeeAmount          any               `json:"application_fee_amount"`
	BalanceTransaction            any               `json:"balance_transaction"`
	BillingDetails                map[string]any    `json:"billing_details"`
	CalculatedStatementDescriptor string            `json:"calculated_statement_descriptor"`
	Captured                      bool              `json:"captured"`
	Created                       int64             `json:"created"`
	Currency                      string            `json:"currency"`
	Customer                      any               `json:"customer"`
	Description                   any               `json:"description"`
	Disputed                      bool              `json:"disputed"`
	FailureBalanceTransaction     any               `json:"failure_balance_transaction"`
	FailureCode                   any               `json:"failure_code"`
	FailureMessage                any               `json:"failure_message"`
	FraudDetails                  map[string]any    `json:"fraud_details"`
	Invoice                       any               `json:"invoice"`
	Livemode                      bool              `json:"livemode"`
	Metadata                      map[string]string `json:"metadata"`
	OnBehalfOf                    any               `json:"on_behalf_of"`
	Outcome                       map[string]any    `json:"outcome"`
	Paid                          bool              `json:"paid"`
	PaymentIntent                 any               `json:"payment_intent"`
	PaymentMethod                 string            `json:"payment_method"`
	PaymentMethodDetails          map[string]any    `json:"payment_method_details"`
	ReceiptEmail                  any               `json:"receipt_email"`
	ReceiptNumber                 any               `json:"receipt_number"`
	ReceiptURL                    string            `json:"receipt_url"`
	Refunded                      bool              `json:"refunded"`
	Review                        any               `json:"review"`
	Shipping                      any               `json:"shipping"`
	Source                        any               `json:"source"`
	SourceTransfer                any               `json:"source_transfer"`
	StatementDescriptor           any               `json:"statement_descriptor"`
	StatementDescriptorSuffix     any               `json:"statement_descriptor_suffix"`
	Status                        string            `json:"status"`
	TransferData                  any               `json:"transfer_data"`
	TransferGroup                 any               `json:"transfer_group"`
}

type refundJSON struct {
	ID                        string            `json:"id"`
	Object                    string            `json:"object"`
	Amount                    int64             `json:"amount"`
	BalanceTransaction        any               `json:"balance_transaction"`
	Charge                    any               `json:"charge"`
	Created                   int64             `json:"created"`
	Currency                  string            `json:"currency"`
	DestinationDetails        map[string]any    `json:"destination_details"`
	FailureBalanceTransaction any               `json:"failure_balance_transaction,omitempty"`
	FailureReason             any               `json:"failure_reason,omitempty"`
	Metadata                  map[string]string `json:"metadata"`
	PaymentIntent             any               `json:"payment_intent"`
	Reason                    any               `json:"reason"`
	ReceiptNumber             any               `json:"receipt_number"`
	SourceTransferReversal    any               `json:"source_transfer_reversal"`
	Status                    string            `json:"status"`
	TransferReversal          any               `json:"transfer_reversal"`
}

type pmJSON struct {
	ID             string            `json:"id"`
	Object         string            `json:"object"`
	BillingDetails map[string]any    `json:"billing_details"`
	Card           map[string]any    `json:"card,omitempty"`
	Created        int64             `json:"created"`
	Customer       any               `json:"customer"`
	Livemode       bool              `json:"livemode"`
	Metadata       map[string]string `json:"metadata"`
	Type           string            `json:"type"`
	USBankAccount  map[string]any    `json:"us_bank_account,omitempty"`
}

// errorJSON is the body of {"error": ...} and of last_payment_error.
type errorJSON struct {
	Charge        string `json:"charge,omitempty"`
	Code          string `json:"code,omitempty"`
	DeclineCode   string `json:"decline_code,omitempty"`
	DocURL        string `json:"doc_url,omitempty"`
	Message       string `json:"message"`
	Param         string `json:"param,omitempty"`
	PaymentIntent any    `json:"payment_intent,omitempty"`
	PaymentMethod any    `json:"payment_method,omitempty"`
	RequestLogURL string `json:"request_log_url,omitempty"`
	Type          string `json:"type"`
}

func billingDetails() map[string]any {
	return map[string]any{
		"address": map[string]any{"city": nil, "country": nil, "line1": nil, "line2": nil, "postal_code": nil, "state": nil},
		"email":   nil, "name": nil, "phone": nil,
	}
}

// ---- renderers (callers hold s.mu) ----

func (s *Server) renderSession(cs *checkoutSession, exp expansion) *sessionJSON {
	out := &sessionJSON{
		ID: cs.id, Object: kindSession,
		AmountSubtotal: cs.amountTotal + cs.amountDiscount, AmountTotal: cs.amountTotal,
		AutomaticTax:      map[string]any{"enabled": false, "liability": nil, "status": nil},
		CancelURL:         strOrNil(cs.cancelURL),
		ClientReferenceID: strOrNil(cs.clientReferenceID),
		Created:           cs.created, Currency: cs.currency,
		CustomFields:            []any{},
		CustomText:              map[string]any{"after_submit": nil, "shipping_address": nil, "submit": nil, "terms_of_service_acceptance": nil},
		CustomerCreation:        "if_required",
		CustomerEmail:           strOrNil(cs.customerEmail),
		ExpiresAt:               cs.expiresAt,
		Locale:                  strOrNil(cs.locale),
		Metadata:                orEmpty(cs.metadata),
		Mode:                    "payment",
		PaymentIntent:           strOrNil(cs.paymentIntent),
		PaymentMethodCollection: "if_required",
		PaymentMethodOptions:    map[string]any{},
		PaymentMethodTypes:      append([]string{}, cs.pmTypes...),
		PaymentStatus:           cs.paymentStatus,
		PhoneNumberCollection:   map[string]any{"enabled": false},
		ShippingOptions:         []any{},
		Status:                  cs.status,
		SuccessURL:              cs.successURL,
		TotalDetails:            map[string]int64{"amount_discount": cs.amountDiscount, "amount_shipping": 0, "amount_tax": 0},
		UIMode:                  "hosted",
	}
	if cs.status == "open" {
		out.URL = cs.hostedURL
	}
	if cs.status == "complete" {
		out.CustomerDetails = map[string]any{"address": nil, "email": strOrNil(cs.customerEmail), "name": nil, "phone": nil, "tax_exempt": "none", "tax_ids": []any{}}
	}
	if sub, ok := exp.sub("payment_intent"); ok && cs.paymentIntent != "" {
		if pi := s.intents[cs.paymentIntent]; pi != nil {
			out.PaymentIntent = s.renderPI(pi, sub)
		}
	}
	if _, ok := exp.sub("line_items"); ok {
		out.LineItems = s.renderLineItems(cs)
	}
	return out
}

func (s *Server) renderLineItems(cs *checkoutSession) *listJSON {
	l := &listJSON{Object: "list", Data: []any{}, URL: "/v1/checkout/sessions/" + cs.id + "/line_items"}
	for _, it := range cs.items {
		total := it.unitAmount * it.quantity
		l.Data = append(l.Data, lineItemJSON{
			ID: it.id, Object: "item", AmountSubtotal: total, AmountTotal: total,
			Currency: it.currency, Description: it.name, Quantity: it.quantity,
			Price: priceJSON{
				ID: it.priceID, Object: "price", BillingScheme: "per_unit", Created: cs.created,
				Currency: it.currency, Metadata: map[string]string{}, Product: it.productID,
				TaxBehavior: "unspecified", Type: "one_time", UnitAmount: it.unitAmount,
				UnitAmountDecimal: strconv.FormatInt(it.unitAmount, 10),
			},
		})
	}
	return l
}

func (s *Server) renderPI(pi *paymentIntent, exp expansion) *piJSON {
	out := &piJSON{
		ID: pi.id, Object: kindPI,
		Amount: pi.amount, AmountDetails: map[string]any{"tip": map[string]any{}},
		AmountReceived: pi.amountReceived, AmountCapturable: pi.amountCapturable,
		CaptureMethod: pi.captureMethod, ClientSecret: pi.secret,
		ConfirmationMethod: pi.confirmationMethod,
		Created:            pi.created, Currency: pi.currency,
		Description:   strOrNil(pi.description),
		LatestCharge:  strOrNil(pi.latestCharge),
		Metadata:      orEmpty(pi.metadata),
		PaymentMethod: strOrNil(pi.paymentMethod),
		PaymentMethodOptions: map[string]any{"card": map[string]any{
			"installments": nil, "mandate_options": nil, "network": nil, "request_three_d_secure": "automatic",
		}},
		PaymentMethodTypes: append([]string{}, pi.pmTypes...),
		ReceiptEmail:       strOrNil(pi.receiptEmail),
		Status:             pi.status,
	}
	if pi.autoPM {
		out.AutomaticPaymentMethods = map[string]any{"allow_redirects": pi.allowRedirects, "enabled": true}
	}
	if pi.canceledAt != 0 {
		out.CanceledAt = pi.canceledAt
		out.CancellationReason = strOrNil(pi.cancellationReason)
	}
	if pi.lastError != nil {
		out.LastPaymentError = s.renderError(pi.lastError, "", false)
	}
	if n := pi.next; n != nil {
		if n.redirect {
			out.NextAction = map[string]any{
				"type":            "redirect_to_url",
				"redirect_to_url": map[string]any{"url": n.url, "return_url": n.returnURL},
			}
		} else {
			out.NextAction = map[string]any{
				"type": "use_stripe_sdk",
				"use_stripe_sdk": map[string]any{
					"type": "three_d_secure_redirect", "stripe_js": n.url, "source": "src_" + strings.TrimPrefix(pi.attempt, "payatt_"),
				},
			}
		}
	}
	if sub, ok := exp.sub("latest_charge"); ok && pi.latestCharge != "" {
		if ch := s.charges[pi.latestCharge]; ch != nil {
			out.LatestCharge = s.renderCharge(ch, sub)
		}
	}
	if _, ok := exp.sub("payment_method"); ok && pi.paymentMethod != "" {
		if pm := s.methods[pi.paymentMethod]; pm != nil {
			out.PaymentMethod = renderPM(pm)
		}
	}
	return out
}

func renderPM(pm *paymentMethod) *pmJSON {
	c := pm.test
	out := &pmJSON{
		ID: pm.id, Object: kindPM, BillingDetails: billingDetails(), Created: pm.created,
		Metadata: map[string]string{}, Type: c.typ,
	}
	switch c.typ {
	case methodUSBankAccount:
		// https://docs.stripe.com/api/payment_methods/object#payment_method_object-us_bank_account
		out.USBankAccount = map[string]any{
			"account_holder_type": "individual", "account_type": "checking", "bank_name": c.bank,
			"financial_connections_account": nil, "fingerprint": "stripetest" + c.last4, "last4": c.last4,
			"networks":       map[string]any{"preferred": "ach", "supported": []string{"ach"}},
			"routing_number": "110000000", "status_details": map[string]any{},
		}
	default:
		out.Card = map[string]any{
			"brand": c.brand, "checks": map[string]any{"address_line1_check": nil, "address_postal_code_check": nil, "cvc_check": "pass"},
			"country": c.country, "display_brand": c.brand, "exp_month": 12, "exp_year": 2034, "funding": c.funding,
			"last4": c.last4, "networks": map[string]any{"available": []string{c.brand}, "preferred": nil},
			"three_d_secure_usage": map[string]any{"supported": true}, "wallet": nil,
		}
	}
	return out
}

// methodDetails is a charge's payment_method_details
// (https://docs.stripe.com/api/charges/object#charge_object-payment_method_details):
// its type and the sub-object of that type.
func methodDetails(c testMethod) map[string]any {
	if c.typ == methodUSBankAccount {
		return map[string]any{"type": methodUSBankAccount, methodUSBankAccount: map[string]any{
			"account_holder_type": "individual", "account_type": "checking", "bank_name": c.bank,
			"fingerprint": "stripetest" + c.last4, "last4": c.last4, "routing_number": "110000000",
		}}
	}
	return map[string]any{"type": methodCard, methodCard: map[string]any{
		"brand": c.brand, "country": c.country, "exp_month": 12, "exp_year": 2034,
		"funding": c.funding, "last4": c.last4, "network": c.brand,
	}}
}

func (s *Server) renderCharge(ch *charge, exp expansion) *chargeJSON {
	pm := s.methods[ch.paymentMethod]
	var method testMethod
	if pm != nil {
		method = pm.test
	}
	out := &chargeJSON{
		ID: ch.id, Object: kindCharge, Amount: ch.amount, AmountRefunded: ch.amountRefunded,
		BalanceTransaction:            strOrNil(ch.balanceTxn),
		BillingDetails:                billingDetails(),
		CalculatedStatementDescriptor: "STRIPETEST",
		Created:                       ch.created, Currency: ch.currency,
		Description:          strOrNil(ch.description),
		FraudDetails:         map[string]any{},
		Metadata:             orEmpty(ch.metadata),
		PaymentIntent:        strOrNil(ch.paymentIntent),
		PaymentMethod:        ch.paymentMethod,
		PaymentMethodDetails: methodDetails(method),
		ReceiptURL:           "https://pay.stripe.com/receipts/stripetest/" + ch.id,
		Refunded:             ch.amount > 0 && ch.amountRefunded >= ch.amount,
	}
	switch {
	case ch.failed == nil && ch.pending:
		// A bank debit on its way: captured, not paid yet
		// (https://docs.stripe.com/api/charges/object#charge_object-status).
		out.AmountCaptured = ch.amount
		out.Captured = true
		out.Status = "pending"
		out.Outcome = map[string]any{"network_status": "approved_by_network", "reason": nil, "risk_level": "not_assessed",
			"seller_message": "Payment pending.", "type": "authorized"}
	case ch.failed == nil:
		out.AmountCaptured = ch.amount
		out.Captured = true
		out.Paid = true
		out.Status = "succeeded"
		out.Outcome = map[string]any{"network_status": "approved_by_network", "reason": nil, "risk_level": "normal",
			"risk_score": 20, "seller_message": "Payment complete.", "type": "authorized"}
	default:
		out.Status = "failed"
		out.FailureCode = ch.failed.Code
		out.FailureMessage = ch.failed.Message
		out.Outcome = map[string]any{"network_status": "declined_by_network", "reason": ch.failed.DeclineCode, "risk_level": "normal",
			"risk_score": 20, "seller_message": "The bank did not return any further details with this decline.", "type": "issuer_declined"}
	}
	if ch.failed == nil && !ch.pending {
		s.renderCapture(ch, out)
	}
	if sub, ok := exp.sub("payment_intent"); ok && ch.paymentIntent != "" {
		if pi := s.intents[ch.paymentIntent]; pi != nil {
			out.PaymentIntent = s.renderPI(pi, sub)
		}
	}
	return out
}

func (s *Server) renderRefund(re *refund, exp expansion) *refundJSON {
	out := &refundJSON{
		ID: re.id, Object: kindRefund, Amount: re.amount,
		BalanceTransaction: strOrNil(re.balanceTxn),
		Charge:             re.charge, Created: re.created, Currency: re.currency,
		DestinationDetails: map[string]any{"type": "card", "card": map[string]any{"reference_status": "pending", "reference_type": "acquirer_reference_number", "type": "refund"}},
		Metadata:           orEmpty(re.metadata),
		PaymentIntent:      strOrNil(re.paymentIntent),
		Reason:             strOrNil(re.reason),
		Status:             re.status,
	}
	if ch := s.charges[re.charge]; ch != nil {
		if pm := s.methods[ch.paymentMethod]; pm != nil && pm.test.typ == methodUSBankAccount {
			out.DestinationDetails = map[string]any{"type": methodUSBankAccount, methodUSBankAccount: map[string]any{}}
		}
	}
	if re.status == "failed" {
		// https://docs.stripe.com/api/refunds/object#refund_object-failure_reason
		out.FailureReason = re.failureReason
		out.FailureBalanceTransaction = "txn_failure_" + re.id
	}
	if sub, ok := exp.sub("charge"); ok {
		if ch := s.charges[re.charge]; ch != nil {
			out.Charge = s.renderCharge(ch, sub)
		}
	}
	if sub, ok := exp.sub("payment_intent"); ok && re.paymentIntent != "" {
		if pi := s.intents[re.paymentIntent]; pi != nil {
			out.PaymentIntent = s.renderPI(pi, sub)
		}
	}
	return out
}

// renderError renders e as Stripe does inside {"error": ...} (withContext)
// or as a PaymentIntent's last_payment_error.
func (s *Server) renderError(e *Error, requestID string, withContext bool) *errorJSON {
	out := &errorJSON{
		Charge: e.charge, Code: e.Code, DeclineCode: e.DeclineCode, DocURL: docURL(e.Code),
		Message: e.Message, Param: e.Param, Type: e.Type,
	}
	if e.pm != nil {
		out.PaymentMethod = renderPM(e.pm)
	}
	if withContext {
		if requestID != "" {
			out.RequestLogURL = "https://dashboard.stripe.com/test/logs/" + requestID + "?t=" + strconv.FormatInt(s.now().Unix(), 10)
		}
		if e.pi != nil {
			out.PaymentIntent = s.renderPI(e.pi, nil)
		}
	}
	return out
}
