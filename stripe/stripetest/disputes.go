package stripetest

import (
	"time"

	"github.com/payments-go/payments/internal/web"
)

// Disputes (https://docs.stripe.com/disputes/how-disputes-work): a
// chargeback moves needs_response → under_review → won | lost, an
// inquiry warning_needs_response → warning_under_review → warning_closed.
// A chargeback withdraws the disputed amount at once
// (charge.dispute.funds_withdrawn) and, won, reinstates it
// (charge.dispute.funds_reinstated); an inquiry moves no money. While a
// chargeback is open or lost the charge cannot be refunded
// (is_charge_refundable false; the refusal's code is
// [Config].DisputeRefundCode), while an inquiry's charge can.

// dispute is one dispute of a charge.
type dispute struct {
	id         string
	created    int64
	amount     int64
	currency   string
	charge     string
	pi         string
	reason     string
	status     string
	inquiry    bool
	dueBy      int64
	submission int64
	evidence   bool
	// closed is when it was won or lost; withdrawnTxn and reinstatedTxn
	// are the ids of its balance transactions.
	closed                      int64
	withdrawnTxn, reinstatedTxn string
}

// Test payment methods that open disputes
// (https://docs.stripe.com/testing#disputes): the payment succeeds, then
// the customer's bank disputes it.
const (
	// PMCreateDispute succeeds; a fraudulent chargeback of the whole
	// amount is opened at once, in needs_response.
	PMCreateDispute = "pm_card_createDispute"
	// PMCreateDisputeInquiry succeeds; an inquiry (no money withdrawn)
	// is opened at once, in warning_needs_response.
	PMCreateDisputeInquiry = "pm_card_createDisputeInquiry"
)

// disputeJSON is the Dispute object
// (https://docs.stripe.com/api/disputes/object).
type disputeJSON struct {
	ID                  string            `json:"id"`
	Object              string            `json:"object"`
	Amount              int64             `json:"amount"`
	BalanceTransactions []any             `json:"balance_transactions"`
	Charge              any               `json:"charge"`
	Created             int64             `json:"created"`
	Currency            string            `json:"currency"`
	Evidence            map[string]any    `json:"evidence"`
	EvidenceDetails     map[string]any    `json:"evidence_details"`
	IsChargeRefundable  bool              `json:"is_charge_refundable"`
	Livemode            bool              `json:"livemode"`
	Metadata            map[string]string `json:"metadata"`
	PaymentIntent       any               `json:"payment_intent"`
	Reason              string            `json:"reason"`
	Status              string            `json:"status"`
}

const kindDispute = "dispute"

func (s *Server) renderDispute(dp *dispute, exp expansion) *disputeJSON {
	var due any
	if dp.dueBy != 0 {
		due = dp.dueBy
	}
	out := &disputeJSON{
		ID: dp.id, Object: kindDispute, Amount: dp.amount, BalanceTransactions: []any{}, Charge: dp.charge,
		Created: dp.created, Currency: dp.currency, Evidence: map[string]any{"uncategorized_text": nil},
		EvidenceDetails:    map[string]any{"due_by": due, "has_evidence": dp.evidence, "past_due": false, "submission_count": dp.submission},
		IsChargeRefundable: dp.inquiry, Metadata: map[string]string{}, PaymentIntent: strOrNil(dp.pi),
		Reason: dp.reason, Status: dp.status,
	}
	if sub, ok := exp.sub("payment_intent"); ok && dp.pi != "" {
		if pi := s.intents[dp.pi]; pi != nil {
			out.PaymentIntent = s.renderPI(pi, sub)
		}
	}
	if sub, ok := exp.sub("charge"); ok {
		if ch := s.charges[dp.charge]; ch != nil {
			out.Charge = s.renderCharge(ch, sub)
		}
	}
	return out
}

