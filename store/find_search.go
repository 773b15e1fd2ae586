package store

import (
	"context"
	"strings"
)

// How FindTickets reads a page of a search. The index gives the tickets
// holding every term fast, in the order of their ids, so:
//
//   - newest first, the tickets are read in the order the index gives
//     them, from the cursor on, each joined to its row and checked against
//     the other fields, until the page is full;
//   - in the queue's order, when the index matches few tickets (at most
//     matchesToSort), they are all read and sorted;
//   - in the queue's order, when it matches more, the queue's index is read
//     in order as without a search, and each ticket's terms are checked in
//     ticket_terms: as at least one ticket in every
//     (tickets / matchesToSort) holds them, a page is soon full.
//
// A page costs the reading of at most matchesToSort tickets, or of those
// before the page is full. The total (TicketPage.Total) is counted by the
// index alone when the search is the only filter; with other filters, by
// reading what the index matches when that is few, and not at all
// otherwise (-1): it would read every ticket matched.

// defaultMatchesToSort is DB.matchesToSort when it is 0. In a store of a
// million tickets (7 GB) reading a ticket by its id takes about 10 µs, and
// checking one in the queue's order about 20 µs: sorting 5,000 takes about
// as long as filling a page of the queue's 300,000 open tickets checking
// terms when one in 60 holds them (BenchmarkFindTickets1M).
const defaultMatchesToSort = 5000

// searchQuery is TicketFilter.Search as the index is asked it.
type searchQuery struct {
	matches string // the statement of the index's matches (searchMatches)
	match   any    // what stands for its ?: a full-text expression every token of the search matches
	pg      bool   // the index is PostgreSQL's
	// join joins the matches to their tickets: SQLite's CROSS JOIN, which
	// makes it read the matches first; PostgreSQL's planner chooses itself.
	join   string
	tokens []uint64 // the tokens, as ticket_terms holds them
	few    bool     // the index matches at most matchesToSort tickets (planSearch)
}

// newSearchQuery returns the query of search, or nil when it has no term.
func newSearchQuery(search string, ix *blindIndex) *searchQuery {
	ts := searchTerms(search)
	if len(ts) == 0 {
		return nil
	}
	h := ix.hasher()
	s := &searchQuery{}
	for _, t := range ts {
		s.tokens = append(s.tokens, h.hash(t))
	}
	s.matches, s.match, s.join = searchMatches, matchExpression(s.tokens), "CROSS JOIN"
	return s
}

// planSearch decides how a page of q's search is read, and whether its
// total is counted: by how many tickets the index matches, up to
// matchesToSort.
func (db *DB) planSearch(ctx context.Context, q *ticketQuery) error {
	if q.search == nil {
		return nil
	}
	if where, _ := q.plainConditions(q.statuses); q.order != OrderQueue && len(where) == 0 {
		return nil // read in the index's order, and counted by the index
	}
	limit := db.matchesToSort
	if limit == 0 {
		limit = defaultMatchesToSort
	}
	n, err := db.matchCount(ctx, q.search.tokens, limit)
	q.search.few = n <= limit
	return err
}

// checked is the condition that a ticket read holds every term of the
// search, looked up in its ticket_terms: each token's 8 bytes occur in
// them. (They occur elsewhere than at a token's start with a chance of
// one in 2^64 per byte.)
func (s *searchQuery) checked() (string, []any) {
	if s.pg {
		return "EXISTS (SELECT 1 FROM ticket_search WHERE ticket_id = tickets.id AND terms @> ?::bigint[])", []any{s.match}
	}
	conds := make([]string, len(s.tokens))
	args := make([]any, len(s.tokens))
	for i, t := range s.tokens {
		conds[i] = "instr(terms, ?) > 0"
		args[i] = tokenBytes(t)
	}
	return "EXISTS (SELECT 1 FROM ticket_terms WHERE ticket_id = tickets.id AND " + strings.Join(conds, " AND ") + ")", args
}

// pageOfMatches returns the query of a page made from the tickets the
// index matches: newest first, read in the order the index gives them;
// for the queue, sorted.
func (q *ticketQuery) pageOfMatches() (string, []any) {
	where, args := q.plainConditions(q.statuses)
	// Newest first, the cursor and the order are on the index's ids, so
	// that the index reads them in order from the cursor on.
	id, orderBy := "tickets.id", q.orderBy("")
	if q.order == OrderNewest {
		id, orderBy = "matches.match_id", "matches.match_id DESC"
	}
	where, args = q.afterCursor(where, args, id)
	from := " FROM (" + q.search.matches + ") AS matches " + q.search.join + " tickets ON tickets.id = matches.match_id"
	text := "SELECT " + ticketListColumns + ", urgency" + from + whereClause(where) + " ORDER BY " + orderBy + " LIMIT ?"
	return text, append(append([]any{q.search.match}, args...), q.limit+1)
}

// countable reports whether FindTickets counts the tickets q selects: it
// does but for a search matching many tickets filtered by other fields.
func (q *ticketQuery) countable() bool {
	if q.search == nil || q.search.few {
		return true
	}
	where, _ := q.plainConditions(q.statuses)
	return len(where) == 0
}

// countMatches returns the query counting the tickets the filter and its
// search select: the index counts them alone, or each it matches is
// checked against the other fields.
func (q *ticketQuery) countMatches() (string, []any) {
	where, args := q.plainConditions(q.statuses)
	if len(where) == 0 {
		return "SELECT COUNT(*) FROM (" + q.search.matches + ") AS matches", []any{q.search.match}
	}
	text := "SELECT COUNT(*) FROM (" + q.search.matches + ") AS matches " + q.search.join + " tickets ON tickets.id = matches.match_id" + whereClause(where)
	return text, append([]any{q.search.match}, args...)
}
