// Package tosstest is a faithful in-memory fake of the Toss Payments core API
// v1 (https://api.tosspayments.com), for tests and for running an example
// shop offline in a browser. Code that passes against it is meant to work
// against the real API; where the real behaviour is not known for sure, the
// fake makes it configurable in [Config].
//
// # Use in tests
//
//	s, ts := tosstest.NewTestServer(t, tosstest.Config{})
//	// point the Toss client at ts.URL with any "test_sk_…" secret key
//	paymentKey, _ := s.Authorize("order-0001", 15000, "티셔츠", "CARD")
//	// client: POST /v1/payments/confirm {paymentKey, orderId, amount}
//	// then assert: s.Executions(tosstest.OpConfirm, paymentKey) == 1
//
// [New] returns the fake as an [http.Handler] without any listener, for
// mounting in-process; [NewTestServer] puts it behind an [httptest.Server].
//
// # What it serves
//
//   - POST /v1/payments/confirm, GET /v1/payments/{paymentKey},
//     GET /v1/payments/orders/{orderId}, POST /v1/payments/{paymentKey}/cancel
//     and POST /v1/virtual-accounts, JSON in and out (reference §3).
//   - HTTP Basic auth with the secret key as user name and an empty password
//     (§1): no or unknown key gives 401 UNAUTHORIZED_KEY, an undecodable
//     value or one without ':' 403 INCORRECT_BASIC_AUTH_FORMAT. Each secret
//     key is its own merchant. TossPayments-API-Version is accepted and
//     ignored. POST bodies must be sent as application/json.
//   - Errors as {"code","message"} with the real HTTP status and Korean
//     message of each code (§7); see [ErrorFor].
//   - The [Payment] object of §4 with every key present (null where it does
//     not apply), version 2022-11-16, Korean method names, times with +09:00.
//   - TossPayments-Test-Code: <CODE> with test_ keys answers that code with
//     its status; an unknown code gives 400 INVALID_TEST_CODE.
//   - Sandbox pages for browsers: GET /sandbox/pay (the payment window, see
//     [PaymentWindow] and [Server.PaymentWindowURL]) and GET /sandbox/deposit
//     (a virtual-account deposit, see [Server.DepositURL]).
//
// # State machine
//
// Payments follow §5: READY → IN_PROGRESS (the customer authenticated,
// [Server.Authorize]) → DONE, ABORTED ([Server.FailConfirm]) or EXPIRED.
// Confirm must come within 10 minutes of authentication, else 404
// NOT_FOUND_PAYMENT_SESSION and the payment is EXPIRED with failure
// EXPIRED_PAYMENT; READY ([Server.Open]) expires after 30 minutes. The clock
// is Config.Now moved by [Server.Advance]. Virtual accounts go
// WAITING_FOR_DEPOSIT → DONE ([Server.Deposit]) or → CANCELED (full cancel
// only); a passed dueDate sets virtualAccount.expired and keeps the status.
// DONE → PARTIAL_CANCELED / CANCELED with balanceAmount, vat,
// suppliedAmount and cancels[] kept as §11 says.
//
// # Idempotency
//
// Every POST honours Idempotency-Key (§8): the identity is (key, secret key,
// path, method) and not the body; the first response (status and body) is
// stored for 15 days of fake time and replayed; a repeat while the first is
// running gets 409 IDEMPOTENT_REQUEST_PROCESSING; a key over 300 characters
// gives 400 INVALID_IDEMPOTENCY_KEY; GET ignores the header. [Server.Calls]
// and [Server.Executions] show what really ran.
//
// # Webhooks
//
// With Config.WebhookURL set, the fake POSTs PAYMENT_STATUS_CHANGED
// {eventType, createdAt, data: Payment} when a payment becomes DONE, ABORTED,
// EXPIRED, CANCELED or PARTIAL_CANCELED, and the flat DEPOSIT_CALLBACK
// {createdAt, secret, status, transactionKey, orderId} when a virtual account
// is issued, paid or cancelled, with the tosspayments-webhook-transmission-*
// headers and no signature (§9). Each is sent once; there are no retries.
// [Server.Webhooks] lists them all.
//
// # Fault injection
//
// [Server.FailNext] answers the next requests with an error without running
// them, [Server.DropNext] closes their connections, [Server.DropAfterProcessing]
// runs them and then closes the connection, [Server.Delay] holds them, and
// [Server.FailConfirm] declines a payment at confirm.
//
// # Choices where the reference is UNCERTAIN
//
//   - Status at zero balance after cancels: Config.ZeroBalanceStatus (CANCELED).
//   - Largest validHours / dueDate of a virtual account: Config.MaxValidHours (720).
//   - Replaying stored error responses: on, off with Config.NoErrorReplay.
//   - Confirm with an orderId or amount other than the authenticated one:
//     Config.MismatchCode (INVALID_REQUEST).
//   - Cancel of a paid virtual account without refundReceiveAccount: 400
//     INVALID_REQUEST.
//   - Confirm of an ABORTED payment: 400 ALREADY_PROCESSED_PAYMENT.
//   - A missing required field is 400 INVALID_REQUEST (not REQUIRED_AMOUNT);
//     an amount or cancelAmount ≤ 0 is 400 BELOW_ZERO_AMOUNT.
//   - The approvedAt of an issued, unpaid virtual account is null.
//   - Messages are Korean only: Accept-Language: en-US is not supported.
//   - Ordinary-merchant tax: taxFreeAmount is always 0 and
//     vat = round(amount/11).
//   - Mobile-phone and gift-certificate payments have isPartialCancelable
//     false, so NOT_ALLOWED_PARTIAL_REFUND can be exercised.
package tosstest
