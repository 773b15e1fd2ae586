package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// purgePlan is what purging a ticket removes.
type purgePlan struct {
	number   string
	closedAt time.Time
	letters  []PurgedLetter
	files    []PurgedFile
	waiting  bool // a letter of its waits in the outbox
}

// result is what the plan removes, as Purge reports it.
func (pl purgePlan) result(rule RetentionRule) PurgedTicket {
	pt := PurgedTicket{Number: pl.number, ClosedAt: pl.closedAt, Rule: rule.Name, Letters: len(pl.letters)}
	for _, l := range pl.letters {
		pt.Bytes += l.Size
	}
	for _, f := range pl.files {
		if f.Kept {
			pt.Kept++
			continue
		}
		pt.Files++
		pt.Bytes += f.Size
	}
	return pt
}

// planPurge reads what purging ticket id would remove, in c. gone, in a
// dry run, holds the tickets the run would have purged before this one:
// their letters hold no file any more.
func planPurge(ctx context.Context, c conn, id int64, gone map[int64]bool) (purgePlan, error) {
	var pl purgePlan
	var closed sql.NullInt64
	err := c.QueryRowContext(ctx, `SELECT number, closed_at, EXISTS (SELECT 1 FROM messages m JOIN outbox o ON o.message_id = m.id
		WHERE m.ticket_id = tickets.id AND o.sent_at IS NULL AND o.failed_at IS NULL) FROM tickets WHERE id = ?`, id).
		Scan(&pl.number, &closed, &pl.waiting)
	if err != nil {
		return pl, fmt.Errorf("store: purge ticket %d: %w", id, err)
	}
	pl.closedAt = nullTime(closed)
	if pl.letters, err = lettersToPurge(ctx, c, id); err != nil {
		return pl, fmt.Errorf("store: purge %s: %w", pl.number, err)
	}
	if pl.files, err = filesToPurge(ctx, c, id, gone); err != nil {
		return pl, fmt.Errorf("store: purge %s: %w", pl.number, err)
	}
	return pl, nil
}

