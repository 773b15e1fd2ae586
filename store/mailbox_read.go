package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// MarkRead records that mailbox was read successfully at at, whichever
// process read it (migration 0017), for /healthz. A mailbox never read
// before gets a row of its own, its watermark zero.
func (db *DB) MarkRead(ctx context.Context, mailbox string, at time.Time) error {
	err := db.inTx(ctx, func(tx conn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO mailbox_state (mailbox, uid_validity, last_uid, read_at) VALUES (?, 0, 0, ?)
			ON CONFLICT (mailbox) DO UPDATE SET read_at = excluded.read_at`, mailbox, millis(at))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: mark %s read: %w", mailbox, err)
	}
	return nil
}

// MailboxesRead returns when each mailbox was last read successfully;
// a mailbox not read since migration 0017 is missing.
func (db *DB) MailboxesRead(ctx context.Context) (map[string]time.Time, error) {
	rows, err := db.conn().QueryContext(ctx, "SELECT mailbox, read_at FROM mailbox_state WHERE read_at IS NOT NULL")
	if err != nil {
		return nil, fmt.Errorf("store: mailboxes read: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var name string
		var at sql.NullInt64
		if err := rows.Scan(&name, &at); err != nil {
			return nil, fmt.Errorf("store: mailboxes read: %w", err)
		}
		out[name] = fromMillis(at.Int64)
	}
	return out, rows.Err()
}
