package attachments

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketd/ticketd/mailparse"
)

func TestGateBoundsBytesAtOnce(t *testing.T) {
	g := NewGate(100)
	var held, peak atomic.Int64
	var wg sync.WaitGroup
	for _, n := range []int64{60, 60, 30, 30, 1000, 10} {
		wg.Go(func() {
			leave, err := g.enter(context.Background(), n)
			if err != nil {
				t.Error(err)
				return
			}
			now := held.Add(min(n, 100))
			for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
			}
			time.Sleep(5 * time.Millisecond)
			held.Add(-min(n, 100))
			leave()
		})
	}
	wg.Wait()
	if p := peak.Load(); p > 100 {
		t.Errorf("a gate of 100 bytes let %d bytes through at once", p)
	}
}

func TestCheckWaitsAtGate(t *testing.T) {
	g := NewGate(1 << 20)
	leave, err := g.enter(context.Background(), 1<<20) // someone else's image fills the gate
	if err != nil {
		t.Fatal(err)
	}
	body := slowPNG(t, 64, 64)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	v := Check(ctx, mailparse.Part{Filename: "s.png", Body: body}, Policy{Gate: g})
	if v.Reason != ReasonBudgetExceeded {
		t.Errorf("Check behind a full gate = %s, want %s", v.Reason, ReasonBudgetExceeded)
	}
	leave()
	if v := Check(context.Background(), mailparse.Part{Filename: "s.png", Body: body}, Policy{Gate: g}); !v.Accepted {
		t.Errorf("Check through an open gate = %s (%s), want accepted", v.Reason, v.Detail)
	}
}