// disputeIfTestMethod opens the dispute that ch's test payment method
// asks for, once the charge is captured. Called with s.mu held.
func (s *Server) disputeIfTestMethod(ch *charge) {
	if ch == nil || ch.disputed {
		return
	}
	pm := s.methods[ch.paymentMethod]
	if pm == nil {
		return
	}
	switch pm.test.alias {
	case PMCreateDispute:
		s.openDispute(ch, "fraudulent", false)
	case PMCreateDisputeInquiry:
		s.openDispute(ch, "fraudulent", true)
	}
}

// openDispute opens a dispute of ch's captured amount. Called with s.mu
// held.
func (s *Server) openDispute(ch *charge, reason string, inquiry bool) *dispute {
	amount := ch.amount
	if ch.amountCaptured > 0 {
		amount = ch.amountCaptured
	}
	dp := &dispute{id: newID("dp_", 24), created: s.now().Unix(), amount: amount, currency: ch.currency, charge: ch.id,
		pi: ch.paymentIntent, reason: reason, status: "needs_response", inquiry: inquiry,
		dueBy: s.now().Add(7 * 24 * time.Hour).Unix(), withdrawnTxn: newID("txn_", 24), reinstatedTxn: newID("txn_", 24)}
	if inquiry {
		dp.status = "warning_needs_response"
	}
	ch.disputed = true
	s.disputes[dp.id] = dp
	s.disputeOrder = append(s.disputeOrder, dp.id)
	s.emit("charge.dispute.created", s.renderDispute(dp, nil))
	if !inquiry {
		s.emit("charge.dispute.funds_withdrawn", s.renderDispute(dp, nil))
	}
	return dp
}

// OpenDispute opens a dispute of the captured charge of PaymentIntent
// paymentIntentID, as the customer's bank would: a chargeback in
// needs_response, or with inquiry an inquiry in warning_needs_response,
// with reason (default "fraudulent"), sending charge.dispute.created
// (and, for a chargeback, charge.dispute.funds_withdrawn). It returns the
// dispute id, or an *[Error] when the PaymentIntent has no captured
// charge.
func (s *Server) OpenDispute(paymentIntentID, reason string, inquiry bool) (string, error) {
	s.lock()
	defer s.mu.Unlock()
	pi := s.intents[paymentIntentID]
	if pi == nil {
		return "", errNoSuch("payment_intent", paymentIntentID, "id")
	}
	ch := s.charges[pi.latestCharge]
	if pi.status != "succeeded" || ch == nil {
		return "", errState("", "PaymentIntent "+pi.id+" has status "+pi.status+" and no captured charge to dispute.")
	}
	if reason == "" {
		reason = "fraudulent"
	}
	return s.openDispute(ch, reason, inquiry).id, nil
}

// ReviewDispute moves an open dispute to review, as submitting evidence
// does (needs_response → under_review, warning_needs_response →
// warning_under_review), with charge.dispute.updated.
func (s *Server) ReviewDispute(id string) error {
	s.lock()
	defer s.mu.Unlock()
	dp := s.disputes[id]
	switch {
	case dp == nil:
		return errNoSuch("dispute", id, "id")
	case dp.status == "needs_response":
		dp.status = "under_review"
	case dp.status == "warning_needs_response":
		dp.status = "warning_under_review"
	default:
		return errState("", "Dispute "+dp.id+" has status "+dp.status+" and cannot go to review.")
	}
	dp.evidence, dp.submission = true, dp.submission+1
	s.emit("charge.dispute.updated", s.renderDispute(dp, nil))
	return nil
}

// ResolveDispute ends an open dispute as the bank decides: a chargeback
// won (charge.dispute.closed, then charge.dispute.funds_reinstated) or
// lost (charge.dispute.closed); an inquiry is closed (warning_closed)
// whatever won says.
func (s *Server) ResolveDispute(id string, won bool) error {
	s.lock()
	defer s.mu.Unlock()
	dp := s.disputes[id]
	if dp == nil {
		return errNoSuch("dispute", id, "id")
	}
	if closedDispute(dp.status) {
		return errState("", "Dispute "+dp.id+" is already closed ("+dp.status+").")
	}
	s.closeDispute(dp, won)
	return nil
}

