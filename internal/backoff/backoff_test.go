package backoff

import (
	"context"
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	const s = time.Second
	tests := []struct {
		name     string
		attempt  int
		min, max time.Duration
		want     time.Duration
	}{
		{"first", 0, s, time.Minute, s},
		{"doubles", 3, s, time.Minute, 8 * s},
		{"capped", 6, s, time.Minute, time.Minute},
		{"stays capped", 1000, s, time.Minute, time.Minute},
		{"min above max", 0, 2 * time.Minute, time.Minute, time.Minute},
		{"zero min", 5, 0, time.Minute, 0},
		// The schedules ticketd uses.
		{"outbox letter, 1st retry", 0, 30 * s, time.Hour, 30 * s},
		{"outbox letter, 7th retry", 6, 30 * s, time.Hour, 32 * time.Minute},
		{"outbox letter, 8th retry", 7, 30 * s, time.Hour, time.Hour},
		{"outbox, 1st failure", 1, s, time.Minute, 2 * s},
		{"outbox, 5th failure", 5, s, time.Minute, 32 * s},
		{"outbox, 6th failure", 6, s, time.Minute, time.Minute},
		{"recorder, 4th retry", 3, 100 * time.Millisecond, 5 * s, 800 * time.Millisecond},
		{"recorder, 7th retry", 6, 100 * time.Millisecond, 5 * s, 5 * s},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Delay(tt.attempt, tt.min, tt.max); got != tt.want {
				t.Errorf("Delay(%d, %v, %v) = %v, want %v", tt.attempt, tt.min, tt.max, got, tt.want)
			}
		})
	}
}

func TestNextAndReset(t *testing.T) {
	b := New(time.Second, 5*time.Minute)
	want := []time.Duration{1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300}
	for i, w := range want {
		if got := b.Next(); got != w*time.Second {
			t.Fatalf("Next() #%d = %v, want %v", i+1, got, w*time.Second)
		}
	}
	b.Reset()
	if got := b.Next(); got != time.Second {
		t.Errorf("Next() after Reset = %v, want 1s", got)
	}
}

func TestJitter(t *testing.T) {
	tests := []struct {
		name string
		d    time.Duration
		draw func(n int64) int64
		want time.Duration
	}{
		{"least draw", 10 * time.Second, func(int64) int64 { return 0 }, 10 * time.Second},
		{"greatest draw", 10 * time.Second, func(n int64) int64 { return n - 1 }, 8 * time.Second},
		{"zero", 0, func(n int64) int64 { return n - 1 }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := jitter(tt.d, tt.draw); got != tt.want {
				t.Errorf("jitter(%v) = %v, want %v", tt.d, got, tt.want)
			}
		})
	}
}

// TestNextJitterBounds checks that a jittered wait stays within a fifth
// below the wait without jitter.
func TestNextJitterBounds(t *testing.T) {
	b := New(time.Second, time.Minute)
	b.Jitter = true
	for i := range 100 {
		want := Delay(i, time.Second, time.Minute)
		if got := b.Next(); got > want || got < want-want/5 {
			t.Fatalf("Next() #%d = %v, want within [%v, %v]", i+1, got, want-want/5, want)
		}
	}
}

func TestSleep(t *testing.T) {
	if !Sleep(context.Background(), time.Millisecond) {
		t.Error("Sleep(1ms) = false, want true")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Sleep(ctx, time.Hour) {
		t.Error("Sleep with a done context = true, want false")
	}
}
