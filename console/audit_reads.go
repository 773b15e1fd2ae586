package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/store"
)

// Pages of reads.
const (
	readsPage       = 50  // reads on a page of /audit/reads, and of the API by default
	apiMaxReadsPage = 500 // reads on a page of GET /api/v1/reads at most
)

// readsQuery is the filter of /audit/reads and GET /api/v1/reads: user
// (an account; cli:NAME for the command line), ticket (its number),
// before (the ID of the last read of the page before) and, for the API,
// limit.
type readsQuery struct {
	User   string
	Ticket string
	Before int64
	Limit  int
}

// parseReadsQuery reads the filter from v, refusing oversized values and
// a before or limit that is not a positive number.
func parseReadsQuery(v url.Values) (readsQuery, error) {
	q := readsQuery{User: strings.TrimSpace(v.Get("user")), Ticket: strings.ToUpper(strings.TrimSpace(v.Get("ticket"))), Limit: readsPage}
	if len(q.User) > maxValueLen {
		return q, fmt.Errorf("user: longer than %d bytes", maxValueLen)
	}
	if len(q.Ticket) > maxValueLen {
		return q, fmt.Errorf("ticket: longer than %d bytes", maxValueLen)
	}
	if b := v.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 1 {
			return q, fmt.Errorf("before: want the id of a read")
		}
		q.Before = n
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return q, fmt.Errorf("limit: want a positive number")
		}
		q.Limit = min(n, apiMaxReadsPage)
	}
	return q, nil
}

// page returns the path and query of q's page before the read before (0:
// the newest).
func (q readsQuery) page(base string, before int64) string {
	v := url.Values{}
	if q.User != "" {
		v.Set("user", q.User)
	}
	if q.Ticket != "" {
		v.Set("ticket", q.Ticket)
	}
	if before > 0 {
		v.Set("before", strconv.FormatInt(before, 10))
	}
	if len(v) == 0 {
		return base
	}
	return base + "?" + v.Encode()
}

// findReads reads the page of reads q selects, and the ID to ask the
// next page before (0 on the last page).
func (s *Server) findReads(r *http.Request, q readsQuery) ([]store.ReadEvent, int64, *pageError) {
	rs, err := s.store.Reads(r.Context(), store.ReadFilter{Number: q.Ticket, Actor: q.User, Before: q.Before, Limit: q.Limit + 1})
	if err != nil {
		s.log.Error("console reads", redact.Err(err))
		return nil, 0, internalError()
	}
	var next int64
	if len(rs) > q.Limit {
		rs = rs[:q.Limit]
		next = rs[len(rs)-1].ID
	}
	return rs, next, nil
}

// readsPageData is what the page /audit/reads shows.
type readsPageData struct {
	Query  readsQuery
	Reads  []store.ReadEvent
	Older  string // the next page's URL; "" on the last
	Newest string // the first page's URL when this is a later one
}

// auditReads serves GET /audit/reads: who read what, newest first, of one
// ticket (ticket=), by one user (user=), or all, for auditors and admins.
func (s *Server) auditReads(w http.ResponseWriter, r *http.Request) {
	q, err := parseReadsQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "error.bad_filter", err.Error())
		return
	}
	q.Limit = readsPage
	rs, next, perr := s.findReads(r, q)
	if perr != nil {
		s.fail(w, r, perr.status, perr.key, perr.args...)
		return
	}
	p := &readsPageData{Query: q, Reads: rs}
	if next > 0 {
		p.Older = q.page("/audit/reads", next)
	}
	if q.Before > 0 {
		p.Newest = q.page("/audit/reads", 0)
	}
	s.render(w, r, http.StatusOK, "reads", s.newView(r, "reads.title", p))
}

// readList is the body of GET /api/v1/reads.
type readList struct {
	Reads []store.ReadEvent `json:"reads"`
	Next  string            `json:"next"` // the before of the next page; "" on the last
}

// apiReads serves GET /api/v1/reads, the reads /audit/reads shows, with
// limit (at most 500; default 50).
func (s *Server) apiReads(w http.ResponseWriter, r *http.Request) {
	q, err := parseReadsQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "error.bad_filter", err.Error())
		return
	}
	rs, next, perr := s.findReads(r, q)
	if perr != nil {
		s.fail(w, r, perr.status, perr.key, perr.args...)
		return
	}
	list := readList{Reads: rs}
	if list.Reads == nil {
		list.Reads = []store.ReadEvent{}
	}
	if next > 0 {
		list.Next = strconv.FormatInt(next, 10)
	}
	s.writeJSON(w, http.StatusOK, list)
}
