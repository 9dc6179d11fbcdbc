package toss

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
	"github.com/payments-go/payments/toss/tosstest"
)

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		status int
		code   string
		want   payments.ErrorCode
	}{
		// Card and account refusals, customer limits.
		{403, "REJECT_CARD_COMPANY", payments.CodePaymentDeclined},
		{403, "REJECT_CARD_PAYMENT", payments.CodePaymentDeclined},
		{403, "REJECT_ACCOUNT_PAYMENT", payments.CodePaymentDeclined},
		{400, "INVALID_CARD_EXPIRATION", payments.CodePaymentDeclined},
		{400, "INVALID_STOPPED_CARD", payments.CodePaymentDeclined},
		{400, "INVALID_CARD_LOST_OR_STOLEN", payments.CodePaymentDeclined},
		{400, "INVALID_REJECT_CARD", payments.CodePaymentDeclined},
		{400, "EXCEED_MAX_DAILY_PAYMENT_COUNT", payments.CodePaymentDeclined},
		{400, "EXCEED_MAX_PAYMENT_AMOUNT", payments.CodePaymentDeclined},
		{403, "EXCEED_MAX_ONE_DAY_AMOUNT", payments.CodePaymentDeclined},
		{400, "BELOW_MINIMUM_AMOUNT", payments.CodePaymentDeclined},
		{403, "FDS_ERROR", payments.CodePaymentDeclined},
		{400, "NOT_SUPPORTED_INSTALLMENT_PLAN_CARD_OR_MERCHANT", payments.CodePaymentDeclined},
		{400, "NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN", payments.CodePaymentDeclined},
		{403, "INVALID_PASSWORD", payments.CodePaymentDeclined},
		{400, "PAY_PROCESS_ABORTED", payments.CodePaymentDeclined},
		{403, "NOT_AVAILABLE_BANK", payments.CodePaymentDeclined},
		// Keys and merchant contract.
		{401, "UNAUTHORIZED_KEY", payments.CodeGatewayError},
		{400, "INVALID_API_KEY", payments.CodeGatewayError},
		{403, "INCORRECT_BASIC_AUTH_FORMAT", payments.CodeGatewayError},
		{400, "INVALID_CLIENT_KEY", payments.CodeGatewayError},
		{403, "FORBIDDEN_REQUEST", payments.CodeGatewayError},
		{400, "NOT_FOUND_TERMINAL_ID", payments.CodeGatewayError},
		{404, "NOT_FOUND_MERCHANT", payments.CodeGatewayError},
		// Missing payments.
		{404, "NOT_FOUND_PAYMENT", payments.CodePaymentNotFound},
		{404, "NOT_FOUND_PAYMENT_SESSION", payments.CodePaymentNotFound},
		{404, "NOT_FOUND", payments.CodePaymentNotFound},
		// Cancels.
		{403, "NOT_CANCELABLE_AMOUNT", payments.CodeRefundExceedsBalance},
		{403, "EXCEED_MAX_REFUND_AMOUNT", payments.CodeRefundExceedsBalance},
		{403, "NOT_CANCELABLE_PAYMENT", payments.CodeInvalidState},
		{400, "ALREADY_CANCELED_PAYMENT", payments.CodeInvalidState},
		{403, "NOT_ALLOWED_PARTIAL_REFUND_WAITING_DEPOSIT", payments.CodeInvalidState},
		{400, "INVALID_REFUND_ACCOUNT_INFO", payments.CodeInvalidRequest},
		{400, "INVALID_BANK", payments.CodeInvalidRequest},
		// Requests.
		{400, "INVALID_REQUEST", payments.CodeInvalidRequest},
		{400, "INVALID_ORDER_ID", payments.CodeInvalidRequest},
		{400, "BELOW_ZERO_AMOUNT", payments.CodeInvalidRequest},
		{400, "INVALID_IDEMPOTENCY_KEY", payments.CodeInvalidRequest},
		{400, "EXCEED_MAX_VALID_HOURS", payments.CodeInvalidRequest},
		{400, "DUPLICATED_ORDER_ID", payments.CodeInvalidState},
		{400, "ALREADY_PROCESSED_PAYMENT", payments.CodeInvalidState},
		// Temporary, or outcome unknown.
		{400, "PROVIDER_ERROR", payments.CodeGatewayUnavailable},
		{400, "CARD_PROCESSING_ERROR", payments.CodeGatewayUnavailable},
		{409, "IDEMPOTENT_REQUEST_PROCESSING", payments.CodeGatewayUnavailable},
		{403, "FORBIDDEN_CONSECUTIVE_REQUEST", payments.CodeGatewayUnavailable},
		{500, "FAILED_INTERNAL_SYSTEM_PROCESSING", payments.CodeGatewayUnavailable},
		{500, "FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING", payments.CodePaymentDeclined}, // a failed payment, not an unknown outcome
		{500, "UNKNOWN_PAYMENT_ERROR", payments.CodeGatewayUnavailable},
		{500, "FAILED_REFUND_PROCESS", payments.CodeGatewayUnavailable},
		{500, "COMMON_ERROR", payments.CodeGatewayUnavailable},
		{400, "UNAPPROVED_ORDER_ID", payments.CodeGatewayUnavailable},
		// Unknown codes: by shape, then by status.
		{403, "REJECT_SOMETHING_NEW", payments.CodePaymentDeclined},
		{400, "EXCEED_MAX_WEEKLY_AMOUNT", payments.CodePaymentDeclined},
		{400, "INVALID_CARD_COLOUR", payments.CodePaymentDeclined},
		{404, "NOT_FOUND_PAYMENT_SOMETHING", payments.CodePaymentNotFound},
		{500, "FAILED_SOMETHING", payments.CodeGatewayUnavailable},
		{400, "BRAND_NEW_CODE", payments.CodeInvalidRequest},
		{401, "BRAND_NEW_CODE", payments.CodeGatewayError},
		{403, "BRAND_NEW_CODE", payments.CodeGatewayError},
		{404, "BRAND_NEW_CODE", payments.CodePaymentNotFound},
		{409, "BRAND_NEW_CODE", payments.CodeGatewayUnavailable},
		{429, "", payments.CodeGatewayUnavailable},
		{502, "", payments.CodeGatewayUnavailable},
		{503, "BRAND_NEW_CODE", payments.CodeGatewayUnavailable},
		{418, "", payments.CodeInvalidRequest},
		{302, "", payments.CodeGatewayError},
	}
	for _, tc := range tests {
		if got := codeFor(tc.status, tc.code); got != tc.want {
			t.Errorf("codeFor(%d, %q) = %q, want %q", tc.status, tc.code, got, tc.want)
		}
	}
}

