package toss_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/payments-go/payments"
)

// pair is one key of a JSON object and its raw value.
type pair struct{ key, value string }

// object writes pairs as a JSON object, in order and with repeats, which
// a map cannot.
func object(pairs ...pair) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + p.key + `":` + p.value)
	}
	b.WriteByte('}')
	return b.String()
}

func str(s string) string { return `"` + s + `"` }

// routeFamily is one JSON route of the handler: how to reach the state it
// acts on, a valid body, and how to see that nothing changed.
type routeFamily struct {
	path   string
	header map[string]string
	// setup prepares e and returns the valid body's pairs.
	setup func(t *testing.T, e *hEnv) []pair
}

// TestHandlerJSONKeysAreUnambiguous is the contract of every JSON route:
// a key given twice, a key that matches a field only when case is
// ignored, and (except on the webhook) an unknown key are refused with
// 400 invalid_request naming the key, and nothing changes: no attempt is
// recorded, nothing reaches the gateway.
func TestHandlerJSONKeysAreUnambiguous(t *testing.T) {
	bearer := map[string]string{"Authorization": "Bearer " + hAdminToken}
	families := map[string]routeFamily{
		"ready": {path: "/ready", setup: func(t *testing.T, e *hEnv) []pair {
			return []pair{{"order_number", str(hOrder)}, {"amount", "58990"}, {"order_name", str("shirt")},
				{"method", str("CARD")}, {"success_url", str(hSuccessURL)}, {"fail_url", str(hFailURL)}}
		}},
		"confirm": {path: "/confirm", setup: func(t *testing.T, e *hEnv) []pair {
			r := e.ready(hOrder, hAmount, "CARD")
			return []pair{{"payment_key", str(e.reference(hOrder, r.Toss.OrderID))}, {"order_number", str(hOrder)}, {"amount", "58990"}}
		}},
		"virtual-account": {path: "/virtual-account", setup: func(t *testing.T, e *hEnv) []pair {
			return []pair{{"order_number", str(hOrder)}, {"amount", "58990"}, {"order_name", str("shirt")},
				{"customer_name", str("김토스")}, {"bank", str("20")}}
		}},
		"cancel": {path: "/cancel", header: bearer, setup: func(t *testing.T, e *hEnv) []pair {
			r := e.ready(hOrder, hAmount, "CARD")
			location(t, e.get(successQuery(e.reference(hOrder, r.Toss.OrderID), r.Toss.OrderID, hAmount), false))
			return []pair{{"order_number", str(hOrder)}, {"amount", "1000"}, {"reason", str("고객 요청")}}
		}},
	}
	twists := []struct {
		name string
		// change turns the valid pairs into the refused body; key is what
		// the message must name.
		change func(ps []pair) []pair
		key    string
	}{
		{"duplicate amount", func(ps []pair) []pair { return append(ps, pair{"amount", "9000"}) }, "amount"},
		{"case-variant Amount", func(ps []pair) []pair { return rename(ps, "amount", "Amount") }, "Amount"},
		{"case-variant duplicate ORDER_NUMBER", func(ps []pair) []pair {
			return append([]pair{{"ORDER_NUMBER", str(hOrderOther)}}, ps...)
		}, "ORDER_NUMBER"},
		{"unknown key", func(ps []pair) []pair { return append(ps, pair{"coupon", str("FREE")}) }, "coupon"},
	}
	for name, fam := range families {
		for _, tw := range twists {
			t.Run(name+"/"+tw.name, func(t *testing.T) {
				e := newHEnv(t)
				body := object(tw.change(fam.setup(t, e))...)
				before, beforeErr := e.svc.Payment(t.Context(), hOrder)
				calls := len(e.gw.Calls())
				rec := e.serve(hReq{method: http.MethodPost, target: fam.path, body: body, header: fam.header})
				if rec.Code != http.StatusBadRequest {
					t.Fatalf("%s = %d %s, want 400", body, rec.Code, rec.Body)
				}
				if got := errorCode(t, rec); got.Code != payments.CodeInvalidRequest || !strings.Contains(got.Message, `"`+tw.key+`"`) {
					t.Errorf("error = %s %q, want invalid_request naming %q", got.Code, got.Message, tw.key)
				}
				if n := len(e.gw.Calls()); n != calls {
					t.Errorf("the gateway got %d calls", n-calls)
				}
				after, afterErr := e.svc.Payment(t.Context(), hOrder)
				switch {
				case beforeErr != nil && afterErr == nil:
					t.Errorf("an attempt was recorded: %+v", after.Attempts)
				case beforeErr == nil && (afterErr != nil || after.Version != before.Version):
					t.Errorf("the payment changed: v%d → v%d (%v)", before.Version, after.Version, afterErr)
				}
			})
		}
	}
}

