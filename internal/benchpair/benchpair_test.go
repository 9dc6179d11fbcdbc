package benchpair_test

import (
	"context"
	"io"
	"math"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/payments-go/payments/internal/benchpair"
)

// sleeper is a side whose flows take a known time and allocate a known
// number of bytes.
type sleeper struct {
	d     time.Duration
	size  int
	calls int
	sink  *[][]byte
}

func (s *sleeper) Flow(b *testing.B, order string) {
	if order == "" {
		b.Fatal("no order")
	}
	*s.sink = append((*s.sink)[:0], make([]byte, s.size))
	s.calls++
	time.Sleep(s.d)
}

func (s *sleeper) Close(b *testing.B, flows int) int {
	if s.calls != flows {
		b.Fatalf("%d flows run, Close told %d", s.calls, flows)
	}
	return flows
}

// TestRun checks the figures Run reports against sides of known cost.
func TestRun(t *testing.T) {
	var sink [][]byte
	res := testing.Benchmark(func(b *testing.B) {
		benchpair.Run(b, 4, strconv.Itoa,
			func(*testing.B) benchpair.Block {
				return &sleeper{d: 4 * time.Millisecond, size: 64 << 10, sink: &sink}
			},
			func(*testing.B) benchpair.Block { return &sleeper{d: time.Millisecond, size: 16 << 10, sink: &sink} },
		)
	})
	if res.N == 0 {
		t.Fatal("the benchmark did not run")
	}
	x := res.Extra
	if _, ok := x["ns/op"]; !ok || res.NsPerOp() != 0 {
		t.Errorf("ns/op = %d, want it suppressed (0)", res.NsPerOp())
	}
	// Sleeps last at least as asked, and scheduling adds to both sides:
	// only lower bounds hold on a busy machine.
	if v := x["library-ns/flow"]; v < 4e6 {
		t.Errorf("library-ns/flow = %.0f, want at least 4 ms", v)
	}
	if v := x["baseline-ns/flow"]; v < 1e6 {
		t.Errorf("baseline-ns/flow = %.0f, want at least 1 ms", v)
	}
	if r, want := x["library/baseline"], x["library-ns/flow"]/x["baseline-ns/flow"]; math.Abs(r-want) > 1e-9*want {
		t.Errorf("library/baseline = %v, want library-ns/flow / baseline-ns/flow = %v", r, want)
	}
	if lib, base := x["library-B/flow"], x["baseline-B/flow"]; lib < 64<<10 || base < 16<<10 || lib < 2*base {
		t.Errorf("B/flow: library %.0f, baseline %.0f; want ≥ 64 KiB and ≥ 16 KiB", lib, base)
	}
	if v := x["upstream/flow"]; v != 1 {
		t.Errorf("upstream/flow = %v, want 1", v)
	}
}

// NewRequest gives a handler what httptest.NewRequest gives it.
func TestNewRequest(t *testing.T) {
	tests := []struct{ method, target, body string }{
		{"GET", "/payments/status?order_number=ORD-1", ""},
		{"POST", "/payments/toss/ready", `{"order_number":"ORD-1","order_name":"티셔츠 외 1건"}`},
		{"GET", "/payments/toss/success?paymentKey=tgen_1&orderId=ORD-1&amount=58990", ""},
	}
	for _, tt := range tests {
		got, err := benchpair.NewRequest(tt.method, tt.target, tt.body)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.target, err)
		}
		var body io.Reader
		if tt.body != "" {
			body = strings.NewReader(tt.body)
		}
		want := httptest.NewRequest(tt.method, tt.target, body)
		if tt.body != "" {
			want.Header.Set("Content-Type", "application/json")
		}
		gotBody, _ := io.ReadAll(got.Body)
		for _, c := range []struct {
			what      string
			got, want any
		}{
			{"method", got.Method, want.Method},
			{"URL", got.URL.String(), want.URL.String()},
			{"query", got.URL.Query(), want.URL.Query()},
			{"content type", got.Header.Get("Content-Type"), want.Header.Get("Content-Type")},
			{"content length", got.ContentLength, int64(len(tt.body))},
			{"body", string(gotBody), tt.body},
			{"context is Background", got.Context() == context.Background(), true},
		} {
			if diff := cmp.Diff(c.want, c.got); diff != "" {
				t.Errorf("%s %s: %s (-httptest +NewRequest):\n%s", tt.method, tt.target, c.what, diff)
			}
		}
	}
}

// CPUTime advances while the process computes.
func TestCPUTime(t *testing.T) {
	start := benchpair.CPUTime()
	if start <= 0 {
		t.Fatalf("CPUTime() = %v at start, want a positive time", start)
	}
	deadline := time.Now().Add(5 * time.Second)
	x := 1
	for benchpair.CPUTime() == start {
		for i := range 100000 {
			x = x*31 + i
		}
		if time.Now().After(deadline) {
			t.Fatalf("CPUTime() stayed at %v for 5 s of computing (%d)", start, x)
		}
	}
}
