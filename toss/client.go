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
	"sync"
	"time"
	"unicode/utf8"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
	"github.com/payments-go/payments/internal/redact"
	"github.com/payments-go/payments/internal/retry"
)

// tossDefaultBaseURL is where the Toss core API lives (§1).
const tossDefaultBaseURL = "https://api.tosspayments.com"

// Limits of the client.
const (
	// tossMaxResponse caps the response bodies read (1 MiB).
	tossMaxResponse = 1 << 20
	// tossMaxIdempotencyKey is Toss's limit (§8).
	tossMaxIdempotencyKey = 300
	// tossMaxRetryAfter is the longest Retry-After the client waits out
	// itself; a longer one ends the call with the wait in
	// payments.Error.RetryAfter.
	tossMaxRetryAfter = 10 * time.Second
)

// ClientConfig configures a [Client]. Only SecretKey is required.
type ClientConfig struct {
	// SecretKey is the API secret key: test_sk_…, live_sk_… (API
	// individual integration) or test_gsk_…, live_gsk_… (payment widget)
	// (§1). Test keys never move money.
	SecretKey payments.Secret
	// BaseURL is the API's base URL; default https://api.tosspayments.com.
	// Point it at a tosstest server in tests. It may have a path prefix.
	BaseURL string
	// HTTPClient sends the requests; default a client with a 30-second
	// timeout per try (§12).
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
	// enum-like values (§1); [Payment] understands both.
	AcceptLanguage string
}

// Client calls the Toss Payments core API v1 (reference §3). It is safe
// for concurrent use.
//
// Every call takes a context first and returns a *payments.Error whose
// cause is an *[APIError] when Toss answered with an error. Requests
// carry Basic authentication (base64 of the secret key and ":", §1) and
// JSON; every POST carries the caller's Idempotency-Key (required, at
// most 300 characters, §8), so that a retry can never act twice.
//
// A call is retried, always with the same Idempotency-Key, only where it
// is safe (§7 "safe"): network failures and 5xx answers,
// PROVIDER_ERROR, CARD_PROCESSING_ERROR, FORBIDDEN_CONSECUTIVE_REQUEST,
// 429, and 409 IDEMPOTENT_REQUEST_PROCESSING (the first request with the
// key still runs). Retries wait with jittered exponential backoff,
// honour Retry-After and stop when ctx ends. After the last try these
// failures are gateway_unavailable: the outcome is unknown.
type Client struct {
	auth       string // "Basic …", never logged
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
	for i := 0; i < len(key); i++ {
		// A key copied with a BOM or blanks fails authentication in a way
		// that is hard to see (§1); refuse it here.
		if c := key[i]; c <= ' ' || c >= 0x7f {
			return nil, errors.New("toss: ClientConfig.SecretKey contains spaces or non-ASCII characters")
		}
	}
	base := cfg.BaseURL
	if base == "" {
		base = tossDefaultBaseURL
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
		// Belt and braces: whatever reaches the application's handler is
		// redacted once more.
		log = slog.New(redact.NewHandler(cfg.Logger.Handler()))
	}
	return &Client{
		auth:       "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":")),
		base:       strings.TrimSuffix(u.String(), "/"),
		http:       hc,
		policy:     pol,
		log:        log,
		acceptLang: cfg.AcceptLanguage,
	}, nil
}

// Confirm approves an authenticated payment: POST /v1/payments/confirm
// (§3.1), within 10 minutes of the customer's authentication. It returns
// the payment, DONE (WAITING_FOR_DEPOSIT for a virtual account chosen in
// the payment window). A second confirm of an approved payment under
// another idempotency key answers ALREADY_PROCESSED_PAYMENT
// (invalid_state), which [Gateway.Confirm] resolves by reading the
// payment.
func (c *Client) Confirm(ctx context.Context, req ConfirmRequest, idempotencyKey string) (*Payment, error) {
	const op = "confirm"
	switch {
	case req.PaymentKey == "" || utf8.RuneCountInString(req.PaymentKey) > 200:
		return nil, tossInvalid("paymentKey is required, at most 200 characters")
	case !tossValidOrderID(req.OrderID):
		return nil, tossInvalid("orderId must be 6–64 of A-Za-z0-9-_")
	case req.Amount <= 0:
		return nil, tossInvalid("amount must be positive")
	}
	return c.do(ctx, op, http.MethodPost, "/v1/payments/confirm", req, idempotencyKey)
}

