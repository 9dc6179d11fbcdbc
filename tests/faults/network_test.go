package faults_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/payments-go/payments/stripe/stripetest"
	"github.com/payments-go/payments/toss/tosstest"
)

// failsafe bounds every wait of the fault machinery, so that a fault that
// does not behave as designed fails its cell instead of hanging the run.
const failsafe = 15 * time.Second

// faultyNetwork is the http.RoundTripper of the gateway's HTTP client: the
// network between the library and the fake gateway. Armed with a fault, it
// applies it to the requests of one gateway call (match); every other
// request passes through untouched. A fault is applied either to the first
// matching request only (a blip that the client's own retries may absorb)
// or to every matching request until clear (an outage).
//
// Where the fake has the fault as a primitive (tosstest Delay, DropNext,
// DropAfterProcessing, FailNext; stripetest DropAfterProcessing,
// FailNext), the injector arms it for exactly the one request it is
// forwarding; otherwise the injector makes the fault itself (see the
// injectors below). Keep-alives are off in the base transport, so each
// try is one connection and net/http never replays a request on its own,
// which would hide a dropped connection from the library.
type faultyNetwork struct {
	base http.RoundTripper
	// tight is base with the client's tight deadline for an answer (see
	// answerDeadline); only the requests of a timeout fault use it.
	tight  http.RoundTripper
	toss   *tosstest.Server
	stripe *stripetest.Server

	mu       sync.Mutex
	match    func(*http.Request) bool
	inject   injector
	left     int // faulted requests still to come; negative: until clear
	hits     int
	problems []string
}

// injector applies a fault to one request and answers it in place of the
// network.
type injector func(h *hit) (*http.Response, error)

// hit is one request a fault applies to.
type hit struct {
	nw  *faultyNetwork
	req *http.Request
	// first reports the first request the fault hits.
	first bool
}

func newFaultyNetwork() *faultyNetwork {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.DisableKeepAlives = true
	tight := base.Clone()
	tight.ResponseHeaderTimeout = answerDeadline
	return &faultyNetwork{base: base, tight: tight}
}

// arm applies inject to the next times requests that match (times < 0:
// to all of them until clear).
func (nw *faultyNetwork) arm(match func(*http.Request) bool, inject injector, times int) {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	nw.match, nw.inject, nw.left, nw.hits = match, inject, times, 0
}

// clear ends the fault and reports how many requests it hit.
func (nw *faultyNetwork) clear() int {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	nw.match, nw.inject, nw.left = nil, nil, 0
	return nw.hits
}

// problem records that the fault machinery did not behave as designed
// (the cell fails with it).
func (nw *faultyNetwork) problem(format string, args ...any) {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	nw.problems = append(nw.problems, fmt.Sprintf(format, args...))
}

func (nw *faultyNetwork) report() []string {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	return append([]string(nil), nw.problems...)
}

// RoundTrip implements http.RoundTripper.
func (nw *faultyNetwork) RoundTrip(req *http.Request) (*http.Response, error) {
	nw.mu.Lock()
	inject, first := nw.inject, nw.hits == 0
	faulted := inject != nil && nw.left != 0 && nw.match(req)
	if faulted {
		nw.hits++
		if nw.left > 0 {
			nw.left--
		}
	}
	nw.mu.Unlock()
	if !faulted {
		return nw.base.RoundTrip(req)
	}
	return inject(&hit{nw: nw, req: req, first: first})
}

// forward sends the request to the fake.
func (h *hit) forward() (*http.Response, error) { return h.nw.base.RoundTrip(h.req) }

// forwardTight sends the request to the fake with the tight deadline for
// the answer's headers, counted from when the request was fully sent.
func (h *hit) forwardTight() (*http.Response, error) { return h.nw.tight.RoundTrip(h.req) }

// ioTimeout is the error of a read whose deadline passed.
func ioTimeout() error {
	return &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
}

// connReset is the error a client sees when the peer resets the
// connection.
func connReset() error {
	return &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
}

func closeRequestBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}

// ---- Faults the wrapper makes itself ----

// holdPastDeadline never delivers the request: the gateway "takes" longer
// than the client's deadline for an answer (stripetest has no delay of its
// own), and the client's read times out. Nothing reaches the fake, so
// nothing is processed.
func holdPastDeadline(h *hit) (*http.Response, error) {
	closeRequestBody(h.req)
	t := time.NewTimer(answerDeadline)
	defer t.Stop()
	select {
	case <-h.req.Context().Done():
		return nil, h.req.Context().Err()
	case <-t.C:
		return nil, ioTimeout()
	}
}

// resetBeforeSending fails the connection before the request reaches the
// gateway (stripetest has no DropNext).
func resetBeforeSending(h *hit) (*http.Response, error) {
	closeRequestBody(h.req)
	return nil, connReset()
}

// dropAnswer lets the gateway process the request and loses its answer.
// It serves the requests after the first of a reset-after-processing
// outage: the fakes drop only requests they execute, not idempotent
// replays, while an outage loses the replayed answers too.
func dropAnswer(h *hit) (*http.Response, error) {
	resp, err := h.forward()
	if err != nil {
		return nil, err
	}
	discard(resp)
	return nil, connReset()
}

