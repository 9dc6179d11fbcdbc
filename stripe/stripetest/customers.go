package stripetest

import (
	"errors"
	"html/template"
	"net/http"
	"regexp"
	"strings"

	"github.com/payments-go/payments/internal/web"
)

// The operations of saved payment methods
// (https://docs.stripe.com/payments/save-and-reuse).
const (
	OpCreateCustomer      = "POST /v1/customers"
	OpGetCustomer         = "GET /v1/customers/{id}"
	OpSearchCustomers     = "GET /v1/customers/search"
	OpGetSetupIntent      = "GET /v1/setup_intents/{id}"
	OpGetPaymentMethod    = "GET /v1/payment_methods/{id}"
	OpDetachPaymentMethod = "POST /v1/payment_methods/{id}/detach"
)

const (
	kindCustomer    = "customer"
	kindSetupIntent = "setup_intent"
)

// savedObjects are the customers, setup-mode Checkout Sessions and
// SetupIntents, and which customer each PaymentMethod is attached to.
type savedObjects struct {
	customers map[string]*customer
	order     []string // customer ids, oldest first
	sessions  map[string]*setupSession
	intents   map[string]*setupIntent
	attached  map[string]string // PaymentMethod id → customer id
	detached  map[string]bool
	// piCustomer is the customer a PaymentIntent was created for.
	piCustomer map[string]string
}

type customer struct {
	id, email, name string
	created         int64
	metadata        map[string]string
}

type setupSession struct {
	id, customer, successURL, cancelURL, status, setupIntent, hostedURL string
	created, expiresAt                                                  int64
	metadata, siMetadata                                                map[string]string
}

type setupIntent struct {
	id, customer, paymentMethod, status, usage string
	created                                    int64
	metadata                                   map[string]string
}

func (s *Server) savedLocked() *savedObjects {
	if s.saved.customers == nil {
		s.saved = savedObjects{customers: map[string]*customer{}, sessions: map[string]*setupSession{},
			intents: map[string]*setupIntent{}, attached: map[string]string{}, detached: map[string]bool{},
			piCustomer: map[string]string{}}
	}
	return &s.saved
}

func (s *Server) savedRoutes(api func(op string, h apiHandler)) {
	api(OpCreateCustomer, (*Server).createCustomer)
	api(OpSearchCustomers, (*Server).searchCustomers)
	api(OpGetCustomer, (*Server).getCustomer)
	api(OpGetSetupIntent, (*Server).getSetupIntent)
	api(OpGetPaymentMethod, (*Server).getPaymentMethod)
	api(OpDetachPaymentMethod, (*Server).detachPaymentMethod)
	s.mux.HandleFunc("GET /sandbox/setup/{id}", s.setupPage)
	s.mux.HandleFunc("POST /sandbox/setup/{id}", s.setupSubmit)
}

func (s *Server) renderCustomer(c *customer) map[string]any {
	return map[string]any{
		"id": c.id, "object": kindCustomer, "created": c.created, "email": strOrNil(c.email), "name": strOrNil(c.name),
		"metadata": orEmpty(c.metadata), "livemode": false, "invoice_settings": map[string]any{"default_payment_method": nil},
	}
}

// createCustomer is POST /v1/customers (https://docs.stripe.com/api/customers/create).
func (s *Server) createCustomer(req *apiRequest) (any, *Error) {
	d := &decoder{}
	p := d.root(req.body)
	p.only("email", "name", "description", "metadata", "expand")
	email, _ := p.str("email")
	name, _ := p.str("name")
	p.str("description")
	md := p.metadata("metadata")
	if d.err != nil {
		return nil, d.err
	}
	st := s.savedLocked()
	c := &customer{id: newID("cus_", 14), email: email, name: name, created: s.now().Unix(), metadata: md}
	st.customers[c.id] = c
	st.order = append(st.order, c.id)
	return s.renderCustomer(c), nil
}

// getCustomer is GET /v1/customers/{id}.
func (s *Server) getCustomer(req *apiRequest) (any, *Error) {
	c := s.savedLocked().customers[req.id]
	if c == nil {
		return nil, errNoSuch("customer", web.Clip(req.id, 60), "id")
	}
	return s.renderCustomer(c), nil
}

// searchQuery is the one search the fake understands:
// metadata['key']:'value' (https://docs.stripe.com/search#query-fields-for-customers).
var searchQuery = regexp.MustCompile(`^metadata\['([A-Za-z0-9_-]{1,40})'\]:'([^'\\]{0,500})'$`)

