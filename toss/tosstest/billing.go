package tosstest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// The billing operations (https://docs.tosspayments.com/reference#자동결제).
const (
	OpIssueBillingKey  Op = "issueBillingKey"  // POST /v1/billing/authorizations/issue
	OpChargeBillingKey Op = "chargeBillingKey" // POST /v1/billing/{billingKey}
	OpDeleteBillingKey Op = "deleteBillingKey" // DELETE /v1/billing/{billingKey}
)

// EventBillingDeleted is the webhook Toss sends when a billing key is
// deleted on its side (https://docs.tosspayments.com/reference/using-api/webhook-events).
const EventBillingDeleted = "BILLING_DELETED"

// billingState is the fake's billing: auth keys from the billing-auth
// window and the billing keys issued from them.
type billingState struct {
	auths map[string]*billingAuth // by authKey
	keys  map[string]*billingKey  // by billingKey
}

type billingAuth struct {
	customerKey string
	method      string
	used        bool
}

type billingKey struct {
	owner       string // secret key that issued it
	customerKey string
	method      string
	deleted     bool
	decline     string // scripted by DeclineBilling
	issuedAt    time.Time
}

func (s *Server) billingLocked() *billingState {
	if s.billing.auths == nil {
		s.billing.auths = make(map[string]*billingAuth)
		s.billing.keys = make(map[string]*billingKey)
	}
	return &s.billing
}

func (s *Server) billingRoutes() {
	s.mux.Handle("POST /v1/billing/authorizations/issue", s.api(OpIssueBillingKey, s.issueBillingKey))
	s.mux.Handle("POST /v1/billing/{billingKey}", s.api(OpChargeBillingKey, s.chargeBillingKey))
	if !s.cfg.NoBillingDelete {
		s.mux.Handle("DELETE /v1/billing/{billingKey}", s.api(OpDeleteBillingKey, s.deleteBillingKey))
	}
	s.mux.HandleFunc("GET /sandbox/billing", s.sandboxBilling)
	s.mux.HandleFunc("POST /sandbox/billing", s.sandboxBillingSubmit)
}

// customerKeyChars is the customerKey rule of the v2 SDK's definitions
// (@tosspayments/tosspayments-sdk 2.8.1: 2–50 of letters, digits and
// - _ = . @; https://docs.tosspayments.com/reference#customerkey).
var customerKeyChars = regexp.MustCompile(`^[A-Za-z0-9_=.@-]+$`)

// checkCustomerKey refuses a customerKey Toss refuses for billing: bad
// characters, a length outside 2–max, or the non-member "@@ANONYMOUS".
func (s *Server) checkCustomerKey(k string) *Error {
	max := s.cfg.CustomerKeyMaxLength
	if max == 0 {
		max = 50
	}
	if k == "@@ANONYMOUS" || len(k) < 2 || len(k) > max || !customerKeyChars.MatchString(k) {
		return apiError("INVALID_CUSTOMER_KEY")
	}
	return nil
}

// AuthorizeBilling simulates a customer completing the billing-auth window
// (payment.requestBillingAuth of the v2 SDK) for customerKey and returns
// the one-time authKey the success redirect carries. method is "CARD"
// (default) or "TRANSFER".
func (s *Server) AuthorizeBilling(customerKey, method string) (authKey string, err error) {
	if e := s.checkCustomerKey(customerKey); e != nil {
		return "", e
	}
	if method == "" {
		method = methodCard
	}
	if method != methodCard && method != methodTransfer {
		return "", apiError("NOT_SUPPORTED_METHOD")
	}
	s.lock()
	defer s.mu.Unlock()
	key := "bln_" + randText(alnum, 20)
	s.billingLocked().auths[key] = &billingAuth{customerKey: customerKey, method: method}
	return key, nil
}

// DeleteBillingKeyAtToss deletes a billing key on Toss's side (the
// customer or the card company revoked it) and sends BILLING_DELETED with
// the key and reason. Later charges of it fail with NOT_FOUND_BILLING.
func (s *Server) DeleteBillingKeyAtToss(billingKey, reason string) error {
	s.lock()
	defer s.mu.Unlock()
	bk := s.billingLocked().keys[billingKey]
	if bk == nil || bk.deleted {
		return errors.New("tosstest: no such billing key")
	}
	bk.deleted = true
	now := s.nowLocked()
	body, err := json.Marshal(map[string]any{
		"eventType": EventBillingDeleted,
		"createdAt": s.eventTime(now),
		"data":      map[string]any{"billingKey": billingKey, "reason": reason},
	})
	if err != nil {
		return err
	}
	s.dispatchLocked([]*Webhook{s.newHookLocked(EventBillingDeleted, body, now)})
	return nil
}

