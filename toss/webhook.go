package toss

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
	"github.com/payments-go/payments/internal/web"
)

// WebhookEvent is a Toss webhook body
// (https://docs.tosspayments.com/reference/using-api/webhook-events), in
// both shapes Toss sends: {"eventType", "createdAt", "data"} for
// PAYMENT_STATUS_CHANGED and CANCEL_STATUS_CHANGED, and the flat
// DEPOSIT_CALLBACK {"createdAt", "secret", "status", "transactionKey",
// "orderId"}. The documented DEPOSIT_CALLBACK has no eventType; the
// library assumes it may come with one, or wrapped in data, and accepts
// all three. Fields the handler does not use are ignored.
type WebhookEvent struct {
	EventType string `json:"eventType"`
	CreatedAt string `json:"createdAt"`
	// Data is the Payment (or Cancel) object of a wrapped event.
	Data json.RawMessage `json:"data"`
	// The flat DEPOSIT_CALLBACK's fields.
	Secret         payments.Secret `json:"secret"`
	Status         string          `json:"status"`
	TransactionKey string          `json:"transactionKey"`
	OrderID        string          `json:"orderId"`
}

// WebhookPayment is the part of a webhook's Payment object the handler
// uses: the rest is read again from Toss.
type WebhookPayment struct {
	PaymentKey string `json:"paymentKey"`
	OrderID    string `json:"orderId"`
	Status     string `json:"status"`
}

// Webhook event types.
const (
	eventPaymentStatusChanged = "PAYMENT_STATUS_CHANGED"
	eventDepositCallback      = "DEPOSIT_CALLBACK"
	eventCancelStatusChanged  = "CANCEL_STATUS_CHANGED"
	eventBillingDeleted       = "BILLING_DELETED"
)

// webhookNote is what a webhook body asks the handler to do.
type webhookNote struct {
	Type string
	// Apply is false for events that are acknowledged and logged only.
	Apply bool
	// Foreign reports an event about an order the library cannot have
	// made: its orderId or paymentKey has a shape the library never
	// sends. It is acknowledged as order_not_found.
	Foreign        bool
	GatewayOrderID string
	Reference      string
	Secret         payments.Secret
	// BillingKey is the key a BILLING_DELETED event names.
	BillingKey payments.Secret
}

// parseWebhookBody reads a Toss webhook body with httpjson.UnmarshalEvent:
// unknown fields are ignored, since Toss adds fields over time; duplicate
// and case-variant keys, and wrong types of the fields it reads, are
// refused. An orderId the library cannot have sent (the library sends
// 6–64 of A-Za-z0-9-_; the v2 SDK also allows "=" in orderIds made by
// other integrations of the merchant, @tosspayments/tosspayments-sdk
// PaymentRequest.orderId) marks the event Foreign rather than malformed:
// it is about an order the library does not know, which answers 200 so
// that Toss stops delivering it.
func parseWebhookBody(body []byte) (webhookNote, error) {
	var ev WebhookEvent
	if err := httpjson.UnmarshalEvent(body, &ev); err != nil {
		return webhookNote{}, err
	}
	n := webhookNote{Type: ev.EventType}
	isDeposit := ev.EventType == eventDepositCallback ||
		(ev.EventType == "" && len(ev.Data) == 0 && (ev.Secret != "" || ev.TransactionKey != ""))
	switch {
	case isDeposit:
		n.Type = eventDepositCallback
		if len(ev.Data) > 0 && string(ev.Data) != "null" && ev.Secret == "" && ev.OrderID == "" {
			var inner WebhookEvent
			if err := httpjson.UnmarshalEvent(ev.Data, &inner); err != nil {
				return n, prefixMessage(err, "data: ")
			}
			ev.Secret, ev.OrderID = inner.Secret, inner.OrderID
		}
		if !validOrderID(ev.OrderID) {
			n.Foreign = true
			return n, nil
		}
		if ev.Secret == "" || len(ev.Secret) > 200 {
			return n, &payments.Error{Code: payments.CodeInvalidSignature, Message: "the deposit callback has no valid secret"}
		}
		n.Apply, n.GatewayOrderID, n.Secret = true, ev.OrderID, ev.Secret
	case ev.EventType == eventPaymentStatusChanged:
		if len(ev.Data) == 0 || string(ev.Data) == "null" {
			return n, web.Invalid("data is required")
		}
		var p WebhookPayment
		if err := httpjson.UnmarshalEvent(ev.Data, &p); err != nil {
			return n, prefixMessage(err, "data: ")
		}
		if !validOrderID(p.OrderID) || len(p.PaymentKey) > 200 || !web.SafeChars(p.PaymentKey, "-_.~") {
			n.Foreign = true
			return n, nil
		}
		n.Apply, n.GatewayOrderID, n.Reference = true, p.OrderID, p.PaymentKey
	case ev.EventType == eventBillingDeleted:
		if len(ev.Data) == 0 || string(ev.Data) == "null" {
			return n, web.Invalid("data is required")
		}
		var d struct {
			BillingKey string `json:"billingKey"`
		}
		if err := httpjson.UnmarshalEvent(ev.Data, &d); err != nil {
			return n, prefixMessage(err, "data: ")
		}
		if d.BillingKey == "" || len(d.BillingKey) > 200 {
			return n, web.Invalid("data.billingKey is required")
		}
		n.Apply, n.BillingKey = true, payments.Secret(d.BillingKey)
	case ev.EventType == eventCancelStatusChanged:
		// An asynchronous cancel (foreign easy pay) finished; refunds are
		// settled by the service's reconciliation, so it is only logged.
	case ev.EventType == "":
		return n, web.Invalid("eventType is required")
	case len(ev.EventType) > 64 || !web.SafeChars(ev.EventType, "-_."):
		return n, web.Invalid("eventType is malformed")
	default:
		// Event types the library does not use are acknowledged.
	}
	return n, nil
}

