package stripe

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/redact"
	"github.com/payments-go/payments/internal/web"
)

// Defaults of [Config].
const (
	defaultName              = "stripe"
	defaultMaxNetworkRetries = 2
	defaultHTTPTimeout       = 80 * time.Second
)

// Limits Stripe puts on what we send.
const (
	// maxIdempotencyKey: https://docs.stripe.com/api/idempotent_requests
	maxIdempotencyKey = 255
	// maxMetadataValue: characters per metadata value,
	// https://docs.stripe.com/metadata
	maxMetadataValue = 500
	// maxLineItems: line items of one Checkout Session,
	// https://docs.stripe.com/api/checkout/sessions/create
	maxLineItems = 100
)

// Metadata keys the gateway writes on Checkout Sessions, PaymentIntents
// and refunds.
const (
	metaOrderNumber    = "order_number"
	metaAttemptOrderID = "attempt_order_id"
	metaRefundID       = "refund_id"
	metaReason         = "reason"
)

// Config configures a [Gateway]. SecretKey is required; every other field
// has a default.
type Config struct {
	// SecretKey is the Stripe secret key (sk_test_…, sk_live_…) or
	// restricted key (rk_test_…, rk_live_…); see
	// https://docs.stripe.com/keys. It is sent only in the Authorization
	// header of requests to BaseURL.
	SecretKey payments.Secret
	// Live says whether the gateway takes real money. A live gateway
	// accepts only live keys (sk_live_…, rk_live_…), a test gateway only
	// test keys: test keys in production and live keys on a laptop are
	// refused by New. Set it from the same setting as [payments.Config.Live]
	// (the example shop: PAYMENTS_LIVE).
	Live bool
	// BaseURL is the Stripe API's base URL; default
	// https://api.stripe.com. Point it at a stripetest server or at
	// stripe-mock in tests.
	BaseURL string
	// HTTPClient sends the requests; default a client of the gateway's
	// own with an 80 s timeout (stripe-go's default), never
	// http.DefaultClient.
	HTTPClient *http.Client
	// Logger receives the gateway's logs and, at debug and info level,
	// stripe-go's own, with secrets redacted. Nil means silence (and
	// stripe-go's stderr logger is silenced too).
	Logger *slog.Logger
	// MaxNetworkRetries is how many times stripe-go retries a request
	// that failed in a retryable way (network errors, 409, lock-timeout
	// 429s, 503, 5xx on reads), always with the same Idempotency-Key.
	// Zero means the default, 2; a negative value disables retries.
	MaxNetworkRetries int
	// Name is the gateway's name in the payments.Service; default
	// "stripe".
	Name string
	// PaymentMethodTypes restricts the payment methods Checkout Sessions
	// offer ("card", "us_bank_account", "kakao_pay", …; see
	// https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-payment_method_types),
	// sent as payment_method_types. Empty means the methods enabled in
	// the Dashboard, which may include delayed ones such as bank debits
	// (https://docs.stripe.com/payments/payment-methods/dynamic-payment-methods).
	// PaymentIntents made by Prepare without a SuccessURL are card-only
	// either way, because they are confirmed by the server.
	PaymentMethodTypes []string
}

// Gateway is the Stripe [payments.Gateway], [payments.Preparer] and
// [payments.Canceler]. It translates between the library's attempts and
// Stripe Checkout Sessions, PaymentIntents and refunds, through a
// stripe-go client of its own. Create it with [New]; it is safe for
// concurrent use.
type Gateway struct {
	name        string
	live        bool
	api         *client.API
	log         *slog.Logger
	methodTypes []string
}

var (
	_ payments.Gateway  = (*Gateway)(nil)
	_ payments.Preparer = (*Gateway)(nil)
	_ payments.Canceler = (*Gateway)(nil)
)

