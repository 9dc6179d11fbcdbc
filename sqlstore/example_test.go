package sqlstore_test

import (
	"context"
	"database/sql"
	"log"
	"os"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver; the application chooses it

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/paymentstest"
	"github.com/payments-go/payments/sqlstore"
)

// Every replica of the application opens its own pool, opens the store
// (migrating at start-up is safe with many replicas) and builds its
// Service on it.
func Example_open() {
	ctx := context.Background()
	db, err := sql.Open("pgx", os.Getenv("PAYMENTS_DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(10) // replicas × 10 must stay below max_connections

	store, err := sqlstore.Open(ctx, db, &sqlstore.Options{Migrate: true})
	if err != nil {
		log.Fatal(err)
	}
	svc, err := payments.NewService(payments.Config{
		Store:    store,
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-20260122-001", Name: "Cool T-Shirt 외 1건", Amount: 58990, Currency: payments.KRW}),
		Gateways: []payments.Gateway{paymentstest.NewGateway("fake")}, // toss, stripe … in production
	})
	if err != nil {
		log.Fatal(err)
	}

	// Settle what crashes and timeouts leave behind, on any replica.
	go func() {
		for range time.Tick(time.Minute) {
			if _, err := svc.Reconcile(ctx, nil); err != nil {
				log.Print(err)
			}
		}
	}()

	if p, err := svc.Payment(ctx, "ORD-20260122-001"); err == nil {
		log.Printf("order %s: %s", p.OrderNumber, p.Status)
	}
}
