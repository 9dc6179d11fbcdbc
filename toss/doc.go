// Package toss takes payments through Toss Payments (Korea): a [Client]
// for its core API v1 (https://docs.tosspayments.com/reference), a
// [Gateway] that plugs it into [payments.Service], and the HTTP routes a
// shop mounts ([NewHandler]).
//
// # Client
//
// [NewClient] takes the secret key (test_sk_, live_sk_, test_gsk_ or
// live_gsk_, as a [payments.Secret]; the HTTP routes need the
// API-individual test_sk_ or live_sk_, see Keys) and calls
//
//   - [Client.Confirm]: POST /v1/payments/confirm
//   - [Client.Payment]: GET /v1/payments/{paymentKey}
//   - [Client.PaymentByOrderID]: GET /v1/payments/orders/{orderId}
//   - [Client.Cancel]: POST /v1/payments/{paymentKey}/cancel
//   - [Client.IssueVirtualAccount]: POST /v1/virtual-accounts
//   - [Client.Transactions]: GET /v1/transactions, and [Client.Settlements]:
//     GET /v1/settlements, which [Gateway.ReadLedger] reads for
//     [payments.Service.Audit] (list bodies capped at 16 MiB)
//
// with Basic authentication, JSON bodies, path segments escaped, response
// bodies capped at 1 MiB, and an Idempotency-Key on every POST (required:
// the Service derives one from stable facts, so a retry, a duplicate
// callback or a restarted process repeats it and Toss acts at most once;
// https://docs.tosspayments.com/reference/using-api/idempotency-key). The
// TossPayments-API-Version header is not sent: the API version is the one
// chosen for the merchant in the developer center
// (https://docs.tosspayments.com/reference/versioning).
//
// # Retries
//
// Only what is safe is retried, and always with the same Idempotency-Key:
// network failures, 5xx and 429 answers (but for the refusals Toss answers
// with a 5xx, such as FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING), PROVIDER_ERROR,
// CARD_PROCESSING_ERROR, FORBIDDEN_CONSECUTIVE_REQUEST and 409
// IDEMPOTENT_REQUEST_PROCESSING, with jittered exponential backoff that
// honours Retry-After (up to 10s) and the context. Declines and request
// errors are never retried. Toss does not say whether it replays an error
// answer under an Idempotency-Key; a retry with the same key is harmless
// either way (tosstest.Config.NoErrorReplay covers both readings).
//
// # Errors
//
// Every error is a *[payments.Error]. When Toss answered, its cause is an
// *[APIError] (errors.As) and GatewayCode is Toss's code. Every code of
// https://docs.tosspayments.com/reference/error-codes is mapped in one
// table: card and account refusals and customer limits →
// payment_declined (FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING too: the card
// company or bank failed the payment, and Toss's message says why);
// bad keys or merchant contract → gateway_error;
// unknown payments and expired confirm windows → payment_not_found; a
// cancel above the balance → refund_exceeds_balance; a payment that
// cannot be canceled now → invalid_state; malformed requests →
// invalid_request; temporary failures, and failures after which the
// operation may have happened → gateway_unavailable (Timeout set on
// deadlines and timeouts, RetryAfter from the Retry-After header).
// Unknown codes are classified by their shape, then by HTTP status. A
// canceled context gives canceled. No error or log line contains the
// secret key.
//
// The public docs leave a few answers open; the library assumes:
//
//   - A confirm whose orderId or amount differs from the authenticated
//     one is refused with a code the docs do not give; it maps to
//     invalid_request, or amount_mismatch when the Gateway can tell
//     (tosstest.Config.MismatchCode sets the fake's code).
//   - A cancel above the balance is NOT_CANCELABLE_AMOUNT;
//     EXCEED_MAX_REFUND_AMOUNT and EXCEED_CANCEL_LIMIT map to
//     refund_exceeds_balance too.
//   - A cancel of a deposited virtual account without a refund account is
//     refused with an invalid-request code; the Gateway then reads the
//     payment and answers a clear invalid_request naming the missing
//     account.
//   - virtualAccount.refundStatus belongs to the payment, not to one
//     refund; PARTIAL_FAILED is read as "the latest refund's transfer
//     failed, the earlier ones landed" (tosstest.Server.SettleRefund with
//     RefundPartialFailed produces it; RefundFailed fails them all).
//   - A virtual account CANCELED with no cancel listed is a deposit the
//     bank reversed, as Toss reported it before API version 1.4
//     (tosstest.Config.LegacyDepositReversal), not a refund.
//
// # Payments and statuses
//
// [Payment] decodes the whole Payment object
// (https://docs.tosspayments.com/reference#payment-객체) with
// encoding/json, ignoring unknown fields and keeping unknown enum values.
// Amounts are exact int64 (whole won for KRW; a fractional KRW amount is
// an error, never rounded). Korean and English method names map to
// [payments.Method] ([Payment.PaymentMethod]); statuses map as
// [Payment.UnifiedStatus] says: READY and IN_PROGRESS → ready,
// WAITING_FOR_DEPOSIT → waiting_for_deposit (expired once the account
// expired), DONE → paid, PARTIAL_CANCELED → partially_refunded, CANCELED →
// refunded (canceled when nothing was paid), ABORTED → failed, EXPIRED →
// expired. A balance of 0 is a full refund whichever of CANCELED and
// PARTIAL_CANCELED Toss reports. A canceled virtual account counts as
// paid before (refunded rather than canceled) only when it has a depositor
// name next to a cancel, or a refund status, since approvedAt may be set
// when the account is issued. A deposit that the bank reverses after Toss
// reported it (DONE → WAITING_FOR_DEPOSIT, or CANCELED before API 1.4;
// https://docs.tosspayments.com/en/webhooks) takes the attempt from paid
// back to waiting_for_deposit (or canceled), the one backward move of the
// library's transition table, with an event and a warning.
//
// # Gateway
//
// [Gateway] implements [payments.Gateway],
// [payments.VirtualAccountIssuer] and [payments.Canceler] (a virtual
// account before its deposit) under the name "toss"; its doc lists what
// each method sends. Build it with [NewGateway] from a [Client]. The
// refund of a deposited virtual account is a bank transfer that lands
// about two business days after Toss accepts the cancel
// (https://docs.tosspayments.com/guides/payment/virtual-account): it is
// reported pending until virtualAccount.refundStatus is COMPLETED
// (succeeded) or FAILED (failed, and its amount refundable again). No
// webhook reports the change; the Service's reconciliation asks the
// Gateway again, which reads the payment rather than send the cancel a
// second time. Refund accounts may be at a bank or a securities firm
// (S0…ST, https://docs.tosspayments.com/codes/org-codes).
//
// # HTTP routes
//
// [NewHandler] serves, relative to where it is mounted:
//
//	POST /ready            record an attempt; parameters for the payment window
//	GET  /success          Toss's success redirect: check, confirm once, 303 to success_url
//	GET  /fail             Toss's fail redirect: record, 303 to fail_url
//	POST /confirm          the same confirmation as /success, as JSON
//	POST /cancel           full or partial cancel (admin; package refund)
//	POST /virtual-account  issue a virtual account
//	POST /webhook          Toss webhooks
//
// POST bodies are JSON, at most 1 MiB, decoded strictly: an unknown
// field, a key given twice, or a key that matches a field only when case
// is ignored ("Amount", "ORDER_NUMBER") is 400 invalid_request naming the
// key, and nothing changes. Webhooks ignore unknown fields, because Toss
// adds fields over time, but refuse duplicate and case-variant keys too.
// Errors use the envelope {"error": {"code", "message", "gateway_code"}}.
// POST /ready, /confirm, /cancel and /virtual-account honour an
// Idempotency-Key header: the same key and body get the first answer; the
// same key with another body, 409 idempotency_key_reused.
//
// # Ready
//
// The body is a [ReadyRequest]; the answer a [ReadyResponse], whose "toss"
// object holds the parameters of the payment window, and in "request"
// the exact object the page passes as it is to the v2 SDK's
// requestPayment ([PaymentRequest]: camelCase, amount {currency, value},
// the SDK's method names, card {flowMode: "DIRECT", easyPay} for an
// easy-pay provider, no empty fields):
//
//	const payment = TossPayments(r.toss.client_key).payment({customerKey: TossPayments.ANONYMOUS});
//	await payment.requestPayment(r.toss.request);
//
// A test type-checks, with tsc --strict, what the handler emits for every
// method and provider against the SDK's published definitions
// (@tosspayments/tosspayments-sdk, types/index.d.ts; toss/sdkcheck).
//
// order_id is the Toss orderId of the attempt: the order number on the
// first attempt, "<order number>-<n>" on attempt n. success_url and
// fail_url in the answer are the handler's own callbacks; the shop's
// pages given in the request are where the callbacks send the customer
// afterwards.
//
// # Callbacks
//
// GET /success checks amount against the payment (a tampered amount never
// reaches Toss: 303 to the shop's fail_url with code=amount_mismatch),
// confirms exactly once however many duplicate callbacks arrive, and sends
// the customer with 303 to the shop's success_url with order_number and
// status=paid added to its query (status=processing when the outcome is
// not known yet; the service's reconciliation settles it). A decline goes
// to fail_url with code (the Toss code, such as REJECT_CARD_COMPANY),
// message and order_number. GET /fail records the failure
// (PAY_PROCESS_CANCELED makes the attempt canceled, any other code
// failed) and sends the customer to fail_url with code, message and
// order_number. A confirmation goes on for up to a minute after the
// customer's browser leaves, so that closing the tab does not strand the
// payment. A client that asks for JSON (Accept: application/json) gets
// the payment's status view (status.Payment) or an error envelope
// instead of the redirect: 200 when settled, 202 while processing.
//
// # Virtual accounts
//
// POST /virtual-account takes a [VirtualAccountBody] and answers a
// [VirtualAccountResponse]: the bank, account number, holder and due
// date, with the status waiting_for_deposit. Banks are Toss's two-digit
// codes (https://docs.tosspayments.com/codes/org-codes#은행-코드); Korean
// and English names are accepted and normalised to codes.
//
// # Webhooks
//
// Toss does not sign payment webhooks
// (https://docs.tosspayments.com/reference/using-api/webhook-events), so
// their bodies are never trusted: PAYMENT_STATUS_CHANGED makes the
// service read the payment again from Toss; a DEPOSIT_CALLBACK must carry
// the secret Toss gave when the virtual account was issued (400
// invalid_signature otherwise, and nothing changes). Events for payments
// the service does not know, and event types it does not use, answer 200
// so that Toss stops delivering them, whatever their orderId (the v2 SDK
// lets other integrations of the merchant put "=" in one); an unreachable
// gateway answers 503 so that Toss delivers again
// (https://docs.tosspayments.com/guides/webhook). Toss counts a delivery
// failed unless it gets a 200 within 10 seconds: the work of one delivery
// is bounded by HandlerConfig.WebhookDeadline (8 seconds), and what is
// left undone answers 503 for Toss's next delivery and the reconciliation.
// Deliveries are deduplicated by the tosspayments-webhook-transmission-id
// header, or a hash of the body when it is absent.
//
// # Billing (saved cards)
//
// The [Gateway] saves cards for charges without the customer
// (https://docs.tosspayments.com/guides/v2/billing/integration). POST
// /billing/ready answers the parameters of the v2 SDK's billing-auth
// window: the customer's customerKey, which the library generates once
// per customer (32 unguessable characters) and keeps, and toss.request,
// the [BillingAuthRequest] a page passes as it is to
// payment.requestBillingAuth (the customerKey goes to payment(), not into
// the request). Toss's success redirect, GET /billing/success, must carry
// the customerKey the library gave that save, checked in constant time;
// the authKey is then exchanged once for a billing key (POST
// /v1/billing/authorizations/issue). Charges are POST
// /v1/billing/{billingKey} with the customerKey, the order's amount and
// name, the attempt's orderId and the Service's idempotency key; Toss
// sends no webhook for them, so an unknown outcome is read again by the
// orderId. Removal deletes the billing key (DELETE
// /v1/billing/{billingKey}: no public page describes it; the library
// assumes it as clients in the wild use it, and takes NOT_FOUND and
// NOT_FOUND_BILLING as removed), and a BILLING_DELETED webhook marks the
// method removed.
//
// # Keys
//
// Toss issues two kinds of key pairs
// (https://docs.tosspayments.com/reference/using-api/api-keys):
// API-individual keys (test_ck_/test_sk_, live_ck_/live_sk_) for the
// payment window, tossPayments.payment(…), billing and BrandPay, and
// payment-widget keys (test_gck_/test_gsk_, live_gck_/live_gsk_) for
// tossPayments.widgets(…). They are not interchangeable: the SDK refuses
// the wrong kind (NotSupportedWidgetKeyError), and Toss refuses a confirm
// with the other kind's secret key (INVALID_API_KEY). The handler drives
// the payment window, so [NewHandler] refuses a widget client key, a
// Toss gateway with a widget secret key, and a test key paired with a
// live one, each with an error that names the setting.
package toss
