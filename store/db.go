// Package store keeps tickets and all correspondence in SQLite: every letter
// in and out with its raw bytes unchanged, attachments stored once by
// SHA-256, the mailbox watermark, the outbox and an append-only event log.
// Letters and files over 1 MiB are kept in 1 MiB pieces (chunks.go), and
// may be sealed with AES-256-GCM (seal.go). Ingest files one letter in a
// transaction of its own; a Batch files several in one, each on a
// savepoint. Every change to a ticket gives it a new version from one
// sequence (version.go), which operators' actions (actions.go, notes.go)
// check before they change it.
//
// All SQL of ticketd lives in this package. It is written to stay portable
// (no SQLite-only syntax where a portable form costs nothing), and what is
// SQLite's own (opening the file, the single writer, the schema version,
// the batch limits) is kept in sqlite.go, so that a PostgreSQL backend can
// follow without touching the callers.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrNotFound is returned when a ticket or row does not exist.
var ErrNotFound = errors.New("store: not found")

// DB is an open ticket store.
type DB struct {
	sql   *sql.DB
	now   func() time.Time
	seal  *sealer // nil: letters and files are stored as they are
	stmts statements

	// Fingerprint computes the fingerprint of a letter stored before
	// fingerprints were kept, to tell a second delivery of it from a
	// different letter under the same Message-ID (see Inbound.Fingerprint;
	// the daemon sets mailparse.Fingerprint). When nil, such a letter is
	// the same letter as any with its Message-ID, as it was then.
	Fingerprint func(raw []byte) string

	// LetterText returns the plain text of a stored letter, as the daemon
	// gives it in Inbound.Text (the daemon sets mailparse's). Reindex
	// indexes letters' texts with it; when it is nil, only their senders
	// and subjects.
	LetterText func(raw []byte) string

	// index hashes the terms of the search index (blind.go), with a key
	// derived from the store key, or the public one.
	index *blindIndex
	// matchesToSort is the most tickets a search may match for a page of
	// the queue to be made by sorting them; 0 means defaultMatchesToSort
	// (find_search.go). Tests lower it.
	matchesToSort int

	// write is held for the whole of each write transaction (sqlite.go).
	write writer
}

// Open opens (creating if needed) the SQLite database at path and applies
// pending schema migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	sqldb, err := openSQLite(path)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db := &DB{sql: sqldb, now: time.Now, index: newBlindIndex(nil)}
	if err := db.migrate(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := db.linkOldEvents(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	db.closeStatements()
	return db.sql.Close()
}

// conn runs single statements outside a transaction.
func (db *DB) conn() conn { return conn{db: db} }

// SetClock replaces the clock used for timestamps; tests use it.
func (db *DB) SetClock(now func() time.Time) { db.now = now }

func millis(t time.Time) int64 { return t.UTC().UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// inTx runs f in one transaction, committing when f returns nil.
func (db *DB) inTx(ctx context.Context, f func(tx conn) error) error {
	tx, err := db.write.begin(ctx, db.sql)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer db.write.end()
	defer tx.Rollback()
	if err := f(conn{db: db, tx: tx}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}
