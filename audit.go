package payments

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DiscrepancyKind names what an audit found wrong.
type DiscrepancyKind string

// The kinds of discrepancies.
const (
	// DiscrepancyMissingLocally: the gateway has money (a payment, a
	// refund, a dispute) for a payment the store has no record of.
	DiscrepancyMissingLocally DiscrepancyKind = "missing_locally"
	// DiscrepancyMissingAtGateway: the store has a payment paid in the
	// period that the gateway's ledger does not show, or a chargeback
	// opened (or won) in the period whose withdrawal (or reinstatement)
	// it does not show.
	DiscrepancyMissingAtGateway DiscrepancyKind = "missing_at_gateway"
	// DiscrepancyAmountMismatch: both have the payment, or a dispute's
	// withdrawal or reinstatement, for different amounts or currencies.
	DiscrepancyAmountMismatch DiscrepancyKind = "amount_mismatch"
	// DiscrepancyStatusMismatch: the gateway took the money and the store
	// says the payment is not paid, or the other way round; or the
	// gateway moved money for a dispute whose stored status moves none
	// (a withdrawal for an inquiry, a reinstatement for a dispute not
	// won).
	DiscrepancyStatusMismatch DiscrepancyKind = "status_mismatch"
	// DiscrepancyRefundMismatch: a refund that one side has and the other
	// has not, or has for another amount, or has not succeeded.
	DiscrepancyRefundMismatch DiscrepancyKind = "refund_mismatch"
)

// AuditParams asks [Service.Audit] for a period.
type AuditParams struct {
	// From and To bound the period, [From, To). Both are required.
	From, To time.Time
	// Gateways names the gateways to audit; empty means every configured
	// gateway that can list its ledger ([LedgerReader]).
	Gateways []string
	// Slack widens the ledger read on both sides of the period, so that a
	// payment the store dates just inside the period and the gateway just
	// outside (clocks differ by seconds; Toss dates an approval, Stripe a
	// charge) still matches. Entries of the slack only serve to match:
	// they are not counted, totalled or reported. Default 10 minutes;
	// negative means none.
	Slack time.Duration
	// PageSize is the page size for the store and the ledgers; zero for
	// the defaults.
	PageSize int
	// Progress, if set, is called after each page read, with the counts
	// so far.
	Progress func(AuditProgress)
}

// AuditProgress reports how far an audit got.
type AuditProgress struct {
	// Gateway is the gateway whose ledger is being read; empty while the
	// store is read.
	Gateway string
	// Local counts the store's payments of the period read so far;
	// Entries the ledger entries read so far, all gateways.
	Local   int
	Entries int
}

// AuditReport is the outcome of [Service.Audit].
type AuditReport struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Gateways are the gateways audited.
	Gateways []string `json:"gateways"`
	// Entries counts the ledger entries of the period read.
	Entries int `json:"entries"`
	// LocalPayments counts the store's payments whose money moved in
	// the period.
	LocalPayments int `json:"local_payments"`
	// Matched counts what both sides agree on.
	Matched AuditCounts `json:"matched"`
	// Totals are the gross, fees and net of the ledger entries of the
	// period, per gateway and currency, sorted by both.
	Totals []AuditTotal `json:"totals"`
	// Payouts are what each gateway pays out for the period's entries,
	// per currency and payout day, sorted.
	Payouts []AuditPayout `json:"payouts"`
	// Discrepancies are sorted by gateway, order number, kind and
	// reference.
	Discrepancies []Discrepancy `json:"discrepancies"`
}

// AuditCounts counts matched ledger entries.
type AuditCounts struct {
	Payments int `json:"payments"`
	Refunds  int `json:"refunds"`
	Disputes int `json:"disputes"`
}

// AuditTotal is the money of one gateway and currency in the period:
// Gross is the sum of the sale entries (payments less refunds and
// disputes), Fees what the gateway kept, Net = Gross − Fees.
type AuditTotal struct {
	Gateway  string   `json:"gateway"`
	Currency Currency `json:"currency"`
	Entries  int      `json:"entries"`
	Gross    Amount   `json:"gross"`
	Fees     Amount   `json:"fees"`
	Net      Amount   `json:"net"`
}

