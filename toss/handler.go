package toss

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/banks"
	"github.com/payments-go/payments/internal/httpjson"
	"github.com/payments-go/payments/internal/web"
	"github.com/payments-go/payments/refund"
	"github.com/payments-go/payments/status"
)

// handlerGateway is the name the Toss gateway has in a [payments.Service].
const handlerGateway = "toss"

// handlerKST is Korea Standard Time (UTC+9, no daylight saving), the zone of
// Toss's local date-times such as a virtual account's dueDate.
var handlerKST = time.FixedZone("KST", 9*60*60)

// HandlerConfig configures [NewHandler].
type HandlerConfig struct {
	// Service does all the work; it must have a gateway named "toss"
	// (a [Gateway] in production, paymentstest.NewGateway("toss") in
	// unit tests). Required.
	Service *payments.Service
	// ClientKey is the Toss client key (test_ck_…, live_ck_…) handed to
	// the browser's SDK in the ready response. It is not secret. Required.
	ClientKey string
	// CallbackBase is the absolute URL where the handler is mounted, such
	// as "https://shop.example/payments/toss". Toss sends the customer to
	// CallbackBase+"/success" and CallbackBase+"/fail". It is never
	// derived from a request's Host header. Required.
	CallbackBase string
	// AllowedOrigins are the origins ("https://shop.example") on which
	// the shop's success_url and fail_url may be. At least one is
	// required.
	AllowedOrigins []string
	// Authorize guards the admin route POST /cancel; nil refuses it with
	// 403 forbidden. See [refund.BearerToken].
	Authorize refund.Authorizer
	// Logger receives the handler's logs (never secrets or bodies); nil
	// means silence.
	Logger *slog.Logger
	// Now is the clock, used to check a virtual account's due_date; nil
	// means time.Now.
	Now func() time.Time
}

// Handler serves the Toss routes of the HTTP API, relative to where it is
// mounted (strip the prefix, for example with [http.StripPrefix]):
//
//	POST /ready            record an attempt; parameters for the payment window
//	GET  /success          Toss's success redirect: check, confirm once, 303 to success_url
//	GET  /fail             Toss's fail redirect: record, 303 to fail_url
//	POST /confirm          the same confirmation as /success, as JSON
//	POST /cancel           full or partial cancel (admin; package refund)
//	POST /virtual-account  issue a virtual account
//	POST /webhook          Toss webhooks
//
// Another method on one of these paths answers 405 method_not_allowed, an
// unknown path 404, both as JSON. POST bodies are JSON, at most 1 MiB,
// decoded strictly (unknown fields are refused), except webhooks, whose
// unknown fields are ignored because Toss adds fields over time. Errors
// use the API's envelope {"error": {"code", "message", "gateway_code"}}.
// POST /ready, /confirm, /cancel and /virtual-account honour an
// Idempotency-Key header: the same key and body get the first answer; the
// same key with another body, 409 idempotency_key_reused.
//
// # Ready
//
// The body is a [ReadyRequest]; the answer a [ReadyResponse], whose "toss"
// object is what the page passes to the v2 SDK's requestPayment:
//
//	const payment = TossPayments(r.toss.client_key).payment({customerKey: TossPayments.ANONYMOUS});
//	await payment.requestPayment({
//	  method: r.toss.method,                          // CARD, VIRTUAL_ACCOUNT, TRANSFER, MOBILE_PHONE
//	  amount: {currency: r.currency, value: r.toss.amount},
//	  orderId: r.toss.order_id, orderName: r.toss.order_name,
//	  customerName: r.toss.customer_name, customerEmail: r.toss.customer_email,
//	  successUrl: r.toss.success_url, failUrl: r.toss.fail_url,
//	  // EASY_PAY: method is CARD; with a provider, open that wallet directly:
//	  ...(r.toss.easy_pay_provider && {card: {flowMode: "DIRECT", easyPay: r.toss.easy_pay_provider}}),
//	});
//
// order_id is the Toss orderId of the attempt: the order number on the
// first attempt, "<order number>-<n>" on attempt n. success_url and
// fail_url in the answer are this handler's own callbacks; the shop's
// pages given in the request are where the callbacks send the customer
// afterwards.
//
// # Callbacks
//
// GET /success checks amount against the payment (a tampered amount never
// reaches Toss: 303 to the shop's fail_url with code=amount_mismatch),
// confirms exactly once however many duplicate callbacks arrive, and sends
// the customer with 303 to the shop's success_url with order_number and
// status=paid added to its query (status=processing when the outcome is
// not known yet; the service's reconciliation settles it). A decline goes
// to fail_url with code (the Toss code, such as REJECT_CARD_COMPANY),
// message and order_number. GET /fail records the failure
// (PAY_PROCESS_CANCELED makes the attempt canceled, any other code
// failed) and sends the customer to fail_url with code, message and
// order_number. A confirmation goes on for up to a minute after the
// customer's browser leaves, so that closing the tab does not strand the
// payment. A client that asks for JSON (Accept: application/json)
// gets the payment's status view ([status.Payment]) or an error envelope
// instead of the redirect: 200 when settled, 202 while processing.
//
// # Webhooks
//
// Toss does not sign payment webhooks, so their bodies are never trusted:
// PAYMENT_STATUS_CHANGED makes the service re-read the payment from Toss;
// a DEPOSIT_CALLBACK must carry the secret Toss gave when the virtual
// account was issued (400 invalid_signature otherwise, and nothing
// changes). Events for payments the service does not know, and event
// types it does not use, answer 200 so that Toss stops retrying; an
// unreachable gateway answers 503 so that it retries. Deliveries are
// deduplicated by the tosspayments-webhook-transmission-id header (or a
// hash of the body when it is absent).
type Handler struct {
	svc          *payments.Service
	clientKey    string
	callbackBase string
	origins      *web.Origins
	// redirectOrigins is origins as a set of "scheme://host[:port]".
	redirectOrigins map[string]bool
	log             *slog.Logger
	now             func() time.Time
	router          *web.Router
	// readyRoute is the router's handler of POST /ready.
	readyRoute http.Handler
}

