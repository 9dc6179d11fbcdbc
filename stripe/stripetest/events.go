package stripetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"

	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"
)

// Event is an event the server created, as listed by [Server.Events].
type Event struct {
	// ID is the event id ("evt_...").
	ID string
	// Type is the event type, such as "checkout.session.completed".
	Type string
	// Payload is the event JSON exactly as delivered; sign it with
	// [Server.Sign] to feed it to a webhook handler yourself.
	Payload []byte
	// Attempts counts delivery attempts to Config.WebhookURL.
	Attempts int
	// Delivered reports that an attempt got a 2xx answer.
	Delivered bool
	// LastStatus is the HTTP status of the last attempt (0 if none or if
	// the request failed).
	LastStatus int
	// LastError describes the last failed attempt, if any.
	LastError string
}

type eventJSON struct {
	ID              string         `json:"id"`
	Object          string         `json:"object"`
	APIVersion      string         `json:"api_version"`
	Created         int64          `json:"created"`
	Data            eventData      `json:"data"`
	Livemode        bool           `json:"livemode"`
	PendingWebhooks int            `json:"pending_webhooks"`
	Request         map[string]any `json:"request"`
	Type            string         `json:"type"`
}

type eventData struct {
	Object any `json:"object"`
}

// eventPayload renders an event with the given id, as Stripe's Event
// object (https://docs.stripe.com/api/events/object).
func (s *Server) eventPayload(id, eventType string, object any) []byte {
	pending := 0
	if s.hookURL != "" {
		pending = 1
	}
	return jsonBytes(eventJSON{
		ID: id, Object: "event", APIVersion: stripego.APIVersion, Created: s.now().Unix(),
		Data: eventData{Object: object}, PendingWebhooks: pending,
		Request: map[string]any{"id": nil, "idempotency_key": nil}, Type: eventType,
	})
}

// emit records an event and queues its delivery. Called with s.mu held.
func (s *Server) emit(eventType string, object any) {
	id := newID("evt_", 24)
	rec := &Event{ID: id, Type: eventType, Payload: s.eventPayload(id, eventType, object)}
	s.events = append(s.events, rec)
	if s.hookURL != "" {
		s.hooks.enqueue(rec)
	}
}

// Events returns the events created so far, oldest first, with their
// delivery state. Events are recorded whether or not WebhookURL is set.
func (s *Server) Events() []Event {
	s.lock()
	defer s.mu.Unlock()
	out := make([]Event, len(s.events))
	for i, e := range s.events {
		out[i] = *e
		out[i].Payload = bytes.Clone(e.Payload)
	}
	return out
}

// Sign returns a Stripe-Signature header value ("t=...,v1=...") for
// payload, signed with the webhook secret at the server's current time,
// as webhook.GenerateTestSignedPayload does.
func (s *Server) Sign(payload []byte) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
		Payload: payload, Secret: s.secret, Timestamp: s.now(),
	}).Header
}

// SignedEvent builds a Stripe Event of eventType whose data.object is
// object (any JSON-encodable value, such as a *stripego.CheckoutSession or
// a json.RawMessage holding a JSON object) and signs it. The result
// verifies with webhook.ConstructEvent and the server's secret (as long as
// Config.Now is close to the real clock, or with IgnoreTolerance). The event
// is not recorded or delivered.
func (s *Server) SignedEvent(eventType string, object any) (payload []byte, header string, err error) {
	raw, err := json.Marshal(object)
	if err != nil {
		return nil, "", err
	}
	if len(raw) == 0 || raw[0] != '{' {
		return nil, "", errors.New("stripetest: SignedEvent object must encode as a JSON object")
	}
	payload = s.eventPayload(newID("evt_", 24), eventType, json.RawMessage(raw))
	return payload, s.Sign(payload), nil
}

// Flush waits until every queued event has been delivered (or has failed)
// to Config.WebhookURL, including events created by the deliveries
// themselves, or until ctx is done.
func (s *Server) Flush(ctx context.Context) error {
	d := s.hooks
	d.mu.Lock()
	idle := d.idle
	d.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// deliverer sends queued events, one at a time, from a goroutine that runs
// only while the queue is non-empty.
type deliverer struct {
	s      *Server
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	queue   []*Event
	running bool
	closed  bool
	idle    chan struct{} // closed while nothing is queued or in flight
	wg      sync.WaitGroup
}

func newDeliverer(s *Server) *deliverer {
	ctx, cancel := context.WithCancel(context.Background())
	idle := make(chan struct{})
	close(idle)
	return &deliverer{s: s, ctx: ctx, cancel: cancel, idle: idle}
}

func (d *deliverer) enqueue(rec *Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	d.queue = append(d.queue, rec)
	if !d.running {
		d.running = true
		d.idle = make(chan struct{})
		d.wg.Add(1)
		go d.run()
	}
}

func (d *deliverer) run() {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		if len(d.queue) == 0 || d.closed {
			d.queue = nil
			d.running = false
			close(d.idle)
			d.mu.Unlock()
			return
		}
		rec := d.queue[0]
		d.queue = d.queue[1:]
		d.mu.Unlock()
		d.deliver(rec)
	}
}

func (d *deliverer) deliver(rec *Event) {
	s := d.s
	s.lock()
	payload := rec.Payload
	s.mu.Unlock()
	status, errMsg := 0, ""
	req, err := http.NewRequestWithContext(d.ctx, http.MethodPost, s.hookURL, bytes.NewReader(payload))
	if err == nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
		req.Header.Set("Stripe-Signature", s.Sign(payload))
		var res *http.Response
		res, err = s.client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
			_ = res.Body.Close()
			status = res.StatusCode
		}
	}
	if err != nil {
		errMsg = err.Error()
	} else if status < 200 || status > 299 {
		errMsg = "webhook endpoint answered " + http.StatusText(status)
	}
	s.lock()
	rec.Attempts++
	rec.LastStatus = status
	rec.LastError = errMsg
	if errMsg == "" {
		rec.Delivered = true
	}
	s.mu.Unlock()
}

func (d *deliverer) close() {
	d.mu.Lock()
	d.closed = true
	d.queue = nil
	d.mu.Unlock()
	d.cancel()
	d.wg.Wait()
}