// AuditPayout is what a gateway pays out on one day for entries of the
// period.
type AuditPayout struct {
	Gateway  string   `json:"gateway"`
	Currency Currency `json:"currency"`
	// Date is the payout day, as "2006-01-02".
	Date   string `json:"date"`
	Amount Amount `json:"amount"`
}

// Discrepancy is one thing the store and a gateway's ledger disagree on.
// Local is nil when the store has nothing, Remote when the gateway has
// nothing.
type Discrepancy struct {
	Kind        DiscrepancyKind `json:"kind"`
	Gateway     string          `json:"gateway"`
	OrderNumber string          `json:"order_number"`
	// Reference is the payment's reference at the gateway.
	Reference string      `json:"reference"`
	Local     *AuditFacts `json:"local"`
	Remote    *AuditFacts `json:"remote"`
}

// AuditFacts is what one side knows of a payment or refund.
type AuditFacts struct {
	// Status is the payment's status (the library's), or for a refund
	// the refund's.
	Status   string   `json:"status,omitempty"`
	Amount   Amount   `json:"amount"`
	Currency Currency `json:"currency"`
	// Refund is the refund's reference at the gateway, for refund facts;
	// Dispute the dispute's, for dispute facts.
	Refund  string `json:"refund,omitempty"`
	Dispute string `json:"dispute,omitempty"`
	// Entry is the gateway's id of the ledger entry, for remote facts.
	Entry string    `json:"entry,omitempty"`
	At    time.Time `json:"at"`
}

// Audit matches the store with each gateway's own ledger for a period
// and reports what they agree on, the money (gross, fees, net, payouts)
// and every [Discrepancy]. It needs a store that is a [PeriodStore] and
// gateways that are [LedgerReader]s; it changes nothing.
//
// # Time and memory
//
// The audit reads the store's payments of the period (those [MovedIn]
// it) page by page and keeps of each a compact record (its order number,
// reference, amount, status, and its refunds' references and amounts:
// about 150 bytes, and as much again per refund), never the payment
// itself, in an index by gateway and reference. Then it reads each ledger
// page by page, holding one page at a time, and matches each entry in
// that index, marking what it found; an entry the index lacks (a payment
// whose store date falls outside the period, by a clock's difference or
// because it was refunded later) is looked up in the store by order
// number, one read, and never kept. At the end, what was never marked is
// missing at the gateway, and each refund's and dispute's ledger amount
// is compared with the store's.
//
// # Disputes
//
// A chargeback of the store ([Payment.Disputes]; not an inquiry, whose
// status starts with warning_) must show in the ledger as its amount
// withdrawn ([LedgerDispute], negative) when it was opened in the period,
// and, once won in the period, reinstated; an inquiry moves no money. The
// dispute fee is the withdrawal's Fee, in the fees totals. A dispute's
// entry for a dispute the store does not hold is missing locally. Only the
// disputes of payments the audit reads are judged: those whose money
// moved in the period ([MovedIn]) and those its dispute entries name. Time is linear in the ledger entries plus the store's
// payments of the period. Memory grows with the store's payments of the
// period, never with the ledger: 100,000 ledger transactions against
// 87,500 payments peak at about 38 MiB of heap (the figure of
// BenchmarkAudit100kTransactions, which streams both sides); audit a long
// period of a busy shop in parts (months, weeks) to bound it further.
func (s *Service) Audit(ctx context.Context, p AuditParams) (*AuditReport, error) {
	if p.From.IsZero() || p.To.IsZero() {
		return nil, errorf(CodeInvalidRequest, "an audit needs both from and to")
	}
	if !p.From.Before(p.To) {
		return nil, errorf(CodeInvalidRequest, "an audit's from must be before its to")
	}
	ps, ok := s.store.(PeriodStore)
	if !ok {
		return nil, errorf(CodeInvalidState, "the store cannot list the payments of a period (payments.PeriodStore)")
	}
	readers, names, err := s.ledgers(p.Gateways)
	if err != nil {
		return nil, err
	}
	slack := p.Slack
	if slack == 0 {
		slack = 10 * time.Minute
	}
	slack = max(slack, 0)
	a := &audit{
		s: s, from: p.From, to: p.To, progress: p.Progress,
		gateways: make(map[string]bool, len(names)),
		index:    make(map[string]map[string]int32),
		names:    make(map[string]string),
		totals:   make(map[totalKey]*AuditTotal),
		payouts:  make(map[payoutKey]Amount),
		report:   &AuditReport{From: p.From, To: p.To, Gateways: names, Totals: []AuditTotal{}, Payouts: []AuditPayout{}, Discrepancies: []Discrepancy{}},
	}
	for _, n := range names {
		a.gateways[n] = true
	}
	if err := ps.PaymentsMoved(ctx, p.From, p.To, max(p.PageSize, 0), func(page []*Payment) error {
		for _, pay := range page {
			a.addLocal(pay)
		}
		a.tick("")
		return ctx.Err()
	}); err != nil {
		return nil, fmt.Errorf("payments: audit: read the store: %w", err)
	}
	for i, r := range readers {
		name := names[i]
		lp := &LedgerParams{From: p.From.Add(-slack), To: p.To.Add(slack), PageSize: p.PageSize}
		if err := r.ReadLedger(ctx, lp, func(page []LedgerEntry) error {
			for j := range page {
				if err := a.entry(ctx, name, &page[j]); err != nil {
					return err
				}
			}
			a.tick(name)
			return ctx.Err()
		}); err != nil {
			return nil, fmt.Errorf("payments: audit: read the %s ledger: %w", name, err)
		}
	}
	a.finish()
	return a.report, nil
}

