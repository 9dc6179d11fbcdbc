package faults_test

import (
	"flag"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/payments-go/payments"
)

// fault is a column of the matrix, with its injector for each fake.
type fault struct {
	name          string
	toss, stripe  injector
	tossRetryWait time.Duration // Retry-After the fault asks of Toss clients, if any
}

// The columns.
var (
	timeout = fault{name: "timeout",
		toss: tossDelayPastDeadline, stripe: holdPastDeadline}
	resetBefore = fault{name: "reset-before-processing",
		toss: tossDropBeforeProcessing, stripe: resetBeforeSending}
	resetAfter = fault{name: "reset-after-processing",
		toss: tossDropAfterProcessing, stripe: stripeDropAfterProcessing}
	serverError = fault{name: "5xx",
		toss: tossInternalError, stripe: stripeInternalError}
	rateLimited = fault{name: "429",
		toss: tossTooManyRequests, stripe: stripeRateLimited, tossRetryWait: time.Second}
	malformed = fault{name: "malformed-json",
		toss: malformedJSON, stripe: malformedJSON}
	slow = fault{name: "slow-response",
		toss: slowBody, stripe: slowBody}
)

// outcome is what the caller of the Service gets.
type outcome int

const (
	// settled: nil. The library's retry with the same idempotency key, or
	// its lookup after an unknown outcome, settled the call within it.
	settled outcome = iota
	// unknown: gateway_unavailable, HTTP 503. The outcome is unknown and
	// left for reconciliation.
	unknown
	// timedOut: gateway_unavailable, HTTP 504 (a timeout). Likewise.
	timedOut
)

func (o outcome) String() string {
	return [...]string{"settled", "unknown (503)", "timed out (504)"}[o]
}

// cell is one entry of the matrix: a gateway call under a fault, and what
// its caller gets when the fault hits only the call's first request (once)
// and when it hits every request of the call until it clears (outage).
type cell struct {
	call         *gatewayCall
	fault        fault
	once, outage outcome
}

// matrix is every gateway call × every fault.
//
// Reading it: Toss clients retry once (2 tries) after network failures,
// 5xx and 429, with the same Idempotency-Key, but not an unreadable 2xx
// answer. stripe-go retries once (MaxNetworkRetries 1) after network
// failures, 5xx on GETs and 503, but not a 500 on a POST, a rate_limit
// 429 or an unreadable 2xx answer. After an unknown confirm or
// virtual-account issue the Service reads the attempt from the gateway
// (the fault hits only the call itself), which settles the call whenever
// the gateway did act. A Stripe create (no id to read yet), a refund and a
// lookup have no such second chance: the customer's repeated request, the
// sweep or a Refresh settles them once the fault clears.
var matrix = []cell{
	{tossConfirm, timeout, settled, timedOut},
	{tossConfirm, resetBefore, settled, unknown},
	{tossConfirm, resetAfter, settled, settled},
	{tossConfirm, serverError, settled, unknown},
	{tossConfirm, rateLimited, settled, unknown},
	{tossConfirm, malformed, settled, settled},
	{tossConfirm, slow, settled, settled},

	{tossCancel, timeout, settled, timedOut},
	{tossCancel, resetBefore, settled, unknown},
	{tossCancel, resetAfter, settled, unknown},
	{tossCancel, serverError, settled, unknown},
	{tossCancel, rateLimited, settled, unknown},
	{tossCancel, malformed, unknown, unknown},
	{tossCancel, slow, settled, timedOut},

	{tossVirtualAccount, timeout, settled, timedOut},
	{tossVirtualAccount, resetBefore, settled, unknown},
	{tossVirtualAccount, resetAfter, settled, settled},
	{tossVirtualAccount, serverError, settled, unknown},
	{tossVirtualAccount, rateLimited, settled, unknown},
	{tossVirtualAccount, malformed, settled, settled},
	{tossVirtualAccount, slow, settled, settled},

	{tossGet, timeout, settled, timedOut},
	{tossGet, resetBefore, settled, unknown},
	{tossGet, resetAfter, settled, unknown},
	{tossGet, serverError, settled, unknown},
	{tossGet, rateLimited, settled, unknown},
	{tossGet, malformed, unknown, unknown},
	{tossGet, slow, settled, timedOut},

	{stripeSessionCreate, timeout, settled, timedOut},
	{stripeSessionCreate, resetBefore, settled, unknown},
	{stripeSessionCreate, resetAfter, settled, unknown},
	{stripeSessionCreate, serverError, unknown, unknown},
	{stripeSessionCreate, rateLimited, unknown, unknown},
	{stripeSessionCreate, malformed, unknown, unknown},
	{stripeSessionCreate, slow, settled, timedOut},

	{stripeIntentCreate, timeout, settled, timedOut},
	{stripeIntentCreate, resetBefore, settled, unknown},
	{stripeIntentCreate, resetAfter, settled, unknown},
	{stripeIntentCreate, serverError, unknown, unknown},
	{stripeIntentCreate, rateLimited, unknown, unknown},
	{stripeIntentCreate, malformed, unknown, unknown},
	{stripeIntentCreate, slow, settled, timedOut},

	{stripeIntentConfirm, timeout, settled, timedOut},
	{stripeIntentConfirm, resetBefore, settled, unknown},
	{stripeIntentConfirm, resetAfter, settled, settled},
	{stripeIntentConfirm, serverError, unknown, unknown},
	{stripeIntentConfirm, rateLimited, unknown, unknown},
	{stripeIntentConfirm, malformed, settled, settled},
	{stripeIntentConfirm, slow, settled, settled},

	{stripeRetrieve, timeout, settled, timedOut},
	{stripeRetrieve, resetBefore, settled, unknown},
	{stripeRetrieve, resetAfter, settled, unknown},
	{stripeRetrieve, serverError, settled, unknown},
	{stripeRetrieve, rateLimited, unknown, unknown},
	{stripeRetrieve, malformed, unknown, unknown},
	{stripeRetrieve, slow, settled, timedOut},

	{stripeRefund, timeout, settled, timedOut},
	{stripeRefund, resetBefore, settled, unknown},
	{stripeRefund, resetAfter, settled, unknown},
	{stripeRefund, serverError, unknown, unknown},
	{stripeRefund, rateLimited, unknown, unknown},
	{stripeRefund, malformed, unknown, unknown},
	{stripeRefund, slow, settled, timedOut},
}

