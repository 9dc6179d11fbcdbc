package stripe

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
)

// DefaultWebhookTolerance is how far a webhook's signed timestamp may be
// from the current time, in either direction, unless
// [HandlerConfig].WebhookTolerance says otherwise. It is stripe-go's
// [webhook.DefaultTolerance].
const DefaultWebhookTolerance = webhook.DefaultTolerance

// Sentinel errors of [VerifyWebhook], for errors.Is. VerifyWebhook never
// returns them bare: it returns a *payments.Error that wraps one of them
// (and, where stripe-go found the problem, stripe-go's own error, such as
// webhook.ErrNoValidSignature). So for every failure
//
//	errors.Is(err, stripe.ErrWebhookTooOld)       // the precise reason
//	errors.Is(err, payments.ErrInvalidSignature)  // the class
//	payments.Code(err) == payments.CodeInvalidSignature
//
// hold, except for [ErrWebhookMalformed], whose code is
// payments.CodeInvalidRequest: the payload was correctly signed but is not
// a Stripe event.
var (
	// ErrWebhookNoSecret: no webhook signing secret is configured, so no
	// payload can be verified. An empty secret is never used as an HMAC
	// key (anyone could sign with it).
	ErrWebhookNoSecret = errors.New("stripe: no webhook signing secret is configured")
	// ErrWebhookNoSignature: the Stripe-Signature header is missing.
	ErrWebhookNoSignature = errors.New("stripe: webhook has no Stripe-Signature header")
	// ErrWebhookInvalidHeader: the Stripe-Signature header is malformed
	// (no timestamp, or pairs that are not key=value).
	ErrWebhookInvalidHeader = errors.New("stripe: webhook has a malformed Stripe-Signature header")
	// ErrWebhookBadSignature: no v1 signature in the header matches the
	// payload and the secret (wrong secret, or a tampered payload).
	ErrWebhookBadSignature = errors.New("stripe: webhook signature does not match")
	// ErrWebhookTooOld: the signed timestamp is older than the tolerance
	// (a replayed or long-delayed delivery).
	ErrWebhookTooOld = errors.New("stripe: webhook timestamp is older than the tolerance")
	// ErrWebhookTooNew: the signed timestamp is further in the future than
	// the tolerance. stripe-go checks only staleness; a timestamp from the
	// future means a wrong clock or a forged header and is refused too.
	ErrWebhookTooNew = errors.New("stripe: webhook timestamp is in the future beyond the tolerance")
	// ErrWebhookMalformed: the signature is valid but the payload is not
	// a Stripe event (not JSON, or no id, type or data.object), or it is
	// ambiguous: a key is given twice in one object, or in two spellings
	// that differ only in case.
	ErrWebhookMalformed = errors.New("stripe: webhook payload is not a Stripe event")
	// ErrWebhookLivemode: the event is genuine but of the other mode
	// (livemode true for a test key, or false for a live key;
	// https://docs.stripe.com/keys): the handler answers 400
	// invalid_signature and applies nothing.
	ErrWebhookLivemode = errors.New("stripe: webhook event is of the other mode than the key")
)

