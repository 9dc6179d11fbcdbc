package security_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/stripe/stripetest"
)

// hostileURLs are redirect targets that must never be accepted when only
// https://shop.example is allowed.
var hostileURLs = []struct{ name, url string }{
	{"other origin", "https://evil.example/pay"},
	{"same host, other scheme", "http://shop.example/pay"},
	{"same host, other port", "https://shop.example:8443/pay"},
	{"scheme-relative", "//evil.example/pay"},
	{"scheme-relative with backslash", `/\evil.example/pay`},
	{"backslashes for slashes", `https:\\evil.example\pay`},
	{"relative path", "/pay/success"},
	{"javascript", "javascript:alert(1)"},
	{"JAVASCRIPT upper case", "JAVASCRIPT:alert(document.cookie)"},
	{"javascript mixed case", "JaVaScRiPt:fetch('//evil.example')"},
	{"data", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="},
	{"vbscript", "vbscript:msgbox(1)"},
	{"ftp", "ftp://shop.example/pay"},
	{"userinfo: allowed host as user name", "https://shop.example@evil.example/pay"},
	{"userinfo: allowed host and port as user:password", "https://shop.example:443@evil.example/pay"},
	{"userinfo on the allowed host", "https://user:pass@shop.example/pay"},
	{"allowed host as subdomain of another", "https://shop.example.evil.example/pay"},
	{"allowed host as prefix", "https://shop.examplee/pay"},
	{"look-alike host (Cyrillic ѕ)", "https://ѕhop.example/pay"},
	{"fragment hides the host", "https://evil.example#@shop.example/pay"},
	{"query hides the host", "https://evil.example?@shop.example/pay"},
	{"backslash before @", `https://shop.example\@evil.example/pay`},
	{"percent-encoded @ in the host", "https://shop.example%40evil.example/pay"},
	{"percent-encoded dot in the host", "https://shop%2eexample/pay"},
	{"CRLF header injection", "https://shop.example/pay\r\nLocation: https://evil.example/"},
	{"LF header injection", "https://shop.example/pay\nSet-Cookie: session=evil"},
	{"tab in the URL", "https://shop.example/pay\t@evil.example"},
	{"leading space", " https://evil.example/pay"},
	{"NUL byte", "https://shop.example/pay\x00.evil.example"},
	{"IP literal", "http://127.0.0.1/pay"},
	{"over 2048 characters on the allowed origin", "https://shop.example/" + strings.Repeat("a", 2100)},
}

// TestOpenRedirectRefused sends every hostile URL in every redirect-taking
// field of every route: each is 400 redirect_not_allowed, nothing is
// recorded and no gateway is called.
func TestOpenRedirectRefused(t *testing.T) {
	e := newEnv(t, envOptions{})

	// The Stripe confirm route needs an order with a PaymentIntent whose
	// confirmation (3-D Secure) would use return_url.
	const intentOrder = 3
	if a := e.post("/payments/stripe/intent", map[string]any{"order_number": usdOrder(intentOrder), "payment_method_id": stripetest.PMThreeDSecure}); a.status != http.StatusOK {
		t.Fatalf("intent: %s", a)
	}

	type field struct {
		route, name string
		order       string
		body        func(u string) map[string]any
	}
	fields := []field{
		{"/payments/toss/ready", "success_url", krwOrder(1), func(u string) map[string]any {
			b := readyBody(1)
			b["success_url"] = u
			return b
		}},
		{"/payments/toss/ready", "fail_url", krwOrder(1), func(u string) map[string]any {
			b := readyBody(1)
			b["fail_url"] = u
			return b
		}},
		{"/payments/stripe/checkout", "success_url", usdOrder(1), func(u string) map[string]any {
			b := checkoutBody(1)
			b["success_url"] = u
			return b
		}},
		{"/payments/stripe/checkout", "cancel_url", usdOrder(1), func(u string) map[string]any {
			b := checkoutBody(1)
			b["cancel_url"] = u
			return b
		}},
		{"/payments/stripe/confirm", "return_url", usdOrder(intentOrder), func(u string) map[string]any {
			return map[string]any{"order_number": usdOrder(intentOrder), "return_url": u}
		}},
	}

	before := func(order string) (*payments.Payment, int, int) {
		return e.payment(order), len(e.tossFake.Calls()), len(e.stripeFake.Calls())
	}
	for _, f := range fields {
		for _, h := range hostileURLs {
			t.Run(f.route+"/"+f.name+"/"+h.name, func(t *testing.T) {
				p0, toss0, stripe0 := before(f.order)
				a := e.post(f.route, f.body(h.url))
				if a.status != http.StatusBadRequest || a.code() != payments.CodeRedirectNotAllowed {
					t.Errorf("%s = %s, want 400 redirect_not_allowed", h.url, a)
				}
				if loc := a.header.Get("Location"); loc != "" {
					t.Errorf("answer redirects to %q", loc)
				}
				p1, toss1, stripe1 := before(f.order)
				switch {
				case p0 == nil && p1 != nil:
					t.Errorf("a payment was recorded: %s", p1.Status)
				case p0 != nil && p1.Version != p0.Version:
					t.Errorf("the payment changed: version %d → %d, status %s → %s", p0.Version, p1.Version, p0.Status, p1.Status)
				}
				if toss1 != toss0 || stripe1 != stripe0 {
					t.Errorf("gateways were called: Toss %d → %d, Stripe %d → %d", toss0, toss1, stripe0, stripe1)
				}
			})
		}
	}

	// The same fields accept a page on the allowed origin, so the refusals
	// above are about the URLs and nothing else.
	t.Run("allowed", func(t *testing.T) {
		if a := e.post("/payments/toss/ready", readyBody(2)); a.status != http.StatusOK {
			t.Errorf("ready with allowed URLs: %s", a)
		}
		if a := e.post("/payments/stripe/checkout", checkoutBody(2)); a.status != http.StatusOK {
			t.Errorf("checkout with allowed URLs: %s", a)
		}
		a := e.post("/payments/stripe/confirm", map[string]any{"order_number": usdOrder(intentOrder), "return_url": returnURL + "?x=1#frag"})
		if a.status != http.StatusOK || a.field("status") != string(payments.StatusRequiresAction) {
			t.Fatalf("confirm with an allowed return_url: %s", a)
		}
		// The customer goes to the sandbox's 3-D Secure page, and from
		// there back to return_url, which is on the allowed origin.
		p := e.payment(usdOrder(intentOrder))
		if next := p.Latest().RedirectURL; !strings.HasPrefix(next, e.stripeAPI.URL+"/sandbox/3ds/") {
			t.Errorf("next action redirects to %q", next)
		}
	})

	// A callback's redirect goes to the recorded page on the allowed
	// origin, whatever the callback's query says.
	t.Run("callback redirect stays on the recorded page", func(t *testing.T) {
		key := e.tossAuthorize(2)
		target := successTarget(krwOrder(2), key, krwAmount(2)) + "&" + url.Values{"success_url": {"https://evil.example/"}, "redirect": {"https://evil.example/"}}.Encode()
		a := e.get(target)
		loc, err := url.Parse(a.header.Get("Location"))
		if a.status != http.StatusSeeOther || err != nil || loc.Scheme+"://"+loc.Host+loc.Path != successURL {
			t.Errorf("success callback: %d to %q, want 303 to %s", a.status, a.header.Get("Location"), successURL)
		}
	})
}
