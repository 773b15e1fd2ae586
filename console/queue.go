package console

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
)

// queuePage is the data of the queue page and its rows fragment.
type queuePage struct {
	Query      queueQuery
	Rows       []queueRow
	Total      int
	Next       string // the next page's URL; "" on the last
	First      string // the first page's URL when this is a later one
	RowsURL    string // the URL of this page's rows fragment, which the script reloads on live updates
	Counts     []statusCount
	Statuses   []string // every status, for the filter
	Priorities []string
	Categories []string
	Me         string
	Since      int64 // the latest version before the page was read: its event stream starts there
}

// queueRow is one ticket of the queue, its labels in the page's language:
// a flat struct with every value ready, so that the template does no
// look-ups (fifty rows of those were most of a page's time).
type queueRow struct {
	Number, Subject, CitizenName, CitizenAddress, Assignee string
	Status, StatusLabel, PriorityLabel, CategoryLabel      string
	Due, DueISO                                            string
	Overdue                                                bool // past its deadline while it waits on the support desk
	Urgent                                                 bool
}

// statusCount is one status's count, linking to the queue of that status.
type statusCount struct {
	Status string
	Count  int
	Href   string
	Active bool
}

// queue serves the queue: GET /.
func (s *Server) queue(w http.ResponseWriter, r *http.Request) {
	p, perr := s.queuePage(r)
	if perr != nil {
		s.fail(w, r, perr.status, perr.key, perr.args...)
		return
	}
	s.render(w, r, http.StatusOK, "queue", s.newView(r, "queue.title", p))
}

// queuePage reads the page of the queue r asks for, with the counts per
// status.
func (s *Server) queuePage(r *http.Request) (*queuePage, *pageError) {
	q, err := parseQueueQuery(r.URL.Query())
	if err != nil {
		return nil, badFilter(err)
	}
	// The version first: a change after it is either on the page or
	// sent to the page's event stream (after=).
	since, err := s.store.LatestVersion(r.Context())
	if err != nil {
		s.log.Error("console queue", redact.Err(err))
		return nil, internalError()
	}
	f := q.filter()
	page, counts, perr := s.listTickets(r, f)
	if perr != nil {
		return nil, perr
	}
	p := &queuePage{
		Query: q, Total: page.Total, Me: currentUser(r).Name, Priorities: []string{"high", "normal"},
		Categories: categories(), RowsURL: q.page("/queue/rows", q.After), Since: since,
	}
	for _, st := range statusOrder() {
		p.Statuses = append(p.Statuses, string(st))
	}
	now := s.now()
	v := s.newView(r, "", nil)
	p.Rows = make([]queueRow, 0, len(page.Tickets))
	for _, t := range page.Tickets {
		t = replies.Listed(t) // personal data masked; the ticket page has it in full
		p.Rows = append(p.Rows, queueRow{
			Number: t.Number, Subject: t.Subject, CitizenName: t.CitizenName, CitizenAddress: t.CitizenAddress,
			Assignee: t.Assignee, Status: string(t.Status), StatusLabel: v.Label("status.", string(t.Status)),
			PriorityLabel: v.Label("priority.", string(t.Priority)), CategoryLabel: v.Label("category.", t.Category),
			Due: v.Time(t.DueAt), DueISO: t.DueAt.UTC().Format(time.RFC3339),
			Overdue: overdue(t, now), Urgent: t.Priority == store.PriorityHigh,
		})
	}
	if page.Next != "" {
		p.Next = q.page("/", page.Next)
	}
	if q.After != "" {
		p.First = q.page("/", "")
	}
	for _, st := range statusOrder() {
		if n, ok := counts[st]; ok {
			p.Counts = append(p.Counts, statusCount{Status: string(st), Count: n, Href: q.withStatus(string(st)).page("/", ""),
				Active: len(q.Status) == 1 && q.Status[0] == string(st)})
		}
	}
	return p, nil
}

// listTickets reads the page of tickets f selects for the queue or the
// API and, when f has no search, the counts per open status, which cost a
// few rows of the store's counts (store.StatusCounts) and give the total
// when f's statuses are all open ones. A search is not counted by status:
// a common word matches too many tickets to count each time; its total
// is the store's, -1 when it matches too many to count. A search is a read
// (read.search, its terms masked): the page of the queue, the rows the
// queue reloads when tickets change (which run the search again) and the
// API alike.
func (s *Server) listTickets(r *http.Request, f store.TicketFilter) (store.TicketPage, map[store.Status]int, *pageError) {
	var counts map[store.Status]int
	if strings.TrimSpace(f.Search) == "" && f.DueAfter.IsZero() && f.DueBefore.IsZero() {
		var err error
		if counts, err = s.store.StatusCounts(r.Context(), f); err != nil {
			return store.TicketPage{}, nil, s.findFailed(r, err)
		}
	}
	sum, counted := 0, counts != nil
	for _, st := range f.Status {
		n, ok := counts[st]
		sum, counted = sum+n, counted && ok
	}
	f.NoTotal = counted && len(f.Status) > 0
	page, perr := s.findTickets(r, f)
	if perr != nil {
		return page, nil, perr
	}
	if strings.TrimSpace(f.Search) != "" {
		if perr := s.recordRead(r, store.ReadSearch, 0, maskSearchTerms(f.Search)); perr != nil {
			return store.TicketPage{}, nil, perr
		}
	}
	if f.NoTotal {
		page.Total = sum
	}
	return page, counts, nil
}

// findTickets reads the page of tickets f selects, turning the store's
// refusals into the answers they deserve.
func (s *Server) findTickets(r *http.Request, f store.TicketFilter) (store.TicketPage, *pageError) {
	page, err := s.store.FindTickets(r.Context(), f)
	if err != nil {
		return page, s.findFailed(r, err)
	}
	return page, nil
}

// findFailed is the answer to a failed look-up of tickets.
func (s *Server) findFailed(r *http.Request, err error) *pageError {
	switch {
	case errors.Is(err, store.ErrBadCursor):
		return badFilter(errors.New("after: not a cursor of this list"))
	case errors.Is(err, store.ErrSearchIndexStale):
		s.log.Error("console search", redact.Err(err))
		return &pageError{status: http.StatusServiceUnavailable, key: "error.search_stale"}
	case r.Context().Err() != nil:
		return &pageError{status: http.StatusServiceUnavailable, key: "error.unavailable"}
	}
	s.log.Error("console find tickets", redact.Err(err))
	return internalError()
}

// overdue reports whether t is past its deadline while it waits on the
// support desk.
func overdue(t store.Ticket, now time.Time) bool {
	return (t.Status == store.StatusNew || t.Status == store.StatusInProgress) && !t.DueAt.IsZero() && t.DueAt.Before(now)
}
