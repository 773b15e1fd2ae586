package store

// What is PostgreSQL's own lives in this file and postgres_*.go, beside
// SQLite's in sqlite.go.
//
// Concurrency. PostgreSQL has many writers at once, in any number of
// processes on any number of machines; the store takes no lock of its own
// in the process. Transactions are READ COMMITTED (each statement sees
// what was committed before it began). What SQLite got from its single
// writer is made safe across processes this way:
//
//   - The event chain (chain.go) and the change sequence (version.go):
//     a writer takes the transaction-scoped advisory lock chainLock
//     (pg_advisory_xact_lock) before it reads the chain's tip or takes a
//     version, and holds it to commit; so events are numbered and linked
//     one after another, and versions are committed in the order they are
//     taken (ChangedTickets never misses one committed after a higher
//     one).
//   - Every change to a ticket takes that lock before it reads the
//     ticket (lockTicket), and filing a letter takes it before it looks
//     for the letter (ingest): a letter arriving twice at once is seen as
//     a duplicate by the second filer, and no two writers take a ticket's
//     row and the chain lock in opposite orders (no deadlock).
//   - Ticket and note ids are drawn from their identities' sequences
//     (never MAX+1); gaps are left by rolled-back transactions.
//   - Migrations run under the advisory lock migrateLock.
//
// So what bounds concurrency is the chain lock: the writes that record an
// event (filing letters, operators' actions, purges) run one at a time
// from the moment they take it to their commit, across all processes; a
// Batch holds it from its first letter to its commit (BatchLimits). Reads,
// the outbox's bookkeeping, sessions and users do not take it.

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
	"time"
)

// pgmigrations are the PostgreSQL schema: 0016_schema.sql makes the whole
// schema at version 16, each later file one step, numbered as SQLite's.
// The version is kept in the table schema_version.
//
//go:embed pgmigrations/*.sql
var pgmigrations embed.FS

// Advisory lock keys (pg_advisory_xact_lock): arbitrary, fixed numbers.
const (
	chainLock   = 0x7469636b65746401 // "ticketd" 01: the event chain and the change sequence
	migrateLock = 0x7469636b65746402 // "ticketd" 02: migrations
)

// pgBackend is PostgreSQL's side of the store.
type pgBackend struct{}

// openPostgres opens the database at the URL location (pgx through
// database/sql). readOnly makes every transaction read-only
// (default_transaction_read_only), for OpenReadOnly.
func openPostgres(ctx context.Context, location string, readOnly bool) (*sql.DB, error) {
	u, err := url.Parse(location)
	if err != nil {
		return nil, errors.New("cannot parse the PostgreSQL URL")
	}
	if readOnly {
		q := u.Query()
		q.Set("default_transaction_read_only", "on")
		u.RawQuery = q.Encode()
	}
	sqldb, err := openPGX(u.String())
	if err != nil {
		return nil, err
	}
	sqldb.SetMaxIdleConns(8)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, err
	}
	return sqldb, nil
}

// openPostgresReadOnly is OpenReadOnly for a PostgreSQL URL.
func openPostgresReadOnly(ctx context.Context, location string) (*DB, error) {
	fail := func(err error) (*DB, error) {
		return nil, fmt.Errorf("store: open %s: %w", Redact(location), redactError(location, err))
	}
	sqldb, err := openPostgres(ctx, location, true)
	if err != nil {
		return fail(err)
	}
	db := &DB{sql: sqldb, be: &pgBackend{}, now: time.Now, index: newBlindIndex(nil)}
	have, err := db.SchemaVersion(ctx)
	if err == nil {
		err = db.checkSchema(have)
	}
	if err != nil {
		sqldb.Close()
		return fail(err)
	}
	return db, nil
}

// begin starts a READ COMMITTED transaction; nothing waits in the process.
func (*pgBackend) begin(ctx context.Context, on beginner) (*sql.Tx, func(), error) {
	tx, err := on.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return nil, nil, err
	}
	return tx, func() {}, nil
}

// beginDurable begins a transaction whose commit waits for its WAL
// record to be flushed (synchronous_commit on), whatever the server's or
// role's default: PostgreSQL's commit is durable unless that was turned
// off.
func (b *pgBackend) beginDurable(ctx context.Context, sqldb *sql.DB) (*sql.Tx, func(), error) {
	tx, end, err := b.begin(ctx, sqldb)
	if err != nil {
		return nil, nil, err
	}
	if _, err := tx.ExecContext(ctx, "SET LOCAL synchronous_commit TO on"); err != nil {
		tx.Rollback()
		return nil, nil, err
	}
	return tx, end, nil
}

// beginScrubbing is begin: PostgreSQL has no secure_delete. A deleted or
// updated row version stays in its table's pages until VACUUM reclaims
// the space, and may stay in the WAL and its archives; Vacuum (VACUUM
// FULL) rewrites the tables, the WAL is recycled by checkpoints.
func (b *pgBackend) beginScrubbing(ctx context.Context, sqldb *sql.DB) (*sql.Tx, func(), error) {
	return b.begin(ctx, sqldb)
}

