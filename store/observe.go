package store

import "time"

// The operations DB.Observe is told about: few, so that a histogram per
// operation stays small.
const (
	// OpExec is one statement that returns no rows, through the
	// statement cache (inside a transaction or not).
	OpExec = "exec"
	// OpQuery is one query, until its first row is ready (the reading of
	// the rows is the caller's). The few queries run on the database
	// directly, not through conn (the queue's page and counts, searches),
	// are not timed.
	OpQuery = "query"
	// OpTx is one write transaction of a single action, from waiting
	// for the write lock to its commit.
	OpTx = "tx"
	// OpCommit is the durable commit of a batch of letters (Batch.Commit):
	// the sync of the write-ahead log.
	OpCommit = "commit"
)

// observe tells db.Observe how long op has taken since start.
func (db *DB) observe(op string, start time.Time) {
	if db.Observe != nil {
		db.Observe(op, time.Since(start))
	}
}