// ledgers returns the ledger readers of the named gateways (all that have
// one when names is empty).
func (s *Service) ledgers(names []string) ([]LedgerReader, []string, error) {
	var readers []LedgerReader
	var out []string
	if len(names) == 0 {
		for _, g := range s.order {
			if r, ok := g.(LedgerReader); ok {
				readers, out = append(readers, r), append(out, g.Name())
			}
		}
		if len(readers) == 0 {
			return nil, nil, errorf(CodeInvalidState, "no configured gateway can list its ledger")
		}
		return readers, out, nil
	}
	for _, n := range names {
		if slices.Contains(out, n) {
			continue
		}
		g, ok := s.gateways[n]
		if !ok {
			return nil, nil, errorf(CodeInvalidRequest, "gateway "+strconv.Quote(n)+" is not configured")
		}
		r, ok := g.(LedgerReader)
		if !ok {
			return nil, nil, errorf(CodeInvalidRequest, "gateway "+strconv.Quote(n)+" cannot list its ledger")
		}
		readers, out = append(readers, r), append(out, n)
	}
	return readers, out, nil
}

// audit is the state of one [Service.Audit].
type audit struct {
	s        *Service
	from, to time.Time
	progress func(AuditProgress)
	gateways map[string]bool
	// local holds a compact record of each payment of the period, in
	// chunks that never move (a growing slice would copy itself and
	// leave the old copy behind); index finds one by gateway, then
	// reference.
	local   [][]localPayment
	nlocal  int
	index   map[string]map[string]int32
	names   map[string]string // interned gateway names and currencies
	entries int               // all entries read, slack included
	totals  map[totalKey]*AuditTotal
	payouts map[payoutKey]Amount
	report  *AuditReport
}

type totalKey struct {
	gateway  string
	currency Currency
}

type payoutKey struct {
	gateway  string
	currency Currency
	date     string
}

// localPayment is what an audit keeps of a payment of the period.
type localPayment struct {
	order, gateway, ref string
	amount              Amount
	currency            Currency
	status              Status
	at                  time.Time
	// inPeriod: paid in the period, so the ledger must show the payment.
	inPeriod bool
	seen     bool
	// temp: read from the store for one entry, not held in the index.
	temp     bool
	refunds  []localRefund
	disputes []localDispute
}