// DeclineBilling makes every later charge of billingKey fail with code
// (such as REJECT_CARD_PAYMENT or INVALID_CARD_EXPIRATION) and its HTTP
// status; "" approves again.
func (s *Server) DeclineBilling(billingKey, code string) error {
	if _, ok := ErrorFor(code); code != "" && !ok {
		return errors.New("tosstest: unknown Toss error code " + code)
	}
	s.lock()
	defer s.mu.Unlock()
	bk := s.billingLocked().keys[billingKey]
	if bk == nil {
		return errors.New("tosstest: no such billing key")
	}
	bk.decline = code
	return nil
}

// BillingKeys returns the billing keys issued and not deleted.
func (s *Server) BillingKeys() []string {
	s.lock()
	defer s.mu.Unlock()
	var out []string
	for k, bk := range s.billingLocked().keys {
		if !bk.deleted {
			out = append(out, k)
		}
	}
	return out
}

// newBillingKey returns a 44-character key of URL-safe base64 with "-",
// "_" and a trailing "=", as real billing keys are
// (MTfgOAk5XcgmGp2k2IaWSEc9yytHcHDUnmWPgJudFyI= in
// https://docs.tosspayments.com/reference#카드-자동결제-승인), so that
// clients that put it in a path unescaped fail here too.
func newBillingKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	k := []byte(base64.URLEncoding.EncodeToString(b))
	k[5], k[9] = '-', '_'
	return string(k)
}

// billing is the Billing object (https://docs.tosspayments.com/reference#billing-객체).
type billing struct {
	MID             string       `json:"mId"`
	CustomerKey     string       `json:"customerKey"`
	AuthenticatedAt string       `json:"authenticatedAt"`
	Method          string       `json:"method"`
	BillingKey      string       `json:"billingKey"`
	Card            *billingCard `json:"card"`
	CardCompany     string       `json:"cardCompany"`
	CardNumber      string       `json:"cardNumber"`
}

type billingCard struct {
	IssuerCode   string `json:"issuerCode"`
	AcquirerCode string `json:"acquirerCode"`
	Number       string `json:"number"`
	CardType     string `json:"cardType"`
	OwnerType    string `json:"ownerType"`
}

// issueBillingKey is POST /v1/billing/authorizations/issue
// (https://docs.tosspayments.com/reference#authkey로-카드-빌링키-발급): the
// authKey is single-use and bound to the customerKey of the window.
func (s *Server) issueBillingKey(c *apiCtx) result {
	f, ok := decodeObject(c.body)
	if !ok {
		return errResult(apiError("INVALID_REQUEST"))
	}
	authKey, hasAuth, ok1 := f.str("authKey")
	customerKey, hasCust, ok2 := f.str("customerKey")
	switch {
	case !ok1 || !hasAuth || authKey == "" || utf8.RuneCountInString(authKey) > 300:
		return errResult(apiError("INVALID_REQUEST"))
	case !ok2 || !hasCust:
		return errResult(apiError("INVALID_REQUEST"))
	case secretKeyKind(c.key) == keyWidget:
		// Billing takes API-individual keys only
		// (https://docs.tosspayments.com/reference/using-api/api-keys).
		return errResult(apiError("INVALID_API_KEY"))
	}
	if e := s.checkCustomerKey(customerKey); e != nil {
		return errResult(e)
	}
	s.lock()
	defer s.mu.Unlock()
	st := s.billingLocked()
	auth := st.auths[authKey]
	switch {
	case auth == nil || auth.used:
		return errResult(apiError("INVALID_BILLING_AUTH"))
	case auth.customerKey != customerKey:
		return errResult(apiError("NOT_MATCHES_CUSTOMER_KEY"))
	}
	auth.used = true
	now := s.nowLocked()
	key := newBillingKey()
	st.keys[key] = &billingKey{owner: c.key, customerKey: customerKey, method: auth.method, issuedAt: now}
	b := billing{MID: "tvivarepublica", CustomerKey: customerKey, AuthenticatedAt: s.fmtTime(now),
		Method: koreanMethod(auth.method, ""), BillingKey: key,
		Card:        &billingCard{IssuerCode: "71", AcquirerCode: "71", Number: "43301234****123*", CardType: "신용", OwnerType: "개인"},
		CardCompany: "롯데", CardNumber: "43301234****123*"}
	body, err := json.Marshal(b)
	if err != nil {
		return errResult(apiError("FAILED_INTERNAL_SYSTEM_PROCESSING"))
	}
	return result{status: http.StatusOK, body: body}
}

