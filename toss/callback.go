package toss

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
	"github.com/payments-go/payments/internal/web"
	"github.com/payments-go/payments/status"
)

// successQuery is the query Toss puts on the success redirect
// (https://docs.tosspayments.com/reference#결제-승인).
type successQuery struct {
	PaymentKey  string
	OrderID     string
	Amount      payments.Amount
	PaymentType string
}

// parseSuccessQuery reads the success callback's query strictly: a
// paymentKey of at most 200 URL-safe characters, an orderId of 6–64 of
// A-Za-z0-9-_, a positive integer amount and an optional paymentType;
// none of them repeated. Other parameters are ignored.
func parseSuccessQuery(rawQuery string) (successQuery, error) {
	var q [4]string
	if err := strictQuery(rawQuery, []string{"paymentKey", "orderId", "amount", "paymentType"}, q[:]); err != nil {
		return successQuery{}, err
	}
	out := successQuery{PaymentKey: q[0], OrderID: q[1], PaymentType: q[3]}
	switch {
	case !validPaymentKey(out.PaymentKey):
		return out, web.Invalid("paymentKey is required: at most 200 letters, digits and -_.~")
	case !validOrderID(out.OrderID):
		return out, web.Invalid("orderId must be 6–64 of A-Za-z0-9-_")
	case out.PaymentType != "" && (len(out.PaymentType) > 32 || !upperSnake(out.PaymentType)):
		return out, web.Invalid("paymentType is not a Toss payment type")
	}
	n, ok := web.PositiveInt(q[2])
	if !ok {
		return out, web.Invalid("amount must be a positive integer")
	}
	out.Amount = payments.Amount(n)
	return out, nil
}

// failQuery is the query Toss puts on the fail redirect.
type failQuery struct {
	Code    string
	Message string
	OrderID string
}

// Bounds of what the fail callback records and passes on.
const (
	maxFailCode    = 64
	maxFailMessage = 160 // characters: within the 510 bytes the Service records
)

// parseFailQuery reads the fail callback's query strictly: a code of 1–64
// of A-Za-z0-9_-, an orderId of 6–64 of A-Za-z0-9-_ and an optional
// message, cut to 510 bytes, with control characters removed.
func parseFailQuery(rawQuery string) (failQuery, error) {
	var q [3]string
	if err := strictQuery(rawQuery, []string{"code", "message", "orderId"}, q[:]); err != nil {
		return failQuery{}, err
	}
	out := failQuery{Code: q[0], OrderID: q[2], Message: web.Clip(q[1], maxFailMessage)}
	switch {
	case out.Code == "" || len(out.Code) > maxFailCode || !web.SafeChars(out.Code, "-_"):
		return out, web.Invalid("code is required: at most 64 letters, digits, - and _")
	case !validOrderID(out.OrderID):
		return out, web.Invalid("orderId must be 6–64 of A-Za-z0-9-_")
	}
	return out, nil
}

// strictQuery parses a raw query, refusing malformed encoding and
// repeated values of the named keys; vals[i] receives the value of
// keys[i] ("" when absent).
func strictQuery(raw string, keys, vals []string) error {
	if len(raw) > 8192 {
		return web.Invalid("the query string is too long")
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return web.Invalid("the query string is malformed")
	}
	for i, k := range keys {
		switch vs := v[k]; len(vs) {
		case 0:
		case 1:
			vals[i] = vs[0]
		default:
			return web.Invalid("%s is given more than once", k)
		}
	}
	return nil
}

