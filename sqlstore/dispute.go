package sqlstore

import (
	"encoding/json"
	"fmt"

	"github.com/payments-go/payments"
)

// The JSONB documents of manual capture and disputes (migration 0004):
// an attempt's capture and void, inside the attempts column, and the
// disputes column.

type captureDoc struct {
	Amount    int64       `json:"amount"`
	Status    string      `json:"status"`
	Failure   *failureDoc `json:"failure,omitempty"`
	CreatedAt string      `json:"created_at,omitempty"`
	UpdatedAt string      `json:"updated_at,omitempty"`
}

type voidDoc struct {
	Reason    string      `json:"reason,omitempty"`
	Status    string      `json:"status"`
	Failure   *failureDoc `json:"failure,omitempty"`
	CreatedAt string      `json:"created_at,omitempty"`
	UpdatedAt string      `json:"updated_at,omitempty"`
}

type disputeDoc struct {
	ID            string `json:"id"`
	Amount        int64  `json:"amount"`
	Currency      string `json:"currency"`
	Reason        string `json:"reason,omitempty"`
	Status        string `json:"status"`
	EvidenceDueBy string `json:"evidence_due_by,omitempty"`
	CreatedAt     string `json:"created_at,omitempty"`
	UpdatedAt     string `json:"updated_at,omitempty"`
}

func captureToDoc(c *payments.Capture) *captureDoc {
	if c == nil {
		return nil
	}
	return &captureDoc{Amount: int64(c.Amount), Status: clean(string(c.Status)), Failure: failureToDoc(c.Failure),
		CreatedAt: timeToDoc(c.CreatedAt), UpdatedAt: timeToDoc(c.UpdatedAt)}
}

func captureFromDoc(d *captureDoc) (*payments.Capture, error) {
	if d == nil {
		return nil, nil
	}
	c := &payments.Capture{Amount: payments.Amount(d.Amount), Status: payments.CaptureStatus(d.Status), Failure: failureFromDoc(d.Failure)}
	var err error
	if c.CreatedAt, err = timeFromDoc(d.CreatedAt); err != nil {
		return nil, fmt.Errorf("decode capture: %w", err)
	}
	if c.UpdatedAt, err = timeFromDoc(d.UpdatedAt); err != nil {
		return nil, fmt.Errorf("decode capture: %w", err)
	}
	return c, nil
}

func voidToDoc(v *payments.Void) *voidDoc {
	if v == nil {
		return nil
	}
	return &voidDoc{Reason: clean(v.Reason), Status: clean(string(v.Status)), Failure: failureToDoc(v.Failure),
		CreatedAt: timeToDoc(v.CreatedAt), UpdatedAt: timeToDoc(v.UpdatedAt)}
}

func voidFromDoc(d *voidDoc) (*payments.Void, error) {
	if d == nil {
		return nil, nil
	}
	v := &payments.Void{Reason: d.Reason, Status: payments.VoidStatus(d.Status), Failure: failureFromDoc(d.Failure)}
	var err error
	if v.CreatedAt, err = timeFromDoc(d.CreatedAt); err != nil {
		return nil, fmt.Errorf("decode void: %w", err)
	}
	if v.UpdatedAt, err = timeFromDoc(d.UpdatedAt); err != nil {
		return nil, fmt.Errorf("decode void: %w", err)
	}
	return v, nil
}

func disputesToDoc(ds []payments.Dispute) []disputeDoc {
	out := make([]disputeDoc, len(ds))
	for i, d := range ds {
		out[i] = disputeToDoc(d)
	}
	return out
}

func disputeToDoc(d payments.Dispute) disputeDoc {
	return disputeDoc{
		ID: clean(d.ID), Amount: int64(d.Amount), Currency: clean(string(d.Currency)), Reason: clean(d.Reason),
		Status: clean(string(d.Status)), EvidenceDueBy: timeToDoc(d.EvidenceDueBy),
		CreatedAt: timeToDoc(d.CreatedAt), UpdatedAt: timeToDoc(d.UpdatedAt),
	}
}

func disputeFromDoc(d disputeDoc) (payments.Dispute, error) {
	out := payments.Dispute{ID: d.ID, Amount: payments.Amount(d.Amount), Currency: payments.Currency(d.Currency),
		Reason: d.Reason, Status: payments.DisputeStatus(d.Status)}
	var err error
	if out.EvidenceDueBy, err = timeFromDoc(d.EvidenceDueBy); err != nil {
		return out, fmt.Errorf("decode dispute %s: %w", d.ID, err)
	}
	if out.CreatedAt, err = timeFromDoc(d.CreatedAt); err != nil {
		return out, fmt.Errorf("decode dispute %s: %w", d.ID, err)
	}
	if out.UpdatedAt, err = timeFromDoc(d.UpdatedAt); err != nil {
		return out, fmt.Errorf("decode dispute %s: %w", d.ID, err)
	}
	return out, nil
}

func disputesFromDoc(ds []disputeDoc) ([]payments.Dispute, error) {
	var out []payments.Dispute
	for _, d := range ds {
		x, err := disputeFromDoc(d)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// encodeDisputes returns the JSON text of the disputes column.
func encodeDisputes(p *payments.Payment) (string, error) {
	s, err := marshal(disputesToDoc(p.Disputes))
	if err != nil {
		return "", fmt.Errorf("encode disputes: %w", err)
	}
	return s, nil
}

// decodeDisputes fills p's disputes from their column.
func decodeDisputes(p *payments.Payment, b []byte) error {
	var ds []disputeDoc
	if err := json.Unmarshal(b, &ds); err != nil {
		return fmt.Errorf("decode disputes: %w", err)
	}
	var err error
	p.Disputes, err = disputesFromDoc(ds)
	return err
}
