package stripe_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"
	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/stripe"
)

// gwMockBase is where the httpmock tests point the gateway.
const gwMockBase = "https://stripe.invalid"

// gwMock is a Gateway whose own http.Client goes to an httpmock
// transport, with a log of the requests it sent.
type gwMock struct {
	g  *stripe.Gateway
	mt *httpmock.MockTransport

	mu   sync.Mutex
	reqs []gwRequest
}

// gwRequest is one request the gateway sent.
type gwRequest struct {
	Method, Path   string
	Form           url.Values // body for POST, query for GET
	IdempotencyKey string
}

func gwMockGateway(t *testing.T) *gwMock {
	t.Helper()
	m := &gwMock{mt: httpmock.NewMockTransport()}
	m.mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		t.Errorf("unexpected request %s %s", req.Method, req.URL)
		return httpmock.NewStringResponse(http.StatusNotImplemented, `{"error":{"type":"api_error","message":"no responder"}}`), nil
	})
	g, err := stripe.New(stripe.Config{SecretKey: gwTestKey, BaseURL: gwMockBase, HTTPClient: &http.Client{Transport: m.mt}})
	if err != nil {
		t.Fatal(err)
	}
	m.g = g
	return m
}

// on answers method path with r, logging each request.
func (m *gwMock) on(method, path string, r httpmock.Responder) {
	m.mt.RegisterResponder(method, gwMockBase+path, func(req *http.Request) (*http.Response, error) {
		rec := gwRequest{Method: req.Method, Path: req.URL.Path, IdempotencyKey: req.Header.Get("Idempotency-Key"), Form: req.URL.Query()}
		if req.Body != nil {
			b, err := io.ReadAll(req.Body)
			if err != nil {
				return nil, err
			}
			if len(b) > 0 {
				if rec.Form, err = url.ParseQuery(string(b)); err != nil {
					return nil, err
				}
			}
		}
		if got := req.Header.Get("Authorization"); got != "Bearer "+gwTestKey {
			return nil, fmt.Errorf("Authorization header %q is not the configured key", got)
		}
		m.mu.Lock()
		m.reqs = append(m.reqs, rec)
		m.mu.Unlock()
		return r(req)
	})
}

// requests returns the requests sent to method path.
func (m *gwMock) requests(method, path string) []gwRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []gwRequest
	for _, r := range m.reqs {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// gwReply answers with status, body and header pairs.
func gwReply(status int, body string, header ...string) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		res := httpmock.NewStringResponse(status, body)
		res.Header.Set("Content-Type", "application/json")
		res.Header.Set("Request-Id", "req_mock123")
		for i := 0; i+1 < len(header); i += 2 {
			res.Header.Set(header[i], header[i+1])
		}
		return res, nil
	}
}

// gwFixture returns testdata/name.
func gwFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// gwErrorBody is a Stripe error body.
func gwErrorBody(typ, code, declineCode, param, msg string) string {
	e := map[string]string{"type": typ, "message": msg}
	for k, v := range map[string]string{"code": code, "decline_code": declineCode, "param": param} {
		if v != "" {
			e[k] = v
		}
	}
	b, _ := json.Marshal(map[string]any{"error": e})
	return string(b)
}

const (
	gwPIPath      = "/v1/payment_intents/pi_3Ofixture"
	gwConfirmPath = gwPIPath + "/confirm"
)

func gwConfirmParams() *payments.ConfirmParams {
	return &payments.ConfirmParams{IdempotencyKey: "pay-confirm-ORD-1-1", OrderNumber: "ORD-1", GatewayOrderID: "ORD-1-2",
		Reference: "pi_3Ofixture", Amount: 1234, Currency: payments.USD}
}

