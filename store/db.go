// Package store keeps tickets and all correspondence in SQLite, or in
// PostgreSQL when Open is given a postgres:// URL: every letter
// in and out with its raw bytes unchanged, attachments stored once by
// SHA-256, the mailbox watermark, the outbox and an append-only event log.
// Letters and files over 1 MiB are kept in 1 MiB pieces (chunks.go); a
// large letter is spooled in pieces as it is fetched (spool.go) and its
// files stored one by one before it is filed (putfile.go), so that no
// step holds it whole.
// With a key, letters, files, descriptions, notes, TOTP secrets and the
// fields that hold a citizen's words are sealed with AES-256-GCM (seal.go,
// fields.go) by a data key that the key file wraps (keys.go): "ticketd
// keys rotate" replaces the key file without sealing anything again, and
// "ticketd keys seal-existing" seals what was stored without a key
// (seal_existing.go). Ingest files one letter in a transaction of its own;
// a Batch files several in one, each on a savepoint. Every change to a
// ticket gives it a new version from one sequence (version.go), which
// operators' actions (actions.go, notes.go) check before they change it.
//
// All SQL of ticketd lives in this package. It is written once for both
// databases, with ? placeholders (PostgreSQL's connections rewrite them as
// $1, $2, ..., postgres_driver.go) and portable syntax; what each does its
// own way (opening, how writers take turns, the schema version, ids, batch
// limits, the search index's statements, durability and vacuuming) sits
// behind the backend interface (backend.go): sqlite.go, with one writer at
// a time, and postgres.go, with many, kept in order by advisory locks.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrNotFound is returned when a ticket or row does not exist.
var ErrNotFound = errors.New("store: not found")

// DB is an open ticket store.
type DB struct {
	sql   *sql.DB
	now   func() time.Time
	seal  *sealer // the data key (keys.go); nil: letters and files are stored as they are
	stmts statements

	// masterFingerprint is the fingerprint of the master key that opened
	// the data key; "" without a key.
	masterFingerprint string

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

	// Windows are how long a ticket of each priority has for our answer
	// ([sla] normal and priority): SetPriority moves the deadline of a
	// ticket waiting for an answer to the start of its clock plus the
	// window of its new priority, and a follow-up that reopens an urgent
	// ticket gives it the urgent window (deadlines.go). Zero windows leave
	// deadlines as they were given.
	Windows Windows

	// index hashes the terms of the search index (blind.go), with a key
	// derived from the data key, or the public one.
	index *blindIndex
	// matchesToSort is the most tickets a search may match for a page of
	// the queue to be made by sorting them; 0 means defaultMatchesToSort
	// (find_search.go). Tests lower it.
	matchesToSort int

	// be is what the backend does its own way (backend.go): sqlite.go
	// or postgres.go.
	be backend
	// texts caches statement texts in the backend's placeholders.
	texts sync.Map

	// fleet is this process among others on the store: its holder id and
	// how long its claims last (leases.go).
	fleet fleet
	// Observe, when set, is told how long each operation took (see
	// observe.go for the ops); metrics set it. Set it before the store
	// is used: it is read without a lock.
	Observe func(op string, d time.Duration)
}

// Open opens the store at location and applies pending schema
// migrations. A location starting postgres:// or postgresql:// is a
// PostgreSQL database's URL (postgres.go); anything else is the path of a
// SQLite database file, created if needed. Errors name a URL without its
// password.
func Open(ctx context.Context, location string) (*DB, error) {
	db, err := open(ctx, location)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", Redact(location), redactError(location, err))
	}
	return db, nil
}

func open(ctx context.Context, location string) (*DB, error) {
	var db *DB
	if isPostgresURL(location) {
		sqldb, err := openPostgres(ctx, location, false)
		if err != nil {
			return nil, err
		}
		db = &DB{sql: sqldb, be: &pgBackend{}}
	} else {
		sqldb, err := openSQLite(location)
		if err != nil {
			return nil, err
		}
		db = &DB{sql: sqldb, be: &sqliteBackend{}}
	}
	db.now, db.index = time.Now, newBlindIndex(nil)
	if err := db.be.migrate(ctx, db); err != nil {
		db.sql.Close()
		return nil, err
	}
	if err := db.linkOldEvents(ctx); err != nil {
		db.sql.Close()
		return nil, err
	}
	return db, nil
}

// SchemaVersion reports the applied schema version: the number of the last
// migration applied.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) { return db.be.schemaVersion(ctx, db) }

// migrate applies the migrations the database has not had.
func (db *DB) migrate(ctx context.Context) error { return db.be.migrate(ctx, db) }

