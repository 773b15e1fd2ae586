package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Thread is the ticket a letter continues.
type Thread struct {
	TicketID    int64
	Number      string
	Participant bool // the sender wrote in, or was written to, on this ticket
}

// Thread finds the ticket a letter continues: the newest ticket holding a
// letter whose Message-ID is in ids (the letter's In-Reply-To and
// References), else the ticket numbered tag (e.g. "TKT-000123" from the
// subject). ok is false when neither names a ticket. A ticket whose
// correspondence was purged is continued by nothing: a letter that would
// continue it opens a new ticket.
//
// from is the address the letter is answered at (for automatic mail, its
// From). It is a participant of the ticket when it is the ticket's
// citizen's, the address of a letter in (one from a person that held no
// address to answer, ReplyHeaderNone, does not count), or the recipient of
// a letter out. Since a letter joins a ticket only from an address the
// ticket already answers, an answer on it never goes to an address a
// stranger named (a Reply-To of their own).
func (db *DB) Thread(ctx context.Context, ids []string, tag, from string) (th Thread, ok bool, err error) {
	return thread(ctx, db.conn(), ids, tag, from)
}

func thread(ctx context.Context, c conn, ids []string, tag, from string) (th Thread, ok bool, err error) {
	for i := len(ids) - 1; i >= 0 && th.TicketID == 0; i-- {
		if ids[i] == "" {
			continue
		}
		err = c.QueryRowContext(ctx, `SELECT m.ticket_id, t.number FROM messages m JOIN tickets t ON t.id = m.ticket_id
			WHERE m.message_id = ? AND t.purged_at IS NULL ORDER BY m.id DESC LIMIT 1`, ids[i]).Scan(&th.TicketID, &th.Number)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return th, false, fmt.Errorf("store: thread of %q: %w", ids[i], err)
		}
	}
	if th.TicketID == 0 && tag != "" {
		err = c.QueryRowContext(ctx, "SELECT id, number FROM tickets WHERE number = ? AND purged_at IS NULL", tag).Scan(&th.TicketID, &th.Number)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return th, false, fmt.Errorf("store: thread of %s: %w", tag, err)
		}
	}
	if th.TicketID == 0 {
		return th, false, nil
	}
	var n int
	err = c.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets WHERE id = ? AND lower(citizen_address) = ?`,
		th.TicketID, strings.ToLower(from)).Scan(&n)
	if err == nil && n == 0 {
		err = c.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages WHERE ticket_id = ?
			AND ((direction = ? AND lower(from_address) = ? AND reply_header <> ?) OR (direction = ? AND lower(to_address) = ?))`,
			th.TicketID, DirectionIn, strings.ToLower(from), ReplyHeaderNone, DirectionOut, strings.ToLower(from)).Scan(&n)
	}
	if err != nil {
		return th, false, fmt.Errorf("store: participants of %s: %w", th.Number, err)
	}
	th.Participant = n > 0 && from != ""
	return th, true, nil
}

// continueTicket changes t as a follow-up in, filed at now, makes it: from
// the citizen (in.Reopen) it reopens an answered, waiting or closed ticket
// with the deadline in.Ticket.DueAt, or brings an open ticket's deadline
// forward, and makes it urgent when the follow-up is; the deadline's clock
// then starts at the follow-up's arrival (in.Ticket.StartedAt, else now).
// A reopened ticket that stays urgent when the follow-up is not is given
// the urgent window w.High from then, when w knows it, so that a priority
// an operator raised keeps its shorter deadline. It reports whether the
// ticket was reopened. followUp and Load share it, so a loaded store is
// what filing would make.
func continueTicket(t *Ticket, in Inbound, now time.Time, w Windows) (reopened bool) {
	if !in.Reopen {
		return false
	}
	started := in.Ticket.StartedAt
	if started.IsZero() {
		started = now
	}
	started = started.UTC()
	switch t.Status {
	case StatusAnswered, StatusWaiting, StatusClosed:
		reopened = true
		t.Status, t.DueAt, t.ClosedAt, t.StartedAt = StatusInProgress, in.Ticket.DueAt.UTC(), time.Time{}, started
	default:
		if due := in.Ticket.DueAt.UTC(); due.Before(t.DueAt) {
			t.DueAt, t.StartedAt = due, started
		}
	}
	if in.Ticket.Priority == PriorityHigh && t.Priority != PriorityHigh {
		t.Priority, t.PriorityReason = PriorityHigh, in.Ticket.PriorityReason
	}
	if reopened && t.Priority == PriorityHigh && w.High > 0 {
		if due := started.Add(w.High); due.Before(t.DueAt) {
			t.DueAt = due
		}
	}
	return reopened
}

