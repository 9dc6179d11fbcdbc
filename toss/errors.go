package toss

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/payments-go/payments"
)

// APIError is an error answer of the Toss API
// (https://docs.tosspayments.com/reference/error-codes): the HTTP status
// and the {"code", "message"} body. The library's errors keep it as their
// cause, so errors.As(err, &apiErr) finds it. Its text never contains the
// secret key: the message is Toss's own, passed through redaction.
type APIError struct {
	// Status is the HTTP status, e.g. 403.
	Status int
	// Code is Toss's error code, e.g. REJECT_CARD_COMPANY.
	Code string
	// Message is Toss's message, Korean unless the client asked for
	// English with ClientConfig.AcceptLanguage.
	Message string
}

// Error returns "toss: <status> <code>: <message>".
func (e *APIError) Error() string {
	s := fmt.Sprintf("toss: %d %s", e.Status, e.Code)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// retryable says whether a Toss error code may be retried with the same
// Idempotency-Key: the codes the error codes page
// (https://docs.tosspayments.com/reference/error-codes) calls temporary,
// and the server-side failures after which the key makes a retry safe.
func retryable(code string) bool {
	switch code {
	case "PROVIDER_ERROR", // 400, temporary provider error
		"CARD_PROCESSING_ERROR",         // 400, temporary card company error
		"IDEMPOTENT_REQUEST_PROCESSING", // 409, the first request with this key still runs
		"FORBIDDEN_CONSECUTIVE_REQUEST", // 403, requests too close together: retry after a pause
		"FAILED_INTERNAL_SYSTEM_PROCESSING",
		"UNKNOWN_PAYMENT_ERROR", "FAILED_REFUND_PROCESS", "FAILED_METHOD_HANDLING_CANCEL",
		"COMMON_ERROR", "FAILED_DB_PROCESSING", "FAILED_METHOD_HANDLING", "UNKNOWN_ERROR":
		return true
	}
	return false
}

// refusal reports whether code is a definitive refusal of the payment
// that Toss answers with a 5xx status, such as
// FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING: a retry would only repeat it.
func refusal(code string) bool {
	return errorCodes[code] == payments.CodePaymentDeclined
}

// errorCodes maps every documented Toss error code
// (https://docs.tosspayments.com/reference/error-codes: confirm, cancel,
// idempotency and the rest of the core API) to the library's code. Codes
// not listed fall to [codeFor]'s rules: Toss adds codes without a new API
// version.
//
// The principles:
//   - The customer's card, account or wallet refused, or a limit of the
//     customer's was reached: payment_declined (402), with the Toss code
//     kept as GatewayCode. Retrying will not help; a new attempt may.
//     FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING is one of them, although
//     Toss answers it with 500: the card company or bank failed the
//     payment ("결제가 완료되지 않았어요"), and Toss's message, passed on,
//     says why. It is not retried.
//   - Our credentials or the merchant's contract are wrong (keys, basic
//     auth, terminal, sub-mall): gateway_error (502). Nothing the customer
//     can do.
//   - The payment does not exist, or its confirm window passed:
//     payment_not_found (404).
//   - A refund above what can still be refunded: refund_exceeds_balance
//     (409). The payment is in a state that refuses the operation
//     (already canceled, not cancelable, no partial refund now):
//     invalid_state (409).
//   - Our request is malformed: invalid_request (400).
//   - Temporary failures, and anything after which the operation may or
//     may not have happened (the codes after which Toss says to check
//     the payment): gateway_unavailable (503),
//     which the Service treats as an unknown outcome and settles by
//     reading the payment again. These are also the codes the client
//     retries with the same Idempotency-Key.
var errorCodes = map[string]payments.ErrorCode{
	// Confirm.
	"ALREADY_PROCESSED_PAYMENT":                           payments.CodeInvalidState, // the Gateway resolves it by reading the payment
	"PROVIDER_ERROR":                                      payments.CodeGatewayUnavailable,
	"EXCEED_MAX_CARD_INSTALLMENT_PLAN":                    payments.CodePaymentDeclined,
	"INVALID_REQUEST":                                     payments.CodeInvalidRequest,
	"NOT_ALLOWED_POINT_USE":                               payments.CodePaymentDeclined,
	"INVALID_API_KEY":                                     payments.CodeGatewayError,
	"INVALID_REJECT_CARD":                                 payments.CodePaymentDeclined,
	"BELOW_MINIMUM_AMOUNT":                                payments.CodePaymentDeclined,
	"INVALID_CARD_EXPIRATION":                             payments.CodePaymentDeclined,
	"INVALID_STOPPED_CARD":                                payments.CodePaymentDeclined,
	"EXCEED_MAX_DAILY_PAYMENT_COUNT":                      payments.CodePaymentDeclined,
	"NOT_SUPPORTED_INSTALLMENT_PLAN_CARD_OR_MERCHANT":     payments.CodePaymentDeclined,
	"INVALID_CARD_INSTALLMENT_PLAN":                       payments.CodePaymentDeclined,
	"NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN":              payments.CodePaymentDeclined,
	"EXCEED_MAX_PAYMENT_AMOUNT":                           payments.CodePaymentDeclined,
	"NOT_FOUND_TERMINAL_ID":                               payments.CodeGatewayError, // merchant contract, not a missing payment
	"INVALID_AUTHORIZE_AUTH":                              payments.CodePaymentDeclined,
	"INVALID_CARD_LOST_OR_STOLEN":                         payments.CodePaymentDeclined,
	"RESTRICTED_TRANSFER_ACCOUNT":                         payments.CodePaymentDeclined,
	"INVALID_CARD_NUMBER":                                 payments.CodePaymentDeclined,
	"INVALID_UNREGISTERED_SUBMALL":                        payments.CodeGatewayError,
	"NOT_REGISTERED_BUSINESS":                             payments.CodeGatewayError,
	"EXCEED_MAX_ONE_DAY_WITHDRAW_AMOUNT":                  payments.CodePaymentDeclined,
	"EXCEED_MAX_ONE_TIME_WITHDRAW_AMOUNT":                 payments.CodePaymentDeclined,
	"CARD_PROCESSING_ERROR":                               payments.CodeGatewayUnavailable, // temporary: retried
	"EXCEED_MAX_AMOUNT":                                   payments.CodePaymentDeclined,
	"INVALID_ACCOUNT_INFO_RE_REGISTER":                    payments.CodePaymentDeclined,
	"NOT_AVAILABLE_PAYMENT":                               payments.CodePaymentDeclined,    // "later": refused now, a new attempt may work
	"UNAPPROVED_ORDER_ID":                                 payments.CodeGatewayUnavailable, // "check": read the payment
	"EXCEED_MAX_MONTHLY_PAYMENT_AMOUNT":                   payments.CodePaymentDeclined,
	"UNAUTHORIZED_KEY":                                    payments.CodeGatewayError,
	"REJECT_ACCOUNT_PAYMENT":                              payments.CodePaymentDeclined,
	"REJECT_CARD_PAYMENT":                                 payments.CodePaymentDeclined,
	"REJECT_CARD_COMPANY":                                 payments.CodePaymentDeclined,
	"FORBIDDEN_REQUEST":                                   payments.CodeGatewayError,
	"REJECT_TOSSPAY_INVALID_ACCOUNT":                      payments.CodePaymentDeclined,
	"EXCEED_MAX_AUTH_COUNT":                               payments.CodePaymentDeclined,
	"EXCEED_MAX_ONE_DAY_AMOUNT":                           payments.CodePaymentDeclined,
	"NOT_AVAILABLE_BANK":                                  payments.CodePaymentDeclined, // bank hours: refused now (a refund fails and may be asked again)
	"INVALID_PASSWORD":                                    payments.CodePaymentDeclined,
	"INCORRECT_BASIC_AUTH_FORMAT":                         payments.CodeGatewayError,
	"FDS_ERROR":                                           payments.CodePaymentDeclined,
	"NOT_FOUND_PAYMENT":                                   payments.CodePaymentNotFound,
	"NOT_FOUND_PAYMENT_SESSION":                           payments.CodePaymentNotFound, // the 10-minute confirm window passed
	"FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING":           payments.CodePaymentDeclined, // the card company or bank failed the payment; its message says why
	"FAILED_INTERNAL_SYSTEM_PROCESSING":                   payments.CodeGatewayUnavailable,
	"UNKNOWN_PAYMENT_ERROR":                               payments.CodeGatewayUnavailable,
	"NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN_BELOW_AMOUNT": payments.CodePaymentDeclined,

	// Cancel.
	"ALREADY_CANCELED_PAYMENT":                   payments.CodeInvalidState,
	"INVALID_REFUND_ACCOUNT_INFO":                payments.CodeInvalidRequest,
	"EXCEED_CANCEL_AMOUNT_DISCOUNT_AMOUNT":       payments.CodeInvalidRequest,
	"INVALID_REFUND_ACCOUNT_NUMBER":              payments.CodeInvalidRequest,
	"INVALID_BANK":                               payments.CodeInvalidRequest,
	"NOT_MATCHES_REFUNDABLE_AMOUNT":              payments.CodeInvalidState, // the balance changed under us
	"REFUND_REJECTED":                            payments.CodeGatewayError,
	"ALREADY_REFUND_PAYMENT":                     payments.CodeInvalidState,
	"FORBIDDEN_BANK_REFUND_REQUEST":              payments.CodeInvalidRequest, // the receiving account refuses deposits
	"NOT_CANCELABLE_AMOUNT":                      payments.CodeRefundExceedsBalance,
	"FORBIDDEN_CONSECUTIVE_REQUEST":              payments.CodeGatewayUnavailable, // retried after a pause
	"NOT_CANCELABLE_PAYMENT":                     payments.CodeInvalidState,
	"EXCEED_MAX_REFUND_DUE":                      payments.CodeInvalidState,
	"NOT_ALLOWED_PARTIAL_REFUND_WAITING_DEPOSIT": payments.CodeInvalidState,
	"NOT_ALLOWED_PARTIAL_REFUND":                 payments.CodeInvalidState,
	"NOT_CANCELABLE_PAYMENT_FOR_DORMANT_USER":    payments.CodeInvalidState,
	"FAILED_REFUND_PROCESS":                      payments.CodeGatewayUnavailable,
	"FAILED_METHOD_HANDLING_CANCEL":              payments.CodeGatewayUnavailable,
	"FAILED_PARTIAL_REFUND":                      payments.CodeGatewayUnavailable, // "check"
	"COMMON_ERROR":                               payments.CodeGatewayUnavailable,
	"EXCEED_MAX_REFUND_AMOUNT":                   payments.CodeRefundExceedsBalance,
	"NOT_ALLOWED_REFUND_BANK":                    payments.CodeInvalidRequest,
	"NOT_SUPPORTED_REFUND":                       payments.CodeInvalidState,
	"ALREADY_REFUNDING_PAYMENT":                  payments.CodeInvalidState,
	"INVALID_REFUND_AMOUNT":                      payments.CodeInvalidRequest,
	"FAILED_CLOSED_ACCOUNT_REFUND":               payments.CodeGatewayUnavailable,
	"EXCEED_CANCEL_LIMIT":                        payments.CodeRefundExceedsBalance, // seen in third-party clients only

	// Idempotency.
	"INVALID_IDEMPOTENCY_KEY":       payments.CodeInvalidRequest,
	"IDEMPOTENT_REQUEST_PROCESSING": payments.CodeGatewayUnavailable, // the first request's outcome is not known yet

	// The rest of the core API.
	"ACCOUNT_OWNER_CHECK_FAILED":                         payments.CodeInvalidRequest,
	"ALREADY_CLOSE_ACCOUNT":                              payments.CodeInvalidRequest,
	"ALREADY_COMPLETED_PAYMENT":                          payments.CodeInvalidState,
	"API_VERSION_UPDATE_NEEDED":                          payments.CodeGatewayError,
	"BELOW_ZERO_AMOUNT":                                  payments.CodeInvalidRequest,
	"DUPLICATED_CASH_RECEIPT":                            payments.CodeInvalidRequest,
	"DUPLICATED_ORDER_ID":                                payments.CodeInvalidState, // the orderId was used by another payment
	"DUPLICATED_REQUEST":                                 payments.CodeInvalidState,
	"EXCEED_MAX_DUE_DATE":                                payments.CodeInvalidRequest,
	"EXCEED_MAX_QUERY_LIMIT":                             payments.CodeInvalidRequest,
	"EXCEED_MAX_VALID_HOURS":                             payments.CodeInvalidRequest,
	"EXCEED_MIN_CARD_INSTALLMENT_PLAN":                   payments.CodePaymentDeclined,
	"EXCEED_UNKNOWN_CASE":                                payments.CodePaymentDeclined,
	"EXCEEDS_TRANSFER_AMOUNT_MAXIMUM":                    payments.CodePaymentDeclined,
	"INCORRECT_FAIL_URL_FORMAT":                          payments.CodeInvalidRequest,
	"INCORRECT_SUCCESS_URL_FORMAT":                       payments.CodeInvalidRequest,
	"INVALID_ACCOUNT_NOT_CORRECT_BANK":                   payments.CodeInvalidRequest,
	"INVALID_ACCOUNT_NUMBER":                             payments.CodeInvalidRequest,
	"INVALID_ACCOUNT_NUMBER_OR_UNAVAILABLE":              payments.CodeInvalidRequest,
	"INVALID_BILL_KEY_REQUEST":                           payments.CodeInvalidRequest,
	"INVALID_BILLING_AUTH":                               payments.CodeInvalidRequest,
	"INVALID_BIRTH_DAY_FORMAT":                           payments.CodePaymentDeclined, // the customer's card identity
	"INVALID_BUSINESS_NUMBER":                            payments.CodeInvalidRequest,
	"INVALID_CARD":                                       payments.CodePaymentDeclined,
	"INVALID_CARD_COMPANY":                               payments.CodePaymentDeclined,
	"INVALID_CARD_IDENTITY":                              payments.CodePaymentDeclined,
	"INVALID_CARD_INSTALLMENT_AMOUNT":                    payments.CodePaymentDeclined,
	"INVALID_CARD_INSTALLMENT_PLANS_WITH_MAX_AND_SINGLE": payments.CodeInvalidRequest,
	"INVALID_CARD_PASSWORD":                              payments.CodePaymentDeclined,
	"INVALID_CASH_RECEIPT_INFO":                          payments.CodeInvalidRequest,
	"INVALID_CLIENT_KEY":                                 payments.CodeGatewayError,
	"INVALID_CURRENCY":                                   payments.CodeInvalidRequest,
	"INVALID_CUSTOMER_KEY":                               payments.CodeInvalidRequest,
	"INVALID_DATE":                                       payments.CodeInvalidRequest,
	"INVALID_EASY_PAY":                                   payments.CodeInvalidRequest,
	"INVALID_EMAIL":                                      payments.CodeInvalidRequest,
	"INVALID_FLOW_MODE_PARAMETERS":                       payments.CodeInvalidRequest,
	"INVALID_IDENTIFICATION_TYPE":                        payments.CodeInvalidRequest,
	"INVALID_ISO_DATE_FORMAT":                            payments.CodeInvalidRequest,
	"INVALID_ORDER_ID":                                   payments.CodeInvalidRequest,
	"INVALID_ORDER_NAME":                                 payments.CodeInvalidRequest,
	"INVALID_PAGING_KEY":                                 payments.CodeInvalidRequest,
	"INVALID_PAYMENT_KEY":                                payments.CodeInvalidRequest,
	"INVALID_REQUIRED_PARAM":                             payments.CodeInvalidRequest,
	"INVALID_SUCCESS_URL":                                payments.CodeInvalidRequest,
	"INVALID_TEST_CODE":                                  payments.CodeInvalidRequest,
	"INVALID_URL":                                        payments.CodeInvalidRequest,
	"INVALID_URL_FORMAT":                                 payments.CodeInvalidRequest,
	"INVALID_VALID_HOURS_WITH_DUE_DATE_AND_SINGLE":       payments.CodeInvalidRequest,
	"INVALID_VIRTUAL_ACCOUNT_TYPE":                       payments.CodeInvalidRequest,
	"MAINTAINED_METHOD":                                  payments.CodePaymentDeclined, // the method is under maintenance: pay another way
	"NOT_ALLOWED_INSTALLMENT_BELOW_AMOUNT":               payments.CodePaymentDeclined,
	"NOT_MATCHES_CUSTOMER_KEY":                           payments.CodeInvalidRequest,
	"NOT_SUPPORTED_CARD_TYPE":                            payments.CodePaymentDeclined,
	"NOT_SUPPORTED_METHOD":                               payments.CodeInvalidRequest,
	"NOT_SUPPORTED_PROCESS":                              payments.CodeInvalidRequest,
	"NOT_SUPPORTED_USD":                                  payments.CodeInvalidRequest,
	"PAY_PROCESS_ABORTED":                                payments.CodePaymentDeclined,
	"PAY_PROCESS_CANCELED":                               payments.CodePaymentDeclined,
	"REQUIRED_ACCOUNT_KEY":                               payments.CodeInvalidRequest,
	"REQUIRED_AMOUNT":                                    payments.CodeInvalidRequest,
	"USER_ACCOUNT_ON_HOLD":                               payments.CodePaymentDeclined,
	"NOT_ALLOWED_CHANGING_ACCOUNT":                       payments.CodeInvalidRequest,
	"NOT_FOUND":                                          payments.CodePaymentNotFound,
	"NOT_FOUND_BILLING":                                  payments.CodePaymentNotFound,
	"NOT_FOUND_HTTP_METHOD":                              payments.CodeGatewayError, // our bug: wrong path or method
	"NOT_FOUND_MERCHANT":                                 payments.CodeGatewayError, // merchant contract
	"NOT_FOUND_MERCHANT_INTEGRATION":                     payments.CodeGatewayError,
	"NOT_FOUND_METHOD":                                   payments.CodeInvalidRequest,
	"FAILED_BILL_KEY_AUTH_CREATION":                      payments.CodeGatewayUnavailable,
	"FAILED_BILLING_AUTO_CANCEL":                         payments.CodeGatewayUnavailable,
	"FAILED_DB_PROCESSING":                               payments.CodeGatewayUnavailable,
	"FAILED_HASH_DATA_CREATION":                          payments.CodeGatewayUnavailable,
	"FAILED_METHOD_HANDLING":                             payments.CodeGatewayUnavailable,
	"UNKNOWN_ERROR":                                      payments.CodeGatewayUnavailable,
	"FAILED_CARD_COMPANY_RESPONSE":                       payments.CodeGatewayUnavailable, // key-in payments
}

// codeFor returns the library's code for a Toss error: the table
// above, else a rule on the code's shape (REJECT_… and EXCEED_MAX_… are
// limits and refusals, NOT_FOUND_… missing things, FAILED_… server
// failures), else the HTTP status: 404 payment_not_found, 409 and 429 and
// 5xx gateway_unavailable, 401 and 403 gateway_error, other 4xx
// invalid_request, anything else gateway_error.
func codeFor(status int, code string) payments.ErrorCode {
	if c, ok := errorCodes[code]; ok {
		return c
	}
	switch {
	case strings.HasPrefix(code, "REJECT_"), strings.HasPrefix(code, "EXCEED_MAX_"), strings.HasPrefix(code, "INVALID_CARD"):
		return payments.CodePaymentDeclined
	case strings.HasPrefix(code, "NOT_FOUND_PAYMENT"):
		return payments.CodePaymentNotFound
	case strings.HasPrefix(code, "FAILED_"):
		return payments.CodeGatewayUnavailable
	}
	switch {
	case status == http.StatusNotFound:
		return payments.CodePaymentNotFound
	case status == http.StatusConflict, status == http.StatusTooManyRequests, status >= 500:
		return payments.CodeGatewayUnavailable
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return payments.CodeGatewayError
	case status >= 400 && status < 500:
		return payments.CodeInvalidRequest
	}
	return payments.CodeGatewayError
}

// responseError is an error answer as the client received it: the
// API error and the Retry-After the response carried.
type responseError struct {
	api        *APIError
	retryAfter time.Duration
}

func (e *responseError) Error() string { return e.api.Error() }
func (e *responseError) Unwrap() error { return e.api }

// transportError is a request that got no usable answer: the
// connection failed, or the answer could not be read.
type transportError struct{ err error }

func (e *transportError) Error() string { return "toss: transport: " + e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// badResponse is a 2xx answer whose body could not be read as
// expected: the operation happened, but we cannot tell its result.
type badResponse struct {
	status int
	err    error
}

func (e *badResponse) Error() string {
	return fmt.Sprintf("toss: unreadable %d response: %v", e.status, e.err)
}
func (e *badResponse) Unwrap() error { return e.err }

// toPaymentsError converts what a call ended with into the library's
// *payments.Error. op names the call in messages ("confirm").
func toPaymentsError(ctx context.Context, op string, err error) *payments.Error {
	var pe *payments.Error
	if errors.As(err, &pe) {
		return pe
	}
	var re *responseError
	if errors.As(err, &re) {
		a := re.api
		msg := a.Message
		if msg == "" {
			msg = fmt.Sprintf("toss answered %s with HTTP %d", op, a.Status)
		}
		return &payments.Error{Code: codeFor(a.Status, a.Code), Message: msg, GatewayCode: a.Code,
			RetryAfter: re.retryAfter, Err: a}
	}
	var bad *badResponse
	if errors.As(err, &bad) {
		return &payments.Error{Code: payments.CodeGatewayUnavailable,
			Message: fmt.Sprintf("toss answered %s with a response that could not be read; the outcome is unknown", op), Err: err}
	}
	// No answer: the context ended, a timeout, or the network failed.
	switch {
	case errors.Is(err, context.Canceled) || (ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled)):
		return &payments.Error{Code: payments.CodeCanceled, Message: fmt.Sprintf("toss %s canceled by the caller", op), Err: ctxCause(ctx, err)}
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil || isTimeout(err):
		return &payments.Error{Code: payments.CodeGatewayUnavailable, Timeout: true,
			Message: fmt.Sprintf("toss did not answer %s in time; the outcome is unknown", op), Err: ctxCause(ctx, err)}
	}
	return &payments.Error{Code: payments.CodeGatewayUnavailable,
		Message: fmt.Sprintf("toss could not be reached for %s; the outcome is unknown", op), Err: err}
}

// ctxCause keeps both err and ctx's error reachable with errors.Is.
func ctxCause(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return errors.Join(err, cerr)
	}
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
