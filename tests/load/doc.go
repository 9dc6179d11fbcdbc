// Package load holds the load test of the mounted HTTP API. It has no
// code of its own: everything is in the load_test package.
//
// # What it does
//
// TestLoad starts the two sandboxes (tosstest and stripetest behind
// httptest servers), the real toss.Gateway and stripe.Gateway pointed at
// them, a payments.Service over memstore with an order book of 1,500 KRW
// and 500 USD orders, running Service.Run to deliver its events to a
// handler, and httpapi.New behind an httptest.Server. Then 64
// client goroutines sharing one keep-alive http.Client send at least
// 10,000 requests over loopback, in three phases:
//
//   - prepare: Toss ready (some twice), Stripe checkout (some twice) and
//     PaymentIntent creation;
//   - complete: Toss success callbacks (after tosstest.Authorize; one to
//     three copies of each, sent back to back so that they run
//     concurrently; some payments scripted to decline, some answered only
//     with a tampered amount), Stripe verify, signed Stripe webhooks
//     delivered twice, Stripe confirm sent twice; meanwhile tosstest
//     delivers its own PAYMENT_STATUS_CHANGED webhooks to the shop;
//   - after: Toss webhooks delivered twice, partial Toss cancels and Stripe
//     refunds with the admin token (each sent twice with one
//     Idempotency-Key), status reads with refresh=true.
//
// Status reads fill every phase, and 5% of the requests are hostile or
// malformed: bad JSON, unknown fields, huge amounts, tampered amounts on
// the success callback, open-redirect URLs, forged webhooks, refunds
// without or with a wrong admin token, wrong methods, content types and
// routes, bodies over 1 MiB, over-long Idempotency-Keys.
//
// # What it asserts
//
//   - no handler panics (a recovering middleware counts them, and the
//     server's error log is scanned);
//   - no 5xx answer at all, in particular none to hostile input, and every
//     hostile request gets the 4xx (or redirect) it deserves;
//   - exactly-once: every Toss paymentKey was confirmed at most once at
//     the fake (tosstest Executions), every paid payment was paid once
//     (one paid attempt, Toss DONE, one Checkout Session and one
//     PaymentIntent confirm per Stripe order), tampered payments were never
//     confirmed, each refund reached the gateway once;
//   - no event lost: every event stored for every order reached the
//     handler exactly once (one process, so no lease ever runs out), in
//     seq order, and none is dead;
//   - no leaks: with the servers still up, once the clients' idle
//     connections are closed the goroutine count returns to what it was
//     before the first request (within 8, polled for up to 5 s); after
//     everything is shut down it returns to the count before the run,
//     and the heap in use after runtime.GC is at most twice the heap
//     before the run plus 8 MiB. The baseline is taken after a small
//     warm-up run (60 + 20 orders, 400 requests), so that one-time global
//     state such as encoding/json's per-type caches is in it; and the heap
//     is compared after shutdown because the store and the fakes
//     legitimately keep every payment, call log and idempotency record
//     while they are up.
//
// It reports the number of requests, requests per second, p50/p99/max
// latency, the counts by status and the goroutine and heap figures with
// t.Logf, and prints one summary line.
//
// # Running it
//
// It is skipped with -short. Under the race detector it sends the 10,000
// minimum; without it, 20,000. Measure performance without -race:
//
//	go test -run TestLoad -v ./tests/load/
package load
