package console

import (
	"net/http"
	"time"

	"github.com/ticketd/ticketd/audit"
	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/store"
)

// exportWriteTimeout is how long an export may take to download, instead
// of the server's WriteTimeout: an export holds every letter of a ticket.
const exportWriteTimeout = 30 * time.Minute

// export serves GET /tickets/{number}/export.zip, for auditors and admins
// (the route checks): the ticket's export (see the audit package),
// recorded as a read.export event on the ticket by the user, streamed as
// it is written. A failure before the first byte is a 500 page; after it,
// the connection is cut, so that the browser does not keep a partial
// archive as a whole one.
func (tp *ticketPages) export(w http.ResponseWriter, r *http.Request) {
	t, ok := tp.ticketOf(w, r, ticketNumber(r))
	if !ok {
		return
	}
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(exportWriteTimeout)) // an error means there is no deadline
	zw := &downloadWriter{w: w, name: t.Number + "-export.zip"}
	_, err := audit.Write(r.Context(), zw, tp.store, audit.Request{
		Query: store.ExportQuery{Number: t.Number}, By: currentUser(r).Name, Via: "console",
	})
	if err == nil {
		return
	}
	tp.log.Error("console export", "ticket", t.Number, redact.Err(err))
	if !zw.started {
		tp.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	panic(http.ErrAbortHandler)
}

// downloadWriter writes a download's headers before its first byte: a zip
// archive to save, never sniffed or shown.
type downloadWriter struct {
	w       http.ResponseWriter
	name    string
	started bool
}

func (d *downloadWriter) Write(b []byte) (int, error) {
	if !d.started {
		d.started = true
		h := d.w.Header()
		h.Set("Content-Type", "application/zip")
		h.Set("Content-Disposition", contentDisposition("attachment", d.name))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", fileCSP)
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		d.w.WriteHeader(http.StatusOK)
	}
	return d.w.Write(b)
}
