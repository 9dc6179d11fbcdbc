package toss

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/redact"
	"github.com/payments-go/payments/internal/retry"
)

// defaultBaseURL is where the Toss core API lives.
const defaultBaseURL = "https://api.tosspayments.com"

// Limits of the client.
const (
	// maxResponse caps the response bodies read (1 MiB).
	maxResponse = 1 << 20
	// maxIdempotencyKey is Toss's limit on an Idempotency-Key
	// (https://docs.tosspayments.com/reference/using-api/idempotency-key).
	maxIdempotencyKey = 300
	// maxRetryAfter is the longest Retry-After the client waits out
	// itself; a longer one ends the call with the wait in
	// payments.Error.RetryAfter.
	maxRetryAfter = 10 * time.Second
)

// ClientConfig configures a [Client]. Only SecretKey is required.
type ClientConfig struct {
	// SecretKey is the API secret key: test_sk_…, live_sk_… (API
	// individual integration) or test_gsk_…, live_gsk_… (payment widget)
	// (https://docs.tosspayments.com/reference/using-api/api-keys). Test
	// keys never move money.
	SecretKey payments.Secret
	// Live says whether the client takes real money. A live client
	// accepts only live keys (live_sk_…, live_gsk_…), a test client only
	// test keys (test_sk_…, test_gsk_…): test keys in production and live
	// keys on a laptop are refused by NewClient. Set it from the same
	// setting as [payments.Config.Live] (the example shop: PAYMENTS_LIVE).
	Live bool
	// BaseURL is the API's base URL; default https://api.tosspayments.com.
	// Point it at a tosstest server in tests. It may have a path prefix.
	BaseURL string
	// HTTPClient sends the requests; default a client with a 30-second
	// timeout per try. Toss gives no figure for confirm and cancel; the
	// Idempotency-Key makes a retry after a timeout safe.
	HTTPClient *http.Client
	// RetryAttempts is the number of tries of a call, the first included,
	// for failures that are safe to retry (see [Client]); default 3, and 1
	// turns retries off.
	RetryAttempts int
	// RetryBackoff is the wait before the second try, doubling after each
	// try up to RetryMaxBackoff, with full jitter; defaults 200ms and 2s.
	// A longer Retry-After from Toss wins (up to 10s).
	RetryBackoff    time.Duration
	RetryMaxBackoff time.Duration
	// Logger receives one debug line per request and a warning per retry,
	// without bodies or credentials; nil means silence.
	Logger *slog.Logger
	// AcceptLanguage, if set ("en-US"), asks Toss for English messages and
	// enum-like values
	// (https://docs.tosspayments.com/reference/using-api/authorization);
	// [Payment] understands both.
	AcceptLanguage string
}

// Client calls the Toss Payments core API v1
// (https://docs.tosspayments.com/reference). It is safe for concurrent
// use.
//
// Every call takes a context first and returns a *payments.Error whose
// cause is an *[APIError] when Toss answered with an error. Requests
// carry Basic authentication (base64 of the secret key and ":") and
// JSON; every POST carries the caller's Idempotency-Key (required, at
// most 300 characters), so that a retry can never act twice
// (https://docs.tosspayments.com/reference/using-api/idempotency-key).
//
// A call is retried, always with the same Idempotency-Key, only where the
// error codes page (https://docs.tosspayments.com/reference/error-codes)
// says a retry is safe: network failures and 5xx answers,
// PROVIDER_ERROR, CARD_PROCESSING_ERROR, FORBIDDEN_CONSECUTIVE_REQUEST,
// 429, and 409 IDEMPOTENT_REQUEST_PROCESSING (the first request with the
// key still runs). Retries wait with jittered exponential backoff,
// honour Retry-After and stop when ctx ends. After the last try these
// failures are gateway_unavailable: the outcome is unknown.
type Client struct {
	auth       string // "Basic …", never logged
	widgetKey  bool   // the secret key is a payment-widget key (test_gsk_, live_gsk_)
	liveKey    bool   // the secret key is a live key
	base       string
	http       *http.Client
	policy     retry.Policy
	log        *slog.Logger
	acceptLang string
}

