package stripe_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/payments-go/payments"
)

// FuzzCaptureRoutes sends arbitrary JSON bodies to the admin routes of
// manual capture and disputes: nothing answers 5xx or panics, and every
// refusal carries the error envelope.
func FuzzCaptureRoutes(f *testing.F) {
	e := hFakeEnv(f, hOpts{})
	routes := []string{"/capture", "/void", "/dispute/close"}
	for i, body := range []string{
		`{"order_number":"` + hUSD + `","amount":100}`,
		`{"order_number":"` + hUSD + `","reason":"out of stock"}`,
		`{"order_number":"` + hUSD + `","dispute_id":"dp_1"}`,
	} {
		f.Add(uint8(i), []byte(body))
	}
	f.Add(uint8(0), []byte(`{"order_number":"`+hUSD+`","amount":-9223372036854775808}`))
	f.Add(uint8(2), []byte(`{"order_number":"\u0000","dispute_id":"dp_\u00ff"}`))
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		path := routes[int(route)%len(routes)]
		w := e.with(t).post(path, string(body), "Authorization", hBearer)
		hFuzzCheck(t, w.Code, w.Body.Bytes(), path)
		if w.Code == http.StatusOK {
			return
		}
		var env struct {
			Error struct {
				Code payments.ErrorCode `json:"code"`
			} `json:"error"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || env.Error.Code == "" {
			t.Fatalf("%s: %d without an error envelope: %s", path, w.Code, w.Body)
		}
	})
}