// TestHandlerWebhookKeys: the webhook ignores unknown fields (Toss adds
// fields over time) but refuses a key given twice, at any depth, and a
// key that matches a field only when case is ignored; a refused body
// changes nothing and reads nothing from the gateway.
func TestHandlerWebhookKeys(t *testing.T) {
	data := func(ps ...pair) pair { return pair{"data", object(ps...)} }
	valid := func(key string) []pair {
		return []pair{{"eventType", str("PAYMENT_STATUS_CHANGED")}, {"createdAt", str("2026-01-22T10:00:00.000000")},
			data(pair{"paymentKey", str(key)}, pair{"orderId", str(hOrder)}, pair{"status", str("DONE")})}
	}
	tests := []struct {
		name   string
		body   func(key string) string
		status int
		key    string // named in the message of a refusal
	}{
		{"duplicate eventType", func(k string) string {
			return object(append(valid(k), pair{"eventType", str("CANCEL_STATUS_CHANGED")})...)
		}, 400, "eventType"},
		{"duplicate data.orderId", func(k string) string {
			ps := valid(k)
			ps[2] = data(pair{"paymentKey", str(k)}, pair{"orderId", str(hOrder)}, pair{"orderId", str(hOrderOther)})
			return object(ps...)
		}, 400, "orderId"},
		{"case-variant EventType", func(k string) string { return object(rename(valid(k), "eventType", "EventType")...) }, 400, "EventType"},
		{"case-variant data.OrderId", func(k string) string {
			ps := valid(k)
			ps[2] = data(pair{"paymentKey", str(k)}, pair{"OrderId", str(hOrder)})
			return object(ps...)
		}, 400, "OrderId"},
		{"unknown keys", func(k string) string {
			ps := valid(k)
			ps[2] = data(pair{"paymentKey", str(k)}, pair{"orderId", str(hOrder)}, pair{"newField", "[1]"})
			return object(append(ps, pair{"version", str("2022-11-16")})...)
		}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newHEnv(t)
			r := e.ready(hOrder, hAmount, "CARD")
			key := e.reference(hOrder, r.Toss.OrderID)
			before := e.payment(hOrder)
			calls := len(e.gw.Calls())
			rec := e.post("/webhook", tt.body(key))
			if rec.Code != tt.status {
				t.Fatalf("= %d %s, want %d", rec.Code, rec.Body, tt.status)
			}
			if tt.status == http.StatusOK {
				if len(e.gw.Calls()) == calls {
					t.Error("an accepted webhook did not make the service read the payment")
				}
				return
			}
			if got := errorCode(t, rec); got.Code != payments.CodeInvalidRequest || !strings.Contains(got.Message, tt.key) {
				t.Errorf("error = %s %q, want invalid_request naming %q", got.Code, got.Message, tt.key)
			}
			if n := len(e.gw.Calls()); n != calls {
				t.Errorf("the gateway got %d calls", n-calls)
			}
			if after := e.payment(hOrder); after.Version != before.Version {
				t.Errorf("the payment changed: v%d → v%d", before.Version, after.Version)
			}
		})
	}
}

// rename returns ps with the key from renamed to.
func rename(ps []pair, from, to string) []pair {
	out := make([]pair, len(ps))
	for i, p := range ps {
		if p.key == from {
			p.key = to
		}
		out[i] = p
	}
	return out
}
