package daemon

import (
	"context"
	"math/rand/v2"
	"time"
)

// backoff is the wait between reconnection attempts: it doubles from min to
// max with up to 20 % jitter, and starts over after a success.
type backoff struct {
	min, max time.Duration
	next     time.Duration
}

func newBackoff(min, max time.Duration) *backoff { return &backoff{min: min, max: max} }

// wait returns the next delay and doubles it.
func (b *backoff) wait() time.Duration {
	if b.next == 0 {
		b.next = b.min
	}
	d := b.next
	b.next = min(b.next*2, b.max)
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}

func (b *backoff) reset() { b.next = 0 }

// sleep waits for d or until ctx is done; it reports whether the full time
// passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
