package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Several daemons share the outbox and the notices (migration 0017): a
// letter due is claimed before it is handed to a sender, for the claim's
// time to live (DefaultClaimTTL), and is due to nobody else meanwhile.
// Recording what became of it (sent, postponed, given up) ends the claim.
// A process killed while sending leaves its claims to expire (or, on its
// own host, to be taken at once by the next process: holders.go); another
// then claims and sends those letters again, so a kill doubles at most
// the letters it had in flight.

// claimDue claims, in tx, up to limit rows of table (outbox or notices)
// that are due at now and unclaimed, claimed until now or before,
// claimed by this process, or claimed by a process of this host that died
// (holders.go), for db.Holder() until now plus the claim's time
// to live, and returns their ids, oldest due first. A letter this process
// claimed and did not send (its connection failed, shutdown began) is
// its own to send at the next drain; replies.Outbox remembers the letters
// in flight of a drain, and does not hand them out twice. On PostgreSQL rows another transaction is
// claiming are skipped rather than waited for.
func (db *DB) claimDue(ctx context.Context, tx conn, table string, now time.Time, limit int) ([]int64, error) {
	at := millis(now)
	dead, err := db.deadHolders(ctx, tx, table, "claimed_by", "claimed_until", at)
	if err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	orDead, deadArgs := orHolderIn("claimed_by", dead)
	pick := "SELECT id FROM " + table + ` WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?
		AND (claimed_until IS NULL OR claimed_until <= ? OR claimed_by = ?` + orDead + `) ORDER BY next_attempt_at, id LIMIT ?`
	if db.postgres() {
		pick += " FOR UPDATE SKIP LOCKED"
	}
	args := append([]any{db.Holder(), at + db.claimTTL().Milliseconds(), at, at, db.Holder()}, deadArgs...)
	rows, err := tx.QueryContext(ctx, "UPDATE "+table+" SET claimed_by = ?, claimed_until = ? WHERE id IN ("+pick+") RETURNING id",
		append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("claim: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// idList is ids as SQL's "?, ?, ..." and the arguments that go with it.
func idList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return strings.Repeat(", ?", len(ids))[2:], args
}

// dueAt is the SQL of when a row of the outbox or the notices is next
// due: its next attempt, or, while another process has it claimed, the
// end of that claim. Its argument is db.Holder().
const dueAt = "CASE WHEN claimed_until IS NOT NULL AND claimed_until > next_attempt_at AND claimed_by <> ? THEN claimed_until ELSE next_attempt_at END"

// DueDeliveries claims up to limit unsent letters whose next attempt is at
// or before now and that no other process has claimed (or whose claim
// expired), and returns them, oldest first. Each is this process's until
// it records what became of it (MarkAllSent, Postpone, GiveUp) or the
// claim expires; letters it claimed before and has not recorded are
// returned again (see claimDue).
func (db *DB) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]Delivery, error) {
	var ds []Delivery
	err := db.inTx(ctx, func(tx conn) error {
		ids, err := db.claimDue(ctx, tx, "outbox", now, limit)
		if err != nil || len(ids) == 0 {
			return err
		}
		marks, args := idList(ids)
		rows, err := tx.QueryContext(ctx, `SELECT o.id, t.id, t.number, m.message_id, o.envelope_from, o.envelope_to, o.attempts,
			m.raw, m.sealed, m.raw_sha256
			FROM outbox o JOIN messages m ON m.id = o.message_id JOIN tickets t ON t.id = m.ticket_id
			WHERE o.id IN (`+marks+`) ORDER BY o.next_attempt_at, o.id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d Delivery
			var sealed bool
			var sum string
			if err := rows.Scan(&d.ID, &d.TicketID, &d.TicketNumber, &d.MessageID, &d.EnvelopeFrom, &d.EnvelopeTo, &d.Attempts,
				&d.Raw, &sealed, &sum); err != nil {
				return err
			}
			if d.Raw, err = db.seal.open(d.Raw, sealed, sum); err != nil {
				return fmt.Errorf("delivery %s: %w", d.MessageID, err)
			}
			ds = append(ds, d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: due deliveries: %w", err)
	}
	return ds, nil
}

// DueDeliveries claims up to limit unsent notices whose next attempt is
// at or before now, as DB.DueDeliveries claims letters, and returns them,
// oldest first.
func (q *NoticeQueue) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]Delivery, error) {
	var ds []Delivery
	err := q.db.inTx(ctx, func(tx conn) error {
		ids, err := q.db.claimDue(ctx, tx, "notices", now, limit)
		if err != nil || len(ids) == 0 {
			return err
		}
		marks, args := idList(ids)
		rows, err := tx.QueryContext(ctx, `SELECT id, message_id, envelope_from, envelope_to, attempts, raw FROM notices
			WHERE id IN (`+marks+`) ORDER BY next_attempt_at, id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d Delivery
			if err := rows.Scan(&d.ID, &d.MessageID, &d.EnvelopeFrom, &d.EnvelopeTo, &d.Attempts, &d.Raw); err != nil {
				return err
			}
			ds = append(ds, d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: due notices: %w", err)
	}
	return ds, nil
}
