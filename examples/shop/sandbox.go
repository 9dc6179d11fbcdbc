package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/payments-go/payments"
)

// How the sandboxes are wired
//
// In sandbox mode the fakes (tosstest, stripetest) live in this process
// and are reached two ways:
//
//   - Server to server (the gateways' API calls, the fakes' webhooks to
//     the shop) go through [inProcess], an http.RoundTripper that hands the
//     request straight to the target's http.Handler. The base URLs use the
//     reserved .invalid domain (RFC 2606), so a request that somehow left
//     the process could not reach anything. Nothing depends on the shop's
//     own listener being reachable at PAYMENTS_PUBLIC_URL from inside the
//     process (behind a proxy, in a container with mapped ports, on a
//     tunnel URL it usually is not), no loopback sockets are used, and no
//     network is needed at all.
//   - Browser pages (the Toss payment window and deposit page, Stripe's
//     hosted checkout and 3-D Secure pages) are served by the shop's own
//     server under /sandbox/toss/ and /sandbox/stripe/. Only the fakes'
//     /sandbox/ pages are exposed there, not their /v1 APIs.
const (
	// sandboxTossBase and sandboxStripeBase are the fakes' API base URLs
	// for the gateways' clients; only [inProcess] ever serves them.
	sandboxTossBase   = "http://toss.sandbox.invalid"
	sandboxStripeBase = "http://stripe.sandbox.invalid"
	// sandboxShopBase is where the fakes send webhooks, in-process.
	sandboxShopBase = "http://shop.sandbox.invalid"

	// The fixed sandbox keys. They only open the in-process fakes.
	sandboxTossSecretKey   = "test_sk_sandboxShop0000000000"
	sandboxTossClientKey   = "test_ck_sandboxShop0000000000"
	sandboxStripeSecretKey = "sk_test_sandboxShop0000000000"

	// tossSandboxPath and stripeSandboxPath are where the fakes' browser
	// pages are mounted on the shop's server.
	tossSandboxPath   = "/sandbox/toss"
	stripeSandboxPath = "/sandbox/stripe"

	// sandboxRefundTransfer is how long the Toss sandbox takes to pay
	// the refund of a deposited virtual account back to the customer's
	// bank account.
	sandboxRefundTransfer = 3 * time.Second
)

// inProcess is an http.RoundTripper that serves each request with an
// http.Handler in this process, ignoring the URL's host: an
// httptest-style exchange without sockets. The handler sees the request's
// context, so a client timeout or cancellation reaches it; a handler that
// aborts the response (panic(http.ErrAbortHandler), as the fakes do to
// simulate a dropped connection) becomes a transport error, as over TCP.
type inProcess struct{ h http.Handler }

// client returns an http.Client over t with the given overall timeout.
func (t inProcess) client(timeout time.Duration) *http.Client {
	return &http.Client{Transport: t, Timeout: timeout}
}

// RoundTrip implements http.RoundTripper.
func (t inProcess) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	if req.URL == nil || (req.URL.Scheme != "http" && req.URL.Scheme != "https") {
		return nil, errors.New("in-process transport: only http(s) URLs")
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	in := req.Clone(req.Context())
	if in.Body == nil {
		in.Body = http.NoBody
	}
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = "in-process"
	if in.Host == "" {
		in.Host = req.URL.Host
	}
	rec := httptest.NewRecorder()
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				resp, err = nil, fmt.Errorf("in-process transport: %s %s: the handler aborted the response (connection closed)", req.Method, req.URL.Path)
				return
			}
			panic(v)
		}
	}()
	t.h.ServeHTTP(rec, in)
	resp = rec.Result()
	resp.Request = req
	if err := req.Context().Err(); err != nil {
		// The caller gave up while the handler ran.
		resp.Body.Close()
		return nil, err
	}
	return resp, nil
}

// sandboxPages exposes the /sandbox/ pages of a fake mounted at prefix
// (tossSandboxPath, stripeSandboxPath) and nothing else: the fakes' APIs
// are only reachable in-process.
func sandboxPages(prefix string, fake http.Handler) http.Handler {
	inner := http.StripPrefix(prefix, fake)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, prefix+"/sandbox/") {
			http.NotFound(w, r)
			return
		}
		inner.ServeHTTP(w, r)
	})
}

// sandboxDeposit is POST /sandbox/toss/deposit, the page's "Simulate
// deposit" button in sandbox mode: form fields order_number and redirect
// (a URL on the shop). It has the Toss sandbox take the customer's
// deposit into the virtual account of the order's payment, which sends
// the deposit webhooks to the shop before it answers, and then redirects.
// The page names the order rather than the payment: the paymentKey is in
// the admin's view of the payment only.
func (s *shop) sandboxDeposit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		writeError(w, invalid("the form could not be read"))
		return
	}
	redirect := r.PostForm.Get("redirect")
	if !strings.HasPrefix(redirect, s.cfg.PublicURL+"/") {
		writeError(w, &payments.Error{Code: payments.CodeRedirectNotAllowed, Message: "redirect must be a URL on the shop"})
		return
	}
	p, err := s.svc.Payment(r.Context(), r.PostForm.Get("order_number"))
	if err != nil {
		writeError(w, err)
		return
	}
	if p.Gateway != "toss" || p.VirtualAccount == nil {
		writeError(w, &payments.Error{Code: payments.CodeInvalidState, Message: "the order's payment is not a Toss virtual account"})
		return
	}
	if err := s.tossFake.Deposit(r.Context(), p.GatewayReference); err != nil {
		writeError(w, &payments.Error{Code: payments.CodeInvalidState, Message: "the virtual account takes no deposit now (paid, canceled or expired)"})
		return
	}
	http.Redirect(w, r, redirect, http.StatusSeeOther)
}

// withToken adds token=secret to raw's query, for the Toss webhook URL
// when TOSS_WEBHOOK_SECRET is set.
func withToken(raw, secret string) string {
	if secret == "" {
		return raw
	}
	return raw + "?" + url.Values{"token": {secret}}.Encode()
}
