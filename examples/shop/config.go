package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/payments-go/payments"
)

// defaultAddr is where the shop listens when PAYMENTS_ADDR is unset.
const defaultAddr = "127.0.0.1:8080"

// Defaults of the background loop's timings.
const (
	defaultSweepInterval = 30 * time.Second
	defaultSettleAfter   = time.Minute
)

// config is the shop's configuration, read from the environment by
// [loadConfig]. Secrets are [payments.Secret] values so that printing the
// struct, by accident or in a test failure, never shows them.
type config struct {
	// Addr is the listen address (PAYMENTS_ADDR).
	Addr string
	// PublicURL is the absolute base URL browsers use (PAYMENTS_PUBLIC_URL),
	// without a trailing slash. Empty means "http://" + the address the
	// listener really got, decided by run once it listens (so that
	// PAYMENTS_ADDR=127.0.0.1:0 works).
	PublicURL string
	// AllowedOrigins are the origins success, fail, cancel and return URLs
	// may point to (PAYMENTS_ALLOWED_ORIGINS). Empty means the origin of
	// PublicURL.
	AllowedOrigins []string
	// DatabaseURL selects sqlstore over PostgreSQL (PAYMENTS_DATABASE_URL);
	// empty means memstore. It may hold a password.
	DatabaseURL payments.Secret
	// AdminToken guards the refund routes (PAYMENTS_ADMIN_TOKEN).
	AdminToken payments.Secret
	// AdminTokenGenerated reports that AdminToken was made up at start
	// because PAYMENTS_ADMIN_TOKEN was unset; only then is it printed.
	AdminTokenGenerated bool
	// SweepInterval is how often the background loop
	// ([payments.Service.Run]) reconciles, and at most how long it waits
	// before it retries an event delivery that is due
	// (PAYMENTS_SWEEP_INTERVAL).
	SweepInterval time.Duration
	// SettleAfter is how long a payment a request left unsettled (a
	// confirm whose answer was lost, a refund still pending) is left to
	// that request before the background loop settles it
	// (PAYMENTS_SETTLE_AFTER).
	SettleAfter time.Duration
	// Live (PAYMENTS_LIVE=1) runs the shop against the real money: the
	// gateways then accept only live keys, and the sandboxes are refused.
	// Unset or 0, they accept only test keys.
	Live bool

	Toss   tossConfig
	Stripe stripeConfig
}

// tossConfig is the Toss part of [config].
type tossConfig struct {
	// Sandbox is true when no keys are set: the in-process tosstest fake
	// plays Toss.
	Sandbox   bool
	SecretKey payments.Secret // TOSS_SECRET_KEY
	ClientKey string          // TOSS_CLIENT_KEY (not secret: the browser gets it)
	APIBase   string          // TOSS_API_BASE; empty means the real API
	// WebhookSecret (TOSS_WEBHOOK_SECRET), when set, must be given as the
	// token query parameter of POST /payments/toss/webhook. Toss does not
	// sign payment webhooks, so a secret in the registered URL is the only
	// shared secret there can be.
	WebhookSecret payments.Secret
}

// stripeConfig is the Stripe part of [config].
type stripeConfig struct {
	// Sandbox is true when STRIPE_SECRET_KEY is unset: the in-process
	// stripetest fake plays Stripe.
	Sandbox   bool
	SecretKey payments.Secret // STRIPE_SECRET_KEY
	APIBase   string          // STRIPE_API_BASE; empty means the real API
	// WebhookSecret (STRIPE_WEBHOOK_SECRET) verifies Stripe-Signature. In
	// sandbox mode the fake signs with it, or with a random one when unset.
	WebhookSecret payments.Secret
}

