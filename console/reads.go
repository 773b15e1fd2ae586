package console

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"

	"github.com/ticketd/ticketd/accounts"
	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/store"
)

// Every read of personal data is recorded in the event log (store.Read)
// with the account that read it, before it is served: a ticket's page
// (read.ticket, once per page shown, whether its letters came from the
// letter cache or not), GET /api/v1/tickets/{number} (read.ticket), a
// letter's bytes (read.letter), a file, its thumbnail or display copy
// (read.file) and a search of the queue or the API (read.search, its
// terms masked by maskSearchTerms). A read that cannot be recorded is
// answered 500 and shows nothing. The queue without a search shows no
// more than its lists, and the live updates (/events) only ticket numbers
// and versions: neither is recorded.

// recordRead records that the user of r read what (store.ReadTicket, ...)
// of ticket ticketID (0: of none), with detail. When it fails, it logs
// why and returns the 500 to answer instead of what was read.
func (s *Server) recordRead(r *http.Request, what string, ticketID int64, detail string) *pageError {
	read := store.Read{TicketID: ticketID, Actor: currentUser(r).Name, What: what, Detail: detail}
	if err := s.store.RecordRead(r.Context(), read); err != nil {
		s.log.Error("console record read", "what", what, "route", r.Pattern, redact.Err(err))
		return internalError()
	}
	return nil
}

// letterRead is the detail of the read of letter id's bytes.
func letterRead(id int64) string { return fmt.Sprintf("letter %d", id) }

// fileRead is the detail of the read of a file, or of its copy (kind
// "thumbnail" or "display copy"; "" for the file itself), named by the
// start of its SHA-256 and the letter that carried it: a file's name may
// be personal data.
func fileRead(f store.AttachmentFile, kind string) string {
	d := fmt.Sprintf("file %s of letter %d", f.SHA256[:min(12, len(f.SHA256))], f.MessageID)
	if kind != "" {
		d += " (" + kind + ")"
	}
	return d
}

// readDetailFile matches what fileRead writes.
var readDetailFile = regexp.MustCompile(`^file ([0-9a-f]{1,64}) of letter ([0-9]+)(?: \((thumbnail|display copy)\))?$`)

// ReadDetail is the detail of read r in the page's language: the details
// letterRead and fileRead write are translated, any other is as recorded.
func (v *view) ReadDetail(r store.ReadEvent) string {
	var id int64
	switch r.Action {
	case "read." + store.ReadLetter:
		if _, err := fmt.Sscanf(r.Detail, "letter %d", &id); err == nil && letterRead(id) == r.Detail {
			return v.T("reads.letter", id)
		}
	case "read." + store.ReadFile:
		m := readDetailFile.FindStringSubmatch(r.Detail)
		if m == nil {
			break
		}
		id, _ = strconv.ParseInt(m[2], 10, 64)
		key := map[string]string{"": "reads.file", "thumbnail": "reads.file_thumbnail", "display copy": "reads.file_display"}[m[3]]
		return v.T(key, m[1], id)
	}
	return r.Detail
}

// canAudit reports whether u may see who read what: auditors and admins.
func canAudit(u store.User) bool {
	return accounts.Role(u.Role) == accounts.RoleAuditor || accounts.Role(u.Role) == accounts.RoleAdmin
}

// auditorsOnly is requireRole for the roles that see who read what:
// auditors and admins.
func (s *Server) auditorsOnly(h http.HandlerFunc) http.HandlerFunc {
	return s.requireRole(h, accounts.RoleAuditor, accounts.RoleAdmin)
}