// TestConfirmErrors maps Stripe's answers to a confirm onto the
// library's errors, and checks stripe-go's retries: how many tries, all
// with our Idempotency-Key.
func TestConfirmErrors(t *testing.T) {
	network := errors.New("connection reset by peer")
	for _, tc := range []struct {
		name        string
		reply       httpmock.Responder
		tries       int
		code        payments.ErrorCode
		gatewayCode string
		retryAfter  time.Duration
		timeout     bool
		stripeErr   bool // a *stripego.Error is reachable
	}{
		{name: "402 card_declined with decline code",
			reply: gwReply(402, gwErrorBody("card_error", "card_declined", "insufficient_funds", "", "Your card has insufficient funds.")),
			tries: 1, code: payments.CodePaymentDeclined, gatewayCode: "insufficient_funds", stripeErr: true},
		{name: "402 expired_card without decline code",
			reply: gwReply(402, gwErrorBody("card_error", "expired_card", "", "", "Your card has expired.")),
			tries: 1, code: payments.CodePaymentDeclined, gatewayCode: "expired_card", stripeErr: true},
		{name: "402 authentication failure",
			reply: gwReply(402, gwErrorBody("invalid_request_error", "payment_intent_authentication_failure", "", "", "The provided PaymentMethod has failed authentication.")),
			tries: 1, code: payments.CodePaymentDeclined, gatewayCode: "payment_intent_authentication_failure", stripeErr: true},
		{name: "400 idempotency_error",
			reply: gwReply(400, gwErrorBody("idempotency_error", "", "", "", "Keys for idempotent requests can only be used with the same parameters they were first used with.")),
			tries: 1, code: payments.CodeIdempotencyKeyReused, stripeErr: true},
		{name: "409 idempotency_key_in_use is retried",
			reply: gwReply(409, gwErrorBody("invalid_request_error", "idempotency_key_in_use", "", "", "There is currently another in-progress request using this Stripe token.")),
			tries: 3, code: payments.CodeGatewayUnavailable, gatewayCode: "idempotency_key_in_use", stripeErr: true},
		{name: "429 lock_timeout is retried",
			reply: gwReply(429, gwErrorBody("invalid_request_error", "lock_timeout", "", "", "This object cannot be accessed right now because another API request or Stripe process is currently accessing it."), "Retry-After", "7"),
			tries: 3, code: payments.CodeGatewayUnavailable, gatewayCode: "lock_timeout", retryAfter: 7 * time.Second, stripeErr: true},
		{name: "429 rate_limit is not retried by stripe-go",
			reply: gwReply(429, gwErrorBody("invalid_request_error", "rate_limit", "", "", "Too many requests hit the API too quickly."), "Retry-After", "2"),
			tries: 1, code: payments.CodeGatewayUnavailable, gatewayCode: "rate_limit", retryAfter: 2 * time.Second, stripeErr: true},
		{name: "503 is retried",
			reply: gwReply(503, gwErrorBody("api_error", "", "", "", "An unknown error occurred")),
			tries: 3, code: payments.CodeGatewayUnavailable, stripeErr: true},
		{name: "500 on a POST is not retried",
			reply: gwReply(500, gwErrorBody("api_error", "", "", "", "An unknown error occurred")),
			tries: 1, code: payments.CodeGatewayUnavailable, stripeErr: true},
		{name: "500 with Stripe-Should-Retry is retried",
			reply: gwReply(500, gwErrorBody("api_error", "", "", "", "An unknown error occurred"), "Stripe-Should-Retry", "true"),
			tries: 3, code: payments.CodeGatewayUnavailable, stripeErr: true},
		{name: "HTML 502 from a proxy is retried",
			reply: gwReply(502, "<html><body>Bad Gateway</body></html>"),
			tries: 3, code: payments.CodeGatewayUnavailable},
		{name: "network error is retried",
			reply: httpmock.NewErrorResponder(network),
			tries: 3, code: payments.CodeGatewayUnavailable},
		{name: "timeout",
			reply: httpmock.NewErrorResponder(&url.Error{Op: "Post", URL: gwMockBase, Err: gwTimeoutError{}}),
			tries: 3, code: payments.CodeGatewayUnavailable, timeout: true},
		{name: "404 resource_missing",
			reply: gwReply(404, gwErrorBody("invalid_request_error", "resource_missing", "", "intent", "No such payment_intent: 'pi_3Ofixture'")),
			tries: 1, code: payments.CodePaymentNotFound, gatewayCode: "resource_missing", stripeErr: true},
		{name: "400 unknown payment method",
			reply: gwReply(400, gwErrorBody("invalid_request_error", "resource_missing", "", "payment_method", "No such PaymentMethod: 'pm_nope'")),
			tries: 1, code: payments.CodeInvalidRequest, gatewayCode: "resource_missing", stripeErr: true},
		{name: "400 unexpected state",
			reply: gwReply(400, gwErrorBody("invalid_request_error", "payment_intent_unexpected_state", "", "", "You cannot confirm this PaymentIntent because it has a status of canceled.")),
			tries: 1, code: payments.CodeInvalidState, gatewayCode: "payment_intent_unexpected_state", stripeErr: true},
		{name: "401 bad key",
			reply: gwReply(401, gwErrorBody("invalid_request_error", "", "", "", "Invalid API Key provided: "+gwTestKey)),
			tries: 1, code: payments.CodeGatewayError, stripeErr: true},
		{name: "400 echoing the key",
			reply: gwReply(400, gwErrorBody("invalid_request_error", "parameter_unknown", "", "foo", "Received unknown parameter with "+gwTestKey)),
			tries: 1, code: payments.CodeGatewayError, gatewayCode: "parameter_unknown", stripeErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := gwMockGateway(t)
			m.on(http.MethodGet, gwPIPath, gwReply(200, gwFixture(t, "pi_requires_confirmation.json")))
			m.on(http.MethodPost, gwConfirmPath, tc.reply)
			ch, err := m.g.Confirm(t.Context(), gwConfirmParams())
			if err == nil {
				t.Fatalf("Confirm = %+v, want an error", ch)
			}
			var pe *payments.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *payments.Error", err, err)
			}
			got := struct {
				Code        payments.ErrorCode
				GatewayCode string
				RetryAfter  time.Duration
				Timeout     bool
			}{pe.Code, pe.GatewayCode, pe.RetryAfter, pe.Timeout}
			want := got
			want.Code, want.GatewayCode, want.RetryAfter, want.Timeout = tc.code, tc.gatewayCode, tc.retryAfter, tc.timeout
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("error %v (-want +got):\n%s", err, diff)
			}
			if !errors.Is(err, &payments.Error{Code: tc.code}) {
				t.Errorf("errors.Is(err, Err%s) is false", tc.code)
			}
			var se *stripego.Error
			if errors.As(err, &se) != tc.stripeErr {
				t.Errorf("errors.As(err, *stripego.Error) = %v, want %v", !tc.stripeErr, tc.stripeErr)
			}
			if tc.code == payments.CodePaymentDeclined && tc.stripeErr {
				if se.HTTPStatusCode != 402 || se.RequestID != "req_mock123" {
					t.Errorf("stripe error: status %d request %q", se.HTTPStatusCode, se.RequestID)
				}
			}
			if tc.name == "network error is retried" && !errors.Is(err, network) {
				t.Errorf("the network error is not reachable from %v", err)
			}
			text := err.Error() + fmt.Sprintf(" %+v %#v", err, err)
			if strings.Contains(text, gwTestKey) {
				t.Errorf("the error text contains the secret key: %s", text)
			}
			tries := m.requests(http.MethodPost, gwConfirmPath)
			if len(tries) != tc.tries {
				t.Errorf("%d confirm requests, want %d", len(tries), tc.tries)
			}
			for i, r := range tries {
				if r.IdempotencyKey != "pay-confirm-ORD-1-1" {
					t.Errorf("try %d: Idempotency-Key %q, want ours", i+1, r.IdempotencyKey)
				}
			}
		})
	}
}

