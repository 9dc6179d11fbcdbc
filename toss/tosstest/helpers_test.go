package tosstest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// testKey is the docs' public test secret key
// (https://docs.tosspayments.com/reference/using-api/api-keys).
const testKey = "test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R"

// txKeyShape is the shape of the transaction keys Toss answers for
// approvals and cancels (observed: txrd_a01kaj00e2mrrpmscg7w050d8g7).
var txKeyShape = regexp.MustCompile(`^txrd_a01[0-9a-hjkmnp-tv-z]{24}$`)

// start is the fixed start of the fake clock in every test.
var start = time.Date(2024, 2, 13, 12, 17, 57, 0, time.FixedZone("KST", 9*60*60))

type fixture struct {
	t      *testing.T
	s      *Server
	ts     *httptest.Server
	prefix string // where s is mounted on ts, "" = at the root
}

// newFixture starts a fake with a fixed clock.
func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return start }
	}
	s, ts := NewTestServer(t, cfg)
	return &fixture{t: t, s: s, ts: ts}
}

func basic(key string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":"))
}

// do sends a request. body is sent as is when it is a string, else as JSON.
// hdr overrides headers; an empty value removes one (e.g. Authorization).
func (f *fixture) do(method, path string, body any, hdr map[string]string) (int, []byte) {
	f.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			f.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, f.ts.URL+f.prefix+path, r)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Authorization", basic(testKey))
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := f.ts.Client().Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		f.t.Errorf("%s %s: Content-Type %q, want application/json", method, path, ct)
	}
	return resp.StatusCode, b
}

func (f *fixture) authorize(orderID string, amount int64, method string) string {
	f.t.Helper()
	key, err := f.s.Authorize(orderID, amount, "토스 티셔츠 외 2건", method)
	if err != nil {
		f.t.Fatalf("Authorize(%q, %d, %q): %v", orderID, amount, method, err)
	}
	return key
}

func (f *fixture) confirm(paymentKey, orderID string, amount int64) (int, []byte) {
	f.t.Helper()
	return f.do("POST", "/v1/payments/confirm", map[string]any{"paymentKey": paymentKey, "orderId": orderID, "amount": amount}, nil)
}

// approved authorizes and confirms a payment and returns it.
func (f *fixture) approved(orderID string, amount int64, method string) Payment {
	f.t.Helper()
	key := f.authorize(orderID, amount, method)
	status, body := f.confirm(key, orderID, amount)
	if status != http.StatusOK {
		f.t.Fatalf("confirm: %d %s", status, body)
	}
	return decodePayment(f.t, body)
}

func (f *fixture) cancel(paymentKey string, body any, hdr map[string]string) (int, []byte) {
	f.t.Helper()
	return f.do("POST", "/v1/payments/"+paymentKey+"/cancel", body, hdr)
}

func (f *fixture) issue(body map[string]any) (int, []byte) {
	f.t.Helper()
	return f.do("POST", "/v1/virtual-accounts", body, nil)
}

func issueBody(orderID string, amount int64) map[string]any {
	return map[string]any{"amount": amount, "orderId": orderID, "orderName": "토스 티셔츠 외 2건", "customerName": "박토스", "bank": "20"}
}

func decodePayment(t *testing.T, body []byte) Payment {
	t.Helper()
	var p Payment
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("decode payment: %v: %s", err, body)
	}
	return p
}

func decodeError(t *testing.T, body []byte) Error {
	t.Helper()
	var e Error
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("decode error: %v: %s", err, body)
	}
	return e
}

// wantError checks an error answer: status, code and the code's message.
func wantError(t *testing.T, status int, body []byte, wantStatus int, wantCode string) {
	t.Helper()
	e := decodeError(t, body)
	if status != wantStatus || e.Code != wantCode {
		t.Fatalf("got %d %s (%s), want %d %s", status, e.Code, e.Message, wantStatus, wantCode)
	}
	if want, _ := ErrorFor(wantCode); e.Message != want.Message {
		t.Errorf("message %q, want %q", e.Message, want.Message)
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// receiver is a webhook endpoint that records what it gets.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []received
	code int
}

type received struct {
	Header http.Header
	Body   []byte
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{code: http.StatusOK}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{Header: r.Header.Clone(), Body: b})
		code := rc.code
		rc.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) received() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// eventTypes lists the webhooks' types, with the payment status for
// PAYMENT_STATUS_CHANGED and the status field for DEPOSIT_CALLBACK.
func eventTypes(t *testing.T, hooks []Webhook) []string {
	t.Helper()
	var out []string
	for _, h := range hooks {
		var b struct {
			Status string `json:"status"`
			Data   struct {
				Status string `json:"status"`
			} `json:"data"`
		}
		if err := json.Unmarshal(h.Body, &b); err != nil {
			t.Fatal(err)
		}
		st := b.Status
		if h.EventType == EventPaymentStatusChanged {
			st = b.Data.Status
		}
		out = append(out, h.EventType+":"+st)
	}
	return out
}
