package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// What an export reads (the audit package writes it): the tickets asked
// for (ExportTickets), each with every event of it in chain form
// (TicketChain), its letters and files (Messages, Raw, AttachmentsOfTicket,
// Blob) and notes (Notes), and the segment of the chain that covers them
// (ChainSegment), up to the end of the chain (ChainEnd). Letters and files
// are read one at a time and the segment a page at a time, so an export
// never holds more than one letter.

// ExportQuery says which tickets an export covers: one by its number, or
// every ticket of a sender.
type ExportQuery struct {
	Number string // e.g. "TKT-000123"
	// Sender selects the tickets whose citizen is this address and those
	// holding a letter from it. The part before the @ must match as
	// written and the domain in any case, as RFC 5321 (2.4) allows mail
	// servers to treat them.
	Sender string
}

// ExportTickets returns the tickets q selects, with their descriptions, in
// number order; none is ErrNotFound. A sender's tickets are found by
// reading every ticket's and inbound letter's address (there is no index
// on them): a second or two at a million tickets.
func (db *DB) ExportTickets(ctx context.Context, q ExportQuery) ([]Ticket, error) {
	switch {
	case q.Number != "" && q.Sender != "":
		return nil, errors.New("store: export: a ticket number or a sender, not both")
	case q.Number != "":
		t, err := db.Ticket(ctx, q.Number)
		if err != nil {
			return nil, err
		}
		return []Ticket{t}, nil
	case q.Sender == "":
		return nil, errors.New("store: export: no ticket number or sender")
	}
	ids, err := db.ticketsOfSender(ctx, q.Sender)
	if err != nil {
		return nil, fmt.Errorf("store: tickets of sender: %w", err)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("store: tickets of sender %s: %w", q.Sender, ErrNotFound)
	}
	ts := make([]Ticket, 0, len(ids))
	for _, id := range ids {
		t, err := db.ticketByID(ctx, db.conn(), id)
		if err != nil {
			return nil, fmt.Errorf("store: tickets of sender: %w", err)
		}
		ts = append(ts, t)
	}
	return ts, nil
}

// ticketsOfSender returns, in id order, the tickets whose citizen is
// address or that hold an inbound letter from it (SameAddress).
func (db *DB) ticketsOfSender(ctx context.Context, address string) ([]int64, error) {
	local, _, ok := splitAddress(address)
	if !ok {
		return nil, fmt.Errorf("%q is not an address", address)
	}
	// The local part is compared here as written; the domain, in any
	// case, below (SQLite's lower() folds only ASCII).
	prefix := local + "@"
	n := utf8.RuneCountInString(prefix)
	rows, err := db.conn().QueryContext(ctx, `SELECT id, citizen_address FROM tickets WHERE substr(citizen_address, 1, ?) = ?
		UNION ALL SELECT ticket_id, from_address FROM messages WHERE direction = ? AND substr(from_address, 1, ?) = ?`,
		n, prefix, DirectionIn, n, prefix)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		var a string
		if err := rows.Scan(&id, &a); err != nil {
			return nil, err
		}
		if SameAddress(a, address) {
			ids = append(ids, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// SameAddress reports whether a and b are one mailbox: the same local part
// as written, the same domain in any case.
func SameAddress(a, b string) bool {
	localA, domainA, okA := splitAddress(a)
	localB, domainB, okB := splitAddress(b)
	return okA && okB && localA == localB && strings.EqualFold(domainA, domainB)
}

// splitAddress splits an address at its last @.
func splitAddress(a string) (local, domain string, ok bool) {
	i := strings.LastIndexByte(a, '@')
	if i <= 0 || i == len(a)-1 {
		return "", "", false
	}
	return a[:i], a[i+1:], true
}

// TicketChain returns every event of a ticket up to event upTo, in chain
// order and chain form: its changes, the reads of it and the letter.stored
// events, which Events leaves out.
func (db *DB) TicketChain(ctx context.Context, ticketID, upTo int64) ([]ChainEvent, error) {
	rows, err := db.conn().QueryContext(ctx, "SELECT "+chainColumns+" FROM events WHERE ticket_id = ? AND id <= ? ORDER BY id",
		ticketID, upTo)
	if err != nil {
		return nil, fmt.Errorf("store: chain of ticket %d: %w", ticketID, err)
	}
	defer rows.Close()
	var es []ChainEvent
	for rows.Next() {
		e, err := scanChainEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("store: chain of ticket %d: %w", ticketID, err)
		}
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: chain of ticket %d: %w", ticketID, err)
	}
	return es, nil
}

// segmentPage is how many events ChainSegment reads at a time.
const segmentPage = 5000

// ChainSegment calls f with each event from first to last, in chain order.
// An event of a ticket own does not report (another citizen's, or of no
// ticket) is given veiled (ChainEvent.Veiled): its detail, which may name
// someone else, replaced by its SHA-256, so that its hash can still be
// recomputed. Events are read a page at a time; f runs between
// reads, never inside one.
func (db *DB) ChainSegment(ctx context.Context, first, last int64, own func(ticketID int64) bool, f func(ChainEvent) error) error {
	after := first - 1
	for after < last {
		es, err := readChainUpTo(ctx, db.conn(), after, last, segmentPage)
		if err != nil {
			return fmt.Errorf("store: chain segment after event %d: %w", after, err)
		}
		if len(es) == 0 {
			return nil
		}
		for _, e := range es {
			if e.TicketID == 0 || !own(e.TicketID) {
				e = e.Veiled()
			}
			if err := f(e); err != nil {
				return err
			}
		}
		after = es[len(es)-1].ID
	}
	return nil
}
