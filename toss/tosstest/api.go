package tosstest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Op names an API operation in the [Call] log.
type Op string

// The API operations the fake serves (https://docs.tosspayments.com/reference).
const (
	OpConfirm             Op = "confirm"             // POST /v1/payments/confirm
	OpGetPayment          Op = "getPayment"          // GET /v1/payments/{paymentKey}
	OpGetPaymentByOrderID Op = "getPaymentByOrderId" // GET /v1/payments/orders/{orderId}
	OpCancel              Op = "cancel"              // POST /v1/payments/{paymentKey}/cancel
	OpIssueVirtualAccount Op = "issueVirtualAccount" // POST /v1/virtual-accounts
)

// Call is one request to the /v1 API as the fake saw it.
type Call struct {
	Op             Op
	Method         string
	Path           string
	IdempotencyKey string
	// PaymentKey and OrderID are those the request named (path or body),
	// when it named them.
	PaymentKey string
	OrderID    string
	// Status is the HTTP status answered (or that would have been answered,
	// for a call dropped after processing); Code is the error code, "" on
	// success.
	Status int
	Code   string
	// Executed reports that the operation really ran: the request was not
	// answered from the idempotency store, by fault injection, by a test code
	// or by an authentication error.
	Executed bool
	// Replayed reports an answer from the idempotency store.
	Replayed bool
	// Injected reports an answer forced by [Server.FailNext] or by the
	// TossPayments-Test-Code header.
	Injected bool
	// Dropped reports that the connection was closed without an answer
	// ([Server.DropNext], or [Server.DropAfterProcessing] when Executed).
	Dropped bool
	// At is the fake clock's time when the request arrived.
	At time.Time
}

// Calls returns the log of /v1 requests, oldest first.
func (s *Server) Calls() []Call {
	s.lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Executions counts the calls of op that really ran (Call.Executed) and
// named id as their paymentKey or orderId; id "" counts them all. A client
// that retries a confirm with the same Idempotency-Key sees
// Executions(OpConfirm, paymentKey) == 1 however many times it sent it.
func (s *Server) Executions(op Op, id string) int {
	s.lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Executed && c.Op == op && (id == "" || c.PaymentKey == id || c.OrderID == id) {
			n++
		}
	}
	return n
}

// FailNext makes the next n /v1 requests answer with code's HTTP status and
// body without doing anything: no state changes and nothing stored under
// their Idempotency-Key, as if a proxy in front of Toss failed. It panics if
// code is unknown (see [ErrorFor]). n <= 0 turns it off.
func (s *Server) FailNext(n int, code string) {
	if _, ok := ErrorFor(code); !ok {
		panic("tosstest: FailNext: unknown Toss error code " + code)
	}
	s.lock()
	defer s.mu.Unlock()
	s.failN, s.failCode = max(n, 0), code
}

// DropNext makes the next n /v1 requests close the connection without an
// answer and without doing anything. n <= 0 turns it off.
func (s *Server) DropNext(n int) {
	s.lock()
	defer s.mu.Unlock()
	s.dropN = max(n, 0)
}

// DropAfterProcessing makes the next n /v1 requests run normally (state
// changes, webhooks, the answer stored under their Idempotency-Key) and then
// close the connection without answering, so the client sees a network
// error although the operation happened. With a server that cannot be
// hijacked (HTTP/2) the handler aborts with [http.ErrAbortHandler] instead.
// n <= 0 turns it off.
func (s *Server) DropAfterProcessing(n int) {
	s.lock()
	defer s.mu.Unlock()
	s.dropAfter = max(n, 0)
}

// Delay makes every later /v1 request wait d before it runs (after its
// Idempotency-Key is reserved, so a repeat meanwhile gets 409
// IDEMPOTENT_REQUEST_PROCESSING). d <= 0 turns it off.
func (s *Server) Delay(d time.Duration) {
	s.lock()
	defer s.mu.Unlock()
	s.delay = max(d, 0)
}