// checkpoint empties SQLite's write-ahead log into the database file; on
// PostgreSQL it does nothing (postgres.go). It reports false when readers
// kept it from finishing.
func (db *DB) checkpoint(ctx context.Context) (bool, error) { return db.be.checkpoint(ctx, db) }

// nextTicketID returns the id the next ticket stored in tx gets.
func nextTicketID(ctx context.Context, tx conn) (int64, error) {
	return tx.db.be.nextID(ctx, tx, "tickets")
}

// nextNoteID returns the id the next note stored in tx gets: a sealed
// note is bound to its id, so the id is known before the row is written.
func nextNoteID(ctx context.Context, tx conn) (int64, error) {
	return tx.db.be.nextID(ctx, tx, "notes")
}

// inDurableTx runs f in one transaction, as inTx does, that is on disk
// when it returns even if the machine loses power afterwards (durable.go).
// RotateKeyFile needs it: the key file is replaced once the store took the
// new key.
func (db *DB) inDurableTx(ctx context.Context, f func(tx conn) error) error {
	tx, end, err := db.be.beginDurable(ctx, db.sql)
	return db.checkAndRun(ctx, tx, end, err, f)
}

// inScrubbingTx runs f in one transaction, as inTx does, in which what is
// deleted does not stay in the database's free space where the backend
// can see to it (SQLite's secure_delete): the plain values SealExisting
// replaces, the letters a purge removes.
func (db *DB) inScrubbingTx(ctx context.Context, f func(tx conn) error) error {
	tx, end, err := db.be.beginScrubbing(ctx, db.sql)
	return db.checkAndRun(ctx, tx, end, err, f)
}

// checkAndRun runs f in tx, begun with end and err, as inTx does.
func (db *DB) checkAndRun(ctx context.Context, tx *sql.Tx, end func(), err error, f func(tx conn) error) error {
	if err != nil {
		db.be.failed(db, err)
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := db.refuseWithoutKey(ctx, tx); err != nil {
		tx.Rollback()
		end()
		return err
	}
	return db.run(tx, end, f)
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

// inTx runs f in one transaction, committing when f returns nil. Without
// a key it refuses to write to a store that has a data key (beginWrite).
func (db *DB) inTx(ctx context.Context, f func(tx conn) error) error {
	defer db.observe(OpTx, time.Now())
	tx, end, err := db.beginWrite(ctx, db.sql)
	if err != nil {
		return err
	}
	return db.run(tx, end, f)
}

// run runs f in tx, begun with the write lock, and commits when f returns
// nil; it ends the write lock either way.
func (db *DB) run(tx *sql.Tx, end func(), f func(tx conn) error) error {
	defer end()
	defer tx.Rollback()
	if err := f(conn{db: db, tx: tx}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// beginWrite starts a write transaction on on (the database, or one of
// its connections); the caller ends it and then calls end. A
// process without a key checks in it that the store has no data key: one
// made by another process since this one opened the store (seal-existing
// run while a daemon without a key runs) must not get plain rows among its
// sealed ones. That is ErrEncrypted.
func (db *DB) beginWrite(ctx context.Context, on beginner) (*sql.Tx, func(), error) {
	tx, end, err := db.be.begin(ctx, on)
	if err != nil {
		db.be.failed(db, err)
		return nil, nil, fmt.Errorf("store: begin: %w", err)
	}
	if err := db.refuseWithoutKey(ctx, tx); err != nil {
		tx.Rollback()
		end()
		return nil, nil, err
	}
	return tx, end, nil
}

// refuseWithoutKey is ErrEncrypted when this process has no key and the
// store has a data key (see beginWrite); tx holds the write lock.
func (db *DB) refuseWithoutKey(ctx context.Context, tx *sql.Tx) error {
	if db.seal != nil {
		return nil
	}
	var keys int
	if err := (conn{db: db, tx: tx}).QueryRowContext(ctx, "SELECT COUNT(*) FROM data_keys").Scan(&keys); err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if keys != 0 {
		return ErrEncrypted
	}
	return nil
}

// transact is inTx without beginWrite's check: for Unlock, which makes
// the data key of a store without one, and for linking the event chain at
// open, before a key is given (it writes hashes, never personal data).
func (db *DB) transact(ctx context.Context, f func(tx conn) error) error {
	defer db.observe(OpTx, time.Now())
	tx, end, err := db.be.begin(ctx, db.sql)
	if err != nil {
		db.be.failed(db, err)
		return fmt.Errorf("store: begin: %w", err)
	}
	return db.run(tx, end, f)
}
