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
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
)

// clAuthorization is Basic base64("test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R:"),
// written out so that the test does not share the client's encoding.
const clAuthorization = "Basic dGVzdF9za196WExrS0V5cE5BcldtbzUwblgzbG1lYXhZRzVSOg=="

// clRequest is a request as the test server saw it.
type clRequest struct {
	Method, Path, Query string
	Header              http.Header
	Body                string
	At                  time.Time
}

// clReply is one scripted answer; drop closes the connection instead.
type clReply struct {
	status int
	body   string
	header map[string]string
	drop   bool
	wait   time.Duration
}

// clServer answers the n-th request with replies[n] (the last one
// repeating) and records every request.
type clServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []clRequest
}

func newCLServer(t *testing.T, replies ...clReply) *clServer {
	t.Helper()
	s := &clServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		n := len(s.reqs)
		s.reqs = append(s.reqs, clRequest{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
			Header: r.Header.Clone(), Body: string(body), At: time.Now()})
		s.mu.Unlock()
		rep := replies[min(n, len(replies)-1)]
		if rep.wait > 0 {
			select {
			case <-time.After(rep.wait):
			case <-r.Context().Done():
				return
			}
		}
		if rep.drop {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		for k, v := range rep.header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rep.status)
		io.WriteString(w, rep.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *clServer) requests() []clRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]clRequest(nil), s.reqs...)
}

func clFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func clError(status int, code string) clReply {
	return clReply{status: status, body: fmt.Sprintf(`{"code":%q,"message":"오류 %s"}`, code, code)}
}

