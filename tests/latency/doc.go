// Package latency holds the open-loop latency run of the Service. It has
// no code of its own: everything is in the latency_test package.
//
// # What it measures
//
// What a customer waits for beyond the gateway itself. Card flows arrive
// at a steady rate from a schedule, each started at its scheduled time
// whatever the others are doing (open loop: a slow flow never holds the
// next one back, so queueing shows instead of being hidden). A flow is
// Prepare, the customer's authorisation at the fake, and Confirm, through
// one payments.Service, built as an application runs it: with an event
// handler and Service.Run delivering the events in the background (so
// store-ops/flow counts the delivery's claims and acknowledgements too);
// the fake gateway (paymentstest.Gateway) answers
// each confirm after 200 ms, the injected latency, and prepares nothing,
// as with Toss. A flow's added latency is its completion time minus its
// scheduled start minus the 200 ms: the library's own work, its waiting
// for CPU, locks and the store, and any lag of the schedule.
//
// BenchmarkOpenLoop runs it over memstore and, when
// PAYMENTS_TEST_DATABASE_URL is set, over sqlstore (a pool of 16
// connections), and reports for each:
//
//   - p50-ms, p99-ms and max-ms: added latency;
//   - cpu-us/flow: the process's CPU time (getrusage: user and system)
//     during the run divided by the flows; the fake gateway, the schedule
//     and the sampler are in it, PostgreSQL's own CPU is not;
//   - heap-KiB/inflight: the highest live heap measured at a garbage
//     collection during the run, less the heap before the run and less
//     what the completed flows left behind (retained-B/flow, measured
//     after the run: the store's records and the fake's charges), divided
//     by the flows in flight at that moment; stack-KiB/inflight likewise
//     for goroutine stacks;
//   - inflight: the mean number of flows in flight;
//   - store-ops/flow, and over sqlstore sql-stmts/flow: counted with
//     internal/counting;
//   - gateway-calls/flow;
//   - errors: flows that failed or did not end paid;
//   - goroutines-before and goroutines-after: the count before the
//     Service was built and after it was shut down (polled for up to 5 s).
//
// With PAYMENTS_BENCH_OPENLOOP=full (set by scripts/bench) the run is
// 2,000 flows/s for 10 s (rate=2000, about 400 flows in flight), and a
// capacity search follows (capacity): steps of 3 s at doubling rates
// from 2,000/s until one fails, then bisection to within 10 %; a step
// passes when its p99 added latency is at most 20 ms with no error, a
// failed step runs once more (another tenant of a shared machine can
// cost one try its p99), and capacity-flows/s is the highest rate that
// passed. A run stops scheduling as soon as the flows in flight show a
// mean added latency above 200 ms (Little's law: in flight = rate × mean
// latency), an overload no p99 could survive, and reports overloaded 1.
// Every step runs on a fresh Service, store and fake.
//
// Without it, as in ./scripts/test, the run is a smoke run of 0.5 s at
// 200 flows/s, which still fails on any error or on goroutines left
// behind. No figure is asserted: scripts/bench compares them with the
// targets in BENCHMARKS.md.
//
// # Running it
//
//	PAYMENTS_BENCH_OPENLOOP=full go test -run '^$' -bench OpenLoop -benchtime 1x ./tests/latency/
package latency
