// Package e2e holds the browser test of the example shop
// (../examples/shop). It lives in a module of its own so that its heavy
// dependency, chromedp, never reaches the go.sum of the library's users.
//
// The test builds the shop from this checkout (with -race when the test
// itself runs with -race), starts it on a free loopback port in sandbox
// mode, and drives headless Chromium through the page as a customer
// would: a Toss card payment, a Toss virtual account with a simulated
// deposit, a Stripe Checkout, a Stripe card that needs 3-D Secure, and a
// partial refund with the admin token. After each step it checks the
// status the page shows, and the same payment through the shop's status
// API, and saves a screenshot in artifacts/ (or $E2E_ARTIFACTS).
//
// Run it with ../scripts/e2e, which installs Debian's chromium when it is
// missing, or directly:
//
//	cd e2e && go test -race -count=1 ./...
//
// Without Chromium at /usr/bin/chromium (or $E2E_CHROMIUM) the test is
// skipped, except when CI=true, where it fails.
package e2e