// NewHandler validates cfg and returns the [Handler].
func NewHandler(cfg HandlerConfig) (http.Handler, error) {
	if cfg.Service == nil {
		return nil, errors.New("toss: HandlerConfig.Service is required")
	}
	if _, ok := cfg.Service.Gateway(handlerGateway); !ok {
		return nil, errors.New(`toss: the service has no gateway named "toss"`)
	}
	if strings.TrimSpace(cfg.ClientKey) == "" {
		return nil, errors.New("toss: HandlerConfig.ClientKey is required")
	}
	base, err := parseCallbackBase(cfg.CallbackBase)
	if err != nil {
		return nil, err
	}
	origins, err := web.NewOrigins(cfg.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	if len(origins.List()) == 0 {
		return nil, errors.New("toss: HandlerConfig.AllowedOrigins needs at least one origin for success_url and fail_url")
	}
	h := &Handler{
		svc:          cfg.Service,
		clientKey:    strings.TrimSpace(cfg.ClientKey),
		callbackBase: base,
		origins:      origins,
		log:          cfg.Logger,
		now:          cfg.Now,
	}
	h.redirectOrigins = make(map[string]bool)
	for _, o := range origins.List() {
		h.redirectOrigins[o] = true
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	replay := web.NewReplayCache(10000, 24*time.Hour)
	rt := web.NewRouter()
	h.readyRoute = replay.Idempotent(http.HandlerFunc(h.ready))
	rt.Handle(http.MethodPost, "/ready", h.readyRoute)
	rt.Handle(http.MethodGet, "/success", http.HandlerFunc(h.success))
	rt.Handle(http.MethodGet, "/fail", http.HandlerFunc(h.fail))
	rt.Handle(http.MethodPost, "/confirm", replay.Idempotent(http.HandlerFunc(h.confirm)))
	rt.Handle(http.MethodPost, "/cancel", refund.NewHandler(refund.Config{
		Service: cfg.Service, Authorize: cfg.Authorize, Gateway: handlerGateway,
	}))
	rt.Handle(http.MethodPost, "/virtual-account", replay.Idempotent(http.HandlerFunc(h.virtualAccount)))
	rt.Handle(http.MethodPost, "/webhook", http.HandlerFunc(h.webhook))
	h.router = rt
	return h, nil
}

// ServeHTTP implements [http.Handler].
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The two routes of every payment go straight to the handlers the
	// router would pick, with the pattern it would set; anything the
	// router could treat otherwise (another method, an escaped path, "*")
	// goes through it.
	if r.URL.RawPath == "" && r.RequestURI != "*" {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/success":
			r.Pattern = "GET /success"
			h.success(w, r)
			return
		case r.Method == http.MethodPost && r.URL.Path == "/ready":
			r.Pattern = "POST /ready"
			h.readyRoute.ServeHTTP(w, r)
			return
		}
	}
	h.router.ServeHTTP(w, r)
}

