package stripetest_test

import (
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/payments-go/payments/stripe/stripetest"
)

func holdParams(pm string) *stripego.PaymentIntentParams {
	p := piParams(pm, true)
	p.CaptureMethod = stripego.String("manual")
	return p
}

// A manual-capture PaymentIntent is authorised (requires_capture, an
// uncaptured charge with capture_before); a capture above
// amount_capturable is refused; a partial capture takes the amount and
// releases the rest, once; a second capture is refused.
func TestManualCapture(t *testing.T) {
	srv, _, api := newAPI(t, stripetest.Config{})
	pi, err := api.PaymentIntents.New(holdParams(stripetest.PMVisa))
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != stripego.PaymentIntentStatusRequiresCapture || pi.AmountCapturable != 58990 || pi.AmountReceived != 0 {
		t.Fatalf("authorised PaymentIntent = %s, capturable %d, received %d", pi.Status, pi.AmountCapturable, pi.AmountReceived)
	}
	ch, err := api.Charges.Get(pi.LatestCharge.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Captured || ch.Status != stripego.ChargeStatusSucceeded || ch.PaymentMethodDetails.Card.CaptureBefore == 0 {
		t.Errorf("authorised charge: captured %v, status %s, capture_before %d", ch.Captured, ch.Status, ch.PaymentMethodDetails.Card.CaptureBefore)
	}
	_, err = api.PaymentIntents.Capture(pi.ID, &stripego.PaymentIntentCaptureParams{AmountToCapture: stripego.Int64(58991)})
	checkErr(t, err, errShape{Status: 400, Type: "invalid_request_error", Code: "amount_too_large", Param: "amount_to_capture"})
	params := &stripego.PaymentIntentCaptureParams{AmountToCapture: stripego.Int64(50000)}
	params.SetIdempotencyKey("capture-1")
	pi, err = api.PaymentIntents.Capture(pi.ID, params)
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != stripego.PaymentIntentStatusSucceeded || pi.AmountReceived != 50000 || pi.AmountCapturable != 0 {
		t.Errorf("captured PaymentIntent = %s, received %d, capturable %d", pi.Status, pi.AmountReceived, pi.AmountCapturable)
	}
	again := &stripego.PaymentIntentCaptureParams{AmountToCapture: stripego.Int64(50000)}
	again.SetIdempotencyKey("capture-1")
	if _, err := api.PaymentIntents.Capture(pi.ID, again); err != nil {
		t.Errorf("replayed capture: %v", err)
	}
	if n := srv.Executed(stripetest.OpCapturePaymentIntent); n != 1 {
		t.Errorf("Executed(capture) = %d, want 1", n)
	}
	_, err = api.PaymentIntents.Capture(pi.ID, nil)
	checkErr(t, err, errShape{Status: 400, Type: "invalid_request_error", Code: "payment_intent_unexpected_state"})
	ch, err = api.Charges.Get(pi.LatestCharge.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !ch.Captured || ch.AmountCaptured != 50000 || ch.AmountRefunded != 8990 {
		t.Errorf("captured charge: captured %v, amount_captured %d, amount_refunded %d; want 50000 and the rest released", ch.Captured, ch.AmountCaptured, ch.AmountRefunded)
	}
	// Only the captured amount can be refunded.
	_, err = api.Refunds.New(&stripego.RefundParams{PaymentIntent: stripego.String(pi.ID), Amount: stripego.Int64(50001)})
	checkErr(t, err, errShape{Status: 400, Type: "invalid_request_error", Param: "amount"})
	wantEvents(t, srv, "charge.succeeded", "payment_intent.amount_capturable_updated", "charge.captured", "payment_intent.succeeded")
}

// An authorisation lapses at capture_before on the fake's clock: the
// PaymentIntent is canceled with cancellation_reason automatic.
func TestManualCaptureExpires(t *testing.T) {
	now := time.Now()
	srv, _, api := newAPI(t, stripetest.Config{Now: func() time.Time { return now }, AuthorizationValidity: 114 * time.Hour})
	pi, err := api.PaymentIntents.New(holdParams(stripetest.PMVisa))
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(113 * time.Hour)
	if pi, err = api.PaymentIntents.Get(pi.ID, nil); err != nil || pi.Status != stripego.PaymentIntentStatusRequiresCapture {
		t.Fatalf("before capture_before: %v %v", pi.Status, err)
	}
	now = now.Add(2 * time.Hour)
	pi, err = api.PaymentIntents.Get(pi.ID, nil)
	if err != nil || pi.Status != stripego.PaymentIntentStatusCanceled || pi.CancellationReason != stripego.PaymentIntentCancellationReasonAutomatic {
		t.Fatalf("after capture_before: %s %s %v", pi.Status, pi.CancellationReason, err)
	}
	_, err = api.PaymentIntents.Capture(pi.ID, nil)
	checkErr(t, err, errShape{Status: 400, Type: "invalid_request_error", Code: "payment_intent_unexpected_state"})
	wantEvents(t, srv, "charge.expired", "payment_intent.canceled")
}

// A Checkout Session with payment_intent_data[capture_method]=manual
// completes with its PaymentIntent in requires_capture, and the
// authorisation can be voided.
func TestManualCaptureSession(t *testing.T) {
	srv, _, api := newAPI(t, stripetest.Config{})
	params := &stripego.CheckoutSessionParams{
		Mode: stripego.String("payment"), SuccessURL: stripego.String("https://shop.example/ok"),
		LineItems: []*stripego.CheckoutSessionLineItemParams{{Quantity: stripego.Int64(1), PriceData: &stripego.CheckoutSessionLineItemPriceDataParams{
			Currency: stripego.String("usd"), UnitAmount: stripego.Int64(2500), ProductData: &stripego.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripego.String("Tea")}}}},
		PaymentIntentData: &stripego.CheckoutSessionPaymentIntentDataParams{CaptureMethod: stripego.String("manual")},
	}
	cs, err := api.CheckoutSessions.New(params)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.CompleteSession(cs.ID, stripetest.PMVisa); err != nil {
		t.Fatal(err)
	}
	get := &stripego.CheckoutSessionParams{}
	get.AddExpand("payment_intent")
	cs, err = api.CheckoutSessions.Get(cs.ID, get)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Status != "complete" || cs.PaymentStatus != "unpaid" || cs.PaymentIntent.Status != stripego.PaymentIntentStatusRequiresCapture {
		t.Fatalf("session %s/%s, PaymentIntent %s; want complete, unpaid, requires_capture", cs.Status, cs.PaymentStatus, cs.PaymentIntent.Status)
	}
	pi, err := api.PaymentIntents.Cancel(cs.PaymentIntent.ID, nil)
	if err != nil || pi.Status != stripego.PaymentIntentStatusCanceled {
		t.Fatalf("void: %v %v", pi, err)
	}
}

// pm_card_createDispute opens a chargeback, which blocks refunds until it
// is won; an inquiry does not block them.
func TestDisputes(t *testing.T) {
	srv, _, api := newAPI(t, stripetest.Config{})
	pi, err := api.PaymentIntents.New(piParams(stripetest.PMCreateDispute, true))
	if err != nil {
		t.Fatal(err)
	}
	list := api.Disputes.List(&stripego.DisputeListParams{PaymentIntent: stripego.String(pi.ID)})
	var ids []string
	for list.Next() {
		d := list.Dispute()
		ids = append(ids, d.ID)
		if d.Status != "needs_response" || d.Amount != 58990 || d.IsChargeRefundable || d.EvidenceDetails.DueBy == 0 {
			t.Errorf("dispute = %s %d refundable %v due %d", d.Status, d.Amount, d.IsChargeRefundable, d.EvidenceDetails.DueBy)
		}
	}
	if err := list.Err(); err != nil || len(ids) != 1 {
		t.Fatalf("disputes %v, %v; want one", ids, err)
	}
	_, err = api.Refunds.New(&stripego.RefundParams{PaymentIntent: stripego.String(pi.ID)})
	checkErr(t, err, errShape{Status: 400, Type: "invalid_request_error", Code: "charge_disputed"})
	if err := srv.ReviewDispute(ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := srv.ResolveDispute(ids[0], true); err != nil {
		t.Fatal(err)
	}
	get := &stripego.DisputeParams{}
	get.AddExpand("payment_intent")
	d, err := api.Disputes.Get(ids[0], get)
	if err != nil || d.Status != "won" || d.PaymentIntent.Metadata["order_number"] != "ORD-1" {
		t.Fatalf("won dispute = %+v, %v", d, err)
	}
	if _, err := api.Refunds.New(&stripego.RefundParams{PaymentIntent: stripego.String(pi.ID), Amount: stripego.Int64(100)}); err != nil {
		t.Errorf("refund after a won dispute: %v", err)
	}
	_, err = api.Disputes.Close(ids[0], nil)
	checkErr(t, err, errShape{Status: 400, Type: "invalid_request_error"})
	wantEvents(t, srv, "charge.dispute.created", "charge.dispute.funds_withdrawn", "charge.dispute.updated",
		"charge.dispute.closed", "charge.dispute.funds_reinstated")

	inq, err := api.PaymentIntents.New(piParams(stripetest.PMCreateDisputeInquiry, true))
	if err != nil {
		t.Fatal(err)
	}
	list = api.Disputes.List(&stripego.DisputeListParams{PaymentIntent: stripego.String(inq.ID)})
	if !list.Next() || list.Dispute().Status != "warning_needs_response" {
		t.Fatal("no inquiry opened")
	}
	if _, err := api.Refunds.New(&stripego.RefundParams{PaymentIntent: stripego.String(inq.ID)}); err != nil {
		t.Errorf("refund during an inquiry: %v", err)
	}
	id, err := srv.OpenDispute(inq.ID, "product_not_received", false)
	if err != nil {
		t.Fatal(err)
	}
	d, err = api.Disputes.Close(id, nil)
	if err != nil || d.Status != "lost" {
		t.Errorf("closing a dispute: %v %v; want lost", d, err)
	}
}

// wantEvents checks that the server sent events of these types in this
// order, signed at the pinned API version.
func wantEvents(t *testing.T, srv *stripetest.Server, types ...string) {
	t.Helper()
	i := 0
	for _, e := range srv.Events() {
		if i < len(types) && e.Type == types[i] {
			i++
		}
	}
	if i != len(types) {
		var got []string
		for _, e := range srv.Events() {
			got = append(got, e.Type)
		}
		t.Errorf("events %v, want %v in order", got, types)
	}
}
