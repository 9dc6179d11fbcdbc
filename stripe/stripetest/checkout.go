package stripetest

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/payments-go/payments/internal/web"
)

// Checkout Session lifetime limits (Stripe: 30 minutes to 24 hours).
const (
	sessionDefaultTTL = 24 * time.Hour
	sessionMinTTL     = 30 * time.Minute
)

func (s *Server) createSession(req *apiRequest) (any, *Error) {
	if m, ok := (&decoder{}).root(req.body).str("mode"); ok && m == "setup" {
		return s.createSetupSession(req)
	}
	d := &decoder{}
	p := d.root(req.body)
	p.only("mode", "line_items", "success_url", "cancel_url", "client_reference_id", "metadata",
		"payment_intent_data", "expand", "ui_mode", "currency", "customer_email", "locale",
		"expires_at", "payment_method_types", "submit_type", "billing_address_collection", "allow_promotion_codes")
	mode := p.required("mode")
	if d.err == nil {
		switch mode {
		case "payment":
		case "setup", "subscription":
			return nil, errUnsupported("mode", "mode="+mode+" (only payment)")
		default:
			return nil, errInvalid("mode", "Invalid mode: must be one of payment, setup, or subscription")
		}
	}
	if ui, ok := p.enum("ui_mode", "embedded", "hosted"); ok && ui == "embedded" {
		return nil, errUnsupported("ui_mode", "ui_mode=embedded (only the hosted page)")
	}
	expand, _ := p.strings("expand")
	successURL := p.required("success_url")
	cancelURL, _ := p.str("cancel_url")
	clientRef, _ := p.str("client_reference_id")
	metadata := p.metadata("metadata")
	customerEmail, _ := p.str("customer_email")
	locale, _ := p.str("locale")
	topCurrency, hasTopCurrency := p.str("currency")
	expiresAt, hasExpiresAt := p.int("expires_at")
	types, hasTypes := p.strings("payment_method_types")
	p.enum("submit_type", "auto", "book", "donate", "pay")
	p.enum("billing_address_collection", "auto", "required")
	p.bool("allow_promotion_codes")

	var piMetadata map[string]string
	var piCapture string
	var piDescription string
	if pid, ok := p.object("payment_intent_data"); ok {
		pid.only("metadata", "description", "capture_method", "receipt_email", "statement_descriptor", "statement_descriptor_suffix")
		piMetadata = pid.metadata("metadata")
		piDescription, _ = pid.str("description")
		if cm, ok := pid.enum("capture_method", "automatic", "automatic_async", "manual"); ok {
			piCapture = cm
		}
	}

	items, hasItems := p.list("line_items")
	if d.err != nil {
		return nil, d.err
	}
	if !hasItems || len(items) == 0 {
		return nil, errMissingParam("line_items")
	}
	if len(items) > 100 {
		return nil, errInvalid("line_items", "You may only specify up to 100 line items.")
	}
	for _, u := range []struct{ param, v string }{{"success_url", successURL}, {"cancel_url", cancelURL}} {
		if u.v != "" && !validURL(u.v) {
			return nil, &Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: "url_invalid", Param: u.param, Message: "Not a valid URL"}
		}
	}
	if len([]rune(clientRef)) > 200 {
		return nil, errInvalid("client_reference_id", "Invalid string: "+web.Clip(clientRef, 20)+"; must be at most 200 characters")
	}

	now := s.now().Unix()
	cs := &checkoutSession{
		id: newID("cs_test_", 58), created: now, expiresAt: now + int64(sessionDefaultTTL/time.Second),
		successURL: successURL, cancelURL: cancelURL, clientReferenceID: clientRef,
		customerEmail: customerEmail, locale: locale, metadata: metadata,
		piMetadata: piMetadata, piDescription: piDescription, piCapture: piCapture,
		status: "open", paymentStatus: "unpaid",
	}
	if hasExpiresAt {
		if expiresAt < now+int64(sessionMinTTL/time.Second) || expiresAt > now+int64(sessionDefaultTTL/time.Second) {
			return nil, errInvalid("expires_at", "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.")
		}
		cs.expiresAt = expiresAt
	}
	for _, it := range items {
		li, err := lineItemParams(it)
		if err != nil {
			return nil, err
		}
		if cs.currency == "" {
			cs.currency = li.currency
		} else if li.currency != cs.currency {
			return nil, errInvalid(it.name("price_data")+"[currency]", "All line items must have the same currency; line items in "+cs.currency+" and "+li.currency+" were provided.")
		}
		cs.items = append(cs.items, li)
		if li.unitAmount > 0 && li.quantity > (maxAmount-cs.amountTotal)/li.unitAmount {
			return nil, &Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: "amount_too_large", Param: "line_items",
				Message: "The Checkout Session's total amount due must be no more than " + formatAmount(maxAmount, cs.currency) + " " + cs.currency + "."}
		}
		cs.amountTotal += li.unitAmount * li.quantity
	}
	if hasTopCurrency {
		c, err := normCurrency("currency", topCurrency)
		if err != nil {
			return nil, err
		}
		if c != cs.currency {
			return nil, errInvalid("currency", "The currency "+c+" does not match the currency of the line items ("+cs.currency+").")
		}
	}
	if cs.amountTotal > 0 {
		if min, ok := minimumAmount(cs.currency); ok && cs.amountTotal < min {
			return nil, &Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: "amount_too_small", Param: "line_items",
				Message: "The Checkout Session's total amount due must add up to at least " + formatAmount(min, cs.currency) + " " + cs.currency}
		}
		if err := checkAmount("line_items", cs.amountTotal, cs.currency); err != nil {
			return nil, err
		}
	}
	if hasTypes {
		if err := checkTypes("payment_method_types", types, cs.currency); err != nil {
			return nil, err
		}
		cs.pmTypes = slices.Clone(types)
	} else {
		// Dynamic payment methods: the Dashboard's, for this currency
		// (https://docs.stripe.com/payments/payment-methods/dynamic-payment-methods).
		cs.pmTypes = s.dashboardTypes(cs.currency)
	}
	exp, err := parseExpand(kindSession, expand)
	if err != nil {
		return nil, err
	}
	cs.hostedURL = req.base + "/sandbox/checkout/" + cs.id
	s.sessions[cs.id] = cs
	return s.renderSession(cs, exp), nil
}

