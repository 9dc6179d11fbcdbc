package tosstest

import (
	"bytes"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The sandbox pages stand in for the Toss payment window in a browser. They
// are plain HTML without scripts or outside assets, readable on a phone, and
// every state change is a POST form submit, so a link prefetch cannot
// approve a payment or make a deposit.

type hiddenField struct{ Name, Value string }

type payPage struct {
	Title      string
	W          PaymentWindow
	Method     string
	AmountText string
	Action     string
	Fields     []hiddenField
}

type depositPage struct {
	Title         string
	P             Payment
	AmountText    string
	BankName      string
	CanDeposit    bool
	Action        string
	Redirect      string
	AccountNumber string
	DueDate       string
}

type messagePage struct {
	Title   string
	Code    string
	Message string
}

// sandboxPay is GET /sandbox/pay: the payment window for the order in the
// query (see [PaymentWindow]). It changes nothing.
func (s *Server) sandboxPay(w http.ResponseWriter, r *http.Request) {
	win, method, easyPay, e := s.windowRequest(r.URL.Query())
	if e != nil {
		s.renderError(w, e)
		return
	}
	label := koreanMethod(method, easyPay)
	if name, ok := easyPayName(easyPay); ok {
		label += " · " + name
	}
	q := win.Query()
	var fields []hiddenField
	for _, k := range slices.Sorted(maps.Keys(q)) {
		fields = append(fields, hiddenField{k, q.Get(k)})
	}
	s.render(w, http.StatusOK, "pay", payPage{
		Title:      "토스페이먼츠 테스트 결제",
		W:          win,
		Method:     label,
		AmountText: won(win.Amount),
		Action:     s.sandboxLink("pay"),
		Fields:     fields,
	})
}

// sandboxPaySubmit is POST /sandbox/pay: the customer's choice. approve
// authenticates the payment and redirects to successUrl with paymentType,
// orderId, paymentKey and amount; decline and cancel redirect to failUrl
// with code, message and orderId.
func (s *Server) sandboxPaySubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, apiError("INVALID_REQUEST"))
		return
	}
	win, _, _, e := s.windowRequest(r.PostForm)
	if e != nil {
		s.renderError(w, e)
		return
	}
	fail := func(e *Error) {
		http.Redirect(w, r, withQuery(win.FailURL, url.Values{
			"code": {e.Code}, "message": {e.Message}, "orderId": {win.OrderID},
		}), http.StatusSeeOther)
	}
	switch r.PostForm.Get("action") {
	case "approve":
		key, e := s.authorize(win, clientKeyKind(win.ClientKey))
		if e != nil {
			fail(e)
			return
		}
		http.Redirect(w, r, withQuery(win.SuccessURL, url.Values{
			"paymentType": {"NORMAL"},
			"orderId":     {win.OrderID},
			"paymentKey":  {key},
			"amount":      {strconv.FormatInt(win.Amount, 10)},
		}), http.StatusSeeOther)
	case "decline":
		fail(apiError("REJECT_CARD_COMPANY"))
	case "cancel":
		fail(apiError("PAY_PROCESS_CANCELED"))
	default:
		s.renderError(w, apiError("INVALID_REQUEST"))
	}
}

// windowRequest reads and checks a window request: client key, redirect
// URLs and order fields. The error is an [*Error] or an [*SDKError].
func (s *Server) windowRequest(v url.Values) (PaymentWindow, string, string, error) {
	win, err := windowFromQuery(v)
	if err != nil {
		return win, "", "", err
	}
	if err := s.checkClientKey(win.ClientKey, win.Widget); err != nil {
		return win, "", "", err
	}
	switch {
	case win.SuccessURL == "":
		return win, "", "", apiError("INVALID_SUCCESS_URL")
	case !isAbsHTTPURL(win.SuccessURL):
		return win, "", "", apiError("INCORRECT_SUCCESS_URL_FORMAT")
	case !isAbsHTTPURL(win.FailURL):
		return win, "", "", apiError("INCORRECT_FAIL_URL_FORMAT")
	}
	method, easyPay, e := validateWindow(win)
	if e != nil {
		return win, "", "", e
	}
	return win, method, easyPay, nil
}