// VerifyWebhook checks a webhook delivery, signed as
// https://docs.stripe.com/webhooks describes, and returns its event. It is
// a pure function of its arguments: payload is the raw request body exactly
// as received, header the Stripe-Signature header, now the current time
// and tolerance the largest allowed distance between now and the signed
// timestamp, in either direction (zero or negative means
// [DefaultWebhookTolerance]).
//
// The signature is checked by stripe-go's
// [webhook.ConstructEventWithOptions] with IgnoreAPIVersionMismatch, so
// events rendered at another API version than stripe-go v76's pinned
// 2023-10-16 are accepted; callers must read only stable fields from the
// event (ids, metadata) and re-read the object from Stripe, as
// [payments.Service.HandleNotification] does. stripe-go measures
// staleness with the wall clock and not at all for timestamps from the
// future, so VerifyWebhook asks it to ignore the tolerance and checks both
// directions itself against now. A correctly signed payload in which a
// key is given twice, or in two spellings that differ only in case, is
// refused as [ErrWebhookMalformed].
//
// Errors are described at [ErrWebhookBadSignature] and its siblings; they
// never contain the secret or the payload.
func VerifyWebhook(payload []byte, header string, secret payments.Secret, now time.Time, tolerance time.Duration) (stripego.Event, error) {
	if tolerance <= 0 {
		tolerance = DefaultWebhookTolerance
	}
	if secret.IsZero() {
		return stripego.Event{}, sigError(ErrWebhookNoSecret, nil)
	}
	ts, err := signedTimestamp(header)
	if err != nil {
		return stripego.Event{}, err
	}
	ev, err := webhook.ConstructEventWithOptions(payload, header, secret.Reveal(), webhook.ConstructEventOptions{
		IgnoreTolerance:          true,
		IgnoreAPIVersionMismatch: true,
	})
	switch {
	case errors.Is(err, webhook.ErrNotSigned):
		return stripego.Event{}, sigError(ErrWebhookNoSignature, err)
	case errors.Is(err, webhook.ErrInvalidHeader):
		return stripego.Event{}, sigError(ErrWebhookInvalidHeader, err)
	case errors.Is(err, webhook.ErrNoValidSignature):
		return stripego.Event{}, sigError(ErrWebhookBadSignature, err)
	case errors.Is(err, webhook.ErrTooOld):
		return stripego.Event{}, sigError(ErrWebhookTooOld, err)
	case err != nil:
		// The only other failure is the JSON decoding of a correctly
		// signed payload. stripe-go's message quotes the decoder, which
		// may quote the payload, so it is not kept.
		return stripego.Event{}, malformed()
	}
	switch age := now.Sub(ts); {
	case age > tolerance:
		return stripego.Event{}, sigError(ErrWebhookTooOld, webhook.ErrTooOld)
	case -age > tolerance:
		return stripego.Event{}, sigError(ErrWebhookTooNew, nil)
	}
	if ev.ID == "" || ev.Type == "" || ev.Data == nil || ev.Data.Object == nil {
		return stripego.Event{}, malformed()
	}
	// stripe-go decodes with encoding/json, which lets the last of two
	// equal keys win. Like every JSON body the library takes, a payload
	// that is ambiguous that way is refused, so that nothing that reads
	// the first value can disagree with what is acted on.
	if err := httpjson.UnmarshalEvent(payload, &eventKeys{}); err != nil {
		return stripego.Event{}, ambiguous(err)
	}
	return ev, nil
}

// eventKeys are the keys of an event VerifyWebhook's callers read; every
// other key is unknown to it and only checked for duplicates.
type eventKeys struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Data struct {
		Object json.RawMessage `json:"object"`
	} `json:"data"`
}

// signedTimestamp reads the t= element of a Stripe-Signature header the
// way stripe-go does (the last t wins), so that the tolerance can be
// checked against the caller's clock.
func signedTimestamp(header string) (time.Time, error) {
	if header == "" {
		return time.Time{}, sigError(ErrWebhookNoSignature, webhook.ErrNotSigned)
	}
	var ts time.Time
	found := false
	for _, pair := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(pair, "=")
		if !ok || strings.Contains(v, "=") {
			return time.Time{}, sigError(ErrWebhookInvalidHeader, webhook.ErrInvalidHeader)
		}
		if k != "t" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return time.Time{}, sigError(ErrWebhookInvalidHeader, webhook.ErrInvalidHeader)
		}
		ts, found = time.Unix(n, 0), true
	}
	if !found {
		return time.Time{}, sigError(ErrWebhookInvalidHeader, webhook.ErrInvalidHeader)
	}
	return ts, nil
}

var sigMessages = map[error]string{
	ErrWebhookNoSecret:      "webhook signing secret is not configured",
	ErrWebhookNoSignature:   "Stripe-Signature header is missing",
	ErrWebhookInvalidHeader: "Stripe-Signature header is malformed",
	ErrWebhookBadSignature:  "webhook signature does not match",
	ErrWebhookTooOld:        "webhook timestamp is outside the tolerance (too old)",
	ErrWebhookTooNew:        "webhook timestamp is outside the tolerance (in the future)",
}

// sigError is the *payments.Error for a verification failure: code
// invalid_signature, wrapping the sentinel and stripe-go's error, if any.
func sigError(sentinel, cause error) error {
	wrapped := sentinel
	if cause != nil {
		wrapped = fmt.Errorf("%w: %w", sentinel, cause)
	}
	return &payments.Error{Code: payments.CodeInvalidSignature, Message: sigMessages[sentinel], Err: wrapped}
}

func malformed() error {
	return &payments.Error{Code: payments.CodeInvalidRequest, Message: "webhook payload is not a Stripe event", Err: ErrWebhookMalformed}
}

// ambiguous is the error for a signed payload with a duplicated or
// case-variant key; err, from httpjson, names the key.
func ambiguous(err error) error {
	msg := "webhook payload is not a Stripe event"
	var pe *payments.Error
	if errors.As(err, &pe) && pe.Message != "" {
		msg += ": " + pe.Message
	}
	return &payments.Error{Code: payments.CodeInvalidRequest, Message: msg, Err: ErrWebhookMalformed}
}
