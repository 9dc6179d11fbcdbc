// Package benchpair measures a flow of the library against a baseline
// doing the same work by hand, in one benchmark, so that their ratio is
// not at the mercy of a machine whose speed drifts between two benchmarks
// run one after the other.
//
// [Run] alternates the two sides in blocks of flows, each block on fresh
// state of its own, times every flow, and reports per side and flow:
// library-ns/flow and baseline-ns/flow, library-B/flow and baseline-B/flow,
// library-allocs/flow and baseline-allocs/flow (from runtime.MemStats
// around each block), the ratio library/baseline of the times, and
// upstream/flow, the gateway calls per library flow, when the library's
// blocks report any. ns/op is left out: it would mix the sides; B/op and
// allocs/op, with -benchmem, do mix them.
//
// CPU profiles (-cpuprofile) carry the pprof label side=library or
// side=baseline on the benchmark's goroutine and on every goroutine a
// side's Block starts, such as its fake gateway's server: compare the
// sides with go tool pprof -tagfocus side=library.
//
// [NewRequest] and [CPUTime] serve the module's other benchmarks too: a
// request as a server hands it to a handler, and the process's CPU time,
// to divide by the flows run.
package benchpair

import (
	"bufio"
	"context"
	"net/http"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Block is one side's state for a block of flows, such as a fake gateway
// and a shop built on it.
type Block interface {
	// Flow runs one flow for a new order number, checking every answer.
	Flow(b *testing.B, order string)
	// Close ends the block of the given number of flows, checks what it
	// must (the gateway calls made), and returns the gateway calls.
	Close(b *testing.B, flows int) (upstream int)
}

// Side opens a fresh Block of a side.
type Side func(b *testing.B) Block

type stats struct {
	flows, upstream int
	elapsed         time.Duration
	bytes, allocs   uint64
}

// Run runs b.N flows, alternating library and baseline in blocks of
// blockFlows (the library first), after one untimed flow of each, and
// reports the metrics listed in the package documentation. order names
// the n-th flow's order; the untimed flows are numbered -1 and -2.
func Run(b *testing.B, blockFlows int, order func(n int) string, library, baseline Side) {
	sides := [2]Side{library, baseline}
	labels := [2]context.Context{
		pprof.WithLabels(b.Context(), pprof.Labels("side", "library")),
		pprof.WithLabels(b.Context(), pprof.Labels("side", "baseline")),
	}
	defer pprof.SetGoroutineLabels(b.Context())
	var (
		st            [2]stats
		blk           Block
		side          = 1
		inBlock       = blockFlows
		n             int
		ms            runtime.MemStats
		bytes, allocs uint64
	)
	// One untimed flow of each side first: one-time costs (a client's
	// first connection, lazily built tables) fall on neither.
	for i, open := range sides {
		pprof.SetGoroutineLabels(labels[i])
		blk := open(b)
		blk.Flow(b, order(-1-i))
		blk.Close(b, 1)
	}
	endBlock := func() {
		runtime.ReadMemStats(&ms)
		s := &st[side]
		s.bytes += ms.TotalAlloc - bytes
		s.allocs += ms.Mallocs - allocs
		s.upstream += blk.Close(b, inBlock)
	}
	for b.Loop() {
		if inBlock == blockFlows {
			if blk != nil {
				endBlock()
			}
			side = 1 - side
			pprof.SetGoroutineLabels(labels[side])
			blk, inBlock = sides[side](b), 0
			runtime.ReadMemStats(&ms)
			bytes, allocs = ms.TotalAlloc, ms.Mallocs
		}
		n++
		inBlock++
		o := order(n)
		start := time.Now()
		blk.Flow(b, o)
		st[side].elapsed += time.Since(start)
		st[side].flows++
	}
	if blk != nil {
		endBlock()
	}
	lib, base := &st[0], &st[1]
	lib.report(b, "library")
	base.report(b, "baseline")
	if lib.flows > 0 && base.flows > 0 {
		b.ReportMetric(lib.perFlow()/base.perFlow(), "library/baseline")
	}
	if lib.flows > 0 && lib.upstream > 0 {
		b.ReportMetric(float64(lib.upstream)/float64(lib.flows), "upstream/flow")
	}
	b.ReportMetric(0, "ns/op")
}

func (s *stats) perFlow() float64 { return float64(s.elapsed.Nanoseconds()) / float64(s.flows) }

func (s *stats) report(b *testing.B, name string) {
	if s.flows == 0 {
		return
	}
	n := float64(s.flows)
	b.ReportMetric(s.perFlow(), name+"-ns/flow")
	b.ReportMetric(float64(s.bytes)/n, name+"-B/flow")
	b.ReportMetric(float64(s.allocs)/n, name+"-allocs/flow")
}

// NewRequest returns a request as net/http's server hands it to a handler:
// parsed by http.ReadRequest from its wire form (with Host shop.example,
// and for a body Content-Type application/json and Content-Length). Unlike
// httptest.NewRequest it does not allocate a 4 KiB bufio.Reader for each
// request, which a server, reading from a connection's pooled reader,
// does not either; the flows' requests then cost what they cost a server.
func NewRequest(method, target, body string) (*http.Request, error) {
	var sb strings.Builder
	sb.Grow(len(method) + len(target) + len(body) + 96)
	sb.WriteString(method + " " + target + " HTTP/1.1\r\nHost: shop.example\r\n")
	if body != "" {
		sb.WriteString("Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n")
	}
	sb.WriteString("\r\n")
	sb.WriteString(body)
	raw := sb.String()
	r, err := http.ReadRequest(bufio.NewReaderSize(strings.NewReader(raw), len(raw)))
	if err != nil {
		return nil, err
	}
	r.RemoteAddr = "192.0.2.1:1234"
	return r, nil
}