func (h *handler) success(w http.ResponseWriter, r *http.Request) {
	q, err := parseSuccessQuery(r.URL.RawQuery)
	if err != nil {
		httpjson.WriteError(w, err)
		return
	}
	ctx := r.Context()
	cctx, cancel := confirmContext(ctx)
	defer cancel()
	p, cerr := h.svc.Confirm(cctx, payments.ConfirmRequest{GatewayOrderID: q.OrderID, Gateway: gatewayName, Reference: q.PaymentKey, Amount: q.Amount})
	if p == nil {
		// Refused before the payment changed (no such Toss attempt, the
		// amount differs): read it for the pages to redirect to.
		if p, err = h.attempt(ctx, q.OrderID); err != nil {
			httpjson.WriteError(w, err)
			return
		}
	}
	h.answerConfirm(w, r, p, q.OrderID, cerr, web.WantsJSON(r))
}

// ConfirmBody is the body of POST /confirm.
type ConfirmBody struct {
	PaymentKey  string `json:"payment_key"`
	OrderNumber string `json:"order_number"`
	// Amount must equal the payment's amount (409 amount_mismatch,
	// checked before Toss is called).
	Amount int64 `json:"amount"`
	// Capture is refused whatever its value: see [ReadyRequest].Capture.
	Capture string `json:"capture,omitempty"`
}

func (h *handler) confirm(w http.ResponseWriter, r *http.Request) {
	var req ConfirmBody
	if err := web.Decode(w, r, &req); err != nil {
		httpjson.WriteError(w, err)
		return
	}
	if err := checkOrderNumber(req.OrderNumber); err != nil {
		httpjson.WriteError(w, err)
		return
	}
	if req.Capture != "" {
		httpjson.WriteError(w, errNoSeparateCapture)
		return
	}
	switch {
	case !validPaymentKey(req.PaymentKey):
		httpjson.WriteError(w, web.Invalid("payment_key is required: at most 200 letters, digits and -_.~"))
		return
	case req.Amount <= 0:
		httpjson.WriteError(w, web.Invalid("amount is required and must be a positive integer"))
		return
	}
	ctx := r.Context()
	p, err := h.svc.Payment(ctx, req.OrderNumber)
	if err != nil {
		httpjson.WriteError(w, err)
		return
	}
	a := p.Latest()
	if a == nil || a.Gateway != gatewayName {
		httpjson.WriteError(w, &payments.Error{Code: payments.CodeInvalidState, Message: "the order's latest payment attempt is not a Toss payment"})
		return
	}
	cctx, cancel := confirmContext(ctx)
	defer cancel()
	got, cerr := h.svc.Confirm(cctx, payments.ConfirmRequest{GatewayOrderID: a.GatewayOrderID, Reference: req.PaymentKey, Amount: payments.Amount(req.Amount)})
	if got != nil {
		p = got
	}
	h.answerConfirm(w, r, p, a.GatewayOrderID, cerr, true)
}

// confirmTimeout bounds a confirmation that the customer's browser no
// longer waits for.
const confirmTimeout = 60 * time.Second

// confirmContext detaches a confirmation from the request: a customer who
// closes the tab while Toss approves must not leave the attempt in
// processing when the answer is a moment away. The context keeps the
// request's values and ends after confirmTimeout.
func confirmContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), confirmTimeout)
}

