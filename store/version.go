package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Versions. Every change to a ticket takes the next value of one change
// sequence for the whole store (migration 0010) as the ticket's Version:
// so a ticket's version changes whenever what an operator sees of it does,
// and the tickets changed after any moment are those of a greater version.
// A change is always recorded as an event of the ticket (appendEvent takes
// the version), and the event keeps the version it gave, so the changes
// after a version can be listed. Versions are taken by writers holding the
// database's only write lock, so they are committed in the order they are
// taken: a reader of ChangedTickets never sees a version after one that is
// not committed yet. On PostgreSQL, the writers hold the chain's advisory
// lock instead (postgres.go), taken before the version and held to commit.

// ErrConflict is returned, wrapped in a *ConflictError, by an action that
// names the version of a ticket it was decided on when the ticket has
// changed since.
var ErrConflict = errors.New("store: ticket changed")

// ConflictError is the refusal of an action decided on Version of ticket
// Number, which is now at version Current.
type ConflictError struct {
	Number           string
	Version, Current int64
	// Changes are the ticket's events after Version, oldest first: what
	// the operator did not see. They may be none when Version is not one
	// the ticket ever had.
	Changes []Event
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("store: ticket %s changed since version %d (now %d, %d changes)",
		e.Number, e.Version, e.Current, len(e.Changes))
}

// Unwrap makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Unwrap() error { return ErrConflict }

// nextVersion takes the next value of the change sequence.
func nextVersion(ctx context.Context, tx conn) (int64, error) {
	// On PostgreSQL, versions are taken under the chain's lock, held until
	// commit, so they are committed in the order they are taken.
	if err := tx.db.be.lockChain(ctx, tx); err != nil {
		return 0, err
	}
	var v int64
	if err := tx.QueryRowContext(ctx, "UPDATE change_sequence SET value = value + 1 WHERE id = 1 RETURNING value").Scan(&v); err != nil {
		return 0, fmt.Errorf("next version: %w", err)
	}
	return v, nil
}

// bump gives ticket id the next version and returns it.
func bump(ctx context.Context, tx conn, id int64) (int64, error) {
	v, err := nextVersion(ctx, tx)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE tickets SET version = ? WHERE id = ?", v, id); err != nil {
		return 0, fmt.Errorf("version of ticket %d: %w", id, err)
	}
	return v, nil
}

// ticketState is what an action reads of a ticket before changing it.
type ticketState struct {
	id             int64
	number         string
	status         Status
	priority       Priority
	priorityReason string
	assignee       string
	version        int64
}

// lockTicket reads the ticket numbered number in tx, which holds the write
// lock, so that it cannot change until tx ends. Unless version is 0, a
// ticket at another version is a *ConflictError with the changes after
// version. An unknown ticket is ErrNotFound; a purged one, which takes no
// more changes, a *PurgedError.
func lockTicket(ctx context.Context, tx conn, number string, version int64) (ticketState, error) {
	s := ticketState{number: number}
	// On PostgreSQL, the chain's lock stands for SQLite's write lock here:
	// every change to a ticket takes it before it reads the ticket.
	if err := tx.db.be.lockChain(ctx, tx); err != nil {
		return s, err
	}
	var purged sql.NullInt64
	err := tx.QueryRowContext(ctx, "SELECT id, status, priority, priority_reason, assignee, version, purged_at FROM tickets WHERE number = ?",
		number).Scan(&s.id, &s.status, &s.priority, &s.priorityReason, &s.assignee, &s.version, &purged)
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("store: ticket %s: %w", number, ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("store: ticket %s: %w", number, err)
	}
	if purged.Valid {
		// Whatever it took now would be kept forever: a purged ticket is
		// never purged again.
		return s, &PurgedError{What: "the correspondence of " + number, At: fromMillis(purged.Int64)}
	}
	if version == 0 || version == s.version {
		return s, nil
	}
	changes, err := eventsAfter(ctx, tx, s.id, version)
	if err != nil {
		return s, fmt.Errorf("store: ticket %s: %w", number, err)
	}
	return s, &ConflictError{Number: number, Version: version, Current: s.version, Changes: changes}
}

// eventsAfter returns the events of ticket id that gave it a version after
// version, oldest first.
func eventsAfter(ctx context.Context, tx conn, id, version int64) ([]Event, error) {
	rows, err := tx.QueryContext(ctx, "SELECT "+eventColumns+" FROM events WHERE ticket_id = ? AND version > ? ORDER BY id", id, version)
	if err != nil {
		return nil, fmt.Errorf("events after version %d: %w", version, err)
	}
	return scanEvents(rows)
}

// LatestVersion returns the last version given to a ticket: a live feed
// that starts now asks ChangedTickets for the tickets after it.
func (db *DB) LatestVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := db.conn().QueryRowContext(ctx, "SELECT value FROM change_sequence WHERE id = 1").Scan(&v); err != nil {
		return 0, fmt.Errorf("store: latest version: %w", err)
	}
	return v, nil
}

// ChangedTickets returns up to limit tickets whose version is greater than
// after, in version order, without their descriptions: the live feed. The
// last ticket's Version is the after of the next call. A ticket changed
// twice since after is listed once, at its latest version. limit is
// bounded as TicketFilter.Limit is.
func (db *DB) ChangedTickets(ctx context.Context, after int64, limit int) ([]Ticket, error) {
	switch {
	case limit <= 0:
		limit = DefaultTicketLimit
	case limit > MaxTicketLimit:
		limit = MaxTicketLimit
	}
	rows, err := db.conn().QueryContext(ctx, "SELECT "+ticketListColumns+" FROM tickets WHERE version > ? ORDER BY version LIMIT ?",
		after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: tickets changed after %d: %w", after, err)
	}
	defer rows.Close()
	var ts []Ticket
	for rows.Next() {
		var t Ticket
		if err := db.scanListed(rows, &t); err != nil {
			return nil, fmt.Errorf("store: tickets changed after %d: %w", after, err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: tickets changed after %d: %w", after, err)
	}
	return ts, nil
}
