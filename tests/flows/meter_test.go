package flows_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/payments-go/payments/internal/benchpair"
	"github.com/payments-go/payments/internal/counting"
)

// logged holds the benchmarks whose breakdown was logged: once per
// benchmark, not once per -count.
var logged sync.Map

// minimum is what a flow needs at the least (see BENCHMARKS.md).
type minimum struct {
	// gateway are the gateway calls, by the fakes' operation names.
	gateway map[string]int
	// store is the number of store operations, each one SQL statement
	// with sqlstore.
	store int
}

func (m minimum) gatewayCalls() int {
	n := 0
	for _, c := range m.gateway {
		n += c
	}
	return n
}

// meter measures the timed part of a benchmark: process CPU time, the
// time inside the fakes, the gateway calls from the fakes' call logs,
// the store operations and SQL statements. Setup runs between pause and
// resume and counts for nothing.
type meter struct {
	b *testing.B
	e *env

	cpu, fake time.Duration
	store     counting.StoreCounts
	sql       counting.SQLCounts
	ops       map[string]int

	cpu0, fake0      time.Duration
	store0           counting.StoreCounts
	sql0             counting.SQLCounts
	tossAt, stripeAt int
}

func newMeter(b *testing.B, e *env) *meter {
	return &meter{b: b, e: e, ops: map[string]int{}}
}

// mark starts a timed part.
func (m *meter) mark() {
	m.cpu0, m.fake0 = benchpair.CPUTime(), time.Duration(m.e.fakeNS.Load())
	m.store0 = m.e.store.Counts()
	if m.e.sql != nil {
		m.sql0 = m.e.sql.Counts()
	}
	m.tossAt, m.stripeAt = len(m.e.toss.Load().Calls()), len(m.e.stripe.Load().Calls())
}

// add ends a timed part.
func (m *meter) add() {
	m.cpu += benchpair.CPUTime() - m.cpu0
	m.fake += time.Duration(m.e.fakeNS.Load()) - m.fake0
	m.store = m.store.Add(m.e.store.Counts().Sub(m.store0))
	if m.e.sql != nil {
		c := m.e.sql.Counts().Sub(m.sql0)
		m.sql = counting.SQLCounts{Exec: m.sql.Exec + c.Exec, Query: m.sql.Query + c.Query, Prepare: m.sql.Prepare + c.Prepare,
			Begin: m.sql.Begin + c.Begin, Commit: m.sql.Commit + c.Commit, Rollback: m.sql.Rollback + c.Rollback}
	}
	for _, c := range m.e.toss.Load().Calls()[m.tossAt:] {
		m.ops["toss "+string(c.Op)]++
	}
	for _, c := range m.e.stripe.Load().Calls()[m.stripeAt:] {
		m.ops["stripe "+c.Op]++
	}
}

// pause stops the clock for setup.
func (m *meter) pause() {
	m.add()
	m.b.StopTimer()
}

// resume restarts the clock after setup.
func (m *meter) resume() {
	m.b.StartTimer()
	m.mark()
}

// rotate gives the flows fresh fakes every flowsPerFake flows; check runs
// on the old ones first, with the clock stopped.
func (m *meter) rotate(check func()) {
	m.e.flows++
	if m.e.flows < flowsPerFake {
		return
	}
	m.pause()
	if check != nil {
		check()
	}
	m.e.closeFakes()
	m.e.newFakes()
	m.resume()
}

// report ends the measurement after b.Loop and reports the figures per
// flow next to the flow's minimum.
func (m *meter) report(min minimum) {
	m.add()
	n := float64(m.b.N)
	m.b.ReportMetric(float64(m.cpu.Nanoseconds())/n, "cpu-ns/op")
	m.b.ReportMetric(float64(m.fake.Nanoseconds())/n, "fake-ns/op")
	m.b.ReportMetric(float64((m.cpu-m.fake).Nanoseconds())/n, "lib-ns/op")
	calls := 0
	for _, c := range m.ops {
		calls += c
	}
	m.b.ReportMetric(float64(calls)/n, "gateway-calls/op")
	m.b.ReportMetric(float64(min.gatewayCalls()), "min-gateway-calls")
	m.b.ReportMetric(float64(m.store.Total())/n, "store-ops/op")
	m.b.ReportMetric(float64(m.store.Reads())/n, "store-reads/op")
	m.b.ReportMetric(float64(m.store.Writes())/n, "store-writes/op")
	m.b.ReportMetric(float64(min.store), "min-store-ops")
	if m.e.sql != nil {
		m.b.ReportMetric(float64(m.sql.Statements())/n, "sql-stmts/op")
		m.b.ReportMetric(float64(min.store), "min-sql-stmts")
	}
	// The breakdown, when it is not the minimum's: which calls and
	// operations a flow makes beyond it.
	var extra []string
	for _, op := range slices.Sorted(maps.Keys(m.ops)) {
		if per := float64(m.ops[op]) / n; per != float64(min.gateway[op]) {
			extra = append(extra, fmt.Sprintf("%s %.2f (minimum %d)", op, per, min.gateway[op]))
		}
	}
	for op, c := range min.gateway {
		if _, ok := m.ops[op]; !ok && c > 0 {
			extra = append(extra, fmt.Sprintf("%s 0 (minimum %d)", op, c))
		}
	}
	if _, again := logged.LoadOrStore(m.b.Name(), true); again {
		return
	}
	if len(extra) > 0 {
		m.b.Logf("gateway calls per flow: %s", strings.Join(extra, ", "))
	}
	if per := float64(m.store.Total()) / n; per != float64(min.store) {
		s := m.store
		m.b.Logf("store operations per flow: %.2f (minimum %d): Create %.2f, Get %.2f, Update %.2f, WebhookSeen %.2f, RecordWebhook %.2f, other %.2f",
			per, min.store, float64(s.Create)/n, float64(s.Get)/n, float64(s.Update)/n, float64(s.WebhookSeen)/n, float64(s.RecordWebhook)/n,
			float64(s.Total()-s.Create-s.Get-s.Update-s.WebhookSeen-s.RecordWebhook)/n)
	}
}
