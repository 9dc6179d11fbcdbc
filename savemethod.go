package payments

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
)

// StartSaveRequest starts saving a payment method for a customer.
type StartSaveRequest struct {
	// Gateway is the gateway's name ("toss", "stripe").
	Gateway string
	// CustomerID is the application's own id of the customer.
	CustomerID string
	// SuccessURL and FailURL are the application's pages for the end of
	// the save.
	SuccessURL string
	FailURL    string
	// CallbackSuccessURL and CallbackCancelURL, where given, are where the
	// gateway's hosted page sends the customer instead (the library's own
	// callback routes); the setup id is appended as the query parameter
	// [SetupPlaceholder] in them is replaced by the setup's id.
	CallbackSuccessURL string
	CallbackCancelURL  string
}

// SaveStarted is the result of [Service.StartSave].
type SaveStarted struct {
	Setup MethodSetup
	// Customer is the gateway's customer: for Toss, its customerKey is
	// handed to the customer's browser, and to nothing else.
	Customer GatewayCustomer
	// Session and RedirectURL are the gateway's hosted page, where there
	// is one (Stripe Checkout in setup mode).
	Session     string
	RedirectURL string
}

// StartSave starts saving a payment method: it finds or creates the
// gateway's customer for req.CustomerID (a Toss customerKey generated
// once and kept, a Stripe Customer created once), records the save and
// asks the gateway for its page where it has one.
func (s *Service) StartSave(ctx context.Context, req StartSaveRequest) (*SaveStarted, error) {
	ms, err := s.methodStore()
	if err != nil {
		return nil, err
	}
	saver, err := s.saver(req.Gateway)
	if err != nil {
		return nil, err
	}
	if err := checkCustomerID(req.CustomerID); err != nil {
		return nil, err
	}
	cust, err := s.customer(ctx, ms, saver, req.Gateway, req.CustomerID)
	if err != nil {
		return nil, err
	}
	setup := MethodSetup{
		ID: "setup_" + randomHex(12), Gateway: req.Gateway, CustomerID: req.CustomerID,
		SuccessURL: req.SuccessURL, FailURL: req.FailURL, CreatedAt: s.now(),
	}
	sess, err := traced(s, ctx, req.Gateway, "start_save", &Payment{}, 0, func(ctx context.Context) (*SaveSession, error) {
		return saver.StartSave(ctx, &StartSaveParams{
			IdempotencyKey: s.key("setup", setup.ID, 0, req.CustomerID),
			Setup:          setup, Customer: *cust,
			SuccessURL: withSetup(req.CallbackSuccessURL, setup.ID), CancelURL: withSetup(req.CallbackCancelURL, setup.ID),
		})
	})
	if err != nil {
		return nil, err
	}
	setup.Session = sess.Session
	if err := ms.PutSetup(ctx, &setup); err != nil {
		return nil, err
	}
	return &SaveStarted{Setup: setup, Customer: *cust, Session: sess.Session, RedirectURL: sess.RedirectURL}, nil
}

// SetupPlaceholder in a callback URL given to [Service.StartSave] is
// replaced by the setup's id.
const SetupPlaceholder = "{SETUP_ID}"

func withSetup(u, id string) string { return strings.ReplaceAll(u, SetupPlaceholder, id) }

// customer returns the gateway's customer of customerID, creating it at
// most once: of concurrent callers, every one gets the stored record.
func (s *Service) customer(ctx context.Context, ms MethodStore, saver MethodSaver, gateway, customerID string) (*GatewayCustomer, error) {
	c, err := ms.GetCustomer(ctx, gateway, customerID)
	if err != nil || c != nil {
		return c, err
	}
	ref, err := traced(s, ctx, gateway, "create_customer", &Payment{}, 0, func(ctx context.Context) (Secret, error) {
		return saver.CreateCustomer(ctx, &CustomerParams{
			IdempotencyKey: s.key("customer", customerID, 0, gateway), CustomerID: customerID,
		})
	})
	if err != nil {
		return nil, err
	}
	return ms.PutCustomer(ctx, &GatewayCustomer{Gateway: gateway, CustomerID: customerID, Reference: ref, CreatedAt: s.now()})
}

