package payments

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Config configures a [Service]. Store, Orders and at least one Gateway
// are required; everything else has a safe default.
type Config struct {
	// Store keeps the payments (memstore.New() for one process,
	// sqlstore for many replicas).
	Store Store
	// Orders is the application's order source.
	Orders Orders
	// Gateways are the payment providers, by [Gateway.Name].
	Gateways []Gateway
	// HandleEvent is the application's handler of events ([Event]). The
	// events are stored with every change whether it is set or not, and
	// delivered by [Service.Run] or [Service.DeliverEvents] once it is.
	HandleEvent EventHandler
	// Delivery tunes the delivery of events; nil means the defaults.
	Delivery *DeliveryOptions
	// Live says whether the service takes real money. Gateways that know
	// whether their keys are live (toss.Gateway, stripe.Gateway: a method
	// Live() bool) must agree with it, or NewService refuses them: test
	// keys in production, or live keys on a laptop, fail at start. The
	// gateways' own Live settings refuse keys of the other kind when they
	// are built; set all of them from one setting of the application.
	Live bool
	// Trace observes the service's work and, through the handlers, its
	// routes (see [Trace]); nil costs nothing.
	Trace *Trace
	// Logger receives the service's logs. Nil means silence.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// KeyPrefix is prepended to every idempotency key the service
	// derives. Set it when several applications or environments share one
	// gateway account and may reuse order numbers.
	KeyPrefix string
	// ConfirmWait is how long a confirm that finds another confirm of the
	// same attempt in flight waits for its outcome before answering with
	// the payment still processing. Default 30s.
	ConfirmWait time.Duration
	// SettleAfter is how long an unsettled payment (processing, pending
	// refund …) is left to the request that is working on it before
	// [Service.Reconcile] takes it over. Default 1 minute.
	SettleAfter time.Duration
}

// Service is what applications call: it prepares attempts, confirms them
// exactly once, refunds without ever exceeding the balance, answers status
// queries, applies gateway notifications and reconciles what a crash or a
// timeout left unsettled. It is safe for concurrent use, also by many
// replicas sharing one [Store].
type Service struct {
	store    Store
	orders   Orders
	gateways map[string]Gateway
	order    []Gateway // as configured
	handle   EventHandler
	delivery DeliveryOptions
	// wake is signalled after every write that stored events, so that
	// Run delivers them at once.
	wake        chan struct{}
	running     atomic.Bool
	live        bool
	trace       *Trace
	log         *slog.Logger
	now         func() time.Time
	keyPrefix   string
	confirmWait time.Duration
	settleAfter time.Duration
}

// NewService validates cfg and returns a Service.
func NewService(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("payments: Config.Store is required")
	}
	if cfg.Orders == nil {
		return nil, errors.New("payments: Config.Orders is required")
	}
	if len(cfg.Gateways) == 0 {
		return nil, errors.New("payments: at least one gateway is required")
	}
	s := &Service{
		store:       cfg.Store,
		orders:      cfg.Orders,
		gateways:    make(map[string]Gateway),
		handle:      cfg.HandleEvent,
		delivery:    cfg.Delivery.withDefaults(),
		wake:        make(chan struct{}, 1),
		live:        cfg.Live,
		trace:       cfg.Trace,
		log:         cfg.Logger,
		now:         cfg.Now,
		keyPrefix:   cfg.KeyPrefix,
		confirmWait: cfg.ConfirmWait,
		settleAfter: cfg.SettleAfter,
	}
	for _, g := range cfg.Gateways {
		if g == nil || g.Name() == "" {
			return nil, errors.New("payments: a gateway is nil or has no name")
		}
		if _, dup := s.gateways[g.Name()]; dup {
			return nil, fmt.Errorf("payments: gateway %q configured twice", g.Name())
		}
		if l, ok := g.(interface{ Live() bool }); ok && l.Live() != cfg.Live {
			if cfg.Live {
				return nil, fmt.Errorf("payments: Config.Live is true, but gateway %q has test keys", g.Name())
			}
			return nil, fmt.Errorf("payments: Config.Live is false, but gateway %q has live keys", g.Name())
		}
		s.gateways[g.Name()] = g
		s.order = append(s.order, g)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.confirmWait <= 0 {
		s.confirmWait = 30 * time.Second
	}
	if s.settleAfter <= 0 {
		s.settleAfter = time.Minute
	}
	return s, nil
}

