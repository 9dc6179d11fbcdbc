package faults_test

import (
	"net/http"
	"strings"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/stripe/stripetest"
	"github.com/payments-go/payments/toss/tosstest"
)

// gatewayCall is a row of the matrix: one call the library makes to a
// gateway, how to get there, and how to tell that nothing was doubled or
// lost.
type gatewayCall struct {
	gateway, name string
	// target picks the call's requests out of the traffic; the fault hits
	// only those.
	target func(*http.Request) bool
	// setup brings the payment, fault-free, to where the call is made.
	setup func(e *env)
	// action makes the call through the Service, under the fault.
	action func(e *env) error
	// executions counts what really ran at the gateway that moves money
	// or creates something (approvals, cancels, issued accounts, created
	// sessions and intents, refunds), as the fake counts it; it never
	// exceeds want, and equals want once everything has settled.
	executions func(e *env) int
	want       int
	// leftOpen checks the local record after a call whose outcome is
	// unknown: left for reconciliation, never settled wrongly.
	leftOpen func(e *env)
	// repair is what happens once the fault has cleared: the sweep
	// (Reconcile) and, where the sweep does not visit an attempt (one
	// still ready), the customer's retry or the redirect's Refresh.
	repair func(e *env)
	// agree checks that the local record and the gateway agree. It runs
	// after a call that returned nil and after the repair.
	agree func(e *env)
	// finish, if set, completes the payment end to end after agree, to
	// show that what the call created still leads to the money.
	finish func(e *env)
}

func route(method, path string) func(*http.Request) bool {
	return func(r *http.Request) bool { return r.Method == method && r.URL.Path == path }
}

