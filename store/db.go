// Package store keeps tickets and all correspondence in SQLite: every letter
// in and out with its raw bytes unchanged, attachments stored once by
// SHA-256, the mailbox watermark, the outbox and an append-only event log.
// Letters and files over 1 MiB are kept in 1 MiB pieces (chunks.go), and
// may be sealed with AES-256-GCM (seal.go). Ingest files one letter in a
// transaction of its own; a Batch files several in one, each on a
// savepoint.
//
// All SQL of ticketd lives in this package. It is written to stay portable
// (no SQLite-only syntax where a portable form costs nothing), so that a
// PostgreSQL backend can follow without touching the callers.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

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

	// write is held for the whole of each write transaction. SQLite allows
	// one writer at a time; queueing writers here hands the lock over at
	// once, where SQLite's busy handler would make them sleep and poll.
	// Other processes on the same file still wait through busy_timeout.
	write sync.Mutex
}

// Open opens (creating if needed) the SQLite database at path and applies
// pending schema migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	sqldb, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db := &DB{sql: sqldb, now: time.Now}
	if err := db.migrate(ctx); err != nil {
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

func (db *DB) migrate(ctx context.Context) error {
	var version int
	if err := db.sql.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		n, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(name, "migrations/"), "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: bad name", name)
		}
		if n <= version {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if err := db.apply(ctx, n, string(body)); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

func (db *DB) apply(ctx context.Context, n int, body string) error {
	db.write.Lock()
	defer db.write.Unlock()
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Another process may have applied it since we looked: the transaction
	// holds the write lock, so look again.
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version >= n {
		return nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", n)); err != nil {
		return err
	}
	return tx.Commit()
}

// SchemaVersion reports the applied schema version.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.sql.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

func millis(t time.Time) int64 { return t.UTC().UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// inTx runs f in one transaction, committing when f returns nil.
func (db *DB) inTx(ctx context.Context, f func(tx conn) error) error {
	db.write.Lock()
	defer db.write.Unlock()
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback()
	if err := f(conn{db: db, tx: tx}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}
