// Package stripe takes payments through Stripe Checkout Sessions and
// PaymentIntents, with github.com/stripe/stripe-go/v76 (imported as
// stripego; API version 2023-10-16, https://docs.stripe.com/api/versioning).
//
// It has three parts:
//
//   - [Gateway], the [payments.Gateway], [payments.Preparer] and
//     [payments.Canceler] for Stripe: a [payments.Service] does the shared
//     work (orders, amounts, idempotency keys, state transitions) and the
//     Gateway only translates to and from Stripe.
//   - [NewHandler], the HTTP API over the Service: /checkout, /intent,
//     /confirm, /verify, /refund and /webhook.
//   - [VerifyWebhook], which checks Stripe's webhook signatures, as a pure
//     function.
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
//	h, err := stripe.NewHandler(stripe.HandlerConfig{
//		Service:        svc,
//		WebhookSecret:  payments.Secret(os.Getenv("STRIPE_WEBHOOK_SECRET")),
//		AllowedOrigins: []string{"https://shop.example"},
//		Authorize:      payments.BearerToken(adminToken),
//	})
//	mux.Handle("/payments/stripe/", http.StripPrefix("/payments/stripe", h))
//
// BaseURL points the Gateway at another server: a stripetest server in
// tests and in the offline example shop, or stripe-mock.
//
// # Preparing a payment
//
// [Gateway.Prepare] creates one of two things, with the Service's
// idempotency key:
//
//   - With a SuccessURL, a Checkout Session in payment mode
//     (https://docs.stripe.com/api/checkout/sessions/create): one line item
//     per order item (price_data with the lower-case currency and the unit
//     amount in Stripe's minor unit), or one line from the order's name and
//     amount when the order has no items (or more than Stripe's 100);
//     client_reference_id and metadata order_number are the order number,
//     metadata attempt_order_id the attempt's gateway order id, on the
//     session and in payment_intent_data (Stripe does not copy a session's
//     metadata to its PaymentIntent); success_url is sent verbatim, so
//     Stripe fills in a literal {CHECKOUT_SESSION_ID}; cancel_url and
//     customer_email when known; ui_mode is never sent. payment_method_types
//     is Config.PaymentMethodTypes when set; without it Checkout offers the
//     methods enabled in the Dashboard
//     (https://docs.stripe.com/payments/payment-methods/dynamic-payment-methods),
//     delayed ones such as bank debits included. The Charge has the
//     session id (Session) and its hosted page (RedirectURL). The session
//     has no PaymentIntent until the customer pays.
//   - Otherwise a PaymentIntent for the order's amount
//     (https://docs.stripe.com/api/payment_intents/create), with the given
//     payment method attached and not confirmed, with the same metadata.
//     It is created with payment_method_types=[card] rather than automatic
//     payment methods: it is confirmed by the server, which can collect
//     neither a bank debit's mandate nor a redirect method's return, and a
//     card confirm works without a return_url unless the card needs 3-D
//     Secure. The
//     Charge has the PaymentIntent id (Reference) and its client secret
//     (ClientSecret, a [payments.Secret], for Stripe.js only).
//
// # Confirming and 3-D Secure
//
// [Gateway.Confirm] first reads the PaymentIntent. If its amount or
// currency differs from the payment's it answers amount_mismatch and
// confirms nothing (a payment without a positive amount and a valid
// currency is refused with invalid_request, never confirmed unchecked);
// if it names another order (metadata order_number) it answers
// invalid_request. A PaymentIntent already past confirmation
// (succeeded, processing, requires_action, canceled) is reported as it is
// without another confirm, so a repeated Confirm never charges twice,
// even after Stripe forgot the idempotency key. Otherwise it confirms
// (https://docs.stripe.com/api/payment_intents/confirm) with the payment
// method and return_url given, under the Service's key. A card that needs
// 3-D Secure (https://docs.stripe.com/payments/3d-secure) gives
// requires_action with the challenge page in RedirectURL
// (next_action.redirect_to_url) when a return_url was given, and without
// a RedirectURL (Stripe.js handles use_stripe_sdk with the client secret)
// otherwise; after the challenge, [Gateway.Lookup] or another Confirm
// reports the result. A decline is an error, see below.
//
// # Statuses
//
// [Gateway.Lookup] reads the Checkout Session (when LookupParams.Session is
// set, with payment_intent.latest_charge and payment_intent.payment_method
// expanded) or else the PaymentIntent (with latest_charge and
// payment_method expanded). PaymentIntent statuses
// (https://docs.stripe.com/payments/paymentintents/lifecycle) map to the
// library's:
//
//	requires_payment_method, requires_confirmation  ready (failed, with the
//	                                                decline code and message
//	                                                as Failure, when
//	                                                last_payment_error is set)
//	requires_action                                 requires_action (+ RedirectURL)
//	processing                                      processing
//	requires_capture                                authorized (+ AmountCapturable)
//	succeeded                                       paid; partially_refunded or
//	                                                refunded by the latest
//	                                                charge's amount_refunded
//	canceled                                        canceled (Failure.Code automatic
//	                                                when an authorisation lapsed)
//
// A Checkout Session whose PaymentIntent succeeded (payment_status=paid)
// is paid, with the PaymentIntent id as Reference; status=expired is
// expired; complete but unpaid is processing while a delayed method (a
// bank debit) settles, and failed once its PaymentIntent failed
// (checkout.session.async_payment_failed;
// https://docs.stripe.com/checkout/fulfillment); open is ready, with the
// hosted page as RedirectURL. complete with no_payment_required (a 100%
// discount) is reported paid with amount 0, which the Service refuses as
// amount_mismatch for an order with a positive amount. Amount and
// Currency are Stripe's, in the library's units: a succeeded
// PaymentIntent's amount_received, else its amount, else the session's
// amount_total; RefundedAmount is the latest charge's amount_refunded;
// PaidAt is the charge's creation (or the PaymentIntent's). A Lookup with
// neither Session nor Reference answers payment_not_found.
//
// Method is the payment method Stripe charged: the latest charge's
// payment_method_details.type, else the payment method's type, mapped by
// how the customer pays (card, card_present, kr_card → CARD; bank debits,
// bank redirects and account-to-account payments such as
// us_bank_account, sepa_debit, ideal, pix → TRANSFER; customer_balance
// bank transfers and vouchers such as konbini, boleto, oxxo →
// VIRTUAL_ACCOUNT, because the customer pays later against details they
// are given; wallets and pay-later providers such as link, paypal,
// kakao_pay, naver_pay, klarna → EASY_PAY). Before anything is charged,
// or for a type the library does not know (it is logged), Method is
// empty and the attempt keeps the method it was prepared with.
//
// [Gateway.Cancel] expires an open Checkout Session or cancels an unpaid
// PaymentIntent (cancellation_reason=abandoned), after reading it; an
// attempt paid in the meantime is reported paid.
//
// # Manual capture and disputes
//
// With [payments.CaptureManual] in PrepareParams, Prepare creates the
// PaymentIntent (or the Checkout Session's, through payment_intent_data)
// with capture_method=manual
// (https://docs.stripe.com/payments/place-a-hold-on-a-payment-method).
// [Gateway.Capture] captures amount_to_capture, always sent, of a
// PaymentIntent in requires_capture, with the Service's key; Stripe
// releases the rest, which its charge then counts in amount_refunded and
// which RefundedAmount leaves out. [Gateway.Void] cancels an authorised
// PaymentIntent. Both read the PaymentIntent first and report one no
// longer in requires_capture as it is. A Checkout Session whose
// PaymentIntent is in requires_capture is authorized whatever its
// payment_status, which Stripe does not document for this case.
//
// [Gateway.Dispute], [Gateway.Disputes] and [Gateway.CloseDispute] read
// (https://docs.stripe.com/api/disputes/retrieve, /list by payment_intent)
// and accept (https://docs.stripe.com/api/disputes/close) disputes; the
// order is the disputed PaymentIntent's metadata.order_number. A refund
// Stripe refuses with charge_disputed or refund_disputed_payment (which
// of the two it answers is not documented) is payment_disputed.
//
// # Refunds
//
// [Gateway.Refund] refunds an explicit amount of the PaymentIntent
// (https://docs.stripe.com/api/refunds/create), full or partial, with
// metadata refund_id (the Service's refund id, also the idempotency key),
// reason (the free text, clipped to 500 bytes, within Stripe's limit of 500
// characters), order_number and
// attempt_order_id. Stripe's own reason (duplicate, fraudulent or
// requested_by_customer) is sent only when RefundParams.StripeReason
// names it, and never chosen from the free text: fraudulent adds the card
// and e-mail to the account's block lists
// (https://docs.stripe.com/api/refunds/create#create_refund-reason).
// Because Stripe forgets idempotency keys
// after 24 hours (https://docs.stripe.com/api/idempotent_requests) while
// a pending refund may be retried later, Refund first lists the
// PaymentIntent's refunds and returns the one whose refund_id matches,
// creating one only if there is none. Refund statuses: pending and
// requires_action → pending, succeeded → succeeded, failed and canceled →
// failed (Failure.Code is Stripe's failure_reason). A pending refund is
// settled by the webhook's refund events and by the Service's
// reconciliation, which both call Refund again with the same refund id and
// so find the refund by its refund_id.
//
// # Webhooks
//
// POST /webhook of [NewHandler] verifies each delivery with
// [VerifyWebhook], maps the event to a [payments.Notification] by its
// metadata, and lets [payments.Service.HandleNotification] re-read the
// object from Stripe: the event's body is never trusted. See [NewHandler]
// for the event types and the answers. Applications with a router of
// their own can call VerifyWebhook directly; stripetest's
// Server.SignedEvent signs test payloads.
//
// # Errors
//
// Every error is a *[payments.Error]; stripe-go's *stripego.Error, when
// there is one, is its Err, for errors.As. Messages never contain the
// secret key (Stripe's messages are passed through the library's
// redaction), and the client secret is removed from a PaymentIntent
// embedded in a Stripe error. Stripe's error types and codes are at
// https://docs.stripe.com/error-codes, its decline codes at
// https://docs.stripe.com/declines/codes.
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
// amount Stripe cannot take exactly, a StripeReason not in Stripe's enum)
// is invalid_request, and nothing is sent.
//
// # Amounts and currencies
//
// Amounts are in the minor unit [payments.Currency.Exponent] reports, which
// is Stripe's for every currency (https://docs.stripe.com/currencies):
// zero-decimal currencies (KRW 58990 is sent as 58990), two-decimal ones
// (USD 12.34 as 1234) and the three-decimal BHD, JOD, KWD, OMR and TND
// (thousandths) pass unchanged; currencies are sent in lower case and
// read back in upper case. Stripe requires three-decimal amounts to end
// in 0 and takes ISK (two decimals in its API) in whole krónur only.
// Where its advice is to round, the Gateway refuses instead, with
// invalid_request, because it never charges or refunds other than the
// exact amount: price such orders in steps Stripe can take.
//
// # Idempotency and retries
//
// Every write carries the Service's own stable key (never one stripe-go
// invents), so a retry after a timeout or a restart cannot act twice.
// stripe-go retries network errors, 409s, lock-timeout 429s, 503s and
// 5xx answers to reads, Config.MaxNetworkRetries times (default 2), with
// the same Idempotency-Key; it does not retry rate-limit 429s
// (https://docs.stripe.com/rate-limits) or 500s on writes, which come
// back as gateway_unavailable for the Service to settle. stripe-go's
// backoff sleep does not watch the context.
//
// # Logging
//
// Config.Logger receives the Gateway's few lines and stripe-go's own
// (requests at debug level, its warnings and errors at info level),
// through the library's redacting handler; nil silences both, and
// stripe-go's default stderr logger is never used. Telemetry headers are
// off.
//
// # Saved cards and off-session charges
//
// The [Gateway] saves cards with a Checkout Session in setup mode for the
// customer's Stripe Customer, created once (metadata customer_id, found
// again by search, created with an idempotency key derived from the
// customer id), and charges them with off-session PaymentIntents
// (https://docs.stripe.com/payments/save-and-reuse). A charge the bank
// wants the customer to authenticate fails at Stripe with 402
// authentication_required; the gateway confirms the same PaymentIntent
// for the customer's return (with return_url, a redirect page) and
// reports requires_action. Removal detaches the PaymentMethod.
//
// The card is stored by POST /setup/verify when the customer comes back
// to the success page, and by checkout.session.completed of the setup
// session when they do not: the webhook re-reads the session and its
// SetupIntent from Stripe, like the verify, and of the two, in either
// order and however often, the first stores the method (one
// method.saved event) and the others find it stored.
//
// # Testing
//
// Package stripetest is a stateful fake of the Stripe endpoints used here,
// with test cards, 3-D Secure, a delayed bank debit, pending and failing
// refunds, discounts and a hosted checkout page; point
// Config.BaseURL at it. This package's own tests run the conformance suite
// paymentstest.RunGatewayTests against it, check request shapes against
// stripe-mock's OpenAPI validation, and check retries and error mapping
// with httpmock. For unit tests of code that only needs a
// [payments.Gateway] named "stripe", paymentstest.NewGateway("stripe")
// works with [NewHandler] too.
package stripe
