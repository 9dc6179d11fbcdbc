package stripe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/redact"
)

// Defaults of [Config].
const (
	defaultGatewayName       = "stripe"
	defaultMaxNetworkRetries = 2
	defaultHTTPTimeout       = 80 * time.Second
)

// Limits Stripe puts on what we send.
const (
	maxIdempotencyKey = 255 // Idempotency-Key header
	maxMetadataValue  = 500 // characters per metadata value
	maxLineItems      = 100 // line items of one Checkout Session
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
	// restricted key (rk_test_…, rk_live_…). It is sent only in the
	// Authorization header of requests to BaseURL.
	SecretKey payments.Secret
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
}

// Gateway is the Stripe [payments.Gateway] and [payments.Preparer]. It
// translates between the library's attempts and Stripe Checkout
// Sessions, PaymentIntents and refunds, through a stripe-go client of its
// own. Create it with [New]; it is safe for concurrent use.
type Gateway struct {
	name string
	api  *client.API
	log  *slog.Logger
}

var (
	_ payments.Gateway  = (*Gateway)(nil)
	_ payments.Preparer = (*Gateway)(nil)
)

// New validates cfg and returns a Gateway. It touches none of stripe-go's
// package-level settings: the client, its backends, its logger and its
// retry policy belong to this Gateway alone.
func New(cfg Config) (*Gateway, error) {
	if !validSecretKey(cfg.SecretKey.Reveal()) {
		return nil, errors.New("stripe: Config.SecretKey must be a Stripe secret or restricted key (sk_test_…, sk_live_…, rk_test_… or rk_live_…)")
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
		name = defaultGatewayName
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: defaultHTTPTimeout}
	}
	retries := int64(cfg.MaxNetworkRetries)
	switch {
	case retries == 0:
		retries = defaultMaxNetworkRetries
	case retries < 0:
		retries = 0
	}

	g := &Gateway{name: name}
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
// Session its id), otherwise a PaymentIntent for the order's amount with
// p.PaymentMethod attached and not confirmed (the Charge's Reference is
// the PaymentIntent id and ClientSecret its client secret). Both carry
// the order number and p.GatewayOrderID in metadata and are created with
// p.IdempotencyKey.
func (g *Gateway) Prepare(ctx context.Context, p *payments.PrepareParams) (*payments.Charge, error) {
	if err := checkIdempotencyKey(p.IdempotencyKey); err != nil {
		return nil, err
	}
	if p.Method != "" && p.Method != payments.MethodCard {
		return nil, &payments.Error{Code: payments.CodeInvalidRequest, Message: "Stripe payments are card payments; method " + truncateRunes(string(p.Method), 32) + " is not offered"}
	}
	if err := p.Order.Validate(); err != nil {
		return nil, err
	}
	if p.SuccessURL != "" {
		return g.createSession(ctx, p)
	}
	return g.createIntent(ctx, p)
}

