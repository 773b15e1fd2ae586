package console

import "net/http"

// queueRows serves the rows of a page of the queue, and its counts, as an
// HTML fragment: GET /queue/rows, with the queue's query. The script
// swaps them in when the live updates say tickets changed.
func (s *Server) queueRows(w http.ResponseWriter, r *http.Request) {
	p, perr := s.queuePage(r)
	if perr != nil {
		s.fail(w, r, perr.status, perr.key, perr.args...)
		return
	}
	s.renderPart(w, r, http.StatusOK, "queue", "rows-fragment", s.newView(r, "queue.title", p))
}