// gwTimeoutError is a net.Error that timed out.
type gwTimeoutError struct{}

func (gwTimeoutError) Error() string   { return "i/o timeout" }
func (gwTimeoutError) Timeout() bool   { return true }
func (gwTimeoutError) Temporary() bool { return true }

// TestLookupRetriesReads: stripe-go retries a 500 on a GET (twice by
// default), then the gateway reports gateway_unavailable; with retries
// disabled there is one try.
func TestLookupRetriesReads(t *testing.T) {
	for _, tc := range []struct {
		retries, tries int
	}{{0, 3}, {1, 2}, {-1, 1}} {
		t.Run(fmt.Sprintf("MaxNetworkRetries=%d", tc.retries), func(t *testing.T) {
			t.Parallel()
			mt := httpmock.NewMockTransport()
			mt.RegisterResponder(http.MethodGet, gwMockBase+gwPIPath, gwReply(500, gwErrorBody("api_error", "", "", "", "An unknown error occurred")))
			g, err := stripe.New(stripe.Config{SecretKey: gwTestKey, BaseURL: gwMockBase, HTTPClient: &http.Client{Transport: mt},
				MaxNetworkRetries: tc.retries})
			if err != nil {
				t.Fatal(err)
			}
			_, err = g.Lookup(t.Context(), &payments.LookupParams{Reference: "pi_3Ofixture"})
			if payments.Code(err) != payments.CodeGatewayUnavailable || payments.HTTPStatus(err) != http.StatusServiceUnavailable {
				t.Errorf("Lookup: %v, want gateway_unavailable 503", err)
			}
			if n := mt.GetTotalCallCount(); n != tc.tries {
				t.Errorf("%d tries, want %d", n, tc.tries)
			}
		})
	}
}