// followUp files a letter on the ticket it continues. A follow-up from the
// citizen (in.Reopen) reopens an answered, waiting or closed ticket with the
// deadline in.Ticket.DueAt; on an open ticket it only brings the deadline
// forward if the follow-up is more urgent.
func (db *DB) followUp(ctx context.Context, tx conn, in Inbound, now time.Time) (Ticket, bool, error) {
	t, err := db.ticketByID(ctx, tx, in.TicketID)
	if err != nil {
		return t, false, err
	}
	reopened := continueTicket(&t, in, now, db.Windows)
	t.UpdatedAt = now.UTC()
	_, err = tx.ExecContext(ctx, `UPDATE tickets SET status = ?, priority = ?, priority_reason = ?, due_at = ?, updated_at = ?,
		closed_at = ?, clock_at = ? WHERE id = ?`, t.Status, t.Priority, t.PriorityReason, millis(t.DueAt), millis(now),
		nullMillis(t.ClosedAt), millis(t.StartedAt), t.ID)
	if err != nil {
		return t, false, fmt.Errorf("update ticket %s: %w", t.Number, err)
	}
	action := "ticket.followup"
	if reopened {
		action = "ticket.reopened"
	}
	return t, reopened, appendEvent(ctx, tx, t.ID, now, "daemon", action, "letter from "+in.FromAddress)
}

// situation is what the AnswerFunc of letter in, filed as res says, needs
// to know.
func situation(ctx context.Context, tx conn, res *Ingested, in Inbound, now time.Time) (Situation, error) {
	s := Situation{FollowUp: res.FollowUp, Reopened: res.Reopened}
	from := in.FromAddress
	// A ticket the letter opened has sent nothing yet.
	if in.LastSentTemplate != "" && res.FollowUp {
		var last sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT MAX(created_at) FROM messages WHERE ticket_id = ? AND direction = ? AND template = ?`,
			res.Ticket.ID, DirectionOut, in.LastSentTemplate).Scan(&last)
		if err != nil {
			return s, fmt.Errorf("last %s letter of %s: %w", in.LastSentTemplate, res.Ticket.Number, err)
		}
		if last.Valid {
			s.LastSent = fromMillis(last.Int64)
		}
	}
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages WHERE direction = ? AND auto = ? AND created_at >= ?
		AND lower(to_address) = ?`, DirectionOut, true, millis(now.Add(-time.Hour)), strings.ToLower(from)).Scan(&s.RecentAutoReplies)
	if err != nil {
		return s, fmt.Errorf("automatic answers to %s: %w", from, err)
	}
	return s, nil
}

// markUndeliverable records a delivery report about our letter messageID on
// its ticket.
func markUndeliverable(ctx context.Context, tx conn, messageID string, reportTicket int64, now time.Time) error {
	var id, ticket int64
	err := tx.QueryRowContext(ctx, "SELECT id, ticket_id FROM messages WHERE direction = ? AND message_id = ? AND purged_at IS NULL",
		DirectionOut, messageID).Scan(&id, &ticket)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // not ours, or purged
	}
	if err != nil {
		return fmt.Errorf("find bounced letter %s: %w", messageID, err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE messages SET undeliverable = ? WHERE id = ?",
		"delivery report stored on "+TicketNumber(reportTicket), id); err != nil {
		return fmt.Errorf("mark %s undeliverable: %w", messageID, err)
	}
	return appendEvent(ctx, tx, ticket, now, "daemon", "reply.undeliverable", messageID)
}
