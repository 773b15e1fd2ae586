package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
)

// The store is what the watch needs.
var _ Deadlines = (*store.DB)(nil)
var _ Notifier = (*replies.Notifier)(nil)

// countingWaker counts its wake-ups.
type countingWaker struct{ n atomic.Int32 }

func (c *countingWaker) Wake() { c.n.Add(1) }

// watchRig is a store and a Watch over it sharing a clock the test moves:
// t0 is 08:00 in Moscow, an hour before the daily summary.
type watchRig struct {
	t     *testing.T
	db    *store.DB
	w     *Watch
	log   *bytes.Buffer
	waker *countingWaker
	t0    time.Time
	now   time.Time
	n     int
}

func newWatchRig(t *testing.T) *watchRig {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "ticketd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	moscow, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	r := &watchRig{t: t, db: db, log: &bytes.Buffer{}, waker: &countingWaker{}, t0: time.Date(2026, 12, 3, 5, 0, 0, 0, time.UTC)}
	r.now = r.t0
	db.SetClock(func() time.Time { return r.now })
	r.w = r.watch(moscow)
	return r
}

// watch is a Watch over the rig's store and clock, as a new start of the
// daemon makes one.
func (r *watchRig) watch(loc *time.Location) *Watch {
	return &Watch{
		Store: r.db,
		Notifier: &replies.Notifier{From: mail.Address{Address: "support@example.gov"}, Location: loc,
			To: []mail.Address{{Address: "boss@example.gov"}, {Address: "duty@example.gov"}}},
		Immediate: true, Daily: true, DailyAt: 9 * time.Hour, Location: loc,
		Notices: r.waker, Now: func() time.Time { return r.now }, Log: slog.New(slog.NewTextHandler(r.log, nil)),
	}
}

