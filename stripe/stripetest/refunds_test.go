package stripetest_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/payments-go/payments/stripe/stripetest"
)

func paidIntent(t *testing.T, api *client.API, amount int64, currency string) *stripego.PaymentIntent {
	t.Helper()
	pi, err := api.PaymentIntents.New(&stripego.PaymentIntentParams{
		Amount: stripego.Int64(amount), Currency: stripego.String(currency),
		PaymentMethod: stripego.String(stripetest.PMVisa), Confirm: stripego.Bool(true),
		PaymentMethodTypes: stripego.StringSlice([]string{"card"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	return pi
}

func TestRefunds(t *testing.T) {
	srv, _, api := newAPI(t, stripetest.Config{})
	pi := paidIntent(t, api, 58990, "krw")

	// Partial refund with reason and metadata.
	re, err := api.Refunds.New(&stripego.RefundParams{
		PaymentIntent: stripego.String(pi.ID), Amount: stripego.Int64(10000),
		Reason:   stripego.String(string(stripego.RefundReasonRequestedByCustomer)),
		Metadata: map[string]string{"refund_id": "R-1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	type refundView struct {
		Object   string
		Amount   int64
		Currency stripego.Currency
		Status   stripego.RefundStatus
		Reason   stripego.RefundReason
		PI       string
		Charge   string
		Metadata map[string]string
	}
	view := func(r *stripego.Refund) refundView {
		v := refundView{Object: r.Object, Amount: r.Amount, Currency: r.Currency, Status: r.Status, Reason: r.Reason, Metadata: r.Metadata}
		if r.PaymentIntent != nil {
			v.PI = r.PaymentIntent.ID
		}
		if r.Charge != nil {
			v.Charge = r.Charge.ID
		}
		return v
	}
	want := refundView{"refund", 10000, "krw", "succeeded", "requested_by_customer", pi.ID, pi.LatestCharge.ID, map[string]string{"refund_id": "R-1"}}
	if diff := cmp.Diff(want, view(re)); diff != "" {
		t.Errorf("created refund (-want +got):\n%s", diff)
	}
	hasPrefix(t, "refund ID", re.ID, "re_")
	got, err := api.Refunds.Get(re.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, view(got)); diff != "" {
		t.Errorf("retrieved refund (-want +got):\n%s", diff)
	}

	// Over-refund.
	_, err = api.Refunds.New(&stripego.RefundParams{PaymentIntent: stripego.String(pi.ID), Amount: stripego.Int64(50000)})
	checkErr(t, err, errShape{Status: 400, Type: "invalid_request_error", Param: "amount",
		Msg: "Refund amount (₩50,000) is greater than unrefunded amount on charge (₩48,990)"})

	// Refund the rest by charge id (amount omitted = remaining).
	rest, err := api.Refunds.New(&stripego.RefundParams{Charge: stripego.String(pi.LatestCharge.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if rest.Amount != 48990 || rest.PaymentIntent == nil || rest.PaymentIntent.ID != pi.ID {
		t.Errorf("remaining refund: amount %d PI %+v", rest.Amount, rest.PaymentIntent)
	}

	// Fully refunded now.
	_, err = api.Refunds.New(&stripego.RefundParams{PaymentIntent: stripego.String(pi.ID)})
	checkErr(t, err, errShape{Status: 400, Type: "invalid_request_error", Code: "charge_already_refunded",
		Msg: "Charge " + pi.LatestCharge.ID + " has already been refunded."})

	ch, err := api.Charges.Get(pi.LatestCharge.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ch.AmountRefunded != 58990 || !ch.Refunded {
		t.Errorf("charge amount_refunded %d refunded %v, want 58990 true", ch.AmountRefunded, ch.Refunded)
	}
	after, err := api.PaymentIntents.Get(pi.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after.Status != "succeeded" {
		t.Errorf("PaymentIntent status after refunds = %q, want succeeded (refunds do not change it)", after.Status)
	}
	if n := srv.Executed(stripetest.OpCreateRefund); n != 2 {
		t.Errorf("Executed(refund) = %d, want 2", n)
	}
	var refunded int
	for _, e := range srv.Events() {
		if e.Type == "charge.refunded" {
			refunded++
		}
	}
	if refunded != 2 {
		t.Errorf("%d charge.refunded events, want 2", refunded)
	}
}

func TestRefundErrors(t *testing.T) {
	_, _, api := newAPI(t, stripetest.Config{})
	unpaid, err := api.PaymentIntents.New(piParams("", false))
	if err != nil {
		t.Fatal(err)
	}
	paid := paidIntent(t, api, 1000, "usd")
	tests := []struct {
		name   string
		params *stripego.RefundParams
		want   errShape
	}{
		{"not succeeded", &stripego.RefundParams{PaymentIntent: stripego.String(unpaid.ID)},
			errShape{Status: 400, Type: "invalid_request_error", Param: "payment_intent"}},
		{"unknown payment intent", &stripego.RefundParams{PaymentIntent: stripego.String("pi_x")},
			errShape{Status: 400, Type: "invalid_request_error", Code: "resource_missing", Param: "payment_intent", Msg: "No such payment_intent: 'pi_x'"}},
		{"unknown charge", &stripego.RefundParams{Charge: stripego.String("ch_x")},
			errShape{Status: 400, Type: "invalid_request_error", Code: "resource_missing", Param: "charge", Msg: "No such charge: 'ch_x'"}},
		{"neither", &stripego.RefundParams{},
			errShape{Status: 400, Type: "invalid_request_error", Code: "parameter_missing", Param: "payment_intent"}},
		{"bad reason", &stripego.RefundParams{PaymentIntent: stripego.String(paid.ID), Reason: stripego.String("changed_mind")},
			errShape{Status: 400, Type: "invalid_request_error", Param: "reason", Msg: "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer"}},
		{"output-only reason", &stripego.RefundParams{PaymentIntent: stripego.String(paid.ID), Reason: stripego.String("expired_uncaptured_charge")},
			errShape{Status: 400, Type: "invalid_request_error", Param: "reason"}},
		{"zero amount", &stripego.RefundParams{PaymentIntent: stripego.String(paid.ID), Amount: stripego.Int64(0)},
			errShape{Status: 400, Type: "invalid_request_error", Code: "parameter_invalid_integer", Param: "amount"}},
		{"usd over-refund", &stripego.RefundParams{PaymentIntent: stripego.String(paid.ID), Amount: stripego.Int64(1001)},
			errShape{Status: 400, Type: "invalid_request_error", Param: "amount", Msg: "Refund amount ($10.01) is greater than unrefunded amount on charge ($10.00)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := api.Refunds.New(tt.params)
			checkErr(t, err, tt.want)
		})
	}
	_, err = api.Refunds.Get("re_x", nil)
	checkErr(t, err, errShape{Status: 404, Type: "invalid_request_error", Code: "resource_missing", Param: "id", Msg: "No such refund: 're_x'"})
}

func TestRefundExpand(t *testing.T) {
	_, _, api := newAPI(t, stripetest.Config{})
	pi := paidIntent(t, api, 1000, "jpy")
	p := &stripego.RefundParams{PaymentIntent: stripego.String(pi.ID)}
	p.AddExpand("charge")
	p.AddExpand("payment_intent")
	re, err := api.Refunds.New(p)
	if err != nil {
		t.Fatal(err)
	}
	if re.Charge == nil || re.Charge.AmountRefunded != 1000 || !re.Charge.Refunded || re.PaymentIntent == nil || re.PaymentIntent.Status != "succeeded" {
		t.Errorf("expanded refund: charge %+v payment_intent %+v", re.Charge, re.PaymentIntent)
	}
	if re.Amount != 1000 || re.Currency != "jpy" {
		t.Errorf("amount %d %s, want 1000 jpy (zero-decimal)", re.Amount, re.Currency)
	}
}
