package crash

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/payments-go/payments/internal/testenv"
	"github.com/payments-go/payments/sqlstore"
)

// envInt reads a positive integer setting, or returns def.
func envInt(t *testing.T, name string, def int64) int64 {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q is not a positive integer", name, v)
	}
	return n
}

// Timings of the run.
const (
	// meanUptime is the mean time between a start of the shop and its
	// next kill; each wait is drawn from [0.25, 1.75] times it.
	meanUptime = 600 * time.Millisecond
	// restartCost is about how long a kill and the next start take, for
	// spreading the flows over the kills.
	restartCost = 250 * time.Millisecond
	// flowTimeout bounds one flow, retries and waits included.
	flowTimeout = 60 * time.Second
	// maxConcurrent bounds the flows in flight.
	maxConcurrent = 64
	// quiesceTimeout bounds the wait, after the last restart, for the
	// events to be delivered and the payments settled.
	quiesceTimeout = 30 * time.Second
)

// TestKill runs the flows while the shop is killed again and again, then
// checks that nothing was lost or doubled. See the package documentation.
func TestKill(t *testing.T) {
	base := testenv.DatabaseURL(t)
	seed := uint64(envInt(t, "PAYMENTS_CRASH_SEED", int64(rand.Uint64()>>1)))
	nFlows := int(envInt(t, "PAYMENTS_CRASH_FLOWS", 500))
	nKills := int(envInt(t, "PAYMENTS_CRASH_KILLS", 24))
	slowBilling := 0
	if os.Getenv("PAYMENTS_CRASH_SLOW_BILLING") != "" {
		slowBilling = int(envInt(t, "PAYMENTS_CRASH_SLOW_BILLING", 0))
	}
	fmt.Printf("crash: seed %d, %d flows, %d kills (PAYMENTS_CRASH_SEED=%d reproduces them)\n", seed, nFlows, nKills, seed)
	started := time.Now()

	dir := t.TempDir()
	shopBin, fakesBin := buildBinaries(t, dir)
	dsn, db := testDatabase(t, base)
	addrs := freeAddrs(t, 3)
	shopAddr, tossAddr, stripeAddr := addrs[0], addrs[1], addrs[2]
	shopURL, tossURL, stripeURL := "http://"+shopAddr, "http://"+tossAddr, "http://"+stripeAddr

	// The processes' output goes to files, kept after the test in
	// PAYMENTS_CRASH_LOGS when that names a directory.
	logDir := dir
	if v := os.Getenv("PAYMENTS_CRASH_LOGS"); v != "" {
		logDir = v
	}
	logs := make(map[string]*os.File)
	for _, name := range []string{"shop", "fakes"} {
		f, err := os.Create(filepath.Join(logDir, name+".log"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		logs[name] = f
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the shop's output (end):\n%s", tail(logs["shop"], 12000))
			t.Logf("the fakes' output (end):\n%s", tail(logs["fakes"], 4000))
		}
	})
	startFakes(t, fakesBin, tossAddr, stripeAddr, shopURL, slowBilling, logs["fakes"])
	shop := newShopProc(t, shopBin, shopAddr, dsn, tossURL, stripeURL, logs["shop"])
	if err := shop.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(shop.stop)
	if err := shop.waitReady(60 * time.Second); err != nil {
		t.Fatalf("the shop did not start: %v", err)
	}
	built := time.Since(started)

	// The killer: SIGKILL at random moments, each followed at once by a
	// new start on the same address and database.
	store, err := sqlstore.Open(t.Context(), db, nil)
	if err != nil {
		t.Fatalf("open the shop's store: %v", err)
	}
	d := newDriver(shopURL, tossURL, stripeURL, store)
	var cut atomic.Int64 // kills that cut requests in flight
	killsDone := make(chan struct{})
	stopKilling := make(chan struct{})
	go func() {
		defer close(killsDone)
		rng := rand.New(rand.NewPCG(seed, 0x6b696c6c))
		for range nKills {
			wait := time.Duration(float64(meanUptime) * (0.25 + 1.5*rng.Float64()))
			select {
			case <-stopKilling:
				return
			case <-time.After(wait):
			}
			if d.inFlight.Load() > 0 {
				cut.Add(1)
			}
			if !shop.kill() {
				return
			}
			if err := shop.start(); err != nil {
				t.Errorf("restart the shop: %v", err)
				return
			}
		}
	}()
	t.Cleanup(func() {
		close(stopKilling)
		<-killsDone
	})

	// The flows, started at a steady pace over about the time the kills
	// take, so that kills land among them.
	flows := planFlows(seed, nFlows)
	spread := time.Duration(nKills) * (meanUptime + restartCost)
	pace := spread / time.Duration(nFlows)
	ctx := t.Context()
	var (
		wg     sync.WaitGroup
		sem    = make(chan struct{}, maxConcurrent)
		failMu sync.Mutex
		failed []string
	)
	driveStart := time.Now()
	for i := range flows {
		if i > 0 {
			sleep(ctx, pace)
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			fctx, cancel := context.WithTimeout(ctx, flowTimeout)
			defer cancel()
			if err := d.run(fctx, &flows[i]); err != nil {
				failMu.Lock()
				failed = append(failed, fmt.Sprintf("%s (%s): %v", flows[i].order, flows[i].kind, err))
				failMu.Unlock()
			}
		}()
	}
	wg.Wait()
	driven := time.Since(driveStart)
	<-killsDone
	kills := shop.kills

	// The end: one more kill and start, then the background loop
	// delivers what is left and reconciles.
	shop.kill()
	if err := shop.start(); err != nil {
		t.Fatal(err)
	}
	if err := shop.waitReady(60 * time.Second); err != nil {
		t.Fatalf("the shop did not start after the last kill: %v", err)
	}
	// Quiescent: no event left to deliver and every check passes. Checks
	// that keep failing the same way for a while, with nothing left to
	// deliver, will not pass by waiting longer.
	quiesceStart := time.Now()
	var (
		rep         *report
		lastFailure string
		sameSince   time.Time
	)
	for {
		n, err := pendingEvents(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 || time.Since(quiesceStart) > quiesceTimeout {
			if rep, err = d.check(ctx, db, flows); err != nil {
				t.Fatal(err)
			}
			failures := strings.Join(rep.failures(), "\n")
			if failures == "" || time.Since(quiesceStart) > quiesceTimeout {
				break
			}
			if failures != lastFailure {
				lastFailure, sameSince = failures, time.Now()
			} else if n == 0 && time.Since(sameSince) > 5*time.Second {
				break
			}
		}
		sleep(ctx, 300*time.Millisecond)
	}
	quiesced := time.Since(quiesceStart)

	kinds := map[kind]int{}
	var refundsPlanned, dupWebhookFlows int
	for _, f := range flows {
		kinds[f.kind]++
		refundsPlanned += len(f.refunds)
		if f.dupWebhooks {
			dupWebhookFlows++
		}
	}
	redelivered := strings.Count(tail(logs["shop"], 1<<30), `"msg":"payment event already handled"`)
	t.Logf("seed %d: %d flows (%d toss card, %d toss virtual account, %d stripe checkout, %d toss billing charge) driven in %s, built and started in %s",
		seed, nFlows, kinds[tossCard], kinds[tossVirtualAccount], kinds[stripeCheckout], kinds[tossBilling], driven.Round(time.Millisecond), built.Round(time.Millisecond))
	t.Logf("kills: %d during the flows (%d cut requests in flight) + 1 at the end; %d starts; %d requests sent again after a failure",
		kills, cut.Load(), shop.starts, d.retries.Load())
	t.Logf("duplicates: %d success callbacks repeated, %d webhooks delivered again (%d flows), %d rounds of webhooks sent again while the shop lagged",
		d.dupCallbacks.Load(), d.dupWebhooks.Load(), dupWebhookFlows, d.gatewayResend.Load())
	t.Logf("billing: %d cards saved, %d orders charged with them (checked %d), %d charges sent twice at once, %d sent again after a failure, %d again while processing",
		d.saves.Load(), kinds[tossBilling], rep.billingOrders, d.dupCharges.Load(), d.chargeRetries.Load(), d.chargeRepeats.Load())
	t.Logf("refunds: %d planned, %d answered succeeded, %d made at the gateways", refundsPlanned, rep.refundsOK, rep.refundsSeen)
	t.Logf("events: %d in the outbox, %d handled by the shop, %d deliveries of an already handled event, %d undelivered, %d dead; quiescent after %s",
		rep.events, rep.handled, redelivered, rep.undelivered, rep.dead, quiesced.Round(time.Millisecond))
	t.Logf("paid orders %d of %d: fulfilment errors %d", rep.paid, rep.orders, len(rep.fulfilment))

	fmt.Printf("crash: seed %d: %d flows, %d kills survived; %d state mismatches, %d double charges, %d double refunds, %d refunds lost, %d events lost, %d dead, %d fulfilment errors; %d events, %d refunds; %s\n",
		seed, nFlows, kills+1, len(rep.stateMismatches), len(rep.doubleCharges), len(rep.doubleRefunds), len(rep.lostRefunds),
		len(rep.lostEvents), rep.dead, len(rep.fulfilment), rep.events, rep.refundsOK, time.Since(started).Round(time.Second))

	if kills < nKills {
		t.Errorf("only %d of %d kills were made", kills, nKills)
	}
	for _, f := range rep.failures() {
		t.Error(f)
	}
	if len(failed) > 0 {
		t.Errorf("%d flows did not finish:\n\t%s", len(failed), strings.Join(first(failed, 20), "\n\t"))
	}
	if len(d.problems) > 0 {
		t.Errorf("%d answers no client should get:\n\t%s", len(d.problems), strings.Join(first(d.problems, 20), "\n\t"))
	}
	if t.Failed() {
		t.Logf("reproduce with: PAYMENTS_CRASH_SEED=%d PAYMENTS_CRASH_FLOWS=%d PAYMENTS_CRASH_KILLS=%d go test -race -count=1 -v -run TestKill ./tests/crash/", seed, nFlows, nKills)
	}
}

func first(xs []string, n int) []string {
	if len(xs) > n {
		return xs[:n]
	}
	return xs
}