// loadConfig reads the shop's settings through env (os.Getenv in main, a
// map in tests). Every setting is optional; see README.md. Blank values
// count as unset.
func loadConfig(env func(string) string) (*config, error) {
	get := func(k string) string { return strings.TrimSpace(env(k)) }
	c := &config{Addr: get("PAYMENTS_ADDR")}
	if c.Addr == "" {
		c.Addr = defaultAddr
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return nil, fmt.Errorf("PAYMENTS_ADDR %q is not host:port: %v", c.Addr, err)
	}

	if v := get("PAYMENTS_PUBLIC_URL"); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("PAYMENTS_PUBLIC_URL %q must be an absolute http(s) URL without credentials, query or fragment", v)
		}
		c.PublicURL = strings.TrimRight(v, "/")
	}

	if v := get("PAYMENTS_ALLOWED_ORIGINS"); v != "" {
		for _, o := range strings.Split(v, ",") {
			o = strings.TrimRight(strings.TrimSpace(o), "/")
			if o == "" {
				continue
			}
			u, err := url.Parse(o)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
				(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
				return nil, fmt.Errorf("PAYMENTS_ALLOWED_ORIGINS: %q is not an origin such as https://shop.example or http://127.0.0.1:8080", o)
			}
			c.AllowedOrigins = append(c.AllowedOrigins, u.Scheme+"://"+u.Host)
		}
	}

	c.DatabaseURL = payments.Secret(get("PAYMENTS_DATABASE_URL"))

	switch v := get("PAYMENTS_LIVE"); v {
	case "", "0", "false":
	case "1", "true":
		c.Live = true
	default:
		return nil, fmt.Errorf("PAYMENTS_LIVE %q must be 1 (live: real money) or 0 (test)", v)
	}

	var err error
	if c.SweepInterval, err = duration(get, "PAYMENTS_SWEEP_INTERVAL", defaultSweepInterval); err != nil {
		return nil, err
	}
	if c.SettleAfter, err = duration(get, "PAYMENTS_SETTLE_AFTER", defaultSettleAfter); err != nil {
		return nil, err
	}

	if v := get("PAYMENTS_ADMIN_TOKEN"); v != "" {
		c.AdminToken = payments.Secret(v)
	} else {
		tok, err := randomToken()
		if err != nil {
			return nil, err
		}
		c.AdminToken, c.AdminTokenGenerated = payments.Secret(tok), true
	}

	c.Toss = tossConfig{
		SecretKey:     payments.Secret(get("TOSS_SECRET_KEY")),
		ClientKey:     get("TOSS_CLIENT_KEY"),
		APIBase:       get("TOSS_API_BASE"),
		WebhookSecret: payments.Secret(get("TOSS_WEBHOOK_SECRET")),
	}
	switch {
	case c.Toss.SecretKey.IsZero() && c.Toss.ClientKey == "":
		c.Toss.Sandbox = true
		if c.Toss.APIBase != "" {
			return nil, errors.New("TOSS_API_BASE is set but TOSS_SECRET_KEY and TOSS_CLIENT_KEY are not: set the keys too, or unset TOSS_API_BASE to use the built-in sandbox")
		}
	case c.Toss.SecretKey.IsZero():
		return nil, errors.New("TOSS_CLIENT_KEY is set but TOSS_SECRET_KEY is not: set both (test_sk_… and test_ck_…) or neither")
	case c.Toss.ClientKey == "":
		return nil, errors.New("TOSS_SECRET_KEY is set but TOSS_CLIENT_KEY is not: set both (test_sk_… and test_ck_…) or neither")
	}
	if err := checkAPIBase("TOSS_API_BASE", c.Toss.APIBase); err != nil {
		return nil, err
	}

	c.Stripe = stripeConfig{
		SecretKey:     payments.Secret(get("STRIPE_SECRET_KEY")),
		APIBase:       get("STRIPE_API_BASE"),
		WebhookSecret: payments.Secret(get("STRIPE_WEBHOOK_SECRET")),
	}
	if c.Stripe.SecretKey.IsZero() {
		c.Stripe.Sandbox = true
		if c.Stripe.APIBase != "" {
			return nil, errors.New("STRIPE_API_BASE is set but STRIPE_SECRET_KEY is not: set the key too, or unset STRIPE_API_BASE to use the built-in sandbox")
		}
	}
	if err := checkAPIBase("STRIPE_API_BASE", c.Stripe.APIBase); err != nil {
		return nil, err
	}
	if c.Live && (c.Toss.Sandbox || c.Stripe.Sandbox) {
		return nil, errors.New("PAYMENTS_LIVE=1 needs live keys for both gateways (TOSS_SECRET_KEY, TOSS_CLIENT_KEY, STRIPE_SECRET_KEY): the sandboxes take no real money")
	}
	return c, nil
}

// duration reads the optional positive Go duration setting name.
func duration(get func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := get(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s %q must be a positive Go duration such as 30s or 500ms", name, v)
	}
	return d, nil
}

// checkAPIBase checks an optional API base URL setting.
func checkAPIBase(name, v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%s %q must be an absolute http(s) URL without credentials, query or fragment", name, v)
	}
	return nil
}

// defaultPublicURL is "http://" + addr, the address the listener got.
// An unspecified host (":8080", "0.0.0.0:8080", "[::]:8080") is not
// something a browser can open, so it becomes localhost.
func defaultPublicURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// randomToken returns 32 random hex digits (128 bits).
func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate the admin token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// mode names a gateway's mode for the banner and the page: "sandbox" (the
// in-process fake) or "api" (the real API, or TOSS_API_BASE / STRIPE_API_BASE).
func mode(sandbox bool) string {
	if sandbox {
		return "sandbox"
	}
	return "api"
}