// answerConfirm answers a confirmation of the attempt with gateway order
// id orderID: JSON, or a redirect to the shop's pages.
func (h *handler) answerConfirm(w http.ResponseWriter, r *http.Request, p *payments.Payment, orderID string, cerr error, asJSON bool) {
	ctx := r.Context()
	a := attemptByOrderID(p, orderID)
	code := payments.Code(cerr)
	unknown := code == payments.CodeGatewayUnavailable || code == payments.CodeCanceled || code == payments.CodeInternal
	switch {
	case cerr == nil:
		h.log.InfoContext(ctx, "toss: confirmed", "order", p.OrderNumber, "gateway_order_id", orderID, "status", a.Status)
	case unknown:
		h.log.WarnContext(ctx, "toss: confirm outcome unknown", "order", p.OrderNumber, "gateway_order_id", orderID, "code", code)
	default:
		h.log.InfoContext(ctx, "toss: confirm refused", "order", p.OrderNumber, "gateway_order_id", orderID, "code", code, "gateway_code", gatewayCode(cerr))
	}
	if asJSON || a == nil {
		switch {
		case cerr == nil:
			writeStatusView(w, p, a)
		case code == payments.CodeGatewayUnavailable && a != nil:
			status.WriteJSON(w, http.StatusAccepted, p)
		default:
			httpjson.WriteError(w, cerr)
		}
		return
	}
	switch {
	case cerr == nil:
		h.redirect(w, p, a.SuccessURL, url.Values{"status": {string(a.Status)}}, func() { writeStatusView(w, p, a) })
	case unknown:
		h.redirect(w, p, a.SuccessURL, url.Values{"status": {string(payments.StatusProcessing)}}, func() { httpjson.WriteError(w, cerr) })
	default:
		c, msg := string(code), "the payment could not be completed"
		var pe *payments.Error
		if errors.As(cerr, &pe) && pe.Message != "" {
			msg = pe.Message
		}
		if code == payments.CodePaymentDeclined && gatewayCode(cerr) != "" {
			c = gatewayCode(cerr)
		}
		h.redirect(w, p, a.FailURL, url.Values{"code": {web.Clip(c, maxFailCode)}, "message": {web.Clip(msg, maxFailMessage)}},
			func() { httpjson.WriteError(w, cerr) })
	}
}

// writeStatusView answers with the status view: 202 while the attempt is
// processing, 200 otherwise.
func writeStatusView(w http.ResponseWriter, p *payments.Payment, a *payments.Attempt) {
	code := http.StatusOK
	if a != nil && a.Status == payments.StatusProcessing {
		code = http.StatusAccepted
	}
	status.WriteJSON(w, code, p)
}

func (h *handler) fail(w http.ResponseWriter, r *http.Request) {
	q, err := parseFailQuery(r.URL.RawQuery)
	if err != nil {
		httpjson.WriteError(w, err)
		return
	}
	ctx := r.Context()
	if _, err := h.attempt(ctx, q.OrderID); err != nil {
		httpjson.WriteError(w, err)
		return
	}
	p, err := h.svc.Fail(ctx, payments.FailRequest{
		GatewayOrderID: q.OrderID, Code: q.Code, Message: q.Message, Canceled: q.Code == "PAY_PROCESS_CANCELED",
	})
	if err != nil {
		h.logError(ctx, "toss: fail callback", err, "gateway_order_id", q.OrderID)
		httpjson.WriteError(w, err)
		return
	}
	a := attemptByOrderID(p, q.OrderID)
	h.log.InfoContext(ctx, "toss: payment window failed", "order", p.OrderNumber, "gateway_order_id", q.OrderID, "code", q.Code, "status", a.Status)
	if web.WantsJSON(r) {
		status.WriteJSON(w, http.StatusOK, p)
		return
	}
	switch a.Status {
	case payments.StatusFailed, payments.StatusCanceled, payments.StatusExpired, payments.StatusReady, payments.StatusRequiresAction:
		h.redirect(w, p, a.FailURL, url.Values{"code": {q.Code}, "message": {q.Message}},
			func() { status.WriteJSON(w, http.StatusOK, p) })
	default:
		// A fail report for an attempt that is paid or being confirmed
		// (a stale or forged callback) changes nothing; the customer
		// sees the real state.
		h.redirect(w, p, a.SuccessURL, url.Values{"status": {string(a.Status)}},
			func() { status.WriteJSON(w, http.StatusOK, p) })
	}
}

// redirect sends the customer with 303 to the shop's page target, with
// order_number and params added to the page's own query. Without a page
// (an attempt started by another route), it calls fallback instead.
func (h *handler) redirect(w http.ResponseWriter, p *payments.Payment, target string, params url.Values, fallback func()) {
	q := url.Values{"order_number": {p.OrderNumber}}
	for k, vs := range params {
		q[k] = vs
	}
	h.redirectTo(w, target, q, fallback)
}