func lineItemParams(it obj) (lineItem, *Error) {
	d := it.d
	it.only("price_data", "quantity", "price", "adjustable_quantity", "dynamic_tax_rates", "tax_rates")
	if pr, ok := it.str("price"); ok {
		return lineItem{}, errNoSuch("price", pr, it.name("price"))
	}
	qty, hasQty := it.int("quantity")
	pd, hasPD := it.object("price_data")
	if d.err != nil {
		return lineItem{}, d.err
	}
	if !hasPD {
		return lineItem{}, errMissingParam(it.name("price_data"))
	}
	if !hasQty {
		return lineItem{}, errMissingParam(it.name("quantity"))
	}
	if qty < 1 || qty > 999999 {
		return lineItem{}, errInvalid(it.name("quantity"), "Quantity must be between 1 and 999999.")
	}
	pd.only("currency", "product_data", "unit_amount", "unit_amount_decimal", "product", "tax_behavior")
	cur := pd.required("currency")
	if prod, ok := pd.str("product"); ok {
		return lineItem{}, errNoSuch("product", prod, pd.name("product"))
	}
	prod, hasProd := pd.object("product_data")
	amount, hasAmount := pd.int("unit_amount")
	dec, hasDec := pd.str("unit_amount_decimal")
	if d.err != nil {
		return lineItem{}, d.err
	}
	if !hasProd {
		return lineItem{}, errMissingParam(pd.name("product_data"))
	}
	prod.only("name", "description", "images", "metadata", "tax_code")
	name := prod.required("name")
	desc, _ := prod.str("description")
	prod.strings("images")
	prod.metadata("metadata")
	if d.err != nil {
		return lineItem{}, d.err
	}
	switch {
	case hasAmount && hasDec:
		return lineItem{}, &Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: "parameters_exclusive", Param: pd.name("unit_amount"),
			Message: "You may only specify one of these parameters: unit_amount, unit_amount_decimal."}
	case hasDec:
		whole, frac, _ := strings.Cut(dec, ".")
		if strings.Trim(frac, "0") != "" {
			return lineItem{}, errUnsupported(pd.name("unit_amount_decimal"), "fractional unit_amount_decimal")
		}
		v, err := strconv.ParseInt(whole, 10, 64)
		if err != nil {
			return lineItem{}, errInvalid(pd.name("unit_amount_decimal"), "Invalid decimal: "+web.Clip(dec, 40))
		}
		amount = v
	case !hasAmount:
		return lineItem{}, errMissingParam(pd.name("unit_amount"))
	}
	if amount < 0 || amount > maxAmount {
		return lineItem{}, errInvalid(pd.name("unit_amount"), "Invalid non-negative integer: unit_amount must be between 0 and "+strconv.Itoa(maxAmount)+".")
	}
	c, err := normCurrency(pd.name("currency"), cur)
	if err != nil {
		return lineItem{}, err
	}
	return lineItem{
		id: newID("li_", 24), priceID: newID("price_", 24), productID: newID("prod_", 14),
		name: name, description: desc, currency: c, unitAmount: amount, quantity: qty,
	}, nil
}

func validURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// session looks up a session and expires it if its time has passed.
// Called with s.mu held.
func (s *Server) session(id string) *checkoutSession {
	cs := s.sessions[id]
	if cs != nil && cs.status == "open" && s.now().Unix() >= cs.expiresAt {
		s.expire(cs)
	}
	return cs
}

func (s *Server) getSession(req *apiRequest) (any, *Error) {
	d := &decoder{}
	p := d.root(req.body)
	p.only("expand")
	expand, _ := p.strings("expand")
	if d.err != nil {
		return nil, d.err
	}
	exp, err := parseExpand(kindSession, expand)
	if err != nil {
		return nil, err
	}
	cs := s.session(req.id)
	if cs == nil {
		if ss := s.savedLocked().sessions[req.id]; ss != nil {
			return s.renderSetupSession(ss, exp), nil
		}
		return nil, errNoSuch("checkout.session", web.Clip(req.id, 80), "id")
	}
	return s.renderSession(cs, exp), nil
}

func (s *Server) expireSessionAPI(req *apiRequest) (any, *Error) {
	d := &decoder{}
	p := d.root(req.body)
	p.only("expand")
	expand, _ := p.strings("expand")
	if d.err != nil {
		return nil, d.err
	}
	exp, err := parseExpand(kindSession, expand)
	if err != nil {
		return nil, err
	}
	cs := s.session(req.id)
	if cs == nil {
		return nil, errNoSuch("checkout.session", web.Clip(req.id, 80), "id")
	}
	if err := s.expireOpen(cs); err != nil {
		return nil, err
	}
	return s.renderSession(cs, exp), nil
}

func (s *Server) expireOpen(cs *checkoutSession) *Error {
	if cs.status != "open" {
		return errInvalid("", `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "`+cs.status+`".`)
	}
	s.expire(cs)
	return nil
}

// expire moves an open session to expired, cancels its unfinished
// PaymentIntent and emits checkout.session.expired.
func (s *Server) expire(cs *checkoutSession) {
	cs.status = "expired"
	if pi := s.intents[cs.paymentIntent]; pi != nil && pi.status != "succeeded" && pi.status != "canceled" {
		s.cancelIntent(pi, "abandoned")
	}
	s.emit("checkout.session.expired", s.renderSession(cs, nil))
}

// ExpireSession expires an open Checkout Session as
// POST /v1/checkout/sessions/{id}/expire does. It returns an *[Error] for
// an unknown or no longer open session.
func (s *Server) ExpireSession(id string) error {
	s.lock()
	defer s.mu.Unlock()
	cs := s.session(id)
	if cs == nil {
		return errNoSuch("checkout.session", id, "id")
	}
	if err := s.expireOpen(cs); err != nil {
		return err
	}
	return nil
}

// CompleteSession pays an open Checkout Session with the test
// PaymentMethod pm (such as [PMVisa]), as the customer would on the hosted
// page: it creates (or reuses) the session's PaymentIntent with
// payment_intent_data's metadata, and on success marks the session
// complete and paid. A decline returns the card *[Error] and leaves the
// session open. With [PMThreeDSecure] the PaymentIntent waits in
// requires_action; finish with [Server.Authenticate].
func (s *Server) CompleteSession(id, pm string) error {
	s.lock()
	defer s.mu.Unlock()
	cs := s.session(id)
	if cs == nil {
		return errNoSuch("checkout.session", id, "id")
	}
	base := s.publicURL
	if base == "" {
		base = strings.TrimSuffix(cs.hostedURL, "/sandbox/checkout/"+cs.id)
	}
	_, err := s.paySession(cs, pm, base)
	if err != nil {
		return err
	}
	return nil
}