// file files a citizen's letter arriving now as the daemon does, its
// deadline its arrival plus window.
func (r *watchRig) file(p store.Priority, window time.Duration) store.Ticket {
	r.t.Helper()
	r.n++
	res, err := r.db.Ingest(context.Background(), store.Inbound{
		MessageID: fmt.Sprintf("m%d@citizen", r.n), Raw: []byte(fmt.Sprint("letter ", r.n)), FromAddress: "ivan.petrov@example.ru",
		Ticket: store.Ticket{Subject: "Не могу войти", CitizenName: "Иванов Иван", CitizenAddress: "ivan.petrov@example.ru",
			Priority: p, StartedAt: r.now, DueAt: r.now.Add(window)},
	}, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	return res.Ticket
}

// look moves the clock to t0+d and has the watch look once.
func (r *watchRig) look(d time.Duration) {
	r.t.Helper()
	r.now = r.t0.Add(d)
	if err := r.w.Once(context.Background()); err != nil {
		r.t.Fatalf("Once at t0+%v: %v", d, err)
	}
}

// notices are the keys and recipients of the notices queued so far.
func (r *watchRig) notices() string {
	r.t.Helper()
	ns, err := r.db.NoticesUnder(context.Background(), "")
	if err != nil {
		r.t.Fatal(err)
	}
	var out []string
	for _, n := range ns {
		out = append(out, n.Key+" "+n.To)
	}
	return strings.Join(out, "\n")
}

func (r *watchRig) overdueEvents(tk store.Ticket) int {
	r.t.Helper()
	evs, err := r.db.Events(context.Background(), tk.ID)
	if err != nil {
		r.t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Action == "ticket.overdue" {
			n++
		}
	}
	return n
}

// TestWatchReportsEachDeadlineOnce drives the watch through two days with
// a fake clock: each deadline is reported once, with a log line, an event
// and an immediate letter to each address, and each day's summary is
// queued once at 09:00 Moscow time, a restart of the daemon included.
func TestWatchReportsEachDeadlineOnce(t *testing.T) {
	r := newWatchRig(t)
	urgent := r.file(store.PriorityHigh, 12*time.Hour) // due 17:00 UTC
	normal := r.file(store.PriorityNormal, 24*time.Hour)

	r.look(59 * time.Minute) // 08:59 in Moscow
	if got := r.notices(); got != "" || r.waker.n.Load() != 0 {
		t.Fatalf("notices before 09:00 and before any deadline:\n%s", got)
	}
	r.look(time.Hour) // 09:00
	if got, want := r.notices(), "daily:2026-12-03 boss@example.gov\ndaily:2026-12-03 duty@example.gov"; got != want {
		t.Fatalf("notices at 09:00:\n%s\nwant\n%s", got, want)
	}
	if r.waker.n.Load() != 1 {
		t.Errorf("the outbox of notices was woken %d times, want once", r.waker.n.Load())
	}
	r.look(2 * time.Hour)
	r.w = r.watch(r.w.Location) // a restart: the summary is in the store
	r.look(3 * time.Hour)
	if got := strings.Count(r.notices(), "daily:"); got != 2 {
		t.Errorf("%d daily letters after another look and a restart, want the 2 of 09:00", got)
	}

	r.look(12 * time.Hour)
	overdue := fmt.Sprintf("overdue:%d", r.now.UnixMilli())
	if got := r.notices(); !strings.HasSuffix(got, overdue+" boss@example.gov\n"+overdue+" duty@example.gov") {
		t.Errorf("notices once %s is overdue:\n%s", urgent.Number, got)
	}
	if !strings.Contains(r.log.String(), "level=WARN msg=\"ticket overdue\" ticket="+urgent.Number+" priority=high due=2026-12-03T17:00:00Z late=0s") {
		t.Errorf("log lacks the overdue line of %s:\n%s", urgent.Number, r.log)
	}
	r.look(12*time.Hour + time.Minute)
	r.w = r.watch(r.w.Location)
	r.look(13 * time.Hour)
	if n := r.overdueEvents(urgent); n != 1 {
		t.Errorf("%s has %d ticket.overdue events, want 1", urgent.Number, n)
	}
	if got := strings.Count(r.log.String(), "ticket overdue"); got != 1 {
		t.Errorf("%d overdue log lines, want 1:\n%s", got, r.log)
	}

	r.look(25 * time.Hour) // 09:00 the next day; normal has been due since 08:00
	if n := r.overdueEvents(normal); n != 1 {
		t.Errorf("%s has %d ticket.overdue events, want 1", normal.Number, n)
	}
	for _, want := range []string{"daily:2026-12-04 boss@example.gov", fmt.Sprintf("overdue:%d duty@example.gov", r.now.UnixMilli())} {
		if !strings.Contains(r.notices(), want) {
			t.Errorf("notices on the second day lack %q:\n%s", want, r.notices())
		}
	}
	if got := strings.Count(r.notices(), "\n") + 1; got != 8 {
		t.Errorf("%d notices in all, want 8 (2 addresses × 2 summaries and 2 overdue letters):\n%s", got, r.notices())
	}
	due, err := r.db.Notices().DueDeliveries(context.Background(), r.now, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range due {
		for _, pd := range []string{"ivan.petrov", "Иванов", "Не могу войти"} {
			if bytes.Contains(d.Raw, []byte(pd)) {
				t.Errorf("notice %s to %s holds %q", d.MessageID, d.EnvelopeTo, pd)
			}
		}
	}
	for _, pd := range []string{"ivan.petrov", "Иванов", "Не могу войти"} {
		if strings.Contains(r.log.String(), pd) {
			t.Errorf("the log holds %q:\n%s", pd, r.log)
		}
	}
}

// TestWatchWithoutLetters: without Immediate, Daily or a Notifier the
// watch still reports each deadline once, in the events and the log, and
// queues nothing.
func TestWatchWithoutLetters(t *testing.T) {
	for _, tt := range []struct {
		name string
		set  func(w *Watch)
	}{
		{"neither", func(w *Watch) { w.Immediate, w.Daily = false, false }},
		{"no notifier", func(w *Watch) { w.Notifier = nil }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newWatchRig(t)
			tt.set(r.w)
			tk := r.file(store.PriorityHigh, time.Hour)
			r.look(2 * time.Hour)
			r.look(26 * time.Hour)
			if got := r.notices(); got != "" || r.waker.n.Load() != 0 {
				t.Errorf("notices queued:\n%s", got)
			}
			if n := r.overdueEvents(tk); n != 1 || strings.Count(r.log.String(), "ticket overdue") != 1 {
				t.Errorf("%d events, log:\n%s; want one of each", n, r.log)
			}
		})
	}
}

// failingStore fails at the first call of a look; the rest of the store
// is never reached.
type failingStore struct {
	*store.DB
	calls atomic.Int32
}

func (f *failingStore) MarkOverdue(context.Context, time.Time, int, store.NoticeFunc) ([]store.Deadline, error) {
	f.calls.Add(1)
	return nil, errors.New("store: database is locked")
}

// TestWatchRunRetriesAndStops: a look that fails is logged and tried
// again at the next interval; Run ends with its context.
func TestWatchRunRetriesAndStops(t *testing.T) {
	var log bytes.Buffer
	f := &failingStore{}
	w := &Watch{Store: f, Interval: 20 * time.Millisecond, Log: slog.New(slog.NewTextHandler(&log, nil))}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := w.Run(ctx); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("Run took %v to stop", took)
	}
	if n := f.calls.Load(); n < 2 {
		t.Errorf("%d looks, want a retry after the first failed", n)
	}
	if !strings.Contains(log.String(), `msg="deadline watch failed; trying again"`) {
		t.Errorf("log:\n%s", log.String())
	}
}
