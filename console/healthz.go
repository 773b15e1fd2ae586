package console

import (
	"context"
	"net/http"
	"time"

	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/store"
)

// healthz says whether the console can read the store: GET /healthz,
// {"status": "ok"} or 503. It needs no sign-in and tells nothing else.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.store.FindTickets(ctx, store.TicketFilter{Limit: 1, NoTotal: true}); err != nil {
		s.log.Error("console healthz", redact.Err(err))
		s.writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