// FinishSaveRequest completes a save from a gateway's redirect (Toss) or
// verify (Stripe).
type FinishSaveRequest struct {
	Gateway string
	// SetupID is the setup the callback names (Toss); empty when the
	// gateway keeps it (Stripe, from Session).
	SetupID string
	// GatewayCustomer is the customer the redirect names (Toss
	// customerKey); it must be the one the library gave the setup's
	// customer.
	GatewayCustomer Secret
	// AuthKey is Toss's one-time key from the redirect.
	AuthKey Secret
	// Session is the gateway session (Stripe Checkout Session id).
	Session string
}

// Saved is the result of [Service.FinishSave].
type Saved struct {
	Setup  MethodSetup
	Method *PaymentMethod
}

// FinishSave completes a save and stores the method, active, with a
// [EventMethodSaved] event. A repeat for the same setup returns the
// method stored by the first.
func (s *Service) FinishSave(ctx context.Context, req FinishSaveRequest) (*Saved, error) {
	ms, err := s.methodStore()
	if err != nil {
		return nil, err
	}
	saver, err := s.saver(req.Gateway)
	if err != nil {
		return nil, err
	}
	var setup *MethodSetup
	var cust *GatewayCustomer
	if req.SetupID != "" {
		if setup, err = ms.GetSetup(ctx, req.SetupID); err != nil {
			return nil, err
		}
		if setup.Gateway != req.Gateway {
			return nil, errorf(CodeMethodNotFound, "no save of this gateway has that id")
		}
		if cust, err = ms.GetCustomer(ctx, setup.Gateway, setup.CustomerID); err != nil {
			return nil, err
		}
		if cust == nil || !req.GatewayCustomer.IsZero() &&
			subtle.ConstantTimeCompare([]byte(req.GatewayCustomer.Reveal()), []byte(cust.Reference.Reveal())) != 1 {
			return nil, errorf(CodeInvalidRequest, "the customer key does not belong to this save")
		}
		if req.GatewayCustomer.IsZero() && req.Session == "" {
			return nil, errorf(CodeInvalidRequest, "the customer key is missing")
		}
		if m, err := ms.GetMethod(ctx, s.savedMethodID(setup.ID)); err == nil {
			// A repeated callback: the first saved the method.
			return &Saved{Setup: *setup, Method: m}, nil
		}
	} else if req.Session == "" {
		return nil, errorf(CodeInvalidRequest, "session_id is required")
	}
	got, err := traced(s, ctx, req.Gateway, "finish_save", &Payment{}, 0, func(ctx context.Context) (*SavedMethod, error) {
		return saver.FinishSave(ctx, &FinishSaveParams{
			IdempotencyKey: s.key("save", req.SetupID+"/"+req.Session, 0, ""),
			Setup:          setup, Customer: cust, AuthKey: req.AuthKey, Session: req.Session,
		})
	})
	if err != nil {
		return nil, err
	}
	if setup == nil {
		if got.SetupID == "" {
			return nil, errorf(CodeMethodNotFound, "the session was not started by this library")
		}
		if setup, err = ms.GetSetup(ctx, got.SetupID); err != nil {
			return nil, err
		}
		if setup.Gateway != req.Gateway || setup.Session != req.Session || (got.CustomerID != "" && got.CustomerID != setup.CustomerID) {
			return nil, errorf(CodeMethodNotFound, "the session does not belong to a save started here")
		}
	}
	if got.GatewayCustomer.IsZero() && cust != nil {
		got.GatewayCustomer = cust.Reference
	}
	if got.Token.IsZero() {
		return nil, errorf(CodeGatewayError, "the gateway returned no saved method")
	}
	now := s.now()
	m := &PaymentMethod{
		ID: s.savedMethodID(setup.ID), Gateway: setup.Gateway, CustomerID: setup.CustomerID,
		Type: got.Type, Brand: truncate(got.Brand, 32), Last4: truncate(got.Last4, 4), Status: MethodActive,
		Token: got.Token, GatewayCustomer: got.GatewayCustomer, CreatedAt: now, UpdatedAt: now,
	}
	if m.Type == "" {
		m.Type = MethodCard
	}
	evs := methodEvents(nil, m)
	if err := ms.CreateMethod(ctx, m, evs); err != nil {
		if errors.Is(err, ErrConflict) {
			stored, gerr := ms.GetMethod(ctx, m.ID)
			if gerr != nil {
				return nil, gerr
			}
			return &Saved{Setup: *setup, Method: stored}, nil
		}
		return nil, err
	}
	s.stored(ctx, evs)
	return &Saved{Setup: *setup, Method: m}, nil
}

