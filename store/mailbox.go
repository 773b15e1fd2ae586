package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Watermark is how far a mailbox has been read: its UIDVALIDITY, the
// highest UID whose letter is stored, and the highest UID the server was
// told about (flagged \Seen or moved). Letters between DoneUID and LastUID
// were stored but not yet marked on the server, e.g. after a crash.
type Watermark struct {
	UIDValidity uint32
	LastUID     uint32
	DoneUID     uint32
}

// Watermark returns the stored watermark of mailbox; the zero value when the
// mailbox was never read.
func (db *DB) Watermark(ctx context.Context, mailbox string) (Watermark, error) {
	var w Watermark
	err := db.conn().QueryRowContext(ctx, "SELECT uid_validity, last_uid, done_uid FROM mailbox_state WHERE mailbox = ?", mailbox).
		Scan(&w.UIDValidity, &w.LastUID, &w.DoneUID)
	if errors.Is(err, sql.ErrNoRows) {
		return Watermark{}, nil
	}
	if err != nil {
		return Watermark{}, fmt.Errorf("store: watermark of %s: %w", mailbox, err)
	}
	return w, nil
}

// ResetWatermark records that mailbox now has a new UIDVALIDITY, so every
// letter in it is read again; letters already stored are recognised as
// duplicates by Ingest and make no new ticket.
func (db *DB) ResetWatermark(ctx context.Context, mailbox string, uidValidity uint32) error {
	return db.inTx(ctx, func(tx conn) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO mailbox_state (mailbox, uid_validity, last_uid) VALUES (?, ?, 0)
			ON CONFLICT (mailbox) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = 0, done_uid = 0`,
			mailbox, uidValidity); err != nil {
			return fmt.Errorf("store: reset watermark of %s: %w", mailbox, err)
		}
		return appendEvent(ctx, tx, 0, db.now(), "daemon", "mailbox.uidvalidity",
			fmt.Sprintf("%s: UIDVALIDITY is now %d", mailbox, uidValidity))
	})
}

// Advance moves the watermark of mailbox to uid without storing a letter,
// for a UID whose message vanished before it could be fetched.
func (db *DB) Advance(ctx context.Context, mailbox string, uidValidity, uid uint32) error {
	return db.inTx(ctx, func(tx conn) error { return advance(ctx, tx, mailbox, uidValidity, uid) })
}

func advance(ctx context.Context, tx conn, mailbox string, uidValidity, uid uint32) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO mailbox_state (mailbox, uid_validity, last_uid) VALUES (?, ?, ?)
		ON CONFLICT (mailbox) DO UPDATE SET uid_validity = excluded.uid_validity,
			last_uid = CASE WHEN excluded.last_uid > mailbox_state.last_uid THEN excluded.last_uid ELSE mailbox_state.last_uid END`,
		mailbox, uidValidity, uid)
	if err != nil {
		return fmt.Errorf("advance watermark of %s to %d: %w", mailbox, uid, err)
	}
	return nil
}

// MarkDone records that the letters of mailbox up to uid were flagged or
// moved on the server.
func (db *DB) MarkDone(ctx context.Context, mailbox string, uid uint32) error {
	return db.inTx(ctx, func(tx conn) error {
		_, err := tx.ExecContext(ctx, `UPDATE mailbox_state SET done_uid = ?
			WHERE mailbox = ? AND done_uid < ?`, uid, mailbox, uid)
		if err != nil {
			return fmt.Errorf("store: mark %s done to %d: %w", mailbox, uid, err)
		}
		return nil
	})
}
