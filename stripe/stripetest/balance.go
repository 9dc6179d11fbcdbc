package stripetest

import (
	"slices"
	"strings"
	"time"

	"github.com/payments-go/payments/internal/web"
)

// OpListBalanceTransactions is GET /v1/balance_transactions.
const OpListBalanceTransactions = "GET /v1/balance_transactions"

// FeeConfig is the fee the fake's balance transactions charge on
// payments: Percent hundredths of a percent of the amount, rounded half
// up, plus Fixed minor units. The zero value is Stripe's standard card
// pricing in the US, 2.9% + 30¢ (https://stripe.com/pricing); accounts
// and countries have other rates, and refunds return no fee
// (https://docs.stripe.com/refunds#refund-fees).
type FeeConfig struct {
	Percent int64
	Fixed   int64
	// AvailableDays is how long after its creation a transaction's money
	// becomes available (available_on, the start of that UTC day);
	// default 2.
	AvailableDays int
}

// BalanceTransaction is what GET /v1/balance_transactions reports of one
// transaction (https://docs.stripe.com/api/balance_transactions/object),
// as [Server.AlterBalanceTransaction] may change it.
type BalanceTransaction struct {
	ID                string
	Type              string // charge, payment, refund, payment_refund, refund_failure
	ReportingCategory string // charge, refund, refund_failure
	Amount            int64
	Fee               int64
	Net               int64
	Currency          string
	Created           int64
	AvailableOn       int64
	// Source is the id of the charge or refund.
	Source string
	// SourceStatus, if set, replaces the status of the charge the source
	// renders (succeeded, pending, failed) when data.source is expanded.
	SourceStatus string
}

// balanceState is what the discrepancy controls changed in the
// balance.
type balanceState struct {
	hidden  map[string]bool
	changed map[string][]func(*BalanceTransaction)
}

type balanceTxnJSON struct {
	ID                string          `json:"id"`
	Object            string          `json:"object"`
	Amount            int64           `json:"amount"`
	AvailableOn       int64           `json:"available_on"`
	Created           int64           `json:"created"`
	Currency          string          `json:"currency"`
	Description       any             `json:"description"`
	ExchangeRate      any             `json:"exchange_rate"`
	Fee               int64           `json:"fee"`
	FeeDetails        []feeDetailJSON `json:"fee_details"`
	Net               int64           `json:"net"`
	ReportingCategory string          `json:"reporting_category"`
	Source            any             `json:"source"`
	Status            string          `json:"status"`
	Type              string          `json:"type"`
}

type feeDetailJSON struct {
	Amount      int64  `json:"amount"`
	Application any    `json:"application"`
	Currency    string `json:"currency"`
	Description string `json:"description"`
	Type        string `json:"type"`
}

// fee is the fee of a payment of amount.
func (s *Server) fee(amount int64) int64 {
	pct, fixed := s.fees.Percent, s.fees.Fixed
	if pct == 0 && fixed == 0 {
		pct, fixed = 290, 30
	}
	return (amount*pct+5000)/10000 + fixed
}

