package latency_test

import (
	"context"
	"math"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/payments-go/payments/internal/benchpair"
)

// plan is one open-loop run.
type plan struct {
	rate     float64       // flows per second
	duration time.Duration // over which flows arrive
	latency  time.Duration // injected at the gateway's confirm
}

func (pl plan) flows() int { return max(1, int(math.Round(pl.rate*pl.duration.Seconds()))) }

// result is what a run measured.
type result struct {
	flows, errors int // flows started; of them, failed
	firstErr      error
	// overloaded reports that the run stopped scheduling: the flows in
	// flight meant a mean added latency above overloadAdded.
	overloaded    bool
	p50, p99, max time.Duration // added latency
	cpuPerFlow    time.Duration
	// heapPerFlight and stackPerFlight are bytes per flow in flight, at
	// the highest reading; retainedPerFlow is what each completed flow
	// left on the heap.
	heapPerFlight, stackPerFlight, retainedPerFlow float64
	meanInFlight                                   float64
	storeOps, sqlStmts, gatewayCalls               float64 // per flow
}

// pass reports whether the run meets the capacity criterion.
func (r *result) pass() bool { return !r.overloaded && r.errors == 0 && r.p99 <= capacityP99 }

const (
	// capacityP99 is the p99 added latency a capacity step may have.
	capacityP99 = 20 * time.Millisecond
	// overloadAdded is the mean added latency, read from the flows in
	// flight, at which a run stops scheduling.
	overloadAdded = 200 * time.Millisecond
)

// memSample is a reading of the live heap after a collection, with the
// flows then in flight and completed.
type memSample struct {
	at                  time.Time
	live, stacks        uint64
	inFlight, completed int64
}

// memNames are the runtime/metrics a sampler reads.
var memNames = []string{"/gc/heap/live:bytes", "/memory/classes/heap/stacks:bytes", "/gc/cycles/total:gc-cycles"}

func readMem(s []metrics.Sample) (live, stacks, cycles uint64) {
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64(), s[2].Value.Uint64()
}

func newMemSamples() []metrics.Sample {
	s := make([]metrics.Sample, len(memNames))
	for i, n := range memNames {
		s[i].Name = n
	}
	return s
}

// run runs pl against e: flow i starts at t0 + i/rate on a goroutine of
// its own, and its added latency is its completion less that scheduled
// start less the injected latency.
func run(e *env, pl plan) *result {
	n := pl.flows()
	interval := time.Duration(float64(time.Second) / pl.rate)
	added := make([]time.Duration, n)
	samples := make([]memSample, 0, 4096)
	ms := newMemSamples()
	limit := int64(pl.rate*(pl.latency+overloadAdded).Seconds()) + 64

	e.gw.delay.Store(int64(pl.latency))
	storeBefore, gwBefore := e.store.Counts(), e.gw.calls.Load()
	var sqlBefore int64
	if e.sql != nil {
		sqlBefore = e.sql.Counts().Statements()
	}
	runtime.GC()
	base, baseStacks, _ := readMem(ms)

	var (
		inFlight, completed, failed atomic.Int64
		inFlightSum                 float64
		errOnce                     sync.Once
		firstErr                    error
		wg                          sync.WaitGroup
		started                     int
		overloaded                  bool
	)
	ctx := context.Background()

	// The sampler: a heap reading after every collection the run makes.
	// It collects by itself only when the steady state (see below) is
	// half over without one, so that a short run has a reading too:
	// collections of its own would add marking work that no
	// application does, and that work grows with the store's records,
	// so it would cost the flows latency the library does not cause.
	t0 := time.Now().Add(2 * time.Millisecond)
	steadyFrom, steadyTo := t0.Add(pl.latency), t0.Add(pl.duration)
	forceAt := steadyFrom.Add(steadyTo.Sub(steadyFrom) / 2)
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		s := newMemSamples()
		_, _, lastCycles := readMem(s)
		steadyRead := false // a reading was taken in the steady state
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if !steadyRead && time.Now().After(forceAt) {
				runtime.GC()
			}
			live, stacks, cycles := readMem(s)
			if cycles != lastCycles {
				now := time.Now()
				lastCycles = cycles
				samples = append(samples, memSample{at: now, live: live, stacks: stacks, inFlight: inFlight.Load(), completed: completed.Load()})
				steadyRead = steadyRead || now.After(steadyFrom)
			}
		}
	}()

	cpu0 := benchpair.CPUTime()
	for i := range n {
		due := t0.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		f := inFlight.Load()
		if f > limit {
			overloaded = true
			break
		}
		inFlightSum += float64(f)
		inFlight.Add(1)
		wg.Add(1)
		started++
		go func() {
			defer wg.Done()
			err := e.flow(ctx, "LT-", i)
			added[i] = time.Since(due) - pl.latency
			inFlight.Add(-1)
			completed.Add(1)
			if err != nil {
				failed.Add(1)
				errOnce.Do(func() { firstErr = err })
			}
		}()
	}
	lastDue := t0.Add(time.Duration(started-1) * interval)
	wg.Wait()
	cpu := benchpair.CPUTime() - cpu0
	close(stop)
	<-sampled

	r := &result{flows: started, errors: int(failed.Load()), firstErr: firstErr, overloaded: overloaded}
	r.cpuPerFlow = cpu / time.Duration(started)
	r.meanInFlight = inFlightSum / float64(started)
	lat := slices.Clone(added[:started])
	slices.Sort(lat)
	r.p50 = lat[(len(lat)-1)/2]
	r.p99 = lat[int(math.Ceil(0.99*float64(len(lat))))-1]
	r.max = lat[len(lat)-1]

	r.storeOps = float64(e.store.Counts().Sub(storeBefore).Total()) / float64(started)
	r.gatewayCalls = float64(e.gw.calls.Load()-gwBefore) / float64(started)
	if e.sql != nil {
		r.sqlStmts = float64(e.sql.Counts().Statements()-sqlBefore) / float64(started)
	}

	// What the completed flows left behind, and from it the heap of the
	// flows in flight at each reading taken in the steady state: after
	// the first flows' injected latency and before the last arrival,
	// with at least half the expected flows in flight.
	runtime.GC()
	runtime.GC()
	end, _, _ := readMem(ms)
	r.retainedPerFlow = float64(int64(end)-int64(base)) / float64(started)
	expected := pl.rate * pl.latency.Seconds()
	for _, s := range samples {
		if s.at.Before(steadyFrom) || s.at.After(lastDue) || float64(s.inFlight) < expected/2 || s.inFlight == 0 {
			continue
		}
		heap := float64(int64(s.live)-int64(base)) - r.retainedPerFlow*float64(s.completed)
		r.heapPerFlight = max(r.heapPerFlight, heap/float64(s.inFlight))
		r.stackPerFlight = max(r.stackPerFlight, float64(int64(s.stacks)-int64(baseStacks))/float64(s.inFlight))
	}
	return r
}
