package tosstest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Webhook event types the fake sends (https://docs.tosspayments.com/reference/using-api/webhook-events).
const (
	EventPaymentStatusChanged = "PAYMENT_STATUS_CHANGED"
	EventDepositCallback      = "DEPOSIT_CALLBACK"
)

// Webhook is one webhook the fake produced, and what became of its delivery.
type Webhook struct {
	// EventType is EventPaymentStatusChanged or EventDepositCallback. (The
	// DEPOSIT_CALLBACK body itself has no eventType field, as documented.)
	EventType string
	// TransmissionID and TransmissionTime are the values of the
	// tosspayments-webhook-transmission-id and -time headers.
	TransmissionID   string
	TransmissionTime string
	// Body is the JSON body.
	Body []byte
	// Attempted reports that the fake tried to POST it (Config.WebhookURL
	// was set). StatusCode is the receiver's answer, Err the transport error.
	Attempted  bool
	StatusCode int
	Err        error
}

// Webhooks returns every webhook produced so far, oldest first, including
// those not (yet) delivered.
func (s *Server) Webhooks() []Webhook {
	s.lock()
	defer s.mu.Unlock()
	out := make([]Webhook, len(s.hooks))
	for i, h := range s.hooks {
		out[i] = *h
		out[i].Body = slices.Clone(h.Body)
	}
	return out
}

// FlushWebhooks blocks until every asynchronous webhook delivery started so
// far has finished. Deliveries caused by API calls (confirm, cancel, issue,
// timers noticed by a request) are asynchronous, as with the real service;
// those caused by [Server.Deposit] are synchronous.
func (s *Server) FlushWebhooks() {
	s.lock()
	defer s.mu.Unlock()
	for s.pending > 0 {
		s.idle.Wait()
	}
}

// statusChangedLocked records a PAYMENT_STATUS_CHANGED event carrying the
// payment as it is now.
func (s *Server) statusChangedLocked(rec *record, now time.Time) *Webhook {
	body, err := json.Marshal(struct {
		EventType string          `json:"eventType"`
		CreatedAt string          `json:"createdAt"`
		Data      json.RawMessage `json:"data"`
	}{EventPaymentStatusChanged, s.eventTime(now), rec.p.json()})
	if err != nil {
		panic("tosstest: marshal webhook: " + err.Error())
	}
	return s.newHookLocked(EventPaymentStatusChanged, body, now)
}

// depositCallbackLocked records a DEPOSIT_CALLBACK event: the documented
// flat body, without eventType, data wrapper or paymentKey.
func (s *Server) depositCallbackLocked(rec *record, txKey string, now time.Time) *Webhook {
	secret := ""
	if rec.p.Secret != nil {
		secret = *rec.p.Secret
	}
	body, err := json.Marshal(struct {
		CreatedAt      string `json:"createdAt"`
		Secret         string `json:"secret"`
		Status         string `json:"status"`
		TransactionKey string `json:"transactionKey"`
		OrderID        string `json:"orderId"`
	}{s.eventTime(now), secret, rec.p.Status, txKey, rec.p.OrderID})
	if err != nil {
		panic("tosstest: marshal webhook: " + err.Error())
	}
	return s.newHookLocked(EventDepositCallback, body, now)
}

// eventTime is the createdAt of payment events: Korean time without an
// offset, in microseconds whose trailing zeros are dropped, so that the
// fraction has 1–6 digits ("2024-02-13T14:46:59.65327"), or ".000000" on
// a whole second, as the docs' examples show
// (https://docs.tosspayments.com/reference/using-api/webhook-events;
// observed: https://techchat.tosspayments.com/m/1456527343664496660).
func (s *Server) eventTime(t time.Time) string {
	out := t.In(s.kst).Format("2006-01-02T15:04:05.000000")
	if trimmed := strings.TrimRight(out, "0"); !strings.HasSuffix(trimmed, ".") {
		out = trimmed
	}
	return out
}

func (s *Server) newHookLocked(eventType string, body []byte, now time.Time) *Webhook {
	h := &Webhook{
		EventType:        eventType,
		TransmissionID:   "whtrans_" + randText(lowernum, 27),
		TransmissionTime: s.fmtTime(now),
		Body:             body,
	}
	s.hooks = append(s.hooks, h)
	return h
}

// dispatchLocked delivers hooks in order on a tracked goroutine.
func (s *Server) dispatchLocked(hooks []*Webhook) {
	if len(hooks) == 0 || s.cfg.WebhookURL == "" || s.closed {
		return
	}
	s.pending++
	go func() {
		for _, h := range hooks {
			s.deliver(s.ctx, h)
		}
		s.lock()
		s.pending--
		if s.pending == 0 {
			s.idle.Broadcast()
		}
		s.mu.Unlock()
	}()
}

// deliverNow delivers hooks in order on the calling goroutine.
func (s *Server) deliverNow(ctx context.Context, hooks []*Webhook) {
	if s.cfg.WebhookURL == "" {
		return
	}
	for _, h := range hooks {
		s.deliver(ctx, h)
	}
}

// deliver POSTs one webhook once (the fake does not retry) with Toss's
// tosspayments-webhook-transmission-* headers; there is no signature
// header on payment events.
func (s *Server) deliver(ctx context.Context, h *Webhook) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var status int
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.WebhookURL, bytes.NewReader(h.Body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("tosspayments-webhook-transmission-time", h.TransmissionTime)
		req.Header.Set("tosspayments-webhook-transmission-retried-count", strconv.Itoa(0))
		req.Header.Set("tosspayments-webhook-transmission-id", h.TransmissionID)
		var resp *http.Response
		resp, err = s.client.Do(req)
		if err == nil {
			status = resp.StatusCode
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			_ = resp.Body.Close()
		}
	}
	s.lock()
	h.Attempted, h.StatusCode, h.Err = true, status, err
	s.mu.Unlock()
}