// paySession runs one payment attempt for cs. It returns the id of the
// 3-D Secure attempt when authentication is needed. Called with s.mu held.
func (s *Server) paySession(cs *checkoutSession, pmID, base string) (string, *Error) {
	if cs.status != "open" {
		return "", errInvalid("", "This Checkout Session is no longer open (status "+cs.status+").")
	}
	if cs.amountTotal == 0 {
		// Nothing to collect, as with a 100% discount: complete without
		// a PaymentIntent
		// (https://docs.stripe.com/api/checkout/sessions/object#checkout_session_object-payment_status).
		cs.status, cs.paymentStatus, cs.lastError = "complete", "no_payment_required", ""
		s.emit("checkout.session.completed", s.renderSession(cs, nil))
		return "", nil
	}
	pm, err := s.resolvePM(pmID, "payment_method")
	if err != nil {
		return "", err
	}
	if !slices.Contains(cs.pmTypes, pm.test.typ) {
		return "", errInvalid("payment_method", "This Checkout Session does not offer payment method type "+pm.test.typ+" (it offers "+strings.Join(cs.pmTypes, ", ")+").")
	}
	pi := s.intents[cs.paymentIntent]
	if pi == nil || pi.status != "requires_payment_method" {
		pi = s.newIntent(cs.amountTotal, cs.currency)
		pi.pmTypes = slices.Clone(cs.pmTypes)
		pi.metadata = cloneMap(cs.piMetadata)
		pi.description = cs.piDescription
		pi.receiptEmail = cs.customerEmail
		pi.session = cs.id
		if cs.piCapture != "" {
			pi.captureMethod = cs.piCapture
		}
		s.intents[pi.id] = pi
		cs.paymentIntent = pi.id
	}
	pi.paymentMethod = pm.id
	returnURL := base + "/sandbox/checkout/" + cs.id
	if err := s.confirm(pi, base, returnURL, false, false); err != nil {
		cs.lastError = err.Message
		return "", err
	}
	switch pi.status {
	case "requires_action":
		return pi.attempt, nil

	case "processing":
		// A delayed method: the session is complete and unpaid until the
		// bank settles (https://docs.stripe.com/checkout/fulfillment).
		cs.status, cs.paymentStatus, cs.lastError = "complete", "unpaid", ""
		s.emit("checkout.session.completed", s.renderSession(cs, nil))
		return "", nil
	}
	s.finishSession(cs, pi)
	return "", nil
}

// Discount applies a percent-off discount (1 to 100) to the open Checkout
// Session id, as a coupon in discounts or a promotion code the customer
// enters on the hosted page does
// (https://docs.stripe.com/payments/checkout/discounts): amount_total
// becomes the discounted total (rounded down to the minor unit) and
// total_details.amount_discount the difference. With 100 the total is 0,
// and paying completes the session with payment_status
// no_payment_required and no PaymentIntent. The fake does not require
// allow_promotion_codes, so that a test can give a session a total its
// creator never asked for. It returns an *[Error] for an unknown session,
// one that is not open, one already discounted or a percentage out of
// range.
func (s *Server) Discount(id string, percentOff int64) error {
	s.lock()
	defer s.mu.Unlock()
	cs := s.session(id)
	switch {
	case cs == nil:
		return errNoSuch("checkout.session", id, "id")
	case cs.status != "open":
		return errInvalid("", "This Checkout Session is no longer open (status "+cs.status+").")
	case cs.percentOff != 0:
		return errInvalid("discounts", "This Checkout Session already has a discount.")
	case percentOff < 1 || percentOff > 100:
		return errInvalid("percent_off", "percent_off must be between 1 and 100.")
	}
	discount := cs.amountTotal - cs.amountTotal*(100-percentOff)/100
	cs.percentOff, cs.amountDiscount, cs.amountTotal = percentOff, discount, cs.amountTotal-discount
	return nil
}

// finishSession completes cs after its PaymentIntent succeeded.
func (s *Server) finishSession(cs *checkoutSession, pi *paymentIntent) {
	if cs.status != "open" || (pi.status != "succeeded" && pi.status != "requires_capture") {
		return
	}
	cs.status, cs.paymentStatus, cs.lastError = "complete", "paid", ""
	if pi.status == "requires_capture" {
		// Authorised, to be captured later. Stripe does not document the
		// session's payment_status then; the fake answers
		// Config.ManualCaptureSessionPaymentStatus (default unpaid), and
		// the PaymentIntent's requires_capture says what happened.
		cs.paymentStatus = s.manualSessionStatus
	}
	s.emit("checkout.session.completed", s.renderSession(cs, nil))
}

// successRedirect is success_url with {CHECKOUT_SESSION_ID} filled in.
func successRedirect(cs *checkoutSession) string {
	return strings.ReplaceAll(cs.successURL, "{CHECKOUT_SESSION_ID}", cs.id)
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