func parseCallbackBase(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", fmt.Errorf("toss: HandlerConfig.CallbackBase %q must be an absolute http(s) URL without query, such as https://shop.example/payments/toss", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// ---------------------------------------------------------------------------
// POST /ready

// ReadyRequest is the body of POST /ready.
type ReadyRequest struct {
	OrderNumber string `json:"order_number"`
	// Amount must equal the order's amount (409 amount_mismatch).
	Amount    int64  `json:"amount"`
	OrderName string `json:"order_name"`
	// Method is CARD, VIRTUAL_ACCOUNT, TRANSFER, MOBILE or EASY_PAY.
	Method string `json:"method"`
	// SuccessURL and FailURL are the shop's pages, on an allowed origin.
	SuccessURL    string `json:"success_url"`
	FailURL       string `json:"fail_url"`
	CustomerName  string `json:"customer_name,omitempty"`
	CustomerEmail string `json:"customer_email,omitempty"`
	// EasyPayProvider, with method EASY_PAY only: TOSSPAY, NAVERPAY,
	// KAKAOPAY, SAMSUNGPAY, APPLEPAY, LPAY, PAYCO, SSG or PINPAY.
	EasyPayProvider string `json:"easy_pay_provider,omitempty"`
}

// ReadyResponse is the answer to POST /ready.
type ReadyResponse struct {
	OrderNumber string            `json:"order_number"`
	Status      payments.Status   `json:"status"`
	Amount      payments.Amount   `json:"amount"`
	Currency    payments.Currency `json:"currency"`
	Toss        ReadyWindow       `json:"toss"`
}

// ReadyWindow holds the parameters of the Toss payment window (the v2
// SDK's requestPayment), in the "toss" object of [ReadyResponse].
type ReadyWindow struct {
	ClientKey string `json:"client_key"`
	// OrderID is the Toss orderId of this attempt.
	OrderID   string          `json:"order_id"`
	OrderName string          `json:"order_name"`
	Amount    payments.Amount `json:"amount"`
	// Method is the v2 SDK's method: CARD, VIRTUAL_ACCOUNT, TRANSFER or
	// MOBILE_PHONE (EASY_PAY is CARD).
	Method string `json:"method"`
	// EasyPayProvider, when set, goes to card.easyPay with
	// card.flowMode "DIRECT".
	EasyPayProvider string `json:"easy_pay_provider"`
	CustomerName    string `json:"customer_name"`
	CustomerEmail   string `json:"customer_email"`
	// SuccessURL and FailURL are the handler's own callbacks.
	SuccessURL string `json:"success_url"`
	FailURL    string `json:"fail_url"`
}

// readySDKMethods maps the API's methods to the v2 SDK's.
var readySDKMethods = map[payments.Method]string{
	payments.MethodCard:           "CARD",
	payments.MethodVirtualAccount: "VIRTUAL_ACCOUNT",
	payments.MethodTransfer:       "TRANSFER",
	payments.MethodMobile:         "MOBILE_PHONE",
	payments.MethodEasyPay:        "CARD",
}

var readyEasyPayProviders = map[string]bool{
	"TOSSPAY": true, "NAVERPAY": true, "KAKAOPAY": true, "SAMSUNGPAY": true, "APPLEPAY": true,
	"LPAY": true, "PAYCO": true, "SSG": true, "PINPAY": true,
}

func (h *Handler) ready(w http.ResponseWriter, r *http.Request) {
	var req ReadyRequest
	if err := decodeReady(w, r, &req); err != nil {
		httpjson.WriteError(w, err)
		return
	}
	method, err := req.validate()
	if err != nil {
		httpjson.WriteError(w, err)
		return
	}
	if err := h.origins.Check("success_url", req.SuccessURL); err != nil {
		httpjson.WriteError(w, err)
		return
	}
	if err := h.origins.Check("fail_url", req.FailURL); err != nil {
		httpjson.WriteError(w, err)
		return
	}
	ctx := r.Context()
	order, err := h.krwOrder(ctx, req.OrderNumber)
	if err != nil {
		httpjson.WriteError(w, err)
		return
	}
	prep, err := h.svc.Prepare(ctx, payments.PrepareRequest{
		OrderNumber: req.OrderNumber, Gateway: handlerGateway, Method: method,
		Amount: payments.Amount(req.Amount), SuccessURL: req.SuccessURL, FailURL: req.FailURL,
	})
	if err != nil {
		h.logError(ctx, "toss: ready", err, "order", req.OrderNumber)
		httpjson.WriteError(w, err)
		return
	}
	a := prep.Attempt
	if !isTossOrderID(a.GatewayOrderID) {
		httpjson.WriteError(w, handlerErrorf(payments.CodeInvalidRequest,
			"the Toss order id %q of this attempt is not 6–64 of A-Za-z0-9-_; use shorter order numbers", clipText(a.GatewayOrderID, 80)))
		return
	}
	name, email := strings.TrimSpace(req.CustomerName), strings.TrimSpace(req.CustomerEmail)
	if name == "" {
		name = order.Customer.Name
	}
	if email == "" {
		email = order.Customer.Email
	}
	if h.log.Enabled(ctx, slog.LevelInfo) { // spares building the attributes
		h.log.InfoContext(ctx, "toss: payment attempt ready", "order", order.Number, "order_id", a.GatewayOrderID, "method", method)
	}
	resp := ReadyResponse{
		OrderNumber: order.Number,
		Status:      a.Status,
		Amount:      order.Amount,
		Currency:    order.Currency,
		Toss: ReadyWindow{
			ClientKey:       h.clientKey,
			OrderID:         a.GatewayOrderID,
			OrderName:       strings.TrimSpace(req.OrderName),
			Amount:          order.Amount,
			Method:          readySDKMethods[method],
			EasyPayProvider: strings.ToUpper(strings.TrimSpace(req.EasyPayProvider)),
			CustomerName:    name,
			CustomerEmail:   email,
			SuccessURL:      h.callbackBase + "/success",
			FailURL:         h.callbackBase + "/fail",
		},
	}
	httpjson.WriteEncoded(w, http.StatusOK, resp.appendJSON(httpjson.Buffer()))
}

// appendJSON appends r and a newline exactly as httpjson.Write encodes
// them, without reflection.
func (r *ReadyResponse) appendJSON(b []byte) []byte {
	str := func(key, s string) {
		b = append(b, key...)
		b = httpjson.AppendString(b, s)
	}
	num := func(key string, n int64) {
		b = append(b, key...)
		b = strconv.AppendInt(b, n, 10)
	}
	str(`{"order_number":`, r.OrderNumber)
	str(`,"status":`, string(r.Status))
	num(`,"amount":`, int64(r.Amount))
	str(`,"currency":`, string(r.Currency))
	t := &r.Toss
	str(`,"toss":{"client_key":`, t.ClientKey)
	str(`,"order_id":`, t.OrderID)
	str(`,"order_name":`, t.OrderName)
	num(`,"amount":`, int64(t.Amount))
	str(`,"method":`, t.Method)
	str(`,"easy_pay_provider":`, t.EasyPayProvider)
	str(`,"customer_name":`, t.CustomerName)
	str(`,"customer_email":`, t.CustomerEmail)
	str(`,"success_url":`, t.SuccessURL)
	str(`,"fail_url":`, t.FailURL)
	return append(b, '}', '}', '\n')
}

// decodeReady is httpjson.Decode for a ReadyRequest: the usual body
// (exact keys, each once, strings and an integer amount) in one pass,
// anything else through httpjson.Unmarshal, which gives the same result
// or its error.
func decodeReady(w http.ResponseWriter, r *http.Request, req *ReadyRequest) error {
	data, err := httpjson.ReadBody(w, r)
	if err != nil {
		return err
	}
	s := tossScan{data: data}
	ok := s.object(readyFields, func(name string) bool {
		switch name {
		case "order_number":
			return s.str(&req.OrderNumber)
		case "amount":
			return s.int64(&req.Amount)
		case "order_name":
			return s.str(&req.OrderName)
		case "method":
			return s.str(&req.Method)
		case "success_url":
			return s.str(&req.SuccessURL)
		case "fail_url":
			return s.str(&req.FailURL)
		case "customer_name":
			return s.str(&req.CustomerName)
		case "customer_email":
			return s.str(&req.CustomerEmail)
		case "easy_pay_provider":
			return s.str(&req.EasyPayProvider)
		}
		return false
	})
	if ok && s.peek() == 0 && s.i == len(data) {
		return nil
	}
	slow := new(ReadyRequest) // not req, which then stays on the caller's stack
	err = httpjson.Unmarshal(data, slow)
	*req = *slow
	return err
}

var readyFields = func() *tossFields {
	f := newTossFields("order_number", "amount", "order_name", "method", "success_url", "fail_url",
		"customer_name", "customer_email", "easy_pay_provider")
	f.strict = true
	return f
}()

func (req *ReadyRequest) validate() (payments.Method, error) {
	if err := checkOrderNumberField(req.OrderNumber); err != nil {
		return "", err
	}
	if req.Amount <= 0 {
		return "", invalidRequest("amount is required and must be a positive integer")
	}
	if err := checkTextField("order_name", req.OrderName, true, 100); err != nil {
		return "", err
	}
	m := payments.Method(req.Method)
	if _, ok := readySDKMethods[m]; !ok {
		return "", invalidRequest("method must be one of CARD, VIRTUAL_ACCOUNT, TRANSFER, MOBILE, EASY_PAY")
	}
	if err := checkTextField("customer_name", req.CustomerName, false, 100); err != nil {
		return "", err
	}
	if err := checkEmailField("customer_email", req.CustomerEmail); err != nil {
		return "", err
	}
	if p := req.EasyPayProvider; p != "" {
		if m != payments.MethodEasyPay {
			return "", invalidRequest("easy_pay_provider is only allowed with method EASY_PAY")
		}
		if !readyEasyPayProviders[strings.ToUpper(strings.TrimSpace(p))] {
			return "", invalidRequest("easy_pay_provider must be one of TOSSPAY, NAVERPAY, KAKAOPAY, SAMSUNGPAY, APPLEPAY, LPAY, PAYCO, SSG, PINPAY")
		}
	}
	return m, nil
}

// krwOrder returns the order, refusing one that Toss cannot take.
func (h *Handler) krwOrder(ctx context.Context, number string) (payments.Order, error) {
	order, err := h.svc.Order(ctx, number)
	if err != nil {
		return order, err
	}
	if order.Currency != payments.KRW {
		return order, handlerErrorf(payments.CodeInvalidRequest, "Toss Payments takes KRW only; the order is in %s", clipText(string(order.Currency), 8))
	}
	return order, nil
}

// ---------------------------------------------------------------------------
// GET /success, GET /fail, POST /confirm

// successQuery is the query Toss puts on the success callback.
type successQuery struct {
	PaymentKey  string
	OrderID     string
	Amount      payments.Amount
	PaymentType string
}

// parseSuccessQuery reads the success callback's query strictly: a
// paymentKey of at most 200 URL-safe characters, an orderId of 6–64 of
// A-Za-z0-9-_, a positive integer amount and an optional paymentType;
// none of them repeated. Other parameters are ignored.
func parseSuccessQuery(rawQuery string) (successQuery, error) {
	var q [4]string
	if err := strictQuery(rawQuery, []string{"paymentKey", "orderId", "amount", "paymentType"}, q[:]); err != nil {
		return successQuery{}, err
	}
	var out successQuery
	out.PaymentKey, out.OrderID, out.PaymentType = q[0], q[1], q[3]
	switch {
	case out.PaymentKey == "" || len(out.PaymentKey) > 200 || !onlySafeChars(out.PaymentKey, "-_.~"):
		return out, invalidRequest("paymentKey is required: at most 200 letters, digits and -_.~")
	case !isTossOrderID(out.OrderID):
		return out, invalidRequest("orderId must be 6–64 of A-Za-z0-9-_")
	case out.PaymentType != "" && (len(out.PaymentType) > 32 || !isUpperSnake(out.PaymentType)):
		return out, invalidRequest("paymentType is not a Toss payment type")
	}
	n, ok := parsePositiveInt(q[2])
	if !ok {
		return out, invalidRequest("amount must be a positive integer")
	}
	out.Amount = payments.Amount(n)
	return out, nil
}

// failQuery is the query Toss puts on the fail callback.
type failQuery struct {
	Code    string
	Message string
	OrderID string
}

// Bounds of what the fail callback records and passes on.
const (
	maxFailCode    = 64
	maxFailMessage = 510 // bytes, cut on a character boundary
)

// parseFailQuery reads the fail callback's query strictly: a code of 1–64
// of A-Za-z0-9_-, an orderId of 6–64 of A-Za-z0-9-_ and an optional
// message, cut to 510 bytes, with control characters removed.
func parseFailQuery(rawQuery string) (failQuery, error) {
	var q [3]string
	if err := strictQuery(rawQuery, []string{"code", "message", "orderId"}, q[:]); err != nil {
		return failQuery{}, err
	}
	out := failQuery{Code: q[0], OrderID: q[2], Message: sanitizeText(q[1], maxFailMessage)}
	switch {
	case out.Code == "" || len(out.Code) > maxFailCode || !onlySafeChars(out.Code, "-_"):
		return out, invalidRequest("code is required: at most 64 letters, digits, - and _")
	case !isTossOrderID(out.OrderID):
		return out, invalidRequest("orderId must be 6–64 of A-Za-z0-9-_")
	}
	return out, nil
}

// strictQuery parses a raw query, refusing malformed encoding and
// repeated values of the named keys; vals[i] receives the value of
// keys[i] ("" when absent).
func strictQuery(raw string, keys, vals []string) error {
	if len(raw) > 8192 {
		return invalidRequest("the query string is too long")
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return invalidRequest("the query string is malformed")
	}
	for i, k := range keys {
		switch vs := v[k]; len(vs) {
		case 0:
		case 1:
			vals[i] = vs[0]
		default:
			return handlerErrorf(payments.CodeInvalidRequest, "%s is given more than once", k)
		}
	}
	return nil
}

func (h *Handler) success(w http.ResponseWriter, r *http.Request) {
	q, err := parseSuccessQuery(r.URL.RawQuery)
	if err != nil {
		httpjson.WriteError(w, err)
		return
	}
	ctx := r.Context()
	cctx, cancel := confirmContext(ctx)
	defer cancel()
	p, cerr := h.svc.Confirm(cctx, payments.ConfirmRequest{GatewayOrderID: q.OrderID, Gateway: handlerGateway, Reference: q.PaymentKey, Amount: q.Amount})
	if p == nil {
		// Refused before the payment changed (no such Toss attempt, the
		// amount differs): read it for the pages to redirect to.
		if p, err = h.attempt(ctx, q.OrderID); err != nil {
			httpjson.WriteError(w, err)
			return
		}
	}
	h.answerConfirm(w, r, p, q.OrderID, cerr, web.WantsJSON(r))
}

// ConfirmBody is the body of POST /confirm.
type ConfirmBody struct {
	PaymentKey  string `json:"payment_key"`
	OrderNumber string `json:"order_number"`
	// Amount must equal the payment's amount (409 amount_mismatch,
	// checked before Toss is called).
	Amount int64 `json:"amount"`
}

func (h *Handler) confirm(w http.ResponseWriter, r *http.Request) {
	var req ConfirmBody
	if err := httpjson.Decode(w, r, &req); err != nil {
		httpjson.WriteError(w, err)
		return
	}
	if err := checkOrderNumberField(req.OrderNumber); err != nil {
		httpjson.WriteError(w, err)
		return
	}
	switch {
	case req.PaymentKey == "" || len(req.PaymentKey) > 200 || !onlySafeChars(req.PaymentKey, "-_.~"):
		httpjson.WriteError(w, invalidRequest("payment_key is required: at most 200 letters, digits and -_.~"))
		return
	case req.Amount <= 0:
		httpjson.WriteError(w, invalidRequest("amount is required and must be a positive integer"))
		return
	}
	ctx := r.Context()
	p, err := h.svc.Payment(ctx, req.OrderNumber)
	if err != nil {
		httpjson.WriteError(w, err)
		return
	}
	a := p.Latest()
	if a == nil || a.Gateway != handlerGateway {
		httpjson.WriteError(w, invalidState("the order's latest payment attempt is not a Toss payment"))
		return
	}
	cctx, cancel := confirmContext(ctx)
	defer cancel()
	got, cerr := h.svc.Confirm(cctx, payments.ConfirmRequest{GatewayOrderID: a.GatewayOrderID, Reference: req.PaymentKey, Amount: payments.Amount(req.Amount)})
	if got != nil {
		p = got
	}
	h.answerConfirm(w, r, p, a.GatewayOrderID, cerr, true)
}

// confirmTimeout bounds a confirmation that the customer's browser no
// longer waits for.
const confirmTimeout = 60 * time.Second

// confirmContext detaches a confirmation from the request: a customer who
// closes the tab while Toss approves must not leave the attempt in
// processing when the answer is a moment away. The context keeps the
// request's values and ends after confirmTimeout.
func confirmContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), confirmTimeout)
}