// Every code the fake knows (it holds every code of the error codes page,
// https://docs.tosspayments.com/reference/error-codes) is in the table,
// and the table holds no code that the fake does not know (a typo)
// except the few listed below.
func TestErrorTableComplete(t *testing.T) {
	src, err := os.ReadFile("tosstest/errors.go")
	if err != nil {
		t.Fatalf("reading the fake's code list: %v", err)
	}
	re := regexp.MustCompile(`case "([A-Z0-9_]+)"`)
	var fakeCodes []string
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		fakeCodes = append(fakeCodes, m[1])
	}
	if len(fakeCodes) < 100 {
		t.Fatalf("found only %d codes in the fake", len(fakeCodes))
	}
	for _, c := range fakeCodes {
		if _, ok := errorCodes[c]; !ok {
			t.Errorf("Toss code %s is not mapped", c)
		}
	}
	extra := map[string]bool{ // in the reference but not in the fake
		"NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN_BELOW_AMOUNT": true, // GET /v1/payments/{paymentKey}
		"FAILED_CARD_COMPANY_RESPONSE":                        true, // key-in payments
	}
	for c := range errorCodes {
		if _, ok := tosstest.ErrorFor(c); !ok && !extra[c] {
			t.Errorf("mapped code %s is unknown (typo?)", c)
		}
	}
}

// The retryable codes are temporary failures, and they all end as
// gateway_unavailable.
func TestRetryableCodesAreUnavailable(t *testing.T) {
	for code := range errorCodes {
		if retryable(code) && errorCodes[code] != payments.CodeGatewayUnavailable {
			t.Errorf("%s is retried but maps to %s", code, errorCodes[code])
		}
	}
	for _, code := range []string{"REJECT_CARD_COMPANY", "INVALID_REQUEST", "NOT_FOUND_PAYMENT", "ALREADY_PROCESSED_PAYMENT", "NOT_CANCELABLE_AMOUNT"} {
		if retryable(code) {
			t.Errorf("%s must not be retried", code)
		}
	}
}