// TestConfirmNeverReconfirms: a PaymentIntent past confirmation is
// reported as it is, without another confirm; an amount or currency
// that differs from the PaymentIntent's is refused before any confirm.
func TestConfirmNeverReconfirms(t *testing.T) {
	for _, tc := range []struct {
		fixture string
		params  func(*payments.ConfirmParams)
		status  payments.Status
		code    payments.ErrorCode
	}{
		{fixture: "pi_succeeded.json", status: payments.StatusPaid},
		{fixture: "pi_processing.json", status: payments.StatusProcessing},
		{fixture: "pi_requires_action.json", status: payments.StatusRequiresAction},
		{fixture: "pi_canceled.json", status: payments.StatusCanceled},
		{fixture: "pi_requires_confirmation.json", params: func(p *payments.ConfirmParams) { p.Amount++ }, code: payments.CodeAmountMismatch},
		{fixture: "pi_requires_confirmation.json", params: func(p *payments.ConfirmParams) { p.Currency = payments.EUR }, code: payments.CodeAmountMismatch},
		{fixture: "pi_requires_confirmation.json", params: func(p *payments.ConfirmParams) { p.OrderNumber = "ORD-2" }, code: payments.CodeInvalidRequest},
		{fixture: "pi_requires_confirmation.json", params: func(p *payments.ConfirmParams) { p.IdempotencyKey = "" }, code: payments.CodeInvalidRequest},
		{fixture: "pi_requires_confirmation.json", params: func(p *payments.ConfirmParams) { p.Reference = "" }, code: payments.CodeInvalidRequest},
	} {
		t.Run(tc.fixture+"/"+string(tc.status)+string(tc.code), func(t *testing.T) {
			t.Parallel()
			m := gwMockGateway(t)
			m.on(http.MethodGet, gwPIPath, gwReply(200, gwFixture(t, tc.fixture)))
			m.on(http.MethodPost, gwConfirmPath, gwReply(500, gwErrorBody("api_error", "", "", "", "must not be called")))
			p := gwConfirmParams()
			if tc.params != nil {
				tc.params(p)
			}
			ch, err := m.g.Confirm(t.Context(), p)
			if payments.Code(err) != tc.code {
				t.Fatalf("Confirm: %v, want code %q", err, tc.code)
			}
			if err == nil && ch.Status != tc.status {
				t.Errorf("Confirm status %s, want %s", ch.Status, tc.status)
			}
			if n := len(m.requests(http.MethodPost, gwConfirmPath)); n != 0 {
				t.Errorf("%d confirm requests, want none", n)
			}
		})
	}
}

