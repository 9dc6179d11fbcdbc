package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/payments-go/payments"
)

func TestOriginsCheck(t *testing.T) {
	o, err := NewOrigins([]string{"https://shop.example", "http://127.0.0.1:8080", " "})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		url  string
		want payments.ErrorCode
	}{
		{"https://shop.example/ok", ""},
		{"https://SHOP.example/ok?x=1#f", ""},
		{"https://shop.example/success?session_id={CHECKOUT_SESSION_ID}", ""},
		{"http://127.0.0.1:8080/done", ""},
		{"", payments.CodeInvalidRequest},
		{"http://shop.example/ok", payments.CodeRedirectNotAllowed},       // other scheme, other origin
		{"https://shop.example:8443/ok", payments.CodeRedirectNotAllowed}, // other port
		{"http://127.0.0.1/done", payments.CodeRedirectNotAllowed},
		{"https://evil.example/", payments.CodeRedirectNotAllowed},
		{"//evil.example/x", payments.CodeRedirectNotAllowed},
		{"/relative", payments.CodeRedirectNotAllowed},
		{"javascript:alert(1)", payments.CodeRedirectNotAllowed},
		{"JaVaScRiPt:alert(1)", payments.CodeRedirectNotAllowed},
		{"data:text/html,hi", payments.CodeRedirectNotAllowed},
		{"https://shop.example@evil.example/", payments.CodeRedirectNotAllowed},
		{"https://user:pw@shop.example/", payments.CodeRedirectNotAllowed},
		{"https://shop.example.evil.example/", payments.CodeRedirectNotAllowed},
		{`https:\\evil.example`, payments.CodeRedirectNotAllowed},
		{"https://shop.example\\@evil.example", payments.CodeRedirectNotAllowed},
		{"https://shop.example/\r\nLocation: x", payments.CodeRedirectNotAllowed},
		{"https://" + strings.Repeat("a", 3000), payments.CodeRedirectNotAllowed},
	}
	for _, tt := range tests {
		if got := payments.Code(o.Check("success_url", tt.url)); got != tt.want {
			t.Errorf("Check(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
	var none *Origins
	if payments.Code(none.Check("u", "https://shop.example/")) != payments.CodeRedirectNotAllowed {
		t.Error("a nil Origins allowed a URL")
	}
}

func TestNewOriginsRefusesNonOrigins(t *testing.T) {
	for _, bad := range []string{"shop.example", "ftp://shop.example", "https://shop.example/path", "https://u@shop.example", "https://shop.example?q"} {
		if _, err := NewOrigins([]string{bad}); err == nil {
			t.Errorf("NewOrigins(%q) succeeded", bad)
		}
	}
}

func TestAdmin(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	tests := []struct {
		name   string
		auth   payments.Authorizer
		header string
		want   int
	}{
		{"no authorizer", nil, "Bearer x", 403},
		{"missing token", payments.BearerToken("s3cret-token"), "", 401},
		{"wrong token", payments.BearerToken("s3cret-token"), "Bearer nope", 401},
		{"wrong scheme", payments.BearerToken("s3cret-token"), "Basic s3cret-token", 401},
		{"right token", payments.BearerToken("s3cret-token"), "Bearer s3cret-token", 204},
		{"right token lower-case scheme", payments.BearerToken("s3cret-token"), "bearer s3cret-token", 204},
		{"empty configured token", payments.BearerToken(""), "Bearer ", 401},
		{"custom error becomes 403", func(*http.Request) error { return io.EOF }, "", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			rec := httptest.NewRecorder()
			Admin(tt.auth, ok).ServeHTTP(rec, r)
			if rec.Code != tt.want {
				t.Errorf("status %d, want %d (%s)", rec.Code, tt.want, rec.Body)
			}
			if strings.Contains(rec.Body.String(), "s3cret") {
				t.Error("the response contains the token")
			}
		})
	}
}

func TestReplayCache(t *testing.T) {
	var runs atomic.Int32
	h := NewReplayCache(100, 1<<62).Idempotent(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := runs.Add(1)
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Run", string(rune('0'+n)))
		w.WriteHeader(201)
		_, _ = w.Write(b)
	}))
	do := func(key, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/refund", strings.NewReader(body))
		if key != "" {
			r.Header.Set("Idempotency-Key", key)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	first := do("k1", `{"a":1}`)
	again := do("k1", `{"a":1}`)
	if first.Code != 201 || again.Code != 201 || again.Body.String() != `{"a":1}` || again.Header().Get("X-Run") != "1" || again.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %d %q run %s", again.Code, again.Body, again.Header().Get("X-Run"))
	}
	if other := do("k1", `{"a":2}`); other.Code != 409 || !strings.Contains(other.Body.String(), "idempotency_key_reused") {
		t.Errorf("same key, other body: %d %s", other.Code, other.Body)
	}
	do("", `{"a":1}`)
	do("", `{"a":1}`)
	if got := runs.Load(); got != 3 {
		t.Errorf("handler ran %d times, want 3 (one keyed, two unkeyed)", got)
	}
	if long := do(strings.Repeat("k", MaxKeyLen+1), `{}`); long.Code != 400 {
		t.Errorf("over-long key: %d", long.Code)
	}
	// Concurrent repeats of one key run the handler once.
	runs.Store(0)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() { defer wg.Done(); do("k-concurrent", `{}`) }()
	}
	wg.Wait()
	if got := runs.Load(); got != 1 {
		t.Errorf("20 concurrent repeats ran the handler %d times", got)
	}
}

func TestReplayCacheForgetsServerErrors(t *testing.T) {
	var runs atomic.Int32
	h := NewReplayCache(10, 1<<62).Idempotent(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if runs.Add(1) == 1 {
			w.WriteHeader(503)
			return
		}
		w.WriteHeader(200)
	}))
	for range 2 {
		r := httptest.NewRequest("POST", "/x", strings.NewReader("{}"))
		r.Header.Set("Idempotency-Key", "k")
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	if runs.Load() != 2 {
		t.Errorf("a retry after a 503 was replayed instead of run again")
	}
}

func TestRouter(t *testing.T) {
	rt := NewRouter()
	rt.Handle("POST", "/ready", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	rt.Handle("GET", "/status", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	tests := []struct {
		method, path string
		want         int
		allow        string
	}{
		{"POST", "/ready", 204, ""},
		{"GET", "/ready", 405, "POST"},
		{"DELETE", "/ready", 405, "POST"},
		{"GET", "/status", 200, ""},
		{"HEAD", "/status", 200, ""},
		{"POST", "/status", 405, "GET"},
		{"GET", "/nope", 404, ""},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		rt.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		if rec.Code != tt.want || rec.Header().Get("Allow") != tt.allow {
			t.Errorf("%s %s: %d Allow=%q, want %d %q", tt.method, tt.path, rec.Code, rec.Header().Get("Allow"), tt.want, tt.allow)
		}
		if rec.Code >= 400 && !strings.Contains(rec.Header().Get("Content-Type"), "application/json") {
			t.Errorf("%s %s: error is not JSON", tt.method, tt.path)
		}
	}
}
