package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TicketOrder is the order FindTickets lists tickets in.
type TicketOrder int

// Ticket orders.
const (
	// OrderNewest lists the newest tickets first, as "ticketd tickets"
	// does.
	OrderNewest TicketOrder = iota
	// OrderQueue is the operators' queue: urgent tickets first, then by
	// deadline, the earliest first; tickets due at the same moment, the
	// oldest first.
	OrderQueue
)

// Page sizes of FindTickets.
const (
	DefaultTicketLimit = 50   // when TicketFilter.Limit is 0
	MaxTicketLimit     = 1000 // the most one page holds
)

// maxSearchWords is the most words TicketFilter.Search may have.
const maxSearchWords = 8

// ErrBadCursor is returned by FindTickets for a TicketFilter.After that no
// page of that order returned.
var ErrBadCursor = errors.New("store: bad cursor")

// TicketFilter says which tickets FindTickets lists, in what order, and
// which page. A field left at its zero value selects every ticket.
type TicketFilter struct {
	Status   []Status   // tickets in any of these statuses
	Priority []Priority // of any of these priorities
	Category []string   // in any of these categories; "" is no category
	Assignee []string   // taken by any of these operators; "" is nobody

	DueAfter  time.Time // due at or after this time
	DueBefore time.Time // due before this time

	// Search keeps the tickets that hold every word of it (up to 8, split
	// at spaces) in the search index: in the ticket number, the account or
	// application number, the citizen's name or address, or the sender's
	// name or address, subject or text of any letter from the citizen.
	// Words match whole, in any case, ё as е: there are no prefixes or
	// stems, since the index holds keyed hashes of words, not the words
	// (see words.go and blind.go). A word typed with separators matches
	// them stripped ("12-345/67" finds the account number 1234567, typed
	// either way); an address matches whole ("ivan@example.ru"); a ticket
	// number ("TKT-000123") finds that ticket, and its digits alone ("123")
	// find it among any that hold the number. A search of a stale index
	// fails with ErrSearchIndexStale.
	Search string

	Order TicketOrder
	// After is TicketPage.Next of the page before; "" asks for the first
	// page. It names the last ticket of that page by its place in Order,
	// so pages follow each other even when tickets are stored meanwhile:
	// none is missed or shown twice. A ticket whose own place changes
	// between two pages (a follow-up brings its deadline forward or makes
	// it urgent) may be.
	After string
	// Limit is the most tickets on the page: 0 means DefaultTicketLimit;
	// more than MaxTicketLimit means MaxTicketLimit.
	Limit int
	// NoTotal leaves TicketPage.Total at -1 instead of counting every
	// ticket the filter selects, which reads them all: for a caller that
	// pages through everything anyway.
	NoTotal bool
}

// TicketPage is one page of tickets FindTickets found.
type TicketPage struct {
	// Tickets are the page's tickets, in the filter's order, without their
	// descriptions: a list does not unseal them (Ticket reads one whole).
	Tickets []Ticket
	// Total is how many tickets the filter selects on all pages, counted
	// after the page is read; -1 with NoTotal, and -1 for a search that
	// matches more than a few thousand tickets (find_search.go) when other
	// fields filter them too: counting those would read every one.
	Total int
	Next  string // TicketFilter.After for the next page; "" on the last page
}

