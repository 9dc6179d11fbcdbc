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
//     and POST /v1/virtual-accounts, JSON in and out
//     (https://docs.tosspayments.com/reference).
//   - GET /v1/transactions and GET /v1/settlements, made from the fake's own
//     payments (one row per approval, cancel and virtual-account issue; fees
//     and payout days from [LedgerConfig]), with controls that make the
//     ledger disagree with a store: [Server.ApproveOutside],
//     [Server.CancelOutside], [Server.HideTransaction],
//     [Server.AlterTransaction].
//   - HTTP Basic auth with the secret key as user name and an empty password
//     (https://docs.tosspayments.com/reference/using-api/authorization): no
//     or unknown key gives 401 UNAUTHORIZED_KEY, an undecodable
//     value or one without ':' 403 INCORRECT_BASIC_AUTH_FORMAT. Each secret
//     key is its own merchant. TossPayments-API-Version is accepted and
//     ignored. POST bodies must be sent as application/json.
//   - Errors as {"code","message"} with the real HTTP status and Korean
//     message of each code (https://docs.tosspayments.com/reference/error-codes);
//     see [ErrorFor].
//   - The [Payment] object (https://docs.tosspayments.com/reference#payment-객체)
//     with every key present (null where it does
//     not apply), version 2022-11-16, Korean method names, times with +09:00.
//   - TossPayments-Test-Code: <CODE> with test_ keys answers that code with
//     its status; an unknown code gives 400 INVALID_TEST_CODE.
//   - Sandbox pages for browsers: GET /sandbox/pay (the payment window, see
//     [PaymentWindow] and [Server.PaymentWindowURL]) and GET /sandbox/deposit
//     (a virtual-account deposit, see [Server.DepositURL]). The window takes
//     the very object a page passes to the v2 SDK's requestPayment
//     (PaymentWindow.Request) and refuses, as an [SDKError], what the SDK's
//     published definitions refuse (@tosspayments/tosspayments-sdk 2.8.1,
//     types/index.d.ts): unknown keys, wrong types and enum values, the
//     orderId, orderName, customer and metadata rules, and a client key of
//     the wrong kind for payment() or widgets().
//   - Key kinds (https://docs.tosspayments.com/reference/using-api/api-keys):
//     a payment made in a window opened with an API-individual client key
//     (test_ck_, and [Server.Authorize]) must be confirmed with an
//     API-individual secret key (test_sk_), one opened with a widget key
//     (test_gck_) with a widget secret key (test_gsk_); otherwise confirm
//     answers 400 INVALID_API_KEY.
//   - Observed shapes: transaction keys txrd_… (32 hex digits for a virtual
//     account's issue and deposit), receipt URLs naming the paymentKey,
//     webhook createdAt with 1–6 fraction digits.
//
// # State machine
//
// Payments follow Toss's statuses: READY → IN_PROGRESS (the customer authenticated,
// [Server.Authorize], [Server.AuthorizeWindow]) → DONE, ABORTED ([Server.FailConfirm]) or EXPIRED.
// Confirm must come within 10 minutes of authentication, else 404
// NOT_FOUND_PAYMENT_SESSION and the payment is EXPIRED with failure
// EXPIRED_PAYMENT; READY ([Server.Open]) expires after 30 minutes. The clock
// is Config.Now moved by [Server.Advance]. Virtual accounts go
// WAITING_FOR_DEPOSIT → DONE ([Server.Deposit]) or → CANCELED (full cancel
// only); a passed dueDate sets virtualAccount.expired and keeps the status.
// A deposit error moves DONE back to WAITING_FOR_DEPOSIT
// ([Server.ReverseDeposit]). DONE → PARTIAL_CANCELED / CANCELED with
// balanceAmount, vat, suppliedAmount and cancels[] kept as Toss keeps them;
// the refund of a deposited virtual account keeps
// virtualAccount.refundStatus PENDING until its bank transfer lands
// (Config.RefundTransferDelay, [Server.SettleRefund]).
//
// # Idempotency
//
// Every POST honours Idempotency-Key
// (https://docs.tosspayments.com/reference/using-api/idempotency-key): the identity is (key, secret key,
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
// is issued, paid, cancelled or its deposit reversed (with
// PAYMENT_STATUS_CHANGED too), with the tosspayments-webhook-transmission-*
// headers and no signature
// (https://docs.tosspayments.com/reference/using-api/webhook-events). Each is sent once; there are no retries.
// [Server.Webhooks] lists them all.
//
// # Fault injection
//
// [Server.FailNext] answers the next requests with an error without running
// them, [Server.DropNext] closes their connections, [Server.DropAfterProcessing]
// runs them and then closes the connection, [Server.Delay] holds them, and
// [Server.FailConfirm] declines a payment at confirm.
//
// # Where the public docs leave a behaviour open
//
// The fake makes one choice for each, and where a client may depend on it,
// a Config field covers the other reading:
//
//   - Status at zero balance after cancels: CANCELED for a cancel in one
//     go, PARTIAL_CANCELED after a partial one, then 403
//     NOT_CANCELABLE_AMOUNT, as observed; Config.ZeroBalanceStatus keeps
//     one status for both.
//   - Largest validHours / dueDate of a virtual account: 2160 hours;
//     Config.MaxValidHours 720 covers older pages.
//   - A deposit error: DONE → WAITING_FOR_DEPOSIT;
//     Config.LegacyDepositReversal gives the DONE → CANCELED of API
//     versions up to 1.4.
//   - A failed refund transfer adds the amount back to balanceAmount;
//     Config.RefundFailureKeepsBalance keeps the balance. PARTIAL_FAILED
//     fails the latest pending refund.
//   - orderId takes "=" everywhere, as the v2 SDK does;
//     Config.StrictOrderIDs refuses it on the server API.
//   - A payment without a method has "method": null; Config.EmptyMethod
//     sends "".
//   - Replaying stored error responses: on; Config.NoErrorReplay turns it
//     off.
//   - Confirm with an orderId or amount other than the authenticated one:
//     INVALID_REQUEST; Config.MismatchCode sets another code.
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