// balanceLocked returns the account's balance transactions, newest
// first, with the discrepancy controls applied: one per succeeded
// charge, one per refund, and one more per failed refund, which gives
// the money back (https://docs.stripe.com/api/balance_transactions/object#balance_transaction_object-type).
func (s *Server) balanceLocked() []BalanceTransaction {
	days := s.fees.AvailableDays
	if days == 0 {
		days = 2
	}
	available := func(created int64) int64 {
		return time.Unix(created, 0).UTC().Truncate(24*time.Hour).AddDate(0, 0, days).Unix()
	}
	var out []BalanceTransaction
	add := func(t BalanceTransaction, keys ...string) {
		t.Net = t.Amount - t.Fee
		t.AvailableOn = available(t.Created)
		keys = append(keys, t.ID, t.Source)
		for _, k := range keys {
			if s.balance.hidden[k] {
				return
			}
		}
		for _, k := range keys {
			for _, f := range s.balance.changed[k] {
				f(&t)
			}
		}
		out = append(out, t)
	}
	bank := func(ch *charge) bool {
		pm := s.methods[ch.paymentMethod]
		return pm != nil && pm.test.typ == methodUSBankAccount
	}
	for _, ch := range s.charges {
		if ch.balanceTxn == "" || ch.failed != nil || ch.pending {
			continue
		}
		typ := "charge"
		if bank(ch) {
			typ = "payment" // https://docs.stripe.com/payments/ach-direct-debit
		}
		add(BalanceTransaction{ID: ch.balanceTxn, Type: typ, ReportingCategory: "charge", Amount: ch.amount,
			Fee: s.fee(ch.amount), Currency: ch.currency, Created: ch.created, Source: ch.id}, ch.paymentIntent)
	}
	for _, re := range s.refunds {
		ch := s.charges[re.charge]
		typ := "refund"
		if ch != nil && bank(ch) {
			typ = "payment_refund"
		}
		add(BalanceTransaction{ID: re.balanceTxn, Type: typ, ReportingCategory: "refund", Amount: -re.amount,
			Currency: re.currency, Created: re.created, Source: re.id})
		if re.status == "failed" {
			add(BalanceTransaction{ID: "txn_failure_" + re.id, Type: "refund_failure", ReportingCategory: "refund_failure",
				Amount: re.amount, Currency: re.currency, Created: re.created, Source: re.id})
		}
	}
	slices.SortFunc(out, func(a, b BalanceTransaction) int {
		if a.Created != b.Created {
			return int(b.Created - a.Created)
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out
}

// listBalanceTransactions is GET /v1/balance_transactions
// (https://docs.stripe.com/api/balance_transactions/list): newest first,
// limit 1–100 (default 10), starting_after or ending_before, created as
// an exact time or a range, type, source and currency filters, and
// expand[]=data.source (with data.source.payment_intent).
func (s *Server) listBalanceTransactions(req *apiRequest) (any, *Error) {
	d := &decoder{}
	p := d.root(req.body)
	p.only("limit", "starting_after", "ending_before", "created", "type", "source", "currency", "payout", "expand")
	limit, hasLimit := p.int("limit")
	after, hasAfter := p.str("starting_after")
	before, hasBefore := p.str("ending_before")
	typ, hasType := p.str("type")
	source, hasSource := p.str("source")
	currency, hasCurrency := p.str("currency")
	_, hasPayout := p.str("payout")
	expand, _ := p.strings("expand")
	var gt, gte, lt, lte int64
	var hasGT, hasGTE, hasLT, hasLTE bool
	if n, ok := p.get("created"); ok && n.kind == objNode {
		c, _ := p.object("created")
		c.only("gt", "gte", "lt", "lte")
		gt, hasGT = c.int("gt")
		gte, hasGTE = c.int("gte")
		lt, hasLT = c.int("lt")
		lte, hasLTE = c.int("lte")
	} else if at, ok := p.int("created"); ok {
		gte, hasGTE, lte, hasLTE = at, true, at, true
	}
	if d.err != nil {
		return nil, d.err
	}
	if !hasLimit {
		limit = 10
	}
	if limit < 1 || limit > 100 {
		return nil, errInvalid("limit", "This value must be between 1 and 100.")
	}
	if hasAfter && hasBefore {
		return nil, errInvalid("starting_after", "You may only specify one of these parameters: starting_after, ending_before.")
	}
	if hasPayout {
		// https://docs.stripe.com/api/balance_transactions/list#balance_transaction_list-payout:
		// automatic payouts only; the fake makes none.
		return nil, errInvalid("payout", "Balance transactions can only be filtered by automatic payouts.")
	}
	var sourceExp expansion
	expandSource := false
	for _, e := range expand {
		rest, ok := strings.CutPrefix(e, "data.source")
		if !ok || (rest != "" && !strings.HasPrefix(rest, ".")) {
			return nil, errInvalid("expand", "This property cannot be expanded ("+web.Clip(e, 80)+").")
		}
		expandSource = true
		if rest = strings.TrimPrefix(rest, "."); rest != "" {
			_, errCh := parseExpand(kindCharge, []string{rest})
			_, errRe := parseExpand(kindRefund, []string{rest})
			if errCh != nil && errRe != nil {
				return nil, errInvalid("expand", "This property cannot be expanded ("+web.Clip(e, 80)+").")
			}
			if sourceExp == nil {
				sourceExp = expansion{}
			}
			sourceExp[rest] = true
		}
	}
	var all []BalanceTransaction
	for _, t := range s.balanceLocked() {
		switch {
		case hasType && t.Type != typ, hasSource && t.Source != source, hasCurrency && t.Currency != strings.ToLower(currency),
			hasGT && t.Created <= gt, hasGTE && t.Created < gte, hasLT && t.Created >= lt, hasLTE && t.Created > lte:
			continue
		}
		all = append(all, t)
	}
	page, more, err := listPage(all, func(t BalanceTransaction) string { return t.ID }, "balance_transaction", after, before, int(limit))
	if err != nil {
		return nil, err
	}
	out := &listJSON{Object: "list", Data: []any{}, HasMore: more, URL: "/v1/balance_transactions"}
	for _, t := range page {
		out.Data = append(out.Data, s.renderBalance(t, expandSource, sourceExp))
	}
	return out, nil
}

// listPage cuts a page of a list, newest first, as Stripe's cursors do
// (https://docs.stripe.com/api/pagination): after the object with id
// after, or the limit objects before the one with id before (at most one
// of them set), and whether more objects follow in that direction. An
// unknown cursor is resource_missing, naming the parameter.
func listPage[T any](all []T, id func(T) string, noun, after, before string, limit int) ([]T, bool, *Error) {
	start, end := 0, len(all)
	cursor := func(v, param string) (int, *Error) {
		for i, o := range all {
			if id(o) == v {
				return i, nil
			}
		}
		return 0, errNoSuch(noun, web.Clip(v, 60), param)
	}
	switch {
	case after != "":
		i, err := cursor(after, "starting_after")
		if err != nil {
			return nil, false, err
		}
		start = i + 1
	case before != "":
		i, err := cursor(before, "ending_before")
		if err != nil {
			return nil, false, err
		}
		end = i
		start = max(0, end-limit)
	}
	page := all[start:end]
	more := len(page) > limit
	if more {
		page = page[:limit]
	}
	return page, more || (before != "" && start > 0), nil
}

func (s *Server) renderBalance(t BalanceTransaction, expandSource bool, exp expansion) *balanceTxnJSON {
	out := &balanceTxnJSON{ID: t.ID, Object: "balance_transaction", Amount: t.Amount, AvailableOn: t.AvailableOn,
		Created: t.Created, Currency: t.Currency, Fee: t.Fee, FeeDetails: []feeDetailJSON{}, Net: t.Net,
		ReportingCategory: t.ReportingCategory, Source: t.Source, Status: "pending", Type: t.Type}
	if t.AvailableOn <= s.now().Unix() {
		out.Status = "available"
	}
	if t.Fee != 0 {
		out.FeeDetails = append(out.FeeDetails, feeDetailJSON{Amount: t.Fee, Currency: t.Currency, Description: "Stripe processing fees", Type: "stripe_fee"})
	}
	if !expandSource {
		return out
	}
	if ch := s.charges[t.Source]; ch != nil {
		sub, _ := parseExpand(kindCharge, keys(exp))
		c := s.renderCharge(ch, sub)
		if t.SourceStatus != "" {
			c.Status = t.SourceStatus
		}
		out.Source = c
	} else if re := s.refunds[t.Source]; re != nil {
		sub, _ := parseExpand(kindRefund, keys(exp))
		out.Source = s.renderRefund(re, sub)
	}
	return out
}

func keys(e expansion) []string {
	var out []string
	for k := range e {
		out = append(out, k)
	}
	return out
}

// ChargeOutside makes a succeeded card payment of amount (in minor
// units) of currency, with metadata, as if the account had taken it
// through another integration or the Dashboard: a PaymentIntent and
// charge the library never created, in the balance. It returns the
// PaymentIntent's id.
func (s *Server) ChargeOutside(amount int64, currency string, metadata map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	pi := &paymentIntent{id: newID("pi_", 24), secret: newID("secret_", 24), created: s.now().Unix(), amount: amount,
		currency: strings.ToLower(currency), status: "processing", paymentMethod: "pm_card_visa",
		metadata: cloneMap(metadata), pmTypes: []string{"card"}, captureMethod: "automatic", confirmationMethod: "automatic"}
	s.intents[pi.id] = pi
	s.succeed(pi)
	return pi.id
}

// RefundOutside refunds amount of the PaymentIntent's charge (all that
// is left when amount is 0) as if from the Dashboard: a succeeded refund
// the library never asked for. It returns the refund's id, or "" when
// nothing is left to refund.
func (s *Server) RefundOutside(paymentIntent string, amount int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	pi := s.intents[paymentIntent]
	if pi == nil {
		return ""
	}
	ch := s.charges[pi.latestCharge]
	if ch == nil || ch.failed != nil || ch.amountRefunded >= ch.amount {
		return ""
	}
	if amount <= 0 || amount > ch.amount-ch.amountRefunded {
		amount = ch.amount - ch.amountRefunded
	}
	re := &refund{id: newID("re_", 24), created: s.now().Unix(), amount: amount, currency: ch.currency, charge: ch.id,
		paymentIntent: pi.id, metadata: map[string]string{}, balanceTxn: newID("txn_", 24), status: "succeeded"}
	s.refunds[re.id] = re
	s.refundOrder = append(s.refundOrder, re.id)
	ch.amountRefunded += amount
	s.emit("charge.refunded", s.renderCharge(ch, nil))
	return re.id
}

// HideBalanceTransaction leaves balance transactions out of the list, as
// if Stripe had lost them: the one with that id (txn_…), those of that
// source (ch_…, re_…), or the charge's of that PaymentIntent (pi_…).
func (s *Server) HideBalanceTransaction(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.balance.hidden == nil {
		s.balance.hidden = map[string]bool{}
	}
	s.balance.hidden[id] = true
}

// AlterBalanceTransaction makes the list report balance transactions as
// change leaves them (another amount, fee, source status …), named as
// for [Server.HideBalanceTransaction]. Net is recomputed before change
// runs; change may set it too.
func (s *Server) AlterBalanceTransaction(id string, change func(*BalanceTransaction)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.balance.changed == nil {
		s.balance.changed = map[string][]func(*BalanceTransaction){}
	}
	s.balance.changed[id] = append(s.balance.changed[id], change)
}

// BalanceTransactions returns the account's balance transactions, newest
// first, as the list reports them.
func (s *Server) BalanceTransactions() []BalanceTransaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.balanceLocked()
}
