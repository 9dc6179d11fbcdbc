package security_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/payments-go/payments"
)

// maxBody is the documented request body limit: 1 MiB.
const maxBody = 1 << 20

// postRoutes are every POST route of the mounted API.
var postRoutes = []string{
	"/payments/toss/ready",
	"/payments/toss/confirm",
	"/payments/toss/cancel",
	"/payments/toss/virtual-account",
	"/payments/toss/webhook",
	"/payments/stripe/checkout",
	"/payments/stripe/intent",
	"/payments/stripe/confirm",
	"/payments/stripe/verify",
	"/payments/stripe/refund",
	"/payments/stripe/webhook",
}

// paddedJSON is a valid JSON object of exactly n bytes (n ≥ 64).
func paddedJSON(n int) []byte {
	b := []byte(`{"order_number":"` + krwOrder(39) + `"}`)
	return append(b, bytes.Repeat([]byte(" "), n-len(b))...)
}

// TestBodyLimits: a body of 1 MiB + 1 byte is refused with 413 on every
// POST route, with and without Idempotency-Key (whose replay cache reads
// the body itself); a body of exactly 1 MiB is read and judged on its
// content; and a 10 MiB body is never read past 1 MiB + 1 byte.
func TestBodyLimits(t *testing.T) {
	e := newEnv(t, envOptions{})
	over, exact := paddedJSON(maxBody+1), paddedJSON(maxBody)
	for _, route := range postRoutes {
		for _, key := range []string{"", "limits-key"} {
			// The admin token, so that the refund routes read the body.
			hdr := []string{"Authorization", "Bearer " + adminToken, "Idempotency-Key", key}
			a := e.post(route, over, hdr...)
			if a.status != http.StatusRequestEntityTooLarge || a.code() != payments.CodeBodyTooLarge {
				t.Errorf("%s (key %q), 1 MiB + 1: %s, want 413 body_too_large", route, key, a)
			}
			a = e.post(route, exact, hdr...)
			if a.status == http.StatusRequestEntityTooLarge || a.status >= 500 {
				t.Errorf("%s (key %q), exactly 1 MiB: %s, want it read", route, key, a)
			}
		}
	}

	// A 10 MiB body, in process so that what the handler read is known
	// to the byte.
	for _, route := range postRoutes {
		for _, key := range []string{"", "stream-key"} {
			body := &endless{limit: 10 << 20}
			req := httptest.NewRequest(http.MethodPost, route, body)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+adminToken)
			if key != "" {
				req.Header.Set("Idempotency-Key", key)
			}
			rec := httptest.NewRecorder()
			e.handler.ServeHTTP(rec, req)
			e.record(recorded{method: req.Method, path: route, status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()})
			if rec.Code != http.StatusRequestEntityTooLarge {
				t.Errorf("%s (key %q), 10 MiB: %d %s, want 413", route, key, rec.Code, rec.Body)
			}
			if n := body.read.Load(); n > maxBody+1 {
				t.Errorf("%s (key %q): the handler read %d bytes of a 10 MiB body, more than 1 MiB + 1", route, key, n)
			}
		}
	}

	// And over the network, streamed without Content-Length: the answer
	// is 413 (or, if the server closes the connection while the client is
	// still sending, a transport error), never a 5xx or a 200.
	req, err := http.NewRequest(http.MethodPost, e.shop.URL+"/payments/stripe/checkout", io.NopCloser(&endless{limit: 10 << 20}))
	must(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.client.Do(req)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("streamed 10 MiB: %d, want 413", resp.StatusCode)
		}
	} else {
		t.Logf("streamed 10 MiB: the server closed the connection: %v", err)
	}
}

// endless is a request body of limit bytes, an unterminated JSON object,
// that counts what was read.
type endless struct {
	limit int64
	read  atomic.Int64
}

func (b *endless) Read(p []byte) (int, error) {
	done := b.read.Load()
	if done >= b.limit {
		return 0, io.EOF
	}
	n := int64(len(p))
	if n > b.limit-done {
		n = b.limit - done
	}
	for i := range p[:n] {
		p[i] = 'a'
	}
	if done == 0 && n > 0 {
		p[0] = '['
	}
	b.read.Add(n)
	return int(n), nil
}

// TestHeaderLimits: the header values the library reads are bounded, and
// the bound on the size of all headers is the http.Server's.
func TestHeaderLimits(t *testing.T) {
	e := newEnv(t, envOptions{})

	t.Run("Idempotency-Key", func(t *testing.T) {
		a := e.post("/payments/toss/ready", readyBody(1), "Idempotency-Key", strings.Repeat("k", 256))
		if a.status != http.StatusBadRequest || a.code() != payments.CodeInvalidRequest {
			t.Errorf("256-character Idempotency-Key: %s, want 400", a)
		}
		if p := e.payment(krwOrder(1)); p != nil {
			t.Errorf("a refused request recorded a payment")
		}
		if a := e.post("/payments/toss/ready", readyBody(1), "Idempotency-Key", strings.Repeat("k", 255)); a.status != http.StatusOK {
			t.Errorf("255-character Idempotency-Key: %s, want 200", a)
		}
	})
	t.Run("Authorization", func(t *testing.T) {
		a := e.post("/payments/stripe/refund", map[string]any{"order_number": usdOrder(1), "reason": "x"}, "Authorization", "Bearer "+strings.Repeat("t", 256<<10))
		if a.status != http.StatusUnauthorized {
			t.Errorf("256 KiB bearer token: %s, want 401", a)
		}
	})
	t.Run("Stripe-Signature", func(t *testing.T) {
		payload := sessionCompleted("evt_limits", "cs_limits", usdOrder(1))
		a := e.post("/payments/stripe/webhook", payload, "Stripe-Signature", "t=1,"+strings.Repeat("v1=00,", 40<<10))
		if a.status != http.StatusBadRequest || a.code() != payments.CodeInvalidSignature {
			t.Errorf("240 KiB Stripe-Signature: %s, want 400 invalid_signature", a)
		}
	})
	t.Run("callback query", func(t *testing.T) {
		a := e.get(successTarget(krwOrder(1), "tgen_x", krwAmount(1)) + "&pad=" + strings.Repeat("p", 9000))
		if a.status != http.StatusBadRequest || a.code() != payments.CodeInvalidRequest {
			t.Errorf("9 KiB success query: %s, want 400", a)
		}
	})

	// The total size of a request's headers is limited by the http.Server
	// (MaxHeaderBytes, default 1 MiB), which belongs to the application:
	// a handler cannot set it. With a limit set, an oversized header never
	// reaches the library.
	t.Run("server limit", func(t *testing.T) {
		var reached atomic.Int64
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			reached.Add(1)
			e.handler.ServeHTTP(w, r)
		}))
		srv.Config.MaxHeaderBytes = 16 << 10
		srv.Start()
		defer srv.Close()
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/payments/status?order_number="+krwOrder(1), nil)
		must(t, err)
		req.Header.Set("X-Padding", strings.Repeat("x", 64<<10))
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge || reached.Load() != 0 {
			t.Errorf("64 KiB header: %d, handler reached %d times; want 431 and 0", resp.StatusCode, reached.Load())
		}
		req.Header.Del("X-Padding")
		resp, err = http.DefaultClient.Do(req)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || reached.Load() != 1 {
			t.Errorf("small request: %d, handler reached %d times", resp.StatusCode, reached.Load())
		}
	})
}
