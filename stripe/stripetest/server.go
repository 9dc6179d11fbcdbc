package stripetest

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v76"
)

// Config configures a [Server]. The zero value is ready to use.
type Config struct {
	// APIKeys lists the secret keys the API accepts as "Authorization:
	// Bearer <key>" (or as the Basic-auth user name). If empty, any key
	// starting with "sk_test_" is accepted. Other requests get Stripe's 401.
	APIKeys []string

	// Now returns the current time; it stamps "created", computes expiry,
	// ages idempotency keys and signs events. Default: time.Now.
	Now func() time.Time

	// PublicURL is the absolute base URL at which browsers reach this
	// server, e.g. "http://127.0.0.1:8080/stripe". The hosted-checkout
	// "url" and the 3-D Secure redirect URLs are built on it. If empty,
	// they are built from the API request: http(s)://<Host>. Set it when the
	// server is mounted under a path prefix. New panics if it is not an
	// absolute http(s) URL.
	PublicURL string

	// WebhookURL, if set, receives the events the server creates, as
	// Stripe's webhook deliveries do (POST, JSON, Stripe-Signature).
	WebhookURL string

	// WebhookSecret signs events ("whsec_..."). If empty, a random secret
	// is generated; see [Server.WebhookSecret].
	WebhookSecret string

	// WebhookClient delivers events. Default: a client with a 10 s timeout.
	WebhookClient *http.Client

	// DashboardPaymentMethodTypes are the payment method types enabled in
	// the fake account's Dashboard: what a Checkout Session created
	// without payment_method_types offers, and what a PaymentIntent with
	// automatic payment methods accepts, as Stripe's dynamic payment
	// methods do
	// (https://docs.stripe.com/payments/payment-methods/dynamic-payment-methods),
	// less those that do not take the currency (us_bank_account is USD
	// only). Default: card and us_bank_account. New panics on a type the
	// fake does not model (it models card and us_bank_account).
	DashboardPaymentMethodTypes []string

	// AcaciaRefundEvents makes refunds of charges send refund.created,
	// refund.updated and refund.failed as well, as Stripe does from API
	// version 2024-10-28.acacia
	// (https://docs.stripe.com/changelog/acacia/2024-10-28/refund-webhook-update).
	// False, the default, is the version stripe-go v76 pins, 2023-10-16:
	// refund.* events are sent only for refunds without a charge (which
	// the fake never makes), so a refund produces charge.refunded when
	// created and charge.refund.updated when its status changes. Whether
	// Stripe keys this to the endpoint's API version or the account's is
	// not documented; the events keep api_version 2023-10-16 either way,
	// and charge.refund.updated is sent in both modes.
	AcaciaRefundEvents bool

	// Fees sets the fees of GET /v1/balance_transactions; the zero value
	// is Stripe's standard US card pricing.
	Fees FeeConfig
	// AuthorizationValidity is how long an authorisation of a
	// PaymentIntent with capture_method=manual may be captured: its
	// charge's payment_method_details.card.capture_before. Past it
	// (on the Now clock) the PaymentIntent is canceled with
	// cancellation_reason automatic, with charge.expired and
	// payment_intent.canceled, as Stripe does
	// (https://docs.stripe.com/payments/place-a-hold-on-a-payment-method).
	// Default 7 days, the validity of online card payments; Visa's
	// merchant-initiated ones have 4 days 18 hours.
	AuthorizationValidity time.Duration

	// ManualCaptureSessionPaymentStatus is the payment_status of a
	// Checkout Session whose PaymentIntent was authorised with manual
	// capture and not captured yet. Stripe's documentation does not say;
	// default "unpaid". The library decides from the PaymentIntent's
	// status either way.
	ManualCaptureSessionPaymentStatus string

	// DisputeRefundCode is the error code of a refund refused because
	// the charge has a chargeback in progress. Stripe has both
	// charge_disputed and refund_disputed_payment and does not document
	// which it answers; default charge_disputed.
	DisputeRefundCode string
}

