// Package status is the status-lookup operation for HTTP callers,
// GET /payments/status?order_number=…[&refresh=true], and the JSON view of
// a payment that every route of the library answers with.
//
// # The view
//
// [Payment] is the JSON view of a [payments.Payment]: the unified status,
// amounts in minor units with their currency, the refundable balance, the
// virtual account, refunds, disputes and attempts. Every field is always
// present: a field with nothing to say is null, a list with nothing in it
// is [], so that clients can rely on the shape. Secrets (deposit secrets,
// client secrets) never appear in it.
//
// # Who sees what
//
// Order numbers are often sequential or dated, so anyone can guess one.
// The status route therefore answers the full view only to callers the
// application vouches for: those its admin [payments.Authorizer] accepts,
// and those its optional [Config.Owner] check accepts (for instance: the
// signed-in customer placed the order). Everyone else gets [Public]: the
// status, the amounts, and where to pay a virtual account, with no gateway
// references, attempts, failure details, refunds, disputes, holder names
// or customer data. Both views always carry every one of their fields.
//
// # Refresh
//
// With refresh=true the handler first re-reads the latest attempt from its
// gateway ([payments.Service.Refresh]) and repairs the local record through
// the normal transitions: a confirm that succeeded at the gateway while
// the local write failed becomes paid.
package status

import (
	"time"

	"github.com/payments-go/payments"
)

// Payment is the JSON view of a payment.
type Payment struct {
	OrderNumber      string            `json:"order_number"`
	Gateway          string            `json:"gateway"`
	Status           payments.Status   `json:"status"`
	GatewayStatus    *string           `json:"gateway_status"` // the latest attempt's status at its gateway
	Method           payments.Method   `json:"method"`
	Amount           payments.Amount   `json:"amount"`
	Currency         payments.Currency `json:"currency"`
	RefundedAmount   payments.Amount   `json:"refunded_amount"`
	RefundableAmount payments.Amount   `json:"refundable_amount"`
	AmountCapturable payments.Amount   `json:"amount_capturable"` // what an authorisation still allows to capture
	GatewayReference *string           `json:"gateway_reference"` // Toss paymentKey, Stripe PaymentIntent (or Checkout Session) id
	VirtualAccount   *VirtualAccount   `json:"virtual_account"`
	Refunds          []Refund          `json:"refunds"`
	Disputes         []Dispute         `json:"disputes"`
	Attempts         []Attempt         `json:"attempts"`
	Failure          *Failure          `json:"failure"`
	CreatedAt        time.Time         `json:"created_at"`
	UpdatedAt        time.Time         `json:"updated_at"`
	PaidAt           *time.Time        `json:"paid_at"`
}

// Public is the view of a payment for callers who are neither admins nor
// accepted by [Config.Owner]: what a customer's browser needs to show the
// outcome, and nothing that identifies the payment at its gateway or the
// people involved.
type Public struct {
	OrderNumber      string                `json:"order_number"`
	Status           payments.Status       `json:"status"`
	Method           payments.Method       `json:"method"`
	Amount           payments.Amount       `json:"amount"`
	Currency         payments.Currency     `json:"currency"`
	RefundedAmount   payments.Amount       `json:"refunded_amount"`
	RefundableAmount payments.Amount       `json:"refundable_amount"`
	VirtualAccount   *PublicVirtualAccount `json:"virtual_account"`
	CreatedAt        time.Time             `json:"created_at"`
	UpdatedAt        time.Time             `json:"updated_at"`
	PaidAt           *time.Time            `json:"paid_at"`
}

// PublicVirtualAccount is where to pay a virtual account, without its
// holder's name.
type PublicVirtualAccount struct {
	Bank          string    `json:"bank"`
	AccountNumber string    `json:"account_number"`
	DueDate       time.Time `json:"due_date"`
}

