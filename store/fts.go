package store

// What is SQLite's own about search lives in this file: the search index
// is an FTS5 table (migration 0011), its rows are written and matched
// with FTS5's statements. A PostgreSQL backend would keep the same tokens
// in a tsvector or an array column with a GIN index, and put its own
// version of this file beside it.

import (
	"context"
	"fmt"
)

// searchMatches selects the ids of the tickets whose row of the index
// holds every token of a match expression (matchExpression), in the
// column match_id.
const searchMatches = "SELECT rowid AS match_id FROM ticket_search WHERE ticket_search MATCH ?"

// insertSearchRow writes ticket id's row of the index.
func insertSearchRow(ctx context.Context, tx conn, id int64, toks []uint64) error {
	if _, err := tx.ExecContext(ctx, "INSERT INTO ticket_search (rowid, terms) VALUES (?, ?)", id, document(toks)); err != nil {
		return fmt.Errorf("index ticket %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO ticket_terms (ticket_id, terms) VALUES (?, ?)", id, pack(toks)); err != nil {
		return fmt.Errorf("index ticket %d: %w", id, err)
	}
	return nil
}

// replaceSearchRow writes ticket id's row of the index again, holding
// toks. A contentless FTS5 table cannot change a row; with
// contentless_delete it can delete one, by its rowid alone.
func replaceSearchRow(ctx context.Context, tx conn, id int64, toks []uint64) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM ticket_search WHERE rowid = ?", id); err != nil {
		return fmt.Errorf("index ticket %d again: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO ticket_search (rowid, terms) VALUES (?, ?)", id, document(toks)); err != nil {
		return fmt.Errorf("index ticket %d again: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE ticket_terms SET terms = ? WHERE ticket_id = ?", pack(toks), id); err != nil {
		return fmt.Errorf("index ticket %d again: %w", id, err)
	}
	return nil
}

// clearSearchIndex empties the index.
func clearSearchIndex(ctx context.Context, tx conn) error {
	if _, err := tx.ExecContext(ctx, "INSERT INTO ticket_search (ticket_search) VALUES ('delete-all')"); err != nil {
		return fmt.Errorf("empty the search index: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM ticket_terms"); err != nil {
		return fmt.Errorf("empty the search index: %w", err)
	}
	return nil
}

// matchCount returns how many tickets the index matches for the match
// expression, counting no further than limit+1.
func (db *DB) matchCount(ctx context.Context, match string, limit int) (int, error) {
	var n int
	err := db.conn().QueryRowContext(ctx, "SELECT COUNT(*) FROM ("+searchMatches+" LIMIT ?) AS matches", match, limit+1).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: search: %w", err)
	}
	return n, nil
}

// deleteSearchRow removes ticket id's row of the index, if it has one.
func deleteSearchRow(ctx context.Context, tx conn, id int64) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM ticket_search WHERE rowid = ?", id); err != nil {
		return fmt.Errorf("remove ticket %d from the index: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM ticket_terms WHERE ticket_id = ?", id); err != nil {
		return fmt.Errorf("remove ticket %d from the index: %w", id, err)
	}
	return nil
}
