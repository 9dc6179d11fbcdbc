package sqlstore

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/payments-go/payments"
)

// The JSONB documents: the attempts and refunds of a payment, and the
// events of the outbox. They are the package's own types, not the
// payments structs, so the stored format is explicit and stable whatever
// the Go types gain, and so that the deposit secret is stored as the
// value itself ([payments.Secret] marshals as "REDACTED").

type attemptDoc struct {
	Number         int                `json:"number"`
	Gateway        string             `json:"gateway"`
	Method         string             `json:"method"`
	Status         string             `json:"status"`
	GatewayStatus  string             `json:"gateway_status,omitempty"`
	GatewayOrderID string             `json:"gateway_order_id,omitempty"`
	Reference      string             `json:"reference,omitempty"`
	Session        string             `json:"session,omitempty"`
	RedirectURL    string             `json:"redirect_url,omitempty"`
	SuccessURL     string             `json:"success_url,omitempty"`
	FailURL        string             `json:"fail_url,omitempty"`
	PaymentMethod  string             `json:"payment_method,omitempty"`
	SavedMethod    string             `json:"saved_method,omitempty"`
	VirtualAccount *virtualAccountDoc `json:"virtual_account,omitempty"`
	DepositSecret  string             `json:"deposit_secret,omitempty"`
	Failure        *failureDoc        `json:"failure,omitempty"`
	CreatedAt      string             `json:"created_at,omitempty"`
	UpdatedAt      string             `json:"updated_at,omitempty"`
	PaidAt         string             `json:"paid_at,omitempty"`
	ManualCapture  bool               `json:"manual_capture,omitempty"`
	Capture        *captureDoc        `json:"capture,omitempty"`
	Void           *voidDoc           `json:"void,omitempty"`
}

type refundDoc struct {
	ID               string          `json:"id"`
	Amount           int64           `json:"amount"`
	Reason           string          `json:"reason,omitempty"`
	StripeReason     string          `json:"stripe_reason,omitempty"`
	Status           string          `json:"status"`
	Attempt          int             `json:"attempt"`
	GatewayReference string          `json:"gateway_reference,omitempty"`
	ReceiveAccount   *bankAccountDoc `json:"receive_account,omitempty"`
	RequestHash      string          `json:"request_hash,omitempty"`
	Failure          *failureDoc     `json:"failure,omitempty"`
	CreatedAt        string          `json:"created_at,omitempty"`
	UpdatedAt        string          `json:"updated_at,omitempty"`
}

type virtualAccountDoc struct {
	Bank          string `json:"bank"`
	AccountNumber string `json:"account_number"`
	Holder        string `json:"holder"`
	DueDate       string `json:"due_date,omitempty"`
}

type bankAccountDoc struct {
	Bank          string `json:"bank"`
	AccountNumber string `json:"account_number"`
	HolderName    string `json:"holder_name"`
}

type failureDoc struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// encodePayment returns the JSON text of the refunds, attempts, virtual
// account and failure columns; nil for SQL NULL.
func encodePayment(p *payments.Payment) (refunds, attempts string, va, fail any, err error) {
	if refunds, err = marshal(refundsToDoc(p.Refunds)); err != nil {
		return "", "", nil, nil, fmt.Errorf("encode refunds: %w", err)
	}
	if attempts, err = marshal(attemptsToDoc(p.Attempts)); err != nil {
		return "", "", nil, nil, fmt.Errorf("encode attempts: %w", err)
	}
	if d := vaToDoc(p.VirtualAccount); d != nil {
		if va, err = marshal(d); err != nil {
			return "", "", nil, nil, fmt.Errorf("encode virtual account: %w", err)
		}
	}
	if d := failureToDoc(p.Failure); d != nil {
		if fail, err = marshal(d); err != nil {
			return "", "", nil, nil, fmt.Errorf("encode failure: %w", err)
		}
	}
	return refunds, attempts, va, fail, nil
}

