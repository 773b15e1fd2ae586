package store

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// conn runs statements on the database, or inside a transaction when tx is
// set. Each statement text is prepared once per database and reused: SQLite
// spends more time compiling a short INSERT than running it.
type conn struct {
	db *DB
	tx *sql.Tx // nil: outside a transaction
}

// statements caches the prepared statements of a database by their text.
type statements struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// prepared returns the statement for query, preparing it on first use.
func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	if s, ok := db.stmts.m[query]; ok {
		return s, nil
	}
	s, err := db.sql.PrepareContext(ctx, db.text(query))
	if err != nil {
		return nil, err
	}
	if db.stmts.m == nil {
		db.stmts.m = make(map[string]*sql.Stmt)
	}
	db.stmts.m[query] = s
	return s, nil
}

// text returns query in the backend's placeholders, rewriting each
// statement text once.
func (db *DB) text(query string) string {
	if !db.postgres() {
		return query
	}
	if t, ok := db.texts.Load(query); ok {
		return t.(string)
	}
	t := db.be.rebind(query)
	db.texts.Store(query, t)
	return t
}

// closeStatements closes every cached statement.
func (db *DB) closeStatements() {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	for _, s := range db.stmts.m {
		s.Close()
	}
	db.stmts.m = nil
}

// stmt returns query prepared for c: bound to its transaction when it has
// one. ok is false when the statement cannot be prepared; the caller then
// runs query unprepared, which reports the error.
func (c conn) stmt(ctx context.Context, query string) (*sql.Stmt, bool) {
	s, err := c.db.prepared(ctx, query)
	if err != nil {
		return nil, false
	}
	if c.tx != nil {
		s = c.tx.StmtContext(ctx, s)
	}
	return s, true
}

// ExecContext runs a statement that returns no rows.
func (c conn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	defer c.db.observe(OpExec, time.Now())
	args = c.db.args(args)
	if s, ok := c.stmt(ctx, query); ok {
		return s.ExecContext(ctx, args...)
	}
	if c.tx != nil {
		return c.tx.ExecContext(ctx, c.db.text(query), args...)
	}
	return c.db.sql.ExecContext(ctx, c.db.text(query), args...)
}

// QueryContext runs a query that returns rows.
func (c conn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	defer c.db.observe(OpQuery, time.Now())
	args = c.db.args(args)
	if s, ok := c.stmt(ctx, query); ok {
		return s.QueryContext(ctx, args...)
	}
	if c.tx != nil {
		return c.tx.QueryContext(ctx, c.db.text(query), args...)
	}
	return c.db.sql.QueryContext(ctx, c.db.text(query), args...)
}

// QueryRowContext runs a query that returns at most one row.
func (c conn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	defer c.db.observe(OpQuery, time.Now())
	args = c.db.args(args)
	if s, ok := c.stmt(ctx, query); ok {
		return s.QueryRowContext(ctx, args...)
	}
	if c.tx != nil {
		return c.tx.QueryRowContext(ctx, c.db.text(query), args...)
	}
	return c.db.sql.QueryRowContext(ctx, c.db.text(query), args...)
}

// QueryOnce runs a query that returns rows without keeping it prepared:
// for texts made for one filter, which would fill the cache. On
// PostgreSQL it is planned for the values bound, each time (onceArgs).
func (c conn) QueryOnce(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if c.tx != nil {
		return c.tx.QueryContext(ctx, c.db.be.rebind(query), c.db.onceArgs(args)...)
	}
	return c.db.sql.QueryContext(ctx, c.db.be.rebind(query), c.db.onceArgs(args)...)
}

// QueryRowOnce is QueryOnce for a query that returns at most one row.
func (c conn) QueryRowOnce(ctx context.Context, query string, args ...any) *sql.Row {
	if c.tx != nil {
		return c.tx.QueryRowContext(ctx, c.db.be.rebind(query), c.db.onceArgs(args)...)
	}
	return c.db.sql.QueryRowContext(ctx, c.db.be.rebind(query), c.db.onceArgs(args)...)
}
