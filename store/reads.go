package store

import (
	"context"
	"fmt"
	"strings"
)

// What a reader read: the event actions of reads are "read." and one of
// these.
const (
	ReadTicket = "ticket" // a ticket opened (its page, "ticketd show", the API)
	ReadLetter = "letter" // a letter's raw bytes downloaded
	ReadFile   = "file"   // an attachment, its thumbnail or display copy downloaded
	ReadSearch = "search" // a search: its terms, masked where they are personal data
	ReadExport = "export" // an export of a ticket's or a citizen's correspondence
)

// Read is one reading of personal data, to record (RecordRead).
type Read struct {
	TicketID int64  // the ticket read; 0 for a search or an export of a citizen's tickets
	Actor    string // the account, or the name the CLI was run with
	What     string // ReadTicket, ReadLetter, ...
	Detail   string // which letter or file, the search's masked terms
}

// ReadEvent is a recorded read.
type ReadEvent struct {
	ID     int64  `json:"id"`
	Ticket string `json:"ticket,omitempty"` // its number; "" for reads of no ticket
	Event
}

// RecordRead appends r to the event log. Reads give a ticket no new
// version: they are not changes, and the console's live feed ignores them.
func (db *DB) RecordRead(ctx context.Context, r Read) error {
	if r.Actor == "" || r.What == "" {
		return fmt.Errorf("store: record read: actor and what are required")
	}
	return db.inTx(ctx, func(tx conn) error {
		if err := appendEvents(ctx, tx, []ChainEvent{{TicketID: r.TicketID, At: db.now(), Actor: r.Actor,
			Action: "read." + r.What, Detail: r.Detail}}); err != nil {
			return fmt.Errorf("store: record read of %s: %w", r.What, err)
		}
		return nil
	})
}

// ReadFilter selects recorded reads: of one ticket, by one actor, or all,
// newest first, a page at a time.
type ReadFilter struct {
	TicketID int64  // 0: of any ticket
	Number   string // the ticket by its number (TKT-000123); "": any
	Actor    string // "": by anyone
	Before   int64  // only reads with a smaller ID (the last of the page before); 0: from the newest
	Limit    int    // at most this many; 0 or over 500 means 500
}

// Reads returns the recorded reads f selects, newest first.
func (db *DB) Reads(ctx context.Context, f ReadFilter) ([]ReadEvent, error) {
	where := []string{"e.action LIKE 'read.%'"}
	var args []any
	if f.TicketID != 0 {
		where, args = append(where, "e.ticket_id = ?"), append(args, f.TicketID)
	}
	if f.Number != "" {
		where, args = append(where, "e.ticket_id = (SELECT id FROM tickets WHERE number = ?)"), append(args, f.Number)
	}
	if f.Actor != "" {
		where, args = append(where, "e.actor = ?"), append(args, f.Actor)
	}
	if f.Before > 0 {
		where, args = append(where, "e.id < ?"), append(args, f.Before)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	args = append(args, limit)
	rows, err := db.conn().QueryContext(ctx, `SELECT e.id, COALESCE(t.number, ''), e.at, e.actor, e.action, e.detail
		FROM events e LEFT JOIN tickets t ON t.id = e.ticket_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY e.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: reads: %w", err)
	}
	defer rows.Close()
	var rs []ReadEvent
	for rows.Next() {
		var r ReadEvent
		var at int64
		if err := rows.Scan(&r.ID, &r.Ticket, &at, &r.Actor, &r.Action, &r.Detail); err != nil {
			return nil, fmt.Errorf("store: reads: %w", err)
		}
		r.At = fromMillis(at)
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reads: %w", err)
	}
	return rs, nil
}