// FindTickets returns one page of the tickets f selects, in f.Order, and
// how many it selects in all.
//
// A page is read as a range of an index in order (migration 0007): of the
// tickets in one status, or of all tickets. When f names several statuses,
// each status's range gives at most a page and the pages are merged, so the
// cost of a page does not grow with the number of tickets; Category,
// Assignee and the due range are checked on the tickets read. A search
// reads the search index (find_search.go).
func (db *DB) FindTickets(ctx context.Context, f TicketFilter) (TicketPage, error) {
	page := TicketPage{Total: -1}
	q, err := db.ticketQuery(ctx, f)
	if err != nil {
		return page, err
	}
	if err := db.planSearch(ctx, q); err != nil {
		return page, err
	}
	if none, err := db.pruneStatuses(ctx, q); err != nil || none {
		if none && !f.NoTotal {
			page.Total = 0
		}
		return page, err
	}
	text, args := q.page()
	rows, err := db.conn().QueryOnce(ctx, text, args...)
	if err != nil {
		return page, fmt.Errorf("store: find tickets: %w", err)
	}
	defer rows.Close()
	var last cursor
	for rows.Next() {
		var t Ticket
		var urgency int
		if err := db.scanListed(rows, &t, &urgency); err != nil {
			return page, fmt.Errorf("store: find tickets: %w", err)
		}
		if len(page.Tickets) == q.limit {
			page.Next = last.String()
			break
		}
		page.Tickets = append(page.Tickets, t)
		last = cursor{order: q.order, urgency: urgency, due: millis(t.DueAt), id: t.ID}
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("store: find tickets: %w", err)
	}
	rows.Close()
	if f.NoTotal || !q.countable() {
		return page, nil
	}
	text, args = q.count()
	if err := db.conn().QueryRowOnce(ctx, text, args...).Scan(&page.Total); err != nil {
		return page, fmt.Errorf("store: count tickets: %w", err)
	}
	return page, nil
}

// pruneStatuses leaves out of q the statuses in which ticket_counts has
// no ticket the filter selects: otherwise their ranges would be read to
// the end to find none (the unassigned tickets in a queue where only new
// ones are unassigned). none is true when no status is left.
func (db *DB) pruneStatuses(ctx context.Context, q *ticketQuery) (none bool, err error) {
	if !q.counted || len(q.where) == 0 || len(q.statuses) == 0 {
		return false, nil
	}
	where, args := q.conditions(q.statuses)
	rows, err := db.conn().QueryOnce(ctx, "SELECT status FROM ticket_counts"+whereClause(where)+" GROUP BY status HAVING SUM(n) > 0", args...)
	if err != nil {
		return false, fmt.Errorf("store: find tickets: %w", err)
	}
	defer rows.Close()
	var kept []Status
	for rows.Next() {
		var s Status
		if err := rows.Scan(&s); err != nil {
			return false, fmt.Errorf("store: find tickets: %w", err)
		}
		kept = append(kept, s)
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("store: find tickets: %w", err)
	}
	// In the order asked, which the tests of query plans rely on.
	q.statuses = slices.DeleteFunc(q.statuses, func(s Status) bool { return !slices.Contains(kept, s) })
	return len(q.statuses) == 0, nil
}

// ticketQuery is a TicketFilter checked and turned into SQL.
type ticketQuery struct {
	order    TicketOrder
	statuses []Status
	where    []string // conditions but the status, the search and the cursor
	args     []any
	search   *searchQuery // nil: no search
	after    *cursor      // nil: the first page
	limit    int
	// counted: every condition is on a column of ticket_counts (no due
	// range, no search), so the total is a sum of a few of its rows.
	counted bool
}