// answerConfirm answers a confirmation of the attempt with gateway order
// id orderID: JSON, or a redirect to the shop's pages.
func (h *Handler) answerConfirm(w http.ResponseWriter, r *http.Request, p *payments.Payment, orderID string, cerr error, asJSON bool) {
	ctx := r.Context()
	a := attemptByOrderID(p, orderID)
	code := payments.Code(cerr)
	unknown := code == payments.CodeGatewayUnavailable || code == payments.CodeCanceled || code == payments.CodeInternal
	switch {
	case cerr == nil:
		if h.log.Enabled(ctx, slog.LevelInfo) { // spares building the attributes
			h.log.InfoContext(ctx, "toss: confirmed", "order", p.OrderNumber, "order_id", orderID, "status", a.Status)
		}
	case unknown:
		h.log.WarnContext(ctx, "toss: confirm outcome unknown", "order", p.OrderNumber, "order_id", orderID, "code", code)
	default:
		h.log.InfoContext(ctx, "toss: confirm refused", "order", p.OrderNumber, "order_id", orderID, "code", code, "gateway_code", errGatewayCode(cerr))
	}
	if asJSON || a == nil {
		switch {
		case cerr == nil:
			writeStatusView(w, p, a)
		case code == payments.CodeGatewayUnavailable && a != nil:
			status.WriteJSON(w, http.StatusAccepted, p)
		default:
			httpjson.WriteError(w, cerr)
		}
		return
	}
	switch {
	case cerr == nil:
		h.redirect(w, p, a.SuccessURL, url.Values{"status": {string(a.Status)}}, func() { writeStatusView(w, p, a) })
	case unknown:
		h.redirect(w, p, a.SuccessURL, url.Values{"status": {string(payments.StatusProcessing)}}, func() { httpjson.WriteError(w, cerr) })
	default:
		c, msg := string(code), "the payment could not be completed"
		var pe *payments.Error
		if errors.As(cerr, &pe) && pe.Message != "" {
			msg = pe.Message
		}
		if code == payments.CodePaymentDeclined && errGatewayCode(cerr) != "" {
			c = errGatewayCode(cerr)
		}
		h.redirect(w, p, a.FailURL, url.Values{"code": {clipText(c, maxFailCode)}, "message": {sanitizeText(msg, maxFailMessage)}},
			func() { httpjson.WriteError(w, cerr) })
	}
}

