// Command shop is the example shop: a small web shop that takes payments
// through Toss Payments and Stripe with this module, runnable in one
// command on a machine without keys or network:
//
//	go run ./examples/shop
//
// Without keys it runs the in-process sandboxes (package tosstest plays
// Toss, package stripetest plays Stripe), so every flow works offline in a
// browser: create an order, pay by Toss card, Toss virtual account (with
// a simulated deposit), Stripe Checkout or a Stripe card with 3-D Secure,
// watch the status, refund part or all with the admin token.
//
// With TOSS_SECRET_KEY and TOSS_CLIENT_KEY, or STRIPE_SECRET_KEY, that
// gateway talks to the real API instead (use test keys). See README.md for
// every setting.
//
// # Sandboxes
//
// The gateways reach the in-process fakes, and the fakes send their
// webhooks to the shop, through an http.RoundTripper that calls the
// target's http.Handler directly (see sandbox.go): no sockets, no
// dependence on PAYMENTS_PUBLIC_URL being reachable from inside the
// process. The fakes' browser pages (payment window, deposit, hosted
// checkout, 3-D Secure) are mounted on the shop's own server under
// /sandbox/toss/ and /sandbox/stripe/.
//
// # Fulfilment
//
// The shop fulfils an order once its payment is paid, from its handler of
// the library's events (fulfil.go), which [payments.Service.Run] delivers
// at least once, also after a kill. The handler is idempotent by event id,
// in one transaction of the shop's own tables, which sit beside the
// payments in PostgreSQL with PAYMENTS_DATABASE_URL (sqldb.go).
// GET /orders/{number} shows fulfilled_at, fulfillments and
// events_handled.
//
// # Output
//
// The shop prints its URL, the modes and, only when it generated one
// because PAYMENTS_ADMIN_TOKEN is unset, the admin token, once, at start.
// Everything after that is structured JSON logs (log/slog) on the same
// output, passed through a redacting handler so that keys, webhook
// secrets, client secrets and bearer tokens never reach them; request
// logs carry the path but never the query string.
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for PAYMENTS_DATABASE_URL

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/httpapi"
	"github.com/payments-go/payments/internal/redact"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/sqlstore"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/stripe/stripetest"
	"github.com/payments-go/payments/toss"
	"github.com/payments-go/payments/toss/tosstest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "shop:", err)
		os.Exit(1)
	}
}

const (
	// shutdownTimeout bounds the wait for requests in flight at shutdown.
	shutdownTimeout = 15 * time.Second
	// eventLease is how long the shop holds an event it is handling
	// ([payments.DeliveryOptions] Lease). Its handler is one short
	// transaction, so a lease much shorter than the library's default
	// lets a shop that was killed mid-delivery deliver those events
	// again soon after it restarts.
	eventLease = 10 * time.Second
	// dbConns is the size of the PostgreSQL connection pool.
	dbConns = 32
)

