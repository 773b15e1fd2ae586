package console

import (
	"context"
	"net/http"

	"github.com/ticketd/ticketd/console/internal/mailview"
	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/triage"
)

// TicketFiles is what the ticket page reads besides Tickets: the internal
// notes, and the files letters carried with their copies.
type TicketFiles interface {
	Notes(ctx context.Context, ticketID int64) ([]store.Note, error)
	AttachmentFile(ctx context.Context, ticketID int64, sum string) (store.AttachmentFile, error)
	Blob(ctx context.Context, sum string) ([]byte, error)
}

// ticketPages serves the ticket page and the ticket part of the API. It
// holds what the pages share and is costly to build: the HTML sanitiser,
// the triage rules that find personal data in letters, and the views of
// the letters shown lately.
type ticketPages struct {
	*Server
	mail  *mailview.Renderer
	rules *triage.Rules
	cache *letterCache
}

// ticketRoutes registers the ticket page (/tickets/{number}) and the
// ticket part of the API (/api/v1/tickets/{number}...). Every route that
// changes a ticket is for writers only (writersOnly), on top of session
// and bearer refusing auditors any such method.
func (s *Server) ticketRoutes(mux *http.ServeMux) {
	tp := &ticketPages{Server: s, mail: mailview.New(), rules: triage.DefaultRules(), cache: newLetterCache(letterCacheBytes)}

	mux.HandleFunc("GET /tickets/{number}", s.session(tp.page))
	mux.HandleFunc("POST /tickets/{number}/reply", s.session(s.writersOnly(tp.reply)))
	mux.HandleFunc("POST /tickets/{number}/status", s.session(s.writersOnly(tp.status)))
	mux.HandleFunc("POST /tickets/{number}/assign", s.session(s.writersOnly(tp.assign)))
	mux.HandleFunc("POST /tickets/{number}/priority", s.session(s.writersOnly(tp.priority)))
	mux.HandleFunc("POST /tickets/{number}/notes", s.session(s.writersOnly(tp.note)))
	mux.HandleFunc("GET /tickets/{number}/messages/{id}/raw", s.session(tp.raw))
	mux.HandleFunc("GET /tickets/{number}/files/{sum}", s.session(tp.file))
	mux.HandleFunc("GET /tickets/{number}/files/{sum}/thumbnail", s.session(tp.thumbnail))
	mux.HandleFunc("GET /tickets/{number}/files/{sum}/image", s.session(tp.image))
	mux.HandleFunc("GET /tickets/{number}/export.zip", s.session(s.auditorsOnly(tp.export)))

	mux.HandleFunc("GET /api/v1/tickets/{number}", s.bearer(tp.apiTicket))
	mux.HandleFunc("POST /api/v1/tickets/{number}/replies", s.bearer(s.writersOnly(tp.apiReply)))
	mux.HandleFunc("POST /api/v1/tickets/{number}/status", s.bearer(s.writersOnly(tp.apiStatus)))
	mux.HandleFunc("GET /api/v1/tickets/{number}/messages/{id}/raw", s.bearer(tp.raw))
}
