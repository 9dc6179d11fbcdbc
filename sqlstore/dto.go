package sqlstore

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/payments-go/payments"
)

// The JSONB documents. They are the package's own types, not the
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
	VirtualAccount *virtualAccountDoc `json:"virtual_account,omitempty"`
	DepositSecret  string             `json:"deposit_secret,omitempty"`
	Failure        *failureDoc        `json:"failure,omitempty"`
	CreatedAt      string             `json:"created_at,omitempty"`
	UpdatedAt      string             `json:"updated_at,omitempty"`
	PaidAt         string             `json:"paid_at,omitempty"`
}

type refundDoc struct {
	ID               string          `json:"id"`
	Amount           int64           `json:"amount"`
	Reason           string          `json:"reason,omitempty"`
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
	rs := make([]refundDoc, len(p.Refunds))
	for i, r := range p.Refunds {
		rs[i] = refundDoc{
			ID: clean(r.ID), Amount: int64(r.Amount), Reason: clean(r.Reason), Status: clean(string(r.Status)), Attempt: r.Attempt,
			GatewayReference: clean(r.GatewayReference), ReceiveAccount: bankToDoc(r.ReceiveAccount),
			RequestHash: clean(r.RequestHash), Failure: failureToDoc(r.Failure),
			CreatedAt: timeToDoc(r.CreatedAt), UpdatedAt: timeToDoc(r.UpdatedAt),
		}
	}
	as := make([]attemptDoc, len(p.Attempts))
	for i, a := range p.Attempts {
		as[i] = attemptDoc{
			Number: a.Number, Gateway: clean(a.Gateway), Method: clean(string(a.Method)), Status: clean(string(a.Status)),
			GatewayStatus: clean(a.GatewayStatus), GatewayOrderID: clean(a.GatewayOrderID), Reference: clean(a.Reference),
			Session: clean(a.Session), RedirectURL: clean(a.RedirectURL), SuccessURL: clean(a.SuccessURL), FailURL: clean(a.FailURL),
			PaymentMethod: clean(a.PaymentMethod), VirtualAccount: vaToDoc(a.VirtualAccount),
			DepositSecret: clean(a.DepositSecret.Reveal()), Failure: failureToDoc(a.Failure),
			CreatedAt: timeToDoc(a.CreatedAt), UpdatedAt: timeToDoc(a.UpdatedAt), PaidAt: timeToDoc(a.PaidAt),
		}
	}
	if refunds, err = marshal(rs); err != nil {
		return "", "", nil, nil, fmt.Errorf("encode refunds: %w", err)
	}
	if attempts, err = marshal(as); err != nil {
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
	for _, d := range rs {
		r := payments.Refund{
			ID: d.ID, Amount: payments.Amount(d.Amount), Reason: d.Reason, Status: payments.RefundStatus(d.Status),
			Attempt: d.Attempt, GatewayReference: d.GatewayReference, ReceiveAccount: bankFromDoc(d.ReceiveAccount),
			RequestHash: d.RequestHash, Failure: failureFromDoc(d.Failure),
		}
		var err error
		if r.CreatedAt, err = timeFromDoc(d.CreatedAt); err != nil {
			return fmt.Errorf("decode refund %s: %w", d.ID, err)
		}
		if r.UpdatedAt, err = timeFromDoc(d.UpdatedAt); err != nil {
			return fmt.Errorf("decode refund %s: %w", d.ID, err)
		}
		p.Refunds = append(p.Refunds, r)
	}
	for _, d := range as {
		a := payments.Attempt{
			Number: d.Number, Gateway: d.Gateway, Method: payments.Method(d.Method), Status: payments.Status(d.Status),
			GatewayStatus: d.GatewayStatus, GatewayOrderID: d.GatewayOrderID, Reference: d.Reference,
			Session: d.Session, RedirectURL: d.RedirectURL, SuccessURL: d.SuccessURL, FailURL: d.FailURL,
			PaymentMethod: d.PaymentMethod, DepositSecret: payments.Secret(d.DepositSecret),
			Failure: failureFromDoc(d.Failure),
		}
		var err error
		if a.VirtualAccount, err = vaFromDoc(d.VirtualAccount); err != nil {
			return fmt.Errorf("decode attempt %d: %w", d.Number, err)
		}
		if a.CreatedAt, err = timeFromDoc(d.CreatedAt); err != nil {
			return fmt.Errorf("decode attempt %d: %w", d.Number, err)
		}
		if a.UpdatedAt, err = timeFromDoc(d.UpdatedAt); err != nil {
			return fmt.Errorf("decode attempt %d: %w", d.Number, err)
		}
		if a.PaidAt, err = timeFromDoc(d.PaidAt); err != nil {
			return fmt.Errorf("decode attempt %d: %w", d.Number, err)
		}
		p.Attempts = append(p.Attempts, a)
	}
	if va != nil {
		var d virtualAccountDoc
		if err := json.Unmarshal(va, &d); err != nil {
			return fmt.Errorf("decode virtual account: %w", err)
		}
		var err error
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
