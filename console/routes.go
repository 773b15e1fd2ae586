package console

import "net/http"

// routes builds the console's handler: every route, each with its
// authentication and role checks, behind the middleware that every
// response goes through (outermost first): the request log, panic
// recovery, the security headers, the cross-origin refusal, the language.
//
// Pages take a session (session), the API a bearer token (bearer); routes
// that change tickets add requireRole (writersOnly), those that show who
// read what add it for auditors and admins (auditorsOnly).
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", s.static())
	mux.HandleFunc("GET /favicon.ico", s.favicon)
	mux.HandleFunc("GET /healthz", s.healthz)
	if s.metrics != nil {
		mux.Handle("GET /metrics", s.metrics)
	}

	mux.HandleFunc("GET /login", s.loginShow)
	mux.HandleFunc("POST /login", s.loginCheck)
	mux.HandleFunc("POST /logout", s.logout)

	mux.HandleFunc("GET /{$}", s.session(s.queue))
	mux.HandleFunc("GET /queue/rows", s.session(s.queueRows))
	mux.HandleFunc("GET /events", s.session(s.events))

	mux.HandleFunc("GET /api/v1/tickets", s.bearer(s.apiTickets))

	mux.HandleFunc("GET /audit/reads", s.session(s.auditorsOnly(s.auditReads)))
	mux.HandleFunc("GET /api/v1/reads", s.bearer(s.auditorsOnly(s.apiReads)))

	s.ticketRoutes(mux)

	var h http.Handler = mux
	h = s.language(h)
	h = s.refuseCrossOrigin(h)
	h = secureHeaders(h)
	h = s.recoverPanics(h)
	h = s.logRequests(h)
	return h
}
