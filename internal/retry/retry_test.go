package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

var errTemp = errors.New("temporary")
var errPerm = errors.New("permanent")

func classify(err error) Decision { return Decision{Retry: errors.Is(err, errTemp)} }

func TestDo(t *testing.T) {
	p := Policy{Attempts: 4, Base: time.Millisecond, Max: 4 * time.Millisecond}
	tests := []struct {
		name      string
		failures  []error
		wantTries int
		wantErr   error
	}{
		{"success first", nil, 1, nil},
		{"temporary then success", []error{errTemp, errTemp}, 3, nil},
		{"permanent stops", []error{errPerm}, 1, errPerm},
		{"temporary exhausts tries", []error{errTemp, errTemp, errTemp, errTemp, errTemp}, 4, errTemp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tries := 0
			err := Do(t.Context(), p, classify, func(_ context.Context, try int) error {
				tries++
				if try != tries {
					t.Errorf("try = %d, want %d", try, tries)
				}
				if tries <= len(tt.failures) {
					return tt.failures[tries-1]
				}
				return nil
			})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if tries != tt.wantTries {
				t.Errorf("tries = %d, want %d", tries, tt.wantTries)
			}
		})
	}
}

func TestDoStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	tries := 0
	err := Do(ctx, Policy{Attempts: 10, Base: time.Hour, Max: time.Hour}, classify, func(context.Context, int) error {
		tries++
		cancel()
		return errTemp
	})
	if tries != 1 || !errors.Is(err, errTemp) {
		t.Fatalf("tries = %d, err = %v; want 1 try and the op's error", tries, err)
	}
}

func TestDoGivesUpWhenDeadlineTooClose(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	tries := 0
	start := time.Now()
	_ = Do(ctx, Policy{Attempts: 5, Base: time.Second, Max: time.Second}, classify, func(context.Context, int) error {
		tries++
		return errTemp
	})
	if tries != 1 || time.Since(start) > time.Second/2 {
		t.Fatalf("tries = %d after %v; want 1 try and an early return", tries, time.Since(start))
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	var stamps []time.Time
	_ = Do(t.Context(), Policy{Attempts: 2, Base: time.Microsecond, Max: time.Microsecond},
		func(error) Decision { return Decision{Retry: true, After: 30 * time.Millisecond} },
		func(context.Context, int) error {
			stamps = append(stamps, time.Now())
			return errTemp
		})
	if len(stamps) != 2 || stamps[1].Sub(stamps[0]) < 30*time.Millisecond {
		t.Fatalf("second try came %v after the first, want at least 30ms", stamps[1].Sub(stamps[0]))
	}
}

func TestBackoffBounds(t *testing.T) {
	p := Policy{Base: 100 * time.Millisecond, Max: time.Second}
	for try, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 5: time.Second, 30: time.Second} {
		for range 50 {
			got := Backoff(p, try)
			if got < want/2 || got > want {
				t.Fatalf("Backoff(try %d) = %v, want in [%v, %v]", try, got, want/2, want)
			}
		}
	}
}
