package payments

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// ErrorCode is a stable, machine-readable error code. The codes and their
// HTTP statuses are part of the library's contract: handlers answer with
// them, and applications may switch on them.
type ErrorCode string

// The error codes. Each has a sentinel [Error] of the same name (ErrXxx)
// for use with [errors.Is].
const (
	CodeInvalidRequest       ErrorCode = "invalid_request"        // 400
	CodeUnsupportedMediaType ErrorCode = "unsupported_media_type" // 415
	CodeBodyTooLarge         ErrorCode = "body_too_large"         // 413
	CodeMethodNotAllowed     ErrorCode = "method_not_allowed"     // 405
	CodeRedirectNotAllowed   ErrorCode = "redirect_not_allowed"   // 400
	CodeInvalidSignature     ErrorCode = "invalid_signature"      // 400
	CodeOrderNotFound        ErrorCode = "order_not_found"        // 404
	CodePaymentNotFound      ErrorCode = "payment_not_found"      // 404
	CodeEventNotFound        ErrorCode = "event_not_found"        // 404: no stored event has that id
	CodeAmountMismatch       ErrorCode = "amount_mismatch"        // 409
	CodeAlreadyPaid          ErrorCode = "already_paid"           // 409
	CodeInvalidState         ErrorCode = "invalid_state"          // 409
	CodeRefundExceedsBalance ErrorCode = "refund_exceeds_balance" // 409
	CodePaymentDeclined      ErrorCode = "payment_declined"       // 402
	CodeUnauthorized         ErrorCode = "unauthorized"           // 401
	CodeForbidden            ErrorCode = "forbidden"              // 403
	CodeIdempotencyKeyReused ErrorCode = "idempotency_key_reused" // 409
	CodeGatewayError         ErrorCode = "gateway_error"          // 502
	CodeGatewayUnavailable   ErrorCode = "gateway_unavailable"    // 503, or 504 on a timeout
	CodeCanceled             ErrorCode = "canceled"               // 499: the caller gave up
	CodeInternal             ErrorCode = "internal_error"         // 500
	CodeMethodNotFound       ErrorCode = "method_not_found"       // 404: no saved payment method has that id
	CodeMethodNotActive      ErrorCode = "method_not_active"      // 409: the saved payment method was removed

	// CodeCaptureExceedsAuthorized: a capture asked for more than the
	// authorisation allows.
	CodeCaptureExceedsAuthorized ErrorCode = "capture_exceeds_authorized" // 409
	// CodePaymentDisputed: a refund asked for money that an open or lost
	// dispute holds.
	CodePaymentDisputed ErrorCode = "payment_disputed" // 409
)

var codeStatus = map[ErrorCode]int{
	CodeInvalidRequest:       http.StatusBadRequest,
	CodeUnsupportedMediaType: http.StatusUnsupportedMediaType,
	CodeBodyTooLarge:         http.StatusRequestEntityTooLarge,
	CodeMethodNotAllowed:     http.StatusMethodNotAllowed,
	CodeRedirectNotAllowed:   http.StatusBadRequest,
	CodeInvalidSignature:     http.StatusBadRequest,
	CodeOrderNotFound:        http.StatusNotFound,
	CodePaymentNotFound:      http.StatusNotFound,
	CodeEventNotFound:        http.StatusNotFound,
	CodeAmountMismatch:       http.StatusConflict,
	CodeAlreadyPaid:          http.StatusConflict,
	CodeInvalidState:         http.StatusConflict,
	CodeRefundExceedsBalance: http.StatusConflict,
	CodePaymentDeclined:      http.StatusPaymentRequired,
	CodeUnauthorized:         http.StatusUnauthorized,
	CodeForbidden:            http.StatusForbidden,
	CodeIdempotencyKeyReused: http.StatusConflict,
	CodeGatewayError:         http.StatusBadGateway,
	CodeGatewayUnavailable:   http.StatusServiceUnavailable,
	CodeCanceled:             499,
	CodeInternal:             http.StatusInternalServerError,
	CodeMethodNotFound:       http.StatusNotFound,
	CodeMethodNotActive:      http.StatusConflict,

	CodeCaptureExceedsAuthorized: http.StatusConflict,
	CodePaymentDisputed:          http.StatusConflict,
}