// localDispute is what an audit keeps of a dispute of a payment. A
// chargeback withdraws its amount when it is opened and, won, reinstates
// it (https://docs.stripe.com/disputes/how-disputes-work); an inquiry
// (warning_…) moves no money.
type localDispute struct {
	id               string
	amount           Amount
	currency         Currency
	status           DisputeStatus
	created, updated time.Time
	// withdrawIn: opened in the period, so the ledger must show the
	// withdrawal; reinstateIn: won in the period, so it must show the
	// reinstatement.
	withdrawIn, reinstateIn bool
	// The ledger's entries of the dispute: money withdrawn (negative) and
	// reinstated, whether any is of the period, the latest's facts.
	withdrawn, reinstated            Amount
	seenW, seenR, countedW, countedR bool
	lastW, lastR                     *AuditFacts
}

// chargeback reports whether the dispute moves money.
func (d *localDispute) chargeback() bool {
	return !strings.HasPrefix(string(d.status), "warning_")
}

type localRefund struct {
	ref    string
	amount Amount
	status RefundStatus
	at     time.Time
	// inPeriod: succeeded in the period, so the ledger must show it.
	inPeriod bool
	// seen: the ledger has entries of it, which moved remote in all
	// (a refund less its reversal); counted: one of them is of the
	// period; last… are the latest entry's, for the report.
	seen, counted bool
	remote        Amount
	lastEntry     string
	lastStatus    string
	lastAt        time.Time
}

func (a *audit) in(t time.Time) bool { return !t.Before(a.from) && t.Before(a.to) }

// localChunk is the number of payments of one chunk of audit.local.
const localChunk = 4096

func (a *audit) at(i int32) *localPayment { return &a.local[i/localChunk][i%localChunk] }

// intern returns one shared copy of a short, often repeated string.
func (a *audit) intern(s string) string {
	if v, ok := a.names[s]; ok {
		return v
	}
	if len(a.names) < 1000 {
		a.names[s] = s
	}
	return s
}

// addLocal indexes a payment of the period, once (a store may give a
// payment updated meanwhile twice: the later copy wins).
func (a *audit) addLocal(p *Payment) {
	att := p.PaidAttempt()
	if att == nil || !a.gateways[att.Gateway] || att.Reference == "" {
		return
	}
	lp := localPayment{
		order: p.OrderNumber, gateway: att.Gateway, ref: att.Reference,
		amount: p.Amount, currency: p.Currency, status: p.Status, at: p.PaidAt,
		inPeriod: a.in(p.PaidAt),
	}
	for _, r := range p.Refunds {
		if r.Attempt != att.Number && r.Attempt != 0 {
			continue
		}
		lp.refunds = append(lp.refunds, localRefund{ref: r.GatewayReference, amount: r.Amount, status: r.Status, at: r.UpdatedAt,
			inPeriod: r.Status == RefundSucceeded && a.in(r.UpdatedAt)})
	}
	for _, d := range p.Disputes {
		lp.disputes = append(lp.disputes, localDispute{id: d.ID, amount: d.Amount, currency: d.Currency, status: d.Status,
			created: d.CreatedAt, updated: d.UpdatedAt, withdrawIn: a.in(d.CreatedAt),
			reinstateIn: d.Status == DisputeWon && a.in(d.UpdatedAt)})
	}
	lp.gateway, lp.currency = a.intern(lp.gateway), Currency(a.intern(string(lp.currency)))
	idx := a.index[lp.gateway]
	if idx == nil {
		idx = make(map[string]int32)
		a.index[lp.gateway] = idx
	}
	if i, ok := idx[lp.ref]; ok {
		*a.at(i) = lp
		return
	}
	if a.nlocal%localChunk == 0 {
		a.local = append(a.local, make([]localPayment, 0, localChunk))
	}
	idx[lp.ref] = int32(a.nlocal)
	a.local[len(a.local)-1] = append(a.local[len(a.local)-1], lp)
	a.nlocal++
	a.report.LocalPayments++
}

func (a *audit) tick(gateway string) {
	if a.progress != nil {
		a.progress(AuditProgress{Gateway: gateway, Local: a.nlocal, Entries: a.entries})
	}
}