// Operations, named by their route pattern, for [Server.Executed] and
// [Call].Op.
const (
	OpCreateCheckoutSession = "POST /v1/checkout/sessions"
	OpGetCheckoutSession    = "GET /v1/checkout/sessions/{id}"
	OpExpireCheckoutSession = "POST /v1/checkout/sessions/{id}/expire"
	OpCreatePaymentIntent   = "POST /v1/payment_intents"
	OpGetPaymentIntent      = "GET /v1/payment_intents/{id}"
	OpConfirmPaymentIntent  = "POST /v1/payment_intents/{id}/confirm"
	OpCancelPaymentIntent   = "POST /v1/payment_intents/{id}/cancel"
	OpCreateRefund          = "POST /v1/refunds"
	OpGetRefund             = "GET /v1/refunds/{id}"
	OpListRefunds           = "GET /v1/refunds"
	OpGetCharge             = "GET /v1/charges/{id}"
	OpCapturePaymentIntent  = "POST /v1/payment_intents/{id}/capture"
	OpGetDispute            = "GET /v1/disputes/{id}"
	OpListDisputes          = "GET /v1/disputes"
	OpCloseDispute          = "POST /v1/disputes/{id}/close"
)

// Call is one API request as the server saw it; see [Server.Calls].
type Call struct {
	// Op is the operation (one of the Op constants); empty for an
	// unrecognized URL.
	Op string
	// Method and Path are the request's.
	Method, Path string
	// Form holds the decoded body (or, for GET, query) parameters under
	// their wire names, such as "metadata[order_number]".
	Form url.Values
	// IdempotencyKey is the Idempotency-Key header, if any.
	IdempotencyKey string
	// RequestID is the Request-Id the server answered with.
	RequestID string
	// Status is the HTTP status answered (or that would have been, when
	// Dropped).
	Status int
	// Replayed reports an idempotent replay of an earlier response.
	Replayed bool
	// Injected reports a failure injected by [Server.FailNext].
	Injected bool
	// Dropped reports a connection closed by [Server.DropAfterProcessing].
	Dropped bool
}

// maxBody caps request bodies.
const maxBody = 1 << 20

// maxCalls caps the request log; older calls are forgotten.
var maxCalls = 10000

type idemKey struct {
	apiKey [32]byte // sha256 of the API key: scope without keeping the key
	key    string
}

type idemEntry struct {
	op          string
	fingerprint string
	status      int
	body        []byte
	requestID   string
	created     time.Time
}

type fault struct {
	status        int
	errType, code string
}

// Server is a stateful, in-memory fake of the Stripe API endpoints used for
// Checkout Sessions, PaymentIntents and refunds, plus sandbox pages for
// hosted checkout and 3-D Secure. It is an [http.Handler]; all methods are
// safe for concurrent use. See the package documentation.
type Server struct {
	now       func() time.Time
	publicURL string
	secret    string
	apiKeys   []string
	hookURL   string
	client    *http.Client
	mux       *http.ServeMux
	pages     *template.Template
	hooks     *deliverer
	dashboard []string
	acacia    bool
	fees      FeeConfig

	// mu guards the state; s.lock takes it for a change, and drops what
	// is cached of the state (balanceCache).
	mu sync.Mutex
	// balanceCache is the balance list as balanceLocked built it, kept
	// while only balance reads take the lock, so that paging through a
	// long list builds it once.
	balanceCache *balanceList
	sessions     map[string]*checkoutSession
	intents      map[string]*paymentIntent
	// holds lists the manual-capture PaymentIntents authorised, oldest
	// first, for expireAuthorizations; those no longer in
	// requires_capture leave it at its next pass.
	holds   []*paymentIntent
	charges map[string]*charge
	refunds map[string]*refund
	// refundOrder lists refund ids oldest first, for GET /v1/refunds.
	refundOrder []string
	methods     map[string]*paymentMethod
	attempts    map[string]*authAttempt
	idem        map[idemKey]*idemEntry
	executed    map[string]int
	calls       []Call
	faults      []fault
	drops       int
	events      []*Event
	balance     balanceState
	saved       savedObjects // customers.go

	authValidity        time.Duration
	manualSessionStatus string
	disputeRefundCode   string
	disputes            map[string]*dispute
	disputeOrder        []string // dispute ids, oldest first
}

