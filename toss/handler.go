package toss

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/web"
	"github.com/payments-go/payments/refund"
)

// gatewayName is the name the Toss gateway has in a [payments.Service].
const gatewayName = "toss"

// HandlerConfig configures [NewHandler].
type HandlerConfig struct {
	// Service does all the work; it must have a gateway named "toss"
	// (a [Gateway] in production, paymentstest.NewGateway("toss") in
	// unit tests). Required.
	Service *payments.Service
	// ClientKey is the Toss client key (test_ck_…, live_ck_…) handed to
	// the browser's SDK in the ready response. It is not secret. Required.
	ClientKey string
	// CallbackBase is the absolute URL where the handler is mounted, such
	// as "https://shop.example/payments/toss". Toss sends the customer to
	// CallbackBase+"/success" and CallbackBase+"/fail". It is never
	// derived from a request's Host header. Required.
	CallbackBase string
	// AllowedOrigins are the origins ("https://shop.example") on which
	// the shop's success_url and fail_url may be. At least one is
	// required.
	AllowedOrigins []string
	// Authorize guards the admin route POST /cancel; nil refuses it with
	// 403 forbidden. See [payments.BearerToken].
	Authorize payments.Authorizer
	// AuthorizeCustomer reports whether a request may save a payment
	// method for the customer (POST /billing/ready): for instance, the
	// signed-in customer is that one. Nil leaves it to Authorize, so that
	// with neither the route answers 403 forbidden.
	AuthorizeCustomer func(r *http.Request, customerID string) error
	// Logger receives the handler's logs (never secrets or bodies); nil
	// means silence.
	Logger *slog.Logger
	// Now is the clock, used to check a virtual account's due_date; nil
	// means time.Now.
	Now func() time.Time
	// WebhookDeadline bounds the work of one webhook delivery, re-reading
	// the payment from Toss included; default 8 seconds, below the 10
	// seconds after which Toss counts the delivery failed and sends it
	// again (https://docs.tosspayments.com/guides/webhook). Work cut short
	// answers 503 and is done on the next delivery.
	WebhookDeadline time.Duration
}

// defaultWebhookDeadline leaves 2 of Toss's 10 seconds for the network.
const defaultWebhookDeadline = 8 * time.Second

// handler holds what the routes share.
type handler struct {
	svc          *payments.Service
	clientKey    string
	callbackBase string
	origins      *web.Origins
	// redirectOrigins is origins as a set of "scheme://host[:port]".
	redirectOrigins map[string]bool
	log             *slog.Logger
	now             func() time.Time
	webhookDeadline time.Duration
	// customerAuth and adminAuth guard the billing routes
	// (route_billing.go).
	customerAuth func(r *http.Request, customerID string) error
	adminAuth    payments.Authorizer
}

