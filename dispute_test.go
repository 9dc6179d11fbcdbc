package payments_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
)

// A dispute reported by a notification is read from the gateway and
// recorded; while open it holds its amount back from refunds (409
// payment_disputed, no gateway call); the sweep follows it to its close.
func TestDisputeLifecycle(t *testing.T) {
	e := newEnv(t)
	const order = "ORD-20260122-001"
	p := e.paid(t, order)
	ref := p.GatewayReference
	id, err := e.gw.OpenDispute(ref, 30000, payments.DisputeNeedsResponse)
	if err != nil {
		t.Fatal(err)
	}
	// The notification need not name the order: the gateway does.
	p, err = e.svc.HandleNotification(t.Context(), payments.Notification{Gateway: "fake", EventID: "evt_1", Dispute: id})
	if err != nil {
		t.Fatalf("HandleNotification: %v", err)
	}
	d := p.Dispute(id)
	if d == nil || d.Amount != 30000 || d.Status != payments.DisputeNeedsResponse || d.EvidenceDueBy.IsZero() {
		t.Fatalf("recorded dispute = %+v", d)
	}
	if got := p.Refundable(); got != 58990-30000 {
		t.Errorf("refundable with an open dispute = %d, want %d", got, 58990-30000)
	}
	refunds := e.calls("refund")
	for _, amount := range []payments.Amount{30000, 58990} {
		_, _, err = e.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: order, Amount: amount, Reason: "customer asked"})
		if payments.Code(err) != payments.CodePaymentDisputed || payments.HTTPStatus(err) != 409 {
			t.Errorf("Refund(%d) while disputed: %v, want 409 payment_disputed", amount, err)
		}
	}
	if _, _, err = e.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: order, Amount: 60000, Reason: "too much"}); payments.Code(err) != payments.CodeRefundExceedsBalance {
		t.Errorf("Refund above the payment: %v, want refund_exceeds_balance", err)
	}
	if n := e.calls("refund"); n != refunds {
		t.Errorf("%d refund calls reached the gateway for refused refunds", n-refunds)
	}
	// The whole refundable balance is what the dispute leaves.
	if _, r, err := e.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: order, Reason: "the rest"}); err != nil || r.Amount != 58990-30000 {
		t.Fatalf("Refund of the balance = %+v, %v; want %d", r, err, 58990-30000)
	}
	if _, _, err = e.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: order, Amount: 1, Reason: "one more"}); payments.Code(err) != payments.CodePaymentDisputed {
		t.Errorf("Refund after the balance: %v, want payment_disputed", err)
	}
	// A redelivery of the same event makes no gateway call.
	before := e.calls("dispute")
	if _, err := e.svc.HandleNotification(t.Context(), payments.Notification{Gateway: "fake", EventID: "evt_1", Dispute: id, OrderNumber: order}); err != nil {
		t.Fatal(err)
	}
	if e.calls("dispute") != before {
		t.Error("a redelivered dispute event was read again")
	}
	if !p.Unsettled() {
		t.Error("a payment with an open dispute is not unsettled: the sweep would not follow it")
	}
	if err := e.gw.SetDisputeStatus(id, payments.DisputeUnderReview); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Reconcile(t.Context(), &payments.ReconcileOptions{SettleAfter: time.Nanosecond}); err != nil {
		t.Fatal(err)
	}
	if err := e.gw.SetDisputeStatus(id, payments.DisputeWon); err != nil {
		t.Fatal(err)
	}
	p, err = e.svc.Refresh(t.Context(), payments.RefreshRequest{OrderNumber: order, Disputes: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.Dispute(id).Status != payments.DisputeWon || p.Refundable() != 30000 || p.Unsettled() {
		t.Errorf("after the win: %+v, refundable %d, unsettled %v", p.Dispute(id), p.Refundable(), p.Unsettled())
	}
	type ev struct {
		Type   payments.EventType
		Status payments.DisputeStatus
	}
	var got []ev
	for _, x := range e.delivered(t) {
		if x.Dispute != nil {
			got = append(got, ev{x.Type, x.Dispute.Status})
		}
	}
	want := []ev{
		{payments.EventDisputeOpened, payments.DisputeNeedsResponse},
		{payments.EventDisputeUpdated, payments.DisputeUnderReview},
		{payments.EventDisputeClosed, payments.DisputeWon},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dispute events (-want +got):\n%s", diff)
	}
}

// Accepting a dispute closes it at the gateway as lost; a lost dispute
// keeps holding its amount.
func TestCloseDispute(t *testing.T) {
	e := newEnv(t)
	const order = "ORD-20260122-001"
	p := e.paid(t, order)
	id, err := e.gw.OpenDispute(p.GatewayReference, 58990, payments.DisputeNeedsResponse)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CloseDispute(t.Context(), order, id); payments.Code(err) != payments.CodeInvalidRequest {
		t.Errorf("CloseDispute of a dispute not recorded yet: %v, want invalid_request", err)
	}
	if _, err := e.svc.Refresh(t.Context(), payments.RefreshRequest{OrderNumber: order, Disputes: true}); err != nil {
		t.Fatal(err)
	}
	p, err = e.svc.CloseDispute(t.Context(), order, id)
	if err != nil {
		t.Fatalf("CloseDispute: %v", err)
	}
	if d := p.Dispute(id); d.Status != payments.DisputeLost || p.Refundable() != 0 {
		t.Errorf("after closing: %+v, refundable %d", d, p.Refundable())
	}
	again, err := e.svc.CloseDispute(t.Context(), order, id)
	if err != nil || again.Version != p.Version || e.calls("close-dispute") != 1 {
		t.Errorf("CloseDispute again: %v, %d calls; want the payment as it is", err, e.calls("close-dispute"))
	}
	if _, _, err := e.svc.Refund(t.Context(), payments.RefundRequest{OrderNumber: order, Reason: "x"}); payments.Code(err) != payments.CodePaymentDisputed {
		t.Errorf("Refund after a lost dispute: %v, want payment_disputed", err)
	}
}

// A notification of a dispute the gateway does not know, or of a payment
// this service does not hold, is payment_not_found (webhooks answer it
// 200) and changes nothing.
func TestDisputeNotificationUnknown(t *testing.T) {
	e := newEnv(t)
	const order = "ORD-20260122-001"
	p := e.paid(t, order)
	if _, err := e.svc.HandleNotification(t.Context(), payments.Notification{Gateway: "fake", Dispute: "dp_nope"}); payments.Code(err) != payments.CodePaymentNotFound {
		t.Errorf("unknown dispute: %v, want payment_not_found", err)
	}
	other := e.gw.Authorize("ELSEWHERE", 1000, payments.KRW)
	if err := e.gw.SetStatus(other, payments.StatusPaid); err != nil {
		t.Fatal(err)
	}
	id, err := e.gw.OpenDispute(other, 1000, payments.DisputeNeedsResponse)
	if err != nil {
		t.Fatal(err)
	}
	// The notification names our order, but the gateway's dispute is of
	// another payment: it is not recorded on ours.
	if _, err := e.svc.HandleNotification(t.Context(), payments.Notification{Gateway: "fake", Dispute: id, OrderNumber: order}); payments.Code(err) != payments.CodePaymentNotFound {
		t.Errorf("dispute of another payment: %v, want payment_not_found", err)
	}
	after, _ := e.svc.Payment(t.Context(), order)
	if after.Version != p.Version || len(after.Disputes) != 0 {
		t.Errorf("the payment changed: %+v", after.Disputes)
	}
}

// Cancel of an authorised payment voids it.
func TestCancelVoidsAnAuthorization(t *testing.T) {
	e := newEnv(t)
	const order = "ORD-20260122-001"
	e.authorized(t, order)
	p, err := e.svc.Cancel(t.Context(), payments.CancelRequest{OrderNumber: order, Reason: "customer changed their mind"})
	if err != nil || p.Status != payments.StatusCanceled || e.calls("void") != 1 {
		t.Errorf("Cancel of an authorization = %v, %v, %d voids", p, err, e.calls("void"))
	}
}