// Live reports whether the service takes real money ([Config.Live]).
func (s *Service) Live() bool { return s.live }

// Trace returns the service's [Trace], nil when none is configured. The
// library's HTTP handlers report their routes and webhooks to it.
func (s *Service) Trace() *Trace { return s.trace }

// Gateway returns the configured gateway with the given name.
func (s *Service) Gateway(name string) (Gateway, bool) {
	g, ok := s.gateways[name]
	return g, ok
}

// Order returns the application's order, through [Config.Orders].
func (s *Service) Order(ctx context.Context, number string) (Order, error) {
	if number == "" {
		return Order{}, errorf(CodeInvalidRequest, "order_number is required")
	}
	return s.orders.Order(ctx, number)
}

// Payment returns the payment of an order. For an order without a payment
// attempt it returns an error for which [Code] reports
// [CodePaymentNotFound]; for an unknown order, [CodeOrderNotFound].
func (s *Service) Payment(ctx context.Context, orderNumber string) (*Payment, error) {
	if orderNumber == "" {
		return nil, errorf(CodeInvalidRequest, "order_number is required")
	}
	p, err := s.store.Get(ctx, orderNumber)
	if Code(err) == CodePaymentNotFound {
		if _, oerr := s.orders.Order(ctx, orderNumber); oerr != nil {
			return nil, oerr
		}
	}
	return p, err
}

// gatewayOf returns the gateway of attempt a, which may be missing from
// the configuration since the attempt was made.
func (s *Service) gatewayOf(a *Attempt) (Gateway, error) {
	gw := s.gateways[a.Gateway]
	if gw == nil {
		return nil, errorf(CodeInvalidState, fmt.Sprintf("gateway %q is not configured", a.Gateway))
	}
	return gw, nil
}

// resolve finds the payment and attempt named by an order number and/or a
// gateway order id ("ORD-1" or "ORD-1-2"), an attempt of the named gateway
// only when gateway is not empty.
func (s *Service) resolve(ctx context.Context, orderNumber, gatewayOrderID, gateway string) (*Payment, int, error) {
	if orderNumber == "" && gatewayOrderID == "" {
		return nil, 0, errorf(CodeInvalidRequest, "order_number is required")
	}
	candidates := []string{orderNumber}
	if orderNumber == "" {
		candidates = []string{gatewayOrderID}
		if i := strings.LastIndexByte(gatewayOrderID, '-'); i > 0 {
			if _, err := strconv.Atoi(gatewayOrderID[i+1:]); err == nil {
				candidates = append(candidates, gatewayOrderID[:i])
			}
		}
	}
	attempt := func() string {
		if gateway == "" {
			return "payment attempt"
		}
		return gateway + " payment attempt"
	}
	var lastErr error
	for _, c := range candidates {
		p, err := s.Payment(ctx, c)
		if err != nil {
			lastErr = err
			continue
		}
		if gatewayOrderID == "" {
			if a := p.Latest(); a != nil && (gateway == "" || a.Gateway == gateway) {
				return p, a.Number, nil
			}
			return nil, 0, errorf(CodePaymentNotFound, "the order has no "+attempt())
		}
		for i := range p.Attempts {
			if a := &p.Attempts[i]; a.GatewayOrderID == gatewayOrderID && (gateway == "" || a.Gateway == gateway) {
				return p, a.Number, nil
			}
		}
		lastErr = errorf(CodePaymentNotFound, "no "+attempt()+" has that order id")
	}
	return nil, 0, lastErr
}