// The rows.
var (
	tossConfirm = &gatewayCall{
		gateway: "toss", name: "confirm",
		target: route(http.MethodPost, "/v1/payments/confirm"),
		setup:  tossAuthorized,
		action: func(e *env) error {
			_, err := e.svc.Confirm(e.ctx, payments.ConfirmRequest{OrderNumber: e.order.Number, Reference: e.ref, Amount: e.order.Amount})
			return err
		},
		executions: func(e *env) int { return e.toss.Executions(tosstest.OpConfirm, "") },
		want:       1,
		leftOpen:   func(e *env) { wantLocal(e, payments.StatusProcessing) },
		repair:     func(e *env) { e.reconcile() },
		agree:      tossAgreePaid,
	}

	tossCancel = &gatewayCall{
		gateway: "toss", name: "cancel",
		target: func(r *http.Request) bool {
			return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/payments/") && strings.HasSuffix(r.URL.Path, "/cancel")
		},
		setup: func(e *env) {
			tossAuthorized(e)
			_, err := e.svc.Confirm(e.ctx, payments.ConfirmRequest{OrderNumber: e.order.Number, Reference: e.ref, Amount: e.order.Amount})
			e.must("confirm", err)
		},
		action:     refundAction(20000),
		executions: func(e *env) int { return e.toss.Executions(tosstest.OpCancel, "") },
		want:       1,
		leftOpen: func(e *env) {
			wantRefundPending(e)
			if got := tossCanceled(e.tossPayment(e.ref)); got > e.order.Amount {
				e.t.Errorf("Toss refunded %d of a %d payment", got, e.order.Amount)
			}
		},
		repair: func(e *env) { e.reconcile() },
		agree: func(e *env) {
			gw := e.tossPayment(e.ref)
			wantRefunded(e, tossCanceled(gw), 20000)
			if p := e.payment(); len(gw.Cancels) != 1 || len(p.Refunds) != 1 || p.Refunds[0].GatewayReference != gw.Cancels[0].TransactionKey {
				e.t.Errorf("Toss cancels %+v, local refunds %+v: want one, with the same transaction key", gw.Cancels, p.Refunds)
			}
			if gw.Status != tosstest.StatusPartialCanceled || gw.BalanceAmount != int64(e.order.Amount-20000) {
				e.t.Errorf("Toss: %s with balance %d, want %s with %d", gw.Status, gw.BalanceAmount, tosstest.StatusPartialCanceled, e.order.Amount-20000)
			}
		},
	}

	tossVirtualAccount = &gatewayCall{
		gateway: "toss", name: "virtual-account",
		target: route(http.MethodPost, "/v1/virtual-accounts"),
		setup:  func(*env) {},
		action: func(e *env) error {
			_, err := e.svc.IssueVirtualAccount(e.ctx, tossVirtualAccountRequest(e))
			return err
		},
		executions: func(e *env) int { return e.toss.Executions(tosstest.OpIssueVirtualAccount, "") },
		want:       1,
		leftOpen: func(e *env) {
			wantLocal(e, payments.StatusReady)
			if p := e.payment(); p.VirtualAccount != nil {
				e.t.Errorf("an unknown issue left an account on record: %+v", p.VirtualAccount)
			}
		},
		repair: func(e *env) {
			e.reconcile()
			if e.payment().Status != payments.StatusWaitingForDeposit {
				// The sweep leaves a ready attempt alone; the customer asks
				// again, and the same idempotency key gives the same account.
				_, err := e.svc.IssueVirtualAccount(e.ctx, tossVirtualAccountRequest(e))
				e.must("issue the virtual account again", err)
			}
		},
		agree: func(e *env) {
			p, gw := e.payment(), e.tossPayment(e.order.Number)
			wantStatus(e, "local", string(p.Status), string(payments.StatusWaitingForDeposit))
			wantStatus(e, "Toss", gw.Status, tosstest.StatusWaitingForDeposit)
			switch {
			case p.VirtualAccount == nil || gw.VirtualAccount == nil:
				e.t.Errorf("virtual account: local %+v, Toss %+v", p.VirtualAccount, gw.VirtualAccount)
			case p.VirtualAccount.AccountNumber != gw.VirtualAccount.AccountNumber:
				e.t.Errorf("local account %s, Toss issued %s", p.VirtualAccount.AccountNumber, gw.VirtualAccount.AccountNumber)
			}
			if a := p.Latest(); gw.Secret == nil || a.DepositSecret.Reveal() != *gw.Secret {
				e.t.Error("the deposit secret on record is not the one Toss issued: the deposit callback would be refused")
			}
		},
		finish: func(e *env) {
			// The customer pays, and Toss's deposit callback arrives.
			e.must("deposit", e.toss.Deposit(e.ctx, e.order.Number))
			secret := e.tossPayment(e.order.Number).Secret
			if secret == nil {
				e.t.Fatal("Toss shows no deposit secret")
			}
			_, err := e.svc.HandleNotification(e.ctx, payments.Notification{Gateway: "toss", GatewayOrderID: e.order.Number,
				DepositSecret: payments.Secret(*secret)})
			e.must("deposit callback", err)
			tossAgreePaid(e)
		},
	}

	tossGet = &gatewayCall{
		gateway: "toss", name: "get",
		target: func(r *http.Request) bool {
			return r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/payments/")
		},
		setup: func(e *env) {
			p, err := e.svc.IssueVirtualAccount(e.ctx, tossVirtualAccountRequest(e))
			e.must("issue a virtual account", err)
			e.ref = p.GatewayReference
			// The customer pays; the deposit callback never arrives.
			e.must("deposit", e.toss.Deposit(e.ctx, e.order.Number))
		},
		action: func(e *env) error {
			_, err := e.svc.Refresh(e.ctx, payments.RefreshRequest{OrderNumber: e.order.Number})
			return err
		},
		executions: func(e *env) int {
			return e.toss.Executions(tosstest.OpIssueVirtualAccount, "") + e.toss.Executions(tosstest.OpConfirm, "") +
				e.toss.Executions(tosstest.OpCancel, "")
		},
		want:     1, // the account issued in setup; a lookup moves nothing
		leftOpen: func(e *env) { wantLocal(e, payments.StatusWaitingForDeposit) },
		repair:   func(e *env) { e.reconcile() },
		agree:    tossAgreePaid,
	}

	stripeSessionCreate = &gatewayCall{
		gateway: "stripe", name: "session-create",
		target: route(http.MethodPost, "/v1/checkout/sessions"),
		setup:  func(*env) {},
		action: func(e *env) error {
			_, err := e.svc.Prepare(e.ctx, stripeCheckoutRequest(e))
			return err
		},
		executions: func(e *env) int { return e.stripe.Executed(stripetest.OpCreateCheckoutSession) },
		want:       1,
		leftOpen: func(e *env) {
			wantLocal(e, payments.StatusReady)
			if a := e.payment().Latest(); a.Session != "" {
				e.t.Errorf("an unknown create left session %s on record", a.Session)
			}
		},
		repair: func(e *env) {
			e.reconcile()
			if e.payment().Latest().Session == "" {
				// The customer clicks "pay" again: the same attempt, the
				// same idempotency key, so the same session.
				_, err := e.svc.Prepare(e.ctx, stripeCheckoutRequest(e))
				e.must("prepare again", err)
			}
		},
		agree: func(e *env) {
			p := e.payment()
			wantStatus(e, "local", string(p.Status), string(payments.StatusReady))
			if a := p.Latest(); a.Session == "" {
				e.t.Error("no Checkout Session on record")
			} else {
				wantStatus(e, "Stripe session", e.stripeSession(a.Session).Status, "open")
			}
		},
		finish: func(e *env) {
			e.must("pay on the hosted page", e.stripe.CompleteSession(e.payment().Latest().Session, stripetest.PMVisa))
			_, err := e.svc.Refresh(e.ctx, payments.RefreshRequest{OrderNumber: e.order.Number})
			e.must("refresh", err)
			stripeAgreePaid(e)
		},
	}

	stripeIntentCreate = &gatewayCall{
		gateway: "stripe", name: "intent-create",
		target: route(http.MethodPost, "/v1/payment_intents"),
		setup:  func(*env) {},
		action: func(e *env) error {
			_, err := e.svc.Prepare(e.ctx, stripeIntentRequest(e))
			return err
		},
		executions: func(e *env) int { return e.stripe.Executed(stripetest.OpCreatePaymentIntent) },
		want:       1,
		leftOpen: func(e *env) {
			wantLocal(e, payments.StatusReady)
			if a := e.payment().Latest(); a.Reference != "" {
				e.t.Errorf("an unknown create left PaymentIntent %s on record", a.Reference)
			}
		},
		repair: func(e *env) {
			e.reconcile()
			if e.payment().Latest().Reference == "" {
				_, err := e.svc.Prepare(e.ctx, stripeIntentRequest(e))
				e.must("prepare again", err)
			}
		},
		agree: func(e *env) {
			p := e.payment()
			wantStatus(e, "local", string(p.Status), string(payments.StatusReady))
			if a := p.Latest(); a.Reference == "" {
				e.t.Error("no PaymentIntent on record")
			} else {
				wantStatus(e, "Stripe PaymentIntent", e.stripeIntent(a.Reference).Status, "requires_confirmation")
			}
		},
		finish: func(e *env) {
			_, err := e.svc.Confirm(e.ctx, payments.ConfirmRequest{OrderNumber: e.order.Number})
			e.must("confirm", err)
			stripeAgreePaid(e)
			if n := e.stripe.Executed(stripetest.OpConfirmPaymentIntent); n != 1 {
				e.t.Errorf("Stripe confirmed %d times", n)
			}
		},
	}

	stripeIntentConfirm = &gatewayCall{
		gateway: "stripe", name: "intent-confirm",
		target: func(r *http.Request) bool {
			return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/payment_intents/") && strings.HasSuffix(r.URL.Path, "/confirm")
		},
		setup: func(e *env) {
			_, err := e.svc.Prepare(e.ctx, stripeIntentRequest(e))
			e.must("prepare", err)
		},
		action: func(e *env) error {
			_, err := e.svc.Confirm(e.ctx, payments.ConfirmRequest{OrderNumber: e.order.Number})
			return err
		},
		executions: func(e *env) int { return e.stripe.Executed(stripetest.OpConfirmPaymentIntent) },
		want:       1,
		leftOpen:   func(e *env) { wantLocal(e, payments.StatusProcessing) },
		repair:     func(e *env) { e.reconcile() },
		agree:      stripeAgreePaid,
	}

	stripeRetrieve = &gatewayCall{
		gateway: "stripe", name: "retrieve",
		target: func(r *http.Request) bool {
			return r.Method == http.MethodGet &&
				(strings.HasPrefix(r.URL.Path, "/v1/checkout/sessions/") || strings.HasPrefix(r.URL.Path, "/v1/payment_intents/"))
		},
		setup: func(e *env) {
			p, err := e.svc.Prepare(e.ctx, stripeCheckoutRequest(e))
			e.must("prepare", err)
			e.ref = p.Attempt.Session
			// The customer pays on the hosted page; the webhook is lost.
			e.must("pay on the hosted page", e.stripe.CompleteSession(e.ref, stripetest.PMVisa))
		},
		action: func(e *env) error {
			_, err := e.svc.Refresh(e.ctx, payments.RefreshRequest{OrderNumber: e.order.Number})
			return err
		},
		executions: func(e *env) int {
			return e.stripe.Executed(stripetest.OpCreateCheckoutSession) + e.stripe.Executed(stripetest.OpCreatePaymentIntent) +
				e.stripe.Executed(stripetest.OpConfirmPaymentIntent) + e.stripe.Executed(stripetest.OpCreateRefund)
		},
		want:     1, // the session created in setup; a lookup moves nothing
		leftOpen: func(e *env) { wantLocal(e, payments.StatusReady) },
		repair: func(e *env) {
			e.reconcile()
			// A ready attempt is not the sweep's: the redirect back (or the
			// status page) refreshes it.
			_, err := e.svc.Refresh(e.ctx, payments.RefreshRequest{OrderNumber: e.order.Number})
			e.must("refresh", err)
		},
		agree: stripeAgreePaid,
	}

	stripeRefund = &gatewayCall{
		gateway: "stripe", name: "refund",
		target: route(http.MethodPost, "/v1/refunds"),
		setup: func(e *env) {
			_, err := e.svc.Prepare(e.ctx, stripeIntentRequest(e))
			e.must("prepare", err)
			_, err = e.svc.Confirm(e.ctx, payments.ConfirmRequest{OrderNumber: e.order.Number})
			e.must("confirm", err)
		},
		action:     refundAction(2000),
		executions: func(e *env) int { return e.stripe.Executed(stripetest.OpCreateRefund) },
		want:       1,
		leftOpen: func(e *env) {
			wantRefundPending(e)
			pi := e.stripeIntent(e.payment().GatewayReference)
			if pi.LatestCharge != nil && pi.LatestCharge.AmountRefunded > pi.Amount {
				e.t.Errorf("Stripe refunded %d of a %d payment", pi.LatestCharge.AmountRefunded, pi.Amount)
			}
		},
		repair: func(e *env) { e.reconcile() },
		agree: func(e *env) {
			pi := e.stripeIntent(e.payment().GatewayReference)
			var refunded payments.Amount
			if pi.LatestCharge != nil {
				refunded = payments.Amount(pi.LatestCharge.AmountRefunded)
			}
			wantRefunded(e, refunded, 2000)
		},
	}
)