// Payment reads a payment by its paymentKey: GET
// /v1/payments/{paymentKey} (§3.2). Failed payments are readable too. An
// unknown key is payment_not_found.
func (c *Client) Payment(ctx context.Context, paymentKey string) (*Payment, error) {
	if err := tossCheckSegment("paymentKey", paymentKey, 200); err != nil {
		return nil, err
	}
	return c.do(ctx, "payment", http.MethodGet, "/v1/payments/"+url.PathEscape(paymentKey), nil, "")
}

// PaymentByOrderID reads the latest payment of an orderId: GET
// /v1/payments/orders/{orderId} (§3.3). An unknown orderId is
// payment_not_found.
func (c *Client) PaymentByOrderID(ctx context.Context, orderID string) (*Payment, error) {
	if err := tossCheckSegment("orderId", orderID, 64); err != nil {
		return nil, err
	}
	return c.do(ctx, "payment by order", http.MethodGet, "/v1/payments/orders/"+url.PathEscape(orderID), nil, "")
}

// Cancel cancels all or part of a payment: POST
// /v1/payments/{paymentKey}/cancel (§3.4). Without CancelAmount it
// cancels the whole remaining balance. The returned payment has the new
// cancel last in Cancels, and LastTransactionKey is its transactionKey.
func (c *Client) Cancel(ctx context.Context, paymentKey string, req CancelRequest, idempotencyKey string) (*Payment, error) {
	if err := tossCheckSegment("paymentKey", paymentKey, 200); err != nil {
		return nil, err
	}
	switch {
	case strings.TrimSpace(req.CancelReason) == "" || utf8.RuneCountInString(req.CancelReason) > 200:
		return nil, tossInvalid("cancelReason is required, at most 200 characters")
	case req.CancelAmount != nil && *req.CancelAmount <= 0:
		return nil, tossInvalid("cancelAmount must be positive")
	}
	if ra := req.RefundReceiveAccount; ra != nil && (ra.Bank == "" || ra.AccountNumber == "" || ra.HolderName == "") {
		return nil, tossInvalid("refundReceiveAccount needs bank, accountNumber and holderName")
	}
	return c.do(ctx, "cancel", http.MethodPost, "/v1/payments/"+url.PathEscape(paymentKey)+"/cancel", req, idempotencyKey)
}

// IssueVirtualAccount issues a virtual account for an order: POST
// /v1/virtual-accounts (§3.6). The payment is WAITING_FOR_DEPOSIT, with
// virtualAccount and the deposit secret set.
func (c *Client) IssueVirtualAccount(ctx context.Context, req VirtualAccountRequest, idempotencyKey string) (*Payment, error) {
	switch {
	case req.Amount <= 0:
		return nil, tossInvalid("amount must be positive")
	case !tossValidOrderID(req.OrderID):
		return nil, tossInvalid("orderId must be 6–64 of A-Za-z0-9-_")
	case req.OrderName == "" || utf8.RuneCountInString(req.OrderName) > 100:
		return nil, tossInvalid("orderName is required, at most 100 characters")
	case strings.TrimSpace(req.CustomerName) == "" || utf8.RuneCountInString(req.CustomerName) > 100:
		return nil, tossInvalid("customerName is required, at most 100 characters")
	case req.Bank == "":
		return nil, tossInvalid("bank is required")
	case req.ValidHours < 0:
		return nil, tossInvalid("validHours must be positive")
	case req.ValidHours > 0 && !req.DueDate.IsZero():
		return nil, tossInvalid("give validHours or dueDate, not both")
	}
	return c.do(ctx, "issue virtual account", http.MethodPost, "/v1/virtual-accounts", req, idempotencyKey)
}

func tossInvalid(msg string) *payments.Error {
	return &payments.Error{Code: payments.CodeInvalidRequest, Message: "toss: " + msg}
}

