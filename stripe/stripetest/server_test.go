package stripetest_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments/stripe/stripetest"
)

func TestIdempotency(t *testing.T) {
	srv, ts, api := newAPI(t, stripetest.Config{})

	newPI := func(key string, amount int64) (*stripego.PaymentIntent, error) {
		p := piParams(stripetest.PMVisa, true)
		p.Amount = stripego.Int64(amount)
		p.SetIdempotencyKey(key)
		return api.PaymentIntents.New(p)
	}
	first, err := newPI("order:ORD-1:pay:1", 58990)
	if err != nil {
		t.Fatal(err)
	}
	again, err := newPI("order:ORD-1:pay:1", 58990)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID {
		t.Errorf("replay returned %s, want %s", again.ID, first.ID)
	}
	if h := again.LastResponse.Header.Get("Idempotent-Replayed"); h != "true" {
		t.Errorf("Idempotent-Replayed = %q, want true", h)
	}
	if first.LastResponse.Header.Get("Idempotent-Replayed") != "" {
		t.Error("first response marked as replayed")
	}
	if again.LastResponse.IdempotencyKey != "order:ORD-1:pay:1" {
		t.Errorf("echoed Idempotency-Key = %q", again.LastResponse.IdempotencyKey)
	}
	if n := srv.Executed(stripetest.OpCreatePaymentIntent); n != 1 {
		t.Errorf("Executed(create PI) = %d, want 1", n)
	}

	_, err = newPI("order:ORD-1:pay:1", 1000)
	se := checkErr(t, err, errShape{Status: 400, Type: "idempotency_error"})
	var ie *stripego.IdempotencyError
	if !errors.As(err, &ie) || !strings.Contains(se.Msg, "same parameters") {
		t.Errorf("mismatch error = %v, want *stripego.IdempotencyError about parameters", err)
	}

	// The same key on another endpoint.
	rp := &stripego.RefundParams{PaymentIntent: stripego.String(first.ID)}
	rp.SetIdempotencyKey("order:ORD-1:pay:1")
	_, err = api.Refunds.New(rp)
	checkErr(t, err, errShape{Status: 400, Type: "idempotency_error"})

	// Keys are scoped per API key.
	other := apiFor(ts.URL, "sk_test_another_account", 0)
	p := piParams(stripetest.PMVisa, true)
	p.SetIdempotencyKey("order:ORD-1:pay:1")
	o, err := other.PaymentIntents.New(p)
	if err != nil {
		t.Fatal(err)
	}
	if o.ID == first.ID {
		t.Error("a different API key replayed the first key's response")
	}

	// Card declines are executed and replayed too.
	dp := piParams(stripetest.PMDeclined, true)
	dp.SetIdempotencyKey("order:ORD-2:pay:1")
	_, err1 := api.PaymentIntents.New(dp)
	_, err2 := api.PaymentIntents.New(dp)
	e1, e2 := stripeErr(t, err1), stripeErr(t, err2)
	if e1.PaymentIntent == nil || e2.PaymentIntent == nil || e1.PaymentIntent.ID != e2.PaymentIntent.ID || e2.HTTPStatusCode != 402 {
		t.Errorf("declined replay: %v / %v", e1, e2)
	}

	// Validation failures are not stored: the key can be used again.
	bad := piParams(stripetest.PMVisa, true)
	bad.Amount = nil
	bad.SetIdempotencyKey("order:ORD-3:pay:1")
	if _, err := api.PaymentIntents.New(bad); err == nil {
		t.Fatal("missing amount accepted")
	}
	good := piParams(stripetest.PMVisa, true)
	good.SetIdempotencyKey("order:ORD-3:pay:1")
	if _, err := api.PaymentIntents.New(good); err != nil {
		t.Errorf("key reused after a validation failure: %v", err)
	}
}

func TestIdempotencyConcurrent(t *testing.T) {
	srv, _, api := newAPI(t, stripetest.Config{})
	const n = 16
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := piParams(stripetest.PMVisa, true)
			p.SetIdempotencyKey("same-key")
			pi, err := api.PaymentIntents.New(p)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = pi.ID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent requests with one key created %v", ids)
		}
	}
	if got := srv.Executed(stripetest.OpCreatePaymentIntent); got != 1 {
		t.Errorf("Executed = %d, want 1", got)
	}
}

