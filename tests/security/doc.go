// Package security holds the security checks of the mounted HTTP API as
// tests. It has no code of its own: everything is in the security_test
// package.
//
// Every test builds a shop the way an application does: httpapi.New over
// a payments.Service with the real toss.Gateway and stripe.Gateway, pointed
// at the tosstest and stripetest sandboxes, behind an httptest.Server, and
// talks to it over HTTP. One table per concern:
//
//   - TestOpenRedirectRefused: every redirect-taking field of every route
//     (Toss ready success_url and fail_url, Stripe checkout success_url and
//     cancel_url, Stripe confirm return_url) against hostile URLs: another
//     origin, scheme or port, scheme-relative //evil, backslashes,
//     javascript: and data: in any case, userinfo tricks
//     (https://shop.example@evil.example), look-alike hosts
//     (shop.example.evil.example, a Cyrillic "ѕ"), fragments and queries
//     that hide the real host (https://evil.example#@shop.example), a
//     percent-encoded "@" in the host (https://shop.example%40evil.example:
//     refused, since it is not a valid host and browsers do not agree on
//     it), CR/LF and other control characters, over-long URLs. Each is 400
//     redirect_not_allowed and records nothing, and no gateway is called.
//   - TestAdminRoutes: /toss/cancel and /stripe/refund answer 403 forbidden
//     without an authorizer (whatever the credentials), 401 unauthorized
//     for missing, wrong and malformed bearer tokens, and 200 for the
//     right one; refused requests refund nothing.
//   - TestStripeWebhookForgery: unsigned, wrongly signed, malformed, stale,
//     future and tampered deliveries are 400 invalid_signature and make no
//     gateway call; a replayed delivery (as sent, or signed again) is a
//     duplicate and makes no gateway call; a correctly signed event that
//     claims a payment Stripe has not taken changes nothing.
//   - TestTossWebhookForgery: a DEPOSIT_CALLBACK with a wrong, missing or
//     another payment's secret is 400 invalid_signature and changes
//     nothing; a forged PAYMENT_STATUS_CHANGED claiming DONE for an unpaid
//     payment leaves it unpaid (the service re-reads Toss) and does not
//     stand in the way of the real confirmation.
//   - TestSecretsNeverLeak, and every other test: all the library's logs
//     (service, handlers, Toss client, Stripe gateway including stripe-go's
//     own lines, at debug level) go to one slog JSON buffer together with
//     the shop's http.Server error log; errors returned by the service are
//     collected; every response is recorded. At the end of each test they
//     are scanned for the Toss secret keys (right and wrong) and their
//     Basic-auth forms, the Stripe secret keys, the webhook secret, the
//     admin token, every deposit secret (ps_…) and every PaymentIntent
//     client secret, which may appear only in the /stripe/intent answer
//     that created it. TestSecretsNeverLeak drives the flows that produce
//     errors: declines, 3-D Secure, over-refunds, unknown orders, and
//     gateways configured with wrong keys. TestSecretScanFindsLeaks plants
//     a secret in each place the scan looks, so that a scan that finds
//     nothing means something.
//   - TestBodyLimits: a body of 1 MiB + 1 byte is 413 body_too_large on
//     every POST route (with and without Idempotency-Key), a body of
//     exactly 1 MiB is read; a 10 MiB body stream is cut after 1 MiB + 1
//     byte read.
//   - TestHeaderLimits: header values the library reads are bounded
//     (Idempotency-Key, Stripe-Signature, Authorization, the success
//     callback's query). Limits on the size of all headers are the
//     http.Server's, which the application owns (SECURITY.md): the test
//     shows that a server with MaxHeaderBytes set refuses an oversized
//     header with 431 before the library sees the request. The library
//     cannot set them itself.
package security
