// Package paymentstest helps test code that takes payments with package
// payments, and checks implementations of its interfaces, in the manner
// of net/http/httptest and testing/fstest.
//
// # Testing an application
//
// [Gateway] is a scriptable, in-memory [payments.Gateway] that behaves as
// a real one: it keeps charges, replays idempotency keys, refuses
// over-refunds and amount mismatches. Give it to [payments.NewService],
// with package memstore, in unit tests instead of Toss or Stripe; no
// network and no keys are needed:
//
//	gw := paymentstest.NewGateway("fake")
//	svc, err := payments.NewService(payments.Config{
//		Store:    memstore.New(),
//		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-1", Name: "T-Shirt", Amount: 58990, Currency: payments.KRW}),
//		Gateways: []payments.Gateway{gw},
//	})
//
// Every confirm is approved until the test scripts otherwise:
// [Gateway.Decline] (the issuer refuses), [Gateway.RequireAction] (3-D
// Secure), [Gateway.FailRefunds], [Gateway.Delay], [Gateway.FailNext] (the
// gateway is down) and [Gateway.LoseNextResponse] (the gateway acted, but
// its answer was lost). [Gateway.Approve] resets the script. The
// customer's side is played by [Gateway.Authorize],
// [Gateway.CompleteAction] and [Gateway.Deposit], and a change at the
// gateway by [Gateway.SetStatus]. The Gateway is also a
// [payments.Capturer] and a [payments.Disputer]: an attempt prepared with
// [payments.CaptureManual] (or made by [Gateway.AuthorizeHold]) is
// authorized until [payments.Service.Capture] or Void, or until
// [Gateway.ExpireAuthorization]; [Gateway.OpenDispute] and
// [Gateway.SetDisputeStatus] play the customer's bank, whose dispute a
// [payments.Notification] with its id reports. Afterwards [Gateway.Calls],
// [Gateway.Confirmations] and [Gateway.Refunded] tell what reached the
// gateway: that is how a test checks that the money was taken once.
//
// # Checking an implementation
//
// [RunGatewayTests] (which checks the [payments.Capturer] contract too,
// given [GatewayHarness].AuthorizeHold) and [RunStoreTests] are the
// conformance suites that
// every [payments.Gateway] and [payments.Store] in this module passes;
// they test exactly the contract sentences written on those interfaces.
// A store's test hands the suite a constructor:
//
//	func TestConformance(t *testing.T) {
//		paymentstest.RunStoreTests(t, func(t *testing.T) payments.Store { return mystore.New() })
//	}
//
// [RunCaptureAndDisputeTests] checks, for a store, the guarantees of
// manual capture and disputes that rest on its compare-and-set, with
// several Service replicas.
//
// A gateway's test hands it a [GatewayHarness]: the gateway, pointed at
// its test server, and a function that authorises a payment the way a
// customer does at the gateway's page.
//
// # Saved payment methods
//
// [Gateway] is also a [payments.MethodSaver] and [payments.MethodCharger]:
// any auth key or save session saves a card ([Gateway.SaveCard] scripts
// its brand, digits and a later decline), charges follow the scripted
// behaviours of Confirm, and [Gateway.Charges] tells how many times money
// was taken for an order. [RunMethodStoreTests] checks a
// [payments.MethodStore]; [RunChargeTests] checks, against a gateway and a
// store ([ChargeHarness]; [FakeChargeHarness] for Gateway), that 100
// concurrent charges of one order on 4 replicas make one gateway charge,
// and that a process dying between the gateway's charge and the write
// leaves a charge that Reconcile records paid, once.
package paymentstest
