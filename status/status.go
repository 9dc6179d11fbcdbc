// Package status is the status-lookup operation for HTTP callers:
// GET /payments/status?order_number=…[&refresh=true], and the JSON shape
// of a payment that every route of the library answers with.
//
// # Response
//
// [Payment] is the JSON view of a [payments.Payment]: the unified status,
// amounts in minor units with their currency, the refundable balance, the
// refunds and the attempts. Secrets (deposit secrets, client secrets)
// never appear in it.
//
// # Refresh
//
// With refresh=true the handler first re-reads the latest attempt from its
// gateway ([payments.Service.Refresh]) and repairs the local record through
// the normal transitions: a confirm that succeeded at the gateway while
// the local write failed becomes paid.
package status

import (
	"net/http"
	"strconv"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/internal/httpjson"
	"github.com/payments-go/payments/internal/web"
)

// Payment is the JSON view of a payment.
type Payment struct {
	OrderNumber      string            `json:"order_number"`
	Gateway          string            `json:"gateway"`
	Status           payments.Status   `json:"status"`
	GatewayStatus    string            `json:"gateway_status,omitempty"`
	Method           payments.Method   `json:"method"`
	Amount           payments.Amount   `json:"amount"`
	Currency         payments.Currency `json:"currency"`
	RefundedAmount   payments.Amount   `json:"refunded_amount"`
	RefundableAmount payments.Amount   `json:"refundable_amount"`
	GatewayReference string            `json:"gateway_reference,omitempty"`
	VirtualAccount   *VirtualAccount   `json:"virtual_account,omitempty"`
	Refunds          []Refund          `json:"refunds"`
	Attempts         []Attempt         `json:"attempts"`
	Failure          *Failure          `json:"failure,omitempty"`
	CreatedAt        time.Time         `json:"created_at"`
	UpdatedAt        time.Time         `json:"updated_at"`
	PaidAt           *time.Time        `json:"paid_at,omitempty"`
}

// VirtualAccount is the JSON view of a virtual account.
type VirtualAccount struct {
	Bank          string    `json:"bank"`
	AccountNumber string    `json:"account_number"`
	Holder        string    `json:"holder"`
	DueDate       time.Time `json:"due_date"`
}

// Refund is the JSON view of a refund.
type Refund struct {
	ID               string                `json:"id"`
	Amount           payments.Amount       `json:"amount"`
	Reason           string                `json:"reason"`
	Status           payments.RefundStatus `json:"status"`
	GatewayReference string                `json:"gateway_reference,omitempty"`
	Failure          *Failure              `json:"failure,omitempty"`
	CreatedAt        time.Time             `json:"created_at"`
	UpdatedAt        time.Time             `json:"updated_at"`
}

// Attempt is the JSON view of an attempt.
type Attempt struct {
	Number           int             `json:"number"`
	Gateway          string          `json:"gateway"`
	Method           payments.Method `json:"method"`
	Status           payments.Status `json:"status"`
	GatewayStatus    string          `json:"gateway_status,omitempty"`
	GatewayOrderID   string          `json:"gateway_order_id"`
	GatewayReference string          `json:"gateway_reference,omitempty"`
	Failure          *Failure        `json:"failure,omitempty"`
	CreatedAt        time.Time       `json:"created_at"`
	UpdatedAt        time.Time       `json:"updated_at"`
}