// lockChain takes the chain's advisory lock for the rest of tx. Taking it
// again in the same transaction is cheap and changes nothing.
func (*pgBackend) lockChain(ctx context.Context, tx conn) error {
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", int64(chainLock)); err != nil {
		return fmt.Errorf("lock the event chain: %w", err)
	}
	return nil
}

// nextID draws the next id of table from its identity's sequence.
func (*pgBackend) nextID(ctx context.Context, tx conn, table string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, "SELECT nextval(pg_get_serial_sequence('"+table+"', 'id'))").Scan(&id)
	return id, err
}

// batchLimits on PostgreSQL: a Batch holds the chain lock from its first
// letter to its commit, as a SQLite batch holds the write lock, so the
// same limits keep other writers' waits as short; a commit costs a WAL
// flush, as SQLite's FULL commit costs an fsync.
func (*pgBackend) batchLimits() BatchLimits {
	return BatchLimits{Letters: 64, Hold: 10 * time.Millisecond}
}

// durable has nothing to do: every Batch commits with synchronous_commit
// on, and PostgreSQL's commits before them were made durable by theirs
// (or, committed with it off, are flushed by the WAL writer within
// 3 × wal_writer_delay: the server's settings, not the store's).
func (*pgBackend) durable(context.Context, *DB) error { return nil }

// checkpoint does nothing on PostgreSQL, and reports it finished: there is
// no write-ahead log of the store's own to empty, and CHECKPOINT needs a
// privilege the store's role should not have. Old row versions are
// reclaimed by autovacuum, or by Vacuum.
func (*pgBackend) checkpoint(context.Context, *DB) (bool, error) { return true, nil }

// vacuum runs VACUUM FULL: every table is rewritten with only the rows
// it holds now, so old versions of rows (values SealExisting replaced,
// letters purged) are no longer in its files. It locks each table while it
// rewrites it: run it with ticketd stopped.
func (*pgBackend) vacuum(ctx context.Context, db *DB) error {
	if _, err := db.sql.ExecContext(ctx, "VACUUM FULL"); err != nil {
		return fmt.Errorf("store: vacuum: %w", err)
	}
	return nil
}

// failed does nothing: pgx discards broken connections itself.
func (*pgBackend) failed(*DB, error) {}

// schemaVersion reads schema_version; a database without the table is at
// version 0.
func (*pgBackend) schemaVersion(ctx context.Context, db *DB) (int, error) {
	var exists bool
	if err := db.sql.QueryRowContext(ctx, "SELECT to_regclass('schema_version') IS NOT NULL").Scan(&exists); err != nil {
		return 0, err
	}
	if !exists {
		return 0, nil
	}
	var v int
	err := db.sql.QueryRowContext(ctx, "SELECT version FROM schema_version WHERE id = 1").Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, err
}

// newestMigration is the number of the last of PostgreSQL's migrations.
func (*pgBackend) newestMigration() (int, error) { return newestIn(pgmigrations, "pgmigrations") }

// migrate applies, in one transaction under the advisory lock
// migrateLock, every migration numbered above the database's version, in
// order: two processes starting at once apply each once. PostgreSQL's
// DDL is transactional, so a migration that fails leaves no trace.
func (*pgBackend) migrate(ctx context.Context, db *DB) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrateLock)); err != nil {
		return fmt.Errorf("lock migrations: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("schema_version: %w", err)
	}
	var version int
	err = tx.QueryRowContext(ctx, "SELECT version FROM schema_version WHERE id = 1").Scan(&version)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read schema version: %w", err)
	}
	names, err := fs.Glob(pgmigrations, "pgmigrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	applied := version
	for _, name := range names {
		n, err := migrationNumber(name)
		if err != nil {
			return err
		}
		if n <= applied {
			continue
		}
		body, err := pgmigrations.ReadFile(name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		applied = n
	}
	if applied == version {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (id, version) VALUES (1, $1)
		ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version`, applied); err != nil {
		return fmt.Errorf("record schema version %d: %w", applied, err)
	}
	return tx.Commit()
}

// rebind rewrites ? placeholders as $1, $2, ..., leaving alone a ? in a
// string literal ('...'), a quoted identifier ("..."), a comment (-- to
// the end of the line, /* ... */) and a dollar-quoted string ($$...$$).
func (*pgBackend) rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			j := strings.IndexByte(query[i+1:], c)
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+j+2])
			i += j + 1
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+j+1])
			i += j
		case c == '/' && i+1 < len(query) && query[i+1] == '*':
			j := strings.Index(query[i+2:], "*/")
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+j+4])
			i += j + 3
		case c == '$' && i+1 < len(query) && query[i+1] == '$':
			j := strings.Index(query[i+2:], "$$")
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+j+4])
			i += j + 3
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
