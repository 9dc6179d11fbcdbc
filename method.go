package payments

import (
	"context"
	"strconv"
	"time"
)

// MethodStatus is the state of a saved [PaymentMethod].
type MethodStatus string

// The method statuses.
const (
	// MethodActive: the method may be charged.
	MethodActive MethodStatus = "active"
	// MethodRemoved: the method was revoked, by the application
	// ([Service.RemoveMethod]) or by its gateway (a Toss BILLING_DELETED
	// webhook); it is never charged again.
	MethodRemoved MethodStatus = "removed"
)

// PaymentMethod is a payment method a customer saved for charges made
// while they are away (subscriptions, top-ups, instalments): a Toss
// billing key (https://docs.tosspayments.com/guides/v2/billing/integration)
// or a Stripe PaymentMethod attached to a Customer
// (https://docs.stripe.com/payments/save-and-reuse).
//
// A PaymentMethod read from a [MethodStore] is the caller's own copy.
type PaymentMethod struct {
	// ID identifies the method ("meth_…"); it never changes.
	ID string
	// Gateway is the name of the gateway that keeps it ("toss", "stripe").
	Gateway string
	// CustomerID is the application's own id of the customer.
	CustomerID string
	// Type is the kind of method ([MethodCard] for cards).
	Type Method
	// Brand and Last4 are for display ("visa", "4242"; Toss card issuer
	// code and the last digits it shows).
	Brand  string
	Last4  string
	Status MethodStatus
	// Token is the gateway's handle on the method: the Toss billingKey or
	// the Stripe pm_… id. It never leaves the library.
	Token Secret
	// GatewayCustomer is the customer at the gateway the method belongs
	// to: the Toss customerKey (which must accompany every charge) or the
	// Stripe cus_… id.
	GatewayCustomer Secret
	// RemovedBy says who removed the method: "application" or "gateway".
	RemovedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
	// Version counts committed writes; [MethodStore.UpdateMethod] uses it
	// for compare-and-set.
	Version int64
	// EventSeq is the [Event.Seq] of the last event stored with the
	// method: a method's events form a sequence of their own, apart from
	// any payment's.
	EventSeq int64
}

// Clone returns a copy of m.
func (m *PaymentMethod) Clone() *PaymentMethod {
	if m == nil {
		return nil
	}
	c := *m
	return &c
}

// public returns m without its gateway handles, as events carry it.
func (m *PaymentMethod) public() *PaymentMethod {
	c := m.Clone()
	c.Token, c.GatewayCustomer = "", ""
	return c
}

// GatewayCustomer is the customer record a gateway keeps for one of the
// application's customers: the Toss customerKey the library generated
// for it, or the Stripe Customer created for it.
type GatewayCustomer struct {
	Gateway    string
	CustomerID string
	// Reference is the Toss customerKey (unguessable, as
	// https://docs.tosspayments.com/reference#customerkey asks) or the
	// Stripe cus_… id.
	Reference Secret
	CreatedAt time.Time
}

// MethodSetup is one save in progress: a customer sent to a gateway's
// page to save a method, and where to send them afterwards.
type MethodSetup struct {
	// ID identifies the setup ("setup_…"); gateways' callbacks carry it.
	ID         string
	Gateway    string
	CustomerID string
	// SuccessURL and FailURL are the application's pages.
	SuccessURL string
	FailURL    string
	// Session is a gateway-side session (a Stripe Checkout Session).
	Session   string
	CreatedAt time.Time
}

// MethodStore is implemented by stores that keep saved payment methods
// (memstore, sqlstore). [Service] methods about saved methods need it and
// answer [ErrInvalidState] without it. Every method is safe for
// concurrent use.
//
// The contract, checked by paymentstest.RunMethodStoreTests:
//   - CreateMethod stores a new method with Version 1 and sets m.Version
//     to 1; a method with the same ID returns [ErrConflict].
//   - GetMethod returns a copy; for an unknown id, an error for which
//     [Code] reports [CodeMethodNotFound].
//   - UpdateMethod succeeds only if the stored Version equals m.Version;
//     it then stores m with Version+1 and sets m.Version to it; otherwise
//     it returns [ErrConflict] and changes nothing. Of any number of
//     concurrent updates from one version exactly one succeeds.
//   - CreateMethod and UpdateMethod store the events given in the same
//     write, in the outbox that [Store.ClaimEvents] reads: the events of
//     one method are claimed in Seq order, like a payment's, and
//     independently of every payment's.
//   - ListMethods returns a customer's methods, oldest first.
//   - MethodByToken returns the method of a gateway with the given token,
//     or an error for which [Code] reports [CodeMethodNotFound].
//   - PutCustomer stores c unless a customer of the same gateway and
//     CustomerID is stored, and returns the one stored: of concurrent
//     calls, all get the same record. GetCustomer returns it, or nil
//     and no error.
//   - PutSetup stores a setup; GetSetup returns it, or an error for which
//     [Code] reports [CodeMethodNotFound].
type MethodStore interface {
	CreateMethod(ctx context.Context, m *PaymentMethod, events []Event) error
	GetMethod(ctx context.Context, id string) (*PaymentMethod, error)
	UpdateMethod(ctx context.Context, m *PaymentMethod, events []Event) error
	ListMethods(ctx context.Context, customerID string) ([]*PaymentMethod, error)
	MethodByToken(ctx context.Context, gateway string, token Secret) (*PaymentMethod, error)

	PutCustomer(ctx context.Context, c *GatewayCustomer) (*GatewayCustomer, error)
	GetCustomer(ctx context.Context, gateway, customerID string) (*GatewayCustomer, error)

	PutSetup(ctx context.Context, s *MethodSetup) error
	GetSetup(ctx context.Context, id string) (*MethodSetup, error)
}

// MethodStream is the outbox stream of a method's events: the events of
// one stream are delivered in Seq order. A payment's stream is its order
// number; a method's is this, which no order number can equal since it
// holds a control character.
func MethodStream(methodID string) string { return "\x1fmethod:" + methodID }

// methodEventID derives a method event's ID from the method and the
// event's Seq, as [eventID] does for payments.
func methodEventID(methodID string, seq int64) string {
	return "evt_" + hash("method-event", methodID, strconv.FormatInt(seq, 10))[:32]
}

// methodEvents returns the events of the change of a method from before
// (nil for a new one) to after, numbered after after.EventSeq, which it
// advances.
func methodEvents(before, after *PaymentMethod) []Event {
	var t EventType
	switch {
	case before == nil && after.Status == MethodActive:
		t = EventMethodSaved
	case before != nil && before.Status != MethodRemoved && after.Status == MethodRemoved:
		t = EventMethodRemoved
	default:
		return nil
	}
	after.EventSeq++
	snap := after.public()
	snap.Version = after.Version + 1
	if before == nil {
		snap.Version = 1
	}
	return []Event{{
		ID: methodEventID(after.ID, after.EventSeq), Seq: after.EventSeq, Type: t,
		Method: snap, At: after.UpdatedAt,
	}}
}

// methodStore returns the configured store as a [MethodStore].
func (s *Service) methodStore() (MethodStore, error) {
	ms, ok := s.store.(MethodStore)
	if !ok {
		return nil, errorf(CodeInvalidState, "the configured store does not keep saved payment methods")
	}
	return ms, nil
}