// billingOptional are the optional fields of a billing charge, which real
// clients also send as null (observed in request logs posted at
// https://techchat.tosspayments.com).
var billingOptional = []string{"customerEmail", "customerName", "taxFreeAmount", "taxExemptionAmount", "cardInstallmentPlan",
	"customerIp", "customerMobilePhone", "useCardPoint", "productCode", "customBusinessNumber", "dividedSettlementInfo", "useHyundaiVoucher"}

// chargeBillingKey is POST /v1/billing/{billingKey}
// (https://docs.tosspayments.com/reference#카드-자동결제-승인): the
// customerKey must be the one the key was issued for, the orderId new.
// The approval sends no PAYMENT_STATUS_CHANGED webhook: the response is
// the only signal, and GET /v1/payments/orders/{orderId} reads it again.
func (s *Server) chargeBillingKey(c *apiCtx) result {
	key := c.r.PathValue("billingKey")
	f, ok := decodeObject(c.body)
	if !ok {
		return errResult(apiError("INVALID_REQUEST"))
	}
	customerKey, hasCust, ok1 := f.str("customerKey")
	orderID, hasOrder, ok2 := f.str("orderId")
	orderName, hasName, ok3 := f.str("orderName")
	amount, hasAmount, aerr := f.integer("amount")
	named := func(r result) result { r.orderID = orderID; return r }
	for k := range f {
		if k != "customerKey" && k != "orderId" && k != "orderName" && k != "amount" && !contains(billingOptional, k) {
			return named(errResult(apiError("INVALID_REQUEST")))
		}
	}
	switch {
	case !ok1 || !hasCust || customerKey == "":
		return named(errResult(apiError("INVALID_REQUEST")))
	case !ok2 || !hasOrder || !validOrderID(orderID, s.cfg.StrictOrderIDs):
		return named(errResult(apiError("INVALID_ORDER_ID")))
	case !ok3 || !hasName || orderName == "" || utf8.RuneCountInString(orderName) > 100:
		return named(errResult(apiError("INVALID_REQUEST")))
	case aerr != nil:
		return named(errResult(aerr))
	case !hasAmount:
		return named(errResult(apiError("INVALID_REQUEST")))
	case amount <= 0:
		return named(errResult(apiError("BELOW_ZERO_AMOUNT")))
	case secretKeyKind(c.key) == keyWidget:
		return named(errResult(apiError("INVALID_API_KEY")))
	}
	s.lock()
	defer s.mu.Unlock()
	now := s.nowLocked()
	bk := s.billingLocked().keys[key]
	if bk == nil || bk.deleted || bk.owner != c.key {
		code := s.cfg.DeletedBillingCode
		if code == "" {
			code = "NOT_FOUND_BILLING"
		}
		return named(errResult(apiError(code)))
	}
	if bk.customerKey != customerKey {
		return named(errResult(apiError("NOT_MATCHES_CUSTOMER_KEY")))
	}
	if s.orderUsedLocked(orderID, c.key) {
		return named(errResult(apiError("DUPLICATED_ORDER_ID")))
	}
	rec := s.newRecordLocked(now, c.key, orderID, orderName, amount)
	rec.method, rec.authAt, rec.keyKind = bk.method, now, keyAPI
	rec.p.Type = "BILLING"
	rec.p.Method = ptr(koreanMethod(bk.method, ""))
	if bk.decline != "" {
		e := apiError(bk.decline)
		tx := newTransactionKey()
		rec.p.Status = StatusAborted
		rec.p.Failure = &Failure{Code: e.Code, Message: e.Message}
		rec.p.LastTransactionKey = &tx
		return named(errResult(e))
	}
	n := len(s.hooks)
	_ = s.approveLocked(rec, now)
	s.hooks = s.hooks[:n] // no webhook for a billing approval
	return okResult(rec, nil)
}

