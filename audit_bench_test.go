package payments_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
)

// benchPeriod is the audited period of the benchmark.
var benchFrom = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// genLedger is a period of n payments, every seventh with a refund,
// generated on demand on both sides (the store's and the gateway's), so
// that the benchmark's heap is the audit's own. A few are broken: ids
// ≡ 11 (mod 20000) are missing at the gateway, ≡ 13 have another amount
// there, and the gateway has a payment of its own per 20000.
type genLedger struct {
	*memstore.Store // for the Store methods the audit does not use
	n               int
}

func (g *genLedger) order(i int) string           { return fmt.Sprintf("BN-%07d", i) }
func (g *genLedger) ref(i int) string             { return fmt.Sprintf("ref_%07d", i) }
func (g *genLedger) at(i int) time.Time           { return benchFrom.Add(time.Duration(i) * 20 * time.Second) }
func (g *genLedger) amount(i int) payments.Amount { return payments.Amount(1000 + i%97) }
func refunded(i int) bool                         { return i%7 == 3 }

func (g *genLedger) payment(i int) *payments.Payment {
	at := g.at(i)
	p := &payments.Payment{ID: "pay_" + g.order(i), OrderNumber: g.order(i), Amount: g.amount(i), Currency: payments.KRW,
		Status: payments.StatusPaid, Gateway: "gen", Method: payments.MethodCard, GatewayReference: g.ref(i),
		Attempts: []payments.Attempt{{Number: 1, Gateway: "gen", Method: payments.MethodCard, Status: payments.StatusPaid,
			GatewayOrderID: g.order(i), Reference: g.ref(i), CreatedAt: at, UpdatedAt: at, PaidAt: at}},
		CreatedAt: at, UpdatedAt: at, PaidAt: at}
	if refunded(i) {
		p.Status = payments.StatusPartiallyRefunded
		p.Refunds = []payments.Refund{{ID: "rf_" + g.order(i), Amount: 100, Status: payments.RefundSucceeded, Attempt: 1,
			GatewayReference: "re_" + g.order(i), CreatedAt: at.Add(time.Second), UpdatedAt: at.Add(time.Second)}}
		p.RefundedAmount, p.UpdatedAt = 100, at.Add(time.Second)
	}
	return p
}

// PaymentsMoved implements payments.PeriodStore, a page at a time.
func (g *genLedger) PaymentsMoved(ctx context.Context, from, to time.Time, size int, fn func([]*payments.Payment) error) error {
	if size <= 0 {
		size = 500
	}
	page := make([]*payments.Payment, 0, size)
	for i := range g.n {
		page = append(page, g.payment(i))
		if len(page) == size || i == g.n-1 {
			if err := fn(page); err != nil {
				return err
			}
			page = make([]*payments.Payment, 0, size)
		}
	}
	return nil
}

func (g *genLedger) Name() string { return "gen" }
func (g *genLedger) Confirm(context.Context, *payments.ConfirmParams) (*payments.Charge, error) {
	return nil, payments.ErrConflict
}
func (g *genLedger) Refund(context.Context, *payments.RefundParams) (*payments.RefundResult, error) {
	return nil, payments.ErrConflict
}
func (g *genLedger) Lookup(context.Context, *payments.LookupParams) (*payments.Charge, error) {
	return nil, payments.ErrConflict
}

// ReadLedger implements payments.LedgerReader, a page at a time.
func (g *genLedger) ReadLedger(ctx context.Context, p *payments.LedgerParams, fn func([]payments.LedgerEntry) error) error {
	size := max(p.PageSize, 1000)
	page := make([]payments.LedgerEntry, 0, size)
	flush := func(force bool) error {
		if len(page) == 0 || (!force && len(page) < size) {
			return nil
		}
		err := fn(page)
		page = page[:0]
		return err
	}
	for i := range g.n {
		if i%20000 == 11 {
			continue
		}
		amount := g.amount(i)
		if i%20000 == 13 {
			amount++
		}
		fee := amount * 3 / 100
		page = append(page, payments.LedgerEntry{Kind: payments.LedgerPayment, ID: "tx_" + g.ref(i), Reference: g.ref(i),
			GatewayOrderID: g.order(i), Status: payments.StatusPaid, Amount: amount, Currency: payments.KRW, Fee: fee, Net: amount - fee,
			At: g.at(i), PayoutDate: g.at(i).Truncate(24*time.Hour).AddDate(0, 0, 2), Payout: amount - fee})
		if refunded(i) {
			page = append(page, payments.LedgerEntry{Kind: payments.LedgerRefund, ID: "tx_re_" + g.order(i), Reference: g.ref(i),
				RefundReference: "re_" + g.order(i), Amount: -100, Net: -100, Currency: payments.KRW, At: g.at(i).Add(time.Second)})
		}
		if i%20000 == 17 {
			page = append(page, payments.LedgerEntry{Kind: payments.LedgerPayment, ID: "tx_ghost_" + g.ref(i), Reference: "ghost_" + g.ref(i),
				GatewayOrderID: "GHOST-" + g.order(i), Amount: 5000, Net: 5000, Currency: payments.KRW, At: g.at(i)})
		}
		if err := flush(false); err != nil {
			return err
		}
	}
	return flush(true)
}

// heapSampler records the largest live heap seen while it runs.
type heapSampler struct {
	peak atomic.Uint64
	stop chan struct{}
	wg   sync.WaitGroup
}

func sampleHeap() *heapSampler {
	h := &heapSampler{stop: make(chan struct{})}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > h.peak.Load() {
				h.peak.Store(v)
			}
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

func (h *heapSampler) done() uint64 {
	close(h.stop)
	h.wg.Wait()
	return h.peak.Load()
}

// BenchmarkAudit100kTransactions audits 100,000 ledger transactions
// (87,500 payments and 12,500 refunds) against 87,500 payments of the
// store, both streamed, and reports the time and the peak heap of the
// process during the audit, sampled every millisecond. The target is a
// peak heap of at most 64 MiB.
func BenchmarkAudit100kTransactions(b *testing.B) {
	g := &genLedger{Store: memstore.New(), n: 87500}
	svc, err := payments.NewService(payments.Config{Store: g, Orders: payments.NewOrderBook(), Gateways: []payments.Gateway{g}})
	if err != nil {
		b.Fatal(err)
	}
	params := payments.AuditParams{From: benchFrom, To: benchFrom.Add(time.Duration(g.n) * 20 * time.Second)}
	var peak uint64
	for b.Loop() {
		runtime.GC()
		h := sampleHeap()
		rep, err := svc.Audit(context.Background(), params)
		p := h.done()
		if err != nil {
			b.Fatal(err)
		}
		peak = max(peak, p)
		if rep.Entries != 100000-5+5 || len(rep.Discrepancies) != 15 {
			b.Fatalf("entries %d, discrepancies %d; want 100000 and 15", rep.Entries, len(rep.Discrepancies))
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(100000, "transactions/op")
	if peak > 64<<20 {
		b.Errorf("peak heap %.1f MiB, target ≤ 64 MiB", float64(peak)/(1<<20))
	}
}