// entry matches one ledger entry.
func (a *audit) entry(ctx context.Context, gateway string, e *LedgerEntry) error {
	a.entries++
	counted := a.in(e.At)
	if counted {
		a.report.Entries++
		a.total(gateway, e)
	}
	switch e.Kind {
	case LedgerPayment, LedgerRefund, LedgerDispute:
	default:
		return nil
	}
	lp, err := a.find(ctx, gateway, e)
	if err != nil {
		return err
	}
	if lp == nil {
		if e.Kind == LedgerPayment && e.Status != "" && !e.Status.Paid() {
			return nil // no money taken, and no record of it: nothing to reconcile
		}
		if counted {
			order := e.OrderNumber
			if order == "" {
				order = e.GatewayOrderID
			}
			a.flag(DiscrepancyMissingLocally, gateway, order, e.Reference, nil, remoteFacts(e))
		}
		return nil
	}
	switch e.Kind {
	case LedgerPayment:
		a.payment(gateway, lp, e, counted)
	case LedgerRefund:
		a.refund(gateway, lp, e, counted)
	case LedgerDispute:
		a.dispute(gateway, lp, e, counted)
	}
	return nil
}

// dispute records a dispute's ledger entry: a withdrawal (a negative
// amount) or a reinstatement.
func (a *audit) dispute(gateway string, lp *localPayment, e *LedgerEntry, counted bool) {
	var d *localDispute
	for i := range lp.disputes {
		if e.DisputeReference != "" && lp.disputes[i].id == e.DisputeReference {
			d = &lp.disputes[i]
			break
		}
	}
	if d == nil {
		if counted {
			f := remoteFacts(e)
			a.flag(DiscrepancyMissingLocally, gateway, lp.order, lp.ref, nil, f)
		}
		return
	}
	f := remoteFacts(e)
	if e.Amount < 0 {
		d.seenW, d.countedW, d.withdrawn, d.lastW = true, d.countedW || counted, d.withdrawn+e.Amount, f
	} else {
		d.seenR, d.countedR, d.reinstated, d.lastR = true, d.countedR || counted, d.reinstated+e.Amount, f
	}
	if lp.temp {
		a.judgeDispute(gateway, lp, d)
	}
}

// judgeDispute compares what the ledger moved for a dispute with the
// store's dispute: a chargeback's amount withdrawn, and reinstated when it
// was won; nothing for an inquiry. A withdrawal or reinstatement the
// store's dispute does not call for is a status mismatch, one the ledger
// lacks is missing at the gateway, one of another amount an amount
// mismatch.
func (a *audit) judgeDispute(gateway string, lp *localPayment, d *localDispute) {
	local := &AuditFacts{Status: string(d.status), Amount: d.amount, Currency: d.currency, Dispute: d.id, At: d.updated}
	judge := func(must, counted, seen bool, got, want Amount, remote *AuditFacts) {
		switch {
		case !must && !counted:
			return // neither side puts it in the period
		case !seen && want != 0:
			a.flag(DiscrepancyMissingAtGateway, gateway, lp.order, lp.ref, local, nil)
		case !seen:
		case want == 0:
			a.flag(DiscrepancyStatusMismatch, gateway, lp.order, lp.ref, local, remote)
		case got != want || remote.Currency != d.currency:
			a.flag(DiscrepancyAmountMismatch, gateway, lp.order, lp.ref, local, remote)
		default:
			a.report.Matched.Disputes++
		}
	}
	var wantW, wantR Amount
	if d.chargeback() {
		wantW = -d.amount
		if d.status == DisputeWon {
			wantR = d.amount
		}
	}
	judge(d.withdrawIn && wantW != 0, d.countedW, d.seenW, d.withdrawn, wantW, d.lastW)
	judge(d.reinstateIn && wantR != 0, d.countedR, d.seenR, d.reinstated, wantR, d.lastR)
}

func (a *audit) payment(gateway string, lp *localPayment, e *LedgerEntry, counted bool) {
	if lp.seen {
		return // one payment, one sale entry; a repeat is matched already
	}
	lp.seen = true
	if !counted && !lp.inPeriod {
		return
	}
	switch {
	case !lp.status.Paid() || (e.Status != "" && !e.Status.Paid()):
		a.flag(DiscrepancyStatusMismatch, gateway, lp.order, lp.ref, lp.facts(), remoteFacts(e))
	case e.Amount != lp.amount || e.Currency != lp.currency:
		a.flag(DiscrepancyAmountMismatch, gateway, lp.order, lp.ref, lp.facts(), remoteFacts(e))
	default:
		a.report.Matched.Payments++
	}
}

