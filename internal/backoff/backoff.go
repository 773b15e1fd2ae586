// Package backoff spaces out the tries of something that keeps failing: the
// wait doubles from a minimum up to a maximum, may be shortened at random so
// that clients that failed together do not all try again together, and
// starts over after a success.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is the wait before each next try. It is not safe for concurrent
// use.
type Backoff struct {
	min, max time.Duration
	attempt  int

	// Jitter, when set, takes up to a fifth off each wait at random.
	Jitter bool
}

// New returns a Backoff whose first wait is min, doubling up to max.
func New(min, max time.Duration) *Backoff { return &Backoff{min: min, max: max} }

// Next returns the wait before the next try: min the first time, then
// double the last wait, up to max.
func (b *Backoff) Next() time.Duration {
	d := Delay(b.attempt, b.min, b.max)
	b.attempt++
	if b.Jitter {
		d = Jitter(d)
	}
	return d
}

// Reset starts over from min, after a success.
func (b *Backoff) Reset() { b.attempt = 0 }

// Delay returns the wait after the failure of try attempt, counted from 0,
// when the first wait is min and each next one is double: min<<attempt, at
// most max. It is pure, for a schedule kept elsewhere, such as in a database.
func Delay(attempt int, min, max time.Duration) time.Duration {
	d := min
	for i := 0; i < attempt && 0 < d && d < max; i++ {
		d *= 2
	}
	if d > max {
		return max
	}
	return d
}

// Jitter returns d less up to a fifth of it, at random.
func Jitter(d time.Duration) time.Duration { return jitter(d, rand.Int64N) }

// jitter is Jitter with the random source randN, which returns a number
// in [0, n).
func jitter(d time.Duration, randN func(n int64) int64) time.Duration {
	return d - time.Duration(randN(int64(d)/5+1))
}

// Sleep waits for d or until ctx is done; it reports whether the full time
// passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
