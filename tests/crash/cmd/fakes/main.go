// Command fakes serves the Toss and Stripe fakes (packages tosstest and
// stripetest) from a process of their own, on two loopback addresses, for
// the kill test in package crash: the shop under test is killed and
// restarted many times while the gateways' state lives on here.
//
//	fakes -toss 127.0.0.1:7001 -stripe 127.0.0.1:7002 -shop http://127.0.0.1:7000 [-slow-billing n]
//
// The keys come from the environment, under the names the shop reads:
// TOSS_SECRET_KEY, TOSS_CLIENT_KEY, STRIPE_SECRET_KEY and
// STRIPE_WEBHOOK_SECRET (the Stripe fake signs its events with it, so the
// shop verifies them). Both fakes send their webhooks to the shop's
// routes under -shop. The Toss fake runs a billing-key charge a while
// after it received it, and -slow-billing n makes one in n slower than
// the shop waits before it settles a charge itself.
//
// Besides the fakes' own API and sandbox pages, each address serves a few
// control routes for the test:
//
//	GET  /control/healthz
//	GET  /control/orders/{number}           what the gateway holds for the order, billing-key charges included (JSON, see tossLedger, stripeLedger)
//	POST /control/orders/{number}/webhooks  send every webhook made so far for the order to the shop again, as a gateway retries a delivery
//
// It prints "fakes ready" on standard output once both addresses listen,
// and stops on SIGINT or SIGTERM.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/payments-go/payments/stripe/stripetest"
	"github.com/payments-go/payments/toss/tosstest"
)

const (
	// maxAttempts is how many Toss attempts of one order the ledger
	// looks for: attempt 1 has the order number as its orderId, attempt
	// n ≥ 2 has "<number>-<n>".
	maxAttempts = 12
	// refundTransferDelay is how long the refund of a deposited virtual
	// account stays PENDING at the Toss fake.
	refundTransferDelay = 500 * time.Millisecond
	// billingLatency is how long the Toss fake takes to run a billing-key
	// charge once it has received it, the card company's approval (a
	// second or more with the real Toss; less here, below the shop's
	// PAYMENTS_SETTLE_AFTER of 1s, so that the shop's sweep leaves a live
	// charge alone). A shop killed meanwhile has sent the charge but
	// cannot learn its outcome, and the charge still runs, as a server
	// runs a request whose client went away.
	billingLatency = 400 * time.Millisecond
	// slowBillingLatency is the latency of the slow billing charges that
	// -slow-billing asks for: longer than the shop waits before it
	// settles a charge itself, so that its sweep reads the charge (not
	// there yet) and sends it again, with the same Idempotency-Key, while
	// the first still runs.
	slowBillingLatency = 1500 * time.Millisecond
)