// decodePayment fills p's refunds, attempts, virtual account and failure
// from their columns (nil for SQL NULL).
func decodePayment(p *payments.Payment, refunds, attempts, va, fail []byte) error {
	var rs []refundDoc
	if err := json.Unmarshal(refunds, &rs); err != nil {
		return fmt.Errorf("decode refunds: %w", err)
	}
	var as []attemptDoc
	if err := json.Unmarshal(attempts, &as); err != nil {
		return fmt.Errorf("decode attempts: %w", err)
	}
	var err error
	if p.Refunds, err = refundsFromDoc(rs); err != nil {
		return err
	}
	if p.Attempts, err = attemptsFromDoc(as); err != nil {
		return err
	}
	if va != nil {
		var d virtualAccountDoc
		if err := json.Unmarshal(va, &d); err != nil {
			return fmt.Errorf("decode virtual account: %w", err)
		}
		if p.VirtualAccount, err = vaFromDoc(&d); err != nil {
			return fmt.Errorf("decode virtual account: %w", err)
		}
	}
	if fail != nil {
		var d failureDoc
		if err := json.Unmarshal(fail, &d); err != nil {
			return fmt.Errorf("decode failure: %w", err)
		}
		p.Failure = failureFromDoc(&d)
	}
	return nil
}

// paymentDoc is a whole payment, as an event in the payment_outbox table
// carries it.
type paymentDoc struct {
	ID               string             `json:"id"`
	OrderNumber      string             `json:"order_number"`
	Amount           int64              `json:"amount"`
	Currency         string             `json:"currency"`
	Status           string             `json:"status"`
	Gateway          string             `json:"gateway,omitempty"`
	Method           string             `json:"method,omitempty"`
	GatewayReference string             `json:"gateway_reference,omitempty"`
	RefundedAmount   int64              `json:"refunded_amount"`
	Refunds          []refundDoc        `json:"refunds"`
	Attempts         []attemptDoc       `json:"attempts"`
	VirtualAccount   *virtualAccountDoc `json:"virtual_account,omitempty"`
	Failure          *failureDoc        `json:"failure,omitempty"`
	CreatedAt        string             `json:"created_at,omitempty"`
	UpdatedAt        string             `json:"updated_at,omitempty"`
	PaidAt           string             `json:"paid_at,omitempty"`
	Version          int64              `json:"version"`
	EventSeq         int64              `json:"event_seq"`
	AmountCapturable int64              `json:"amount_capturable,omitempty"`
	Disputes         []disputeDoc       `json:"disputes,omitempty"`
}

// eventDoc is the event column of the payment_outbox table.
type eventDoc struct {
	ID          string      `json:"id"`
	Seq         int64       `json:"seq"`
	Type        string      `json:"type"`
	OrderNumber string      `json:"order_number"`
	From        string      `json:"from,omitempty"`
	To          string      `json:"to,omitempty"`
	Attempt     int         `json:"attempt,omitempty"`
	Refund      *refundDoc  `json:"refund,omitempty"`
	Payment     *paymentDoc `json:"payment,omitempty"`
	At          string      `json:"at"`
	Method      *methodDoc  `json:"method,omitempty"`
	Dispute     *disputeDoc `json:"dispute,omitempty"`
}

// eventRow is one element of the JSON array that Create and Update pass
// to jsonb_to_recordset: the outbox columns of one event.
type eventRow struct {
	ID    string   `json:"id"`
	Seq   int64    `json:"seq"`
	Type  string   `json:"type"`
	At    string   `json:"at"`
	Event eventDoc `json:"event"`
}

// encodeEvents returns the JSON array of the rows of events, of the
// payment with the given order number.
func encodeEvents(order string, events []payments.Event) (string, error) {
	rows := make([]eventRow, len(events))
	for i, e := range events {
		d := eventDoc{
			ID: clean(e.ID), Seq: e.Seq, Type: clean(string(e.Type)), OrderNumber: order,
			From: clean(string(e.From)), To: clean(string(e.To)), Attempt: e.Attempt, At: timeToDoc(e.At),
		}
		if e.Refund != nil {
			r := refundToDoc(*e.Refund)
			d.Refund = &r
		}
		if p := e.Payment; p != nil {
			d.Payment = &paymentDoc{
				ID: clean(p.ID), OrderNumber: clean(p.OrderNumber), Amount: int64(p.Amount), Currency: clean(string(p.Currency)),
				Status: clean(string(p.Status)), Gateway: clean(p.Gateway), Method: clean(string(p.Method)),
				GatewayReference: clean(p.GatewayReference), RefundedAmount: int64(p.RefundedAmount),
				Refunds: refundsToDoc(p.Refunds), Attempts: attemptsToDoc(p.Attempts),
				VirtualAccount: vaToDoc(p.VirtualAccount), Failure: failureToDoc(p.Failure),
				CreatedAt: timeToDoc(p.CreatedAt), UpdatedAt: timeToDoc(p.UpdatedAt), PaidAt: timeToDoc(p.PaidAt),
				Version: p.Version, EventSeq: p.EventSeq,
				AmountCapturable: int64(p.AmountCapturable), Disputes: disputesToDoc(p.Disputes),
			}
		}
		if m := e.Method; m != nil {
			md := methodToDoc(m)
			d.Method = &md
		}
		if e.Dispute != nil {
			x := disputeToDoc(*e.Dispute)
			d.Dispute = &x
		}
		// The outbox's created_at and due_at, in PostgreSQL's resolution,
		// truncated as Go's times are truncated for the comparisons.
		at := timeToDoc(e.At.Truncate(time.Microsecond))
		rows[i] = eventRow{ID: d.ID, Seq: e.Seq, Type: d.Type, At: at, Event: d}
	}
	return marshal(rows)
}