// writeStatusView answers with the status view: 202 while the attempt is
// processing, 200 otherwise.
func writeStatusView(w http.ResponseWriter, p *payments.Payment, a *payments.Attempt) {
	code := http.StatusOK
	if a != nil && a.Status == payments.StatusProcessing {
		code = http.StatusAccepted
	}
	status.WriteJSON(w, code, p)
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request) {
	q, err := parseFailQuery(r.URL.RawQuery)
	if err != nil {
		httpjson.WriteError(w, err)
		return
	}
	ctx := r.Context()
	if _, err := h.attempt(ctx, q.OrderID); err != nil {
		httpjson.WriteError(w, err)
		return
	}
	p, err := h.svc.Fail(ctx, payments.FailRequest{
		GatewayOrderID: q.OrderID, Code: q.Code, Message: q.Message, Canceled: q.Code == "PAY_PROCESS_CANCELED",
	})
	if err != nil {
		h.logError(ctx, "toss: fail callback", err, "order_id", q.OrderID)
		httpjson.WriteError(w, err)
		return
	}
	a := attemptByOrderID(p, q.OrderID)
	h.log.InfoContext(ctx, "toss: payment window failed", "order", p.OrderNumber, "order_id", q.OrderID, "code", q.Code, "status", a.Status)
	if web.WantsJSON(r) {
		status.WriteJSON(w, http.StatusOK, p)
		return
	}
	switch a.Status {
	case payments.StatusFailed, payments.StatusCanceled, payments.StatusExpired, payments.StatusReady, payments.StatusRequiresAction:
		h.redirect(w, p, a.FailURL, url.Values{"code": {q.Code}, "message": {q.Message}},
			func() { status.WriteJSON(w, http.StatusOK, p) })
	default:
		// A fail report for an attempt that is paid or being confirmed
		// (a stale or forged callback) changes nothing; the customer
		// sees the real state.
		h.redirect(w, p, a.SuccessURL, url.Values{"status": {string(a.Status)}},
			func() { status.WriteJSON(w, http.StatusOK, p) })
	}
}

// attempt returns the payment that has a Toss attempt with the gateway
// order id, resolving "<order number>-<n>" as the service does. An
// unknown id is 404 payment_not_found.
func (h *Handler) attempt(ctx context.Context, orderID string) (*payments.Payment, error) {
	candidates := []string{orderID}
	if i := strings.LastIndexByte(orderID, '-'); i > 0 && onlyDigits(orderID[i+1:]) {
		candidates = append(candidates, orderID[:i])
	}
	for _, c := range candidates {
		p, err := h.svc.Payment(ctx, c)
		switch payments.Code(err) {
		case "":
		case payments.CodeOrderNotFound, payments.CodePaymentNotFound, payments.CodeInvalidRequest:
			continue
		default:
			return nil, err
		}
		if a := attemptByOrderID(p, orderID); a != nil && a.Gateway == handlerGateway {
			return p, nil
		}
	}
	return nil, &payments.Error{Code: payments.CodePaymentNotFound, Message: "no Toss payment attempt has that orderId"}
}

func attemptByOrderID(p *payments.Payment, orderID string) *payments.Attempt {
	if p == nil {
		return nil
	}
	for i := range p.Attempts {
		if p.Attempts[i].GatewayOrderID == orderID {
			return &p.Attempts[i]
		}
	}
	return nil
}

