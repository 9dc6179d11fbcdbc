package tosstest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func window() PaymentWindow {
	return PaymentWindow{
		ClientKey: "test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq", Method: "CARD", Amount: 58990,
		OrderID: "ORD-20260122-001", OrderName: "Cool T-Shirt 외 1건",
		SuccessURL: "http://shop.example/toss/success?lang=ko", FailURL: "https://shop.example/toss/fail",
	}
}

// noRedirect is a client that shows redirects instead of following them.
func noRedirect() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, rawURL string) (int, http.Header, string) {
	t.Helper()
	resp, err := noRedirect().Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func post(t *testing.T, rawURL string, form url.Values) (int, http.Header, string) {
	t.Helper()
	resp, err := noRedirect().PostForm(rawURL, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// The window page shows the order, HTML-escaped, changes
// nothing, and offers approve/decline/cancel as POST forms.
func TestSandboxPage(t *testing.T) {
	f := newFixture(t, Config{})
	w := window()
	w.OrderName = `<script>alert("x")</script> 티셔츠`
	status, hdr, body := get(t, f.s.PaymentWindowURL(w))
	if status != 200 || hdr.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("%d %s", status, hdr.Get("Content-Type"))
	}
	for _, want := range []string{`<form method="post" action="` + f.ts.URL + `/sandbox/pay">`, `value="approve"`, `value="decline"`,
		`value="cancel"`, "58,990원", "&lt;script&gt;", `name="viewport"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script>", "http://cdn", "https://cdn", "<link", "src="} {
		if strings.Contains(body, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	if !strings.Contains(hdr.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("CSP %q", hdr.Get("Content-Security-Policy"))
	}
	// A GET with action=approve (a prefetch) approves nothing.
	q := w.Query()
	q.Set("action", "approve")
	if status, _, _ := get(t, f.ts.URL+"/sandbox/pay?"+q.Encode()); status != 200 {
		t.Errorf("GET with action: %d", status)
	}
	if _, ok := f.s.Payment(w.OrderID); ok {
		t.Error("GET created a payment")
	}
}

// Invalid window requests are refused with the documented codes.
func TestSandboxPageErrors(t *testing.T) {
	f := newFixture(t, Config{})
	tests := []struct {
		name   string
		change func(*PaymentWindow)
		code   string
	}{
		{"no client key", func(w *PaymentWindow) { w.ClientKey = "" }, "INVALID_CLIENT_KEY"},
		{"secret key as client key", func(w *PaymentWindow) { w.ClientKey = testKey }, "UNAUTHORIZED_KEY"},
		{"no successUrl", func(w *PaymentWindow) { w.SuccessURL = "" }, "INVALID_SUCCESS_URL"},
		{"relative successUrl", func(w *PaymentWindow) { w.SuccessURL = "/success" }, "INCORRECT_SUCCESS_URL_FORMAT"},
		{"javascript successUrl", func(w *PaymentWindow) { w.SuccessURL = "javascript:alert(1)" }, "INCORRECT_SUCCESS_URL_FORMAT"},
		{"no failUrl", func(w *PaymentWindow) { w.FailURL = "" }, "INCORRECT_FAIL_URL_FORMAT"},
		{"ftp failUrl", func(w *PaymentWindow) { w.FailURL = "ftp://x/fail" }, "INCORRECT_FAIL_URL_FORMAT"},
		{"bad orderId", func(w *PaymentWindow) { w.OrderID = "주문1234567" }, "INVALID_ORDER_ID"},
		{"long orderName", func(w *PaymentWindow) { w.OrderName = strings.Repeat("가", 101) }, "INVALID_ORDER_NAME"},
		{"card under 100", func(w *PaymentWindow) { w.Amount = 99 }, "BELOW_MINIMUM_AMOUNT"},
		{"transfer under 200", func(w *PaymentWindow) { w.Method, w.Amount = "TRANSFER", 199 }, "BELOW_MINIMUM_AMOUNT"},
		{"transfer over 10M", func(w *PaymentWindow) { w.Method, w.Amount = "TRANSFER", 10_000_001 }, "EXCEEDS_TRANSFER_AMOUNT_MAXIMUM"},
		{"zero amount", func(w *PaymentWindow) { w.Amount = 0 }, "BELOW_ZERO_AMOUNT"},
		{"USD", func(w *PaymentWindow) { w.Currency = "USD" }, "INVALID_CURRENCY"},
		{"unknown method", func(w *PaymentWindow) { w.Method = "CASH" }, "NOT_SUPPORTED_METHOD"},
		{"unknown wallet", func(w *PaymentWindow) { w.EasyPay = "FOOPAY" }, "INVALID_EASY_PAY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := window()
			tt.change(&w)
			e, _ := ErrorFor(tt.code)
			status, _, body := get(t, f.s.PaymentWindowURL(w))
			if status != e.Status || !strings.Contains(body, tt.code) {
				t.Errorf("GET: %d, want %d %s", status, e.Status, tt.code)
			}
			form := w.Query()
			form.Set("action", "approve")
			if status, _, body := post(t, f.ts.URL+"/sandbox/pay", form); status != e.Status || !strings.Contains(body, tt.code) {
				t.Errorf("POST: %d, want %d %s", status, e.Status, tt.code)
			}
		})
	}
	t.Run("configured client key", func(t *testing.T) {
		f := newFixture(t, Config{ClientKey: "test_ck_mine"})
		if status, _, _ := get(t, f.s.PaymentWindowURL(window())); status != 401 {
			t.Errorf("other client key: %d", status)
		}
		w := window()
		w.ClientKey = "test_ck_mine"
		if status, _, _ := get(t, f.s.PaymentWindowURL(w)); status != 200 {
			t.Errorf("own client key: %d", status)
		}
	})
}

// Approve redirects (303) to successUrl with paymentType, orderId,
// paymentKey and amount, keeping successUrl's own query; decline and cancel
// go to failUrl with code, message and orderId.
func TestSandboxSubmit(t *testing.T) {
	f := newFixture(t, Config{})
	w := window()
	submit := func(action string) *url.URL {
		t.Helper()
		form := w.Query()
		form.Set("action", action)
		status, hdr, body := post(t, f.ts.URL+"/sandbox/pay", form)
		if status != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", action, status, body)
		}
		u, err := url.Parse(hdr.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		return u
	}

	for action, code := range map[string]string{"decline": "REJECT_CARD_COMPANY", "cancel": "PAY_PROCESS_CANCELED"} {
		u := submit(action)
		e, _ := ErrorFor(code)
		q := u.Query()
		if u.Scheme+"://"+u.Host+u.Path != w.FailURL || q.Get("code") != code || q.Get("message") != e.Message || q.Get("orderId") != w.OrderID {
			t.Errorf("%s → %s", action, u)
		}
	}
	if _, ok := f.s.Payment(w.OrderID); ok {
		t.Error("decline/cancel created a payment")
	}

	u := submit("approve")
	q := u.Query()
	if u.Scheme+"://"+u.Host+u.Path != "http://shop.example/toss/success" || q.Get("lang") != "ko" ||
		q.Get("paymentType") != "NORMAL" || q.Get("orderId") != w.OrderID || q.Get("amount") != "58990" {
		t.Fatalf("approve → %s", u)
	}
	key := q.Get("paymentKey")
	p, ok := f.s.Payment(key)
	if !ok || p.Status != StatusInProgress || p.OrderName != w.OrderName {
		t.Fatalf("payment %+v", p)
	}
	if status, body := f.confirm(key, w.OrderID, 58990); status != 200 {
		t.Fatalf("confirm: %d %s", status, body)
	}
	// The order is paid: approving it again fails to failUrl.
	u = submit("approve")
	if u.Query().Get("code") != "DUPLICATED_ORDER_ID" {
		t.Errorf("second approve → %s", u)
	}
	form := w.Query()
	form.Set("action", "steal")
	if status, _, _ := post(t, f.ts.URL+"/sandbox/pay", form); status != 400 {
		t.Errorf("unknown action: %d", status)
	}
}

// The deposit page and POST /sandbox/deposit simulate a deposit
// in a browser; the page links are relative when no public URL is known.
func TestSandboxDeposit(t *testing.T) {
	s := New(Config{Now: func() time.Time { return start }})
	defer s.Close()
	mux := http.NewServeMux()
	mux.Handle("/toss/", http.StripPrefix("/toss", s.Handler()))
	ts := httptest.NewServer(mux)
	defer ts.Close()
	f := &fixture{t: t, s: s, ts: ts, prefix: "/toss"}
	base := ts.URL + "/toss"

	w := window()
	w.Method, w.CustomerName = "VIRTUAL_ACCOUNT", "박토스"
	if u := s.PaymentWindowURL(w); !strings.HasPrefix(u, "/sandbox/pay?") {
		t.Errorf("PaymentWindowURL without a public URL = %s", u)
	}
	status, _, body := get(t, base+s.PaymentWindowURL(w))
	if status != 200 || !strings.Contains(body, `action="pay"`) {
		t.Fatalf("window: %d\n%s", status, body)
	}
	form := w.Query()
	form.Set("action", "approve")
	status, hdr, body := post(t, base+"/sandbox/pay", form)
	if status != http.StatusSeeOther {
		t.Fatalf("%d %s", status, body)
	}
	loc, _ := url.Parse(hdr.Get("Location"))
	key := loc.Query().Get("paymentKey")
	if status, body := f.confirm(key, w.OrderID, w.Amount); status != 200 || decodePayment(t, body).VirtualAccount.CustomerName != "박토스" {
		t.Fatalf("confirm: %d %s", status, body)
	}

	status, _, body = get(t, base+s.DepositURL(w.OrderID, "http://shop.example/orders/1"))
	if status != 200 || !strings.Contains(body, `action="deposit"`) || !strings.Contains(body, "우리") || !strings.Contains(body, "58,990원") {
		t.Fatalf("deposit page: %d\n%s", status, body)
	}
	if p, _ := s.Payment(key); p.Status != StatusWaitingForDeposit {
		t.Fatal("GET deposited")
	}
	status, hdr, _ = post(t, base+"/sandbox/deposit", url.Values{"paymentKey": {key}, "redirect": {"http://shop.example/orders/1"}})
	if status != http.StatusSeeOther || hdr.Get("Location") != "http://shop.example/orders/1" {
		t.Fatalf("deposit: %d %s", status, hdr.Get("Location"))
	}
	if p, _ := s.Payment(key); p.Status != StatusDone {
		t.Errorf("status %s", p.Status)
	}
	if status, _, _ := post(t, base+"/sandbox/deposit", url.Values{"orderId": {w.OrderID}}); status != http.StatusConflict {
		t.Errorf("second deposit: %d", status)
	}
	if status, _, _ := post(t, base+"/sandbox/deposit", url.Values{"orderId": {w.OrderID}, "redirect": {"javascript:x"}}); status != 400 {
		t.Errorf("bad redirect: %d", status)
	}
	if status, _, _ := get(t, base+"/sandbox/deposit?orderId=nothing"); status != 404 {
		t.Errorf("unknown order: %d", status)
	}
}

// Config.PublicURL: the sandbox links and PaymentWindowURL use it.
func TestPublicURL(t *testing.T) {
	f := newFixture(t, Config{PublicURL: "https://shop.example/toss-sandbox/"})
	if u := f.s.PaymentWindowURL(window()); !strings.HasPrefix(u, "https://shop.example/toss-sandbox/sandbox/pay?") {
		t.Errorf("PaymentWindowURL = %s", u)
	}
	if u := f.s.DepositURL("order-0001", ""); u != "https://shop.example/toss-sandbox/sandbox/deposit?orderId=order-0001" {
		t.Errorf("DepositURL = %s", u)
	}
	_, _, body := get(t, f.ts.URL+"/sandbox/pay?"+window().Query().Encode())
	if !strings.Contains(body, `action="https://shop.example/toss-sandbox/sandbox/pay"`) {
		t.Errorf("form action not under PublicURL:\n%s", body)
	}
}

// New refuses configurations it cannot honour.
func TestNewInvalidConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"ZeroBalanceStatus": {ZeroBalanceStatus: "DONE"},
		"MismatchCode":      {MismatchCode: "NOPE"},
		"MaxValidHours":     {MaxValidHours: -1},
		"PublicURL":         {PublicURL: "/relative"},
		"SecretKeys":        {SecretKeys: []string{""}},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("New accepted %+v", cfg)
				}
			}()
			New(cfg)
		})
	}
}