func main() {
	tossAddr := flag.String("toss", "127.0.0.1:0", "listen address of the Toss fake")
	stripeAddr := flag.String("stripe", "127.0.0.1:0", "listen address of the Stripe fake")
	shopURL := flag.String("shop", "", "base URL of the shop, where webhooks go (required)")
	slowBilling := flag.Int("slow-billing", 0, "make one billing charge in `n` slow (0: none)")
	flag.Parse()
	if *shopURL == "" {
		log.Fatal("fakes: -shop is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *tossAddr, *stripeAddr, *shopURL, *slowBilling); err != nil {
		log.Fatal("fakes: ", err)
	}
}

func run(ctx context.Context, tossAddr, stripeAddr, shopURL string, slowBilling int) error {
	tossLn, err := net.Listen("tcp", tossAddr)
	if err != nil {
		return err
	}
	stripeLn, err := net.Listen("tcp", stripeAddr)
	if err != nil {
		return err
	}
	hooks := &http.Client{Timeout: 10 * time.Second}
	f := &fakes{
		toss: tosstest.New(tosstest.Config{
			SecretKeys:    []string{os.Getenv("TOSS_SECRET_KEY")},
			ClientKey:     os.Getenv("TOSS_CLIENT_KEY"),
			PublicURL:     "http://" + tossLn.Addr().String(),
			WebhookURL:    shopURL + "/payments/toss/webhook",
			WebhookClient: hooks,
			// The refund of a deposited virtual account lands at the
			// customer's bank this long after the cancel (days, with
			// the real Toss): until then the shop holds it pending.
			RefundTransferDelay: refundTransferDelay,
		}),
		stripe: stripetest.New(stripetest.Config{
			APIKeys:       []string{os.Getenv("STRIPE_SECRET_KEY")},
			PublicURL:     "http://" + stripeLn.Addr().String(),
			WebhookURL:    shopURL + "/payments/stripe/webhook",
			WebhookSecret: os.Getenv("STRIPE_WEBHOOK_SECRET"),
			WebhookClient: hooks,
		}),
		stripeKey:   os.Getenv("STRIPE_SECRET_KEY"),
		shopURL:     shopURL,
		hooks:       hooks,
		slowBilling: slowBilling,
	}
	servers := []*http.Server{
		{Handler: f.tossRoutes(), ReadHeaderTimeout: 10 * time.Second},
		{Handler: f.stripeRoutes(), ReadHeaderTimeout: 10 * time.Second},
	}
	errc := make(chan error, 2)
	go func() { errc <- servers[0].Serve(tossLn) }()
	go func() { errc <- servers[1].Serve(stripeLn) }()
	fmt.Println("fakes ready")

	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range servers {
		_ = s.Shutdown(sctx)
	}
	f.toss.Close()
	f.stripe.Close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// fakes holds the two fakes and where their webhooks go.
type fakes struct {
	toss      *tosstest.Server
	stripe    *stripetest.Server
	stripeKey string
	shopURL   string
	hooks     *http.Client
	// slowBilling makes one billing charge in slowBilling slow; 0 none.
	slowBilling int
}

func (f *fakes) tossRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", f.toss)
	mux.Handle("POST /v1/billing/{billingKey}", slow(func() time.Duration {
		if f.slowBilling > 0 && rand.IntN(f.slowBilling) == 0 {
			return slowBillingLatency
		}
		return billingLatency
	}, f.toss))
	mux.HandleFunc("GET /control/healthz", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, map[string]string{"status": "ok"}) })
	mux.HandleFunc("GET /control/orders/{number}", f.tossOrder)
	mux.HandleFunc("POST /control/orders/{number}/webhooks", f.tossResend)
	return mux
}

// slow has next serve a request a while (delay) after it was received
// whole, even when its client has gone by then.
func slow(delay func() time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		time.Sleep(delay())
		next.ServeHTTP(w, r.WithContext(context.WithoutCancel(r.Context())))
	})
}

func (f *fakes) stripeRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", f.stripe)
	mux.HandleFunc("GET /control/healthz", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, map[string]string{"status": "ok"}) })
	mux.HandleFunc("GET /control/orders/{number}", f.stripeOrder)
	mux.HandleFunc("POST /control/orders/{number}/webhooks", f.stripeResend)
	return mux
}

// tossLedger is what the Toss fake holds for one order: every payment
// whose orderId is one of the order's attempts, and how many billing-key
// charges (POST /v1/billing/{billingKey}) named one of those orderIds and
// really ran, idempotent replays apart and refused ones included.
type tossLedger struct {
	Payments       []tossPayment `json:"payments"`
	BillingCharges int           `json:"billing_charges"`
}

// tossPayment is one Toss payment, with how often money moved for it:
// Confirms and CancelCalls count the confirm and cancel requests that
// really ran (not idempotent replays), Cancels are the cancels Toss
// recorded. Type is BILLING for a payment made by a billing-key charge.
type tossPayment struct {
	OrderID       string  `json:"order_id"`
	PaymentKey    string  `json:"payment_key"`
	Status        string  `json:"status"`
	Type          string  `json:"type"`
	Method        string  `json:"method"`
	TotalAmount   int64   `json:"total_amount"`
	BalanceAmount int64   `json:"balance_amount"`
	Approved      bool    `json:"approved"`
	Cancels       []int64 `json:"cancels"`
	Confirms      int     `json:"confirms"`
	CancelCalls   int     `json:"cancel_calls"`
}

