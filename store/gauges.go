package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// OutboxStats is what waits in the outbox at a moment: the letters neither
// sent nor given up, and when the oldest of them was queued.
type OutboxStats struct {
	Depth  int
	Oldest time.Time // zero when Depth is 0
}

// OutboxStats counts the letters waiting in the outbox (neither sent nor
// given up) and finds when the oldest was queued (its message's
// created_at). Its cost grows with the letters waiting, not with those
// sent: the outbox_due index begins with sent_at.
func (db *DB) OutboxStats(ctx context.Context) (OutboxStats, error) {
	var n int
	var oldest sql.NullInt64
	err := db.conn().QueryRowContext(ctx, `SELECT COUNT(*), MIN(m.created_at) FROM outbox o
		JOIN messages m ON m.id = o.message_id
		WHERE o.sent_at IS NULL AND o.failed_at IS NULL`).Scan(&n, &oldest)
	if err != nil {
		return OutboxStats{}, fmt.Errorf("store: outbox stats: %w", err)
	}
	return OutboxStats{Depth: n, Oldest: nullTime(oldest)}, nil
}

// PriorityCounts are tickets counted by priority; every priority is in
// the map, 0 included.
type PriorityCounts map[Priority]int

func newPriorityCounts() PriorityCounts {
	return PriorityCounts{PriorityNormal: 0, PriorityHigh: 0}
}

// OpenByPriority counts the open tickets (every status but closed) of each
// priority, from the few rows of ticket_counts (migration 0010): its cost
// does not grow with the tickets.
func (db *DB) OpenByPriority(ctx context.Context) (PriorityCounts, error) {
	open := openStatuses()
	args := make([]any, len(open))
	for i, s := range open {
		args[i] = string(s)
	}
	return db.countByPriority(ctx, "open tickets by priority",
		"SELECT priority, SUM(n) FROM ticket_counts WHERE status IN ("+marks(len(args))+") GROUP BY priority", args...)
}

// OverdueByPriority counts the tickets waiting for our answer whose
// deadline has come at now, by priority, along the tickets_watch index:
// its cost grows with the tickets waiting for an answer.
func (db *DB) OverdueByPriority(ctx context.Context, now time.Time) (PriorityCounts, error) {
	return db.countByPriority(ctx, "overdue tickets by priority",
		"SELECT priority, COUNT(*) FROM tickets WHERE "+awaiting+" AND due_at <= ? GROUP BY priority", millis(now))
}

func (db *DB) countByPriority(ctx context.Context, what, query string, args ...any) (PriorityCounts, error) {
	rows, err := db.conn().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	counts := newPriorityCounts()
	for rows.Next() {
		var p Priority
		var n sql.NullInt64
		if err := rows.Scan(&p, &n); err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		counts[p] += int(n.Int64)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return counts, nil
}