// run starts the shop and serves until ctx ends (SIGINT or SIGTERM in
// main), then shuts down gracefully: it stops accepting connections, lets
// requests in flight finish, stops the background loop (event delivery
// and reconciliation) and the sandboxes, and closes the database. env reads settings (os.Getenv);
// stdout receives the start banner and the JSON logs. It returns an error
// if the configuration is invalid or the server cannot start.
func run(ctx context.Context, env func(string) string, stdout io.Writer) error {
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	logger := slog.New(redact.NewHandler(slog.NewJSONHandler(stdout, nil)))

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on PAYMENTS_ADDR: %w", err)
	}
	defer ln.Close()
	if cfg.PublicURL == "" {
		cfg.PublicURL = defaultPublicURL(ln.Addr().String())
	}

	s, err := newShop(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer s.close()

	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 5 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ReadTimeout:       15 * time.Second,
		// Long enough for a confirm that waits out a slow gateway
		// (payments.Config.ConfirmWait and the clients' retries).
		WriteTimeout: 90 * time.Second,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	printBanner(stdout, cfg, ln.Addr().String())
	logger.Info("shop started", "addr", ln.Addr().String(), "public_url", cfg.PublicURL,
		"toss", mode(cfg.Toss.Sandbox), "stripe", mode(cfg.Stripe.Sandbox), "store", s.storeName)
	if !cfg.Stripe.Sandbox && cfg.Stripe.WebhookSecret.IsZero() {
		logger.Warn("STRIPE_WEBHOOK_SECRET is unset: Stripe webhooks are refused; the page still verifies each payment when the customer returns")
	}

	// The background loop delivers the payment events to handleEvent and
	// reconciles every SweepInterval. An event whose delivery a kill cut
	// short is delivered again by the next start.
	loopCtx, stopLoop := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := s.svc.Run(loopCtx); err != nil {
			logger.Error("background loop stopped", "error", err)
		}
	}()

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	select {
	case err = <-serveErr:
		// Serve only returns on a listener failure here.
	case <-ctx.Done():
		logger.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
		err = srv.Shutdown(sctx)
		cancel()
		if err != nil {
			_ = srv.Close()
		}
		<-serveErr // http.ErrServerClosed
	}
	stopLoop()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// shop is everything run serves and closes.
type shop struct {
	cfg        *config
	log        *slog.Logger
	svc        *payments.Service
	db         shopDB
	handler    http.Handler
	storeName  string
	tossFake   *tosstest.Server   // nil unless Toss is in sandbox mode
	stripeFake *stripetest.Server // nil unless Stripe is in sandbox mode
	closers    []func()
}