// PublicFrom returns the public view of p.
func PublicFrom(p *payments.Payment) Public {
	out := Public{
		OrderNumber: p.OrderNumber, Status: p.Status, Method: p.Method, Amount: p.Amount, Currency: p.Currency,
		RefundedAmount: p.RefundedAmount, RefundableAmount: p.Refundable(),
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
	if va := p.VirtualAccount; va != nil {
		out.VirtualAccount = &PublicVirtualAccount{Bank: va.Bank, AccountNumber: va.AccountNumber, DueDate: va.DueDate.UTC()}
	}
	if !p.PaidAt.IsZero() {
		t := p.PaidAt.UTC()
		out.PaidAt = &t
	}
	return out
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
	GatewayReference *string               `json:"gateway_reference"`
	Failure          *Failure              `json:"failure"`
	CreatedAt        time.Time             `json:"created_at"`
	UpdatedAt        time.Time             `json:"updated_at"`
}

// Dispute is the JSON view of a dispute (a chargeback) a gateway reported
// on the payment. Status is the gateway's own: for Stripe
// warning_needs_response, warning_under_review, warning_closed,
// needs_response, under_review, won or lost
// (https://docs.stripe.com/disputes/how-disputes-work).
type Dispute struct {
	ID            string            `json:"dispute_id"`
	Amount        payments.Amount   `json:"amount"`
	Currency      payments.Currency `json:"currency"`
	Reason        string            `json:"reason"`
	Status        string            `json:"status"`
	EvidenceDueBy *time.Time        `json:"evidence_due_by"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
}

// Attempt is the JSON view of an attempt.
type Attempt struct {
	Number           int             `json:"number"`
	Gateway          string          `json:"gateway"`
	Method           payments.Method `json:"method"`
	Status           payments.Status `json:"status"`
	GatewayStatus    *string         `json:"gateway_status"`
	GatewayOrderID   string          `json:"gateway_order_id"`
	GatewayReference *string         `json:"gateway_reference"`
	Failure          *Failure        `json:"failure"`
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
		GatewayReference: optional(p.GatewayReference), Failure: failure(p.Failure),
		Refunds: []Refund{}, Disputes: []Dispute{}, Attempts: []Attempt{},
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
	if a := p.Latest(); a != nil {
		out.GatewayStatus = optional(a.GatewayStatus)
	}
	if va := p.VirtualAccount; va != nil {
		out.VirtualAccount = &VirtualAccount{Bank: va.Bank, AccountNumber: va.AccountNumber, Holder: va.Holder, DueDate: va.DueDate.UTC()}
	}
	if !p.PaidAt.IsZero() {
		t := p.PaidAt.UTC()
		out.PaidAt = &t
	}
	for _, r := range p.Refunds {
		out.Refunds = append(out.Refunds, RefundFrom(&r))
	}
	out.AmountCapturable = p.AmountCapturable
	for _, d := range p.Disputes {
		out.Disputes = append(out.Disputes, DisputeFrom(&d))
	}
	for _, a := range p.Attempts {
		out.Attempts = append(out.Attempts, Attempt{
			Number: a.Number, Gateway: a.Gateway, Method: a.Method, Status: a.Status, GatewayStatus: optional(a.GatewayStatus),
			GatewayOrderID: a.GatewayOrderID, GatewayReference: optional(a.Reference), Failure: failure(a.Failure),
			CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(),
		})
	}
	return out
}

// RefundFrom returns the JSON view of r.
func RefundFrom(r *payments.Refund) Refund {
	return Refund{ID: r.ID, Amount: r.Amount, Reason: r.Reason, Status: r.Status, GatewayReference: optional(r.GatewayReference),
		Failure: failure(r.Failure), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// DisputeFrom returns the JSON view of d.
func DisputeFrom(d *payments.Dispute) Dispute {
	out := Dispute{ID: d.ID, Amount: d.Amount, Currency: d.Currency, Reason: d.Reason, Status: string(d.Status),
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	if !d.EvidenceDueBy.IsZero() {
		t := d.EvidenceDueBy.UTC()
		out.EvidenceDueBy = &t
	}
	return out
}

func failure(f *payments.Failure) *Failure {
	if f == nil {
		return nil
	}
	return &Failure{Code: f.Code, Message: f.Message}
}

// optional is s, or nil (JSON null) when s is empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