// decodeEvent reads an event column.
func decodeEvent(b []byte) (payments.Event, error) {
	var d eventDoc
	if err := json.Unmarshal(b, &d); err != nil {
		return payments.Event{}, fmt.Errorf("decode event: %w", err)
	}
	e := payments.Event{
		ID: d.ID, Seq: d.Seq, Type: payments.EventType(d.Type), OrderNumber: d.OrderNumber,
		From: payments.Status(d.From), To: payments.Status(d.To), Attempt: d.Attempt,
	}
	var err error
	if e.At, err = timeFromDoc(d.At); err != nil {
		return e, fmt.Errorf("decode event %s: %w", d.ID, err)
	}
	if d.Refund != nil {
		r, err := refundFromDoc(*d.Refund)
		if err != nil {
			return e, fmt.Errorf("decode event %s: %w", d.ID, err)
		}
		e.Refund = &r
	}
	if d.Dispute != nil {
		x, err := disputeFromDoc(*d.Dispute)
		if err != nil {
			return e, fmt.Errorf("decode event %s: %w", d.ID, err)
		}
		e.Dispute = &x
	}
	if pd := d.Payment; pd != nil {
		p := &payments.Payment{
			ID: pd.ID, OrderNumber: pd.OrderNumber, Amount: payments.Amount(pd.Amount), Currency: payments.Currency(pd.Currency),
			Status: payments.Status(pd.Status), Gateway: pd.Gateway, Method: payments.Method(pd.Method),
			GatewayReference: pd.GatewayReference, RefundedAmount: payments.Amount(pd.RefundedAmount),
			Failure: failureFromDoc(pd.Failure), Version: pd.Version, EventSeq: pd.EventSeq,
		}
		if p.Refunds, err = refundsFromDoc(pd.Refunds); err != nil {
			return e, fmt.Errorf("decode event %s: %w", d.ID, err)
		}
		if p.Attempts, err = attemptsFromDoc(pd.Attempts); err != nil {
			return e, fmt.Errorf("decode event %s: %w", d.ID, err)
		}
		if p.VirtualAccount, err = vaFromDoc(pd.VirtualAccount); err != nil {
			return e, fmt.Errorf("decode event %s: %w", d.ID, err)
		}
		p.AmountCapturable = payments.Amount(pd.AmountCapturable)
		if p.Disputes, err = disputesFromDoc(pd.Disputes); err != nil {
			return e, fmt.Errorf("decode event %s: %w", d.ID, err)
		}
		for _, f := range []struct {
			dst *time.Time
			src string
		}{{&p.CreatedAt, pd.CreatedAt}, {&p.UpdatedAt, pd.UpdatedAt}, {&p.PaidAt, pd.PaidAt}} {
			if *f.dst, err = timeFromDoc(f.src); err != nil {
				return e, fmt.Errorf("decode event %s: %w", d.ID, err)
			}
		}
		e.Payment = p
	}
	if d.Method != nil {
		m, err := methodFromDoc(*d.Method)
		if err != nil {
			return e, fmt.Errorf("decode event %s: %w", d.ID, err)
		}
		e.Method = m
	}
	return e, nil
}

func refundToDoc(r payments.Refund) refundDoc {
	return refundDoc{
		ID: clean(r.ID), Amount: int64(r.Amount), Reason: clean(r.Reason), StripeReason: clean(r.StripeReason),
		Status: clean(string(r.Status)), Attempt: r.Attempt,
		GatewayReference: clean(r.GatewayReference), ReceiveAccount: bankToDoc(r.ReceiveAccount),
		RequestHash: clean(r.RequestHash), Failure: failureToDoc(r.Failure),
		CreatedAt: timeToDoc(r.CreatedAt), UpdatedAt: timeToDoc(r.UpdatedAt),
	}
}