// TestConfirmRequest checks what a confirm sends after reading the
// PaymentIntent, and its result.
func TestConfirmRequest(t *testing.T) {
	t.Parallel()
	m := gwMockGateway(t)
	m.on(http.MethodGet, gwPIPath, gwReply(200, gwFixture(t, "pi_requires_confirmation.json")))
	m.on(http.MethodPost, gwConfirmPath, gwReply(200, gwFixture(t, "pi_requires_action.json")))
	p := gwConfirmParams()
	p.PaymentMethod, p.ReturnURL = "pm_card_threeDSecure2Required", "https://shop.example/return"
	ch, err := m.g.Confirm(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	want := &payments.Charge{Reference: "pi_3Ofixture", GatewayOrderID: "ORD-1-2", Status: payments.StatusRequiresAction,
		GatewayStatus: "requires_action", Method: payments.MethodCard, Amount: 1234, Currency: payments.USD,
		RedirectURL:  "https://hooks.stripe.com/3d_secure_2/hosted?merchant=acct_1&payment_intent=pi_3Ofixture",
		ClientSecret: "pi_3Ofixture_secret_fixture123"}
	if diff := cmp.Diff(want, ch); diff != "" {
		t.Errorf("Confirm (-want +got):\n%s", diff)
	}
	gets := m.requests(http.MethodGet, gwPIPath)
	if len(gets) != 1 || gets[0].Form.Get("expand[0]") != "latest_charge" {
		t.Errorf("reads = %+v, want one with expand latest_charge", gets)
	}
	posts := m.requests(http.MethodPost, gwConfirmPath)
	wantPost := []gwRequest{{Method: http.MethodPost, Path: gwConfirmPath, IdempotencyKey: p.IdempotencyKey, Form: url.Values{
		"payment_method": {"pm_card_threeDSecure2Required"}, "return_url": {"https://shop.example/return"}, "expand[0]": {"latest_charge"},
		"expand[1]": {"payment_method"}}}}
	if diff := cmp.Diff(wantPost, posts); diff != "" {
		t.Errorf("confirm requests (-want +got):\n%s", diff)
	}
}

const (
	gwRefundsPath = "/v1/refunds"
)

func gwRefundParams() *payments.RefundParams {
	return &payments.RefundParams{IdempotencyKey: "rf_target", OrderNumber: "ORD-1", GatewayOrderID: "ORD-1-2",
		Reference: "pi_3Ofixture", Amount: 500, Currency: payments.USD, Reason: "changed mind"}
}

// TestRefundFindsExisting simulates a refund retried after Stripe forgot
// its idempotency key (24 hours): the gateway lists the PaymentIntent's
// refunds (across pages) and returns the one whose metadata refund_id is
// the refund's id, without creating another.
func TestRefundFindsExisting(t *testing.T) {
	t.Parallel()
	m := gwMockGateway(t)
	m.mt.RegisterResponderWithQuery(http.MethodGet, gwMockBase+gwRefundsPath, "limit=100&payment_intent=pi_3Ofixture",
		gwReply(200, gwFixture(t, "refund_list_page1.json")))
	m.mt.RegisterResponderWithQuery(http.MethodGet, gwMockBase+gwRefundsPath, "limit=100&payment_intent=pi_3Ofixture&starting_after=re_3Oother2",
		gwReply(200, gwFixture(t, "refund_list_page2.json")))
	m.on(http.MethodPost, gwRefundsPath, gwReply(200, gwFixture(t, "refund_created.json")))
	res, err := m.g.Refund(t.Context(), gwRefundParams())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&payments.RefundResult{Reference: "re_3Omatch", Status: payments.RefundPending}, res); diff != "" {
		t.Errorf("Refund (-want +got):\n%s", diff)
	}
	if n := len(m.requests(http.MethodPost, gwRefundsPath)); n != 0 {
		t.Errorf("%d refunds created, want none", n)
	}
	if n := m.mt.GetTotalCallCount(); n != 2 {
		t.Errorf("%d requests, want the two list pages", n)
	}
}

