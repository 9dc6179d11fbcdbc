package stripe_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/paymentstest"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/stripe/stripetest"
)

// gwTestKey is the secret key the tests give the gateway.
const gwTestKey = "sk_test_gw51NzQRbGateway0123456789"

// gwFake starts a stripetest server and a Gateway pointed at it, logging
// into the returned buffer at debug level.
func gwFake(t *testing.T, cfg stripetest.Config) (*stripe.Gateway, *stripetest.Server, *gwLogBuffer) {
	t.Helper()
	srv, ts := stripetest.NewTestServer(t, cfg)
	logs := &gwLogBuffer{}
	g, err := stripe.New(stripe.Config{
		SecretKey:  gwTestKey,
		BaseURL:    ts.URL,
		HTTPClient: ts.Client(),
		Logger:     slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	return g, srv, logs
}

// gwLogBuffer is a goroutine-safe log sink.
type gwLogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *gwLogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *gwLogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// gwIntent prepares a PaymentIntent for o with payment method pm and
// returns its id.
func gwIntent(t *testing.T, g *stripe.Gateway, o payments.Order, attempt, pm string) string {
	t.Helper()
	ch, err := g.Prepare(t.Context(), &payments.PrepareParams{IdempotencyKey: "prepare-" + attempt + "-" + pm, Order: o,
		GatewayOrderID: attempt, Method: payments.MethodCard, PaymentMethod: pm})
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	if ch.Status != payments.StatusReady || !strings.HasPrefix(ch.Reference, "pi_") || ch.ClientSecret.IsZero() {
		t.Fatalf("Prepare = %+v, want a ready PaymentIntent with a client secret", ch)
	}
	return ch.Reference
}

func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name     string
		currency payments.Currency
		amount   payments.Amount
	}{
		{"KRW", payments.KRW, 58990},
		{"USD", payments.USD, 1234},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g, srv, logs := gwFake(t, stripetest.Config{})
			paymentstest.RunGatewayTests(t, paymentstest.GatewayHarness{
				Gateway: g,
				Authorize: func(t *testing.T, o payments.Order, id string) string {
					return gwIntent(t, g, o, id, stripetest.PMVisa)
				},
				AuthorizeDeclined: func(t *testing.T, o payments.Order, id string) string {
					return gwIntent(t, g, o, id, stripetest.PMDeclined)
				},
				AuthorizeHold: func(t *testing.T, o payments.Order, id string) string {
					return gwHold(t, g, o, id, stripetest.PMVisa)
				},
				Currency: tc.currency,
				Amount:   tc.amount,
				Secrets:  []string{gwTestKey},
			})
			if strings.Contains(logs.String(), gwTestKey) {
				t.Error("the logs contain the secret key")
			}
			if n := srv.Executed(stripetest.OpCreatePaymentIntent); n == 0 {
				t.Error("no PaymentIntent was created at stripetest")
			}
		})
	}
}

// Every key prefix against both settings of Config.Live: a live gateway
// takes only live keys, a test gateway only test keys, and the error names
// the setting, never the key.
func TestLiveOrTestKeys(t *testing.T) {
	for _, tc := range []struct {
		key      string
		live, ok bool
	}{
		{"sk_test_4eC39HqLyjWDarjtT1zdp7dc", false, true},
		{"sk_test_4eC39HqLyjWDarjtT1zdp7dc", true, false},
		{"rk_test_51Habcdefghijklmnop", false, true},
		{"rk_test_51Habcdefghijklmnop", true, false},
		{"sk_live_51Habcdefghijklmnop", true, true},
		{"sk_live_51Habcdefghijklmnop", false, false},
		{"rk_live_51Habcdefghijklmnop", true, true},
		{"rk_live_51Habcdefghijklmnop", false, false},
		{"pk_test_51Habcdefghijklmnop", false, false},
		{"pk_live_51Habcdefghijklmnop", true, false},
		{"whsec_51Habcdefghijklmnop", false, false},
		{"test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R", false, false},
	} {
		g, err := stripe.New(stripe.Config{SecretKey: payments.Secret(tc.key), Live: tc.live})
		if (err == nil) != tc.ok {
			t.Errorf("key %.8s…, Live %v: err %v, want ok %v", tc.key, tc.live, err, tc.ok)
			continue
		}
		if err != nil {
			if strings.Contains(err.Error(), tc.key[8:]) {
				t.Errorf("the error shows the key: %v", err)
			}
			if strings.HasPrefix(tc.key, "sk_") || strings.HasPrefix(tc.key, "rk_") {
				if !strings.Contains(err.Error(), "Config.Live") {
					t.Errorf("key %.8s…, Live %v: %v does not name Config.Live", tc.key, tc.live, err)
				}
			}
			continue
		}
		if g.Live() != tc.live {
			t.Errorf("key %.8s…: Live() = %v, want %v", tc.key, g.Live(), tc.live)
		}
	}
}

