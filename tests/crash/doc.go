// Package crash holds the kill test: the example shop runs as a real
// process on sqlstore against the Toss and Stripe fakes, which run in a
// process of their own (cmd/fakes), while a driver runs hundreds of
// payment flows over HTTP (Toss card payments, virtual accounts with
// deposits, Stripe Checkout, partial and full refunds, duplicate
// callbacks and webhooks) and the shop is killed with SIGKILL at random
// moments and started again on the same database. At the end the shop
// is restarted once more, its background loop delivers the events left
// and reconciles, and the test checks that nothing was lost or doubled:
//
//   - every payment's state in the shop equals the gateway's;
//   - no order was charged twice, no refund made twice, and every refund
//     the driver was told succeeded is at the gateway and in the store;
//   - every event stored in the library's outbox was handled by the
//     shop, by event id, and none is dead;
//   - every paid order was fulfilled exactly once as the shop sees it.
//
// The package has no code of its own; the test is TestKill in
// crash_test.go. It needs PostgreSQL (PAYMENTS_TEST_DATABASE_URL, which
// scripts/test sets) and builds the shop and the fakes with the go
// command. It prints its seed first; to run it again with that seed:
//
//	PAYMENTS_CRASH_SEED=42 go test -race -count=1 -v -run TestKill ./tests/crash/
//
// PAYMENTS_CRASH_FLOWS (default 500) and PAYMENTS_CRASH_KILLS (default
// 24) scale it. The flows and the moments of the kills follow from the
// seed; where a kill lands in a flow also depends on the machine's
// timing, so two runs with one seed are alike but not identical.
package crash