// sandboxDeposit is GET /sandbox/deposit?orderId=…[&redirect=…]: a page
// showing the virtual account with a button that simulates the deposit.
func (s *Server) sandboxDeposit(w http.ResponseWriter, r *http.Request) {
	id, redirect := depositTarget(r.URL.Query())
	if redirect != "" && !isAbsHTTPURL(redirect) {
		s.renderError(w, apiError("INVALID_URL"))
		return
	}
	p, ok := s.Payment(id)
	if !ok || p.VirtualAccount == nil {
		s.renderError(w, apiError("NOT_FOUND_PAYMENT"))
		return
	}
	bankName := p.VirtualAccount.BankCode
	if b, ok := lookupBank(bankName); ok {
		bankName = b.korean
	}
	s.render(w, http.StatusOK, "deposit", depositPage{
		Title:         "가상계좌 입금 (테스트)",
		P:             p,
		AmountText:    won(p.TotalAmount),
		BankName:      bankName,
		CanDeposit:    p.Status == StatusWaitingForDeposit && !p.VirtualAccount.Expired,
		Action:        s.sandboxLink("deposit"),
		Redirect:      redirect,
		AccountNumber: p.VirtualAccount.AccountNumber,
		DueDate:       p.VirtualAccount.DueDate,
	})
}

// sandboxDepositSubmit is POST /sandbox/deposit with orderId (or
// paymentKey) and an optional redirect: it runs [Server.Deposit].
func (s *Server) sandboxDepositSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, apiError("INVALID_REQUEST"))
		return
	}
	id, redirect := depositTarget(r.PostForm)
	if redirect != "" && !isAbsHTTPURL(redirect) {
		s.renderError(w, apiError("INVALID_URL"))
		return
	}
	if err := s.Deposit(r.Context(), id); err != nil {
		s.render(w, http.StatusConflict, "message", messagePage{Title: "입금 실패", Code: "DEPOSIT_FAILED", Message: err.Error()})
		return
	}
	if redirect != "" {
		http.Redirect(w, r, redirect, http.StatusSeeOther)
		return
	}
	s.render(w, http.StatusOK, "message", messagePage{Title: "입금 완료", Message: "입금이 완료되었습니다. (Deposit simulated.)"})
}

func depositTarget(v url.Values) (id, redirect string) {
	id = v.Get("paymentKey")
	if id == "" {
		id = v.Get("orderId")
	}
	return id, v.Get("redirect")
}

// sandboxLink is the URL of another sandbox page: absolute under PublicURL,
// else relative to the current page (which is itself under /sandbox/).
func (s *Server) sandboxLink(page string) string {
	if s.publicURL != "" {
		return s.publicURL + "/sandbox/" + page
	}
	return page
}

// renderError shows err, an [*Error] (with its HTTP status) or an
// [*SDKError] (400: the SDK throws before anything is sent).
func (s *Server) renderError(w http.ResponseWriter, err error) {
	switch e := err.(type) {
	case *Error:
		s.render(w, e.Status, "message", messagePage{Title: "결제 오류", Code: e.Code, Message: e.Message})
	case *SDKError:
		s.render(w, http.StatusBadRequest, "message", messagePage{Title: "결제 요청 오류", Code: e.Name, Message: e.Message})
	default:
		s.render(w, http.StatusInternalServerError, "message", messagePage{Title: "결제 오류", Code: "UNKNOWN_ERROR", Message: "tosstest: " + err.Error()})
	}
}

func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "tosstest: template error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// withQuery adds params to rawURL's query, keeping the parameters it has.
func withQuery(rawURL string, params url.Values) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL // validated before; cannot happen
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// won formats 58990 as "58,990원".
func won(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String() + "원"
	}
	return b.String() + "원"
}

