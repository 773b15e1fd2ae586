package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
)

// ticketListColumns are the columns of a ticket but its description, as
// lists read them; scanListed reads them.
const ticketListColumns = `id, number, status, priority, priority_reason, category, language, citizen_name,
	citizen_address, subject, account_number, application_number, created_at, due_at, updated_at,
	COALESCE((SELECT l.number FROM tickets l WHERE l.id = tickets.linked_ticket_id), '') AS linked_to,
	answer_problem, assignee, version, sealed_fields, closed_at, purged_at, purge_rule,
	COALESCE(clock_at, created_at) AS started_at, tickets.mailbox, tickets.queue`

// ticketColumns are all the columns of a ticket; scanTicket reads them.
const ticketColumns = ticketListColumns + ", description, description_sealed, sealed_description"

type scanner interface{ Scan(dest ...any) error }

// scanListed reads the ticketListColumns of a row into t, its sealed
// fields opened, then the extra columns that follow them.
func (db *DB) scanListed(s scanner, t *Ticket, extra ...any) error {
	var created, due, updated, started int64
	var fields []byte
	var closed, purged sql.NullInt64
	dest := append([]any{&t.ID, &t.Number, &t.Status, &t.Priority, &t.PriorityReason, &t.Category, &t.Language,
		&t.CitizenName, &t.CitizenAddress, &t.Subject, &t.AccountNumber, &t.ApplicationNumber,
		&created, &due, &updated, &t.LinkedTo, &t.AnswerProblem, &t.Assignee, &t.Version, &fields,
		&closed, &purged, &t.PurgeRule, &started, &t.Mailbox, &t.Queue}, extra...)
	if err := s.Scan(dest...); err != nil {
		return err
	}
	t.CreatedAt, t.DueAt, t.UpdatedAt = fromMillis(created), fromMillis(due), fromMillis(updated)
	t.StartedAt = fromMillis(started)
	t.ClosedAt, t.PurgedAt = nullTime(closed), nullTime(purged)
	if err := db.openTicketFields(t, fields); err != nil {
		return fmt.Errorf("ticket %s: %w", t.Number, err)
	}
	return nil
}

// scanTicket reads the ticketColumns of a row: the ticket with its
// description, unsealed.
func (db *DB) scanTicket(s scanner) (Ticket, error) {
	var t Ticket
	var sealedDesc []byte
	var sealed bool
	if err := db.scanListed(s, &t, &t.Description, &sealed, &sealedDesc); err != nil {
		return t, err
	}
	if !sealed {
		return t, nil
	}
	plain, err := db.seal.open(sealedDesc, sealed, descriptionAD)
	t.Description = string(plain)
	return t, err
}

// descriptionAD is the associated data of sealed ticket descriptions.
const descriptionAD = "ticket description"

func (db *DB) ticketByID(ctx context.Context, tx conn, id int64) (Ticket, error) {
	t, err := db.scanTicket(tx.QueryRowContext(ctx, "SELECT "+ticketColumns+" FROM tickets WHERE id = ?", id))
	if err != nil {
		return t, fmt.Errorf("ticket %d: %w", id, err)
	}
	return t, nil
}

// Ticket returns the ticket with the given number, e.g. "TKT-000001".
func (db *DB) Ticket(ctx context.Context, number string) (Ticket, error) {
	t, err := db.scanTicket(db.conn().QueryRowContext(ctx, "SELECT "+ticketColumns+" FROM tickets WHERE number = ?", number))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("store: ticket %s: %w", number, ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("store: ticket %s: %w", number, err)
	}
	return t, nil
}