func (f *fakes) tossOrder(w http.ResponseWriter, r *http.Request) {
	number := r.PathValue("number")
	led := tossLedger{Payments: []tossPayment{}}
	for _, id := range tossOrderIDs(number) {
		led.BillingCharges += f.toss.Executions(tosstest.OpChargeBillingKey, id)
		p, ok := f.toss.Payment(id)
		if !ok || p.OrderID != id {
			continue
		}
		tp := tossPayment{
			OrderID: p.OrderID, PaymentKey: p.PaymentKey, Status: p.Status, Type: p.Type,
			TotalAmount: p.TotalAmount, BalanceAmount: p.BalanceAmount, Approved: p.ApprovedAt != nil,
			Cancels:     []int64{},
			Confirms:    f.toss.Executions(tosstest.OpConfirm, p.PaymentKey),
			CancelCalls: f.toss.Executions(tosstest.OpCancel, p.PaymentKey),
		}
		if p.Method != nil {
			tp.Method = *p.Method
		}
		for _, c := range p.Cancels {
			tp.Cancels = append(tp.Cancels, c.CancelAmount)
		}
		led.Payments = append(led.Payments, tp)
	}
	writeJSON(w, led)
}

// tossOrderIDs lists the Toss orderIds the attempts of order number may
// have.
func tossOrderIDs(number string) []string {
	ids := []string{number}
	for n := 2; n <= maxAttempts; n++ {
		ids = append(ids, number+"-"+strconv.Itoa(n))
	}
	return ids
}

// delivery is the outcome of one webhook sent again.
type delivery struct {
	Type   string `json:"type"`
	Status int    `json:"status"` // 0: no answer
	Error  string `json:"error,omitempty"`
}

// tossResend sends every webhook the Toss fake made for the order's
// attempts to the shop again, oldest first, with Toss's transmission
// headers and a retry count, as Toss does when a delivery failed.
func (f *fakes) tossResend(w http.ResponseWriter, r *http.Request) {
	ids := map[string]bool{}
	for _, id := range tossOrderIDs(r.PathValue("number")) {
		ids[id] = true
	}
	out := []delivery{}
	for _, h := range f.toss.Webhooks() {
		if !ids[tossWebhookOrderID(h.Body)] {
			continue
		}
		hdr := http.Header{
			"Content-Type":                                    {"application/json"},
			"Tosspayments-Webhook-Transmission-Time":          {h.TransmissionTime},
			"Tosspayments-Webhook-Transmission-Id":            {h.TransmissionID},
			"Tosspayments-Webhook-Transmission-Retried-Count": {"1"},
		}
		out = append(out, f.post(r.Context(), f.shopURL+"/payments/toss/webhook", h.EventType, h.Body, hdr))
	}
	writeJSON(w, out)
}