// HTTPStatus returns the HTTP status that goes with c, or 500 for a code
// the library does not define.
func (c ErrorCode) HTTPStatus() int {
	if s, ok := codeStatus[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Error is the library's error. Code is stable; Message is for people and
// never contains secrets; GatewayCode is the provider's own code (a Toss
// error code such as "REJECT_CARD_COMPANY", a Stripe decline code such as
// "insufficient_funds"), where there is one. Err, the cause, keeps the
// provider's error (*toss.APIError, *stripego.Error) reachable with
// [errors.As].
type Error struct {
	Code        ErrorCode
	Message     string
	GatewayCode string
	// RetryAfter, when positive, is how long the provider asked callers to
	// wait before trying again.
	RetryAfter time.Duration
	// Timeout reports that the gateway did not answer in time; the outcome
	// of the call is unknown. Such an error answers HTTP 504.
	Timeout bool
	Err     error
}

// Error implements the error interface: "code: message".
func (e *Error) Error() string {
	msg := string(e.Code)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.GatewayCode != "" {
		msg += " (gateway code " + e.GatewayCode + ")"
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrPaymentDeclined) and the like true for every
// *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Err == nil && t.Code == e.Code
}

// HTTPStatus returns the HTTP status for e: its code's, except 504 for a
// gateway timeout.
func (e *Error) HTTPStatus() int {
	if e.Code == CodeGatewayUnavailable && e.Timeout {
		return http.StatusGatewayTimeout
	}
	return e.Code.HTTPStatus()
}

// Sentinels for errors.Is. Any *Error with the same code matches.
var (
	ErrInvalidRequest       = &Error{Code: CodeInvalidRequest}
	ErrUnsupportedMediaType = &Error{Code: CodeUnsupportedMediaType}
	ErrBodyTooLarge         = &Error{Code: CodeBodyTooLarge}
	ErrMethodNotAllowed     = &Error{Code: CodeMethodNotAllowed}
	ErrRedirectNotAllowed   = &Error{Code: CodeRedirectNotAllowed}
	ErrInvalidSignature     = &Error{Code: CodeInvalidSignature}
	ErrOrderNotFound        = &Error{Code: CodeOrderNotFound}
	ErrPaymentNotFound      = &Error{Code: CodePaymentNotFound}
	ErrEventNotFound        = &Error{Code: CodeEventNotFound}
	ErrAmountMismatch       = &Error{Code: CodeAmountMismatch}
	ErrAlreadyPaid          = &Error{Code: CodeAlreadyPaid}
	ErrInvalidState         = &Error{Code: CodeInvalidState}
	ErrRefundExceedsBalance = &Error{Code: CodeRefundExceedsBalance}
	ErrPaymentDeclined      = &Error{Code: CodePaymentDeclined}
	ErrUnauthorized         = &Error{Code: CodeUnauthorized}
	ErrForbidden            = &Error{Code: CodeForbidden}
	ErrIdempotencyKeyReused = &Error{Code: CodeIdempotencyKeyReused}
	ErrGatewayError         = &Error{Code: CodeGatewayError}
	ErrGatewayUnavailable   = &Error{Code: CodeGatewayUnavailable}
	ErrMethodNotFound       = &Error{Code: CodeMethodNotFound}
	ErrMethodNotActive      = &Error{Code: CodeMethodNotActive}

	// ErrCaptureExceedsAuthorized: see [CodeCaptureExceedsAuthorized].
	ErrCaptureExceedsAuthorized = &Error{Code: CodeCaptureExceedsAuthorized}
	// ErrPaymentDisputed: see [CodePaymentDisputed].
	ErrPaymentDisputed = &Error{Code: CodePaymentDisputed}
)

// ErrConflict is returned by [Store.Update] when the stored payment's
// version is no longer the one the caller read: another writer won the
// race. The [Service] reloads and tries again; it is never shown to
// HTTP callers.
var ErrConflict = errors.New("payments: concurrent update (version conflict)")

// Code returns the [ErrorCode] of err: the code of the first *Error in its
// chain; [CodeGatewayUnavailable] for a context deadline (the outcome of a
// gateway call cut short is unknown); [CodeCanceled] for a canceled
// context; "" for nil; and [CodeInternal] for anything else.
func Code(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	switch {
	case errors.As(err, &e):
		return e.Code
	case errors.Is(err, context.DeadlineExceeded):
		return CodeGatewayUnavailable
	case errors.Is(err, context.Canceled):
		return CodeCanceled
	default:
		return CodeInternal
	}
}

// HTTPStatus returns the HTTP status for err, following [Code] (and
// [Error.HTTPStatus] for gateway timeouts). It returns 200 for nil.
func HTTPStatus(err error) int {
	if err == nil {
		return http.StatusOK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.HTTPStatus()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return http.StatusGatewayTimeout
	}
	return Code(err).HTTPStatus()
}

// errorf builds an *Error with a message.
func errorf(code ErrorCode, msg string) *Error { return &Error{Code: code, Message: msg} }