func refundsToDoc(rs []payments.Refund) []refundDoc {
	out := make([]refundDoc, len(rs))
	for i, r := range rs {
		out[i] = refundToDoc(r)
	}
	return out
}

func refundFromDoc(d refundDoc) (payments.Refund, error) {
	r := payments.Refund{
		ID: d.ID, Amount: payments.Amount(d.Amount), Reason: d.Reason, StripeReason: d.StripeReason, Status: payments.RefundStatus(d.Status),
		Attempt: d.Attempt, GatewayReference: d.GatewayReference, ReceiveAccount: bankFromDoc(d.ReceiveAccount),
		RequestHash: d.RequestHash, Failure: failureFromDoc(d.Failure),
	}
	var err error
	if r.CreatedAt, err = timeFromDoc(d.CreatedAt); err != nil {
		return r, fmt.Errorf("decode refund %s: %w", d.ID, err)
	}
	if r.UpdatedAt, err = timeFromDoc(d.UpdatedAt); err != nil {
		return r, fmt.Errorf("decode refund %s: %w", d.ID, err)
	}
	return r, nil
}

func refundsFromDoc(ds []refundDoc) ([]payments.Refund, error) {
	var out []payments.Refund
	for _, d := range ds {
		r, err := refundFromDoc(d)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func attemptsToDoc(as []payments.Attempt) []attemptDoc {
	out := make([]attemptDoc, len(as))
	for i, a := range as {
		out[i] = attemptDoc{
			Number: a.Number, Gateway: clean(a.Gateway), Method: clean(string(a.Method)), Status: clean(string(a.Status)),
			GatewayStatus: clean(a.GatewayStatus), GatewayOrderID: clean(a.GatewayOrderID), Reference: clean(a.Reference),
			Session: clean(a.Session), RedirectURL: clean(a.RedirectURL), SuccessURL: clean(a.SuccessURL), FailURL: clean(a.FailURL),
			PaymentMethod: clean(a.PaymentMethod), SavedMethod: clean(a.SavedMethod), VirtualAccount: vaToDoc(a.VirtualAccount),
			DepositSecret: clean(a.DepositSecret.Reveal()), Failure: failureToDoc(a.Failure),
			CreatedAt: timeToDoc(a.CreatedAt), UpdatedAt: timeToDoc(a.UpdatedAt), PaidAt: timeToDoc(a.PaidAt),
			ManualCapture: a.ManualCapture, Capture: captureToDoc(a.Capture), Void: voidToDoc(a.Void),
		}
	}
	return out
}

func attemptsFromDoc(ds []attemptDoc) ([]payments.Attempt, error) {
	var out []payments.Attempt
	for _, d := range ds {
		a := payments.Attempt{
			Number: d.Number, Gateway: d.Gateway, Method: payments.Method(d.Method), Status: payments.Status(d.Status),
			GatewayStatus: d.GatewayStatus, GatewayOrderID: d.GatewayOrderID, Reference: d.Reference,
			Session: d.Session, RedirectURL: d.RedirectURL, SuccessURL: d.SuccessURL, FailURL: d.FailURL,
			PaymentMethod: d.PaymentMethod, SavedMethod: d.SavedMethod, DepositSecret: payments.Secret(d.DepositSecret),
			Failure: failureFromDoc(d.Failure), ManualCapture: d.ManualCapture,
		}
		var err error
		if a.Capture, err = captureFromDoc(d.Capture); err != nil {
			return nil, fmt.Errorf("decode attempt %d: %w", d.Number, err)
		}
		if a.Void, err = voidFromDoc(d.Void); err != nil {
			return nil, fmt.Errorf("decode attempt %d: %w", d.Number, err)
		}
		if a.VirtualAccount, err = vaFromDoc(d.VirtualAccount); err != nil {
			return nil, fmt.Errorf("decode attempt %d: %w", d.Number, err)
		}
		if a.CreatedAt, err = timeFromDoc(d.CreatedAt); err != nil {
			return nil, fmt.Errorf("decode attempt %d: %w", d.Number, err)
		}
		if a.UpdatedAt, err = timeFromDoc(d.UpdatedAt); err != nil {
			return nil, fmt.Errorf("decode attempt %d: %w", d.Number, err)
		}
		if a.PaidAt, err = timeFromDoc(d.PaidAt); err != nil {
			return nil, fmt.Errorf("decode attempt %d: %w", d.Number, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// clean makes s storable in PostgreSQL text and jsonb, which hold
// neither NUL nor invalid UTF-8: each such byte becomes U+FFFD, as
// encoding/json already does for invalid UTF-8. A payment is never refused
// for a gateway message it could not change. Valid strings, that is all
// but pathological ones, are returned as they are.
func clean(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

func marshal(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// Times inside the documents are RFC 3339 with nanoseconds, in UTC; the
// zero time is left out.
func timeToDoc(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func timeFromDoc(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

func vaToDoc(v *payments.VirtualAccount) *virtualAccountDoc {
	if v == nil {
		return nil
	}
	return &virtualAccountDoc{Bank: clean(v.Bank), AccountNumber: clean(v.AccountNumber), Holder: clean(v.Holder), DueDate: timeToDoc(v.DueDate)}
}

func vaFromDoc(d *virtualAccountDoc) (*payments.VirtualAccount, error) {
	if d == nil {
		return nil, nil
	}
	due, err := timeFromDoc(d.DueDate)
	if err != nil {
		return nil, err
	}
	return &payments.VirtualAccount{Bank: d.Bank, AccountNumber: d.AccountNumber, Holder: d.Holder, DueDate: due}, nil
}

func bankToDoc(b *payments.BankAccount) *bankAccountDoc {
	if b == nil {
		return nil
	}
	return &bankAccountDoc{Bank: clean(b.Bank), AccountNumber: clean(b.AccountNumber), HolderName: clean(b.HolderName)}
}

func bankFromDoc(d *bankAccountDoc) *payments.BankAccount {
	if d == nil {
		return nil
	}
	return &payments.BankAccount{Bank: d.Bank, AccountNumber: d.AccountNumber, HolderName: d.HolderName}
}

func failureToDoc(f *payments.Failure) *failureDoc {
	if f == nil {
		return nil
	}
	return &failureDoc{Code: clean(f.Code), Message: clean(f.Message)}
}

func failureFromDoc(d *failureDoc) *payments.Failure {
	if d == nil {
		return nil
	}
	return &payments.Failure{Code: d.Code, Message: d.Message}
}

// methodDoc is a saved payment method in an event, without its token and
// gateway customer, which events never carry.
type methodDoc struct {
	ID         string `json:"id"`
	Gateway    string `json:"gateway"`
	CustomerID string `json:"customer_id"`
	Type       string `json:"type"`
	Brand      string `json:"brand,omitempty"`
	Last4      string `json:"last4,omitempty"`
	Status     string `json:"status"`
	RemovedBy  string `json:"removed_by,omitempty"`
	CreatedAt  string `json:"created_at,omitempty"`
	UpdatedAt  string `json:"updated_at,omitempty"`
	Version    int64  `json:"version"`
	EventSeq   int64  `json:"event_seq"`
}

func methodToDoc(m *payments.PaymentMethod) methodDoc {
	return methodDoc{
		ID: clean(m.ID), Gateway: clean(m.Gateway), CustomerID: clean(m.CustomerID), Type: clean(string(m.Type)),
		Brand: clean(m.Brand), Last4: clean(m.Last4), Status: clean(string(m.Status)), RemovedBy: clean(m.RemovedBy),
		CreatedAt: timeToDoc(m.CreatedAt), UpdatedAt: timeToDoc(m.UpdatedAt), Version: m.Version, EventSeq: m.EventSeq,
	}
}

func methodFromDoc(d methodDoc) (*payments.PaymentMethod, error) {
	m := &payments.PaymentMethod{
		ID: d.ID, Gateway: d.Gateway, CustomerID: d.CustomerID, Type: payments.Method(d.Type), Brand: d.Brand,
		Last4: d.Last4, Status: payments.MethodStatus(d.Status), RemovedBy: d.RemovedBy, Version: d.Version, EventSeq: d.EventSeq,
	}
	var err error
	if m.CreatedAt, err = timeFromDoc(d.CreatedAt); err != nil {
		return nil, err
	}
	if m.UpdatedAt, err = timeFromDoc(d.UpdatedAt); err != nil {
		return nil, err
	}
	return m, nil
}
