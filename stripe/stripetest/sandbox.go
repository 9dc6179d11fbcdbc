package stripetest

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/payments-go/payments/internal/web"
)

// pagesTemplate holds the sandbox pages. No external assets: the pages work
// offline and on a phone.
const pagesTemplate = `
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.}} · Stripe sandbox</title>
<style>
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f6f8fa;color:#1a1f36}
main{max-width:28rem;margin:0 auto;padding:1rem}
.badge{display:inline-block;background:#ffde92;color:#5e3b00;border-radius:4px;padding:.1rem .45rem;font-size:.75rem;font-weight:600;letter-spacing:.03em}
.card{background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:1rem;margin:1rem 0}
h1{font-size:1.25rem;margin:.5rem 0}
table{width:100%;border-collapse:collapse}td{padding:.35rem 0;vertical-align:top}td.r{text-align:right;white-space:nowrap}
tr.total td{border-top:1px solid #e3e8ee;font-weight:700;padding-top:.6rem}
.muted{color:#697386;font-size:.875rem}
label.opt{display:flex;gap:.6rem;align-items:flex-start;border:1px solid #e3e8ee;border-radius:8px;padding:.7rem;margin:.5rem 0;cursor:pointer}
label.opt input{margin-top:.25rem}
button,a.button{display:block;box-sizing:border-box;width:100%;border:0;border-radius:8px;padding:.85rem;font-size:1rem;font-weight:600;text-align:center;text-decoration:none;cursor:pointer;margin:.5rem 0}
.primary{background:#635bff;color:#fff}.secondary{background:#e3e8ee;color:#1a1f36}.danger{background:#df1b41;color:#fff}
.error{background:#fde8ec;color:#a41c3c;border-radius:8px;padding:.7rem;margin:.5rem 0}
.ok{background:#e4f8ec;color:#0e6245;border-radius:8px;padding:.7rem;margin:.5rem 0}
code{font-size:.8rem;word-break:break-all}
</style></head><body><main>
<p><span class="badge">TEST MODE</span> <span class="muted">stripetest sandbox, no real payment is made</span></p>
{{end}}

{{define "foot"}}</main></body></html>
{{end}}

{{define "checkout"}}{{template "head" "Checkout"}}
<div class="card">
<h1>Pay {{.Total}}</h1>
<table>
{{range .Items}}<tr><td>{{.Name}}{{if .Description}}<br><span class="muted">{{.Description}}</span>{{end}}<br><span class="muted">Qty {{.Quantity}} × {{.Unit}}</span></td><td class="r">{{.Amount}}</td></tr>
{{end}}<tr class="total"><td>Total</td><td class="r">{{.Total}}</td></tr>
</table>
</div>
{{if eq .Status "open"}}
{{with .Error}}<div class="error" role="alert">{{.}}</div>{{end}}
<form method="post" class="card">
<fieldset style="border:0;margin:0;padding:0"><legend><strong>Test payment method</strong></legend>
{{range .Cards}}<label class="opt"><input type="radio" name="card" value="{{.Value}}"{{if .Checked}} checked{{end}}><span>{{.Label}}<br><span class="muted">{{.Hint}}</span></span></label>
{{end}}</fieldset>
<button class="primary" name="action" value="pay">Pay {{.Total}}</button>
{{if .CanCancel}}<button class="secondary" name="action" value="cancel">Cancel and return</button>{{end}}
</form>
<p class="muted">Session <code>{{.ID}}</code>{{with .Reference}} · reference <code>{{.}}</code>{{end}} · expires {{.ExpiresAt}}</p>
{{else if eq .Status "complete"}}
<div class="ok" role="status">This payment is complete.</div>
<a class="button primary" href="{{.SuccessURL}}">Continue</a>
{{else}}
<div class="error" role="status">This checkout session has expired.</div>
{{if .CanCancel}}<a class="button secondary" href="{{.CancelURL}}">Return</a>{{end}}
{{end}}
{{template "foot"}}{{end}}

{{define "auth"}}{{template "head" "3D Secure"}}
<div class="card">
<h1>3D Secure 2 test page</h1>
<p>Authenticate a payment of <strong>{{.Amount}}</strong>.</p>
{{if .Done}}
<div class="{{if .Approved}}ok{{else}}error{{end}}" role="status">Authentication {{if .Approved}}completed{{else}}failed{{end}}.</div>
{{with .Next}}<a class="button primary" href="{{.}}">Continue</a>{{else}}<p class="muted">You can close this window.</p>{{end}}
{{else}}
<form method="post">
<button class="primary" name="action" value="complete">Complete authentication</button>
<button class="danger" name="action" value="fail">Fail authentication</button>
</form>
{{end}}
<p class="muted">PaymentIntent <code>{{.PaymentIntent}}</code></p>
</div>
{{template "foot"}}{{end}}

{{define "message"}}{{template "head" .Title}}
<div class="card"><h1>{{.Title}}</h1><p>{{.Text}}</p></div>
{{template "foot"}}{{end}}
`

