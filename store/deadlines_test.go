package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// watchWorld is a store whose clock the test moves, with the windows of
// the default [sla]: 24 hours, 12 for urgent tickets.
type watchWorld struct {
	t   *testing.T
	db  *DB
	t0  time.Time
	now time.Time
	uid uint32
}

func newWatchWorld(t *testing.T) *watchWorld {
	w := &watchWorld{t: t, db: openTest(t), t0: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	w.now = w.t0
	w.db.SetClock(func() time.Time { return w.now })
	w.db.Windows = Windows{Normal: 24 * time.Hour, High: 12 * time.Hour}
	return w
}

// at moves the clock to t0 + d.
func (w *watchWorld) at(d time.Duration) time.Time {
	w.now = w.t0.Add(d)
	return w.now
}

// letter is a citizen's letter arriving now, its deadline set as the
// daemon sets it: its arrival plus the window of its priority.
func (w *watchWorld) letter(p Priority) Inbound {
	w.uid++
	in := inbound(fmt.Sprintf("m%d@citizen", w.uid), fmt.Sprintf("raw %d", w.uid), w.uid)
	in.Ticket.Priority, in.Ticket.StartedAt, in.Ticket.DueAt = p, w.now, w.now.Add(w.db.Windows.Of(p))
	return in
}

// file files a new ticket of priority p now, in status s.
func (w *watchWorld) file(p Priority, s Status) Ticket {
	w.t.Helper()
	res, err := w.db.Ingest(context.Background(), w.letter(p), nil)
	if err != nil {
		w.t.Fatal(err)
	}
	if s != StatusNew {
		w.status(res.Ticket, s)
	}
	return w.ticket(res.Ticket)
}

func (w *watchWorld) status(tk Ticket, s Status) {
	w.t.Helper()
	if err := w.db.SetStatus(context.Background(), tk.Number, 0, s, "operator:anna"); err != nil {
		w.t.Fatal(err)
	}
}

func (w *watchWorld) ticket(tk Ticket) Ticket {
	w.t.Helper()
	return must(w.db.Ticket(context.Background(), tk.Number))
}

// mark marks what is overdue now, with no letters, and returns the
// numbers marked.
func (w *watchWorld) mark(limit int) string {
	w.t.Helper()
	ds, err := w.db.MarkOverdue(context.Background(), w.now, limit, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	return deadlineNumbers(ds)
}

func deadlineNumbers(ds []Deadline) string {
	var ns []string
	for _, d := range ds {
		ns = append(ns, d.Number)
	}
	return strings.Join(ns, " ")
}

// events are the actions and details of tk's events with action among
// actions.
func (w *watchWorld) events(tk Ticket, actions ...string) []string {
	w.t.Helper()
	var out []string
	for _, e := range must(w.db.Events(context.Background(), tk.ID)) {
		for _, a := range actions {
			if e.Action == a {
				out = append(out, e.Action+" "+e.Detail)
			}
		}
	}
	return out
}

// TestDeadlines: the tickets waiting for our answer are due soon from a
// fifth of their window before their deadline, then overdue; the others
// are never listed; the most late come first.
func TestDeadlines(t *testing.T) {
	w := newWatchWorld(t)
	ctx := context.Background()
	a := w.file(PriorityNormal, StatusNew) // due t0+24h, soon from t0+19h12m
	w.file(PriorityNormal, StatusWaiting)
	w.file(PriorityNormal, StatusAnswered)
	w.file(PriorityNormal, StatusClosed)
	d := w.file(PriorityNormal, StatusInProgress) // as a
	w.at(time.Hour)
	b := w.file(PriorityHigh, StatusNew) // due t0+13h, soon from t0+10h36m
	for _, tt := range []struct {
		at     time.Duration
		want   string
		counts DeadlineCounts
	}{
		{10 * time.Hour, "", DeadlineCounts{}},
		{10*time.Hour + 36*time.Minute, b.Number, DeadlineCounts{DueSoon: 1}},
		{12 * time.Hour, b.Number, DeadlineCounts{DueSoon: 1}},
		{19 * time.Hour, b.Number, DeadlineCounts{Overdue: 1}},
		{20 * time.Hour, b.Number + " " + a.Number + " " + d.Number, DeadlineCounts{Overdue: 1, DueSoon: 2}},
		{24 * time.Hour, b.Number + " " + a.Number + " " + d.Number, DeadlineCounts{Overdue: 3}},
	} {
		now := w.at(tt.at)
		ds := must(w.db.Deadlines(ctx, now, 0))
		if got := deadlineNumbers(ds); got != tt.want {
			t.Errorf("Deadlines at t0+%v = [%s], want [%s]", tt.at, got, tt.want)
		}
		if c := must(w.db.CountDeadlines(ctx, now)); c != tt.counts {
			t.Errorf("CountDeadlines at t0+%v = %+v, want %+v", tt.at, c, tt.counts)
		}
		if got := must(w.db.Deadlines(ctx, now, 1)); len(ds) > 0 && (len(got) != 1 || got[0].Number != ds[0].Number) {
			t.Errorf("Deadlines at t0+%v, limit 1 = [%s], want the first of [%s]", tt.at, deadlineNumbers(got), deadlineNumbers(ds))
		}
	}
	ds := must(w.db.Deadlines(ctx, w.at(25*time.Hour), 0))
	if ds[0].Window() != 12*time.Hour || ds[1].Window() != 24*time.Hour || !ds[1].StartedAt.Equal(w.t0) ||
		ds[0].Late(w.now) != 12*time.Hour || !ds[0].Overdue(w.now) || ds[0].CitizenAddress != "ivan@example.ru" {
		t.Errorf("Deadlines at t0+25h = %+v", ds)
	}
}

// TestMarkOverdueOncePerDeadline: each deadline is reported once, with
// its event; a deadline that moves is reported again when it passes.
func TestMarkOverdueOncePerDeadline(t *testing.T) {
	w := newWatchWorld(t)
	ctx := context.Background()
	a := w.file(PriorityNormal, StatusNew) // due t0+24h
	b := w.file(PriorityHigh, StatusNew)   // due t0+12h
	w.at(12*time.Hour - time.Second)
	if got := w.mark(10); got != "" {
		t.Errorf("MarkOverdue a second before any deadline = [%s]", got)
	}
	w.at(12*time.Hour + 5*time.Second)
	before := w.ticket(b)
	if got := w.mark(10); got != b.Number {
		t.Fatalf("MarkOverdue at t0+12h = [%s], want %s", got, b.Number)
	}
	if got, want := w.events(b, "ticket.overdue"), []string{"ticket.overdue due 2026-12-03T21:00:00Z (high), 5s late"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events of %s = %q, want %q", b.Number, got, want)
	}
	if after := w.ticket(b); after.Version != before.Version {
		t.Errorf("ticket.overdue changed the version of %s: %d → %d; it is no operator's change", b.Number, before.Version, after.Version)
	}
	w.at(13 * time.Hour)
	if got := w.mark(10); got != "" {
		t.Errorf("MarkOverdue again = [%s], want none: each deadline once", got)
	}

	// Lowered to normal, b is due at t0+24h, like a: both are reported
	// then, b a second time for its new deadline.
	if err := w.db.SetPriority(ctx, b.Number, 0, PriorityNormal, "a question, not a loss of access", "operator:anna"); err != nil {
		t.Fatal(err)
	}
	if got := w.mark(10); got != "" {
		t.Errorf("MarkOverdue after the deadline moved on = [%s], want none", got)
	}
	w.at(24 * time.Hour)
	if got := w.mark(1); got != a.Number {
		t.Errorf("MarkOverdue at t0+24h, limit 1 = [%s], want %s (the lower id of two due at once)", got, a.Number)
	}
	if got := w.mark(1); got != b.Number {
		t.Errorf("MarkOverdue at t0+24h, the rest = [%s], want %s", got, b.Number)
	}
	if got := w.events(b, "ticket.overdue"); len(got) != 2 || !strings.Contains(got[1], "due 2026-12-04T09:00:00Z (normal), 0s late") {
		t.Errorf("events of %s = %q, want a second report for the new deadline", b.Number, got)
	}

	// Answered, a waits for nobody; reopened, it has a new deadline.
	w.status(a, StatusAnswered)
	w.at(30 * time.Hour)
	follow := w.letter(PriorityNormal)
	follow.TicketID, follow.Reopen = a.ID, true
	if _, err := w.db.Ingest(ctx, follow, nil); err != nil {
		t.Fatal(err)
	}
	if got := w.mark(10); got != "" {
		t.Errorf("MarkOverdue after the reopening = [%s], want none", got)
	}
	w.at(54 * time.Hour)
	if got := w.mark(10); got != a.Number {
		t.Errorf("MarkOverdue at the reopened deadline = [%s], want %s", got, a.Number)
	}
	w.status(b, StatusWaiting)
	w.at(100 * time.Hour)
	if got := w.mark(10); got != "" {
		t.Errorf("MarkOverdue of tickets waiting for nobody = [%s]", got)
	}
}

// TestMarkOverdueQueuesItsNotice: the letters of the tickets newly overdue
// are queued with the marks, or nothing is done.
func TestMarkOverdueQueuesItsNotice(t *testing.T) {
	w := newWatchWorld(t)
	ctx := context.Background()
	b := w.file(PriorityHigh, StatusNew)
	now := w.at(13 * time.Hour)
	broken := func([]Deadline) ([]Outgoing, error) { return nil, errors.New("no template") }
	if _, err := w.db.MarkOverdue(ctx, now, 10, broken); err == nil || !strings.Contains(err.Error(), "no template") {
		t.Fatalf("MarkOverdue with a failing notice = %v", err)
	}
	if got := w.events(b, "ticket.overdue"); len(got) != 0 {
		t.Errorf("a failed MarkOverdue left events %q", got)
	}
	var given []Deadline
	compose := func(ds []Deadline) ([]Outgoing, error) {
		given = ds
		return []Outgoing{notice("boss@example.gov", "overdue"), notice("duty@example.gov", "overdue")}, nil
	}
	ds, err := w.db.MarkOverdue(ctx, now, 10, compose)
	if err != nil || deadlineNumbers(ds) != b.Number || deadlineNumbers(given) != b.Number {
		t.Fatalf("MarkOverdue = [%s], %v; composed for [%s]", deadlineNumbers(ds), err, deadlineNumbers(given))
	}
	due := must(w.db.Notices().DueDeliveries(ctx, now, 10))
	if len(due) != 2 || due[0].EnvelopeTo != "boss@example.gov" || string(due[1].Raw) != "Subject: overdue\r\n\r\nduty@example.gov\r\n" {
		t.Fatalf("notices due = %+v, want the two letters", due)
	}
	ns := must(w.db.NoticesUnder(ctx, "overdue:"))
	if len(ns) != 2 || ns[0].Key != fmt.Sprintf("overdue:%d", now.UnixMilli()) {
		t.Errorf("NoticesUnder(overdue:) = %+v", ns)
	}
	called := false
	if _, err := w.db.MarkOverdue(ctx, now, 10, func([]Deadline) ([]Outgoing, error) { called = true; return nil, nil }); err != nil || called {
		t.Errorf("MarkOverdue with nothing new = %v, composed: %v; want nothing composed", err, called)
	}
}

func notice(to, subject string) Outgoing {
	return Outgoing{MessageID: subject + "." + to, FromAddress: "support@example.gov", ToAddress: to, Subject: subject,
		EnvelopeFrom: "support@example.gov", EnvelopeTo: to, Raw: []byte("Subject: " + subject + "\r\n\r\n" + to + "\r\n")}
}

// TestNoticesQueuedOnce: a notice is queued once under its key, and goes
// through the queue as the outbox drives it.
func TestNoticesQueuedOnce(t *testing.T) {
	w := newWatchWorld(t)
	ctx := context.Background()
	q := w.db.Notices()
	letters := []Outgoing{notice("boss@example.gov", "daily"), notice("duty@example.gov", "daily")}
	if ok, err := w.db.NoticeQueued(ctx, "daily:2026-12-03"); ok || err != nil {
		t.Fatalf("NoticeQueued before = %v, %v", ok, err)
	}
	if ok, err := w.db.QueueNotices(ctx, "daily:2026-12-03", letters); !ok || err != nil {
		t.Fatalf("QueueNotices = %v, %v", ok, err)
	}
	if ok, err := w.db.QueueNotices(ctx, "daily:2026-12-03", letters[:1]); ok || err != nil {
		t.Errorf("QueueNotices again = %v, %v; want false", ok, err)
	}
	if ok, err := w.db.NoticeQueued(ctx, "daily:2026-12-03"); !ok || err != nil {
		t.Errorf("NoticeQueued after = %v, %v", ok, err)
	}
	due := must(q.DueDeliveries(ctx, w.now, 10))
	if len(due) != 2 {
		t.Fatalf("DueDeliveries = %+v, want 2", due)
	}
	if err := q.Postpone(ctx, due[0], "421 later", w.now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if at, ok, err := q.NextDelivery(ctx); !ok || err != nil || !at.Equal(w.now) {
		t.Errorf("NextDelivery = %v, %v, %v; want now (the other)", at, ok, err)
	}
	if err := q.MarkAllSent(ctx, due[1:], w.now); err != nil {
		t.Fatal(err)
	}
	if at, ok, _ := q.NextDelivery(ctx); !ok || !at.Equal(w.now.Add(time.Minute)) {
		t.Errorf("NextDelivery after one was sent = %v, %v; want the postponed one", at, ok)
	}
	if left := must(q.DueDeliveries(ctx, w.now, 10)); len(left) != 0 {
		t.Errorf("due before the postponed time: %+v", left)
	}
	again := must(q.DueDeliveries(ctx, w.now.Add(time.Minute), 10))
	if len(again) != 1 || again[0].Attempts != 1 {
		t.Fatalf("due after the postponed time = %+v", again)
	}
	if err := q.GiveUp(ctx, again[0], "550 no such user"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := q.NextDelivery(ctx); ok {
		t.Error("NextDelivery after all were sent or given up: still one")
	}
	ns := must(w.db.NoticesUnder(ctx, "daily:"))
	if len(ns) != 2 || !ns[0].FailedAt.Equal(w.now) || ns[0].LastError != "550 no such user" || !ns[1].SentAt.Equal(w.now) {
		t.Errorf("NoticesUnder = %+v", ns)
	}
	if ok, err := w.db.QueueNotices(ctx, "daily:2026-12-04", nil); ok || err != nil {
		t.Errorf("QueueNotices of no letters = %v, %v; want nothing queued", ok, err)
	}
}

// TestSetPriorityMovesTheDeadline: the deadline of a ticket waiting for
// our answer is the start of its clock plus the window of its priority.
func TestSetPriorityMovesTheDeadline(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name    string
		from    Priority
		status  Status
		windows bool
		to      Priority
		reason  string
		due     time.Duration // from t0
		moved   string        // the detail of deadline.changed; "" for none
	}{
		{"raised", PriorityNormal, StatusNew, true, PriorityHigh, "loss of access", 12 * time.Hour,
			"2026-12-04T09:00:00Z → 2026-12-03T21:00:00Z"},
		{"lowered", PriorityHigh, StatusInProgress, true, PriorityNormal, "a question", 24 * time.Hour,
			"2026-12-03T21:00:00Z → 2026-12-04T09:00:00Z"},
		{"same, new reason", PriorityHigh, StatusNew, true, PriorityHigh, "a data leak", 12 * time.Hour, ""},
		{"answered", PriorityNormal, StatusAnswered, true, PriorityHigh, "loss of access", 24 * time.Hour, ""},
		{"waiting for the citizen", PriorityNormal, StatusWaiting, true, PriorityHigh, "loss of access", 24 * time.Hour, ""},
		{"windows unknown", PriorityNormal, StatusNew, false, PriorityHigh, "loss of access", 24 * time.Hour, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWatchWorld(t)
			tk := w.file(tt.from, tt.status)
			w.at(3 * time.Hour)
			if !tt.windows {
				w.db.Windows = Windows{}
			}
			if err := w.db.SetPriority(ctx, tk.Number, 0, tt.to, tt.reason, "operator:anna"); err != nil {
				t.Fatal(err)
			}
			got := w.ticket(tk)
			if !got.DueAt.Equal(w.t0.Add(tt.due)) || got.Priority != tt.to || !got.StartedAt.Equal(w.t0) {
				t.Errorf("after SetPriority: %s due %v, started %v; want %s due t0+%v, started t0", got.Priority, got.DueAt, got.StartedAt, tt.to, tt.due)
			}
			evs := w.events(tk, "priority.changed", "deadline.changed")
			want := []string{"priority.changed " + string(tt.from) + " → " + string(tt.to) + ": " + tt.reason}
			if tt.moved != "" {
				want = append(want, "deadline.changed "+tt.moved)
			}
			if fmt.Sprint(evs) != fmt.Sprint(want) {
				t.Errorf("events = %q, want %q", evs, want)
			}
		})
	}
}

// TestRaisedLateIsOverdueAtOnce: a ticket made urgent after its urgent
// window has passed is overdue at once, and reported.
func TestRaisedLateIsOverdueAtOnce(t *testing.T) {
	w := newWatchWorld(t)
	tk := w.file(PriorityNormal, StatusNew)
	w.at(13 * time.Hour)
	if err := w.db.SetPriority(context.Background(), tk.Number, 0, PriorityHigh, "a data leak", "operator:anna"); err != nil {
		t.Fatal(err)
	}
	if got := w.mark(10); got != tk.Number {
		t.Errorf("MarkOverdue after raising it late = [%s], want %s", got, tk.Number)
	}
	if got := w.events(tk, "ticket.overdue"); len(got) != 1 || !strings.Contains(got[0], "(high), 1h0m0s late") {
		t.Errorf("events = %q", got)
	}
}

// TestFollowUpsAndTheClock: a follow-up that reopens a ticket or brings
// its deadline forward restarts its clock; one that reopens an urgent
// ticket gives it the urgent window, whatever the letter's own priority.
func TestFollowUpsAndTheClock(t *testing.T) {
	ctx := context.Background()
	w := newWatchWorld(t)
	urgent := w.file(PriorityNormal, StatusNew)
	if err := w.db.SetPriority(ctx, urgent.Number, 0, PriorityHigh, "loss of access", "operator:anna"); err != nil {
		t.Fatal(err)
	}
	w.status(urgent, StatusAnswered)
	open := w.file(PriorityNormal, StatusNew)

	follow := func(tk Ticket, p Priority) Ticket {
		t.Helper()
		in := w.letter(p)
		in.TicketID, in.Reopen = tk.ID, true
		if _, err := w.db.Ingest(ctx, in, nil); err != nil {
			t.Fatal(err)
		}
		return w.ticket(tk)
	}
	now := w.at(30 * time.Hour)
	if got := follow(urgent, PriorityNormal); got.Status != StatusInProgress || !got.StartedAt.Equal(now) || !got.DueAt.Equal(now.Add(12*time.Hour)) {
		t.Errorf("urgent ticket reopened by a plain letter: %s, started %v, due %v; want in_progress, now, now+12h", got.Status, got.StartedAt, got.DueAt)
	}
	now = w.at(2 * time.Hour)
	if got := follow(open, PriorityNormal); !got.StartedAt.Equal(w.t0) || !got.DueAt.Equal(w.t0.Add(24*time.Hour)) {
		t.Errorf("open ticket after a plain follow-up: started %v, due %v; want t0, t0+24h", got.StartedAt, got.DueAt)
	}
	if got := follow(open, PriorityHigh); !got.StartedAt.Equal(now) || !got.DueAt.Equal(now.Add(12*time.Hour)) || got.Priority != PriorityHigh {
		t.Errorf("open ticket after an urgent follow-up: %s, started %v, due %v; want high, now, now+12h", got.Priority, got.StartedAt, got.DueAt)
	}
}

// TestUpgradeGivesClocksAndReportsTheBacklog checks migration 0016: a
// reopened ticket's clock starts at its last reopening, another's at its
// creation, and tickets already overdue count as reported.
func TestUpgradeGivesClocksAndReportsTheBacklog(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw := createAt(t, path, 14)
	future := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	for i, row := range []struct {
		status string
		due    int64
	}{{"new", future}, {"new", 5000}, {"in_progress", future}, {"closed", 5000}, {"in_progress", 6000}} {
		mustExec(t, raw, `INSERT INTO tickets (number, status, priority, citizen_address, created_at, due_at, updated_at)
			VALUES (?, ?, 'normal', 'x@y', 1000, ?, 1000)`, TicketNumber(int64(i+1)), row.status, row.due)
	}
	mustExec(t, raw, `INSERT INTO events (ticket_id, at, actor, action, detail) VALUES
		(3, 2000, 'daemon', 'ticket.reopened', 'letter from x@y'),
		(3, 3000, 'daemon', 'ticket.reopened', 'letter from x@y'),
		(5, 4000, 'daemon', 'ticket.followup', 'letter from x@y')`)
	raw.Close()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i, want := range []int64{1000, 1000, 3000, 1000, 1000} {
		if tk := must(db.Ticket(ctx, TicketNumber(int64(i+1)))); tk.StartedAt.UnixMilli() != want {
			t.Errorf("%s started at %d after the upgrade, want %d", tk.Number, tk.StartedAt.UnixMilli(), want)
		}
	}
	now := time.Now()
	ds := must(db.Deadlines(ctx, now, 0))
	if deadlineNumbers(ds) != "TKT-000002 TKT-000005" || ds[0].Reported.UnixMilli() != 5000 || ds[1].Reported.UnixMilli() != 6000 {
		t.Errorf("Deadlines after the upgrade = %+v; want TKT-000002 and TKT-000005, reported", ds)
	}
	if marked, err := db.MarkOverdue(ctx, now, 10, nil); err != nil || len(marked) != 0 {
		t.Errorf("MarkOverdue after the upgrade = [%s], %v; want the backlog taken as reported", deadlineNumbers(marked), err)
	}
}

// TestDeadlineQueriesReadTheirIndexes: the watch reads a range of a small
// partial index, not every ticket.
func TestDeadlineQueriesReadTheirIndexes(t *testing.T) {
	db := openTest(t)
	for _, tt := range []struct{ query, index string }{
		{"SELECT " + deadlineColumns + " FROM tickets WHERE " + awaiting + " AND warn_at <= ? ORDER BY due_at, id LIMIT ?", "tickets_watch (status=? AND warn_at<?)"},
		{"SELECT COUNT(*), COALESCE(SUM(due_at <= ?), 0) FROM tickets WHERE " + awaiting + " AND warn_at <= ?", "tickets_watch (status=? AND warn_at<?)"},
		{"SELECT " + deadlineColumns + " FROM tickets WHERE " + awaiting +
			" AND overdue_at IS NOT due_at AND due_at <= ? ORDER BY due_at, id LIMIT ?", "tickets_unreported (status=? AND due_at<?)"},
	} {
		args := make([]any, strings.Count(tt.query, "?"))
		for i := range args {
			args[i] = 0
		}
		if plan := queryPlan(t, db, tt.query, args...); !strings.Contains(plan, tt.index) {
			t.Errorf("plan of %s does not use %s:\n%s", tt.query, tt.index, plan)
		}
	}
}
