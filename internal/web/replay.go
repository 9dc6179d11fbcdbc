package web

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
)

// ReplayCache remembers the responses of mutating requests by
// Idempotency-Key, so that a repeat with the same key and body gets the
// first response, and a repeat with another body gets 409
// idempotency_key_reused. It is per process and bounded; the money-moving
// operations behind it are idempotent on their own (in the Service), so
// the cache makes replies stable rather than making payments safe.
type ReplayCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	entries map[string]*entry
	order   []string
	now     func() time.Time
}

type entry struct {
	body    [32]byte
	done    chan struct{}
	status  int
	header  http.Header
	payload []byte
	at      time.Time
}

// NewReplayCache returns a cache of at most max entries kept for ttl.
func NewReplayCache(max int, ttl time.Duration) *ReplayCache {
	return &ReplayCache{ttl: ttl, max: max, entries: make(map[string]*entry), now: time.Now}
}

// MaxKeyLen is the longest Idempotency-Key accepted.
const MaxKeyLen = 255

// Idempotent wraps a mutating handler with Idempotency-Key replay. The
// request body is read (at most [MaxBody]) and handed on. Requests
// without the header pass through.
func (c *ReplayCache) Idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if key == "" || c == nil {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > MaxKeyLen {
			httpjson.WriteError(w, &payments.Error{Code: payments.CodeInvalidRequest, Message: fmt.Sprintf("Idempotency-Key is longer than %d characters", MaxKeyLen)})
			return
		}
		body, err := readLimited(w, r)
		if err != nil {
			httpjson.WriteError(w, err)
			return
		}
		sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.Path+"\n"), body...))
		k := r.URL.Path + "\x00" + key
		c.mu.Lock()
		c.expireLocked()
		e, seen := c.entries[k]
		if !seen {
			e = &entry{body: sum, done: make(chan struct{}), at: c.now()}
			c.entries[k] = e
			c.order = append(c.order, k)
		}
		c.mu.Unlock()
		if seen {
			if e.body != sum {
				httpjson.WriteError(w, &payments.Error{Code: payments.CodeIdempotencyKeyReused, Message: "the Idempotency-Key was used with another request body"})
				return
			}
			select {
			case <-e.done:
			case <-r.Context().Done():
				httpjson.WriteError(w, r.Context().Err())
				return
			}
			for k, v := range e.header {
				w.Header()[k] = v
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(e.status)
			_, _ = w.Write(e.payload)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		func() {
			defer func() {
				e.status, e.header, e.payload = rec.status, w.Header().Clone(), rec.buf.Bytes()
				close(e.done)
				if e.status >= 500 {
					// Let a retry run again rather than replaying a failure.
					c.mu.Lock()
					delete(c.entries, k)
					c.mu.Unlock()
				}
			}()
			next.ServeHTTP(rec, r)
		}()
	})
}

func (c *ReplayCache) expireLocked() {
	cut := c.now().Add(-c.ttl)
	for len(c.order) > 0 {
		k := c.order[0]
		e, ok := c.entries[k]
		if ok && len(c.order) <= c.max && e.at.After(cut) {
			break
		}
		c.order = c.order[1:]
		if ok {
			select {
			case <-e.done:
				delete(c.entries, k)
			default: // still running: keep it until it finishes
				c.order = append(c.order, k)
				return
			}
		}
	}
}

type recorder struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
	wrote  bool
}

func (r *recorder) WriteHeader(s int) {
	if !r.wrote {
		r.status, r.wrote = s, true
	}
	r.ResponseWriter.WriteHeader(s)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	r.buf.Write(b)
	return r.ResponseWriter.Write(b)
}