// New returns a Server with no objects. It starts no goroutines until an
// event must be delivered to cfg.WebhookURL; call [Server.Close] to stop
// deliveries.
func New(cfg Config) *Server {
	s := &Server{
		now:       cfg.Now,
		publicURL: strings.TrimSuffix(cfg.PublicURL, "/"),
		secret:    cfg.WebhookSecret,
		apiKeys:   slices.Clone(cfg.APIKeys),
		hookURL:   cfg.WebhookURL,
		client:    cfg.WebhookClient,
		mux:       http.NewServeMux(),
		sessions:  map[string]*checkoutSession{},
		intents:   map[string]*paymentIntent{},
		charges:   map[string]*charge{},
		refunds:   map[string]*refund{},
		methods:   map[string]*paymentMethod{},
		attempts:  map[string]*authAttempt{},
		idem:      map[idemKey]*idemEntry{},
		executed:  map[string]int{},
		dashboard: slices.Clone(cfg.DashboardPaymentMethodTypes),
		acacia:    cfg.AcaciaRefundEvents,
		fees:      cfg.Fees,
		disputes:  map[string]*dispute{},

		authValidity:        cfg.AuthorizationValidity,
		manualSessionStatus: cfg.ManualCaptureSessionPaymentStatus,
		disputeRefundCode:   cfg.DisputeRefundCode,
	}
	if s.authValidity <= 0 {
		s.authValidity = 7 * 24 * time.Hour
	}
	if s.manualSessionStatus == "" {
		s.manualSessionStatus = "unpaid"
	}
	if s.disputeRefundCode == "" {
		s.disputeRefundCode = "charge_disputed"
	}
	if s.dashboard == nil {
		s.dashboard = slices.Clone(defaultDashboardTypes)
	}
	for _, t := range s.dashboard {
		if !modelled(t) {
			panic("stripetest: Config.DashboardPaymentMethodTypes: the fake does not model payment method type " + strconv.Quote(t))
		}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.publicURL != "" {
		u, err := url.Parse(s.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			panic("stripetest: Config.PublicURL must be an absolute http(s) URL, got " + strconv.Quote(cfg.PublicURL))
		}
	}
	if s.secret == "" {
		s.secret = newID("whsec_", 32)
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 10 * time.Second}
	}
	s.hooks = newDeliverer(s)
	s.pages = parsePages()

	api := func(op string, h apiHandler) { s.mux.Handle(op, s.endpoint(op, h)) }
	api(OpCreateCheckoutSession, (*Server).createSession)
	api(OpGetCheckoutSession, (*Server).getSession)
	api(OpExpireCheckoutSession, (*Server).expireSessionAPI)
	api(OpCreatePaymentIntent, (*Server).createPI)
	api(OpGetPaymentIntent, (*Server).getPI)
	api(OpConfirmPaymentIntent, (*Server).confirmPIAPI)
	api(OpCancelPaymentIntent, (*Server).cancelPI)
	api(OpCreateRefund, (*Server).createRefund)
	api(OpGetRefund, (*Server).getRefund)
	api(OpListRefunds, (*Server).listRefunds)
	api(OpGetCharge, (*Server).getCharge)
	api(OpListBalanceTransactions, (*Server).listBalanceTransactions)
	s.savedRoutes(api)
	api(OpCapturePaymentIntent, (*Server).capturePI)
	api(OpGetDispute, (*Server).getDispute)
	api(OpListDisputes, (*Server).listDisputes)
	api(OpCloseDispute, (*Server).closeDisputeAPI)
	s.mux.Handle("/v1/", s.endpoint("", nil))

	s.mux.HandleFunc("GET /sandbox/checkout/{id}", s.checkoutPage)
	s.mux.HandleFunc("POST /sandbox/checkout/{id}", s.checkoutSubmit)
	s.mux.HandleFunc("GET /sandbox/3ds/{id}", s.authPage)
	s.mux.HandleFunc("POST /sandbox/3ds/{id}", s.authSubmit)
	return s
}