// Setup returns a save in progress, as [Service.StartSave] recorded it.
// For an unknown id it returns an error for which [Code] reports
// [CodeMethodNotFound].
func (s *Service) Setup(ctx context.Context, id string) (*MethodSetup, error) {
	ms, err := s.methodStore()
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, errorf(CodeInvalidRequest, "setup is required")
	}
	return ms.GetSetup(ctx, id)
}

// savedMethodID is the id of the method a setup saves: one setup saves
// one method, however often its callback comes.
func (s *Service) savedMethodID(setupID string) string {
	return "meth_" + hash(s.keyPrefix, "method", setupID)[:24]
}

// Method returns a saved method. For an unknown id it returns an error
// for which [Code] reports [CodeMethodNotFound].
func (s *Service) Method(ctx context.Context, id string) (*PaymentMethod, error) {
	ms, err := s.methodStore()
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, errorf(CodeInvalidRequest, "method_id is required")
	}
	return ms.GetMethod(ctx, id)
}

// Methods returns a customer's saved methods, removed ones included,
// oldest first.
func (s *Service) Methods(ctx context.Context, customerID string) ([]*PaymentMethod, error) {
	ms, err := s.methodStore()
	if err != nil {
		return nil, err
	}
	if err := checkCustomerID(customerID); err != nil {
		return nil, err
	}
	return ms.ListMethods(ctx, customerID)
}

// RemoveMethod revokes a saved method at its gateway and records it
// removed, with an [EventMethodRemoved] event. Removing a removed method
// returns it as it is.
func (s *Service) RemoveMethod(ctx context.Context, id string) (*PaymentMethod, error) {
	m, err := s.Method(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.Status == MethodRemoved {
		return m, nil
	}
	saver, err := s.saver(m.Gateway)
	if err != nil {
		return nil, err
	}
	if _, err := traced(s, ctx, m.Gateway, "remove_method", &Payment{}, 0, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, saver.RemoveMethod(ctx, &RemoveMethodParams{IdempotencyKey: s.key("remove", m.ID, 0, ""), Method: m})
	}); err != nil {
		return nil, err
	}
	return s.markRemoved(ctx, m, "application")
}

// MethodRemovedAtGateway records that a gateway removed a saved method
// (a Toss BILLING_DELETED webhook), found by its token. An unknown token
// answers [ErrMethodNotFound].
func (s *Service) MethodRemovedAtGateway(ctx context.Context, gateway string, token Secret) (*PaymentMethod, error) {
	ms, err := s.methodStore()
	if err != nil {
		return nil, err
	}
	m, err := ms.MethodByToken(ctx, gateway, token)
	if err != nil {
		return nil, err
	}
	return s.markRemoved(ctx, m, "gateway")
}

// markRemoved moves m to removed with compare-and-set.
func (s *Service) markRemoved(ctx context.Context, m *PaymentMethod, by string) (*PaymentMethod, error) {
	ms, err := s.methodStore()
	if err != nil {
		return nil, err
	}
	for {
		if m.Status == MethodRemoved {
			return m, nil
		}
		next := m.Clone()
		next.Status, next.RemovedBy, next.UpdatedAt = MethodRemoved, by, s.now()
		evs := methodEvents(m, next)
		err := ms.UpdateMethod(ctx, next, evs)
		if err == nil {
			s.stored(ctx, evs)
			return next, nil
		}
		if !errors.Is(err, ErrConflict) {
			return nil, err
		}
		if m, err = ms.GetMethod(ctx, m.ID); err != nil {
			return nil, err
		}
	}
}

// saver returns the named gateway as a [MethodSaver].
func (s *Service) saver(name string) (MethodSaver, error) {
	gw, ok := s.gateways[name]
	if !ok {
		return nil, errorf(CodeInvalidRequest, fmt.Sprintf("gateway %q is not configured", truncate(name, 32)))
	}
	saver, ok := gw.(MethodSaver)
	if !ok {
		return nil, errorf(CodeInvalidRequest, fmt.Sprintf("gateway %q does not save payment methods", name))
	}
	return saver, nil
}

// checkCustomerID refuses an empty or oversized customer id.
func checkCustomerID(id string) error {
	switch {
	case id == "":
		return errorf(CodeInvalidRequest, "customer_id is required")
	case len(id) > 128:
		return errorf(CodeInvalidRequest, "customer_id is longer than 128 bytes")
	}
	return nil
}