func lettersToPurge(ctx context.Context, c conn, id int64) ([]PurgedLetter, error) {
	rows, err := c.QueryContext(ctx, "SELECT id, raw_sha256, size FROM messages WHERE ticket_id = ? AND purged_at IS NULL ORDER BY id", id)
	if err != nil {
		return nil, fmt.Errorf("its letters: %w", err)
	}
	defer rows.Close()
	var ls []PurgedLetter
	for rows.Next() {
		var l PurgedLetter
		if err := rows.Scan(&l.ID, &l.RawSHA256, &l.Size); err != nil {
			return nil, fmt.Errorf("its letters: %w", err)
		}
		ls = append(ls, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("its letters: %w", err)
	}
	return ls, nil
}

// ticketFiles lists the stored files of a ticket's letters, each once, in
// the order they were first stored: originals, thumbnails and display
// copies.
const ticketFiles = `SELECT b.sha256, b.size FROM blobs b JOIN (
		SELECT a.sha256 AS sum, a.id AS n FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.ticket_id = ?
		UNION ALL SELECT a.thumbnail_sha256, a.id FROM attachments a JOIN messages m ON m.id = a.message_id
			WHERE m.ticket_id = ? AND a.thumbnail_sha256 IS NOT NULL
		UNION ALL SELECT a.display_sha256, a.id FROM attachments a JOIN messages m ON m.id = a.message_id
			WHERE m.ticket_id = ? AND a.display_sha256 IS NOT NULL
	) AS f ON f.sum = b.sha256
	WHERE b.purged_at IS NULL GROUP BY b.sha256, b.size ORDER BY MIN(f.n), b.sha256`

// heldElsewhere tells whether a letter of another ticket, not purged,
// holds a file, by any of its hashes.
const heldElsewhere = `SELECT EXISTS (SELECT 1 FROM attachments a JOIN messages m ON m.id = a.message_id
		WHERE a.sha256 = ? AND m.ticket_id <> ? AND m.purged_at IS NULL)
	OR EXISTS (SELECT 1 FROM attachments a JOIN messages m ON m.id = a.message_id
		WHERE a.thumbnail_sha256 = ? AND m.ticket_id <> ? AND m.purged_at IS NULL)
	OR EXISTS (SELECT 1 FROM attachments a JOIN messages m ON m.id = a.message_id
		WHERE a.display_sha256 = ? AND m.ticket_id <> ? AND m.purged_at IS NULL)`

// holders lists the tickets, but ticket id, with a letter not purged
// that holds a file: heldElsewhere for a dry run, which must leave out
// the tickets it would have purged.
const holders = `SELECT m.ticket_id FROM attachments a JOIN messages m ON m.id = a.message_id
		WHERE a.sha256 = ? AND m.ticket_id <> ? AND m.purged_at IS NULL
	UNION SELECT m.ticket_id FROM attachments a JOIN messages m ON m.id = a.message_id
		WHERE a.thumbnail_sha256 = ? AND m.ticket_id <> ? AND m.purged_at IS NULL
	UNION SELECT m.ticket_id FROM attachments a JOIN messages m ON m.id = a.message_id
		WHERE a.display_sha256 = ? AND m.ticket_id <> ? AND m.purged_at IS NULL`

func filesToPurge(ctx context.Context, c conn, id int64, gone map[int64]bool) ([]PurgedFile, error) {
	rows, err := c.QueryContext(ctx, ticketFiles, id, id, id)
	if err != nil {
		return nil, fmt.Errorf("its files: %w", err)
	}
	var fs []PurgedFile
	for rows.Next() {
		var f PurgedFile
		if err := rows.Scan(&f.SHA256, &f.Size); err != nil {
			rows.Close()
			return nil, fmt.Errorf("its files: %w", err)
		}
		fs = append(fs, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("its files: %w", err)
	}
	for i := range fs {
		s := fs[i].SHA256
		var err error
		if gone == nil {
			err = c.QueryRowContext(ctx, heldElsewhere, s, id, s, id, s, id).Scan(&fs[i].Kept)
		} else {
			fs[i].Kept, err = heldByOthers(ctx, c, s, id, gone)
		}
		if err != nil {
			return nil, fmt.Errorf("who else holds file %s: %w", s, err)
		}
	}
	return fs, nil
}

// heldByOthers tells whether a ticket but id, and but those in gone,
// holds file sum in a letter not purged.
func heldByOthers(ctx context.Context, c conn, sum string, id int64, gone map[int64]bool) (bool, error) {
	rows, err := c.QueryContext(ctx, holders, sum, id, sum, id, sum, id)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var t int64
		if err := rows.Scan(&t); err != nil {
			return false, err
		}
		if !gone[t] {
			return true, nil
		}
	}
	return false, rows.Err()
}

// outcome is what became of a ticket due for a purge.
type outcome int

const (
	purged  outcome = iota // purged (or, in a dry run, would be)
	waiting                // left: a letter of its waits in the outbox
	changed                // left: reopened or purged since it was found due
)

// planOnly is a dry run's look at ticket id: what would go, after the
// tickets in gone, which it joins.
func (db *DB) planOnly(ctx context.Context, id int64, rule RetentionRule, gone map[int64]bool) (PurgedTicket, outcome, error) {
	pl, err := planPurge(ctx, db.conn(), id, gone)
	if err != nil || pl.waiting {
		return PurgedTicket{}, waiting, err
	}
	gone[id] = true
	return pl.result(rule), purged, nil
}

// purgeTicket purges ticket id in a transaction of its own, once it has
// checked, holding the write lock, that the ticket is still due: closed
// before before and not purged. SQLite leaves deleted content where it
// was, in free space of its pages, until the space is used again: a letter
// "removed" that way could be read back from the file. So the transaction
// runs with secure_delete (inScrubbingTx), which overwrites with zeros
// what it removes, on its connection only; Purge then empties the
// write-ahead log, which held earlier copies of the pages.
func (db *DB) purgeTicket(ctx context.Context, id int64, before time.Time, rule RetentionRule, opts *PurgeOptions) (pt PurgedTicket, o outcome, err error) {
	o = changed
	err = db.inScrubbingTx(ctx, func(tx conn) error {
		var still bool
		err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM tickets WHERE id = ? AND status = ? AND purged_at IS NULL
			AND closed_at IS NOT NULL AND closed_at < ?)`, id, StatusClosed, millis(before)).Scan(&still)
		if err != nil || !still {
			return err
		}
		pl, err := planPurge(ctx, tx, id, nil)
		if err != nil {
			return err
		}
		if pl.waiting {
			o = waiting
			return nil
		}
		if err := db.removeCorrespondence(ctx, tx, id, pl, rule, opts); err != nil {
			return fmt.Errorf("store: purge %s: %w", pl.number, err)
		}
		pt, o = pl.result(rule), purged
		return nil
	})
	return pt, o, err
}

// removeCorrespondence does the purge pl plans of ticket id, in tx.
func (db *DB) removeCorrespondence(ctx context.Context, tx conn, id int64, pl purgePlan, rule RetentionRule, opts *PurgeOptions) error {
	now := millis(opts.Now)
	steps := []struct {
		what  string
		query string
		args  []any
	}{
		{"letters", `UPDATE messages SET raw = ?, sealed = 0, chunks = 0, from_name = '', from_address = '', to_address = '',
			subject = '', note = '', sealed_fields = NULL, reply_header = '', purged_at = ? WHERE ticket_id = ? AND purged_at IS NULL`, []any{[]byte{}, now, id}},
		{"files' names", `UPDATE attachments SET filename = '', original_name = '', sealed_names = NULL
			WHERE message_id IN (SELECT id FROM messages WHERE ticket_id = ?)`, []any{id}},
		{"the outbox's recipients", `UPDATE outbox SET envelope_to = '', last_error = ''
			WHERE message_id IN (SELECT id FROM messages WHERE ticket_id = ?)`, []any{id}},
		{"notes", "DELETE FROM notes WHERE ticket_id = ?", []any{id}},
		{"the ticket's fields", `UPDATE tickets SET citizen_name = '', citizen_address = '', subject = '', account_number = '',
			application_number = '', sealed_fields = NULL, description = '', description_sealed = 0, sealed_description = NULL, priority_reason = '',
			answer_problem = '', purged_at = ?, purge_rule = ? WHERE id = ?`, []any{now, rule.Name, id}},
	}
	for _, s := range steps {
		if _, err := tx.ExecContext(ctx, s.query, s.args...); err != nil {
			return fmt.Errorf("remove %s: %w", s.what, err)
		}
	}
	for _, l := range pl.letters {
		if _, err := tx.ExecContext(ctx, "DELETE FROM chunks WHERE owner = ?", messageOwner(l.ID)); err != nil {
			return fmt.Errorf("remove the pieces of letter %d: %w", l.ID, err)
		}
	}
	for _, f := range pl.files {
		if f.Kept {
			continue
		}
		if _, err := tx.ExecContext(ctx, "UPDATE blobs SET data = ?, sealed = 0, chunks = 0, purged_at = ? WHERE sha256 = ?", []byte{},
			now, f.SHA256); err != nil {
			return fmt.Errorf("remove file %s: %w", f.SHA256, err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM chunks WHERE owner = ?", blobOwner(f.SHA256)); err != nil {
			return fmt.Errorf("remove the pieces of file %s: %w", f.SHA256, err)
		}
	}
	if err := db.unindex(ctx, tx, id, pl.number); err != nil {
		return err
	}
	if err := eraseDetails(ctx, tx, id); err != nil {
		return err
	}
	record, err := json.Marshal(PurgeRecord{Rule: rule.Name, ClosedAt: pl.closedAt, Letters: pl.letters, Files: pl.files})
	if err != nil {
		return err
	}
	return appendEvent(ctx, tx, id, opts.Now, opts.Actor, "ticket.purged", string(record))
}

// unindex takes a purged ticket's words out of the search index: its row
// then holds its number alone, as Reindex would make it, so that the
// ticket is found by its number and by nothing else. An index this store
// does not keep (stale, or built with another key) just loses the row.
func (db *DB) unindex(ctx context.Context, tx conn, id int64, number string) error {
	if err := deleteSearchRow(ctx, tx, id); err != nil {
		return err
	}
	ok, err := db.indexWritable(ctx, tx)
	if err != nil || !ok {
		return err
	}
	ts := terms{}
	ts.addNumber(id, number)
	return insertSearchRow(ctx, tx, id, db.index.hasher().hashes(ts))
}