// TestRefundCreates: with no matching refund listed, the refund is
// created with our idempotency key; its status is mapped.
func TestRefundCreates(t *testing.T) {
	for _, tc := range []struct {
		fixture string
		want    *payments.RefundResult
	}{
		{"refund_created.json", &payments.RefundResult{Reference: "re_3Onew", Status: payments.RefundSucceeded}},
		{"refund_requires_action.json", &payments.RefundResult{Reference: "re_3Oaction", Status: payments.RefundPending}},
		{"refund_failed.json", &payments.RefundResult{Reference: "re_3Ofailed", Status: payments.RefundFailed,
			Failure: &payments.Failure{Code: "expired_or_canceled_card", Message: "Stripe reports the refund failed"}}},
		{"refund_canceled.json", &payments.RefundResult{Reference: "re_3Ocanceled", Status: payments.RefundFailed,
			Failure: &payments.Failure{Code: "canceled", Message: "Stripe reports the refund canceled"}}},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			t.Parallel()
			m := gwMockGateway(t)
			m.on(http.MethodGet, gwRefundsPath, gwReply(200, gwFixture(t, "refund_list_empty.json")))
			m.on(http.MethodPost, gwRefundsPath, gwReply(200, gwFixture(t, tc.fixture)))
			res, err := m.g.Refund(t.Context(), gwRefundParams())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, res); diff != "" {
				t.Errorf("Refund (-want +got):\n%s", diff)
			}
			lists := m.requests(http.MethodGet, gwRefundsPath)
			if len(lists) != 1 || lists[0].Form.Get("payment_intent") != "pi_3Ofixture" {
				t.Errorf("list requests = %+v, want one for the PaymentIntent", lists)
			}
			posts := m.requests(http.MethodPost, gwRefundsPath)
			want := []gwRequest{{Method: http.MethodPost, Path: gwRefundsPath, IdempotencyKey: "rf_target", Form: url.Values{
				"payment_intent": {"pi_3Ofixture"}, "amount": {"500"},
				"metadata[refund_id]": {"rf_target"}, "metadata[reason]": {"changed mind"},
				"metadata[order_number]": {"ORD-1"}, "metadata[attempt_order_id]": {"ORD-1-2"}}}}
			if diff := cmp.Diff(want, posts); diff != "" {
				t.Errorf("refund requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRefundErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		list, post httpmock.Responder
		params     func(*payments.RefundParams)
		code       payments.ErrorCode
		posts      int
	}{
		{name: "already refunded",
			post: gwReply(400, gwErrorBody("invalid_request_error", "charge_already_refunded", "", "", "Charge ch_1 has already been refunded.")),
			code: payments.CodeRefundExceedsBalance, posts: 1},
		{name: "amount above the balance",
			post: gwReply(400, gwErrorBody("invalid_request_error", "", "", "amount", "Refund amount ($5.00) is greater than unrefunded amount on charge ($1.00)")),
			code: payments.CodeRefundExceedsBalance, posts: 1},
		{name: "amount_too_large",
			post: gwReply(400, gwErrorBody("invalid_request_error", "amount_too_large", "", "amount", "Amount is too large.")),
			code: payments.CodeRefundExceedsBalance, posts: 1},
		{name: "unknown PaymentIntent at the list",
			list: gwReply(404, gwErrorBody("invalid_request_error", "resource_missing", "", "payment_intent", "No such payment_intent: 'pi_3Ofixture'")),
			code: payments.CodePaymentNotFound},
		{name: "list unavailable: nothing created",
			list: gwReply(503, gwErrorBody("api_error", "", "", "", "An unknown error occurred")),
			code: payments.CodeGatewayUnavailable},
		{name: "list endpoint unknown to the server: rely on the key",
			list: gwReply(404, gwErrorBody("invalid_request_error", "", "", "", "Unrecognized request URL (GET: /v1/refunds).")),
			post: gwReply(200, gwFixture(t, "refund_created.json")), posts: 1},
		{name: "no idempotency key", params: func(p *payments.RefundParams) { p.IdempotencyKey = "" }, code: payments.CodeInvalidRequest},
		{name: "no amount", params: func(p *payments.RefundParams) { p.Amount = 0 }, code: payments.CodeInvalidRequest},
		{name: "three-decimal amount not ending in 0", params: func(p *payments.RefundParams) { p.Currency, p.Amount = "KWD", 1005 },
			code: payments.CodeInvalidRequest},
		{name: "no reference", params: func(p *payments.RefundParams) { p.Reference = "" }, code: payments.CodeInvalidRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := gwMockGateway(t)
			list := tc.list
			if list == nil {
				list = gwReply(200, gwFixture(t, "refund_list_empty.json"))
			}
			m.on(http.MethodGet, gwRefundsPath, list)
			if tc.post != nil {
				m.on(http.MethodPost, gwRefundsPath, tc.post)
			}
			p := gwRefundParams()
			if tc.params != nil {
				tc.params(p)
			}
			_, err := m.g.Refund(t.Context(), p)
			if payments.Code(err) != tc.code {
				t.Errorf("Refund: %v, want code %q", err, tc.code)
			}
			if n := len(m.requests(http.MethodPost, gwRefundsPath)); n != tc.posts {
				t.Errorf("%d refund creates, want %d", n, tc.posts)
			}
		})
	}
}