const pageTemplates = `
{{define "head"}}<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.Title}}</title>
<style>
*{box-sizing:border-box}
body{margin:0;background:#f2f4f6;color:#191f28;font:16px/1.5 system-ui,-apple-system,"Apple SD Gothic Neo","Malgun Gothic",sans-serif}
main{max-width:440px;margin:0 auto;padding:16px}
.badge{display:inline-block;background:#fff4d6;color:#8a6100;border-radius:8px;padding:2px 10px;font-size:13px;font-weight:600}
.card{background:#fff;border-radius:16px;padding:20px;margin:12px 0;box-shadow:0 1px 3px rgba(0,0,0,.06)}
h1{font-size:20px;margin:4px 0 12px}
dl{display:grid;grid-template-columns:auto 1fr;gap:8px 16px;margin:0}
dt{color:#6b7684}
dd{margin:0;text-align:right;overflow-wrap:anywhere}
.amount{font-size:30px;font-weight:700;text-align:right;margin:16px 0 0}
button{display:block;width:100%;min-height:52px;border:0;border-radius:12px;font-size:17px;font-weight:600;margin-top:10px;cursor:pointer}
.primary{background:#3182f6;color:#fff}
.secondary{background:#e8f3ff;color:#1b64da}
.plain{background:#fff;color:#4e5968;border:1px solid #d1d6db}
.code{font-family:ui-monospace,monospace;color:#d22030}
small{color:#8b95a1}
</style>
</head>
<body><main>
<span class="badge">TEST · tosstest sandbox</span>
{{end}}

{{define "foot"}}<p><small>이 페이지는 토스페이먼츠 결제창을 흉내 내는 테스트용 샌드박스입니다. 실제 결제는 일어나지 않습니다. (Sandbox only: no real payment.)</small></p>
</main></body></html>
{{end}}

{{define "pay"}}{{template "head" .}}
<div class="card">
<h1>{{.W.OrderName}}</h1>
<dl>
<dt>주문번호</dt><dd>{{.W.OrderID}}</dd>
<dt>결제수단</dt><dd>{{.Method}}</dd>
{{with .W.CustomerName}}<dt>구매자</dt><dd>{{.}}</dd>{{end}}
</dl>
<p class="amount">{{.AmountText}}</p>
</div>
<form method="post" action="{{.Action}}">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<button class="primary" type="submit" name="action" value="approve">{{.AmountText}} 결제하기 (Approve)</button>
<button class="secondary" type="submit" name="action" value="decline">카드사 승인 거절 (Decline)</button>
<button class="plain" type="submit" name="action" value="cancel">결제 취소 (Cancel)</button>
</form>
{{template "foot" .}}{{end}}

{{define "deposit"}}{{template "head" .}}
<div class="card">
<h1>{{.P.OrderName}}</h1>
<dl>
<dt>주문번호</dt><dd>{{.P.OrderID}}</dd>
<dt>상태</dt><dd>{{.P.Status}}</dd>
<dt>은행</dt><dd>{{.BankName}}</dd>
<dt>계좌번호</dt><dd>{{.AccountNumber}}</dd>
<dt>입금기한</dt><dd>{{.DueDate}}</dd>
</dl>
<p class="amount">{{.AmountText}}</p>
</div>
{{if .CanDeposit}}<form method="post" action="{{.Action}}">
<input type="hidden" name="paymentKey" value="{{.P.PaymentKey}}">
{{with .Redirect}}<input type="hidden" name="redirect" value="{{.}}">
{{end}}<button class="primary" type="submit">입금하기 (Simulate deposit)</button>
</form>
{{else}}<p>이 가상계좌에는 지금 입금할 수 없습니다. (No deposit possible now.)</p>
{{end}}{{template "foot" .}}{{end}}

{{define "message"}}{{template "head" .}}
<div class="card">
<h1>{{.Title}}</h1>
{{with .Code}}<p class="code">{{.}}</p>{{end}}
<p>{{.Message}}</p>
</div>
{{template "foot" .}}{{end}}
`
