package stripetest_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments/stripe/stripetest"
)

// eventTypes lists the types of the server's events after the first skip.
func eventTypes(srv *stripetest.Server, skip int) []string {
	var out []string
	for _, ev := range srv.Events()[skip:] {
		out = append(out, ev.Type)
	}
	return out
}

// eventObject decodes the data.object of the server's latest event of
// type typ.
func eventObject(t *testing.T, srv *stripetest.Server, typ string, into any) {
	t.Helper()
	evs := srv.Events()
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Type != typ {
			continue
		}
		var ev struct {
			APIVersion string `json:"api_version"`
			Data       struct {
				Object json.RawMessage `json:"object"`
			} `json:"data"`
		}
		if err := json.Unmarshal(evs[i].Payload, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.APIVersion != stripego.APIVersion {
			t.Errorf("%s api_version = %q, want %q", typ, ev.APIVersion, stripego.APIVersion)
		}
		if err := json.Unmarshal(ev.Data.Object, into); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("no %s event in %v", typ, eventTypes(srv, 0))
}

func usdSessionParams(types ...string) *stripego.CheckoutSessionParams {
	p := orderSessionParams()
	for _, li := range p.LineItems {
		li.PriceData.Currency = stripego.String("usd")
	}
	if len(types) > 0 {
		p.PaymentMethodTypes = stripego.StringSlice(types)
	}
	return p
}

// TestDynamicPaymentMethods: without payment_method_types a session offers
// the Dashboard's methods that take its currency; with them, those only.
func TestDynamicPaymentMethods(t *testing.T) {
	_, _, api := newAPI(t, stripetest.Config{})
	for _, tc := range []struct {
		name   string
		params *stripego.CheckoutSessionParams
		want   []string
	}{
		{"USD, Dashboard's", usdSessionParams(), []string{"card", "us_bank_account"}},
		{"KRW, Dashboard's less ACH", orderSessionParams(), []string{"card"}},
		{"USD, card only", usdSessionParams("card"), []string{"card"}},
		{"USD, bank only", usdSessionParams("us_bank_account"), []string{"us_bank_account"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := api.CheckoutSessions.New(tc.params)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, cs.PaymentMethodTypes); diff != "" {
				t.Errorf("payment_method_types (-want +got):\n%s", diff)
			}
		})
	}

	_, _, api2 := newAPI(t, stripetest.Config{DashboardPaymentMethodTypes: []string{"card"}})
	cs, err := api2.CheckoutSessions.New(usdSessionParams())
	if err != nil || !slices.Equal(cs.PaymentMethodTypes, []string{"card"}) {
		t.Errorf("card-only Dashboard: %v, %v", cs, err)
	}

	// ACH takes USD only; types the fake does not model are refused by
	// name.
	krw := orderSessionParams()
	krw.PaymentMethodTypes = stripego.StringSlice([]string{"us_bank_account"})
	if _, err := api.CheckoutSessions.New(krw); stripeErr(t, err).Param != "payment_method_types" {
		t.Errorf("us_bank_account in KRW: %v", err)
	}
	if _, err := api.CheckoutSessions.New(usdSessionParams("kakao_pay")); stripeErr(t, err).HTTPStatusCode != 400 {
		t.Errorf("kakao_pay: %v", err)
	}
}

