package daemon

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketd/ticketd/store"
)

// countingPurger records the purges asked of it.
type countingPurger struct {
	mu     sync.Mutex
	calls  []store.PurgeOptions
	sweeps []time.Time
	err    error
}

func (p *countingPurger) SweepSpools(_ context.Context, olderThan time.Time) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sweeps = append(p.sweeps, olderThan)
	return 0, nil
}

func (p *countingPurger) swept() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.sweeps)
}

func (p *countingPurger) Purge(_ context.Context, opts store.PurgeOptions) (store.PurgeReport, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, opts)
	return store.PurgeReport{Tickets: []store.PurgedTicket{{Number: "TKT-000001", Letters: 2, Bytes: 100}}, Letters: 2,
		Bytes: 100, Checkpointed: true}, p.err
}

func (p *countingPurger) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.calls)
}

func keepAYear(string) (store.RetentionRule, bool) {
	return store.RetentionRule{Name: "retention.closed_for", Period: 365 * 24 * time.Hour}, true
}

func TestRetentionPurgesAtStartAndThenEveryInterval(t *testing.T) {
	var log bytes.Buffer
	p := &countingPurger{}
	r := &Retention{Store: p, Policy: keepAYear, Interval: 50 * time.Millisecond, Log: slog.New(slog.NewTextHandler(&log, nil))}
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Millisecond)
	defer cancel()
	if err := r.Run(ctx); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if n := p.count(); n < 3 || n > 5 {
		t.Errorf("%d purges in 180 ms every 50 ms, want one at start and about one each 50 ms", n)
	}
	if opts := p.calls[0]; opts.Actor != "daemon" || opts.DryRun || opts.Policy == nil {
		t.Errorf("purge asked with %+v", opts)
	}
	if !strings.Contains(log.String(), "tickets=1 letters=2 files=0 bytes=100") {
		t.Errorf("log lacks the counts:\n%s", log.String())
	}
}

func TestRetentionWithoutPolicyOnlySweeps(t *testing.T) {
	p := &countingPurger{}
	r := &Retention{Store: p, Interval: 50 * time.Millisecond, Log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := r.Run(ctx); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if p.count() != 0 {
		t.Errorf("Run without a policy purged %d times", p.count())
	}
	if p.swept() == 0 {
		t.Fatal("Run without a policy never swept spooled letters")
	}
	if age := start.Sub(p.sweeps[0]); age < spoolMaxAge-time.Second {
		t.Errorf("swept spools older than %v, want %v", age, spoolMaxAge)
	}
}

func TestRetentionLogsFailures(t *testing.T) {
	var log bytes.Buffer
	p := &countingPurger{err: errors.New("disk I/O error")}
	r := &Retention{Store: p, Policy: keepAYear, Log: slog.New(slog.NewTextHandler(&log, nil))}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := r.Run(ctx); err != nil {
		t.Fatalf("Run = %v, want nil: a failed purge is tried again", err)
	}
	if p.count() != 1 || !strings.Contains(log.String(), "retention purge failed") || !strings.Contains(log.String(), "retry_in=1h") {
		t.Errorf("%d purges; log:\n%s", p.count(), log.String())
	}
}