func TestNewValidates(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  stripe.Config
		ok   bool
	}{
		{"test key", stripe.Config{SecretKey: "sk_test_abc"}, true},
		{"live key, live", stripe.Config{SecretKey: "sk_live_abc", Live: true}, true},
		{"restricted live key, live", stripe.Config{SecretKey: "rk_live_abc", Live: true}, true},
		{"missing key", stripe.Config{}, false},
		{"publishable key", stripe.Config{SecretKey: "pk_test_abcsecretvalue"}, false},
		{"prefix only", stripe.Config{SecretKey: "sk_test_"}, false},
		{"key with a space", stripe.Config{SecretKey: "sk_test_abc def"}, false},
		{"relative base URL", stripe.Config{SecretKey: "sk_test_abc", BaseURL: "/v1"}, false},
		{"ftp base URL", stripe.Config{SecretKey: "sk_test_abc", BaseURL: "ftp://example.com"}, false},
		{"custom base URL", stripe.Config{SecretKey: "sk_test_abc", BaseURL: "http://127.0.0.1:12111"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := stripe.New(tc.cfg)
			if (err == nil) != tc.ok {
				t.Fatalf("New: %v, want ok=%v", err, tc.ok)
			}
			if err != nil {
				if k := tc.cfg.SecretKey.Reveal(); len(k) > len("sk_test_") && strings.Contains(err.Error(), k) {
					t.Errorf("the error %q contains the key", err)
				}
				return
			}
			if g.Name() != "stripe" {
				t.Errorf("Name = %q, want stripe", g.Name())
			}
		})
	}
	g, err := stripe.New(stripe.Config{SecretKey: "sk_test_abc", Name: "stripe-eu"})
	if err != nil || g.Name() != "stripe-eu" {
		t.Errorf("New with Name = %v, %v; want stripe-eu", g, err)
	}
}

