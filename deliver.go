package payments

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// DeliveryOptions tune the delivery of events to [Config.HandleEvent].
// Zero fields take their defaults.
type DeliveryOptions struct {
	// MaxTries is how many times an event is handed to the handler before
	// it is dead. Default 25: with the backoff (1 s before the second
	// try, doubling, at most 1 h between tries) the last try comes about
	// 13 hours after the first.
	MaxTries int
	// Lease is how long one replica holds an event it claimed; if the
	// replica dies meanwhile, another claims the event once the lease has
	// run out. The handler's context ends with the lease. Default 1
	// minute.
	Lease time.Duration
	// Retention is how long delivered events and webhook dedup records
	// are kept before [Service.Run] prunes them. Default 30 days.
	Retention time.Duration
	// Poll is how often [Service.Run] looks for events it was not woken
	// for: those stored by other replicas, and retries coming due.
	// Default 500 ms.
	Poll time.Duration
	// SweepInterval is how often [Service.Run] reconciles
	// ([Service.Reconcile]). Default 30 s.
	SweepInterval time.Duration
}

func (o *DeliveryOptions) withDefaults() DeliveryOptions {
	var d DeliveryOptions
	if o != nil {
		d = *o
	}
	if d.MaxTries <= 0 {
		d.MaxTries = 25
	}
	if d.Lease <= 0 {
		d.Lease = time.Minute
	}
	if d.Retention <= 0 {
		d.Retention = 30 * 24 * time.Hour
	}
	if d.Poll <= 0 {
		d.Poll = 500 * time.Millisecond
	}
	if d.SweepInterval <= 0 {
		d.SweepInterval = 30 * time.Second
	}
	return d
}

const (
	// firstBackoff is the wait before an event's second try; each later
	// wait doubles, up to maxBackoff.
	firstBackoff = time.Second
	maxBackoff   = time.Hour
	// claimBatch is how many events one claim takes, and so how many
	// handler calls run at once on one replica.
	claimBatch = 16
	// pruneEvery is how often Run prunes.
	pruneEvery = time.Hour
	// maxReason is the most bytes of a handler's error kept with an
	// event.
	maxReason = 1000
	// recordTimeout bounds the store call that records a try's outcome.
	recordTimeout = 10 * time.Second
)

// backoff is the wait after an event's try number tries failed.
func backoff(tries int) time.Duration {
	d := firstBackoff
	for i := 1; i < tries && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// DeliveryReport counts what a [Service.DeliverEvents] call did.
type DeliveryReport struct {
	// Delivered counts the events the handler handled.
	Delivered int
	// Failed counts the tries that failed and will be retried.
	Failed int
	// Dead counts the events whose last try failed: they are dead.
	Dead int
}

// DeliverEvents hands every event that is due to [Config.HandleEvent] and
// returns once none is left: it claims due events, delivers them (events
// of different payments concurrently, those of one payment in Seq order),
// and records each outcome, until a claim finds nothing. A failed event
// is due again once its backoff has passed, and is then tried by the call
// running at that time, or the next one. Without a handler it does
// nothing. It returns the first store error met, with the counts
// so far; a store error never loses an event, which stays pending and is
// claimed again once its lease runs out.
//
// [Service.Run] calls it whenever events were stored and every
// [DeliveryOptions] Poll; hosts that run no background goroutine (cron
// jobs, tests) call it themselves.
func (s *Service) DeliverEvents(ctx context.Context) (DeliveryReport, error) {
	var rep DeliveryReport
	if s.handle == nil {
		return rep, nil
	}
	for {
		n, err := s.deliverBatch(ctx, &rep)
		if err != nil || n == 0 {
			return rep, err
		}
	}
}

// deliverBatch claims one batch of events and delivers it. It returns the
// number of events claimed.
func (s *Service) deliverBatch(ctx context.Context, rep *DeliveryReport) (int, error) {
	token := randomHex(16)
	claimed, err := s.store.ClaimEvents(ctx, s.now(), s.delivery.Lease, claimBatch, token)
	if err != nil || len(claimed) == 0 {
		return 0, err
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for _, ce := range claimed {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.deliver(ctx, ce, token)
			mu.Lock()
			defer mu.Unlock()
			switch res {
			case delivered:
				rep.Delivered++
			case failed:
				rep.Failed++
			case died:
				rep.Dead++
			}
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}()
	}
	wg.Wait()
	return len(claimed), firstErr
}

type tryResult int

const (
	delivered tryResult = iota + 1
	failed
	died
)

// deliver hands one claimed event to the handler and records the outcome
// in the store. The error is the store's.
func (s *Service) deliver(ctx context.Context, ce ClaimedEvent, token string) (tryResult, error) {
	e := ce.Event
	herr := s.call(ctx, e)
	now := s.now()
	if t := s.trace; t != nil && t.EventDelivered != nil {
		t.EventDelivered(ctx, DeliveryResult{Event: e, Lag: now.Sub(e.At), Try: ce.Tries, Err: herr,
			Dead: herr != nil && ce.Tries >= s.delivery.MaxTries})
	}
	// The outcome is recorded even when ctx ended meanwhile (Run
	// stopping): a handled event is then not handed over again, and a
	// failed one is retried on schedule rather than after the lease.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if herr == nil {
		err := s.store.AckEvent(ctx, e.ID, token, now)
		if errors.Is(err, ErrConflict) {
			// The lease ran out during the handler and another claim took
			// the event: it is handed over again, as at-least-once allows.
			s.log.WarnContext(ctx, "payments: event handled after its lease ran out", "event", e.ID, "type", e.Type, "order", e.OrderNumber)
			err = nil
		}
		return delivered, err
	}
	dead := ce.Tries >= s.delivery.MaxTries
	at, o := now.Add(backoff(ce.Tries)), failed
	if dead {
		at, o = now, died
	}
	level := s.log.WarnContext
	if dead {
		level = s.log.ErrorContext
	}
	level(ctx, "payments: event not handled", "event", e.ID, "type", e.Type, "order", e.OrderNumber,
		"try", ce.Tries, "dead", dead, "error", herr)
	err := s.store.NackEvent(ctx, e.ID, token, at, dead, truncate(herr.Error(), maxReason))
	if errors.Is(err, ErrConflict) {
		err = nil // another claim holds the event now and tries it again
	}
	return o, err
}

