package paymentstest

import (
	"context"
	"slices"
	"strings"

	"github.com/payments-go/payments"
)

var _ payments.LedgerReader = (*Gateway)(nil)

// ledgerScript is what a test changed in the Gateway's ledger.
type ledgerScript struct {
	extra   []payments.LedgerEntry
	hidden  map[string]bool // entry ids left out
	changed map[string]func(*payments.LedgerEntry)
	feeBps  int64 // fee in hundredths of a percent of the amount
}

// ReadLedger implements [payments.LedgerReader]: one payment entry per
// charge paid in the period (at its PaidAt) and one refund entry per
// refund made in it, with the fee set by [Gateway.SetLedgerFee], and the
// entries added by [Gateway.AddLedgerEntry], in time order, a page at a
// time. Entry ids are the charge's reference for a payment and the
// refund's reference for a refund.
func (g *Gateway) ReadLedger(ctx context.Context, p *payments.LedgerParams, fn func([]payments.LedgerEntry) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	size := p.PageSize
	if size <= 0 {
		size = 100
	}
	g.mu.Lock()
	var all []payments.LedgerEntry
	in := func(e *payments.LedgerEntry) bool { return !e.At.Before(p.From) && e.At.Before(p.To) }
	add := func(e payments.LedgerEntry) {
		if g.ledger.hidden[e.ID] || !in(&e) {
			return
		}
		e.Fee = e.Amount * payments.Amount(g.ledger.feeBps) / 10000
		if e.Fee < 0 {
			e.Fee = -e.Fee // a refund's fee is not returned
		}
		e.Net = e.Amount - e.Fee
		if f := g.ledger.changed[e.ID]; f != nil {
			f(&e)
		}
		all = append(all, e)
	}
	for _, c := range g.charges {
		if c.confirmed == 0 || c.PaidAt.IsZero() {
			continue
		}
		add(payments.LedgerEntry{Kind: payments.LedgerPayment, ID: c.Reference, Reference: c.Reference,
			GatewayOrderID: c.GatewayOrderID, Status: payments.StatusPaid, GatewayStatus: string(payments.StatusPaid),
			Amount: c.Amount, Currency: c.Currency, At: c.PaidAt})
		for ref, amount := range c.refunds {
			add(payments.LedgerEntry{Kind: payments.LedgerRefund, ID: ref, Reference: c.Reference, RefundReference: ref,
				GatewayOrderID: c.GatewayOrderID, Amount: -amount, Currency: c.Currency, At: c.refundAt[ref]})
		}
	}
	for _, e := range g.ledger.extra {
		if in(&e) {
			all = append(all, e)
		}
	}
	g.mu.Unlock()
	slices.SortFunc(all, func(a, b payments.LedgerEntry) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	for len(all) > 0 {
		n := min(size, len(all))
		if err := fn(all[:n]); err != nil {
			return err
		}
		all = all[n:]
	}
	return nil
}

// SetLedgerFee makes the ledger's entries carry a fee of bps hundredths
// of a percent of their amount (250 is 2.5%).
func (g *Gateway) SetLedgerFee(bps int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ledger.feeBps = bps
}

// AddLedgerEntry adds an entry to the ledger as it is, for a test of
// money the library never saw.
func (g *Gateway) AddLedgerEntry(e payments.LedgerEntry) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ledger.extra = append(g.ledger.extra, e)
}

// HideLedgerEntry leaves the entry with the given id (a charge's or a
// refund's reference) out of the ledger.
func (g *Gateway) HideLedgerEntry(id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ledger.hidden == nil {
		g.ledger.hidden = make(map[string]bool)
	}
	g.ledger.hidden[id] = true
}

// ChangeLedgerEntry makes the ledger report the entry with the given id
// as change leaves it (another amount, another status).
func (g *Gateway) ChangeLedgerEntry(id string, change func(*payments.LedgerEntry)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ledger.changed == nil {
		g.ledger.changed = make(map[string]func(*payments.LedgerEntry))
	}
	g.ledger.changed[id] = change
}
