// Package toss takes payments through Toss Payments (Korea): a [Client]
// for its core API v1 and a [Gateway] that plugs it into
// [payments.Service]. Section numbers (§) in this package refer to the
// team's Toss API reference, shared/reference/toss-api.md.
//
// # Client
//
// [NewClient] takes the secret key (test_sk_, live_sk_, test_gsk_ or
// live_gsk_, as a [payments.Secret]) and calls
//
//   - [Client.Confirm]: POST /v1/payments/confirm
//   - [Client.Payment]: GET /v1/payments/{paymentKey}
//   - [Client.PaymentByOrderID]: GET /v1/payments/orders/{orderId}
//   - [Client.Cancel]: POST /v1/payments/{paymentKey}/cancel
//   - [Client.IssueVirtualAccount]: POST /v1/virtual-accounts
//
// with Basic authentication, JSON bodies, path segments escaped, response
// bodies capped at 1 MiB, and an Idempotency-Key on every POST (required:
// the Service derives one from stable facts, so a retry, a duplicate
// callback or a restarted process repeats it and Toss acts at most once).
//
// # Retries
//
// Only what is safe is retried, and always with the same Idempotency-Key:
// network failures, 5xx and 429 answers, PROVIDER_ERROR,
// CARD_PROCESSING_ERROR, FORBIDDEN_CONSECUTIVE_REQUEST and 409
// IDEMPOTENT_REQUEST_PROCESSING, with jittered exponential backoff that
// honours Retry-After (up to 10s) and the context. Declines and request
// errors are never retried.
//
// # Errors
//
// Every error is a *[payments.Error]. When Toss answered, its cause is an
// *[APIError] (errors.As) and GatewayCode is Toss's code. Every documented
// code (§7) is mapped in one table: card and account refusals and
// customer limits → payment_declined; bad keys or merchant contract →
// gateway_error; unknown payments and expired confirm windows →
// payment_not_found; a cancel above the balance → refund_exceeds_balance;
// a payment that cannot be canceled now → invalid_state; malformed
// requests → invalid_request; temporary failures, and failures after
// which the operation may have happened → gateway_unavailable (Timeout set
// on deadlines and timeouts, RetryAfter from the Retry-After header).
// Unknown codes are classified by their shape, then by HTTP status. A
// canceled context gives canceled. No error or log line contains the
// secret key.
//
// # Payments and statuses
//
// [Payment] decodes the whole Payment object (§4), ignoring unknown fields
// and keeping unknown enum values. Amounts are exact int64 (whole won for
// KRW; a fractional KRW amount is an error, never rounded). Korean and
// English method names map to [payments.Method] ([Payment.PaymentMethod]);
// statuses map as API.md says ([Payment.UnifiedStatus]): READY and
// IN_PROGRESS → ready, WAITING_FOR_DEPOSIT → waiting_for_deposit (expired
// once the account expired), DONE → paid, PARTIAL_CANCELED →
// partially_refunded, CANCELED → refunded (canceled when nothing was
// paid), ABORTED → failed, EXPIRED → expired. A balance of 0 is a full
// refund whichever of CANCELED and PARTIAL_CANCELED Toss reports (§5,
// UNCERTAIN).
//
// # Gateway
//
// [Gateway] implements [payments.Gateway],
// [payments.VirtualAccountIssuer] and [payments.Canceler] (a virtual
// account before its deposit) under the name "toss"; its doc lists what
// each method sends. Build it with [NewGateway] from a [Client].
//
// # Choices where the reference is UNCERTAIN
//
//   - TossPayments-API-Version is not sent (§1): the version is the one
//     chosen for the merchant in the developer center.
//   - Confirm with an orderId or amount other than the authenticated one
//     is refused by Toss with a code the docs do not give (§3.1); it maps
//     to invalid_request (or amount_mismatch when the Gateway can tell).
//   - A cancel of a deposited virtual account without a refund account is
//     refused with an undocumented code (§11, probably INVALID_REQUEST);
//     the Gateway then reads the payment and answers a clear
//     invalid_request naming the missing account.
//   - A cancel above the balance is taken to be NOT_CANCELABLE_AMOUNT
//     (§11); EXCEED_MAX_REFUND_AMOUNT and EXCEED_CANCEL_LIMIT map to
//     refund_exceeds_balance too.
//   - Whether Toss replays error answers under an Idempotency-Key is not
//     known (§8). Retrying with the same key is harmless either way; if
//     Toss does replay them, an attempt left processing after a temporary
//     error settles when Toss expires the payment.
//   - A canceled virtual account counts as paid before (refunded rather
//     than canceled) when it has a depositor name or a refund status:
//     approvedAt may be set at issue (§3.6).
//   - The refund of a deposited virtual account is reported succeeded as
//     soon as Toss accepts the cancel, though the bank transfer lands
//     about two business days later.
//   - English spellings of methods (§6) are matched with their usual
//     variants (EASY_PAY and EASYPAY, MOBILE_PHONE and MOBILE …).
package toss
