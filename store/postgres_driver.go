package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// The PostgreSQL pool's connections are pgx's (pgx/v5/stdlib) wrapped so
// that every statement given to database/sql is the store's portable SQL:
// its ? placeholders are rewritten as $1, $2, ... (pgBackend.rebind), each
// statement text once, and bools are bound as the integers 0 and 1 (flags
// are integer columns on both backends). conn rewrites the texts it
// prepares itself (DB.text); this catches the rest, such as tests' SQL.

// openPGX opens a pool of wrapped pgx connections to the URL location.
func openPGX(location string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(location)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(pgConnector{inner: stdlib.GetConnector(*cfg), texts: &rebound{}}), nil
}

// rebound caches statement texts rewritten for PostgreSQL.
type rebound struct{ m sync.Map }

func (r *rebound) text(query string) string {
	if t, ok := r.m.Load(query); ok {
		return t.(string)
	}
	t := (&pgBackend{}).rebind(query)
	r.m.Store(query, t)
	return t
}

// pgConnector makes wrapped connections.
type pgConnector struct {
	inner driver.Connector
	texts *rebound
}

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	cn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return pgConn{Conn: cn.(*stdlib.Conn), texts: c.texts}, nil
}

func (c pgConnector) Driver() driver.Driver { return c.inner.Driver() }

// pgConn is a pgx connection that takes ? placeholders and binds bools as
// integers.
type pgConn struct {
	*stdlib.Conn
	texts *rebound
}

func (c pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(c.texts.text(query))
}

func (c pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, c.texts.text(query))
}

func (c pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, c.texts.text(query), args)
}

func (c pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, c.texts.text(query), args)
}

// CheckNamedValue binds a bool as 0 or 1, and anything else as pgx does.
func (c pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	if b, ok := nv.Value.(bool); ok {
		nv.Value = int64(0)
		if b {
			nv.Value = int64(1)
		}
		return nil
	}
	return c.Conn.CheckNamedValue(nv)
}

// onceArgs returns the arguments of a query QueryOnce runs: on
// PostgreSQL, led by pgx's QueryExecModeCacheDescribe, so that pgx runs it
// as an unnamed statement, which PostgreSQL plans for the values bound.
// pgx would otherwise keep it prepared, and PostgreSQL plans a prepared
// statement, after its fifth run, once for any values (a generic plan)
// when that looks no dearer: a search's generic plan cannot tell a word
// one ticket holds from one every ticket holds (terms @> $1), and reads
// the whole index of tickets backwards for the first (BenchmarkFindTickets1M).
func (db *DB) onceArgs(args []any) []any {
	args = db.args(args)
	if !db.postgres() {
		return args
	}
	return append([]any{pgx.QueryExecModeCacheDescribe}, args...)
}