// TestDelayedBankDebit: ACH Direct Debit on hosted checkout completes the
// session unpaid with a processing PaymentIntent; Settle succeeds or fails
// it later with the documented events.
func TestDelayedBankDebit(t *testing.T) {
	for _, tc := range []struct {
		name       string
		pm         string
		wantPI     stripego.PaymentIntentStatus
		wantPay    stripego.CheckoutSessionPaymentStatus
		wantEvents []string
	}{
		{"succeeds", stripetest.PMUSBankAccount, "succeeded", "paid",
			[]string{"payment_intent.succeeded", "charge.succeeded", "checkout.session.async_payment_succeeded"}},
		{"insufficient funds", stripetest.PMUSBankAccountInsufficientFunds, "requires_payment_method", "unpaid",
			[]string{"charge.failed", "payment_intent.payment_failed", "checkout.session.async_payment_failed"}},
		{"account closed", stripetest.PMUSBankAccountClosed, "requires_payment_method", "unpaid",
			[]string{"charge.failed", "payment_intent.payment_failed", "checkout.session.async_payment_failed"}},
		{"stays processing", stripetest.PMUSBankAccountProcessing, "processing", "unpaid", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _, api := newAPI(t, stripetest.Config{})
			cs, err := api.CheckoutSessions.New(usdSessionParams())
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.CompleteSession(cs.ID, tc.pm); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"charge.pending", "payment_intent.processing", "checkout.session.completed"}, eventTypes(srv, 0)); diff != "" {
				t.Errorf("events at completion (-want +got):\n%s", diff)
			}
			expand := &stripego.CheckoutSessionParams{}
			expand.AddExpand("payment_intent.latest_charge")
			expand.AddExpand("payment_intent.payment_method")
			got, err := api.CheckoutSessions.Get(cs.ID, expand)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != "complete" || got.PaymentStatus != "unpaid" || got.PaymentIntent.Status != "processing" ||
				got.PaymentIntent.LatestCharge.Status != "pending" || got.PaymentIntent.LatestCharge.PaymentMethodDetails.Type != "us_bank_account" ||
				got.PaymentIntent.PaymentMethod.Type != "us_bank_account" || got.PaymentIntent.PaymentMethod.USBankAccount.Last4 == "" {
				t.Fatalf("after completion: session %s/%s, PaymentIntent %s, charge %+v", got.Status, got.PaymentStatus,
					got.PaymentIntent.Status, got.PaymentIntent.LatestCharge)
			}
			n := len(srv.Events())
			if err := srv.Settle(got.PaymentIntent.ID); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantEvents, eventTypes(srv, n)); diff != "" {
				t.Errorf("events at settlement (-want +got):\n%s", diff)
			}
			got, err = api.CheckoutSessions.Get(cs.ID, expand)
			if err != nil {
				t.Fatal(err)
			}
			if got.PaymentStatus != tc.wantPay || got.PaymentIntent.Status != tc.wantPI {
				t.Errorf("after settlement: session %s, PaymentIntent %s; want %s, %s", got.PaymentStatus, got.PaymentIntent.Status, tc.wantPay, tc.wantPI)
			}
			if tc.wantPI == "requires_payment_method" {
				if e := got.PaymentIntent.LastPaymentError; e == nil || e.Code == "" || got.PaymentIntent.LatestCharge.Status != "failed" {
					t.Errorf("failed debit: last_payment_error %+v, charge %s", e, got.PaymentIntent.LatestCharge.Status)
				}
			}
			if tc.wantPI != "processing" {
				if err := srv.Settle(got.PaymentIntent.ID); err == nil {
					t.Error("a second Settle succeeded")
				}
			}
		})
	}
}

// TestIncompatiblePaymentMethod: a card-only PaymentIntent refuses a bank
// account, with Stripe's code; a hosted page refuses a method the session
// does not offer.
func TestIncompatiblePaymentMethod(t *testing.T) {
	srv, _, api := newAPI(t, stripetest.Config{})
	_, err := api.PaymentIntents.New(&stripego.PaymentIntentParams{
		Amount: stripego.Int64(1999), Currency: stripego.String("usd"),
		PaymentMethod:      stripego.String(stripetest.PMUSBankAccount),
		PaymentMethodTypes: stripego.StringSlice([]string{"card"}),
	})
	checkErr(t, err, errShape{Status: 400, Type: "invalid_request_error", Code: "payment_intent_incompatible_payment_method", Param: "payment_method"})

	cs, err := api.CheckoutSessions.New(usdSessionParams("card"))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.CompleteSession(cs.ID, stripetest.PMUSBankAccount); err == nil {
		t.Error("a card-only session took a bank account")
	}
}

