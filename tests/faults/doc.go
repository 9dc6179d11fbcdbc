// Package faults holds the fault-injection matrix: every gateway call of
// the library against every network fault, each cell checking that
// nothing is charged or refunded twice, that no payment is lost once the
// fault clears, and that the caller gets a clear error. The package has
// no code of its own; the matrix is TestFaultMatrix in matrix_test.go:
//
//	go test -race -run TestFaultMatrix -v ./tests/faults/
//
// Rows are the gateway calls; a fault hits only the requests of its row's
// call, every other request passes:
//
//	toss/confirm           POST /v1/payments/confirm              Service.Confirm
//	toss/cancel            POST /v1/payments/{key}/cancel         Service.Refund, partial
//	toss/virtual-account   POST /v1/virtual-accounts              Service.IssueVirtualAccount
//	toss/get               GET  /v1/payments/…                    Service.Refresh, deposit callback missed
//	stripe/session-create  POST /v1/checkout/sessions             Service.Prepare, Checkout
//	stripe/intent-create   POST /v1/payment_intents               Service.Prepare, PaymentIntent
//	stripe/intent-confirm  POST /v1/payment_intents/{id}/confirm  Service.Confirm
//	stripe/retrieve        GET  /v1/checkout/sessions/{id} and /v1/payment_intents/{id}
//	                                                              Service.Refresh, webhook missed
//	stripe/refund          POST /v1/refunds                       Service.Refund, partial
//
// Columns are the faults. Where a fake has the fault, it is armed at the
// fake for the one request; otherwise a small http.RoundTripper on the
// gateway's client makes it (network_test.go):
//
//	timeout                  no answer within the client's deadline, nothing processed
//	                         (tosstest Delay; for Stripe the wrapper holds the request)
//	reset-before-processing  connection reset before the gateway saw the request
//	                         (tosstest DropNext; for Stripe a reset in the wrapper)
//	reset-after-processing   the gateway acted, then the connection was reset
//	                         (the fakes' DropAfterProcessing)
//	5xx                      500 before processing (the fakes' FailNext)
//	429                      rate limited (stripetest FailNext rate_limit; for Toss a
//	                         wrapper 429 with Retry-After: 1)
//	malformed-json           the gateway acted; the wrapper cuts its answer in half
//	slow-response            the gateway acted; the wrapper stalls the body past the deadline
//
// Each cell runs twice: "once" hits the call's first request only, a blip
// the clients' own retry may absorb; "outage" hits every request of the
// call until the fault clears (the wrapper then also drops the replayed
// answers the fakes would let through). What the caller gets, once/outage
// (ok: nil; 503 and 504: gateway_unavailable with that HTTP status):
//
//	                       timeout  reset-before  reset-after  5xx      429      malformed  slow
//	toss/confirm           ok/504   ok/503        ok/ok        ok/503   ok/503   ok/ok      ok/ok
//	toss/cancel            ok/504   ok/503        ok/503       ok/503   ok/503   503/503    ok/504
//	toss/virtual-account   ok/504   ok/503        ok/ok        ok/503   ok/503   ok/ok      ok/ok
//	toss/get               ok/504   ok/503        ok/503       ok/503   ok/503   503/503    ok/504
//	stripe/session-create  ok/504   ok/503        ok/503       503/503  503/503  503/503    ok/504
//	stripe/intent-create   ok/504   ok/503        ok/503       503/503  503/503  503/503    ok/504
//	stripe/intent-confirm  ok/504   ok/503        ok/ok        503/503  503/503  ok/ok      ok/ok
//	stripe/retrieve        ok/504   ok/503        ok/503       ok/503   503/503  503/503    ok/504
//	stripe/refund          ok/504   ok/503        ok/503       503/503  503/503  503/503    ok/504
//
// An "ok" under a fault that reached the gateway means the library
// settled the call within it: a retry with the same idempotency key got
// the stored answer, or, after an unknown confirm or virtual-account
// issue, the Service's lookup found what the gateway did.
//
// Every cell asserts:
//   - at most one approval, cancel, account, session, intent or refund per
//     payment at the fake (tosstest Executions, stripetest Executed), and
//     refunds never above the amount;
//   - the caller's error as above: never payment_declined, no secret key
//     anywhere in its chain, and a 429 from Toss carries its Retry-After;
//   - an unknown outcome leaves the record open (processing, a pending
//     refund, a ready attempt, the old status), never settled wrongly;
//   - after the fault clears, Service.Reconcile (plus, for an attempt the
//     sweep does not visit, the customer's repeated request or a Refresh)
//     makes the record equal the gateway's, with everything done exactly
//     once, and the payment still completes end to end.
//
// Deadlines: the requests a timeout or slow-response fault hits get a
// 500 ms deadline for their answer; every other request keeps a 30 s
// HTTPClient.Timeout, so a loaded machine never turns a healthy request
// into a timeout. Clients retry once (Toss RetryAttempts 2, stripe-go
// MaxNetworkRetries 1). Cells run in parallel, each with its own fake
// server, client, Service and memstore; TestMain runs 16 at a time unless
// -parallel is given, since the cells mostly wait. The matrix takes a few
// seconds.
package faults