func (g *Gateway) createSession(ctx context.Context, p *payments.PrepareParams) (*payments.Charge, error) {
	o := p.Order
	cur := stripeCurrency(o.Currency)
	if _, err := stripeAmount(o.Amount, o.Currency); err != nil {
		return nil, err
	}
	params := &stripego.CheckoutSessionParams{
		Mode:              stripego.String(string(stripego.CheckoutSessionModePayment)),
		SuccessURL:        stripego.String(p.SuccessURL),
		ClientReferenceID: stripego.String(o.Number),
		Metadata:          orderMetadata(o.Number, p.GatewayOrderID),
		PaymentIntentData: &stripego.CheckoutSessionPaymentIntentDataParams{
			Description: stripego.String(o.Name),
			Metadata:    orderMetadata(o.Number, p.GatewayOrderID),
		},
	}
	if p.CancelURL != "" {
		params.CancelURL = stripego.String(p.CancelURL)
	}
	if o.Customer.Email != "" {
		params.CustomerEmail = stripego.String(o.Customer.Email)
	}
	line := func(name string, qty int64, unit payments.Amount) (*stripego.CheckoutSessionLineItemParams, error) {
		n, err := stripeAmount(unit, o.Currency)
		if err != nil {
			return nil, err
		}
		return &stripego.CheckoutSessionLineItemParams{
			Quantity: stripego.Int64(qty),
			PriceData: &stripego.CheckoutSessionLineItemPriceDataParams{
				Currency:    stripego.String(cur),
				UnitAmount:  stripego.Int64(n),
				ProductData: &stripego.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripego.String(name)},
			},
		}, nil
	}
	if n := len(o.Items); n > 0 && n <= maxLineItems {
		for _, it := range o.Items {
			li, err := line(it.Name, it.Quantity, it.UnitAmount)
			if err != nil {
				return nil, err
			}
			params.LineItems = append(params.LineItems, li)
		}
	} else {
		li, err := line(o.Name, 1, o.Amount)
		if err != nil {
			return nil, err
		}
		params.LineItems = append(params.LineItems, li)
	}
	params.Context = ctx
	params.SetIdempotencyKey(p.IdempotencyKey)
	cs, err := g.api.CheckoutSessions.New(params)
	if err != nil {
		return nil, g.fail(ctx, opPrepare, err)
	}
	g.log.DebugContext(ctx, "stripe: created Checkout Session", "order", o.Number, "session", cs.ID)
	return sessionCharge(cs), nil
}

func (g *Gateway) createIntent(ctx context.Context, p *payments.PrepareParams) (*payments.Charge, error) {
	o := p.Order
	amount, err := stripeAmount(o.Amount, o.Currency)
	if err != nil {
		return nil, err
	}
	params := &stripego.PaymentIntentParams{
		Amount:      stripego.Int64(amount),
		Currency:    stripego.String(stripeCurrency(o.Currency)),
		Description: stripego.String(o.Name),
		Metadata:    orderMetadata(o.Number, p.GatewayOrderID),
		// Card only, rather than automatic payment methods: the library
		// takes card payments (payments.MethodCard), and a later confirm
		// then needs no return_url unless the card asks for 3-D Secure.
		PaymentMethodTypes: stripego.StringSlice([]string{"card"}),
	}
	if p.PaymentMethod != "" {
		params.PaymentMethod = stripego.String(p.PaymentMethod)
	}
	params.Context = ctx
	params.SetIdempotencyKey(p.IdempotencyKey)
	pi, err := g.api.PaymentIntents.New(params)
	if err != nil {
		return nil, g.fail(ctx, opPrepare, err)
	}
	g.log.DebugContext(ctx, "stripe: created PaymentIntent", "order", o.Number, "payment_intent", pi.ID)
	return intentCharge(pi), nil
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
		return nil, &payments.Error{Code: payments.CodeInvalidRequest, Message: "a PaymentIntent id is required to confirm"}
	}
	pi, err := g.getIntent(ctx, p.Reference)
	if err != nil {
		return nil, err
	}
	if err := checkOrder(pi.Metadata, p.OrderNumber); err != nil {
		return nil, err
	}
	if p.Amount != 0 || p.Currency != "" {
		want, err := stripeAmount(p.Amount, p.Currency)
		if err != nil {
			return nil, err
		}
		if pi.Amount != want || !strings.EqualFold(string(pi.Currency), string(p.Currency)) {
			return nil, &payments.Error{Code: payments.CodeAmountMismatch,
				Message: "the PaymentIntent's amount or currency differs from the payment's; it was not confirmed"}
		}
	}
	switch pi.Status {
	case stripego.PaymentIntentStatusRequiresPaymentMethod, stripego.PaymentIntentStatusRequiresConfirmation:
	default:
		return intentCharge(pi), nil
	}
	params := &stripego.PaymentIntentConfirmParams{}
	if p.PaymentMethod != "" {
		params.PaymentMethod = stripego.String(p.PaymentMethod)
	}
	if p.ReturnURL != "" {
		params.ReturnURL = stripego.String(p.ReturnURL)
	}
	params.AddExpand("latest_charge")
	params.Context = ctx
	params.SetIdempotencyKey(p.IdempotencyKey)
	pi, err = g.api.PaymentIntents.Confirm(p.Reference, params)
	if err != nil {
		return nil, g.fail(ctx, opConfirm, err)
	}
	return intentCharge(pi), nil
}

