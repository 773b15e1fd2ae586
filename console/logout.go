package console

import (
	"net/http"

	"github.com/ticketd/ticketd/redact"
)

// logout ends the session: POST /logout. It needs no live session, so
// that a browser holding a dead one can still drop its cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if hash := s.sessionHash(r); hash != nil {
		if err := s.store.RevokeSession(r.Context(), hash); err != nil {
			s.log.Error("console sign-out", redact.Err(err))
			s.fail(w, r, http.StatusInternalServerError, "error.internal")
			return
		}
	}
	s.clearSession(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