// New validates cfg and returns a Gateway. It touches none of stripe-go's
// package-level settings: the client, its backends, its logger and its
// retry policy belong to this Gateway alone.
func New(cfg Config) (*Gateway, error) {
	if !validSecretKey(cfg.SecretKey.Reveal()) {
		return nil, errors.New("stripe: Config.SecretKey must be a Stripe secret or restricted key (sk_test_…, sk_live_…, rk_test_… or rk_live_…)")
	}
	if live := liveKey(cfg.SecretKey.Reveal()); live != cfg.Live {
		if cfg.Live {
			return nil, errors.New("stripe: Config.Live is true, but Config.SecretKey is a test key (sk_test_…, rk_test_…)")
		}
		return nil, errors.New("stripe: Config.Live is false, but Config.SecretKey is a live key (sk_live_…, rk_live_…): set Live to take real money")
	}
	base := cfg.BaseURL
	if base == "" {
		base = stripego.APIURL
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("stripe: Config.BaseURL must be an absolute http(s) URL")
	}
	name := cfg.Name
	if name == "" {
		name = defaultName
	}
	seen := map[string]bool{}
	for _, t := range cfg.PaymentMethodTypes {
		if t == "" || len(t) > 64 || strings.ToLower(t) != t || !web.SafeChars(t, "_") || seen[t] {
			return nil, errors.New("stripe: Config.PaymentMethodTypes must be distinct Stripe payment method types such as \"card\" (lower-case letters, digits and underscores)")
		}
		seen[t] = true
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: defaultHTTPTimeout}
	}
	// A copy of the caller's client whose transport tells a payments.Trace
	// about stripe-go's retries and Stripe's idempotent replays.
	observed := *hc
	observed.Transport = observeTransport{next: hc.Transport}
	hc = &observed
	retries := int64(cfg.MaxNetworkRetries)
	switch {
	case retries == 0:
		retries = defaultMaxNetworkRetries
	case retries < 0:
		retries = 0
	}

	g := &Gateway{name: name, live: cfg.Live, methodTypes: slices.Clone(cfg.PaymentMethodTypes)}
	var sdkLog stripego.LeveledLoggerInterface
	if cfg.Logger == nil {
		g.log = slog.New(slog.DiscardHandler)
		sdkLog = &stripego.LeveledLogger{Level: stripego.LevelNull}
	} else {
		g.log = slog.New(redact.NewHandler(cfg.Logger.Handler()))
		sdkLog = sdkLogger{g.log}
	}
	backends := stripego.NewBackendsWithConfig(&stripego.BackendConfig{
		URL:               stripego.String(base),
		HTTPClient:        hc,
		LeveledLogger:     sdkLog,
		MaxNetworkRetries: stripego.Int64(retries),
		EnableTelemetry:   stripego.Bool(false),
	})
	g.api = client.New(cfg.SecretKey.Reveal(), backends)
	return g, nil
}

// validSecretKey reports whether k looks like a Stripe secret or
// restricted key.
// liveKey reports whether k, a valid secret or restricted key, is a live
// one (https://docs.stripe.com/keys).
func liveKey(k string) bool {
	return strings.HasPrefix(k, "sk_live_") || strings.HasPrefix(k, "rk_live_")
}

// Live reports whether the gateway takes real money: its key is a live
// key ([Config.Live]).
func (g *Gateway) Live() bool { return g.live }

func validSecretKey(k string) bool {
	for _, p := range []string{"sk_test_", "sk_live_", "rk_test_", "rk_live_"} {
		if rest, ok := strings.CutPrefix(k, p); ok {
			return rest != "" && !strings.ContainsAny(rest, " \t\r\n")
		}
	}
	return false
}

// Name returns the gateway's name, "stripe" unless configured otherwise.
func (g *Gateway) Name() string { return g.name }

// Prepare creates what the customer pays: a Checkout Session when
// p.SuccessURL is set (the Charge's RedirectURL is the hosted page and
// Session its id), offering Config.PaymentMethodTypes or the Dashboard's
// methods, otherwise a card PaymentIntent for the order's amount with
// p.PaymentMethod attached and not confirmed (the Charge's Reference is
// the PaymentIntent id and ClientSecret its client secret). Both carry
// the order number and p.GatewayOrderID in metadata and are created with
// p.IdempotencyKey.
func (g *Gateway) Prepare(ctx context.Context, p *payments.PrepareParams) (*payments.Charge, error) {
	if err := checkIdempotencyKey(p.IdempotencyKey); err != nil {
		return nil, err
	}
	if p.Method != "" && p.Method != payments.MethodCard {
		// The methods are Config.PaymentMethodTypes' (or the
		// Dashboard's); the Service's default method, CARD, is the only
		// one a request may name.
		return nil, web.Invalid("the Stripe gateway takes its payment methods from its configuration; method %s cannot be asked for", web.Clip(string(p.Method), 32))
	}
	if err := p.Order.Validate(); err != nil {
		return nil, err
	}
	if p.SuccessURL != "" {
		return g.createSession(ctx, p)
	}
	return g.createIntent(ctx, p)
}