// newShop builds the stores, the gateways (and sandboxes), the service and
// the HTTP handler.
func newShop(ctx context.Context, cfg *config, logger *slog.Logger) (_ *shop, err error) {
	s := &shop{cfg: cfg, log: logger}
	defer func() {
		if err != nil {
			s.close()
		}
	}()

	// root forwards to the finished handler; the sandboxes need it for
	// their webhooks before it exists.
	var root http.Handler
	toShop := inProcess{http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { root.ServeHTTP(w, r) })}

	// Stores: the payments (memstore or sqlstore) and the shop's own
	// orders and fulfilment records, in memory or both in PostgreSQL.
	var store payments.Store
	if cfg.DatabaseURL.IsZero() {
		store, s.storeName = memstore.New(), "memory"
		s.db = newMemoryDB(time.Now, demoOrder)
	} else {
		db, err := sql.Open("pgx", cfg.DatabaseURL.Reveal())
		if err != nil {
			return nil, errors.New("PAYMENTS_DATABASE_URL: cannot open the database (check the URL)")
		}
		s.closers = append(s.closers, func() { _ = db.Close() })
		// Keep as many connections open as are busy at once (requests,
		// and the event handler's transactions, up to 16 at a time):
		// database/sql keeps only 2 idle by default and would connect
		// again and again under load.
		db.SetMaxOpenConns(dbConns)
		db.SetMaxIdleConns(dbConns)
		db.SetConnMaxIdleTime(5 * time.Minute)
		octx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		sstore, err := sqlstore.Open(octx, db, &sqlstore.Options{Migrate: true})
		if err != nil {
			// The driver's error may quote the URL; keep it out of the
			// output except through the redactor.
			logger.Error("open the database", "error", err)
			return nil, errors.New("PAYMENTS_DATABASE_URL: cannot open the store (see the log above)")
		}
		store, s.storeName = sstore, "postgres"
		if s.db, err = openSQLDB(octx, db, time.Now, demoOrder); err != nil {
			logger.Error("open the shop's tables", "error", err)
			return nil, errors.New("PAYMENTS_DATABASE_URL: cannot create the shop's tables (see the log above)")
		}
	}

	// Gateways.
	var gateways []payments.Gateway
	tossCfg := toss.ClientConfig{
		SecretKey: cfg.Toss.SecretKey,
		Live:      cfg.Live,
		BaseURL:   cfg.Toss.APIBase,
		Logger:    logger.With("component", "toss"),
	}
	tossClientKey := cfg.Toss.ClientKey
	if cfg.Toss.Sandbox {
		s.tossFake = tosstest.New(tosstest.Config{
			SecretKeys:    []string{sandboxTossSecretKey},
			ClientKey:     sandboxTossClientKey,
			PublicURL:     cfg.PublicURL + tossSandboxPath,
			WebhookURL:    withToken(sandboxShopBase+"/payments/toss/webhook", cfg.Toss.WebhookSecret.Reveal()),
			WebhookClient: toShop.client(10 * time.Second),
			// With the real Toss the refund of a deposited virtual
			// account reaches the customer's bank about two business
			// days later; the sandbox takes seconds, so that the page
			// shows the refund pending and then, after a sweep, done.
			RefundTransferDelay: sandboxRefundTransfer,
		})
		s.closers = append(s.closers, s.tossFake.Close)
		tossCfg.SecretKey = sandboxTossSecretKey
		tossCfg.BaseURL = sandboxTossBase
		tossCfg.HTTPClient = inProcess{s.tossFake}.client(30 * time.Second)
		tossClientKey = sandboxTossClientKey
	}
	tc, err := toss.NewClient(tossCfg)
	if err != nil {
		return nil, fmt.Errorf("TOSS_SECRET_KEY / TOSS_API_BASE: %w", err)
	}
	tg, err := toss.NewGateway(toss.GatewayConfig{Client: tc})
	if err != nil {
		return nil, err
	}
	gateways = append(gateways, tg)

	stripeCfg := stripe.Config{
		SecretKey: cfg.Stripe.SecretKey,
		Live:      cfg.Live,
		BaseURL:   cfg.Stripe.APIBase,
		Logger:    logger.With("component", "stripe"),
	}
	stripeWebhookSecret := cfg.Stripe.WebhookSecret
	if cfg.Stripe.Sandbox {
		s.stripeFake = stripetest.New(stripetest.Config{
			APIKeys:       []string{sandboxStripeSecretKey},
			PublicURL:     cfg.PublicURL + stripeSandboxPath,
			WebhookURL:    sandboxShopBase + "/payments/stripe/webhook",
			WebhookSecret: cfg.Stripe.WebhookSecret.Reveal(), // "" makes the fake pick one
			WebhookClient: toShop.client(10 * time.Second),
		})
		s.closers = append(s.closers, s.stripeFake.Close)
		stripeWebhookSecret = payments.Secret(s.stripeFake.WebhookSecret())
		stripeCfg.SecretKey = sandboxStripeSecretKey
		stripeCfg.BaseURL = sandboxStripeBase
		stripeCfg.HTTPClient = inProcess{s.stripeFake}.client(30 * time.Second)
	}
	sg, err := stripe.New(stripeCfg)
	if err != nil {
		return nil, fmt.Errorf("STRIPE_SECRET_KEY / STRIPE_API_BASE: %w", err)
	}
	gateways = append(gateways, sg)

	// Service.
	s.svc, err = payments.NewService(payments.Config{
		Store:       store,
		Orders:      s.db,
		Gateways:    gateways,
		Logger:      logger.With("component", "payments"),
		HandleEvent: s.handleEvent,
		SettleAfter: cfg.SettleAfter,
		Delivery: &payments.DeliveryOptions{
			Lease:         eventLease,
			SweepInterval: cfg.SweepInterval,
			Poll:          min(cfg.SweepInterval, 500*time.Millisecond),
		},
	})
	if err != nil {
		return nil, err
	}

	// HTTP.
	api, err := httpapi.New(httpapi.Config{
		Service:        s.svc,
		Prefix:         "/payments/",
		PublicURL:      cfg.PublicURL,
		AllowedOrigins: cfg.AllowedOrigins,
		Authorize:      payments.BearerToken(cfg.AdminToken),
		Toss:           &httpapi.TossConfig{ClientKey: tossClientKey},
		Stripe:         &httpapi.StripeConfig{WebhookSecret: stripeWebhookSecret},
		Logger:         logger.With("component", "httpapi"),

		AuthorizeCustomer: saveAuthorizer(cfg),
	})
	if err != nil {
		return nil, err
	}
	if !cfg.Toss.WebhookSecret.IsZero() {
		api = tossWebhookToken(api, cfg.Toss.WebhookSecret)
	}
	s.handler, err = s.routes(api)
	if err != nil {
		return nil, err
	}
	root = s.handler
	return s, nil
}

