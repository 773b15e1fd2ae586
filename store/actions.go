package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// What operators do to a ticket besides answering it (Queue, in
// outbox.go): its status, who has it, its priority. Each action takes the
// version of the ticket it was decided on, 0 for none: a ticket changed
// since is a *ConflictError, and nothing is done. An action that would
// change nothing records nothing, and leaves the version as it was. The
// actor is recorded on the event, as the event log names people
// ("operator:anna").

// SetStatus changes a ticket's status and records who did it.
func (db *DB) SetStatus(ctx context.Context, number string, version int64, status Status, actor string) error {
	if !status.Valid() {
		return fmt.Errorf("store: unknown status %q", status)
	}
	return db.inTx(ctx, func(tx conn) error {
		t, err := lockTicket(ctx, tx, number, version)
		if err != nil || t.status == status {
			return err
		}
		return setStatus(ctx, tx, t, status, actor, db.now())
	})
}

func setStatus(ctx context.Context, tx conn, t ticketState, status Status, actor string, now time.Time) error {
	// closed_at is when it was last closed (purge.go), NULL while it is not.
	closed := sql.NullInt64{Int64: millis(now), Valid: status == StatusClosed}
	if _, err := tx.ExecContext(ctx, "UPDATE tickets SET status = ?, updated_at = ?, closed_at = ? WHERE id = ?",
		status, millis(now), closed, t.id); err != nil {
		return fmt.Errorf("store: set status of %s: %w", t.number, err)
	}
	return appendEvent(ctx, tx, t.id, now, actor, "ticket.status", string(t.status)+" → "+string(status))
}

// Assign gives a ticket to the operator assignee, or to nobody when
// assignee is "", recording the event ticket.assigned (its detail the
// assignee, after the one before if any: "boris → anna") or
// ticket.unassigned (its detail who had it).
func (db *DB) Assign(ctx context.Context, number string, version int64, assignee, actor string) error {
	assignee = strings.TrimSpace(assignee)
	return db.inTx(ctx, func(tx conn) error {
		t, err := lockTicket(ctx, tx, number, version)
		if err != nil || t.assignee == assignee {
			return err
		}
		now := db.now()
		if _, err := tx.ExecContext(ctx, "UPDATE tickets SET assignee = ?, updated_at = ? WHERE id = ?", assignee, millis(now), t.id); err != nil {
			return fmt.Errorf("store: assign %s: %w", number, err)
		}
		switch {
		case assignee == "":
			return appendEvent(ctx, tx, t.id, now, actor, "ticket.unassigned", t.assignee)
		case t.assignee == "":
			return appendEvent(ctx, tx, t.id, now, actor, "ticket.assigned", assignee)
		default:
			return appendEvent(ctx, tx, t.id, now, actor, "ticket.assigned", t.assignee+" → "+assignee)
		}
	})
}

// SetPriority changes a ticket's priority, and its reason, which an
// operator must give; the event priority.changed records both ("normal →
// high: reason"). Giving a new reason for the same priority is a change.
//
// While the ticket waits for our answer (Status.Awaiting) and db.Windows
// are known, its deadline becomes the start of its clock plus the window
// of the new priority: a ticket made urgent 3 hours after it arrived is
// due 9 hours later under a 12-hour window, or at once if it arrived 13
// hours ago. The event deadline.changed records a deadline that moved
// ("2026-12-04T09:00:00Z → 2026-12-03T21:00:00Z"). The deadlines of other
// tickets stay: a follow-up that reopens one gives it a new one.
func (db *DB) SetPriority(ctx context.Context, number string, version int64, p Priority, reason, actor string) error {
	if !p.Valid() {
		return fmt.Errorf("store: unknown priority %q", p)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return fmt.Errorf("store: priority of %s: no reason given", number)
	}
	return db.inTx(ctx, func(tx conn) error {
		t, err := lockTicket(ctx, tx, number, version)
		if err != nil || (t.priority == p && t.priorityReason == reason) {
			return err
		}
		now := db.now()
		due, was, err := db.priorityDeadline(ctx, tx, t, p)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE tickets SET priority = ?, priority_reason = ?, due_at = ?, updated_at = ? WHERE id = ?",
			p, reason, millis(due), millis(now), t.id); err != nil {
			return fmt.Errorf("store: set priority of %s: %w", number, err)
		}
		if err := appendEvent(ctx, tx, t.id, now, actor, "priority.changed", string(t.priority)+" → "+string(p)+": "+reason); err != nil {
			return err
		}
		if due.Equal(was) {
			return nil
		}
		return appendEvent(ctx, tx, t.id, now, actor, "deadline.changed",
			was.UTC().Format(time.RFC3339)+" → "+due.UTC().Format(time.RFC3339))
	})
}
