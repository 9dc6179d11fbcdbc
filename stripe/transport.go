package stripe

import (
	"net/http"

	"github.com/payments-go/payments"
)

// observeTransport reports to the [payments.Trace] of the gateway call in
// a request's context what stripe-go does out of the Gateway's sight: a
// request sent again (stripe-go's network retries, with the same
// Idempotency-Key) and an answer Stripe replayed from an earlier request
// with the same key (the Idempotent-Replayed: true header,
// https://docs.stripe.com/api/idempotent_requests). Without a trace it
// only passes the request on.
type observeTransport struct {
	next http.RoundTripper
}

func (t observeTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx := r.Context()
	payments.CountRequest(ctx, r.Method+" "+r.URL.Path+" "+r.Header.Get("Idempotency-Key"))
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	resp, err := next.RoundTrip(r)
	if err == nil && resp.Header.Get("Idempotent-Replayed") == "true" {
		payments.MarkReplayed(ctx)
	}
	return resp, err
}
