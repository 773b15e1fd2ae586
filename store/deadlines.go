package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"
)

// Deadlines (migration 0016). A ticket waits for our answer while its
// status is new or in_progress: a reopened ticket is in_progress again,
// and one waiting for the citizen, answered or closed waits for nobody at
// our end. Its deadline is DueAt, and its window DueAt - StartedAt, the
// time it was given (Windows.Of its priority, as the daemon set it). It is
// due soon from a fifth of its window before the deadline (DueSoonShare),
// and overdue from the deadline on.
//
// Each deadline that passes is reported once (MarkOverdue): the ticket's
// overdue_at is set to the deadline reported, so a deadline moved later
// (SetPriority, a reopening) is reported again when it passes in turn.

// DueSoonShare is the share of its window before its deadline from which
// a ticket is due soon: 1/DueSoonShare, a fifth.
const DueSoonShare = 5

// Windows are how long a ticket has for our answer, by priority.
type Windows struct {
	Normal time.Duration // [sla] normal
	High   time.Duration // [sla] priority: loss of access or a data leak
}

// Of is the window of priority p; 0 when unknown.
func (w Windows) Of(p Priority) time.Duration {
	if p == PriorityHigh {
		return w.High
	}
	return w.Normal
}

// Awaiting reports whether a ticket in status s waits for our answer:
// new, or in_progress (reopened tickets included).
func (s Status) Awaiting() bool { return s == StatusNew || s == StatusInProgress }

// awaiting is Status.Awaiting in SQL, word for word the condition of the
// partial indexes tickets_watch and tickets_unreported, which SQLite uses
// only for a query that repeats it.
const awaiting = "status IN ('new', 'in_progress')"

// Deadline is a ticket waiting for our answer, due soon or overdue.
type Deadline struct {
	Ticket // as lists read it: without its description, personal data whole
	// Reported is the deadline whose passing was last reported
	// (MarkOverdue); zero when none was.
	Reported time.Time `json:"overdue_reported,omitzero"`
}

// Window is the time the ticket was given for our answer.
func (d Deadline) Window() time.Duration { return max(d.DueAt.Sub(d.StartedAt), 0) }

// Overdue reports whether the deadline has come at now.
func (d Deadline) Overdue(now time.Time) bool { return !now.Before(d.DueAt) }

// Late is how long ago the deadline passed at now; less than zero while it
// is ahead.
func (d Deadline) Late(now time.Time) time.Duration { return now.Sub(d.DueAt) }

// DeadlineCounts are how many tickets waiting for our answer are overdue,
// and due soon, at a moment.
type DeadlineCounts struct {
	Overdue int
	DueSoon int
}

// deadlineColumns are the columns Deadlines and MarkOverdue read;
// scanDeadline reads them.
const deadlineColumns = ticketListColumns + ", overdue_at"

func (db *DB) scanDeadline(s scanner) (Deadline, error) {
	var d Deadline
	var reported sql.NullInt64
	if err := db.scanListed(s, &d.Ticket, &reported); err != nil {
		return d, err
	}
	d.Reported = nullTime(reported)
	return d, nil
}

// Deadlines returns the tickets waiting for our answer that are due soon
// or overdue at now, the most late first (the earliest deadline first), at
// most limit of them (0: all).
func (db *DB) Deadlines(ctx context.Context, now time.Time, limit int) ([]Deadline, error) {
	if limit <= 0 {
		limit = math.MaxInt32 // no limit
	}
	rows, err := db.conn().QueryContext(ctx, "SELECT "+deadlineColumns+" FROM tickets WHERE "+awaiting+
		" AND warn_at <= ? ORDER BY due_at, id LIMIT ?", millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: deadlines: %w", err)
	}
	defer rows.Close()
	var ds []Deadline
	for rows.Next() {
		d, err := db.scanDeadline(rows)
		if err != nil {
			return nil, fmt.Errorf("store: deadlines: %w", err)
		}
		ds = append(ds, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: deadlines: %w", err)
	}
	return ds, nil
}

// CountDeadlines counts the tickets waiting for our answer that are
// overdue, and due soon, at now.
func (db *DB) CountDeadlines(ctx context.Context, now time.Time) (DeadlineCounts, error) {
	var all, overdue int
	err := db.conn().QueryRowContext(ctx, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN due_at <= ? THEN 1 ELSE 0 END), 0) FROM tickets WHERE "+awaiting+
		" AND warn_at <= ?", millis(now), millis(now)).Scan(&all, &overdue)
	if err != nil {
		return DeadlineCounts{}, fmt.Errorf("store: count deadlines: %w", err)
	}
	return DeadlineCounts{Overdue: overdue, DueSoon: all - overdue}, nil
}

