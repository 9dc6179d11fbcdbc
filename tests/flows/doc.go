// Package flows holds the per-flow benchmarks of the library. It has no
// code of its own: everything is in the flows_test package.
//
// # What it measures
//
// BenchmarkFlow runs each flow a customer or an operator makes through
// the handlers as an application mounts them (httpapi over one
// payments.Service, with the real toss.Gateway and stripe.Gateway
// against tosstest and stripetest on loopback servers), over memstore
// and, when PAYMENTS_TEST_DATABASE_URL is set, over sqlstore:
//
//   - toss-card: POST /toss/ready, the customer in the payment window,
//     GET /toss/success (which confirms at Toss);
//   - toss-virtual-account: POST /toss/virtual-account, the customer's
//     deposit, and the two webhooks Toss then sends (DEPOSIT_CALLBACK and
//     PAYMENT_STATUS_CHANGED);
//   - stripe-checkout: POST /stripe/checkout, the customer paying on the
//     hosted page, POST /stripe/verify;
//   - stripe-intent: POST /stripe/intent, POST /stripe/confirm;
//   - refund: a partial refund through POST /toss/cancel of an order
//     paid beforehand (the payment is set up with the clock stopped);
//   - status: GET /status of a paid order.
//
// For each it reports, per flow, next to B/op and allocs/op (which
// include the fakes' share): cpu-ns/op, the process's CPU time
// (getrusage); fake-ns/op, the time spent inside the fakes' API
// handlers; lib-ns/op, the difference, the library's CPU time (the
// harness's few string checks included); gateway-calls/op from the
// fakes' call logs and min-gateway-calls; store-ops/op (reads and writes
// apart) counted by internal/counting's Store, and over sqlstore
// sql-stmts/op counted by its database/sql driver wrapper, each next to
// the minimum (min-store-ops, min-sql-stmts). BENCHMARKS.md states and
// argues every minimum. A flow that makes more calls than its minimum
// logs which.
//
// # Running it
//
//	go test -run '^$' -bench Flow -benchmem ./tests/flows/
package flows