// webhook serves POST /webhook. Toss does not sign payment webhooks, so
// a body only tells which payment to look at: PAYMENT_STATUS_CHANGED makes
// the service read the payment again from Toss, and a DEPOSIT_CALLBACK
// must carry the deposit secret of the virtual account. The answer follows
// web.AnswerWebhook: Toss delivers again anything but a 200
// (https://docs.tosspayments.com/guides/webhook).
func (h *handler) webhook(w http.ResponseWriter, r *http.Request) {
	body, err := web.ReadEventBody(w, r)
	if err != nil {
		httpjson.WriteError(w, err)
		return
	}
	ctx := r.Context()
	n, err := parseWebhookBody(body)
	if err != nil {
		h.log.WarnContext(ctx, "toss: webhook refused", "code", payments.Code(err), "bytes", len(body))
		httpjson.WriteError(w, err)
		return
	}
	eventID := r.Header.Get("tosspayments-webhook-transmission-id")
	if eventID == "" || len(eventID) > 200 || !web.SafeChars(eventID, "-_.:") {
		sum := sha256.Sum256(body)
		eventID = "body-" + hex.EncodeToString(sum[:16])
	}
	ans := web.WebhookAnswer{EventID: eventID, Type: n.Type}
	attrs := []any{"event", n.Type, "event_id", eventID, "gateway_order_id", n.GatewayOrderID,
		"retried", web.Clip(r.Header.Get("tosspayments-webhook-transmission-retried-count"), 8)}
	switch {
	case n.Foreign:
		err := &payments.Error{Code: payments.CodeOrderNotFound, Message: "the event is about an order this service did not make"}
		h.log.Log(ctx, web.AnswerWebhook(w, r, ans, err), "toss: webhook for an unknown order", attrs...)
		return
	case !n.Apply:
		ans.Result, ans.Reason = web.Ignored, "event type not used"
		h.log.Log(ctx, web.AnswerWebhook(w, r, ans, nil), "toss: webhook acknowledged", attrs...)
		return
	}
	if n.Type == eventBillingDeleted {
		h.billingDeleted(ctx, w, r, ans, n, attrs)
		return
	}
	// Toss counts a delivery failed unless it gets a 200 within 10
	// seconds, and delivers it again later
	// (https://docs.tosspayments.com/guides/webhook). The work is bounded
	// below that, so that the answer is never late: what is left undone
	// answers 503 and is done on Toss's next delivery or by the service's
	// reconciliation.
	ctx, cancel := context.WithTimeout(ctx, h.webhookDeadline)
	defer cancel()
	p, err := h.svc.HandleNotification(ctx, payments.Notification{
		Gateway: gatewayName, EventID: eventID, GatewayOrderID: n.GatewayOrderID, Reference: n.Reference, DepositSecret: n.Secret,
	})
	if p != nil {
		attrs = append(attrs, "status", p.Status)
	}
	if err != nil {
		attrs = append(attrs, "code", payments.Code(err))
	}
	h.log.Log(ctx, web.AnswerWebhook(w, r, ans, err), "toss: webhook", attrs...)
}

// prefixMessage returns err with prefix before its message, for errors
// about a nested object.
func prefixMessage(err error, prefix string) error {
	var pe *payments.Error
	if errors.As(err, &pe) {
		c := *pe
		c.Message = prefix + c.Message
		return &c
	}
	return err
}

// billingDeleted applies BILLING_DELETED: the saved method whose billing
// key the event names becomes removed. Toss does not sign it; the body
// names a billing key, which only Toss and the library know, so an event
// naming a stored key is taken as Toss's (and one naming none is
// acknowledged and changes nothing).
func (h *handler) billingDeleted(ctx context.Context, w http.ResponseWriter, r *http.Request, ans web.WebhookAnswer, n webhookNote, attrs []any) {
	m, err := h.svc.MethodRemovedAtGateway(ctx, gatewayName, n.BillingKey)
	if payments.Code(err) == payments.CodeMethodNotFound {
		ans.Result, ans.Reason = web.Ignored, "unknown billing key"
		h.log.Log(ctx, web.AnswerWebhook(w, r, ans, nil), "toss: billing key deleted, not one of ours", attrs...)
		return
	}
	if m != nil {
		attrs = append(attrs, "method", m.ID)
	}
	if err != nil {
		attrs = append(attrs, "code", payments.Code(err))
	}
	h.log.Log(ctx, web.AnswerWebhook(w, r, ans, err), "toss: billing key deleted", attrs...)
}
