package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/status"
)

// defaultChromium is where Debian's chromium package puts the browser.
const defaultChromium = "/usr/bin/chromium"

// TestShopInBrowser walks the example shop's page through every payment
// flow in headless Chromium. See the package documentation.
func TestShopInBrowser(t *testing.T) {
	chromium := findChromium(t)
	artifacts := artifactsDir(t)
	shop := startShop(t)

	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	t.Cleanup(cancel)
	b := newBrowser(ctx, t, chromium, artifacts, shop)

	t.Log("step: Toss card payment through the sandbox payment window")
	b.run(chromedp.Navigate(shop.url + "/"))
	b.waitStatus("no_payment")
	first := b.text("#order-number")
	if first != "ORD-20260122-001" {
		t.Fatalf("the page starts on order %q, want the demo order ORD-20260122-001", first)
	}
	if got := b.text("#order-amount-view"); !strings.Contains(got, "58,990") {
		t.Errorf("demo order amount shows %q, want 58,990 won", got)
	}
	b.screenshot("01-start")
	b.run(chromedp.Click("#pay-toss-card", chromedp.ByQuery))
	b.run(chromedp.WaitVisible(`button[value="approve"]`, chromedp.ByQuery))
	b.screenshot("02-toss-payment-window")
	b.run(chromedp.Click(`button[value="approve"]`, chromedp.ByQuery))
	b.waitStatus("paid")
	// The shop's event handler fulfils the order; the page shows it.
	b.waitText("#order-fulfilled", "fulfilled")
	b.screenshot("03-toss-card-paid")
	shop.checkPayment(t, first, "toss", payments.StatusPaid, 58990, 0)

	t.Log("step: Toss virtual account, then a simulated deposit")
	va := b.createOrder("Socks 2 pairs", "15000", "KRW")
	b.run(chromedp.Click("#pay-toss-va", chromedp.ByQuery))
	b.waitStatus("waiting_for_deposit")
	b.run(chromedp.WaitVisible("#simulate-deposit", chromedp.ByQuery))
	if acct := b.text("#va-account"); acct == "" {
		t.Errorf("the page shows no virtual account number")
	}
	b.screenshot("04-virtual-account-issued")
	shop.checkPayment(t, va, "toss", payments.StatusWaitingForDeposit, 15000, 0)
	b.run(chromedp.Click("#simulate-deposit", chromedp.ByQuery))
	b.waitStatus("paid")
	b.screenshot("05-virtual-account-paid")
	shop.checkPayment(t, va, "toss", payments.StatusPaid, 15000, 0)

	t.Log("step: Stripe Checkout on the sandbox hosted page")
	co := b.createOrder("Hoodie", "25.00", "USD")
	b.run(chromedp.Click("#pay-stripe-checkout", chromedp.ByQuery))
	b.run(chromedp.WaitVisible(`button[value="pay"]`, chromedp.ByQuery))
	b.screenshot("06-stripe-checkout-page")
	b.run(chromedp.Click(`button[value="pay"]`, chromedp.ByQuery))
	b.waitStatus("paid")
	b.screenshot("07-stripe-checkout-paid")
	shop.checkPayment(t, co, "stripe", payments.StatusPaid, 2500, 0)

	t.Log("step: Stripe card that requires 3-D Secure")
	tds := b.createOrder("Cap", "19.90", "EUR")
	b.run(chromedp.Click("#pay-stripe-3ds", chromedp.ByQuery))
	b.run(chromedp.WaitVisible(`button[value="complete"]`, chromedp.ByQuery))
	b.screenshot("08-3ds-challenge")
	b.run(chromedp.Click(`button[value="complete"]`, chromedp.ByQuery))
	b.waitStatus("paid")
	var loc string
	b.run(chromedp.Location(&loc))
	if strings.Contains(loc, "secret") || !strings.Contains(loc, "order_number="+tds) {
		t.Errorf("after 3-D Secure the address bar is %q: want the order only, no client secret", loc)
	}
	b.screenshot("09-3ds-paid")
	shop.checkPayment(t, tds, "stripe", payments.StatusPaid, 1990, 0)

	t.Log("step: partial refund, first without the admin token")
	b.fill("#admin-token", "")
	b.fill("#refund-amount", "5.00")
	b.run(chromedp.Click("#refund", chromedp.ByQuery))
	b.waitText("#error", "unauthorized")
	b.screenshot("10-refund-refused-without-token")
	shop.checkPayment(t, tds, "stripe", payments.StatusPaid, 1990, 0)
	b.fill("#admin-token", shop.adminToken)
	b.fill("#refund-amount", "5.00")
	b.run(chromedp.Click("#refund", chromedp.ByQuery))
	b.waitStatus("partially_refunded")
	if got := b.text("#status-refunded"); !strings.Contains(got, "5.00") {
		t.Errorf("the page shows refunded %q, want €5.00", got)
	}
	b.screenshot("11-partially-refunded")
	shop.checkPayment(t, tds, "stripe", payments.StatusPartiallyRefunded, 1990, 500)

	t.Log("step: subscribe: save a card with Toss, charge this month twice and next month, remove it")
	month := time.Now().UTC()
	thisMonth := func(customer string, offset int) string {
		m := time.Date(month.Year(), month.Month()+time.Month(offset), 1, 0, 0, 0, 0, time.UTC)
		return "SUB-" + customer + "-" + m.Format("2006-01")
	}
	b.fill("#sub-customer", "demo-toss")
	b.click("#save-toss")
	b.run(chromedp.WaitVisible("#billing-approve", chromedp.ByQuery))
	b.screenshot("12-toss-billing-window")
	b.click("#billing-approve")
	b.waitText("#message", "Card saved with Toss")
	b.fill("#admin-token", shop.adminToken)
	b.click("#charge-this-month")
	b.waitText("#sub-result", thisMonth("demo-toss", 0)+": paid")
	b.click("#charge-this-month")
	b.waitText("#sub-result", thisMonth("demo-toss", 0)+": paid")
	shop.checkPayment(t, thisMonth("demo-toss", 0), "toss", payments.StatusPaid, 9900, 0)
	shop.checkAttempts(t, thisMonth("demo-toss", 0), 1)
	b.click("#charge-next-month")
	b.waitText("#sub-result", thisMonth("demo-toss", 1)+": paid")
	shop.checkPayment(t, thisMonth("demo-toss", 1), "toss", payments.StatusPaid, 9900, 0)
	b.click("#list-methods")
	b.waitText("#methods", "active")
	b.screenshot("13-toss-card-saved-and-charged")
	b.click("#methods .remove-method")
	b.waitText("#methods", "removed")
	b.screenshot("14-toss-card-removed")

	t.Log("step: subscribe: save a card with Stripe (setup mode), charge this month")
	b.fill("#sub-customer", "demo-stripe")
	b.click("#save-stripe")
	b.run(chromedp.WaitVisible("#setup-save", chromedp.ByQuery))
	b.screenshot("15-stripe-setup-page")
	b.click("#setup-save")
	b.waitText("#message", "Card saved with Stripe")
	b.fill("#admin-token", shop.adminToken)
	b.click("#charge-this-month")
	b.waitText("#sub-result", thisMonth("demo-stripe", 0)+": paid")
	b.screenshot("16-stripe-card-charged")
	shop.checkPayment(t, thisMonth("demo-stripe", 0), "stripe", payments.StatusPaid, 9900, 0)

	t.Log("step: subscribe: a saved card whose off-session charges need authentication; the customer follows the link and comes back")
	b.fill("#sub-customer", "demo-3ds")
	b.click("#save-stripe")
	b.click(`input[value="pm_card_authenticationRequired"]`)
	b.click("#setup-save")
	b.waitText("#message", "Card saved with Stripe")
	b.fill("#admin-token", shop.adminToken)
	b.click("#charge-this-month")
	b.waitText("#sub-result", thisMonth("demo-3ds", 0)+": requires_action")
	var href string
	var ok bool
	b.run(chromedp.WaitVisible("#sub-authenticate", chromedp.ByQuery), chromedp.AttributeValue("#sub-authenticate", "href", &href, &ok, chromedp.ByQuery))
	if !ok || !strings.Contains(href, "/3ds/") {
		t.Errorf("the authentication link is %q, want the bank's 3-D Secure page", href)
	}
	b.screenshot("17-stripe-charge-requires-action")
	shop.checkPayment(t, thisMonth("demo-3ds", 0), "stripe", payments.StatusRequiresAction, 9900, 0)
	b.click("#sub-authenticate")
	b.click(`button[value="complete"]`)
	b.waitText("#sub-result", thisMonth("demo-3ds", 0)+": paid")
	b.waitText("#message", "Back from the bank")
	if !b.hidden("#sub-action") {
		t.Error("the authentication link is still shown for a paid charge")
	}
	b.screenshot("18-stripe-charge-authenticated")
	shop.checkPayment(t, thisMonth("demo-3ds", 0), "stripe", payments.StatusPaid, 9900, 0)
	shop.checkAttempts(t, thisMonth("demo-3ds", 0), 1)

	t.Log("step: pay now, capture at shipping: the card is held, the admin captures part of it")
	hold := b.createOrder("Tent", "40.00", "USD")
	b.fill("#admin-token", shop.adminToken)
	b.run(chromedp.Click("#pay-stripe-hold", chromedp.ByQuery))
	b.waitStatus("authorized")
	b.waitText("#status-capturable", "40.00")
	if got := b.text("#order-fulfilled"); got != "not yet" {
		t.Errorf("an authorised order shows fulfilment %q, want not yet: nothing was taken", got)
	}
	b.screenshot("19-authorized")
	shop.checkPayment(t, hold, "stripe", payments.StatusAuthorized, 4000, 0)
	b.fill("#refund-amount", "30.00")
	b.run(chromedp.Click("#capture", chromedp.ByQuery))
	b.waitStatus("paid")
	b.waitText("#order-fulfilled", "fulfilled")
	b.screenshot("20-captured")
	shop.checkPayment(t, hold, "stripe", payments.StatusPaid, 3000, 0)

	t.Log("step: a hold voided from the admin card")
	voided := b.createOrder("Kayak", "90.00", "USD")
	b.fill("#admin-token", shop.adminToken)
	b.run(chromedp.Click("#pay-stripe-hold", chromedp.ByQuery))
	b.waitStatus("authorized")
	b.run(chromedp.Click("#void", chromedp.ByQuery))
	b.waitStatus("canceled")
	b.screenshot("21-voided")
	shop.checkPayment(t, voided, "stripe", payments.StatusCanceled, 9000, 0)

	t.Log("step: a sandbox dispute arrives by webhook; the admin accepts it")
	disputed := b.createOrder("Lamp", "12.00", "USD")
	b.fill("#admin-token", shop.adminToken)
	b.run(chromedp.Click("#pay-stripe-dispute", chromedp.ByQuery))
	b.waitStatus("paid")
	b.waitText("#disputes", "needs_response")
	b.waitText("#status-refundable", "0.00")
	b.screenshot("22-disputed")
	b.run(chromedp.Click("#close-dispute", chromedp.ByQuery))
	b.waitText("#disputes", "lost")
	b.screenshot("23-dispute-lost")
	shop.checkPayment(t, disputed, "stripe", payments.StatusPaid, 1200, 0)

	b.checkNoPageErrors()
}