// redirect sends the customer with 303 to the shop's page target, with
// order_number and params added to the page's own query. Without a page
// (an attempt started by another route), it calls fallback instead.
func (h *Handler) redirect(w http.ResponseWriter, p *payments.Payment, target string, params url.Values, fallback func()) {
	u, err := url.Parse(target)
	if target == "" || err != nil || u.User != nil || u.Opaque != "" || !h.redirectOrigins[u.Scheme+"://"+strings.ToLower(u.Host)] {
		// Stored pages were checked when the attempt was recorded; this
		// guards against pages recorded by other code or origins since
		// removed from the configuration.
		fallback()
		return
	}
	if u.RawQuery == "" {
		u.RawQuery = redirectQuery(p.OrderNumber, params)
	} else {
		q := u.Query()
		q.Set("order_number", p.OrderNumber)
		for k, vs := range params {
			q[k] = vs
		}
		u.RawQuery = q.Encode()
	}
	httpjson.SetHeaders(w.Header(), "Location", u.String(), "Cache-Control", "no-store", "Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusSeeOther)
}

// redirectQuery is url.Values{"order_number": {order}} with params added
// (params win), encoded as url.Values.Encode does, without building the
// map.
func redirectQuery(order string, params url.Values) string {
	var keyArray [8]string
	keys := append(keyArray[:0], "order_number")
	for k := range params {
		if k != "order_number" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	add := func(key, v string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(key)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	}
	for _, k := range keys {
		ke := url.QueryEscape(k)
		vs, ok := params[k]
		if !ok { // order_number, not overridden
			add(ke, order)
			continue
		}
		for _, v := range vs {
			add(ke, v)
		}
	}
	return b.String()
}

// ---------------------------------------------------------------------------
// POST /virtual-account

// VirtualAccountBody is the body of POST /virtual-account.
type VirtualAccountBody struct {
	OrderNumber string `json:"order_number"`
	// Amount must equal the order's amount.
	Amount int64 `json:"amount"`
	// OrderName is checked (1–100 characters); Toss is sent the order's
	// own name from the application's Orders.
	OrderName    string `json:"order_name"`
	CustomerName string `json:"customer_name"`
	// Bank is a Toss bank code ("20"), or a Korean ("우리") or English
	// ("WOORI") bank name.
	Bank string `json:"bank"`
	// ValidHours (1–2160) or DueDate, not both; neither means Toss's
	// default (7 days).
	ValidHours *int `json:"valid_hours,omitempty"`
	// DueDate is RFC 3339 ("2026-01-31T23:59:59+09:00") or Toss's
	// local form "2026-01-31T23:59:59", read in Korea time.
	DueDate       string           `json:"due_date,omitempty"`
	CustomerEmail string           `json:"customer_email,omitempty"`
	CashReceipt   *CashReceiptBody `json:"cash_receipt,omitempty"`
}

// CashReceiptBody asks for a Korean cash receipt with a virtual account.
type CashReceiptBody struct {
	// Type is 소득공제 (income deduction) or 지출증빙 (proof of expense).
	Type string `json:"type"`
	// RegistrationNumber is a phone, cash-receipt card or business
	// registration number (digits; hyphens are removed).
	RegistrationNumber string `json:"registration_number"`
}

// VirtualAccountResponse is the answer to POST /virtual-account.
type VirtualAccountResponse struct {
	OrderNumber   string            `json:"order_number"`
	Status        payments.Status   `json:"status"`
	Amount        payments.Amount   `json:"amount"`
	Currency      payments.Currency `json:"currency"`
	Bank          string            `json:"bank"`
	AccountNumber string            `json:"account_number"`
	Holder        string            `json:"holder"`
	// DueDate is when the account stops taking the deposit, in Korea
	// time (RFC 3339); empty if Toss gave none.
	DueDate string `json:"due_date"`
}

// vaMaxValidHours is the longest deposit window Toss documents (90 days).
const vaMaxValidHours = 2160

func (h *Handler) virtualAccount(w http.ResponseWriter, r *http.Request) {
	var req VirtualAccountBody
	if err := httpjson.Decode(w, r, &req); err != nil {
		httpjson.WriteError(w, err)
		return
	}
	sreq, err := req.validate(h.now())
	if err != nil {
		httpjson.WriteError(w, err)
		return
	}
	ctx := r.Context()
	if _, err := h.krwOrder(ctx, req.OrderNumber); err != nil {
		httpjson.WriteError(w, err)
		return
	}
	p, err := h.svc.IssueVirtualAccount(ctx, sreq)
	if err != nil {
		h.logError(ctx, "toss: virtual account", err, "order", req.OrderNumber)
		httpjson.WriteError(w, err)
		return
	}
	va := p.VirtualAccount
	if va == nil {
		h.log.ErrorContext(ctx, "toss: issued virtual account has no account details", "order", p.OrderNumber, "status", p.Status)
		httpjson.WriteError(w, &payments.Error{Code: payments.CodeGatewayError, Message: "the gateway returned no virtual account"})
		return
	}
	h.log.InfoContext(ctx, "toss: virtual account issued", "order", p.OrderNumber, "bank", va.Bank, "status", p.Status)
	out := VirtualAccountResponse{
		OrderNumber: p.OrderNumber, Status: p.Status, Amount: p.Amount, Currency: p.Currency,
		Bank: va.Bank, AccountNumber: va.AccountNumber, Holder: va.Holder,
	}
	if !va.DueDate.IsZero() {
		out.DueDate = va.DueDate.In(handlerKST).Format(time.RFC3339)
	}
	httpjson.Write(w, http.StatusOK, out)
}

func (req *VirtualAccountBody) validate(now time.Time) (payments.VirtualAccountRequest, error) {
	var out payments.VirtualAccountRequest
	if err := checkOrderNumberField(req.OrderNumber); err != nil {
		return out, err
	}
	if req.Amount <= 0 {
		return out, invalidRequest("amount is required and must be a positive integer")
	}
	if err := checkTextField("order_name", req.OrderName, true, 100); err != nil {
		return out, err
	}
	if err := checkTextField("customer_name", req.CustomerName, true, 100); err != nil {
		return out, err
	}
	if err := checkEmailField("customer_email", req.CustomerEmail); err != nil {
		return out, err
	}
	if req.Bank == "" {
		return out, invalidRequest("bank is required")
	}
	code, ok := banks.Normalize(req.Bank)
	if !ok {
		return out, invalidRequest("bank is not a known bank (give a Toss bank code such as \"20\", or a Korean or English bank name)")
	}
	out = payments.VirtualAccountRequest{
		OrderNumber: req.OrderNumber, Gateway: handlerGateway, Amount: payments.Amount(req.Amount), Bank: code,
		CustomerName: strings.TrimSpace(req.CustomerName), CustomerEmail: strings.TrimSpace(req.CustomerEmail),
	}
	if req.ValidHours != nil && req.DueDate != "" {
		return out, invalidRequest("give valid_hours or due_date, not both")
	}
	if req.ValidHours != nil {
		if *req.ValidHours < 1 || *req.ValidHours > vaMaxValidHours {
			return out, handlerErrorf(payments.CodeInvalidRequest, "valid_hours must be between 1 and %d", vaMaxValidHours)
		}
		out.ValidHours = *req.ValidHours
	}
	if req.DueDate != "" {
		t, err := vaParseDueDate(req.DueDate)
		if err != nil {
			return out, err
		}
		if !t.After(now) {
			return out, invalidRequest("due_date must be in the future")
		}
		if t.Sub(now) > vaMaxValidHours*time.Hour {
			return out, handlerErrorf(payments.CodeInvalidRequest, "due_date must be within %d days", vaMaxValidHours/24)
		}
		out.DueDate = t
	}
	if cr := req.CashReceipt; cr != nil {
		switch cr.Type {
		case "소득공제", "지출증빙":
		default:
			return out, invalidRequest("cash_receipt.type must be 소득공제 or 지출증빙")
		}
		num := strings.ReplaceAll(strings.TrimSpace(cr.RegistrationNumber), "-", "")
		if num == "" || len(num) > 30 || !onlyDigits(num) {
			return out, invalidRequest("cash_receipt.registration_number is required: digits, at most 30")
		}
		out.CashReceipt = &payments.CashReceipt{Type: cr.Type, RegistrationNumber: num}
	}
	return out, nil
}

// vaParseDueDate reads RFC 3339, or Toss's yyyy-MM-ddTHH:mm:ss in Korea time.
func vaParseDueDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05", s, handlerKST); err == nil {
		return t, nil
	}
	return time.Time{}, invalidRequest("due_date must be RFC 3339 (2026-01-31T23:59:59+09:00) or yyyy-MM-ddTHH:mm:ss in Korea time")
}

