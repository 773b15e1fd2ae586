package replies

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ticketd/ticketd/store"
)

// The store the outbox is wired with is a Queue.
var _ Queue = (*store.DB)(nil)

// attempts is a Queue that writes down what the outbox recorded.
type attempts struct {
	postponed, given []string
	next             time.Time
}

func (a *attempts) DueDeliveries(context.Context, time.Time, int) ([]store.Delivery, error) {
	return nil, nil
}
func (a *attempts) NextDelivery(context.Context) (time.Time, bool, error) {
	return time.Time{}, false, nil
}
func (a *attempts) MarkAllSent(context.Context, []store.Delivery, time.Time) error {
	return nil
}
func (a *attempts) Postpone(_ context.Context, d store.Delivery, reason string, next time.Time) error {
	a.postponed, a.next = append(a.postponed, d.MessageID+": "+reason), next
	return nil
}
func (a *attempts) GiveUp(_ context.Context, d store.Delivery, reason string) error {
	a.given = append(a.given, d.MessageID+": "+reason)
	return nil
}

// TestFailPostponesOrGivesUp checks what the outbox records of a failed
// attempt: a passing failure is retried later, a refusal or the last
// attempt is given up.
func TestFailPostponesOrGivesUp(t *testing.T) {
	busy := errors.New("421 busy")
	refused := &PermanentError{Err: errors.New("550 no such user")}
	tests := []struct {
		name       string
		attempts   int
		cause      error
		wantGiveUp bool
	}{
		{"first failure", 0, busy, false},
		{"a later failure", 5, busy, false},
		{"refused for good", 0, refused, true},
		{"the last attempt", 2, busy, true},
	}
	for _, tt := range tests {
		q := &attempts{}
		o := NewOutbox(q, nil, quiet())
		o.MinDelay, o.MaxDelay, o.MaxAttempts = time.Second, time.Minute, 3
		if tt.attempts == 5 {
			o.MaxAttempts = 0 // the default, 48
		}
		d := store.Delivery{MessageID: "m@ticketd", Attempts: tt.attempts}
		start := time.Now()
		if err := o.fail(context.Background(), d, tt.cause); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := fmt.Sprint(len(q.given) == 1, len(q.postponed) == 1)
		if want := fmt.Sprint(tt.wantGiveUp, !tt.wantGiveUp); got != want {
			t.Errorf("%s: given up, postponed = %s; want %s", tt.name, got, want)
		}
		if !tt.wantGiveUp {
			wait := q.next.Sub(start)
			full := min(time.Second<<tt.attempts, time.Minute)
			if wait < full*4/5-time.Millisecond || wait > full+time.Second {
				t.Errorf("%s: next attempt in %v, want about %v", tt.name, wait, full)
			}
		}
	}
}
