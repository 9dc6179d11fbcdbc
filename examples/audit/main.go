// Command audit matches the payments a store holds with Toss's and
// Stripe's own ledgers for a period and prints the report as tables:
// what matched, the money per gateway and currency (gross, fees, net),
// the payouts, and every discrepancy.
//
//	go run ./examples/audit -from 2026-03-01 -to 2026-03-31
//
// Without keys it runs against the in-process sandboxes (tosstest,
// stripetest), seeded with a few payments and refunds across the period
// and a discrepancy of each kind, so the report has something to show.
// With keys it reads the real APIs, and the store of PAYMENTS_DATABASE_URL:
//
//	TOSS_SECRET_KEY, TOSS_API_BASE        the Toss secret key (and API base)
//	STRIPE_SECRET_KEY, STRIPE_API_BASE    the Stripe secret key (and API base)
//	PAYMENTS_DATABASE_URL                 the PostgreSQL store (sqlstore)
//	PAYMENTS_LIVE=1                       live keys
//
// The same names as the example shop. -from and -to are days, both
// included, in -tz (default UTC; Asia/Seoul matches Toss's days). -csv
// prints the discrepancies as CSV instead. A progress line on stderr
// counts the ledger entries read.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for PAYMENTS_DATABASE_URL

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/audit"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/sqlstore"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/toss"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "audit:", err)
		os.Exit(1)
	}
}

// run is the command, with its inputs and outputs explicit for tests.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	today := time.Now().UTC().Format(time.DateOnly)
	from := fs.String("from", today, "first day of the period, YYYY-MM-DD")
	to := fs.String("to", today, "last day of the period, YYYY-MM-DD (included)")
	tz := fs.String("tz", "UTC", "time zone of the days (Asia/Seoul for Toss's days)")
	asCSV := fs.Bool("csv", false, "print the discrepancies as CSV")
	seed := fs.Int("seed", 24, "payments to seed in the sandboxes (without keys)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return fmt.Errorf("-tz: %w", err)
	}
	q, err := audit.ParseQuery(url.Values{"from": {*from}, "to": {*to}}, loc, 366)
	if err != nil {
		return fmt.Errorf("-from, -to: %w", err)
	}
	svc, closeAll, err := setup(ctx, getenv, q.Params, *seed, stderr)
	if err != nil {
		return err
	}
	defer closeAll()

	params := q.Params
	last := time.Time{}
	params.Progress = func(p payments.AuditProgress) {
		if time.Since(last) < 200*time.Millisecond {
			return
		}
		last = time.Now()
		where := "store"
		if p.Gateway != "" {
			where = p.Gateway + " ledger"
		}
		fmt.Fprintf(stderr, "\rreading the %s: %d local payments, %d ledger entries", where, p.Local, p.Entries)
	}
	rep, err := svc.Audit(ctx, params)
	if !last.IsZero() {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return err
	}
	if *asCSV {
		return audit.WriteCSV(stdout, rep.Discrepancies)
	}
	printReport(stdout, rep, loc)
	return nil
}

// setup builds the service: over the real APIs and the store of
// PAYMENTS_DATABASE_URL with keys, over seeded sandboxes without.
func setup(ctx context.Context, getenv func(string) string, period payments.AuditParams, seed int, stderr io.Writer) (*payments.Service, func(), error) {
	live := getenv("PAYMENTS_LIVE") == "1"
	tossKey, stripeKey := getenv("TOSS_SECRET_KEY"), getenv("STRIPE_SECRET_KEY")
	if tossKey == "" && stripeKey == "" {
		fmt.Fprintln(stderr, "no TOSS_SECRET_KEY or STRIPE_SECRET_KEY: auditing the in-process sandboxes")
		return sandbox(ctx, period, seed)
	}
	var gws []payments.Gateway
	if tossKey != "" {
		c, err := toss.NewClient(toss.ClientConfig{SecretKey: payments.Secret(tossKey), Live: live, BaseURL: getenv("TOSS_API_BASE")})
		if err != nil {
			return nil, nil, err
		}
		g, err := toss.NewGateway(toss.GatewayConfig{Client: c})
		if err != nil {
			return nil, nil, err
		}
		gws = append(gws, g)
	}
	if stripeKey != "" {
		g, err := stripe.New(stripe.Config{SecretKey: payments.Secret(stripeKey), Live: live, BaseURL: getenv("STRIPE_API_BASE")})
		if err != nil {
			return nil, nil, err
		}
		gws = append(gws, g)
	}
	var store payments.Store = memstore.New()
	closeAll := func() {}
	if dsn := getenv("PAYMENTS_DATABASE_URL"); dsn != "" {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, nil, errors.New("PAYMENTS_DATABASE_URL: cannot open the database (check the URL)")
		}
		st, err := sqlstore.Open(ctx, db, nil)
		if err != nil {
			_ = db.Close()
			return nil, nil, errors.New("PAYMENTS_DATABASE_URL: cannot open the store (is the schema migrated?)")
		}
		store, closeAll = st, func() { _ = db.Close() }
	} else {
		fmt.Fprintln(stderr, "no PAYMENTS_DATABASE_URL: the store is empty, so every ledger entry shows as missing_locally")
	}
	svc, err := payments.NewService(payments.Config{Store: store, Orders: payments.NewOrderBook(), Gateways: gws, Live: live})
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	return svc, closeAll, nil
}

func printReport(w io.Writer, rep *payments.AuditReport, loc *time.Location) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	last := rep.To.Add(-time.Nanosecond).In(loc)
	fmt.Fprintf(tw, "Audit of %s to %s (%s), gateways: %s\n", rep.From.In(loc).Format(time.DateOnly), last.Format(time.DateOnly),
		loc, strings.Join(rep.Gateways, ", "))
	fmt.Fprintf(tw, "ledger entries\t%d\nlocal payments\t%d\nmatched\t%d payments, %d refunds, %d disputes\n\n",
		rep.Entries, rep.LocalPayments, rep.Matched.Payments, rep.Matched.Refunds, rep.Matched.Disputes)
	fmt.Fprintln(tw, "GATEWAY\tCURRENCY\tENTRIES\tGROSS\tFEES\tNET")
	for _, t := range rep.Totals {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", t.Gateway, t.Currency, t.Entries, t.Currency.Format(t.Gross), t.Currency.Format(t.Fees), t.Currency.Format(t.Net))
	}
	if len(rep.Payouts) > 0 {
		fmt.Fprintln(tw, "\nPAYOUT DAY\tGATEWAY\tAMOUNT")
		for _, p := range rep.Payouts {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", p.Date, p.Gateway, p.Currency.Format(p.Amount))
		}
	}
	fmt.Fprintf(tw, "\n%d discrepancies\n", len(rep.Discrepancies))
	if len(rep.Discrepancies) > 0 {
		fmt.Fprintln(tw, "KIND\tGATEWAY\tORDER\tREFERENCE\tLOCAL\tREMOTE")
		for _, d := range rep.Discrepancies {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", d.Kind, d.Gateway, orDash(d.OrderNumber), orDash(d.Reference), facts(d.Local), facts(d.Remote))
		}
	}
	_ = tw.Flush()
}

func facts(f *payments.AuditFacts) string {
	if f == nil {
		return "-"
	}
	s := f.Currency.Format(f.Amount)
	if f.Status != "" {
		s += " " + f.Status
	}
	if f.Refund != "" {
		s += " refund " + f.Refund
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