func (a *audit) refund(gateway string, lp *localPayment, e *LedgerEntry, counted bool) {
	size := -e.Amount // a refund's size; a reversal (refund_failure) is negative
	var r *localRefund
	for i := range lp.refunds {
		if c := &lp.refunds[i]; e.RefundReference != "" && c.ref == e.RefundReference {
			r = c
			break
		}
	}
	if r == nil {
		// A refund whose gateway reference was never stored (its call
		// timed out) is matched by amount.
		for i := range lp.refunds {
			if c := &lp.refunds[i]; !c.seen && c.ref == "" && c.amount == size {
				r = c
				break
			}
		}
	}
	if r == nil {
		if counted {
			a.flag(DiscrepancyRefundMismatch, gateway, lp.order, lp.ref, nil, remoteFacts(e))
		}
		return
	}
	r.seen = true
	r.remote += size
	r.counted = r.counted || counted
	r.lastEntry, r.lastAt, r.lastStatus = e.ID, e.At, e.GatewayStatus
	if lp.temp {
		// A payment outside the index is judged on this entry alone.
		a.judgeRefund(gateway, lp, r)
	}
}

// judgeRefund compares what the ledger moved for a refund with the
// store's refund: all of it when the refund succeeded (or is pending),
// nothing when it failed.
func (a *audit) judgeRefund(gateway string, lp *localPayment, r *localRefund) {
	if !r.counted && !r.inPeriod {
		return // seen in the slack only, and of another period
	}
	if !r.seen {
		a.flag(DiscrepancyRefundMismatch, gateway, lp.order, lp.ref, lp.refundFacts(r), nil)
		return
	}
	want := r.amount
	if r.status == RefundFailed {
		want = 0
	}
	if r.remote != want {
		a.flag(DiscrepancyRefundMismatch, gateway, lp.order, lp.ref, lp.refundFacts(r),
			&AuditFacts{Status: r.lastStatus, Amount: r.remote, Currency: lp.currency, Refund: r.ref, Entry: r.lastEntry, At: r.lastAt})
		return
	}
	if r.status == RefundSucceeded {
		a.report.Matched.Refunds++
	}
}

// find returns the local record of an entry's payment: from the index,
// or else from the store (a payment whose money moved outside the period
// by the store's clock). It returns nil when the store has none.
func (a *audit) find(ctx context.Context, gateway string, e *LedgerEntry) (*localPayment, error) {
	if e.Reference != "" {
		if i, ok := a.index[gateway][e.Reference]; ok {
			return a.at(i), nil
		}
	}
	var candidates []string
	if e.OrderNumber != "" {
		candidates = append(candidates, e.OrderNumber)
	}
	if id := e.GatewayOrderID; id != "" && id != e.OrderNumber {
		candidates = append(candidates, id)
		if i := strings.LastIndexByte(id, '-'); i > 0 {
			if _, err := strconv.Atoi(id[i+1:]); err == nil {
				candidates = append(candidates, id[:i])
			}
		}
	}
	for _, c := range candidates {
		p, err := a.s.store.Get(ctx, c)
		if Code(err) == CodePaymentNotFound {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read order %q: %w", c, err)
		}
		for i := range p.Attempts {
			att := &p.Attempts[i]
			if att.Gateway != gateway || (e.Reference != "" && att.Reference != e.Reference) ||
				(e.Reference == "" && e.GatewayOrderID != "" && att.GatewayOrderID != e.GatewayOrderID) {
				continue
			}
			// Not in the period: kept out of the index, so that a payment
			// of another period is never reported missing.
			lp := &localPayment{order: p.OrderNumber, gateway: gateway, ref: att.Reference,
				amount: p.Amount, currency: p.Currency, status: att.Status, at: p.PaidAt, temp: true}
			for _, r := range p.Refunds {
				if r.Attempt == att.Number {
					lp.refunds = append(lp.refunds, localRefund{ref: r.GatewayReference, amount: r.Amount, status: r.Status, at: r.UpdatedAt})
				}
			}
			for _, d := range p.Disputes {
				lp.disputes = append(lp.disputes, localDispute{id: d.ID, amount: d.Amount, currency: d.Currency, status: d.Status,
					created: d.CreatedAt, updated: d.UpdatedAt})
			}
			return lp, nil
		}
	}
	return nil, nil
}

