package console

import (
	"net/http"

	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
)

// ticketList is the body of GET /api/v1/tickets.
type ticketList struct {
	Tickets []store.Ticket `json:"tickets"` // as in "ticketd tickets -json": without descriptions, personal data masked (replies.Listed)
	Total   int            `json:"total"`   // tickets the filter selects on all pages
	Next    string         `json:"next"`    // the after of the next page; "" on the last
}

// apiTickets lists tickets: GET /api/v1/tickets, with the queue's filters
// (status, priority, category, assignee, q, each repeatable), after (next
// of the page before) and limit (at most 200; default 50). With no status
// it lists the queue's statuses, in the queue's order.
func (s *Server) apiTickets(w http.ResponseWriter, r *http.Request) {
	q, err := parseQueueQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "error.bad_filter", err.Error())
		return
	}
	page, _, perr := s.listTickets(r, q.filter())
	if perr != nil {
		s.fail(w, r, perr.status, perr.key, perr.args...)
		return
	}
	list := ticketList{Tickets: make([]store.Ticket, len(page.Tickets)), Total: page.Total, Next: page.Next}
	for i, t := range page.Tickets {
		list.Tickets[i] = replies.Listed(t) // personal data masked; GET /api/v1/tickets/{number} has it in full
	}
	s.writeJSON(w, http.StatusOK, list)
}