// Lookup reads an attempt from Stripe: the Checkout Session p.Session
// (with its PaymentIntent) when set, otherwise the PaymentIntent
// p.Reference. See the package documentation for the status mapping.
func (g *Gateway) Lookup(ctx context.Context, p *payments.LookupParams) (*payments.Charge, error) {
	switch {
	case p.Session != "":
		params := &stripego.CheckoutSessionParams{}
		params.AddExpand("payment_intent.latest_charge")
		params.Context = ctx
		cs, err := g.api.CheckoutSessions.Get(p.Session, params)
		if err != nil {
			return nil, g.fail(ctx, opLookup, err)
		}
		if err := checkOrder(cs.Metadata, p.OrderNumber); err != nil {
			return nil, err
		}
		return sessionCharge(cs), nil
	case p.Reference != "":
		pi, err := g.getIntent(ctx, p.Reference)
		if err != nil {
			return nil, err
		}
		if err := checkOrder(pi.Metadata, p.OrderNumber); err != nil {
			return nil, err
		}
		return intentCharge(pi), nil
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
	lookup := &payments.LookupParams{OrderNumber: p.OrderNumber, GatewayOrderID: p.GatewayOrderID, Reference: p.Reference, Session: p.Session}
	ch, err := g.Lookup(ctx, lookup)
	if err != nil {
		return nil, err
	}
	if ch.Status != payments.StatusReady && ch.Status != payments.StatusRequiresAction {
		return ch, nil
	}
	if p.Session != "" {
		params := &stripego.CheckoutSessionExpireParams{}
		params.Context = ctx
		params.SetIdempotencyKey(p.IdempotencyKey)
		_, err = g.api.CheckoutSessions.Expire(p.Session, params)
	} else {
		params := &stripego.PaymentIntentCancelParams{CancellationReason: stripego.String(string(stripego.PaymentIntentCancellationReasonAbandoned))}
		params.Context = ctx
		params.SetIdempotencyKey(p.IdempotencyKey)
		_, err = g.api.PaymentIntents.Cancel(p.Reference, params)
	}
	if err != nil {
		e := g.fail(ctx, opCancel, err)
		switch payments.Code(e) {
		case payments.CodeGatewayUnavailable, payments.CodeCanceled, payments.CodeGatewayError:
			return nil, e
		}
		// Refused because the state changed in between (the customer
		// paid, the session expired): report the state.
		g.log.InfoContext(ctx, "stripe: cancel refused; reporting the current state",
			"order", p.OrderNumber, "code", payments.Code(e))
	}
	return g.Lookup(ctx, lookup)
}

func (g *Gateway) getIntent(ctx context.Context, id string) (*stripego.PaymentIntent, error) {
	params := &stripego.PaymentIntentParams{}
	params.AddExpand("latest_charge")
	params.Context = ctx
	pi, err := g.api.PaymentIntents.Get(id, params)
	if err != nil {
		return nil, g.fail(ctx, opLookup, err)
	}
	return pi, nil
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
		return nil, &payments.Error{Code: payments.CodeInvalidRequest, Message: "a PaymentIntent id is required to refund"}
	}
	amount, err := stripeAmount(p.Amount, p.Currency)
	if err != nil {
		return nil, err
	}
	if re, err := g.findRefund(ctx, p.Reference, p.IdempotencyKey); err != nil {
		return nil, err
	} else if re != nil {
		g.log.InfoContext(ctx, "stripe: refund already exists; not created again",
			"order", p.OrderNumber, "refund_id", p.IdempotencyKey, "refund", re.ID)
		return refundResult(re), nil
	}
	md := orderMetadata(p.OrderNumber, p.GatewayOrderID)
	md[metaRefundID] = p.IdempotencyKey
	if r := strings.TrimSpace(p.Reason); r != "" {
		md[metaReason] = truncateRunes(r, maxMetadataValue)
	}
	params := &stripego.RefundParams{
		PaymentIntent: stripego.String(p.Reference),
		Amount:        stripego.Int64(amount),
		Reason:        stripego.String(refundReason(p.Reason)),
		Metadata:      md,
	}
	params.Context = ctx
	params.SetIdempotencyKey(p.IdempotencyKey)
	re, err := g.api.Refunds.New(params)
	if err != nil {
		return nil, g.fail(ctx, opRefund, err)
	}
	return refundResult(re), nil
}

