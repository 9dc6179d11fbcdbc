package tosstest

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Config configures a [Server]. Every field is optional; the zero Config is a
// working fake that accepts any test secret key.
type Config struct {
	// SecretKeys lists the secret keys the API accepts (Basic auth user
	// names). Each key is its own merchant: payments created with one key
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

	// WebhookURL is where webhooks are POSTed. Default (""): webhooks
	// are recorded ([Server.Webhooks]) but not sent.
	WebhookURL string

	// WebhookClient sends webhooks. Default: a client with the 10-second
	// timeout after which Toss counts a delivery as failed.
	WebhookClient *http.Client

	// ZeroBalanceStatus is the status a payment takes when a cancel brings
	// its balanceAmount to 0. The default ("") is what Toss was observed
	// to do: a payment canceled in one go becomes CANCELED (the full-cancel
	// example of https://docs.tosspayments.com/reference#결제-취소), but
	// one already PARTIAL_CANCELED stays PARTIAL_CANCELED with a balance of
	// 0 when the rest is canceled (observed: Toss's own virtual-account
	// refund example ends that way), and a cancel after that is refused
	// with 403 NOT_CANCELABLE_AMOUNT, since nothing is left to cancel.
	// StatusCanceled keeps the fake's earlier behaviour: CANCELED whenever
	// the balance reaches 0, and 400 ALREADY_CANCELED_PAYMENT after that.
	// StatusPartialCanceled makes every cancel that empties the balance
	// leave PARTIAL_CANCELED. A virtual account canceled before its deposit
	// always becomes CANCELED.
	ZeroBalanceStatus string

	// MaxValidHours is the largest validHours (and the furthest dueDate) a
	// virtual account may have; larger gives EXCEED_MAX_VALID_HOURS. Default
	// 2160 (90 days), as the v2 SDK's definitions (@tosspayments/tosspayments-sdk
	// 2.8.1, virtualAccount.validHours) and
	// https://docs.tosspayments.com/reference#가상계좌-발급-요청 give it;
	// 720 covers the 30 days that older pages gave.
	MaxValidHours int

	// NoErrorReplay makes the idempotency store keep only successful (2xx)
	// responses, so that a retry with the same Idempotency-Key after an error
	// runs again. Default false: the first response is replayed whatever it
	// was, errors included. The public docs do not say whether Toss replays
	// errors (https://docs.tosspayments.com/reference/using-api/idempotency-key);
	// the fake assumes it does, and NoErrorReplay covers the other reading.
	NoErrorReplay bool

	// MismatchCode is the error code confirm answers when orderId or amount do
	// not match the authenticated payment. The public docs do not name it;
	// the fake assumes INVALID_REQUEST by default, and any other known code
	// covers another reading.
	MismatchCode string

	// LegacyDepositReversal makes [Server.ReverseDeposit] move the payment
	// DONE → CANCELED, as Toss did up to API version 1.4, instead of DONE →
	// WAITING_FOR_DEPOSIT, as it does since 2022-06-08
	// (https://docs.tosspayments.com/en/webhooks, DEPOSIT_CALLBACK; the
	// older behaviour observed at
	// https://techchat.tosspayments.com/m/1118421436072202331).
	LegacyDepositReversal bool

	// RefundTransferDelay is how long after the cancel of a deposited
	// virtual account the bank transfer of the refund lands:
	// virtualAccount.refundStatus then moves PENDING → COMPLETED, and no
	// webhook is sent, since the docs name none for it (the refund arrives
	// about two business days later,
	// https://docs.tosspayments.com/guides/payment/virtual-account).
	// Default 48 hours of fake time ([Server.Advance]); negative leaves
	// every refund PENDING until [Server.SettleRefund].
	RefundTransferDelay time.Duration

	// RefundFailureKeepsBalance makes a failed virtual-account refund
	// ([Server.SettleRefund]) leave balanceAmount as the cancel left it.
	// By default the failed amount is added back, so that it can be
	// canceled again; the docs say neither.
	RefundFailureKeepsBalance bool

	// StrictOrderIDs makes the server API (confirm, virtual accounts)
	// refuse an orderId with "=" with INVALID_ORDER_ID. By default the fake
	// takes 6–64 of A-Za-z0-9-_= everywhere, as the v2 SDK's definitions
	// allow (@tosspayments/tosspayments-sdk 2.8.1, PaymentRequest.orderId);
	// some pages of the server API list only - and _
	// (https://docs.tosspayments.com/reference#가상계좌-발급-요청), which
	// StrictOrderIDs covers.
	StrictOrderIDs bool

	// EmptyMethod makes a payment without a method (READY, or EXPIRED
	// before the customer chose one) carry "method": "" instead of null.
	// The fake sends null by default, as a posted EXPIRED payment shows
	// (observed: https://techchat.tosspayments.com/m/1410526054635933798);
	// clients must read both the same way.
	EmptyMethod bool

	// PublicURL is the absolute base URL of the fake as a browser sees it
	// (e.g. "http://127.0.0.1:8080/toss-sandbox"), used for the links of the
	// sandbox pages and by [Server.PaymentWindowURL]. Default: links relative
	// to the page, which work wherever the handler is mounted.
	PublicURL string

	// Ledger configures GET /v1/transactions and GET /v1/settlements.
	Ledger LedgerConfig

	// NoBillingDelete serves no DELETE /v1/billing/{billingKey}: it
	// answers 404 NOT_FOUND, like any unknown path. No public page of the
	// docs describes that endpoint; by default the fake serves it as
	// clients in the wild use it (200 with an empty object), and this
	// option covers the reading that Toss has none.
	NoBillingDelete bool

	// DeletedBillingCode is the error a charge of an unknown or deleted
	// billing key answers. Default NOT_FOUND_BILLING (404).
	DeletedBillingCode string

	// CustomerKeyMaxLength is the longest customerKey billing accepts.
	// Default 50, as the v2 SDK's definitions give it
	// (@tosspayments/tosspayments-sdk 2.8.1); some pages of the server
	// API say 300, which this covers.
	CustomerKeyMaxLength int
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
	// byOrder lists the records of each orderId in creation order; live
	// those sweepLocked may still change (see sweepable), in creation
	// order once sorted (liveUnsorted: one was added back out of order).
	byOrder map[string][]*record
	// ledgerCache holds each merchant's ledger as ledgerLocked built
	// it, kept while only ledger reads take the lock (see lock).
	ledgerCache  map[string]*ledgerView
	live         []*record
	liveUnsorted bool
	idem         map[idemID]*idemEntry
	calls        []Call
	hooks        []*Webhook
	failN        int
	failCode     string
	dropN        int
	dropAfter    int
	delay        time.Duration
	ledger       ledgerState
	billing      billingState // billing.go
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
	validHours     int    // the window's virtualAccount.validHours; 0 = 168
	confirmFailure string // scripted by FailConfirm
	// keyKind is the kind of client key the payment window was opened
	// with: keyAPI (test_ck_, and payments made by Authorize) or
	// keyWidget (test_gck_); "" when the key has neither prefix.
	keyKind string
	// refunds are the refunds of a deposited virtual account whose bank
	// transfer has not landed yet.
	refunds []pendingRefund
	// approvalTx and vaIssueTx are the transactionKeys of the payment's
	// approval and virtual-account issue rows in /v1/transactions.
	approvalTx, vaIssueTx string
	// seq is the record's index in Server.records; live that it is in
	// Server.live.
	seq  int
	live bool
}

