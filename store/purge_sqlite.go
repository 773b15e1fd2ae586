package store

// What is SQLite's own about a purge: the connection it writes on
// overwrites what it deletes, and the write-ahead log is emptied at the
// end. A PostgreSQL backend would put its own version of this file
// beside it (its VACUUM does not overwrite either; it has no such
// setting).

import (
	"context"
	"database/sql"
	"fmt"
)

// purger is the connection a purge writes on. SQLite leaves deleted
// content where it was, in free space of its pages and on the free list,
// until the space is used again: a letter "removed" that way could be
// read back from the file. With secure_delete on, SQLite overwrites with
// zeros what a statement removes, on this connection only: the daemon's
// writes pay nothing for it. The zeroed pages reach the database file at
// the next checkpoint; checkpoint empties the write-ahead log, which held
// earlier copies of the pages, at the end.
type purger struct {
	db *DB
	c  *sql.Conn
}

func (db *DB) newPurger(ctx context.Context) (*purger, error) {
	c, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: purge: %w", err)
	}
	if _, err := c.ExecContext(ctx, "PRAGMA secure_delete = ON"); err != nil {
		c.Close()
		return nil, fmt.Errorf("store: purge: secure_delete: %w", err)
	}
	return &purger{db: db, c: c}, nil
}

// close hands the connection back to the pool as it was.
func (p *purger) close() {
	p.c.ExecContext(context.Background(), "PRAGMA secure_delete = OFF")
	p.c.Close()
}

// inTx runs f in one transaction on the purge's connection, holding the
// store's write lock as DB.inTx does, committing when f returns nil.
func (p *purger) inTx(ctx context.Context, f func(tx conn) error) error {
	p.db.write.mu.Lock()
	defer p.db.write.mu.Unlock()
	tx, err := p.c.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback()
	if err := f(conn{db: p.db, tx: tx}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// checkpoint copies the write-ahead log into the database file and
// truncates it, so that the pages a purge overwrote replace their old
// copies in both. It waits for readers (busy_timeout); done is false when
// one still held the log, whose old frames are then overwritten as it is
// reused.
func (p *purger) checkpoint(ctx context.Context) (done bool, err error) {
	var busy, frames, copied int
	if err := p.c.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &frames, &copied); err != nil {
		return false, fmt.Errorf("store: purge: checkpoint: %w", err)
	}
	return busy == 0, nil
}