// findRefund returns the refund of PaymentIntent pi whose metadata
// refund_id is id, or nil.
func (g *Gateway) findRefund(ctx context.Context, pi, id string) (*stripego.Refund, error) {
	params := &stripego.RefundListParams{PaymentIntent: stripego.String(pi)}
	params.Limit = stripego.Int64(100)
	params.Context = ctx
	it := g.api.Refunds.List(params)
	for it.Next() {
		if re := it.Refund(); re.Metadata[metaRefundID] == id {
			return re, nil
		}
	}
	err := it.Err()
	if err == nil {
		return nil, nil
	}
	var se *stripego.Error
	if errors.As(err, &se) && se.HTTPStatusCode == http.StatusNotFound && se.Code == "" {
		// The server does not know the list endpoint at all (an API fake
		// without it; Stripe itself answers an unknown PaymentIntent with
		// resource_missing). Rely on the idempotency key alone.
		g.log.DebugContext(ctx, "stripe: refund list not available; relying on the idempotency key", "payment_intent", pi)
		return nil, nil
	}
	return nil, g.fail(ctx, opRefund, err)
}

// refundReason chooses Stripe's refund reason from the free text:
// "duplicate" when the text says duplicate, "fraudulent" when it says
// fraud, and "requested_by_customer" otherwise. Duplicate wins over fraud
// because a fraudulent refund also feeds Stripe's fraud rules.
func refundReason(text string) string {
	t := strings.ToLower(text)
	switch {
	case strings.Contains(t, "duplicate") || strings.Contains(t, "중복"):
		return string(stripego.RefundReasonDuplicate)
	case strings.Contains(t, "fraud"):
		return string(stripego.RefundReasonFraudulent)
	}
	return string(stripego.RefundReasonRequestedByCustomer)
}

func refundResult(re *stripego.Refund) *payments.RefundResult {
	r := &payments.RefundResult{Reference: re.ID}
	switch re.Status {
	case stripego.RefundStatusSucceeded:
		r.Status = payments.RefundSucceeded
	case stripego.RefundStatusFailed, stripego.RefundStatusCanceled:
		r.Status = payments.RefundFailed
		code := string(re.FailureReason)
		if code == "" {
			code = string(re.Status)
		}
		r.Failure = &payments.Failure{Code: code, Message: "Stripe reports the refund " + string(re.Status)}
	default: // pending, requires_action
		r.Status = payments.RefundPending
	}
	return r
}