// TestCheckoutRequest checks the form stripe-go sends to create a
// Checkout Session, for a zero-decimal and a two-decimal currency, and
// that paying the session is reported by Lookup.
func TestCheckoutRequest(t *testing.T) {
	const success = "https://shop.example/paid?session_id={CHECKOUT_SESSION_ID}"
	for _, tc := range []struct {
		name  string
		order payments.Order
		want  url.Values
	}{
		{
			name: "KRW with items",
			order: payments.Order{Number: "ORD-KRW-1", Name: "Cool T-Shirt 외 1건", Amount: 58990, Currency: payments.KRW,
				Items:    []payments.Item{{Name: "Cool T-Shirt", Quantity: 1, UnitAmount: 39000}, {Name: "Socks", Quantity: 2, UnitAmount: 9995}},
				Customer: payments.Customer{Email: "kim@example.com"}},
			want: url.Values{
				"mode":                             {"payment"},
				"success_url":                      {success},
				"cancel_url":                       {"https://shop.example/cart"},
				"client_reference_id":              {"ORD-KRW-1"},
				"customer_email":                   {"kim@example.com"},
				"metadata[order_number]":           {"ORD-KRW-1"},
				"metadata[attempt_order_id]":       {"ORD-KRW-1"},
				"payment_intent_data[description]": {"Cool T-Shirt 외 1건"},
				"payment_intent_data[metadata][order_number]":     {"ORD-KRW-1"},
				"payment_intent_data[metadata][attempt_order_id]": {"ORD-KRW-1"},
				"line_items[0][quantity]":                         {"1"},
				"line_items[0][price_data][currency]":             {"krw"},
				"line_items[0][price_data][unit_amount]":          {"39000"},
				"line_items[0][price_data][product_data][name]":   {"Cool T-Shirt"},
				"line_items[1][quantity]":                         {"2"},
				"line_items[1][price_data][currency]":             {"krw"},
				"line_items[1][price_data][unit_amount]":          {"9995"},
				"line_items[1][price_data][product_data][name]":   {"Socks"},
			},
		},
		{
			name:  "KRW single line",
			order: payments.Order{Number: "ORD-KRW-2", Name: "Cool T-Shirt 외 1건", Amount: 58990, Currency: payments.KRW},
			want: url.Values{
				"mode":                             {"payment"},
				"success_url":                      {success},
				"cancel_url":                       {"https://shop.example/cart"},
				"client_reference_id":              {"ORD-KRW-2"},
				"metadata[order_number]":           {"ORD-KRW-2"},
				"metadata[attempt_order_id]":       {"ORD-KRW-2"},
				"payment_intent_data[description]": {"Cool T-Shirt 외 1건"},
				"payment_intent_data[metadata][order_number]":     {"ORD-KRW-2"},
				"payment_intent_data[metadata][attempt_order_id]": {"ORD-KRW-2"},
				"line_items[0][quantity]":                         {"1"},
				"line_items[0][price_data][currency]":             {"krw"},
				"line_items[0][price_data][unit_amount]":          {"58990"},
				"line_items[0][price_data][product_data][name]":   {"Cool T-Shirt 외 1건"},
			},
		},
		{
			name:  "USD single line",
			order: payments.Order{Number: "ORD-USD-1", Name: "Mug", Amount: 1234, Currency: payments.USD},
			want: url.Values{
				"mode":                             {"payment"},
				"success_url":                      {success},
				"cancel_url":                       {"https://shop.example/cart"},
				"client_reference_id":              {"ORD-USD-1"},
				"metadata[order_number]":           {"ORD-USD-1"},
				"metadata[attempt_order_id]":       {"ORD-USD-1"},
				"payment_intent_data[description]": {"Mug"},
				"payment_intent_data[metadata][order_number]":     {"ORD-USD-1"},
				"payment_intent_data[metadata][attempt_order_id]": {"ORD-USD-1"},
				"line_items[0][quantity]":                         {"1"},
				"line_items[0][price_data][currency]":             {"usd"},
				"line_items[0][price_data][unit_amount]":          {"1234"},
				"line_items[0][price_data][product_data][name]":   {"Mug"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g, srv, _ := gwFake(t, stripetest.Config{})
			o := tc.order
			ch, err := g.Prepare(t.Context(), &payments.PrepareParams{IdempotencyKey: "prepare-" + o.Number, Order: o,
				GatewayOrderID: o.Number, Method: payments.MethodCard, SuccessURL: success, CancelURL: "https://shop.example/cart"})
			if err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			if ch.Status != payments.StatusReady || !strings.HasPrefix(ch.Session, "cs_") || ch.RedirectURL == "" ||
				ch.Amount != o.Amount || ch.Currency != o.Currency || ch.Reference != "" {
				t.Errorf("Prepare = %+v, want a ready session with a URL for %d %s", ch, o.Amount, o.Currency)
			}
			calls := srv.Calls()
			if len(calls) != 1 || calls[0].Op != stripetest.OpCreateCheckoutSession {
				t.Fatalf("calls = %+v, want one session create", calls)
			}
			if diff := cmp.Diff(tc.want, calls[0].Form); diff != "" {
				t.Errorf("session form (-want +got):\n%s", diff)
			}
			if calls[0].IdempotencyKey != "prepare-"+o.Number {
				t.Errorf("Idempotency-Key = %q, want prepare-%s", calls[0].IdempotencyKey, o.Number)
			}

			// Open, then paid on the hosted page.
			got, err := g.Lookup(t.Context(), &payments.LookupParams{OrderNumber: o.Number, Session: ch.Session})
			if err != nil || got.Status != payments.StatusReady || got.RedirectURL != ch.RedirectURL {
				t.Fatalf("Lookup of an open session = %+v, %v; want ready with its URL", got, err)
			}
			if err := srv.CompleteSession(ch.Session, stripetest.PMVisa); err != nil {
				t.Fatal(err)
			}
			got, err = g.Lookup(t.Context(), &payments.LookupParams{OrderNumber: o.Number, Session: ch.Session})
			if err != nil {
				t.Fatalf("Lookup: %v", err)
			}
			want := &payments.Charge{Session: ch.Session, GatewayOrderID: o.Number, Status: payments.StatusPaid,
				GatewayStatus: "succeeded", Method: payments.MethodCard, Amount: o.Amount, Currency: o.Currency}
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(payments.Charge{}, "Reference", "PaidAt")); diff != "" {
				t.Errorf("Lookup of a paid session (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(got.Reference, "pi_") || got.PaidAt.IsZero() {
				t.Errorf("paid session: Reference %q PaidAt %v, want the PaymentIntent and a time", got.Reference, got.PaidAt)
			}
			// The PaymentIntent carries the metadata of payment_intent_data.
			pi, err := g.Lookup(t.Context(), &payments.LookupParams{OrderNumber: o.Number, Reference: got.Reference})
			if err != nil || pi.GatewayOrderID != o.Number || pi.Status != payments.StatusPaid {
				t.Errorf("Lookup of the session's PaymentIntent = %+v, %v", pi, err)
			}
			// Another order's Lookup of this session is refused.
			if _, err := g.Lookup(t.Context(), &payments.LookupParams{OrderNumber: "ORD-OTHER", Session: ch.Session}); payments.Code(err) != payments.CodeInvalidRequest {
				t.Errorf("Lookup for another order: %v, want invalid_request", err)
			}
		})
	}
}

func TestCheckoutExpired(t *testing.T) {
	t.Parallel()
	g, srv, _ := gwFake(t, stripetest.Config{})
	o := payments.Order{Number: "ORD-EXP", Name: "Mug", Amount: 1234, Currency: payments.USD}
	ch, err := g.Prepare(t.Context(), &payments.PrepareParams{IdempotencyKey: "prepare-exp", Order: o, GatewayOrderID: "ORD-EXP-2",
		SuccessURL: "https://shop.example/ok?cs={CHECKOUT_SESSION_ID}"})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.ExpireSession(ch.Session); err != nil {
		t.Fatal(err)
	}
	got, err := g.Lookup(t.Context(), &payments.LookupParams{OrderNumber: o.Number, Session: ch.Session})
	if err != nil {
		t.Fatal(err)
	}
	// Nothing was charged, and the session offered a card and a bank
	// account: the method is not known.
	want := &payments.Charge{Session: ch.Session, GatewayOrderID: "ORD-EXP-2", Status: payments.StatusExpired, GatewayStatus: "expired",
		Amount: 1234, Currency: payments.USD}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("expired session (-want +got):\n%s", diff)
	}
	// Without a cancel URL none is sent.
	for _, c := range srv.Calls() {
		if c.Op == stripetest.OpCreateCheckoutSession && c.Form.Has("cancel_url") {
			t.Errorf("cancel_url sent although none was given: %q", c.Form.Get("cancel_url"))
		}
	}
}