// hidden reports whether sel has the hidden attribute.
func (b *browser) hidden(sel string) bool {
	b.t.Helper()
	var hidden bool
	b.run(chromedp.Evaluate("document.querySelector("+jsString(sel)+").hidden", &hidden))
	return hidden
}

// click clicks sel once it is visible and enabled: the page disables its
// buttons while a request runs, and a click on a disabled one is lost.
func (b *browser) click(sel string) {
	b.t.Helper()
	b.run(chromedp.WaitVisible(sel, chromedp.ByQuery), chromedp.WaitEnabled(sel, chromedp.ByQuery), chromedp.Click(sel, chromedp.ByQuery))
}

// checkAttempts checks through the shop's API that the order's payment
// has n attempts: a repeated charge made none.
func (s *shopProcess) checkAttempts(t *testing.T, order string, n int) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.url+"/payments/status?order_number="+order, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		Attempts []json.RawMessage `json:"attempts"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || len(v.Attempts) != n {
		t.Errorf("order %s has %d attempts (%v), want %d", order, len(v.Attempts), err, n)
	}
}

// findChromium returns the browser's path, or skips the test (fails it
// when CI=true) if there is none.
func findChromium(t *testing.T) string {
	t.Helper()
	p := os.Getenv("E2E_CHROMIUM")
	if p == "" {
		p = defaultChromium
	}
	if _, err := os.Stat(p); err == nil {
		return p
	}
	msg := fmt.Sprintf("Chromium not found at %s: run ../scripts/e2e (it installs Debian's chromium with apt-get), or set E2E_CHROMIUM", p)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: the browser test must run)")
	}
	t.Skip(msg)
	return ""
}

// artifactsDir returns the directory for screenshots, emptied of the
// previous run's.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("E2E_ARTIFACTS")
	if dir == "" {
		dir = "artifacts"
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	for _, f := range old {
		_ = os.Remove(f)
	}
	return dir
}

// ---------------------------------------------------------------------------
// The shop process.

// shopProcess is the example shop running as a child process.
type shopProcess struct {
	url        string
	adminToken string
	out        *syncBuffer // stdout: banner and JSON logs
}

// startShop builds ../examples/shop and starts it on a free port in
// sandbox mode. At the end of the test it stops it with SIGINT, which
// must shut it down cleanly (exit status 0: no data race either, when
// built with -race).
func startShop(t *testing.T) *shopProcess {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the shop: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "shop")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "./examples/shop")
	build := exec.Command(goTool, args...)
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}

	cmd := exec.Command(bin)
	cmd.Env = append(sandboxEnv(os.Environ()), "PAYMENTS_ADDR=127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &shopProcess{out: &syncBuffer{}}
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			s.out.Write([]byte(line + "\n"))
			if signalled {
				continue
			}
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "shop:"); ok {
				s.url = strings.TrimSuffix(strings.TrimSpace(v), "/")
			}
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "admin token:"); ok {
				s.adminToken = strings.TrimSpace(v)
			}
			if s.url != "" && s.adminToken != "" {
				signalled = true
				close(ready)
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		exited := make(chan error, 1)
		go func() { <-done; exited <- cmd.Wait() }()
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("the shop did not shut down cleanly on SIGINT: %v\nstderr:\n%s", err, stderr.String())
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("the shop did not stop within 30s of SIGINT\nstderr:\n%s", stderr.String())
		}
		if strings.Contains(stderr.String(), "DATA RACE") {
			t.Errorf("the shop reported a data race:\n%s", stderr.String())
		}
		if t.Failed() {
			t.Logf("shop output:\n%s", s.out.String())
		}
	})
	select {
	case <-ready:
	case <-done:
		t.Fatalf("the shop exited before it was ready\nstdout:\n%s\nstderr:\n%s", s.out.String(), stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("the shop did not print its URL and admin token within 60s\nstdout:\n%s", s.out.String())
	}
	if _, err := url.Parse(s.url); err != nil || !strings.HasPrefix(s.url, "http://127.0.0.1:") {
		t.Fatalf("the shop printed the URL %q, want http://127.0.0.1:<port>", s.url)
	}
	return s
}

// sandboxEnv drops the settings that would take the shop out of sandbox
// mode or away from a fresh in-memory state.
func sandboxEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "TOSS_") || strings.HasPrefix(k, "STRIPE_") || strings.HasPrefix(k, "PAYMENTS_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// checkPayment asserts the payment of order as the shop's status API
// reports it to the admin.
func (s *shopProcess) checkPayment(t *testing.T, order, gateway string, want payments.Status, amount, refunded payments.Amount) {
	t.Helper()
	req, err := http.NewRequest("GET", s.url+"/payments/status?order_number="+url.QueryEscape(order), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /payments/status: %v", err)
	}
	defer resp.Body.Close()
	var p status.Payment
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /payments/status?order_number=%s: %d, %v", order, resp.StatusCode, err)
	}
	if p.Status != want || p.Gateway != gateway || p.Amount != amount || p.RefundedAmount != refunded {
		t.Errorf("order %s: status %s via %s, amount %d, refunded %d; want %s via %s, amount %d, refunded %d",
			order, p.Status, p.Gateway, p.Amount, p.RefundedAmount, want, gateway, amount, refunded)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// ---------------------------------------------------------------------------
// The browser.

// browser is one headless Chromium tab and the test it reports to.
type browser struct {
	t         *testing.T
	ctx       context.Context
	artifacts string
	shop      *shopProcess

	mu       sync.Mutex
	problems []string // uncaught exceptions, CSP and JavaScript errors
}

// newBrowser starts Chromium with exactly the flags the project allows
// (chromedp adds only --remote-debugging-port=0 and the about:blank start
// page), with a fresh profile, and opens a tab that emulates a phone
// screen.
func newBrowser(ctx context.Context, t *testing.T, chromium, artifacts string, shop *shopProcess) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(bcancel)
	b := &browser{t: t, ctx: bctx, artifacts: artifacts, shop: shop}
	chromedp.ListenTarget(bctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			b.problem("uncaught exception: " + ev.ExceptionDetails.Error())
		case *log.EventEntryAdded:
			e := ev.Entry
			if e.Level == log.LevelError && (e.Source == log.SourceSecurity || e.Source == log.SourceJavascript) {
				b.problem(fmt.Sprintf("console %s error at %s: %s", e.Source, e.URL, e.Text))
			}
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError {
				b.problem("console.error called")
			}
		}
	})
	if err := chromedp.Run(bctx, log.Enable(), runtime.Enable(), chromedp.EmulateViewport(412, 915, chromedp.EmulateMobile)); err != nil {
		t.Fatalf("start Chromium (%s): %v", chromium, err)
	}
	return b
}

func (b *browser) problem(p string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, p)
}

// checkNoPageErrors fails the test if the page threw or broke its CSP.
func (b *browser) checkNoPageErrors() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		b.t.Errorf("page error: %s", p)
	}
}

// run runs actions with a per-step timeout, failing the test (with a
// screenshot of where it got stuck) on error.
func (b *browser) run(actions ...chromedp.Action) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		b.fail("%v", err)
	}
}

// fail saves a screenshot of the current page and stops the test.
func (b *browser) fail(format string, args ...any) {
	b.t.Helper()
	var loc, body string
	var png []byte
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	_ = chromedp.Run(ctx, chromedp.Location(&loc), chromedp.Evaluate(`document.body ? document.body.innerText : ""`, &body))
	_ = chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100))
	if len(png) > 0 {
		_ = os.WriteFile(filepath.Join(b.artifacts, "failure.png"), png, 0o644)
	}
	b.t.Fatalf("%s\nat %s (screenshot: %s)\npage text:\n%s", fmt.Sprintf(format, args...), loc,
		filepath.Join(b.artifacts, "failure.png"), body)
}

// text returns the text of the element sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	var s string
	b.run(chromedp.Text(sel, &s, chromedp.ByQuery, chromedp.NodeVisible))
	return strings.TrimSpace(s)
}

// waitStatus waits until the page shows the unified status want (the
// page polls GET /payments/status, and gateway pages redirect back to it).
func (b *browser) waitStatus(want string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var got, shown string
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		err := chromedp.Run(ctx,
			chromedp.Evaluate(`(() => { const e = document.getElementById("status"); return e ? e.dataset.status || "" : ""; })()`, &got),
			chromedp.Evaluate(`(() => { const e = document.getElementById("error"); return e && !e.hidden ? e.textContent : ""; })()`, &shown),
		)
		cancel()
		if err == nil && got == want {
			return
		}
		if b.ctx.Err() != nil {
			break
		}
		time.Sleep(150 * time.Millisecond)
	}
	b.fail("the page shows status %q, want %q (error box: %q)", got, want, shown)
}

// waitText waits until the element sel is visible and contains want.
func (b *browser) waitText(sel, want string) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		err := chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e && !e.hidden ? e.textContent : ""; })()`, jsString(sel)), &got))
		cancel()
		if err == nil && strings.Contains(got, want) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.fail("%s shows %q, want it to contain %q", sel, got, want)
}