func TestDropAfterProcessingRetryReplays(t *testing.T) {
	srv, ts := stripetest.NewTestServer(t, stripetest.Config{})
	api := apiFor(ts.URL, testKey, 1)
	srv.DropAfterProcessing(1)
	pi, err := api.PaymentIntents.New(piParams(stripetest.PMVisa, true)) // stripe-go adds an idempotency key
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != "succeeded" {
		t.Errorf("status %q", pi.Status)
	}
	if n := srv.Executed(stripetest.OpCreatePaymentIntent); n != 1 {
		t.Errorf("Executed = %d, want 1", n)
	}
	calls := srv.Calls()
	type flags struct{ Dropped, Replayed bool }
	var got []flags
	for _, c := range calls {
		got = append(got, flags{c.Dropped, c.Replayed})
	}
	if diff := cmp.Diff([]flags{{Dropped: true}, {Replayed: true}}, got); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if calls[0].IdempotencyKey == "" || calls[0].IdempotencyKey != calls[1].IdempotencyKey {
		t.Errorf("idempotency keys %q, %q", calls[0].IdempotencyKey, calls[1].IdempotencyKey)
	}
}

func TestFailNext(t *testing.T) {
	srv, ts, api := newAPI(t, stripetest.Config{})
	srv.FailNext(1, 503, "api_error", "")
	_, err := api.PaymentIntents.New(piParams(stripetest.PMVisa, true))
	checkErr(t, err, errShape{Status: 503, Type: "api_error"})
	if _, err := api.PaymentIntents.New(piParams(stripetest.PMVisa, true)); err != nil {
		t.Fatalf("request after the injected failure: %v", err)
	}

	// stripe-go retries a 429 lock_timeout with the same key; the retry runs.
	srv.FailNext(1, 429, "invalid_request_error", "lock_timeout")
	retrying := apiFor(ts.URL, testKey, 1)
	p := piParams(stripetest.PMVisa, true)
	p.SetIdempotencyKey("retry-me")
	if _, err := retrying.PaymentIntents.New(p); err != nil {
		t.Fatal(err)
	}
	srv.FailNext(1, 429, "invalid_request_error", "rate_limit")
	_, err = api.Refunds.Get("re_x", nil)
	checkErr(t, err, errShape{Status: 429, Type: "invalid_request_error", Code: "rate_limit"})
	if n := srv.Executed(stripetest.OpCreatePaymentIntent); n != 2 {
		t.Errorf("Executed = %d, want 2", n)
	}
	var injected int
	for _, c := range srv.Calls() {
		if c.Injected {
			injected++
		}
	}
	if injected != 3 {
		t.Errorf("%d injected calls logged, want 3", injected)
	}
}