// pendingRefund is the bank transfer of one virtual-account refund.
type pendingRefund struct {
	tx     string // the cancel's transactionKey
	amount int64
	due    time.Time // when it lands, unless settled before
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
	case "", StatusCanceled, StatusPartialCanceled:
	default:
		panic(fmt.Sprintf("tosstest: Config.ZeroBalanceStatus %q is neither %s nor %s", cfg.ZeroBalanceStatus, StatusCanceled, StatusPartialCanceled))
	}
	if cfg.MaxValidHours < 0 {
		panic("tosstest: Config.MaxValidHours is negative")
	}
	if cfg.MaxValidHours == 0 {
		cfg.MaxValidHours = 2160
	}
	if cfg.RefundTransferDelay == 0 {
		cfg.RefundTransferDelay = 48 * time.Hour
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
		byOrder:   make(map[string][]*record),
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
	s.mux.Handle("GET /v1/transactions", s.api(OpTransactions, s.transactions))
	s.mux.Handle("GET /v1/settlements", s.api(OpSettlements, s.settlements))
	s.billingRoutes()
	s.mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, apiError("NOT_FOUND").Status, apiError("NOT_FOUND").body())
	})
	s.mux.HandleFunc("GET /sandbox/pay", s.sandboxPay)
	s.mux.HandleFunc("POST /sandbox/pay", s.sandboxPaySubmit)
	s.mux.HandleFunc("GET /sandbox/deposit", s.sandboxDeposit)
	s.mux.HandleFunc("POST /sandbox/deposit", s.sandboxDepositSubmit)
}

// ServeHTTP serves the /v1 API (https://docs.tosspayments.com/reference)
// and the /sandbox pages.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Handler returns s as an [http.Handler], for mounting it in another mux
// (e.g. under http.StripPrefix in an example shop).
func (s *Server) Handler() http.Handler { return s }

