package main

import (
	"crypto/subtle"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/payments-go/payments"
)

// static holds the page: plain HTML, one stylesheet and one script, no
// outside assets (in sandbox mode nothing is loaded from elsewhere).
//
//go:embed static
var static embed.FS

// pageConfig is GET /config: what the page needs to know about the shop.
type pageConfig struct {
	// PublicURL is the base of the return URLs the page hands to the
	// gateways (success_url, fail_url, cancel_url, return_url).
	PublicURL    string       `json:"public_url"`
	DefaultOrder string       `json:"default_order"`
	Toss         tossPage     `json:"toss"`
	Stripe       stripePage   `json:"stripe"`
	Currencies   []string     `json:"currencies"`
	Banks        []bankOption `json:"banks"`
}

type tossPage struct {
	// Mode is "sandbox" (the page opens the in-process payment window)
	// or "api" (the page loads Toss's v2 SDK).
	Mode string `json:"mode"`
	// SandboxURL is the origin-relative base of the fake's browser pages:
	// SandboxURL + "/pay" is the payment window.
	SandboxURL string `json:"sandbox_url,omitempty"`
	// DepositURL is the origin-relative URL of the shop's form that
	// simulates the customer's deposit into an order's virtual account
	// (sandboxDeposit).
	DepositURL string `json:"deposit_url,omitempty"`
}

type stripePage struct {
	Mode string `json:"mode"`
}

type bankOption struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// routes builds the shop's handler around the payments API.
func (s *shop) routes(api http.Handler) (http.Handler, error) {
	pages, err := fs.Sub(static, "static")
	if err != nil {
		return nil, err
	}
	orders := &orderAPI{db: s.db, now: time.Now}
	pc := pageConfig{
		PublicURL:    s.cfg.PublicURL,
		DefaultOrder: demoOrder.Number,
		Toss:         tossPage{Mode: mode(s.cfg.Toss.Sandbox)},
		Stripe:       stripePage{Mode: mode(s.cfg.Stripe.Sandbox)},
		Currencies:   []string{"KRW", "USD", "EUR", "JPY", "GBP"},
		Banks: []bankOption{
			{"20", "우리은행 (Woori)"}, {"88", "신한은행 (Shinhan)"}, {"04", "KB국민은행 (KB Kookmin)"},
			{"81", "하나은행 (Hana)"}, {"11", "NH농협은행 (NongHyup)"}, {"03", "IBK기업은행 (IBK)"},
		},
	}
	if s.cfg.Toss.Sandbox {
		// Origin-relative, so that the page's forms stay same-origin
		// whichever host name the browser used.
		base, err := url.Parse(s.cfg.PublicURL)
		if err != nil {
			return nil, err
		}
		pc.Toss.SandboxURL = strings.TrimRight(base.Path, "/") + tossSandboxPath + "/sandbox"
		pc.Toss.DepositURL = strings.TrimRight(base.Path, "/") + tossSandboxPath + "/deposit"
	}

	mux := http.NewServeMux()
	mux.Handle("/payments/", api)
	mux.HandleFunc("POST /orders", orders.create)
	mux.HandleFunc("GET /orders/{number}", orders.get)
	mux.HandleFunc("GET /config", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, pc) })
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(pages)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, pages, "index.html")
	})
	if s.tossFake != nil {
		mux.Handle(tossSandboxPath+"/", sandboxPages(tossSandboxPath, s.tossFake))
		mux.HandleFunc("POST "+tossSandboxPath+"/deposit", s.sandboxDeposit)
	}
	if s.stripeFake != nil {
		mux.Handle(stripeSandboxPath+"/", sandboxPages(stripeSandboxPath, s.stripeFake))
	}
	return s.logRequests(securityHeaders(s.cfg.Toss.Sandbox, mux)), nil
}

// securityHeaders sets conservative headers on every answer. With Toss in
// sandbox mode the page loads nothing from elsewhere and gets a strict
// Content-Security-Policy; in API mode Toss's SDK loads scripts and frames
// from Toss's domains, which the shop does not try to enumerate, so only
// framing is restricted. The sandbox pages set their own headers.
func securityHeaders(strict bool, next http.Handler) http.Handler {
	const csp = "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		if strict {
			h.Set("Content-Security-Policy", csp)
		} else {
			h.Set("Content-Security-Policy", "frame-ancestors 'none'")
		}
		next.ServeHTTP(w, r)
	})
}

// logRequests logs one line per request: method, path (never the query,
// which carries payment keys and Stripe client secrets on redirects),
// status and duration. Reads that succeed (the page polling the status)
// are logged at debug level, everything else at info.
func (s *shop) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		level := slog.LevelInfo
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && sw.status < 400 {
			level = slog.LevelDebug
		}
		s.log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path,
			"status", sw.status, "duration_ms", time.Since(start).Milliseconds(), "remote", r.RemoteAddr)
	})
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// tossWebhookToken guards POST /payments/toss/webhook with
// TOSS_WEBHOOK_SECRET: the request must carry it as the token query
// parameter (register ".../payments/toss/webhook?token=<secret>" with
// Toss). Toss does not sign payment webhooks and the library re-reads
// every payment from Toss before acting anyway; the token keeps strangers
// from making the shop do even that. Other routes pass through.
func tossWebhookToken(next http.Handler, secret payments.Secret) http.Handler {
	want := []byte(secret.Reveal())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/payments/toss/webhook" {
			got := []byte(r.URL.Query().Get("token"))
			if subtle.ConstantTimeCompare(got, want) != 1 {
				writeError(w, &payments.Error{Code: payments.CodeUnauthorized, Message: "missing or wrong webhook token"})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