func TestAuthentication(t *testing.T) {
	_, ts := stripetest.NewTestServer(t, stripetest.Config{APIKeys: []string{"sk_test_only_this_one"}})

	res, err := http.Post(ts.URL+"/v1/payment_intents", "application/x-www-form-urlencoded", strings.NewReader("amount=100&currency=usd"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Error map[string]any `json:"error"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 401 || body.Error["type"] != "invalid_request_error" || !strings.HasPrefix(body.Error["message"].(string), "You did not provide an API key.") {
		t.Errorf("no key: %d %v", res.StatusCode, body)
	}

	for _, key := range []string{"sk_test_wrong_key_1234", "sk_live_whatever_9999"} {
		_, err := apiFor(ts.URL, key, 0).PaymentIntents.Get("pi_x", nil)
		se := checkErr(t, err, errShape{Status: 401, Type: "invalid_request_error"})
		if strings.Contains(se.Msg, key) || !strings.HasPrefix(se.Msg, "Invalid API Key provided: sk_") {
			t.Errorf("401 message %q leaks the key or has the wrong shape", se.Msg)
		}
	}
	if _, err := apiFor(ts.URL, "sk_test_only_this_one", 0).PaymentIntents.Get("pi_x", nil); stripeErr(t, err).HTTPStatusCode != 404 {
		t.Errorf("configured key: %v, want 404 for the unknown id", err)
	}

	// Default: any sk_test_ key.
	_, ts2 := stripetest.NewTestServer(t, stripetest.Config{})
	_, err = apiFor(ts2.URL, "sk_live_abcdefgh12345", 0).PaymentIntents.Get("pi_x", nil)
	checkErr(t, err, errShape{Status: 401, Type: "invalid_request_error"})
}

func TestUnknownRouteAndParams(t *testing.T) {
	srv, ts, api := newAPI(t, stripetest.Config{})
	for _, tt := range []struct{ method, path, body, wantMsg string }{
		{"GET", "/v1/customers", "", "Unrecognized request URL (GET: /v1/customers)"},
		{"DELETE", "/v1/payment_intents/pi_x", "", "Unrecognized request URL (DELETE: /v1/payment_intents/pi_x)"},
		{"POST", "/v1/payment_intents", "amount=100&currency=usd&bogus[x]=1", "Received unknown parameter: bogus"},
		{"POST", "/v1/payment_intents", "amount=ten&currency=usd", "Invalid integer: ten"},
		{"POST", "/v1/payment_intents", "amount=100&amount[x]=1&currency=usd", "conflicts with another parameter"},
		{"POST", "/v1/payment_intents", "amount=%zz", "not valid form encoding"},
		{"POST", "/v1/payment_intents", "amount=100&currency=usd&confirm=maybe", "Invalid boolean: maybe"},
		{"GET", "/v1/payment_intents/pi_x?expand[0]=customer", "", "This property cannot be expanded (customer)."},
	} {
		req, _ := http.NewRequest(tt.method, ts.URL+tt.path, strings.NewReader(tt.body))
		req.Header.Set("Authorization", "Bearer "+testKey)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		wantStatus := 400
		if strings.HasPrefix(tt.wantMsg, "Unrecognized") {
			wantStatus = 404
		}
		if res.StatusCode != wantStatus || !strings.Contains(string(b), tt.wantMsg) || res.Header.Get("Request-Id") == "" {
			t.Errorf("%s %s %q: %d %s", tt.method, tt.path, tt.body, res.StatusCode, b)
		}
	}

	// The request log records decoded parameters under their wire names.
	if _, err := api.PaymentIntents.New(piParams(stripetest.PMVisa, false)); err != nil {
		t.Fatal(err)
	}
	calls := srv.Calls()
	last := calls[len(calls)-1]
	if last.Op != stripetest.OpCreatePaymentIntent || last.Status != 200 || last.Form.Get("metadata[order_number]") != "ORD-1" || last.Form.Get("amount") != "58990" {
		t.Errorf("last call = %+v", last)
	}
}

func TestExpandBothForms(t *testing.T) {
	srv, ts, api := newAPI(t, stripetest.Config{})
	cs, err := api.CheckoutSessions.New(orderSessionParams())
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.CompleteSession(cs.ID, stripetest.PMVisa); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"expand[]=payment_intent", "expand[0]=payment_intent", "expand[]=payment_intent.latest_charge"} {
		req, _ := http.NewRequest("GET", ts.URL+"/v1/checkout/sessions/"+cs.ID+"?"+q, nil)
		req.SetBasicAuth(testKey, "")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var got stripego.CheckoutSession
		err = json.NewDecoder(res.Body).Decode(&got)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got.PaymentIntent == nil || got.PaymentIntent.Status != "succeeded" {
			t.Errorf("%s: payment_intent = %+v, want the expanded object", q, got.PaymentIntent)
		}
		if strings.HasSuffix(q, "latest_charge") && (got.PaymentIntent.LatestCharge == nil || got.PaymentIntent.LatestCharge.Status != "succeeded") {
			t.Errorf("%s: latest_charge not expanded", q)
		}
	}
}

// TestInProcessUnderPrefix mounts the server under a path prefix, as the
// example shop does, and checks that hosted links carry the prefix.
func TestInProcessUnderPrefix(t *testing.T) {
	mux := http.NewServeMux()
	ts := httptest.NewServer(mux)
	defer ts.Close()
	srv := stripetest.New(stripetest.Config{PublicURL: ts.URL + "/stripe/"})
	defer srv.Close()
	mux.Handle("/stripe/", http.StripPrefix("/stripe", srv))

	api := apiFor(ts.URL+"/stripe", testKey, 0)
	cs, err := api.CheckoutSessions.New(orderSessionParams())
	if err != nil {
		t.Fatal(err)
	}
	hasPrefix(t, "URL", cs.URL, ts.URL+"/stripe/sandbox/checkout/cs_test_")
	hc := noRedirect()
	getPage(t, hc, cs.URL, http.StatusOK)
	res := postForm(t, hc, cs.URL, map[string][]string{"action": {"pay"}, "card": {"3ds"}})
	auth := resolve(t, cs.URL, res.Header.Get("Location"))
	hasPrefix(t, "3DS page", auth, ts.URL+"/stripe/sandbox/3ds/")
	getPage(t, hc, auth, http.StatusOK)
	res = postForm(t, hc, auth, map[string][]string{"action": {"complete"}})
	if res.Header.Get("Location") != "https://shop.example/success?session_id="+cs.ID {
		t.Errorf("Location %q", res.Header.Get("Location"))
	}
}

func TestNewPanicsOnRelativePublicURL(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New accepted a relative PublicURL")
		}
	}()
	stripetest.New(stripetest.Config{PublicURL: "/stripe"})
}