// tossValidOrderID is the documented orderId rule (§2): 6–64 of
// A-Za-z0-9-_ (UNCERTAIN whether "=" and "." are also allowed; the safe
// set is used).
func tossValidOrderID(id string) bool {
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

// tossCheckSegment refuses path segments that would name another
// resource: empty, "." or "..", or too long. Anything else is escaped.
func tossCheckSegment(name, v string, maxLen int) *payments.Error {
	if v == "" || v == "." || v == ".." || utf8.RuneCountInString(v) > maxLen {
		return tossInvalid(fmt.Sprintf("%s is required, at most %d characters", name, maxLen))
	}
	return nil
}

// tossCheckIdempotencyKey enforces §8: required on our POSTs, at most 300
// characters; printable ASCII so that it survives as a header value.
func tossCheckIdempotencyKey(k string) *payments.Error {
	if k == "" || len(k) > tossMaxIdempotencyKey {
		return tossInvalid("an Idempotency-Key of 1–300 characters is required")
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c <= ' ' || c >= 0x7f {
			return tossInvalid("the Idempotency-Key must be printable ASCII without spaces")
		}
	}
	return nil
}

// do sends one API call with retries and decodes the Payment it returns.
func (c *Client) do(ctx context.Context, op, method, path string, body any, idempotencyKey string) (*Payment, error) {
	var payload []byte
	if method == http.MethodPost {
		if err := tossCheckIdempotencyKey(idempotencyKey); err != nil {
			return nil, err
		}
		b, err := tossMarshal(body)
		if err != nil {
			return nil, &payments.Error{Code: payments.CodeInvalidRequest, Message: "toss: the request could not be encoded", Err: err}
		}
		payload = b
	}
	if err := ctx.Err(); err != nil {
		return nil, tossPaymentsError(ctx, op, err)
	}
	var out *Payment
	classify := func(err error) retry.Decision {
		if ctx.Err() != nil {
			return retry.Decision{}
		}
		return tossClassify(err)
	}
	err := retry.Do(ctx, c.policy, classify, func(ctx context.Context, try int) error {
		p, err := c.once(ctx, op, method, path, payload, idempotencyKey, try)
		if err == nil {
			out = p
			return nil
		}
		if try < max(c.policy.Attempts, 1) && c.log != nil && classify(err).Retry {
			c.log.WarnContext(ctx, "toss: retrying", "op", op, "try", try, "error", tossLogReason(err))
		}
		return err
	})
	if err != nil {
		if cerr := ctx.Err(); cerr != nil && tossClassify(err).Retry {
			// The caller gave up while the outcome was still open: report
			// that (canceled, or a timeout), keeping Toss's code if any.
			pe := tossPaymentsError(ctx, op, &tossTransportError{err: cerr})
			var re *tossResponseError
			if errors.As(err, &re) {
				pe.GatewayCode = re.api.Code
			}
			pe.Err = errors.Join(err, cerr)
			return nil, pe
		}
		return nil, tossPaymentsError(ctx, op, err)
	}
	return out, nil
}

// tossMarshal is json.Marshal, without reflection for a ConfirmRequest.
func tossMarshal(body any) ([]byte, error) {
	if r, ok := body.(ConfirmRequest); ok {
		b := make([]byte, 0, 64+len(r.PaymentKey)+len(r.OrderID))
		b = httpjson.AppendString(append(b, `{"paymentKey":`...), r.PaymentKey)
		b = httpjson.AppendString(append(b, `,"orderId":`...), r.OrderID)
		b = strconv.AppendInt(append(b, `,"amount":`...), r.Amount, 10)
		return append(b, '}'), nil
	}
	return json.Marshal(body)
}

// tossClassify says which failures are retried (see [Client]).
func tossClassify(err error) retry.Decision {
	var te *tossTransportError
	if errors.As(err, &te) {
		// Including a try cut by HTTPClient.Timeout; the caller's
		// context is checked by the caller of tossClassify.
		return retry.Decision{Retry: true}
	}
	var re *tossResponseError
	if errors.As(err, &re) {
		a := re.api
		if tossRetryable(a.Code) || a.Status >= 500 || a.Status == http.StatusTooManyRequests {
			if re.retryAfter > tossMaxRetryAfter {
				return retry.Decision{}
			}
			return retry.Decision{Retry: true, After: re.retryAfter}
		}
	}
	return retry.Decision{}
}

// tossLogReason describes a failure for a log line: the Toss code, or
// the kind of transport failure, never a body or a credential.
func tossLogReason(err error) string {
	var re *tossResponseError
	if errors.As(err, &re) {
		return fmt.Sprintf("%d %s", re.api.Status, re.api.Code)
	}
	var bad *tossBadResponse
	if errors.As(err, &bad) {
		return fmt.Sprintf("unreadable %d response", bad.status)
	}
	if tossIsTimeout(err) {
		return "timeout"
	}
	return "network error"
}

// once sends one try.
func (c *Client) once(ctx context.Context, op, method, path string, payload []byte, idempotencyKey string, try int) (*Payment, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, &payments.Error{Code: payments.CodeInvalidRequest, Message: "toss: the request could not be built", Err: err}
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
	// TossPayments-API-Version is not sent: the version is chosen per
	// merchant in the developer center, and the header is not documented
	// officially (§1, UNCERTAIN).
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.debug(ctx, op, method, try, 0, "", start, err)
		return nil, &tossTransportError{err: err}
	}
	defer resp.Body.Close()
	buf := tossBodies.Get().(*[]byte)
	data, err := tossReadBody(*buf, resp)
	defer func() {
		// Nothing decoded from data refers to it (strings are copied).
		if cap(data) <= tossPooledBody {
			*buf = data[:0]
			tossBodies.Put(buf)
		}
	}()
	if err != nil {
		c.debug(ctx, op, method, try, resp.StatusCode, "", start, err)
		return nil, &tossTransportError{err: err}
	}
	if len(data) > tossMaxResponse {
		err := fmt.Errorf("response body larger than %d bytes", tossMaxResponse)
		c.debug(ctx, op, method, try, resp.StatusCode, "", start, err)
		if resp.StatusCode/100 == 2 {
			return nil, &tossBadResponse{status: resp.StatusCode, err: err}
		}
		return nil, &tossResponseError{api: &APIError{Status: resp.StatusCode}}
	}
	if resp.StatusCode/100 == 2 {
		var p Payment
		// p.UnmarshalJSON rather than json.Unmarshal, which would scan
		// the body once more before handing all of it over.
		if err := p.UnmarshalJSON(data); err != nil {
			var syn *json.SyntaxError
			if errors.As(err, &syn) {
				// Malformed JSON, reported bare as json.Unmarshal does.
				err = syn
			}
			c.debug(ctx, op, method, try, resp.StatusCode, "", start, err)
			return nil, &tossBadResponse{status: resp.StatusCode, err: err}
		}
		c.debug(ctx, op, method, try, resp.StatusCode, "", start, nil)
		return &p, nil
	}
	re := &tossResponseError{api: tossDecodeError(resp.StatusCode, data), retryAfter: tossRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	c.debug(ctx, op, method, try, resp.StatusCode, re.api.Code, start, nil)
	return nil, re
}

// tossReadBody reads the body up to tossMaxResponse+1 bytes, as
// io.ReadAll(io.LimitReader(resp.Body, tossMaxResponse+1)) does, into
// buf's spare capacity, grown to Content-Length when there is one.
func tossReadBody(buf []byte, resp *http.Response) ([]byte, error) {
	b := buf[:0]
	if cl := resp.ContentLength; cl > 0 && cl <= tossMaxResponse && int(cl) >= cap(b) {
		b = make([]byte, 0, int(cl)+1) // room to read EOF without growing
	}
	if cap(b) == 0 {
		b = make([]byte, 0, 512)
	}
	return httpjson.AppendAll(b, io.LimitReader(resp.Body, tossMaxResponse+1))
}

// tossBodies recycles response buffers: every decoder of a response
// copies what it keeps, so a buffer is free again once the response is
// decoded. Buffers above tossPooledBody are left to the collector.
var tossBodies = sync.Pool{New: func() any { return new([]byte) }}

const tossPooledBody = 64 << 10

func (c *Client) debug(ctx context.Context, op, method string, try, status int, code string, start time.Time, err error) {
	if c.log == nil {
		return
	}
	attrs := []any{"op", op, "method", method, "try", try, "duration", time.Since(start)}
	if status != 0 {
		attrs = append(attrs, "status", status)
	}
	if code != "" {
		attrs = append(attrs, "code", code)
	}
	if err != nil {
		attrs = append(attrs, "error", tossLogReason(&tossTransportError{err: err}))
	}
	c.log.DebugContext(ctx, "toss: request", attrs...)
}

// tossDecodeError reads an error body {"code", "message"} (§7). A body
// that is not one (a proxy's HTML page) leaves Code empty, and the
// mapping falls back to the HTTP status.
func tossDecodeError(status int, data []byte) *APIError {
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

// tossRetryAfter reads a Retry-After header: seconds or an HTTP date.
func tossRetryAfter(v string, now time.Time) time.Duration {
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
