package tosstest

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Config configures a [Server]. Every field is optional; the zero Config is a
// working fake that accepts any test secret key.
type Config struct {
	// SecretKeys lists the secret keys the API accepts (Basic auth user
	// names, §1). Each key is its own merchant: payments created with one key
	// are invisible to the others. Default (nil): any key that starts with
	// "test_sk_" or "test_gsk_" is accepted. When set, SecretKeys[0] is taken
	// to be the pair of ClientKey, so payments created in the payment window
	// ([Server.Authorize], the sandbox page) belong to it; when not set, such
	// a payment belongs to no key until the first key that confirms or
	// cancels it claims it.
	SecretKeys []string

	// ClientKey is the client key the sandbox payment window accepts. Default
	// (""): any key that starts with "test_ck_" or "test_gck_".
	ClientKey string

	// Now is the clock. Default time.Now. [Server.Advance] moves the fake's
	// clock forward from it.
	Now func() time.Time

	// WebhookURL is where webhooks (§9) are POSTed. Default (""): webhooks
	// are recorded ([Server.Webhooks]) but not sent.
	WebhookURL string

	// WebhookClient sends webhooks. Default: a client with the 10-second
	// timeout after which Toss counts a delivery as failed.
	WebhookClient *http.Client

	// ZeroBalanceStatus is the status a payment takes when a cancel brings
	// its balanceAmount to 0: StatusCanceled (the default) or
	// StatusPartialCanceled. The reference (§5) is UNCERTAIN: the docs' card
	// example shows CANCELED, their virtual-account refund example
	// PARTIAL_CANCELED. A virtual account cancelled before deposit always
	// becomes CANCELED.
	ZeroBalanceStatus string

	// MaxValidHours is the largest validHours (and the furthest dueDate) a
	// virtual account may have; larger gives EXCEED_MAX_VALID_HOURS. Default
	// 720 (30 days). UNCERTAIN (§3.6): the current reference says 2160.
	MaxValidHours int

	// NoErrorReplay makes the idempotency store keep only successful (2xx)
	// responses, so that a retry with the same Idempotency-Key after an error
	// runs again. Default false: the first response is replayed whatever it
	// was, errors included. UNCERTAIN (§8).
	NoErrorReplay bool

	// MismatchCode is the error code confirm answers when orderId or amount do
	// not match the authenticated payment. Default INVALID_REQUEST; the real
	// code is UNCERTAIN (§3.1).
	MismatchCode string

	// PublicURL is the absolute base URL of the fake as a browser sees it
	// (e.g. "http://127.0.0.1:8080/toss-sandbox"), used for the links of the
	// sandbox pages and by [Server.PaymentWindowURL]. Default: links relative
	// to the page, which work wherever the handler is mounted.
	PublicURL string
}

// Server is a fake of the Toss Payments core API v1. It is an [http.Handler]
// that serves the /v1 API and the sandbox payment window, and it has Go
// methods to drive and inspect it. All methods are safe for concurrent use.
type Server struct {
	cfg    Config
	mux    *http.ServeMux
	client *http.Client
	kst    *time.Location
	pages  *template.Template
	ctx    context.Context // for asynchronous webhook deliveries; ended by Close
	cancel context.CancelFunc

	mu        sync.Mutex
	idle      *sync.Cond // signalled when pending drops to 0
	pending   int        // asynchronous webhook batches in flight
	closed    bool
	publicURL string
	offset    time.Duration
	payments  map[string]*record // by paymentKey
	records   []*record          // in creation order
	idem      map[idemID]*idemEntry
	calls     []Call
	hooks     []*Webhook
	failN     int
	failCode  string
	dropN     int
	dropAfter int
	delay     time.Duration
}

// record is a payment and the facts the fake keeps beside it.
type record struct {
	p              Payment
	owner          string    // secret key; "" = not yet claimed
	created        time.Time // window opened (READY)
	authAt         time.Time // customer authenticated (IN_PROGRESS)
	dueAt          time.Time // virtual account deadline
	method         string    // v2 SDK method: CARD, TRANSFER, VIRTUAL_ACCOUNT, …
	easyPay        string    // easy-pay provider code for CARD, e.g. TOSSPAY
	customerName   string
	customerPhone  string
	bankCode       string // virtual account bank
	confirmFailure string // scripted by FailConfirm
}

func (r *record) visibleTo(key string) bool { return r.owner == "" || r.owner == key }

func (r *record) claim(key string) {
	if r.owner == "" {
		r.owner = key
	}
}

