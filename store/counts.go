package store

import (
	"context"
	"fmt"
	"strings"
)

// openStatuses are the statuses StatusCounts counts (Status.Open), in the
// order of a ticket's life.
func openStatuses() []Status {
	return []Status{StatusNew, StatusInProgress, StatusWaiting, StatusAnswered}
}

// StatusCounts returns how many tickets f selects in each open status
// (every status but closed; each is in the map, 0 included), ignoring
// f.Status and the page fields (Order, After, Limit, NoTotal).
//
// Counts by priority, category and assignee alone are sums of a few rows
// of ticket_counts, which triggers keep (migration 0010), however many
// tickets there are. A filter with a due range or a search counts the
// tickets it selects, as TicketPage.Total does: its cost grows with them.
func (db *DB) StatusCounts(ctx context.Context, f TicketFilter) (map[Status]int, error) {
	f.Status, f.After, f.Order = nil, "", OrderNewest
	q, err := db.ticketQuery(ctx, f)
	if err != nil {
		return nil, err
	}
	open := openStatuses()
	counts := make(map[Status]int, len(open))
	statuses := make([]any, len(open))
	for i, s := range open {
		counts[s] = 0
		statuses[i] = string(s)
	}
	var text string
	var args []any
	if f.DueAfter.IsZero() && f.DueBefore.IsZero() && strings.TrimSpace(f.Search) == "" {
		// Every condition is on a column of ticket_counts.
		where, wargs := []string{"status IN (" + marks(len(statuses)) + ")"}, statuses
		cq := &ticketQuery{}
		whereIn(cq, "priority", f.Priority)
		whereIn(cq, "category", f.Category)
		whereIn(cq, "assignee", f.Assignee)
		text = "SELECT status, SUM(n) FROM ticket_counts" + whereClause(append(where, cq.where...)) + " GROUP BY status"
		args = append(wargs, cq.args...)
	} else {
		where, wargs := q.conditions(open)
		text, args = "SELECT status, COUNT(*) FROM tickets"+whereClause(where)+" GROUP BY status", wargs
	}
	// Not prepared and kept: the text differs with the filter.
	rows, err := db.conn().QueryOnce(ctx, text, args...)
	if err != nil {
		return nil, fmt.Errorf("store: count tickets by status: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s Status
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("store: count tickets by status: %w", err)
		}
		counts[s] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: count tickets by status: %w", err)
	}
	return counts, nil
}