// searchCustomers is GET /v1/customers/search. Stripe's search is
// eventually consistent (a customer created a moment ago may be missing);
// the fake finds every customer at once, and callers must not rely on
// either.
func (s *Server) searchCustomers(req *apiRequest) (any, *Error) {
	d := &decoder{}
	p := d.root(req.body)
	p.only("query", "limit", "page", "expand")
	q := p.required("query")
	p.int("limit")
	if d.err != nil {
		return nil, d.err
	}
	m := searchQuery.FindStringSubmatch(strings.TrimSpace(q))
	if m == nil {
		return nil, errUnsupported("query", "search queries other than metadata['key']:'value'")
	}
	st := s.savedLocked()
	data := []any{}
	for _, id := range st.order {
		if c := st.customers[id]; c.metadata[m[1]] == m[2] {
			data = append(data, s.renderCustomer(c))
		}
	}
	return map[string]any{"object": "search_result", "data": data, "has_more": false, "next_page": nil, "url": "/v1/customers/search"}, nil
}

func (s *Server) renderSetupIntent(si *setupIntent, exp expansion) map[string]any {
	out := map[string]any{
		"id": si.id, "object": kindSetupIntent, "created": si.created, "customer": strOrNil(si.customer),
		"payment_method": strOrNil(si.paymentMethod), "status": si.status, "usage": si.usage,
		"metadata": orEmpty(si.metadata), "livemode": false, "payment_method_types": []string{"card"},
		"last_setup_error": nil, "next_action": nil, "client_secret": si.id + "_secret_" + "fake",
	}
	if _, ok := exp.sub("payment_method"); ok && si.paymentMethod != "" {
		if pm := s.methods[si.paymentMethod]; pm != nil {
			out["payment_method"] = s.renderSavedPM(pm)
		}
	}
	return out
}

func (s *Server) renderSavedPM(pm *paymentMethod) *pmJSON {
	out := renderPM(pm)
	if c := s.savedLocked().attached[pm.id]; c != "" {
		out.Customer = c
	}
	return out
}

// getSetupIntent is GET /v1/setup_intents/{id}.
func (s *Server) getSetupIntent(req *apiRequest) (any, *Error) {
	exp, err := readExpand(req, kindSetupIntent)
	if err != nil {
		return nil, err
	}
	si := s.savedLocked().intents[req.id]
	if si == nil {
		return nil, errNoSuch("setup_intent", web.Clip(req.id, 60), "id")
	}
	return s.renderSetupIntent(si, exp), nil
}

func readExpand(req *apiRequest, kind string) (expansion, *Error) {
	d := &decoder{}
	p := d.root(req.body)
	p.only("expand")
	expand, _ := p.strings("expand")
	if d.err != nil {
		return nil, d.err
	}
	return parseExpand(kind, expand)
}

// getPaymentMethod is GET /v1/payment_methods/{id}.
func (s *Server) getPaymentMethod(req *apiRequest) (any, *Error) {
	pm := s.methods[req.id]
	if pm == nil {
		return nil, errNoSuch("PaymentMethod", web.Clip(req.id, 60), "id")
	}
	return s.renderSavedPM(pm), nil
}

// detachPaymentMethod is POST /v1/payment_methods/{id}/detach
// (https://docs.stripe.com/api/payment_methods/detach): a detached
// PaymentMethod cannot be used again.
func (s *Server) detachPaymentMethod(req *apiRequest) (any, *Error) {
	pm := s.methods[req.id]
	if pm == nil {
		return nil, errNoSuch("PaymentMethod", web.Clip(req.id, 60), "id")
	}
	st := s.savedLocked()
	if st.attached[pm.id] == "" {
		return nil, errState("payment_method_unexpected_state", "The payment method you provided is not attached to a customer so detachment is impossible.")
	}
	delete(st.attached, pm.id)
	st.detached[pm.id] = true
	out := renderPM(pm)
	s.emit("payment_method.detached", out)
	return out, nil
}

// checkSavedPM applies the rules of charging a PaymentMethod for a
// customer: it must be attached to that customer, and a detached one can
// never be used again. Called with s.mu held.
func (s *Server) checkSavedPM(customerID string, pm *paymentMethod) *Error {
	st := s.savedLocked()
	if st.customers[customerID] == nil {
		return errNoSuch("customer", web.Clip(customerID, 60), "customer")
	}
	switch {
	case st.detached[pm.id]:
		return errInvalid("payment_method", "The provided PaymentMethod was previously used without being attached to a Customer or was detached from a Customer, and may not be used again.")
	case st.attached[pm.id] != customerID:
		return errInvalid("payment_method", "The provided PaymentMethod does not belong to the Customer "+customerID+".")
	}
	return nil
}

