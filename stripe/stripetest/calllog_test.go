package stripetest

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The request log keeps the latest maxCalls calls, oldest first, however
// many came before.
func TestCallLogKeepsTheLatest(t *testing.T) {
	defer func(n int) { maxCalls = n }(maxCalls)
	maxCalls = 4
	for _, total := range []int{0, 3, 4, 5, 7, 8, 9, 16, 23} {
		srv := New(Config{})
		for i := range total {
			r := httptest.NewRequest(http.MethodGet, "/v1/checkout/sessions/cs_"+strconv.Itoa(i), nil)
			r.Header.Set("Authorization", "Bearer sk_test_calllog")
			srv.ServeHTTP(httptest.NewRecorder(), r)
		}
		var got, want []string
		for _, c := range srv.Calls() {
			got = append(got, c.Path)
		}
		for i := max(0, total-maxCalls); i < total; i++ {
			want = append(want, "/v1/checkout/sessions/cs_"+strconv.Itoa(i))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("after %d calls (-want +got):\n%s", total, diff)
		}
		if n := len(srv.calls); n > 2*maxCalls {
			t.Errorf("after %d calls the log holds %d, more than 2×%d", total, n, maxCalls)
		}
		srv.Close()
	}
}