// NewHandler validates cfg and returns the handler of the Toss routes of
// the HTTP API, relative to where it is mounted (strip the prefix, for
// example with [http.StripPrefix]):
//
//	POST /ready            record an attempt; parameters for the payment window
//	GET  /success          Toss's success redirect: check, confirm once, 303 to success_url
//	GET  /fail             Toss's fail redirect: record, 303 to fail_url
//	POST /confirm          the same confirmation as /success, as JSON
//	POST /cancel           full or partial cancel (admin; package refund)
//	POST /virtual-account  issue a virtual account
//	POST /webhook          Toss webhooks
//	POST /billing/ready    parameters for the billing-auth window (requestBillingAuth)
//	GET  /billing/success  Toss's billing redirect: issue the billing key, 303 to success_url
//	GET  /billing/fail     Toss's billing fail redirect: 303 to fail_url
//
// Another method on one of these paths answers 405 method_not_allowed, an
// unknown path 404, both as JSON. The package documentation describes
// each route.
func NewHandler(cfg HandlerConfig) (http.Handler, error) {
	if cfg.Service == nil {
		return nil, errors.New("toss: HandlerConfig.Service is required")
	}
	if _, ok := cfg.Service.Gateway(gatewayName); !ok {
		return nil, errors.New(`toss: the service has no gateway named "toss"`)
	}
	if strings.TrimSpace(cfg.ClientKey) == "" {
		return nil, errors.New("toss: HandlerConfig.ClientKey is required")
	}
	gw, _ := cfg.Service.Gateway(gatewayName)
	if err := checkKeyPair(strings.TrimSpace(cfg.ClientKey), gw); err != nil {
		return nil, err
	}
	base, err := parseCallbackBase(cfg.CallbackBase)
	if err != nil {
		return nil, err
	}
	origins, err := web.NewOrigins(cfg.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	if len(origins.List()) == 0 {
		return nil, errors.New("toss: HandlerConfig.AllowedOrigins needs at least one origin for success_url and fail_url")
	}
	cancel, err := refund.NewHandler(refund.Config{Service: cfg.Service, Authorize: cfg.Authorize, Gateway: gatewayName})
	if err != nil {
		return nil, err
	}
	h := &handler{
		svc:             cfg.Service,
		clientKey:       strings.TrimSpace(cfg.ClientKey),
		callbackBase:    base,
		origins:         origins,
		redirectOrigins: make(map[string]bool),
		log:             cfg.Logger,
		now:             cfg.Now,
		webhookDeadline: cfg.WebhookDeadline,
		customerAuth:    cfg.AuthorizeCustomer,
		adminAuth:       cfg.Authorize,
	}
	for _, o := range origins.List() {
		h.redirectOrigins[o] = true
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.webhookDeadline <= 0 {
		h.webhookDeadline = defaultWebhookDeadline
	}
	replay := web.NewReplayCache(10000, 24*time.Hour)
	rt := web.NewRouter()
	rt.Observe("toss", cfg.Service.Trace())
	rt.Handle(http.MethodPost, "/ready", replay.Idempotent(http.HandlerFunc(h.ready)))
	rt.Handle(http.MethodGet, "/success", http.HandlerFunc(h.success))
	rt.Handle(http.MethodGet, "/fail", http.HandlerFunc(h.fail))
	rt.Handle(http.MethodPost, "/confirm", replay.Idempotent(http.HandlerFunc(h.confirm)))
	rt.Handle(http.MethodPost, "/cancel", cancel)
	rt.Handle(http.MethodPost, "/virtual-account", replay.Idempotent(http.HandlerFunc(h.virtualAccount)))
	rt.Handle(http.MethodPost, "/webhook", http.HandlerFunc(h.webhook))
	rt.Handle(http.MethodPost, "/billing/ready", replay.Idempotent(http.HandlerFunc(h.billingReady)))
	rt.Handle(http.MethodGet, "/billing/success", http.HandlerFunc(h.billingSuccess))
	rt.Handle(http.MethodGet, "/billing/fail", http.HandlerFunc(h.billingFail))
	return rt, nil
}

// checkKeyPair refuses keys that cannot work together, with an error that
// names the setting (never the key). The ready response drives the
// payment window, tossPayments.payment(…), which takes only API-individual
// keys: the SDK refuses a payment-widget client key (test_gck_, live_gck_)
// there with NotSupportedWidgetKeyError, and Toss answers a confirm made
// with a secret key of the other kind with INVALID_API_KEY
// (https://docs.tosspayments.com/reference/using-api/api-keys;
// @tosspayments/tosspayments-sdk, types/index.d.ts). The payment widget
// (tossPayments.widgets(…)) is not supported by the handler, so widget
// keys are refused here rather than at the customer's confirm. A test
// client key with a live secret key, or the other way round, is refused
// too. Keys of another shape are let through: Toss may add shapes.
func checkKeyPair(clientKey string, gw payments.Gateway) error {
	if strings.Contains(clientKey, "_gck_") {
		return errors.New("toss: HandlerConfig.ClientKey is a payment-widget client key (…_gck_…); the handler opens the payment window, tossPayments.payment(), which needs the API-individual key pair (…_ck_… and …_sk_…)")
	}
	g, ok := gw.(*Gateway)
	if !ok {
		return nil
	}
	if g.client.widgetKey {
		return errors.New("toss: the Toss gateway's ClientConfig.SecretKey is a payment-widget secret key (…_gsk_…); payments made in the payment window are confirmed with the API-individual secret key (…_sk_…), and Toss refuses the other with INVALID_API_KEY")
	}
	live, test := strings.HasPrefix(clientKey, "live_ck_"), strings.HasPrefix(clientKey, "test_ck_")
	if (live && !g.client.liveKey) || (test && g.client.liveKey) {
		return errors.New("toss: HandlerConfig.ClientKey and the Toss gateway's ClientConfig.SecretKey are not both test keys or both live keys")
	}
	return nil
}

func parseCallbackBase(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", fmt.Errorf("toss: HandlerConfig.CallbackBase %q must be an absolute http(s) URL without query, such as https://shop.example/payments/toss", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// krwOrder returns the order, refusing one that Toss cannot take.
func (h *handler) krwOrder(ctx context.Context, number string) (payments.Order, error) {
	order, err := h.svc.Order(ctx, number)
	if err != nil {
		return order, err
	}
	return order, checkCurrency(order.Currency)
}

// attempt returns the payment that has a Toss attempt with the gateway
// order id, resolving "<order number>-<n>" as the service does. An
// unknown id is 404 payment_not_found.
func (h *handler) attempt(ctx context.Context, orderID string) (*payments.Payment, error) {
	candidates := []string{orderID}
	if i := strings.LastIndexByte(orderID, '-'); i > 0 && web.Digits(orderID[i+1:]) {
		candidates = append(candidates, orderID[:i])
	}
	for _, c := range candidates {
		p, err := h.svc.Payment(ctx, c)
		switch payments.Code(err) {
		case "":
		case payments.CodeOrderNotFound, payments.CodePaymentNotFound, payments.CodeInvalidRequest:
			continue
		default:
			return nil, err
		}
		if a := attemptByOrderID(p, orderID); a != nil && a.Gateway == gatewayName {
			return p, nil
		}
	}
	return nil, &payments.Error{Code: payments.CodePaymentNotFound, Message: "no Toss payment attempt has that orderId"}
}

func attemptByOrderID(p *payments.Payment, orderID string) *payments.Attempt {
	if p == nil {
		return nil
	}
	for i := range p.Attempts {
		if p.Attempts[i].GatewayOrderID == orderID {
			return &p.Attempts[i]
		}
	}
	return nil
}

// logError logs err at a level that fits it: server-side trouble as
// errors, refusals of the request as debug.
func (h *handler) logError(ctx context.Context, msg string, err error, attrs ...any) {
	attrs = append(attrs, "code", payments.Code(err))
	if payments.HTTPStatus(err) >= 500 {
		h.log.ErrorContext(ctx, msg, attrs...)
		return
	}
	h.log.DebugContext(ctx, msg, attrs...)
}

func gatewayCode(err error) string {
	var pe *payments.Error
	if errors.As(err, &pe) {
		return pe.GatewayCode
	}
	return ""
}

// checkOrderNumber requires an order number that can be a Toss orderId.
func checkOrderNumber(s string) error {
	if s == "" {
		return web.Invalid("order_number is required")
	}
	if !validOrderID(s) {
		return web.Invalid("order_number must be 6–64 of A-Za-z0-9-_ (it becomes the Toss orderId)")
	}
	return nil
}

// validPaymentKey is the shape of a paymentKey the handler accepts from
// outside: at most 200 URL-safe characters.
func validPaymentKey(s string) bool {
	return s != "" && len(s) <= 200 && web.SafeChars(s, "-_.~")
}

// upperSnake reports whether s is made of A-Z and "_", the shape of
// Toss's codes and enum values.
func upperSnake(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || c == '_') {
			return false
		}
	}
	return true
}