// createSetupSession is POST /v1/checkout/sessions with mode=setup
// (https://docs.stripe.com/payments/save-and-reuse?platform=checkout):
// no line items, payment_status no_payment_required, and a SetupIntent
// once the customer completes the page.
func (s *Server) createSetupSession(req *apiRequest) (any, *Error) {
	d := &decoder{}
	p := d.root(req.body)
	p.only("mode", "customer", "success_url", "cancel_url", "metadata", "payment_method_types", "setup_intent_data",
		"expand", "ui_mode", "currency", "client_reference_id", "locale")
	p.required("mode")
	cust := p.required("customer")
	success := p.required("success_url")
	cancel, _ := p.str("cancel_url")
	md := p.metadata("metadata")
	p.str("client_reference_id")
	p.str("locale")
	p.str("currency")
	types, hasTypes := p.strings("payment_method_types")
	var siMD map[string]string
	if sid, ok := p.object("setup_intent_data"); ok {
		sid.only("metadata", "description")
		siMD = sid.metadata("metadata")
		sid.str("description")
	}
	if ui, ok := p.enum("ui_mode", "embedded", "hosted"); ok && ui == "embedded" {
		return nil, errUnsupported("ui_mode", "ui_mode=embedded (only the hosted page)")
	}
	expand, _ := p.strings("expand")
	if d.err != nil {
		return nil, d.err
	}
	if !hasTypes {
		// Whether Stripe then needs currency is not documented clearly;
		// the fake asks for payment_method_types, as the library sends.
		return nil, errUnsupported("payment_method_types", "a setup session without payment_method_types")
	}
	for _, t := range types {
		if t != methodCard {
			return nil, errUnsupported("payment_method_types", "setup sessions of "+t)
		}
	}
	if s.savedLocked().customers[cust] == nil {
		return nil, errNoSuch("customer", web.Clip(cust, 60), "customer")
	}
	for _, u := range []struct{ param, v string }{{"success_url", success}, {"cancel_url", cancel}} {
		if u.v != "" && !validURL(u.v) {
			return nil, &Error{HTTPStatus: 400, Type: typeInvalidRequest, Code: "url_invalid", Param: u.param, Message: "Not a valid URL"}
		}
	}
	exp, err := parseExpand(kindSession, expand)
	if err != nil {
		return nil, err
	}
	now := s.now().Unix()
	ss := &setupSession{id: newID("cs_test_", 58), customer: cust, successURL: success, cancelURL: cancel, status: "open",
		created: now, expiresAt: now + int64(sessionDefaultTTL.Seconds()), metadata: md, siMetadata: siMD}
	ss.hostedURL = req.base + "/sandbox/setup/" + ss.id
	s.savedLocked().sessions[ss.id] = ss
	return s.renderSetupSession(ss, exp), nil
}

// renderSetupSession renders a setup-mode session as the Checkout Session
// object of the pinned API version
// (https://docs.stripe.com/api/checkout/sessions/object), like a
// payment-mode one: no amounts or currency (null), payment_status
// no_payment_required, the customer it was created for, and the
// SetupIntent once the customer completed the page.
func (s *Server) renderSetupSession(ss *setupSession, exp expansion) *sessionJSON {
	out := &sessionJSON{
		ID: ss.id, Object: kindSession,
		AutomaticTax: map[string]any{"enabled": false, "liability": nil, "status": nil},
		CancelURL:    strOrNil(ss.cancelURL),
		Created:      ss.created,
		CustomFields: []any{},
		CustomText:   map[string]any{"after_submit": nil, "shipping_address": nil, "submit": nil, "terms_of_service_acceptance": nil},
		Customer:     ss.customer,
		ExpiresAt:    ss.expiresAt,
		Metadata:     orEmpty(ss.metadata),
		Mode:         "setup",
		// https://docs.stripe.com/api/checkout/sessions/object#checkout_session_object-payment_method_collection
		// defaults to always.
		PaymentMethodCollection: "always",
		PaymentMethodOptions:    map[string]any{},
		PaymentMethodTypes:      []string{methodCard},
		PaymentStatus:           "no_payment_required",
		PhoneNumberCollection:   map[string]any{"enabled": false},
		SetupIntent:             strOrNil(ss.setupIntent),
		ShippingOptions:         []any{},
		Status:                  ss.status,
		SuccessURL:              ss.successURL,
		UIMode:                  "hosted",
	}
	if ss.status == "open" {
		out.URL = ss.hostedURL
	}
	if ss.status == "complete" {
		email := ""
		if c := s.savedLocked().customers[ss.customer]; c != nil {
			email = c.email
		}
		out.CustomerDetails = map[string]any{"address": nil, "email": strOrNil(email), "name": nil, "phone": nil, "tax_exempt": "none", "tax_ids": []any{}}
	}
	if sub, ok := exp.sub("setup_intent"); ok && ss.setupIntent != "" {
		if si := s.savedLocked().intents[ss.setupIntent]; si != nil {
			out.SetupIntent = s.renderSetupIntent(si, sub)
		}
	}
	return out
}