func TestPrepareIntentRequest(t *testing.T) {
	t.Parallel()
	g, srv, _ := gwFake(t, stripetest.Config{})
	o := payments.Order{Number: "ORD-PI-1", Name: "Cool T-Shirt", Amount: 58990, Currency: payments.KRW}
	ch, err := g.Prepare(t.Context(), &payments.PrepareParams{IdempotencyKey: "prepare-pi-1", Order: o, GatewayOrderID: "ORD-PI-1-2",
		PaymentMethod: stripetest.PMVisa})
	if err != nil {
		t.Fatal(err)
	}
	want := &payments.Charge{Reference: ch.Reference, GatewayOrderID: "ORD-PI-1-2", Status: payments.StatusReady,
		GatewayStatus: "requires_confirmation", Method: payments.MethodCard, Amount: 58990, Currency: payments.KRW, ClientSecret: ch.ClientSecret}
	if diff := cmp.Diff(want, ch); diff != "" {
		t.Errorf("Prepare (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(ch.ClientSecret.Reveal(), ch.Reference+"_secret_") {
		t.Errorf("ClientSecret is not the PaymentIntent's")
	}
	calls := srv.Calls()
	if len(calls) != 1 || calls[0].Op != stripetest.OpCreatePaymentIntent {
		t.Fatalf("calls = %+v, want one PaymentIntent create", calls)
	}
	wantForm := url.Values{
		"amount":                     {"58990"},
		"currency":                   {"krw"},
		"description":                {"Cool T-Shirt"},
		"payment_method":             {stripetest.PMVisa},
		"payment_method_types[0]":    {"card"},
		"metadata[order_number]":     {"ORD-PI-1"},
		"metadata[attempt_order_id]": {"ORD-PI-1-2"},
	}
	if diff := cmp.Diff(wantForm, calls[0].Form); diff != "" {
		t.Errorf("PaymentIntent form (-want +got):\n%s", diff)
	}
	if calls[0].IdempotencyKey != "prepare-pi-1" {
		t.Errorf("Idempotency-Key = %q", calls[0].IdempotencyKey)
	}

	// Without a payment method: requires_payment_method is ready too.
	ch, err = g.Prepare(t.Context(), &payments.PrepareParams{IdempotencyKey: "prepare-pi-2", Order: o, GatewayOrderID: "ORD-PI-1-3"})
	if err != nil || ch.Status != payments.StatusReady || ch.GatewayStatus != "requires_payment_method" {
		t.Errorf("Prepare without a payment method = %+v, %v", ch, err)
	}
}

func TestPrepareRefusesBadInput(t *testing.T) {
	t.Parallel()
	g, srv, _ := gwFake(t, stripetest.Config{})
	good := payments.Order{Number: "ORD-BAD", Name: "Mug", Amount: 1234, Currency: payments.USD}
	for _, tc := range []struct {
		name string
		p    payments.PrepareParams
	}{
		{"no idempotency key", payments.PrepareParams{Order: good}},
		{"idempotency key too long", payments.PrepareParams{IdempotencyKey: strings.Repeat("k", 256), Order: good}},
		{"invalid order", payments.PrepareParams{IdempotencyKey: "k", Order: payments.Order{Number: "X", Name: "x", Amount: -1, Currency: "USD"}}},
		{"items not adding up", payments.PrepareParams{IdempotencyKey: "k", SuccessURL: "https://shop.example/ok",
			Order: payments.Order{Number: "X", Name: "x", Amount: 100, Currency: "USD", Items: []payments.Item{{Name: "a", Quantity: 1, UnitAmount: 99}}}}},
		{"three-decimal amount not ending in 0", payments.PrepareParams{IdempotencyKey: "k",
			Order: payments.Order{Number: "X", Name: "x", Amount: 5124, Currency: "KWD"}}},
		{"three-decimal line item not ending in 0", payments.PrepareParams{IdempotencyKey: "k", SuccessURL: "https://shop.example/ok",
			Order: payments.Order{Number: "X", Name: "x", Amount: 5120, Currency: "KWD", Items: []payments.Item{
				{Name: "a", Quantity: 1, UnitAmount: 5115}, {Name: "b", Quantity: 1, UnitAmount: 5}}}}},
		{"fractional ISK", payments.PrepareParams{IdempotencyKey: "k", Order: payments.Order{Number: "X", Name: "x", Amount: 150, Currency: "ISK"}}},
		{"virtual account", payments.PrepareParams{IdempotencyKey: "k", Order: good, Method: payments.MethodVirtualAccount}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := g.Prepare(t.Context(), &tc.p)
			if payments.Code(err) != payments.CodeInvalidRequest {
				t.Errorf("Prepare: %v, want invalid_request", err)
			}
		})
	}
	if calls := srv.Calls(); len(calls) != 0 {
		t.Errorf("refused input reached Stripe: %+v", calls)
	}
	// Amounts that Stripe can take exactly are sent unchanged.
	for _, o := range []payments.Order{
		{Number: "ORD-KWD", Name: "x", Amount: 5120, Currency: "KWD"},
		{Number: "ORD-ISK", Name: "x", Amount: 50000, Currency: "ISK"},
		{Number: "ORD-JPY", Name: "x", Amount: 500, Currency: payments.JPY},
	} {
		ch, err := g.Prepare(t.Context(), &payments.PrepareParams{IdempotencyKey: "ok-" + o.Number, Order: o})
		if err != nil || ch.Amount != o.Amount || ch.Currency != o.Currency {
			t.Errorf("Prepare %s = %+v, %v", o.Number, ch, err)
			continue
		}
		calls := srv.Calls()
		last := calls[len(calls)-1].Form
		if last.Get("amount") != strconv.FormatInt(int64(o.Amount), 10) {
			t.Errorf("%s sent amount %q, want %d", o.Number, last.Get("amount"), o.Amount)
		}
	}
}