// TestFaultMatrix runs every cell of the matrix twice, with the fault
// hitting once and as an outage, each in its own world (fake server,
// client, Service, memstore), in parallel.
func TestFaultMatrix(t *testing.T) {
	for _, c := range matrix {
		t.Run(c.call.gateway+"/"+c.call.name+"/"+c.fault.name, func(t *testing.T) {
			t.Parallel()
			t.Run("once", func(t *testing.T) {
				t.Parallel()
				runCell(t, c, 1, c.once)
			})
			t.Run("outage", func(t *testing.T) {
				t.Parallel()
				runCell(t, c, -1, c.outage)
			})
		})
	}
}

// runCell sets the payment up, makes the call under the fault (times:
// how many of the call's requests it hits, negative for all), checks what
// the caller got and what was left, clears the fault, lets the library
// repair, and checks that the gateway and the record agree, with
// everything done exactly once.
func runCell(t *testing.T, c cell, times int, want outcome) {
	e := newEnv(t, c.call.gateway)
	call := c.call
	call.setup(e)
	if n := call.executions(e); n > call.want {
		t.Fatalf("setup: %d executions at the gateway, want at most %d", n, call.want)
	}

	inject := c.fault.toss
	if call.gateway == "stripe" {
		inject = c.fault.stripe
	}
	e.nw.arm(call.target, inject, times)
	start := time.Now()
	err := call.action(e)
	took := time.Since(start)
	hits := e.nw.clear()
	t.Logf("%s after %v (fault hit %d requests)", describe(err), took.Round(time.Millisecond), hits)
	for _, p := range e.nw.report() {
		t.Errorf("fault injection: %s", p)
	}
	switch {
	case hits == 0:
		t.Fatal("the fault never hit the call")
	case times > 0 && hits != times:
		t.Errorf("the fault hit %d requests, want %d", hits, times)
	}

	// The caller got a clear answer.
	checkOutcome(t, err, want)
	if err != nil && call.gateway == "toss" && c.fault.tossRetryWait > 0 {
		// The 429 that ended the call tells the caller when to come back.
		if got := retryAfter(err); got != c.fault.tossRetryWait {
			t.Errorf("RetryAfter %v, want %v", got, c.fault.tossRetryWait)
		}
	}
	// Nothing was done twice, whatever the answer.
	if n := call.executions(e); n > call.want {
		t.Errorf("after the call: %d executions at the gateway, want at most %d", n, call.want)
	}
	// What the call left behind: settled, or open for reconciliation.
	if err == nil {
		call.agree(e)
	} else {
		call.leftOpen(e)
	}
	if t.Failed() {
		return
	}

	// The fault has cleared: the library repairs, nothing is lost.
	call.repair(e)
	call.agree(e)
	if n := call.executions(e); n != call.want {
		t.Errorf("in the end: %d executions at the gateway, want %d", n, call.want)
	}
	if call.finish != nil && !t.Failed() {
		call.finish(e)
	}
}

// checkOutcome checks err against want: nil, or gateway_unavailable with
// 503 or (timeouts) 504; never a decline; no secret key in any error of
// the chain.
func checkOutcome(t *testing.T, err error, want outcome) {
	t.Helper()
	if payments.Code(err) == payments.CodePaymentDeclined {
		t.Errorf("a network fault was reported as a decline: %v", err)
	}
	if leaksSecret(err) {
		t.Errorf("the error leaks a secret key: %q", errorTexts(err))
	}
	switch want {
	case settled:
		if err != nil {
			t.Errorf("got %s, want nil (%s)", describe(err), want)
		}
	case unknown, timedOut:
		wantStatus := http.StatusServiceUnavailable
		if want == timedOut {
			wantStatus = http.StatusGatewayTimeout
		}
		if payments.Code(err) != payments.CodeGatewayUnavailable || payments.HTTPStatus(err) != wantStatus {
			t.Errorf("got %s, want %s %d (%s)", describe(err), payments.CodeGatewayUnavailable, wantStatus, want)
		}
	}
}

func describe(err error) string {
	if err == nil {
		return "nil"
	}
	return string(payments.Code(err)) + " " + http.StatusText(payments.HTTPStatus(err)) + ": " + err.Error()
}

// TestMain runs the cells 16 at a time unless -parallel is given: they
// spend nearly all their time waiting out deadlines and backoffs, so the
// default (GOMAXPROCS, 2 on a small machine) would make the matrix wait
// in line rather than work.
func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		if err := flag.Set("test.parallel", "16"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