// sessionCharge maps a Checkout Session (with its PaymentIntent, if
// expanded) to a Charge.
func sessionCharge(cs *stripego.CheckoutSession) *payments.Charge {
	ch := &payments.Charge{
		Session:        cs.ID,
		GatewayOrderID: cs.Metadata[metaAttemptOrderID],
		GatewayStatus:  string(cs.Status),
		Method:         payments.MethodCard,
		Amount:         payments.Amount(cs.AmountTotal),
		Currency:       ourCurrency(cs.Currency),
	}
	pi := cs.PaymentIntent
	if pi != nil && pi.Status != "" {
		// Expanded: the PaymentIntent says what happened to the money.
		ich := intentCharge(pi)
		ch.Reference, ch.RefundedAmount, ch.PaidAt = ich.Reference, ich.RefundedAmount, ich.PaidAt
		if ich.Status.Paid() || ich.Status == payments.StatusProcessing {
			ch.Status = ich.Status
			ch.GatewayStatus = string(pi.Status)
			return ch
		}
	} else if pi != nil {
		ch.Reference = pi.ID
	}
	switch {
	case cs.Status == stripego.CheckoutSessionStatusExpired:
		ch.Status = payments.StatusExpired
	case cs.Status == stripego.CheckoutSessionStatusComplete &&
		(cs.PaymentStatus == stripego.CheckoutSessionPaymentStatusPaid || cs.PaymentStatus == stripego.CheckoutSessionPaymentStatusNoPaymentRequired):
		ch.Status = payments.StatusPaid
	case cs.Status == stripego.CheckoutSessionStatusComplete:
		// Complete but unpaid: a delayed payment method is settling.
		ch.Status = payments.StatusProcessing
	default: // open
		ch.Status = payments.StatusReady
		ch.RedirectURL = cs.URL
	}
	return ch
}

// intentCharge maps a PaymentIntent (with latest_charge expanded, when
// refunds matter) to a Charge.
func intentCharge(pi *stripego.PaymentIntent) *payments.Charge {
	ch := &payments.Charge{
		Reference:      pi.ID,
		GatewayOrderID: pi.Metadata[metaAttemptOrderID],
		GatewayStatus:  string(pi.Status),
		Method:         payments.MethodCard,
		Amount:         payments.Amount(pi.Amount),
		Currency:       ourCurrency(pi.Currency),
		ClientSecret:   payments.Secret(pi.ClientSecret),
	}
	switch pi.Status {
	case stripego.PaymentIntentStatusRequiresPaymentMethod, stripego.PaymentIntentStatusRequiresConfirmation:
		ch.Status = payments.StatusReady
		if e := pi.LastPaymentError; e != nil {
			ch.Status = payments.StatusFailed
			ch.Failure = &payments.Failure{Code: gatewayCode(e), Message: redact.String(e.Msg)}
		}
	case stripego.PaymentIntentStatusRequiresAction:
		ch.Status = payments.StatusRequiresAction
		if na := pi.NextAction; na != nil && na.RedirectToURL != nil {
			ch.RedirectURL = na.RedirectToURL.URL
		}
	case stripego.PaymentIntentStatusProcessing, stripego.PaymentIntentStatusRequiresCapture:
		// requires_capture (manual capture, which the gateway never asks
		// for) is authorised money not yet taken.
		ch.Status = payments.StatusProcessing
	case stripego.PaymentIntentStatusSucceeded:
		ch.Status = payments.StatusPaid
		ch.PaidAt = time.Unix(pi.Created, 0).UTC()
		if lc := pi.LatestCharge; lc != nil {
			if lc.Created != 0 {
				ch.PaidAt = time.Unix(lc.Created, 0).UTC()
			}
			ch.RefundedAmount = payments.Amount(lc.AmountRefunded)
		}
		switch {
		case ch.RefundedAmount > 0 && ch.RefundedAmount >= ch.Amount:
			ch.Status = payments.StatusRefunded
		case ch.RefundedAmount > 0:
			ch.Status = payments.StatusPartiallyRefunded
		}
	case stripego.PaymentIntentStatusCanceled:
		ch.Status = payments.StatusCanceled
	default:
		ch.Status = payments.StatusProcessing
	}
	return ch
}

