package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"time"
)

// OpenReadOnly opens the store at path to read it and never write it: to
// check it (VerifyChain), or to read its head. Unlike Open it creates no
// file, applies no migration and does not link events stored before the
// chain, nor record letters stored before it (which would append to the
// very chain under check, and vouch for a letter that was slipped in). A
// store written by an older ticketd is refused: open it once with Open
// (any ticketd command that writes, such as "ticketd run -once") first.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	if isPostgresURL(path) {
		return openPostgresReadOnly(ctx, path)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	sqldb, err := openSQLiteReadOnly(path)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db := &DB{sql: sqldb, be: &sqliteBackend{}, now: time.Now, index: newBlindIndex(nil)}
	have, err := db.SchemaVersion(ctx)
	if err == nil {
		err = db.checkSchema(have)
	}
	if err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return db, nil
}

// checkSchema refuses a store whose schema is not the one this ticketd
// makes.
func (db *DB) checkSchema(have int) error {
	want, err := db.be.newestMigration()
	if err != nil {
		return err
	}
	switch {
	case have < want:
		return fmt.Errorf("the store is at schema %d, this ticketd's is %d: open it once with a command that writes (\"ticketd run -once\") to upgrade it", have, want)
	case have > want:
		return fmt.Errorf("the store is at schema %d, newer than this ticketd's %d: use the ticketd that wrote it", have, want)
	}
	return nil
}

// newestIn is the number of the last migration in dir of fsys: the schema
// version of a store Open brings up to date.
func newestIn(fsys fs.FS, dir string) (int, error) {
	names, err := fs.Glob(fsys, dir+"/*.sql")
	if err != nil {
		return 0, err
	}
	newest := 0
	for _, name := range names {
		n, err := migrationNumber(name)
		if err != nil {
			return 0, err
		}
		newest = max(newest, n)
	}
	return newest, nil
}

// openSQLiteReadOnly opens the database file at path as openSQLite does,
// but every statement that would write fails (query_only), and a missing
// file is not created (mode=rw). The file is not opened read-only at the
// operating system's level: a reader of a database in WAL mode needs to
// write its shared-memory index.
func openSQLiteReadOnly(path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "query_only(1)")
	q.Add("_pragma", "mmap_size(268435456)")
	q.Set("mode", "rw")
	return openFile(path, q)
}
