package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Delivery is one queued outgoing letter.
type Delivery struct {
	ID           int64
	TicketID     int64
	TicketNumber string
	MessageID    string
	EnvelopeFrom string
	EnvelopeTo   string
	Attempts     int
	Raw          []byte
}

func (db *DB) queue(ctx context.Context, tx conn, ticketID int64, out Outgoing, now time.Time) error {
	var msgID int64
	sum := sha256Hex(out.Raw)
	raw, sealed := db.seal.seal(out.Raw, sum)
	key := "out:" + out.MessageID
	fields, sealedFields := db.letterFields(key, "", out.Subject)
	err := tx.QueryRowContext(ctx, `INSERT INTO messages
		(ticket_id, direction, dedupe_key, message_id, from_address, to_address, subject, template, operator,
		 auto, size, raw_sha256, raw, sealed, created_at, sealed_fields)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		ticketID, DirectionOut, key, out.MessageID, out.FromAddress, out.ToAddress, fields.subject,
		out.Template, out.Operator, out.Auto, len(out.Raw), sum, raw, sealed, millis(now), sealedFields).Scan(&msgID)
	if err != nil {
		return fmt.Errorf("insert outgoing message: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (message_id, envelope_from, envelope_to, next_attempt_at)
		VALUES (?, ?, ?, ?)`, msgID, out.EnvelopeFrom, out.EnvelopeTo, millis(now)); err != nil {
		return fmt.Errorf("queue outgoing message: %w", err)
	}
	if !out.Auto {
		// A person answers: the ticket no longer waits for one.
		if _, err := tx.ExecContext(ctx, "UPDATE tickets SET answer_problem = '' WHERE id = ?", ticketID); err != nil {
			return fmt.Errorf("clear answer problem: %w", err)
		}
	}
	if err := appendEvent(ctx, tx, ticketID, now, actorOf(out), "reply.queued", out.Template+" to "+out.ToAddress); err != nil {
		return err
	}
	return appendStored(ctx, tx, ticketID, msgID, now, actorOf(out), LetterDigest(sum, nil))
}

// Queue puts a composed letter for the ticket with the given number in the
// outbox and, unless status is "", sets the ticket's status, in one
// transaction. Unless version is 0, a ticket no longer at version is a
// *ConflictError and nothing is queued.
func (db *DB) Queue(ctx context.Context, number string, version int64, out Outgoing, status Status) error {
	if status != "" && !status.Valid() {
		return fmt.Errorf("store: unknown status %q", status)
	}
	return db.inTx(ctx, func(tx conn) error {
		now := db.now()
		t, err := lockTicket(ctx, tx, number, version)
		if err != nil {
			return err
		}
		if err := db.queue(ctx, tx, t.id, out, now); err != nil {
			return err
		}
		if status == "" || status == t.status {
			return nil
		}
		return setStatus(ctx, tx, t, status, actorOf(out), now)
	})
}

func actorOf(out Outgoing) string {
	if out.Operator != "" {
		return "operator:" + out.Operator
	}
	return "daemon"
}

// NextDelivery reports when the earliest unsent letter is due (a letter
// another process has claimed, when its claim ends); ok is false when the
// outbox is empty.
func (db *DB) NextDelivery(ctx context.Context) (at time.Time, ok bool, err error) {
	var ms sql.NullInt64
	err = db.conn().QueryRowContext(ctx, "SELECT MIN("+dueAt+") FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL", db.Holder()).Scan(&ms)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: next delivery: %w", err)
	}
	if !ms.Valid {
		return time.Time{}, false, nil
	}
	return fromMillis(ms.Int64), true, nil
}

// MarkSent records that the server accepted delivery d.
func (db *DB) MarkSent(ctx context.Context, d Delivery, at time.Time) error {
	return db.MarkAllSent(ctx, []Delivery{d}, at)
}

// MarkAllSent records, in one transaction, that the server accepted every
// delivery in ds.
func (db *DB) MarkAllSent(ctx context.Context, ds []Delivery, at time.Time) error {
	return db.inTx(ctx, func(tx conn) error {
		for len(ds) > 0 {
			n := min(len(ds), markGroup)
			if err := markSent(ctx, tx, ds[:n], at); err != nil {
				return err
			}
			ds = ds[n:]
		}
		return nil
	})
}

// markGroup is the most deliveries one statement marks sent; statements
// are prepared once for each size up to it.
const markGroup = 16

// markSent marks ds sent with one UPDATE and one INSERT of their events;
// each event gives its ticket the next version.
func markSent(ctx context.Context, tx conn, ds []Delivery, at time.Time) error {
	ids := make([]any, 0, 1+len(ds))
	ids = append(ids, millis(at))
	events := make([]ChainEvent, 0, len(ds))
	for _, d := range ds {
		ids = append(ids, d.ID)
		var version int64
		if d.TicketID != 0 {
			var err error
			if version, err = bump(ctx, tx, d.TicketID); err != nil {
				return fmt.Errorf("store: mark %s sent: %w", d.MessageID, err)
			}
		}
		events = append(events, ChainEvent{TicketID: d.TicketID, At: at, Actor: "replies", Action: "reply.sent",
			Detail: d.MessageID + " to " + d.EnvelopeTo, Version: version})
	}
	marks := strings.Repeat(", ?", len(ds))[2:]
	if _, err := tx.ExecContext(ctx, "UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = '', claimed_by = NULL, claimed_until = NULL WHERE id IN ("+marks+")",
		ids...); err != nil {
		return fmt.Errorf("store: mark %d letters sent: %w", len(ds), err)
	}
	return appendEvents(ctx, tx, events)
}

// Postpone records a failed attempt at delivery d and when to try again.
func (db *DB) Postpone(ctx context.Context, d Delivery, reason string, next time.Time) error {
	return db.inTx(ctx, func(tx conn) error {
		_, err := tx.ExecContext(ctx, "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, claimed_by = NULL, claimed_until = NULL WHERE id = ?",
			reason, millis(next), d.ID)
		if err != nil {
			return fmt.Errorf("store: postpone %d: %w", d.ID, err)
		}
		return nil
	})
}

// GiveUp records that delivery d failed for good (the server refused it
// permanently, or it kept failing); it is no longer retried.
func (db *DB) GiveUp(ctx context.Context, d Delivery, reason string) error {
	return db.inTx(ctx, func(tx conn) error {
		now := db.now()
		if _, err := tx.ExecContext(ctx, "UPDATE outbox SET attempts = attempts + 1, last_error = ?, failed_at = ?, claimed_by = NULL, claimed_until = NULL WHERE id = ?",
			reason, millis(now), d.ID); err != nil {
			return fmt.Errorf("store: give up %d: %w", d.ID, err)
		}
		if err := appendEvent(ctx, tx, d.TicketID, now, "replies", "reply.failed", d.MessageID+": "+reason); err != nil {
			return err
		}
		var auto bool
		if err := tx.QueryRowContext(ctx, `SELECT m.auto FROM outbox o JOIN messages m ON m.id = o.message_id
			WHERE o.id = ?`, d.ID).Scan(&auto); err != nil {
			return fmt.Errorf("store: give up %d: %w", d.ID, err)
		}
		if !auto {
			return nil
		}
		_, err := tx.ExecContext(ctx, "UPDATE tickets SET answer_problem = ? WHERE id = ?",
			"the mail server refused the automatic answer: "+reason, d.TicketID)
		return err
	})
}
