package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Batch is one write transaction that files several letters, each on its
// own savepoint: a letter is stored whole or not at all, and a letter that
// fails leaves the ones before it in the batch. Committing once for many
// letters is what makes ingest fast; nothing is visible to other readers,
// the outbox included, until Commit.
//
// A Batch holds the database's write lock from Begin until Commit or
// Rollback, so the caller must not use the DB's own write methods (Ingest,
// Advance, MarkSent, ...) meanwhile: they would wait for it forever. Other
// writers wait for it too: a caller keeps its batches within the store's
// BatchLimits.
type Batch struct {
	db     *DB
	end    func() // ends tx's write lock and gives back its connection, synchronous(FULL) for it (durable.go)
	tx     *sql.Tx
	broken error // set when the transaction can no longer be used
}

// BatchLimits say how long a Batch may run: how many letters it may file,
// and how long it may stay open waiting for the next letter (the caller
// commits rather than keep other writers waiting longer).
type BatchLimits struct {
	Letters int
	Hold    time.Duration
}

// BatchLimits returns the limits batches on this store keep to; they
// depend on how the database takes writers (sqlite.go and postgres.go say why these).
func (db *DB) BatchLimits() BatchLimits { return db.be.batchLimits() }

// Begin starts a batch. Its Commit is durable: when it returns, what the
// batch filed survives a power loss, not only the process dying
// (durable.go).
func (db *DB) Begin(ctx context.Context) (*Batch, error) {
	tx, end, err := db.be.beginDurable(ctx, db.sql)
	if err != nil {
		db.be.failed(db, err)
		return nil, fmt.Errorf("store: begin: %w", err)
	}
	if err := db.refuseWithoutKey(ctx, tx); err != nil {
		tx.Rollback()
		end()
		return nil, err
	}
	return &Batch{db: db, end: end, tx: tx}, nil
}

func (b *Batch) conn() conn { return conn{db: b.db, tx: b.tx} }

// Thread is DB.Thread inside the batch: it also finds letters filed
// earlier in the same batch.
func (b *Batch) Thread(ctx context.Context, ids []string, tag, from string) (Thread, bool, error) {
	if b.broken != nil {
		return Thread{}, false, b.broken
	}
	return thread(ctx, b.conn(), ids, tag, from)
}

// Ingest files one letter as DB.Ingest does, inside the batch. When it
// fails, the letter's changes are undone and the batch can go on (unless
// the database itself failed: then every later call returns that error).
func (b *Batch) Ingest(ctx context.Context, in Inbound, answer AnswerFunc) (Ingested, error) {
	var res Ingested
	err := b.savepoint(ctx, func(tx conn) error {
		var err error
		res, err = b.db.ingest(ctx, tx, in, answer)
		return err
	})
	if err != nil {
		return Ingested{}, fmt.Errorf("store: ingest %q: %w", in.MessageID, err)
	}
	return res, nil
}

// Err returns the error that broke the batch's transaction, or nil while
// it can still be used: a letter that failed on its own savepoint leaves it
// usable.
func (b *Batch) Err() error { return b.broken }

// Advance moves the watermark as DB.Advance does, inside the batch.
func (b *Batch) Advance(ctx context.Context, mailbox string, uidValidity, uid uint32) error {
	return b.savepoint(ctx, func(tx conn) error { return advance(ctx, tx, mailbox, uidValidity, uid) })
}

// savepoint runs f on its own savepoint, undoing f's changes when it fails.
func (b *Batch) savepoint(ctx context.Context, f func(tx conn) error) error {
	if b.broken != nil {
		return b.broken
	}
	tx := b.conn()
	if _, err := tx.ExecContext(ctx, "SAVEPOINT letter"); err != nil {
		b.broken = fmt.Errorf("store: savepoint: %w", err)
		return b.broken
	}
	if err := f(tx); err != nil {
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT letter"); rerr != nil {
			b.broken = fmt.Errorf("store: roll back a letter: %w", rerr)
			return errors.Join(err, b.broken)
		}
		if _, rerr := tx.ExecContext(ctx, "RELEASE SAVEPOINT letter"); rerr != nil {
			b.broken = fmt.Errorf("store: release savepoint: %w", rerr)
		}
		return err
	}
	if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT letter"); err != nil {
		b.broken = fmt.Errorf("store: release savepoint: %w", err)
		return b.broken
	}
	return nil
}

// Commit stores every letter the batch filed, on disk (the WAL synced),
// and releases the write lock.
func (b *Batch) Commit() error {
	defer b.db.observe(OpCommit, time.Now())
	defer b.end()
	if b.broken != nil {
		b.tx.Rollback()
		return b.broken
	}
	if err := b.tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// Rollback discards the batch and releases the write lock.
func (b *Batch) Rollback() {
	defer b.end()
	b.tx.Rollback()
}