func closedDispute(status string) bool {
	return status == "won" || status == "lost" || status == "warning_closed"
}

// closeDispute ends dp. Called with s.mu held.
func (s *Server) closeDispute(dp *dispute, won bool) {
	switch {
	case dp.inquiry:
		dp.status = "warning_closed"
	case won:
		dp.status = "won"
	default:
		dp.status = "lost"
	}
	dp.closed = s.now().Unix()
	s.emit("charge.dispute.closed", s.renderDispute(dp, nil))
	if dp.status == "won" {
		s.emit("charge.dispute.funds_reinstated", s.renderDispute(dp, nil))
	}
}

// refundBlocked reports whether ch has a chargeback open or lost, which
// makes Stripe refuse refunds. Called with s.mu held.
func (s *Server) refundBlocked(ch *charge) *Error {
	for _, id := range s.disputeOrder {
		dp := s.disputes[id]
		if dp.charge == ch.id && !dp.inquiry && dp.status != "won" {
			return errState(s.disputeRefundCode, "Charge "+ch.id+" has been charged back; it cannot be refunded.")
		}
	}
	return nil
}

func (s *Server) getDispute(req *apiRequest) (any, *Error) {
	dp, exp, err := s.disputeRequest(req)
	if err != nil {
		return nil, err
	}
	return s.renderDispute(dp, exp), nil
}

// disputeRequest reads the expand[] of a request on /v1/disputes/{id} and
// finds the dispute. Called with s.mu held.
func (s *Server) disputeRequest(req *apiRequest) (*dispute, expansion, *Error) {
	d := &decoder{}
	p := d.root(req.body)
	p.only("expand")
	expand, _ := p.strings("expand")
	if d.err != nil {
		return nil, nil, d.err
	}
	exp, err := parseExpand(kindDispute, expand)
	if err != nil {
		return nil, nil, err
	}
	dp := s.disputes[req.id]
	if dp == nil {
		return nil, nil, errNoSuch("dispute", web.Clip(req.id, 60), "id")
	}
	return dp, exp, nil
}

// listDisputes is GET /v1/disputes (https://docs.stripe.com/api/disputes/list):
// the disputes of a PaymentIntent or a charge, or all, newest first, with
// limit (no cursor: the fake's lists fit in one page of 100).
func (s *Server) listDisputes(req *apiRequest) (any, *Error) {
	d := &decoder{}
	p := d.root(req.body)
	p.only("payment_intent", "charge", "limit", "expand")
	piID, hasPI := p.str("payment_intent")
	chID, hasCh := p.str("charge")
	limit, hasLimit := p.int("limit")
	expand, _ := p.strings("expand")
	if d.err != nil {
		return nil, d.err
	}
	limit, lerr := listLimit(limit, hasLimit)
	if lerr != nil {
		return nil, lerr
	}
	exp, err := listExpand(kindDispute, expand)
	if err != nil {
		return nil, err
	}
	out := &listJSON{Object: "list", Data: []any{}, URL: "/v1/disputes"}
	for i := len(s.disputeOrder) - 1; i >= 0; i-- {
		dp := s.disputes[s.disputeOrder[i]]
		if (hasPI && dp.pi != piID) || (hasCh && dp.charge != chID) {
			continue
		}
		if len(out.Data) == int(limit) {
			out.HasMore = true
			break
		}
		out.Data = append(out.Data, s.renderDispute(dp, exp))
	}
	return out, nil
}

// closeDisputeAPI is POST /v1/disputes/{id}/close
// (https://docs.stripe.com/api/disputes/close): the merchant accepts the
// dispute, which is lost (an inquiry: closed).
func (s *Server) closeDisputeAPI(req *apiRequest) (any, *Error) {
	dp, exp, err := s.disputeRequest(req)
	if err != nil {
		return nil, err
	}
	if closedDispute(dp.status) {
		return nil, errState("", "This dispute is already closed ("+dp.status+").")
	}
	s.closeDispute(dp, false)
	return s.renderDispute(dp, exp), nil
}
