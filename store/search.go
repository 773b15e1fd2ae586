package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

// Search. Each ticket has one row in the search index holding the tokens
// (blind.go) of its terms (words.go): its number, account and application
// numbers, the citizen's name and address, its subject, and of every
// inbound letter the sender's name and address, the subject and the text
// (Inbound.Text). Ingest adds a letter's terms in the letter's
// transaction; a follow-up's terms join its ticket's row, which is
// written again whole (ticket_terms keeps what the row holds, as hashes).
// TicketFilter.Search finds the tickets whose row holds every term of the
// search (find_search.go).
//
// An index built with another key, or a store that held tickets before
// the index existed (migration 0011), is stale: searches fail with
// ErrSearchIndexStale, and Ingest adds nothing to it, until Reindex has
// rebuilt it. Nothing rebuilds it unasked, as rebuilding reads and parses
// every letter: "ticketd reindex" does, and "ticketd run" says when it is
// needed.

// ErrSearchIndexStale is returned by searches when the search index was
// built with another key, or lacks tickets stored before it existed, or
// is being rebuilt: Reindex rebuilds it.
var ErrSearchIndexStale = errors.New(`store: the search index must be rebuilt ("ticketd reindex")`)

// States of the search index (search_index.state, migration 0011).
const (
	indexEmpty    = "empty"    // no ticket indexed yet: any key may take it
	indexCurrent  = "current"  // every ticket is indexed with the key of key_fingerprint
	indexBuilding = "building" // Reindex is rebuilding it with that key, or was stopped
	indexStale    = "stale"    // tickets were stored before the index existed
)

// searchState is the search_index row.
type searchState struct{ fingerprint, state string }

func readSearchState(ctx context.Context, c conn) (searchState, error) {
	var st searchState
	err := c.QueryRowContext(ctx, "SELECT key_fingerprint, state FROM search_index WHERE id = 1").Scan(&st.fingerprint, &st.state)
	if err != nil {
		return st, fmt.Errorf("read the state of the search index: %w", err)
	}
	return st, nil
}

// CheckSearchIndex returns nil when searches can use the search index, and
// otherwise an error wrapping ErrSearchIndexStale that says why.
func (db *DB) CheckSearchIndex(ctx context.Context) error {
	st, err := readSearchState(ctx, db.conn())
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	switch {
	case st.state == indexEmpty || st.state == indexCurrent && st.fingerprint == db.index.fingerprint:
		return nil
	case st.state == indexStale:
		return fmt.Errorf("%w: tickets stored before the index existed are not in it", ErrSearchIndexStale)
	case st.fingerprint != db.index.fingerprint:
		return fmt.Errorf("%w: it was built with another key than this store's (store.key_file was changed, or is not the same here)", ErrSearchIndexStale)
	default:
		return fmt.Errorf("%w: its rebuilding has not finished", ErrSearchIndexStale)
	}
}

// indexWritable reports whether the index takes new terms in tx: when it
// is kept with this store's key (or being rebuilt with it), or is empty,
// and then takes this store's key. A stale index takes none: Reindex will
// index the letter.
func (db *DB) indexWritable(ctx context.Context, tx conn) (bool, error) {
	st, err := readSearchState(ctx, tx)
	switch {
	case err != nil:
		return false, err
	case st.state == indexEmpty:
		_, err := tx.ExecContext(ctx, "UPDATE search_index SET key_fingerprint = ?, state = ? WHERE id = 1",
			db.index.fingerprint, indexCurrent)
		if err != nil {
			return false, fmt.Errorf("start the search index: %w", err)
		}
		return true, nil
	case st.fingerprint == db.index.fingerprint && (st.state == indexCurrent || st.state == indexBuilding):
		return true, nil
	}
	return false, nil
}

// indexLetter adds to the search index the terms of letter in, filed on
// ticket t, with those of t's own fields.
func (db *DB) indexLetter(ctx context.Context, tx conn, t Ticket, in Inbound) error {
	ts := terms{}
	ticketTerms(ts, t)
	letterTerms(ts, in.FromName, in.FromAddress, in.Ticket.Subject, in.Text)
	return db.indexTerms(ctx, tx, t.ID, ts)
}

// indexTerms adds ts to ticket id's row of the search index, when the
// index takes them.
func (db *DB) indexTerms(ctx context.Context, tx conn, id int64, ts terms) error {
	ok, err := db.indexWritable(ctx, tx)
	if err != nil || !ok {
		return err
	}
	return addTerms(ctx, tx, id, db.index.hasher().hashes(ts))
}

// addTerms adds the tokens toks (sorted) to ticket id's row of the index.
func addTerms(ctx context.Context, tx conn, id int64, toks []uint64) error {
	var stored []byte
	err := tx.QueryRowContext(ctx, "SELECT terms FROM ticket_terms WHERE ticket_id = ?", id).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		if len(toks) > maxTicketTerms {
			toks = toks[:maxTicketTerms]
		}
		return insertSearchRow(ctx, tx, id, toks)
	}
	if err != nil {
		return fmt.Errorf("read the search terms of ticket %d: %w", id, err)
	}
	have := unpack(stored)
	all, added := union(have, toks)
	if added == 0 {
		return nil
	}
	if len(all) > maxTicketTerms {
		if all = capTerms(have, toks, maxTicketTerms); len(all) == len(have) {
			return nil
		}
	}
	return replaceSearchRow(ctx, tx, id, all)
}

// capTerms returns have (sorted) with as many of toks as keep it within
// max tokens, sorted.
func capTerms(have, toks []uint64, max int) []uint64 {
	out := slices.Clone(have)
	for _, t := range toks {
		if len(out) >= max {
			break
		}
		if _, found := slices.BinarySearch(have, t); !found {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}
