package crash

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// The keys the shop and the fakes share. They only open the fakes.
const (
	tossSecretKey       = "test_sk_crashTest00000000000"
	tossClientKey       = "test_ck_crashTest00000000000"
	stripeSecretKey     = "sk_test_crashTest00000000000"
	stripeWebhookSecret = "whsec_crashTest0000000000000000"
	adminToken          = "crash-test-admin-token-0001"
)

// buildBinaries builds the shop and the fakes (without -race: they are
// the system under test, not the test) into dir.
func buildBinaries(t *testing.T, dir string) (shop, fakes string) {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the shop and the fakes: %v", err)
	}
	shop, fakes = filepath.Join(dir, "shop"), filepath.Join(dir, "fakes")
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, b := range []struct{ out, pkg string }{{shop, "./examples/shop"}, {fakes, "./tests/crash/cmd/fakes"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(goTool, "build", "-o", b.out, b.pkg)
			cmd.Dir = filepath.Join("..", "..")
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("go build %s: %v\n%s", b.pkg, err, out)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return shop, fakes
}

// freeAddrs returns n loopback addresses with ports nobody listens on.
// The shop keeps its address across restarts (the fakes send webhooks
// to it), so it is chosen once, here.
func freeAddrs(t *testing.T, n int) []string {
	t.Helper()
	var lns []net.Listener
	var addrs []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		addrs = append(addrs, ln.Addr().String())
	}
	for _, ln := range lns {
		ln.Close()
	}
	return addrs
}

// testDatabase makes a fresh PostgreSQL schema for the run, dropped at
// the end, and returns a URL whose connections use it and a connection
// pool on it for the checks.
func testDatabase(t *testing.T, base string) (dsn string, db *sql.DB) {
	t.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "crash_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(t.Context(), `CREATE SCHEMA "`+schema+`"`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = admin.ExecContext(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`)
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	dsn = base + sep + "search_path=" + schema
	db, err = sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return dsn, db
}

// cleanEnv is the test's environment without the settings of the shop
// and the gateways, which the test sets itself.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "TOSS_") || strings.HasPrefix(k, "STRIPE_") || strings.HasPrefix(k, "PAYMENTS_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// startFakes starts the fakes process and waits until it answers.
func startFakes(t *testing.T, bin, tossAddr, stripeAddr, shopURL string, slowBilling int, log *os.File) {
	t.Helper()
	cmd := exec.Command(bin, "-toss", tossAddr, "-stripe", stripeAddr, "-shop", shopURL, "-slow-billing", strconv.Itoa(slowBilling))
	cmd.Env = append(cleanEnv(),
		"TOSS_SECRET_KEY="+tossSecretKey, "TOSS_CLIENT_KEY="+tossClientKey,
		"STRIPE_SECRET_KEY="+stripeSecretKey, "STRIPE_WEBHOOK_SECRET="+stripeWebhookSecret)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	for _, addr := range []string{tossAddr, stripeAddr} {
		if err := waitHealthy(exited, "http://"+addr+"/control/healthz", 30*time.Second); err != nil {
			t.Fatalf("the fakes did not start: %v", err)
		}
	}
}

// waitHealthy polls url until it answers 200, the process ends (exited)
// or the timeout passes.
func waitHealthy(exited <-chan error, url string, timeout time.Duration) error {
	c := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for {
		resp, err := c.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-exited:
			return fmt.Errorf("the process exited: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer from %s within %s: %v", url, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// shopProc runs the shop, kills it and starts it again, always on the
// same address and database.
type shopProc struct {
	t    *testing.T
	bin  string
	env  []string
	url  string
	logs *os.File // every run's output, appended

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan error
	starts int
	kills  int
}

func newShopProc(t *testing.T, bin, addr, dsn, tossURL, stripeURL string, logs *os.File) *shopProc {
	return &shopProc{
		t: t, bin: bin, url: "http://" + addr, logs: logs,
		env: append(cleanEnv(),
			"PAYMENTS_ADDR="+addr,
			"PAYMENTS_DATABASE_URL="+dsn,
			"PAYMENTS_ADMIN_TOKEN="+adminToken,
			"PAYMENTS_SWEEP_INTERVAL=200ms",
			"PAYMENTS_SETTLE_AFTER=1s",
			"TOSS_SECRET_KEY="+tossSecretKey, "TOSS_CLIENT_KEY="+tossClientKey, "TOSS_API_BASE="+tossURL,
			"STRIPE_SECRET_KEY="+stripeSecretKey, "STRIPE_API_BASE="+stripeURL, "STRIPE_WEBHOOK_SECRET="+stripeWebhookSecret,
		),
	}
}

// start starts the shop; it does not wait for it to listen.
func (p *shopProc) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.starts++
	fmt.Fprintf(p.logs, "\n=== start %d at %s\n", p.starts, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(p.bin)
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	p.cmd, p.exited = cmd, exited
	return nil
}

// waitReady waits until the shop answers GET /healthz.
func (p *shopProc) waitReady(timeout time.Duration) error {
	p.mu.Lock()
	exited := p.exited
	p.mu.Unlock()
	return waitHealthy(exited, p.url+"/healthz", timeout)
}

// kill sends SIGKILL and waits for the process to end. It reports
// whether the process was still running (a shop that exited on its own
// is a failure of the test).
func (p *shopProc) kill() (wasRunning bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case err := <-p.exited:
		p.t.Errorf("the shop exited by itself: %v (see its output)", err)
		return false
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
	p.kills++
	fmt.Fprintf(p.logs, "\n=== SIGKILL %d at %s\n", p.kills, time.Now().Format(time.RFC3339Nano))
	return true
}

// stop ends the shop gracefully (SIGTERM), as at the end of the test.
func (p *shopProc) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-p.exited:
		if err != nil {
			p.t.Errorf("the shop did not stop cleanly on SIGINT: %v", err)
		}
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		p.t.Errorf("the shop did not stop within 30s of SIGINT")
	}
}

// tail returns the last n bytes of f.
func tail(f *os.File, n int64) string {
	data, err := os.ReadFile(f.Name())
	if err != nil {
		return err.Error()
	}
	if int64(len(data)) > n {
		data = data[int64(len(data))-n:]
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	return string(data)
}