// Test3DSecure confirms a PaymentIntent whose card needs 3-D Secure,
// completes the challenge on stripetest's sandbox page like a browser,
// and checks that Lookup and a repeated Confirm report it paid.
func Test3DSecure(t *testing.T) {
	t.Parallel()
	g, srv, _ := gwFake(t, stripetest.Config{})
	o := payments.Order{Number: "ORD-3DS", Name: "Mug", Amount: 1234, Currency: payments.USD}
	ref := gwIntent(t, g, o, "ORD-3DS", stripetest.PMThreeDSecure)
	confirm := &payments.ConfirmParams{IdempotencyKey: "confirm-3ds", OrderNumber: o.Number, GatewayOrderID: "ORD-3DS",
		Reference: ref, Amount: o.Amount, Currency: o.Currency, ReturnURL: "https://shop.example/return?order=ORD-3DS"}
	ch, err := g.Confirm(t.Context(), confirm)
	if err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	if ch.Status != payments.StatusRequiresAction || ch.RedirectURL == "" || ch.GatewayStatus != "requires_action" {
		t.Fatalf("Confirm = %+v, want requires_action with a redirect URL", ch)
	}
	if got := srv.Calls()[len(srv.Calls())-1]; got.Form.Get("return_url") != confirm.ReturnURL || got.IdempotencyKey != "confirm-3ds" {
		t.Errorf("confirm request: return_url %q, key %q", got.Form.Get("return_url"), got.IdempotencyKey)
	}

	// The customer completes the challenge on the sandbox page.
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page, err := browser.Get(ch.RedirectURL)
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	if page.StatusCode != http.StatusOK {
		t.Fatalf("challenge page: %s", page.Status)
	}
	res, err := browser.PostForm(ch.RedirectURL, url.Values{"action": {"complete"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "https://shop.example/return?") {
		t.Fatalf("challenge answer: %s to %q, want 303 to the return URL", res.Status, loc)
	}

	got, err := g.Lookup(t.Context(), &payments.LookupParams{OrderNumber: o.Number, Reference: ref})
	if err != nil || got.Status != payments.StatusPaid || got.Amount != 1234 || got.PaidAt.IsZero() {
		t.Fatalf("Lookup after 3-D Secure = %+v, %v; want paid", got, err)
	}
	confirms := srv.Executed(stripetest.OpConfirmPaymentIntent)
	again, err := g.Confirm(t.Context(), confirm)
	if err != nil || again.Status != payments.StatusPaid {
		t.Errorf("Confirm after 3-D Secure = %+v, %v; want paid", again, err)
	}
	if n := srv.Executed(stripetest.OpConfirmPaymentIntent); n != confirms {
		t.Errorf("a Confirm of a succeeded PaymentIntent confirmed again (%d → %d)", confirms, n)
	}
}

// Test3DSecureWithoutReturnURL: without a return URL the challenge is
// for Stripe.js (use_stripe_sdk): requires_action without a redirect.
func Test3DSecureWithoutReturnURL(t *testing.T) {
	t.Parallel()
	g, srv, _ := gwFake(t, stripetest.Config{})
	o := payments.Order{Number: "ORD-3DS-SDK", Name: "Mug", Amount: 1234, Currency: payments.USD}
	ref := gwIntent(t, g, o, "ORD-3DS-SDK", stripetest.PMThreeDSecure)
	ch, err := g.Confirm(t.Context(), &payments.ConfirmParams{IdempotencyKey: "confirm-sdk", OrderNumber: o.Number, Reference: ref,
		Amount: o.Amount, Currency: o.Currency})
	if err != nil || ch.Status != payments.StatusRequiresAction || ch.RedirectURL != "" || ch.ClientSecret.IsZero() {
		t.Fatalf("Confirm = %+v, %v; want requires_action for Stripe.js", ch, err)
	}
	if err := srv.Authenticate(ref, false); err != nil {
		t.Fatal(err)
	}
	got, err := g.Lookup(t.Context(), &payments.LookupParams{Reference: ref})
	if err != nil || got.Status != payments.StatusFailed || got.Failure == nil || got.Failure.Code != "payment_intent_authentication_failure" {
		t.Errorf("Lookup after a failed challenge = %+v, %v; want failed with payment_intent_authentication_failure", got, err)
	}
}

// TestDeclineThenNewIntent: a declined card fails the attempt with the
// decline code; a new PaymentIntent for the same order then succeeds.
func TestDeclineThenNewIntent(t *testing.T) {
	t.Parallel()
	g, _, _ := gwFake(t, stripetest.Config{})
	o := payments.Order{Number: "ORD-DECL", Name: "Cool T-Shirt", Amount: 58990, Currency: payments.KRW}
	for _, tc := range []struct {
		pm, code string
	}{
		{stripetest.PMDeclined, "generic_decline"},
		{stripetest.PMInsufficientFunds, "insufficient_funds"},
		{stripetest.PMExpiredCard, "expired_card"},
		{stripetest.PMIncorrectCVC, "incorrect_cvc"},
		{stripetest.PMProcessingError, "processing_error"},
	} {
		t.Run(tc.pm, func(t *testing.T) {
			attempt := "ORD-DECL-" + tc.pm
			ref := gwIntent(t, g, o, attempt, tc.pm)
			_, err := g.Confirm(t.Context(), &payments.ConfirmParams{IdempotencyKey: "confirm-" + attempt, OrderNumber: o.Number,
				GatewayOrderID: attempt, Reference: ref, Amount: o.Amount, Currency: o.Currency})
			var pe *payments.Error
			if !errors.As(err, &pe) || pe.Code != payments.CodePaymentDeclined || pe.GatewayCode != tc.code {
				t.Fatalf("Confirm: %v; want payment_declined with gateway code %s", err, tc.code)
			}
			if pe.HTTPStatus() != http.StatusPaymentRequired {
				t.Errorf("HTTPStatus = %d, want 402", pe.HTTPStatus())
			}
			got, err := g.Lookup(t.Context(), &payments.LookupParams{OrderNumber: o.Number, Reference: ref})
			if err != nil || got.Status != payments.StatusFailed || got.Failure == nil || got.Failure.Code != tc.code || got.Failure.Message == "" {
				t.Errorf("Lookup after the decline = %+v, %v; want failed with %s", got, err, tc.code)
			}
		})
	}
	ref := gwIntent(t, g, o, "ORD-DECL-retry", stripetest.PMVisa)
	ch, err := g.Confirm(t.Context(), &payments.ConfirmParams{IdempotencyKey: "confirm-retry", OrderNumber: o.Number,
		GatewayOrderID: "ORD-DECL-retry", Reference: ref, Amount: o.Amount, Currency: o.Currency})
	if err != nil || ch.Status != payments.StatusPaid {
		t.Errorf("Confirm of the new PaymentIntent = %+v, %v; want paid", ch, err)
	}
}

// TestConfirmWithPaymentMethod confirms a PaymentIntent created without a
// payment method, giving one at confirm.
func TestConfirmWithPaymentMethod(t *testing.T) {
	t.Parallel()
	g, srv, _ := gwFake(t, stripetest.Config{})
	o := payments.Order{Number: "ORD-PM", Name: "Mug", Amount: 1234, Currency: payments.USD}
	ch, err := g.Prepare(t.Context(), &payments.PrepareParams{IdempotencyKey: "prepare-pm", Order: o})
	if err != nil {
		t.Fatal(err)
	}
	got, err := g.Confirm(t.Context(), &payments.ConfirmParams{IdempotencyKey: "confirm-pm", OrderNumber: o.Number,
		Reference: ch.Reference, Amount: o.Amount, Currency: o.Currency, PaymentMethod: stripetest.PMMastercard})
	if err != nil || got.Status != payments.StatusPaid || got.PaidAt.IsZero() {
		t.Fatalf("Confirm = %+v, %v; want paid", got, err)
	}
	calls := srv.Calls()
	last := calls[len(calls)-1]
	want := url.Values{"payment_method": {stripetest.PMMastercard}, "expand[0]": {"latest_charge"}, "expand[1]": {"payment_method"}}
	if diff := cmp.Diff(want, last.Form); last.Op != stripetest.OpConfirmPaymentIntent || diff != "" {
		t.Errorf("confirm request %s (-want +got):\n%s", last.Op, diff)
	}
	// Confirming it for another order is refused before anything happens.
	_, err = g.Confirm(t.Context(), &payments.ConfirmParams{IdempotencyKey: "confirm-pm-other", OrderNumber: "ORD-OTHER",
		Reference: ch.Reference, Amount: o.Amount, Currency: o.Currency})
	if payments.Code(err) != payments.CodeInvalidRequest {
		t.Errorf("Confirm for another order: %v, want invalid_request", err)
	}
	// A currency mismatch is refused like an amount mismatch.
	_, err = g.Confirm(t.Context(), &payments.ConfirmParams{IdempotencyKey: "confirm-pm-eur", OrderNumber: o.Number,
		Reference: ch.Reference, Amount: o.Amount, Currency: payments.EUR})
	if payments.Code(err) != payments.CodeAmountMismatch {
		t.Errorf("Confirm in another currency: %v, want amount_mismatch", err)
	}
}

// TestRefundRequest checks the refund form: explicit amount, Stripe's
// reason enum only when StripeReason names it (never chosen from the free
// text), the text and the refund id in metadata.
func TestRefundRequest(t *testing.T) {
	t.Parallel()
	g, srv, _ := gwFake(t, stripetest.Config{})
	o := payments.Order{Number: "ORD-RF", Name: "Mug", Amount: 100000, Currency: payments.KRW}
	ref := gwIntent(t, g, o, "ORD-RF", stripetest.PMVisa)
	if _, err := g.Confirm(t.Context(), &payments.ConfirmParams{IdempotencyKey: "confirm-rf", OrderNumber: o.Number, Reference: ref,
		Amount: o.Amount, Currency: o.Currency}); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		reason, stripeReason string
	}{
		{"Customer changed their mind", ""},
		{"not fraud", ""},
		{"fraud", ""},
		{"Suspected FRAUD on this card", ""},
		{"Duplicate order", ""},
		{"Duplicate order", "duplicate"},
		{"stolen card", "fraudulent"},
		{"asked for it", "requested_by_customer"},
	} {
		t.Run(tc.stripeReason+"/"+tc.reason, func(t *testing.T) {
			key := "rf_" + string(rune('a'+i))
			res, err := g.Refund(t.Context(), &payments.RefundParams{IdempotencyKey: key, OrderNumber: o.Number, GatewayOrderID: "ORD-RF",
				Reference: ref, Amount: 500, Currency: o.Currency, Reason: tc.reason, StripeReason: tc.stripeReason})
			if err != nil || res.Status != payments.RefundSucceeded || !strings.HasPrefix(res.Reference, "re_") {
				t.Fatalf("Refund = %+v, %v", res, err)
			}
			var create *stripetest.Call
			for _, c := range srv.Calls() {
				if c.Op == stripetest.OpCreateRefund && c.IdempotencyKey == key {
					create = &c
				}
			}
			if create == nil {
				t.Fatal("no refund create with the idempotency key")
			}
			want := url.Values{
				"payment_intent":             {ref},
				"amount":                     {"500"},
				"metadata[reason]":           {tc.reason},
				"metadata[refund_id]":        {key},
				"metadata[order_number]":     {"ORD-RF"},
				"metadata[attempt_order_id]": {"ORD-RF"},
			}
			if tc.stripeReason != "" {
				want["reason"] = []string{tc.stripeReason}
			}
			if diff := cmp.Diff(want, create.Form); diff != "" {
				t.Errorf("refund form (-want +got):\n%s", diff)
			}
		})
	}
	got, err := g.Lookup(t.Context(), &payments.LookupParams{Reference: ref})
	if err != nil || got.Status != payments.StatusPartiallyRefunded || got.RefundedAmount != 4000 {
		t.Errorf("Lookup = %+v, %v; want partially_refunded 4000", got, err)
	}
	// A value outside Stripe's enum is refused before anything is sent.
	n := srv.Executed(stripetest.OpCreateRefund)
	if _, err := g.Refund(t.Context(), &payments.RefundParams{IdempotencyKey: "rf_bad", OrderNumber: o.Number, Reference: ref,
		Amount: 500, Currency: o.Currency, Reason: "x", StripeReason: "fraud"}); payments.Code(err) != payments.CodeInvalidRequest {
		t.Errorf("Refund with StripeReason fraud: %v, want invalid_request", err)
	}
	if srv.Executed(stripetest.OpCreateRefund) != n {
		t.Error("a refused refund reached Stripe")
	}
}

func TestCanceledAndExpiredContext(t *testing.T) {
	t.Parallel()
	g, _, _ := gwFake(t, stripetest.Config{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := g.Lookup(ctx, &payments.LookupParams{Reference: "pi_x"})
	var pe *payments.Error
	if !errors.As(err, &pe) || pe.Code != payments.CodeCanceled || !errors.Is(err, context.Canceled) {
		t.Errorf("Lookup with a canceled context: %v; want canceled wrapping context.Canceled", err)
	}
	dctx, dcancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer dcancel()
	_, err = g.Lookup(dctx, &payments.LookupParams{Reference: "pi_x"})
	if !errors.As(err, &pe) || pe.Code != payments.CodeGatewayUnavailable || !pe.Timeout || !errors.Is(err, context.DeadlineExceeded) ||
		pe.HTTPStatus() != http.StatusGatewayTimeout {
		t.Errorf("Lookup past the deadline: %v; want gateway_unavailable, timeout, 504", err)
	}
}

func TestLookupNothing(t *testing.T) {
	g, err := stripe.New(stripe.Config{SecretKey: "sk_test_abc", BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Lookup(t.Context(), &payments.LookupParams{OrderNumber: "ORD-1", GatewayOrderID: "ORD-1"})
	if payments.Code(err) != payments.CodePaymentNotFound {
		t.Errorf("Lookup without a reference or session: %v, want payment_not_found", err)
	}
}

// TestLogs checks that stripe-go's own lines reach the configured logger
// (so its stderr logger is not in use) and that no secret is logged.
func TestLogs(t *testing.T) {
	t.Parallel()
	g, _, logs := gwFake(t, stripetest.Config{})
	o := payments.Order{Number: "ORD-LOG", Name: "Mug", Amount: 1234, Currency: payments.USD}
	ref := gwIntent(t, g, o, "ORD-LOG", stripetest.PMVisa)
	if _, err := g.Confirm(t.Context(), &payments.ConfirmParams{IdempotencyKey: "confirm-log", Reference: ref, Amount: o.Amount, Currency: o.Currency}); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if !strings.Contains(out, "stripe-go: Requesting POST") {
		t.Errorf("stripe-go's lines did not reach the logger:\n%s", out)
	}
	if !strings.Contains(out, "REDACTED") {
		t.Errorf("stripe-go's response bodies, with the client secret redacted, are not in the debug log:\n%s", out)
	}
	for _, secret := range []string{gwTestKey, ref + "_secret_"} {
		if strings.Contains(out, secret) {
			t.Errorf("the logs contain %q", secret)
		}
	}
}

// ExampleNew builds the Stripe gateway and a payments.Service around it,
// then takes a card payment: the service prepares a PaymentIntent with
// the customer's payment method and confirms it exactly once. Here the
// gateway talks to an in-process stripetest server; in production leave
// BaseURL empty and pass the account's secret key.
func ExampleNew() {
	fake := stripetest.New(stripetest.Config{})
	defer fake.Close()
	ts := httptest.NewServer(fake)
	defer ts.Close()

	gw, err := stripe.New(stripe.Config{
		SecretKey: "sk_test_example", // e.g. payments.Secret(os.Getenv("STRIPE_SECRET_KEY"))
		BaseURL:   ts.URL,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	svc, err := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-20260122-001", Name: "Cool T-Shirt 외 1건", Amount: 58990, Currency: payments.KRW}),
		Gateways: []payments.Gateway{gw},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	prep, err := svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-20260122-001", Gateway: "stripe", PaymentMethod: stripetest.PMVisa})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(prep.Attempt.Status, strings.HasPrefix(prep.Attempt.Reference, "pi_"))
	p, err := svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-20260122-001"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Status, p.Currency.Format(p.Amount))
	// Output:
	// ready true
	// paid ₩58,990
}

// ExampleGateway_Prepare creates a Stripe Checkout Session for an order
// and sends the customer to its hosted page.
func ExampleGateway_Prepare() {
	fake := stripetest.New(stripetest.Config{})
	defer fake.Close()
	ts := httptest.NewServer(fake)
	defer ts.Close()
	gw, err := stripe.New(stripe.Config{SecretKey: "sk_test_example", BaseURL: ts.URL})
	if err != nil {
		fmt.Println(err)
		return
	}
	ch, err := gw.Prepare(context.Background(), &payments.PrepareParams{
		IdempotencyKey: "checkout-ORD-1-1",
		Order:          payments.Order{Number: "ORD-1", Name: "Mug", Amount: 1234, Currency: payments.USD},
		GatewayOrderID: "ORD-1",
		SuccessURL:     "https://shop.example/paid?session_id={CHECKOUT_SESSION_ID}",
		CancelURL:      "https://shop.example/cart",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ch.Status, strings.HasPrefix(ch.Session, "cs_"), ch.RedirectURL != "", ch.Currency.Format(ch.Amount))
	// Output: ready true true $12.34
}

// gwHook calls fn before each request it forwards.
type gwHook struct {
	next http.RoundTripper
	fn   func(*http.Request)
}

func (h gwHook) RoundTrip(r *http.Request) (*http.Response, error) {
	h.fn(r)
	return h.next.RoundTrip(r)
}

// TestRetriesKeepTheKey: when the connection drops after Stripe acted, or
// Stripe answers 503 or a lock timeout, the request is retried with the
// same Idempotency-Key and the stateful fake replays the first result:
// one PaymentIntent, one confirm, one refund.
func TestRetriesKeepTheKey(t *testing.T) {
	t.Parallel()
	srv, ts := stripetest.NewTestServer(t, stripetest.Config{})
	var dropConfirm, failRefund sync.Once
	hook := gwHook{next: ts.Client().Transport, fn: func(r *http.Request) {
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/confirm"):
			dropConfirm.Do(func() { srv.DropAfterProcessing(1) })
		case r.Method == http.MethodPost && r.URL.Path == "/v1/refunds":
			failRefund.Do(func() { srv.FailNext(1, http.StatusServiceUnavailable, "api_error", "") })
		}
	}}
	g, err := stripe.New(stripe.Config{SecretKey: gwTestKey, BaseURL: ts.URL, HTTPClient: &http.Client{Transport: hook}})
	if err != nil {
		t.Fatal(err)
	}
	o := payments.Order{Number: "ORD-RETRY", Name: "Mug", Amount: 1234, Currency: payments.USD}

	srv.DropAfterProcessing(1)
	ref := gwIntent(t, g, o, "ORD-RETRY", stripetest.PMVisa)

	srv.FailNext(1, http.StatusTooManyRequests, "invalid_request_error", "lock_timeout") // the read before the confirm
	ch, err := g.Confirm(t.Context(), &payments.ConfirmParams{IdempotencyKey: "confirm-retry-key", OrderNumber: o.Number,
		Reference: ref, Amount: o.Amount, Currency: o.Currency})
	if err != nil || ch.Status != payments.StatusPaid {
		t.Fatalf("Confirm = %+v, %v; want paid after retries", ch, err)
	}

	res, err := g.Refund(t.Context(), &payments.RefundParams{IdempotencyKey: "rf_retry", OrderNumber: o.Number, Reference: ref,
		Amount: 234, Currency: o.Currency, Reason: "changed mind"})
	if err != nil || res.Status != payments.RefundSucceeded {
		t.Fatalf("Refund = %+v, %v", res, err)
	}

	wantKey := map[string]string{
		stripetest.OpCreatePaymentIntent:  "prepare-ORD-RETRY-" + stripetest.PMVisa,
		stripetest.OpConfirmPaymentIntent: "confirm-retry-key",
		stripetest.OpCreateRefund:         "rf_retry",
	}
	tries := map[string]int{}
	for _, c := range srv.Calls() {
		if c.Method != http.MethodPost {
			continue
		}
		tries[c.Op]++
		if c.IdempotencyKey != wantKey[c.Op] {
			t.Errorf("%s sent with Idempotency-Key %q, want %q", c.Op, c.IdempotencyKey, wantKey[c.Op])
		}
	}
	for op := range wantKey {
		if n := srv.Executed(op); n != 1 {
			t.Errorf("%s executed %d times, want 1", op, n)
		}
		if tries[op] < 2 {
			t.Errorf("%s sent %d times, want a retry", op, tries[op])
		}
	}
	got, err := g.Lookup(t.Context(), &payments.LookupParams{Reference: ref})
	if err != nil || got.RefundedAmount != 234 || got.Status != payments.StatusPartiallyRefunded {
		t.Errorf("Lookup = %+v, %v; want 234 refunded", got, err)
	}
}
