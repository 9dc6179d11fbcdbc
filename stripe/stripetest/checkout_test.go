package stripetest_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments/stripe/stripetest"
)

// sessionView is what the tests compare of a decoded CheckoutSession.
type sessionView struct {
	Object            string
	Status            stripego.CheckoutSessionStatus
	PaymentStatus     stripego.CheckoutSessionPaymentStatus
	Mode              stripego.CheckoutSessionMode
	AmountTotal       int64
	AmountSubtotal    int64
	Currency          stripego.Currency
	ClientReferenceID string
	Metadata          map[string]string
	SuccessURL        string
	CancelURL         string
	Livemode          bool
	UIMode            stripego.CheckoutSessionUIMode
}

func viewSession(cs *stripego.CheckoutSession) sessionView {
	return sessionView{cs.Object, cs.Status, cs.PaymentStatus, cs.Mode, cs.AmountTotal, cs.AmountSubtotal, cs.Currency,
		cs.ClientReferenceID, cs.Metadata, cs.SuccessURL, cs.CancelURL, cs.Livemode, cs.UIMode}
}

func TestCheckoutSessionCreateGetExpire(t *testing.T) {
	now := time.Date(2026, 1, 22, 9, 0, 0, 0, time.UTC)
	clk := &clock{t: now}
	srv, ts, api := newAPI(t, stripetest.Config{Now: clk.Now})

	cs, err := api.CheckoutSessions.New(orderSessionParams())
	if err != nil {
		t.Fatal(err)
	}
	want := sessionView{
		Object: "checkout.session", Status: "open", PaymentStatus: "unpaid", Mode: "payment",
		AmountTotal: 58990, AmountSubtotal: 58990, Currency: "krw", ClientReferenceID: "ORD-20260122-001",
		Metadata:   map[string]string{"order_number": "ORD-20260122-001"},
		SuccessURL: "https://shop.example/success?session_id={CHECKOUT_SESSION_ID}",
		CancelURL:  "https://shop.example/cancel?order=ORD-1", UIMode: "hosted",
	}
	if diff := cmp.Diff(want, viewSession(cs)); diff != "" {
		t.Errorf("created session (-want +got):\n%s", diff)
	}
	hasPrefix(t, "ID", cs.ID, "cs_test_")
	if got, want := cs.URL, ts.URL+"/sandbox/checkout/"+cs.ID; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	if cs.Created != now.Unix() || cs.ExpiresAt != now.Add(24*time.Hour).Unix() {
		t.Errorf("Created, ExpiresAt = %d, %d; want %d, %d", cs.Created, cs.ExpiresAt, now.Unix(), now.Add(24*time.Hour).Unix())
	}
	if cs.PaymentIntent != nil {
		t.Errorf("PaymentIntent = %+v before payment, want nil (API >= 2022-08-01)", cs.PaymentIntent)
	}

	params := &stripego.CheckoutSessionParams{}
	params.AddExpand("line_items")
	got, err := api.CheckoutSessions.Get(cs.ID, params)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, viewSession(got)); diff != "" {
		t.Errorf("retrieved session (-want +got):\n%s", diff)
	}
	type item struct {
		Desc              string
		Qty, Unit, Amount int64
	}
	var items []item
	for _, li := range got.LineItems.Data {
		items = append(items, item{li.Description, li.Quantity, li.Price.UnitAmount, li.AmountTotal})
	}
	if diff := cmp.Diff([]item{{"Cool T-Shirt", 1, 39000, 39000}, {"Socks", 2, 9995, 19990}}, items); diff != "" {
		t.Errorf("line items (-want +got):\n%s", diff)
	}

	exp, err := api.CheckoutSessions.Expire(cs.ID, &stripego.CheckoutSessionExpireParams{})
	if err != nil {
		t.Fatal(err)
	}
	if exp.Status != stripego.CheckoutSessionStatusExpired || exp.URL != "" {
		t.Errorf("after expire: status %q url %q, want expired and no url", exp.Status, exp.URL)
	}
	_, err = api.CheckoutSessions.Expire(cs.ID, &stripego.CheckoutSessionExpireParams{})
	checkErr(t, err, errShape{Status: 400, Type: "invalid_request_error",
		Msg: `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "expired".`})

	_, err = api.CheckoutSessions.Get("cs_test_nope", nil)
	se := checkErr(t, err, errShape{Status: 404, Type: "invalid_request_error", Code: "resource_missing", Param: "id",
		Msg: "No such checkout.session: 'cs_test_nope'"})
	if se.DocURL != "https://stripe.com/docs/error-codes/resource-missing" || se.RequestID == "" {
		t.Errorf("DocURL %q RequestID %q", se.DocURL, se.RequestID)
	}

	var types []string
	for _, e := range srv.Events() {
		types = append(types, e.Type)
	}
	if diff := cmp.Diff([]string{"checkout.session.expired"}, types); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestCheckoutSessionValidation(t *testing.T) {
	_, _, api := newAPI(t, stripetest.Config{})
	tests := []struct {
		name   string
		mutate func(p *stripego.CheckoutSessionParams)
		want   errShape
	}{
		{"no mode", func(p *stripego.CheckoutSessionParams) { p.Mode = nil },
			errShape{Status: 400, Type: "invalid_request_error", Code: "parameter_missing", Param: "mode", Msg: "Missing required param: mode."}},
		{"bad mode", func(p *stripego.CheckoutSessionParams) { p.Mode = stripego.String("bogus") },
			errShape{Status: 400, Type: "invalid_request_error", Param: "mode", Msg: "Invalid mode: must be one of payment, setup, or subscription"}},
		{"no success_url", func(p *stripego.CheckoutSessionParams) { p.SuccessURL = nil },
			errShape{Status: 400, Type: "invalid_request_error", Code: "parameter_missing", Param: "success_url"}},
		{"bad success_url", func(p *stripego.CheckoutSessionParams) { p.SuccessURL = stripego.String("not a url") },
			errShape{Status: 400, Type: "invalid_request_error", Code: "url_invalid", Param: "success_url"}},
		{"no line items", func(p *stripego.CheckoutSessionParams) { p.LineItems = nil },
			errShape{Status: 400, Type: "invalid_request_error", Code: "parameter_missing", Param: "line_items"}},
		{"no quantity", func(p *stripego.CheckoutSessionParams) { p.LineItems[1].Quantity = nil },
			errShape{Status: 400, Type: "invalid_request_error", Code: "parameter_missing", Param: "line_items[1][quantity]"}},
		{"no product name", func(p *stripego.CheckoutSessionParams) { p.LineItems[1].PriceData.ProductData.Name = nil },
			errShape{Status: 400, Type: "invalid_request_error", Code: "parameter_missing", Param: "line_items[1][price_data][product_data][name]"}},
		{"no product data", func(p *stripego.CheckoutSessionParams) { p.LineItems[0].PriceData.ProductData = nil },
			errShape{Status: 400, Type: "invalid_request_error", Code: "parameter_missing", Param: "line_items[0][price_data][product_data]"}},
		{"mixed currencies", func(p *stripego.CheckoutSessionParams) { p.LineItems[1].PriceData.Currency = stripego.String("usd") },
			errShape{Status: 400, Type: "invalid_request_error", Param: "line_items[1][price_data][currency]"}},
		{"unknown price", func(p *stripego.CheckoutSessionParams) {
			p.LineItems[0].PriceData = nil
			p.LineItems[0].Price = stripego.String("price_123")
		}, errShape{Status: 404, Type: "invalid_request_error", Code: "resource_missing", Param: "line_items[0][price]", Msg: "No such price: 'price_123'"}},
		{"unknown parameter", func(p *stripego.CheckoutSessionParams) { p.AddExtra("bogus_param", "1") },
			errShape{Status: 400, Type: "invalid_request_error", Code: "parameter_unknown", Param: "bogus_param", Msg: "Received unknown parameter: bogus_param"}},
		{"embedded ui", func(p *stripego.CheckoutSessionParams) { p.UIMode = stripego.String("embedded") },
			errShape{Status: 400, Type: "invalid_request_error", Param: "ui_mode"}},
		{"bad ui_mode", func(p *stripego.CheckoutSessionParams) { p.UIMode = stripego.String("hosted_page") },
			errShape{Status: 400, Type: "invalid_request_error", Param: "ui_mode", Msg: "Invalid ui_mode: must be one of embedded or hosted"}},
		{"bad expand", func(p *stripego.CheckoutSessionParams) { p.AddExpand("customer") },
			errShape{Status: 400, Type: "invalid_request_error", Param: "expand", Msg: "This property cannot be expanded (customer)."}},
		{"too small usd", func(p *stripego.CheckoutSessionParams) {
			p.LineItems = p.LineItems[:1]
			p.LineItems[0].PriceData.Currency = stripego.String("usd")
			p.LineItems[0].PriceData.UnitAmount = stripego.Int64(10)
		}, errShape{Status: 400, Type: "invalid_request_error", Code: "amount_too_small", Param: "line_items"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := orderSessionParams()
			tt.mutate(p)
			_, err := api.CheckoutSessions.New(p)
			checkErr(t, err, tt.want)
		})
	}

	t.Run("ui_mode hosted accepted", func(t *testing.T) {
		p := orderSessionParams()
		p.UIMode = stripego.String("hosted")
		if _, err := api.CheckoutSessions.New(p); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCheckoutSessionExpiresByClock(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 22, 9, 0, 0, 0, time.UTC)}
	srv, _, api := newAPI(t, stripetest.Config{Now: clk.Now})
	p := orderSessionParams()
	p.ExpiresAt = stripego.Int64(clk.Now().Add(time.Hour).Unix())
	cs, err := api.CheckoutSessions.New(p)
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Hour)
	got, err := api.CheckoutSessions.Get(cs.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != stripego.CheckoutSessionStatusExpired {
		t.Errorf("status = %q, want expired", got.Status)
	}
	if err := srv.CompleteSession(cs.ID, stripetest.PMVisa); err == nil {
		t.Error("CompleteSession on an expired session succeeded")
	}
	if n := len(srv.Events()); n != 1 {
		t.Errorf("%d events, want 1 (checkout.session.expired)", n)
	}
}

func TestCheckoutCompleteSessionControl(t *testing.T) {
	srv, _, api := newAPI(t, stripetest.Config{})
	cs, err := api.CheckoutSessions.New(orderSessionParams())
	if err != nil {
		t.Fatal(err)
	}

	err = srv.CompleteSession(cs.ID, stripetest.PMDeclined)
	var fe *stripetest.Error
	if !asError(err, &fe) || fe.HTTPStatus != 402 || fe.DeclineCode != "generic_decline" {
		t.Fatalf("CompleteSession(declined) = %v, want 402 generic_decline", err)
	}
	if err := srv.CompleteSession(cs.ID, stripetest.PMVisa); err != nil {
		t.Fatal(err)
	}
	params := &stripego.CheckoutSessionParams{}
	params.AddExpand("payment_intent")
	got, err := api.CheckoutSessions.Get(cs.ID, params)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "complete" || got.PaymentStatus != "paid" || got.URL != "" {
		t.Errorf("session status %q/%q url %q, want complete/paid and no url", got.Status, got.PaymentStatus, got.URL)
	}
	pi := got.PaymentIntent
	if pi == nil || pi.Status != stripego.PaymentIntentStatusSucceeded {
		t.Fatalf("expanded payment_intent = %+v, want succeeded", pi)
	}
	type piView struct {
		Amount, Received int64
		Currency         stripego.Currency
		Metadata         map[string]string
		Description      string
	}
	if diff := cmp.Diff(piView{58990, 58990, "krw", map[string]string{"order_number": "ORD-20260122-001"}, "Cool T-Shirt and 1 more"},
		piView{pi.Amount, pi.AmountReceived, pi.Currency, pi.Metadata, pi.Description}); diff != "" {
		t.Errorf("payment intent (-want +got):\n%s", diff)
	}
	// The declined attempt and the successful one share one PaymentIntent,
	// as Checkout reuses it.
	plain, err := api.CheckoutSessions.Get(cs.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if plain.PaymentIntent == nil || plain.PaymentIntent.ID != pi.ID || plain.PaymentIntent.Status != "" {
		t.Errorf("unexpanded payment_intent = %+v, want only the id %s", plain.PaymentIntent, pi.ID)
	}
	if err := srv.ExpireSession(cs.ID); err == nil {
		t.Error("ExpireSession on a complete session succeeded")
	}
}

func TestHostedCheckoutPage(t *testing.T) {
	srv, ts, api := newAPI(t, stripetest.Config{})
	hc := noRedirect()

	t.Run("pay", func(t *testing.T) {
		cs, err := api.CheckoutSessions.New(orderSessionParams())
		if err != nil {
			t.Fatal(err)
		}
		body := getPage(t, hc, cs.URL, http.StatusOK)
		for _, want := range []string{"Cool T-Shirt", "Socks", "₩58,990", "₩9,995", "Qty 2", `name="card"`, "Cancel"} {
			if !strings.Contains(body, want) {
				t.Errorf("checkout page lacks %q", want)
			}
		}
		res := postForm(t, hc, cs.URL, url.Values{"action": {"pay"}, "card": {"visa"}})
		if got, want := res.Header.Get("Location"), "https://shop.example/success?session_id="+cs.ID; res.StatusCode != http.StatusSeeOther || got != want {
			t.Errorf("pay: %d Location %q, want 303 %q", res.StatusCode, got, want)
		}
		got, err := api.CheckoutSessions.Get(cs.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != "complete" || got.PaymentStatus != "paid" {
			t.Errorf("status %q/%q", got.Status, got.PaymentStatus)
		}
		if body := getPage(t, hc, cs.URL, http.StatusOK); !strings.Contains(body, "This payment is complete") {
			t.Errorf("page after payment does not say complete")
		}
	})

	t.Run("cancel", func(t *testing.T) {
		cs, err := api.CheckoutSessions.New(orderSessionParams())
		if err != nil {
			t.Fatal(err)
		}
		res := postForm(t, hc, cs.URL, url.Values{"action": {"cancel"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "https://shop.example/cancel?order=ORD-1" {
			t.Errorf("cancel: %d Location %q", res.StatusCode, res.Header.Get("Location"))
		}
		got, err := api.CheckoutSessions.Get(cs.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != "open" {
			t.Errorf("status after cancel = %q, want open", got.Status)
		}
	})

	t.Run("declined then 3DS", func(t *testing.T) {
		cs, err := api.CheckoutSessions.New(orderSessionParams())
		if err != nil {
			t.Fatal(err)
		}
		res := postForm(t, hc, cs.URL, url.Values{"action": {"pay"}, "card": {"insufficient"}})
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusPaymentRequired || !strings.Contains(string(b), "Your card has insufficient funds.") {
			t.Errorf("declined: %d, page lacks the decline message", res.StatusCode)
		}
		res = postForm(t, hc, cs.URL, url.Values{"action": {"pay"}, "card": {"3ds"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("3ds: status %d, want 303", res.StatusCode)
		}
		authURL := resolve(t, cs.URL, res.Header.Get("Location"))
		hasPrefix(t, "3DS URL", authURL, ts.URL+"/sandbox/3ds/payatt_")
		if body := getPage(t, hc, authURL, http.StatusOK); !strings.Contains(body, "Complete authentication") {
			t.Error("3DS page lacks the complete button")
		}
		res = postForm(t, hc, authURL, url.Values{"action": {"complete"}})
		if got, want := res.Header.Get("Location"), "https://shop.example/success?session_id="+cs.ID; res.StatusCode != http.StatusSeeOther || got != want {
			t.Errorf("after 3DS: %d Location %q, want 303 %q", res.StatusCode, got, want)
		}
		got, err := api.CheckoutSessions.Get(cs.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != "complete" || got.PaymentStatus != "paid" {
			t.Errorf("status %q/%q, want complete/paid", got.Status, got.PaymentStatus)
		}
	})

	t.Run("3DS failed returns to checkout", func(t *testing.T) {
		cs, err := api.CheckoutSessions.New(orderSessionParams())
		if err != nil {
			t.Fatal(err)
		}
		res := postForm(t, hc, cs.URL, url.Values{"action": {"pay"}, "card": {"3ds"}})
		authURL := resolve(t, cs.URL, res.Header.Get("Location"))
		res = postForm(t, hc, authURL, url.Values{"action": {"fail"}})
		if got := resolve(t, authURL, res.Header.Get("Location")); got != cs.URL {
			t.Errorf("after failed 3DS Location resolves to %q, want %q", got, cs.URL)
		}
		if body := getPage(t, hc, cs.URL, http.StatusOK); !strings.Contains(body, "unable to authenticate") {
			t.Error("checkout page does not show the authentication failure")
		}
	})

	t.Run("unknown session", func(t *testing.T) {
		getPage(t, hc, ts.URL+"/sandbox/checkout/cs_test_nope", http.StatusNotFound)
	})
	_ = srv
}

func getPage(t *testing.T, hc *http.Client, u string, wantStatus int) string {
	t.Helper()
	res, err := hc.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != wantStatus {
		t.Errorf("GET %s: status %d, want %d", u, res.StatusCode, wantStatus)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("GET %s: Content-Type %q", u, ct)
	}
	return string(b)
}

func postForm(t *testing.T, hc *http.Client, u string, form url.Values) *http.Response {
	t.Helper()
	res, err := hc.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func resolve(t *testing.T, base, ref string) string {
	t.Helper()
	b, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	r, err := url.Parse(ref)
	if err != nil {
		t.Fatal(err)
	}
	return b.ResolveReference(r).String()
}
