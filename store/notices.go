package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Notices are the letters to the staff about deadlines (migration 0016):
// the daily summary and the letter telling of tickets just overdue. They
// belong to no ticket, so they have a queue of their own, beside the
// outbox of tickets' letters, which a second replies.Outbox sends from
// (NoticeQueue). Each notice is queued once under its key, for every
// address or for none; the queue keeps it until the server takes it, and
// then keeps its row, sent.

// NoticeQueued reports whether a notice under key was queued, sent or not.
func (db *DB) NoticeQueued(ctx context.Context, key string) (bool, error) {
	var n int
	if err := db.conn().QueryRowContext(ctx, "SELECT COUNT(*) FROM notices WHERE key = ?", key).Scan(&n); err != nil {
		return false, fmt.Errorf("store: notice %s: %w", key, err)
	}
	return n > 0, nil
}

// QueueNotices queues letters, one per address, as the notice key, in one
// transaction, unless a notice under key was queued before: then it
// queues nothing and reports false.
func (db *DB) QueueNotices(ctx context.Context, key string, letters []Outgoing) (bool, error) {
	var queued bool
	err := db.inTx(ctx, func(tx conn) error {
		var err error
		queued, err = queueNotices(ctx, tx, key, letters, db.now())
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: queue notice %s: %w", key, err)
	}
	return queued, nil
}

// queueNotices queues letters as the notice key in tx, due at now, unless
// one was queued under key before.
func queueNotices(ctx context.Context, tx conn, key string, letters []Outgoing, now time.Time) (bool, error) {
	if len(letters) == 0 {
		return false, nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM notices WHERE key = ?", key).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	for _, l := range letters {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notices (key, message_id, envelope_from, envelope_to, subject, raw,
			created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			key, l.MessageID, l.EnvelopeFrom, l.EnvelopeTo, l.Subject, l.Raw, millis(now), millis(now)); err != nil {
			return false, fmt.Errorf("notice %s to %s: %w", key, l.EnvelopeTo, err)
		}
	}
	return true, nil
}

// NoticeQueue is the queue of notices as replies.Outbox reads a queue
// (replies.Queue): DB.Notices returns it. Its Deliveries have no ticket;
// a notice given up on is recorded on its row (failed_at, last_error),
// and on no ticket.
type NoticeQueue struct{ db *DB }

// Notices is the queue of notices, for an outbox of its own.
func (db *DB) Notices() *NoticeQueue { return &NoticeQueue{db: db} }

// NextDelivery reports when the earliest unsent notice is due; ok is false
// when none waits.
func (q *NoticeQueue) NextDelivery(ctx context.Context) (at time.Time, ok bool, err error) {
	var ms sql.NullInt64
	err = q.db.conn().QueryRowContext(ctx, "SELECT MIN("+dueAt+") FROM notices WHERE sent_at IS NULL AND failed_at IS NULL", q.db.Holder()).Scan(&ms)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: next notice: %w", err)
	}
	if !ms.Valid {
		return time.Time{}, false, nil
	}
	return fromMillis(ms.Int64), true, nil
}

// MarkAllSent records, in one transaction, that the server accepted every
// notice in ds.
func (q *NoticeQueue) MarkAllSent(ctx context.Context, ds []Delivery, at time.Time) error {
	if len(ds) == 0 {
		return nil
	}
	return q.db.inTx(ctx, func(tx conn) error {
		for len(ds) > 0 {
			n := min(len(ds), markGroup)
			args := []any{millis(at)}
			for _, d := range ds[:n] {
				args = append(args, d.ID)
			}
			marks := strings.Repeat(", ?", n)[2:]
			if _, err := tx.ExecContext(ctx, "UPDATE notices SET sent_at = ?, attempts = attempts + 1, last_error = '', claimed_by = NULL, claimed_until = NULL WHERE id IN ("+
				marks+")", args...); err != nil {
				return fmt.Errorf("store: mark %d notices sent: %w", n, err)
			}
			ds = ds[n:]
		}
		return nil
	})
}

// Postpone records a failed attempt at notice d and when to try again.
func (q *NoticeQueue) Postpone(ctx context.Context, d Delivery, reason string, next time.Time) error {
	return q.db.inTx(ctx, func(tx conn) error {
		if _, err := tx.ExecContext(ctx, "UPDATE notices SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, claimed_by = NULL, claimed_until = NULL WHERE id = ?",
			reason, millis(next), d.ID); err != nil {
			return fmt.Errorf("store: postpone notice %d: %w", d.ID, err)
		}
		return nil
	})
}

// GiveUp records that notice d failed for good; it is no longer retried.
func (q *NoticeQueue) GiveUp(ctx context.Context, d Delivery, reason string) error {
	return q.db.inTx(ctx, func(tx conn) error {
		if _, err := tx.ExecContext(ctx, "UPDATE notices SET attempts = attempts + 1, last_error = ?, failed_at = ?, claimed_by = NULL, claimed_until = NULL WHERE id = ?",
			reason, millis(q.db.now()), d.ID); err != nil {
			return fmt.Errorf("store: give up notice %d: %w", d.ID, err)
		}
		return nil
	})
}

// Notice is a queued notice as "ticketd" shows it: without its bytes.
type Notice struct {
	Key       string
	To        string
	Subject   string
	CreatedAt time.Time
	SentAt    time.Time // zero while unsent
	FailedAt  time.Time // zero unless given up on
	LastError string
}

// NoticesUnder returns the notices whose key starts with prefix, oldest
// first.
func (db *DB) NoticesUnder(ctx context.Context, prefix string) ([]Notice, error) {
	rows, err := db.conn().QueryContext(ctx, `SELECT key, envelope_to, subject, created_at, sent_at, failed_at, last_error
		FROM notices WHERE substr(key, 1, ?) = ? ORDER BY id`, len(prefix), prefix)
	if err != nil {
		return nil, fmt.Errorf("store: notices: %w", err)
	}
	defer rows.Close()
	var ns []Notice
	for rows.Next() {
		var n Notice
		var created int64
		var sent, failed sql.NullInt64
		if err := rows.Scan(&n.Key, &n.To, &n.Subject, &created, &sent, &failed, &n.LastError); err != nil {
			return nil, fmt.Errorf("store: notices: %w", err)
		}
		n.CreatedAt, n.SentAt, n.FailedAt = fromMillis(created), nullTime(sent), nullTime(failed)
		ns = append(ns, n)
	}
	return ns, rows.Err()
}
