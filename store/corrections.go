package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PriorityCorrection is a ticket whose priority an operator changed: what
// the operator decided, and the letter that opened the ticket, which is
// what triage had read. "ticketd triage learn" trains on them.
type PriorityCorrection struct {
	TicketID int64
	Ticket   string    // TKT-…
	Priority Priority  // as the operator left it
	Reason   string    // the operator's reason, as given
	Actor    string    // who made the last change
	At       time.Time // when
	// Letter is the Message.ID of the first letter the citizen sent on
	// the ticket, whose bytes Raw returns; 0 when none is kept.
	Letter int64
}

// PriorityCorrections returns every ticket whose priority an operator
// changed and that a purge has not removed, with the last change, in
// ticket order.
func (db *DB) PriorityCorrections(ctx context.Context) ([]PriorityCorrection, error) {
	rows, err := db.conn().QueryContext(ctx, `SELECT t.id, t.number, t.priority, t.priority_reason, e.actor, e.at,
		(SELECT MIN(m.id) FROM messages m WHERE m.ticket_id = t.id AND m.direction = 'in' AND m.purged_at IS NULL)
		FROM tickets t JOIN events e ON e.id = (
			SELECT MAX(id) FROM events WHERE ticket_id = t.id AND action = 'priority.changed')
		WHERE t.purged_at IS NULL ORDER BY t.id`)
	if err != nil {
		return nil, fmt.Errorf("store: priority corrections: %w", err)
	}
	defer rows.Close()
	var cs []PriorityCorrection
	for rows.Next() {
		var c PriorityCorrection
		var at int64
		var letter sql.NullInt64
		if err := rows.Scan(&c.TicketID, &c.Ticket, &c.Priority, &c.Reason, &c.Actor, &at, &letter); err != nil {
			return nil, fmt.Errorf("store: priority corrections: %w", err)
		}
		c.At, c.Letter = fromMillis(at), letter.Int64
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: priority corrections: %w", err)
	}
	return cs, nil
}
