package charge

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for tests only

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/testenv"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
	"github.com/payments-go/payments/sqlstore"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/stripe/stripetest"
	"github.com/payments-go/payments/toss"
	"github.com/payments-go/payments/toss/tosstest"
)

const tossKey = "test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R"

func stores() map[string]func(t *testing.T) payments.Store {
	return map[string]func(t *testing.T) payments.Store{
		"memstore": func(*testing.T) payments.Store { return memstore.New() },
		"sqlstore": sqlStore,
	}
}

// sqlStore opens a migrated sqlstore in a schema of its own, dropped when
// the test ends.
func sqlStore(t *testing.T) payments.Store {
	t.Helper()
	db, err := sql.Open("pgx", testenv.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(16)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "charge_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = db.ExecContext(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`)
		_ = db.Close()
	})
	st, err := sqlstore.Open(t.Context(), db, &sqlstore.Options{Schema: schema, Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestFakeGateway(t *testing.T) {
	for name, st := range stores() {
		t.Run(name, func(t *testing.T) { paymentstest.RunChargeTests(t, paymentstest.FakeChargeHarness(st)) })
	}
}

// tossHarness runs the guarantees against toss.Gateway and tosstest.
func tossHarness(newStore func(t *testing.T) payments.Store) paymentstest.ChargeHarness {
	var mu sync.Mutex
	fakes := map[*testing.T]*tosstest.Server{}
	gws := map[*testing.T]*toss.Gateway{}
	get := func(t *testing.T) (*tosstest.Server, *toss.Gateway) {
		mu.Lock()
		defer mu.Unlock()
		if s, ok := fakes[t]; ok {
			return s, gws[t]
		}
		s, ts := tosstest.NewTestServer(t, tosstest.Config{})
		s.Delay(5 * time.Millisecond)
		c, err := toss.NewClient(toss.ClientConfig{SecretKey: tossKey, BaseURL: ts.URL, HTTPClient: ts.Client(),
			RetryBackoff: time.Millisecond, RetryMaxBackoff: 5 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		g, err := toss.NewGateway(toss.GatewayConfig{Client: c})
		if err != nil {
			t.Fatal(err)
		}
		fakes[t], gws[t] = s, g
		return s, g
	}
	return paymentstest.ChargeHarness{
		NewStore: newStore,
		Gateway:  func(t *testing.T) payments.Gateway { _, g := get(t); return g },
		SaveMethod: func(t *testing.T, svc *payments.Service, customerID string) string {
			s, _ := get(t)
			started, err := svc.StartSave(t.Context(), payments.StartSaveRequest{Gateway: "toss", CustomerID: customerID,
				SuccessURL: "https://shop.example/ok", FailURL: "https://shop.example/fail"})
			if err != nil {
				t.Fatalf("StartSave: %v", err)
			}
			auth, err := s.AuthorizeBilling(started.Customer.Reference.Reveal(), "CARD")
			if err != nil {
				t.Fatal(err)
			}
			saved, err := svc.FinishSave(t.Context(), payments.FinishSaveRequest{Gateway: "toss", SetupID: started.Setup.ID,
				GatewayCustomer: started.Customer.Reference, AuthKey: payments.Secret(auth)})
			if err != nil {
				t.Fatalf("FinishSave: %v", err)
			}
			return saved.Method.ID
		},
		Charges: func(t *testing.T, orderID string) int {
			s, _ := get(t)
			n := 0
			for _, c := range s.Calls() {
				if c.Op == tosstest.OpChargeBillingKey && c.Executed && c.Status == 200 && c.OrderID == orderID {
					n++
				}
			}
			return n
		},
	}
}

func TestToss(t *testing.T) {
	for name, st := range stores() {
		t.Run(name, func(t *testing.T) { paymentstest.RunChargeTests(t, tossHarness(st)) })
	}
}

// stripeHarness runs the guarantees against stripe.Gateway and
// stripetest.
func stripeHarness(newStore func(t *testing.T) payments.Store) paymentstest.ChargeHarness {
	var mu sync.Mutex
	fakes := map[*testing.T]*stripetest.Server{}
	gws := map[*testing.T]*stripe.Gateway{}
	get := func(t *testing.T) (*stripetest.Server, *stripe.Gateway) {
		mu.Lock()
		defer mu.Unlock()
		if s, ok := fakes[t]; ok {
			return s, gws[t]
		}
		s, ts := stripetest.NewTestServer(t, stripetest.Config{})
		g, err := stripe.New(stripe.Config{SecretKey: "sk_test_charge", BaseURL: ts.URL, HTTPClient: ts.Client()})
		if err != nil {
			t.Fatal(err)
		}
		fakes[t], gws[t] = s, g
		return s, g
	}
	return paymentstest.ChargeHarness{
		NewStore: newStore,
		Gateway:  func(t *testing.T) payments.Gateway { _, g := get(t); return g },
		SaveMethod: func(t *testing.T, svc *payments.Service, customerID string) string {
			s, _ := get(t)
			started, err := svc.StartSave(t.Context(), payments.StartSaveRequest{Gateway: "stripe", CustomerID: customerID,
				SuccessURL: "https://shop.example/ok", FailURL: "https://shop.example/fail",
				CallbackSuccessURL: "https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}", CallbackCancelURL: "https://shop.example/fail"})
			if err != nil {
				t.Fatalf("StartSave: %v", err)
			}
			if err := s.CompleteSetup(started.Session, stripetest.PMVisa); err != nil {
				t.Fatal(err)
			}
			saved, err := svc.FinishSave(t.Context(), payments.FinishSaveRequest{Gateway: "stripe", Session: started.Session})
			if err != nil {
				t.Fatalf("FinishSave: %v", err)
			}
			return saved.Method.ID
		},
		Charges: func(t *testing.T, orderID string) int {
			s, _ := get(t)
			n := 0
			for _, c := range s.Calls() {
				if c.Op == stripetest.OpCreatePaymentIntent && c.Status == 200 && !c.Replayed && !c.Injected &&
					c.Form.Get("metadata[attempt_order_id]") == orderID {
					n++
				}
			}
			return n
		},
	}
}

func TestStripe(t *testing.T) {
	for name, st := range stores() {
		t.Run(name, func(t *testing.T) { paymentstest.RunChargeTests(t, stripeHarness(st)) })
	}
}