// TestLookupMapping maps Stripe objects (golden JSON in testdata) to
// Charges, and checks the expansions Lookup asks for.
func TestLookupMapping(t *testing.T) {
	paid := time.Unix(1700000100, 0).UTC()
	pi := func(status payments.Status, gw string, mod func(*payments.Charge)) *payments.Charge {
		c := &payments.Charge{Reference: "pi_3Ofixture", GatewayOrderID: "ORD-1-2", Status: status, GatewayStatus: gw,
			Method: payments.MethodCard, Amount: 1234, Currency: payments.USD, ClientSecret: "pi_3Ofixture_secret_fixture123"}
		if mod != nil {
			mod(c)
		}
		return c
	}
	cs := func(status payments.Status, gw string, mod func(*payments.Charge)) *payments.Charge {
		c := &payments.Charge{Session: "cs_test_fixture", GatewayOrderID: "ORD-1", Status: status, GatewayStatus: gw,
			Method: payments.MethodCard, Amount: 58990, Currency: payments.KRW}
		if mod != nil {
			mod(c)
		}
		return c
	}
	for _, tc := range []struct {
		fixture string
		session bool
		want    *payments.Charge
	}{
		{fixture: "pi_requires_payment_method.json", want: pi(payments.StatusReady, "requires_payment_method", nil)},
		{fixture: "pi_requires_confirmation.json", want: pi(payments.StatusReady, "requires_confirmation", nil)},
		{fixture: "pi_requires_payment_method_failed.json", want: pi(payments.StatusFailed, "requires_payment_method", func(c *payments.Charge) {
			c.Failure = &payments.Failure{Code: "insufficient_funds", Message: "Your card has insufficient funds."}
		})},
		{fixture: "pi_requires_action.json", want: pi(payments.StatusRequiresAction, "requires_action", func(c *payments.Charge) {
			c.RedirectURL = "https://hooks.stripe.com/3d_secure_2/hosted?merchant=acct_1&payment_intent=pi_3Ofixture"
		})},
		{fixture: "pi_requires_action_sdk.json", want: pi(payments.StatusRequiresAction, "requires_action", nil)},
		{fixture: "pi_processing.json", want: pi(payments.StatusProcessing, "processing", nil)},
		{fixture: "pi_requires_capture.json", want: pi(payments.StatusAuthorized, "requires_capture", func(c *payments.Charge) {
			c.AmountCapturable = 1234
		})},
		{fixture: "pi_succeeded.json", want: pi(payments.StatusPaid, "succeeded", func(c *payments.Charge) {
			c.PaidAt, c.Method = paid, payments.MethodCard
		})},
		{fixture: "pi_succeeded_unexpanded.json", want: pi(payments.StatusPaid, "succeeded", func(c *payments.Charge) {
			c.PaidAt = time.Unix(1700000000, 0).UTC()
		})},
		{fixture: "pi_succeeded_partially_refunded.json", want: pi(payments.StatusPartiallyRefunded, "succeeded", func(c *payments.Charge) {
			c.PaidAt, c.RefundedAmount = paid, 234
		})},
		{fixture: "pi_succeeded_refunded.json", want: pi(payments.StatusRefunded, "succeeded", func(c *payments.Charge) {
			c.PaidAt, c.RefundedAmount = paid, 1234
		})},
		{fixture: "pi_canceled.json", want: pi(payments.StatusCanceled, "canceled", nil)},
		{fixture: "pi_krw_succeeded.json", want: pi(payments.StatusPaid, "succeeded", func(c *payments.Charge) {
			c.PaidAt, c.Amount, c.Currency = paid, 58990, payments.KRW
		})},
		{fixture: "cs_open.json", session: true, want: cs(payments.StatusReady, "open", func(c *payments.Charge) {
			c.RedirectURL, c.Method = "https://checkout.stripe.com/c/pay/cs_test_fixture", ""
		})},
		{fixture: "cs_open_pi_failed.json", session: true, want: cs(payments.StatusReady, "open", func(c *payments.Charge) {
			c.RedirectURL, c.Reference = "https://checkout.stripe.com/c/pay/cs_test_fixture", "pi_3Ofixture"
		})},
		{fixture: "cs_expired.json", session: true, want: cs(payments.StatusExpired, "expired", func(c *payments.Charge) { c.Method = "" })},
		{fixture: "cs_complete_unpaid.json", session: true, want: cs(payments.StatusProcessing, "processing", func(c *payments.Charge) {
			c.Reference = "pi_3Ofixture"
		})},
		{fixture: "cs_complete_paid.json", session: true, want: cs(payments.StatusPaid, "succeeded", func(c *payments.Charge) {
			c.Reference, c.PaidAt, c.Method = "pi_3Ofixture", paid, payments.MethodCard
		})},
		{fixture: "cs_complete_unpaid_ach.json", session: true, want: cs(payments.StatusProcessing, "processing", func(c *payments.Charge) {
			c.Reference, c.Method, c.Amount, c.Currency = "pi_3Ofixture", payments.MethodTransfer, 1999, payments.USD
		})},
		{fixture: "cs_complete_async_failed.json", session: true, want: cs(payments.StatusFailed, "requires_payment_method", func(c *payments.Charge) {
			c.Reference, c.Method, c.Amount, c.Currency = "pi_3Ofixture", payments.MethodTransfer, 1999, payments.USD
			c.Failure = &payments.Failure{Code: "insufficient_funds", Message: "The customer's account has insufficient funds to cover this payment."}
		})},
		{fixture: "cs_complete_no_payment_required.json", session: true, want: cs(payments.StatusPaid, "complete", func(c *payments.Charge) {
			c.Amount, c.Method = 0, ""
		})},
		{fixture: "cs_complete_paid_unexpanded.json", session: true, want: cs(payments.StatusPaid, "complete", func(c *payments.Charge) {
			c.Reference, c.Method = "pi_3Ofixture", ""
		})},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			t.Parallel()
			m := gwMockGateway(t)
			path, expand := gwPIPath, "latest_charge"
			p := &payments.LookupParams{OrderNumber: "ORD-1", Reference: "pi_3Ofixture"}
			if tc.session {
				path, expand = "/v1/checkout/sessions/cs_test_fixture", "payment_intent.latest_charge"
				p.Session = "cs_test_fixture"
			}
			m.on(http.MethodGet, path, gwReply(200, gwFixture(t, tc.fixture)))
			got, err := m.g.Lookup(t.Context(), p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Lookup (-want +got):\n%s", diff)
			}
			reqs := m.requests(http.MethodGet, path)
			if len(reqs) != 1 || reqs[0].Form.Get("expand[0]") != expand {
				t.Errorf("requests = %+v, want one expanding %s", reqs, expand)
			}
		})
	}
}
