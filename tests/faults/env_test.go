package faults_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/stripe/stripetest"
	"github.com/payments-go/payments/toss"
	"github.com/payments-go/payments/toss/tosstest"
)

// Deadlines. answerDeadline is the client's tight deadline for an answer,
// which the timeout and slow-response faults run into; it applies only to
// the requests those faults hit, so that a loaded machine never turns a
// healthy request into a timeout. Every other request, and every wait on
// an outcome, has a generous deadline.
const (
	answerDeadline = 500 * time.Millisecond
	clientTimeout  = 30 * time.Second // HTTPClient.Timeout, per try
	callDeadline   = 2 * time.Minute  // the context of each cell
)

// The secret keys; no error text may contain them.
const (
	tossSecretKey   = "test_sk_faultmatrix_5b9e1c7d2a"
	stripeSecretKey = "sk_test_faultmatrix_8f3a6d0e4c"
)

// The orders the cells pay: KRW for Toss (the only currency it takes), USD
// for Stripe.
var (
	tossOrder = payments.Order{Number: "ORD-20260122-001", Name: "Cool T-Shirt 외 1건", Amount: 58990, Currency: payments.KRW,
		Customer: payments.Customer{Name: "김토스", Email: "toss@example.com"}}
	stripeOrder = payments.Order{Number: "ORD-20260122-002", Name: "Cool T-Shirt", Amount: 5000, Currency: "USD",
		Customer: payments.Customer{Email: "stripe@example.com"}}
)

// env is one cell's world: a fake gateway on its own loopback server, the
// library's client for it on a faultyNetwork with short deadlines and one
// retry, and a Service over a fresh memstore.
type env struct {
	t     *testing.T
	ctx   context.Context
	svc   *payments.Service
	nw    *faultyNetwork
	order payments.Order

	toss *tosstest.Server

	stripe    *stripetest.Server
	stripeURL string

	// ref is what the setup created at the gateway: the Toss paymentKey
	// or the Stripe Checkout Session id, where the setup creates one.
	ref string
}

func newEnv(t *testing.T, gateway string) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), callDeadline)
	t.Cleanup(cancel)
	e := &env{t: t, ctx: ctx, nw: newFaultyNetwork()}
	hc := &http.Client{Timeout: clientTimeout, Transport: e.nw}
	var gw payments.Gateway
	switch gateway {
	case "toss":
		s, ts := tosstest.NewTestServer(t, tosstest.Config{SecretKeys: []string{tossSecretKey}})
		e.toss, e.nw.toss, e.order = s, s, tossOrder
		c, err := toss.NewClient(toss.ClientConfig{
			SecretKey: payments.Secret(tossSecretKey), BaseURL: ts.URL, HTTPClient: hc,
			RetryAttempts: 2, RetryBackoff: 20 * time.Millisecond, RetryMaxBackoff: 50 * time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		if gw, err = toss.NewGateway(toss.GatewayConfig{Client: c}); err != nil {
			t.Fatal(err)
		}
	case "stripe":
		s, ts := stripetest.NewTestServer(t, stripetest.Config{APIKeys: []string{stripeSecretKey}})
		e.stripe, e.nw.stripe, e.stripeURL, e.order = s, s, ts.URL, stripeOrder
		var err error
		gw, err = stripe.New(stripe.Config{SecretKey: payments.Secret(stripeSecretKey), BaseURL: ts.URL, HTTPClient: hc, MaxNetworkRetries: 1})
		if err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("unknown gateway %q", gateway)
	}
	svc, err := payments.NewService(payments.Config{
		Store: memstore.New(), Orders: payments.NewOrderBook(e.order), Gateways: []payments.Gateway{gw},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	return e
}

// payment returns the local record.
func (e *env) payment() *payments.Payment {
	e.t.Helper()
	p, err := e.svc.Payment(e.ctx, e.order.Number)
	if err != nil {
		e.t.Fatalf("local payment: %v", err)
	}
	return p
}

// must fails the cell on a fault-free step that went wrong.
func (e *env) must(what string, err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
}

// reconcile runs the sweep an application runs periodically, taking over
// everything at once.
func (e *env) reconcile() {
	e.t.Helper()
	rep, err := e.svc.Reconcile(e.ctx, &payments.ReconcileOptions{SettleAfter: time.Nanosecond})
	e.must("reconcile", err)
	for _, re := range rep.Errors {
		e.t.Errorf("reconcile left %s unsettled: %v", re.OrderNumber, re.Err)
	}
}

// ---- Toss: the gateway's side, read from the fake ----

func (e *env) tossPayment(id string) tosstest.Payment {
	e.t.Helper()
	p, ok := e.toss.Payment(id)
	if !ok {
		e.t.Fatalf("tosstest has no payment %q", id)
	}
	return p
}

// tossCanceled sums the cancels Toss recorded for a payment.
func tossCanceled(p tosstest.Payment) payments.Amount {
	var sum int64
	for _, c := range p.Cancels {
		sum += c.CancelAmount
	}
	return payments.Amount(sum)
}

// ---- Stripe: the gateway's side, read over its API with a plain client ----

type stripeIntent struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	Amount       int64  `json:"amount"`
	Currency     string `json:"currency"`
	LatestCharge *struct {
		AmountRefunded int64 `json:"amount_refunded"`
	} `json:"latest_charge"`
}

type stripeSession struct {
	ID            string        `json:"id"`
	Status        string        `json:"status"`
	PaymentStatus string        `json:"payment_status"`
	PaymentIntent *stripeIntent `json:"payment_intent"`
}

// stripeGet reads a Stripe object from the fake, outside the faulty
// network.
func (e *env) stripeGet(path string, expand string, out any) {
	e.t.Helper()
	u := e.stripeURL + path + "?" + url.Values{"expand[]": {expand}}.Encode()
	req, err := http.NewRequestWithContext(e.ctx, http.MethodGet, u, nil)
	e.must("stripe read", err)
	req.Header.Set("Authorization", "Bearer "+stripeSecretKey)
	resp, err := (&http.Client{Timeout: callDeadline}).Do(req)
	e.must("stripe read "+path, err)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("stripe read %s: HTTP %d", path, resp.StatusCode)
	}
	e.must("stripe read "+path, json.NewDecoder(resp.Body).Decode(out))
}

func (e *env) stripeIntent(id string) stripeIntent {
	e.t.Helper()
	var pi stripeIntent
	e.stripeGet("/v1/payment_intents/"+url.PathEscape(id), "latest_charge", &pi)
	return pi
}

func (e *env) stripeSession(id string) stripeSession {
	e.t.Helper()
	var cs stripeSession
	e.stripeGet("/v1/checkout/sessions/"+url.PathEscape(id), "payment_intent", &cs)
	return cs
}

// ---- Errors ----

// errorTexts returns the text of err and of every error in its chain.
func errorTexts(err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		out = append(out, err.Error())
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	return out
}

// leaksSecret reports whether any text in err's chain contains a secret
// key.
func leaksSecret(err error) bool {
	for _, s := range errorTexts(err) {
		if strings.Contains(s, tossSecretKey) || strings.Contains(s, stripeSecretKey) || strings.Contains(s, tossBasicAuth) {
			return true
		}
	}
	return false
}

// tossBasicAuth is the Toss key as it travels, in the Authorization header.
var tossBasicAuth = base64.StdEncoding.EncodeToString([]byte(tossSecretKey + ":"))

// retryAfter returns the Retry-After the library reported with err.
func retryAfter(err error) time.Duration {
	var pe *payments.Error
	if errors.As(err, &pe) {
		return pe.RetryAfter
	}
	return 0
}