// Confirm confirms the PaymentIntent p.Reference with p.PaymentMethod (if
// set) and p.ReturnURL, under p.IdempotencyKey. It first reads the
// PaymentIntent: one whose amount or currency differs from p's is refused
// with payments.ErrAmountMismatch and not confirmed, and one that is
// already past confirmation (succeeded, processing, requires_action,
// canceled) is reported as it is, so a repeated Confirm never charges
// twice, even after Stripe has forgotten the idempotency key.
func (g *Gateway) Confirm(ctx context.Context, p *payments.ConfirmParams) (*payments.Charge, error) {
	if err := checkIdempotencyKey(p.IdempotencyKey); err != nil {
		return nil, err
	}
	if p.Reference == "" {
		return nil, web.Invalid("a PaymentIntent id is required to confirm")
	}
	return g.confirmIntent(ctx, p)
}

// Lookup reads an attempt from Stripe: the Checkout Session p.Session
// (with its PaymentIntent) when set, otherwise the PaymentIntent
// p.Reference. See the package documentation for the status mapping.
func (g *Gateway) Lookup(ctx context.Context, p *payments.LookupParams) (*payments.Charge, error) {
	switch {
	case p.Session != "":
		return g.lookupSession(ctx, p.Session, p.OrderNumber)
	case p.Reference != "":
		return g.lookupIntent(ctx, p.Reference, p.OrderNumber)
	}
	return nil, &payments.Error{Code: payments.CodePaymentNotFound, Message: "no Stripe Checkout Session or PaymentIntent to look up"}
}

// Cancel implements [payments.Canceler]. It reads the attempt first and
// touches it only if it belongs to the order and is still payable: an
// open Checkout Session is expired, a PaymentIntent not yet paid is
// canceled with cancellation_reason=abandoned, both with
// p.IdempotencyKey. It then reports the state Stripe gives; a session or
// intent paid in between is reported paid, without an error.
func (g *Gateway) Cancel(ctx context.Context, p *payments.CancelParams) (*payments.Charge, error) {
	if err := checkIdempotencyKey(p.IdempotencyKey); err != nil {
		return nil, err
	}
	return g.cancel(ctx, p)
}

// Refund refunds p.Amount (always sent explicitly) of the PaymentIntent
// p.Reference. The refund carries metadata refund_id = p.IdempotencyKey,
// and before creating one the gateway lists the PaymentIntent's refunds
// and returns the one with that refund_id if there is one: Stripe forgets
// idempotency keys after 24 hours, while a pending refund may be retried
// later than that.
func (g *Gateway) Refund(ctx context.Context, p *payments.RefundParams) (*payments.RefundResult, error) {
	if err := checkIdempotencyKey(p.IdempotencyKey); err != nil {
		return nil, err
	}
	if p.Reference == "" {
		return nil, web.Invalid("a PaymentIntent id is required to refund")
	}
	return g.refund(ctx, p)
}

// checkIdempotencyKey refuses a missing key or one Stripe would refuse.
func checkIdempotencyKey(k string) error {
	switch k = strings.TrimSpace(k); {
	case k == "":
		return web.Invalid("an idempotency key is required")
	case len(k) > maxIdempotencyKey:
		return web.Invalid("the idempotency key is longer than Stripe's %d characters", maxIdempotencyKey)
	}
	return nil
}

// orderMetadata is the metadata of everything the gateway creates for an
// attempt.
func orderMetadata(order, attempt string) map[string]string {
	md := map[string]string{metaOrderNumber: order}
	if attempt != "" {
		md[metaAttemptOrderID] = attempt
	}
	return md
}

// checkOrder refuses a Stripe object whose order_number metadata names
// another order than the caller's.
func checkOrder(md map[string]string, order string) error {
	if got := md[metaOrderNumber]; order != "" && got != "" && got != order {
		return web.Invalid("the Stripe object belongs to another order")
	}
	return nil
}