// tossWebhookOrderID is the orderId a Toss webhook body names: at the top
// for DEPOSIT_CALLBACK, under data for PAYMENT_STATUS_CHANGED.
func tossWebhookOrderID(body []byte) string {
	var v struct {
		OrderID string `json:"orderId"`
		Data    struct {
			OrderID string `json:"orderId"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	if v.OrderID != "" {
		return v.OrderID
	}
	return v.Data.OrderID
}

// stripeLedger is what the Stripe fake holds for one order: its
// PaymentIntents (those whose metadata names the order), as they are now,
// with the refunds made on their charges.
type stripeLedger struct {
	Intents []stripeIntent `json:"intents"`
}

// stripeIntent is one PaymentIntent. Refunds are the amounts of the
// refunds created on its charge, in order.
type stripeIntent struct {
	ID             string  `json:"id"`
	Status         string  `json:"status"`
	Amount         int64   `json:"amount"`
	AmountReceived int64   `json:"amount_received"`
	AmountRefunded int64   `json:"amount_refunded"`
	Refunds        []int64 `json:"refunds"`
}

// stripeObject is the part of an event's data.object the ledger reads.
type stripeObject struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	Metadata          map[string]string `json:"metadata"`
	ClientReferenceID string            `json:"client_reference_id"`
	PaymentIntent     json.RawMessage   `json:"payment_intent"`
	AmountRefunded    int64             `json:"amount_refunded"`
}

func stripeEventObject(payload []byte) (stripeObject, bool) {
	var ev struct {
		Data struct {
			Object stripeObject `json:"object"`
		} `json:"data"`
	}
	if json.Unmarshal(payload, &ev) != nil {
		return stripeObject{}, false
	}
	return ev.Data.Object, true
}

func (o stripeObject) orderNumber() string {
	if n := o.Metadata["order_number"]; n != "" {
		return n
	}
	return o.ClientReferenceID
}

func (f *fakes) stripeOrder(w http.ResponseWriter, r *http.Request) {
	number := r.PathValue("number")
	led := stripeLedger{Intents: []stripeIntent{}}
	index := map[string]int{}
	intent := func(id string) *stripeIntent {
		i, ok := index[id]
		if !ok {
			i = len(led.Intents)
			index[id] = i
			led.Intents = append(led.Intents, stripeIntent{ID: id, Refunds: []int64{}})
		}
		return &led.Intents[i]
	}
	refunded := map[string]int64{} // by PaymentIntent: amount_refunded of the last charge.refunded
	for _, ev := range f.stripe.Events() {
		o, ok := stripeEventObject(ev.Payload)
		if !ok || o.orderNumber() != number {
			continue
		}
		switch o.Object {
		case "payment_intent":
			intent(o.ID)
		case "charge":
			var pi string
			if json.Unmarshal(o.PaymentIntent, &pi) != nil || pi == "" {
				continue
			}
			in := intent(pi)
			// Each refund created on a charge makes one charge.refunded
			// event carrying the charge's new amount_refunded.
			in.Refunds = append(in.Refunds, o.AmountRefunded-refunded[pi])
			refunded[pi] = o.AmountRefunded
		}
	}
	for i := range led.Intents {
		in := &led.Intents[i]
		var pi struct {
			Status         string `json:"status"`
			Amount         int64  `json:"amount"`
			AmountReceived int64  `json:"amount_received"`
			LatestCharge   *struct {
				AmountRefunded int64 `json:"amount_refunded"`
			} `json:"latest_charge"`
		}
		if err := f.stripeGet("/v1/payment_intents/"+in.ID+"?expand[]=latest_charge", &pi); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		in.Status, in.Amount, in.AmountReceived = pi.Status, pi.Amount, pi.AmountReceived
		if pi.LatestCharge != nil {
			in.AmountRefunded = pi.LatestCharge.AmountRefunded
		}
	}
	writeJSON(w, led)
}

// stripeGet reads an object from the Stripe fake's API, in-process.
func (f *fakes) stripeGet(path string, dst any) error {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+f.stripeKey)
	rec := httptest.NewRecorder()
	f.stripe.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", path, rec.Code, rec.Body.Bytes())
	}
	return json.Unmarshal(rec.Body.Bytes(), dst)
}

// stripeResend sends every event the Stripe fake made for the order to
// the shop again, oldest first, signed now, as Stripe retries a delivery.
func (f *fakes) stripeResend(w http.ResponseWriter, r *http.Request) {
	number := r.PathValue("number")
	out := []delivery{}
	for _, ev := range f.stripe.Events() {
		o, ok := stripeEventObject(ev.Payload)
		if !ok || o.orderNumber() != number {
			continue
		}
		hdr := http.Header{
			"Content-Type":     {"application/json; charset=utf-8"},
			"Stripe-Signature": {f.stripe.Sign(ev.Payload)},
		}
		out = append(out, f.post(r.Context(), f.shopURL+"/payments/stripe/webhook", ev.Type, ev.Payload, hdr))
	}
	writeJSON(w, out)
}

// post sends one webhook and reports what became of it.
func (f *fakes) post(ctx context.Context, url, typ string, body []byte, hdr http.Header) delivery {
	d := delivery{Type: typ}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		d.Error = err.Error()
		return d
	}
	req.Header = hdr
	resp, err := f.hooks.Do(req)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	d.Status = resp.StatusCode
	return d
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