// New returns a fake Toss API that serves nothing until it is mounted or
// wrapped in an [httptest.Server]; see also [NewTestServer]. New panics if cfg
// holds an invalid value (an unknown ZeroBalanceStatus or MismatchCode, a
// negative MaxValidHours, a PublicURL that is not an absolute http(s) URL).
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	switch cfg.ZeroBalanceStatus {
	case "":
		cfg.ZeroBalanceStatus = StatusCanceled
	case StatusCanceled, StatusPartialCanceled:
	default:
		panic(fmt.Sprintf("tosstest: Config.ZeroBalanceStatus %q is neither %s nor %s", cfg.ZeroBalanceStatus, StatusCanceled, StatusPartialCanceled))
	}
	if cfg.MaxValidHours < 0 {
		panic("tosstest: Config.MaxValidHours is negative")
	}
	if cfg.MaxValidHours == 0 {
		cfg.MaxValidHours = 720
	}
	if cfg.MismatchCode == "" {
		cfg.MismatchCode = "INVALID_REQUEST"
	}
	if _, ok := ErrorFor(cfg.MismatchCode); !ok {
		panic(fmt.Sprintf("tosstest: Config.MismatchCode %q is not a known Toss error code", cfg.MismatchCode))
	}
	for _, k := range cfg.SecretKeys {
		if k == "" {
			panic("tosstest: Config.SecretKeys holds an empty key")
		}
	}
	if cfg.PublicURL != "" {
		if !isAbsHTTPURL(cfg.PublicURL) {
			panic(fmt.Sprintf("tosstest: Config.PublicURL %q is not an absolute http(s) URL", cfg.PublicURL))
		}
	}
	client := cfg.WebhookClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:       cfg,
		mux:       http.NewServeMux(),
		client:    client,
		kst:       time.FixedZone("KST", 9*60*60),
		pages:     template.Must(template.New("pages").Parse(pageTemplates)),
		ctx:       ctx,
		cancel:    cancel,
		publicURL: strings.TrimSuffix(cfg.PublicURL, "/"),
		payments:  make(map[string]*record),
		idem:      make(map[idemID]*idemEntry),
	}
	s.idle = sync.NewCond(&s.mu)
	s.routes()
	return s
}

// NewTestServer starts s := New(cfg) behind an [httptest.Server] whose URL is
// the API base URL (use it where a client would use
// https://api.tosspayments.com). Unless cfg.PublicURL is set, the sandbox
// pages use the test server's URL. Both are closed when the test ends.
func NewTestServer(tb testing.TB, cfg Config) (*Server, *httptest.Server) {
	tb.Helper()
	s := New(cfg)
	ts := httptest.NewUnstartedServer(s)
	if s.publicURL == "" {
		s.publicURL = "http://" + ts.Listener.Addr().String()
	}
	ts.Start()
	tb.Cleanup(func() {
		ts.Close()
		s.Close()
	})
	return s, ts
}

func (s *Server) routes() {
	s.mux.Handle("POST /v1/payments/confirm", s.api(OpConfirm, s.confirm))
	s.mux.Handle("GET /v1/payments/orders/{orderId}", s.api(OpGetPaymentByOrderID, s.getPaymentByOrderID))
	s.mux.Handle("GET /v1/payments/{paymentKey}", s.api(OpGetPayment, s.getPayment))
	s.mux.Handle("POST /v1/payments/{paymentKey}/cancel", s.api(OpCancel, s.cancelPayment))
	s.mux.Handle("POST /v1/virtual-accounts", s.api(OpIssueVirtualAccount, s.issueVirtualAccount))
	s.mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, apiError("NOT_FOUND").Status, apiError("NOT_FOUND").body())
	})
	s.mux.HandleFunc("GET /sandbox/pay", s.sandboxPay)
	s.mux.HandleFunc("POST /sandbox/pay", s.sandboxPaySubmit)
	s.mux.HandleFunc("GET /sandbox/deposit", s.sandboxDeposit)
	s.mux.HandleFunc("POST /sandbox/deposit", s.sandboxDepositSubmit)
}

// ServeHTTP serves the /v1 API (§3) and the /sandbox pages.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Handler returns s as an [http.Handler], for mounting it in another mux
// (e.g. under http.StripPrefix in an example shop).
func (s *Server) Handler() http.Handler { return s }

// Close waits for the webhook deliveries in flight and stops new
// asynchronous ones. It does not close any listener: see [NewTestServer].
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	for s.pending > 0 {
		s.idle.Wait()
	}
	s.mu.Unlock()
	s.cancel()
}

