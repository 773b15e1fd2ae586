package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketd/ticketd/store"
)

// growingChain is a chain one event longer at each read; it fails the
// reads listed in fail.
type growingChain struct {
	mu    sync.Mutex
	reads int
	fail  map[int]bool
}

func (c *growingChain) ChainHead(context.Context) (store.Head, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	if c.fail[c.reads] {
		return store.Head{}, errors.New("database is locked")
	}
	return store.Head{Count: int64(c.reads), Hash: bytes.Repeat([]byte{byte(c.reads)}, 32)}, nil
}

// TestHeadLogLogsAtStartEveryIntervalAndAtStop runs a HeadLog with a
// short interval: a head at start, more each interval, a warning for a
// failed read, and the last head when it stops.
func TestHeadLogLogsAtStartEveryIntervalAndAtStop(t *testing.T) {
	var buf bytes.Buffer
	chain := &growingChain{fail: map[int]bool{2: true}}
	h := &HeadLog{Chain: chain, Interval: 20 * time.Millisecond, Log: slog.New(slog.NewTextHandler(&buf, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		chain.mu.Lock()
		reads := chain.reads
		chain.mu.Unlock()
		if reads >= 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v, want nil when its context ends", err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) < 5 {
		t.Fatalf("HeadLog logged %d lines, want at least 5:\n%s", len(lines), buf.String())
	}
	first := `msg="event chain head" head=1:` + strings.Repeat("01", 32)
	if !strings.Contains(lines[0], first) {
		t.Errorf("first line %q, want the head at start: %s", lines[0], first)
	}
	if !strings.Contains(lines[1], "level=WARN") || !strings.Contains(lines[1], "database is locked") {
		t.Errorf("second line %q, want a warning for the failed read", lines[1])
	}
	if !strings.Contains(lines[2], "head=3:") {
		t.Errorf("third line %q, want the head after another interval", lines[2])
	}
	chain.mu.Lock()
	reads := chain.reads
	chain.mu.Unlock()
	if last, want := lines[len(lines)-1], fmt.Sprintf("head=%d:", reads); !strings.Contains(last, want) {
		t.Errorf("last line %q, want the head read when it stopped, %s", last, want)
	}
}
