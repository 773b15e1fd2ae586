package console

import "net/http"

// ticketRoutes registers the ticket page (/tickets/{number}) and the
// ticket part of the API (/api/v1/tickets/{number}...). The ticket page's
// files fill it in.
func (s *Server) ticketRoutes(mux *http.ServeMux) {}

// ticketMessages is the ticket page's part of the message catalog,
// language → key → text, joined with coreMessages.
func ticketMessages() map[string]map[string]string { return nil }