// Now returns the fake's current time: Config.Now plus every [Server.Advance].
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

func (s *Server) nowLocked() time.Time { return s.cfg.Now().Add(s.offset) }

// Advance moves the fake's clock forward by d and applies the timers of §5:
// READY payments expire 30 minutes after the window opened, IN_PROGRESS ones
// 10 minutes after authentication (becoming EXPIRED with failure
// EXPIRED_PAYMENT), and virtual accounts past their dueDate get
// virtualAccount.expired = true while staying WAITING_FOR_DEPOSIT. The
// webhooks these transitions cause are sent asynchronously; see
// [Server.FlushWebhooks].
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d > 0 {
		s.offset += d
	}
	s.dispatchLocked(s.sweepLocked(s.nowLocked()))
}

// fmtTime formats t as the API does: 2024-02-13T12:17:57+09:00.
func (s *Server) fmtTime(t time.Time) string { return t.In(s.kst).Format("2006-01-02T15:04:05-07:00") }

// sweepLocked applies the timers of §5 and returns the webhooks to send.
func (s *Server) sweepLocked(now time.Time) []*Webhook {
	var hooks []*Webhook
	for _, rec := range s.records {
		switch rec.p.Status {
		case StatusReady:
			if !now.Before(rec.created.Add(30 * time.Minute)) {
				hooks = append(hooks, s.expireLocked(rec, now))
			}
		case StatusInProgress:
			if !now.Before(rec.authAt.Add(10 * time.Minute)) {
				hooks = append(hooks, s.expireLocked(rec, now))
			}
		case StatusWaitingForDeposit:
			if va := rec.p.VirtualAccount; va != nil && !va.Expired && !rec.dueAt.IsZero() && !now.Before(rec.dueAt) {
				va.Expired = true // no webhook (§5)
			}
		}
	}
	return hooks
}

func (s *Server) expireLocked(rec *record, now time.Time) *Webhook {
	rec.p.Status = StatusExpired
	rec.p.Failure = &Failure{Code: failureExpired, Message: failureExpiredText}
	return s.statusChangedLocked(rec, now)
}

// findLocked looks id up as a paymentKey, then as an orderId (newest
// payment first), across all merchants.
func (s *Server) findLocked(id string) *record {
	if rec, ok := s.payments[id]; ok {
		return rec
	}
	for i := len(s.records) - 1; i >= 0; i-- {
		if s.records[i].p.OrderID == id {
			return s.records[i]
		}
	}
	return nil
}

// windowOwner is the merchant that payment-window payments belong to.
func (s *Server) windowOwner() string {
	if len(s.cfg.SecretKeys) > 0 {
		return s.cfg.SecretKeys[0]
	}
	return ""
}

// orderUsedLocked reports whether orderID is taken for owner: a payment with
// it was approved, issued or cancelled (DUPLICATED_ORDER_ID, §7.4). Orders
// whose earlier attempts expired or were aborted may be retried.
func (s *Server) orderUsedLocked(orderID, owner string) bool {
	for _, rec := range s.records {
		if rec.p.OrderID != orderID || (owner != "" && !rec.visibleTo(owner)) {
			continue
		}
		switch rec.p.Status {
		case StatusWaitingForDeposit, StatusDone, StatusCanceled, StatusPartialCanceled:
			return true
		}
	}
	return false
}

// newRecordLocked creates a payment with the fields every payment has.
func (s *Server) newRecordLocked(now time.Time, owner, orderID, orderName string, amount int64) *record {
	key := newPaymentKey(now.In(s.kst))
	for s.payments[key] != nil {
		key = newPaymentKey(now.In(s.kst))
	}
	vat := vatOf(amount)
	rec := &record{
		owner:   owner,
		created: now,
		p: Payment{
			MID:                 "tosspayments",
			Version:             APIVersion,
			PaymentKey:          key,
			Type:                "NORMAL",
			OrderID:             orderID,
			OrderName:           orderName,
			Currency:            "KRW",
			Status:              StatusReady,
			TotalAmount:         amount,
			BalanceAmount:       amount,
			SuppliedAmount:      amount - vat,
			VAT:                 vat,
			RequestedAt:         s.fmtTime(now),
			IsPartialCancelable: true,
			Country:             "KR",
			Checkout:            &URL{URL: "https://api.tosspayments.com/v1/payments/" + key + "/checkout"},
		},
	}
	s.payments[key] = rec
	s.records = append(s.records, rec)
	return rec
}

// isAbsHTTPURL reports whether v is an absolute http or https URL with a host.
func isAbsHTTPURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil
}