// checkOrder refuses a Stripe object whose order_number metadata names
// another order than the caller's.
func checkOrder(md map[string]string, order string) error {
	if got := md[metaOrderNumber]; order != "" && got != "" && got != order {
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: "the Stripe object belongs to another order"}
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

func checkIdempotencyKey(k string) error {
	switch {
	case strings.TrimSpace(k) == "":
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: "an idempotency key is required"}
	case len(strings.TrimSpace(k)) > maxIdempotencyKey:
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: "the idempotency key is longer than Stripe's 255 characters"}
	}
	return nil
}

// stripeAmount converts a in currency c to Stripe's integer amount.
//
// Stripe counts every currency in the minor unit that
// [payments.Currency.Exponent] reports (Stripe's zero-decimal list is the
// library's, and its three-decimal currencies are counted in thousandths),
// so the number passes unchanged. Two Stripe rules are checked instead of
// rounding, because the library never charges other than the order's
// amount: three-decimal amounts must end in 0, and ISK amounts (two
// decimals in Stripe's API, though the krona has no fraction) must be
// whole krónur.
func stripeAmount(a payments.Amount, c payments.Currency) (int64, error) {
	if !c.Valid() {
		return 0, &payments.Error{Code: payments.CodeInvalidRequest, Message: fmt.Sprintf("currency %q is not an ISO 4217 code", truncateRunes(string(c), 10))}
	}
	if a <= 0 {
		return 0, &payments.Error{Code: payments.CodeInvalidRequest, Message: "the amount must be positive"}
	}
	n := int64(a)
	switch {
	case c.Exponent() == 3 && n%10 != 0:
		return 0, &payments.Error{Code: payments.CodeInvalidRequest,
			Message: fmt.Sprintf("Stripe takes %s amounts in steps of 0.010; %s cannot be charged or refunded exactly", c, c.Format(a))}
	case c == "ISK" && n%100 != 0:
		return 0, &payments.Error{Code: payments.CodeInvalidRequest,
			Message: fmt.Sprintf("Stripe takes whole ISK only; %s cannot be charged or refunded exactly", c.Format(a))}
	}
	return n, nil
}

func stripeCurrency(c payments.Currency) string { return strings.ToLower(string(c)) }

func ourCurrency(c stripego.Currency) payments.Currency {
	return payments.Currency(strings.ToUpper(string(c)))
}

// gatewayCode is the code reported to callers for a Stripe error: the
// decline code when there is one, else the error code.
func gatewayCode(e *stripego.Error) string {
	if e.DeclineCode != "" {
		return string(e.DeclineCode)
	}
	return string(e.Code)
}

// Operations, for error classification.
const (
	opPrepare = "prepare"
	opConfirm = "confirm"
	opLookup  = "lookup"
	opRefund  = "refund"
	opCancel  = "cancel"
)

