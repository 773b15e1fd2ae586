package store

// Durability against power loss.
//
// The daemon marks a letter on the mail server (\Seen, or MOVE to the
// processed folder) once the batch that stored it has committed; from then
// on the server no longer offers the letter, so the commit must outlast
// anything, a power cut included.
//
// SQLite in WAL mode with synchronous(NORMAL), which the store opens with,
// makes a commit survive the process dying (the WAL is written before
// COMMIT returns) but not the machine losing power: "the WAL file is
// synchronized before each checkpoint and the database file is
// synchronized after each completed checkpoint ... but no sync operations
// occur during most transactions" (https://sqlite.org/pragma.html#pragma_synchronous),
// so the last transactions before a power cut may roll back. With
// synchronous(FULL) "an additional sync operation of the WAL file happens
// after each transaction commit", which makes that transaction durable;
// and since a WAL transaction is recovered only with every frame before it
// (each frame's checksum runs on from the previous one), so is everything
// committed before it, on any connection (R. Hipp, sqlite.org forum,
// "Switching pragma synchronous to upgrade durability", 2021).
//
// So a Batch commits under synchronous(FULL), set on its own connection
// before BEGIN (sqlite.go, beginDurable): one fsync of the WAL per batch,
// of up to 64 letters. Every other write (the outbox recording what was
// sent, operators' actions, sessions) stays NORMAL: losing one of those to
// a power cut loses no letter, and an fsync per click would cost the
// console. A PASSIVE checkpoint would not do instead: it syncs nothing
// when readers keep it from copying a frame.
//
// What the daemon marks may also have been committed by an earlier process:
// letters stored and not yet marked when it stopped, by an older ticketd
// that committed with NORMAL, or by one that died between writing its
// commit and syncing it. Durable covers those with a FULL checkpoint, which
// syncs the WAL, copies it into the database file and syncs that, the once
// per process it is needed.

import (
	"context"
	"fmt"
)

// Durable makes every letter filed by a committed Batch survive a power
// loss; the daemon calls it before it marks letters on the mail server.
//
// A Batch of this DB is durable when its Commit returns, so Durable has
// nothing to do for those. What the file held before them is made durable
// by the first call: a FULL checkpoint, which waits for readers of older
// snapshots up to the busy timeout; when they keep it from finishing it
// returns an error and the next call tries again.
func (db *DB) Durable(ctx context.Context) error { return db.be.durable(ctx, db) }

func (b *sqliteBackend) durable(ctx context.Context, db *DB) error {
	b.write.mu.Lock()
	defer b.write.mu.Unlock()
	if b.write.synced {
		return nil
	}
	var busy, frames, copied int
	if err := db.sql.QueryRowContext(ctx, "PRAGMA wal_checkpoint(FULL)").Scan(&busy, &frames, &copied); err != nil {
		return fmt.Errorf("store: make stored letters durable: checkpoint: %w", err)
	}
	if busy != 0 {
		return fmt.Errorf("store: make stored letters durable: readers kept the checkpoint from finishing (%d of %d WAL frames copied)", copied, frames)
	}
	b.write.synced = true
	return nil
}
