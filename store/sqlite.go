package store

// What is SQLite's own lives in this file: how the database is opened, how
// writers take turns, how the schema version is kept, how a ticket's id is
// taken, and how long a batch may hold the write lock. The rest of the
// package avoids SQLite-only syntax (RETURNING, ON CONFLICT, SAVEPOINT and
// row values are PostgreSQL's too; its ? placeholders are not), so that a
// PostgreSQL backend puts its own version of this file beside it.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// migrations are the SQLite schema, one numbered file per step; the number
// of the last step applied is kept in PRAGMA user_version.
//
// SQLite cannot change a column's type without rebuilding its table, which
// for messages and blobs would copy every letter and file stored. So the
// flags messages.auto, messages.sealed, blobs.sealed and
// tickets.description_sealed stay declared INTEGER, holding 0 or 1 (the
// store binds and scans them as bool; BOOLEAN would give them NUMERIC
// affinity, the same storage); new flags are declared BOOLEAN. Sealed bytes
// go in BLOB columns: the description moved to one in migration 0008.
//
//go:embed migrations/*.sql
var migrations embed.FS

// openSQLite opens the database file at path. WAL lets readers go on while
// one writer writes; synchronous(NORMAL) makes a commit survive the process
// dying but not the machine losing power (see durable.go: the batches of
// letters, which the daemon marks on the mail server once committed, are
// committed under synchronous(FULL)); busy_timeout makes another process
// on the same file wait for the lock instead of failing at once; foreign
// keys are off in SQLite unless asked for. temp_store(MEMORY) keeps the
// statement and savepoint journals in memory: each letter of a Batch is
// a savepoint, and writing its journal to a temporary file cost a quarter
// of filing a small letter. secure_delete(FAST) zeroes what a change
// frees inside a page: an UPDATE that moves a row (the outbox's claims
// do) would otherwise leave its old copy, addresses and all, in the page
// after a purge had deleted the row; purges also set it ON for theirs.
// _txlock=immediate makes every
// transaction BEGIN IMMEDIATE: it takes the write lock when it begins, so
// two writers cannot both read and then fail to upgrade to writing.
//
// Connections are opened again after connLifetime: SQLite opens a file it
// may not write (a disk remounted read-only, an immutable file) read-only
// without saying so, and such a connection would refuse every write for
// good after the file became writable again.
func openSQLite(path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Add("_pragma", "secure_delete(FAST)")
	q.Set("_txlock", "immediate")
	return openFile(path, q)
}

// openFile opens the database file at path with the driver's settings q,
// its connections opened again after connLifetime.
func openFile(path string, q url.Values) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetConnMaxLifetime(connLifetime)
	return db, nil
}

// connLifetime is how long a connection to the database is used before it
// is opened again (see openSQLite).
const connLifetime = time.Minute

// idleConns is how many idle connections the pool keeps: database/sql's
// default, restored by reopenIfReadOnly.
const idleConns = 2

// sqliteReadOnly is SQLite's primary result code SQLITE_READONLY.
const sqliteReadOnly = 8

// reopenIfReadOnly closes the pool's idle connections when err is SQLite
// refusing to write because the connection has the file read-only: SQLite
// opens a file it may not write (immutable, a disk remounted read-only)
// read-only without saying so, and such a connection refuses every write
// until it is closed, long after the file became writable again. Without
// this, writers kept failing on such connections for up to connLifetime
// after the file was writable, and the outbox gave up recording letters it
// had sent, and sent them again. Connections in use are closed when they
// fail in their turn.
func (*sqliteBackend) failed(db *DB, err error) {
	var driver interface{ Code() int }
	if errors.As(err, &driver) && driver.Code()&0xff == sqliteReadOnly {
		db.sql.SetMaxIdleConns(0)
		db.sql.SetMaxIdleConns(idleConns)
	}
}

// writer makes the write transactions of this process take turns. SQLite
// allows one writer at a time; queueing writers on a mutex hands the lock
// over at once, where SQLite's busy handler would make them sleep and poll.
// Other processes on the same file still wait through busy_timeout.
type writer struct {
	mu sync.Mutex
	// synced is set, under mu, once DB.Durable has made durable what the
	// file held before this process's durable batches (durable.go).
	synced bool
}

