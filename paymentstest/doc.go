// Package paymentstest helps test code that takes payments with package
// payments, and checks implementations of its interfaces.
//
// # For applications
//
// [Gateway] is a scriptable, in-memory gateway: give it to
// [payments.NewService] in unit tests instead of Toss or Stripe, script
// declines, 3-D Secure, refund failures, delays and transient failures,
// and inspect [Gateway.Calls] and [Gateway.Confirmations].
//
// # For implementers
//
// [RunGatewayTests] and [RunStoreTests] are the conformance suites every
// [payments.Gateway] and [payments.Store] passes, in the manner of
// testing/fstest.TestFS: they test exactly the contract sentences written
// on those interfaces.
package paymentstest