// ---------------------------------------------------------------------------
// POST /webhook

// WebhookEvent is a Toss webhook body, in both shapes Toss sends:
// {"eventType", "createdAt", "data"} for PAYMENT_STATUS_CHANGED and
// CANCEL_STATUS_CHANGED, and the flat DEPOSIT_CALLBACK
// {"createdAt", "secret", "status", "transactionKey", "orderId"}, which may
// or may not carry an eventType. Fields the handler does not use are
// ignored.
type WebhookEvent struct {
	EventType string `json:"eventType"`
	CreatedAt string `json:"createdAt"`
	// Data is the Payment (or Cancel) object of a wrapped event.
	Data json.RawMessage `json:"data"`
	// The flat DEPOSIT_CALLBACK's fields.
	Secret         payments.Secret `json:"secret"`
	Status         string          `json:"status"`
	TransactionKey string          `json:"transactionKey"`
	OrderID        string          `json:"orderId"`
}

// WebhookPayment is the part of a webhook's Payment object the handler
// uses: the rest is re-read from Toss.
type WebhookPayment struct {
	PaymentKey string `json:"paymentKey"`
	OrderID    string `json:"orderId"`
	Status     string `json:"status"`
}

// Webhook event types.
const (
	webhookPaymentStatusChanged = "PAYMENT_STATUS_CHANGED"
	webhookDepositCallback      = "DEPOSIT_CALLBACK"
	webhookCancelStatusChanged  = "CANCEL_STATUS_CHANGED"
)

// webhookNote is what a webhook body asks the handler to do.
type webhookNote struct {
	Type string
	// Apply is false for events that are acknowledged and logged only.
	Apply          bool
	GatewayOrderID string
	Reference      string
	Secret         payments.Secret
}

// parseWebhookBody reads a Toss webhook body: lenient about unknown fields,
// strict about the types of the fields it reads.
func parseWebhookBody(body []byte) (webhookNote, error) {
	var ev WebhookEvent
	if err := webhookUnmarshal(body, &ev); err != nil {
		return webhookNote{}, err
	}
	n := webhookNote{Type: ev.EventType}
	isDeposit := ev.EventType == webhookDepositCallback ||
		(ev.EventType == "" && len(ev.Data) == 0 && (ev.Secret != "" || ev.TransactionKey != ""))
	switch {
	case isDeposit:
		n.Type = webhookDepositCallback
		if len(ev.Data) > 0 && string(ev.Data) != "null" && ev.Secret == "" && ev.OrderID == "" {
			// Tolerate the deposit fields wrapped in data, as some
			// integrations describe the event.
			var inner WebhookEvent
			if err := webhookUnmarshal(ev.Data, &inner); err != nil {
				return n, withMessagePrefix(err, "data: ")
			}
			ev.Secret, ev.OrderID = inner.Secret, inner.OrderID
		}
		if !isTossOrderID(ev.OrderID) {
			return n, invalidRequest("orderId must be 6–64 of A-Za-z0-9-_")
		}
		if ev.Secret == "" || len(ev.Secret) > 200 {
			return n, &payments.Error{Code: payments.CodeInvalidSignature, Message: "the deposit callback has no valid secret"}
		}
		n.Apply, n.GatewayOrderID, n.Secret = true, ev.OrderID, ev.Secret
	case ev.EventType == webhookPaymentStatusChanged:
		if len(ev.Data) == 0 || string(ev.Data) == "null" {
			return n, invalidRequest("data is required")
		}
		var p WebhookPayment
		if err := webhookUnmarshal(ev.Data, &p); err != nil {
			return n, withMessagePrefix(err, "data: ")
		}
		if !isTossOrderID(p.OrderID) {
			return n, invalidRequest("data.orderId must be 6–64 of A-Za-z0-9-_")
		}
		if len(p.PaymentKey) > 200 || !onlySafeChars(p.PaymentKey, "-_.~") {
			return n, invalidRequest("data.paymentKey is malformed")
		}
		n.Apply, n.GatewayOrderID, n.Reference = true, p.OrderID, p.PaymentKey
	case ev.EventType == webhookCancelStatusChanged:
		// An asynchronous cancel (foreign easy pay) finished; refunds are
		// settled by the service's reconciliation, so it is only logged.
	case ev.EventType == "":
		return n, invalidRequest("eventType is required")
	case len(ev.EventType) > 64 || !onlySafeChars(ev.EventType, "-_."):
		return n, invalidRequest("eventType is malformed")
	default:
		// Event types the library does not use are acknowledged.
	}
	return n, nil
}

