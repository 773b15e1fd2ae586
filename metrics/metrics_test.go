package metrics

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ticketd/ticketd/daemon"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
)

// Metrics serves as both observers.
var (
	_ daemon.Observer  = (*Metrics)(nil)
	_ replies.Observer = (*Metrics)(nil)
)

func TestCountersMove(t *testing.T) {
	m := New(Options{Mailboxes: []string{"general", "access"}})
	var obs daemon.Observer = m
	obs.Fetched("general", 3)
	obs.Filed("general")
	obs.Filed("general")
	obs.Refused("general")
	obs.FetchFailed("access")
	obs.Queued(2)
	m.Sent(2)
	m.Failed(1)
	m.ObserveStore(store.OpTx, 3*time.Millisecond)

	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{"fetched general", testutil.ToFloat64(m.fetched.WithLabelValues("general")), 3},
		{"filed general", testutil.ToFloat64(m.filed.WithLabelValues("general")), 2},
		{"refused general", testutil.ToFloat64(m.refused.WithLabelValues("general")), 1},
		{"fetch errors access", testutil.ToFloat64(m.fetchErrors.WithLabelValues("access")), 1},
		{"fetch errors general", testutil.ToFloat64(m.fetchErrors.WithLabelValues("general")), 0},
		{"queued", testutil.ToFloat64(m.queued), 2},
		{"sent", testutil.ToFloat64(m.sent), 2},
		{"failed", testutil.ToFloat64(m.failed), 1},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	// The configured mailboxes are reported from 0, the histogram by op.
	want := `
# HELP ticketd_letters_filed_total Letters committed to the store as tickets or follow-ups.
# TYPE ticketd_letters_filed_total counter
ticketd_letters_filed_total{mailbox="access"} 0
ticketd_letters_filed_total{mailbox="general"} 2
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "ticketd_letters_filed_total"); err != nil {
		t.Error(err)
	}
	if n, err := testutil.GatherAndCount(m.Registry(), "ticketd_store_seconds"); err != nil || n != 1 {
		t.Errorf("ticketd_store_seconds series = %d, %v; want 1 (op tx)", n, err)
	}
	if n, err := testutil.GatherAndCount(m.Registry(), "go_goroutines", "process_start_time_seconds"); err != nil || n < 1 {
		t.Errorf("runtime and process collectors: %d series, %v; want them registered", n, err)
	}
}

// world is a real SQLite store with tickets and queued answers.
func world(t *testing.T, now time.Time) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := now.Add(-2 * time.Hour)
	db.SetClock(func() time.Time { return clock })
	file := func(i int, p store.Priority, due time.Time) {
		addr := fmt.Sprintf("c%d@example.ru", i)
		in := store.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: uint32(i), MessageID: fmt.Sprintf("m%d@x", i),
			Raw: []byte(fmt.Sprintf("raw %d", i)), FromAddress: addr,
			Ticket: store.Ticket{CitizenAddress: addr, Priority: p, StartedAt: clock, DueAt: due}}
		_, err := db.Ingest(ctx, in, func(tk store.Ticket, _ store.Situation) (*store.Outgoing, error) {
			return &store.Outgoing{MessageID: "ack-" + tk.Number, ToAddress: addr, EnvelopeTo: addr,
				EnvelopeFrom: "support@example.gov", Template: "ack", Auto: true, Raw: []byte("Subject: ok\r\n\r\nok\r\n")}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	file(1, store.PriorityHigh, now.Add(-time.Hour))   // overdue
	file(2, store.PriorityHigh, now.Add(time.Hour))    // open
	file(3, store.PriorityNormal, now.Add(-time.Hour)) // overdue
	clock = now.Add(-time.Hour)
	file(4, store.PriorityNormal, now.Add(10*time.Hour))
	return db
}

type fakeReads map[string]time.Time

func (f fakeReads) MailboxesRead(context.Context) (map[string]time.Time, error) { return f, nil }

func TestGaugesFromTheStore(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	db := world(t, now)
	m := New(Options{Store: db, Reads: fakeReads{"general": now.Add(-90 * time.Second)}, Now: func() time.Time { return now }})
	want := `
# HELP ticketd_mailbox_read_age_seconds Seconds since the mailbox was last read successfully.
# TYPE ticketd_mailbox_read_age_seconds gauge
ticketd_mailbox_read_age_seconds{mailbox="general"} 90
# HELP ticketd_outbox_depth Letters waiting in the outbox: neither sent nor given up.
# TYPE ticketd_outbox_depth gauge
ticketd_outbox_depth 4
# HELP ticketd_outbox_oldest_seconds Seconds the oldest letter waiting in the outbox has waited; 0 when none waits.
# TYPE ticketd_outbox_oldest_seconds gauge
ticketd_outbox_oldest_seconds 7200
# HELP ticketd_tickets_open Tickets in every status but closed.
# TYPE ticketd_tickets_open gauge
ticketd_tickets_open{priority="high"} 2
ticketd_tickets_open{priority="normal"} 2
# HELP ticketd_tickets_overdue Tickets waiting for our answer whose deadline has passed.
# TYPE ticketd_tickets_overdue gauge
ticketd_tickets_overdue{priority="high"} 1
ticketd_tickets_overdue{priority="normal"} 1
`
	names := []string{"ticketd_mailbox_read_age_seconds", "ticketd_outbox_depth", "ticketd_outbox_oldest_seconds",
		"ticketd_tickets_open", "ticketd_tickets_overdue"}
	if err := testutil.GatherAndCompare(m.Gatherer(context.Background()), strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
}

// failingStore fails every question.
type failingStore struct{}

var errDown = errors.New("store down")

func (failingStore) OutboxStats(context.Context) (store.OutboxStats, error) {
	return store.OutboxStats{}, errDown
}
func (failingStore) OpenByPriority(context.Context) (store.PriorityCounts, error) {
	return nil, errDown
}
func (failingStore) OverdueByPriority(context.Context, time.Time) (store.PriorityCounts, error) {
	return nil, errDown
}

func TestHandlerServesTheRestWhenTheStoreFails(t *testing.T) {
	m := New(Options{Store: failingStore{}})
	m.Filed("general")
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, `ticketd_letters_filed_total{mailbox="general"} 1`) {
		t.Errorf("GET /metrics with the store down = %d %q; want 200 with the counters", rec.Code, body)
	}
	if strings.Contains(body, "ticketd_outbox_depth") {
		t.Errorf("GET /metrics with the store down reports ticketd_outbox_depth")
	}
}

// slowStore waits for the context.
type slowStore struct{ failingStore }

func (slowStore) OutboxStats(ctx context.Context) (store.OutboxStats, error) {
	<-ctx.Done()
	return store.OutboxStats{}, ctx.Err()
}

func TestScrapeTimeout(t *testing.T) {
	m := New(Options{Store: slowStore{}, ScrapeTimeout: 50 * time.Millisecond})
	done := make(chan int, 1)
	go func() {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		done <- rec.Code
	}()
	select {
	case code := <-done:
		if code != http.StatusOK {
			t.Errorf("GET /metrics = %d, want 200 with what could be gathered", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a scrape waited for a slow store past ScrapeTimeout")
	}
}

func TestProtect(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	tests := []struct {
		name, token, auth string
		want              int
	}{
		{"no token configured", "", "", http.StatusOK},
		{"right token", "s3cret", "Bearer s3cret", http.StatusOK},
		{"no header", "s3cret", "", http.StatusForbidden},
		{"wrong token", "s3cret", "Bearer s3cre", http.StatusForbidden},
		{"basic scheme", "s3cret", "Basic s3cret", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/metrics", nil)
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			Protect(ok, tt.token).ServeHTTP(rec, r)
			if rec.Code != tt.want {
				t.Errorf("Protect(token %q) with %q = %d, want %d", tt.token, tt.auth, rec.Code, tt.want)
			}
		})
	}
}