// NewTestServer starts s on a loopback [httptest.Server] and closes both
// when tb's test ends. Point stripe-go at it with
// stripego.BackendConfig{URL: stripego.String(ts.URL)}.
func NewTestServer(tb testing.TB, cfg Config) (*Server, *httptest.Server) {
	tb.Helper()
	s := New(cfg)
	ts := httptest.NewServer(s)
	tb.Cleanup(func() {
		s.Close()
		ts.Close()
	})
	return s, ts
}

// ServeHTTP implements [http.Handler].
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// Close stops event delivery, waiting for a delivery in progress to be
// abandoned. Events created afterwards are still recorded but not sent.
// The Server keeps serving requests.
func (s *Server) Close() {
	s.hooks.close()
}

// WebhookSecret returns the secret events are signed with.
func (s *Server) WebhookSecret() string { return s.secret }

// apiRequest is what an endpoint handler gets.
type apiRequest struct {
	id        string // {id} path value
	body      *formNode
	base      string // public base URL for browser-facing links
	requestID string
}

// lock takes s.mu for a caller that may change the state.
func (s *Server) lock() {
	s.mu.Lock()
	s.balanceCache = nil
}

// apiHandler runs with s.mu held. It returns the object to answer with
// (as JSON, status 200) or an error.
type apiHandler func(s *Server, req *apiRequest) (any, *Error)

// FailNext makes the next n API requests fail, before they are processed,
// with status and an error of type errType and code. Such failures are not
// stored for idempotent replay, as with Stripe's 409/429/5xx from in front
// of the API, so a retry with the same Idempotency-Key is executed.
func (s *Server) FailNext(n, status int, errType, code string) {
	s.lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, fault{status: status, errType: errType, code: code})
	}
}

// DropAfterProcessing makes the next n API requests that reach an
// endpoint be processed in full (their effects and idempotent result are
// kept) and then have their connection closed without a response, as if
// the network failed after Stripe acted. A client that retries with the
// same Idempotency-Key gets the replayed response. The connection is
// hijacked; where that is impossible (HTTP/2, a ResponseRecorder) the
// handler panics with [http.ErrAbortHandler], which net/http turns into a
// reset stream.
func (s *Server) DropAfterProcessing(n int) {
	s.lock()
	defer s.mu.Unlock()
	s.drops += n
}

// Calls returns a copy of the API request log, oldest first. The log keeps
// the latest 10,000 calls.
func (s *Server) Calls() []Call {
	s.lock()
	defer s.mu.Unlock()
	kept := s.calls[max(0, len(s.calls)-maxCalls):]
	out := make([]Call, len(kept))
	for i, c := range kept {
		c.Form = cloneValues(c.Form)
		out[i] = c
	}
	return out
}

