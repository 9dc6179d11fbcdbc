package stripetest

import (
	"slices"
	"sort"
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
	// Dispute is the fee of a chargeback, in minor units of the
	// dispute's currency, charged on the balance transaction that
	// withdraws the disputed amount: zero for Stripe's US fee of $15.00
	// (https://stripe.com/pricing#disputes), negative for none. Stripe
	// keeps it when the dispute is won; other countries charge other
	// fees.
	Dispute int64
}

// BalanceTransaction is what GET /v1/balance_transactions reports of one
// transaction (https://docs.stripe.com/api/balance_transactions/object),
// as [Server.AlterBalanceTransaction] may change it.
type BalanceTransaction struct {
	ID string
	// Type is charge, payment, refund, payment_refund, refund_failure
	// or adjustment; ReportingCategory charge, refund, refund_failure,
	// dispute, dispute_reversal or partial_capture_reversal
	// (https://docs.stripe.com/reports/reporting-categories).
	Type              string
	ReportingCategory string
	Amount            int64
	Fee               int64
	Net               int64
	Currency          string
	Created           int64
	AvailableOn       int64
	// Source is the id of the charge, refund or dispute.
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

// disputeFee is the fee of a chargeback.
func (s *Server) disputeFee() int64 {
	switch {
	case s.fees.Dispute < 0:
		return 0
	case s.fees.Dispute == 0:
		return 1500
	}
	return s.fees.Dispute
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
		// A partial capture makes two balance transactions: the charge,
		// for the whole authorisation, and one that reverses the part
		// released; together they are the amount captured
		// (https://docs.stripe.com/reports/reporting-categories). Stripe
		// does not say which of them bears the fee, or the reversal's type
		// and source: the fake charges the fee of the amount captured on
		// the charge and makes the reversal an adjustment of the charge.
		captured := ch.amount
		if ch.amountCaptured > 0 {
			captured = ch.amountCaptured
		}
		add(BalanceTransaction{ID: ch.balanceTxn, Type: typ, ReportingCategory: "charge", Amount: ch.amount,
			Fee: s.fee(captured), Currency: ch.currency, Created: ch.created, Source: ch.id}, ch.paymentIntent)
		if captured < ch.amount {
			add(BalanceTransaction{ID: "txn_release_" + ch.id, Type: "adjustment", ReportingCategory: "partial_capture_reversal",
				Amount: captured - ch.amount, Currency: ch.currency, Created: max(ch.capturedAt, ch.created), Source: ch.id}, ch.paymentIntent)
		}
	}
	// A chargeback withdraws the disputed amount and the dispute fee when
	// it is opened, and a won one reinstates the amount: adjustments whose
	// source is the dispute, reporting categories dispute and
	// dispute_reversal; an inquiry moves no money
	// (https://docs.stripe.com/disputes/how-disputes-work,
	// https://docs.stripe.com/api/disputes/object#dispute_object-balance_transactions).
	for _, id := range s.disputeOrder {
		dp := s.disputes[id]
		if dp.inquiry {
			continue
		}
		add(BalanceTransaction{ID: dp.withdrawnTxn, Type: "adjustment", ReportingCategory: "dispute", Amount: -dp.amount,
			Fee: s.disputeFee(), Currency: dp.currency, Created: dp.created, Source: dp.id})
		if dp.status == "won" {
			add(BalanceTransaction{ID: dp.reinstatedTxn, Type: "adjustment", ReportingCategory: "dispute_reversal", Amount: dp.amount,
				Currency: dp.currency, Created: dp.closed, Source: dp.id})
		}
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

// balanceList is the balance list built once: the transactions newest
// first and each one's index by id.
type balanceList struct {
	txns  []BalanceTransaction
	index map[string]int
}

// balanceCached returns the balance list, built again only after a
// change (see [Server.lock]). Called with s.mu held.
func (s *Server) balanceCached() *balanceList {
	if s.balanceCache == nil {
		bl := &balanceList{txns: s.balanceLocked()}
		bl.index = make(map[string]int, len(bl.txns))
		for i, t := range bl.txns {
			if _, dup := bl.index[t.ID]; !dup {
				bl.index[t.ID] = i // the first, as a scan would find
			}
		}
		s.balanceCache = bl
	}
	return s.balanceCache
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
	limit, lerr := listLimit(limit, hasLimit)
	if lerr != nil {
		return nil, lerr
	}
	if err := listCursors(hasAfter, hasBefore); err != nil {
		return nil, err
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
			_, errDp := parseExpand(kindDispute, []string{rest})
			if errCh != nil && errRe != nil && errDp != nil {
				return nil, errInvalid("expand", "This property cannot be expanded ("+web.Clip(e, 80)+").")
			}
			if sourceExp == nil {
				sourceExp = expansion{}
			}
			sourceExp[rest] = true
		}
	}
	bl := s.balanceCached()
	// The list is newest first, so a created range is one run of it,
	// found by binary search; the other filters are applied one by one.
	lo, hi := 0, len(bl.txns)
	if hasLTE {
		lo = max(lo, sort.Search(len(bl.txns), func(i int) bool { return bl.txns[i].Created <= lte }))
	}
	if hasLT {
		lo = max(lo, sort.Search(len(bl.txns), func(i int) bool { return bl.txns[i].Created < lt }))
	}
	if hasGTE {
		hi = min(hi, sort.Search(len(bl.txns), func(i int) bool { return bl.txns[i].Created < gte }))
	}
	if hasGT {
		hi = min(hi, sort.Search(len(bl.txns), func(i int) bool { return bl.txns[i].Created <= gt }))
	}
	hi = max(lo, hi)
	all := bl.txns[lo:hi]
	pos := func(id string) (int, bool) {
		i, ok := bl.index[id]
		if !ok || i < lo || i >= hi {
			return 0, false
		}
		return i - lo, true
	}
	if hasType || hasSource || hasCurrency {
		var kept []BalanceTransaction
		for _, t := range all {
			if (hasType && t.Type != typ) || (hasSource && t.Source != source) || (hasCurrency && t.Currency != strings.ToLower(currency)) {
				continue
			}
			kept = append(kept, t)
		}
		all, pos = kept, nil
	}
	page, more, err := listPageAt(all, func(t BalanceTransaction) string { return t.ID }, pos, "balance_transaction", after, before, int(limit))
	if err != nil {
		return nil, err
	}
	out := &listJSON{Object: "list", Data: []any{}, HasMore: more, URL: "/v1/balance_transactions"}
	for _, t := range page {
		out.Data = append(out.Data, s.renderBalance(t, expandSource, sourceExp))
	}
	return out, nil
}

// listLimit is a list's limit parameter: 10 when absent, otherwise 1 to
// 100 (https://docs.stripe.com/api/pagination).
func listLimit(limit int64, has bool) (int64, *Error) {
	if !has {
		return 10, nil
	}
	if limit < 1 || limit > 100 {
		return 0, errInvalid("limit", "This value must be between 1 and 100.")
	}
	return limit, nil
}

// listCursors refuses starting_after with ending_before
// (https://docs.stripe.com/api/pagination).
func listCursors(hasAfter, hasBefore bool) *Error {
	if hasAfter && hasBefore {
		return errInvalid("starting_after", "You may only specify one of these parameters: starting_after, ending_before.")
	}
	return nil
}

// listExpand parses a list's expand[] parameter, whose paths name fields
// of the listed objects under "data." (https://docs.stripe.com/expand),
// as the expansions of one object of kind.
func listExpand(kind string, expand []string) (expansion, *Error) {
	var items []string
	for _, x := range expand {
		rest, ok := strings.CutPrefix(x, "data.")
		if !ok {
			return nil, errInvalid("expand", "This property cannot be expanded ("+web.Clip(x, 80)+").")
		}
		items = append(items, rest)
	}
	return parseExpand(kind, items)
}

// listPage cuts a page of a list, newest first, as Stripe's cursors do
// (https://docs.stripe.com/api/pagination): after the object with id
// after, or the limit objects before the one with id before (at most one
// of them set), and whether more objects follow in that direction. An
// unknown cursor is resource_missing, naming the parameter.
func listPage[T any](all []T, id func(T) string, noun, after, before string, limit int) ([]T, bool, *Error) {
	return listPageAt(all, id, nil, noun, after, before, limit)
}

// listPageAt is listPage with pos, if not nil, to find an object's index
// in all by its id at once.
func listPageAt[T any](all []T, id func(T) string, pos func(string) (int, bool), noun, after, before string, limit int) ([]T, bool, *Error) {
	start, end := 0, len(all)
	cursor := func(v, param string) (int, *Error) {
		if pos != nil {
			if i, ok := pos(v); ok {
				return i, nil
			}
			return 0, errNoSuch(noun, web.Clip(v, 60), param)
		}
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
		desc := "Stripe processing fees"
		if t.ReportingCategory == "dispute" {
			desc = "Dispute fee"
		}
		out.FeeDetails = append(out.FeeDetails, feeDetailJSON{Amount: t.Fee, Currency: t.Currency, Description: desc, Type: "stripe_fee"})
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
	} else if dp := s.disputes[t.Source]; dp != nil {
		sub, _ := parseExpand(kindDispute, keys(exp))
		out.Source = s.renderDispute(dp, sub)
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
	s.lock()
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
	s.lock()
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
	s.lock()
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
	s.lock()
	defer s.mu.Unlock()
	if s.balance.changed == nil {
		s.balance.changed = map[string][]func(*BalanceTransaction){}
	}
	s.balance.changed[id] = append(s.balance.changed[id], change)
}

// BalanceTransactions returns the account's balance transactions, newest
// first, as the list reports them.
func (s *Server) BalanceTransactions() []BalanceTransaction {
	s.lock()
	defer s.mu.Unlock()
	return s.balanceLocked()
}