// malformedJSON lets the gateway process the request and cuts its answer
// in half, as a broken proxy or a truncated read would: the status is
// intact, the body is not JSON any more.
func malformedJSON(h *hit) (*http.Response, error) {
	resp, err := h.forward()
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	bad := body[:len(body)/2]
	resp.Body = io.NopCloser(bytes.NewReader(bad))
	resp.ContentLength = int64(len(bad))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// slowBody lets the gateway process the request and answers with its
// status and headers at once, then trickles a few bytes of the body and
// stalls past the client's deadline for the answer, where its read times
// out: a slow response, as opposed to no response at all.
func slowBody(h *hit) (*http.Response, error) {
	resp, err := h.forward()
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = &stallingBody{head: body[:min(8, len(body))], req: h.req, closed: make(chan struct{})}
	return resp, nil
}

// stallingBody returns head, then stalls: the read times out after the
// client's deadline for the answer (or ends with the request's context or
// the body's Close).
type stallingBody struct {
	head   []byte
	req    *http.Request
	once   sync.Once
	closed chan struct{}
}

func (b *stallingBody) Read(p []byte) (int, error) {
	if len(b.head) > 0 {
		n := copy(p, b.head)
		b.head = b.head[n:]
		return n, nil
	}
	t := time.NewTimer(answerDeadline)
	defer t.Stop()
	select {
	case <-b.req.Context().Done():
		return 0, b.req.Context().Err()
	case <-b.closed:
		return 0, io.ErrClosedPipe
	case <-t.C:
		return 0, ioTimeout()
	}
}

func (b *stallingBody) Close() error {
	b.once.Do(func() { close(b.closed) })
	return nil
}

// tossTooManyRequests answers 429 without reaching the gateway (tosstest
// has no 429). Toss documents 429 for load without a code, so the body
// carries only a message; Retry-After asks for one second.
func tossTooManyRequests(h *hit) (*http.Response, error) {
	closeRequestBody(h.req)
	const body = `{"message":"Too Many Requests"}`
	return &http.Response{
		Status:     "429 Too Many Requests",
		StatusCode: http.StatusTooManyRequests,
		Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}, "Retry-After": {"1"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       h.req,
	}, nil
}

// ---- Faults armed at the fake for the one request being forwarded ----

// tossDelayPastDeadline makes tosstest hold the request far past the
// client's deadline for an answer, which is counted from when the request
// was fully sent (so the fake always gets it). The fake abandons a held
// request when the client hangs up, without running it, and logs it then;
// the injector waits for that log entry before disarming the delay, so
// the request can neither slip through undelayed nor leave its
// Idempotency-Key reserved for the client's next try.
func tossDelayPastDeadline(h *hit) (*http.Response, error) {
	s := h.nw.toss
	before := len(s.Calls())
	s.Delay(failsafe)
	resp, err := h.forwardTight()
	if err == nil {
		h.nw.problem("tosstest answered %s %s although it was delayed past the deadline", h.req.Method, h.req.URL.Path)
	}
	deadline := time.Now().Add(failsafe)
	for len(s.Calls()) == before && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	if len(s.Calls()) == before {
		h.nw.problem("tosstest never gave up the delayed %s %s", h.req.Method, h.req.URL.Path)
	}
	s.Delay(0)
	return resp, err
}

// tossDropBeforeProcessing makes tosstest close the connection before it
// does anything (DropNext).
func tossDropBeforeProcessing(h *hit) (*http.Response, error) {
	h.nw.toss.DropNext(1)
	resp, err := h.forward()
	if err == nil {
		h.nw.problem("tosstest answered %s %s although it was told to drop it", h.req.Method, h.req.URL.Path)
	}
	return resp, err
}

// tossDropAfterProcessing makes tosstest run the first request and close
// the connection without answering (DropAfterProcessing); later requests
// of an outage lose their answers in the wrapper (see dropAnswer).
func tossDropAfterProcessing(h *hit) (*http.Response, error) {
	if !h.first {
		return dropAnswer(h)
	}
	h.nw.toss.DropAfterProcessing(1)
	resp, err := h.forward()
	if err == nil {
		h.nw.toss.DropAfterProcessing(0)
		h.nw.problem("tosstest answered %s %s although it was told to drop it after processing", h.req.Method, h.req.URL.Path)
		discard(resp)
		return nil, connReset()
	}
	return nil, err
}

// tossInternalError makes tosstest answer 500
// FAILED_INTERNAL_SYSTEM_PROCESSING without running the request
// (FailNext): nothing is stored under its Idempotency-Key.
func tossInternalError(h *hit) (*http.Response, error) {
	h.nw.toss.FailNext(1, "FAILED_INTERNAL_SYSTEM_PROCESSING")
	return h.forward()
}

// stripeDropAfterProcessing is tossDropAfterProcessing for stripetest.
func stripeDropAfterProcessing(h *hit) (*http.Response, error) {
	if !h.first {
		return dropAnswer(h)
	}
	h.nw.stripe.DropAfterProcessing(1)
	resp, err := h.forward()
	if err == nil {
		h.nw.problem("stripetest answered %s %s although it was told to drop it after processing", h.req.Method, h.req.URL.Path)
		discard(resp)
		return nil, connReset()
	}
	return nil, err
}

// stripeInternalError makes stripetest answer 500 api_error before
// processing (FailNext).
func stripeInternalError(h *hit) (*http.Response, error) {
	h.nw.stripe.FailNext(1, http.StatusInternalServerError, "api_error", "")
	return h.forward()
}

// stripeRateLimited makes stripetest answer Stripe's 429 rate_limit
// before processing (FailNext).
func stripeRateLimited(h *hit) (*http.Response, error) {
	h.nw.stripe.FailNext(1, http.StatusTooManyRequests, "invalid_request_error", "rate_limit")
	return h.forward()
}
