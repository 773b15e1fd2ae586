package console

import (
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/templates"
)

// acting is what Reload replaces: the operator's actions and the
// templates they answer from.
type acting struct {
	operator *replies.Operator
	letters  *templates.Set
}

// Reload makes the console answer with op and list the templates of
// tmpl, from the next request on; a request being served finishes with
// what it began with wherever it read them once. Safe to call while the
// console serves.
func (s *Server) Reload(op *replies.Operator, tmpl *templates.Set) {
	s.acting.Store(&acting{operator: op, letters: tmpl})
}

// operator returns the operator's actions in use; nil: the console reads
// but cannot act.
func (s *Server) operator() *replies.Operator { return s.acting.Load().operator }

// letters returns the templates in use; nil when none were given.
func (s *Server) letters() *templates.Set { return s.acting.Load().letters }
