package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
)

// WebhookAnswer is the body of a 200 answer to a gateway's webhook
// delivery. Gateways only look at the status; the body is for people
// reading the delivery log in the gateway's dashboard.
type WebhookAnswer struct {
	Received bool   `json:"received"`
	EventID  string `json:"event_id,omitempty"`
	Type     string `json:"type,omitempty"`
	Result   string `json:"result"`           // "processed" or "ignored"
	Reason   string `json:"reason,omitempty"` // why it was ignored
}

// Results of a webhook delivery.
const (
	Processed = "processed"
	Ignored   = "ignored"
)

// AnswerWebhook answers a gateway's delivery of one genuine event, given
// err, the outcome of applying it, and returns the level to log the
// outcome at. The policy is the same for every gateway: the status tells
// the gateway whether to deliver the event again (both Toss and Stripe
// retry anything but a 2xx).
//
//   - nil: 200, processed.
//   - order_not_found, payment_not_found: 200, ignored (not ours, or not
//     any more: a retry cannot change that).
//   - invalid_signature, invalid_request: 400 with the error envelope.
//   - gateway_unavailable, or the request's context ended: 503, so that
//     the gateway delivers the event again later.
//   - gateway_error, internal_error: the envelope with its status (502,
//     500); delivered again.
//   - any other code is a definitive outcome that a redelivery would only
//     repeat (an amount that differs from the order's, say): 200, ignored,
//     with the code as the reason, logged at Error level for a person to
//     look at.
//
// ans gives the event's id and type; AnswerWebhook sets Received, Result
// and, where it decides, Reason. r is the delivery being answered: a
// route registered with [Router.Observe] reports the outcome to the
// trace.
func AnswerWebhook(w http.ResponseWriter, r *http.Request, ans WebhookAnswer, err error) slog.Level {
	ans.Received = true
	code := payments.Code(err)
	if ri, ok := r.Context().Value(routeKey{}).(*routeInfo); ok {
		ri.eventType, ri.code = ans.Type, code
		if ans.Result == Ignored || (err != nil && (code == payments.CodeOrderNotFound || code == payments.CodePaymentNotFound)) {
			ri.ignored = true
		}
	}
	switch {
	case err == nil:
		if ans.Result == "" {
			ans.Result = Processed
		}
		httpjson.Write(w, http.StatusOK, ans)
		return slog.LevelInfo
	case code == payments.CodeOrderNotFound || code == payments.CodePaymentNotFound:
		ans.Result, ans.Reason = Ignored, string(code)
		httpjson.Write(w, http.StatusOK, ans)
		return slog.LevelInfo
	case code == payments.CodeInvalidSignature || code == payments.CodeInvalidRequest:
		httpjson.WriteError(w, err)
		return slog.LevelWarn
	case code == payments.CodeGatewayUnavailable || code == payments.CodeCanceled ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		httpjson.Write(w, http.StatusServiceUnavailable, httpjson.ErrorBody{Error: httpjson.ErrorDetail{
			Code: payments.CodeGatewayUnavailable, Message: "the event could not be processed now; deliver it again later"}})
		return slog.LevelWarn
	case code == payments.CodeGatewayError || code == payments.CodeInternal:
		httpjson.WriteError(w, err)
		return slog.LevelError
	default:
		ans.Result, ans.Reason = Ignored, string(code)
		if ri, ok := r.Context().Value(routeKey{}).(*routeInfo); ok {
			ri.ignored = true
		}
		httpjson.Write(w, http.StatusOK, ans)
		return slog.LevelError
	}
}
