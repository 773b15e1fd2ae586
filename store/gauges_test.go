package store

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestOutboxStats(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	now := t0
	db.SetClock(func() time.Time { return now })
	if s, err := db.OutboxStats(ctx); err != nil || s.Depth != 0 || !s.Oldest.IsZero() {
		t.Fatalf("OutboxStats(empty) = %+v, %v; want 0 and zero time", s, err)
	}
	for i, mid := range []string{"a@x", "b@x", "c@x"} {
		now = t0.Add(time.Duration(i) * time.Minute)
		if _, err := db.Ingest(ctx, inbound(mid, "raw "+mid, uint32(i+1)), ack); err != nil {
			t.Fatal(err)
		}
	}
	due, err := db.DueDeliveries(ctx, now.Add(time.Hour), 10)
	if err != nil || len(due) != 3 {
		t.Fatalf("DueDeliveries = %d, %v; want 3", len(due), err)
	}
	// The oldest is sent, the second given up: one letter waits, queued at t0+2m.
	if err := db.MarkSent(ctx, due[0], now); err != nil {
		t.Fatal(err)
	}
	if err := db.GiveUp(ctx, due[1], "550 no such user"); err != nil {
		t.Fatal(err)
	}
	s, err := db.OutboxStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (OutboxStats{Depth: 1, Oldest: t0.Add(2 * time.Minute)}); s.Depth != want.Depth || !s.Oldest.Equal(want.Oldest) {
		t.Errorf("OutboxStats = %+v, want %+v", s, want)
	}
}

func TestTicketsByPriority(t *testing.T) {
	ctx := context.Background()
	w := newWatchWorld(t)
	w.file(PriorityHigh, StatusNew)       // overdue at +13h
	w.file(PriorityNormal, StatusNew)     // due at +24h
	w.file(PriorityNormal, StatusWaiting) // open, waits for nobody at our end
	w.file(PriorityNormal, StatusClosed)  // not open
	w.at(time.Hour)
	w.file(PriorityHigh, StatusInProgress) // due at +13h: overdue at +13h
	now := w.at(13 * time.Hour)

	open, err := w.db.OpenByPriority(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if open[PriorityHigh] != 2 || open[PriorityNormal] != 2 {
		t.Errorf("OpenByPriority = %v, want high 2, normal 2", open)
	}
	overdue, err := w.db.OverdueByPriority(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if overdue[PriorityHigh] != 2 || overdue[PriorityNormal] != 0 {
		t.Errorf("OverdueByPriority(+13h) = %v, want high 2, normal 0", overdue)
	}
	if _, ok := overdue[PriorityNormal]; !ok {
		t.Errorf("OverdueByPriority = %v: every priority must be in the map", overdue)
	}
}

func TestObserve(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	var mu sync.Mutex
	seen := map[string]int{}
	db.Observe = func(op string, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		seen[op]++
	}
	if _, err := db.Ingest(ctx, inbound("a@x", "raw", 1), ack); err != nil {
		t.Fatal(err)
	}
	if _, err := db.OutboxStats(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Ingest(ctx, inbound("b@x", "raw b", 2), nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, op := range []string{OpExec, OpQuery, OpTx, OpCommit} {
		if seen[op] == 0 {
			t.Errorf("Observe saw %v; want %q too", seen, op)
		}
	}
	if len(seen) != 4 {
		t.Errorf("Observe saw ops %v; want only exec, query, tx and commit", seen)
	}
}