// result is what an operation answers.
type result struct {
	status     int
	body       []byte
	code       string
	paymentKey string
	orderID    string
	hooks      []*Webhook // to deliver asynchronously
}

func errResult(e *Error) result { return result{status: e.Status, body: e.body(), code: e.Code} }

// apiCtx is the input of an operation.
type apiCtx struct {
	r    *http.Request
	key  string // authenticated secret key
	body []byte
}

type apiFunc func(*apiCtx) result

// idemID is the identity of a request for idempotency
// (https://docs.tosspayments.com/reference/using-api/idempotency-key): the body is
// deliberately not part of it.
type idemID struct{ key, apiKey, path, method string }

type idemEntry struct {
	created time.Time
	done    bool
	res     result
}

// idempotencyRetention is how long Toss keeps a key: 15 days.
const idempotencyRetention = 15 * 24 * time.Hour

// api wraps an operation with what every /v1 request goes through, in this
// order: DropNext, FailNext, Basic auth, TossPayments-Test-Code,
// Idempotency-Key, Delay, the operation, DropAfterProcessing.
func (s *Server) api(op Op, h apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		call := Call{
			Op:             op,
			Method:         r.Method,
			Path:           r.URL.Path,
			IdempotencyKey: r.Header.Get("Idempotency-Key"),
			PaymentKey:     r.PathValue("paymentKey"),
			OrderID:        r.PathValue("orderId"),
		}
		s.mu.Lock()
		call.At = s.nowLocked()
		drop := s.dropN > 0
		if drop {
			s.dropN--
		}
		fail := ""
		if !drop && s.failN > 0 {
			s.failN--
			fail = s.failCode
		}
		s.mu.Unlock()

		if drop {
			call.Dropped = true
			s.logCall(call)
			abort(w)
			return
		}
		if fail != "" {
			call.Injected = true
			s.reply(w, &call, errResult(apiError(fail)))
			return
		}
		key, aerr := s.authenticate(r)
		if aerr != nil {
			s.reply(w, &call, errResult(aerr))
			return
		}
		if tc := strings.TrimSpace(r.Header.Get("TossPayments-Test-Code")); tc != "" && strings.HasPrefix(key, "test_") {
			e, ok := ErrorFor(tc)
			if !ok {
				e = apiError("INVALID_TEST_CODE")
			}
			call.Injected = true
			s.reply(w, &call, errResult(e))
			return
		}

		// Read the body now: the server notices a client that gives up only
		// once the body is consumed.
		var body []byte
		var bodyErr *Error
		if r.Method == http.MethodPost {
			body, bodyErr = readJSONBody(w, r)
		}

		var id *idemID
		if r.Method == http.MethodPost && call.IdempotencyKey != "" {
			if utf8.RuneCountInString(call.IdempotencyKey) > 300 {
				s.reply(w, &call, errResult(apiError("INVALID_IDEMPOTENCY_KEY")))
				return
			}
			k := idemID{key: call.IdempotencyKey, apiKey: key, path: r.URL.Path, method: r.Method}
			s.mu.Lock()
			now := s.nowLocked()
			if e, ok := s.idem[k]; ok && now.Sub(e.created) < idempotencyRetention {
				if !e.done {
					s.mu.Unlock()
					s.reply(w, &call, errResult(apiError("IDEMPOTENT_REQUEST_PROCESSING")))
					return
				}
				res := e.res
				s.mu.Unlock()
				call.Replayed = true
				s.reply(w, &call, res)
				return
			}
			s.idem[k] = &idemEntry{created: now}
			s.mu.Unlock()
			id = &k
		}

		s.mu.Lock()
		delay := s.delay
		s.mu.Unlock()
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				if id != nil {
					s.mu.Lock()
					delete(s.idem, *id)
					s.mu.Unlock()
				}
				s.logCall(call)
				return
			}
		}

		var res result
		if bodyErr != nil {
			res = errResult(bodyErr)
		} else {
			res = h(&apiCtx{r: r, key: key, body: body})
		}
		call.Executed = true

		s.mu.Lock()
		if id != nil {
			if res.status >= 300 && s.cfg.NoErrorReplay {
				delete(s.idem, *id)
			} else {
				stored := res
				stored.hooks = nil
				if e := s.idem[*id]; e != nil {
					e.done, e.res = true, stored
				}
			}
		}
		dropAfter := s.dropAfter > 0
		if dropAfter {
			s.dropAfter--
		}
		s.dispatchLocked(res.hooks)
		s.mu.Unlock()

		if dropAfter {
			call.Dropped = true
			call.fill(res)
			s.logCall(call)
			abort(w)
			return
		}
		s.reply(w, &call, res)
	})
}