// ---- Setups and requests ----

// tossAuthorized records a card attempt and has the customer authorise it
// in the payment window; e.ref is the paymentKey Toss hands back.
func tossAuthorized(e *env) {
	_, err := e.svc.Prepare(e.ctx, payments.PrepareRequest{OrderNumber: e.order.Number, Gateway: "toss", Method: payments.MethodCard})
	e.must("prepare", err)
	key, err := e.toss.Authorize(e.order.Number, int64(e.order.Amount), e.order.Name, "CARD")
	e.must("authorize", err)
	e.ref = key
}

func tossVirtualAccountRequest(e *env) payments.VirtualAccountRequest {
	return payments.VirtualAccountRequest{OrderNumber: e.order.Number, Bank: "20", CustomerName: "김토스"}
}

func stripeCheckoutRequest(e *env) payments.PrepareRequest {
	return payments.PrepareRequest{OrderNumber: e.order.Number, Gateway: "stripe",
		SuccessURL: "https://shop.example/paid", FailURL: "https://shop.example/cart"}
}

func stripeIntentRequest(e *env) payments.PrepareRequest {
	return payments.PrepareRequest{OrderNumber: e.order.Number, Gateway: "stripe", PaymentMethod: stripetest.PMVisa}
}

func refundAction(amount payments.Amount) func(e *env) error {
	return func(e *env) error {
		_, _, err := e.svc.Refund(e.ctx, payments.RefundRequest{OrderNumber: e.order.Number, Amount: amount, Reason: "the customer changed their mind"})
		return err
	}
}