// TestPendingAndFailingRefunds: the documented refund test cards
// (https://docs.stripe.com/testing#refunds) and FailRefund, with the
// events of API version 2023-10-16, and with the acacia option.
func TestPendingAndFailingRefunds(t *testing.T) {
	for _, tc := range []struct {
		name       string
		pm         string
		acacia     bool
		settle     func(srv *stripetest.Server, id string) error
		first      stripego.RefundStatus
		final      stripego.RefundStatus
		refunded   int64 // the charge's amount_refunded at the end
		wantEvents []string
	}{
		{"pending then succeeded", stripetest.PMPendingRefund, false, (*stripetest.Server).SettleRefund,
			"pending", "succeeded", 500, []string{"charge.refunded", "charge.refund.updated"}},
		{"succeeded then failed", stripetest.PMRefundFail, false, (*stripetest.Server).SettleRefund,
			"succeeded", "failed", 0, []string{"charge.refunded", "charge.refund.updated"}},
		{"pending then failed", stripetest.PMPendingRefund, false,
			func(srv *stripetest.Server, id string) error { return srv.FailRefund(id, "expired_or_canceled_card") },
			"pending", "failed", 0, []string{"charge.refunded", "charge.refund.updated"}},
		{"acacia events", stripetest.PMPendingRefund, true, (*stripetest.Server).SettleRefund,
			"pending", "succeeded", 500, []string{"charge.refunded", "refund.created", "charge.refund.updated", "refund.updated"}},
		{"acacia failure", stripetest.PMRefundFail, true, (*stripetest.Server).SettleRefund,
			"succeeded", "failed", 0, []string{"charge.refunded", "refund.created", "charge.refund.updated", "refund.updated", "refund.failed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _, api := newAPI(t, stripetest.Config{AcaciaRefundEvents: tc.acacia})
			pi, err := api.PaymentIntents.New(&stripego.PaymentIntentParams{
				Amount: stripego.Int64(1999), Currency: stripego.String("usd"), Confirm: stripego.Bool(true),
				PaymentMethod: stripego.String(tc.pm), PaymentMethodTypes: stripego.StringSlice([]string{"card"}),
			})
			if err != nil || pi.Status != "succeeded" {
				t.Fatalf("PaymentIntent: %v, %v", pi, err)
			}
			n := len(srv.Events())
			re, err := api.Refunds.New(&stripego.RefundParams{PaymentIntent: stripego.String(pi.ID), Amount: stripego.Int64(500)})
			if err != nil || re.Status != tc.first {
				t.Fatalf("refund: %+v, %v; want status %s", re, err, tc.first)
			}
			if err := tc.settle(srv, re.ID); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantEvents, eventTypes(srv, n)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			var updated stripego.Refund
			eventObject(t, srv, "charge.refund.updated", &updated)
			if updated.ID != re.ID || updated.Status != tc.final || updated.PaymentIntent == nil || updated.PaymentIntent.ID != pi.ID {
				t.Errorf("charge.refund.updated object = %+v", updated)
			}
			got, err := api.Refunds.Get(re.ID, nil)
			if err != nil || got.Status != tc.final || (tc.final == "failed") != (got.FailureReason != "") {
				t.Errorf("refund = %+v, %v; want %s", got, err, tc.final)
			}
			ch, err := api.Charges.Get(pi.LatestCharge.ID, nil)
			if err != nil || ch.AmountRefunded != tc.refunded {
				t.Errorf("charge amount_refunded = %d, %v; want %d", ch.AmountRefunded, err, tc.refunded)
			}
			if err := srv.SettleRefund(re.ID); err == nil {
				t.Error("a second SettleRefund succeeded")
			}
		})
	}

	srv, _, api := newAPI(t, stripetest.Config{})
	pi := paidIntent(t, api, 1999, "usd")
	re, err := api.Refunds.New(&stripego.RefundParams{PaymentIntent: stripego.String(pi.ID)})
	if err != nil || re.Status != "succeeded" {
		t.Fatalf("a card refund: %+v, %v", re, err)
	}
	if err := srv.SettleRefund(re.ID); err == nil {
		t.Error("SettleRefund of a plain card refund succeeded")
	}
	if err := srv.SettleRefund("re_unknown"); err == nil {
		t.Error("SettleRefund of an unknown refund succeeded")
	}
}