// NewClient checks cfg and returns a Client. Its errors never contain the
// secret key.
func NewClient(cfg ClientConfig) (*Client, error) {
	key := cfg.SecretKey.Reveal()
	if key == "" {
		return nil, errors.New("toss: ClientConfig.SecretKey is required")
	}
	prefixOK := false
	for _, p := range []string{"test_sk_", "live_sk_", "test_gsk_", "live_gsk_"} {
		if strings.HasPrefix(key, p) && len(key) > len(p) {
			prefixOK = true
		}
	}
	if !prefixOK {
		if strings.HasPrefix(key, "test_ck_") || strings.HasPrefix(key, "live_ck_") ||
			strings.HasPrefix(key, "test_gck_") || strings.HasPrefix(key, "live_gck_") {
			return nil, errors.New("toss: ClientConfig.SecretKey is a client key; the server API needs the secret key (test_sk_…, live_sk_…, test_gsk_…, live_gsk_…)")
		}
		return nil, errors.New("toss: ClientConfig.SecretKey must start with test_sk_, live_sk_, test_gsk_ or live_gsk_")
	}
	if live := strings.HasPrefix(key, "live_"); live != cfg.Live {
		if cfg.Live {
			return nil, errors.New("toss: ClientConfig.Live is true, but ClientConfig.SecretKey is a test key (test_sk_…, test_gsk_…)")
		}
		return nil, errors.New("toss: ClientConfig.Live is false, but ClientConfig.SecretKey is a live key (live_sk_…, live_gsk_…): set Live to take real money")
	}
	for i := 0; i < len(key); i++ {
		// A key copied with a BOM or blanks fails authentication in a way
		// that is hard to see; refuse it here.
		if c := key[i]; c <= ' ' || c >= 0x7f {
			return nil, errors.New("toss: ClientConfig.SecretKey contains spaces or non-ASCII characters")
		}
	}
	base := cfg.BaseURL
	if base == "" {
		base = defaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("toss: ClientConfig.BaseURL must be an absolute http(s) URL without credentials, query or fragment")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	pol := retry.Default
	if cfg.RetryAttempts > 0 {
		pol.Attempts = cfg.RetryAttempts
	}
	if cfg.RetryBackoff > 0 {
		pol.Base = cfg.RetryBackoff
	}
	if cfg.RetryMaxBackoff > 0 {
		pol.Max = cfg.RetryMaxBackoff
	}
	if pol.Max < pol.Base {
		pol.Max = pol.Base
	}
	if cfg.RetryAttempts < 0 || cfg.RetryBackoff < 0 || cfg.RetryMaxBackoff < 0 {
		return nil, errors.New("toss: ClientConfig retry settings must not be negative")
	}
	if strings.ContainsAny(cfg.AcceptLanguage, "\r\n") {
		return nil, errors.New("toss: ClientConfig.AcceptLanguage is not a valid header value")
	}
	var log *slog.Logger
	if cfg.Logger != nil {
		// Whatever reaches the application's handler is redacted once
		// more, in case a value slipped through.
		log = slog.New(redact.NewHandler(cfg.Logger.Handler()))
	}
	return &Client{
		auth:       "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":")),
		widgetKey:  strings.Contains(key, "_gsk_"),
		liveKey:    strings.HasPrefix(key, "live_"),
		base:       strings.TrimSuffix(u.String(), "/"),
		http:       hc,
		policy:     pol,
		log:        log,
		acceptLang: cfg.AcceptLanguage,
	}, nil
}

// Live reports whether the client's key is a live key ([ClientConfig.Live]).
func (c *Client) Live() bool { return c.liveKey }

// Confirm approves an authenticated payment: POST /v1/payments/confirm
// (https://docs.tosspayments.com/reference#결제-승인), within 10 minutes
// of the customer's authentication. It returns the payment, DONE
// (WAITING_FOR_DEPOSIT for a virtual account chosen in the payment
// window). A second confirm of an approved payment under another
// idempotency key answers ALREADY_PROCESSED_PAYMENT (invalid_state), which
// [Gateway.Confirm] resolves by reading the payment.
func (c *Client) Confirm(ctx context.Context, req ConfirmRequest, idempotencyKey string) (*Payment, error) {
	switch {
	case req.PaymentKey == "" || utf8.RuneCountInString(req.PaymentKey) > 200:
		return nil, invalid("paymentKey is required, at most 200 characters")
	case !validOrderID(req.OrderID):
		return nil, invalid("orderId must be 6–64 of A-Za-z0-9-_")
	case req.Amount <= 0:
		return nil, invalid("amount must be positive")
	}
	return c.do(ctx, "confirm", http.MethodPost, "/v1/payments/confirm", req, idempotencyKey)
}

// Payment reads a payment by its paymentKey: GET
// /v1/payments/{paymentKey}
// (https://docs.tosspayments.com/reference#paymentkey로-결제-조회). Failed
// payments are readable too. An unknown key is payment_not_found.
func (c *Client) Payment(ctx context.Context, paymentKey string) (*Payment, error) {
	if err := checkSegment("paymentKey", paymentKey, 200); err != nil {
		return nil, err
	}
	return c.do(ctx, "payment", http.MethodGet, "/v1/payments/"+url.PathEscape(paymentKey), nil, "")
}

// PaymentByOrderID reads the latest payment of an orderId: GET
// /v1/payments/orders/{orderId}
// (https://docs.tosspayments.com/reference#orderid로-결제-조회). An
// unknown orderId is payment_not_found.
func (c *Client) PaymentByOrderID(ctx context.Context, orderID string) (*Payment, error) {
	if err := checkSegment("orderId", orderID, 64); err != nil {
		return nil, err
	}
	return c.do(ctx, "payment by order", http.MethodGet, "/v1/payments/orders/"+url.PathEscape(orderID), nil, "")
}

// Cancel cancels all or part of a payment: POST
// /v1/payments/{paymentKey}/cancel
// (https://docs.tosspayments.com/reference#결제-취소). Without
// CancelAmount it cancels the whole remaining balance. The returned
// payment has the new cancel last in Cancels, and LastTransactionKey is
// its transactionKey.
func (c *Client) Cancel(ctx context.Context, paymentKey string, req CancelRequest, idempotencyKey string) (*Payment, error) {
	if err := checkSegment("paymentKey", paymentKey, 200); err != nil {
		return nil, err
	}
	switch {
	case strings.TrimSpace(req.CancelReason) == "" || utf8.RuneCountInString(req.CancelReason) > 200:
		return nil, invalid("cancelReason is required, at most 200 characters")
	case req.CancelAmount != nil && *req.CancelAmount <= 0:
		return nil, invalid("cancelAmount must be positive")
	}
	if ra := req.RefundReceiveAccount; ra != nil && (ra.Bank == "" || ra.AccountNumber == "" || ra.HolderName == "") {
		return nil, invalid("refundReceiveAccount needs bank, accountNumber and holderName")
	}
	return c.do(ctx, "cancel", http.MethodPost, "/v1/payments/"+url.PathEscape(paymentKey)+"/cancel", req, idempotencyKey)
}

// IssueVirtualAccount issues a virtual account for an order: POST
// /v1/virtual-accounts
// (https://docs.tosspayments.com/reference#가상계좌-발급-요청). The payment
// is WAITING_FOR_DEPOSIT, with virtualAccount and the deposit secret set.
func (c *Client) IssueVirtualAccount(ctx context.Context, req VirtualAccountRequest, idempotencyKey string) (*Payment, error) {
	switch {
	case req.Amount <= 0:
		return nil, invalid("amount must be positive")
	case !validOrderID(req.OrderID):
		return nil, invalid("orderId must be 6–64 of A-Za-z0-9-_")
	case req.OrderName == "" || utf8.RuneCountInString(req.OrderName) > 100:
		return nil, invalid("orderName is required, at most 100 characters")
	case strings.TrimSpace(req.CustomerName) == "" || utf8.RuneCountInString(req.CustomerName) > 100:
		return nil, invalid("customerName is required, at most 100 characters")
	case req.Bank == "":
		return nil, invalid("bank is required")
	case req.ValidHours < 0:
		return nil, invalid("validHours must be positive")
	case req.ValidHours > 0 && !req.DueDate.IsZero():
		return nil, invalid("give validHours or dueDate, not both")
	}
	return c.do(ctx, "issue virtual account", http.MethodPost, "/v1/virtual-accounts", req, idempotencyKey)
}

// invalid is the client's refusal of a request it will not send.
func invalid(msg string) *payments.Error {
	return &payments.Error{Code: payments.CodeInvalidRequest, Message: "toss: " + msg}
}

// validOrderID is Toss's orderId rule: 6–64 of A-Za-z0-9-_
// (https://docs.tosspayments.com/reference#결제-승인). One error message
// of Toss's also lists "=" and "."; the library assumes the documented
// set and never sends those.
func validOrderID(id string) bool {
	if len(id) < 6 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// checkSegment refuses path segments that would name another resource:
// empty, "." or "..", or too long. Anything else is escaped.
func checkSegment(name, v string, maxLen int) *payments.Error {
	if v == "" || v == "." || v == ".." || utf8.RuneCountInString(v) > maxLen {
		return invalid(fmt.Sprintf("%s is required, at most %d characters", name, maxLen))
	}
	return nil
}

// checkIdempotencyKey requires a key on our POSTs, at most 300
// characters, printable ASCII so that it survives as a header value.
func checkIdempotencyKey(k string) *payments.Error {
	if k == "" || len(k) > maxIdempotencyKey {
		return invalid("an Idempotency-Key of 1–300 characters is required")
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c <= ' ' || c >= 0x7f {
			return invalid("the Idempotency-Key must be printable ASCII without spaces")
		}
	}
	return nil
}

// do sends one API call with retries and decodes the Payment it returns.
func (c *Client) do(ctx context.Context, op, method, path string, body any, idempotencyKey string) (*Payment, error) {
	var p Payment
	if err := c.doInto(ctx, op, method, path, body, idempotencyKey, maxResponse, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// doInto sends one API call with retries and decodes its answer, of at
// most limit bytes, into out (nothing is decoded when out is nil).
func (c *Client) doInto(ctx context.Context, op, method, path string, body any, idempotencyKey string, limit int, out any) error {
	var payload []byte
	if method == http.MethodPost {
		if err := checkIdempotencyKey(idempotencyKey); err != nil {
			return err
		}
		b, err := json.Marshal(body)
		if err != nil {
			return &payments.Error{Code: payments.CodeInvalidRequest, Message: "toss: the request could not be encoded", Err: err}
		}
		payload = b
	}
	if err := ctx.Err(); err != nil {
		return toPaymentsError(ctx, op, err)
	}
	decide := func(err error) retry.Decision {
		if ctx.Err() != nil {
			return retry.Decision{}
		}
		return classify(err)
	}
	err := retry.Do(ctx, c.policy, decide, func(ctx context.Context, try int) error {
		if try > 1 {
			payments.CountRetry(ctx)
		}
		err := c.once(ctx, op, method, path, payload, idempotencyKey, try, limit, out)
		if err == nil {
			return nil
		}
		if try < max(c.policy.Attempts, 1) && c.log != nil && decide(err).Retry {
			c.log.WarnContext(ctx, "toss: retrying", "operation", op, "try", try, "error", logReason(err))
		}
		return err
	})
	if err != nil {
		if cerr := ctx.Err(); cerr != nil && classify(err).Retry {
			// The caller gave up while the outcome was still open: report
			// that (canceled, or a timeout), keeping Toss's code if any.
			pe := toPaymentsError(ctx, op, &transportError{err: cerr})
			var re *responseError
			if errors.As(err, &re) {
				pe.GatewayCode = re.api.Code
			}
			pe.Err = errors.Join(err, cerr)
			return pe
		}
		return toPaymentsError(ctx, op, err)
	}
	return nil
}

// classify says which failures are retried (see [Client]).
func classify(err error) retry.Decision {
	var te *transportError
	if errors.As(err, &te) {
		// Including a try cut by HTTPClient.Timeout; the caller's
		// context is checked by the caller of classify.
		return retry.Decision{Retry: true}
	}
	var re *responseError
	if errors.As(err, &re) {
		a := re.api
		if retryable(a.Code) || ((a.Status >= 500 || a.Status == http.StatusTooManyRequests) && !refusal(a.Code)) {
			if re.retryAfter > maxRetryAfter {
				return retry.Decision{}
			}
			return retry.Decision{Retry: true, After: re.retryAfter}
		}
	}
	return retry.Decision{}
}

// logReason describes a failure for a log line: the Toss code, or the
// kind of transport failure, never a body or a credential.
func logReason(err error) string {
	var re *responseError
	if errors.As(err, &re) {
		return fmt.Sprintf("%d %s", re.api.Status, re.api.Code)
	}
	var bad *badResponse
	if errors.As(err, &bad) {
		return fmt.Sprintf("unreadable %d response", bad.status)
	}
	if isTimeout(err) {
		return "timeout"
	}
	return "network error"
}

// once sends one try and decodes a 2xx answer of at most limit bytes
// into out (nothing is decoded when out is nil).
func (c *Client) once(ctx context.Context, op, method, path string, payload []byte, idempotencyKey string, try, limit int, out any) error {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: "toss: the request could not be built", Err: err}
	}
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "payments-go/toss")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	if c.acceptLang != "" {
		req.Header.Set("Accept-Language", c.acceptLang)
	}
	// TossPayments-API-Version is not sent: the API version is the one
	// chosen for the merchant in the developer center
	// (https://docs.tosspayments.com/reference/versioning).
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			// The path may hold a billing key: the error names the
			// operation instead.
			ue.URL = op
		}
		c.debug(ctx, op, method, try, 0, "", start, err)
		return &transportError{err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		c.debug(ctx, op, method, try, resp.StatusCode, "", start, err)
		return &transportError{err: err}
	}
	if len(data) > limit {
		err := fmt.Errorf("response body larger than %d bytes", limit)
		c.debug(ctx, op, method, try, resp.StatusCode, "", start, err)
		if resp.StatusCode/100 == 2 {
			return &badResponse{status: resp.StatusCode, err: err}
		}
		return &responseError{api: &APIError{Status: resp.StatusCode}}
	}
	if resp.StatusCode/100 == 2 {
		if out == nil {
			c.debug(ctx, op, method, try, resp.StatusCode, "", start, nil)
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			c.debug(ctx, op, method, try, resp.StatusCode, "", start, err)
			return &badResponse{status: resp.StatusCode, err: err}
		}
		c.debug(ctx, op, method, try, resp.StatusCode, "", start, nil)
		return nil
	}
	re := &responseError{api: decodeError(resp.StatusCode, data), retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	c.debug(ctx, op, method, try, resp.StatusCode, re.api.Code, start, nil)
	return re
}

func (c *Client) debug(ctx context.Context, op, method string, try, status int, code string, start time.Time, err error) {
	if c.log == nil {
		return
	}
	attrs := []any{"operation", op, "method", method, "try", try, "duration", time.Since(start)}
	if status != 0 {
		attrs = append(attrs, "status", status)
	}
	if code != "" {
		attrs = append(attrs, "code", code)
	}
	if err != nil {
		attrs = append(attrs, "error", logReason(&transportError{err: err}))
	}
	c.log.DebugContext(ctx, "toss: request", attrs...)
}

// decodeError reads an error body {"code", "message"}
// (https://docs.tosspayments.com/reference/error-codes). A body that is
// not one (a proxy's HTML page) leaves Code empty, and the mapping falls
// back to the HTTP status.
func decodeError(status int, data []byte) *APIError {
	var b struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(data, &b) // best effort; see above
	code := b.Code
	if len(code) > 100 || strings.ContainsFunc(code, func(r rune) bool { return !(r == '_' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') }) {
		code = "" // not a Toss code
	}
	msg := b.Message
	if utf8.RuneCountInString(msg) > 510 {
		msg = string([]rune(msg)[:510]) + "…"
	}
	return &APIError{Status: status, Code: code, Message: redact.String(strings.ToValidUTF8(msg, "�"))}
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(min(s, 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