// ---- Checks ----

func wantStatus(e *env, side, got, want string) {
	e.t.Helper()
	if got != want {
		e.t.Errorf("%s status %s, want %s", side, got, want)
	}
}

func wantLocal(e *env, want payments.Status) {
	e.t.Helper()
	wantStatus(e, "local", string(e.payment().Status), string(want))
}

// tossAgreePaid: Toss approved the payment once, and it is paid here, for
// the order's amount.
func tossAgreePaid(e *env) {
	e.t.Helper()
	p, gw := e.payment(), e.tossPayment(e.order.Number)
	wantStatus(e, "Toss", gw.Status, tosstest.StatusDone)
	wantStatus(e, "local", string(p.Status), string(payments.StatusPaid))
	if gw.TotalAmount != int64(p.Amount) || p.GatewayReference != gw.PaymentKey {
		e.t.Errorf("Toss has %s for %d, local %s for %d", gw.PaymentKey, gw.TotalAmount, p.GatewayReference, p.Amount)
	}
}

// stripeAgreePaid: the PaymentIntent on record succeeded, and the payment
// is paid here, for the order's amount.
func stripeAgreePaid(e *env) {
	e.t.Helper()
	p := e.payment()
	if p.GatewayReference == "" || !strings.HasPrefix(p.GatewayReference, "pi_") {
		e.t.Fatalf("no PaymentIntent on record (reference %q, status %s)", p.GatewayReference, p.Status)
	}
	pi := e.stripeIntent(p.GatewayReference)
	wantStatus(e, "Stripe PaymentIntent", pi.Status, "succeeded")
	wantStatus(e, "local", string(p.Status), string(payments.StatusPaid))
	if pi.Amount != int64(p.Amount) || !strings.EqualFold(pi.Currency, string(p.Currency)) {
		e.t.Errorf("Stripe charged %d %s, the order is %d %s", pi.Amount, pi.Currency, p.Amount, p.Currency)
	}
}

// wantRefundPending: an unknown refund is held as pending against the
// balance, and nothing is counted as refunded yet.
func wantRefundPending(e *env) {
	e.t.Helper()
	p := e.payment()
	if len(p.Refunds) != 1 || p.Refunds[0].Status != payments.RefundPending || p.RefundedAmount != 0 {
		e.t.Errorf("refunds %+v, refunded %d; want one pending refund", p.Refunds, p.RefundedAmount)
	}
	wantStatus(e, "local", string(p.Status), string(payments.StatusPaid))
}

// wantRefunded: the gateway refunded what the record says, once.
func wantRefunded(e *env, atGateway, want payments.Amount) {
	e.t.Helper()
	p := e.payment()
	if atGateway != want || p.RefundedAmount != want {
		e.t.Errorf("refunded: gateway %d, local %d; want %d on both sides", atGateway, p.RefundedAmount, want)
	}
	if len(p.Refunds) != 1 || p.Refunds[0].Status != payments.RefundSucceeded {
		e.t.Errorf("refunds %+v; want one succeeded refund", p.Refunds)
	}
	wantStatus(e, "local", string(p.Status), string(payments.StatusPartiallyRefunded))
}