// Executed reports how many times op (one of the Op constants) really
// executed: requests that succeeded or ended in a card decline. Idempotent
// replays, injected failures and requests rejected by validation or state
// checks are not counted, so "one PaymentIntent created" is
// Executed(OpCreatePaymentIntent) == 1.
func (s *Server) Executed(op string) int {
	s.lock()
	defer s.mu.Unlock()
	return s.executed[op]
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// response is a finished API answer.
type response struct {
	status   int
	body     []byte
	replayed bool
	original string // Original-Request for replays
}

func (s *Server) endpoint(op string, h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requestID := newID("req_", 14)
		hdr := w.Header()
		hdr.Set("Request-Id", requestID)
		hdr.Set("Content-Type", "application/json")
		hdr.Set("Cache-Control", "no-cache, no-store")
		version := r.Header.Get("Stripe-Version")
		if version == "" {
			version = stripego.APIVersion
		}
		hdr.Set("Stripe-Version", version)
		idemHeader := r.Header.Get("Idempotency-Key")
		if idemHeader != "" {
			hdr.Set("Idempotency-Key", idemHeader)
		}
		call := Call{Op: op, Method: r.Method, Path: r.URL.Path, IdempotencyKey: idemHeader, RequestID: requestID}

		finish := func(res response, injected, dropped bool) {
			call.Status, call.Replayed, call.Injected, call.Dropped = res.status, res.replayed, injected, dropped
			s.mu.Lock()
			if len(s.calls) >= 2*maxCalls {
				// Forget all but the latest maxCalls calls, the ones
				// Calls reports.
				s.calls = append(s.calls[:0], s.calls[len(s.calls)-maxCalls:]...)
			}
			s.calls = append(s.calls, call)
			s.mu.Unlock()
			if dropped {
				abortConnection(w)
				return
			}
			if res.replayed {
				hdr.Set("Idempotent-Replayed", "true")
				hdr.Set("Original-Request", res.original)
			}
			w.WriteHeader(res.status)
			_, _ = w.Write(res.body)
		}
		errRes := func(e *Error) response {
			s.mu.Lock()
			defer s.mu.Unlock()
			return response{status: e.HTTPStatus, body: s.errorBody(e, requestID)}
		}

		apiKey, authErr := s.authenticate(r)
		if authErr != nil {
			hdr.Set("WWW-Authenticate", `Bearer realm="Stripe"`)
			finish(errRes(authErr), false, false)
			return
		}

		s.mu.Lock()
		var inj *fault
		if len(s.faults) > 0 {
			f := s.faults[0]
			s.faults = s.faults[1:]
			inj = &f
		}
		s.mu.Unlock()
		if inj != nil {
			msg := "stripetest: injected failure."
			if inj.status >= 500 {
				msg = "An unknown error occurred (stripetest: injected failure)."
			}
			finish(errRes(&Error{HTTPStatus: inj.status, Type: inj.errType, Code: inj.code, Message: msg}), true, false)
			return
		}

		var raw string
		if r.Method == http.MethodGet || r.Method == http.MethodDelete {
			raw = r.URL.RawQuery
		} else {
			b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
			if err != nil {
				finish(errRes(errInvalid("", "The request body could not be read or is larger than 1 MiB.")), false, false)
				return
			}
			raw = string(b)
		}
		body, flat, err := parseForm(raw)
		if err != nil {
			fe := err.(*formError)
			finish(errRes(errInvalid(fe.param, fe.msg)), false, false)
			return
		}
		call.Form = flat

		if h == nil {
			finish(errRes(&Error{HTTPStatus: 404, Type: typeInvalidRequest,
				Message: "Unrecognized request URL (" + r.Method + ": " + r.URL.Path + "). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."}), false, false)
			return
		}

		req := &apiRequest{id: r.PathValue("id"), body: body, base: s.baseURL(r), requestID: requestID}
		useIdem := r.Method == http.MethodPost && idemHeader != ""
		if useIdem && len(strings.TrimSpace(idemHeader)) > 255 {
			finish(errRes(errInvalid("", "Idempotency-Key must be no longer than 255 characters.")), false, false)
			return
		}

		if op == OpListBalanceTransactions {
			s.mu.Lock() // a read: the balance list cached stays valid
		} else {
			s.lock()
		}
		res, drop := s.execute(op, h, req, apiKey, idemHeader, useIdem, fingerprint(flat))
		s.mu.Unlock()
		finish(res, false, drop)
	})
}