// saveAuthorizer guards the routes that save a payment method for a
// customer (/payments/toss/billing/ready, /payments/stripe/setup). The
// shop has no sign-in: with both gateways in sandbox mode every visitor
// may act as any demo customer; otherwise nil leaves the routes to the
// admin token. An application checks here that the signed-in customer is
// customerID.
func saveAuthorizer(cfg *config) func(*http.Request, string) error {
	if !cfg.Toss.Sandbox || !cfg.Stripe.Sandbox || cfg.Live {
		return nil
	}
	return func(*http.Request, string) error { return nil }
}

// close releases what newShop acquired, in reverse order: the sandboxes
// wait for their webhook deliveries in flight, then the database closes.
func (s *shop) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

// printBanner tells the person who started the shop where it is. The
// admin token is printed here, once, and only when it was generated; it
// never appears in a log line.
func printBanner(w io.Writer, cfg *config, addr string) {
	fmt.Fprintf(w, "payments example shop\n")
	fmt.Fprintf(w, "  shop:        %s/\n", cfg.PublicURL)
	if cfg.PublicURL != defaultPublicURL(addr) {
		fmt.Fprintf(w, "  listening:   %s\n", addr)
	}
	fmt.Fprintf(w, "  toss:        %s\n", describeMode(cfg.Toss.Sandbox, cfg.Toss.APIBase, "https://api.tosspayments.com"))
	fmt.Fprintf(w, "  stripe:      %s\n", describeMode(cfg.Stripe.Sandbox, cfg.Stripe.APIBase, "https://api.stripe.com"))
	if cfg.DatabaseURL.IsZero() {
		fmt.Fprintf(w, "  store:       memory (set PAYMENTS_DATABASE_URL for PostgreSQL)\n")
	} else {
		fmt.Fprintf(w, "  store:       PostgreSQL (PAYMENTS_DATABASE_URL)\n")
	}
	if cfg.AdminTokenGenerated {
		fmt.Fprintf(w, "  admin token: %s\n", cfg.AdminToken.Reveal())
		fmt.Fprintf(w, "               generated for this run and shown only here; set PAYMENTS_ADMIN_TOKEN to choose one\n")
	} else {
		fmt.Fprintf(w, "  admin token: from PAYMENTS_ADMIN_TOKEN (not shown)\n")
	}
	if !cfg.Toss.Sandbox {
		fmt.Fprintf(w, "  toss webhook URL to register:   %s/payments/toss/webhook%s\n", cfg.PublicURL, tokenHint(cfg.Toss.WebhookSecret))
	}
	if !cfg.Stripe.Sandbox {
		fmt.Fprintf(w, "  stripe webhook URL to register: %s/payments/stripe/webhook\n", cfg.PublicURL)
	}
	fmt.Fprintln(w)
}

func describeMode(sandbox bool, base, def string) string {
	switch {
	case sandbox:
		return "sandbox (in-process fake, no keys, no network)"
	case base != "":
		return "API at " + base
	default:
		return "API at " + def
	}
}

func tokenHint(secret payments.Secret) string {
	if secret.IsZero() {
		return ""
	}
	return "?token=<TOSS_WEBHOOK_SECRET>"
}