func parsePages() *template.Template {
	return template.Must(template.New("pages").Parse(pagesTemplate))
}

type itemView struct {
	Name, Description, Unit, Amount string
	Quantity                        int64
}

type cardView struct {
	Value, Label, Hint string
	Checked            bool
}

type checkoutView struct {
	ID, Status, Total, Error, Reference, ExpiresAt string
	SuccessURL, CancelURL                          string
	CanCancel                                      bool
	Items                                          []itemView
	Cards                                          []cardView
}

type authView struct {
	Amount, PaymentIntent, Next string
	Done, Approved              bool
}

// sandboxChoices are the choices on the hosted checkout page: test cards
// and, where the session offers ACH Direct Debit, test bank accounts.
func sandboxChoices(types []string) []cardView {
	var out []cardView
	if slices.Contains(types, methodCard) {
		out = append(out,
			cardView{Value: "visa", Label: "Visa •••• 4242", Hint: "Succeeds"},
			cardView{Value: "declined", Label: "Visa •••• 0002", Hint: "Declined (generic_decline)"},
			cardView{Value: "insufficient", Label: "Visa •••• 9995", Hint: "Declined (insufficient_funds)"},
			cardView{Value: "3ds", Label: "Visa •••• 3220", Hint: "Requires 3D Secure authentication"},
		)
	}
	if slices.Contains(types, methodUSBankAccount) {
		out = append(out,
			cardView{Value: "bank", Label: "US bank account •••• 6789", Hint: "ACH Direct Debit: processing, succeeds when settled"},
			cardView{Value: "bank_insufficient", Label: "US bank account •••• 2227", Hint: "ACH Direct Debit: processing, fails when settled (insufficient_funds)"},
		)
	}
	if len(out) > 0 {
		out[0].Checked = true
	}
	return out
}

func sandboxPM(choice string) (string, bool) {
	switch choice {
	case "visa", "":
		return PMVisa, true
	case "declined":
		return PMDeclined, true
	case "insufficient":
		return PMInsufficientFunds, true
	case "3ds":
		return PMThreeDSecure, true
	case "bank":
		return PMUSBankAccount, true
	case "bank_insufficient":
		return PMUSBankAccountInsufficientFunds, true
	}
	return "", false
}

// page renders a template into a buffer (while the caller may hold s.mu)
// and returns a function that writes it.
func (s *Server) page(name string, status int, data any) func(http.ResponseWriter) {
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, data); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString("stripetest: cannot render page")
	}
	return func(w http.ResponseWriter) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		h.Set("Referrer-Policy", "no-referrer")
		w.WriteHeader(status)
		_, _ = w.Write(buf.Bytes())
	}
}

func (s *Server) message(status int, title, text string) func(http.ResponseWriter) {
	return s.page("message", status, map[string]string{"Title": title, "Text": text})
}

// seeOther redirects with 303. A relative location is left relative so the
// browser resolves it against the URL it sees, which keeps working when the
// server is mounted under a path prefix.
func seeOther(location string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Location", location)
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusSeeOther)
	}
}

func (s *Server) checkoutView(cs *checkoutSession) checkoutView {
	v := checkoutView{
		ID: cs.id, Status: cs.status, Total: formatAmount(cs.amountTotal, cs.currency), Error: cs.lastError,
		Reference: cs.clientReferenceID, SuccessURL: successRedirect(cs), CancelURL: cs.cancelURL,
		CanCancel: cs.cancelURL != "", Cards: sandboxChoices(cs.pmTypes),
		ExpiresAt: time.Unix(cs.expiresAt, 0).UTC().Format("2006-01-02 15:04 UTC"),
	}
	for _, it := range cs.items {
		v.Items = append(v.Items, itemView{
			Name: it.name, Description: it.description, Quantity: it.quantity,
			Unit: formatAmount(it.unitAmount, it.currency), Amount: formatAmount(it.unitAmount*it.quantity, it.currency),
		})
	}
	return v
}

func (s *Server) checkoutPage(w http.ResponseWriter, r *http.Request) {
	s.lock()
	cs := s.session(r.PathValue("id"))
	var write func(http.ResponseWriter)
	if cs == nil {
		write = s.message(http.StatusNotFound, "Not found", "There is no checkout session with this id.")
	} else {
		write = s.page("checkout", http.StatusOK, s.checkoutView(cs))
	}
	s.mu.Unlock()
	write(w)
}