// deleteBillingKey is DELETE /v1/billing/{billingKey}. No public page of
// the docs describes it; clients in the wild call it and get 200 with an
// empty object. Config.NoBillingDelete serves no such route instead.
func (s *Server) deleteBillingKey(c *apiCtx) result {
	key := c.r.PathValue("billingKey")
	s.lock()
	defer s.mu.Unlock()
	bk := s.billingLocked().keys[key]
	if bk == nil || bk.deleted || bk.owner != c.key {
		return errResult(apiError("NOT_FOUND_BILLING"))
	}
	bk.deleted = true
	return result{status: http.StatusOK, body: []byte("{}")}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// billingPage is the sandbox billing-auth window.
type billingPage struct {
	Title, CustomerKey, Action string
	Fields                     []hiddenField
}

var billingTemplate = template.Must(template.New("billing").Parse(`<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body><h1>{{.Title}}</h1>
<p>카드를 등록하면 이후 결제가 자동으로 진행됩니다.</p>
<form method="post" action="{{.Action}}">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<p>카드 번호 <input name="card" value="4330 1234 5678 1234" readonly></p>
<button type="submit" name="action" value="approve" id="billing-approve">카드 등록</button>
<button type="submit" name="action" value="cancel" id="billing-cancel">취소</button>
</form></body></html>`))

// billingWindow reads the window request: clientKey, customerKey,
// successUrl and failUrl (absolute), and the method.
func (s *Server) billingWindow(v url.Values) (customerKey, method, success, fail string, e *Error) {
	if err := s.checkClientKey(v.Get("clientKey"), false); err != nil {
		return "", "", "", "", apiError("INVALID_CLIENT_KEY")
	}
	customerKey, method, success, fail = v.Get("customerKey"), v.Get("method"), v.Get("successUrl"), v.Get("failUrl")
	if method == "" {
		method = methodCard
	}
	if e := s.checkCustomerKey(customerKey); e != nil {
		return "", "", "", "", e
	}
	if !isAbsHTTPURL(success) || !isAbsHTTPURL(fail) {
		return "", "", "", "", apiError("INVALID_REQUEST")
	}
	return customerKey, method, success, fail, nil
}

// BillingAuthURL is the sandbox billing-auth window for the parameters a
// page gives requestBillingAuth (and the customerKey it gave payment()).
func (s *Server) BillingAuthURL(clientKey, customerKey, successURL, failURL string) string {
	q := url.Values{"clientKey": {clientKey}, "customerKey": {customerKey}, "successUrl": {successURL}, "failUrl": {failURL}}
	return s.sandboxLink("billing") + "?" + q.Encode()
}

// sandboxBilling is GET /sandbox/billing: the billing-auth window.
func (s *Server) sandboxBilling(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if _, _, _, _, e := s.billingWindow(q); e != nil {
		s.renderError(w, e)
		return
	}
	var fields []hiddenField
	for _, k := range []string{"clientKey", "customerKey", "method", "successUrl", "failUrl"} {
		if v := q.Get(k); v != "" {
			fields = append(fields, hiddenField{k, v})
		}
	}
	var buf strings.Builder
	if err := billingTemplate.Execute(&buf, billingPage{Title: "토스페이먼츠 테스트 카드 등록", Action: s.sandboxLink("billing"), Fields: fields}); err != nil {
		http.Error(w, "tosstest: template error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	_, _ = w.Write([]byte(buf.String()))
}

// sandboxBillingSubmit is POST /sandbox/billing: approve redirects to
// successUrl with customerKey and authKey (keeping its query); cancel
// redirects to failUrl with code and message.
func (s *Server) sandboxBillingSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, apiError("INVALID_REQUEST"))
		return
	}
	customerKey, method, success, fail, e := s.billingWindow(r.PostForm)
	if e != nil {
		s.renderError(w, e)
		return
	}
	switch r.PostForm.Get("action") {
	case "approve":
		auth, err := s.AuthorizeBilling(customerKey, method)
		if err != nil {
			var te *Error
			errors.As(err, &te)
			http.Redirect(w, r, withQuery(fail, url.Values{"code": {te.Code}, "message": {te.Message}}), http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, withQuery(success, url.Values{"customerKey": {customerKey}, "authKey": {auth}}), http.StatusSeeOther)
	case "cancel":
		e := apiError("PAY_PROCESS_CANCELED")
		http.Redirect(w, r, withQuery(fail, url.Values{"code": {e.Code}, "message": {e.Message}}), http.StatusSeeOther)
	default:
		s.renderError(w, apiError("INVALID_REQUEST"))
	}
}