// Failure is the JSON view of a failure.
type Failure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// From returns the JSON view of p.
func From(p *payments.Payment) Payment {
	out := Payment{
		OrderNumber: p.OrderNumber, Gateway: p.Gateway, Status: p.Status, Method: p.Method,
		Amount: p.Amount, Currency: p.Currency, RefundedAmount: p.RefundedAmount, RefundableAmount: p.Refundable(),
		GatewayReference: p.GatewayReference, Failure: failure(p.Failure),
		Refunds: []Refund{}, Attempts: []Attempt{}, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
	if a := p.Latest(); a != nil {
		out.GatewayStatus = a.GatewayStatus
	}
	if va := p.VirtualAccount; va != nil {
		out.VirtualAccount = &VirtualAccount{Bank: va.Bank, AccountNumber: va.AccountNumber, Holder: va.Holder, DueDate: va.DueDate}
	}
	if !p.PaidAt.IsZero() {
		t := p.PaidAt.UTC()
		out.PaidAt = &t
	}
	for _, r := range p.Refunds {
		out.Refunds = append(out.Refunds, RefundFrom(&r))
	}
	for _, a := range p.Attempts {
		out.Attempts = append(out.Attempts, Attempt{
			Number: a.Number, Gateway: a.Gateway, Method: a.Method, Status: a.Status, GatewayStatus: a.GatewayStatus,
			GatewayOrderID: a.GatewayOrderID, GatewayReference: a.Reference, Failure: failure(a.Failure),
			CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(),
		})
	}
	return out
}

// RefundFrom returns the JSON view of r.
func RefundFrom(r *payments.Refund) Refund {
	return Refund{ID: r.ID, Amount: r.Amount, Reason: r.Reason, Status: r.Status, GatewayReference: r.GatewayReference,
		Failure: failure(r.Failure), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func failure(f *payments.Failure) *Failure {
	if f == nil {
		return nil
	}
	return &Failure{Code: f.Code, Message: f.Message}
}

// NewHandler returns the handler of GET /status (mount it under any
// prefix: it routes on the last path element only through the mount).
// order_number is required; refresh=true re-reads the gateway first.
// Unknown order → 404 order_not_found; an order without a payment → 404
// payment_not_found.
func NewHandler(svc *payments.Service) http.Handler {
	rt := web.NewRouter()
	rt.Handle(http.MethodGet, "/status", Handler(svc))
	return rt
}

// Handler is the bare handler of the status route, for routers that
// match the path themselves.
func Handler(svc *payments.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		order := q.Get("order_number")
		if order == "" || len(order) > 64 {
			httpjson.WriteError(w, &payments.Error{Code: payments.CodeInvalidRequest, Message: "order_number is required (at most 64 characters)"})
			return
		}
		refresh := false
		switch q.Get("refresh") {
		case "", "false", "0":
		case "true", "1":
			refresh = true
		default:
			httpjson.WriteError(w, &payments.Error{Code: payments.CodeInvalidRequest, Message: "refresh must be true or false"})
			return
		}
		p, err := svc.Payment(r.Context(), order)
		if err != nil {
			httpjson.WriteError(w, err)
			return
		}
		if refresh {
			if np, rerr := svc.Refresh(r.Context(), payments.RefreshRequest{OrderNumber: order}); rerr != nil {
				httpjson.WriteError(w, rerr)
				return
			} else if np != nil {
				p = np
			}
		}
		WriteJSON(w, http.StatusOK, p)
	})
}

// WriteJSON answers with the status view of p ([From]) as JSON, with the
// given HTTP status code and the headers of every JSON answer of this
// module (Content-Type, Cache-Control: no-store, nosniff), as the status
// route does. Handlers of an application's own routes can use it to
// answer in the same shape.
func WriteJSON(w http.ResponseWriter, code int, p *payments.Payment) {
	v := From(p)
	if b, ok := v.appendJSON(httpjson.Buffer()); ok {
		httpjson.WriteEncoded(w, code, b)
		return
	}
	httpjson.Write(w, code, v)
}

// appendJSON appends v and a newline exactly as httpjson.Write encodes
// them, without reflection. It reports false where encoding/json would
// fail (a time outside years 0–9999); httpjson.Write then answers.
func (v *Payment) appendJSON(b []byte) ([]byte, bool) {
	ok := true
	str := func(key, s string) {
		b = append(b, key...)
		b = httpjson.AppendString(b, s)
	}
	num := func(key string, n int64) {
		b = append(b, key...)
		b = strconv.AppendInt(b, n, 10)
	}
	tm := func(key string, t time.Time) {
		b = append(b, key...)
		if ok {
			b, ok = httpjson.AppendTime(b, t)
		}
	}
	fail := func(key string, f *Failure) {
		if f != nil {
			b = append(b, key...)
			str(`{"code":`, f.Code)
			str(`,"message":`, f.Message)
			b = append(b, '}')
		}
	}
	str(`{"order_number":`, v.OrderNumber)
	str(`,"gateway":`, v.Gateway)
	str(`,"status":`, string(v.Status))
	if v.GatewayStatus != "" {
		str(`,"gateway_status":`, v.GatewayStatus)
	}
	str(`,"method":`, string(v.Method))
	num(`,"amount":`, int64(v.Amount))
	str(`,"currency":`, string(v.Currency))
	num(`,"refunded_amount":`, int64(v.RefundedAmount))
	num(`,"refundable_amount":`, int64(v.RefundableAmount))
	if v.GatewayReference != "" {
		str(`,"gateway_reference":`, v.GatewayReference)
	}
	if va := v.VirtualAccount; va != nil {
		str(`,"virtual_account":{"bank":`, va.Bank)
		str(`,"account_number":`, va.AccountNumber)
		str(`,"holder":`, va.Holder)
		tm(`,"due_date":`, va.DueDate)
		b = append(b, '}')
	}
	b = append(b, `,"refunds":`...)
	if v.Refunds == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range v.Refunds {
			r := &v.Refunds[i]
			if i > 0 {
				b = append(b, ',')
			}
			str(`{"id":`, r.ID)
			num(`,"amount":`, int64(r.Amount))
			str(`,"reason":`, r.Reason)
			str(`,"status":`, string(r.Status))
			if r.GatewayReference != "" {
				str(`,"gateway_reference":`, r.GatewayReference)
			}
			fail(`,"failure":`, r.Failure)
			tm(`,"created_at":`, r.CreatedAt)
			tm(`,"updated_at":`, r.UpdatedAt)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"attempts":`...)
	if v.Attempts == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range v.Attempts {
			a := &v.Attempts[i]
			if i > 0 {
				b = append(b, ',')
			}
			num(`{"number":`, int64(a.Number))
			str(`,"gateway":`, a.Gateway)
			str(`,"method":`, string(a.Method))
			str(`,"status":`, string(a.Status))
			if a.GatewayStatus != "" {
				str(`,"gateway_status":`, a.GatewayStatus)
			}
			str(`,"gateway_order_id":`, a.GatewayOrderID)
			if a.GatewayReference != "" {
				str(`,"gateway_reference":`, a.GatewayReference)
			}
			fail(`,"failure":`, a.Failure)
			tm(`,"created_at":`, a.CreatedAt)
			tm(`,"updated_at":`, a.UpdatedAt)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	fail(`,"failure":`, v.Failure)
	tm(`,"created_at":`, v.CreatedAt)
	tm(`,"updated_at":`, v.UpdatedAt)
	if v.PaidAt != nil {
		tm(`,"paid_at":`, *v.PaidAt)
	}
	return append(b, '}', '\n'), ok
}