func newCLClient(t *testing.T, url string, change ...func(*ClientConfig)) *Client {
	t.Helper()
	cfg := ClientConfig{SecretKey: gwTestKey, BaseURL: url, RetryBackoff: time.Millisecond, RetryMaxBackoff: 4 * time.Millisecond}
	for _, f := range change {
		f(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func clJSON(t *testing.T, s string) any {
	t.Helper()
	if s == "" {
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("body %q: %v", s, err)
	}
	return v
}

// TestClientRequests checks what each call sends: method, path, headers
// and body.
func TestClientRequests(t *testing.T) {
	amount := int64(1000)
	tests := []struct {
		name     string
		call     func(context.Context, *Client) (*Payment, error)
		method   string
		path     string
		idem     string
		wantBody string
	}{
		{"confirm", func(ctx context.Context, c *Client) (*Payment, error) {
			return c.Confirm(ctx, ConfirmRequest{PaymentKey: "tviva20240213121757MvuS8", OrderID: "ORD-20260122-001", Amount: 58990}, "idem-confirm")
		}, "POST", "/v1/payments/confirm", "idem-confirm",
			`{"paymentKey":"tviva20240213121757MvuS8","orderId":"ORD-20260122-001","amount":58990}`},
		{"payment, escaped", func(ctx context.Context, c *Client) (*Payment, error) {
			return c.Payment(ctx, "a/b c?d")
		}, "GET", "/v1/payments/a%2Fb%20c%3Fd", "", ""},
		{"payment by order", func(ctx context.Context, c *Client) (*Payment, error) {
			return c.PaymentByOrderID(ctx, "ORD-20260122-001")
		}, "GET", "/v1/payments/orders/ORD-20260122-001", "", ""},
		{"partial cancel to an account", func(ctx context.Context, c *Client) (*Payment, error) {
			return c.Cancel(ctx, "pk_1", CancelRequest{CancelReason: "고객 변심", CancelAmount: &amount,
				RefundReceiveAccount: &RefundReceiveAccount{Bank: "88", AccountNumber: "110123456789", HolderName: "김토스"}}, "rf_1")
		}, "POST", "/v1/payments/pk_1/cancel", "rf_1",
			`{"cancelReason":"고객 변심","cancelAmount":1000,"refundReceiveAccount":{"bank":"88","accountNumber":"110123456789","holderName":"김토스"}}`},
		{"full cancel", func(ctx context.Context, c *Client) (*Payment, error) {
			return c.Cancel(ctx, "pk_1", CancelRequest{CancelReason: "x"}, "rf_2")
		}, "POST", "/v1/payments/pk_1/cancel", "rf_2", `{"cancelReason":"x"}`},
		{"virtual account", func(ctx context.Context, c *Client) (*Payment, error) {
			return c.IssueVirtualAccount(ctx, VirtualAccountRequest{Amount: 9900, OrderID: "ORD-20260122-002", OrderName: "Cap",
				CustomerName: "박토스", Bank: "20", ValidHours: 24, CustomerEmail: "a@example.com"}, "va_1")
		}, "POST", "/v1/virtual-accounts", "va_1",
			`{"amount":9900,"orderId":"ORD-20260122-002","orderName":"Cap","customerName":"박토스","bank":"20","validHours":24,"customerEmail":"a@example.com"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newCLServer(t, clReply{status: 200, body: clFixture(t, "payment_done_card.json")})
			c := newCLClient(t, srv.URL)
			p, err := tc.call(t.Context(), c)
			if err != nil {
				t.Fatal(err)
			}
			if p.PaymentKey != "tviva20240213121757MvuS8" {
				t.Errorf("decoded paymentKey %q", p.PaymentKey)
			}
			reqs := srv.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tc.method || r.Path != tc.path || r.Query != "" {
				t.Errorf("request %s %s?%s, want %s %s", r.Method, r.Path, r.Query, tc.method, tc.path)
			}
			wantHeader := map[string]string{
				"Authorization":   clAuthorization,
				"Accept":          "application/json",
				"Idempotency-Key": tc.idem,
				"Content-Type":    "",
				"Accept-Language": "",
			}
			if tc.method == "POST" {
				wantHeader["Content-Type"] = "application/json"
			}
			gotHeader := map[string]string{}
			for k := range wantHeader {
				gotHeader[k] = r.Header.Get(k)
			}
			if diff := cmp.Diff(wantHeader, gotHeader); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(clJSON(t, tc.wantBody), clJSON(t, r.Body)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClientAcceptLanguageAndBasePath(t *testing.T) {
	srv := newCLServer(t, clReply{status: 200, body: clFixture(t, "payment_done_card.json")})
	c := newCLClient(t, srv.URL+"/toss-sandbox/", func(cfg *ClientConfig) { cfg.AcceptLanguage = "en-US" })
	if _, err := c.Payment(t.Context(), "pk"); err != nil {
		t.Fatal(err)
	}
	r := srv.requests()[0]
	if r.Path != "/toss-sandbox/v1/payments/pk" || r.Header.Get("Accept-Language") != "en-US" {
		t.Errorf("request %s with Accept-Language %q", r.Path, r.Header.Get("Accept-Language"))
	}
}

func TestClientRetries(t *testing.T) {
	ok := clReply{status: 200, body: `{"paymentKey":"pk","orderId":"ORD-0001","status":"DONE","totalAmount":1000,"currency":"KRW"}`}
	confirm := func(ctx context.Context, c *Client) error {
		_, err := c.Confirm(ctx, ConfirmRequest{PaymentKey: "pk", OrderID: "ORD-0001", Amount: 1000}, "idem-1")
		return err
	}
	lookup := func(ctx context.Context, c *Client) error {
		_, err := c.Payment(ctx, "pk")
		return err
	}
	tests := []struct {
		name       string
		replies    []clReply
		call       func(context.Context, *Client) error
		backoff    time.Duration
		wantCalls  int
		wantCode   payments.ErrorCode // "" for success
		wantGWCode string
		minGap     time.Duration // least pause between the tries
		retryAfter time.Duration
	}{
		{name: "network error then success", replies: []clReply{{drop: true}, ok}, call: confirm, wantCalls: 2},
		{name: "500 FAILED_INTERNAL_SYSTEM_PROCESSING then success", replies: []clReply{clError(500, "FAILED_INTERNAL_SYSTEM_PROCESSING"), ok}, call: confirm, wantCalls: 2},
		{name: "409 IDEMPOTENT_REQUEST_PROCESSING then success after a pause", replies: []clReply{clError(409, "IDEMPOTENT_REQUEST_PROCESSING"), ok},
			call: confirm, backoff: 40 * time.Millisecond, wantCalls: 2, minGap: 20 * time.Millisecond},
		{name: "CARD_PROCESSING_ERROR then success", replies: []clReply{clError(400, "CARD_PROCESSING_ERROR"), ok}, call: confirm, wantCalls: 2},
		{name: "PROVIDER_ERROR every time", replies: []clReply{clError(400, "PROVIDER_ERROR")}, call: confirm, wantCalls: 3,
			wantCode: payments.CodeGatewayUnavailable, wantGWCode: "PROVIDER_ERROR"},
		{name: "400 REJECT_CARD_COMPANY not retried", replies: []clReply{clError(403, "REJECT_CARD_COMPANY"), ok}, call: confirm, wantCalls: 1,
			wantCode: payments.CodePaymentDeclined, wantGWCode: "REJECT_CARD_COMPANY"},
		// The card company or bank failed the payment: a decline with
		// Toss's message, although the status is 500.
		{name: "500 FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING not retried", replies: []clReply{clError(500, "FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING"), ok},
			call: confirm, wantCalls: 1, wantCode: payments.CodePaymentDeclined, wantGWCode: "FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING"},
		{name: "400 INVALID_REQUEST not retried", replies: []clReply{clError(400, "INVALID_REQUEST"), ok}, call: confirm, wantCalls: 1,
			wantCode: payments.CodeInvalidRequest, wantGWCode: "INVALID_REQUEST"},
		{name: "401 UNAUTHORIZED_KEY not retried", replies: []clReply{clError(401, "UNAUTHORIZED_KEY"), ok}, call: confirm, wantCalls: 1,
			wantCode: payments.CodeGatewayError, wantGWCode: "UNAUTHORIZED_KEY"},
		{name: "ALREADY_PROCESSED_PAYMENT not retried", replies: []clReply{clError(400, "ALREADY_PROCESSED_PAYMENT"), ok}, call: confirm, wantCalls: 1,
			wantCode: payments.CodeInvalidState, wantGWCode: "ALREADY_PROCESSED_PAYMENT"},
		{name: "GET 502 from a proxy then success", replies: []clReply{{status: 502, body: "<html>bad gateway</html>"}, ok}, call: lookup, wantCalls: 2},
		{name: "GET network errors every time", replies: []clReply{{drop: true}}, call: lookup, wantCalls: 3, wantCode: payments.CodeGatewayUnavailable},
		{name: "GET 404 not retried", replies: []clReply{clError(404, "NOT_FOUND_PAYMENT"), ok}, call: lookup, wantCalls: 1,
			wantCode: payments.CodePaymentNotFound, wantGWCode: "NOT_FOUND_PAYMENT"},
		{name: "unreadable 200 not retried", replies: []clReply{{status: 200, body: `{"paymentKey":`}, ok}, call: confirm, wantCalls: 1,
			wantCode: payments.CodeGatewayUnavailable},
		{name: "fractional KRW amount not retried", replies: []clReply{{status: 200, body: `{"currency":"KRW","totalAmount":10.5}`}, ok}, call: lookup, wantCalls: 1,
			wantCode: payments.CodeGatewayUnavailable},
		{name: "too large 200 not retried", replies: []clReply{{status: 200, body: `{"orderName":"` + strings.Repeat("x", 1<<20) + `"}`}, ok}, call: lookup,
			wantCalls: 1, wantCode: payments.CodeGatewayUnavailable},
		{name: "Retry-After honoured", replies: []clReply{{status: 503, body: `{}`, header: map[string]string{"Retry-After": "1"}}, ok}, call: confirm,
			wantCalls: 2, minGap: 900 * time.Millisecond},
		{name: "Retry-After too long: not retried, reported", replies: []clReply{{status: 429, body: `{}`, header: map[string]string{"Retry-After": "60"}}, ok},
			call: confirm, wantCalls: 1, wantCode: payments.CodeGatewayUnavailable, retryAfter: time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newCLServer(t, tc.replies...)
			c := newCLClient(t, srv.URL, func(cfg *ClientConfig) {
				if tc.backoff > 0 {
					cfg.RetryBackoff, cfg.RetryMaxBackoff = tc.backoff, tc.backoff
				}
			})
			err := tc.call(t.Context(), c)
			reqs := srv.requests()
			if len(reqs) != tc.wantCalls {
				t.Errorf("%d requests, want %d", len(reqs), tc.wantCalls)
			}
			for i, r := range reqs {
				if k := r.Header.Get("Idempotency-Key"); r.Method == "POST" && k != "idem-1" {
					t.Errorf("try %d sent Idempotency-Key %q, want idem-1", i+1, k)
				}
				if i > 0 && r.At.Sub(reqs[i-1].At) < tc.minGap {
					t.Errorf("try %d came %v after the previous one, want at least %v", i+1, r.At.Sub(reqs[i-1].At), tc.minGap)
				}
			}
			if got := payments.Code(err); got != tc.wantCode {
				t.Fatalf("code %q (%v), want %q", got, err, tc.wantCode)
			}
			if err == nil {
				return
			}
			var pe *payments.Error
			if !errors.As(err, &pe) {
				t.Fatalf("%T is not a *payments.Error", err)
			}
			if pe.GatewayCode != tc.wantGWCode || pe.RetryAfter != tc.retryAfter {
				t.Errorf("gateway code %q retry after %v, want %q %v", pe.GatewayCode, pe.RetryAfter, tc.wantGWCode, tc.retryAfter)
			}
			var api *APIError
			if tc.wantGWCode != "" && (!errors.As(err, &api) || api.Code != tc.wantGWCode) {
				t.Errorf("errors.As(*APIError) = %v", api)
			}
		})
	}
}

// A canceled context stops the retries at once.
func TestClientContextCanceledStopsRetrying(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(cancel)
		w.WriteHeader(500)
		io.WriteString(w, `{"code":"FAILED_INTERNAL_SYSTEM_PROCESSING","message":"x"}`)
	}))
	defer srv.Close()
	c := newCLClient(t, srv.URL, func(cfg *ClientConfig) { cfg.RetryBackoff, cfg.RetryMaxBackoff = 10*time.Second, 10*time.Second })
	start := time.Now()
	_, err := c.Confirm(ctx, ConfirmRequest{PaymentKey: "pk", OrderID: "ORD-0001", Amount: 1000}, "idem-1")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	if !errors.Is(err, context.Canceled) || payments.Code(err) != payments.CodeCanceled {
		t.Errorf("err = %v (code %q), want canceled wrapping context.Canceled", err, payments.Code(err))
	}

	// Already canceled: nothing is sent.
	srv2 := newCLServer(t, clReply{status: 200, body: `{}`})
	_, err = newCLClient(t, srv2.URL).Payment(ctx, "pk")
	if payments.Code(err) != payments.CodeCanceled || len(srv2.requests()) != 0 {
		t.Errorf("canceled before the call: %v, %d requests", err, len(srv2.requests()))
	}
}

func TestClientTimeouts(t *testing.T) {
	slow := clReply{status: 200, body: `{}`, wait: 2 * time.Second}
	t.Run("context deadline", func(t *testing.T) {
		srv := newCLServer(t, slow)
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := newCLClient(t, srv.URL).Confirm(ctx, ConfirmRequest{PaymentKey: "pk", OrderID: "ORD-0001", Amount: 1}, "k")
		var pe *payments.Error
		if !errors.As(err, &pe) || pe.Code != payments.CodeGatewayUnavailable || !pe.Timeout || pe.HTTPStatus() != 504 {
			t.Fatalf("err = %#v, want a gateway_unavailable timeout", err)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Error("errors.Is(err, context.DeadlineExceeded) is false")
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("http client timeout", func(t *testing.T) {
		srv := newCLServer(t, slow)
		c := newCLClient(t, srv.URL, func(cfg *ClientConfig) {
			cfg.HTTPClient = &http.Client{Timeout: 30 * time.Millisecond}
			cfg.RetryAttempts = 2
		})
		_, err := c.Payment(t.Context(), "pk")
		var pe *payments.Error
		if !errors.As(err, &pe) || pe.Code != payments.CodeGatewayUnavailable || !pe.Timeout {
			t.Fatalf("err = %v, want a gateway_unavailable timeout", err)
		}
		if n := len(srv.requests()); n != 2 {
			t.Errorf("%d tries, want 2", n)
		}
	})
}

// Bad arguments are refused before anything is sent.
func TestClientValidation(t *testing.T) {
	zero, amount := int64(0), int64(10)
	tests := []struct {
		name string
		call func(context.Context, *Client) (*Payment, error)
	}{
		{"no idempotency key", func(ctx context.Context, c *Client) (*Payment, error) {
			return c.Confirm(ctx, ConfirmRequest{PaymentKey: "pk", OrderID: "ORD-0001", Amount: 1}, "")
		}},
		{"idempotency key over 300", func(ctx context.Context, c *Client) (*Payment, error) {
			return c.Confirm(ctx, ConfirmRequest{PaymentKey: "pk", OrderID: "ORD-0001", Amount: 1}, strings.Repeat("k", 301))
		}},
		{"idempotency key with a newline", func(ctx context.Context, c *Client) (*Payment, error) {
			return c.Confirm(ctx, ConfirmRequest{PaymentKey: "pk", OrderID: "ORD-0001", Amount: 1}, "a\nb")
		}},
		{"no paymentKey", func(ctx context.Context, c *Client) (*Payment, error) {
			return c.Confirm(ctx, ConfirmRequest{OrderID: "ORD-0001", Amount: 1}, "k")
		}},
		{"bad orderId", func(ctx context.Context, c *Client) (*Payment, error) {
			return c.Confirm(ctx, ConfirmRequest{PaymentKey: "pk", OrderID: "ORD 1", Amount: 1}, "k")
		}},
		{"zero amount", func(ctx context.Context, c *Client) (*Payment, error) {
			return c.Confirm(ctx, ConfirmRequest{PaymentKey: "pk", OrderID: "ORD-0001"}, "k")
		}},
		{"empty paymentKey lookup", func(ctx context.Context, c *Client) (*Payment, error) { return c.Payment(ctx, "") }},
		{"dot-dot paymentKey", func(ctx context.Context, c *Client) (*Payment, error) { return c.Payment(ctx, "..") }},
		{"empty orderId lookup", func(ctx context.Context, c *Client) (*Payment, error) { return c.PaymentByOrderID(ctx, "") }},
		{"no cancel reason", func(ctx context.Context, c *Client) (*Payment, error) {
			return c.Cancel(ctx, "pk", CancelRequest{CancelReason: " "}, "k")
		}},
		{"cancel reason over 200", func(ctx context.Context, c *Client) (*Payment, error) {
			return c.Cancel(ctx, "pk", CancelRequest{CancelReason: strings.Repeat("가", 201)}, "k")
		}},
		{"zero cancel amount", func(ctx context.Context, c *Client) (*Payment, error) {
			return c.Cancel(ctx, "pk", CancelRequest{CancelReason: "x", CancelAmount: &zero}, "k")
		}},
		{"incomplete refund account", func(ctx context.Context, c *Client) (*Payment, error) {
			return c.Cancel(ctx, "pk", CancelRequest{CancelReason: "x", CancelAmount: &amount, RefundReceiveAccount: &RefundReceiveAccount{Bank: "88"}}, "k")
		}},
		{"virtual account without customer", func(ctx context.Context, c *Client) (*Payment, error) {
			return c.IssueVirtualAccount(ctx, VirtualAccountRequest{Amount: 1, OrderID: "ORD-0001", OrderName: "x", Bank: "20"}, "k")
		}},
		{"virtual account with hours and date", func(ctx context.Context, c *Client) (*Payment, error) {
			return c.IssueVirtualAccount(ctx, VirtualAccountRequest{Amount: 1, OrderID: "ORD-0001", OrderName: "x", CustomerName: "k",
				Bank: "20", ValidHours: 1, DueDate: time.Now().Add(time.Hour)}, "k")
		}},
		{"virtual account without bank", func(ctx context.Context, c *Client) (*Payment, error) {
			return c.IssueVirtualAccount(ctx, VirtualAccountRequest{Amount: 1, OrderID: "ORD-0001", OrderName: "x", CustomerName: "k"}, "k")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newCLServer(t, clReply{status: 200, body: `{}`})
			_, err := tc.call(t.Context(), newCLClient(t, srv.URL))
			if payments.Code(err) != payments.CodeInvalidRequest {
				t.Errorf("err = %v, want invalid_request", err)
			}
			if n := len(srv.requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

func TestNewClient(t *testing.T) {
	tests := []struct {
		name    string
		cfg     ClientConfig
		wantErr bool
	}{
		{"api individual test key", ClientConfig{SecretKey: "test_sk_abc"}, false},
		{"live key", ClientConfig{SecretKey: "live_sk_abc", Live: true}, false},
		{"widget keys", ClientConfig{SecretKey: "test_gsk_abc"}, false},
		{"live widget key", ClientConfig{SecretKey: "live_gsk_abc", Live: true}, false},
		{"missing key", ClientConfig{}, true},
		{"client key", ClientConfig{SecretKey: "test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq"}, true},
		{"widget client key", ClientConfig{SecretKey: "live_gck_secretish"}, true},
		{"prefix only", ClientConfig{SecretKey: "test_sk_"}, true},
		{"stripe key", ClientConfig{SecretKey: "sk_test_abcdef"}, true},
		{"key with BOM", ClientConfig{SecretKey: "\ufefftest_sk_abc"}, true},
		{"key with newline", ClientConfig{SecretKey: "test_sk_abc\n"}, true},
		{"relative base", ClientConfig{SecretKey: "test_sk_abc", BaseURL: "/v1"}, true},
		{"ftp base", ClientConfig{SecretKey: "test_sk_abc", BaseURL: "ftp://example.com"}, true},
		{"base with credentials", ClientConfig{SecretKey: "test_sk_abc", BaseURL: "https://u:p@example.com"}, true},
		{"base with query", ClientConfig{SecretKey: "test_sk_abc", BaseURL: "https://example.com/?a=1"}, true},
		{"negative retries", ClientConfig{SecretKey: "test_sk_abc", RetryAttempts: -1}, true},
		{"header injection", ClientConfig{SecretKey: "test_sk_abc", AcceptLanguage: "en\r\nX: y"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClient(tc.cfg)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				if k := tc.cfg.SecretKey.Reveal(); len(k) > 8 && strings.Contains(err.Error(), k) {
					t.Errorf("error %q contains the key", err)
				}
				return
			}
			if c.base != "https://api.tosspayments.com" || c.http.Timeout != 30*time.Second || c.policy.Attempts != 3 || c.log != nil {
				t.Errorf("defaults: base %q timeout %v attempts %d logger %v", c.base, c.http.Timeout, c.policy.Attempts, c.log)
			}
			want := "Basic " + base64.StdEncoding.EncodeToString([]byte(tc.cfg.SecretKey.Reveal()+":"))
			if c.auth != want {
				t.Errorf("auth %q, want %q", c.auth, want)
			}
		})
	}
}

type clSyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *clSyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *clSyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The secret key, the Basic credentials and deposit secrets appear in no
// error and no log line, whatever happens.
func TestClientSecretNeverLeaks(t *testing.T) {
	va := clFixture(t, "payment_waiting_for_deposit.json")
	srv := newCLServer(t,
		clReply{status: 401, body: `{"code":"UNAUTHORIZED_KEY","message":"키 ` + gwTestKey + ` 인증 실패"}`},
		clReply{drop: true},
		clError(500, "FAILED_INTERNAL_SYSTEM_PROCESSING"),
		clReply{status: 200, body: va},
		clError(403, "REJECT_CARD_COMPANY"),
		clReply{status: 200, body: `{"currency":"KRW","totalAmount":0.5}`},
	)
	var logs clSyncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newCLClient(t, srv.URL, func(cfg *ClientConfig) { cfg.Logger = logger })
	var errs []error
	_, err := c.Confirm(t.Context(), ConfirmRequest{PaymentKey: "pk", OrderID: "ORD-0001", Amount: 1}, "k1")
	errs = append(errs, err)
	p, err := c.IssueVirtualAccount(t.Context(), VirtualAccountRequest{Amount: 9900, OrderID: "ORD-0002", OrderName: "Cap", CustomerName: "박토스", Bank: "20"}, "k2")
	if err != nil {
		t.Fatalf("virtual account after retries: %v", err)
	}
	_, err = c.Confirm(t.Context(), ConfirmRequest{PaymentKey: "pk", OrderID: "ORD-0001", Amount: 1}, "k3")
	errs = append(errs, err)
	_, err = c.Payment(t.Context(), "pk")
	errs = append(errs, err)

	secrets := []string{gwTestKey, strings.TrimPrefix(clAuthorization, "Basic "), p.Secret.Reveal()}
	text := logs.String()
	for _, want := range []string{"toss: request", "toss: retrying", "UNAUTHORIZED_KEY", "network error"} {
		if !strings.Contains(text, want) {
			t.Errorf("logs lack %q:\n%s", want, text)
		}
	}
	for _, err := range errs {
		if err == nil {
			t.Fatal("a failing call succeeded")
		}
		text += err.Error() + fmt.Sprintf(" %v %+v %#v", err, err, err)
		var api *APIError
		if errors.As(err, &api) {
			text += api.Error() + fmt.Sprintf("%+v", *api)
		}
	}
	for _, s := range secrets {
		if s == "" {
			t.Fatal("empty secret in the test")
		}
		if strings.Contains(text, s) {
			t.Errorf("a secret leaked:\n%s", text)
		}
	}
}

// Every key prefix against both settings of ClientConfig.Live: a live
// client takes only live keys, a test client only test keys, and the
// error names the setting, never the key.
func TestLiveOrTestKeys(t *testing.T) {
	for _, tt := range []struct {
		key      string
		live, ok bool
	}{
		{"test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R", false, true},
		{"test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R", true, false},
		{"test_gsk_docs_OaPz8L5KdmQXkzRz3y47BMw6", false, true},
		{"test_gsk_docs_OaPz8L5KdmQXkzRz3y47BMw6", true, false},
		{"live_sk_abcdefghijklmnop", true, true},
		{"live_sk_abcdefghijklmnop", false, false},
		{"live_gsk_abcdefghijklmnop", true, true},
		{"live_gsk_abcdefghijklmnop", false, false},
		{"test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq", false, false},
		{"live_ck_abcdefghijklmnop", true, false},
		{"sk_live_abcdefghijklmnop", true, false},
	} {
		c, err := NewClient(ClientConfig{SecretKey: payments.Secret(tt.key), Live: tt.live})
		if (err == nil) != tt.ok {
			t.Errorf("key %.9s…, Live %v: err %v, want ok %v", tt.key, tt.live, err, tt.ok)
			continue
		}
		if err != nil {
			if strings.Contains(err.Error(), tt.key[9:]) {
				t.Errorf("the error shows the key: %v", err)
			}
			secretKey := strings.HasPrefix(tt.key, "test_sk_") || strings.HasPrefix(tt.key, "test_gsk_") ||
				strings.HasPrefix(tt.key, "live_sk_") || strings.HasPrefix(tt.key, "live_gsk_")
			if secretKey && !strings.Contains(err.Error(), "ClientConfig.Live") {
				t.Errorf("key %.9s…, Live %v: %v does not name ClientConfig.Live", tt.key, tt.live, err)
			}
			continue
		}
		if c.Live() != tt.live {
			t.Errorf("key %.9s…: Live() = %v, want %v", tt.key, c.Live(), tt.live)
		}
		g, err := NewGateway(GatewayConfig{Client: c})
		if err != nil || g.Live() != tt.live {
			t.Errorf("key %.9s…: gateway Live() = %v (%v), want %v", tt.key, g.Live(), err, tt.live)
		}
	}
}
