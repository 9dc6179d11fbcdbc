package stripetest_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/payments-go/payments/stripe/stripetest"
)

const testKey = "sk_test_stripetest123"

// newAPI starts a fake and a real stripe-go v76 client pointed at it.
func newAPI(t *testing.T, cfg stripetest.Config) (*stripetest.Server, *httptest.Server, *client.API) {
	t.Helper()
	srv, ts := stripetest.NewTestServer(t, cfg)
	return srv, ts, apiFor(ts.URL, testKey, 0)
}

func apiFor(url, key string, retries int64) *client.API {
	return client.New(key, stripego.NewBackendsWithConfig(&stripego.BackendConfig{
		URL:               stripego.String(url),
		LeveledLogger:     &stripego.LeveledLogger{Level: stripego.LevelNull},
		MaxNetworkRetries: stripego.Int64(retries),
		EnableTelemetry:   stripego.Bool(false),
	}))
}

// stripeErr asserts err is a *stripego.Error and returns it.
func stripeErr(t *testing.T, err error) *stripego.Error {
	t.Helper()
	var se *stripego.Error
	if !errors.As(err, &se) {
		t.Fatalf("error = %v (%T), want *stripego.Error", err, err)
	}
	return se
}

// errShape is the part of a *stripego.Error the tests compare.
type errShape struct {
	Status      int
	Type        stripego.ErrorType
	Code        stripego.ErrorCode
	DeclineCode stripego.DeclineCode
	Param       string
	Msg         string
}

func shapeOf(se *stripego.Error) errShape {
	return errShape{se.HTTPStatusCode, se.Type, se.Code, se.DeclineCode, se.Param, se.Msg}
}

// checkErr compares err with want; an empty want.Msg is not compared.
func checkErr(t *testing.T, err error, want errShape) *stripego.Error {
	t.Helper()
	se := stripeErr(t, err)
	got := shapeOf(se)
	if want.Msg == "" {
		got.Msg = ""
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("error mismatch (-want +got):\n%s\nfull error: %v", diff, se)
	}
	return se
}

// noRedirect is an http.Client that returns redirects instead of following.
func noRedirect() *http.Client {
	return &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// clock is a settable Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func orderSessionParams() *stripego.CheckoutSessionParams {
	return &stripego.CheckoutSessionParams{
		Mode:              stripego.String(string(stripego.CheckoutSessionModePayment)),
		SuccessURL:        stripego.String("https://shop.example/success?session_id={CHECKOUT_SESSION_ID}"),
		CancelURL:         stripego.String("https://shop.example/cancel?order=ORD-1"),
		ClientReferenceID: stripego.String("ORD-20260122-001"),
		Metadata:          map[string]string{"order_number": "ORD-20260122-001"},
		PaymentIntentData: &stripego.CheckoutSessionPaymentIntentDataParams{
			Metadata:    map[string]string{"order_number": "ORD-20260122-001"},
			Description: stripego.String("Cool T-Shirt and 1 more"),
		},
		LineItems: []*stripego.CheckoutSessionLineItemParams{
			{
				Quantity: stripego.Int64(1),
				PriceData: &stripego.CheckoutSessionLineItemPriceDataParams{
					Currency:    stripego.String("krw"),
					UnitAmount:  stripego.Int64(39000),
					ProductData: &stripego.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripego.String("Cool T-Shirt")},
				},
			},
			{
				Quantity: stripego.Int64(2),
				PriceData: &stripego.CheckoutSessionLineItemPriceDataParams{
					Currency:    stripego.String("krw"),
					UnitAmount:  stripego.Int64(9995),
					ProductData: &stripego.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripego.String("Socks"), Description: stripego.String("Striped")},
				},
			},
		},
	}
}

func hasPrefix(t *testing.T, what, s, prefix string) {
	t.Helper()
	if !strings.HasPrefix(s, prefix) {
		t.Errorf("%s = %q, want prefix %q", what, s, prefix)
	}
}

func asError(err error, target **stripetest.Error) bool { return errors.As(err, target) }