// sqliteBackend is SQLite's side of the store: one writer at a time.
type sqliteBackend struct {
	write writer
}

// begin starts a write transaction, waiting for this process's earlier
// writers; end lets the next one begin.
func (b *sqliteBackend) begin(ctx context.Context, on beginner) (*sql.Tx, func(), error) {
	tx, err := b.write.begin(ctx, on)
	if err != nil {
		return nil, nil, err
	}
	return tx, b.write.end, nil
}

// beginDurable begins a write transaction committed under
// synchronous(FULL) (writer.beginDurable).
func (b *sqliteBackend) beginDurable(ctx context.Context, sqldb *sql.DB) (*sql.Tx, func(), error) {
	return b.write.beginDurable(ctx, sqldb)
}

// lockChain does nothing on SQLite: a write transaction is the only
// writer already.
func (*sqliteBackend) lockChain(context.Context, conn) error { return nil }

// rebind leaves SQLite's ? placeholders as they are.
func (*sqliteBackend) rebind(query string) string { return query }

// newestMigration is the number of the last of SQLite's migrations.
func (*sqliteBackend) newestMigration() (int, error) { return newestIn(migrations, "migrations") }

// begin starts a write transaction, waiting for this process's earlier
// writers; end must follow once it is committed or rolled back.
func (w *writer) begin(ctx context.Context, sqldb beginner) (*sql.Tx, error) {
	w.mu.Lock()
	tx, err := sqldb.BeginTx(ctx, nil)
	if err != nil {
		w.mu.Unlock()
		return nil, err
	}
	return tx, nil
}

// beginner begins transactions: a *sql.DB, or one of its connections.
type beginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// end lets the next writer of this process begin.
func (w *writer) end() { w.mu.Unlock() }

// beginDurable starts a write transaction as begin does, on a connection
// of its own set to synchronous(FULL) for it, so that its commit returns
// only once the WAL is on disk (durable.go). end must be called once it is
// committed or rolled back: it sets the connection back, returns it to the
// pool and lets the next writer begin.
func (w *writer) beginDurable(ctx context.Context, sqldb *sql.DB) (tx *sql.Tx, end func(), err error) {
	w.mu.Lock()
	c, unpin, err := pin(ctx, sqldb, "synchronous", "FULL")
	if err != nil {
		w.mu.Unlock()
		return nil, nil, err
	}
	if tx, err = c.BeginTx(ctx, nil); err != nil {
		unpin()
		w.mu.Unlock()
		return nil, nil, err
	}
	return tx, func() { unpin(); w.mu.Unlock() }, nil
}

// pin takes a connection from the pool with pragma set to value, for a
// transaction of its own: SQLite keeps such settings (synchronous,
// secure_delete) per connection, and refuses to change synchronous inside
// a transaction ("Safety level may not be changed inside a transaction"),
// hence a connection set before BEGIN. unpin sets the pragma back as it
// was and returns the connection to the pool; one that cannot be set back
// is closed instead, so that no other writer inherits the setting.
func pin(ctx context.Context, sqldb *sql.DB, pragma, value string) (c *sql.Conn, unpin func(), err error) {
	if c, err = sqldb.Conn(ctx); err != nil {
		return nil, nil, err
	}
	var was string
	if err = c.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&was); err == nil {
		_, err = c.ExecContext(ctx, "PRAGMA "+pragma+" = "+value)
	}
	unpin = func() {
		// The caller's context may have ended; this must run all the same.
		if _, err := c.ExecContext(context.Background(), "PRAGMA "+pragma+" = "+was); err != nil {
			c.Raw(func(any) error { return driver.ErrBadConn })
		}
		c.Close()
	}
	if err != nil {
		unpin()
		return nil, nil, err
	}
	return c, unpin, nil
}