func (c *Call) fill(res result) {
	c.Status, c.Code = res.status, res.code
	if res.paymentKey != "" {
		c.PaymentKey = res.paymentKey
	}
	if res.orderID != "" {
		c.OrderID = res.orderID
	}
}

// reply logs the call, then writes the answer (so that a client that has
// the answer also finds the call in the log).
func (s *Server) reply(w http.ResponseWriter, call *Call, res result) {
	call.fill(res)
	s.logCall(*call)
	writeJSON(w, res.status, res.body)
}

func (s *Server) logCall(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// abort closes the connection without an answer.
func abort(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// authenticate checks the Basic credentials
// (https://docs.tosspayments.com/reference/using-api/authorization) and
// returns the secret key.
func (s *Server) authenticate(r *http.Request) (string, *Error) {
	h := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(h, " ")
	if h == "" || !strings.EqualFold(scheme, "Basic") {
		return "", apiError("UNAUTHORIZED_KEY")
	}
	cred = strings.TrimSpace(cred)
	raw, err := base64.StdEncoding.DecodeString(cred)
	if err != nil {
		raw, err = base64.RawStdEncoding.DecodeString(cred)
	}
	if err != nil {
		return "", apiError("INCORRECT_BASIC_AUTH_FORMAT")
	}
	key, _, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", apiError("INCORRECT_BASIC_AUTH_FORMAT")
	}
	if !s.acceptsKey(key) {
		return "", apiError("UNAUTHORIZED_KEY")
	}
	return key, nil
}

func (s *Server) acceptsKey(key string) bool {
	if len(s.cfg.SecretKeys) > 0 {
		return slices.Contains(s.cfg.SecretKeys, key)
	}
	for _, p := range []string{"test_sk_", "test_gsk_"} {
		if strings.HasPrefix(key, p) && len(key) > len(p) {
			return true
		}
	}
	return false
}

// readJSONBody reads a POST body, which must be declared as JSON.
func readJSONBody(w http.ResponseWriter, r *http.Request) ([]byte, *Error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, apiError("INVALID_REQUEST")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		return nil, apiError("INVALID_REQUEST")
	}
	return body, nil
}

// fields is a decoded JSON object. Keys match exactly (case-sensitive), as
// in the real API, unlike encoding/json's struct decoding.
type fields map[string]json.RawMessage

// decodeObject decodes body, which must be one JSON object.
func decodeObject(body []byte) (fields, bool) {
	var f fields
	if err := json.Unmarshal(body, &f); err != nil || f == nil {
		return nil, false
	}
	return f, true
}

func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }

// str returns a string field; ok is false if it is present but not a string.
func (f fields) str(name string) (v string, present, ok bool) {
	raw, has := f[name]
	if !has || isNull(raw) {
		return "", false, true
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", true, false
	}
	return v, true, true
}

// boolean returns a boolean field; ok is false if it is present but not a bool.
func (f fields) boolean(name string) (v, present, ok bool) {
	raw, has := f[name]
	if !has || isNull(raw) {
		return false, false, true
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return false, true, false
	}
	return v, true, true
}

