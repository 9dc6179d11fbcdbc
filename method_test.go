package payments_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/payments-go/payments"
)

// saveFake saves a method with the fake gateway of e.
func saveFake(t *testing.T, e *env, customer string) (*payments.SaveStarted, *payments.PaymentMethod) {
	t.Helper()
	started, err := e.svc.StartSave(t.Context(), payments.StartSaveRequest{Gateway: "fake", CustomerID: customer,
		SuccessURL: "https://shop.example/ok", FailURL: "https://shop.example/fail"})
	if err != nil {
		t.Fatal(err)
	}
	saved, err := e.svc.FinishSave(t.Context(), payments.FinishSaveRequest{Gateway: "fake", SetupID: started.Setup.ID,
		GatewayCustomer: started.Customer.Reference, AuthKey: "auth-1"})
	if err != nil {
		t.Fatal(err)
	}
	return started, saved.Method
}

func TestSaveMethodOnceWithEvents(t *testing.T) {
	e := newEnv(t)
	started, m := saveFake(t, e, "cust-1")
	again, err := e.svc.StartSave(t.Context(), payments.StartSaveRequest{Gateway: "fake", CustomerID: "cust-1"})
	if err != nil {
		t.Fatal(err)
	}
	if again.Customer.Reference != started.Customer.Reference {
		t.Error("a second save of one customer made a second gateway customer")
	}
	// A repeated callback saves nothing more.
	dup, err := e.svc.FinishSave(t.Context(), payments.FinishSaveRequest{Gateway: "fake", SetupID: started.Setup.ID,
		GatewayCustomer: started.Customer.Reference, AuthKey: "auth-1"})
	if err != nil || dup.Method.ID != m.ID {
		t.Fatalf("repeated FinishSave = %v, %v; want method %s", dup, err, m.ID)
	}
	list, err := e.svc.Methods(t.Context(), "cust-1")
	if err != nil || len(list) != 1 || list[0].Status != payments.MethodActive || list[0].Last4 != "4242" {
		t.Fatalf("Methods = %v, %v; want one active card 4242", list, err)
	}
	if _, err := e.svc.RemoveMethod(t.Context(), m.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.RemoveMethod(t.Context(), m.ID); err != nil {
		t.Fatalf("removing a removed method: %v", err)
	}
	var types []payments.EventType
	for _, ev := range e.delivered(t) {
		if ev.Method != nil {
			types = append(types, ev.Type)
			if !ev.Method.Token.IsZero() || !ev.Method.GatewayCustomer.IsZero() {
				t.Error("a method event carries the gateway's token or customer")
			}
		}
	}
	if diff := cmp.Diff([]payments.EventType{payments.EventMethodSaved, payments.EventMethodRemoved}, types); diff != "" {
		t.Errorf("method events (-want +got):\n%s", diff)
	}
	if e.gw.SavedMethods() != 0 {
		t.Error("RemoveMethod left the method at the gateway")
	}
}

func TestFinishSaveRefusesAnotherCustomersKey(t *testing.T) {
	e := newEnv(t)
	_, _ = saveFake(t, e, "victim")
	attacker, err := e.svc.StartSave(t.Context(), payments.StartSaveRequest{Gateway: "fake", CustomerID: "attacker"})
	if err != nil {
		t.Fatal(err)
	}
	victim, err := e.svc.StartSave(t.Context(), payments.StartSaveRequest{Gateway: "fake", CustomerID: "victim"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.FinishSave(t.Context(), payments.FinishSaveRequest{Gateway: "fake", SetupID: victim.Setup.ID,
		GatewayCustomer: attacker.Customer.Reference, AuthKey: "auth-2"})
	if payments.Code(err) != payments.CodeInvalidRequest {
		t.Fatalf("FinishSave with another customer's key = %v, want invalid_request", err)
	}
	if list, _ := e.svc.Methods(t.Context(), "victim"); len(list) != 1 {
		t.Errorf("a refused save stored a method: %d methods", len(list))
	}
}

func TestChargeRequiresActionThenDeclineThenRetry(t *testing.T) {
	e := newEnv(t)
	_, m := saveFake(t, e, "cust-1")
	const order = "ORD-20260122-001"
	e.gw.RequireAction("https://bank.example/3ds")
	p, err := e.svc.Charge(t.Context(), payments.ChargeRequest{OrderNumber: order, MethodID: m.ID})
	if err != nil || p.Status != payments.StatusRequiresAction || p.Latest().RedirectURL != "https://bank.example/3ds" {
		t.Fatalf("Charge = %+v, %v; want requires_action with the bank's page", p, err)
	}
	// Charging again while the customer is asked changes nothing.
	if p, err = e.svc.Charge(t.Context(), payments.ChargeRequest{OrderNumber: order, MethodID: m.ID}); err != nil || len(p.Attempts) != 1 {
		t.Fatalf("second Charge = %v attempts, %v; want the same one attempt", len(p.Attempts), err)
	}
	if e.calls("charge") != 1 {
		t.Errorf("gateway charge calls = %d, want 1", e.calls("charge"))
	}
}

func TestChargeDeclinedThenChargedAgain(t *testing.T) {
	e := newEnv(t)
	_, m := saveFake(t, e, "cust-1")
	const order = "ORD-20260122-001"
	e.gw.Decline("REJECT_CARD_PAYMENT")
	p, err := e.svc.Charge(t.Context(), payments.ChargeRequest{OrderNumber: order, MethodID: m.ID})
	if payments.Code(err) != payments.CodePaymentDeclined || p.Status != payments.StatusFailed {
		t.Fatalf("Charge = %v, %v; want failed, payment_declined", p.Status, err)
	}
	e.gw.Approve()
	p, err = e.svc.Charge(t.Context(), payments.ChargeRequest{OrderNumber: order, MethodID: m.ID})
	if err != nil || p.Status != payments.StatusPaid || len(p.Attempts) != 2 || p.Latest().GatewayOrderID != order+"-2" {
		t.Fatalf("retry = %+v, %v; want paid by attempt 2 (order id %s-2)", p, err, order)
	}
}