// batchLimits are the limits of a Batch on SQLite. A batch holds
// the database's only write lock from Begin to Commit: meanwhile the
// outbox cannot record the letters the mail server accepted, and "ticketd
// reply" waits. Committing once for many letters is what makes ingest fast
// (a commit costs more than filing a small letter), so a batch files up to
// 64 letters, but it is not kept open more than 10 ms waiting for a letter
// that is still being read.
func (*sqliteBackend) batchLimits() BatchLimits {
	return BatchLimits{Letters: 64, Hold: 10 * time.Millisecond}
}

// nextID returns the id the next row of table stored in tx gets: the
// largest so far plus one, which is also what SQLite itself would give
// the row. tx holds the database's only write lock, so no other writer can
// take the id meanwhile. (A sealed note is bound to its id, so the id is
// known before the row is written.)
func (*sqliteBackend) nextID(ctx context.Context, tx conn, table string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) + 1 FROM "+table).Scan(&id)
	return id, err
}

// migrate applies the migrations newer than the database's user_version,
// each in a transaction of its own.
func (b *sqliteBackend) migrate(ctx context.Context, db *DB) error {
	version, err := db.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		n, err := migrationNumber(name)
		if err != nil {
			return err
		}
		if n <= version {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if err := b.apply(ctx, db, n, string(body)); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

// migrationNumber is the number a migration's file name starts with
// ("migrations/0012_chain.sql" is 12).
func migrationNumber(name string) (int, error) {
	n, err := strconv.Atoi(strings.SplitN(path.Base(name), "_", 2)[0])
	if err != nil {
		return 0, fmt.Errorf("migration %s: bad name", name)
	}
	return n, nil
}

// apply runs migration n unless another process applied it meanwhile.
func (b *sqliteBackend) apply(ctx context.Context, db *DB, n int, body string) error {
	tx, err := b.write.begin(ctx, db.sql)
	if err != nil {
		return err
	}
	defer b.write.end()
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

// schemaVersion is the database's user_version.
func (*sqliteBackend) schemaVersion(ctx context.Context, db *DB) (int, error) {
	var v int
	err := db.sql.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// beginScrubbing begins a write transaction in which SQLite overwrites
// with zeros what it deletes (secure_delete), on a connection of its own.
func (b *sqliteBackend) beginScrubbing(ctx context.Context, sqldb *sql.DB) (*sql.Tx, func(), error) {
	return b.beginWith(ctx, sqldb, "secure_delete", "ON")
}

// beginWith begins a write transaction on a connection whose pragma is
// set to value meanwhile, and back after.
func (b *sqliteBackend) beginWith(ctx context.Context, sqldb *sql.DB, pragma, value string) (*sql.Tx, func(), error) {
	c, unpin, err := pin(ctx, sqldb, pragma, value)
	if err != nil {
		return nil, nil, err
	}
	tx, end, err := b.begin(ctx, c)
	if err != nil {
		unpin()
		return nil, nil, err
	}
	return tx, func() { end(); unpin() }, nil
}

// checkpoint copies the write-ahead log into the database file and
// empties it (wal_checkpoint(TRUNCATE)), so that pages it held are no
// longer in either file. It reports false when readers kept it from
// finishing.
func (*sqliteBackend) checkpoint(ctx context.Context, db *DB) (bool, error) {
	var busy, log, done int
	if err := db.sql.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &log, &done); err != nil {
		return false, fmt.Errorf("store: checkpoint: %w", err)
	}
	return busy == 0, nil
}

// Vacuum rewrites the database file with only what it holds now (VACUUM),
// and empties the write-ahead log: SQLite leaves what it moves, rewrites
// or deletes in the file's free space, so after SealExisting the file may
// still hold fragments of rows written before the store had a key. It
// holds the write lock throughout, and needs as much free disk space as
// the database: run it with ticketd stopped.
func (db *DB) Vacuum(ctx context.Context) error { return db.be.vacuum(ctx, db) }

func (b *sqliteBackend) vacuum(ctx context.Context, db *DB) error {
	b.write.mu.Lock()
	defer b.write.end()
	if _, err := db.sql.ExecContext(ctx, "VACUUM"); err != nil {
		return fmt.Errorf("store: vacuum: %w", err)
	}
	if _, err := b.checkpoint(ctx, db); err != nil {
		return err
	}
	return nil
}
