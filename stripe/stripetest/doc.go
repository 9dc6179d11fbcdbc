// Package stripetest is a stateful, in-memory fake of the Stripe API
// endpoints this module uses, for tests and for running the example shop
// offline. Point stripe-go v76 at it and it behaves like api.stripe.com in
// test mode for Checkout Sessions, PaymentIntents and refunds, with a
// sandbox hosted-checkout page, 3-D Secure challenges, decline test cards,
// a delayed bank debit, refunds that settle later, idempotent replay and
// signed webhook events.
//
// # Using it with stripe-go
//
// [NewTestServer] starts a [Server] on a loopback [httptest.Server]:
//
//	srv, ts := stripetest.NewTestServer(t, stripetest.Config{})
//	api := client.New("sk_test_123", stripego.NewBackendsWithConfig(&stripego.BackendConfig{
//		URL:               stripego.String(ts.URL),
//		LeveledLogger:     &stripego.LeveledLogger{Level: stripego.LevelNull},
//		MaxNetworkRetries: stripego.Int64(0),
//	}))
//
// A [Server] is also a plain [http.Handler] built by [New]; mount it in a
// process with [http.StripPrefix] and set [Config].PublicURL to the
// prefixed base URL so that hosted-page links carry the prefix.
//
// # Endpoints
//
// POST /v1/checkout/sessions, GET /v1/checkout/sessions/{id},
// POST /v1/checkout/sessions/{id}/expire, POST /v1/payment_intents,
// GET /v1/payment_intents/{id}, POST /v1/payment_intents/{id}/confirm,
// POST /v1/payment_intents/{id}/cancel, POST /v1/refunds, GET /v1/refunds
// (payment_intent or charge, limit, starting_after, ending_before; newest
// first), GET /v1/refunds/{id}, GET /v1/charges/{id},
// POST /v1/payment_intents/{id}/capture, GET /v1/disputes/{id},
// GET /v1/disputes (payment_intent or charge, limit),
// POST /v1/disputes/{id}/close and
// GET /v1/balance_transactions (made from the fake's charges, partial
// captures, refunds and chargebacks, with the fees of [FeeConfig];
// [Server.ChargeOutside],
// [Server.RefundOutside], [Server.HideBalanceTransaction] and
// [Server.AlterBalanceTransaction] make it disagree with a store). Bodies are decoded as
// stripe-go sends them (nested keys such as
// line_items[0][price_data][currency], metadata[k], expand[0] or
// expand[]); unknown parameters are rejected with parameter_unknown, as
// Stripe does. Responses are Stripe-shaped JSON that decodes into the v76
// types, expandable fields honour expand
// (https://docs.stripe.com/api/expanding_objects), and errors use Stripe's
// {"error": {...}} shape, codes and HTTP statuses
// (https://docs.stripe.com/api/errors: 401 for a missing or non-test key,
// 404 resource_missing, 402 card_error, 400 idempotency_error ...).
//
// # Test payment methods
//
// The payment methods are Stripe's own test ones
// (https://docs.stripe.com/testing). [PMVisa] and [PMMastercard] succeed; [PMDeclined],
// [PMInsufficientFunds], [PMLostCard], [PMExpiredCard], [PMIncorrectCVC]
// and [PMProcessingError] fail with a 402 card error whose decline code
// matches Stripe's, leaving the PaymentIntent in requires_payment_method
// with last_payment_error set; [PMThreeDSecure] and
// [PMAuthenticationRequired] put it in requires_action with a
// next_action.redirect_to_url pointing at the sandbox challenge page
// (use_stripe_sdk when no return_url was given). Completing the challenge
// there, or with [Server.Authenticate], makes the payment succeed or fail
// and redirects to return_url with payment_intent,
// payment_intent_client_secret and redirect_status.
//
// [PMUSBankAccount] and its siblings are ACH Direct Debit bank accounts
// (type us_bank_account, USD only;
// https://docs.stripe.com/payments/ach-direct-debit): the charge is
// pending and the PaymentIntent processing (a Checkout Session completes
// with payment_status unpaid) until [Server.Settle] settles the debit,
// which then succeeds or fails with the events Stripe sends
// (payment_intent.succeeded or payment_intent.payment_failed, and
// checkout.session.async_payment_succeeded or _failed). A PaymentIntent
// refuses a payment method of a type it does not accept, with
// payment_intent_incompatible_payment_method.
//
// # Manual capture
//
// A PaymentIntent created with capture_method=manual (or a Checkout
// Session with payment_intent_data[capture_method]=manual) whose payment
// succeeds is left in requires_capture with amount_capturable, its charge
// succeeded and uncaptured with payment_method_details.card.capture_before
// ([Config].AuthorizationValidity after the authorisation, default 7
// days), sending charge.succeeded and
// payment_intent.amount_capturable_updated
// (https://docs.stripe.com/payments/place-a-hold-on-a-payment-method).
// POST /v1/payment_intents/{id}/capture takes amount_to_capture (at most
// amount_capturable, else 400 amount_too_large; default all of it) once,
// releases the rest (counted in the charge's amount_refunded) and sends
// charge.captured and payment_intent.succeeded; a second capture is 400
// payment_intent_unexpected_state, and final_capture=false
// (multicapture) is refused. /cancel voids the authorisation. Past
// capture_before on the [Config].Now clock, the next request finds the
// PaymentIntent canceled with cancellation_reason automatic, after
// charge.expired and payment_intent.canceled; [Server.ExpireAuthorizations]
// does it at once. A complete session's payment_status meanwhile is
// [Config].ManualCaptureSessionPaymentStatus (default unpaid), which
// Stripe does not document.
//
// # Disputes
//
// [PMCreateDispute] and [PMCreateDisputeInquiry], Stripe's test cards for
// disputes (https://docs.stripe.com/testing#disputes), succeed and then
// open a fraudulent chargeback (needs_response, with
// charge.dispute.created and charge.dispute.funds_withdrawn) or an
// inquiry (warning_needs_response, charge.dispute.created) of the
// captured amount. [Server.OpenDispute] opens one on any captured charge,
// [Server.ReviewDispute] moves it to under_review (charge.dispute.updated)
// and [Server.ResolveDispute] closes it won (charge.dispute.closed and
// charge.dispute.funds_reinstated), lost or, for an inquiry,
// warning_closed; POST /v1/disputes/{id}/close accepts it (lost). While a
// chargeback is open or lost, refunds of its charge are refused with 400
// [Config].DisputeRefundCode (charge_disputed by default; Stripe also has
// refund_disputed_payment and does not document which it answers), as
// is_charge_refundable false says; an inquiry's charge stays refundable.
//
// # Payment method types
//
// A Checkout Session created without payment_method_types offers the
// Dashboard's methods ([Config].DashboardPaymentMethodTypes; default card
// and us_bank_account) that take its currency, as Stripe's dynamic payment
// methods do; with payment_method_types it offers those. The fake models
// card and us_bank_account and refuses other types by name.
//
// # Refunds
//
// A card refund succeeds at once. As with Stripe's refund test cards
// (https://docs.stripe.com/testing#refunds), a refund of [PMPendingRefund]
// (or of a bank debit) starts pending and one of [PMRefundFail] starts
// succeeded; [Server.SettleRefund] settles them (succeeded, respectively
// failed), and [Server.FailRefund] fails any pending or succeeded refund.
// At the pinned API version 2023-10-16 a refund sends charge.refunded when
// created and charge.refund.updated when its status changes; refund.*
// events come only with [Config].AcaciaRefundEvents, as from
// 2024-10-28.acacia
// (https://docs.stripe.com/changelog/acacia/2024-10-28/refund-webhook-update).
//
// # Hosted checkout sandbox
//
// A session's url leads to GET /sandbox/checkout/{id}, a small page
// (no external assets) listing the line items and total with a choice of
// test cards. Pay completes the session and 303-redirects to success_url
// with {CHECKOUT_SESSION_ID} replaced; Cancel goes to cancel_url.
// [Server.CompleteSession] and [Server.ExpireSession] do the same without
// a browser. [Server.Discount] applies a percent-off discount, as a coupon
// or promotion code would (https://docs.stripe.com/payments/checkout/discounts);
// at 100% the session completes with payment_status no_payment_required
// and amount_total 0, without a PaymentIntent.
//
// # Idempotency
//
// As with Stripe (https://docs.stripe.com/api/idempotent_requests), a POST
// carrying an Idempotency-Key is executed once per API key: a repeat with the same parameters replays the stored response
// with the header Idempotent-Replayed: true, and a repeat with different
// parameters or on another endpoint fails with a 400 idempotency_error.
// Only executed requests (successes and card declines) are stored, for 24
// hours. [Server.Executed] counts real executions per operation.
//
// # Events
//
// The server records checkout.session.completed, checkout.session.expired,
// checkout.session.async_payment_succeeded and _failed,
// payment_intent.succeeded, payment_intent.processing,
// payment_intent.payment_failed, payment_intent.requires_action,
// payment_intent.canceled, charge.pending, charge.succeeded,
// charge.failed (for bank debits), charge.refunded and
// charge.refund.updated events, and those of manual capture and disputes
// above ([Server.Events]), with api_version pinned
// to stripe-go's. If [Config].WebhookURL is set it delivers them, signed
// like Stripe (Stripe-Signature: t=...,v1=...;
// https://docs.stripe.com/webhooks), from a goroutine that runs
// only while events are queued; [Server.Flush] waits for the queue and
// [Server.Close] stops delivery. [Server.SignedEvent] and [Server.Sign]
// build signed payloads for webhook handler tests.
//
// # Fault injection
//
// [Server.FailNext] makes the next requests fail before processing;
// [Server.DropAfterProcessing] processes them and then closes the
// connection without answering, to exercise retries with the same
// idempotency key. [Server.Calls] is the request log.
//
// # Limits
//
// Only card and ACH Direct Debit payments in payment mode are modelled
// (manual capture for cards only, without multicapture or extended
// authorisations): no customers, prices, products, setup or subscription
// mode, dispute evidence, bank-debit mandates or embedded checkout (these
// are rejected with a message naming stripetest). Amount minimums are
// checked for a few major currencies only.
package stripetest