func (h *Handler) webhook(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != "application/json" && mt != "text/json") {
			httpjson.WriteError(w, &payments.Error{Code: payments.CodeUnsupportedMediaType, Message: "Content-Type must be application/json"})
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, httpjson.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			httpjson.WriteError(w, &payments.Error{Code: payments.CodeBodyTooLarge, Message: fmt.Sprintf("request body is larger than %d bytes", httpjson.MaxBody)})
			return
		}
		httpjson.WriteError(w, invalidRequest("could not read the request body"))
		return
	}
	ctx := r.Context()
	n, err := parseWebhookBody(body)
	if err != nil {
		h.log.WarnContext(ctx, "toss: webhook refused", "code", payments.Code(err), "bytes", len(body))
		httpjson.WriteError(w, err)
		return
	}
	eventID := r.Header.Get("tosspayments-webhook-transmission-id")
	if eventID == "" || len(eventID) > 200 || !onlySafeChars(eventID, "-_.:") {
		sum := sha256.Sum256(body)
		eventID = "body-" + hex.EncodeToString(sum[:16])
	}
	logAttrs := []any{"event", n.Type, "event_id", eventID, "order_id", n.GatewayOrderID,
		"retried", clipText(r.Header.Get("tosspayments-webhook-transmission-retried-count"), 8)}
	if !n.Apply {
		h.log.InfoContext(ctx, "toss: webhook acknowledged", logAttrs...)
		writeWebhookReceived(w)
		return
	}
	p, err := h.svc.HandleNotification(ctx, payments.Notification{
		Gateway: handlerGateway, EventID: eventID, GatewayOrderID: n.GatewayOrderID, Reference: n.Reference, DepositSecret: n.Secret,
	})
	code := payments.Code(err)
	switch code {
	case "":
		if p != nil {
			logAttrs = append(logAttrs, "status", p.Status)
		} else {
			logAttrs = append(logAttrs, "duplicate", true)
		}
		h.log.InfoContext(ctx, "toss: webhook applied", logAttrs...)
		writeWebhookReceived(w)
	case payments.CodeOrderNotFound, payments.CodePaymentNotFound:
		// Not ours (or not any more): acknowledge so that Toss stops.
		h.log.InfoContext(ctx, "toss: webhook for an unknown payment", logAttrs...)
		writeWebhookReceived(w)
	case payments.CodeInvalidSignature, payments.CodeInvalidRequest:
		h.log.WarnContext(ctx, "toss: webhook refused", append(logAttrs, "code", code)...)
		httpjson.WriteError(w, err)
	case payments.CodeGatewayUnavailable, payments.CodeCanceled, payments.CodeInternal, payments.CodeGatewayError:
		// Toss retries until it gets a 200.
		h.log.WarnContext(ctx, "toss: webhook not applied; Toss will retry", append(logAttrs, "code", code)...)
		if code == payments.CodeGatewayUnavailable || code == payments.CodeCanceled {
			httpjson.Write(w, http.StatusServiceUnavailable, httpjson.ErrorBody{Error: httpjson.ErrorDetail{
				Code: payments.CodeGatewayUnavailable, Message: "the payment gateway is unavailable; try again later"}})
			return
		}
		httpjson.WriteError(w, err)
	default:
		// A definitive answer that a retry would not change (such as a
		// paid amount that differs from the order): needs a person, not
		// another delivery.
		h.log.ErrorContext(ctx, "toss: webhook could not be applied", append(logAttrs, "code", code)...)
		writeWebhookReceived(w)
	}
}

func writeWebhookReceived(w http.ResponseWriter) {
	httpjson.Write(w, http.StatusOK, struct {
		Received bool `json:"received"`
	}{true})
}

// webhookUnmarshal decodes one JSON object, ignoring unknown fields but
// refusing wrong types and trailing data, with httpjson's messages.
func webhookUnmarshal(data []byte, dst any) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return invalidRequest("request body is empty")
	}
	if data[0] != '{' {
		return invalidRequest("request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(dst); err != nil {
		var typ *json.UnmarshalTypeError
		var syn *json.SyntaxError
		switch {
		case errors.As(err, &typ) && typ.Field != "":
			return handlerErrorf(payments.CodeInvalidRequest, "field %q has the wrong type", clipText(typ.Field, 64))
		case errors.As(err, &syn):
			return handlerErrorf(payments.CodeInvalidRequest, "malformed JSON at byte %d", syn.Offset)
		default:
			return invalidRequest("malformed JSON")
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalidRequest("request body has data after the JSON object")
	}
	return nil
}

func withMessagePrefix(err error, prefix string) error {
	var pe *payments.Error
	if errors.As(err, &pe) {
		c := *pe
		c.Message = prefix + c.Message
		return &c
	}
	return err
}

// ---------------------------------------------------------------------------
// small helpers

func invalidRequest(msg string) error {
	return &payments.Error{Code: payments.CodeInvalidRequest, Message: msg}
}

func invalidState(msg string) error {
	return &payments.Error{Code: payments.CodeInvalidState, Message: msg}
}

func handlerErrorf(code payments.ErrorCode, format string, args ...any) error {
	return &payments.Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func errGatewayCode(err error) string {
	var pe *payments.Error
	if errors.As(err, &pe) {
		return pe.GatewayCode
	}
	return ""
}

// logError logs err at a level that fits it: server-side trouble as
// errors, refusals of the request as debug.
func (h *Handler) logError(ctx context.Context, msg string, err error, attrs ...any) {
	code := payments.Code(err)
	attrs = append(attrs, "code", code)
	if payments.HTTPStatus(err) >= 500 {
		h.log.ErrorContext(ctx, msg, attrs...)
		return
	}
	h.log.DebugContext(ctx, msg, attrs...)
}

// checkOrderNumberField requires an order number that can be a Toss orderId.
func checkOrderNumberField(s string) error {
	if s == "" {
		return invalidRequest("order_number is required")
	}
	if !isTossOrderID(s) {
		return invalidRequest("order_number must be 6–64 of A-Za-z0-9-_ (it becomes the Toss orderId)")
	}
	return nil
}

// checkTextField requires (if required) a text of at most max characters
// without control characters.
func checkTextField(field, s string, required bool, max int) error {
	t := strings.TrimSpace(s)
	switch {
	case t == "" && required:
		return handlerErrorf(payments.CodeInvalidRequest, "%s is required", field)
	case !utf8.ValidString(s) || utf8.RuneCountInString(t) > max:
		return handlerErrorf(payments.CodeInvalidRequest, "%s must be at most %d characters", field, max)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return handlerErrorf(payments.CodeInvalidRequest, "%s must not contain control characters", field)
	}
	return nil
}

func checkEmailField(field, s string) error {
	if err := checkTextField(field, s, false, 100); err != nil {
		return err
	}
	if t := strings.TrimSpace(s); t != "" {
		at := strings.LastIndexByte(t, '@')
		if at < 1 || at == len(t)-1 || strings.ContainsAny(t, " <>\"") {
			return handlerErrorf(payments.CodeInvalidRequest, "%s is not an email address", field)
		}
	}
	return nil
}

// isTossOrderID reports whether s is a valid Toss orderId: 6–64 of
// A-Za-z0-9-_.
func isTossOrderID(s string) bool {
	return len(s) >= 6 && len(s) <= 64 && onlySafeChars(s, "-_")
}

// onlySafeChars reports whether s has only ASCII letters, digits and extra.
func onlySafeChars(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return true
}

func isUpperSnake(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || c == '_') {
			return false
		}
	}
	return true
}

func onlyDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parsePositiveInt parses a positive decimal integer without sign or leading
// zeros.
func parsePositiveInt(s string) (int64, bool) {
	if !onlyDigits(s) || s[0] == '0' || len(s) > 18 {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// sanitizeText makes s valid UTF-8 without control characters and cuts it
// to at most max bytes on a character boundary.
func sanitizeText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// clipText cuts s to at most n bytes on a character boundary, for messages.
func clipText(s string, n int) string { return sanitizeText(s, n) }
