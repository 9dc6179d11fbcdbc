// Package payments takes payments for Go backends through Toss Payments
// (Korea) and Stripe (global), with one status model, one error model and
// the same guarantees for both.
//
// Applications hold one concrete type, [Service]. It is built from a
// [Store] (memstore for one process, sqlstore for many replicas), the
// application's [Orders] and the [Gateway]s (package toss, package stripe;
// paymentstest.Gateway in unit tests). Packages toss, stripe, refund and
// status offer http.Handlers for the routes of the seed API, mounted on any
// router.
//
// # Money
//
// An [Amount] is an int64 in the minor unit of its [Currency], never a
// float: KRW 58990 is 58,990 won (KRW, JPY and the other zero-decimal
// currencies have no minor unit), USD 1234 is $12.34, KWD 1500 is 1.500
// dinars. [Currency.Exponent] knows the ISO 4217 table;
// [Currency.Format] renders amounts for people and [ParseAmount] reads
// major-unit strings exactly. Amounts always come from the application's
// [Order]: an amount sent by a browser is checked against it
// ([ErrAmountMismatch]) and never used.
//
// # Status
//
// Every attempt has a unified [Status]: ready, processing, requires_action,
// waiting_for_deposit, paid, partially_refunded, refunded, canceled,
// failed, expired. Changes follow an explicit table
// ([Status.CanTransitionTo]) with no backward moves: nothing leaves paid
// except towards refunded, so a late "failed" never overwrites "paid". A
// [Payment] keeps every [Attempt] (a customer whose attempt failed or was
// abandoned can try again, with either gateway); its status is the latest
// attempt's, or the money's once paid.
//
// # Errors
//
// Every error the library returns is, or wraps, an *[Error] with a stable
// [ErrorCode] and its HTTP status: invalid_request 400, amount_mismatch
// 409, payment_declined 402, gateway_unavailable 503/504 and the rest.
// [Code] reads the code of any error (nil-safe, and aware of context
// errors); sentinels such as [ErrPaymentDeclined] work with errors.Is; the
// provider's own error (*toss.APIError, *stripego.Error) stays reachable
// with errors.As. Messages never contain secrets; [Secret] holds keys and
// prints as REDACTED.
//
// # Idempotency
//
// Every gateway mutation carries an idempotency key derived from stable
// facts (the order, the attempt, the gateway reference, the refund id),
// so a retry, a duplicate callback or a restarted process repeats the same
// key and the gateway acts at most once. Every state change goes through
// compare-and-set on [Payment.Version]: of any number of concurrent
// confirms of one attempt, on any number of replicas, exactly one calls the
// gateway. A refund is stored as pending, holding its amount, before the
// gateway call, so concurrent refunds never exceed the balance and a crash
// leaves a pending refund that [Service.Reconcile] completes once.
//
// # Testing
//
// Package paymentstest has [paymentstest.Gateway], a scriptable fake for
// applications' unit tests (approve, decline, require action, fail
// refunds, delays, transient failures, recorded calls), and the
// conformance suites RunGatewayTests and RunStoreTests that every
// gateway and store in this module passes. Packages toss/tosstest and
// stripe/stripetest are faithful fakes of the two providers' APIs, usable
// with httptest and in-process.
//
// [paymentstest.Gateway]: https://pkg.go.dev/github.com/payments-go/payments/paymentstest#Gateway
package payments
