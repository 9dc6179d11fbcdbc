package stripetest_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments/stripe/stripetest"
)

func piParams(pm string, confirm bool) *stripego.PaymentIntentParams {
	p := &stripego.PaymentIntentParams{
		Amount:   stripego.Int64(58990),
		Currency: stripego.String(string(stripego.CurrencyKRW)),
		Metadata: map[string]string{"order_number": "ORD-1"},
	}
	if pm != "" {
		p.PaymentMethod = stripego.String(pm)
	}
	if confirm {
		p.Confirm = stripego.Bool(true)
		p.ReturnURL = stripego.String("https://shop.example/return?order=ORD-1")
	}
	return p
}

func TestPaymentIntentCreateAndConfirm(t *testing.T) {
	srv, ts, api := newAPI(t, stripetest.Config{})
	type result struct {
		Status       stripego.PaymentIntentStatus
		Received     int64
		HasCharge    bool
		NextAction   stripego.PaymentIntentNextActionType
		LastErrCode  stripego.ErrorCode
		LastDecline  stripego.DeclineCode
		HasPM        bool
		ReturnURL    string
		RedirectPage bool
	}
	tests := []struct {
		name    string
		params  func() *stripego.PaymentIntentParams
		want    result
		wantErr *errShape
	}{
		{"no payment method", func() *stripego.PaymentIntentParams { return piParams("", false) },
			result{Status: "requires_payment_method"}, nil},
		{"not confirmed", func() *stripego.PaymentIntentParams { return piParams(stripetest.PMVisa, false) },
			result{Status: "requires_confirmation", HasPM: true}, nil},
		{"visa", func() *stripego.PaymentIntentParams { return piParams(stripetest.PMVisa, true) },
			result{Status: "succeeded", Received: 58990, HasCharge: true, HasPM: true}, nil},
		{"visa, card only without return_url", func() *stripego.PaymentIntentParams {
			p := piParams(stripetest.PMVisa, true)
			p.ReturnURL = nil
			p.PaymentMethodTypes = stripego.StringSlice([]string{"card"})
			return p
		}, result{Status: "succeeded", Received: 58990, HasCharge: true, HasPM: true}, nil},
		{"visa, no redirects without return_url", func() *stripego.PaymentIntentParams {
			p := piParams(stripetest.PMVisa, true)
			p.ReturnURL = nil
			p.AutomaticPaymentMethods = &stripego.PaymentIntentAutomaticPaymentMethodsParams{Enabled: stripego.Bool(true), AllowRedirects: stripego.String("never")}
			return p
		}, result{Status: "succeeded", Received: 58990, HasCharge: true, HasPM: true}, nil},
		{"3DS", func() *stripego.PaymentIntentParams { return piParams(stripetest.PMThreeDSecure, true) },
			result{Status: "requires_action", NextAction: "redirect_to_url", HasPM: true, ReturnURL: "https://shop.example/return?order=ORD-1", RedirectPage: true}, nil},
		{"3DS without return_url", func() *stripego.PaymentIntentParams {
			p := piParams(stripetest.PMThreeDSecure, true)
			p.ReturnURL = nil
			p.PaymentMethodTypes = stripego.StringSlice([]string{"card"})
			return p
		}, result{Status: "requires_action", NextAction: "use_stripe_sdk", HasPM: true}, nil},
		{"declined", func() *stripego.PaymentIntentParams { return piParams(stripetest.PMDeclined, true) }, result{},
			&errShape{Status: 402, Type: "card_error", Code: "card_declined", DeclineCode: "generic_decline", Msg: "Your card was declined."}},
		{"insufficient funds", func() *stripego.PaymentIntentParams { return piParams(stripetest.PMInsufficientFunds, true) }, result{},
			&errShape{Status: 402, Type: "card_error", Code: "card_declined", DeclineCode: "insufficient_funds", Msg: "Your card has insufficient funds."}},
		{"off-session 3DS", func() *stripego.PaymentIntentParams {
			p := piParams(stripetest.PMThreeDSecure, true)
			p.OffSession = stripego.Bool(true)
			return p
		}, result{}, &errShape{Status: 402, Type: "card_error", Code: "authentication_required", DeclineCode: "authentication_required"}},
		{"unknown payment method", func() *stripego.PaymentIntentParams { return piParams("pm_nope", true) }, result{},
			&errShape{Status: 400, Type: "invalid_request_error", Code: "resource_missing", Param: "payment_method", Msg: "No such PaymentMethod: 'pm_nope'"}},
		{"confirm without return_url", func() *stripego.PaymentIntentParams {
			p := piParams(stripetest.PMVisa, true)
			p.ReturnURL = nil
			return p
		}, result{}, &errShape{Status: 400, Type: "invalid_request_error", Param: "return_url"}},
		{"return_url without confirm", func() *stripego.PaymentIntentParams {
			p := piParams(stripetest.PMVisa, false)
			p.ReturnURL = stripego.String("https://shop.example/r")
			return p
		}, result{}, &errShape{Status: 400, Type: "invalid_request_error", Param: "return_url"}},
		{"missing amount", func() *stripego.PaymentIntentParams {
			p := piParams(stripetest.PMVisa, false)
			p.Amount = nil
			return p
		}, result{}, &errShape{Status: 400, Type: "invalid_request_error", Code: "parameter_missing", Param: "amount", Msg: "Missing required param: amount."}},
		{"usd below minimum", func() *stripego.PaymentIntentParams {
			p := piParams("", false)
			p.Currency, p.Amount = stripego.String("usd"), stripego.Int64(49)
			return p
		}, result{}, &errShape{Status: 400, Type: "invalid_request_error", Code: "amount_too_small", Param: "amount", Msg: "Amount must be at least $0.50 usd"}},
		{"three-decimal last digit", func() *stripego.PaymentIntentParams {
			p := piParams("", false)
			p.Currency, p.Amount = stripego.String("kwd"), stripego.Int64(5124)
			return p
		}, result{}, &errShape{Status: 400, Type: "invalid_request_error", Code: "invalid_amount", Param: "amount"}},
		{"manual capture", func() *stripego.PaymentIntentParams {
			p := piParams(stripetest.PMVisa, true)
			p.CaptureMethod = stripego.String("manual")
			return p
		}, result{Status: "requires_capture", HasCharge: true, HasPM: true}, nil},
		{"capture method unknown", func() *stripego.PaymentIntentParams {
			p := piParams("", false)
			p.CaptureMethod = stripego.String("later")
			return p
		}, result{}, &errShape{Status: 400, Type: "invalid_request_error", Param: "capture_method"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pi, err := api.PaymentIntents.New(tt.params())
			if tt.wantErr != nil {
				se := checkErr(t, err, *tt.wantErr)
				if se.Type == stripego.ErrorTypeCard {
					var ce *stripego.CardError
					if !errors.As(err, &ce) || ce.DeclineCode != tt.wantErr.DeclineCode {
						t.Errorf("errors.As CardError = %+v", ce)
					}
					if se.PaymentIntent == nil || se.PaymentIntent.Status != "requires_payment_method" || se.PaymentIntent.LastPaymentError == nil {
						t.Fatalf("card error PaymentIntent = %+v, want requires_payment_method with last_payment_error", se.PaymentIntent)
					}
					got, err := api.PaymentIntents.Get(se.PaymentIntent.ID, nil)
					if err != nil {
						t.Fatal(err)
					}
					lpe := got.LastPaymentError
					if got.Status != "requires_payment_method" || lpe == nil || lpe.Code != se.Code || lpe.DeclineCode != se.DeclineCode || lpe.PaymentMethod == nil {
						t.Errorf("retrieved after decline: status %q last_payment_error %+v", got.Status, lpe)
					}
					if got.LatestCharge == nil || !strings.HasPrefix(got.LatestCharge.ID, "ch_") || got.PaymentMethod != nil {
						t.Errorf("after decline: latest_charge %+v payment_method %+v, want failed charge and no PM", got.LatestCharge, got.PaymentMethod)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			hasPrefix(t, "ID", pi.ID, "pi_")
			if len(pi.ID) != len("pi_")+24 {
				t.Errorf("ID %q: want pi_ + 24 characters", pi.ID)
			}
			hasPrefix(t, "ClientSecret", pi.ClientSecret, pi.ID+"_secret_")
			got := result{Status: pi.Status, Received: pi.AmountReceived, HasCharge: pi.LatestCharge != nil, HasPM: pi.PaymentMethod != nil}
			if pi.LatestCharge != nil {
				hasPrefix(t, "LatestCharge", pi.LatestCharge.ID, "ch_")
			}
			if pi.LastPaymentError != nil {
				got.LastErrCode, got.LastDecline = pi.LastPaymentError.Code, pi.LastPaymentError.DeclineCode
			}
			if na := pi.NextAction; na != nil {
				got.NextAction = na.Type
				if na.RedirectToURL != nil {
					got.ReturnURL = na.RedirectToURL.ReturnURL
					got.RedirectPage = strings.HasPrefix(na.RedirectToURL.URL, ts.URL+"/sandbox/3ds/")
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if pi.Metadata["order_number"] != "ORD-1" || pi.Currency != "krw" || pi.Amount != 58990 || pi.Livemode {
				t.Errorf("echoed fields: %+v", pi)
			}
		})
	}
	_ = srv
}

func TestPaymentIntentConfirmCancelGet(t *testing.T) {
	srv, _, api := newAPI(t, stripetest.Config{})
	pi, err := api.PaymentIntents.New(piParams("", false))
	if err != nil {
		t.Fatal(err)
	}

	// Confirm without a payment method.
	_, err = api.PaymentIntents.Confirm(pi.ID, &stripego.PaymentIntentConfirmParams{ReturnURL: stripego.String("https://shop.example/r")})
	checkErr(t, err, errShape{Status: 400, Type: "invalid_request_error", Code: "payment_intent_unexpected_state"})

	// A decline, then a success with another card on the same PaymentIntent.
	_, err = api.PaymentIntents.Confirm(pi.ID, &stripego.PaymentIntentConfirmParams{
		PaymentMethod: stripego.String(stripetest.PMDeclined), ReturnURL: stripego.String("https://shop.example/r")})
	checkErr(t, err, errShape{Status: 402, Type: "card_error", Code: "card_declined", DeclineCode: "generic_decline"})
	ok, err := api.PaymentIntents.Confirm(pi.ID, &stripego.PaymentIntentConfirmParams{
		PaymentMethod: stripego.String(stripetest.PMVisa), ReturnURL: stripego.String("https://shop.example/r")})
	if err != nil {
		t.Fatal(err)
	}
	if ok.Status != "succeeded" || ok.LastPaymentError != nil || ok.AmountReceived != 58990 {
		t.Errorf("after confirm: %q last error %+v received %d", ok.Status, ok.LastPaymentError, ok.AmountReceived)
	}

	// Expand latest_charge and payment_method.
	params := &stripego.PaymentIntentParams{}
	params.AddExpand("latest_charge")
	params.AddExpand("payment_method")
	got, err := api.PaymentIntents.Get(pi.ID, params)
	if err != nil {
		t.Fatal(err)
	}
	if ch := got.LatestCharge; ch == nil || ch.Status != "succeeded" || ch.Amount != 58990 || !ch.Paid || ch.PaymentIntent == nil || ch.PaymentIntent.ID != pi.ID {
		t.Errorf("expanded latest_charge = %+v", got.LatestCharge)
	}
	if pm := got.PaymentMethod; pm == nil || pm.Card == nil || pm.Card.Last4 != "4242" || pm.Type != "card" || !strings.HasPrefix(pm.ID, "pm_") || pm.ID == stripetest.PMVisa {
		t.Errorf("expanded payment_method = %+v", got.PaymentMethod)
	}

	_, err = api.PaymentIntents.Confirm(pi.ID, &stripego.PaymentIntentConfirmParams{ReturnURL: stripego.String("https://shop.example/r")})
	checkErr(t, err, errShape{Status: 400, Type: "invalid_request_error", Code: "payment_intent_unexpected_state",
		Msg: "You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed."})
	_, err = api.PaymentIntents.Cancel(pi.ID, &stripego.PaymentIntentCancelParams{})
	se := checkErr(t, err, errShape{Status: 400, Type: "invalid_request_error", Code: "payment_intent_unexpected_state"})
	if se.PaymentIntent == nil || se.PaymentIntent.ID != pi.ID {
		t.Errorf("unexpected-state error lacks the PaymentIntent: %+v", se.PaymentIntent)
	}

	other, err := api.PaymentIntents.New(piParams(stripetest.PMVisa, false))
	if err != nil {
		t.Fatal(err)
	}
	c, err := api.PaymentIntents.Cancel(other.ID, &stripego.PaymentIntentCancelParams{CancellationReason: stripego.String("requested_by_customer")})
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != "canceled" || c.CancellationReason != "requested_by_customer" || c.CanceledAt == 0 {
		t.Errorf("canceled: %q %q %d", c.Status, c.CancellationReason, c.CanceledAt)
	}
	_, err = api.PaymentIntents.Cancel(other.ID, &stripego.PaymentIntentCancelParams{CancellationReason: stripego.String("changed_mind")})
	checkErr(t, err, errShape{Status: 400, Type: "invalid_request_error", Param: "cancellation_reason",
		Msg: "Invalid cancellation_reason: must be one of abandoned, duplicate, fraudulent, or requested_by_customer"})

	for _, call := range []func() error{
		func() error { _, err := api.PaymentIntents.Get("pi_x", nil); return err },
		func() error {
			_, err := api.PaymentIntents.Confirm("pi_x", &stripego.PaymentIntentConfirmParams{})
			return err
		},
		func() error {
			_, err := api.PaymentIntents.Cancel("pi_x", &stripego.PaymentIntentCancelParams{})
			return err
		},
	} {
		checkErr(t, call(), errShape{Status: 404, Type: "invalid_request_error", Code: "resource_missing", Param: "id", Msg: "No such payment_intent: 'pi_x'"})
	}

	if n := srv.Executed(stripetest.OpConfirmPaymentIntent); n != 2 {
		t.Errorf("Executed(confirm) = %d, want 2 (the decline and the success)", n)
	}
}

func TestThreeDSecureRedirectFlow(t *testing.T) {
	for _, tt := range []struct {
		action, wantRedirect string
		wantStatus           stripego.PaymentIntentStatus
	}{
		{"complete", "succeeded", "succeeded"},
		{"fail", "failed", "requires_payment_method"},
	} {
		t.Run(tt.action, func(t *testing.T) {
			_, _, api := newAPI(t, stripetest.Config{})
			hc := noRedirect()
			pi, err := api.PaymentIntents.New(piParams(stripetest.PMThreeDSecure, true))
			if err != nil {
				t.Fatal(err)
			}
			if pi.Status != "requires_action" || pi.NextAction == nil || pi.NextAction.RedirectToURL == nil {
				t.Fatalf("PaymentIntent %+v, want requires_action with redirect_to_url", pi)
			}
			page := pi.NextAction.RedirectToURL.URL
			body := getPage(t, hc, page, http.StatusOK)
			if !strings.Contains(body, "₩58,990") {
				t.Error("3DS page lacks the amount")
			}
			res := postForm(t, hc, page, url.Values{"action": {tt.action}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d, want 303", res.StatusCode)
			}
			loc, err := url.Parse(res.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			q := loc.Query()
			want := url.Values{"order": {"ORD-1"}, "payment_intent": {pi.ID}, "payment_intent_client_secret": {pi.ClientSecret}, "redirect_status": {tt.wantRedirect}}
			if diff := cmp.Diff(want, q); diff != "" || loc.Host != "shop.example" || loc.Path != "/return" {
				t.Errorf("redirect %s (-want +got query):\n%s", loc, diff)
			}
			got, err := api.PaymentIntents.Get(pi.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.wantStatus || got.NextAction != nil {
				t.Errorf("after 3DS: status %q next_action %+v, want %q and none", got.Status, got.NextAction, tt.wantStatus)
			}
			if tt.action == "fail" && (got.LastPaymentError == nil || got.LastPaymentError.Code != "payment_intent_authentication_failure") {
				t.Errorf("last_payment_error = %+v, want payment_intent_authentication_failure", got.LastPaymentError)
			}
			// A second submission changes nothing and sends the browser to the same place.
			res2 := postForm(t, hc, page, url.Values{"action": {"complete"}})
			if res2.Header.Get("Location") != res.Header.Get("Location") {
				t.Errorf("resubmission redirected to %q, want %q", res2.Header.Get("Location"), res.Header.Get("Location"))
			}
		})
	}
}

func TestAuthenticateControl(t *testing.T) {
	srv, _, api := newAPI(t, stripetest.Config{})
	pi, err := api.PaymentIntents.New(piParams(stripetest.PMAuthenticationRequired, true))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Authenticate(pi.ID, true); err != nil {
		t.Fatal(err)
	}
	got, err := api.PaymentIntents.Get(pi.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "succeeded" {
		t.Errorf("status %q", got.Status)
	}
	if err := srv.Authenticate(pi.ID, true); err == nil {
		t.Error("second Authenticate succeeded")
	}
}

func TestTestCards(t *testing.T) {
	_, _, api := newAPI(t, stripetest.Config{})
	tests := []struct {
		pm          string
		wantStatus  stripego.PaymentIntentStatus
		wantCode    stripego.ErrorCode
		wantDecline stripego.DeclineCode
		wantLast4   string
	}{
		{stripetest.PMVisa, "succeeded", "", "", "4242"},
		{stripetest.PMMastercard, "succeeded", "", "", "4444"},
		{"pm_card_amex", "succeeded", "", "", "8431"},
		{stripetest.PMDeclined, "", "card_declined", "generic_decline", "0002"},
		{stripetest.PMInsufficientFunds, "", "card_declined", "insufficient_funds", "9995"},
		{"pm_card_chargeDeclinedInsufficientFunds", "", "card_declined", "insufficient_funds", "9995"},
		{stripetest.PMLostCard, "", "card_declined", "lost_card", "9987"},
		{"pm_card_chargeDeclinedStolenCard", "", "card_declined", "stolen_card", "9979"},
		{stripetest.PMExpiredCard, "", "expired_card", "expired_card", "0069"},
		{stripetest.PMIncorrectCVC, "", "incorrect_cvc", "incorrect_cvc", "0127"},
		{stripetest.PMProcessingError, "", "processing_error", "processing_error", "0119"},
		{stripetest.PMThreeDSecure, "requires_action", "", "", "3220"},
		{stripetest.PMAuthenticationRequired, "requires_action", "", "", "3184"},
	}
	for _, tt := range tests {
		t.Run(tt.pm, func(t *testing.T) {
			p := piParams(tt.pm, true)
			p.AddExpand("payment_method")
			pi, err := api.PaymentIntents.New(p)
			if tt.wantCode != "" {
				se := checkErr(t, err, errShape{Status: 402, Type: "card_error", Code: tt.wantCode, DeclineCode: tt.wantDecline})
				if se.PaymentMethod == nil || se.PaymentMethod.Card == nil || se.PaymentMethod.Card.Last4 != tt.wantLast4 {
					t.Errorf("error payment_method = %+v, want last4 %s", se.PaymentMethod, tt.wantLast4)
				}
				if se.ChargeID == "" {
					t.Error("card error without charge id")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if pi.Status != tt.wantStatus || pi.PaymentMethod == nil || pi.PaymentMethod.Card == nil || pi.PaymentMethod.Card.Last4 != tt.wantLast4 {
				t.Errorf("status %q payment_method %+v; want %q last4 %s", pi.Status, pi.PaymentMethod, tt.wantStatus, tt.wantLast4)
			}
		})
	}
}

func TestMetadataRules(t *testing.T) {
	_, _, api := newAPI(t, stripetest.Config{})
	long := strings.Repeat("k", 41)
	tests := []struct {
		name string
		md   map[string]string
		want *errShape
		got  map[string]string
	}{
		{"ok with empty value dropped", map[string]string{"order_number": "ORD-1", "unset": ""}, nil, map[string]string{"order_number": "ORD-1"}},
		{"key too long", map[string]string{long: "v"}, &errShape{Status: 400, Type: "invalid_request_error", Param: "metadata[" + long + "]"}, nil},
		{"value too long", map[string]string{"k": strings.Repeat("v", 501)}, &errShape{Status: 400, Type: "invalid_request_error", Param: "metadata[k]"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := piParams("", false)
			p.Metadata = tt.md
			pi, err := api.PaymentIntents.New(p)
			if tt.want != nil {
				checkErr(t, err, *tt.want)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.got, pi.Metadata); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	p := piParams("", false)
	p.Currency = stripego.String("")
	_, err := api.PaymentIntents.New(p)
	checkErr(t, err, errShape{Status: 400, Type: "invalid_request_error", Code: "parameter_invalid_empty", Param: "currency"})
}
