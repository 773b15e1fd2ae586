package daemon

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// fakeLeases is one lease row in memory whose holder a test can change.
type fakeLeases struct {
	mu       sync.Mutex
	holder   string
	released int
}

func (f *fakeLeases) TakeLease(_ context.Context, _, holder string, _ time.Duration) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.holder == "" || f.holder == holder {
		f.holder = holder
		return true, nil
	}
	return false, nil
}

func (f *fakeLeases) ReleaseLease(_ context.Context, _, holder string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.holder == holder {
		f.holder = ""
		f.released++
	}
	return nil
}

func (f *fakeLeases) set(holder string) {
	f.mu.Lock()
	f.holder = holder
	f.mu.Unlock()
}

func TestLeaseStopsWorkWhenLost(t *testing.T) {
	store := &fakeLeases{holder: "other"}
	l := &Lease{Store: store, Name: "mailbox:general", Holder: "me", TTL: 30 * time.Millisecond, Renew: 10 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	started, stopped := make(chan struct{}, 10), make(chan struct{}, 10)
	work := func(ctx context.Context) error {
		started <- struct{}{}
		<-ctx.Done()
		stopped <- struct{}{}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx, work) }()
	wait := func(ch chan struct{}, what string) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(2 * time.Second):
			t.Fatalf("work never %s", what)
		}
	}
	select {
	case <-started:
		t.Fatal("work started while another held the lease")
	case <-time.After(50 * time.Millisecond):
	}
	store.set("")
	wait(started, "started once the lease was free")
	store.set("other") // taken over
	wait(stopped, "stopped when the lease was lost")
	store.set("")
	wait(started, "started again once the lease was free again")
	cancel()
	wait(stopped, "stopped at shutdown")
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	if store.released != 1 || store.holder != "" {
		t.Errorf("after shutdown: released %d times, holder %q; want released once", store.released, store.holder)
	}
}