// execute runs h with idempotency handling. Called with s.mu held.
func (s *Server) execute(op string, h apiHandler, req *apiRequest, apiKey, key string, useIdem bool, fp string) (response, bool) {
	now := s.now()
	ik := idemKey{apiKey: sha256.Sum256([]byte(apiKey)), key: key}
	if useIdem {
		if e, ok := s.idem[ik]; ok && now.Sub(e.created) < 24*time.Hour {
			switch {
			case e.op != op:
				return response{status: 400, body: s.errorBody(&Error{HTTPStatus: 400, Type: typeIdempotency,
					Message: "Keys for idempotent requests can only be used for the same endpoint they were first used for ('" + e.op + "' vs '" + op + "'). Try using a key other than '" + key + "' if you meant to execute a different request."}, req.requestID)}, false
			case e.fingerprint != fp:
				return response{status: 400, body: s.errorBody(&Error{HTTPStatus: 400, Type: typeIdempotency,
					Message: "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '" + key + "' if you meant to execute a different request."}, req.requestID)}, false
			}
			return response{status: e.status, body: e.body, replayed: true, original: e.requestID}, false
		}
	}

	s.expireAuthorizations()
	obj, apiErr := h(s, req)
	var res response
	executed := false
	if apiErr != nil {
		res = response{status: apiErr.HTTPStatus, body: s.errorBody(apiErr, req.requestID)}
		executed = apiErr.executed
	} else {
		b, err := json.MarshalIndent(obj, "", "  ")
		if err != nil {
			res = response{status: 500, body: s.errorBody(&Error{HTTPStatus: 500, Type: typeAPI, Message: "stripetest: cannot encode response."}, req.requestID)}
		} else {
			res = response{status: 200, body: append(b, '\n')}
			executed = true
		}
	}
	if executed {
		s.executed[op]++
		if useIdem {
			if len(s.idem)%256 == 255 {
				for k, e := range s.idem {
					if now.Sub(e.created) >= 24*time.Hour {
						delete(s.idem, k)
					}
				}
			}
			s.idem[ik] = &idemEntry{op: op, fingerprint: fp, status: res.status, body: res.body, requestID: req.requestID, created: now}
		}
	}
	drop := false
	if s.drops > 0 {
		s.drops--
		drop = true
	}
	return res, drop
}

// fingerprint canonicalises request parameters for idempotency checks.
func fingerprint(v url.Values) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, x := range v[k] {
			b.WriteString(url.QueryEscape(k))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(x))
			b.WriteByte('&')
		}
	}
	return b.String()
}

func (s *Server) errorBody(e *Error, requestID string) []byte {
	b, err := json.MarshalIndent(map[string]any{"error": s.renderError(e, requestID, true)}, "", "  ")
	if err != nil {
		return []byte(`{"error":{"type":"api_error","message":"stripetest: cannot encode error"}}`)
	}
	return append(b, '\n')
}

// abortConnection closes the client connection without an HTTP response.
func abortConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
		return
	}
	// Not hijackable (HTTP/2, ResponseRecorder): abort the response the
	// way net/http documents for that purpose.
	panic(http.ErrAbortHandler)
}

// authenticate returns the API key or Stripe's 401.
func (s *Server) authenticate(r *http.Request) (string, *Error) {
	var key string
	if a := r.Header.Get("Authorization"); a != "" {
		if k, ok := strings.CutPrefix(a, "Bearer "); ok {
			key = strings.TrimSpace(k)
		} else if u, _, ok := r.BasicAuth(); ok {
			key = u
		}
	}
	if key == "" {
		return "", &Error{HTTPStatus: 401, Type: typeInvalidRequest,
			Message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/."}
	}
	ok := false
	if len(s.apiKeys) == 0 {
		ok = strings.HasPrefix(key, "sk_test_") && len(key) > len("sk_test_")
	} else {
		for _, k := range s.apiKeys {
			if subtle.ConstantTimeCompare([]byte(k), []byte(key)) == 1 {
				ok = true
			}
		}
	}
	if !ok {
		return "", &Error{HTTPStatus: 401, Type: typeInvalidRequest, Message: "Invalid API Key provided: " + redactKey(key)}
	}
	return key, nil
}

// redactKey masks a key as Stripe does in its 401 message: sk_test_****1234.
func redactKey(k string) string {
	prefix := ""
	for _, p := range []string{"sk_test_", "sk_live_", "rk_test_", "rk_live_", "pk_test_", "pk_live_"} {
		if strings.HasPrefix(k, p) {
			prefix = p
			break
		}
	}
	rest := len(k) - len(prefix)
	if rest <= 8 {
		return prefix + strings.Repeat("*", rest)
	}
	return prefix + strings.Repeat("*", rest-4) + k[len(k)-4:]
}

// baseURL is the public base URL for browser-facing links.
func (s *Server) baseURL(r *http.Request) string {
	if s.publicURL != "" {
		return s.publicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// jsonBytes encodes v for events and pages; v is always encodable.
func jsonBytes(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte("null")
	}
	return buf.Bytes()
}
