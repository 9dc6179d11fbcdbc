// Package crash holds the kill test: the example shop runs as a real
// process on sqlstore against the Toss and Stripe fakes, which run in a
// process of their own (cmd/fakes), while a driver runs hundreds of
// payment flows over HTTP (Toss card payments, virtual accounts with
// deposits, Stripe Checkout, charges of a saved Toss card, partial and
// full refunds, duplicate callbacks, webhooks and charge requests) and
// the shop is killed with SIGKILL at random moments and started again on
// the same database. At the end the shop is restarted once more, its
// background loop delivers the events left and reconciles, and the test
// checks that nothing was lost or doubled:
//
//   - every payment's state in the shop equals the gateway's;
//   - no order was charged twice (for a saved card: Toss ran exactly one
//     billing charge for the order, and the store's paid attempt used
//     the card the driver saved), no refund made twice, and every refund
//     the driver was told succeeded is at the gateway and in the store;
//   - every event stored in the library's outbox was handled by the
//     shop, by event id, and none is dead;
//   - every paid order was fulfilled exactly once as the shop sees it.
//
// For the charges of a saved card the driver first saves a card for a
// few customers, once each, as the shop's page and the customer do
// (POST /payments/toss/billing/ready, the fake's billing-auth window,
// GET /payments/toss/billing/success), then charges orders with them
// through the admin route POST /payments/charge, as a scheduler does: it
// sends the request again after a kill, and again while the payment is
// processing, and for about a third of the orders sends it twice at
// once. The Toss fake takes 400ms to run a billing charge, and runs it
// even when the shop that sent it was killed meanwhile, so that kills
// land between the charge and the shop's record of it.
//
// The package has no code of its own; the test is TestKill in
// crash_test.go. It needs PostgreSQL (PAYMENTS_TEST_DATABASE_URL, which
// scripts/test sets) and builds the shop and the fakes with the go
// command. It prints its seed first; to run it again with that seed:
//
//	PAYMENTS_CRASH_SEED=42 go test -race -count=1 -v -run TestKill ./tests/crash/
//
// PAYMENTS_CRASH_FLOWS (default 500) and PAYMENTS_CRASH_KILLS (default
// 24) scale it. PAYMENTS_CRASH_SLOW_BILLING=n makes one billing charge in
// n take 1.5s at the Toss fake, longer than the shop waits before it
// settles a charge itself (1s): the shop's sweep then sends the charge
// again while the first still runs, and only the Idempotency-Key keeps
// Toss from running it twice. The events then drain more slowly after
// the last kill, so it is off by default. The flows and the moments of
// the kills follow from the seed; where a kill lands in a flow also
// depends on the machine's timing, so two runs with one seed are alike
// but not identical.
package crash