// Close waits for the webhook deliveries in flight and stops new
// asynchronous ones. It does not close any listener: see [NewTestServer].
func (s *Server) Close() {
	s.lock()
	s.closed = true
	for s.pending > 0 {
		s.idle.Wait()
	}
	s.mu.Unlock()
	s.cancel()
}

// Now returns the fake's current time: Config.Now plus every [Server.Advance].
func (s *Server) Now() time.Time {
	s.lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

func (s *Server) nowLocked() time.Time { return s.cfg.Now().Add(s.offset) }

// Advance moves the fake's clock forward by d and applies Toss's timers:
// READY payments expire 30 minutes after the window opened, IN_PROGRESS ones
// 10 minutes after authentication (becoming EXPIRED with failure
// EXPIRED_PAYMENT), and virtual accounts past their dueDate get
// virtualAccount.expired = true while staying WAITING_FOR_DEPOSIT. The
// webhooks these transitions cause are sent asynchronously; see
// [Server.FlushWebhooks].
func (s *Server) Advance(d time.Duration) {
	s.lock()
	defer s.mu.Unlock()
	if d > 0 {
		s.offset += d
	}
	s.dispatchLocked(s.sweepLocked(s.nowLocked()))
}

// fmtTime formats t as the API does: 2024-02-13T12:17:57+09:00.
func (s *Server) fmtTime(t time.Time) string { return t.In(s.kst).Format("2006-01-02T15:04:05-07:00") }

// sweepLocked applies Toss's timers and returns the webhooks to send.
func (s *Server) sweepLocked(now time.Time) []*Webhook {
	var hooks []*Webhook
	if s.liveUnsorted {
		slices.SortFunc(s.live, func(a, b *record) int { return a.seq - b.seq })
		s.liveUnsorted = false
	}
	kept := s.live[:0]
	for _, rec := range s.live {
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
				va.Expired = true // Toss sends no webhook for it
			}
		}
		if len(rec.refunds) > 0 && s.cfg.RefundTransferDelay > 0 {
			var left []pendingRefund
			for _, r := range rec.refunds {
				if now.Before(r.due) {
					left = append(left, r)
				}
			}
			rec.refunds = left
			if len(left) == 0 && rec.p.VirtualAccount != nil && rec.p.VirtualAccount.RefundStatus == RefundPending {
				rec.p.VirtualAccount.RefundStatus = RefundCompleted
			}
		}
		if s.sweepable(rec) {
			kept = append(kept, rec)
		} else {
			rec.live = false
		}
	}
	clear(s.live[len(kept):])
	s.live = kept
	return hooks
}

// lock takes s.mu for a caller that may change the state, and drops
// what is cached of the state (ledgerCache).
func (s *Server) lock() {
	s.mu.Lock()
	s.ledgerCache = nil
}

// sweepable reports whether sweepLocked may still change rec: a window
// or authentication that may expire, a virtual account that may lapse,
// a refund's transfer that may land.
func (s *Server) sweepable(rec *record) bool {
	switch rec.p.Status {
	case StatusReady, StatusInProgress:
		return true
	case StatusWaitingForDeposit:
		if va := rec.p.VirtualAccount; va != nil && !va.Expired && !rec.dueAt.IsZero() {
			return true
		}
	}
	return len(rec.refunds) > 0 && s.cfg.RefundTransferDelay > 0
}

// markLiveLocked puts rec back among the records sweepLocked visits, after
// a change that may make it sweepable again.
func (s *Server) markLiveLocked(rec *record) {
	if rec.live {
		return
	}
	rec.live = true
	if n := len(s.live); n > 0 && s.live[n-1].seq > rec.seq {
		s.liveUnsorted = true
	}
	s.live = append(s.live, rec)
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
	if recs := s.byOrder[id]; len(recs) > 0 {
		return recs[len(recs)-1]
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
// it was approved, issued or cancelled (DUPLICATED_ORDER_ID). Orders
// whose earlier attempts expired or were aborted may be retried.
func (s *Server) orderUsedLocked(orderID, owner string) bool {
	for _, rec := range s.byOrder[orderID] {
		if owner != "" && !rec.visibleTo(owner) {
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
	if s.cfg.EmptyMethod {
		rec.p.Method = ptr("")
	}
	s.payments[key] = rec
	rec.seq = len(s.records)
	s.records = append(s.records, rec)
	s.byOrder[orderID] = append(s.byOrder[orderID], rec)
	s.markLiveLocked(rec)
	return rec
}

// isAbsHTTPURL reports whether v is an absolute http or https URL with a host.
func isAbsHTTPURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil
}