// NoticeFunc composes the letters telling the staff that the tickets
// newly overdue became so; none when it returns none. MarkOverdue calls it
// in its transaction, so that the letters are queued with the marks or not
// at all.
type NoticeFunc func(newly []Deadline) ([]Outgoing, error)

// MarkOverdue reports, once per deadline, the tickets waiting for our
// answer whose deadline passed by now and was not reported yet: at most
// limit of them (the most late first), in one transaction, in which each
// is marked (overdue_at), gets the event ticket.overdue (at now, by
// "daemon", its detail the deadline and how late: no personal data), and
// the letters compose returns for them are queued as one notice (key
// "overdue:" and now in Unix milliseconds). It returns the tickets marked;
// as many as limit means there may be more.
//
// The event gives the ticket no new version: it records what the clock
// did, not a change an operator decides on, so an answer written while the
// deadline passed is not refused as a conflict.
func (db *DB) MarkOverdue(ctx context.Context, now time.Time, limit int, compose NoticeFunc) ([]Deadline, error) {
	var marked []Deadline
	err := db.inTx(ctx, func(tx conn) error {
		var err error
		if marked, err = db.unreported(ctx, tx, now, limit); err != nil || len(marked) == 0 {
			return err
		}
		events := make([]ChainEvent, 0, len(marked))
		for _, d := range marked {
			if _, err := tx.ExecContext(ctx, "UPDATE tickets SET overdue_at = due_at WHERE id = ?", d.ID); err != nil {
				return fmt.Errorf("mark %s overdue: %w", d.Number, err)
			}
			events = append(events, ChainEvent{TicketID: d.ID, At: now, Actor: "daemon", Action: "ticket.overdue",
				Detail: overdueDetail(d, now)})
		}
		if err := appendEvents(ctx, tx, events); err != nil {
			return err
		}
		if compose == nil {
			return nil
		}
		letters, err := compose(marked)
		if err != nil {
			return fmt.Errorf("compose the overdue notice: %w", err)
		}
		_, err = queueNotices(ctx, tx, fmt.Sprintf("overdue:%d", millis(now)), letters, now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: mark overdue: %w", err)
	}
	return marked, nil
}

// unreported reads the tickets MarkOverdue marks.
func (db *DB) unreported(ctx context.Context, tx conn, now time.Time, limit int) ([]Deadline, error) {
	rows, err := tx.QueryContext(ctx, "SELECT "+deadlineColumns+" FROM tickets WHERE "+awaiting+
		" AND overdue_at IS DISTINCT FROM due_at AND due_at <= ? ORDER BY due_at, id LIMIT ?", millis(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ds []Deadline
	for rows.Next() {
		d, err := db.scanDeadline(rows)
		if err != nil {
			return nil, err
		}
		ds = append(ds, d)
	}
	return ds, rows.Err()
}

// overdueDetail is the detail of the event ticket.overdue: the deadline
// reported, the priority and how late it was found, e.g. "due
// 2026-12-03T09:00:00Z (high), 1m5s late".
func overdueDetail(d Deadline, now time.Time) string {
	return fmt.Sprintf("due %s (%s), %s late", d.DueAt.UTC().Format(time.RFC3339), d.Priority,
		d.Late(now).Round(time.Second))
}

// priorityDeadline is the deadline of ticket t once its priority is p:
// the start of its clock plus the window of p, while it waits for our
// answer and the windows are known; otherwise the deadline it has.
func (db *DB) priorityDeadline(ctx context.Context, tx conn, t ticketState, p Priority) (due, was time.Time, err error) {
	var dueMs, startMs int64
	if err := tx.QueryRowContext(ctx, "SELECT due_at, COALESCE(clock_at, created_at) FROM tickets WHERE id = ?", t.id).
		Scan(&dueMs, &startMs); err != nil {
		return due, was, fmt.Errorf("store: deadline of %s: %w", t.number, err)
	}
	was = fromMillis(dueMs)
	w := db.Windows.Of(p)
	if w <= 0 || !t.status.Awaiting() {
		return was, was, nil
	}
	return fromMillis(startMs).Add(w), was, nil
}