func TestPaymentsError(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(1, 0))
	defer cancel2()
	api := &APIError{Status: 403, Code: "REJECT_CARD_COMPANY", Message: "결제 승인이 거절되었습니다."}
	netErr := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want payments.Error
		is   error
	}{
		{"decline", context.Background(), &responseError{api: api}, payments.Error{Code: payments.CodePaymentDeclined,
			Message: "결제 승인이 거절되었습니다.", GatewayCode: "REJECT_CARD_COMPANY"}, nil},
		{"retry after", context.Background(), &responseError{api: &APIError{Status: 503}, retryAfter: 7 * time.Second},
			payments.Error{Code: payments.CodeGatewayUnavailable, Message: "toss answered confirm with HTTP 503", RetryAfter: 7 * time.Second}, nil},
		{"network", context.Background(), &transportError{err: netErr}, payments.Error{Code: payments.CodeGatewayUnavailable,
			Message: "toss could not be reached for confirm; the outcome is unknown"}, nil},
		{"timeout", context.Background(), &transportError{err: &net.DNSError{IsTimeout: true}}, payments.Error{Code: payments.CodeGatewayUnavailable,
			Timeout: true, Message: "toss did not answer confirm in time; the outcome is unknown"}, nil},
		{"deadline", expired, &transportError{err: context.DeadlineExceeded}, payments.Error{Code: payments.CodeGatewayUnavailable,
			Timeout: true, Message: "toss did not answer confirm in time; the outcome is unknown"}, context.DeadlineExceeded},
		{"canceled", canceled, &transportError{err: netErr}, payments.Error{Code: payments.CodeCanceled,
			Message: "toss confirm canceled by the caller"}, context.Canceled},
		{"unreadable", context.Background(), &badResponse{status: 200, err: errors.New("eof")}, payments.Error{Code: payments.CodeGatewayUnavailable,
			Message: "toss answered confirm with a response that could not be read; the outcome is unknown"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := toPaymentsError(tc.ctx, "confirm", tc.err)
			if diff := cmp.Diff(tc.want, *got, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Err" }, cmp.Ignore())); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if got.Err == nil {
				t.Error("the cause is lost")
			}
			if tc.is != nil && !errors.Is(got, tc.is) {
				t.Errorf("errors.Is(%v, %v) is false", got, tc.is)
			}
		})
	}
	// The Toss error stays reachable.
	var got *APIError
	if !errors.As(toPaymentsError(context.Background(), "confirm", &responseError{api: api}), &got) || got != api {
		t.Error("errors.As does not find the *APIError")
	}
	if !errors.Is(toPaymentsError(context.Background(), "confirm", &responseError{api: api}), payments.ErrPaymentDeclined) {
		t.Error("errors.Is(err, ErrPaymentDeclined) is false")
	}
}

func TestAPIErrorText(t *testing.T) {
	e := decodeError(401, []byte(`{"code":"UNAUTHORIZED_KEY","message":"인증되지 않은 키: `+gwTestKey+`"}`))
	want := &APIError{Status: 401, Code: "UNAUTHORIZED_KEY", Message: "인증되지 않은 키: REDACTED"}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
	if s := e.Error(); strings.Contains(s, gwTestKey) || s != "toss: 401 UNAUTHORIZED_KEY: 인증되지 않은 키: REDACTED" {
		t.Errorf("Error() = %q", s)
	}
	for _, body := range []string{`<html>Bad gateway</html>`, `{"code":"not a code <script>","message":1}`, ``} {
		if e := decodeError(502, []byte(body)); e.Code != "" || e.Status != 502 {
			t.Errorf("decodeError(%q) = %+v, want no code", body, e)
		}
	}
	long := decodeError(400, []byte(`{"code":"X","message":"`+strings.Repeat("가", 600)+`"}`))
	if n := len([]rune(long.Message)); n != 511 {
		t.Errorf("long message kept %d characters, want 510 and an ellipsis", n)
	}
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 1, 22, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{" 10 ", 10 * time.Second},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{"999999999", 86400 * time.Second},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tc := range tests {
		if got := parseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// FuzzDecodeError: error bodies come from outside; decoding must not
// panic and must keep only code-shaped codes and valid UTF-8 messages.
func FuzzDecodeError(f *testing.F) {
	f.Add(400, []byte(`{"code":"INVALID_REQUEST","message":"잘못된 요청입니다."}`))
	f.Add(502, []byte(`<html></html>`))
	f.Add(401, []byte(`{"code":"UNAUTHORIZED_KEY","message":"test_sk_abc"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := decodeError(status, body)
		if strings.Trim(e.Code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "" {
			t.Errorf("code %q kept", e.Code)
		}
		if strings.Contains(e.Message, "test_sk_") && strings.Contains(e.Message, "test_sk_a") {
			t.Errorf("message keeps a key: %q", e.Message)
		}
		_ = codeFor(e.Status, e.Code)
	})
}

// FuzzRetryAfter: the header comes from outside.
func FuzzRetryAfter(f *testing.F) {
	f.Add("3")
	f.Add("Wed, 21 Oct 2015 07:28:00 GMT")
	f.Fuzz(func(t *testing.T, v string) {
		if d := parseRetryAfter(v, time.Now()); d < 0 {
			t.Errorf("negative wait %v for %q", d, v)
		}
	})
}
