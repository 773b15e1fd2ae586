package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Note is an operator's internal note on a ticket. It is never mailed;
// with a key set it is sealed at rest.
type Note struct {
	ID        int64     `json:"id"`
	Author    string    `json:"author"` // the actor who wrote it, as the event log names people ("operator:anna")
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

// MaxNoteLength is the most bytes a note's text may have.
const MaxNoteLength = 16 << 10

// noteAD is the associated data of a sealed note: it names the note's row
// and ticket, so a sealed note cannot be moved to another row or ticket
// unnoticed.
func noteAD(id, ticketID int64) string { return fmt.Sprintf("note %d of ticket %d", id, ticketID) }

// AddNote adds an internal note by actor to the ticket with the given
// number, sealed when the store has a key, recording the event note.added.
// The event names the note, never its text: the event log is not sealed.
// Text is kept as written, but must not be blank nor longer than
// MaxNoteLength.
func (db *DB) AddNote(ctx context.Context, number, text, actor string) (Note, error) {
	n := Note{Author: actor, Text: text}
	if strings.TrimSpace(text) == "" {
		return n, fmt.Errorf("store: note on %s: no text", number)
	}
	if len(text) > MaxNoteLength {
		return n, fmt.Errorf("store: note on %s: %d bytes; at most %d", number, len(text), MaxNoteLength)
	}
	err := db.inTx(ctx, func(tx conn) error {
		t, err := lockTicket(ctx, tx, number, 0)
		if err != nil {
			return err
		}
		if n.ID, err = nextNoteID(ctx, tx); err != nil {
			return fmt.Errorf("store: note on %s: %w", number, err)
		}
		now := db.now()
		n.CreatedAt = fromMillis(millis(now))
		plain, sealedText, sealed := text, []byte(nil), false
		if db.seal != nil {
			plain = ""
			sealedText, sealed = db.seal.seal([]byte(text), noteAD(n.ID, t.id))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notes (id, ticket_id, author, text, sealed, sealed_text, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, n.ID, t.id, actor, plain, sealed, sealedText, millis(now)); err != nil {
			return fmt.Errorf("store: note on %s: %w", number, err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE tickets SET updated_at = ? WHERE id = ?", millis(now), t.id); err != nil {
			return fmt.Errorf("store: note on %s: %w", number, err)
		}
		return appendEvent(ctx, tx, t.id, now, actor, "note.added", fmt.Sprintf("note %d", n.ID))
	})
	if err != nil {
		return Note{}, err
	}
	return n, nil
}

// Notes returns the notes on a ticket, oldest first, unsealed. A sealed
// note read without the key is ErrNoKey.
func (db *DB) Notes(ctx context.Context, ticketID int64) ([]Note, error) {
	rows, err := db.conn().QueryContext(ctx, `SELECT id, author, text, sealed, sealed_text, created_at FROM notes
		WHERE ticket_id = ? ORDER BY id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("store: notes of ticket %d: %w", ticketID, err)
	}
	defer rows.Close()
	var ns []Note
	for rows.Next() {
		var n Note
		var sealed bool
		var sealedText []byte
		var created int64
		if err := rows.Scan(&n.ID, &n.Author, &n.Text, &sealed, &sealedText, &created); err != nil {
			return nil, fmt.Errorf("store: notes of ticket %d: %w", ticketID, err)
		}
		n.CreatedAt = fromMillis(created)
		if sealed {
			plain, err := db.seal.open(sealedText, sealed, noteAD(n.ID, ticketID))
			if err != nil {
				return nil, fmt.Errorf("store: note %d: %w", n.ID, err)
			}
			n.Text = string(plain)
		}
		ns = append(ns, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: notes of ticket %d: %w", ticketID, err)
	}
	return ns, nil
}