func (a *audit) total(gateway string, e *LedgerEntry) {
	if e.Kind == LedgerOther {
		return
	}
	k := totalKey{gateway, e.Currency}
	t := a.totals[k]
	if t == nil {
		t = &AuditTotal{Gateway: gateway, Currency: e.Currency}
		a.totals[k] = t
	}
	t.Entries++
	t.Gross += e.Amount
	t.Fees += e.Fee
	t.Net += e.Net
	if !e.PayoutDate.IsZero() {
		a.payouts[payoutKey{gateway, e.Currency, e.PayoutDate.Format(time.DateOnly)}] += e.Payout
	}
}

func (a *audit) flag(kind DiscrepancyKind, gateway, order, ref string, local, remote *AuditFacts) {
	a.report.Discrepancies = append(a.report.Discrepancies, Discrepancy{Kind: kind, Gateway: gateway, OrderNumber: order, Reference: ref, Local: local, Remote: remote})
}

// finish reports what the ledgers never showed and sorts the report.
func (a *audit) finish() {
	for i := range int32(a.nlocal) {
		lp := a.at(i)
		if lp.inPeriod && !lp.seen {
			a.flag(DiscrepancyMissingAtGateway, lp.gateway, lp.order, lp.ref, lp.facts(), nil)
		}
		for j := range lp.refunds {
			a.judgeRefund(lp.gateway, lp, &lp.refunds[j])
		}
		for j := range lp.disputes {
			a.judgeDispute(lp.gateway, lp, &lp.disputes[j])
		}
	}
	for _, t := range a.totals {
		a.report.Totals = append(a.report.Totals, *t)
	}
	slices.SortFunc(a.report.Totals, func(x, y AuditTotal) int {
		return strings.Compare(x.Gateway+"\x00"+string(x.Currency), y.Gateway+"\x00"+string(y.Currency))
	})
	for k, v := range a.payouts {
		a.report.Payouts = append(a.report.Payouts, AuditPayout{Gateway: k.gateway, Currency: k.currency, Date: k.date, Amount: v})
	}
	slices.SortFunc(a.report.Payouts, func(x, y AuditPayout) int {
		return strings.Compare(x.Gateway+"\x00"+string(x.Currency)+"\x00"+x.Date, y.Gateway+"\x00"+string(y.Currency)+"\x00"+y.Date)
	})
	slices.SortStableFunc(a.report.Discrepancies, func(x, y Discrepancy) int {
		for _, c := range [][2]string{{x.Gateway, y.Gateway}, {x.OrderNumber, y.OrderNumber}, {string(x.Kind), string(y.Kind)}, {x.Reference, y.Reference}} {
			if n := strings.Compare(c[0], c[1]); n != 0 {
				return n
			}
		}
		return 0
	})
}

func (lp *localPayment) facts() *AuditFacts {
	return &AuditFacts{Status: string(lp.status), Amount: lp.amount, Currency: lp.currency, At: lp.at}
}

func (lp *localPayment) refundFacts(r *localRefund) *AuditFacts {
	return &AuditFacts{Status: string(r.status), Amount: r.amount, Currency: lp.currency, Refund: r.ref, At: r.at}
}

func remoteFacts(e *LedgerEntry) *AuditFacts {
	st := string(e.Status)
	if st == "" {
		st = e.GatewayStatus
	}
	amount := e.Amount
	if e.Kind == LedgerRefund {
		amount = -amount
	}
	return &AuditFacts{Status: st, Amount: amount, Currency: e.Currency, Refund: e.RefundReference, Dispute: e.DisputeReference, Entry: e.ID, At: e.At}
}
