package stripe

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/redact"
	"github.com/payments-go/payments/internal/web"
)

// Operations, for error classification.
const (
	opPrepare = "prepare"
	opConfirm = "confirm"
	opLookup  = "lookup"
	opRefund  = "refund"
	opCancel  = "cancel"
)

// fail turns an error from stripe-go into a *payments.Error; see the
// package documentation for the mapping, and
// https://docs.stripe.com/api/errors and https://docs.stripe.com/error-codes
// for Stripe's side. The *stripego.Error stays reachable with errors.As;
// no message contains the secret key.
func (g *Gateway) fail(ctx context.Context, op string, err error) error {
	var se *stripego.Error
	if !errors.As(err, &se) {
		e := transportError(ctx, err)
		g.log.WarnContext(ctx, "stripe: request failed", "operation", op, "code", e.Code, "error", err)
		return e
	}
	if se.PaymentIntent != nil {
		// The error embeds the PaymentIntent; keep its client secret out
		// of anything that prints the error.
		se.PaymentIntent.ClientSecret = ""
	}
	e := &payments.Error{Message: web.Clip(redact.String(se.Msg), 300), Err: se}
	status := se.HTTPStatusCode
	switch {
	case se.Type == stripego.ErrorTypeCard || status == http.StatusPaymentRequired:
		e.Code, e.GatewayCode = payments.CodePaymentDeclined, gatewayCode(se)
		if e.Message == "" {
			e.Message = "the card was declined"
		}
	case status == http.StatusTooManyRequests || status >= 500 || se.Type == stripego.ErrorTypeAPI ||
		se.Code == stripego.ErrorCodeIdempotencyKeyInUse:
		e.Code, e.GatewayCode = payments.CodeGatewayUnavailable, string(se.Code)
		e.Message = "Stripe is unavailable (HTTP " + strconv.Itoa(status) + "); the outcome is unknown"
		if se.LastResponse != nil {
			e.RetryAfter = retryAfter(se.LastResponse.Header.Get("Retry-After"), time.Now())
		}
	case se.Type == stripego.ErrorTypeIdempotency:
		e.Code = payments.CodeIdempotencyKeyReused
		e.Message = "Stripe refused the idempotency key: it was used with other parameters"
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Code = payments.CodeGatewayError
		e.Message = "Stripe refused the API key (HTTP " + strconv.Itoa(status) + ")"
	case se.Code == stripego.ErrorCodeResourceMissing && se.Param == "payment_method":
		e.Code, e.GatewayCode = payments.CodeInvalidRequest, string(se.Code)
	case se.Code == stripego.ErrorCodeResourceMissing:
		e.Code, e.GatewayCode = payments.CodePaymentNotFound, string(se.Code)
	case op == opRefund && (se.Code == stripego.ErrorCodeChargeDisputed || se.Code == stripego.ErrorCodeRefundDisputedPayment):
		// Which of the two Stripe answers for a charged-back payment is
		// not documented; both mean a dispute holds the money.
		e.Code, e.GatewayCode = payments.CodePaymentDisputed, string(se.Code)
	case op == opCapture && (se.Code == stripego.ErrorCodeAmountTooLarge || se.Param == "amount_to_capture"):
		e.Code, e.GatewayCode = payments.CodeCaptureExceedsAuthorized, string(se.Code)
	case op == opCapture && (se.Code == stripego.ErrorCodeChargeExpiredForCapture || se.Code == stripego.ErrorCodeCaptureChargeAuthorizationExpired):
		e.Code, e.GatewayCode = payments.CodeInvalidState, string(se.Code)
	case op == opRefund && (se.Code == stripego.ErrorCodeChargeAlreadyRefunded || se.Code == stripego.ErrorCodeAmountTooLarge ||
		(se.Param == "amount" && se.Code == "")):
		e.Code, e.GatewayCode = payments.CodeRefundExceedsBalance, string(se.Code)
	case se.Code == stripego.ErrorCodePaymentIntentUnexpectedState:
		e.Code, e.GatewayCode = payments.CodeInvalidState, string(se.Code)
	default:
		e.Code, e.GatewayCode = payments.CodeGatewayError, string(se.Code)
		if e.Message == "" {
			e.Message = "Stripe refused the request"
		}
	}
	g.log.DebugContext(ctx, "stripe: API error", "operation", op, "code", e.Code, "stripe_code", string(se.Code),
		"status", status, "request_id", se.RequestID)
	return e
}

// transportError is the error for a request that got no answer from
// Stripe: canceled, past its deadline, timed out or unable to connect.
// Apart from a cancellation, the outcome is unknown.
func transportError(ctx context.Context, err error) *payments.Error {
	e := &payments.Error{Code: payments.CodeGatewayUnavailable, Err: err}
	var ne net.Error
	switch cerr := ctx.Err(); {
	case errors.Is(cerr, context.Canceled):
		e.Code, e.Message = payments.CodeCanceled, "the call to Stripe was canceled"
		if !errors.Is(err, cerr) {
			e.Err = errors.Join(cerr, err)
		}
	case cerr != nil:
		e.Timeout, e.Message = true, "Stripe did not answer before the deadline; the outcome is unknown"
		if !errors.Is(err, cerr) {
			e.Err = errors.Join(cerr, err)
		}
	case errors.As(err, &ne) && ne.Timeout():
		e.Timeout, e.Message = true, "Stripe did not answer in time; the outcome is unknown"
	default:
		e.Message = "could not reach Stripe; the outcome is unknown"
	}
	return e
}

// gatewayCode is the code reported to callers for a Stripe error: the
// decline code when there is one (https://docs.stripe.com/declines/codes),
// else the error code.
func gatewayCode(e *stripego.Error) string {
	if e.DeclineCode != "" {
		return string(e.DeclineCode)
	}
	return string(e.Code)
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