// CompleteSetup simulates the customer saving the test PaymentMethod pm
// (such as [PMVisa] or [PMAuthenticationRequired]) on the hosted page of
// the setup-mode session id: the PaymentMethod is attached to the
// session's customer, a succeeded SetupIntent (usage off_session) holds
// it, the session completes, and checkout.session.completed and
// setup_intent.succeeded are sent. Every test card is saved: the bank's
// authentication at setup is assumed to succeed; what the card does when
// charged later follows its test behaviour.
func (s *Server) CompleteSetup(id, pm string) error {
	s.lock()
	defer s.mu.Unlock()
	_, err := s.completeSetupLocked(id, pm)
	return err
}

func (s *Server) completeSetupLocked(id, pmAlias string) (string, error) {
	st := s.savedLocked()
	ss := st.sessions[id]
	if ss == nil || ss.status != "open" {
		return "", errors.New("stripetest: no open setup session " + id)
	}
	pm, e := s.resolvePM(pmAlias, "payment_method")
	if e != nil {
		return "", e
	}
	if pm.test.typ != methodCard {
		return "", errors.New("stripetest: setup sessions save cards only")
	}
	st.attached[pm.id] = ss.customer
	si := &setupIntent{id: newID("seti_", 24), customer: ss.customer, paymentMethod: pm.id, status: "succeeded",
		usage: "off_session", created: s.now().Unix(), metadata: cloneMap(ss.siMetadata)}
	st.intents[si.id] = si
	ss.status, ss.setupIntent = "complete", si.id
	s.emit("payment_method.attached", s.renderSavedPM(pm))
	s.emit("setup_intent.succeeded", s.renderSetupIntent(si, nil))
	s.emit("checkout.session.completed", s.renderSetupSession(ss, nil))
	return strings.ReplaceAll(ss.successURL, "{CHECKOUT_SESSION_ID}", ss.id), nil
}

// SavedPaymentMethods returns the ids of the PaymentMethods attached to
// customer.
func (s *Server) SavedPaymentMethods(customerID string) []string {
	s.lock()
	defer s.mu.Unlock()
	var out []string
	for pm, c := range s.savedLocked().attached {
		if c == customerID {
			out = append(out, pm)
		}
	}
	return out
}

var setupTemplate = template.Must(template.New("setup").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Save a card (stripetest)</title></head>
<body><h1>Save a card</h1>
<form method="post">
<label><input type="radio" name="payment_method" value="pm_card_visa" checked> Visa 4242 (charges succeed)</label><br>
<label><input type="radio" name="payment_method" value="pm_card_authenticationRequired"> 3184 (off-session charges need authentication)</label><br>
<label><input type="radio" name="payment_method" value="pm_card_authenticationRequiredOnSetup"> 3155 (authenticates at setup; later charges succeed)</label><br>
<label><input type="radio" name="payment_method" value="pm_card_visa_chargeDeclinedInsufficientFunds"> 9995 (charges decline: insufficient funds)</label><br>
<button type="submit" name="action" value="save" id="setup-save">Save card</button>
<button type="submit" name="action" value="cancel" id="setup-cancel">Cancel</button>
</form></body></html>`))

// setupPage is GET /sandbox/setup/{id}: the hosted page of a setup-mode
// session.
func (s *Server) setupPage(w http.ResponseWriter, r *http.Request) {
	s.lock()
	ss := s.savedLocked().sessions[r.PathValue("id")]
	open := ss != nil && ss.status == "open"
	s.mu.Unlock()
	if !open {
		http.Error(w, "stripetest: no open setup session", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = setupTemplate.Execute(w, nil)
}

// setupSubmit is POST /sandbox/setup/{id}: save redirects to the
// success_url, cancel to the cancel_url.
func (s *Server) setupSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "stripetest: bad form", http.StatusBadRequest)
		return
	}
	s.lock()
	ss := s.savedLocked().sessions[r.PathValue("id")]
	var target string
	var err error
	switch {
	case ss == nil:
		err = errors.New("stripetest: no such setup session")
	case r.PostForm.Get("action") == "cancel":
		target = ss.cancelURL
	default:
		target, err = s.completeSetupLocked(ss.id, r.PostForm.Get("payment_method"))
	}
	s.mu.Unlock()
	if err != nil || target == "" {
		http.Error(w, "stripetest: the setup could not be completed", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