// ticketQuery checks f and turns it into SQL; a search needs the search
// index to be usable.
func (db *DB) ticketQuery(ctx context.Context, f TicketFilter) (*ticketQuery, error) {
	q, err := newTicketQuery(f, db.index)
	if err != nil {
		return nil, err
	}
	if q.search != nil {
		q.search.matches, q.search.match = db.searchMatches(q.search.tokens)
		if db.postgres() {
			q.search.pg, q.search.join = true, "JOIN"
		}
		if err := db.CheckSearchIndex(ctx); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// newTicketQuery checks f and turns it into SQL, hashing the search's
// terms with ix.
func newTicketQuery(f TicketFilter, ix *blindIndex) (*ticketQuery, error) {
	q := &ticketQuery{order: f.Order, limit: f.Limit, counted: f.DueAfter.IsZero() && f.DueBefore.IsZero()}
	if f.Order != OrderNewest && f.Order != OrderQueue {
		return nil, fmt.Errorf("store: unknown ticket order %d", f.Order)
	}
	switch {
	case q.limit <= 0:
		q.limit = DefaultTicketLimit
	case q.limit > MaxTicketLimit:
		q.limit = MaxTicketLimit
	}
	for _, s := range f.Status {
		if !s.Valid() {
			return nil, fmt.Errorf("store: unknown status %q", s)
		}
		if !slices.Contains(q.statuses, s) {
			q.statuses = append(q.statuses, s)
		}
	}
	for _, p := range f.Priority {
		if !p.Valid() {
			return nil, fmt.Errorf("store: unknown priority %q", p)
		}
	}
	whereIn(q, "priority", f.Priority)
	whereIn(q, "category", f.Category)
	whereIn(q, "assignee", f.Assignee)
	if !f.DueAfter.IsZero() {
		q.where, q.args = append(q.where, "due_at >= ?"), append(q.args, millis(f.DueAfter))
	}
	if !f.DueBefore.IsZero() {
		q.where, q.args = append(q.where, "due_at < ?"), append(q.args, millis(f.DueBefore))
	}
	if n := len(strings.Fields(f.Search)); n > maxSearchWords {
		return nil, fmt.Errorf("store: search of %d words; at most %d", n, maxSearchWords)
	}
	q.search = newSearchQuery(f.Search, ix)
	q.counted = q.counted && q.search == nil
	if f.After != "" {
		c, err := parseCursor(f.After)
		if err != nil || c.order != f.Order {
			return nil, fmt.Errorf("%w: %q", ErrBadCursor, f.After)
		}
		q.after = &c
	}
	return q, nil
}

// whereIn adds the condition "column IN (values)" to q when there are
// values.
func whereIn[T ~string](q *ticketQuery, column string, values []T) {
	if len(values) == 0 {
		return
	}
	q.where = append(q.where, column+" IN ("+marks(len(values))+")")
	for _, v := range values {
		q.args = append(q.args, string(v))
	}
}

// marks returns n comma-separated placeholders.
func marks(n int) string { return strings.Repeat(", ?", n)[2:] }

// page returns the query of a page: one more ticket than the limit, to
// tell whether another page follows. With several statuses it merges the
// first keys of each status's range, then reads the tickets of the page.
func (q *ticketQuery) page() (string, []any) {
	if q.search != nil && (q.order == OrderNewest || q.search.few) {
		return q.pageOfMatches()
	}
	if len(q.statuses) <= 1 {
		where, args := q.ranged(q.statuses)
		text := "SELECT " + ticketListColumns + ", urgency FROM tickets" + where + " ORDER BY " + q.orderBy("") + " LIMIT ?"
		return text, append(args, q.limit+1)
	}
	var parts []string
	var args []any
	for i, s := range q.statuses {
		where, a := q.ranged([]Status{s})
		parts = append(parts, "SELECT * FROM (SELECT id, urgency, due_at FROM tickets"+where+
			" ORDER BY "+q.orderBy("")+" LIMIT ?) AS status_"+strconv.Itoa(i))
		args = append(append(args, a...), q.limit+1)
	}
	keys := "SELECT id AS page_id, urgency AS page_urgency, due_at AS page_due_at FROM (" +
		strings.Join(parts, " UNION ALL ") + ") AS statuses ORDER BY " + q.orderBy("") + " LIMIT ?"
	text := "SELECT " + ticketListColumns + ", urgency FROM tickets JOIN (" + keys + ") AS page ON id = page_id ORDER BY " +
		q.orderBy("page_")
	return text, append(args, q.limit+1)
}

// ranged returns the WHERE clause of a page of the tickets in statuses
// (all statuses when there is none): with the cursor, the range of an
// index that starts after it. A search is checked on each ticket read
// (searchQuery.checked).
func (q *ticketQuery) ranged(statuses []Status) (string, []any) {
	where, args := q.plainConditions(statuses)
	if q.search != nil {
		c, a := q.search.checked()
		where, args = append(where, c), append(args, a...)
	}
	where, args = q.afterCursor(where, args, "id")
	return whereClause(where), args
}

// afterCursor adds to where the condition of the tickets after the
// cursor, if any, with id the column of their ids.
func (q *ticketQuery) afterCursor(where []string, args []any, id string) ([]string, []any) {
	if q.after == nil {
		return where, args
	}
	switch q.order {
	case OrderNewest:
		return append(where, id+" < ?"), append(args, q.after.id)
	default:
		return append(where, "(urgency, due_at, "+id+") > (?, ?, ?)"), append(args, q.after.urgency, q.after.due, q.after.id)
	}
}

// count returns the query counting every ticket the filter selects: from
// ticket_counts, which triggers keep per status, priority, category and
// assignee (migration 0010), when it can.
func (q *ticketQuery) count() (string, []any) {
	if q.search != nil {
		return q.countMatches()
	}
	where, args := q.conditions(q.statuses)
	if q.counted {
		return "SELECT COALESCE(SUM(n), 0) FROM ticket_counts" + whereClause(where), args
	}
	return "SELECT COUNT(*) FROM tickets" + whereClause(where), args
}

// conditions returns the filter's conditions on tickets in statuses, a
// search's included (as the set of tickets the index matches).
func (q *ticketQuery) conditions(statuses []Status) ([]string, []any) {
	where, args := q.plainConditions(statuses)
	if q.search != nil {
		where = append(where, "id IN ("+q.search.matches+")")
		args = append(args, q.search.match)
	}
	return where, args
}

// plainConditions returns the filter's conditions on tickets in statuses
// but the search's.
func (q *ticketQuery) plainConditions(statuses []Status) ([]string, []any) {
	where := slices.Clone(q.where)
	args := slices.Clone(q.args)
	if len(statuses) > 0 {
		where = append([]string{"status IN (" + marks(len(statuses)) + ")"}, where...)
		sargs := make([]any, len(statuses))
		for i, s := range statuses {
			sargs[i] = string(s)
		}
		args = append(sargs, args...)
	}
	return where, args
}

// orderBy is the ORDER BY of the query's order, on the columns named
// prefix+"urgency" and so on. tickets.urgency is 0 for urgent tickets and 1
// for the others (migration 0007).
func (q *ticketQuery) orderBy(prefix string) string {
	if q.order == OrderQueue {
		return prefix + "urgency, " + prefix + "due_at, " + prefix + "id"
	}
	return prefix + "id DESC"
}

func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// cursor is the place of a ticket in an order: what TicketPage.Next
// encodes. OrderNewest needs only the id.
type cursor struct {
	order   TicketOrder
	urgency int   // tickets.urgency
	due     int64 // due_at, Unix milliseconds
	id      int64
}

// String encodes c: "n.ID" or "q.URGENCY.DUE.ID", in URL-safe base64, so
// that callers take it as a token rather than build one.
func (c cursor) String() string {
	var s string
	if c.order == OrderQueue {
		s = fmt.Sprintf("q.%d.%d.%d", c.urgency, c.due, c.id)
	} else {
		s = fmt.Sprintf("n.%d", c.id)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// parseCursor decodes what cursor.String encoded.
func parseCursor(s string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, err
	}
	f := strings.Split(string(b), ".")
	var nums []int64
	for _, x := range f[1:] {
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return cursor{}, err
		}
		nums = append(nums, n)
	}
	switch {
	case f[0] == "n" && len(nums) == 1:
		return cursor{order: OrderNewest, id: nums[0]}, nil
	case f[0] == "q" && len(nums) == 3:
		return cursor{order: OrderQueue, urgency: int(nums[0]), due: nums[1], id: nums[2]}, nil
	}
	return cursor{}, errors.New("unknown form")
}
