package daemon

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// tally is an Observer that counts what it is told.
type tally struct {
	mu     sync.Mutex
	counts map[string]int // "fetched INBOX", "filed INBOX", ...
	reads  map[string]time.Time
}

func newTally() *tally { return &tally{counts: map[string]int{}, reads: map[string]time.Time{}} }

func (t *tally) add(what string, n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.counts[what] += n
}

func (t *tally) Fetched(mailbox string, n int) { t.add("fetched "+mailbox, n) }
func (t *tally) Filed(mailbox string)          { t.add("filed "+mailbox, 1) }
func (t *tally) Refused(mailbox string)        { t.add("refused "+mailbox, 1) }
func (t *tally) FetchFailed(mailbox string)    { t.add("failed "+mailbox, 1) }
func (t *tally) Queued(n int)                  { t.add("queued", n) }
func (t *tally) Read(mailbox string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.reads[mailbox] = at
}

func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fmt.Sprint(t.counts)
}

func TestObserverCounts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	obs := newTally()
	f.d.Observer = obs
	f.d.MaxSize = 4096
	f.imap.Append("INBOX", letter("a@example.ru", "Вопрос", "a@x", "Как получить справку?"))
	f.imap.Append("INBOX", letter("b@example.ru", "Вопрос", "b@x", "Как получить справку?"))
	f.imap.Append("INBOX", letter("big@example.ru", "Скриншоты", "big@x", strings.Repeat("много текста ", 2000)))
	before := time.Now()
	if n, err := f.d.Poll(ctx); err != nil || n != 3 {
		t.Fatalf("Poll = %d, %v; want 3", n, err)
	}
	want := map[string]int{"fetched INBOX": 3, "filed INBOX": 3, "refused INBOX": 1, "queued": 3}
	for k, v := range want {
		if got := obs.counts[k]; got != v {
			t.Errorf("Observer %s = %d, want %d (all: %v)", k, got, v, obs)
		}
	}
	if at := obs.reads["INBOX"]; at.Before(before) {
		t.Errorf("Observer Read(INBOX) = %v, want after %v", at, before)
	}

	f.d.Mailbox.Password = "wrong"
	if _, err := f.d.Poll(ctx); err == nil {
		t.Fatal("Poll with a wrong password succeeded")
	}
	if got := obs.counts["failed INBOX"]; got != 1 {
		t.Errorf("Observer FetchFailed after a refused login = %d, want 1", got)
	}
}

func TestNilObserver(t *testing.T) {
	f := newFixture(t)
	f.imap.Append("INBOX", letter("a@example.ru", "Вопрос", "a@x", "Текст"))
	if _, err := f.d.Poll(context.Background()); err != nil {
		t.Fatalf("Poll without an Observer = %v", err)
	}
}