// TestListRefunds: GET /v1/refunds?payment_intent=, newest first, paged
// with starting_after as stripe-go's iterator does.
func TestListRefunds(t *testing.T) {
	_, _, api := newAPI(t, stripetest.Config{})
	pi := paidIntent(t, api, 10000, "usd")
	other := paidIntent(t, api, 10000, "usd")
	var ids []string
	for i := range 5 {
		re, err := api.Refunds.New(&stripego.RefundParams{PaymentIntent: stripego.String(pi.ID), Amount: stripego.Int64(100),
			Metadata: map[string]string{"refund_id": "rf_" + string(rune('a'+i))}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, re.ID)
	}
	if _, err := api.Refunds.New(&stripego.RefundParams{PaymentIntent: stripego.String(other.ID), Amount: stripego.Int64(100)}); err != nil {
		t.Fatal(err)
	}
	slices.Reverse(ids)

	params := &stripego.RefundListParams{PaymentIntent: stripego.String(pi.ID)}
	params.Limit = stripego.Int64(2) // three pages
	var got []string
	it := api.Refunds.List(params)
	for it.Next() {
		got = append(got, it.Refund().ID)
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ids, got); diff != "" {
		t.Errorf("listed refunds (-want +got):\n%s", diff)
	}

	it = api.Refunds.List(&stripego.RefundListParams{PaymentIntent: stripego.String("pi_unknown")})
	for it.Next() {
	}
	checkErr(t, it.Err(), errShape{Status: 404, Type: "invalid_request_error", Code: "resource_missing", Param: "payment_intent"})
}

// TestDiscount: a 100% discount makes a session's total 0, and paying it
// completes it with no_payment_required and no PaymentIntent.
func TestDiscount(t *testing.T) {
	srv, _, api := newAPI(t, stripetest.Config{})
	cs, err := api.CheckoutSessions.New(usdSessionParams())
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Discount(cs.ID, 0); err == nil {
		t.Error("a 0% discount was taken")
	}
	if err := srv.Discount(cs.ID, 100); err != nil {
		t.Fatal(err)
	}
	if err := srv.Discount(cs.ID, 50); err == nil {
		t.Error("a second discount was taken")
	}
	if err := srv.CompleteSession(cs.ID, stripetest.PMVisa); err != nil {
		t.Fatal(err)
	}
	got, err := api.CheckoutSessions.Get(cs.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "complete" || got.PaymentStatus != "no_payment_required" || got.AmountTotal != 0 ||
		got.AmountSubtotal != 58990 || got.TotalDetails.AmountDiscount != 58990 || got.PaymentIntent != nil {
		t.Errorf("session = status %s/%s, total %d, subtotal %d, discount %d, PaymentIntent %v", got.Status, got.PaymentStatus,
			got.AmountTotal, got.AmountSubtotal, got.TotalDetails.AmountDiscount, got.PaymentIntent)
	}

	half, err := api.CheckoutSessions.New(usdSessionParams())
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Discount(half.ID, 50); err != nil {
		t.Fatal(err)
	}
	if err := srv.CompleteSession(half.ID, stripetest.PMVisa); err != nil {
		t.Fatal(err)
	}
	exp := &stripego.CheckoutSessionParams{}
	exp.AddExpand("payment_intent")
	got, err = api.CheckoutSessions.Get(half.ID, exp)
	if err != nil || got.AmountTotal != 29495 || got.PaymentStatus != "paid" || got.PaymentIntent.AmountReceived != 29495 {
		t.Errorf("half off: %+v, %v", got, err)
	}
}
