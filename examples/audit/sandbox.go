package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	"github.com/payments-go/payments/stripe"
	"github.com/payments-go/payments/stripe/stripetest"
	"github.com/payments-go/payments/toss"
	"github.com/payments-go/payments/toss/tosstest"
)

// clock is the sandboxes' and the service's shared time, moved through
// the period while seeding.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// sandbox starts tosstest and stripetest in-process and takes seed
// payments through the library, spread over the period (a refund every
// fifth), then makes one discrepancy of each kind at the gateways.
func sandbox(ctx context.Context, period payments.AuditParams, seed int) (*payments.Service, func(), error) {
	clk := &clock{t: period.From}
	ts := tosstest.New(tosstest.Config{Now: clk.now})
	tossSrv := httptest.NewServer(ts)
	ss := stripetest.New(stripetest.Config{Now: clk.now})
	stripeSrv := httptest.NewServer(ss)
	closeAll := func() {
		tossSrv.Close()
		ts.Close()
		stripeSrv.Close()
		ss.Close()
	}
	fail := func(err error) (*payments.Service, func(), error) {
		closeAll()
		return nil, nil, err
	}
	tc, err := toss.NewClient(toss.ClientConfig{SecretKey: "test_sk_sandboxAudit0123", BaseURL: tossSrv.URL})
	if err != nil {
		return fail(err)
	}
	tg, err := toss.NewGateway(toss.GatewayConfig{Client: tc})
	if err != nil {
		return fail(err)
	}
	sg, err := stripe.New(stripe.Config{SecretKey: "sk_test_sandboxAudit0123", BaseURL: stripeSrv.URL})
	if err != nil {
		return fail(err)
	}
	book := payments.NewOrderBook()
	svc, err := payments.NewService(payments.Config{Store: memstore.New(), Orders: book, Gateways: []payments.Gateway{tg, sg}, Now: clk.now})
	if err != nil {
		return fail(err)
	}
	step := period.To.Sub(period.From) / time.Duration(seed+2)
	var tossPaid, stripePaid []*payments.Payment
	for i := range seed {
		clk.set(period.From.Add(step * time.Duration(i+1)))
		order := fmt.Sprintf("AUDIT-%s-%03d", period.From.Format("20060102"), i+1)
		var p *payments.Payment
		if i%2 == 0 {
			if err := book.Add(payments.Order{Number: order, Name: "T-Shirt", Amount: payments.Amount(10000 + 1000*i), Currency: payments.KRW}); err != nil {
				return fail(err)
			}
			prep, err := svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: order, Gateway: "toss"})
			if err != nil {
				return fail(err)
			}
			key, err := ts.Authorize(prep.Attempt.GatewayOrderID, int64(prep.Order.Amount), prep.Order.Name, "CARD")
			if err != nil {
				return fail(err)
			}
			if p, err = svc.Confirm(ctx, payments.ConfirmRequest{GatewayOrderID: prep.Attempt.GatewayOrderID, Reference: key, Amount: prep.Order.Amount}); err != nil {
				return fail(err)
			}
			tossPaid = append(tossPaid, p)
		} else {
			if err := book.Add(payments.Order{Number: order, Name: "Mug", Amount: payments.Amount(1500 + 100*i), Currency: payments.USD}); err != nil {
				return fail(err)
			}
			if _, err := svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: order, Gateway: "stripe", PaymentMethod: stripetest.PMVisa}); err != nil {
				return fail(err)
			}
			if p, err = svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: order}); err != nil {
				return fail(err)
			}
			stripePaid = append(stripePaid, p)
		}
		if i%5 == 4 {
			clk.set(clk.now().Add(time.Minute))
			if _, _, err := svc.Refund(ctx, payments.RefundRequest{OrderNumber: order, Amount: p.Amount / 4, Reason: "partial return"}); err != nil {
				return fail(err)
			}
		}
	}
	// One discrepancy of each kind.
	clk.set(period.From.Add(step * time.Duration(seed+1)))
	if _, err := ts.ApproveOutside("OUTSIDE-"+period.From.Format("20060102"), 33000); err != nil {
		return fail(err)
	}
	ss.ChargeOutside(4900, "usd", map[string]string{"order_number": "OUTSIDE-STRIPE"})
	if len(tossPaid) >= 3 {
		ts.HideTransaction(tossPaid[0].GatewayReference)
		ts.AlterTransaction(tossPaid[1].GatewayReference, func(tx *tosstest.Transaction) { tx.Amount -= 1000 })
		if err := ts.CancelOutside(tossPaid[2].GatewayReference, 2000); err != nil {
			return fail(err)
		}
	}
	if len(stripePaid) >= 1 {
		ss.AlterBalanceTransaction(stripePaid[0].GatewayReference, func(bt *stripetest.BalanceTransaction) { bt.SourceStatus = "failed" })
	}
	clk.set(period.To)
	return svc, closeAll, nil
}