// Messages returns the correspondence of a ticket in the order it was
// stored, without the letters' bytes: Raw reads those, one letter at a
// time.
func (db *DB) Messages(ctx context.Context, ticketID int64) ([]Message, error) {
	rows, err := db.conn().QueryContext(ctx, `SELECT m.id, m.ticket_id, m.direction, m.message_id, m.from_name, m.from_address,
		m.to_address, m.subject, m.template, m.operator, m.auto, m.undeliverable, m.mailbox, m.uid, m.note, m.size,
		m.raw_sha256, m.created_at, o.sent_at, m.dedupe_key, m.sealed_fields, m.purged_at, m.reply_header
		FROM messages m LEFT JOIN outbox o ON o.message_id = m.id
		WHERE m.ticket_id = ? ORDER BY m.id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("store: messages of ticket %d: %w", ticketID, err)
	}
	defer rows.Close()
	var ms []Message
	for rows.Next() {
		var m Message
		var created int64
		var sent, purged sql.NullInt64
		var key string
		var fields []byte
		if err := rows.Scan(&m.ID, &m.TicketID, &m.Direction, &m.MessageID, &m.FromName, &m.FromAddress,
			&m.ToAddress, &m.Subject, &m.Template, &m.Operator, &m.Auto, &m.Undeliverable, &m.Mailbox, &m.UID, &m.Note,
			&m.Size, &m.RawSHA256, &created, &sent, &key, &fields, &purged, &m.ReplyHeader); err != nil {
			return nil, fmt.Errorf("store: messages of ticket %d: %w", ticketID, err)
		}
		if err := db.openFields(fields, letterFieldsAD(key), &m.FromName, &m.Subject); err != nil {
			return nil, fmt.Errorf("store: letter %d: %w", m.ID, err)
		}
		m.CreatedAt = fromMillis(created)
		if sent.Valid {
			m.SentAt = fromMillis(sent.Int64)
		}
		m.PurgedAt = nullTime(purged)
		ms = append(ms, m)
	}
	return ms, rows.Err()
}

// Raw returns the bytes of the stored letter id (a Message.ID) as they
// were received or sent: whole, unsealed, its pieces joined. A letter may
// be tens of megabytes; read it only to show or export it. A letter a
// purge removed is a *PurgedError (errors.Is ErrPurged).
func (db *DB) Raw(ctx context.Context, id int64) ([]byte, error) {
	var inline []byte
	var sealed bool
	var pieces int
	var sum string
	var purged sql.NullInt64
	err := db.conn().QueryRowContext(ctx, "SELECT raw, sealed, chunks, raw_sha256, purged_at FROM messages WHERE id = ?", id).
		Scan(&inline, &sealed, &pieces, &sum, &purged)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: letter %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: letter %d: %w", id, err)
	}
	if purged.Valid {
		return nil, &PurgedError{What: fmt.Sprintf("letter %d", id), At: fromMillis(purged.Int64)}
	}
	raw, err := db.value(ctx, db.conn(), messageOwner(id), inline, pieces, sealed, sum)
	if err != nil {
		return nil, fmt.Errorf("store: letter %d: %w", id, err)
	}
	return raw, nil
}

// AttachmentsOfTicket returns the files of every letter of a ticket,
// without their bytes (with the SHA-256s of their thumbnails and display
// copies), by the Message.ID of the letter that carried them, each
// letter's in the order they were stored. It reads them in one query.
func (db *DB) AttachmentsOfTicket(ctx context.Context, ticketID int64) (map[int64][]Attachment, error) {
	rows, err := db.conn().QueryContext(ctx, `SELECT a.message_id, a.filename, a.original_name, a.declared_type,
		a.detected_type, a.size, a.sha256, a.verdict, a.reason, a.detail, a.width, a.height, a.pages, a.sealed_names,
		COALESCE(a.thumbnail_sha256, ''), COALESCE(a.display_sha256, '')
		FROM messages m JOIN attachments a ON a.message_id = m.id
		WHERE m.ticket_id = ? ORDER BY a.id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("store: attachments of ticket %d: %w", ticketID, err)
	}
	defer rows.Close()
	as := map[int64][]Attachment{}
	for rows.Next() {
		var a Attachment
		var msg int64
		var names []byte
		if err := rows.Scan(&msg, &a.Filename, &a.OriginalName, &a.DeclaredType, &a.DetectedType, &a.Size, &a.SHA256,
			&a.Verdict, &a.Reason, &a.Detail, &a.Width, &a.Height, &a.Pages, &names, &a.ThumbnailSHA256, &a.DisplaySHA256); err != nil {
			return nil, fmt.Errorf("store: attachments of ticket %d: %w", ticketID, err)
		}
		if err := db.openFields(names, fileNamesAD(msg, a.SHA256), &a.Filename, &a.OriginalName); err != nil {
			return nil, fmt.Errorf("store: file %s of letter %d: %w", a.SHA256, msg, err)
		}
		as[msg] = append(as[msg], a)
	}
	return as, rows.Err()
}

