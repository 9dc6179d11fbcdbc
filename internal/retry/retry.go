// Package retry runs an operation again after failures that are safe to
// retry, with exponential backoff and full jitter, honouring the context
// and a server's Retry-After.
package retry

import (
	"context"
	"math/rand/v2"
	"time"
)

// Policy says how often and how patiently to retry.
type Policy struct {
	// Attempts is the total number of tries, the first included; values
	// below 1 mean 1.
	Attempts int
	// Base is the backoff before the second try; it doubles each time,
	// up to Max.
	Base time.Duration
	Max  time.Duration
}

// Default is three tries, 200ms then 400ms of (jittered) backoff, capped
// at 2s.
var Default = Policy{Attempts: 3, Base: 200 * time.Millisecond, Max: 2 * time.Second}

// Decision is what the classifier says about one failure.
type Decision struct {
	// Retry reports that the operation may safely run again (the same
	// idempotency key, or nothing happened).
	Retry bool
	// After, when positive, is the least time to wait (Retry-After).
	After time.Duration
}

// Do runs op until it succeeds, classify says a failure is not
// retryable, the tries run out, or ctx ends. It returns op's last error
// (or ctx's error when ctx ended while waiting). op receives the try
// number, from 1.
func Do(ctx context.Context, p Policy, classify func(error) Decision, op func(ctx context.Context, try int) error) error {
	tries := max(p.Attempts, 1)
	var err error
	for try := 1; ; try++ {
		err = op(ctx, try)
		if err == nil || try >= tries {
			return err
		}
		d := classify(err)
		if !d.Retry {
			return err
		}
		wait := Backoff(p, try)
		if d.After > wait {
			wait = d.After
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return err // no time left for another try
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// Backoff returns the jittered wait after try number try (from 1): a
// random duration in [d/2, d], d = Base·2^(try-1) capped at Max.
func Backoff(p Policy, try int) time.Duration {
	d := p.Base
	for i := 1; i < try && d < p.Max; i++ {
		d *= 2
	}
	if p.Max > 0 && d > p.Max {
		d = p.Max
	}
	if d <= 0 {
		return 0
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(d-half)+1))
}
