package store

// What differs between the backends about search lives in this file. On
// SQLite the search index is an FTS5 table (migration 0011), its rows
// written and matched with FTS5's statements; on PostgreSQL it is a table
// of BIGINT arrays (the same 64-bit tokens) under a GIN index, matched by
// containment (terms @> the query's tokens). Both match a ticket when its
// row holds every token of the query, whole: FTS5's query is a phrase of
// one quoted token per term ("hex" AND "hex"), never a prefix, so the
// results are the same.

import (
	"context"
	"fmt"
)

// searchMatches selects the ids of the tickets whose row of the index
// holds every token of a match expression (matchExpression), in the
// column match_id.
const searchMatches = "SELECT rowid AS match_id FROM ticket_search WHERE ticket_search MATCH ?"

// pgSearchMatches is searchMatches on PostgreSQL; its argument is the
// tokens as BIGINTs (pgTokens).
const pgSearchMatches = "SELECT ticket_id AS match_id FROM ticket_search WHERE terms @> ?::bigint[]"

// searchMatches returns the statement of the index's matches, and what
// stands for its ? when it matches toks.
func (db *DB) searchMatches(toks []uint64) (string, any) {
	if db.postgres() {
		return pgSearchMatches, pgTokens(toks)
	}
	return searchMatches, matchExpression(toks)
}

// pgTokens are toks as PostgreSQL's index keeps them: each token's 64
// bits as a BIGINT.
func pgTokens(toks []uint64) []int64 {
	out := make([]int64, len(toks))
	for i, t := range toks {
		out[i] = int64(t)
	}
	return out
}

// insertSearchRow writes ticket id's row of the index.
func insertSearchRow(ctx context.Context, tx conn, id int64, toks []uint64) error {
	if tx.db.postgres() {
		return pgInsertSearchRow(ctx, tx, id, toks)
	}
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
	if tx.db.postgres() {
		if _, err := tx.ExecContext(ctx, "UPDATE ticket_search SET terms = ? WHERE ticket_id = ?", pgTokens(toks), id); err != nil {
			return fmt.Errorf("index ticket %d again: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE ticket_terms SET terms = ? WHERE ticket_id = ?", pack(toks), id); err != nil {
			return fmt.Errorf("index ticket %d again: %w", id, err)
		}
		return nil
	}
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
	if tx.db.postgres() {
		if _, err := tx.ExecContext(ctx, "DELETE FROM ticket_search"); err != nil {
			return fmt.Errorf("empty the search index: %w", err)
		}
	} else if _, err := tx.ExecContext(ctx, "INSERT INTO ticket_search (ticket_search) VALUES ('delete-all')"); err != nil {
		return fmt.Errorf("empty the search index: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM ticket_terms"); err != nil {
		return fmt.Errorf("empty the search index: %w", err)
	}
	return nil
}

// matchCount returns how many tickets the index matches for the match
// expression, counting no further than limit+1.
func (db *DB) matchCount(ctx context.Context, toks []uint64, limit int) (int, error) {
	var n int
	text, match := db.searchMatches(toks)
	err := db.conn().QueryRowContext(ctx, "SELECT COUNT(*) FROM ("+text+" LIMIT ?) AS matches", match, limit+1).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: search: %w", err)
	}
	return n, nil
}

// deleteSearchRow removes ticket id's row of the index, if it has one.
func deleteSearchRow(ctx context.Context, tx conn, id int64) error {
	del := "DELETE FROM ticket_search WHERE rowid = ?"
	if tx.db.postgres() {
		del = "DELETE FROM ticket_search WHERE ticket_id = ?"
	}
	if _, err := tx.ExecContext(ctx, del, id); err != nil {
		return fmt.Errorf("remove ticket %d from the index: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM ticket_terms WHERE ticket_id = ?", id); err != nil {
		return fmt.Errorf("remove ticket %d from the index: %w", id, err)
	}
	return nil
}

// pgInsertSearchRow is insertSearchRow on PostgreSQL.
func pgInsertSearchRow(ctx context.Context, tx conn, id int64, toks []uint64) error {
	if _, err := tx.ExecContext(ctx, "INSERT INTO ticket_search (ticket_id, terms) VALUES (?, ?)", id, pgTokens(toks)); err != nil {
		return fmt.Errorf("index ticket %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO ticket_terms (ticket_id, terms) VALUES (?, ?)", id, pack(toks)); err != nil {
		return fmt.Errorf("index ticket %d: %w", id, err)
	}
	return nil
}