// createOrder creates an order with the page's form and returns its
// number, once the page shows it with no payment yet.
func (b *browser) createOrder(name, amount, currency string) string {
	b.t.Helper()
	before := b.text("#order-number")
	b.run(chromedp.Click("#new-order-box > summary", chromedp.ByQuery), chromedp.WaitVisible("#order-name", chromedp.ByQuery))
	b.fill("#order-name", name)
	b.fill("#order-amount", amount)
	b.fill("#order-currency", currency)
	b.run(chromedp.Click("#create-order", chromedp.ByQuery))
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if n := b.text("#order-number"); n != before && n != "" && n != "—" {
			b.waitStatus("no_payment")
			return n
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.fail("no new order number after creating an order (still %q)", before)
	return ""
}

// fill sets the value of the form field sel, as typing or choosing would.
func (b *browser) fill(sel, value string) {
	b.t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%s); if (!e) return false; e.value = %s; return e.value === %s; })()`,
		jsString(sel), jsString(value), jsString(value))
	var ok bool
	b.run(chromedp.WaitVisible(sel, chromedp.ByQuery), chromedp.Evaluate(js, &ok))
	if !ok {
		b.fail("could not set %s to %q", sel, value)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// screenshot saves the whole page as artifacts/NN-name.png.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	var png []byte
	b.run(chromedp.FullScreenshot(&png, 100))
	p := filepath.Join(b.artifacts, fmt.Sprintf("%s.png", name))
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s", p)
}