// Blob returns stored bytes by SHA-256; a file a purge removed is a
// *PurgedError (errors.Is ErrPurged).
func (db *DB) Blob(ctx context.Context, sum string) ([]byte, error) {
	var b []byte
	var sealed bool
	var pieces int
	var purged sql.NullInt64
	err := db.conn().QueryRowContext(ctx, "SELECT data, sealed, chunks, purged_at FROM blobs WHERE sha256 = ?", sum).
		Scan(&b, &sealed, &pieces, &purged)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: blob %s: %w", sum, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: blob %s: %w", sum, err)
	}
	if purged.Valid {
		return nil, &PurgedError{What: "file " + sum, At: fromMillis(purged.Int64)}
	}
	return db.value(ctx, db.conn(), blobOwner(sum), b, pieces, sealed, sum)
}

// Events returns the event log of a ticket, oldest first: what happened to
// it, without who read it (Reads) or the chain's record of each letter's
// hashes (letter.stored, which an export and "ticketd audit verify" read).
func (db *DB) Events(ctx context.Context, ticketID int64) ([]Event, error) {
	rows, err := db.conn().QueryContext(ctx, "SELECT "+eventColumns+" FROM events WHERE ticket_id = ? AND "+changesOnly+" ORDER BY id", ticketID)
	if err != nil {
		return nil, fmt.Errorf("store: events of ticket %d: %w", ticketID, err)
	}
	es, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("store: events of ticket %d: %w", ticketID, err)
	}
	return es, nil
}

// changesOnly leaves reads and letter.stored events out.
const changesOnly = "action NOT LIKE 'read.%' AND action <> 'letter.stored'"

// eventColumns are the columns of an event; scanEvents reads them.
// A detail a purge erased reads as "": what it held is gone, and the
// SHA-256 the row keeps of it is for the chain (ChainEvent), not for
// people.
const eventColumns = "at, actor, action, CASE WHEN detail_erased = 0 THEN detail ELSE '' END, version"

// scanEvents reads rows of eventColumns, and closes them.
func scanEvents(rows *sql.Rows) ([]Event, error) {
	defer rows.Close()
	var es []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&at, &e.Actor, &e.Action, &e.Detail, &e.Version); err != nil {
			return nil, err
		}
		e.At = fromMillis(at)
		es = append(es, e)
	}
	return es, rows.Err()
}

// Counts reports how many tickets, letters and unsent deliveries are stored.
type Counts struct{ Tickets, Inbound, Outbound, Unsent int }

// Count returns the store's totals.
func (db *DB) Count(ctx context.Context) (Counts, error) {
	var c Counts
	err := db.conn().QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM tickets),
		(SELECT COUNT(*) FROM messages WHERE direction = ?),
		(SELECT COUNT(*) FROM messages WHERE direction = ?),
		(SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL)`, DirectionIn, DirectionOut).Scan(&c.Tickets, &c.Inbound, &c.Outbound, &c.Unsent)
	if err != nil {
		return c, fmt.Errorf("store: count: %w", err)
	}
	return c, nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