// fail turns an error from stripe-go into a *payments.Error; see the
// package documentation for the mapping. The *stripego.Error stays
// reachable with errors.As; no message contains the secret key.
func (g *Gateway) fail(ctx context.Context, op string, err error) error {
	var se *stripego.Error
	if !errors.As(err, &se) {
		e := &payments.Error{Code: payments.CodeGatewayUnavailable, Err: err}
		var ne net.Error
		switch cerr := ctx.Err(); {
		case errors.Is(cerr, context.Canceled):
			e.Code, e.Message = payments.CodeCanceled, "the call to Stripe was canceled"
			if !errors.Is(err, cerr) {
				e.Err = errors.Join(cerr, err)
			}
		case cerr != nil:
			e.Timeout, e.Message = true, "Stripe did not answer before the deadline; the outcome is unknown"
			if !errors.Is(err, cerr) {
				e.Err = errors.Join(cerr, err)
			}
		case errors.As(err, &ne) && ne.Timeout():
			e.Timeout, e.Message = true, "Stripe did not answer in time; the outcome is unknown"
		default:
			e.Message = "could not reach Stripe; the outcome is unknown"
		}
		g.log.WarnContext(ctx, "stripe: request failed", "op", op, "code", e.Code, "error", err)
		return e
	}
	if se.PaymentIntent != nil {
		// The error embeds the PaymentIntent; keep its client secret out
		// of anything that prints the error.
		se.PaymentIntent.ClientSecret = ""
	}
	msg := truncateRunes(redact.String(se.Msg), 300)
	e := &payments.Error{Message: msg, Err: se}
	status := se.HTTPStatusCode
	switch {
	case se.Type == stripego.ErrorTypeCard || status == http.StatusPaymentRequired:
		e.Code, e.GatewayCode = payments.CodePaymentDeclined, gatewayCode(se)
		if e.Message == "" {
			e.Message = "the card was declined"
		}
	case status == http.StatusTooManyRequests || status >= 500 || se.Type == stripego.ErrorTypeAPI ||
		se.Code == stripego.ErrorCodeIdempotencyKeyInUse:
		e.Code, e.GatewayCode = payments.CodeGatewayUnavailable, string(se.Code)
		e.Message = "Stripe is unavailable (HTTP " + strconv.Itoa(status) + "); the outcome is unknown"
		if se.LastResponse != nil {
			e.RetryAfter = retryAfter(se.LastResponse.Header.Get("Retry-After"), time.Now())
		}
	case se.Type == stripego.ErrorTypeIdempotency:
		e.Code = payments.CodeIdempotencyKeyReused
		e.Message = "Stripe refused the idempotency key: it was used with other parameters"
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Code = payments.CodeGatewayError
		e.Message = "Stripe refused the API key (HTTP " + strconv.Itoa(status) + ")"
	case se.Code == stripego.ErrorCodeResourceMissing && se.Param == "payment_method":
		e.Code, e.GatewayCode = payments.CodeInvalidRequest, string(se.Code)
	case se.Code == stripego.ErrorCodeResourceMissing:
		e.Code, e.GatewayCode = payments.CodePaymentNotFound, string(se.Code)
	case op == opRefund && (se.Code == stripego.ErrorCodeChargeAlreadyRefunded || se.Code == stripego.ErrorCodeAmountTooLarge ||
		(se.Param == "amount" && se.Code == "")):
		e.Code, e.GatewayCode = payments.CodeRefundExceedsBalance, string(se.Code)
	case se.Code == stripego.ErrorCodePaymentIntentUnexpectedState:
		e.Code, e.GatewayCode = payments.CodeInvalidState, string(se.Code)
	default:
		e.Code, e.GatewayCode = payments.CodeGatewayError, string(se.Code)
		if e.Message == "" {
			e.Message = "Stripe refused the request"
		}
	}
	g.log.DebugContext(ctx, "stripe: API error", "op", op, "code", e.Code, "stripe_code", string(se.Code),
		"status", status, "request_id", se.RequestID)
	return e
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// sdkLogger routes stripe-go's log lines to the gateway's (redacting)
// slog.Logger: its debug and info lines at debug level, its warnings and
// errors at info level (an API error is returned to the caller as well,
// so it is not the gateway's error to log).
type sdkLogger struct{ l *slog.Logger }

func (s sdkLogger) Debugf(format string, v ...any) { s.logf(slog.LevelDebug, format, v) }
func (s sdkLogger) Infof(format string, v ...any)  { s.logf(slog.LevelDebug, format, v) }
func (s sdkLogger) Warnf(format string, v ...any)  { s.logf(slog.LevelInfo, format, v) }
func (s sdkLogger) Errorf(format string, v ...any) { s.logf(slog.LevelInfo, format, v) }

func (s sdkLogger) logf(level slog.Level, format string, v []any) {
	ctx := context.Background()
	if !s.l.Enabled(ctx, level) {
		return
	}
	s.l.Log(ctx, level, "stripe-go: "+fmt.Sprintf(format, v...))
}
