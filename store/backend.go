package store

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"strings"
)

// backend is what differs between the store's two databases: how they are
// opened and migrated, how writers take turns, how ids are drawn, how long
// a batch may run, and what their maintenance statements mean. The rest of
// the package is written once for both, with ? placeholders and portable
// SQL; sqlite.go and postgres.go implement this.
type backend interface {
	// begin starts a write transaction on on (the database or one of its
	// connections); end must be called once it is committed or rolled back.
	begin(ctx context.Context, on beginner) (tx *sql.Tx, end func(), err error)
	// beginDurable starts a write transaction whose commit survives a
	// power loss (durable.go).
	beginDurable(ctx context.Context, sqldb *sql.DB) (tx *sql.Tx, end func(), err error)
	// beginScrubbing starts a write transaction whose deletions do not
	// stay readable in the database's free space, as far as the backend
	// can say that (SQLite's secure_delete).
	beginScrubbing(ctx context.Context, sqldb *sql.DB) (tx *sql.Tx, end func(), err error)
	// lockChain makes tx the only writer of the event chain and of the
	// change sequence until it ends (chain.go, version.go).
	lockChain(ctx context.Context, tx conn) error
	migrate(ctx context.Context, db *DB) error
	schemaVersion(ctx context.Context, db *DB) (int, error)
	newestMigration() (int, error)
	// nextID returns the id the next row of table (tickets, notes) gets.
	nextID(ctx context.Context, tx conn, table string) (int64, error)
	batchLimits() BatchLimits
	durable(ctx context.Context, db *DB) error
	checkpoint(ctx context.Context, db *DB) (bool, error)
	vacuum(ctx context.Context, db *DB) error
	// rebind returns query in the backend's placeholders.
	rebind(query string) string
	// failed looks at an error of the database for what the backend does
	// about it (SQLite reopens connections that opened the file read-only).
	failed(db *DB, err error)
}

// postgres reports whether db is a PostgreSQL store.
func (db *DB) postgres() bool {
	_, ok := db.be.(*pgBackend)
	return ok
}

// isPostgresURL reports whether a store's location is a PostgreSQL URL
// rather than a SQLite file's path.
func isPostgresURL(location string) bool {
	return strings.HasPrefix(location, "postgres://") || strings.HasPrefix(location, "postgresql://")
}

// Redact returns location as it may be shown: a PostgreSQL URL without its
// password; a SQLite path as it is.
func Redact(location string) string {
	if !isPostgresURL(location) {
		return location
	}
	u, err := url.Parse(location)
	if err != nil {
		return "postgres://(a URL that does not parse)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// redactError returns err with location's password, if it has one, taken
// out of its message: a driver may repeat what it was given.
func redactError(location string, err error) error {
	if err == nil || !isPostgresURL(location) {
		return err
	}
	u, perr := url.Parse(location)
	if perr != nil {
		return errors.New("cannot parse the PostgreSQL URL")
	}
	pw, ok := u.User.Password()
	if !ok || pw == "" || !strings.Contains(err.Error(), pw) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), pw, "xxxxx"))
}

// args returns a statement's arguments as the backend binds them: on
// PostgreSQL, bools as the integers 0 and 1 (flags are integer columns on
// both backends).
func (db *DB) args(args []any) []any {
	if !db.postgres() {
		return args
	}
	copied := false
	for i, a := range args {
		b, ok := a.(bool)
		if !ok {
			continue
		}
		if !copied {
			args, copied = append([]any(nil), args...), true
		}
		args[i] = int64(0)
		if b {
			args[i] = int64(1)
		}
	}
	return args
}