// obj returns an object field; ok is false if it is present but not an object.
func (f fields) obj(name string) (v fields, present, ok bool) {
	raw, has := f[name]
	if !has || isNull(raw) {
		return nil, false, true
	}
	if err := json.Unmarshal(raw, &v); err != nil || v == nil {
		return nil, true, false
	}
	return v, true, true
}

// integer returns a whole-number field (KRW amounts, hours). A string, a
// fraction or a number out of range gives INVALID_REQUEST.
func (f fields) integer(name string) (v int64, present bool, e *Error) {
	raw, has := f[name]
	if !has || isNull(raw) {
		return 0, false, nil
	}
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		return 0, true, apiError("INVALID_REQUEST")
	}
	n := json.Number(raw)
	if i, err := n.Int64(); err == nil {
		return i, true, nil
	}
	fl, err := n.Float64()
	if err != nil || fl != float64(int64(fl)) || fl > 1e15 || fl < -1e15 {
		return 0, true, apiError("INVALID_REQUEST")
	}
	return int64(fl), true, nil
}

// validOrderID is the orderId rule of the v2 SDK's definitions
// (@tosspayments/tosspayments-sdk 2.8.1, PaymentRequest.orderId): 6–64 of
// A-Za-z0-9 and - _ =. With strict, "=" is refused too, as some pages of
// the server API give the rule (Config.StrictOrderIDs).
func validOrderID(id string, strict bool) bool {
	if len(id) < 6 || len(id) > 64 {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		case c == '=' && !strict:
		default:
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

const (
	alnum    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	lowernum = "abcdefghijklmnopqrstuvwxyz0123456789"
	upperHex = "0123456789ABCDEF"
	// crockford is the lowercase base-32 alphabet of ULIDs.
	crockford = "0123456789abcdefghjkmnpqrstvwxyz"
	digits    = "0123456789"
)

// randText returns n characters drawn from alphabet with crypto/rand.
func randText(alphabet string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (Go 1.24)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// newPaymentKey has the newer observed shape: a prefix, the KST time and
// five random characters, e.g. tviva20240213121757MvuS8.
func newPaymentKey(t time.Time) string {
	return "tviva" + t.Format("20060102150405") + randText(alnum, 5)
}

// newTransactionKey has the shape of the transaction keys Toss answers
// since 2025: "txrd_" and 27 lowercase base-32 characters, such as
// txrd_a01kaj00e2mrrpmscg7w050d8g7 (observed in posted confirm answers,
// https://techchat.tosspayments.com/m/1441239103671767130).
func newTransactionKey() string { return "txrd_a01" + randText(crockford, 24) }

// newVirtualAccountTransactionKey is 32 uppercase hex digits, the shape
// of the keys of a virtual account's issue and deposit (observed:
// https://techchat.tosspayments.com/m/1444558775297249371, and the
// DEPOSIT_CALLBACK example of
// https://docs.tosspayments.com/reference/using-api/webhook-events).
func newVirtualAccountTransactionKey() string { return randText(upperHex, 32) }

// newSecret is ps_ and 28 alphanumerics, as Toss's deposit secrets are.
func newSecret() string { return "ps_" + randText(alnum, 28) }

// receiptURL is a payment's receipt.url; observed answers name the
// payment's paymentKey as transactionId, under payment-detail/bank-transfer
// for virtual accounts
// (https://techchat.tosspayments.com/m/1444558775297249371).
func receiptURL(paymentKey string, virtualAccount bool) string {
	if virtualAccount {
		return "https://dashboard.tosspayments.com/receipt/payment-detail/bank-transfer?transactionId=" + paymentKey + "&ref=PX"
	}
	return "https://dashboard.tosspayments.com/receipt/redirection?transactionId=" + paymentKey + "&ref=PX"
}
