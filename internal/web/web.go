// Package web holds what the library's HTTP handlers share: the allowed
// redirect origins, Idempotency-Key replay for mutating routes, admin
// authorization, and content negotiation for browser redirects.
package web

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
)

// Origins is the set of origins (scheme://host[:port]) the application
// allows as redirect targets (success_url, fail_url, cancel_url,
// return_url). The zero value allows nothing.
type Origins struct {
	set map[string]bool
}

// NewOrigins parses origins such as "https://shop.example" or
// "http://127.0.0.1:8080". Paths, queries and userinfo are refused.
func NewOrigins(list []string) (*Origins, error) {
	o := &Origins{set: make(map[string]bool)}
	for _, raw := range list {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("payments: allowed origin %q must look like https://host[:port]", raw)
		}
		o.set[u.Scheme+"://"+strings.ToLower(u.Host)] = true
	}
	return o, nil
}

// List returns the allowed origins.
func (o *Origins) List() []string {
	var out []string
	for k := range o.set {
		out = append(out, k)
	}
	return out
}

// Check returns nil if raw is an absolute http(s) URL on an allowed
// origin, and otherwise an error for which payments.Code reports
// redirect_not_allowed, naming field. Scheme-relative URLs ("//evil"),
// other schemes ("javascript:"), userinfo tricks
// ("https://shop.example@evil") and backslashes are refused.
func (o *Origins) Check(field, raw string) error {
	refuse := func(why string) error {
		return &payments.Error{Code: payments.CodeRedirectNotAllowed, Message: fmt.Sprintf("%s %s", field, why)}
	}
	if raw == "" {
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: field + " is required"}
	}
	if len(raw) > 2048 {
		return refuse("is longer than 2048 characters")
	}
	if strings.ContainsAny(raw, "\\\r\n\t ") {
		return refuse("contains characters not allowed in a URL")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Opaque != "" {
		return refuse("must be an absolute URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return refuse("must be an http or https URL")
	}
	if u.User != nil {
		return refuse("must not contain user information")
	}
	if o == nil || !o.set[u.Scheme+"://"+strings.ToLower(u.Host)] {
		return refuse("is not on an allowed origin")
	}
	return nil
}

// Authorizer decides whether a request may use an admin route. It returns
// nil to allow, or an error: payments.ErrUnauthorized for missing or wrong
// credentials (401), payments.ErrForbidden for credentials without the
// right (403). A nil Authorizer refuses every request with 403.
type Authorizer func(r *http.Request) error

// BearerToken returns an Authorizer that accepts "Authorization: Bearer
// <token>", comparing in constant time.
func BearerToken(token payments.Secret) Authorizer {
	want := sha256.Sum256([]byte(token.Reveal()))
	return func(r *http.Request) error {
		h := r.Header.Get("Authorization")
		scheme, got, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || got == "" {
			return &payments.Error{Code: payments.CodeUnauthorized, Message: "admin credentials are required"}
		}
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if token.IsZero() || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			return &payments.Error{Code: payments.CodeUnauthorized, Message: "admin credentials are wrong"}
		}
		return nil
	}
}

// Admin wraps next so that it runs only for requests auth allows.
func Admin(auth Authorizer, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth == nil {
			httpjson.WriteError(w, &payments.Error{Code: payments.CodeForbidden,
				Message: "admin routes are disabled until the application configures an authorizer"})
			return
		}
		if err := auth(r); err != nil {
			if c := payments.Code(err); c != payments.CodeUnauthorized && c != payments.CodeForbidden {
				err = &payments.Error{Code: payments.CodeForbidden, Message: "forbidden"}
			}
			httpjson.WriteError(w, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// WantsJSON reports whether the client asked for JSON rather than a
// browser redirect.
func WantsJSON(r *http.Request) bool {
	a := r.Header.Get("Accept")
	return strings.Contains(a, "application/json") && !strings.Contains(a, "text/html")
}

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
// request body is read (at most httpjson.MaxBody) and handed on. Requests
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
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, httpjson.MaxBody)); err != nil {
			httpjson.WriteError(w, &payments.Error{Code: payments.CodeBodyTooLarge, Message: "request body is too large"})
			return
		}
		sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.Path+"\n"), buf.Bytes()...))
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
		r.Body = readCloser{bytes.NewReader(buf.Bytes())}
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

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

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

// Router is an http.ServeMux that answers a wrong method on a known path
// with the JSON 405 method_not_allowed and an Allow header, and an unknown
// path with a JSON 404.
type Router struct {
	mux   *http.ServeMux
	mu    sync.Mutex
	allow map[string][]string
}

// NewRouter returns an empty Router.
func NewRouter() *Router {
	rt := &Router{mux: http.NewServeMux(), allow: make(map[string][]string)}
	rt.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpjson.Write(w, http.StatusNotFound, httpjson.ErrorBody{Error: httpjson.ErrorDetail{Code: "not_found", Message: "no such route"}})
	})
	return rt
}

// Handle registers h for method and path ("POST", "/ready").
func (rt *Router) Handle(method, path string, h http.Handler) {
	rt.mux.Handle(method+" "+path, h)
	rt.mu.Lock()
	defer rt.mu.Unlock()
	first := len(rt.allow[path]) == 0
	rt.allow[path] = append(rt.allow[path], method)
	if !first {
		return
	}
	rt.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		rt.mu.Lock()
		allow := strings.Join(rt.allow[path], ", ")
		rt.mu.Unlock()
		w.Header().Set("Allow", allow)
		httpjson.WriteError(w, &payments.Error{Code: payments.CodeMethodNotAllowed, Message: r.Method + " is not allowed here; use " + allow})
	})
}

// ServeHTTP implements http.Handler.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) { rt.mux.ServeHTTP(w, r) }