// call runs the handler on e, turning a panic into an error. The
// handler's context ends with the lease.
func (s *Service) call(ctx context.Context, e Event) (err error) {
	ctx, cancel := context.WithTimeout(ctx, s.delivery.Lease)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("payments: the event handler panicked: %v", r)
		}
	}()
	return s.handle(ctx, e)
}

// DeadEvents lists at most limit dead events (100 when limit ≤ 0), oldest
// death first: events the handler failed [DeliveryOptions] MaxTries times.
// [Service.RequeueEvent] hands one over again.
func (s *Service) DeadEvents(ctx context.Context, limit int) ([]DeadEvent, error) {
	if limit <= 0 {
		limit = 100
	}
	return s.store.DeadEvents(ctx, limit)
}

// RequeueEvent makes the dead event with the given id pending again, with
// a fresh count of tries: it is delivered at once, before the later
// events of its payment that are still pending. For an unknown id it
// returns an error for which [Code] reports [CodeEventNotFound]; for an
// event that is not dead, [CodeInvalidState].
func (s *Service) RequeueEvent(ctx context.Context, id string) error {
	if id == "" {
		return errorf(CodeInvalidRequest, "the event id is required")
	}
	if err := s.store.RequeueEvent(ctx, id, s.now()); err != nil {
		return err
	}
	s.wakeDelivery()
	return nil
}

// wakeDelivery makes [Service.Run] deliver at once: events were stored.
func (s *Service) wakeDelivery() {
	select {
	case s.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// Run delivers events, reconciles and prunes, until ctx ends; then it
// returns nil. Delivery ([Service.DeliverEvents]) runs as soon as this
// Service stores an event, and every [DeliveryOptions] Poll for events
// stored by other replicas and retries coming due. Reconciliation
// ([Service.Reconcile]) runs at start and every SweepInterval; pruning of
// delivered events and webhook records older than Retention runs at start
// and hourly. Store and gateway errors are logged and retried at the next
// round. Every replica may run it. A Service runs one Run at a time: a
// second concurrent call returns an error at once.
func (s *Service) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("payments: Service.Run is already running")
	}
	defer s.running.Store(false)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		s.deliverLoop(ctx)
	}()
	go func() {
		defer wg.Done()
		s.sweepLoop(ctx)
	}()
	wg.Wait()
	return nil
}

func (s *Service) deliverLoop(ctx context.Context) {
	poll := time.NewTicker(s.delivery.Poll)
	defer poll.Stop()
	for {
		if _, err := s.DeliverEvents(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "payments: event delivery", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-poll.C:
		}
	}
}

func (s *Service) sweepLoop(ctx context.Context) {
	sweep := time.NewTicker(s.delivery.SweepInterval)
	defer sweep.Stop()
	var pruned time.Time
	for {
		s.sweep(ctx)
		if now := s.now(); pruned.IsZero() || now.Sub(pruned) >= pruneEvery {
			s.prune(ctx)
			pruned = now
		}
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
		}
	}
}

// sweep reconciles; while a run visits as many payments as it may and
// changes some, it runs again, up to ten runs.
func (s *Service) sweep(ctx context.Context) {
	const limit = 100
	for range 10 {
		rep, err := s.Reconcile(ctx, &ReconcileOptions{Limit: limit})
		if err != nil {
			if ctx.Err() == nil {
				s.log.WarnContext(ctx, "payments: reconcile", "error", err)
			}
			return
		}
		for _, e := range rep.Errors {
			s.log.WarnContext(ctx, "payments: reconcile left a payment unsettled", "order", e.OrderNumber, "code", Code(e.Err), "error", e.Err)
		}
		if rep.Visited < limit || len(rep.Changes) == 0 {
			return
		}
	}
}

// prune deletes delivered events and webhook records older than the
// retention.
func (s *Service) prune(ctx context.Context) {
	n, err := s.store.PruneEvents(ctx, s.now().Add(-s.delivery.Retention))
	if err != nil {
		if ctx.Err() == nil {
			s.log.WarnContext(ctx, "payments: prune events", "error", err)
		}
		return
	}
	if n > 0 {
		s.log.InfoContext(ctx, "payments: pruned delivered events and webhook records", "deleted", n)
	}
}
