// Package stripe takes payments through Stripe Checkout Sessions and
// PaymentIntents, with github.com/stripe/stripe-go/v76 (imported as
// stripego; API version 2023-10-16). [Gateway] is its [payments.Gateway],
// [payments.Preparer] and [payments.Canceler]: a [payments.Service] does
// the shared work (orders, amounts, idempotency keys, state transitions)
// and the Gateway only translates to and from Stripe. [NewHandler] is the HTTP API over
// the Service and [VerifyWebhook] checks Stripe's webhook signatures.
//
// # Configuration
//
// [New] takes a [Config] and builds a stripe-go client of the Gateway's
// own (client.New with stripego.NewBackendsWithConfig). It never reads
// the environment and never touches stripe-go's package-level settings
// (stripego.Key, the default backends or logger), so several Gateways,
// for several accounts, can live in one process:
//
//	gw, err := stripe.New(stripe.Config{
//		SecretKey: payments.Secret(os.Getenv("STRIPE_SECRET_KEY")), // the application reads it
//	})
//	svc, err := payments.NewService(payments.Config{
//		Store: memstore.New(), Orders: orders, Gateways: []payments.Gateway{gw},
//	})
//
// BaseURL points the Gateway at another server: a stripetest server in
// tests and in the offline example shop, or stripe-mock.
//
// # Preparing a payment
//
// [Gateway.Prepare] creates one of two things, with the Service's
// idempotency key:
//
//   - With a SuccessURL, a Checkout Session in payment mode: one line item
//     per order item (price_data with the lower-case currency and the unit
//     amount in Stripe's minor unit), or one line from the order's name and
//     amount when the order has no items (or more than Stripe's 100);
//     client_reference_id and metadata order_number are the order number,
//     metadata attempt_order_id the attempt's gateway order id, on the
//     session and in payment_intent_data (Stripe does not copy a session's
//     metadata to its PaymentIntent); success_url is sent verbatim, so
//     Stripe fills in a literal {CHECKOUT_SESSION_ID}; cancel_url and
//     customer_email when known; ui_mode is never sent. The Charge has the
//     session id (Session) and its hosted page (RedirectURL). The session
//     has no PaymentIntent until the customer pays.
//   - Otherwise a PaymentIntent for the order's amount, with the given
//     payment method attached and not confirmed, with the same metadata.
//     It is created with payment_method_types=[card] rather than automatic
//     payment methods: the library takes cards, and a later confirm then
//     works without a return_url unless the card needs 3-D Secure. The
//     Charge has the PaymentIntent id (Reference) and its client secret
//     (ClientSecret, a [payments.Secret], for Stripe.js only).
//
// # Confirming and 3-D Secure
//
// [Gateway.Confirm] first reads the PaymentIntent. If its amount or
// currency differs from the payment's it answers amount_mismatch and
// confirms nothing; if it names another order (metadata order_number) it
// answers invalid_request. A PaymentIntent already past confirmation
// (succeeded, processing, requires_action, canceled) is reported as it is
// without another confirm, so a repeated Confirm never charges twice,
// even after Stripe forgot the idempotency key. Otherwise it confirms with
// the payment method and return_url given, under the Service's key. A
// card that needs 3-D Secure gives requires_action with the challenge page
// in RedirectURL (next_action.redirect_to_url) when a return_url was
// given, and without a RedirectURL (Stripe.js handles use_stripe_sdk with
// the client secret) otherwise; after the challenge, [Gateway.Lookup] or
// another Confirm reports the result. A decline is an error, see below.
//
// # Statuses
//
// [Gateway.Lookup] reads the Checkout Session (when LookupParams.Session is
// set, with payment_intent.latest_charge expanded) or else the
// PaymentIntent (with latest_charge expanded). PaymentIntent statuses map
// as the contract says:
//
//	requires_payment_method, requires_confirmation  ready (failed, with the
//	                                                decline code and message
//	                                                as Failure, when
//	                                                last_payment_error is set)
//	requires_action                                 requires_action (+ RedirectURL)
//	processing, requires_capture                    processing
//	succeeded                                       paid; partially_refunded or
//	                                                refunded by the latest
//	                                                charge's amount_refunded
//	canceled                                        canceled
//
// A Checkout Session whose PaymentIntent succeeded (payment_status=paid)
// is paid, with the PaymentIntent id as Reference; status=expired is
// expired; complete but unpaid is processing (a delayed method); open is
// ready, with the hosted page as RedirectURL. Amount and Currency are
// Stripe's, in the library's units; RefundedAmount is the latest charge's
// amount_refunded; PaidAt is the charge's creation (or the
// PaymentIntent's). A Lookup with neither Session nor Reference answers
// payment_not_found.
//
// # Refunds
//
// [Gateway.Refund] refunds an explicit amount of the PaymentIntent, full
// or partial, with metadata refund_id (the Service's refund id, also the
// idempotency key), reason (the free text), order_number and
// attempt_order_id. Stripe's reason is duplicate when the text says
// duplicate (or 중복), fraudulent when it says fraud, and
// requested_by_customer otherwise; duplicate wins, as fraudulent also
// feeds Stripe's fraud rules. Because Stripe forgets idempotency keys
// after 24 hours while a pending refund may be retried later, Refund
// first lists the PaymentIntent's refunds and returns the one whose
// refund_id matches, creating one only if there is none. Refund statuses:
// pending and requires_action → pending, succeeded → succeeded, failed
// and canceled → failed (Failure.Code is Stripe's failure_reason).
//
// # Errors
//
// Every error is a *[payments.Error]; stripe-go's *stripego.Error, when
// there is one, is its Err, for errors.As. Messages never contain the
// secret key (Stripe's messages are passed through the library's
// redaction), and the client secret is removed from a PaymentIntent
// embedded in a Stripe error.
//
//	Stripe's answer                            Code (and what else is set)
//	card_error, or any 402                     payment_declined; GatewayCode is the
//	                                           decline code, else the error code
//	429, 5xx, api_error, 409 (idempotency      gateway_unavailable: the outcome is
//	key in use), network errors, timeouts      unknown; RetryAfter from Retry-After,
//	                                           Timeout for timeouts (HTTP 504)
//	idempotency_error                          idempotency_key_reused: our key was
//	                                           used with other parameters
//	resource_missing                           payment_not_found (invalid_request
//	                                           for an unknown payment_method)
//	on a refund: charge_already_refunded,      refund_exceeds_balance
//	amount_too_large, an error on amount
//	payment_intent_unexpected_state            invalid_state
//	401, 403                                   gateway_error (the key was refused)
//	anything else                              gateway_error
//	a canceled context                         canceled (errors.Is context.Canceled)
//	an expired context                         gateway_unavailable, Timeout
//
// Input the Gateway can refuse by itself (no idempotency key, a key over
// Stripe's 255 characters, an invalid order, a method other than CARD, an
// amount Stripe cannot take exactly) is invalid_request, and nothing is
// sent.
//
// # Amounts and currencies
//
// Amounts are in the minor unit [payments.Currency.Exponent] reports, which
// is Stripe's for every currency: zero-decimal currencies (KRW 58990 is
// sent as 58990), two-decimal ones (USD 12.34 as 1234) and the
// three-decimal BHD, JOD, KWD, OMR and TND (thousandths) pass unchanged;
// currencies are sent in lower case and read back in upper case. Stripe
// requires three-decimal amounts to end in 0 and takes ISK (two decimals
// in its API) in whole krónur only. Where its advice is to round, the
// Gateway refuses instead, with invalid_request, because it never charges
// or refunds other than the exact amount: price such orders in steps
// Stripe can take.
//
// # Idempotency and retries
//
// Every write carries the Service's own stable key (never one stripe-go
// invents), so a retry after a timeout or a restart cannot act twice.
// stripe-go retries network errors, 409s, lock-timeout 429s, 503s and
// 5xx answers to reads, Config.MaxNetworkRetries times (default 2), with
// the same Idempotency-Key; it does not retry rate-limit 429s or 500s
// on writes, which come back as gateway_unavailable for the Service to
// settle. stripe-go's backoff sleep does not watch the context.
//
// # Logging
//
// Config.Logger receives the Gateway's few lines and stripe-go's own
// (requests at debug level, its warnings and errors at info level),
// through the library's redacting handler; nil silences both, and
// stripe-go's default stderr logger is never used. Telemetry headers are
// off.
//
// # Testing
//
// Package stripetest is a stateful fake of the Stripe endpoints used here,
// with test cards, 3-D Secure and a hosted checkout page; point
// Config.BaseURL at it. This package's own tests run the conformance suite
// paymentstest.RunGatewayTests against it, check request shapes against
// stripe-mock's OpenAPI validation, and check retries and error mapping
// with httpmock.
package stripe