func (s *Server) checkoutSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.message(http.StatusBadRequest, "Bad request", "The form could not be read.")(w)
		return
	}
	s.lock()
	write := s.checkoutSubmitLocked(r)
	s.mu.Unlock()
	write(w)
}

func (s *Server) checkoutSubmitLocked(r *http.Request) func(http.ResponseWriter) {
	cs := s.session(r.PathValue("id"))
	if cs == nil {
		return s.message(http.StatusNotFound, "Not found", "There is no checkout session with this id.")
	}
	switch r.PostForm.Get("action") {
	case "cancel":
		if cs.cancelURL == "" {
			return s.message(http.StatusBadRequest, "Cannot cancel", "This checkout session has no cancel_url.")
		}
		return seeOther(cs.cancelURL)
	case "pay":
	default:
		return s.message(http.StatusBadRequest, "Bad request", "Unknown action.")
	}
	if cs.status != "open" {
		return s.page("checkout", http.StatusConflict, s.checkoutView(cs))
	}
	pm, ok := sandboxPM(r.PostForm.Get("card"))
	if !ok {
		return s.message(http.StatusBadRequest, "Bad request", "Unknown test card.")
	}
	base := s.publicURL
	if base == "" {
		base = strings.TrimSuffix(cs.hostedURL, "/sandbox/checkout/"+cs.id)
	}
	att, err := s.paySession(cs, pm, base)
	switch {
	case err != nil:
		return s.page("checkout", err.HTTPStatus, s.checkoutView(cs))
	case att != "":
		return seeOther("../3ds/" + url.PathEscape(att))
	}
	return seeOther(successRedirect(cs))
}

func (s *Server) authView(att *authAttempt, pi *paymentIntent) authView {
	v := authView{Amount: formatAmount(pi.amount, pi.currency), PaymentIntent: pi.id, Done: att.done, Approved: att.approved}
	if att.done {
		v.Next = s.afterAuth(att, pi)
	}
	return v
}

// afterAuth is where the browser goes once an attempt is finished; "" if
// nowhere (use_stripe_sdk flow without return_url).
func (s *Server) afterAuth(att *authAttempt, pi *paymentIntent) string {
	if cs := s.sessions[att.session]; cs != nil {
		if cs.status == "complete" {
			return successRedirect(cs)
		}
		return "../checkout/" + url.PathEscape(cs.id)
	}
	if att.returnURL == "" {
		return ""
	}
	q := url.Values{}
	q.Set("payment_intent", pi.id)
	q.Set("payment_intent_client_secret", pi.secret)
	q.Set("redirect_status", redirectStatus(att))
	return appendQuery(att.returnURL, q)
}

// appendQuery adds q to rawURL, keeping its existing query and fragment.
func appendQuery(rawURL string, q url.Values) string {
	base, frag, hasFrag := strings.Cut(rawURL, "#")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
		if strings.HasSuffix(base, "?") || strings.HasSuffix(base, "&") {
			sep = ""
		}
	}
	out := base + sep + q.Encode()
	if hasFrag {
		out += "#" + frag
	}
	return out
}

func (s *Server) authPage(w http.ResponseWriter, r *http.Request) {
	s.lock()
	var write func(http.ResponseWriter)
	att := s.attempts[r.PathValue("id")]
	if att == nil || s.intents[att.paymentIntent] == nil {
		write = s.message(http.StatusNotFound, "Not found", "There is no authentication with this id.")
	} else {
		write = s.page("auth", http.StatusOK, s.authView(att, s.intents[att.paymentIntent]))
	}
	s.mu.Unlock()
	write(w)
}

func (s *Server) authSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.message(http.StatusBadRequest, "Bad request", "The form could not be read.")(w)
		return
	}
	s.lock()
	var write func(http.ResponseWriter)
	att := s.attempts[r.PathValue("id")]
	switch {
	case att == nil || s.intents[att.paymentIntent] == nil:
		write = s.message(http.StatusNotFound, "Not found", "There is no authentication with this id.")
	default:
		action := r.PostForm.Get("action")
		if action != "complete" && action != "fail" {
			write = s.message(http.StatusBadRequest, "Bad request", "Unknown action "+strconv.Quote(web.Clip(action, 20))+".")
			break
		}
		s.resolveAuth(att, action == "complete")
		pi := s.intents[att.paymentIntent]
		if next := s.afterAuth(att, pi); next != "" {
			write = seeOther(next)
		} else {
			write = s.page("auth", http.StatusOK, s.authView(att, pi))
		}
	}
	s.mu.Unlock()
	write(w)
}
