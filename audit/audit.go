// Package audit is the HTTP face of [payments.Service.Audit]: the admin
// route GET /audit, which matches the store with each gateway's own
// ledger for a period of days and answers the report as JSON, or its
// discrepancies as CSV.
//
// # The route
//
//	GET /audit?from=2026-03-01&to=2026-03-31              the report, JSON
//	GET /audit?from=2026-03-01&to=2026-03-31&format=csv   the discrepancies, CSV
//	GET /audit?from=…&to=…&gateway=toss                   one gateway only
//
// from and to are days (YYYY-MM-DD), both included, in [Config.Location]
// (UTC by default); the period may span at most [Config.MaxDays] days.
// Any other parameter, a parameter given twice, or a malformed day is
// refused with 400 invalid_request, so that no proxy or log reading the
// query can disagree with the library about the period audited. The
// route is an admin route: without [Config.Authorize] it answers 403
// forbidden.
//
// The audit reads the gateways' ledgers page by page and may take a
// while on long periods (Toss warns that a transactions page can take up
// to a minute, https://docs.tosspayments.com/reference#거래-조회): mount
// it behind a server whose write timeout allows it, or run the audit
// from a job with [payments.Service.Audit] and package examples/audit.
package audit

import (
	"encoding/csv"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
	"github.com/payments-go/payments/internal/web"
)

// DefaultMaxDays is the longest period the route audits unless
// [Config.MaxDays] says otherwise.
const DefaultMaxDays = 92

// Config configures [NewHandler].
type Config struct {
	// Service does the audit. Required.
	Service *payments.Service
	// Authorize guards the route; nil refuses every request with 403
	// forbidden. See [payments.BearerToken].
	Authorize payments.Authorizer
	// Location is the time zone the days of from and to are in; default
	// UTC. A Korean merchant reconciling with Toss's days uses Asia/Seoul.
	Location *time.Location
	// MaxDays bounds the period; default DefaultMaxDays.
	MaxDays int
}

// NewHandler returns the handler of GET /audit; mount it under any
// prefix with http.StripPrefix (package httpapi mounts it as
// /payments/audit).
func NewHandler(cfg Config) (http.Handler, error) {
	if cfg.Service == nil {
		return nil, errors.New("audit: Config.Service is required")
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.MaxDays <= 0 {
		cfg.MaxDays = DefaultMaxDays
	}
	h := &handler{cfg: cfg}
	rt := web.NewRouter()
	rt.Observe("", cfg.Service.Trace())
	rt.Handle(http.MethodGet, "/audit", web.Admin(cfg.Authorize, http.HandlerFunc(h.audit)))
	return rt, nil
}

type handler struct{ cfg Config }

// Query is a parsed audit query.
type Query struct {
	Params payments.AuditParams
	// CSV asks for the discrepancies as CSV instead of the report.
	CSV bool
}

// ParseQuery reads an audit query strictly: from and to (required,
// YYYY-MM-DD, to not before from, both included, at most maxDays days
// apart) in loc, optional format (json or csv) and gateway (a gateway's
// name, or several separated by commas). Anything else, or a parameter
// given twice, is an error for which [payments.Code] reports
// invalid_request.
func ParseQuery(q url.Values, loc *time.Location, maxDays int) (Query, error) {
	var out Query
	for k, v := range q {
		switch k {
		case "from", "to", "format", "gateway":
		default:
			return out, web.Invalid("unknown parameter %q", web.Clip(k, 40))
		}
		if len(v) != 1 {
			return out, web.Invalid("%s is given %d times", k, len(v))
		}
	}
	day := func(name string) (time.Time, error) {
		s := q.Get(name)
		if s == "" {
			return time.Time{}, web.Invalid("%s is required (YYYY-MM-DD)", name)
		}
		t, err := time.ParseInLocation(time.DateOnly, s, loc)
		if err != nil || t.Format(time.DateOnly) != s {
			return time.Time{}, web.Invalid("%s must be a day as YYYY-MM-DD", name)
		}
		return t, nil
	}
	from, err := day("from")
	if err != nil {
		return out, err
	}
	to, err := day("to")
	if err != nil {
		return out, err
	}
	if to.Before(from) {
		return out, web.Invalid("to must not be before from")
	}
	end := to.AddDate(0, 0, 1)
	if end.After(from.AddDate(0, 0, maxDays)) {
		return out, web.Invalid("the period must span at most %d days", maxDays)
	}
	out.Params = payments.AuditParams{From: from, To: end}
	switch q.Get("format") {
	case "", "json":
	case "csv":
		out.CSV = true
	default:
		return out, web.Invalid("format must be json or csv")
	}
	if g := q.Get("gateway"); g != "" {
		for _, name := range strings.Split(g, ",") {
			if name == "" || len(name) > 40 || !web.SafeChars(name, "-_") {
				return out, web.Invalid("gateway must name configured gateways, separated by commas")
			}
			out.Params.Gateways = append(out.Params.Gateways, name)
		}
	}
	return out, nil
}

func (h *handler) audit(w http.ResponseWriter, r *http.Request) {
	q, err := ParseQuery(r.URL.Query(), h.cfg.Location, h.cfg.MaxDays)
	if err != nil {
		httpjson.WriteError(w, err)
		return
	}
	rep, err := h.cfg.Service.Audit(r.Context(), q.Params)
	if err != nil {
		httpjson.WriteError(w, err)
		return
	}
	if !q.CSV {
		httpjson.Write(w, http.StatusOK, rep)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/csv; charset=utf-8")
	hd.Set("Content-Disposition", `attachment; filename="audit-`+r.URL.Query().Get("from")+`-`+r.URL.Query().Get("to")+`.csv"`)
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_ = WriteCSV(w, rep.Discrepancies)
}

// CSVHeader is the first row [WriteCSV] writes.
var CSVHeader = []string{"kind", "gateway", "order_number", "reference",
	"local_status", "local_amount", "local_currency", "local_refund", "local_at",
	"remote_status", "remote_amount", "remote_currency", "remote_refund", "remote_entry", "remote_at"}

// WriteCSV writes the discrepancies as CSV (encoding/csv), a header row
// first ([CSVHeader]), amounts in the currency's minor unit, times in
// RFC 3339, empty cells where a side knows nothing. A text cell that a
// spreadsheet would read as a formula (it starts with =, +, -, @, a tab
// or a carriage return) is prefixed with an apostrophe: order numbers
// and references can come from outside (a gateway's metadata).
func WriteCSV(w interface{ Write([]byte) (int, error) }, ds []payments.Discrepancy) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	facts := func(f *payments.AuditFacts, remote bool) []string {
		n := 5
		if remote {
			n = 6
		}
		if f == nil {
			return make([]string, n)
		}
		at := ""
		if !f.At.IsZero() {
			at = f.At.UTC().Format(time.RFC3339)
		}
		out := []string{cell(f.Status), strconv.FormatInt(int64(f.Amount), 10), cell(string(f.Currency)), cell(f.Refund)}
		if remote {
			out = append(out, cell(f.Entry))
		}
		return append(out, at)
	}
	for _, d := range ds {
		row := []string{string(d.Kind), cell(d.Gateway), cell(d.OrderNumber), cell(d.Reference)}
		row = append(row, facts(d.Local, false)...)
		row = append(row, facts(d.Remote, true)...)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// cell neutralises a text cell a spreadsheet would run as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
