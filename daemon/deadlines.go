package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
)

// DefaultWatchInterval is how often Watch looks at the deadlines unless
// its Interval says otherwise.
const DefaultWatchInterval = time.Minute

// markBatch is the most tickets one transaction marks overdue: a
// transaction holds the store's only write lock, which the mailbox loop
// waits for.
const markBatch = 500

// Deadlines is what the deadline watch needs of the store; *store.DB is
// one.
type Deadlines interface {
	MarkOverdue(ctx context.Context, now time.Time, limit int, compose store.NoticeFunc) ([]store.Deadline, error)
	Deadlines(ctx context.Context, now time.Time, limit int) ([]store.Deadline, error)
	CountDeadlines(ctx context.Context, now time.Time) (store.DeadlineCounts, error)
	NoticeQueued(ctx context.Context, key string) (bool, error)
	QueueNotices(ctx context.Context, key string, letters []store.Outgoing) (bool, error)
}

// Notifier writes the notices to the staff; *replies.Notifier is one.
type Notifier interface {
	Overdue(ds []store.Deadline, now time.Time) ([]store.Outgoing, error)
	Summary(ds []store.Deadline, c store.DeadlineCounts, now time.Time) ([]store.Outgoing, error)
}

// Watch watches the deadlines of the tickets waiting for our answer
// (store.Status.Awaiting) every Interval. When a ticket's deadline
// passes it is reported once (store.DB.MarkOverdue): the event
// ticket.overdue on the ticket, one warning in the log (its number,
// priority, deadline and how late; no personal data) and, when Immediate,
// a letter to the staff, queued in the same transaction. When Daily, the
// first look at or after DailyAt each day, in Location, queues the day's
// summary of the tickets overdue and due soon, once: a summary queued
// before a restart is not queued again, and one missed while ticketd was
// stopped is sent at its next start that day. Notices are queued in the
// store (store.DB.QueueNotices) and sent by an outbox of their own, which
// Notices wakes.
type Watch struct {
	Store     Deadlines
	Notifier  Notifier // nil: events and log lines, no letters
	Immediate bool     // a letter when tickets become overdue
	Daily     bool     // a summary every day at DailyAt
	DailyAt   time.Duration
	Location  *time.Location // of DailyAt; nil: UTC
	Notices   Waker          // told when notices were queued; nil: nobody
	Interval  time.Duration  // default DefaultWatchInterval
	Now       func() time.Time
	Log       *slog.Logger

	summarised string // the last day whose summary is known to be queued, YYYY-MM-DD
}

// Run looks at the deadlines now and then every Interval until ctx ends.
// It returns nil: a look that fails is logged and the next one tries
// again.
func (w *Watch) Run(ctx context.Context) error {
	every := orDefault(w.Interval, DefaultWatchInterval)
	repeat(ctx, w.Log, "deadline watch failed; trying again", every, every, w.Once)
	return nil
}

// Once reports the tickets that became overdue since the last look, and
// queues the daily summary when it is due.
func (w *Watch) Once(ctx context.Context) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("deadline watch: panic: %v", p)
		}
	}()
	now := w.now()
	queued, err := w.markOverdue(ctx, now)
	if err != nil {
		return err
	}
	summary, err := w.summary(ctx, now)
	if (queued || summary) && w.Notices != nil {
		w.Notices.Wake()
	}
	return err
}

// markOverdue reports what became overdue by now, a batch a transaction,
// and reports whether letters may have been queued.
func (w *Watch) markOverdue(ctx context.Context, now time.Time) (bool, error) {
	var compose store.NoticeFunc
	if w.Immediate && w.Notifier != nil {
		compose = func(ds []store.Deadline) ([]store.Outgoing, error) { return w.Notifier.Overdue(ds, now) }
	}
	queued := false
	for {
		ds, err := w.Store.MarkOverdue(ctx, now, markBatch, compose)
		if err != nil {
			return queued, err
		}
		for _, d := range ds {
			w.Log.Warn("ticket overdue", "ticket", d.Number, "priority", string(d.Priority),
				"due", d.DueAt.UTC().Format(time.RFC3339), "late", d.Late(now).Round(time.Second))
		}
		queued = queued || (len(ds) > 0 && compose != nil)
		if len(ds) < markBatch {
			return queued, nil
		}
	}
}

// summary queues today's summary when it is due and was not queued yet,
// and reports whether it queued it.
func (w *Watch) summary(ctx context.Context, now time.Time) (bool, error) {
	if !w.Daily || w.Notifier == nil {
		return false, nil
	}
	loc := w.loc()
	local := now.In(loc)
	day := local.Format(time.DateOnly)
	y, m, d := local.Date()
	at := time.Date(y, m, d, int(w.DailyAt/time.Hour), int(w.DailyAt%time.Hour/time.Minute), 0, 0, loc)
	if day == w.summarised || local.Before(at) {
		return false, nil
	}
	key := "daily:" + day
	done, err := w.Store.NoticeQueued(ctx, key)
	if err != nil || done {
		if done {
			w.summarised = day
		}
		return false, err
	}
	ds, err := w.Store.Deadlines(ctx, now, replies.MaxNoticeTickets)
	if err != nil {
		return false, fmt.Errorf("daily summary: %w", err)
	}
	c, err := w.Store.CountDeadlines(ctx, now)
	if err != nil {
		return false, fmt.Errorf("daily summary: %w", err)
	}
	letters, err := w.Notifier.Summary(ds, c, now)
	if err != nil {
		return false, fmt.Errorf("daily summary: %w", err)
	}
	queued, err := w.Store.QueueNotices(ctx, key, letters)
	if err != nil {
		return false, fmt.Errorf("daily summary: %w", err)
	}
	w.summarised = day
	if queued {
		w.Log.Info("daily deadline summary queued", "day", day, "overdue", c.Overdue, "due_soon", c.DueSoon, "letters", len(letters))
	}
	return queued, nil
}

func (w *Watch) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Watch) loc() *time.Location {
	if w.Location == nil {
		return time.UTC
	}
	return w.Location
}
